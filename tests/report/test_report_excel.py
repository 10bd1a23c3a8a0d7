"""The Excel workbook read back with openpyxl: sheets, links, merged headers, number formats,
marks and footnotes against the tidy table; text is never a formula; identical bytes on
rebuild; atomic writing and output errors."""

from __future__ import annotations

import io
import os
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
from report_synthetic import BREAKDOWNS, NOTES, make_tables

from mics_toolkit.errors import OutputError
from mics_toolkit.report import excel, workbook_bytes, write_workbook
from mics_toolkit.tables import Cell, Column, Row, StubGroup, Table

SHEETS = ["Contents", "EQ.1", "SE.1", "SE.2", "SE.3", "Notes", "Metadata"]


@pytest.fixture(scope="module")
def book(report):
    return openpyxl.load_workbook(report["report.xlsx"])


@pytest.fixture(scope="module")
def tidy(report):
    return pd.read_csv(report["report_estimates.csv"], dtype={"category": str},
                       keep_default_na=False, na_values=[""])


def test_sheets_and_contents_links(book, tables):
    assert book.sheetnames == SHEETS
    contents = book["Contents"]
    assert contents["A1"].value == "Synthetic MICS: tables"
    assert (contents["A3"].value, contents["B3"].value) == ("Sheet", "Title")
    for row, name in enumerate(SHEETS[1:], start=4):
        cell = contents.cell(row=row, column=1)
        assert cell.value == name
        assert cell.hyperlink.location == f"'{name}'!A1"
    assert contents["B4"].value == tables[0].title


def test_table_sheet_layout(book):
    sheet = book["EQ.1"]
    assert sheet["A1"].value == "Table EQ.1: Subjective well-being"
    assert sheet["A2"].value.startswith("Percentage of women")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert merged == {"A4:A5", "D4:D5", "E4:E5"}
    assert sheet["B4"].value == "Percentage of women who are:"
    assert sheet["B5"].value == "Very or somewhat happy [1]"
    assert sheet["C5"].value == "Life satisfaction score [2]"
    assert sheet["D4"].value == "Number of women age 15-49 years"
    assert sheet.freeze_panes == "B6"
    assert sheet.print_title_rows == "$1:$5"
    assert sheet.print_title_cols == "$A:$A"
    assert sheet.column_dimensions["B"].width == excel._DATA_WIDTH
    assert sheet.column_dimensions["A"].width >= len("Region 1")
    assert sheet.page_setup.orientation == "landscape"
    assert [sheet.cell(row=r, column=1).value for r in range(6, 10)] == [
        "Total", "Area", "Urban", "Rural"]


def _body(sheet):
    """Stub label -> row number, for the rows below the header."""
    return {sheet.cell(row=r, column=1).value: r for r in range(6, sheet.max_row + 1)}


def test_values_formats_and_marks_against_tidy(book, tidy):
    sheet = book["EQ.1"]
    rows = _body(sheet)
    happy = tidy.loc[tidy["indicator"] == "EQ.10"].set_index(["breakdown", "category"])
    labels = {("total", "total"): "Total", ("HH6", "1"): "Urban", ("HH6", "2"): "Rural",
              **{("HH7", str(c)): f"Region {c}" for c in range(1, 6)}}
    for key, label in labels.items():
        expected = happy.loc[key]
        value = sheet.cell(row=rows[label], column=2)
        count = sheet.cell(row=rows[label], column=4)
        unweighted = sheet.cell(row=rows[label], column=5)
        assert count.value == pytest.approx(expected["n_weighted"], rel=1e-15)
        assert count.number_format == "#,##0"
        assert unweighted.value == expected["n_unweighted"]
        flag = expected["flags"] if isinstance(expected["flags"], str) else ""
        if flag == "<25":
            assert (value.value, value.data_type) == ("*", "s")
        else:
            assert value.data_type == "n"
            assert value.value == pytest.approx(100 * expected["estimate"], rel=1e-15)
            assert value.number_format == ("(0.0);(-0.0)" if flag == "25-49" else "0.0")
    assert happy.loc[("HH7", "3"), "flags"] == "25-49"
    assert happy.loc[("HH7", "5"), "flags"] == "<25"
    empty = sheet.cell(row=rows["Region 6"], column=2)
    assert (empty.value, empty.data_type) == ("-", "s")
    assert sheet.cell(row=rows["Region 6"], column=4).value == 0
    mean = sheet.cell(row=rows["Total"], column=3)
    assert mean.number_format == "0.00"
    assert sheet.cell(row=rows["Male"], column=3).value == "na"


