"""The one workbook renderer (report/excel.py) on small inputs: wrapped-text measurement,
tables of values (FrameSheet) read back with openpyxl (types, number formats, headers,
row heights, widths, shading, links, print set-up), identical bytes, and the metadata sheet
and report words in en, ru and kk."""

from __future__ import annotations

import io
import string
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from report_synthetic import make_info, make_tables

from mics_toolkit.errors import OptionError
from mics_toolkit.report import FrameSheet, frames_workbook_bytes, words, workbook_bytes
from mics_toolkit.report.excel import LINE_HEIGHT, number_format, text_lines, text_width
from mics_toolkit.report.spec import CONVENTIONS_FIXED, ReportOptions


# ---------------------------------------------------------------------- measuring text
def test_text_lines_wrap_at_words():
    # 14 units = 92 usable pixels: "Number of" | "children age" | "7-14 years" | "assessed";
    # counting 15 characters a line, as before, gave 3 lines and cut the last word
    assert text_lines("Number of children age 7-14 years assessed", 14) == 4
    assert text_lines("Number of children age 7-14 years assessed", 40) == 2
    assert text_lines("Rank", 6) == 1 and text_lines("", 6) == 1
    assert text_lines("first line\nsecond", 40) == 2
    assert text_lines("a b", 14, bold=True) == 1


def test_a_word_wider_than_the_column_takes_more_lines():
    word = "удовлетворённости"  # wider than a column of 14: Excel breaks it mid-word
    assert text_width(word) > 14 * 7 - 6
    assert text_lines(word, 14) == 2
    assert text_lines(word, 20) == 1
    assert text_lines(f"Балл {word} жизнью", 14) == 4


def test_text_width_by_character():
    assert text_width("iiii") < text_width("nnnn") < text_width("mmmm") < text_width("WWWW")
    assert text_width("ш") > text_width("н") > text_width("г")
    assert text_width("MICS", bold=True) == pytest.approx(1.07 * text_width("MICS"))
    assert text_width("中") == 15.0 and text_width("\u2603") == 8.0


# ---------------------------------------------------------------------- tables of values
FRAME = pd.DataFrame({
    "region": ["North", "-2", "=SUM(A1)", "A region with a name long enough to wrap " * 2],
    "estimate": [-1.25, 0.5, np.nan, np.inf],
    "n": np.array([10, -3, 0, 7], dtype=np.int64),
    "flag": [True, False, True, np.False_],
    "third": ["top", "middle", "bottom", ""],
})


@pytest.fixture(scope="module")
def frame_book():
    sheets = [
        FrameSheet(
            "Values",
            FRAME,
            title="=Title: values",
            description="A description long enough to wrap over the width of the table, "
            "which is narrow: " + "words " * 30,
            headers={"region": "Region", "estimate": "Lower bound of the interval (95%)",
                     "third": "Third"},
            formats={"estimate": "0.00", "n": "#,##0"},
            values={"third": {"top": "top third", "middle": "middle third"}},
            fills={(0, 0): "D9F0D3", (1, 4): "F8D7D3"},
            links={0: "Other"},
            key_columns=1,
        ),
        FrameSheet("Other", pd.DataFrame({"a": [1.0]}), key_columns=0),
    ]
    data = frames_workbook_bytes(sheets, info=make_info(), title="Book")
    return data, openpyxl.load_workbook(io.BytesIO(data))


def test_frame_values_and_types(frame_book):
    sheet = frame_book[1]["Values"]
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=5, max_row=8)]
    assert [r[0].value for r in rows][:3] == ["North", "-2", "=SUM(A1)"]
    assert all(r[0].data_type == "s" for r in rows)
    assert rows[1][0].quotePrefix and rows[2][0].quotePrefix and not rows[0][0].quotePrefix
    assert (rows[0][1].value, rows[0][1].data_type, rows[0][1].number_format) == (-1.25, "n",
                                                                                  "0.00")
    assert rows[2][1].value is None
    assert (rows[3][1].value, rows[3][1].data_type) == ("inf", "s")
    assert (rows[1][2].value, rows[1][2].data_type, rows[1][2].number_format) == (-3, "n",
                                                                                  "#,##0")
    assert [r[3].value for r in rows] == [True, False, True, False]
    assert [r[4].value for r in rows] == ["top third", "middle third", "bottom", None]


