"""The one Excel renderer of the package: every workbook, byte-identical on rebuild.

Three kinds of sheets are rendered with openpyxl, through the same cell, header, page and
saving code:

- MICS tables (:class:`~mics_toolkit.tables.model.Table`) in the report workbook of
  :func:`workbook_bytes`: title, subtitle, merged multi-level headers, stub groups, footnotes;
  with a contents sheet linking every sheet, a notes sheet and a metadata sheet;
- tables of values (:class:`FrameSheet`: a DataFrame with labelled headers, number formats,
  shading and links) in :func:`frames_workbook_bytes`: the index workbook
  (:mod:`mics_toolkit.report.index_outputs`) and ``mics estimate --out x.xlsx``;
- the metadata sheet (:class:`~mics_toolkit.report.manifest.BuildInfo`: build date, design
  variables and weights, conventions, input SHA-256, spec hash, versions) in the language of
  the build.

Cells hold real numbers with number formats: in a MICS table, numbers on their display scale
(percentages x 100) with ``0.0``, or ``(0.0);(-0.0)`` for a value on 25-49 unweighted cases
(the cell stays numeric while showing the parentheses); ``*``, ``-`` and ``na`` are text.
Every text (labels from specs and data included) is a string cell (``t="inlineStr"``), and
text starting with a formula character (:data:`~mics_toolkit.report.text_safety.FORMULA_STARTS`)
also gets Excel's quote prefix: no cell is ever a formula. The only links are the contents
sheet's hyperlinks to sheets of the same workbook.

Header rows are as tall as their wrapped text (:func:`text_lines` measures text in the widths
of 11-point Calibri, Excel's default font) and columns are widened so that no word of a header
is broken. Every sheet has a print set-up: A4, fit to the page width (``fitToHeight=0``),
landscape when wide, title and header rows repeated on every page.

For identical bytes on every build the document properties carry the build date, not the
clock, and the zip entries are rewritten in sorted order with the fixed date 1980-01-01 and
fixed attributes.
"""

from __future__ import annotations

import datetime
import io
import math
import os
import re
import unicodedata
import weakref
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from mics_toolkit.errors import check_option
from mics_toolkit.io import check_output_path, write_atomically
from mics_toolkit.report.manifest import BuildInfo
from mics_toolkit.report.text_safety import looks_like_formula
from mics_toolkit.report.words import WORKBOOK_WORDS, words
from mics_toolkit.tables import LANGUAGES, Cell, Table, standard_footnotes

__all__ = [
    "HEADER_ROW",
    "LINE_HEIGHT",
    "ZIP_DATE",
    "FrameSheet",
    "frames_workbook_bytes",
    "normalise_zip",
    "number_format",
    "sheet_names",
    "text_lines",
    "text_width",
    "workbook_bytes",
    "write_frames_workbook",
    "write_workbook",
]

HEADER_ROW = 4
"""First header row of a table sheet (row 1 title, row 2 subtitle, row 3 empty)."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Date of every zip entry of the workbook (the earliest a zip file can hold)."""

LINE_HEIGHT = 15.0
"""Height in points of one line of 11-point Calibri (Excel's default row height)."""

_UNDATED = datetime.datetime(*ZIP_DATE)
"""Document date of a workbook without build facts (``mics estimate``): fixed, not the clock."""

# Advance widths of 11-point Calibri at 96 dpi in pixels, rounded up, by character; Cyrillic
# letters (Russian and Kazakh) in the class of the Latin letter of the same width.
_CHARACTER_PIXELS: tuple[tuple[str, float], ...] = (
    (" '.,:;`|!ijlIіІї", 4.0),
    ("frt()-[]{}J/\\\"", 5.3),
    ("cszL?*^~гзсэтғ", 6.4),
    ("0123456789aegkvxy+=<>_#$EFSTYZаеёукхчяьәұү", 7.4),
    ("bdhnopquBCKPRXбвдийлнопрцъөңһқ", 8.0),
    ("ADGHNOQUVмыАБВГДЕЁЗИЙКЛНОПРСТУХЦЧЬЭЯӘҒҚҢӨҰҮҺЪ&", 9.6),
    ("mw%жшщюф", 12.0),
    ("MW@ЖШЩЮЫМФ", 13.6),
)
_PIXELS = {character: pixels for characters, pixels in _CHARACTER_PIXELS
           for character in characters}
