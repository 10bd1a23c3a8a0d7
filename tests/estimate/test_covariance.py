"""design.covariance(result): the joint covariance of any set of estimates of one design,
against R survey 4.1-1 (tests/golden_covariance), its diagonal against the SEs, for Taylor,
calibrated and replicate designs, domains that share PSUs and those that do not, tabulate
results across variables and breakdowns, selections of rows, and bad input."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OptionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader

GOLDEN = Path(__file__).resolve().parents[1] / "golden_covariance" / "golden_covariance.csv"
RELATIVE_TOLERANCE = 1e-8
POPULATION_STYPE = {"E": 4421, "H": 755, "M": 1018}
POPULATION_SCH = {"No": 1200, "Yes": 4994}


@cache
def _data(name: str) -> pd.DataFrame:
    return loader.read_data(name)


def _clus1(**options) -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("apiclus1"), weight="pw", psu="dnum", fpc="fpc", **options)


def _lonely(rule: str, fpc: bool = False) -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("lonely"), weight="w", strata="stratum", psu="psu",
                           fpc="fpc_n" if fpc else None, nest=True, lonely_psu=rule)


def _nested() -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("nested"), weight="w", strata="stratum", psu="psu", nest=True)


def _domain_names(result: pd.DataFrame, by: str) -> list[str]:
    return [str(v) for v in result[by]]


def _by(design, kind, variable, by, **options):
    """The design, a result by one domain variable and R's names of its rows."""
    result = getattr(design, kind)(variable, by=by, **options)
    if kind == "proportion":
        names = [f"{d}:{variable}{level}" for d, level in zip(result[by], result["level"],
                                                                   strict=True)]
    else:
        names = _domain_names(result, by)
    return design, result, names


def _several(design, variables):
    result = design.tabulate(mean=variables)
    return design, result, list(result["variable"])


def _ratio_by(design, numerator, denominator, by):
    result = design.ratio(numerator, denominator, by=by)
    return design, result, _domain_names(result, by)


def _proportion(design, variable):
    result = design.proportion(variable)
    return design, result, [f"{variable}{level}" for level in result["level"]]


CASES = {
    "strat_mean_by": lambda: _by(mt.SurveyDesign(_data("apistrat"), weight="pw", strata="stype",
                                                 fpc="fpc"), "mean", "api00", "awards"),
    "strat_two_means": lambda: _several(mt.SurveyDesign(_data("apistrat"), weight="pw",
                                                        strata="stype", fpc="fpc"),
                                        ["api00", "api99"]),
    "clus1_mean_by": lambda: _by(_clus1(), "mean", "api00", "stype"),
    "clus1_two_means": lambda: _several(_clus1(), ["api00", "api99"]),
    "clus1_total_by": lambda: _by(_clus1(), "total", "enroll", "stype"),
    "clus1_ratio_by": lambda: _ratio_by(_clus1(), "api00", "api99", "stype"),
    "clus1_prop_by": lambda: _by(_clus1(), "proportion", "sch_wide", "stype"),
    "clus1_prop": lambda: _proportion(_clus1(), "awards"),
    "clus2_mean_by": lambda: _by(mt.SurveyDesign(_data("apiclus2"), weight="pw", psu="dnum"),
                                 "mean", "api00", "stype"),
    "clus2_mean_na_by": lambda: _by(mt.SurveyDesign(_data("apiclus2"), weight="pw", psu="dnum"),
                                    "mean", "enroll", "stype"),
    "nested_mean_by": lambda: _by(_nested(), "mean", "y", "grp"),
    "nested_total_by": lambda: _by(_nested(), "total", "y", "grp"),
    "nested_mean_area": lambda: _by(_nested(), "mean", "y", "area"),
    **{f"lonely_{rule}_mean_by": (lambda rule=rule: _by(_lonely(rule), "mean", "y", "grp"))
       for rule in ("remove", "certainty", "adjust", "average")},
    **{f"lonely_{rule}_total_by": (lambda rule=rule: _by(_lonely(rule), "total", "y", "grp"))
       for rule in ("remove", "certainty", "adjust", "average")},
    **{f"lonely_fpc_{rule}_mean_by": (lambda rule=rule: _by(_lonely(rule, fpc=True), "mean",
                                                             "y", "grp"))
       for rule in ("remove", "certainty", "adjust", "average")},
    "post_mean_by": lambda: _by(_clus1().poststratify("stype", POPULATION_STYPE), "mean",
                                "api00", "awards"),
    "post_two_means": lambda: _several(_clus1().poststratify("stype", POPULATION_STYPE),
                                       ["api00", "api99"]),
    "rake_mean_by": lambda: _by(_clus1().rake({"stype": POPULATION_STYPE,
                                               "sch_wide": POPULATION_SCH}),
                                "mean", "api00", "awards"),
    "cal_mean_by": lambda: _by(_clus1().calibrate({"stype": POPULATION_STYPE,
                                                   "api99": 3914069}), "mean", "api00",
                               "awards"),
    "cal_prop_by": lambda: _by(_clus1().calibrate({"stype": POPULATION_STYPE,
                                                   "api99": 3914069}), "proportion",
                               "sch_wide", "awards"),
    "jk1_mean_by": lambda: _by(_clus1().replicate("jk1"), "mean", "api00", "stype"),
    "jk1_two_means": lambda: _several(_clus1().replicate("jk1"), ["api00", "api99"]),
    "jk1_prop_by": lambda: _by(_clus1().replicate("jk1"), "proportion", "sch_wide", "stype"),
    "jk1_ratio_by": lambda: _ratio_by(_clus1().replicate("jk1"), "api00", "api99", "stype"),
    "jkn_mean_by": lambda: _by(_nested().replicate("jkn"), "mean", "y", "grp"),
    "jk1_mse_mean_by": lambda: _by(_clus1().replicate("jk1").replace(mse=True), "mean",
                                   "api00", "stype"),
}


