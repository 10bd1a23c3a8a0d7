"""Cross-check against samplics 0.6 (an independent Python implementation) where its
conventions agree with ours: full-sample means, proportions and totals without missing values
(samplics drops rows with missing values together with their PSUs, and reports no design
effect, so domains with missing values are not compared)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt

samplics = pytest.importorskip("samplics")


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(11)
    n_psu = 60
    psu = np.repeat(np.arange(n_psu), 25)
    stratum = psu % 6
    effect = rng.normal(0, 1, n_psu)[psu]
    return pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "w": rng.uniform(0.5, 3, psu.size),
            "y": 10 + effect + rng.normal(0, 2, psu.size),
            "b": (effect + rng.normal(0, 1, psu.size) > 0).astype(float),
            "region": rng.integers(1, 4, psu.size),
        }
    )


def _samplics(param, frame, column, domain=None):
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = TaylorEstimator(getattr(PopParam, param))
        estimator.estimate(
            y=frame[column].to_numpy(),
            samp_weight=frame["w"].to_numpy(),
            stratum=frame["stratum"].to_numpy(),
            psu=frame["psu"].to_numpy(),
            domain=None if domain is None else frame[domain].to_numpy(),
            remove_nan=False,
        )
    return estimator


@pytest.mark.parametrize("param,method", [("mean", "mean"), ("total", "total")])
def test_full_sample_and_domains_agree_with_samplics(frame, param, method):
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    ours = getattr(design, method)("y")
    theirs = _samplics(param, frame, "y")
    assert ours["estimate"].item() == pytest.approx(float(theirs.point_est), rel=1e-10)
    assert ours["se"].item() == pytest.approx(float(theirs.stderror), rel=1e-10)
    by_region = getattr(design, method)("y", by="region")
    theirs = _samplics(param, frame, "y", domain="region")
    for _, row in by_region.iterrows():
        assert row["estimate"] == pytest.approx(float(theirs.point_est[row["region"]]), rel=1e-10)
        assert row["se"] == pytest.approx(float(theirs.stderror[row["region"]]), rel=1e-10)


def test_proportion_agrees_with_samplics(frame):
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    ours = design.proportion("b").set_index("level")
    theirs = _samplics("prop", frame, "b")
    for level in (0.0, 1.0):
        assert ours.loc[level, "estimate"] == pytest.approx(float(theirs.point_est[level]),
                                                            rel=1e-10)
        assert ours.loc[level, "se"] == pytest.approx(float(theirs.stderror[level]), rel=1e-10)