def test_frame_layout_heights_and_widths(frame_book):
    sheet = frame_book[1]["Values"]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=Title: values", "s")
    assert "A2:E2" in {str(r) for r in sheet.merged_cells.ranges}
    widths = [sheet.column_dimensions[c].width for c in "ABCDE"]
    assert sheet.row_dimensions[2].height >= LINE_HEIGHT * text_lines(sheet["A2"].value,
                                                                      sum(widths))
    assert sheet.row_dimensions[2].height >= 2 * LINE_HEIGHT
    header = "Lower bound of the interval (95%)"
    assert sheet["B4"].value == header and sheet["B4"].font.b
    assert sheet.row_dimensions[4].height >= LINE_HEIGHT * text_lines(header, widths[1],
                                                                      bold=True)
    assert text_lines(header, widths[1], bold=True) <= 3
    assert [sheet.cell(4, j).value for j in (1, 3, 4, 5)] == ["Region", "n", "flag", "Third"]
    assert widths[0] == 40  # the longest value is cut at 40 and wraps
    long = sheet["A8"]
    assert long.alignment.wrap_text
    assert sheet.row_dimensions[8].height >= LINE_HEIGHT * text_lines(long.value, 40) >= 30
    assert sheet.freeze_panes == "B5"


def test_frame_fills_links_and_print_setup(frame_book):
    book = frame_book[1]
    sheet = book["Values"]
    assert sheet["A5"].fill.start_color.rgb == "00D9F0D3"
    assert sheet["E6"].fill.start_color.rgb == "00F8D7D3"
    assert sheet["A6"].fill.fill_type is None
    assert sheet["A5"].hyperlink.location == "'Other'!A1"
    assert sheet["A5"].hyperlink.target is None
    for name in ("Values", "Other", "Metadata"):
        setup = book[name].page_setup
        assert (setup.fitToWidth, setup.fitToHeight, setup.paperSize) == (1, 0, 9), name
        assert book[name].sheet_properties.pageSetUpPr.fitToPage, name
    assert sheet.print_title_rows == "$1:$4" and sheet.print_title_cols == "$A:$A"
    assert sheet.page_setup.orientation == "portrait"  # 5 narrow columns fit upright
    other = book["Other"]
    assert other["A1"].value == "a" and other.freeze_panes == "A2"
    assert other.print_title_rows == "$1:$1"


def test_wide_frame_is_landscape():
    wide = pd.DataFrame({f"column {i}": [1.5] for i in range(12)})
    book = openpyxl.load_workbook(io.BytesIO(frames_workbook_bytes([FrameSheet("w", wide)])))
    assert book["w"].page_setup.orientation == "landscape"
    assert book.sheetnames == ["w"]  # no metadata sheet without build facts


def test_frames_workbook_is_byte_identical(frame_book):
    data, book = frame_book
    again = frames_workbook_bytes(
        [FrameSheet("Values", FRAME.copy(), title="=Title: values"),
         FrameSheet("Other", pd.DataFrame({"a": [1.0]}))], info=make_info(), title="Book")
    assert again != data  # other options, other bytes
    sheets = [FrameSheet("x", FRAME)]
    assert frames_workbook_bytes(sheets) == frames_workbook_bytes([FrameSheet("x", FRAME)])
    with zipfile.ZipFile(io.BytesIO(frames_workbook_bytes(sheets))) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core
    assert book.properties.created.isoformat().startswith("2024-06-30")
    assert book.properties.title == "Book"


# ---------------------------------------------------------------------- metadata in ru, kk
def _metadata(data: bytes, name: str) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))[name]
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=1)]


@pytest.mark.parametrize(("lang", "sheet", "build", "date", "weight", "lonely"), [
    ("ru", "Метаданные", "сборка", "дата сборки", "wm: вес",
     "страта с одной первичной единицей (lonely_psu)"),
    ("kk", "Метадеректер", "құрастыру", "құрастыру күні", "wm: салмақ",
     "бір бастапқы бірлігі бар страта (lonely_psu)"),
])
def test_metadata_sheet_in_the_build_language(estimates, lang, sheet, build, date, weight,
                                              lonely):
    info = make_info(lang=lang, conventions=ReportOptions().conventions())
    rows = _metadata(workbook_bytes(make_tables(estimates, lang), info=info), sheet)
    assert rows[0][0] == sheet
    assert rows[2] == tuple(words.WORKBOOK_WORDS[lang][k] for k in ("section", "item", "value"))
    body = {(r[0], r[1]): r[2] for r in rows[3:]}
    assert body[(build, date)] == "2024-06-30"
    assert body[(build, words.METADATA_WORDS[lang]["language"])] == lang
    assert body[(words.METADATA_WORDS[lang]["design"], weight)] == "wmweight"
    conventions = words.METADATA_WORDS[lang]["conventions"]
    assert body[(conventions, lonely)] == "fail"
    variance = next(v for (s, i), v in body.items() if s == conventions and "(variance)" in i)
    assert variance == words.CONVENTION_TEXTS[lang][CONVENTIONS_FIXED["variance"]]
    english = {"build", "design", "conventions", "inputs (SHA-256)", "versions"}
    assert not {r[0] for r in rows[3:]} & english