_OTHER_PIXELS = 8.0
_WIDE_PIXELS = 15.0  # East Asian wide characters
_BOLD_FACTOR = 1.07
_PIXELS_PER_WIDTH = 7.0  # Calibri 11: one unit of column width is one digit, 7 pixels
_CELL_MARGIN = 6.0  # pixels of a column's width that text cannot use (margins, grid line)

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=12)
_NOTE_FONT = Font(italic=True)
_LINK_FONT = Font(color="0563C1", underline="single")
_THIN = Side(style="thin")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_NUMBER_ALIGNMENT = Alignment(horizontal="right")
_STUB_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
_STUB_INDENTED = Alignment(vertical="top", wrap_text=True, indent=1)
_WRAPPED = Alignment(vertical="top", wrap_text=True)
_BOTTOM_BORDER = Border(bottom=_THIN)
_TOP_BORDER = Border(top=_THIN)
_TOP_BOTTOM_BORDER = Border(top=_THIN, bottom=_THIN)
_STYLE_FIELDS = {"font": "fontId", "alignment": "alignmentId", "border": "borderId"}
_STYLE_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DATA_WIDTH = 14
_STUB_WIDTH_LIMITS = (12, 60)
_FRAME_WIDTH_LIMITS = (6, 40)
_HEADER_LINES = 3  # a column of values is widened until its header takes at most 3 lines
_PORTRAIT_WIDTH = 95  # column width that fits an A4 page upright at 100%
_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


# ---------------------------------------------------------------------- measuring text
def text_width(text: str, *, bold: bool = False) -> float:
    """Width of one line of ``text`` in pixels, in 11-point Calibri at 96 dpi.

    Character widths are Calibri's advance widths rounded up (Cyrillic letters included);
    other characters count 8 pixels, East Asian wide characters 15. Bold text is 7% wider.

    Examples
    --------
    >>> text_width("10"), text_width("10", bold=True) > text_width("10")
    (14.8, True)
    """
    total = 0.0
    for character in text:
        pixels = _PIXELS.get(character)
        if pixels is None:
            wide = unicodedata.east_asian_width(character) in ("W", "F")
            pixels = _WIDE_PIXELS if wide else _OTHER_PIXELS
        total += pixels
    return total * _BOLD_FACTOR if bold else total


def _usable_pixels(width: float) -> float:
    return max(width * _PIXELS_PER_WIDTH - _CELL_MARGIN, 1.0)


