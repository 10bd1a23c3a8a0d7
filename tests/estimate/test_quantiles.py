"""Quantiles and medians (``mics_toolkit.estimate.quantiles``): golden values from R survey
4.1-1's ``svyquantile`` (``tests/golden_quantiles``), R's quantile rules on a small sample,
the tails, cross-derivations with the public mean, and bad input.

Golden cases are checked one statistic per test at relative tolerance 1e-8 (absolute 1e-12
where R gives 0; NaN where R gives NaN). Each case's settings come from its ``# case`` header
line; R's ``df`` default (``degf()`` of the subset design) is ``df="domain"``, ``df =
degf(design)`` is ``df="design"`` and ``df = Inf`` is ``ci="normal"``. R's BRR replicates are
passed in twice: as supplied row weights and as PSU factors of the design.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import MicsWarning, OptionError, VariableError
from mics_toolkit.estimate.frame import RESULT_COLUMNS
from mics_toolkit.estimate.quantiles import QRULES, QUANTILE_INTERVALS, _segment_sums

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden_quantiles"
RELATIVE_TOLERANCE = 1e-8
ZERO_TOLERANCE = 1e-12


def _import_loader():
    spec = importlib.util.spec_from_file_location("golden_quantiles_loader",
                                                  GOLDEN_DIR / "loader.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


loader = _import_loader()
GOLDEN, METADATA, CASES = loader.load_golden()


@cache
def _data(folder: str, name: str) -> pd.DataFrame:
    return loader.read_data(folder, name)


def _with_r_factors(design: mt.SurveyDesign, factor_rows: pd.DataFrame, key: str, method: str):
    """A ReplicateDesign on ``design`` whose PSU factors are R's (one row per record)."""
    rows = design.frame[[key]].merge(factor_rows, on=key, how="left", validate="one_to_one")
    columns = [c for c in factor_rows.columns if c != key]
    per_row = rows[columns].to_numpy(float)
    factors = np.empty((len(columns), design.n_psu_total))
    first = np.unique(design.psu_index, return_index=True)[1]
    factors[:, design.psu_index[first]] = per_row[first].T
    assert np.array_equal(factors[:, design.psu_index].T, per_row)
    return mt.ReplicateDesign(design.data, design.weight, None, method, design=design,
                              factors=factors)


def _nested(positive: bool = False) -> mt.SurveyDesign:
    frame = _data("golden", "nested")
    if positive:
        frame = frame[frame["w"] > 0].reset_index(drop=True)
    return mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu", nest=True)


def _pairs() -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("golden_replicates", "pairs"), weight="w", strata="stratum",
                           psu="psu")


def _supplied(data: str, weights: str, method: str) -> mt.ReplicateDesign:
    frame = _data("golden_replicates", data).merge(_data("golden_replicates", weights),
                                                  on="hh", how="left", validate="one_to_one")
    return mt.ReplicateDesign(frame, "w", "rw", method)


# golden design name -> how to build it (the R calls are in the golden file's header)
DESIGNS = {
    "dstrat": lambda: mt.SurveyDesign(_data("golden", "apistrat"), weight="pw", strata="stype",
                                      fpc="fpc"),
    "dclus1": lambda: mt.SurveyDesign(_data("golden", "apiclus1"), weight="pw", psu="dnum",
                                      fpc="fpc"),
    "dclus2": lambda: mt.SurveyDesign(_data("golden", "apiclus2"), weight="pw", psu="dnum"),
    "dnest": _nested,
    "ps_clus1": lambda: _design("dclus1").poststratify(
        "stype", {"E": 4421, "H": 755, "M": 1018}),
    "ps_nest": lambda: _nested(positive=True).poststratify("area", {1: 160, 2: 110}),
    "jk1_clus1": lambda: mt.SurveyDesign(_data("golden", "apiclus1"), weight="pw",
                                         psu="dnum").replicate("jk1"),
    "jkn_clus": lambda: mt.SurveyDesign(_data("golden_replicates", "clustered"), weight="w",
                                        strata="stratum", psu="psu", nest=True).replicate("jkn"),
    "brr_pairs": lambda: _supplied("pairs", "pairs_brr_weights", "brr"),
    "brr_pairs_factors": lambda: _with_r_factors(
        _pairs(), _data("golden_replicates", "pairs_brr_factors"), "hh", "brr"),
    "boot_clus": lambda: _supplied("clustered", "clustered_boot_weights", "bootstrap"),
}
PATHS = {"brr_pairs": ("brr_pairs", "brr_pairs_factors")}
DF_OPTIONS = {
    "default": {"df": "domain", "ci": "t"},
    "design": {"df": "design", "ci": "t"},
    "Inf": {"df": "domain", "ci": "normal"},
}


