"""Tests of the weight adjustments: post-stratification, raking, calibration and trimming.

The golden part runs every case of ``tests/golden_calibration/golden_calibration.csv``
(R survey 4.1-1, written by ``make_golden_calibration.R``): final weights, then estimate, SE
and design effect of every estimate, relative tolerance 1e-8. The rest are small cases computed
by hand, cross-derivations, bad input per error and hypothesis properties.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mics_toolkit as mt
from mics_toolkit.design.calibration import read_totals, trimmed_weights
from mics_toolkit.errors import CalibrationError, ReadError, SpecError, VariableError

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden_calibration"


def _import_loader():
    spec = importlib.util.spec_from_file_location(
        "golden_calibration_loader", GOLDEN_DIR / "loader_calibration.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loader = _import_loader()
GOLDEN, METADATA = loader.load_golden()
WEIGHTS = loader.load_weights()
RELATIVE_TOLERANCE = 1e-8
ZERO_TOLERANCE = 1e-12


# --------------------------------------------------------------------------- golden designs
@cache
def _data(name: str) -> pd.DataFrame:
    return loader.read_data(name)


@cache
def _totals(name: str) -> dict:
    return read_totals(loader.DATA_DIR / f"totals_{name}.csv")


def _clus1() -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("apiclus1"), weight="pw", psu="dnum", fpc="fpc")


def _strat() -> mt.SurveyDesign:
    return mt.SurveyDesign(_data("apistrat"), weight="pw", strata="stype", fpc="fpc")


def _sc(lonely_psu: str = "fail", name: str = "sc") -> mt.SurveyDesign:
    fpc = "fpc_n" if name == "sc" else None
    return mt.SurveyDesign(_data(name), weight="w", strata="stratum", psu="psu", fpc=fpc,
                           lonely_psu=lonely_psu)


def _api(*names):
    t = _totals("api")
    return {name: t[name] for name in names}


def _sc_totals(name="sc"):
    t = _totals(name)
    return {"region": t["region"], "sex": t["sex"], "x": t["x"]}


CASES = {
    "ps_stype": lambda: _clus1().poststratify("stype", _totals("api")["stype"]),
    "ps_cells": lambda: _clus1().poststratify(
        ["stype", "sch_wide"], pd.read_csv(loader.DATA_DIR / "cells_api.csv")
    ),
    "rake_api": lambda: _clus1().rake(_api("stype", "sch_wide")),
    "cal_linear": lambda: _clus1().calibrate(_api("stype", "api99")),
    "cal_linear_bounded": lambda: _clus1().calibrate(
        _api("stype", "api99"), method="linear", bounds=(0.5, 1.6)
    ),
    "cal_raking": lambda: _clus1().calibrate(_api("stype", "api99"), method="raking"),
    "cal_raking_bounded": lambda: _clus1().calibrate(
        _api("stype", "api99"), method="raking", bounds=(0.5, 1.6)
    ),
    "cal_logit": lambda: _clus1().calibrate(
        _api("stype", "api99"), method="logit", bounds=(0.5, 1.6)
    ),
    "trim_cal": lambda: _clus1().calibrate(_api("stype", "api99")).trim(lower=20, upper=50),
    "trim_strat": lambda: _strat().trim(lower=16, upper=40),
    "trim_strat_strict": lambda: _strat().trim(lower=18, upper=40, strict=True),
    "cal_strat": lambda: _strat().calibrate(_api("sch_wide", "meals")),
    "ps_then_cal": lambda: _clus1()
    .poststratify("sch_wide", _totals("api")["sch_wide"])
    .calibrate(_api("stype", "api99"), method="raking"),
    "sc_ps": lambda: _sc().poststratify("region", _totals("sc")["region"]),
    "sc_rake": lambda: _sc().rake({k: _totals("sc")[k] for k in ("region", "sex", "agegrp")}),
    "sc_cal_linear": lambda: _sc().calibrate(_sc_totals()),
    "sc_cal_raking": lambda: _sc().calibrate(_sc_totals(), method="raking"),
    "scl_cal_adjust": lambda: _sc("adjust", "scl").calibrate(_sc_totals("scl")),
    "scl_cal_average": lambda: _sc("average", "scl").calibrate(_sc_totals("scl")),
    "scl_rake_certainty": lambda: _sc("certainty", "scl").rake(
        {k: _totals("scl")[k] for k in ("region", "sex")}
    ),
}

ERRORS = {
    "err_ps_absent_level": (
        lambda: _clus1().poststratify("stype", {"E": 4421, "H": 755, "M": 1018, "X": 10}),
        ["X"],
    ),
    "err_ps_missing_level": (
        lambda: _clus1().poststratify("stype", {"E": 4421, "H": 755}),
        ["M"],
    ),
    "err_logit_unbounded": (lambda: _clus1().calibrate(_api("stype", "api99"), method="logit"),
                            []),
    "err_bounds_unmet": (
        lambda: _clus1().calibrate(_api("stype", "api99"), bounds=(0.9, 1.1)),
        None,
    ),
}


@cache
def _design(case: str):
    return CASES[case]()


def _key(value) -> str:
    """A level or domain value as R prints it (1.0 -> "1")."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


