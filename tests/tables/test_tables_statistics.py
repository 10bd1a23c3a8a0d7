"""Medians, percent distributions and gap rows in standard tables, and medians and gaps in
the sampling-error appendix: values as the estimates frame and the gaps frame hold them, the
MICS small-sample rule on the unweighted counts, the significance mark where p < 0.05."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tables_synthetic import AREA, REGION, TOTAL, make_design, make_frame

from mics_toolkit.errors import SpecError
from mics_toolkit.indicators import GAP_COLUMNS
from mics_toolkit.tables import (
    MARK_SIGNIFICANT,
    AppendixGap,
    AppendixIndicator,
    CountColumn,
    DistributionColumns,
    GapRow,
    IndicatorColumn,
    TableSpec,
    build_table,
    format_value,
    sampling_errors,
    significance_footnote,
    stack_results,
)

ANSWERS = {1: "Yes", 2: "No", 3: "Maybe"}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    out = make_frame()
    rng = np.random.default_rng(5)
    out["answer"] = rng.choice([1, 2, 3], size=len(out), p=[0.5, 0.4, 0.1])
    return out


@pytest.fixture(scope="module")
def design(frame):
    return make_design(frame)


@pytest.fixture(scope="module")
def estimates(design) -> pd.DataFrame:
    """HAPPY (percentage), LADDER (mean), MEDIAN (median ladder), DIST=<code> (shares of the
    answers), each by total, HH6 and HH7."""
    by = (None, "HH6", "HH7")
    parts = [
        stack_results("HAPPY", [design.proportion("happy", by=b) for b in by], level=1),
        stack_results("LADDER", [design.mean("ladder", by=b) for b in by]),
        stack_results("MEDIAN", [design.median("ladder", by=b).drop(columns="quantile")
                                 for b in by]),
    ]
    for code in ANSWERS:
        parts.append(stack_results(f"DIST={code}", [design.proportion("answer", by=b)
                                                    for b in by], level=code))
    return pd.concat(parts, ignore_index=True)


def _gaps(rows: list[tuple]) -> pd.DataFrame:
    """A gaps frame from (indicator, breakdown, kind, first, second, estimate, p_value,
    n_unweighted)."""
    records = []
    for indicator, breakdown, kind, first, second, estimate, p_value, n in rows:
        records.append({"indicator": indicator, "breakdown": breakdown, "kind": kind,
                        "first": first, "second": second,
                        "contrast": f"{first} {'-' if kind == 'difference' else '/'} {second}",
                        "estimate": estimate, "se": 0.01, "ci_lower": estimate - 0.02,
                        "ci_upper": estimate + 0.02, "df": 10.0, "statistic": 2.0,
                        "p_value": p_value, "n_unweighted": n})
    return pd.DataFrame.from_records(records, columns=list(GAP_COLUMNS))


def _row(table, label):
    return next(row for _, row in table.rows() if row.label == label)


# ---------------------------------------------------------------------- medians
def test_median_column_shows_the_median_with_its_decimals_and_flags(design, estimates):
    spec = TableSpec("T", "T", [IndicatorColumn("MEDIAN", "Median", kind="median",
                                                decimals=2)], [TOTAL, REGION])
    table = build_table(spec, estimates)
    expected = design.median("ladder", by="HH7")
    shown = [row.cells[0].shown for _, row in table.rows()][1:]
    assert shown[0] == format_value(expected["estimate"].iloc[0], kind="number", decimals=2)
    assert shown[1] == format_value(expected["estimate"].iloc[1], kind="number", decimals=2)
    # regions of 49 and 25 rows in parentheses, 24 rows an asterisk, none a dash
    assert shown[2].startswith("(") and shown[3].startswith("(")
    assert shown[4:] == ["*", "-"]
    assert table.to_frame()["MEDIAN"].iloc[1] == expected["estimate"].iloc[0]


# ---------------------------------------------------------------------- distributions
def test_distribution_columns_sum_to_100_with_total_and_number(design, estimates):
    column = DistributionColumns("DIST", ANSWERS, count_header="Number of women",
                                 header="Percent distribution")
    table = build_table(TableSpec("D", "D", [column], [TOTAL, AREA, REGION]), estimates)
    assert [c.key for c in table.columns] == ["DIST=1", "DIST=2", "DIST=3", "DIST:total",
                                              "DIST:n_weighted"]
    assert [c.header for c in table.columns] == [
        ("Percent distribution", "Yes"), ("Percent distribution", "No"),
        ("Percent distribution", "Maybe"), ("Total",), ("Number of women",)]
    shares = design.proportion("answer", by="HH6")
    urban = _row(table, "Urban")
    assert [c.value for c in urban.cells[:3]] == shares[shares["HH6"] == 1]["estimate"].tolist()
    assert urban.cells[3].shown == "100.0"
    assert urban.cells[4].value == shares["n_weighted"].iloc[0]
    body = table.to_frame()
    shown = body[["DIST=1", "DIST=2", "DIST=3"]].dropna()
    np.testing.assert_allclose(shown.sum(axis=1), 100.0, rtol=1e-12)
    np.testing.assert_allclose(body["DIST:total"].dropna(), 100.0, rtol=1e-12)
    text = table.to_frame(text=True).set_index("label")
    assert text.loc["Region 3", "DIST=1"].startswith("(")  # 49 cases
    assert text.loc["Region 5"].tolist()[1:5] == ["*"] * 4  # 24 cases
    assert text.loc["Region 6"].tolist()[1:] == ["-", "-", "-", "-", "0"]


def test_distribution_must_list_every_category_with_estimates(estimates):
    column = DistributionColumns("DIST", {1: "Yes", 2: "No"}, count_header="N")
    with pytest.raises(SpecError, match="categories 3 of distribution 'DIST' have estimates "
                                        "but no column"):
        build_table(TableSpec("D", "D", [column], [TOTAL]), estimates)
    with pytest.raises(SpecError, match="lists category"):
        DistributionColumns("DIST", {1: "Yes", "1": "Again"}, count_header="N")
    with pytest.raises(SpecError, match="has no estimates"):
        build_table(TableSpec("D", "D", [DistributionColumns("NONE", ANSWERS, "N")],
                              [TOTAL]), estimates)


def test_a_listed_category_without_estimates_is_zero(estimates):
    column = DistributionColumns("DIST", {**ANSWERS, 4: "Never"}, count_header="N")
    table = build_table(TableSpec("D", "D", [column], [TOTAL]), estimates)
    cells = table.groups[0].rows[0].cells
    assert cells[3].value == 0.0 and cells[3].shown == "0.0"
    assert cells[4].shown == "100.0"


# ---------------------------------------------------------------------- gaps
GAP_SPEC = TableSpec(
    "G", "G",
    [IndicatorColumn("HAPPY", "Happy"), IndicatorColumn("LADDER", "Ladder", kind="mean",
                                                        decimals=2),
     IndicatorColumn("MEDIAN", "Median", kind="median"), CountColumn("HAPPY", "N")],
    [TOTAL, AREA, REGION],
    gaps=[GapRow("HH6", 1, 2, "Ratio: Urban / Rural", kind="ratio"),
          GapRow("HH7", 1, 2, {"en": "Difference: Region 1 - Region 2", "ru": "Разница"}),
          GapRow("HH7", 1, 5, "Difference: Region 1 - Region 5")],
)


def test_gap_rows_show_the_gaps_with_the_mark_where_p_below_5_percent(estimates):
    gaps = _gaps([
        ("HAPPY", "HH6", "ratio", "1", "2", 1.0512, 0.049, 180),
        ("LADDER", "HH6", "ratio", "1", "2", 0.9876, 0.05, 180),
        ("HAPPY", "HH7", "difference", "1", "2", 0.1234, 0.0001, 50),
        ("LADDER", "HH7", "difference", "1", "2", -0.4567, 0.2, 49),
        ("HAPPY", "HH7", "difference", "1", "5", 0.3, 0.001, 24),
        ("LADDER", "HH7", "difference", "1", "5", 0.5, 0.001, 24),
    ])
    table = build_table(GAP_SPEC, estimates, gaps=gaps)
    area = table.groups[1]
    assert [row.label for row in area.rows] == ["Urban", "Rural", "Ratio: Urban / Rural"]
    ratio = area.rows[-1]
    assert (ratio.breakdown, ratio.category) == ("HH6", "1/2")
    assert [c.shown for c in ratio.cells] == [f"1.05{MARK_SIGNIFICANT}", "0.99", "na", ""]
    assert ratio.cells[0].value == 1.0512 and ratio.cells[0].marker == MARK_SIGNIFICANT
    region = table.groups[2]
    assert [row.label for row in region.rows][-2:] == ["Difference: Region 1 - Region 2",
                                                       "Difference: Region 1 - Region 5"]
    difference = region.rows[-2]
    # percentage points with the column's decimals; the mean with its 2 decimals
    assert [c.shown for c in difference.cells] == [f"12.3{MARK_SIGNIFICANT}", "(-0.46)", "na",
                                                   ""]
    assert difference.cells[0].display == pytest.approx(12.34)
    small = region.rows[-1]
    assert [c.shown for c in small.cells[:2]] == ["*", "*"]  # 24 cases: no value, no mark
    assert table.footnotes[-1] == significance_footnote("en")
    assert "na: not applicable" in table.footnotes
    russian = build_table(GAP_SPEC, estimates, gaps=gaps, lang="ru")
    assert _row(russian, "Разница").cells[0].shown == f"12.3{MARK_SIGNIFICANT}"
    assert russian.footnotes[-1] == significance_footnote("ru")


def test_gap_rows_need_the_gaps_frame_and_a_row_group(estimates):
    with pytest.raises(SpecError, match="has gap rows; pass the gaps frame"):
        build_table(GAP_SPEC, estimates)
    with pytest.raises(SpecError, match="is not in the gaps frame"):
        build_table(GAP_SPEC, estimates, gaps=_gaps([]))
    with pytest.raises(SpecError, match="'HL4', which is not a row group"):
        TableSpec("G", "G", GAP_SPEC.columns, [TOTAL, AREA], gaps=[GapRow("HL4", 1, 2, "x")])
    with pytest.raises(Exception, match="kind"):
        GapRow("HH6", 1, 2, "x", kind="quotient")


def test_a_table_without_gaps_has_no_significance_footnote(estimates):
    spec = TableSpec("T", "T", GAP_SPEC.columns, [TOTAL, AREA])
    table = build_table(spec, estimates)
    assert significance_footnote("en") not in table.footnotes


# ---------------------------------------------------------------------- appendix
def test_appendix_median_has_blank_design_effects_and_gaps_in_the_total(design, estimates):
    items = [AppendixIndicator("HAPPY", "Happy", "Women"),
             AppendixIndicator("MEDIAN", "Median ladder", "Women", decimals=2,
                               design_effect=False)]
    gaps = _gaps([("HAPPY", "HH6", "difference", "1", "2", 0.05, 0.01, 180),
                  ("LADDER", "HH6", "ratio", "1", "2", 0.98, 0.3, 180)])
    gap_items = [AppendixGap("HAPPY", "HH6", 1, 2, "Happy (Difference: Urban - Rural)"),
                 AppendixGap("LADDER", "HH6", 1, 2, "Ladder (Ratio: Urban / Rural)",
                             kind="ratio", decimals=2)]
    errors = sampling_errors(estimates, items, [TOTAL, AREA], gaps=gaps, gap_items=gap_items)
    assert list(errors.gaps["cv"].isna()) == [True, False]
    assert errors.gaps["cv"].iloc[1] == pytest.approx(0.01 / 0.98)
    total, urban = errors.to_tables()[:2]
    women, differences = total.groups
    assert differences.label == "Differences and ratios"
    median = women.rows[1]
    expected = design.median("ladder")
    assert median.cells[0].value == expected["estimate"].iloc[0]
    assert median.cells[1].value == expected["se"].iloc[0]
    assert [c.shown for c in median.cells[3:5]] == ["", ""]  # deff, deft blank
    assert median.cells[6].value == expected["n_unweighted"].iloc[0]
    assert [c.shown for c in women.rows[0].cells[3:5]] != ["", ""]
    first, second = differences.rows
    assert [c.shown for c in first.cells] == ["0.050", "0.010", "", "", "", "", "", "0.030",
                                              "0.070"]
    assert [c.shown for c in second.cells][:3] == ["0.98", "0.01", "0.010"]
    assert (first.breakdown, first.category, second.category) == ("HH6", "1-2", "1/2")
    assert len(urban.groups) == 1  # gaps only in the total's table
    assert errors.to_tables("kk")[0].groups[1].label == "Айырмалар мен қатынастар"


def test_appendix_gaps_need_the_total_and_the_gaps_frame(estimates):
    gap_items = [AppendixGap("HAPPY", "HH6", 1, 2, "x")]
    items = [AppendixIndicator("HAPPY", "Happy", "Women")]
    with pytest.raises(SpecError, match="list the total among its domains"):
        sampling_errors(estimates, items, [AREA], gaps=_gaps([]), gap_items=gap_items)
    with pytest.raises(SpecError, match="pass the gaps frame"):
        sampling_errors(estimates, items, [TOTAL], gap_items=gap_items)
    with pytest.raises(SpecError, match="is not in the gaps frame"):
        sampling_errors(estimates, items, [TOTAL], gaps=_gaps([]), gap_items=gap_items)
    plain = sampling_errors(estimates, items, [TOTAL])
    assert len(plain.gaps) == 0 and len(plain.to_tables()[0].groups) == 1
