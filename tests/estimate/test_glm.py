"""Design-based generalised linear models (estimate/glm.py): golden values from R survey 4.1-1
(svyglm and regTermTest, tests/golden_glm) on Taylor, lonely-PSU, calibrated and replicate
designs, with domains and missing values; cross-derivations with the estimators; options,
bad input and warnings."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import ExpressionError, OptionError, VariableError, WeightError
from mics_toolkit.estimate.engine import analysis_of
from mics_toolkit.estimate.glm import GLM_COLUMNS, WALD_COLUMNS
from mics_toolkit.estimate.intervals import multiplier


def _import(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


glm_loader = _import("golden_glm_loader",
                     Path(__file__).resolve().parents[1] / "golden_glm" / "loader.py")
GOLDEN, HEADER = glm_loader.load_golden()
RELATIVE_TOLERANCE = 1e-8
ZERO_TOLERANCE = 1e-12
POPULATION = {"E": 4421, "H": 755, "M": 1018}


# --------------------------------------------------------------------------- golden designs
@cache
def _data(folder: str, name: str) -> pd.DataFrame:
    frame = glm_loader.read_data(folder, name)
    if "sch_wide" in frame:
        frame = frame.assign(sw=(frame["sch_wide"] == "Yes").astype(float),
                             aw=(frame["awards"] == "Yes").astype(float))
    return frame


def _strat():
    return mt.SurveyDesign(_data("golden", "apistrat"), "pw", strata="stype", fpc="fpc")


def _clus1():
    return mt.SurveyDesign(_data("golden", "apiclus1"), "pw", psu="dnum", fpc="fpc")


def _lonely(lonely_psu: str, fpc: str | None = None):
    return mt.SurveyDesign(_data("golden", "lonely"), "w", strata="stratum", psu="psu",
                           nest=True, fpc=fpc, lonely_psu=lonely_psu)


def _pairs_brr():
    """R's BRR replicates of the pairs design (our Hadamard rows differ from R's)."""
    design = mt.SurveyDesign(_data("golden_replicates", "pairs"), "w", strata="stratum",
                             psu="psu")
    rows = glm_loader.read_factors("pairs_brr")
    assert np.array_equal(rows["hh"].to_numpy(), design.frame["hh"].to_numpy())
    per_row = rows.drop(columns="hh").to_numpy()
    factors = np.empty((per_row.shape[1], design.n_psu_total))
    factors[:, design.psu_index] = per_row.T
    return mt.ReplicateDesign(design.data, "w", None, "brr", design=design, factors=factors)


DESIGNS = {
    "strat": lambda opt: _strat(),
    "clus1": lambda opt: _clus1(),
    "lonely": lambda opt: _lonely(opt),
    "lonely_fpc": lambda opt: _lonely(opt, fpc="fpc_n"),
    "clus1_ps": lambda opt: _clus1().poststratify("stype", POPULATION),
    "clus1_cal": lambda opt: _clus1().calibrate({"stype": POPULATION, "api99": 3914069},
                                                tolerance=1e-13, max_iterations=100),
    "clus1_jk1": lambda opt: _clus1().replicate("jk1"),
    "strat_jkn": lambda opt: _strat().replicate("jkn"),
    "pairs_brr": lambda opt: _pairs_brr(),
}


@cache
def _design(name: str, lonely_psu: str):
    return DESIGNS[name](lonely_psu)


@cache
def _fit(case: str):
    row = GOLDEN[GOLDEN["case"] == case].iloc[0]
    design = _design(row["design"], row["lonely_psu"])
    # R's svyglm counts the design df of the rows it fits (its subset, without missing values)
    return design.glm(row["formula"], family=row["family"], where=row["where"] or None,
                      df="domain")


def _r_name(name: str) -> str:
    """Our coefficient (patsy) name written as R's: ``Intercept`` -> ``(Intercept)``,
    ``C(x)[T.2]`` -> ``factor(x)2``, ``x[T.b]`` -> ``xb``, per factor of an interaction."""
    if name == "Intercept":
        return "(Intercept)"
    parts = []
    for part in name.split(":"):
        part = re.sub(r"^C\((\w+)\)\[T\.(.+)\]$", r"factor(\1)\2", part)
        part = re.sub(r"^(\w+)\[T\.(.+)\]$", r"\1\2", part)
        parts.append(part)
    return ":".join(parts)


def _our_term(r_term: str) -> str:
    """R's term label as ours: ``factor(x)`` -> ``C(x)``."""
    return re.sub(r"factor\((\w+)\)", r"C(\1)", r_term)