@cache
def _estimates(case, estimator, variable, denominator, by_variable) -> dict:
    design = _design(case)
    by = by_variable or None
    if estimator == "ratio":
        frame = design.ratio(variable, denominator, by=by)
    else:
        frame = getattr(design, estimator)(variable, by=by)
    out = {}
    for row in frame.to_dict("records"):
        domain = _key(row[by]) if by else ""
        level = _key(row["level"]) if estimator == "proportion" else ""
        out[(domain, level)] = row
    return out


def _close(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    if theirs == 0:
        return abs(ours) <= ZERO_TOLERANCE
    return abs(ours - theirs) <= RELATIVE_TOLERANCE * abs(theirs)


STATISTICS = GOLDEN[GOLDEN["statistic"] != "error"]
_IDS = [
    "-".join(part for part in (r.case, r.estimator, r.variable, r.denominator, r.by_variable,
                               r.by, r.level, r.statistic) if part)
    for r in STATISTICS.itertuples()
]


def test_golden_metadata():
    assert METADATA["survey"] == "4.1.1"
    assert set(GOLDEN["case"]) == set(CASES) | set(ERRORS)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_weights(case):
    expected = WEIGHTS[WEIGHTS["case"] == case].sort_values("row")["weight"].to_numpy()
    ours = _design(case).weights
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=RELATIVE_TOLERANCE, atol=0)


@pytest.mark.parametrize("row", list(STATISTICS.itertuples(index=False)), ids=_IDS)
def test_golden_statistic(row):
    found = _estimates(row.case, row.estimator, row.variable, row.denominator, row.by_variable)
    ours = float(found[(row.by, row.level)][row.statistic])
    assert _close(ours, row.value), (ours, row.value)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_golden_errors(case):
    build, levels = ERRORS[case]
    with pytest.raises(CalibrationError) as info:
        build()
    if levels is not None:
        assert info.value.levels == levels
        for level in levels:
            assert repr(level) in str(info.value)