@cache
def _golden() -> pd.DataFrame:
    frame, _ = loader.load_golden(GOLDEN)
    return frame


def test_every_golden_case_is_tested():
    assert set(_golden()["case"]) == set(CASES)


@pytest.mark.filterwarnings("ignore::mics_toolkit.MicsWarning")
@pytest.mark.parametrize("case", sorted(CASES))
def test_covariance_equals_r(case):
    golden = _golden()[lambda f: f["case"] == case]
    names = list(dict.fromkeys(golden["row"]))
    expected = (golden.pivot(index="row", columns="col", values="value")
                .loc[names, names].to_numpy())
    design, result, labels = CASES[case]()
    covariance = design.covariance(result)
    assert list(covariance.index) == list(result.index)
    position = {name: i for i, name in enumerate(labels)}
    order = [position[name] for name in names]
    got = covariance.to_numpy()[np.ix_(order, order)]
    # relative to sqrt(C_ii C_jj); R's rounding noise in a domain without variance (a
    # proportion of 1) is compared with the largest variance of the matrix
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    floor = 1e-12 * np.max(np.diag(expected))
    assert np.all(np.abs(got - expected) <= RELATIVE_TOLERANCE * scale + floor), (
        f"{case}: largest relative difference "
        f"{np.max(np.abs(got - expected) / np.where(scale > 0, scale, 1)):.3g}")
    # the diagonal is the variance the estimator reports
    np.testing.assert_allclose(np.diag(covariance.to_numpy()),
                               result["se"].to_numpy() ** 2, rtol=1e-12)


# --------------------------------------------------------------------------- identities
def _survey(seed: int = 5, n_rows: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, 40, n_rows))
    frame = pd.DataFrame({
        "psu": psu,
        "stratum": psu // 5,
        "w": rng.uniform(0.5, 2.0, n_rows),
        "y": rng.normal(5, 2, n_rows) + psu % 3,
        "z": rng.normal(1, 1, n_rows),
        "cat": rng.integers(1, 4, n_rows),
        "region": psu % 4 + 1,  # constant within PSU
        "quintile": rng.integers(1, 6, n_rows),  # varies within PSU: domains share PSUs
    })
    frame.loc[rng.random(n_rows) < 0.05, "y"] = np.nan
    return frame


def _design(**options) -> mt.SurveyDesign:
    return mt.SurveyDesign(_survey(), weight="w", strata="stratum", psu="psu", **options)


@pytest.mark.parametrize("design", [
    _design(),
    _design(lonely_psu="average").replicate("bootstrap", replicates=60, seed=1),
    _design().poststratify("region", {1: 900, 2: 1100, 3: 1000, 4: 1000}),
], ids=["taylor", "bootstrap", "poststratified"])
def test_totals_of_domains_add_up_to_the_total(design):
    # T = sum_g T_g, so Var(T) = sum_gg' C(T_g, T_g') and Cov(T, T_g) = sum_g' C(T_g', T_g)
    table = design.tabulate(total=["z"], breakdowns=[None, "quintile"])
    covariance = design.covariance(table).to_numpy()
    overall, domains = 0, np.arange(1, len(table))
    assert covariance[overall, overall] == pytest.approx(
        covariance[np.ix_(domains, domains)].sum(), rel=1e-10)
    np.testing.assert_allclose(covariance[overall, domains],
                               covariance[np.ix_(domains, domains)].sum(axis=0), rtol=1e-9)


