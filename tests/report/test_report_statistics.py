"""Medians, percent distributions and gaps in report specs and report builds.

Spec keys: every new key of a table (``gaps``, ``distribution`` columns with ``categories``,
``count_header``) and of the appendix (``gaps``), valid and invalid, each error naming
``file:line`` and the key. Builds: the example report on the example survey at scale 0.05,
its workbook read back with openpyxl and compared with the library's own numbers computed by
hand on the files (``design.median``, ``design.compare``, ``design.proportion``), the tidy
gaps table, the appendix rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import SpecError
from mics_toolkit.report.build import build_report
from mics_toolkit.report.spec import load_report_spec
from mics_toolkit.report.tidy import GAP_TIDY_COLUMNS
from mics_toolkit.tables.mics_rules import MARK_SIGNIFICANT, round_half_up

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "examples" / "kz_mics" / "report.yaml"
CATALOGUE = PROJECT_ROOT / "mics_toolkit" / "catalogue"


def _spec(tmp_path: Path, edit) -> Path:
    text = edit(EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "report.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start=start + 1) if fragment in line)


# ---------------------------------------------------------------------- spec keys
def test_the_example_spec_holds_gaps_medians_and_a_distribution():
    spec = load_report_spec(EXAMPLE)
    eq1 = spec.tables[0]
    assert [(g.breakdown, g.first, g.second, g.kind) for g in eq1.gaps] == [
        ("area", 1, 2, "ratio"), ("wealth", 5, 1, "difference")]
    assert eq1.gaps[0].key == "tables[0].gaps[0]"
    eq3 = next(t for t in spec.tables if t.id == "EQ.3")
    (column,) = eq3.columns
    assert column.distribution and column.indicator == "EQ.10.distribution"
    assert column.header == ({"en": "Percentage of women who are:",
                              "ru": "Процент женщин, которые:", "kk": "Әйелдердің пайызы:"},)
    assert list(column.categories) == [1, 2, 3, 4, 5, 9]
    assert column.categories[9] == ({"en": "No response", "ru": "Нет ответа",
                                     "kk": "Жауап жоқ"},)
    assert [(g.indicator, g.breakdown, g.kind) for g in spec.appendix_gaps] == [
        ("EQ.10b", "wealth", "difference"), ("EQ.9b", "area", "ratio")]
    median = next(i for i in spec.appendix_items if i.indicator == "EQ.9b.median")
    assert not median.design_effect
    assert spec.plan()["EQ.9b"][:3] == ["HH6", "HH7", "WAGE"]


GAPS = "    gaps:                         # rows under their row group; a dagger marks p < 0.05\n"
AREA_GAP = "      - {breakdown: area, first: 1, second: 2, kind: ratio}"
DISTRIBUTION = "      - distribution: EQ.10.distribution   # a column per answer, then Total and Number"
CATEGORIES = ("        categories:                # default: the value labels of LS1 (in the "
              "survey's language)")
EQ3_COLUMN = EXAMPLE.read_text(encoding="utf-8").split(DISTRIBUTION)[1].split("\n\n")[0]
EQ3_COLUMN = DISTRIBUTION + EQ3_COLUMN  # the distribution column of EQ.3, every line
CATEGORIES_BLOCK = CATEGORIES + EQ3_COLUMN.split(CATEGORIES)[1]
APPENDIX_GAP = "    - {indicator: EQ.10b, breakdown: wealth, first: 5, second: 1}"


@pytest.mark.parametrize(
    ("old", "new", "fragment", "key", "message"),
    [
        (AREA_GAP, "      - {breakdown: sex, first: 1, second: 2}", "breakdown: sex",
         "tables[0].gaps[0].breakdown", "'sex' is not a breakdown whose categories can be"),
        (AREA_GAP, "      - {breakdown: total, first: 1, second: 2}", "breakdown: total",
         "tables[0].gaps[0].breakdown", "use one of area, region, women_age"),
        (AREA_GAP, "      - {breakdown: area, first: 3, second: 2}", "first: 3",
         "tables[0].gaps[0].first", "3 is not a category of breakdown 'area' (its categories: "
         "1, 2)"),
        (AREA_GAP, "      - {breakdown: area, first: 1, second: 1}", "second: 1",
         "tables[0].gaps[0].second", "a gap compares two different categories"),
        (AREA_GAP, "      - {breakdown: area, first: 1, second: [2]}", "second: [2]",
         "tables[0].gaps[0].second", "must be a category code of 'area'"),
        (AREA_GAP, "      - {breakdown: area, first: 1, second: 2, kind: quotient}",
         "kind: quotient", "tables[0].gaps[0].kind", "'quotient' is not one of difference, "
         "ratio"),
        (AREA_GAP, "      - {breakdown: area, first: 1, second: 2, lable: x}", "lable: x",
         "tables[0].gaps[0].lable", "unknown key 'lable'; did you mean label?"),
        (AREA_GAP, "      - {breakdown: area, first: 1}", "breakdown: area, first: 1}",
         "tables[0].gaps[0].second", "'second' is required"),
        (AREA_GAP, "      - {breakdown: wealth, second: 1, first: 5}",
         "- {breakdown: wealth, first: 5, second: 1}", "tables[0].gaps[1]",
         "this gap is listed twice"),
        (GAPS + AREA_GAP + "\n      - {breakdown: wealth, first: 5, second: 1}\n",
         "    gaps: {breakdown: area}\n", "gaps: {breakdown", "tables[0].gaps",
         "must be a non-empty list"),
        (DISTRIBUTION, "      - distribution: EQ.10b", "distribution: EQ.10b",
         "tables[2].columns[0].distribution", "'EQ.10b' is a percentage, not a distribution"),
        (EQ3_COLUMN, "      - indicator: EQ.10.distribution",
         "indicator: EQ.10.distribution", "tables[2].columns[0].indicator",
         "is a distribution: show it with 'distribution: EQ.10.distribution'"),
        (EQ3_COLUMN, "      - count: EQ.10.distribution", "count: EQ.10.distribution",
         "tables[2].columns[0].count", "is a distribution"),
        (CATEGORIES_BLOCK, "        categories: [1, 2]", "categories: [1, 2]",
         "tables[2].columns[0].categories", "must be a mapping of category code to column "
         "header"),
        (CATEGORIES_BLOCK, "        categories: {1: a, '1': b}",
         "categories: {1: a", "tables[2].columns[0].categories", "a category is listed twice"),
        ("          9: {en: \"No response\", ru:", "          9: [{en: \"No response\"}, 7, [x]]\n"
         "          8: {en: \"No response\", ru:", "9: [{en:", "tables[2].columns[0].categories.9[2]",
         "must be a text or a mapping of language"),
        (DISTRIBUTION, DISTRIBUTION + "\n        weighted: maybe", "weighted: maybe",
         "tables[2].columns[0].weighted", "unknown key 'weighted'"),
        (DISTRIBUTION, DISTRIBUTION + "\n        decimals: 11", "decimals: 11",
         "tables[2].columns[0].decimals", "11 must be a whole number from 0 to 10"),
        (DISTRIBUTION, DISTRIBUTION + "\n        count_header: 7.5x", "count_header: 7.5x",
         None, None),
        (DISTRIBUTION, DISTRIBUTION + "\n        indicator: EQ.10b",
         "distribution: EQ.10.distribution   #", "tables[2].columns[0]",
         "a column is a mapping with one of 'indicator: ID', 'count: ID' or 'distribution: "
         "ID'"),
        (APPENDIX_GAP, "    - {indicator: EQ.9b.median, breakdown: wealth, first: 5, second: 1}",
         "indicator: EQ.9b.median, breakdown", "appendix.gaps[0].indicator",
         "'EQ.9b.median' is a median; gaps compare a percentage, mean or ratio"),
        (APPENDIX_GAP, "    - {indicator: EQ.10b, breakdown: wealth, first: 5, second: 1, "
         "decimals: -1}", "decimals: -1", "appendix.gaps[0].decimals",
         "-1 must be a whole number from 0 to 10"),
        (APPENDIX_GAP, "    - {breakdown: wealth, first: 5, second: 1, label: appendix}",
         "label: appendix}", "appendix.gaps[0].indicator",
         "'indicator' is required"),
        (APPENDIX_GAP, "    - {indicator: EQ.10b, breakdown: wealth, first: 5, second: 1, "
         "weight: 2}", "weight: 2", "appendix.gaps[0].weight", "unknown key 'weight'"),
        ("      indicators: [EQ.9b, EQ.9b.median, EQ.10b, EQ.11b]",
         "      indicators: [EQ.9b, EQ.10.distribution]", "indicators: [EQ.9b, EQ.10.dist",
         "appendix.groups[1].indicators[1]", "is a distribution (a share per category)"),
        ("  domains: [total, area, region]", "  domains: [area, region]",
         "  gaps:                           # rows of the total", "appendix.gaps",
         "add 'total' to its domains"),
    ],
)
def test_bad_keys_name_file_line_and_key(tmp_path, old, new, fragment, key, message):
    path = _spec(tmp_path, lambda t: t.replace(old, new, 1) if old in t else pytest.fail(old))
    if key is None:  # a label may be any text: the spec loads
        load_report_spec(path)
        return
    with pytest.raises(SpecError) as caught:
        load_report_spec(path)
    error = caught.value
    line = _line_of(path, fragment)
    assert (error.file, error.line, error.key) == (str(path), line, key), str(error)
    assert str(error).startswith(f"{path}:{line}: key '{key}': ")
    assert message in str(error)


def test_gaps_on_a_table_of_medians_only(tmp_path):
    table = (
        "  - id: X.1\n    title: X\n    rows: [total, area]\n    columns:\n"
        "      - indicator: EQ.9b.median\n    gaps:\n      - {breakdown: area, first: 1, "
        "second: 2}\n"
    )
    path = _spec(tmp_path, lambda t: t.replace("tables:\n", "tables:\n" + table, 1))
    with pytest.raises(SpecError) as caught:
        load_report_spec(path)
    assert caught.value.key == "tables[0].gaps"
    assert caught.value.line == _line_of(path, "    gaps:")
    assert "gaps compare the table's percentage, mean, ratio columns; the table has none" in str(
        caught.value)


# ---------------------------------------------------------------------- the build
@pytest.fixture(scope="module")
def built(small_example_survey, example_report_spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp("statistics")
    spec = example_report_spec(folder / "spec", small_example_survey)
    build = build_report(spec, folder / "out")
    return build, folder / "out"


@pytest.fixture(scope="module")
def women(small_example_survey) -> mt.SurveyDesign:
    """The women's file as a design built by hand: completed interviews, LS2's 99 and LS1's
    9 as missing, the file's weight, strata and PSUs (lonely PSU rule as the spec's)."""
    frame = mt.read(small_example_survey / "wm.sav", user_missing="keep").frame
    frame = frame.assign(
        ladder=frame["LS2"].where(frame["LS2"] != 99).astype(float),
        happy=frame["LS1"].isin([1, 2]).astype(float),
        completed=(frame["WM17"] == 1).to_numpy(),
    )
    return mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="PSU",
                           lonely_psu="adjust")


def _body(sheet) -> dict[str, list]:
    """Stub label -> the cells of its row (first occurrence)."""
    out: dict[str, list] = {}
    for row in sheet.iter_rows(min_row=5):
        if isinstance(row[0].value, str):
            out.setdefault(row[0].value, list(row[1:]))
    return out


def test_median_cells_equal_design_median_as_displayed(built, women):
    _, out = built
    sheet = openpyxl.load_workbook(out / "report.xlsx")["EQ.1"]
    body = _body(sheet)
    completed = women.frame["completed"].to_numpy()
    expected = women.median("ladder", by="windex5", where=completed)
    for label, value in zip(["Poorest", "Second", "Middle", "Fourth", "Richest"],
                            expected["estimate"], strict=True):
        cell = body[label][1]
        assert cell.value == value
        assert cell.number_format == "0.0"
        assert str(round_half_up(cell.value, 1)) == str(round_half_up(value, 1))
    total = women.median("ladder", where=completed)
    assert body["Total"][1].value == total["estimate"].iloc[0]


def test_gap_cells_equal_compare_with_the_mark_where_p_below_5_percent(built, women):
    build, out = built
    sheet = openpyxl.load_workbook(out / "report.xlsx")["EQ.1"]
    body = _body(sheet)
    completed = women.frame["completed"].to_numpy()
    rows = {
        "Difference: Richest - Poorest": dict(by="windex5", pairs=[(5, 1)]),
        "Ratio: Urban / Rural": dict(by="HH6", pairs=[(1, 2)], kind="ratio"),
    }
    for label, options in rows.items():
        cells = body[label]
        ladder = women.compare("mean", "ladder", where=completed, **options).iloc[0]
        happy = women.compare("proportion", "happy", level=1, where=completed,
                              **options).iloc[0]
        ratio = options.get("kind") == "ratio"
        for cell, gap, scale in ((cells[0], ladder, 1.0),
                                 (cells[2], happy, 1.0 if ratio else 100.0)):
            assert cell.value == pytest.approx(gap["estimate"] * scale, rel=1e-10)
            marked = MARK_SIGNIFICANT in cell.number_format
            assert marked == (gap["p_value"] < 0.05)
            assert cell.number_format.startswith("0.00" if ratio else "0.0")
        assert cells[1].value == "na"  # the median has no gap
        assert cells[4].value is None and cells[5].value is None  # counts
    gaps = build.gaps
    row = gaps[(gaps["indicator"] == "EQ.9b") & (gaps["breakdown"] == "windex5")].iloc[0]
    expected = women.compare("mean", "ladder", by="windex5", pairs=[(5, 1)],
                             where=completed).iloc[0]
    assert row["p_value"] == pytest.approx(expected["p_value"], rel=1e-8)
    assert row["se"] == pytest.approx(expected["se"], rel=1e-10)


def test_tidy_gaps_table(built):
    build, out = built
    csv = pd.read_csv(out / "report_gaps.csv", dtype={"first": str, "second": str},
                      keep_default_na=False)
    parquet = pd.read_parquet(out / "report_gaps.parquet")
    assert list(csv.columns) == list(parquet.columns) == list(GAP_TIDY_COLUMNS)
    # EQ.1's three columns x two gaps; the appendix's two gaps are among them
    assert len(csv) == len(build.gaps) == 3 * 2
    np.testing.assert_array_equal(csv["estimate"], build.gaps["estimate"])
    np.testing.assert_array_equal(parquet["p_value"], build.gaps["p_value"])
    assert (csv["significant"] == (csv["p_value"] < 0.05)).all()
    assert set(csv["label"]) == {"Ratio: Urban / Rural", "Difference: Richest - Poorest"}
    assert parquet["significant"].dtype == bool


def test_distribution_table_and_appendix_rows(built, women):
    _, out = built
    book = openpyxl.load_workbook(out / "report.xlsx")
    body = _body(book["EQ.3"])
    completed = women.frame["completed"].to_numpy()
    shares = women.proportion("LS1", by="HH6", where=completed)
    urban = [c.value for c in body["Urban"]]
    expected = shares[shares["HH6"] == 1]["estimate"].to_numpy() * 100
    np.testing.assert_allclose(urban[:len(expected)], expected, rtol=1e-10)
    assert urban[len(expected)] == pytest.approx(100.0, rel=1e-12)
    assert urban[len(expected) + 1] == pytest.approx(shares["n_weighted"].iloc[0], rel=1e-10)
    appendix = _body(book["SE.1"])
    median = appendix["Median life satisfaction score among women age 15-49 (ladder)"]
    assert [c.value for c in median[5:7]] == [None, None]  # deff, deft blank
    assert median[2].value == women.median("ladder", where=completed)["estimate"].iloc[0]
    gap = appendix["Happiness among women age 15-49 (Difference: Richest - Poorest)"]
    expected = women.compare("proportion", "happy", by="windex5", level=1, pairs=[(5, 1)],
                             where=completed).iloc[0]
    assert gap[2].value == pytest.approx(expected["estimate"], rel=1e-10)
    assert gap[3].value == pytest.approx(expected["se"], rel=1e-10)
    assert [c.value for c in gap[4:9]] == [None] * 5  # cv, deff, deft, counts
    assert gap[9].value == pytest.approx(expected["estimate"] - 2 * expected["se"], rel=1e-10)
    assert "Differences and ratios" in appendix
    assert "Differences and ratios" not in _body(book["SE.2"])


def test_a_gap_category_without_cases_is_located(small_example_survey, example_report_spec,
                                                 tmp_path):
    path = example_report_spec(tmp_path / "spec", small_example_survey)
    text = path.read_text(encoding="utf-8")
    text = text.replace("breakdowns:\n", "breakdowns:\n  area3:\n    variable: HH6\n"
                        "    title: Area\n    categories: {1: Urban, 2: Rural, 3: Other}\n", 1)
    text = text.replace(APPENDIX_GAP, "    - {indicator: EQ.10b, breakdown: area3, first: 3, "
                        "second: 1}", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        build_report(path, tmp_path / "out")
    assert caught.value.key == "appendix.gaps[0].first"
    assert caught.value.line == _line_of(path, "breakdown: area3, first: 3")
    assert "category 3 of 'area3' (HH6) has no cases of indicator EQ.10b" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_distribution_columns_default_to_the_value_labels(small_example_survey,
                                                         example_report_spec, tmp_path):
    path = example_report_spec(tmp_path / "spec", small_example_survey)
    text = path.read_text(encoding="utf-8")
    start = text.index(CATEGORIES)
    end = text.index("\n\n", start)
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    assert load_report_spec(path).tables[2].columns[0].categories is None
    build = build_report(path, tmp_path / "out", lang="ru")
    sheet = openpyxl.load_workbook(build.outputs["report.xlsx"])["EQ.3"]
    # the survey's labels (English here), in label order, the estimated categories only
    assert [c.value for c in sheet[5]][1:7] == ["Very happy", "Somewhat happy",
                                                "Neither happy nor unhappy", "Somewhat unhappy",
                                                "Very unhappy", "No response"]
    assert sheet.cell(row=4, column=8).value == "Всего"


def test_a_distribution_of_an_expression_needs_its_categories(small_example_survey,
                                                             example_report_spec, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "indicators:\n  - id: X.dist\n    file: wm\n    label: {en: X, ru: X, kk: X}\n"
        "    type: distribution\n    variable: LS1 * 10\n    missing: exclude\n",
        encoding="utf-8")
    path = example_report_spec(tmp_path / "spec", small_example_survey)
    text = path.read_text(encoding="utf-8").replace(
        "estimates: tables", f"estimates: tables\nindicators: [{CATALOGUE.as_posix()}, "
        f"{mine.as_posix()}]", 1).replace(DISTRIBUTION, "      - distribution: X.dist", 1)
    start = text.index(CATEGORIES)
    text = text[:start] + text[text.index("\n\n", start) + 1:]
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        build_report(path, tmp_path / "out")
    assert caught.value.key == "tables[2].columns[0].categories"
    assert caught.value.line == _line_of(path, "distribution: X.dist")
    assert "has no value labels to name its columns" in str(caught.value)
    listed = text.replace("      - distribution: X.dist", "      - distribution: X.dist\n"
                          "        categories: {10: a, 20: b, 30: c, 40: d, 50: e}", 1)
    path.write_text(listed, encoding="utf-8")
    build = build_report(path, tmp_path / "out")
    sheet = openpyxl.load_workbook(build.outputs["report.xlsx"])["EQ.3"]
    assert [c.value for c in sheet[5]][1:6] == ["a", "b", "c", "d", "e"]
    total = [c.value for c in _body(sheet)["Total"]]
    assert sum(total[:5]) == pytest.approx(100.0, rel=1e-12) and total[5] == pytest.approx(100)