def _close(actual, expected, label):
    if expected == 0:
        assert abs(actual) <= ZERO_TOLERANCE, label
    else:
        np.testing.assert_allclose(actual, expected, rtol=RELATIVE_TOLERANCE, atol=0,
                                   err_msg=label)


COEFFICIENT_STATISTICS = ("estimate", "se", "statistic", "p_value", "ci_lower", "ci_upper")
GROUPS = sorted({(c, s) for c, s in zip(GOLDEN["case"], GOLDEN["statistic"], strict=True)
                 if s != "dispersion_svrepglm"})


def test_golden_file_is_r_survey_4_1_1():
    assert HEADER["survey"] == "4.1.1"
    assert GOLDEN["case"].nunique() == 41
    assert set(GOLDEN["family"]) == {"gaussian", "binomial", "poisson"}
    assert set(GOLDEN["design"]) == set(DESIGNS)


@pytest.mark.parametrize(("case", "statistic"), GROUPS, ids=[f"{c}-{s}" for c, s in GROUPS])
def test_golden_statistic(case, statistic):
    fit = _fit(case)
    rows = GOLDEN[(GOLDEN["case"] == case) & (GOLDEN["statistic"] == statistic)]
    if statistic in COEFFICIENT_STATISTICS:
        frame = fit.to_frame().set_index("term")
        names = {_r_name(n): n for n in frame.index}
        assert sorted(names) == sorted(rows["term"]), "the model's coefficients"
        for term, value in zip(rows["term"], rows["value"], strict=True):
            _close(frame.loc[names[term], statistic], value, f"{case} {term} {statistic}")
    elif statistic == "covariance":
        covariance = fit.cov_params()
        names = {_r_name(n): n for n in covariance.index}
        for term, other, value in zip(rows["term"], rows["term2"], rows["value"], strict=True):
            _close(covariance.loc[names[term], names[other]], value, f"{case} {term} {other}")
            assert covariance.loc[names[other], names[term]] == covariance.loc[names[term],
                                                                               names[other]]
    elif statistic in ("df_resid", "nobs", "dispersion"):
        [value] = rows["value"]
        _close(float(getattr(fit, statistic)), value, f"{case} {statistic}")
    else:  # wald_F, wald_df_num, wald_df_den, wald_p
        column = {"wald_F": "statistic", "wald_df_num": "df_num", "wald_df_den": "df_den",
                  "wald_p": "p_value"}[statistic]
        for term, value in zip(rows["term"], rows["value"], strict=True):
            test = fit.wald_test(_our_term(term))
            _close(float(test[column].iloc[0]), value, f"{case} {term} {statistic}")


# ------------------------------------------------------------------ cross-derivations
def _frame(n: int = 900, seed: int = 21) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, 30, n))
    g = rng.integers(0, 3, n)
    x = rng.normal(0, 1, n)
    eta = -0.3 + 0.8 * x + 0.5 * (g == 1) - 0.4 * (g == 2) + 0.1 * (psu % 4)
    return pd.DataFrame({
        "psu": psu, "stratum": psu // 5, "w": rng.uniform(0.5, 2, n),
        "y": rng.normal(3, 1, n) + psu % 3 + x, "x": x, "g": g,
        "b": (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float),
        "k": rng.poisson(np.exp(0.5 + 0.3 * x)).astype(float),
        "region": psu % 3,
    })