def text_lines(text: str, width: float, *, bold: bool = False) -> int:
    """Lines that ``text`` takes when wrapped in a column ``width`` wide.

    Lines break at spaces (and at the line breaks of ``text``), filled greedily as Excel
    does; a word wider than the column is broken, taking as many lines as it needs.

    Parameters
    ----------
    text : str
    width : float
        Column width in Excel's units (digits of the default font); the sum of the widths
        for a cell merged over several columns.
    bold : bool

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> text_lines("Number of children age 7-14 years assessed", 14)
    4
    >>> text_lines("Rank", 14), text_lines("", 14)
    (1, 1)
    """
    usable = _usable_pixels(width)
    space = text_width(" ", bold=bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split():
            size = text_width(word, bold=bold)
            if used and used + space + size <= usable:
                used += space + size
                continue
            if used:
                lines += 1
            extra = max(math.ceil(size / usable) - 1, 0)
            lines += extra
            used = size - extra * usable
    return max(lines, 1)


def _word_width(text: str, *, bold: bool = False) -> float:
    """Column width (Excel units) in which the longest word of ``text`` fits unbroken."""
    widest = max((text_width(word, bold=bold) for word in str(text).split()), default=0.0)
    return (widest + _CELL_MARGIN) / _PIXELS_PER_WIDTH


def _line_width(text: str, *, bold: bool = False) -> float:
    """Column width (Excel units) in which the longest line of ``text`` fits unwrapped."""
    widest = max((text_width(line, bold=bold) for line in str(text).split("\n")), default=0.0)
    return (widest + _CELL_MARGIN) / _PIXELS_PER_WIDTH


# ---------------------------------------------------------------------- cells
def number_format(kind: str, decimals: int, *, parentheses: bool = False,
                  marker: str = "") -> str:
    """Excel number format of a cell.

    Parameters
    ----------
    kind : {"percentage", "number", "count"}
        ``count`` gets a thousands separator.
    decimals : int
    parentheses : bool
        Show the number in parentheses (25-49 unweighted cases), negative values as
        ``(-1.0)``.
    marker : str
        Text shown after the number (the mark of a significant gap), as a literal of the
        format: the cell stays a number.

    Examples
    --------
    >>> number_format("percentage", 1), number_format("percentage", 1, parentheses=True)
    ('0.0', '(0.0);(-0.0)')
    >>> number_format("count", 0), number_format("number", 3)
    ('#,##0', '0.000')
    >>> number_format("number", 2, marker="x")
    '0.00"x";-0.00"x"'
    """
    body = "#,##0" if kind == "count" else "0"
    if decimals > 0:
        body += "." + "0" * decimals
    if marker:
        literal = '"' + marker.replace('"', "") + '"'
        if parentheses:
            return f"({body}){literal};(-{body}){literal}"
        return f"{body}{literal};-{body}{literal}"
    return f"({body});(-{body})" if parentheses else body


def sheet_names(titles: Sequence[str], reserved: Sequence[str] = ()) -> list[str]:
    """Valid, unique sheet names for ``titles`` (table ids), avoiding ``reserved``.

    Characters ``[]:*?/\\`` become ``_``, names are cut to 31 characters, quotes at the ends
    are dropped, and a repeated name (compared without case, as Excel does) gets `` (2)``,
    `` (3)`` ...

    Examples
    --------
    >>> sheet_names(["PR.2.1", "SE/1", "pr.2.1"], reserved=["Contents"])
    ['PR.2.1', 'SE_1', 'pr.2.1 (2)']
    """
    taken = {name.casefold() for name in reserved} | {"history"}
    out = []
    for title in titles:
        base = _INVALID_SHEET_CHARACTERS.sub("_", str(title)).strip("'").strip() or "Sheet"
        base = base[:31]
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _put_text(cell, text: str) -> None:
    """Store ``text`` as a string cell, never a formula or an error value.

    Text starting with a formula character also gets Excel's quote prefix, so that editing
    the cell in Excel keeps it text. An empty text leaves the cell empty.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True


def _style(cell, **styles: Any) -> None:
    """Give ``cell`` the fonts, alignments or borders of ``styles`` (module constants).

    openpyxl looks up an equal style among the workbook's by hashing the style object on
    every assignment; the index found for a style object is kept per workbook and given to
    the next cells directly (the same index, so the same bytes).
    """
    known = _STYLE_IDS.setdefault(cell.parent.parent, {})
    for name, value in styles.items():
        found = known.get((name, id(value)))
        if found is None:
            setattr(cell, name, value)
            known[(name, id(value))] = (value, getattr(cell._style, _STYLE_FIELDS[name]))
        else:
            if cell._style is None:  # a cell that has no style yet
                cell._style = StyleArray()
            setattr(cell._style, _STYLE_FIELDS[name], found[1])


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _put_value(cell, value: Any, number_format: str | None = None) -> None:
    """A cell holding ``value``: numbers as numbers with ``number_format`` (missing values
    empty, infinities as the text ``inf``/``-inf``), booleans as booleans, anything else as
    text (:func:`_put_text`)."""
    if _is_missing(value):
        cell.value = None
    elif isinstance(value, (bool, np.bool_)):
        cell.value = bool(value)
    elif isinstance(value, (int, np.integer)):
        cell.value = int(value)
        if number_format is not None:
            cell.number_format = number_format
    elif isinstance(value, (float, np.floating)) and math.isfinite(value):
        cell.value = float(value)
        if number_format is not None:
            cell.number_format = number_format
    elif isinstance(value, (float, np.floating)):
        _put_text(cell, "inf" if value > 0 else "-inf")
    else:
        _put_text(cell, value)


def _put_cell(target, cell: Cell) -> None:
    if cell.is_number:
        value = float(cell.display)
        target.value = value
        target.number_format = number_format(
            cell.kind, cell.decimals, parentheses=cell.parentheses, marker=cell.marker
        )
    else:
        _put_text(target, cell.shown)
        _style(target, alignment=_NUMBER_ALIGNMENT)  # marks line up with the numbers


def _location(name: str) -> str:
    return "'" + name.replace("'", "''") + "'!A1"


def _put_link(cell, text: str, sheet: str) -> None:
    """A link to cell A1 of ``sheet`` of the same workbook (not a HYPERLINK formula)."""
    _put_text(cell, text)
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=_location(sheet))
    cell.font = _LINK_FONT


# ---------------------------------------------------------------------- page set-up
def _page_setup(sheet, *, landscape: bool = True, title_rows: int = 0,
                title_columns: int = 0) -> None:
    """A4, fit to the page width with as many pages down as needed, rows ``1..title_rows``
    and columns ``A..`` ``title_columns`` repeated on every printed page."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = f"1:{title_rows}"
    if title_columns:
        sheet.print_title_cols = f"A:{get_column_letter(title_columns)}"


def _set_height(sheet, row: int, lines: int) -> None:
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines


# ---------------------------------------------------------------------- MICS tables
def _table_widths(table: Table) -> list[float]:
    """Widths of the columns of a table sheet: the stub from its labels, the data columns
    wide enough for every word of their headers (a spanner's words over its columns)."""
    labels = [table.stub_header or ""]
    for group in table.groups:
        labels.extend([group.label] if group.label is not None else [])
        labels.extend(row.label for row in group.rows)
    low, high = _STUB_WIDTH_LIMITS
    stub = min(max(max(len(t) for t in labels) + 3, low), high)
    stub = max(stub, math.ceil(_word_width(table.stub_header or "")))
    widths = [float(stub)] + [float(_DATA_WIDTH)] * len(table.columns)
    for header in sorted(table.header_cells(),
                         key=lambda h: h.last_column - h.first_column):
        columns = range(1 + header.first_column, 2 + header.last_column)
        need = _word_width(header.text) - sum(widths[c] for c in columns)
        if need > 0:
            extra = math.ceil(need / len(columns))
            for c in columns:
                widths[c] += extra
    return widths


def _write_table_header(sheet, table: Table, widths: Sequence[float]) -> int:
    """The header rows of a table sheet, as tall as their wrapped text; the last header row."""
    depth = table.header_depth
    last_header = HEADER_ROW + depth - 1
    stub = sheet.cell(row=HEADER_ROW, column=1)
    _put_text(stub, table.stub_header)
    _style(stub, alignment=_HEADER_ALIGNMENT)
    if depth > 1:
        sheet.merge_cells(start_row=HEADER_ROW, start_column=1, end_row=last_header, end_column=1)
    row_lines = [math.ceil(text_lines(table.stub_header or "", widths[0]) / depth)] * depth
    for header in table.header_cells():
        top, left = HEADER_ROW + header.first_row, 2 + header.first_column
        bottom, right = HEADER_ROW + header.last_row, 2 + header.last_column
        target = sheet.cell(row=top, column=left)
        _put_text(target, header.text)
        _style(target, alignment=_HEADER_ALIGNMENT)
        if (top, left) != (bottom, right):
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
        width = sum(widths[left - 1:right])
        rows = header.last_row - header.first_row + 1
        lines = math.ceil(text_lines(header.text, width) / rows)
        for level in range(header.first_row, header.last_row + 1):
            row_lines[level] = max(row_lines[level], lines)
    for level, lines in enumerate(row_lines):
        _set_height(sheet, HEADER_ROW + level, lines)
    for column in range(1, len(table.columns) + 2):
        _style(sheet.cell(row=last_header, column=column), border=_BOTTOM_BORDER)
        _style(sheet.cell(row=HEADER_ROW, column=column),
               border=_TOP_BOTTOM_BORDER if depth == 1 else _TOP_BORDER)
    return last_header


def _write_table(sheet, table: Table) -> None:
    _put_text(sheet.cell(row=1, column=1), table.title)
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    if table.subtitle:
        _put_text(sheet.cell(row=2, column=1), table.subtitle)
    widths = _table_widths(table)
    last_header = _write_table_header(sheet, table, widths)

    row = last_header + 1
    first_body = row
    for group in table.groups:
        if group.label is not None:
            heading = sheet.cell(row=row, column=1)
            _put_text(heading, group.label)
            _style(heading, font=_BOLD)
            row += 1
        for body in group.rows:
            label = sheet.cell(row=row, column=1)
            _put_text(label, body.label)
            _style(label, alignment=_STUB_ALIGNMENT if group.label is None else _STUB_INDENTED)
            for offset, cell in enumerate(body.cells):
                _put_cell(sheet.cell(row=row, column=2 + offset), cell)
            row += 1
    for column in range(1, len(table.columns) + 2):
        _style(sheet.cell(row=row - 1, column=column), border=_BOTTOM_BORDER)

    row += 1
    for footnote in table.footnotes:
        _put_text(sheet.cell(row=row, column=1), footnote)
        row += 1

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=first_body, column=2)
    _page_setup(sheet, title_rows=last_header, title_columns=1)


