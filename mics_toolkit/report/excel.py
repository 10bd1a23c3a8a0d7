"""The Excel workbook for partners: MICS tables rendered with openpyxl, byte-identical on rebuild.

The workbook holds a contents sheet with a link to every sheet, one sheet per
:class:`~mics_toolkit.tables.model.Table` (title, subtitle, merged multi-level headers, stub
groups, footnotes; frozen panes, column widths, print titles, landscape fit to width), a notes
sheet and a metadata sheet (:class:`~mics_toolkit.report.manifest.BuildInfo`: build date,
design variables and weights, conventions, input SHA-256, spec hash, versions).

Cells hold real numbers on their display scale (percentages x 100) with number formats:
``0.0`` for a value, ``(0.0);(-0.0)`` for a value on 25-49 unweighted cases, so the cell
stays numeric while showing the parentheses; ``*``, ``-`` and ``na`` are text. Every text is
stored as a string cell (``t="inlineStr"``), so text starting with ``=``, ``+``, ``-`` or ``@``
is never a formula. For identical bytes on every build the document properties carry the
build date, not the clock, and the zip entries are rewritten in sorted order with the fixed
date 1980-01-01 and fixed attributes.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from mics_toolkit.errors import check_option
from mics_toolkit.io import check_output_path, write_atomically
from mics_toolkit.report.manifest import BuildInfo
from mics_toolkit.tables import LANGUAGES, Cell, Table, standard_footnotes

__all__ = [
    "HEADER_ROW",
    "ZIP_DATE",
    "number_format",
    "sheet_names",
    "workbook_bytes",
    "write_workbook",
]

HEADER_ROW = 4
"""First header row of a table sheet (row 1 title, row 2 subtitle, row 3 empty)."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Date of every zip entry of the workbook (the earliest a zip file can hold)."""

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "notes": "Notes",
        "metadata": "Metadata",
        "sheet": "Sheet",
        "title": "Title",
        "section": "Section",
        "item": "Item",
        "value": "Value",
        "conventions": "Marks in the tables",
    },
    "ru": {
        "contents": "Содержание",
        "notes": "Примечания",
        "metadata": "Метаданные",
        "sheet": "Лист",
        "title": "Название",
        "section": "Раздел",
        "item": "Элемент",
        "value": "Значение",
        "conventions": "Обозначения в таблицах",
    },
    "kk": {
        "contents": "Мазмұны",
        "notes": "Ескертпелер",
        "metadata": "Метадеректер",
        "sheet": "Парақ",
        "title": "Атауы",
        "section": "Бөлім",
        "item": "Элемент",
        "value": "Мәні",
        "conventions": "Кестелердегі белгілер",
    },
}

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=12)
_LINK_FONT = Font(color="0563C1", underline="single")
_THIN = Side(style="thin")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_NUMBER_ALIGNMENT = Alignment(horizontal="right")
_STUB_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
_STUB_INDENTED = Alignment(vertical="top", wrap_text=True, indent=1)
_DATA_WIDTH = 14
_STUB_WIDTH_LIMITS = (12, 60)
_FORMULA_STARTS = ("=", "+", "-", "@")
_INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def number_format(kind: str, decimals: int, *, parentheses: bool = False) -> str:
    """Excel number format of a cell.

    Parameters
    ----------
    kind : {"percentage", "number", "count"}
        ``count`` gets a thousands separator.
    decimals : int
    parentheses : bool
        Show the number in parentheses (25-49 unweighted cases), negative values as
        ``(-1.0)``.

    Examples
    --------
    >>> number_format("percentage", 1), number_format("percentage", 1, parentheses=True)
    ('0.0', '(0.0);(-0.0)')
    >>> number_format("count", 0), number_format("number", 3)
    ('#,##0', '0.000')
    """
    body = "#,##0" if kind == "count" else "0"
    if decimals > 0:
        body += "." + "0" * decimals
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

    Text starting with ``=``, ``+``, ``-`` or ``@`` also gets Excel's quote prefix, so that
    editing the cell in Excel keeps it text. An empty text leaves the cell empty.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if text[0] in _FORMULA_STARTS:
        cell.quotePrefix = True


def _put_cell(target, cell: Cell) -> None:
    if cell.is_number:
        value = float(cell.display)
        target.value = value
        target.number_format = number_format(
            cell.kind, cell.decimals, parentheses=cell.parentheses
        )
    else:
        _put_text(target, cell.shown)
        target.alignment = _NUMBER_ALIGNMENT  # marks line up with the numbers


def _line_count(text: str, width: float) -> int:
    characters = max(int(width * 1.1), 1)
    return sum(max(math.ceil(len(part) / characters), 1) for part in text.split("\n"))


