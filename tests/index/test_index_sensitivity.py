"""Sensitivity analysis: the Saltelli/Jansen estimators on a function with known indices,
and the Monte Carlo over methodological alternatives with and without sampling error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.index import (
    IndexSpec,
    Normalisation,
    SensitivitySource,
    link_data,
    sensitivity_analysis,
    survey_totals,
)
from mics_toolkit.index.sensitivity import _saltelli, sobol_indices


def test_estimators_on_a_linear_function():
    # y = u1 + 2 u2 + 0 u3 with independent uniforms: S1 = 1/5, S2 = 4/5, S3 = 0, ST = S
    n, d = 20000, 3
    unit, _ = _saltelli(n, d, np.random.default_rng(1))
    y = unit[:, 0] + 2 * unit[:, 1]
    first, total, variance = sobol_indices(y, n, d)
    assert variance == pytest.approx(5 / 12, rel=0.03)
    np.testing.assert_allclose(first, [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(total, [0.2, 0.8, 0.0], atol=0.03)
    assert total[2] == 0.0  # y_A == y_AB^3 exactly


def test_estimators_on_an_interaction():
    # y = u1 * u2 (uniform): V = 7/144, V1 = V2 = 1/48, ST_i = (1/48 + 1/144) / V = 4/7
    n = 40000
    unit, _ = _saltelli(n, 2, np.random.default_rng(2))
    first, total, _ = sobol_indices(unit[:, 0] * unit[:, 1], n, 2)
    np.testing.assert_allclose(first, [3 / 7, 3 / 7], atol=0.03)
    np.testing.assert_allclose(total, [4 / 7, 4 / 7], atol=0.03)


@pytest.fixture(scope="module")
def data(design, spec, objective):
    return link_data(spec, survey_totals(design, spec.survey_definitions(), region="HH7"),
                     objective)


SOURCES = (
    SensitivitySource("normalisation", "normalisation",
                      ("nominal", Normalisation("zscore", mean=50, sd=10)),
                      targets=("happy", "better", "safe")),
    SensitivitySource("aggregation", "aggregation", ("arithmetic", "geometric")),
    SensitivitySource("no effect", "weights", ("nominal", {"happy": 1.0})),
    SensitivitySource("weights", "weights", perturbation=0.5, n_sets=20),
)


def test_sobol_analysis_of_method_choices(spec, data):
    result = sensitivity_analysis(spec, data, SOURCES, n=64, seed=3, n_boot=50)
    d = len(SOURCES)
    assert len(result.runs) == 64 * (d + 2) and result.settings["n_runs"] == 64 * (d + 2)
    sobol = result.sobol.set_index("source")
    assert list(sobol.index) == [s.name for s in SOURCES]
    # a source whose alternatives are identical changes nothing: ST = 0 exactly
    assert sobol.loc["no effect", "total"] == 0.0
    assert sobol.loc["normalisation", "total"] > 0
    assert (sobol["first_order_lower"] <= sobol["first_order_upper"]).all()
    ranks = result.ranks
    assert ranks.columns.tolist() == ["region", "score", "rank", "mean_rank", "median_rank",
                                      "rank_lower", "rank_upper", "mean_shift", "max_shift"]
    assert (ranks["mean_shift"] >= 0).all() and (ranks["max_shift"] >= ranks["mean_shift"]).all()
    assert set(result.runs["matrix"]) == {"A", "B"} | {f"AB:{s.name}" for s in SOURCES}
    assert result.scores.shape == (len(result.runs), len(data.regions))
    assert set(result.region_sobol["source"]) == {s.name for s in SOURCES}
    again = sensitivity_analysis(spec, data, SOURCES, n=64, seed=3, n_boot=50)
    pd.testing.assert_frame_equal(result.sobol, again.sobol)
    assert "first order" in result.summary()


def test_with_sampling_error(spec, data):
    sources = (*SOURCES[:2], SensitivitySource("sampling", "sampling"))
    result = sensitivity_analysis(spec, data, sources, n=48, seed=4, engine="bootstrap",
                                  replicates=100)
    assert result.settings["replicates"] == 100
    assert result.runs["sampling"].between(0, 99).all()
    assert result.sobol.set_index("source").loc["sampling", "total"] > 0
    alone = sensitivity_analysis(spec, data, (SensitivitySource("sampling", "sampling"),),
                                 method="uncertainty", n=50, seed=4, replicates=100)
    assert len(alone.runs) == 50 and alone.sobol.empty
    assert (alone.runs["matrix"] == "U").all()


def test_sources_from_the_spec(design, objective):
    from index_synthetic import SPEC

    raw = dict(SPEC, sensitivity=[
        {"name": "norm", "kind": "normalisation",
         "alternatives": ["nominal", {"method": "minmax", "range": [1, 100]}]},
        {"name": "agg", "kind": "aggregation", "alternatives": ["arithmetic", "geometric"],
         "targets": ["CWI"]},
    ])
    spec = IndexSpec.from_dict(raw)
    assert IndexSpec.from_dict(spec.to_dict()).to_dict() == spec.to_dict()
    data = link_data(spec, survey_totals(design, spec.survey_definitions(), region="HH7"),
                     objective)
    result = sensitivity_analysis(spec, data, n=20, seed=1)
    assert result.settings["sources"] == ["norm", "agg"]


def test_errors(spec, data):
    with pytest.raises(SpecError, match="no sensitivity sources"):
        sensitivity_analysis(spec, data)
    with pytest.raises(OptionError, match="at least two sources"):
        sensitivity_analysis(spec, data, SOURCES[:1])
    with pytest.raises(OptionError, match="engine='bootstrap'"):
        sensitivity_analysis(spec, data, (SOURCES[0], SensitivitySource("s", "sampling")),
                             engine="delta")
    with pytest.raises(SpecError, match="at least two alternatives"):
        SensitivitySource("x", "aggregation", ("geometric",))
    with pytest.raises(SpecError, match="perturbation"):
        SensitivitySource("x", "weights", perturbation=1.5)


# ---------------------------------------------------------------------- replicates drawn once
SAMPLED = (*SOURCES[:2], SOURCES[3], SensitivitySource("sampling", "sampling"))


@pytest.mark.parametrize("engine", ["bootstrap", "montecarlo"])
def test_reusing_the_uncertainty_replicates_gives_the_same_result(spec, data, engine,
                                                                  monkeypatch):
    import mics_toolkit.index.sensitivity as sensitivity
    from mics_toolkit.index import assess_uncertainty, build_index

    result = build_index(spec, data)
    uncertainty = assess_uncertainty(spec, data, engine=engine, replicates=80, seed=11,
                                     pipeline=result.pipeline)
    draw = uncertainty.draw
    assert draw.values.shape == (80, len(data.regions), len(data.indicators))
    assert (draw.engine, draw.replicates, draw.seed) == (engine, 80, 11)
    drawn_again = sensitivity_analysis(spec, data, SAMPLED, n=24, seed=11, engine=engine,
                                       replicates=80, n_boot=20)

    def no_second_draw(*args, **kwargs):
        raise AssertionError("the replicates were drawn again")

    monkeypatch.setattr(sensitivity, "replicate_values", no_second_draw)
    reused = sensitivity_analysis(spec, data, SAMPLED, n=24, draw=draw, n_boot=20,
                                  pipeline=result.pipeline)
    for name, frame in drawn_again.to_frames().items():
        pd.testing.assert_frame_equal(reused.to_frames()[name], frame, check_exact=True)
    assert reused.settings == drawn_again.settings
    # the draw is not consumed: a second reuse gives the same numbers again
    again = sensitivity_analysis(spec, data, SAMPLED, n=24, draw=draw, n_boot=20)
    pd.testing.assert_frame_equal(again.scores, reused.scores, check_exact=True)


def test_a_draw_with_other_options_is_refused(spec, data):
    from mics_toolkit.index import assess_uncertainty

    draw = assess_uncertainty(spec, data, engine="bootstrap", replicates=30, seed=2).draw
    for option, value in (("seed", 3), ("engine", "montecarlo"), ("replicates", 31)):
        with pytest.raises(OptionError, match=f"{option}=") as caught:
            sensitivity_analysis(spec, data, SAMPLED, n=10, draw=draw, **{option: value})
        assert caught.value.option == option
    assert assess_uncertainty(spec, data, engine="delta", replicates=30, seed=2).draw is None


def test_a_pipeline_of_another_spec_is_refused(spec, data, design, objective):
    from index_synthetic import SPEC

    from mics_toolkit.index import assess_uncertainty, build_index

    indicators = [dict(i, parent="extra") if i["id"] == "poverty" else i
                  for i in SPEC["indicators"]]
    other = IndexSpec.from_dict(dict(SPEC, groups=[*SPEC["groups"],
                                                   {"id": "extra", "parent": "CWI"}],
                                     indicators=indicators))
    other_data = link_data(other, survey_totals(design, other.survey_definitions(),
                                                region="HH7"), objective)
    pipeline = build_index(spec, data).pipeline
    with pytest.raises(OptionError, match="pipeline"):
        assess_uncertainty(other, other_data, replicates=10, seed=1, pipeline=pipeline)
    with pytest.raises(OptionError, match="pipeline"):
        sensitivity_analysis(other, other_data, SOURCES[:2], n=5, seed=1, pipeline=pipeline)