def _write_contents(sheet, entries: list[tuple[str, str]], heading: str, words) -> None:
    _put_text(sheet.cell(row=1, column=1), heading)
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    for column, text in enumerate((words["sheet"], words["title"]), start=1):
        target = sheet.cell(row=3, column=column)
        _put_text(target, text)
        target.font = _BOLD
        target.border = Border(bottom=_THIN)
    for row, (name, title) in enumerate(entries, start=4):
        _put_link(sheet.cell(row=row, column=1), name, name)
        _put_text(sheet.cell(row=row, column=2), title)
    sheet.column_dimensions["A"].width = max([len(n) for n, _ in entries] + [10]) + 4
    sheet.column_dimensions["B"].width = min(max([len(t) for _, t in entries] + [20]) + 4, 100)
    sheet.freeze_panes = "A4"
    _page_setup(sheet, title_rows=3)


def _write_notes(sheet, notes: Sequence[str], lang: str, words) -> None:
    _put_text(sheet.cell(row=1, column=1), words["notes"])
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    row = 3
    for note in notes:
        _put_text(sheet.cell(row=row, column=1), note)
        row += 1
    if notes:
        row += 1
    heading = sheet.cell(row=row, column=1)
    _put_text(heading, words["conventions"])
    heading.font = _BOLD
    for line in standard_footnotes(None, lang=lang):
        row += 1
        _put_text(sheet.cell(row=row, column=1), line)
    sheet.column_dimensions["A"].width = 100
    _page_setup(sheet)


