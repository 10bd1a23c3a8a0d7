"""Calibration and trimming repeated on every replicate of a replicate design, against R survey
4.1-1's calibrate.svyrep.design (tests/golden_replicates/make_golden_replicate_calibration.R)
and, for trimming, against the column-by-column rule computed here."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.design.calibration import trimmed_weights

GOLDEN = Path(__file__).resolve().parents[1] / "golden_replicates" / "replicate_calibration_golden.csv"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader  # noqa: E402

POPULATION = {"stype": {"E": 6194 - 755 - 1018, "H": 755, "M": 1018}}


@pytest.fixture(scope="module")
def jk1():
    data = loader.read_data("apiclus1")
    return mt.SurveyDesign(data, weight="pw", psu="dnum").replicate("jk1")


def _golden():
    frame = pd.read_csv(GOLDEN, comment="#")
    return {(r.case, r.statistic): r.value for r in frame.itertuples()}


@pytest.mark.parametrize("method", ["linear", "raking"])
def test_calibration_on_every_replicate_matches_r(jk1, method):
    golden = _golden()
    calibrated = jk1.calibrate(POPULATION, method=method)
    mean = calibrated.mean("api00")
    total = calibrated.total("enroll")
    case = f"jk1_{method}"
    assert mean["estimate"].item() == pytest.approx(golden[(case, "estimate")], rel=1e-8)
    assert mean["se"].item() == pytest.approx(golden[(case, "se")], rel=1e-8)
    assert total["estimate"].item() == pytest.approx(golden[(case, "total_estimate")], rel=1e-8)
    assert total["se"].item() == pytest.approx(golden[(case, "total_se")], rel=1e-8)
    # every replicate meets the totals too
    weights = calibrated.replicate_weight_matrix()
    stype = loader.read_data("apiclus1")["stype"].to_numpy()
    for level, count in POPULATION["stype"].items():
        np.testing.assert_allclose(weights[stype == level].sum(axis=0), count, rtol=1e-9)


def test_calibration_leaves_the_original_unchanged(jk1):
    before = jk1.mean("api00")
    jk1.calibrate(POPULATION, method="raking")
    pd.testing.assert_frame_equal(jk1.mean("api00"), before)


def test_trimming_is_applied_to_each_replicate():
    data = loader.read_data("apiclus1")
    boot = mt.SurveyDesign(data, weight="pw", psu="dnum").replicate("bootstrap", replicates=30,
                                                                    seed=5)
    trimmed = boot.trim(upper=80)
    matrix = boot.replicate_weight_matrix()
    assert matrix.max() > 80  # PSUs drawn three times or more are trimmed
    expected = np.column_stack([trimmed_weights(matrix[:, r], upper=80)[0]
                                for r in range(matrix.shape[1])])
    np.testing.assert_allclose(trimmed.replicate_weight_matrix(), expected)
    np.testing.assert_allclose(trimmed.replicate_weight_matrix().sum(axis=0),
                               matrix.sum(axis=0))
    # full-sample weights (33.8) are inside the bound: the estimate is unchanged, the SE is not
    assert trimmed.mean("api00")["estimate"].item() == pytest.approx(
        boot.mean("api00")["estimate"].item())
    assert trimmed.mean("api00")["se"].item() != pytest.approx(boot.mean("api00")["se"].item())