# --------------------------------------------------------------------------- small data
def _small(seed: int = 1, n: int = 60, zero_weights: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "stratum": np.repeat([1, 2, 3], n // 3),
        "psu": np.repeat(np.arange(1, 13), n // 12),
        "region": rng.choice(["north", "south"], n),
        "area": rng.choice([1, 2], n),
        "size": rng.uniform(1, 5, n).round(2),
        "y": rng.normal(10, 2, n).round(3),
        "c": rng.choice([1, 2, 3], n),
        "w": rng.uniform(1, 3, n).round(3),
    })
    if zero_weights:
        frame.loc[[3, 17, 40], "w"] = 0.0
        frame["region"] = frame["region"].astype(object)
        frame.loc[17, "region"] = None
    return frame


def _small_design(frame=None, **options) -> mt.SurveyDesign:
    frame = _small() if frame is None else frame
    return mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu", **options)


REGION = {"north": 500.0, "south": 700.0}
AREA = {1: 450.0, 2: 750.0}


def test_original_design_and_data_unchanged():
    frame = _small()
    before = frame.copy()
    design = _small_design(frame)
    weights = design.weights.copy()
    for new in (design.poststratify("region", REGION), design.rake({"region": REGION,
                "area": AREA}), design.calibrate({"region": REGION, "size": 3500.0}),
                design.trim(upper=2.5)):
        assert isinstance(new, mt.SurveyDesign)
        assert new.weight == "w_adjusted"
        assert "w_adjusted" not in frame.columns
        np.testing.assert_array_equal(new.frame["w"], before["w"])
    pd.testing.assert_frame_equal(frame, before)
    np.testing.assert_array_equal(design.weights, weights)
    assert design.calibration == ()


def test_adjusted_weight_name_avoids_existing_columns_and_is_reused():
    frame = _small().assign(w_adjusted=1.0)
    design = _small_design(frame)
    first = design.poststratify("region", REGION)
    assert first.weight == "w_adjusted_2"
    second = first.trim(upper=10)
    assert second.weight == "w_adjusted_2"
    assert [s.kind for s in second.calibration] == ["poststratify", "trim"]
    np.testing.assert_array_equal(first.frame["w_adjusted_2"], first.weights)


def test_poststratify_meets_counts_and_conventions_record_it():
    design = _small_design().poststratify("region", REGION)
    sums = pd.Series(design.weights).groupby(design.frame["region"]).sum()
    assert sums.to_dict() == pytest.approx(REGION, rel=1e-12)
    result = design.mean("y")
    assert result.attrs["mics"]["weighting"] == [
        {"adjustment": "poststratify", "variables": ["region"], "cells": 2}
    ]
    assert "weighting" not in _small_design().mean("y").attrs["mics"]


def test_poststratify_cells_mapping_and_dataframe_agree():
    design = _small_design()
    cells = {("north", 1): 200.0, ("north", 2): 300.0, ("south", 1): 250.0, ("south", 2): 450.0}
    frame = pd.DataFrame(
        [(r, a, n) for (r, a), n in cells.items()], columns=["region", "area", "count"]
    )
    a = design.poststratify(["region", "area"], cells)
    b = design.poststratify(["region", "area"], frame)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-15)
    sums = pd.Series(a.weights).groupby([design.frame["region"], design.frame["area"]]).sum()
    assert sums.to_dict() == pytest.approx(cells, rel=1e-12)


def test_poststratify_equals_linear_calibration_on_the_same_variable():
    design = _small_design()
    post = design.poststratify("region", REGION)
    linear = design.calibrate({"region": REGION})
    np.testing.assert_allclose(post.weights, linear.weights, rtol=1e-12)
    for by in (None, "area", "c"):
        p = post.mean("y", by=by)
        q = linear.mean("y", by=by)
        np.testing.assert_allclose(p["se"], q["se"], rtol=1e-10)
        p = post.proportion("c", by=by)
        q = linear.proportion("c", by=by)
        np.testing.assert_allclose(p["se"], q["se"], rtol=1e-10)


def test_rake_meets_every_margin():
    design = _small_design().rake({"region": REGION, "area": AREA, "c": {1: 400, 2: 400,
                                                                         3: 400}})
    w = pd.Series(design.weights)
    assert w.groupby(design.frame["region"]).sum().to_dict() == pytest.approx(REGION, rel=1e-9)
    assert w.groupby(design.frame["area"]).sum().to_dict() == pytest.approx(AREA, rel=1e-9)
    assert design.calibration[0].description["iterations"] >= 2


def test_rake_with_one_margin_gives_poststratified_weights():
    design = _small_design()
    np.testing.assert_allclose(design.rake({"region": REGION}).weights,
                               design.poststratify("region", REGION).weights, rtol=1e-12)


def test_calibrate_meets_totals_for_every_method():
    design = _small_design()
    totals = {"region": REGION, "area": AREA, "size": 3600.0}
    for method, bounds in (("linear", None), ("raking", None), ("logit", (0.5, 25.0)),
                           ("linear", (0.5, 15.0)), ("raking", (0.5, 15.0))):
        new = design.calibrate(totals, method=method, bounds=bounds)
        w = pd.Series(new.weights)
        assert w.groupby(new.frame["region"]).sum().to_dict() == pytest.approx(REGION, rel=1e-8)
        assert w.groupby(new.frame["area"]).sum().to_dict() == pytest.approx(AREA, rel=1e-8)
        assert float(np.sum(new.weights * new.frame["size"])) == pytest.approx(3600.0, rel=1e-8)
        if bounds is not None:
            g = new.weights / design.weights
            assert g.min() >= bounds[0] - 1e-12 and g.max() <= bounds[1] + 1e-12