def _write_metadata(sheet, info: BuildInfo, lang: str) -> None:
    """The metadata sheet in ``lang``: section, item and value of every build fact."""
    words = WORKBOOK_WORDS[lang]
    _put_text(sheet.cell(row=1, column=1), words["metadata"])
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    for column, text in enumerate((words["section"], words["item"], words["value"]), start=1):
        target = sheet.cell(row=3, column=column)
        _put_text(target, text)
        target.font = _BOLD
        target.border = Border(bottom=_THIN)
    rows = info.metadata_rows(lang)
    for row, values in enumerate(rows, start=4):
        for column, text in enumerate(values, start=1):
            _put_text(sheet.cell(row=row, column=column), text)
    sheet.column_dimensions["A"].width = max([len(r[0]) for r in rows] + [16]) + 4
    sheet.column_dimensions["B"].width = max([len(r[1]) for r in rows] + [10]) + 4
    sheet.column_dimensions["C"].width = 70
    sheet.freeze_panes = "A4"
    _page_setup(sheet, title_rows=3)


# ---------------------------------------------------------------------- saving
def normalise_zip(raw: bytes) -> bytes:
    """Rewrite a zip archive (an .xlsx) with sorted entries, fixed dates, attributes and
    compression, so that the same content always gives the same bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target,
    ):
        for name in sorted(source.namelist()):
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(name), compresslevel=6)
    return out.getvalue()


def _saved(workbook: Workbook, *, moment: datetime.datetime, title: str | None,
           lang: str) -> bytes:
    """The workbook's bytes with fixed document properties and a normalised zip."""
    properties = workbook.properties
    properties.created = moment
    properties.modified = moment
    properties.creator = "mics_toolkit"
    properties.lastModifiedBy = None
    properties.title = title or None
    properties.language = lang
    raw = io.BytesIO()
    # stored, not deflated: normalise_zip compresses every entry once
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True)
    ExcelWriter(workbook, archive).save()  # not openpyxl's save_workbook: it stamps the clock
    return normalise_zip(raw.getvalue())


