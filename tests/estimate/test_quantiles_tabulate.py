"""Quantiles and medians through ``tabulate``, and the rows a design keeps between quantile
calls (``mics_toolkit.estimate.quantiles``).

Every quantile row of a ``tabulate`` frame must equal, value for value, the row of the
corresponding ``quantile`` or ``median`` call; the rows kept for a variable between calls must
give the results of a fresh design. The R golden values are checked in ``test_quantiles.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, VariableError
from mics_toolkit.estimate import quantiles
from mics_toolkit.estimate.frame import RESULT_COLUMNS, breakdown_label

BREAKDOWNS = [None, "area", "region", ["area", "region"], "group"]


def _frame(seed: int = 11, n_psu: int = 48) -> pd.DataFrame:
    """Clustered rows with ties (whole-number ages), decimals, zero weights, missing values
    and a breakdown missing on some rows."""
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), 15)
    n = len(psu)
    weight = rng.uniform(0.3, 2.5, n)
    weight[rng.random(n) < 0.08] = 0.0
    age = np.round(30 + rng.normal(0, 3, n_psu)[psu] + rng.normal(0, 7, n))
    age[rng.random(n) < 0.05] = np.nan
    group = rng.integers(1, 4, n).astype(float)
    group[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "psu": psu, "stratum": psu % 6, "w": weight, "age": age,
        "score": np.round(rng.gamma(2.0, 1.5, n), 3), "area": 1 + (psu % 2),
        "region": 1 + psu % 4, "group": group, "name": "x",
    })


def _design(kind: str):
    design = mt.SurveyDesign(_frame(), weight="w", strata="stratum", psu="psu")
    if kind == "calibrated":
        return design.poststratify("area", {1: 400.0, 2: 320.0})
    if kind == "replicate":
        return design.replicate("jkn")
    return design


def _single(design, estimator, variable, q, by, **options) -> pd.DataFrame:
    if estimator == "median":
        return design.median(variable, by=by, **options)
    return design.quantile(variable, q, by=by, **options)


def _assert_same_values(ours: pd.DataFrame, single: pd.DataFrame) -> None:
    assert len(ours) == len(single)
    np.testing.assert_array_equal(ours["quantile"].to_numpy(), single["quantile"].to_numpy())
    for name in RESULT_COLUMNS:
        np.testing.assert_array_equal(ours[name].to_numpy(), single[name].to_numpy(),
                                      err_msg=name)


@pytest.mark.parametrize("kind", ["taylor", "calibrated", "replicate"])
@pytest.mark.parametrize("options", [
    {},
    {"where": "score > 1", "df": "domain"},
    {"qrule": "hf7", "interval": "xlogit", "level": 0.9},
])
def test_tabulate_rows_equal_the_single_calls(kind, options):
    design = _design(kind)
    q = [0.1, 0.5, 0.9]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = design.tabulate(quantile=["age", "score"], median=["score"], q=q,
                                breakdowns=BREAKDOWNS, **options)
        for estimator, variable in [("quantile", "age"), ("quantile", "score"),
                                    ("median", "score")]:
            for by in BREAKDOWNS:
                label = breakdown_label(by)
                ours = table[(table["estimator"] == estimator) & (table["variable"] == variable)
                             & (table["breakdown"] == label)]
                single = _single(design, estimator, variable, q, by, **options)
                _assert_same_values(ours, single)
                for name in [by] if isinstance(by, str) else by or []:
                    np.testing.assert_array_equal(ours[name].to_numpy(dtype=float),
                                                  single[name].to_numpy(dtype=float))
    assert len(table) == 14 * 7  # 14 domains; 3 + 3 quantiles and a median each
    assert table["estimate"].notna().all() and table["se"].notna().sum() > 60


def test_tabulate_mixes_quantiles_with_the_other_estimators():
    design = _design("taylor")
    table = design.tabulate(mean=["score"], proportion=["area"], quantile=["age"],
                            q=[0.25, 0.75], breakdowns=[None, "region"])
    assert list(table.columns) == ["estimator", "variable", "breakdown", "region", "level",
                                   "quantile", *RESULT_COLUMNS]
    assert list(dict.fromkeys(table["estimator"])) == ["mean", "proportion", "quantile"]
    means = table[table["estimator"] == "mean"]
    alone = design.tabulate(mean=["score"], breakdowns=[None, "region"])
    for name in RESULT_COLUMNS:
        np.testing.assert_array_equal(means[name].to_numpy(), alone[name].to_numpy())
    assert table.loc[table["estimator"] != "quantile", "quantile"].isna().all()
    assert table.loc[table["estimator"] == "quantile", "level"].isna().all()
    quantiles = table[table["estimator"] == "quantile"]
    assert quantiles["quantile"].tolist() == [0.25, 0.75] * 5  # the total and 4 regions
    assert np.isnan(quantiles["deff"]).all()
    conventions = table.attrs["mics"]
    assert conventions["requests"] == [("mean", "score"), ("proportion", "area"),
                                       ("quantile", "age")]
    assert conventions["quantiles"] == [0.25, 0.75]
    assert conventions["qrule"] == "math" and conventions["quantile_interval"] == "mean"


def test_tabulate_of_quantiles_alone_has_no_level_column():
    table = _design("taylor").tabulate(median="age", breakdowns=["area"])
    assert list(table.columns) == ["estimator", "variable", "breakdown", "area", "quantile",
                                   *RESULT_COLUMNS]
    assert (table["estimator"] == "median").all() and (table["quantile"] == 0.5).all()


def test_tabulate_quantiles_need_their_probabilities():
    design = _design("taylor")
    with pytest.raises(OptionError, match="quantile= needs the probabilities q="):
        design.tabulate(quantile=["age"])
    with pytest.raises(OptionError, match="names no variable"):
        design.tabulate(mean=["age"], q=[0.5])
    with pytest.raises(OptionError, match=r"q=\[0.5, 2\] holds 2"):
        design.tabulate(quantile=["age"], q=[0.5, 2])
    with pytest.raises(OptionError, match="qrule"):
        design.tabulate(median=["age"], qrule="hf10")


def test_tabulate_quantile_of_a_text_variable_is_a_variable_error():
    with pytest.raises(VariableError, match="quantile of 'name'"):
        _design("taylor").tabulate(median=["name"], breakdowns=["area"])


def test_covariance_refuses_a_tabulate_frame_with_quantiles():
    design = _design("taylor")
    table = design.tabulate(mean=["score"], median=["age"], breakdowns=["area"])
    with pytest.raises(OptionError, match="does not take a tabulate result with median"):
        design.covariance(table)


@pytest.mark.parametrize("kind", ["taylor", "calibrated", "replicate"])
def test_rows_kept_between_calls_give_the_results_of_a_fresh_design(kind):
    """A design answers quantile calls from the rows it keeps per variable (sorted by value
    once); the answers equal those of a fresh design, for every breakdown, filter and rule."""
    warm = _design(kind)
    calls = [(variable, by, options) for variable in ("age", "score") for by in BREAKDOWNS
             for options in ({}, {"qrule": "hf3"}, {"where": "area == 1"})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variable, by, options in calls:
            ours = warm.quantile(variable, [0.05, 0.5, 0.95], by=by, **options)
            fresh = _design(kind).quantile(variable, [0.05, 0.5, 0.95], by=by, **options)
            pd.testing.assert_frame_equal(ours, fresh, check_exact=True)



def test_one_search_over_all_domains_equals_a_search_per_domain(monkeypatch):
    """The quantile rules search each domain's cumulative weights on its own up to 64
    domains, and all domains in one search of (domain, cumulative weight) keys beyond: both
    give the same values, for every rule that searches."""
    design = _design("taylor")
    by = ["area", "region", "group"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = {}
        for limit in (64, 0):
            monkeypatch.setattr(quantiles, "_SEARCHES_BY_DOMAIN", limit)
            results[limit] = [design.quantile("age", [0.0, 0.1, 0.5, 0.9, 1.0], by=by,
                                              qrule=rule, interval="asin")
                              for rule in ("math", "school", "hf4")]
    for per_domain, keys in zip(results[64], results[0], strict=True):
        pd.testing.assert_frame_equal(per_domain, keys, check_exact=True)
    assert results[0][0]["estimate"].notna().sum() > 40


def _exact_shares(frame: pd.DataFrame, by: str) -> list[float]:
    """``C_k / W`` of R's extended-precision sums at a few positions of each domain: the
    probabilities where R's math rule meets a tie of a cumulative weight and ``p W``."""
    shares = []
    for _, rows in frame.dropna(subset=["age"]).groupby(by):
        rows = rows[rows["w"] != 0]
        order = np.argsort(rows["age"].to_numpy(), kind="stable")
        weights = rows["w"].to_numpy()
        total = float(np.cumsum(weights.astype(np.longdouble))[-1])
        cumulative = np.cumsum(weights[order].astype(np.longdouble)).astype(np.float64)
        shares += [cumulative[k] / total for k in (0, len(order) // 3, len(order) // 2)]
    return shares


@pytest.mark.parametrize("weights", ["uniform", "equal", "dyadic"])
def test_double_precision_decisions_are_those_of_r_sums(weights, monkeypatch):
    """The math and school rules decide from double-precision sums where their error
    bound allows and from R's extended-precision sums elsewhere: the same values as R's
    sums everywhere, at random probabilities, at exact ties of a cumulative weight and
    ``p W`` (equal or dyadic weights, and shares taken from R's sums), and at 0 and 1."""
    frame = _frame(seed=3)
    rng = np.random.default_rng(4)
    if weights == "equal":
        frame["w"] = np.where(frame["w"] > 0, 1.0, 0.0)
    elif weights == "dyadic":
        frame["w"] = np.where(frame["w"] > 0, rng.integers(1, 8, len(frame)) / 4, 0.0)
    q = sorted({0.0, 1.0, 0.5, *rng.uniform(0, 1, 5), *_exact_shares(frame, "region")})
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in ("fast", "exact"):
            if path == "exact":  # as with a negative weight: R's sums only
                monkeypatch.setattr(quantiles._Rows, "negative", property(lambda self: True))
            results[path] = [mt.quantile(design, "age", q, by=by, qrule=rule, interval=interval)
                             for by in (None, "region") for rule in ("math", "school")
                             for interval in ("mean", "asin")]
    for fast, exact in zip(results["fast"], results["exact"], strict=True):
        pd.testing.assert_frame_equal(fast, exact, check_exact=True)
