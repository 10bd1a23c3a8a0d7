"""The three uncertainty engines checked against a known answer and against each other,
the effect of correlation between indicators, rank intervals, reproducibility and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_synthetic import make_survey

import mics_toolkit as mt
from mics_toolkit.design.replicates import bootstrap_factors, rao_wu_factors
from mics_toolkit.errors import OptionError
from mics_toolkit.index import (
    IndexSpec,
    ObjectiveTable,
    SensitivitySource,
    SurveyEstimates,
    assess_uncertainty,
    link_data,
    sensitivity_analysis,
    survey_totals,
)

INDICATORS = ("happy", "better", "safe")


def linear_spec(**changes) -> IndexSpec:
    """Index = mean of three survey proportions on goalposts (0, 1) x 100: linear in them."""
    raw = {
        "groups": [{"id": "I"}],
        "indicators": [{"id": k, "parent": "I", "source": "survey", "numerator": f"{k} == 1"}
                       for k in INDICATORS],
        "uncertainty": {"replicates": 4000, "seed": 11},
    }
    raw.update(changes)
    return IndexSpec.from_dict(raw)


@pytest.fixture(scope="module")
def linear_case():
    frame = make_survey(spread=0.2, seed=21)
    design = mt.SurveyDesign(frame, weight="weight", strata="stratum", psu="HH1")
    spec = linear_spec()
    totals = survey_totals(design, spec.survey_definitions(), region="HH7")
    data = link_data(spec, survey=totals)
    # Known answer: I_r = (100 / 3) sum_k p_rk, so Var(I_r) = a' S a with S the linearised
    # covariance of the estimates (checked by hand in test_index_sources).
    n_r, n_k = len(totals.regions), len(INDICATORS)
    a = np.zeros((n_r, n_r * n_k))
    for r in range(n_r):
        a[r, r * n_k : (r + 1) * n_k] = 100 / 3
    known = np.sqrt(np.diag(a @ totals.covariance() @ a.T))
    return spec, data, known


def se_of(result) -> np.ndarray:
    return result.scores.loc[result.scores["node"] == "I", "se"].to_numpy()


def test_delta_is_exact_for_a_linear_index(linear_case):
    spec, data, known = linear_case
    result = assess_uncertainty(spec, data, engine="delta")
    np.testing.assert_allclose(se_of(result), known, rtol=1e-6)
    scores = result.scores[result.scores["node"] == "I"]
    np.testing.assert_allclose(scores["ci_upper"] - scores["estimate"], 1.959963984540054 * known,
                               rtol=1e-6)


def test_bootstrap_and_montecarlo_agree_with_the_known_answer(linear_case):
    spec, data, known = linear_case
    # B = 4000: the SD of B draws has a relative error of about 1 / sqrt(2 B) = 1.1%
    boot = se_of(assess_uncertainty(spec, data, engine="bootstrap"))
    monte = se_of(assess_uncertainty(spec, data, engine="montecarlo"))
    np.testing.assert_allclose(boot / known, 1.0, atol=0.05)
    np.testing.assert_allclose(monte / known, 1.0, atol=0.05)
    assert abs(np.mean(boot / known) - 1) < 0.02
    assert abs(np.mean(monte / known) - 1) < 0.02


def test_correlated_design_makes_bootstrap_wider_than_independent_draws(linear_case):
    spec, data, _ = linear_case
    boot = assess_uncertainty(spec, data, engine="bootstrap")
    independent = assess_uncertainty(spec, data, engine="montecarlo", covariance="independent")
    assert np.all(se_of(boot) > se_of(independent))
    assert np.mean(se_of(boot) / se_of(independent)) > 1.2
    width = boot.league["ci_upper"] - boot.league["ci_lower"]
    width_independent = independent.league["ci_upper"] - independent.league["ci_lower"]
    assert np.all(width.to_numpy() > width_independent.to_numpy())
    # rank intervals are at least as wide on average
    span = (boot.league["rank_upper"] - boot.league["rank_lower"]).mean()
    span_independent = (independent.league["rank_upper"] - independent.league["rank_lower"]).mean()
    assert span >= span_independent


def test_objective_indicators_with_se_known_answer():
    regions = list("ABCDEFGH")
    rng = np.random.default_rng(5)
    values = pd.DataFrame({"x": rng.uniform(20, 80, 8), "y": rng.uniform(0, 10, 8)},
                          index=regions)
    se = pd.DataFrame({"x": np.full(8, 3.0), "y": np.full(8, 0.5)}, index=regions)
    spec = IndexSpec.from_dict({
        "groups": [{"id": "I"}],
        "indicators": [
            {"id": "x", "parent": "I", "source": "objective", "weight": 1,
             "normalisation": {"method": "goalposts", "goalposts": [-100, 200], "scale": 100}},
            {"id": "y", "parent": "I", "source": "objective", "weight": 3, "direction": -1,
             "normalisation": {"method": "goalposts", "goalposts": [-50, 60], "scale": 100}},
        ],
    })
    data = link_data(spec, objective=ObjectiveTable(values, se))
    # I = (1/4) 100 (x + 100) / 300 + (3/4) 100 (60 - y) / 110
    known = np.sqrt((100 / 4 / 300 * 3.0) ** 2 + (300 / 4 / 110 * 0.5) ** 2)
    delta = assess_uncertainty(spec, data, engine="delta", replicates=100)
    np.testing.assert_allclose(se_of(delta), known, rtol=1e-6)
    for engine in ("montecarlo", "bootstrap"):
        result = assess_uncertainty(spec, data, engine=engine, replicates=4000, seed=3)
        np.testing.assert_allclose(se_of(result) / known, 1.0, atol=0.05)


def test_rank_intervals_contain_the_nominal_rank(design, spec, objective):
    data = link_data(spec, survey_totals(design, spec.survey_definitions(), region="HH7"),
                     objective)
    for engine in ("bootstrap", "montecarlo", "delta"):
        result = assess_uncertainty(spec, data, engine=engine, replicates=1000, seed=2)
        ranks = result.ranks
        assert np.all(ranks["rank_lower"] <= ranks["rank"])
        assert np.all(ranks["rank"] <= ranks["rank_upper"])
        assert np.all(ranks["rank_lower"] <= ranks["median_rank"])
        league = result.league
        assert league["rank"].tolist() == sorted(league["rank"].tolist())
        assert set(league["third"]) <= {"top", "middle", "bottom"}
        assert np.all((league["p_top"] >= 0) & (league["p_top"] <= 1))
        prob = result.pairwise_probability.to_numpy()
        off = ~np.eye(len(prob), dtype=bool)
        np.testing.assert_allclose((prob + prob.T)[off], 1.0, atol=1e-12)
        different = result.pairwise.to_numpy()
        assert (different == different.T).all() and not different.diagonal().any()


def test_top_and_bottom_probabilities_by_hand():
    from mics_toolkit.index.ranks import pairwise_simulated, rank_statistics

    reps = np.array([[3.0, 2.0, 1.0], [3.0, 1.0, 2.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    stats = rank_statistics(reps, rank_level=0.5, top=1)
    # ranks of region 0: 1, 1, 3, 1
    assert stats["p_top"].tolist() == [0.75, 0.0, 0.25]
    assert stats["p_bottom"].tolist() == [0.25, 0.25, 0.5]
    assert stats["median_rank"][0] == 1.0
    prob, _ = pairwise_simulated(reps, level=0.5)
    assert prob[0, 1] == 0.75 and prob[1, 0] == 0.25


def test_reproducible_with_seed(linear_case):
    spec, data, _ = linear_case
    first = assess_uncertainty(spec, data, engine="bootstrap", replicates=200, seed=5)
    again = assess_uncertainty(spec, data, engine="bootstrap", replicates=200, seed=5)
    other = assess_uncertainty(spec, data, engine="bootstrap", replicates=200, seed=6)
    pd.testing.assert_frame_equal(first.scores, again.scores)
    pd.testing.assert_frame_equal(first.replicates, again.replicates)
    assert not first.replicates.equals(other.replicates)
    assert first.settings["seed"] == 5 and first.settings["replicates"] == 200
    unseeded = assess_uncertainty(spec, data, engine="montecarlo", replicates=50, seed=None)
    repeated = assess_uncertainty(spec, data, engine="montecarlo", replicates=50,
                                  seed=unseeded.settings["seed"])
    pd.testing.assert_frame_equal(unseeded.scores, repeated.scores)
    assert "engine bootstrap, 200 replicates, seed 5" in first.summary()
    assert set(first.to_frames()) == {"league", "scores", "ranks", "pairwise",
                                      "pairwise_probability", "replicates"}


def test_rao_wu_factors_mean_one_and_variance_of_a_total():
    psu_stratum = np.repeat([0, 1, 2], [2, 5, 9])
    rng = np.random.default_rng(8)
    factors = rao_wu_factors(psu_stratum, 40000, rng, fpc_factor=np.ones(3))
    np.testing.assert_allclose(factors.mean(axis=0), 1.0, atol=0.02)
    z = np.random.default_rng(9).normal(size=psu_stratum.size)
    # E[var*(sum f z)] = sum_h n_h / (n_h - 1) sum_p (z_p - zbar_h)^2
    expected = 0.0
    for h in range(3):
        zh = z[psu_stratum == h]
        expected += zh.size / (zh.size - 1) * np.sum((zh - zh.mean()) ** 2)
    assert np.var(factors @ z) == pytest.approx(expected, rel=0.03)
    # a lonely PSU keeps factor 1; an fpc shrinks the spread by sqrt(1 - f)
    lonely = rao_wu_factors(np.array([0, 1, 1]), 10, rng)
    assert (lonely[:, 0] == 1).all()
    half = rao_wu_factors(psu_stratum, 40000, rng, fpc_factor=np.full(3, 0.25))
    assert np.var(half @ z) == pytest.approx(0.25 * expected, rel=0.03)


def test_one_generator_for_the_design_and_the_index(design):
    # without fpc (lambda = 1) the index's factors are the design bootstrap's, draw for draw
    with_fpc_one = rao_wu_factors(design.psu_stratum, 20, np.random.default_rng(4),
                                  n_strata=design.n_strata, fpc_factor=np.ones(design.n_strata))
    np.testing.assert_allclose(with_fpc_one, bootstrap_factors(design, 20, seed=4), rtol=1e-15)


def test_engine_errors(linear_case):
    spec, data, _ = linear_case
    estimates = SurveyEstimates(list(INDICATORS), ["proportion"] * 3, data.regions,
                                data.values, data.se)
    no_totals = link_data(spec, survey=estimates)
    with pytest.raises(OptionError, match="needs the survey's PSU totals"):
        assess_uncertainty(spec, no_totals, engine="bootstrap")
    with pytest.raises(OptionError, match="covariance='independent'"):
        assess_uncertainty(spec, no_totals, engine="montecarlo")
    ok = assess_uncertainty(spec, no_totals, engine="montecarlo", covariance="independent",
                            replicates=100, seed=1)
    assert ok.settings["covariance"] == "independent"
    ranked = linear_spec(normalisation={"method": "percentile_rank"})
    with pytest.raises(OptionError, match="'happy' uses 'percentile_rank'"):
        assess_uncertainty(ranked, link_data(ranked, survey=data.survey), engine="delta")
    with pytest.raises(OptionError, match="'jackknife'"):
        assess_uncertainty(spec, data, engine="jackknife")


@pytest.mark.parametrize("engine", ["bootstrap", "montecarlo", "delta"])
@pytest.mark.parametrize("replicates", [1_000_000_000, 100_001, 1, 0, -5])
def test_replicates_outside_the_limit_are_an_option_error(linear_case, engine, replicates):
    spec, data, _ = linear_case
    with pytest.raises(OptionError) as info:
        assess_uncertainty(spec, data, engine=engine, replicates=replicates)
    assert info.value.option == "replicates" and info.value.value == replicates
    assert f"replicates={replicates!r} must be a whole number from 2 to 100,000" in str(
        info.value)


def test_other_arguments_outside_their_range_are_option_errors(linear_case):
    spec, data, _ = linear_case
    for name, value in (("level", 1.5), ("rank_level", 0.0), ("top", 0), ("seed", -1)):
        with pytest.raises(OptionError) as info:
            assess_uncertainty(spec, data, engine="delta", **{name: value})
        assert info.value.option == name and info.value.value == value
    with pytest.raises(OptionError, match="from 2 to 100,000") as info:
        sensitivity_analysis(spec, data, [SensitivitySource("sampling", "sampling")],
                             method="uncertainty", n=3, replicates=10**9)
    assert info.value.option == "replicates"
    for n in (2, 10**9, 3.0):  # the base sample of runs is bounded before any run
        with pytest.raises(OptionError, match="from 3 to 100,000") as info:
            sensitivity_analysis(spec, data, [SensitivitySource("sampling", "sampling")],
                                 method="uncertainty", n=n)
        assert info.value.option == "n" and info.value.value == n
    at_limit = assess_uncertainty(spec, data, engine="delta", replicates=2, seed=1)
    assert at_limit.settings["replicates"] == 2


def test_replicate_estimates_drive_the_bootstrap(linear_case):
    spec, data, _ = linear_case
    rng = np.random.default_rng(1)
    reps = data.values[None] + rng.normal(scale=0.01, size=(300, *data.values.shape))
    estimates = SurveyEstimates(list(INDICATORS), ["proportion"] * 3, data.regions,
                                data.values, data.se, replicates=reps)
    result = assess_uncertainty(spec, link_data(spec, survey=estimates), engine="bootstrap")
    assert result.settings["replicates"] == 300
    # I = (100/3) sum of 3 independent N(0, 0.01^2) -> SD 100/3 * 0.01 * sqrt(3)
    np.testing.assert_allclose(se_of(result), 100 / 3 * 0.01 * np.sqrt(3), rtol=0.15)
