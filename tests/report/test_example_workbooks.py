"""The workbooks of the example builds (``examples/kz_mics``: the report spec and the index
spec, on the example survey at scale 0.05) in English, Russian and Kazakh, read back with
openpyxl: header rows tall enough for their wrapped text with no word broken, print set-up
on every sheet, no formula cell, the metadata and index sheets in the build's language, the
index explanation sheet, and CSV outputs that do not depend on the language."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mics_toolkit.cli.main import main
from mics_toolkit.report.excel import LINE_HEIGHT, text_lines

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "examples" / "kz_mics"
LANGUAGES = ("en", "ru", "kk")
A4 = 9


@pytest.fixture(scope="module")
def survey(small_example_survey) -> Path:
    """The example survey at scale 0.05 (the session's, read only)."""
    return small_example_survey


@pytest.fixture(scope="module")
def reports(survey, tmp_path_factory) -> dict[str, Path]:
    """The example report built in every language (lonely PSU rule 'adjust' for the small
    survey)."""
    text = (EXAMPLE / "report.yaml").read_text(encoding="utf-8")
    text = text.replace("survey: ../../build/kz_mics", f"survey: {survey.as_posix()}")
    text = text.replace("lonely_psu: fail", "lonely_psu: adjust")
    folder = tmp_path_factory.mktemp("reports")
    spec = folder / "report.yaml"
    spec.write_text(text, encoding="utf-8")
    out = {}
    for lang in LANGUAGES:
        out[lang] = folder / lang
        assert main(["build", str(spec), "--out", str(out[lang]), "--lang", lang,
                     "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def indexes(survey, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("indexes")
    out = {}
    for lang in LANGUAGES:
        out[lang] = folder / lang
        assert main(["index", str(EXAMPLE / "index.yaml"), "--out", str(out[lang]),
                     "--survey", str(survey), "--replicates", "100", "--quiet", "--lang",
                     lang]) == 0
    return out


def _workbooks(reports, indexes):
    for lang in LANGUAGES:
        yield f"report {lang}", reports[lang] / "report.xlsx"
        yield f"index {lang}", indexes[lang] / "index.xlsx"


def _merged(sheet) -> dict[str, tuple[int, int, int, int]]:
    """Top-left coordinate -> (min_row, min_col, max_row, max_col) of each merged range."""
    return {r.start_cell.coordinate: (r.min_row, r.min_col, r.max_row, r.max_col)
            for r in sheet.merged_cells.ranges}


def _header_rows(sheet) -> range:
    """The header rows: from row 3 (row 1 of a sheet without title) to the frozen row."""
    frozen = sheet[sheet.freeze_panes].row if sheet.freeze_panes else 1
    return range(3 if frozen > 3 else 1, frozen)


def _header_cells(sheet):
    """(cell, width, height) of every header text: the (merged) cell's total column width
    and row height."""
    merged = _merged(sheet)
    for row in _header_rows(sheet):
        for cell in sheet[row]:
            if not isinstance(cell.value, str):
                continue
            top, left, bottom, right = merged.get(cell.coordinate,
                                                  (cell.row, cell.column, cell.row, cell.column))
            width = sum(sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width
                        for c in range(left, right + 1))
            height = sum(sheet.row_dimensions[r].height or LINE_HEIGHT
                         for r in range(top, bottom + 1))
            yield cell, width, height


# ---------------------------------------------------------------------- headers
def test_header_rows_are_tall_enough_and_no_word_is_broken(reports, indexes):
    checked = 0
    for name, path in _workbooks(reports, indexes):
        for sheet in openpyxl.load_workbook(path).worksheets:
            for cell, width, height in _header_cells(sheet):
                bold = bool(cell.font.b)
                lines = text_lines(cell.value, width, bold=bold)
                where = (name, sheet.title, cell.coordinate, cell.value, width, height)
                assert height >= lines * LINE_HEIGHT, where
                for word in cell.value.split():
                    assert text_lines(word, width, bold=bold) == 1, (*where, word)
                checked += 1
    assert checked > 1000


def test_the_headers_cut_before_are_whole(reports):
    english = openpyxl.load_workbook(reports["en"] / "report.xlsx")["LN.1"]
    assert english["G5"].value == "Number of children age 7-14 years assessed"
    assert english.row_dimensions[5].height >= 4 * LINE_HEIGHT  # 45 points cut it before
    russian = openpyxl.load_workbook(reports["ru"] / "report.xlsx")["EQ.1"]
    assert "удовлетворённости" in russian["B4"].value
    assert russian.column_dimensions["B"].width > 14  # 14 broke the word mid-way


# ---------------------------------------------------------------------- print set-up
def test_every_sheet_prints_one_page_wide(reports, indexes):
    for name, path in _workbooks(reports, indexes):
        for sheet in openpyxl.load_workbook(path).worksheets:
            where = (name, sheet.title)
            setup = sheet.page_setup
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert (setup.fitToWidth, setup.fitToHeight, setup.paperSize) == (1, 0, A4), where
            widths = sum(d.width for d in sheet.column_dimensions.values() if d.width)
            if widths > 95:
                assert setup.orientation == "landscape", where
            if sheet.freeze_panes:  # a table: its title and header rows repeat on every page
                frozen = sheet[sheet.freeze_panes].row
                assert sheet.print_title_rows == f"$1:${frozen - 1}", where


def test_index_league_table_fits_the_page_width(indexes):
    for lang in LANGUAGES:
        book = openpyxl.load_workbook(indexes[lang] / "index.xlsx")
        league = book.worksheets[1]
        assert league.page_setup.orientation == "landscape"
        assert league.page_setup.fitToWidth == 1 and league.page_setup.fitToHeight == 0
        assert league.print_title_rows == "$1:$4" and league.print_title_cols == "$A:$B"


# ---------------------------------------------------------------------- formulas
def test_no_formula_cell_and_only_internal_links(reports, indexes):
    for name, path in _workbooks(reports, indexes):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, sheet.title, cell.coordinate)
                    if cell.hyperlink is not None:
                        assert cell.hyperlink.target is None
                        target = cell.hyperlink.location.split("!")[0].strip("'")
                        assert target in book.sheetnames, (name, target)
                        assert sheet is book.worksheets[0], (name, sheet.title)
        with zipfile.ZipFile(path) as archive:
            for entry in archive.namelist():
                if entry.startswith("xl/worksheets/"):
                    content = archive.read(entry)
                    assert b"<f>" not in content and b"<f " not in content, (name, entry)


# ---------------------------------------------------------------------- languages
METADATA = {"en": ("Metadata", "build", "build date"),
            "ru": ("Метаданные", "сборка", "дата сборки"),
            "kk": ("Метадеректер", "құрастыру", "құрастыру күні")}


def test_metadata_sheet_in_the_build_language(reports, indexes):
    for lang, (sheet_name, build, date) in METADATA.items():
        for kind, path in (("report", reports[lang] / "report.xlsx"),
                           ("index", indexes[lang] / "index.xlsx")):
            sheet = openpyxl.load_workbook(path)[sheet_name]
            rows = {(r[0], r[1]): r[2] for r in sheet.iter_rows(min_row=4, values_only=True)}
            expected = "2024-12-01" if kind == "report" else "2024-09-15"
            assert rows[(build, date)] == expected, (lang, kind)
            sections = {r[0] for r in rows}
            if lang != "en":
                assert not sections & {"build", "design", "conventions", "versions"}, lang


def test_index_sheets_and_headers_in_the_language(indexes):
    expected = {
        "en": ("Explanation", "League table", ["Rank", "Region", "Score", "Standard error",
                                               "Lower bound (95%)"]),
        "ru": ("Пояснения", "Рейтинг", ["Ранг", "Регион", "Балл", "Стандартная ошибка",
                                        "Нижняя граница (95%)"]),
        "kk": ("Түсіндірме", "Рейтинг", ["Ранг", "Өңір", "Балл", "Стандартты қате",
                                         "Төменгі шек (95%)"]),
    }
    raw = {"ci_lower", "ci_upper", "p_top", "p_bottom", "third", "median_rank", "rank_lower",
           "first_order", "weight_in_group", "mean_shift"}
    for lang, (explanation, league_name, first) in expected.items():
        book = openpyxl.load_workbook(indexes[lang] / "index.xlsx")
        assert book.sheetnames[:2] == [explanation, league_name]
        league = book[league_name]
        assert [c.value for c in league[4]][:5] == first
        for sheet in book.worksheets:
            for row in _header_rows(sheet):
                shown = {c.value for c in sheet[row]}
                assert not shown & raw, (lang, sheet.title, shown & raw)
        manifest = json.loads((indexes[lang] / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["lang"] == lang


def test_index_explanation_sheet(indexes):
    book = openpyxl.load_workbook(indexes["en"] / "index.xlsx")
    sheet = book["Explanation"]
    rows = [(r[0].value, r[1].value, r[0]) for r in sheet.iter_rows(min_row=5)]
    listed = [term for term, _, cell in rows if cell.hyperlink is not None]
    assert listed == book.sheetnames[1:]
    meanings = {term: meaning for term, meaning, _ in rows}
    assert "holds 90% of them" in meanings["Median rank and rank interval (90%)"]
    assert "among the top (bottom) 6 regions" in meanings[
        "Probability of top third / bottom third"]
    assert "probability that region A scores above region B" in meanings["Pairwise matrix"]
    assert "first-order index is the share due to the source alone" in meanings[
        "Sobol indices"]
    assert "estimation noise around 0" in meanings["Negative first-order index"]
    assert "estimation noise around 0" in book["Sobol indices"]["A2"].value
    for lang in ("ru", "kk"):
        other = openpyxl.load_workbook(indexes[lang] / "index.xlsx").worksheets[0]
        translated = [(r[0].value, r[1].value) for r in other.iter_rows(min_row=5)]
        assert len(translated) == len(rows)
        assert not {m for _, m in translated} & set(meanings.values())


def test_csv_outputs_do_not_depend_on_the_language(reports, indexes):
    for name in sorted(p.name for p in indexes["en"].glob("*.csv")):
        first = (indexes["en"] / name).read_bytes()
        assert all((indexes[lang] / name).read_bytes() == first for lang in ("ru", "kk")), name
    assert (reports["en"] / "report_estimates.parquet").read_bytes() != b""