def _designs():
    design = mt.SurveyDesign(_frame(), weight="w", strata="stratum", psu="psu")
    return {
        "taylor": design,
        "poststratified": design.poststratify("g", {0: 300, 1: 300, 2: 300}),
        "jkn": design.replicate("jkn"),
        "bootstrap": design.replicate("bootstrap", replicates=40, seed=5),
    }


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn", "bootstrap"])
@pytest.mark.parametrize("where", [None, "region == 1"])
def test_intercept_only_gaussian_is_the_mean(kind, where):
    design = _designs()[kind]
    fit = design.glm("y ~ 1", where=where)
    mean = design.mean("y", where=where)
    np.testing.assert_allclose(fit.params["Intercept"], mean["estimate"].iloc[0], rtol=1e-12)
    np.testing.assert_allclose(fit.bse["Intercept"], mean["se"].iloc[0], rtol=1e-9)
    assert fit.df_resid == mean["df"].iloc[0]  # design df + 1 - 1


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn"])
def test_intercept_only_binomial_is_the_proportion_on_the_logit_scale(kind):
    design = _designs()[kind]
    fit = design.glm("b ~ 1", family="binomial", where="region != 0")
    share = design.proportion("b", where="region != 0", ci_method="logit")
    p = share.loc[share["level"] == 1, "estimate"].iloc[0]
    se = share.loc[share["level"] == 1, "se"].iloc[0]
    np.testing.assert_allclose(fit.params["Intercept"], np.log(p / (1 - p)), rtol=1e-9)
    if kind == "jkn":  # replicates refit the logit: the delta method holds to first order
        np.testing.assert_allclose(fit.bse["Intercept"], se / (p * (1 - p)), rtol=2e-2)
    else:
        np.testing.assert_allclose(fit.bse["Intercept"], se / (p * (1 - p)), rtol=1e-9)


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn"])
def test_group_coefficient_is_the_difference_of_domain_means(kind):
    design = _designs()[kind]
    fit = design.glm("y ~ C(g)")
    means = design.mean("y", by="g")
    covariance = design.covariance(means).to_numpy()
    contrast = np.array([-1.0, 1.0, 0.0])
    np.testing.assert_allclose(fit.params["C(g)[T.1]"], means["estimate"] @ contrast,
                               rtol=1e-10)
    np.testing.assert_allclose(fit.bse["C(g)[T.1]"], np.sqrt(contrast @ covariance @ contrast),
                               rtol=1e-9)


def test_where_keeps_the_full_design_as_zero_weights_outside():
    frame = _frame()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    inside = (frame["region"] != 2).to_numpy()
    zeroed = mt.SurveyDesign(frame.assign(w=np.where(inside, frame["w"], 0.0)), weight="w",
                             strata="stratum", psu="psu")
    fit = design.glm("b ~ x + C(g)", family="binomial", where=inside)
    same = zeroed.glm("b ~ x + C(g)", family="binomial")
    pd.testing.assert_series_equal(fit.params, same.params, rtol=1e-10)
    pd.testing.assert_series_equal(fit.bse, same.bse, rtol=1e-9)
    # values outside the domain do not change anything
    changed = mt.SurveyDesign(frame.assign(b=np.where(inside, frame["b"], 1 - frame["b"]),
                                           x=np.where(inside, frame["x"], 99.0)),
                              weight="w", strata="stratum", psu="psu")
    other = changed.glm("b ~ x + C(g)", family="binomial", where="region != 2")
    pd.testing.assert_series_equal(fit.params, other.params, rtol=1e-12)
    pd.testing.assert_series_equal(fit.bse, other.bse, rtol=1e-12)


def test_missing_values_leave_the_domain():
    frame = _frame()
    frame.loc[::7, "x"] = np.nan
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    fit = design.glm("y ~ x")
    same = design.glm("y ~ x", where="notna(x)")
    pd.testing.assert_series_equal(fit.params, same.params, rtol=1e-12)
    pd.testing.assert_series_equal(fit.bse, same.bse, rtol=1e-12)
    assert fit.nobs == int(frame["x"].notna().sum())


def test_df_design_and_domain():
    frame = _frame()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    fit = design.glm("y ~ x + C(g)", where="psu < 12")
    assert fit.df_resid == design.degrees_of_freedom + 1 - 4  # 30 PSUs - 6 strata
    domain = design.glm("y ~ x + C(g)", where="psu < 12", df="domain")
    assert domain.df_resid == 12 - 3 + 1 - 4  # PSUs 0-11 in strata 0, 1, 2
    pd.testing.assert_series_equal(fit.bse, domain.bse)
    q = float(multiplier(0.9, "t", domain.df_resid))
    np.testing.assert_allclose(domain.conf_int(0.9)["ci_upper"],
                               domain.params + q * domain.bse, rtol=1e-12)