def _write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    return write_atomically(
        path, lambda temporary: Path(temporary).write_bytes(data), errors=(OSError,)
    )


# ---------------------------------------------------------------------- the report workbook
def workbook_bytes(
    tables: Sequence[Table],
    *,
    info: BuildInfo,
    notes: Sequence[str] = (),
    lang: str | None = None,
) -> bytes:
    """The report workbook as bytes: contents, one sheet per table, notes, metadata.

    Parameters
    ----------
    tables : sequence of Table
        In sheet order (standard tables, then the sampling-error tables); sheet names come
        from ``Table.id``.
    info : BuildInfo
        Build facts for the metadata sheet and the document properties (title, build date).
    notes : sequence of str
        Lines of the notes sheet, before the explanation of the marks.
    lang : {"en", "ru", "kk"}, optional
        Language of the sheet names and headings of the contents, notes and metadata sheets
        and of the metadata labels; default ``info.lang``.

    Returns
    -------
    bytes
        The same bytes for the same arguments and package versions.
    """
    lang = info.lang if lang is None else lang
    words = WORKBOOK_WORDS[check_option("lang", lang, LANGUAGES)]
    fixed = [words["contents"], words["notes"], words["metadata"]]
    names = sheet_names([t.id for t in tables], reserved=fixed)

    workbook = Workbook()
    contents = workbook.active
    contents.title = words["contents"]
    for name, table in zip(names, tables, strict=True):
        _write_table(workbook.create_sheet(name), table)
    _write_notes(workbook.create_sheet(words["notes"]), notes, lang, words)
    _write_metadata(workbook.create_sheet(words["metadata"]), info, lang)
    entries = [(name, table.title) for name, table in zip(names, tables, strict=True)]
    entries += [(words["notes"], words["notes"]), (words["metadata"], words["metadata"])]
    _write_contents(contents, entries, info.title or words["contents"], words)
    return _saved(workbook, moment=info.build_datetime, title=info.title, lang=lang)


def write_workbook(
    path: str | os.PathLike[str],
    tables: Sequence[Table],
    *,
    info: BuildInfo,
    notes: Sequence[str] = (),
    lang: str | None = None,
) -> Path:
    """Write the workbook of :func:`workbook_bytes` to ``path`` atomically.

    The whole workbook is made in memory, then written to a temporary file beside ``path``
    and renamed over it: a failure leaves no half-written workbook and an existing file
    unchanged.

    Raises
    ------
    OutputError
        ``path`` is an existing directory, or its folder is missing or not writable;
        ``path`` names it.

    Examples
    --------
    >>> write_workbook("build/report.xlsx", tables, info=BuildInfo("2024-06-30"))
    ... # doctest: +SKIP
    """
    check_output_path(path)
    return _write_bytes(path, workbook_bytes(tables, info=info, notes=notes, lang=lang))


