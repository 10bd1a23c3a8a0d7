"""Medians, quantiles and percent distributions as indicator types, and gaps between the
categories of a breakdown: every new field of an indicator file valid and invalid (file, line
and key named), and their estimates equal to the library's own (``design.quantile``,
``design.proportion``, ``design.compare``) on the example survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_indicators_spec import LABEL, indicator, spec_error, write

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.indicators import (
    GAP_COLUMNS,
    Gap,
    compute_gaps,
    compute_indicators,
    estimate_prepared,
    level_id,
    load_indicator_file,
    prepare_indicators,
)

STATISTICS = f"""\
defaults:
  file: wm
  breakdowns: [HH6, windex5]
  missing: exclude
  {LABEL}
indicators:
  - id: S.median
    type: median
    variable: LS2
  - id: S.q25
    type: quantile
    variable: LS2
    q: 0.25
    qrule: hf7
    interval: xlogit
  - id: S.union
    type: median
    universe: WB4 >= 25 and MSTATUS in [1, 2]
    variable: WAGEM
    qrule: school
  - id: S.happy
    type: distribution
    variable: LS1
    missing: in_denominator
  - id: S.answered
    type: distribution
    variable: LS1
  - id: S.percentage
    type: percentage
    numerator: LS1 in [1, 2]
    missing: in_denominator
  - id: S.mean
    type: mean
    variable: LS2
  - id: S.ratio
    type: ratio
    numerator: LS2
    denominator: WB4