def test_tabulate_covariance_across_variables_and_breakdowns():
    design = _design()
    both = design.tabulate(mean=["y"], proportion=["cat"], breakdowns=[None, "region"])
    covariance = design.covariance(both)
    assert covariance.shape == (len(both), len(both))
    np.testing.assert_allclose(np.diag(covariance), both["se"] ** 2, rtol=1e-12)
    matrix = covariance.to_numpy()
    np.testing.assert_allclose(matrix, matrix.T, rtol=1e-12, atol=0)
    assert np.linalg.eigvalsh(matrix).min() > -1e-12 * np.abs(matrix).max()
    # each block is the covariance of the single call
    single = design.mean("y", by="region")
    rows = (both["estimator"] == "mean") & (both["breakdown"] == "region")
    np.testing.assert_allclose(matrix[np.ix_(rows, rows)],
                               design.covariance(single).to_numpy(), rtol=1e-12)
    # the categories of a proportion in one domain sum to 1: their covariances sum to 0
    cats = (both["estimator"] == "proportion") & (both["breakdown"] == "total")
    assert np.abs(matrix[np.ix_(cats, cats)].sum(axis=0)).max() < 1e-12


def test_domains_within_psus_are_correlated_and_domains_of_whole_psus_only_by_strata():
    design = _design()
    shared = design.covariance(design.mean("y", by="quintile")).to_numpy()
    off = shared[~np.eye(len(shared), dtype=bool)]
    assert np.abs(off).max() > 0.05 * np.diag(shared).max()
    # regions hold whole PSUs: their scores never share a PSU, only stratum means
    separate = design.covariance(design.mean("y", by="region")).to_numpy()
    n_h = 5
    assert np.abs(separate[~np.eye(4, dtype=bool)]).max() < 1.0 / (n_h - 1) * np.diag(
        separate).max()


def test_selected_and_reordered_rows():
    design = _design()
    result = design.proportion("cat", by="region")
    full = design.covariance(result)
    chosen = result[result["level"] == 2].iloc[::-1]
    part = design.covariance(chosen)
    assert list(part.index) == list(chosen.index) == list(part.columns)
    np.testing.assert_allclose(part.to_numpy(), full.loc[chosen.index, chosen.index].to_numpy(),
                               rtol=1e-13)
    reset = chosen.reset_index(drop=True)  # matched on the domain and level, not the index
    np.testing.assert_allclose(design.covariance(reset).to_numpy(), part.to_numpy(),
                               rtol=1e-13)


def test_where_expression_is_replayed_and_where_array_must_be_given_again():
    design = _design()
    frame = design.frame
    by_text = design.mean("y", by="region", where="quintile <= 2")
    mask = (frame["quintile"] <= 2).to_numpy()
    by_array = design.mean("y", by="region", where=mask)
    np.testing.assert_allclose(design.covariance(by_array, where=mask).to_numpy(),
                               design.covariance(by_text).to_numpy(), rtol=1e-13)
    with pytest.raises(OptionError, match="where= array"):
        design.covariance(by_array)


def test_results_of_another_design_or_no_result_are_refused():
    design = _design()
    other = mt.SurveyDesign(_survey(seed=6), weight="w", strata="stratum", psu="psu")
    with pytest.raises(OptionError, match="not those of this design"):
        design.covariance(other.mean("y", by="region"))
    with pytest.raises(OptionError, match="attrs"):
        design.covariance(pd.DataFrame({"estimate": [1.0]}))
    result = design.mean("y", by="region")
    with pytest.raises(OptionError, match="identify"):
        design.covariance(result.drop(columns=["region"]))


def test_empty_domain_has_nan_rows_and_columns():
    design = _design()
    result = design.mean("y", by="region", where="region != 2")
    covariance = design.covariance(result).to_numpy()
    empty = (result["region"] == 2).to_numpy()
    assert np.isnan(covariance[empty]).all() and np.isnan(covariance[:, empty]).all()
    assert np.isfinite(covariance[np.ix_(~empty, ~empty)]).all()


def test_covariance_function_and_method_agree():
    design = _design()
    result = design.mean("y", by="region")
    pd.testing.assert_frame_equal(mt.estimate.covariance(design, result),
                                  design.covariance(result))