# ---------------------------------------------------------------------- tables of values
@dataclass(frozen=True, eq=False)
class FrameSheet:
    """A sheet holding a table of values: optional title and description, one header row of
    labels, one row per row of ``frame``.

    Parameters
    ----------
    name : str
        Sheet name (made valid and unique by :func:`sheet_names`).
    frame : pandas.DataFrame
        The values: numbers stay numbers (NaN empty), booleans booleans, anything else text.
    title : str
        Row 1 (bold). With a title or a description the header row is row 4
        (:data:`HEADER_ROW`), else row 1.
    description : str
        Row 2, wrapped over the width of the table.
    headers : mapping
        Column name -> header shown (default: the column name).
    formats : mapping
        Column name -> Excel number format of its numbers (default: General).
    values : mapping
        Column name -> {value: text shown} (for example the names of the thirds).
    fills : mapping
        ``(row, column)`` positions in ``frame`` (0-based) -> fill colour ``"RRGGBB"``.
    widths : mapping
        Column name -> fixed column width; text wraps within it. Other columns are as wide
        as their longest value (at most 40) and the longest word of their header, and wide
        enough for the header to take at most 3 lines.
    links : mapping
        Row of ``frame`` -> name of a sheet of the same workbook: the row's first cell
        links to that sheet's cell A1.
    key_columns : int
        Columns frozen at the left and repeated on every printed page (``0``: none).
    """

    name: str
    frame: pd.DataFrame
    title: str = ""
    description: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    fills: Mapping[tuple[int, int], str] = field(default_factory=dict)
    widths: Mapping[str, float] = field(default_factory=dict)
    links: Mapping[int, str] = field(default_factory=dict)
    key_columns: int = 1

    @property
    def header_row(self) -> int:
        """Row of the header labels: :data:`HEADER_ROW` under a title, else 1."""
        return HEADER_ROW if (self.title or self.description) else 1


def _shown(value: Any, number_format: str | None) -> str:
    """About the text Excel shows for ``value`` (to size its column)."""
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "-inf"
        if number_format is None or number_format == "General":
            return f"{value:.10g}"
        decimals = len(number_format.partition(".")[2])
        return f"{value:,.{decimals}f}" if "," in number_format else f"{value:.{decimals}f}"
    return str(value)


def _displayed(value: Any, sheet: FrameSheet, name: Any) -> Any:
    """``value`` as shown in column ``name`` (through ``sheet.values``)."""
    shown = sheet.values.get(name)
    if shown:
        try:
            return shown.get(value, value)
        except TypeError:  # not hashable
            return value
    return value


def _frame_widths(sheet: FrameSheet, headers: Sequence[str]) -> list[float]:
    """Column widths: fixed ones as given; others fit the longest value (at most 40) and
    every word of the header, at least 6, widened until the header takes at most 3 lines."""
    low, high = _FRAME_WIDTH_LIMITS
    widths = []
    for position, (name, header) in enumerate(zip(sheet.frame.columns, headers, strict=True)):
        if name in sheet.widths:
            widths.append(float(sheet.widths[name]))
            continue
        fmt = sheet.formats.get(name)
        values = max((_line_width(_shown(_displayed(v, sheet, name), fmt))
                      for v in sheet.frame.iloc[:, position].tolist()), default=0.0)
        width = math.ceil(max(min(values, high), _word_width(header, bold=True), low))
        while text_lines(header, width, bold=True) > _HEADER_LINES and width < high:
            width += 1
        widths.append(float(width))
    return widths


def _write_frame_header(target, sheet: FrameSheet, headers: Sequence[str],
                        widths: Sequence[float]) -> None:
    row = sheet.header_row
    if sheet.title:
        _put_text(target.cell(row=1, column=1), sheet.title)
        target.cell(row=1, column=1).font = _TITLE_FONT
    if sheet.description:
        cell = target.cell(row=2, column=1)
        _put_text(cell, sheet.description)
        cell.font = _NOTE_FONT
        cell.alignment = _WRAPPED
        if len(widths) > 1:
            target.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
        _set_height(target, 2, text_lines(sheet.description, sum(widths)))
    lines = 1
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = target.cell(row=row, column=column)
        _put_text(cell, header)
        cell.font = _BOLD
        cell.alignment = _HEADER_ALIGNMENT
        cell.border = Border(bottom=_THIN)
        lines = max(lines, text_lines(header, width, bold=True))
    _set_height(target, row, lines)