def test_calibrated_mean_equals_ratio_to_a_constant():
    frame = _small().assign(one=1.0)
    design = _small_design(frame).calibrate({"region": REGION, "size": 3600.0},
                                            method="raking")
    mean = design.mean("y", by="area")
    ratio = design.ratio("y", "one", by="area")
    for column in ("estimate", "se", "deff"):
        np.testing.assert_allclose(mean[column], ratio[column], rtol=1e-10)


def test_calibration_on_a_variable_removes_its_total_variance():
    design = _small_design().calibrate({"region": REGION, "size": 3600.0})
    total = design.total("size")
    assert float(total["estimate"].iloc[0]) == pytest.approx(3600.0, rel=1e-10)
    assert float(total["se"].iloc[0]) < 1e-8


def test_zero_weight_rows_are_carried_along():
    frame = _small(zero_weights=True)
    design = _small_design(frame)
    for new in (design.poststratify("region", REGION), design.rake({"region": REGION,
                "area": AREA}), design.calibrate({"region": REGION, "size": 3600.0}),
                design.trim(lower=1.5, upper=2.5)):
        assert np.all(new.weights[[3, 17, 40]] == 0)
        result = new.mean("y", by="area")
        assert np.all(np.isfinite(result["se"]))


def test_trim_keeps_the_total_and_follows_r():
    w = np.array([1.0, 2.0, 3.0, 10.0, 0.0])
    new, n = trimmed_weights(w, upper=5)
    assert n == 1
    # 5 trimmed from the 10, shared equally by the three other positive weights
    np.testing.assert_allclose(new, [1 + 5 / 3, 2 + 5 / 3, 3 + 5 / 3, 5.0, 0.0])
    # sharing out pushes 6.5 over the bound: R's strict=TRUE repeats until none is over
    loose, _ = trimmed_weights(np.array([1.0, 6.5, 9.0, 9.0]), upper=7)
    np.testing.assert_allclose(loose, [3.0, 8.5, 7.0, 7.0])
    strict, _ = trimmed_weights(np.array([1.0, 6.5, 9.0, 9.0]), upper=7, strict=True)
    np.testing.assert_allclose(strict, [4.5, 7.0, 7.0, 7.0], rtol=1e-10)
    with pytest.raises(CalibrationError, match="cannot keep the total"):
        trimmed_weights(np.array([1.0, 1.0, 9.0, 9.0]), upper=4, strict=True)


def test_trim_only_design_has_the_plain_variance():
    design = _small_design()
    trimmed = design.trim(lower=1.2, upper=2.6)
    plain = _small_design(trimmed.frame.assign(w=trimmed.weights))
    a = trimmed.mean("y", by="region")
    b = plain.mean("y", by="region")
    np.testing.assert_allclose(a[["estimate", "se", "deff"]], b[["estimate", "se", "deff"]],
                               rtol=1e-12)


# --------------------------------------------------------------------------- bad input
def test_totals_for_a_level_absent_from_the_sample():
    with pytest.raises(CalibrationError) as info:
        _small_design().calibrate({"region": {**REGION, "east": 10.0}})
    assert info.value.variable == "region" and info.value.levels == ["east"]
    assert "'east'" in str(info.value) and "absent from the sample" in str(info.value)


def test_sample_levels_missing_from_the_totals():
    with pytest.raises(CalibrationError) as info:
        _small_design().rake({"region": REGION, "c": {1: 600.0, 2: 600.0}})
    assert info.value.variable == "c" and info.value.levels == [3]
    assert "lack levels present in the sample: 3" in str(info.value)


@pytest.mark.parametrize("count", [0, -5, float("nan"), "many"])
def test_bad_population_counts(count):
    with pytest.raises(CalibrationError) as info:
        _small_design().poststratify("region", {"north": count, "south": 700.0})
    assert info.value.levels == ["north"]
    assert "positive numbers" in str(info.value)