def test_english_metadata_is_unchanged(estimates):
    info = make_info(conventions=ReportOptions().conventions())
    rows = _metadata(workbook_bytes(make_tables(estimates), info=info), "Metadata")
    body = {(r[0], r[1]): r[2] for r in rows[3:]}
    assert body[("conventions", "variance")] == CONVENTIONS_FIXED["variance"]
    assert body[("build", "build date")] == "2024-06-30"


# ---------------------------------------------------------------------- the words
def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("table", ["WORKBOOK_WORDS", "METADATA_WORDS", "INDEX_HEADERS",
                                   "INDEX_WORDS", "INDEX_SHEETS", "GAP_WORDS"])
def test_every_language_has_every_word_with_the_same_fields(table):
    entries = getattr(words, table)
    assert set(entries) == {"en", "ru", "kk"}
    for lang in ("ru", "kk"):
        assert set(entries[lang]) == set(entries["en"]), (table, lang)
        for key, english in entries["en"].items():
            texts = english if isinstance(english, tuple) else (english,)
            other = entries[lang][key] if isinstance(english, tuple) else (entries[lang][key],)
            for a, b in zip(texts, other, strict=True):
                assert _fields(a) == _fields(b), (table, lang, key)
                assert b.strip(), (table, lang, key)


def test_explanations_match_across_languages():
    for table in (words.INDEX_EXPLANATION, words.INDEX_SENSITIVITY_EXPLANATION):
        for lang in ("ru", "kk"):
            assert len(table[lang]) == len(table["en"])
            for (t1, m1), (t2, m2) in zip(table["en"], table[lang], strict=True):
                assert _fields(t1) == _fields(t2) and _fields(m1) == _fields(m2)
                assert (t1, m1) != (t2, m2)


def test_fixed_conventions_are_translated():
    for lang in ("ru", "kk"):
        for key, text in CONVENTIONS_FIXED.items():
            assert words.convention_text(text, lang) != text, (lang, key)
            assert words.convention_label(key, lang).endswith(f"({key})")
        assert words.convention_text("logit", lang) == "logit"
        assert words.convention_label("unknown_key", lang) == "unknown_key"
    assert words.convention_label("lonely_psu", "en") == "lonely_psu"
    with pytest.raises(OptionError):
        words.words(words.WORKBOOK_WORDS, "fr")


# ---------------------------------------------------------------------- marked numbers
def test_a_significant_gap_stays_a_number_with_its_mark_in_the_format(info):
    from mics_toolkit.tables import MARK_SIGNIFICANT, Cell, Column, Row, StubGroup, Table

    assert number_format("percentage", 1, marker="\u2020") == '0.0"\u2020";-0.0"\u2020"'
    assert number_format("number", 2, parentheses=True, marker="\u2020") == (
        '(0.00)"\u2020";(-0.00)"\u2020"')
    cells = (Cell(0.0512, "percentage", 1, marker=MARK_SIGNIFICANT),
             Cell(-0.8, "number", 2, "25-49", marker=MARK_SIGNIFICANT),
             Cell(0.3, "number", 2, "<25", marker=MARK_SIGNIFICANT))
    assert [c.shown for c in cells] == ["5.1\u2020", "(-0.80)\u2020", "*"]
    table = Table("G", "Gaps", (Column("a", ("A",)), Column("b", ("B",)), Column("c", ("C",))),
                  (StubGroup(None, (Row("Difference", cells),)),))
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes([table], info=info)))["G"]
    row = next(r for r in sheet.iter_rows(min_row=5) if r[0].value == "Difference")
    assert (row[1].value, row[1].number_format) == (pytest.approx(5.12),
                                                    '0.0"\u2020";-0.0"\u2020"')
    assert (row[2].value, row[2].number_format) == (-0.8, '(0.00)"\u2020";(-0.00)"\u2020"')
    assert row[3].value == "*"


def test_styles_given_through_the_index_memo_are_those_openpyxl_gives():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from mics_toolkit.report.excel import _style

    bold, right = Font(bold=True), Alignment(horizontal="right")
    border = Border(bottom=Side(style="thin"))
    memo, plain = Workbook(), Workbook()
    for book in (memo, plain):
        book.active.cell(row=1, column=1).font = Font(italic=True)  # another style first
    for row in range(2, 6):
        _style(memo.active.cell(row=row, column=1), font=bold, alignment=right, border=border)
        cell = plain.active.cell(row=row, column=1)
        cell.font, cell.alignment, cell.border = bold, right, border
    for row in range(1, 6):
        a, b = memo.active.cell(row=row, column=1), plain.active.cell(row=row, column=1)
        assert list(a._style) == list(b._style)
        assert repr((a.font, a.alignment, a.border)) == repr((b.font, b.alignment, b.border))
    assert memo.active.cell(row=5, column=1).font.bold
    other = Workbook()  # the memo is per workbook: indices of another workbook are not used
    _style(other.active.cell(row=1, column=1), font=bold)
    assert other.active.cell(row=1, column=1).font.bold