def test_footnotes_follow_the_marks(book, tidy):
    sheet = book["EQ.1"]
    texts = [sheet.cell(row=r, column=1).value for r in range(1, sheet.max_row + 1)]
    footnotes = [t for t in texts if t and (t.startswith(("[", "(", "- ", "na:")))]
    expected = ["[1] MICS indicator EQ.10 - Happiness",
                "[2] MICS indicator EQ.9 - Life satisfaction"]
    shown = set(tidy.loc[tidy["indicator"] == "EQ.10", "flags"].dropna())
    if "25-49" in shown:
        expected.append("( ) Figures that are based on 25-49 unweighted cases")
    if "<25" in shown:
        expected.append("(*) Figures that are based on fewer than 25 unweighted cases")
    expected += ["- denotes 0 unweighted cases in the denominator", "na: not applicable"]
    assert footnotes == expected


def test_appendix_sheet(book, estimates):
    sheet = book["SE.1"]
    assert sheet["A1"].value == "Sampling errors: Total"
    assert sheet["J4"].value == "Confidence limits"
    assert "J4:K4" in {str(r) for r in sheet.merged_cells.ranges}
    assert (sheet["J5"].value, sheet["K5"].value) == ("r - 2se", "r + 2se")
    assert sheet["A6"].value == "Women"
    assert sheet["A7"].value == "Happiness"
    assert sheet["B7"].value == "EQ.10"
    total = estimates.iloc[0]
    assert sheet["C7"].value == total["estimate"]
    assert sheet["C7"].number_format == "0.000"
    assert sheet["J7"].value == pytest.approx(total["estimate"] - 2 * total["se"], rel=1e-15)
    assert sheet["F7"].number_format == "0.00"


def test_notes_and_metadata(book, info):
    notes = book["Notes"]
    column = [notes.cell(row=r, column=1).value for r in range(1, notes.max_row + 1)]
    assert column[2:2 + len(NOTES)] == NOTES
    assert "(*) Figures that are based on fewer than 25 unweighted cases" in column
    metadata = book["Metadata"]
    rows = {(metadata.cell(row=r, column=1).value, metadata.cell(row=r, column=2).value):
            metadata.cell(row=r, column=3).value for r in range(4, metadata.max_row + 1)}
    assert rows[("build", "build date")] == "2024-06-30"
    assert rows[("build", "spec SHA-256")] == "9" * 64
    assert rows[("inputs (SHA-256)", "wm.sav")] == "a" * 64
    assert rows[("design", "wm: weight")] == "wmweight"
    assert rows[("conventions", "lonely_psu")] == "fail"
    assert rows[("versions", "mics-toolkit")] == "0.1.0"


def test_text_is_never_a_formula(report, book):
    notes = book["Notes"]
    for row, text in enumerate(NOTES, start=3):
        cell = notes.cell(row=row, column=1)
        assert (cell.value, cell.data_type) == (text, "s")
        if text[0] in "=+-@":
            assert cell.quotePrefix
    with zipfile.ZipFile(report["report.xlsx"]) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_labels_that_look_like_formulas(info):
    cell = Cell(0.5, "percentage")
    table = Table(
        "=X", "=1+1", (Column("a", ("@A", "-B")),),
        (StubGroup("+G", (Row("=SUM(A1)", (cell,)), Row("#N/A", (Cell(text="-"),)))),),
        footnotes=("=cmd|' /C calc'!A0",),
    )
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes([table], info=info)))
    assert book.sheetnames[1] == "=X"
    sheet = book["=X"]
    for ref, text in [("A1", "=1+1"), ("B4", "@A"), ("B5", "-B"), ("A6", "+G"),
                      ("A7", "=SUM(A1)"), ("A8", "#N/A"), ("B8", "-"), ("A10", "=cmd|' /C calc'!A0")]:
        assert (sheet[ref].value, sheet[ref].data_type) == (text, "s"), ref


