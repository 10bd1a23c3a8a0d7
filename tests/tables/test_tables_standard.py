"""The long estimates frame, the table model and MICS standard tables built from synthetic
estimator results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from tables_synthetic import AREA, SEX, SPEC, TOTAL

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, SpecError, VariableError
from mics_toolkit.tables import (
    ESTIMATE_COLUMNS,
    Breakdown,
    Cell,
    Column,
    CountColumn,
    IndicatorColumn,
    Row,
    StubGroup,
    Table,
    TableSpec,
    build_table,
    check_estimates,
    localise,
    stack_results,
    to_estimates,
)

# --- stack_results -------------------------------------------------------------------------


def test_stack_results_columns_and_keys(design, estimates):
    assert tuple(estimates.columns) == ESTIMATE_COLUMNS
    assert estimates["n_unweighted"].dtype == np.int64
    happy = estimates.loc[estimates["indicator"] == "EQ.10"]
    assert happy["breakdown"].tolist()[:4] == ["total", "HH6", "HH6", "HH7"]
    assert happy["category"].tolist()[:4] == ["total", "1", "2", "1"]
    direct = design.proportion("happy", by="HH7")
    direct = direct.loc[direct["level"] == 1]
    by_region = happy.loc[happy["breakdown"] == "HH7"]
    np.testing.assert_array_equal(by_region["estimate"], direct["estimate"])  # full precision
    np.testing.assert_array_equal(by_region["n_unweighted"], [240, 50, 49, 25, 24])


def test_stack_results_float_codes_and_cross_classification(design):
    frame = design.frame.assign(area=design.frame["HH6"].astype(float))
    cross = mt.SurveyDesign(frame, weight="wmweight", strata="HH6", psu="HH1")
    out = stack_results("X", cross.mean("ladder", by=["area", "HL4"]))
    assert out["breakdown"].unique().tolist() == ["area+HL4"]
    assert out["category"].tolist() == ["1+1", "1+2", "2+1", "2+2"]


def test_stack_results_level_rules(design):
    proportion = design.proportion("happy")
    with pytest.raises(OptionError) as error:
        stack_results("EQ.10", proportion)
    assert error.value.option == "level" and "level=" in str(error.value)
    with pytest.raises(OptionError) as error:
        stack_results("EQ.10", proportion, level=7)
    assert error.value.valid == ("0", "1")
    with pytest.raises(OptionError):
        stack_results("EQ.9", design.mean("ladder"), level=1)
    assert stack_results("EQ.10", proportion, level=1.0)["estimate"].iloc[0] == pytest.approx(
        proportion["estimate"].iloc[1]
    )


def test_stack_results_bad_input(design):
    with pytest.raises(SpecError) as error:
        stack_results("EQ.9", [design.mean("ladder", by="HH6")] * 2)
    assert error.value.key == "EQ.9:HH6"
    with pytest.raises(VariableError) as error:
        stack_results("EQ.9", pd.DataFrame({"estimate": [1.0]}))
    assert error.value.variable == "se"
    assert stack_results("EQ.9", []).columns.tolist() == list(ESTIMATE_COLUMNS)


def test_check_estimates_rejects_repeated_rows(estimates):
    with pytest.raises(SpecError) as error:
        check_estimates(pd.concat([estimates, estimates.iloc[:1]]))
    assert error.value.key == "EQ.10:total:total"


# --- the standard table ----------------------------------------------------------------------


def test_table_shape_and_labels(estimates):
    table = build_table(SPEC, estimates)
    assert table.id == "EQ.1"
    assert table.title == "Table EQ.1: Subjective well-being"
    assert [c.key for c in table.columns] == ["EQ.10", "EQ.9", "EQ.10:n_weighted",
                                              "EQ.10:n_unweighted"]
    assert [g.label for g in table.groups] == [None, "Area", "Region", "Sex"]
    assert [r.label for r in table.groups[2].rows] == [f"Region {i}" for i in range(1, 7)]
    assert table.groups[0].rows[0].label == "Total"
    assert table.groups[1].rows[0].breakdown == "HH6"
    assert table.groups[1].rows[0].category == "1"


def test_table_cells_follow_the_small_sample_rule(estimates):
    table = build_table(SPEC, estimates)
    region = {row.label: row.cells for row in table.groups[2].rows}
    expected = {1: ("", "45.5"), 2: ("", "48.4"), 3: ("25-49", "(50.4)"),
                4: ("25-49", "(37.3)"), 5: ("<25", "*"), 6: ("0 cases", "-")}
    for code, (marked, text) in expected.items():
        cell = region[f"Region {code}"][0]
        assert (cell.flag, cell.shown) == (marked, text), code
    # stored values keep full precision; counts come from the same estimates
    happy = estimates.set_index(["indicator", "breakdown", "category"])
    assert region["Region 3"][0].value == happy.loc[("EQ.10", "HH7", "3"), "estimate"]
    assert region["Region 3"][0].display == pytest.approx(
        100 * happy.loc[("EQ.10", "HH7", "3"), "estimate"], rel=1e-15
    )
    assert region["Region 3"][2].value == happy.loc[("EQ.10", "HH7", "3"), "n_weighted"]
    assert region["Region 3"][3].value == 49
    assert region["Region 6"][2].value == 0 and region["Region 6"][2].flag == ""
    assert region["Region 5"][1].shown == "*"  # the mean has its own count: 24
    assert region["Region 4"][1].shown.startswith("(")


def test_not_applicable_cells(estimates):
    table = build_table(SPEC, estimates)
    sex = table.groups[3]
    assert [r.cells[1].shown for r in sex.rows] == ["na", "na"]
    assert [r.cells[1].flag for r in sex.rows] == ["na", "na"]
    assert sex.rows[0].cells[0].flag == ""


def test_footnotes_numbered_and_standard(estimates):
    table = build_table(SPEC, estimates)
    assert table.footnotes == (
        "[1] MICS indicator EQ.10 - Happiness",
        "[2] MICS indicator EQ.9 - Life satisfaction",
        "( ) Figures that are based on 25-49 unweighted cases",
        "(*) Figures that are based on fewer than 25 unweighted cases",
        "- denotes 0 unweighted cases in the denominator",
        "na: not applicable",
    )
    assert table.columns[0].header[-1] == "Very or somewhat happy [1]"
    assert table.columns[1].header[-1] == "Life satisfaction score [2]"
    small = TableSpec("T", "T", [SPEC.columns[0]], [TOTAL, AREA])
    assert build_table(small, estimates).footnotes == ("[1] MICS indicator EQ.10 - Happiness",)
    everything = build_table(small, estimates, footnotes="all").footnotes
    assert len(everything) == 5


def test_shared_footnote_text_shares_a_number(estimates):
    columns = [
        IndicatorColumn("EQ.10", "A", sdg_code="3.4.2"),
        IndicatorColumn("EQ.9", "B", kind="mean", footnote="Custom note"),
    ]
    spec = TableSpec("T", "T", columns, [TOTAL], notes=["Note: synthetic data"])
    table = build_table(spec, estimates)
    assert table.footnotes == ("[1] SDG indicator 3.4.2", "[2] Custom note",
                               "Note: synthetic data")


def test_header_cells_merge_spanners():
    cell = Cell(0.5, "percentage")
    columns = (
        Column("a", ("Top", "Left", "x")),
        Column("b", ("Top", "Left", "y")),
        Column("c", ("Top", "Right")),
        Column("d", ("Number",)),
    )
    table = Table("T", "T", columns, (StubGroup(None, (Row("Total", (cell,) * 4),)),))
    spans = {(h.text, h.first_row, h.last_row, h.first_column, h.last_column)
             for h in table.header_cells()}
    assert spans == {
        ("Top", 0, 0, 0, 2),
        ("Left", 1, 1, 0, 1),
        ("x", 2, 2, 0, 0),
        ("y", 2, 2, 1, 1),
        ("Right", 1, 2, 2, 2),
        ("Number", 0, 2, 3, 3),
    }
    assert table.header_depth == 3


def test_build_table_headers(estimates):
    table = build_table(SPEC, estimates)
    spans = [(h.text, h.first_row, h.last_row, h.first_column, h.last_column)
             for h in table.header_cells()]
    assert ("Percentage of women who are:", 0, 0, 0, 0) in spans
    assert ("Number of women age 15-49 years", 0, 1, 2, 2) in spans


def test_languages(estimates):
    russian = build_table(SPEC, estimates, lang="ru")
    assert russian.title == "Таблица EQ.1: Субъективное благополучие"
    assert russian.groups[0].rows[0].label == "Всего"
    assert russian.groups[1].label == "Тип поселения"
    assert russian.footnotes[0] == "[1] Индикатор MICS EQ.10 - Счастье"
    assert russian.footnotes[-1] == "na: неприменимо"
    kazakh = build_table(SPEC, estimates, lang="kk")
    assert kazakh.groups[0].rows[0].label == "Барлығы"
    assert kazakh.groups[2].rows[0].label == "1-өңір"
    english_only = TableSpec("T", {"en": "Title"}, [SPEC.columns[0]], [TOTAL])
    with pytest.raises(SpecError) as error:
        build_table(english_only, estimates, lang="kk")
    assert error.value.key == "title of table T"
    assert "'kk'" in str(error.value)
    with pytest.raises(OptionError):
        build_table(SPEC, estimates, lang="de")


def test_spec_errors(estimates):
    unknown = TableSpec("T", "T", [IndicatorColumn("PR.2", "Violent discipline")], [TOTAL])
    with pytest.raises(SpecError) as error:
        build_table(unknown, estimates)
    assert "PR.2" in str(error.value) and "EQ.10" in str(error.value)
    assert error.value.key == "T.columns.PR.2"
    by_sex = TableSpec("T", "T", [IndicatorColumn("EQ.9", "Mean", kind="mean")], [TOTAL, SEX])
    with pytest.raises(SpecError, match="no estimates by 'HL4'"):
        build_table(by_sex, estimates)
    with pytest.raises(SpecError):
        TableSpec("T", "T", [], [TOTAL])
    with pytest.raises(SpecError):
        TableSpec("T", "T", [CountColumn("EQ.9", "N")], [TOTAL, TOTAL])
    with pytest.raises(SpecError):
        build_table(TableSpec("T", "T", [CountColumn("EQ.9", "N")] * 2, [TOTAL]), estimates)
    with pytest.raises(SpecError):
        Breakdown("HH6", "Area", {})
    with pytest.raises(SpecError):
        Breakdown("HH6", "Area", {1: "Urban", "1": "Urban again"})
    with pytest.raises(OptionError):
        IndicatorColumn("EQ.9", "Mean", kind="mode")


def test_unlisted_categories_are_left_out(estimates):
    urban_only = Breakdown("HH6", "Area", {1: "Urban"})
    table = build_table(TableSpec("T", "T", [SPEC.columns[0]], [urban_only]), estimates)
    assert [r.label for r in table.groups[0].rows] == ["Urban"]


def test_to_frame_and_summary(estimates):
    table = build_table(SPEC, estimates)
    shown = table.to_frame(text=True)
    assert shown.columns.tolist() == ["group", "label", "EQ.10", "EQ.9", "EQ.10:n_weighted",
                                      "EQ.10:n_unweighted"]
    region5 = shown.loc[shown["label"] == "Region 5"].iloc[0]
    assert (region5["EQ.10"], region5["EQ.10:n_unweighted"]) == ("*", "24")
    numbers = table.to_frame()
    assert math.isnan(numbers.loc[numbers["label"] == "Region 5", "EQ.10"].iloc[0])
    assert numbers.loc[0, "EQ.10"] == pytest.approx(100 * estimates.loc[0, "estimate"])
    text = table.summary()
    assert text.splitlines()[0] == table.title
    assert "(*) Figures" in text


def test_model_checks():
    with pytest.raises(ValueError, match="cells"):
        Table("T", "T", (Column("a", ("A",)),), (StubGroup(None, (Row("x", ()),)),))
    with pytest.raises(OptionError):
        Cell(1.0, "percent")
    assert Cell(0.5, "percentage", flag="25-49").parentheses
    assert not Cell(float("nan"), "percentage").is_number
    assert Cell(text="PR.2").shown == "PR.2"
    assert localise("same", "kk") == "same"
    assert localise(None, "en") is None


def test_to_estimates_accepts_raw_long_frames(estimates):
    raw = estimates.astype({"indicator": object, "breakdown": object, "category": object})
    codes = [np.nan if b == "total" else float(c) for b, c in
             zip(raw["breakdown"], raw["category"], strict=True)]
    raw["category"] = pd.Series(codes, dtype=object)
    raw["extra"] = 1
    normal = to_estimates(raw)
    pd.testing.assert_frame_equal(normal, to_estimates(estimates))
    assert normal["category"].tolist() == estimates["category"].tolist()
    # the table builders read the canonical frame as it is: a raw one is converted first
    with pytest.raises(VariableError, match="to_estimates"):
        build_table(SPEC, raw)
    assert build_table(SPEC, normal).to_frame().equals(build_table(SPEC, estimates).to_frame())
    broken = raw.copy()
    broken.loc[1, "category"] = None
    with pytest.raises(SpecError) as error:
        to_estimates(broken)
    assert error.value.key == "EQ.10:HH6"
    with pytest.raises(VariableError):
        to_estimates(raw.drop(columns="deft"))