def test_inconsistent_margins_name_the_margin():
    with pytest.raises(CalibrationError) as info:
        _small_design().rake({"region": REGION, "area": {1: 450.0, 2: 760.0}})
    assert info.value.variable == "area"
    with pytest.raises(CalibrationError) as info:
        _small_design().calibrate({"region": REGION, "area": {1: 450.0, 2: 760.0}})
    assert info.value.variable == "area"


def test_raking_non_convergence_names_the_margin():
    # two diagonal cells only: region decides area, but the margins disagree
    frame = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 1, 2, 2], "w": [1.0, 1.0, 1.0, 1.0],
                          "psu": [1, 2, 3, 4]})
    design = mt.SurveyDesign(frame, weight="w", psu="psu")
    with pytest.raises(CalibrationError) as info:
        design.rake({"a": {1: 50, 2: 50}, "b": {1: 30, 2: 70}}, max_iterations=50)
    assert info.value.variable in ("a", "b")
    assert f"margin {info.value.variable!r}" in str(info.value)
    assert "did not converge in 50 sweeps" in str(info.value)


def test_bounds_that_cannot_be_met():
    with pytest.raises(CalibrationError, match="within bounds"):
        _small_design().calibrate({"region": {"north": 100.0, "south": 1100.0}},
                                  method="raking", bounds=(0.5, 1.5))


@pytest.mark.parametrize("bounds", [(1.2, 2), (0.5, 0.9), (0.5,), "wide"])
def test_bad_bounds(bounds):
    with pytest.raises(CalibrationError, match="bounds"):
        _small_design().calibrate({"region": REGION}, bounds=bounds)


def test_logit_needs_finite_bounds():
    with pytest.raises(CalibrationError, match="finite bounds"):
        _small_design().calibrate({"region": REGION}, method="logit", bounds=(0.5, None))


def test_unknown_and_non_numeric_calibration_variables():
    with pytest.raises(VariableError) as info:
        _small_design().calibrate({"regoin": REGION})
    assert info.value.close_matches == ["region"]
    with pytest.raises(VariableError, match="not numeric"):
        _small_design().calibrate({"region": 1200.0})
    with pytest.raises(mt.OptionError):
        _small_design().calibrate({"region": REGION}, method="greg")


def test_missing_calibration_variable_on_a_weighted_row():
    frame = _small()
    frame["region"] = frame["region"].astype(object)
    frame.loc[5, "region"] = None
    with pytest.raises(CalibrationError, match="missing on 1 rows with positive weight"):
        _small_design(frame).poststratify("region", REGION)


def test_collinear_calibration_variables():
    frame = _small().assign(double=lambda d: 2 * d["size"],
                            region_area=lambda d: d["region"] + d["area"].astype(str))
    design = _small_design(frame)
    plain = design.calibrate({"region": REGION, "size": 3500.0}, method="raking")
    # a redundant variable with an agreeing total adds nothing
    redundant = design.calibrate({"region": REGION, "size": 3500.0, "double": 7000.0},
                                 method="raking")
    np.testing.assert_allclose(redundant.weights, plain.weights, rtol=1e-10)
    np.testing.assert_allclose(redundant.mean("y", by="c")["se"], plain.mean("y", by="c")["se"],
                               rtol=1e-8)
    with pytest.raises(CalibrationError, match="collinear and their totals disagree") as info:
        design.calibrate({"region": REGION, "size": 3500.0, "double": 7100.0})
    assert info.value.variable in ("size", "double")
    # overlapping margins: region within region x area
    cells = {"north1": 200.0, "north2": 300.0, "south1": 250.0, "south2": 450.0}
    both = design.calibrate({"region": REGION, "region_area": cells}, method="raking")
    w = pd.Series(both.weights)
    assert w.groupby(frame["region_area"]).sum().to_dict() == pytest.approx(cells, rel=1e-9)


def test_negative_weights_from_linear_calibration():
    with pytest.raises(CalibrationError, match="negative weights"):
        _small_design().calibrate({"region": REGION, "size": 9000.0})


def test_trim_errors():
    with pytest.raises(CalibrationError, match="lower < upper"):
        _small_design().trim(lower=3, upper=2)
    with pytest.raises(CalibrationError, match="every positive weight"):
        _small_design().trim(lower=10, upper=20)