def test_rebuild_gives_identical_bytes(tables, info, monkeypatch):
    first = workbook_bytes(tables, info=info, notes=NOTES)
    later = time.time() + 3 * 365 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    second = workbook_bytes(make_tables_again(tables), info=info, notes=NOTES)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        entries = archive.infolist()
        assert [e.filename for e in entries] == sorted(e.filename for e in entries)
        assert {e.date_time for e in entries} == {excel.ZIP_DATE}
        core = archive.read("docProps/core.xml").decode()
    assert "2024-06-30T00:00:00Z" in core


def make_tables_again(tables):
    """The same tables as new objects (a second build)."""
    return [Table(t.id, t.title, t.columns, t.groups, t.subtitle, t.stub_header, t.footnotes)
            for t in tables]


def test_languages_change_labels_and_sheet_names(estimates, info):
    book = openpyxl.load_workbook(io.BytesIO(
        workbook_bytes(make_tables(estimates, "kk"), info=info, lang="kk")))
    assert book.sheetnames == ["Мазмұны", "EQ.1", "SE.1", "SE.2", "SE.3", "Ескертпелер",
                               "Метадеректер"]
    sheet = book["EQ.1"]
    assert sheet["A6"].value == "Барлығы"
    assert book["SE.2"]["A1"].value == "Іріктеме қателері: Қала"


def test_sheet_names_are_valid_and_unique():
    names = excel.sheet_names(["A/B", "a_b", "x" * 40, "x" * 40, "'q'", "Notes"],
                              reserved=["Contents", "Notes"])
    assert names == ["A_B", "a_b (2)", "x" * 31, "x" * 27 + " (2)", "q", "Notes (2)"]
    assert all(len(n) <= 31 for n in names)


def test_output_errors_name_the_path(tmp_path, tables, info):
    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    with pytest.raises(OutputError) as error:
        write_workbook(folder, tables, info=info)
    assert error.value.path == str(folder) and "directory" in str(error.value)
    missing = tmp_path / "absent" / "book.xlsx"
    with pytest.raises(OutputError) as error:
        write_workbook(missing, tables, info=info)
    assert error.value.path == str(missing)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write into a read-only folder")
def test_read_only_folder(tmp_path, tables, info):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError) as error:
            write_workbook(folder / "book.xlsx", tables, info=info)
        assert error.value.path == str(folder / "book.xlsx")
    finally:
        folder.chmod(0o700)


def test_failed_build_leaves_no_workbook(tmp_path, tables, info, monkeypatch):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old workbook")
    calls = []

    def fail_on_second(sheet, table):
        calls.append(table.id)
        if len(calls) == 2:
            raise RuntimeError("disk full while rendering")
        original(sheet, table)

    original = excel._write_table
    monkeypatch.setattr(excel, "_write_table", fail_on_second)
    with pytest.raises(RuntimeError):
        write_workbook(target, tables, info=info)
    assert target.read_bytes() == b"old workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_breakdowns_fixture_is_used(report):
    tidy = pd.read_csv(report["report_estimates.csv"], keep_default_na=False)
    assert len(BREAKDOWNS) == 4
    assert set(tidy["label"]) >= {"Total", "Urban", "Region 5", "Female"}


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path, tables, info, monkeypatch):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old workbook")
    original = excel.Path.write_bytes

    def half_then_fail(self, data):
        original(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(excel.Path, "write_bytes", half_then_fail)
    with pytest.raises(OutputError) as error:
        write_workbook(target, tables, info=info)
    monkeypatch.undo()
    assert error.value.path == str(target) and "No space left" in str(error.value)
    assert target.read_bytes() == b"old workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_unwritable_folder_is_an_output_error(tmp_path, tables, info, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError) as error:
        write_workbook(tmp_path / "book.xlsx", tables, info=info)
    assert error.value.path == str(tmp_path / "book.xlsx")
    assert "not writable" in str(error.value)