@cache
def _design(name: str):
    return DESIGNS[name]()


@cache
def _result(case: str, design_name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Our result for a golden case on one design path, and the warnings it gave."""
    settings = CASES[case]
    rows = GOLDEN[GOLDEN["case"] == case]
    probabilities = list(dict.fromkeys(rows["quantile"]))
    kwargs = {"qrule": settings.qrule, "interval": settings.interval,
              "level": settings.level, **DF_OPTIONS[settings.df]}
    if settings.by_variable:
        kwargs["by"] = settings.by_variable
    if settings.where:
        kwargs["where"] = settings.where
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = mt.quantile(_design(design_name), settings.variable, probabilities, **kwargs)
    return result, tuple(str(w.message) for w in caught)


def _golden_params():
    params = []
    for index, row in GOLDEN.iterrows():
        settings = CASES[row["case"]]
        statistics = ["error"] if row["error"] else ["estimate", "se", "ci_lower", "ci_upper"]
        if not row["error"] and settings.df != "Inf":
            statistics.append("df")
        for design_name in PATHS.get(settings.design, (settings.design,)):
            for statistic in statistics:
                params.append(pytest.param(
                    index, design_name, statistic,
                    id=f"{row['case']}-{design_name}-{row['by'] or 'all'}-{row['quantile']:g}-"
                       f"{statistic}",
                ))
    return params


def _our_row(result: pd.DataFrame, row) -> pd.Series:
    chosen = result["quantile"] == row["quantile"]
    for name, value in loader.parse_by(row["by"]).items():
        chosen &= result[name].astype(str) == value
    [position] = np.flatnonzero(chosen.to_numpy())
    return result.iloc[position]


def test_golden_file_is_from_survey_4_1_1():
    assert METADATA["survey"] == "4.1.1"
    assert len(CASES) == GOLDEN["case"].nunique() > 200
    assert set(GOLDEN["quantile"]) >= {0.01, 0.99}  # the tails, not only the median
    assert {s.interval for s in CASES.values()} == set(QUANTILE_INTERVALS)
    assert {s.qrule for s in CASES.values()} == set(QRULES)


@pytest.mark.parametrize(("index", "design_name", "statistic"), _golden_params())
def test_golden_statistic(index, design_name, statistic):
    row = GOLDEN.loc[index]
    result, caught = _result(row["case"], design_name)
    ours = _our_row(result, row)
    if statistic == "error":
        # R stops: the score test has no sign change; we give NaN ends and SE, and warn
        assert "f() values at end points not of opposite sign" in row["error"]
        assert math.isnan(ours["se"])
        assert math.isnan(ours["ci_lower"]) or math.isnan(ours["ci_upper"])
        assert any("finds no sign change" in message for message in caught)
        return
    expected = row[statistic]
    got = float(ours[statistic])
    if math.isnan(expected):
        assert math.isnan(got), f"R gives NaN, we give {got}"
    elif expected == 0:
        assert abs(got) <= ZERO_TOLERANCE
    else:
        assert got == pytest.approx(expected, rel=RELATIVE_TOLERANCE, abs=0)


# ------------------------------------------------------------------------ quantile rules
# R: x <- c(3, 1, 2, 5, 4); w <- c(1, 2, 1, 1, 1); survey:::qrule_<rule>(x, w, p)
# for p = 0, 0.01, 0.3, 0.5, 0.99, 1 (sprintf("%.17g"))
SMALL_PROBABILITIES = [0, 0.01, 0.3, 0.5, 0.99, 1]
SMALL_R_VALUES = {
    "math": [2, 2, 2, 2, 5, 5],
    "school": [2, 2, 2, 2.5, 5, 5],
    "shahvaish": [1, 1, 1, 2, 5, 5],
    "hf1": [2, 2, 2, 2, 5, 5],
    "hf2": [2, 2, 2, 2.5, 5, 5],
    "hf3": [2, 2, 2, 2, 5, 5],
    "hf4": [-0.99999999999999956, -0.93999999999999995, 0.80000000000000004, 2,
            4.9399999999999995, np.nan],
    "hf5": [1, 1, 1.5333333333333332, 2.5, 5, 5],
    "hf6": [1, 1, 1.1000000000000001, 2.5, 5, 5],
    "hf7": [1, 1.0249999999999999, 1.75, 2.5, 4.9500000000000002, 5],
    "hf8": [1, 1, 1.425, 2.5, 5, 5],
    "hf9": [1, 1, 1.4545454545454546, 2.5, 5, 5],
}


def _small_design() -> mt.SurveyDesign:
    return mt.SurveyDesign(pd.DataFrame({"x": [3.0, 1, 2, 5, 4], "w": [1.0, 2, 1, 1, 1]}),
                           weight="w")


@pytest.mark.parametrize("qrule", QRULES)
def test_quantile_rules_match_r_on_a_small_sample(qrule):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MicsWarning)
        result = mt.quantile(_small_design(), "x", SMALL_PROBABILITIES, qrule=qrule)
    np.testing.assert_allclose(result["estimate"], SMALL_R_VALUES[qrule], rtol=1e-15,
                               equal_nan=True)
    assert result["quantile"].tolist() == SMALL_PROBABILITIES


def test_tied_weights_are_summed_in_row_order_as_r_rowsum():
    """hf3 collapses ties with R's rowsum (double, in row order): one long tie among many
    distinct values, many short ties, and ties of every length in between."""
    rng = np.random.default_rng(4)
    values = rng.random(20_000) * 1e3
    for start in (np.r_[0, np.arange(10_000, 20_000)], np.arange(0, 20_000, 700),
                  np.unique(np.r_[0, rng.choice(20_000, 900, replace=False)])):
        ends = np.r_[start[1:], len(values)]
        expected = [sum(values[a:b].tolist()) for a, b in zip(start, ends, strict=True)]
        np.testing.assert_array_equal(_segment_sums(values, start), expected)


def test_math_rule_at_a_tie_of_cumulative_weight_and_p():
    # equal weights: the cumulative share reaches 0.5 exactly at the second value, so "math"
    # takes it and "school" averages it with the next (R's qs() wlow == 0)
    design = mt.SurveyDesign(pd.DataFrame({"x": [10.0, 20, 30, 40], "w": [0.3] * 4}),
                             weight="w")
    assert mt.median(design, "x", qrule="math")["estimate"].item() == 20
    assert mt.median(design, "x", qrule="school")["estimate"].item() == 25


# ---------------------------------------------------------------------------- the tails
def _women(seed: int = 5, n_psu: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n_psu), 12)
    effect = rng.normal(0, 3, n_psu)[psu]
    return pd.DataFrame({
        "psu": psu, "stratum": psu % 6, "w": rng.uniform(0.4, 3.0, len(psu)),
        "age": np.round(30 + effect + rng.normal(0, 8, len(psu)), 2),
        "area": 1 + (psu % 2), "region": 1 + psu % 3,
    })


def _math_rule(values: np.ndarray, weights: np.ndarray, p: float) -> float:
    """R's ``qrule_math`` written plainly: the value at the last cumulative share <= p if it
    equals p, else the next value; below the first share, R takes the second value."""
    order = np.argsort(values)
    ordered = values[order]
    share = np.cumsum(weights[order]) / weights.sum()
    position = max(np.searchsorted(share, p, side="right") - 1, 0)
    if share[position] == p:
        return float(ordered[position])
    return float(ordered[min(position + 1, len(ordered) - 1)])


@pytest.mark.parametrize("p", [0.01, 0.05, 0.5, 0.95, 0.99])
def test_woodruff_ends_come_from_the_mean_of_the_indicator(p):
    """Cross-derivation in the tails: the interval ends are the quantile rule at
    F -+ t SE(F), with F and SE(F) from design.mean of 1[age <= q] by domain, and an end
    whose proportion leaves [0, 1] is NaN (never clipped, which would understate the SE)."""
    frame = _women()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    result = design.quantile("age", p, by="region")
    for region, ours in result.groupby("region"):
        inside = frame["region"] == region
        estimate = ours["estimate"].item()
        indicator = frame["age"].le(estimate).astype(float).where(inside)
        proportion = design.replace(data=frame.assign(ind=indicator)).mean("ind", by="region")
        share = proportion.loc[proportion["region"] == region].iloc[0]
        t = share["ci_upper"] - share["estimate"]  # the mean's t * SE (t interval, same df)
        ends = []
        for bound in (share["estimate"] - t, share["estimate"] + t):
            ends.append(np.nan if not 0 <= bound <= 1 else _math_rule(
                frame.loc[inside, "age"].to_numpy(), frame.loc[inside, "w"].to_numpy(), bound))
        assert estimate == _math_rule(frame.loc[inside, "age"].to_numpy(),
                                      frame.loc[inside, "w"].to_numpy(), p)
        np.testing.assert_allclose([ours["ci_lower"].item(), ours["ci_upper"].item()], ends,
                                   equal_nan=True)
        half_width = t / share["se"]
        expected_se = (ends[1] - ends[0]) / (2 * half_width)
        np.testing.assert_allclose(ours["se"].item(), expected_se, rtol=1e-12, equal_nan=True)
    if p == 0.01:  # the proportion's interval leaves [0, 1]: an undefined end, not a clip
        assert result["ci_lower"].isna().any()
    if p == 0.99:
        assert result["ci_upper"].isna().any()


def test_tail_ends_are_nan_in_r_and_here():
    """p = 0.01 and 0.99 on the stratified and clustered designs: where R's interval for the
    proportion leaves [0, 1] the end and the SE are NaN in R and here; elsewhere they match."""
    rows = GOLDEN[GOLDEN["case"].isin(["strat_math_mean", "clus1_math_mean"])
                  & GOLDEN["quantile"].isin([0.01, 0.99])]
    assert rows["se"].isna().any() and rows["se"].notna().any()
    for _, row in rows.iterrows():
        ours = _our_row(_result(row["case"], CASES[row["case"]].design)[0], row)
        for statistic in ("estimate", "se", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(ours[statistic], row[statistic], rtol=1e-8,
                                       equal_nan=True)


# ------------------------------------------------------------------- cross-derivations
def test_median_is_the_quantile_at_one_half():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    median = design.median("age", by="area", interval="beta")
    quantile = mt.quantile(design, "age", [0.5], by="area", interval="beta")
    pd.testing.assert_frame_equal(median, quantile)
    assert (median["quantile"] == 0.5).all()


def test_result_columns_dtypes_and_conventions():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    result = design.quantile("age", [0.25, 0.5, 0.75], by=["area", "region"], qrule="hf7",
                             interval="xlogit", level=0.9, df="domain")
    assert list(result.columns) == ["area", "region", "quantile", *RESULT_COLUMNS]
    assert result["n_unweighted"].dtype == np.int64
    assert all(result[c].dtype == np.float64 for c in ("quantile", *RESULT_COLUMNS)
               if c != "n_unweighted")
    assert len(result) == 6 * 3
    assert result["deff"].isna().all() and result["deft"].isna().all()
    conventions = result.attrs["mics"]
    assert conventions["estimator"] == "quantile"
    assert conventions["quantiles"] == [0.25, 0.5, 0.75]
    assert (conventions["qrule"], conventions["interval"]) == ("hf7", "xlogit")
    assert (conventions["level"], conventions["df"], conventions["ci"]) == (0.9, "domain", "t")
    counts = design.mean("age", by=["area", "region"])
    np.testing.assert_array_equal(result["n_unweighted"], np.repeat(counts["n_unweighted"], 3))
    np.testing.assert_allclose(result["n_weighted"], np.repeat(counts["n_weighted"], 3))


def test_where_as_expression_and_as_array_agree():
    frame = _women()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    by_text = design.quantile("age", [0.1, 0.5], by="area", where="age >= 25")
    by_array = design.quantile("age", [0.1, 0.5], by="area",
                               where=(frame["age"] >= 25).to_numpy())
    pd.testing.assert_frame_equal(by_text, by_array)
    assert by_text.attrs["mics"]["where"] == "age >= 25"
    assert by_array.attrs["mics"]["where"] == "<array>"


def test_values_outside_a_domain_do_not_change_it():
    frame = _women()
    changed = frame.assign(age=frame["age"].where(frame["area"] == 1, frame["age"] * 3 + 100))
    first = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    second = mt.SurveyDesign(changed, weight="w", strata="stratum", psu="psu")
    for interval in ("mean", "score"):
        a = first.quantile("age", [0.25, 0.5], by="area", interval=interval)
        b = second.quantile("age", [0.25, 0.5], by="area", interval=interval)
        pd.testing.assert_frame_equal(a[a["area"] == 1], b[b["area"] == 1])


def test_weight_scale_does_not_change_quantiles_or_ses():
    frame = _women()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    scaled = mt.SurveyDesign(frame.assign(w=frame["w"] * 7.3), weight="w", strata="stratum",
                             psu="psu")
    for interval in ("mean", "beta", "asin"):
        a = design.quantile("age", [0.1, 0.5, 0.9], by="region", interval=interval)
        b = scaled.quantile("age", [0.1, 0.5, 0.9], by="region", interval=interval)
        for column in ("estimate", "se", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(a[column], b[column], rtol=1e-12)


def test_zero_weight_rows_do_not_count():
    frame = _women()
    extra = pd.DataFrame({"psu": [0, 1], "stratum": [0, 1], "w": [0.0, 0.0],
                          "age": [1000.0, -1000.0], "area": [1, 2], "region": [1, 2]})
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    padded = mt.SurveyDesign(pd.concat([frame, extra], ignore_index=True), weight="w",
                             strata="stratum", psu="psu")
    a = design.quantile("age", [0.01, 0.5, 0.99], by="area")
    b = padded.quantile("age", [0.01, 0.5, 0.99], by="area")
    pd.testing.assert_frame_equal(a, b)


def test_a_domain_without_values_gives_a_nan_row():
    frame = _women()
    frame.loc[frame["region"] == 2, "age"] = np.nan
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    result = design.quantile("age", [0.5, 0.9], by="region")
    empty = result[result["region"] == 2]
    assert (empty["n_unweighted"] == 0).all()
    assert empty[["estimate", "se", "ci_lower", "ci_upper"]].isna().all().all()
    assert result.loc[result["region"] != 2, "estimate"].notna().all()


def test_a_breakdown_missing_on_every_row_gives_no_rows_and_a_warning():
    design = mt.SurveyDesign(_women().assign(group=np.nan), weight="w", strata="stratum",
                             psu="psu")
    with pytest.warns(MicsWarning, match="'group' has no domains"):
        result = design.quantile("age", [0.25, 0.5], by="group")
    assert list(result.columns) == ["group", "quantile", *RESULT_COLUMNS]
    assert len(result) == 0


def test_ci_mics_takes_two_standard_errors():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    result = design.quantile("age", [0.25, 0.5], ci="mics")
    frame = _women()
    for _, row in result.iterrows():
        share = design.replace(data=frame.assign(
            ind=frame["age"].le(row["estimate"]).astype(float))).mean("ind", ci="mics")
        ends = [_math_rule(frame["age"].to_numpy(), frame["w"].to_numpy(), b)
                for b in (share["ci_lower"].item(), share["ci_upper"].item())]
        assert [row["ci_lower"], row["ci_upper"]] == ends
        assert row["se"] == pytest.approx((ends[1] - ends[0]) / 4, rel=1e-15)


def test_replicate_quantile_interval_is_the_replicate_variance_of_the_quantile():
    frame = _women()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    replicated = design.replicate("bootstrap", replicates=40, seed=3)
    result = replicated.quantile("age", [0.5], by="area", interval="quantile")
    factors = replicated.unit_weights  # (P, R) PSU factors
    for _, row in result.iterrows():
        inside = (frame["area"] == row["area"]).to_numpy()
        values = frame.loc[inside, "age"].to_numpy()
        weights = frame.loc[inside, "w"].to_numpy()[:, None] * factors[design.psu_index[inside]]
        estimates = np.array([_math_rule(values[weights[:, r] > 0],
                                         weights[weights[:, r] > 0, r], 0.5)
                              for r in range(weights.shape[1])])
        variance = np.sum((estimates - estimates.mean()) ** 2) / (len(estimates) - 1)
        assert row["se"] == pytest.approx(math.sqrt(variance), rel=1e-12)
        assert row["df"] == replicated.degrees_of_freedom


def test_methods_on_replicate_designs_and_functions_agree():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    replicated = design.replicate("jkn")
    pd.testing.assert_frame_equal(replicated.median("age", by="area", interval="beta"),
                                  mt.median(replicated, "age", by="area", interval="beta"))
    pd.testing.assert_frame_equal(design.quantile("age", [0.2, 0.8], qrule="hf8"),
                                  mt.estimate.quantile(design, "age", [0.2, 0.8], qrule="hf8"))


# --------------------------------------------------------------------------- warnings
def test_jackknife_quantile_interval_warns():
    replicated = mt.SurveyDesign(_women(), weight="w", strata="stratum",
                                 psu="psu").replicate("jkn")
    with pytest.warns(MicsWarning, match="jackknife replicates .jkn. may not give valid"):
        replicated.median("age", interval="quantile")


def test_score_interval_without_a_sign_change_warns_and_gives_nan():
    design = DESIGNS["dstrat"]()
    with pytest.warns(MicsWarning, match=r"no sign change .* \(p = 0.01\)"):
        result = design.quantile("api00", [0.01, 0.5], interval="score")
    assert math.isnan(result["se"].iloc[0]) and math.isnan(result["ci_lower"].iloc[0])
    assert result["se"].iloc[1] > 0


# ---------------------------------------------------------------------------- bad input
def test_a_quantile_of_a_text_variable_is_a_variable_error():
    frame = _women().assign(name="x")
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with pytest.raises(VariableError, match="cannot take the quantile of 'name'") as error:
        design.quantile("name", 0.5)
    assert error.value.variable == "name"


def test_an_unknown_variable_is_a_variable_error_with_close_names():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    with pytest.raises(VariableError, match="'agee'") as error:
        design.median("agee")
    assert "age" in error.value.close_matches


@pytest.mark.parametrize("q", [[], [0.5, 1.2], -0.1, [np.nan], "0.5", [True], None,
                               [0.5, "a"]])
def test_bad_probabilities_are_an_option_error(q):
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    with pytest.raises(OptionError, match="between 0 and 1") as error:
        design.quantile("age", q)
    assert error.value.option == "q"


@pytest.mark.parametrize(("option", "value"), [("qrule", "hf10"), ("qrule", "Math"),
                                               ("interval", "wald"), ("interval", "logit")])
def test_unknown_rule_or_interval_lists_the_valid_values(option, value):
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    with pytest.raises(OptionError, match="use one of") as error:
        design.quantile("age", 0.5, **{option: value})
    assert error.value.option == option
    assert error.value.valid == (QRULES if option == "qrule" else QUANTILE_INTERVALS)
    for valid in error.value.valid:
        assert repr(valid) in str(error.value)


def test_intervals_that_need_another_kind_of_design():
    design = mt.SurveyDesign(_women(), weight="w", strata="stratum", psu="psu")
    with pytest.raises(OptionError, match="needs a ReplicateDesign"):
        design.median("age", interval="quantile")
    with pytest.raises(OptionError, match="not available on a replicate design"):
        design.replicate("jkn").median("age", interval="score")
    with pytest.raises(OptionError, match="ci='mics'"):
        design.median("age", interval="beta", ci="mics")
    with pytest.raises(OptionError, match="level"):
        design.median("age", level=95)