# --------------------------------------------------------------------------- totals files
def test_read_totals(tmp_path):
    path = tmp_path / "totals.csv"
    path.write_text("variable,level,total\nregion,north,500\nregion,south,700\nsize,,3600\n"
                    "area,1,450\narea,2,750\n", encoding="utf-8")
    totals = read_totals(path)
    assert totals == {"region": REGION, "size": 3600.0, "area": {"1": 450.0, "2": 750.0}}
    # text levels that read as numbers match numeric data
    design = _small_design().calibrate(totals)
    direct = _small_design().calibrate({"region": REGION, "size": 3600.0, "area": AREA})
    np.testing.assert_allclose(design.weights, direct.weights, rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("variable,level\nregion,north\n", 1, "total"),
        ("variable,level,total\nregion,north,lots\n", 2, "total"),
        ("variable,level,total\nregion,north,1\nregion,north,2\n", 3, "region"),
        ("variable,level,total\nsize,,1\nsize,a,2\n", 3, "size"),
    ],
)
def test_read_totals_errors(tmp_path, text, line, key):
    path = tmp_path / "totals.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        read_totals(path)
    assert (info.value.line, info.value.key) == (line, key)


def test_read_totals_missing_file(tmp_path):
    with pytest.raises(ReadError):
        read_totals(tmp_path / "absent.csv")


@pytest.mark.parametrize("total", ["inf", "-inf", "nan"])
def test_read_totals_refuses_a_total_that_is_not_finite(tmp_path, total):
    path = tmp_path / "totals.csv"
    path.write_text(f"variable,level,total\nregion,north,1\nregion,south,{total}\n",
                    encoding="utf-8")
    with pytest.raises(SpecError) as info:
        read_totals(path)
    assert (info.value.line, info.value.key) == (3, "total")
    assert f"total {total!r} of 'region' is not a number" in str(info.value)


_READ_TOTALS_CHILD = """
import sys
import mics_toolkit as mt
from mics_toolkit.errors import ReadError
try:
    mt.read_totals(sys.argv[1])
except ReadError as error:
    print(error.path)
    print(error)
    sys.exit(0)
print("read without error")
sys.exit(1)
"""


def _limit_memory() -> None:  # in the child: 2 GB of address space, so /dev/zero cannot eat RAM
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_read_totals_refuses_a_fifo_and_a_device(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "totals.csv"
        os.mkfifo(path)
    else:
        path = Path(kind)
    try:  # a child process with a time and memory limit: the old reader hangs or fills memory
        done = subprocess.run(
            [sys.executable, "-c", _READ_TOTALS_CHILD, str(path)], capture_output=True,
            text=True, timeout=30, preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"read_totals({str(path)!r}) still blocks after 30 s")
    assert done.returncode == 0, done.stdout + done.stderr
    reported_path, message = done.stdout.splitlines()
    assert reported_path == str(path)
    what = "a FIFO (named pipe)" if kind == "fifo" else "a device"
    assert message == f"cannot read the totals file {path}: it is {what}, not a regular file"


# --------------------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.01, 100))
def test_weight_scale_and_row_order_do_not_change_calibrated_estimates(seed, scale):
    frame = _small(seed)
    totals = {"region": REGION, "area": AREA, "size": 3600.0}
    base = _small_design(frame).calibrate(totals, method="raking").mean("y", by="c")
    rng = np.random.default_rng(seed)
    shuffled = frame.assign(w=frame["w"] * scale).iloc[rng.permutation(len(frame))]
    other = _small_design(shuffled.reset_index(drop=True)).calibrate(
        totals, method="raking"
    ).mean("y", by="c")
    np.testing.assert_allclose(other[["estimate", "se"]], base[["estimate", "se"]], rtol=1e-8)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-50, 50))
def test_values_outside_a_domain_do_not_change_its_estimate(seed, shift):
    frame = _small(seed)
    design = _small_design(frame).rake({"region": REGION, "area": AREA})
    base = design.mean("y", by="area")
    changed = frame.assign(y=np.where(frame["area"] == 2, frame["y"] + shift, frame["y"]))
    other = _small_design(changed).rake({"region": REGION, "area": AREA}).mean("y", by="area")
    np.testing.assert_allclose(other["estimate"].iloc[0], base["estimate"].iloc[0], rtol=1e-12)
