"""Tests of weight diagnostics and of MICS weight construction from a sample frame.

The MICS weights of a small synthetic frame (2 strata, 5 clusters) are computed here by hand,
step by step, and compared with :func:`mics_weights`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.design.weights import mics_weights, weight_diagnostics
from mics_toolkit.errors import (
    LinkError,
    MicsWarning,
    OptionError,
    VariableError,
    WeightError,
)


# --------------------------------------------------------------------------- diagnostics
def test_diagnostics_by_hand():
    row = weight_diagnostics([1.0, 1.0, 2.0, 0.0]).iloc[0]
    assert (row.n_rows, row.n_positive, row.n_zero) == (4, 3, 1)
    assert (row["sum"], row["min"], row["max"]) == (4.0, 1.0, 2.0)
    mean = 4 / 3
    cv = math.sqrt(((1 - mean) ** 2 * 2 + (2 - mean) ** 2) / 3) / mean
    assert row.cv == pytest.approx(cv, rel=1e-14)
    assert row.kish_deff == pytest.approx(1 + cv**2, rel=1e-14)
    assert row.kish_deff == pytest.approx(3 * 6 / 16, rel=1e-14)
    assert row.effective_n == pytest.approx(16 / 6, rel=1e-14)
    assert row.top1_share == pytest.approx(0.5)


def test_top_share_takes_the_largest_percent():
    w = np.concatenate([np.ones(199), [101.0]])  # n = 200: the 2 largest
    row = weight_diagnostics(w).iloc[0]
    assert row.top1_share == pytest.approx(102 / 300)


def test_diagnostics_by_group_and_design_method():
    frame = pd.DataFrame({"w": [1.0, 2.0, 3.0, 0.0, 5.0], "g": ["b", "a", "b", "a", "a"],
                          "psu": [1, 2, 3, 4, 5]})
    table = weight_diagnostics(frame["w"], by=frame["g"])
    assert list(table.columns[:2]) == ["g", "n_rows"]
    assert table["g"].tolist() == ["a", "b"]
    assert table["sum"].tolist() == [7.0, 4.0]
    assert table["n_zero"].tolist() == [1, 0]
    design = mt.SurveyDesign(frame, weight="w", psu="psu")
    pd.testing.assert_frame_equal(design.weight_diagnostics(by="g"), table)
    assert design.weight_diagnostics()["sum"].iloc[0] == 11.0
    calibrated = design.poststratify("g", {"a": 70.0, "b": 40.0})
    assert calibrated.weight_diagnostics()["sum"].iloc[0] == pytest.approx(110.0)


def test_diagnostics_reject_bad_weights():
    with pytest.raises(WeightError) as info:
        weight_diagnostics([1.0, -1.0, np.nan])
    assert info.value.n_bad == 2


def test_diagnostics_of_no_positive_weight():
    row = weight_diagnostics([0.0, 0.0]).iloc[0]
    assert row.n_positive == 0 and math.isnan(row.kish_deff)


# --------------------------------------------------------------------------- MICS weights
FRAME = pd.DataFrame({
    "HH1": [101, 102, 201, 202, 203],
    "stratum": [1, 1, 2, 2, 2],
    "HH6": [1, 1, 2, 2, 1],
    "size": [100.0, 150.0, 300.0, 200.0, 250.0],
    "listed": [110, 140, 280, 210, 260],
    "selected": [10, 10, 12, 12, 12],
})
STRATA = pd.DataFrame({"stratum": [1, 2], "n_clusters": [2, 3], "size_total": [1000.0, 3000.0]})
HH_RESULTS = {
    101: [1] * 8 + [2, 5],     # occupied 9, completed 8
    102: [1] * 9 + [4],        # occupied 10, completed 9
    201: [1] * 10 + [3, 7],    # occupied 11, completed 10
    202: [1] * 11 + [6],       # occupied 11, completed 11
    203: [1] * 12,             # occupied 12, completed 12
}
WM_RESULTS = {  # (eligible, completed)
    101: (10, 9), 102: (8, 8), 201: (12, 10), 202: (9, 9), 203: (15, 14),
}
FS_RESULTS = {101: (8, 7), 102: (9, 9), 201: (10, 9), 202: (11, 11), 203: (12, 12)}


def _hh() -> pd.DataFrame:
    rows = [(c, i + 1, r) for c, results in HH_RESULTS.items() for i, r in enumerate(results)]
    return pd.DataFrame(rows, columns=["HH1", "HH2", "HH46"])


def _individuals(results: dict, result: str, extra=None) -> pd.DataFrame:
    rows = []
    for cluster, (eligible, completed) in results.items():
        for i in range(eligible):
            rows.append((cluster, i + 1, 1 if i < completed else 4))
    frame = pd.DataFrame(rows, columns=["HH1", "HH2", result])
    if extra is not None:
        frame[extra] = (frame.index % 3) + 1
    return frame


def _by_hand(level: str = "stratum"):
    """Every quantity of the MICS weights, computed cluster by cluster."""
    n_h = {1: 2, 2: 3}
    size_h = {1: 1000.0, 2: 3000.0}
    out = {}
    for row in FRAME.itertuples():
        p1 = n_h[row.stratum] * row.size / size_h[row.stratum]
        p2 = row.selected / row.listed
        out[row.HH1] = {"stratum": row.stratum, "design": 1 / (p1 * p2)}
    occupied = {c: sum(r in (1, 2, 4, 7) for r in v) for c, v in HH_RESULTS.items()}
    completed = {c: sum(r == 1 for r in v) for c, v in HH_RESULTS.items()}

    def unit(c):
        return out[c]["stratum"] if level == "stratum" else c

    def rate(done, base, c):
        members = [k for k in out if unit(k) == unit(c)]
        return sum(done[k] for k in members) / sum(base[k] for k in members)

    for c in out:
        out[c]["hh_rate"] = rate(completed, occupied, c)
        out[c]["hh_adjusted"] = out[c]["design"] / out[c]["hh_rate"]
    hh_factor = sum(completed.values()) / sum(out[c]["hh_adjusted"] * completed[c] for c in out)
    for name, results in (("wm", WM_RESULTS), ("fs", FS_RESULTS)):
        eligible = {c: e for c, (e, _) in results.items()}
        done = {c: d for c, (_, d) in results.items()}
        for c in out:
            out[c][f"{name}_rate"] = rate(done, eligible, c)
            out[c][f"{name}_adjusted"] = out[c]["hh_adjusted"] / out[c][f"{name}_rate"]
        factor = sum(done.values()) / sum(out[c][f"{name}_adjusted"] * done[c] for c in out)
        for c in out:
            out[c][f"{name}_weight"] = out[c][f"{name}_adjusted"] * factor
    for c in out:
        out[c]["hhweight"] = out[c]["hh_adjusted"] * hh_factor
    return out


@pytest.mark.parametrize("level", ["stratum", "cluster"])
def test_mics_weights_reproduce_the_hand_computation(level):
    built = mics_weights(FRAME, STRATA, _hh(), wm=_individuals(WM_RESULTS, "WM17"),
                         fs=_individuals(FS_RESULTS, "FS17"), adjustment=level)
    hand = _by_hand(level)
    clusters = built.clusters.set_index("HH1")
    for c, expected in hand.items():
        got = clusters.loc[c]
        assert got.design_weight == pytest.approx(expected["design"], rel=1e-14)
        assert got.hh_response_rate == pytest.approx(expected["hh_rate"], rel=1e-14)
        assert got.hh_adjusted_weight == pytest.approx(expected["hh_adjusted"], rel=1e-14)
        assert got.hhweight == pytest.approx(expected["hhweight"], rel=1e-13)
        assert got.wm_response_rate == pytest.approx(expected["wm_rate"], rel=1e-14)
        assert got.wmweight == pytest.approx(expected["wm_weight"], rel=1e-13)
        assert got.fshweight == pytest.approx(expected["fs_weight"], rel=1e-13)
    # design weight of cluster 101: M_h L / (n_h M m) = 1000 * 110 / (2 * 100 * 10)
    assert clusters.loc[101].design_weight == pytest.approx(55.0)


def test_normalised_weights_sum_to_completed_interviews():
    hh = _hh()
    wm = _individuals(WM_RESULTS, "WM17")
    fs = _individuals(FS_RESULTS, "FS17", extra="HH52")
    built = mics_weights(FRAME, STRATA, hh, wm=wm, fs=fs)
    hh_w = built.add_weights(hh, "hh")
    assert hh_w["hhweight"].sum() == pytest.approx((hh["HH46"] == 1).sum(), rel=1e-12)
    assert np.all(hh_w.loc[hh["HH46"] != 1, "hhweight"] == 0)
    wm_w = built.add_weights(wm, "wm")
    assert wm_w["wmweight"].sum() == pytest.approx((wm["WM17"] == 1).sum(), rel=1e-12)
    fs_w = built.add_weights(fs, "fs")
    assert fs_w["fshweight"].sum() == pytest.approx((fs["FS17"] == 1).sum(), rel=1e-12)
    np.testing.assert_allclose(fs_w["fsweight"], fs_w["fshweight"] * fs["HH52"])
    assert "wmweight" not in wm.columns  # the caller's frame is not modified
    hl = hh.loc[hh["HH46"] == 1, ["HH1", "HH2"]]
    hl_w = built.add_weights(hl, "hl")
    assert np.all(hl_w["hhweight"] > 0)
    with pytest.raises(WeightError, match="no mnweight"):
        built.add_weights(wm.rename(columns={"WM17": "MWM17"}), "mn")


def test_response_rate_table():
    built = mics_weights(FRAME, STRATA, _hh(), wm=_individuals(WM_RESULTS, "WM17"),
                         by=["HH6", "stratum"])
    table = built.response_rates
    total = table.iloc[0]
    assert (total.group, total.hh_sampled, total.hh_occupied, total.hh_completed) == (
        "Total", 56, 53, 50
    )
    assert total.hh_completion_rate == pytest.approx(50 / 56)
    assert total.hh_response_rate == pytest.approx(50 / 53)
    assert (total.wm_eligible, total.wm_completed) == (54, 50)
    assert total.wm_overall_response_rate == pytest.approx(50 / 53 * 50 / 54)
    urban = table[(table.group == "HH6") & (table.value == 1)].iloc[0]
    assert (urban.hh_sampled, urban.hh_completed) == (32, 29)
    assert table["group"].tolist() == ["Total", "HH6", "HH6", "stratum", "stratum"]
    assert "households: 50 completed of 53 occupied" in built.summary()


def test_men_subsample_and_cluster_without_interviews():
    frame = FRAME.assign(men_subsample=[0.5, 0.5, 0.25, 0.5, 0.5])
    mn = _individuals({101: (4, 3), 102: (4, 4), 201: (3, 3), 202: (2, 2), 203: (5, 0)},
                      "MWM17")
    with pytest.warns(MicsWarning, match="no completed interview"):
        built = mics_weights(frame, STRATA, _hh(), mn=mn, adjustment="cluster")
    clusters = built.clusters.set_index("HH1")
    assert clusters.loc[203, "mnweight"] == 0
    ratio = clusters.loc[201, "mn_adjusted_weight"] / clusters.loc[201, "hh_adjusted_weight"]
    assert ratio == pytest.approx(1 / 0.25)
    assert built.add_weights(mn, "mn")["mnweight"].sum() == pytest.approx(12.0)


def test_mics_weights_bad_input():
    with pytest.raises(VariableError):
        mics_weights(FRAME.drop(columns="listed"), STRATA, _hh())
    with pytest.raises(LinkError) as info:
        mics_weights(FRAME, STRATA, pd.concat([_hh(), pd.DataFrame(
            {"HH1": [999], "HH2": [1], "HH46": [1]})]))
    assert info.value.count == 1 and "999" in str(info.value)
    with pytest.raises(LinkError, match="repeats HH1"):
        mics_weights(pd.concat([FRAME, FRAME.iloc[:1]]), STRATA, _hh())
    with pytest.raises(LinkError, match="not in the strata table"):
        mics_weights(FRAME, STRATA.iloc[:1], _hh())
    with pytest.raises(WeightError, match="first-stage selection probability exceeds 1"):
        mics_weights(FRAME.assign(size=[900.0, 150, 300, 200, 250]), STRATA, _hh())
    with pytest.raises(WeightError) as info:
        mics_weights(FRAME.assign(selected=[10, 0, 12, 12, 12]), STRATA, _hh())
    assert info.value.variable == "selected"
    with pytest.raises(OptionError):
        mics_weights(FRAME, STRATA, _hh(), adjustment="region")