def test_wald_test_of_one_coefficient_is_the_t_test():
    design = _designs()["taylor"]
    fit = design.glm("k ~ x + C(g)", family="poisson")
    test = fit.wald_test("x")
    assert list(test.columns) == list(WALD_COLUMNS)
    np.testing.assert_allclose(test["statistic"].iloc[0], fit.tvalues["x"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(test["p_value"].iloc[0], fit.pvalues["x"], rtol=1e-9)
    assert test["df_num"].iloc[0] == 1 and test["df_den"].iloc[0] == fit.df_resid


def test_wald_test_of_terms_in_any_order_and_together():
    design = _designs()["taylor"]
    fit = design.glm("y ~ x * C(g)")
    assert set(fit.terms) == {"Intercept", "C(g)", "x", "x:C(g)"}
    one = fit.wald_test("x:C(g)")
    other = fit.wald_test("C(g):x")
    assert one["statistic"].iloc[0] == other["statistic"].iloc[0]
    both = fit.wald_test(["C(g)", "x:C(g)"])
    index = [fit.params.index.get_loc(n) for n in fit.params.index if "C(g)" in n]
    beta = fit.params.to_numpy()[index]
    covariance = fit.cov_params().to_numpy()[np.ix_(index, index)]
    np.testing.assert_allclose(both["statistic"].iloc[0],
                               beta @ np.linalg.solve(covariance, beta) / 4, rtol=1e-12)
    assert both["df_num"].iloc[0] == 4 and both["term"].iloc[0] == "C(g) + x:C(g)"


def test_results_do_not_depend_on_row_order_or_weight_scale():
    frame = _frame()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    fit = design.glm("b ~ x + C(g)", family="binomial")
    shuffled = frame.sample(frac=1.0, random_state=3).assign(w=lambda f: f["w"] * 37.5)
    other = mt.SurveyDesign(shuffled, weight="w", strata="stratum", psu="psu").glm(
        "b ~ x + C(g)", family="binomial")
    pd.testing.assert_series_equal(fit.params, other.params, rtol=1e-9)
    pd.testing.assert_series_equal(fit.bse, other.bse, rtol=1e-9)
    assert fit.dispersion == pytest.approx(other.dispersion, rel=1e-9)


def test_result_frame_summary_and_input_untouched():
    frame = _frame()
    before = frame.copy()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    fit = design.glm("b ~ x + C(g)", family="binomial", where="region != 0")
    pd.testing.assert_frame_equal(frame, before)
    tidy = fit.to_frame()
    assert list(tidy.columns) == list(GLM_COLUMNS)
    assert list(tidy["term"]) == ["Intercept", "C(g)[T.1]", "C(g)[T.2]", "x"]
    np.testing.assert_allclose(tidy["statistic"], tidy["estimate"] / tidy["se"])
    conventions = tidy.attrs["mics"]
    assert conventions["estimator"] == "glm" and conventions["family"] == "binomial"
    assert conventions["where"] == "region != 0" and conventions["df"] == "design"
    text = fit.summary()
    assert text == fit.summary()
    for piece in ("b ~ x + C(g)", "binomial (R quasibinomial)", "C(g)[T.2]", "Where:",
                  f"Residual df: {fit.df_resid:g}", "Dispersion:"):
        assert piece in text
    assert fit.cov_params().shape == (4, 4)
    assert isinstance(fit, mt.GlmResult)
    np.testing.assert_allclose(mt.glm(design, "b ~ x + C(g)", family="binomial",
                                      where="region != 0").params, fit.params)


def test_logical_and_text_variables():
    frame = _frame().assign(flag=lambda f: f["b"] == 1,
                            group=lambda f: np.array(["a", "b", "c"])[f["g"]])
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    by_flag = design.glm("flag ~ x + group", family="binomial")
    by_code = design.glm("b ~ x + C(g)", family="binomial")
    np.testing.assert_allclose(by_flag.params.to_numpy(), by_code.params.to_numpy(), rtol=1e-12)
    assert list(by_flag.params.index) == ["Intercept", "group[T.b]", "group[T.c]", "x"]


# --------------------------------------------------------------------------- bad input
def test_unknown_variable_names_close_matches():
    design = _designs()["taylor"]
    with pytest.raises(VariableError, match="'X'") as caught:
        design.glm("y ~ X + C(g)")
    assert caught.value.variable == "X" and "x" in caught.value.close_matches
    with pytest.raises(VariableError) as caught:
        design.glm("yy ~ x")
    assert "y" in caught.value.close_matches


def test_unknown_family_and_df():
    design = _designs()["taylor"]
    with pytest.raises(OptionError, match="'gaussian', 'binomial', 'poisson'") as caught:
        design.glm("y ~ x", family="logistic")
    assert caught.value.option == "family"
    with pytest.raises(OptionError):
        design.glm("y ~ x", df="residual")


def test_binomial_response_outside_zero_one_and_negative_counts():
    design = _designs()["taylor"]
    with pytest.raises(VariableError, match=r"binomial.*\[0, 1\]; 878 rows") as caught:
        design.glm("y ~ x", family="binomial")
    assert caught.value.variable == "y"
    frame = _frame().assign(k=lambda f: f["k"] - 1)
    counts = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with pytest.raises(VariableError, match="poisson model must be >= 0"):
        counts.glm("k ~ x", family="poisson")


def test_bad_formulas():
    design = _designs()["taylor"]
    with pytest.raises(ExpressionError, match="not valid") as caught:
        design.glm("y ~ x +")
    assert caught.value.expression == "y ~ x +"
    with pytest.raises(ExpressionError, match="no response"):
        design.glm("~ x")
    frame = _frame().assign(x2=lambda f: 2 * f["x"] + 1)
    collinear = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with pytest.raises(ExpressionError, match="'x2'.*linear combinations"):
        collinear.glm("y ~ x + x2")
    with pytest.raises(ExpressionError, match="formula must be a string"):
        design.glm(["y ~ x"])


def test_text_response_and_empty_domain():
    frame = _frame().assign(group=lambda f: np.array(["a", "b", "c"])[f["g"]])
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with pytest.raises(VariableError, match="must be one numeric variable"):
        design.glm("group ~ x", family="binomial")
    with pytest.raises(WeightError, match="no row with a positive weight"):
        design.glm("y ~ x", where="region == 7")


def test_wald_test_and_interval_bad_input():
    fit = _designs()["taylor"].glm("y ~ x + C(g)")
    with pytest.raises(OptionError, match="has no term 'C\\(h\\)'; its terms are") as caught:
        fit.wald_test("C(h)")
    assert "C(g)" in caught.value.valid
    with pytest.raises(OptionError):
        fit.conf_int(95)


def test_perfect_separation_warns_naming_the_term():
    frame = _frame()
    frame.loc[frame["g"] == 2, "b"] = 0.0  # level 2 of g never has b = 1
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    expected = r"separates the data: the coefficient of 'C\(g\)\[T\.2\]' \(term 'C\(g\)'\)"
    with pytest.warns(mt.MicsWarning, match=expected) as caught:
        fit = design.glm("b ~ x + C(g)", family="binomial")
    assert len([w for w in caught if issubclass(w.category, mt.MicsWarning)]) == 1
    assert caught[0].filename == __file__
    assert fit.params["C(g)[T.2]"] < -10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        design.glm("b ~ x + C(g)", family="binomial", where="g != 2")


def test_complete_separation_by_a_numeric_term_warns_naming_it():
    frame = _frame().assign(s=lambda f: (f["x"] > 0).astype(float))
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        design.glm("s ~ x", family="binomial")
    [warning] = caught
    assert issubclass(warning.category, mt.MicsWarning)
    assert "the coefficient of 'x' (term 'x') grows without bound" in str(warning.message)
    assert "fitted probabilities are numerically 0 or 1 on 900 rows" in str(warning.message)


@pytest.mark.parametrize(("family", "response"),
                         [("binomial", "b"), ("poisson", "k"), ("gaussian", "y")])
def test_newton_start_gives_statsmodels_fit_in_one_iteration(family, response):
    glm_module = sys.modules["mics_toolkit.estimate.glm"]
    base, _ = analysis_of(mt.SurveyDesign(_frame(), weight="w", strata="stratum", psu="psu"))
    model = glm_module._model_matrices(base, f"{response} ~ x * C(g) + C(region)", None,
                                       family)
    fam = glm_module._family(family)
    weights = model.pattern_weights
    start, steps = glm_module._start(model.x, model.y, weights, fam)
    assert start is not None and 2 <= steps <= 10
    own, _, _, own_iterations = glm_module._irls(model.x, model.y, weights, fam)
    params, _, converged, iterations = glm_module._irls(model.x, model.y, weights, fam,
                                                        start=start)
    assert converged and iterations == 1
    assert own_iterations > 1 or family == "gaussian"
    # statsmodels stops on the deviance a little short of its fixed point (4e-13 here);
    # one more of its iterations reaches it, and the Newton start lands there directly
    fixed_point, _, _, _ = glm_module._irls(model.x, model.y, weights, fam, start=own)
    np.testing.assert_allclose(params, own, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(params, fixed_point, rtol=1e-13, atol=2e-15)
    fit = glm_module._fit(model, family)
    assert fit.iterations == steps + 1
    np.testing.assert_array_equal(fit.params, params)


def test_newton_start_gives_up_on_separation():
    glm_module = sys.modules["mics_toolkit.estimate.glm"]
    frame = _frame().assign(s=lambda f: (f["x"] > 0).astype(float))
    base, _ = analysis_of(mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu"))
    model = glm_module._model_matrices(base, "s ~ x", None, "binomial")
    start, steps = glm_module._start(model.x, model.y, model.pattern_weights,
                                     glm_module._family("binomial"))
    assert start is None and steps == glm_module._START_STEPS


def test_poisson_level_without_events_warns():
    frame = _frame()
    frame.loc[frame["g"] == 1, "k"] = 0.0
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    with pytest.warns(mt.MicsWarning, match=r"poisson model .* 'C\(g\)\[T\.1\]'"):
        design.glm("k ~ x + C(g)", family="poisson")


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn"])
def test_rows_grouped_by_covariate_pattern_give_the_row_by_row_fit(kind, monkeypatch):
    glm_module = sys.modules["mics_toolkit.estimate.glm"]

    frame = _frame().assign(age=lambda f: np.round(f["x"] * 3) + 30)
    base = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    design = {"taylor": base, "poststratified": base.poststratify("g", {0: 3, 1: 3, 2: 3}),
              "jkn": base.replicate("jkn")}[kind]
    formula = "b ~ C(g) * age + C(region)"
    model = glm_module._model_matrices(design if kind != "jkn" else design.base, formula,
                                       None, "binomial")
    assert len(model.y) < 300 < len(model.rows)  # grouped
    grouped = design.glm(formula, family="binomial", where="psu != 4")
    monkeypatch.setattr(glm_module, "_GROUPED", -1.0)
    by_row = design.glm(formula, family="binomial", where="psu != 4")
    pd.testing.assert_series_equal(grouped.params, by_row.params, rtol=1e-10)
    pd.testing.assert_series_equal(grouped.bse, by_row.bse, rtol=1e-9)
    assert grouped.dispersion == pytest.approx(by_row.dispersion, rel=1e-10)
    assert grouped.nobs == by_row.nobs


def test_covariate_patterns_are_the_distinct_combinations_in_value_order():
    # whole numbers (negative, with gaps, beyond the span read as they are), fractions,
    # text and logical values: the patterns are the distinct combinations in the order
    # of the values, each with one of its rows
    glm_module = sys.modules["mics_toolkit.estimate.glm"]
    rng = np.random.default_rng(4)
    n = 600
    frame = pd.DataFrame({
        "psu": np.arange(n) // 20, "w": 1.0,
        "gaps": rng.choice([-7, -2, 0, 5, 40], n).astype(float),
        "wide": rng.choice([-(10**6), 3, 10**6], n),
        "half": rng.choice([0.5, 1.5, 2.0], n),
        "text": rng.choice(["b", "a", "c"], n),
        "flag": rng.choice([True, False], n),
    })
    base = mt.SurveyDesign(frame, weight="w", psu="psu")
    names = ["gaps", "wide", "half", "text", "flag"]
    rows = np.flatnonzero(rng.uniform(size=n) < 0.8)
    for covariates in ([], ["half", "text"]):
        # the covariates' values first, then the others, as the order of the patterns
        ordered = covariates + [n for n in names if n not in covariates]
        first, row_pattern, covariate = glm_module._patterns(base, names, rows, covariates)
        keys = list(zip(*(frame[name].to_numpy()[rows] for name in ordered), strict=True))
        distinct = sorted(set(keys))
        assert len(first) == len(distinct) < len(rows) / 2
        assert [keys[k] for k in first] == distinct
        assert [distinct[p] for p in row_pattern] == keys
        # equal covariate keys for equal covariate values, non-decreasing
        shared = [d[: len(covariates)] for d in distinct]
        assert np.all(np.diff(covariate) >= 0)
        assert all((covariate[i] == covariate[j]) == (shared[i] == shared[j])
                   for i in range(len(shared)) for j in range(len(shared)))
        runs = glm_module._runs(covariate)
        if covariates:
            index, first_of_run = runs
            assert len(first_of_run) == len(set(shared)) == 9
            assert [shared[p] for p in first_of_run] == sorted(set(shared))
            assert [shared[first_of_run[i]] for i in index] == shared
        else:
            assert runs[1].tolist() == [0]  # one run: no covariate


def test_stateful_transformations_see_every_row():
    design = _designs()["taylor"]
    centred = design.glm("y ~ center(x)")
    plain = design.glm("y ~ x")
    np.testing.assert_allclose(centred.params["center(x)"], plain.params["x"], rtol=1e-10)
    np.testing.assert_allclose(centred.bse["center(x)"], plain.bse["x"], rtol=1e-10)
    mean_x = np.average(_frame()["x"])  # patsy centres at the unweighted mean of the rows
    np.testing.assert_allclose(centred.params["Intercept"],
                               plain.params["Intercept"] + plain.params["x"] * mean_x,
                               rtol=1e-10)


def test_categorical_and_nullable_columns():
    frame = _frame()
    frame["level"] = pd.Categorical(np.array(["mid", "low", "high"])[frame["g"]],
                                    categories=["none", "low", "mid", "high"])
    frame["n"] = pd.array(frame["k"].astype(int), dtype="Int64")
    frame.loc[::10, "n"] = pd.NA
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    fit = design.glm("n ~ level + x", family="poisson")
    # the categories' order, without the one that does not occur: 'low' is the reference
    assert list(fit.params.index) == ["Intercept", "level[T.mid]", "level[T.high]", "x"]
    assert fit.nobs == int(frame["n"].notna().sum())
    same = design.glm("k ~ C(g, Treatment(1)) + x", family="poisson", where="notna(n)")
    np.testing.assert_allclose(fit.params.to_numpy()[[0, 3]], same.params.to_numpy()[[0, 3]],
                               rtol=1e-10)


def test_special_codes_of_model_variables_warn_at_the_caller():
    frame = _frame()
    frame.loc[[3, 10, 500], "k"] = 99.0
    meta = mt.Metadata(file="wm.sav", value_labels={"k": {99: "No response"}},
                       special_codes={"k": {99: "no_response"}})
    design = mt.SurveyDesign(mt.SurveyData(frame, meta), weight="w", strata="stratum",
                             psu="psu")
    with pytest.warns(mt.SpecialCodeWarning, match=r"the glm of 'k'.*99 'No response'.*: 3 "
                                                   "rows") as record:
        design.glm("k ~ x", family="poisson")
    assert [w.filename for w in record] == [__file__]
    assert list(frame.loc[[3, 10, 500], "psu"] == 0) == [True, True, False]
    with pytest.warns(mt.SpecialCodeWarning, match=": 1 rows"):
        design.glm("y ~ C(k)", where="psu != 0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        design.glm("k ~ x", family="poisson", where="k != 99")


def test_replicate_without_a_level_is_left_out_with_a_warning():
    frame = _frame()
    frame["rare"] = np.where(frame["psu"] == 7, "yes", "no")  # one PSU holds the level
    design = mt.SurveyDesign(frame, weight="w", psu="psu").replicate("jk1")
    with pytest.warns(mt.MicsWarning, match="1 of 30 replicates give no estimate") as record:
        fit = design.glm("y ~ x + rare")
    assert record[0].filename == __file__
    assert np.isfinite(fit.bse).all()


def test_wald_test_with_a_singular_covariance_gives_nan():
    fit = _designs()["taylor"].glm("y ~ x + C(g)")
    singular = dataclasses.replace(fit, covariance=np.zeros_like(fit.covariance))
    test = singular.wald_test("C(g)")
    assert np.isnan(test["statistic"].iloc[0]) and np.isnan(test["p_value"].iloc[0])
    assert test["df_num"].iloc[0] == 2