def _write_table(sheet, table: Table) -> None:
    _put_text(sheet.cell(row=1, column=1), table.title)
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    if table.subtitle:
        _put_text(sheet.cell(row=2, column=1), table.subtitle)

    depth = table.header_depth
    last_header = HEADER_ROW + depth - 1
    stub = sheet.cell(row=HEADER_ROW, column=1)
    _put_text(stub, table.stub_header)
    stub.alignment = _HEADER_ALIGNMENT
    if depth > 1:
        sheet.merge_cells(start_row=HEADER_ROW, start_column=1, end_row=last_header, end_column=1)
    row_lines = [1] * depth
    for header in table.header_cells():
        top, left = HEADER_ROW + header.first_row, 2 + header.first_column
        bottom, right = HEADER_ROW + header.last_row, 2 + header.last_column
        target = sheet.cell(row=top, column=left)
        _put_text(target, header.text)
        target.alignment = _HEADER_ALIGNMENT
        if (top, left) != (bottom, right):
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
        span = header.last_column - header.first_column + 1
        rows = header.last_row - header.first_row + 1
        lines = math.ceil(_line_count(header.text, _DATA_WIDTH * span) / rows)
        for level in range(header.first_row, header.last_row + 1):
            row_lines[level] = max(row_lines[level], lines)
    for level, lines in enumerate(row_lines):
        sheet.row_dimensions[HEADER_ROW + level].height = 15 * lines
    for column in range(1, len(table.columns) + 2):
        sheet.cell(row=last_header, column=column).border = Border(bottom=_THIN)
        sheet.cell(row=HEADER_ROW, column=column).border = Border(
            top=_THIN, bottom=_THIN if depth == 1 else None
        )

    row = last_header + 1
    first_body = row
    labels = [table.stub_header]
    for group in table.groups:
        if group.label is not None:
            heading = sheet.cell(row=row, column=1)
            _put_text(heading, group.label)
            heading.font = _BOLD
            labels.append(group.label)
            row += 1
        for body in group.rows:
            label = sheet.cell(row=row, column=1)
            _put_text(label, body.label)
            label.alignment = _STUB_ALIGNMENT if group.label is None else _STUB_INDENTED
            labels.append(body.label)
            for offset, cell in enumerate(body.cells):
                _put_cell(sheet.cell(row=row, column=2 + offset), cell)
            row += 1
    for column in range(1, len(table.columns) + 2):
        sheet.cell(row=row - 1, column=column).border = Border(bottom=_THIN)

    row += 1
    for footnote in table.footnotes:
        _put_text(sheet.cell(row=row, column=1), footnote)
        row += 1

    low, high = _STUB_WIDTH_LIMITS
    stub_width = min(max(max((len(t) for t in labels), default=0) + 3, low), high)
    sheet.column_dimensions["A"].width = stub_width
    for column in range(2, len(table.columns) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = _DATA_WIDTH
    sheet.freeze_panes = sheet.cell(row=first_body, column=2)
    sheet.print_title_rows = f"1:{last_header}"
    sheet.print_title_cols = "A:A"
    _page_setup(sheet)


def _page_setup(sheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _location(name: str) -> str:
    return "'" + name.replace("'", "''") + "'!A1"


def _write_contents(sheet, entries: list[tuple[str, str]], heading: str, words) -> None:
    _put_text(sheet.cell(row=1, column=1), heading)
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    for column, text in enumerate((words["sheet"], words["title"]), start=1):
        target = sheet.cell(row=3, column=column)
        _put_text(target, text)
        target.font = _BOLD
        target.border = Border(bottom=_THIN)
    for row, (name, title) in enumerate(entries, start=4):
        link = sheet.cell(row=row, column=1)
        _put_text(link, name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=_location(name))
        link.font = _LINK_FONT
        _put_text(sheet.cell(row=row, column=2), title)
    sheet.column_dimensions["A"].width = max([len(n) for n, _ in entries] + [10]) + 4
    sheet.column_dimensions["B"].width = min(max([len(t) for _, t in entries] + [20]) + 4, 100)
    sheet.freeze_panes = "A4"
    _page_setup(sheet)


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


def _write_metadata(sheet, info: BuildInfo, words) -> None:
    _put_text(sheet.cell(row=1, column=1), words["metadata"])
    sheet.cell(row=1, column=1).font = _TITLE_FONT
    for column, text in enumerate((words["section"], words["item"], words["value"]), start=1):
        target = sheet.cell(row=3, column=column)
        _put_text(target, text)
        target.font = _BOLD
        target.border = Border(bottom=_THIN)
    rows = info.metadata_rows()
    for row, values in enumerate(rows, start=4):
        for column, text in enumerate(values, start=1):
            _put_text(sheet.cell(row=row, column=column), text)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = max([len(r[1]) for r in rows] + [10]) + 4
    sheet.column_dimensions["C"].width = 70
    sheet.freeze_panes = "A4"
    _page_setup(sheet)


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


def workbook_bytes(
    tables: Sequence[Table],
    *,
    info: BuildInfo,
    notes: Sequence[str] = (),
    lang: str | None = None,
) -> bytes:
    """The workbook as bytes: contents, one sheet per table, notes, metadata.

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
        Language of the sheet names and headings of the contents, notes and metadata sheets;
        default ``info.lang``.

    Returns
    -------
    bytes
        The same bytes for the same arguments and package versions.
    """
    lang = info.lang if lang is None else lang
    check_option("lang", lang, LANGUAGES)
    words = _WORDS[lang]
    fixed = [words["contents"], words["notes"], words["metadata"]]
    names = sheet_names([t.id for t in tables], reserved=fixed)

    workbook = Workbook()
    contents = workbook.active
    contents.title = words["contents"]
    for name, table in zip(names, tables, strict=True):
        _write_table(workbook.create_sheet(name), table)
    _write_notes(workbook.create_sheet(words["notes"]), notes, lang, words)
    _write_metadata(workbook.create_sheet(words["metadata"]), info, words)
    entries = [(name, table.title) for name, table in zip(names, tables, strict=True)]
    entries += [(words["notes"], words["notes"]), (words["metadata"], words["metadata"])]
    _write_contents(contents, entries, info.title or words["contents"], words)

    moment = info.build_datetime
    properties = workbook.properties
    properties.created = moment
    properties.modified = moment
    properties.creator = "mics_toolkit"
    properties.lastModifiedBy = None
    properties.title = info.title or None
    properties.language = lang

    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()  # not openpyxl's save_workbook: it stamps the clock
    return normalise_zip(raw.getvalue())


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
    data = workbook_bytes(tables, info=info, notes=notes, lang=lang)
    return write_atomically(
        path, lambda temporary: Path(temporary).write_bytes(data), errors=(OSError,)
    )