"""


# ---------------------------------------------------------------------- spec fields
def test_new_types_and_fields_load(tmp_path):
    specs = {s.id: s for s in load_indicator_file(write(tmp_path, STATISTICS))}
    assert (specs["S.median"].type, specs["S.median"].q, specs["S.median"].qrule) == (
        "median", None, None)
    assert (specs["S.q25"].q, specs["S.q25"].qrule, specs["S.q25"].interval) == (
        0.25, "hf7", "xlogit")
    assert specs["S.q25"].lines["q"] == 13
    assert specs["S.happy"].type == "distribution"
    assert specs["S.happy"].missing == "in_denominator"


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ("type: quantile\nvariable: LS2\nmissing: exclude", "q",
         "required field 'q' is missing for type 'quantile'"),
        ("type: quantile\nvariable: LS2\nq: 1.5\nmissing: exclude", "q",
         "1.5 must be a number between 0 and 1 (exclusive)"),
        ("type: quantile\nvariable: LS2\nq: 0\nmissing: exclude", "q",
         "0 must be a number between 0 and 1"),
        ("type: quantile\nvariable: LS2\nq: 'half'\nmissing: exclude", "q",
         "'half' must be a number between 0 and 1"),
        ("type: median\nvariable: LS2\nq: 0.5\nmissing: exclude", "q",
         "field 'q' does not apply to type 'median' (a median is the quantile at 0.5"),
        ("type: median\nvariable: LS2\nqrule: hf10\nmissing: exclude", "qrule",
         "'hf10' is not one of math, school"),
        ("type: median\nvariable: LS2\ninterval: quantile\nmissing: exclude", "interval",
         "'quantile' is not one of mean, beta, xlogit, asin, score"),
        ("type: mean\nvariable: LS2\nqrule: math\nmissing: exclude", "qrule",
         "field 'qrule' does not apply to type 'mean' (it applies to medians and quantiles)"),
        ("type: percentage\nnumerator: LS1 == 1\ninterval: mean\nmissing: exclude", "interval",
         "field 'interval' does not apply to type 'percentage'"),
        ("type: median\nvariable: LS2\nmissing: in_denominator", "missing",
         "a median can only exclude missing answers"),
        ("type: quantile\nvariable: LS2\nq: 0.9\nmissing: in_denominator", "missing",
         "a quantile can only exclude missing answers"),
        ("type: median\nnumerator: LS2 > 3\nvariable: LS2\nmissing: exclude", "numerator",
         "(a median has 'variable', not 'numerator')"),
        ("type: distribution\nmissing: exclude", "variable",
         "required field 'variable' is missing for type 'distribution'"),
        ("type: distribution\nvariable: LS1\nq: 0.5\nmissing: exclude", "q",
         "field 'q' does not apply to type 'distribution' (it applies to quantiles)"),
        ("type: distribution\nvariable: LS1\ndenominator: WB4\nmissing: exclude",
         "denominator", "field 'denominator' does not apply to type 'distribution'"),
    ],
)
def test_bad_fields_name_file_line_and_key(tmp_path, body, key, message):
    text = indicator(f"file: wm\n{LABEL}\n{body}")
    error = spec_error(tmp_path, text)
    assert error.key == key
    assert message in str(error)
    path = tmp_path / "specs.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    field_line = next((i for i, line in enumerate(lines, start=1)
                       if line.strip().startswith(f"{key}:")), None)
    expected = field_line if field_line is not None else 2  # a missing field: the indicator
    assert error.line == expected
    assert str(error).startswith(f"{path}:{expected}: key '{key}': ")


# ---------------------------------------------------------------------- estimates
@pytest.fixture(scope="module")
def survey(example_folder):
    return mt.open_survey(example_folder)


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("statistics")
    return load_indicator_file(write(folder, STATISTICS))


@pytest.fixture(scope="module")
def prepared(survey, specs):
    return prepare_indicators(survey, specs, lonely_psu="adjust")


@pytest.fixture(scope="module")
def estimates(survey, specs):
    return compute_indicators(survey, specs, lonely_psu="adjust")


def test_medians_and_quantiles_equal_design_quantile(estimates, prepared):
    for indicator_id, q, qrule, interval in (("S.median", 0.5, "math", "mean"),
                                             ("S.q25", 0.25, "hf7", "xlogit"),
                                             ("S.union", 0.5, "school", "mean")):
        item = prepared[indicator_id]
        rows = estimates[estimates["indicator"] == indicator_id]
        assert list(rows["breakdown"].drop_duplicates()) == ["total", "HH6", "windex5"]
        for breakdown in ("total", "HH6", "windex5"):
            part = rows[rows["breakdown"] == breakdown]
            expected = item.design.quantile(
                item.value, q, by=None if breakdown == "total" else breakdown,
                where=item.universe, qrule=qrule, interval=interval)
            for name in ("estimate", "se", "ci_lower", "ci_upper", "cv", "df", "n_weighted"):
                np.testing.assert_array_equal(part[name].to_numpy(), expected[name].to_numpy(),
                                              err_msg=f"{indicator_id} {name}")
            np.testing.assert_array_equal(part["n_unweighted"], expected["n_unweighted"])
            assert part["deff"].isna().all() and part["deft"].isna().all()
            if breakdown != "total":
                assert list(part["category"]) == [str(int(c)) for c in expected[breakdown]]
    # the median age at first union differs from the ladder's median: its own universe
    union = estimates[(estimates["indicator"] == "S.union") & (estimates["breakdown"] == "total")]
    assert 15 <= union["estimate"].iloc[0] <= 30


def test_prepared_indicator_estimate_of_a_median(prepared):
    item = prepared["S.median"]
    result = item.estimate("HH6")
    expected = item.design.median(item.value, by="HH6", where=item.universe)
    assert list(result.columns) == ["indicator", "HH6", "estimate", "se", "ci_lower",
                                    "ci_upper", "cv", "deff", "deft", "df", "n_unweighted",
                                    "n_weighted"]
    np.testing.assert_array_equal(result["estimate"], expected["estimate"])
    assert result.attrs["mics"]["indicator_type"] == "median"


def test_distribution_is_one_proportion_estimate_per_breakdown(estimates, prepared):
    item = prepared["S.happy"]
    for breakdown in ("total", "HH6", "windex5"):
        by = None if breakdown == "total" else breakdown
        expected = item.design.proportion(item.value, by=by, where=item.universe)
        levels = sorted(expected["level"].unique())
        assert 9 in levels  # no response kept as a category (missing: in_denominator)
        total = 0
        for level in levels:
            part = estimates[(estimates["indicator"] == level_id("S.happy", level))
                             & (estimates["breakdown"] == breakdown)]
            mine = expected[expected["level"] == level]
            for name in ("estimate", "se", "ci_lower", "ci_upper", "deff", "n_unweighted",
                         "n_weighted"):
                np.testing.assert_array_equal(part[name].to_numpy(), mine[name].to_numpy())
            total = total + part["estimate"].to_numpy()
        np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    # missing: exclude drops the no-response code from the categories and the denominator
    answered = estimates[estimates["indicator"].str.startswith("S.answered=")]
    assert "S.answered=9" not in set(answered["indicator"])
    happy_total = estimates[(estimates["indicator"] == "S.happy=1")
                            & (estimates["breakdown"] == "total")]
    answered_total = answered[(answered["indicator"] == "S.answered=1")
                              & (answered["breakdown"] == "total")]
    assert answered_total["n_unweighted"].iloc[0] < happy_total["n_unweighted"].iloc[0]
    assert answered_total["estimate"].iloc[0] > happy_total["estimate"].iloc[0]


def test_distribution_estimate_keeps_the_level(prepared):
    result = prepared["S.happy"].estimate()
    assert list(result.columns[:2]) == ["indicator", "level"]
    assert result["estimate"].sum() == pytest.approx(1.0, rel=1e-12)


def test_estimate_prepared_equals_compute_indicators(estimates, prepared):
    again = estimate_prepared(prepared)
    pd.testing.assert_frame_equal(again, estimates)


def test_interval_beta_with_ci_mics_is_a_located_spec_error(survey, tmp_path):
    text = indicator(f"file: wm\n{LABEL}\ntype: median\nvariable: LS2\ninterval: beta\n"
                     "missing: exclude")
    specs = load_indicator_file(write(tmp_path, text))
    with pytest.raises(SpecError) as caught:
        compute_indicators(survey, specs, breakdowns=[], ci="mics", lonely_psu="adjust")
    assert caught.value.key == "interval" and caught.value.line == 7
    assert "interval='beta'" in str(caught.value)


# ---------------------------------------------------------------------- gaps
def test_gaps_equal_compare(prepared):
    gaps = [Gap("S.percentage", "windex5", 5, 1), Gap("S.mean", "HH6", 1, 2, "ratio"),
            Gap("S.ratio", "windex5", 4, 2), Gap("S.percentage", "windex5", 5, 1)]
    frame = compute_gaps(prepared, gaps, level=0.9, ci="t", df="design")
    assert list(frame.columns) == list(GAP_COLUMNS)
    assert len(frame) == 3  # the repeated gap once
    first = prepared["S.percentage"]
    expected = first.design.compare("proportion", first.value, by="windex5", level=1,
                                    pairs=[(5, 1)], where=first.universe, confidence=0.9)
    row = frame.iloc[0]
    assert (row["indicator"], row["breakdown"], row["kind"], row["first"], row["second"],
            row["contrast"]) == ("S.percentage", "windex5", "difference", "5", "1", "5 - 1")
    for name in ("estimate", "se", "ci_lower", "ci_upper", "df", "statistic", "p_value"):
        assert row[name] == expected[name].iloc[0]
    counts = first.estimate("windex5")
    assert row["n_unweighted"] == counts["n_unweighted"].iloc[[0, 4]].min()
    mean = prepared["S.mean"]
    expected = mean.design.compare("mean", mean.value, by="HH6", pairs=[(1, 2)], kind="ratio",
                                   where=mean.universe, confidence=0.9)
    assert frame.iloc[1]["estimate"] == expected["estimate"].iloc[0]
    assert frame.iloc[1]["p_value"] == expected["p_value"].iloc[0]
    ratio = prepared["S.ratio"]
    expected = ratio.design.compare("ratio", (ratio.value, ratio.denominator), by="windex5",
                                    pairs=[(4, 2)], where=ratio.universe, confidence=0.9)
    assert frame.iloc[2]["se"] == expected["se"].iloc[0]


def test_gaps_of_a_median_or_an_unknown_category_are_refused(prepared):
    with pytest.raises(OptionError, match="a median has no gaps"):
        compute_gaps(prepared, [Gap("S.median", "HH6", 1, 2)])
    with pytest.raises(OptionError, match="not prepared"):
        compute_gaps(prepared, [Gap("S.nothing", "HH6", 1, 2)])
    with pytest.raises(OptionError, match="pairs= names domain"):
        compute_gaps(prepared, [Gap("S.mean", "HH6", 1, 7)])
    with pytest.raises(OptionError):
        Gap("S.mean", "HH6", 1, 2, kind="quotient")
