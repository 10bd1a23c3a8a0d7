"""Survey totals by (PSU, region): estimates and linearised SEs equal the engine's
estimators, covariances by hand, files combined on PSUs, estimates and objective tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import LinkError, SpecError
from mics_toolkit.index import (
    ObjectiveTable,
    SurveyEstimates,
    SurveyIndicator,
    combine_totals,
    survey_totals,
)


def by_region(result: pd.DataFrame, region: str = "HH7") -> pd.DataFrame:
    if "level" in result.columns:
        result = result[result["level"] == 1]
    return result.set_index(region)


def test_totals_match_the_estimators(design):
    indicators = {
        "happy": SurveyIndicator("happy == 1"),
        "ladder": SurveyIndicator("ladder", where="age >= 12"),
        "ratio": SurveyIndicator("ladder", denominator="age"),
        "safe": SurveyIndicator("safe"),
    }
    totals = survey_totals(design, indicators, region="HH7")
    assert totals.kinds == ("proportion", "mean", "ratio", "proportion")
    estimate, se = totals.estimate(), totals.standard_error()
    expected = [
        by_region(design.proportion("happy", by="HH7")),
        by_region(design.mean("ladder", by="HH7", where="age >= 12")),
        by_region(design.ratio("ladder", "age", by="HH7")),
        by_region(design.proportion("safe", by="HH7")),
    ]
    for k, result in enumerate(expected):
        np.testing.assert_allclose(estimate[:, k], result["estimate"].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(se[:, k], result["se"].to_numpy(), rtol=1e-10)
        np.testing.assert_array_equal(totals.n_unweighted[:, k], result["n_unweighted"])
    assert totals.regions == tuple(expected[0].index)


def _four_strata(lonely_psu: str, fpc: bool) -> mt.SurveyDesign:
    """Four strata, one of them a single PSU, regions that do not cover every stratum."""
    rng = np.random.default_rng(11)
    psu = np.repeat(np.arange(13), 30)
    stratum = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3])[psu]
    frame = pd.DataFrame({
        "psu": psu, "stratum": stratum,
        "w": rng.uniform(0.5, 2.0, psu.size),
        "y": rng.normal(5, 2, psu.size) + psu % 3,
        "b": (rng.random(psu.size) < 0.4).astype(float),
        "region": np.array([1, 1, 2, 1, 2, 2, 3, 3, 3, 1, 2, 3, 3])[psu],
        "population": np.array([10, 12, 15, 3])[stratum],
    })
    return mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu",
                           fpc="population" if fpc else None, lonely_psu=lonely_psu)


@pytest.mark.parametrize("replicate", [False, True], ids=["taylor", "replicate"])
@pytest.mark.parametrize("fpc", [False, True], ids=["no_fpc", "fpc"])
@pytest.mark.parametrize("lonely_psu", ["remove", "certainty", "adjust", "average"])
def test_regional_ses_equal_the_estimators_under_every_rule(lonely_psu, fpc, replicate):
    design = _four_strata(lonely_psu, fpc)
    if replicate:
        design = design.replicate("jkn")
    totals = survey_totals(design, {"mean": SurveyIndicator("y"),
                                    "share": SurveyIndicator("b == 1")}, region="region")
    se = totals.standard_error()
    for k, result in enumerate([design.mean("y", by="region"),
                                by_region(design.proportion("b", by="region"), "region")]):
        result = result if "level" not in result.columns else result.reset_index()
        np.testing.assert_allclose(se[:, k], result["se"].to_numpy(), rtol=1e-12)
    covariance = design.covariance(design.tabulate(mean=["y"], breakdowns=["region"]))
    np.testing.assert_allclose(totals.covariance()[0::2, 0::2], covariance.to_numpy(),
                               rtol=1e-12)


def test_covariance_by_hand(survey_frame, design):
    totals = survey_totals(
        design, {"happy": SurveyIndicator("happy == 1"), "better": SurveyIndicator("better == 1")},
        region="HH7",
    )
    cov = totals.covariance()
    frame = survey_frame
    region = frame["HH7"] == 1
    w = frame["weight"].to_numpy()
    scores = {}
    for name in ("happy", "better"):
        y = frame[name].to_numpy()
        p = np.sum(w * y * region) / np.sum(w * region)
        scores[name] = w * (y - p) * region / np.sum(w * region)
    z = pd.DataFrame({**scores, "stratum": frame["stratum"], "psu": frame["HH1"]})
    psu = z.groupby(["stratum", "psu"])[["happy", "better"]].sum()
    total = np.zeros((2, 2))
    for _, block in psu.groupby(level="stratum"):
        n_h = len(block)
        dev = block.to_numpy() - block.to_numpy().mean(axis=0)
        total += n_h / (n_h - 1) * dev.T @ dev
    # region 1 is the first region: flat positions 0 (happy) and 1 (better)
    np.testing.assert_allclose(cov[:2, :2], total, rtol=1e-10)
    assert total[0, 1] > 0  # indicators of the same households are positively correlated
    # different regions sit in different strata: no covariance
    assert np.allclose(cov[:2, 2:], 0.0)


def test_region_labels_and_link_error(design):
    labels = {i: f"R{i}" for i in range(1, 7)}
    totals = survey_totals(design, {"happy": SurveyIndicator("happy == 1")}, region="HH7",
                           region_labels=labels)
    assert totals.regions == tuple(labels.values())
    with pytest.raises(LinkError, match="no label for region value"):
        survey_totals(design, {"happy": SurveyIndicator("happy == 1")}, region="HH7",
                      region_labels={1: "R1"})


def test_combine_files_on_psus(survey_frame):
    # the same survey split into two "files": PSUs line up, estimates unchanged
    first = survey_frame[survey_frame["age"] < 14]
    second = survey_frame[survey_frame["age"] >= 14]
    d1 = mt.SurveyDesign(first, weight="weight", strata="stratum", psu="HH1")
    d2 = mt.SurveyDesign(second, weight="weight", strata="stratum", psu="HH1")
    t1 = survey_totals(d1, {"happy": SurveyIndicator("happy == 1")}, region="HH7")
    t2 = survey_totals(d2, {"better": SurveyIndicator("better == 1")}, region="HH7")
    both = combine_totals(t1, t2)
    assert both.indicators == ("happy", "better")
    np.testing.assert_allclose(both.estimate()[:, 0], t1.estimate()[:, 0], rtol=1e-14)
    np.testing.assert_allclose(both.estimate()[:, 1], t2.estimate()[:, 0], rtol=1e-14)
    assert both.numerator.shape[0] == len(set(survey_frame["HH1"]))
    with pytest.raises(LinkError, match="'happy' is in two"):
        combine_totals(t1, t1)


def test_callable_definitions(survey_frame, design):
    totals = survey_totals(
        design,
        {"young_happy": SurveyIndicator(lambda f: f["happy"].to_numpy(),
                                        where=lambda f: f["age"] < 14, kind="proportion")},
        region="HH7",
    )
    expected = by_region(design.mean("happy", by="HH7", where="age < 14"))
    np.testing.assert_allclose(totals.estimate()[:, 0], expected["estimate"], rtol=1e-12)
    with pytest.raises(SpecError, match="one value per row"):
        survey_totals(design, {"x": SurveyIndicator(lambda f: [1, 2])}, region="HH7")


def test_estimates_from_a_long_table():
    frame = pd.DataFrame({
        "region": ["A", "A", "B", "B"],
        "indicator": ["x", "y", "x", "y"],
        "estimate": [0.2, 5.0, 0.4, 6.0],
        "se": [0.02, 0.5, 0.03, 0.4],
    })
    est = SurveyEstimates.from_frame(frame, kinds={"x": "proportion", "y": "mean"})
    assert est.regions == ("A", "B") and est.indicators == ("x", "y")
    np.testing.assert_array_equal(est.estimate, [[0.2, 5.0], [0.4, 6.0]])
    with pytest.raises(LinkError, match="two rows"):
        SurveyEstimates.from_frame(pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(SpecError, match="negative"):
        SurveyEstimates(["x"], ["mean"], ["A"], [[1.0]], [[-1.0]])


def test_objective_table_checks():
    values = pd.DataFrame({"m": [1.0, 2.0]}, index=["A", "B"])
    with pytest.raises(LinkError, match="'A' twice"):
        ObjectiveTable(pd.DataFrame({"m": [1.0, 2.0]}, index=["A", "A"]))
    with pytest.raises(SpecError, match="not numeric"):
        ObjectiveTable(pd.DataFrame({"m": ["a", "b"]}, index=["A", "B"]))
    with pytest.raises(SpecError, match="negative"):
        ObjectiveTable(values, pd.DataFrame({"m": [-1.0, 1.0]}, index=["A", "B"]))
    with pytest.raises(LinkError, match="lacks"):
        ObjectiveTable(values, pd.DataFrame({"m": [1.0, 1.0]}, index=["A", "C"]))
    table = ObjectiveTable(values, pd.DataFrame({"m": [0.5]}, index=["B"]))
    assert table.lookup("m")[1].tolist() == [0.0, 0.5]


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_objective_table_refuses_infinite_values_and_ses(bad):
    values = pd.DataFrame({"m": [1.0, 2.0, 3.0], "z": [1.0, bad, np.nan]}, index=["A", "B", "C"])
    with pytest.raises(SpecError) as info:
        ObjectiveTable(values)
    assert f"objective indicator 'z' is {bad} in region 'B'" in str(info.value)
    assert info.value.key == "z"
    values.loc["B", "z"] = 2.0
    values.loc["C", "m"] = bad
    values.loc["A", "z"] = bad
    with pytest.raises(SpecError, match=r"'z' is .*inf in region 'A' \(and 1 more infinite"):
        ObjectiveTable(values)
    finite = pd.DataFrame({"m": [1.0, 2.0], "z": [np.nan, 2.0]}, index=["A", "B"])
    assert np.isnan(ObjectiveTable(finite).lookup("z")[0][0])  # NaN is missing, kept
    with pytest.raises(SpecError, match="the SE of objective indicator 'm' is .*inf in region 'B'"):
        ObjectiveTable(finite, pd.DataFrame({"m": [0.1, bad]}, index=["A", "B"]))