def _write_frame(target, sheet: FrameSheet, names: Mapping[str, str]) -> None:
    """Fill ``target`` with ``sheet``; ``names`` maps link targets to final sheet names."""
    frame = sheet.frame
    headers = [str(sheet.headers.get(name, name)) for name in frame.columns]
    widths = _frame_widths(sheet, headers)
    _write_frame_header(target, sheet, headers, widths)
    first = sheet.header_row + 1
    row_lines = [1] * len(frame)
    for position, name in enumerate(frame.columns):
        fmt = sheet.formats.get(name)
        width = widths[position]
        for i, value in enumerate(frame.iloc[:, position].tolist()):
            cell = target.cell(row=first + i, column=position + 1)
            _put_value(cell, _displayed(value, sheet, name), fmt)
            if cell.data_type == "s" and text_width(str(cell.value)) > _usable_pixels(width):
                cell.alignment = _WRAPPED
                row_lines[i] = max(row_lines[i], text_lines(str(cell.value), width))
    for i, lines in enumerate(row_lines):
        if lines > 1:
            _set_height(target, first + i, lines)
    for (i, j), colour in sorted(sheet.fills.items()):
        target.cell(row=first + i, column=j + 1).fill = PatternFill("solid", start_color=colour)
    for i, destination in sorted(sheet.links.items()):
        cell = target.cell(row=first + i, column=1)
        _put_link(cell, str(cell.value or destination), names.get(destination, destination))
    for column, width in enumerate(widths, start=1):
        target.column_dimensions[get_column_letter(column)].width = width
    target.freeze_panes = target.cell(row=first, column=sheet.key_columns + 1)
    _page_setup(target, landscape=sum(widths) > _PORTRAIT_WIDTH,
                title_rows=sheet.header_row, title_columns=sheet.key_columns)


def frames_workbook_bytes(
    sheets: Sequence[FrameSheet],
    *,
    info: BuildInfo | None = None,
    lang: str | None = None,
    title: str | None = None,
) -> bytes:
    """A workbook of tables of values as bytes, with a metadata sheet when ``info`` is given.

    Parameters
    ----------
    sheets : sequence of FrameSheet
        In sheet order.
    info : BuildInfo, optional
        Build facts: the metadata sheet (last) and the document's date. Without it there is
        no metadata sheet and the document's date is 1980-01-01.
    lang : {"en", "ru", "kk"}, optional
        Language of the metadata sheet; default ``info.lang`` (``"en"`` without ``info``).
    title : str, optional
        Document title; default ``info.title``.

    Returns
    -------
    bytes
        The same bytes for the same arguments and package versions.

    Examples
    --------
    >>> data = frames_workbook_bytes([FrameSheet("estimates", result, key_columns=0)])
    ... # doctest: +SKIP
    """
    lang = (info.lang if info is not None else "en") if lang is None else lang
    check_option("lang", lang, LANGUAGES)
    reserved = [words(WORKBOOK_WORDS, lang)["metadata"]] if info is not None else []
    final = sheet_names([s.name for s in sheets], reserved=reserved)
    names = dict(zip((s.name for s in sheets), final, strict=True))
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, sheet in zip(final, sheets, strict=True):
        _write_frame(workbook.create_sheet(name), sheet, names)
    if info is not None:
        _write_metadata(workbook.create_sheet(reserved[0]), info, lang)
    moment = info.build_datetime if info is not None else _UNDATED
    if title is None and info is not None:
        title = info.title
    return _saved(workbook, moment=moment, title=title, lang=lang)


def write_frames_workbook(
    path: str | os.PathLike[str],
    sheets: Sequence[FrameSheet],
    *,
    info: BuildInfo | None = None,
    lang: str | None = None,
    title: str | None = None,
) -> Path:
    """Write the workbook of :func:`frames_workbook_bytes` to ``path`` atomically.

    Raises
    ------
    OutputError
        ``path`` is an existing directory, or its folder is missing or not writable.

    Examples
    --------
    >>> write_frames_workbook("table.xlsx", [FrameSheet("estimates", result)])
    ... # doctest: +SKIP
    """
    check_output_path(path)
    return _write_bytes(path, frames_workbook_bytes(sheets, info=info, lang=lang, title=title))
