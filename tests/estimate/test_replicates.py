"""Replicate-weight designs: golden values from R survey 4.1-1, factor generation, Hadamard
matrices, cross-derivations with the Taylor engine, the bootstrap against Taylor on a
MICS-sized file, and bad input.

Golden cases (``tests/golden_replicates/golden_replicates.csv``, made by
``make_golden_replicates.R``) are checked one statistic per test at relative tolerance 1e-8.
Designs that R converted with ``as.svrepdesign`` JK1/JKn are rebuilt here with
``SurveyDesign.replicate``; R's BRR, Fay and bootstrap replicates are passed in twice: as
supplied row weights (``ReplicateDesign(data, weight, columns, method)``) and as PSU factors of
the design (``ReplicateDesign(..., design=, factors=)``), so both estimation paths are pinned.
Our own BRR and Fay replicates (other Hadamard rows than R's) are compared on totals, whose
replicate variance does not depend on the Hadamard matrix.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.design.replicates import (
    bootstrap_factors,
    brr_factors,
    hadamard,
    jackknife_factors,
)
from mics_toolkit.errors import (
    DesignError,
    MicsWarning,
    OptionError,
    VariableError,
    WeightError,
)
from mics_toolkit.estimate.replicate_variance import (
    replicate_rank,
    replicate_totals,
    replicate_variance,
)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = ROOT / "tests" / "golden_replicates"
RELATIVE_TOLERANCE = 1e-8
ZERO_TOLERANCE = 1e-12


def _import(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loader = _import("golden_replicates_loader", GOLDEN_DIR / "loader.py")
GOLDEN, METADATA = loader.load_golden()


@cache
def _data(name: str) -> pd.DataFrame:
    return loader.read_data(name)


# ------------------------------------------------------------------------ golden designs
TAYLOR = {
    "apiclus1": {"weight": "pw", "psu": "dnum"},
    "apistrat": {"weight": "pw", "strata": "stype"},
    "pairs": {"weight": "w", "strata": "stratum", "psu": "psu"},
    "clustered": {"weight": "w", "strata": "stratum", "psu": "psu", "nest": True},
    "lonely": {"weight": "w", "strata": "stratum", "psu": "psu", "nest": True},
}


def _survey_design(data: str, **changes) -> mt.SurveyDesign:
    return mt.SurveyDesign(_data(data), **{**TAYLOR[data], **changes})


# design name in the golden file -> (data set, how to build the replicate design)
BUILT = {
    "jk1_clus1": ("apiclus1", lambda: _survey_design("apiclus1", fpc="fpc").replicate("jk1")),
    "jk1_clus1_nofpc": ("apiclus1", lambda: _survey_design("apiclus1").replicate("jk1")),
    "jkn_strat": ("apistrat", lambda: _survey_design("apistrat", fpc="fpc").replicate("jkn")),
    "jkn_strat_nofpc": ("apistrat", lambda: _survey_design("apistrat").replicate("jkn")),
    "jkn_clus": ("clustered", lambda: _survey_design("clustered").replicate("jkn")),
    "jkn_lonely_fpc_average": (
        "lonely",
        lambda: _survey_design("lonely", fpc="fpc_n", lonely_psu="average").replicate("jkn"),
    ),
    "brr_pairs": ("pairs", lambda: _survey_design("pairs").replicate("brr")),
    "fay_pairs": ("pairs", lambda: _survey_design("pairs").replicate("fay", fay_rho=0.3)),
}
for _rule in ("remove", "certainty", "adjust", "average"):
    BUILT[f"jkn_lonely_{_rule}"] = (
        "lonely",
        lambda rule=_rule: _survey_design("lonely", lonely_psu=rule).replicate("jkn"),
    )

# design name -> (data set, key, weights file, ReplicateDesign arguments) for R's weights
SUPPLIED = {
    "brr_pairs_supplied": ("pairs", "hh", "pairs_brr", {"method": "brr"}),
    "brr_pairs_supplied_mse": ("pairs", "hh", "pairs_brr", {"method": "brr", "mse": True}),
    "fay_pairs_supplied": ("pairs", "hh", "pairs_fay", {"method": "fay", "fay_rho": 0.3}),
    "boot_pairs_supplied": ("pairs", "hh", "pairs_boot", {"method": "bootstrap"}),
    "boot_clus_supplied": ("clustered", "hh", "clustered_boot", {"method": "bootstrap"}),
    "boot_clus_supplied_mse": (
        "clustered", "hh", "clustered_boot", {"method": "bootstrap", "mse": True}
    ),
    "jkn_clus_supplied": ("clustered", "hh", "clustered_jkn", {"method": "jkn"}),
    "jk1_clus1_supplied": ("apiclus1", "snum", "apiclus1_jk1", {"method": "jk1",
                                                                "scale": 14 / 15}),
    "other_pairs_supplied": (
        "pairs", "hh", "pairs_brr",
        {"method": "other", "scale": 0.05, "rscales": np.tile([1.0, 0.5], 8)},
    ),
}


def _supplied_arguments(design_name: str) -> dict:
    arguments = dict(SUPPLIED[design_name][3])
    if design_name == "jkn_clus_supplied":
        arguments["rscales"] = _data("clustered_jkn_rscales")["rscales"].to_numpy()
    return arguments


@cache
def _replicate_design(design_name: str, path: str) -> mt.ReplicateDesign:
    """The replicate design of a golden design name; ``path`` is "built", "supplied"
    (R's analysis weights as columns) or "factors" (R's factors on our design's PSUs)."""
    if path == "built":
        return BUILT[design_name][1]()
    data_name, key, weights_name, _ = SUPPLIED[design_name]
    arguments = _supplied_arguments(design_name)
    data = _data(data_name)
    if path == "supplied":
        weights = _data(f"{weights_name}_weights")
        frame = data.merge(weights, on=key, how="left", validate="one_to_one")
        return mt.ReplicateDesign(frame, TAYLOR[data_name]["weight"], "rw", **arguments)
    design = _survey_design(data_name)
    return _with_r_factors(design, _data(f"{weights_name}_factors"), key, arguments)


def _with_r_factors(design, factor_rows: pd.DataFrame, key: str, arguments: dict):
    """A ReplicateDesign on ``design`` whose PSU factors are R's (one row per record)."""
    rows = design.frame[[key]].merge(factor_rows, on=key, how="left", validate="one_to_one")
    columns = [c for c in factor_rows.columns if c != key]
    per_row = rows[columns].to_numpy(float)
    factors = np.empty((len(columns), design.n_psu_total))
    first = np.unique(design.psu_index, return_index=True)[1]
    factors[:, design.psu_index[first]] = per_row[first].T
    # every row of a PSU carries the same factor
    assert np.array_equal(factors[:, design.psu_index].T, per_row)
    return mt.ReplicateDesign(design.data, design.weight, None, design=design, factors=factors,
                              **arguments)


def _data_of(design_name: str) -> str:
    if design_name in BUILT:
        return BUILT[design_name][0]
    return SUPPLIED[design_name][0]


def _paths(design_name: str) -> tuple[str, ...]:
    return ("built",) if design_name in BUILT else ("supplied", "factors")


# --------------------------------------------------------------------------- golden cases
@dataclass(frozen=True)
class Case:
    """How to reproduce one R case: estimator method, arguments and a where filter."""

    method: str  # mean, total, ratio, proportion, or "design"
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    where: str | None = None  # pandas query on the data, turned into a boolean mask


NORMAL = {"ci": "normal"}
T_DESIGN = {"ci": "t", "df": "design"}
WALD_NORMAL = {**NORMAL, "ci_method": "wald"}
XLOGIT = {"ci": "t", "df": "domain", "ci_method": "logit"}
BETA = {"ci": "t", "df": "domain", "ci_method": "korn-graubard"}

CASES: dict[str, Case] = {
    "jk1_clus1_mean": Case("mean", ("api00",), NORMAL),
    "jk1_clus1_total_tci": Case("total", ("enroll",), T_DESIGN),
    "jk1_clus1_ratio": Case("ratio", ("api_stu", "enroll"), NORMAL),
    "jk1_clus1_mean_na": Case("mean", ("avg_ed",), NORMAL),
    "jk1_clus1_by_mean": Case("mean", ("api00",), {**NORMAL, "by": "stype"}),
    "jk1_clus1_by_prop": Case("proportion", ("sch_wide",), {**WALD_NORMAL, "by": "stype"}),
    "jk1_clus1_by_ratio": Case("ratio", ("api_stu", "enroll"), {**NORMAL, "by": "stype"}),
    "jk1_clus1_ciprop_xlogit": Case("proportion", ("sch_wide",), XLOGIT, "stype == 'E'"),
    "jk1_clus1_ciprop_beta": Case("proportion", ("sch_wide",), BETA, "stype == 'H'"),
    "jk1_clus1_nofpc_mean": Case("mean", ("api00",), NORMAL),
    "jkn_strat_mean": Case("mean", ("api00",), NORMAL),
    "jkn_strat_total": Case("total", ("enroll",), NORMAL),
    "jkn_strat_ratio": Case("ratio", ("api00", "api99"), NORMAL),
    "jkn_strat_prop": Case("proportion", ("both",), WALD_NORMAL),
    "jkn_strat_by_mean": Case("mean", ("api00",), {**NORMAL, "by": "awards"}),
    "jkn_strat_nofpc_mean": Case("mean", ("api00",), NORMAL),
    "jkn_clus_mean_na": Case("mean", ("y",), NORMAL),
    "jkn_clus_total_na": Case("total", ("y",), NORMAL),
    "jkn_clus_ratio_na": Case("ratio", ("y", "x"), NORMAL),
    "jkn_clus_by_prop_tci": Case("proportion", ("grp",),
                                 {**T_DESIGN, "ci_method": "wald", "by": "area"}),
    "jkn_clus_by_mean_small": Case("mean", ("y",), {**NORMAL, "by": "small"}),
    "jkn_clus_ciprop_beta": Case("proportion", ("grp",), BETA, "area == 1"),
    "jkn_lonely_fpc_average_mean": Case("mean", ("y",), NORMAL),
    "brr_pairs_total": Case("total", ("y",), NORMAL),
    "brr_pairs_by_total": Case("total", ("x",), {**NORMAL, "by": "region"}),
    "fay_pairs_total": Case("total", ("x",), NORMAL),
    "brr_pairs_supplied_mean": Case("mean", ("y",), NORMAL),
    "brr_pairs_supplied_ratio": Case("ratio", ("y", "x"), NORMAL),
    "brr_pairs_supplied_by_mean": Case("mean", ("y",), {**NORMAL, "by": "region"}),
    "brr_pairs_supplied_by_prop_tci": Case("proportion", ("grp",),
                                           {**T_DESIGN, "ci_method": "wald", "by": "area"}),
    "brr_pairs_supplied_by_ratio": Case("ratio", ("y", "x"), {**NORMAL, "by": "area"}),
    "brr_pairs_supplied_ciprop_xlogit": Case("proportion", ("b",), XLOGIT, "region == 2"),
    "brr_pairs_supplied_mse_mean": Case("mean", ("y",), NORMAL),
    "brr_pairs_supplied_mse_by_prop": Case("proportion", ("grp",),
                                           {**WALD_NORMAL, "by": "region"}),
    "fay_pairs_supplied_mean": Case("mean", ("y",), NORMAL),
    "fay_pairs_supplied_by_ratio": Case("ratio", ("y", "x"), {**NORMAL, "by": "region"}),
    "boot_pairs_supplied_mean": Case("mean", ("y",), NORMAL),
    "boot_pairs_supplied_by_total": Case("total", ("x",), {**NORMAL, "by": "area"}),
    "boot_clus_supplied_by_mean_small": Case("mean", ("y",), {**NORMAL, "by": "small"}),
    "boot_clus_supplied_mse_by_mean_small": Case("mean", ("y",), {**NORMAL, "by": "small"}),
    "boot_clus_supplied_mse_mean": Case("mean", ("y",), NORMAL),
    "boot_clus_supplied_mse_by_prop": Case("proportion", ("grp",),
                                           {**WALD_NORMAL, "by": "area"}),
    "jkn_clus_supplied_mean_na": Case("mean", ("y",), NORMAL),
    "jkn_clus_supplied_by_total": Case("total", ("y",), {**NORMAL, "by": "area"}),
    "jk1_clus1_supplied_by_mean": Case("mean", ("api00",), {**NORMAL, "by": "stype"}),
    "other_pairs_supplied_mean": Case("mean", ("y",), NORMAL),
}
for _rule in ("remove", "certainty", "adjust", "average"):
    CASES[f"jkn_lonely_{_rule}_mean"] = Case("mean", ("y",), NORMAL)
    CASES[f"jkn_lonely_{_rule}_total"] = Case("total", ("y",), NORMAL)
    CASES[f"jkn_lonely_{_rule}_by_mean"] = Case("mean", ("y",), {**NORMAL, "by": "area"})
for _name in set(GOLDEN["case"]):
    if _name.startswith("design_"):
        CASES[_name] = Case("design")

# BRR and Fay built by us use other Hadamard rows than R: only totals are compared
# (statistics that do not depend on the rows: estimate, se, interval, df, deff).
_ESTIMATE_ROWS = GOLDEN[GOLDEN["case"] != "hadamard_orders"]


@cache
def _result(case_name: str, design_name: str, path: str):
    case = CASES[case_name]
    design = _replicate_design(design_name, path)
    if case.method == "design":
        return design
    kwargs = dict(case.kwargs)
    if case.where is not None:
        kwargs["where"] = _data(_data_of(design_name)).eval(case.where).to_numpy(bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MicsWarning)
        return getattr(design, case.method)(*case.args, **kwargs)


def _same(value, text: str) -> bool:
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(value) == float(text)
        except ValueError:
            return False
    return str(value) == text


def _pick(result: pd.DataFrame, by: str, level: str) -> pd.Series:
    mask = np.ones(len(result), dtype=bool)
    for name, text in loader.parse_by(by).items():
        mask &= np.array([_same(v, text) for v in result[name]])
    if level and "level" in result.columns:
        mask &= np.array([_same(v, level) for v in result["level"]])
    rows = result[mask]
    assert len(rows) == 1, f"expected one row for by={by!r} level={level!r}:\n{result}"
    return rows.iloc[0]


def _ours(row, path: str) -> float:
    result = _result(row.case, row.design, path)
    if CASES[row.case].method == "design":
        return float({
            "replicates": result.n_replicates,
            "scale": result.variance_scale,
            "df": result.degrees_of_freedom,
        }[row.statistic])
    return float(_pick(result, row.by, row.level)[row.statistic])


def _params():
    for row in _ESTIMATE_ROWS.itertuples(index=False):
        for path in _paths(row.design):
            parts = [row.case, path, row.by, row.level, row.statistic]
            yield pytest.param(row, path, id="-".join(p for p in parts if p))


def test_golden_file_pins_versions_and_cases():
    assert METADATA["survey"] == "4.1.1"
    assert METADATA["R"].startswith("R version 4.")
    assert set(_ESTIMATE_ROWS["case"]) == set(CASES), "golden file and CASES differ"


@pytest.mark.parametrize(("row", "path"), list(_params()))
def test_golden_statistic(row, path):
    ours = _ours(row, path)
    expected = float(row.value)
    if math.isnan(expected):
        assert math.isnan(ours), f"{row.call}: ours {ours!r}, R NaN"
    elif expected == 0:
        assert abs(ours) <= ZERO_TOLERANCE, f"{row.call}: ours {ours!r}, R 0"
    else:
        relative = abs(ours - expected) / abs(expected) if math.isfinite(ours) else math.inf
        assert relative <= RELATIVE_TOLERANCE, (
            f"{row.call} [{path}]: ours {ours!r}, R {expected!r}, relative difference "
            f"{relative:.3g}"
        )


def test_hadamard_orders_match_r():
    rows = GOLDEN[GOLDEN["case"] == "hadamard_orders"]
    assert len(rows) == 200
    for n, order in zip(rows["level"].astype(int), rows["value"], strict=True):
        assert hadamard(n).shape[0] == order, f"n={n}"


@pytest.mark.parametrize("path", ["supplied", "factors"])
def test_domain_without_weight_in_some_replicates_warns_and_drops_them(path):
    # `small` is held by two PSUs that some bootstrap replicates do not draw: their 0/0
    # estimates are left out as R's svrVar does (golden case boot_clus_supplied_by_mean_small)
    design = _replicate_design("boot_clus_supplied", path)
    with pytest.warns(MicsWarning, match="left out of the variance"):
        design.mean("y", by="small")


# ------------------------------------------------------------------------ Hadamard, factors
@pytest.mark.parametrize("n", [0, 1, 3, 4, 11, 12, 26, 27, 35, 43, 50, 60, 75, 99, 103, 130])
def test_hadamard_is_normalised_and_orthogonal(n):
    matrix = hadamard(n)
    order = matrix.shape[0]
    assert order > n and order % 4 == 0
    assert set(np.unique(matrix)) == {-1, 1}
    assert (matrix[0] == 1).all() and (matrix[:, 0] == 1).all()
    assert np.array_equal(matrix @ matrix.T, order * np.eye(order, dtype=int))


def _toy_design(n_psu=(3, 4, 2), rows_per_psu=4, seed=0, **options):
    rng = np.random.default_rng(seed)
    parts = []
    psu_code = 0
    for h, count in enumerate(n_psu):
        for _ in range(count):
            psu_code += 1
            parts.append(pd.DataFrame({
                "stratum": h + 1,
                "psu": psu_code,
                "y": rng.normal(10 + h, 3, rows_per_psu),
                "w": rng.uniform(0.5, 3, rows_per_psu),
                "g": rng.integers(1, 3, rows_per_psu),
            }))
    frame = pd.concat(parts, ignore_index=True)
    return mt.SurveyDesign(frame, "w", strata="stratum", psu="psu", **options)


def test_bootstrap_factors_resample_n_minus_one_psus_per_stratum():
    design = _toy_design()
    factors = bootstrap_factors(design, 200, seed=3)
    assert factors.shape == (200, design.n_psu_total)
    for h, n_h in enumerate(design.n_psu):
        members = design.psu_stratum == h
        counts = factors[:, members] * (n_h - 1) / n_h
        assert np.allclose(counts, np.round(counts))
        assert np.allclose(counts.sum(axis=1), n_h - 1)
    assert abs(factors.mean() - 1) < 0.05
    assert np.array_equal(factors, bootstrap_factors(design, 200, seed=3))
    assert not np.array_equal(factors, bootstrap_factors(design, 200, seed=4))


def test_bootstrap_lonely_strata():
    with pytest.raises(DesignError, match="single PSU") as error:
        bootstrap_factors(_toy_design((3, 1, 2), lonely_psu="adjust"), 10, seed=1)
    assert error.value.codes == [2]
    factors = bootstrap_factors(_toy_design((3, 1, 2), lonely_psu="remove"), 10, seed=1)
    assert (factors[:, 3] == 1).all()


def test_jackknife_factors_and_constants():
    design = _toy_design((3, 4, 2))
    built = jackknife_factors(design, "jkn")
    assert built.factors.shape == (9, 9)
    assert np.allclose(built.rscales, [2 / 3] * 3 + [3 / 4] * 4 + [1 / 2] * 2)
    assert built.scale == 1
    # replicate 0 deletes PSU 0 of stratum 1 (3 PSUs)
    assert np.allclose(built.factors[0], [0, 1.5, 1.5, 1, 1, 1, 1, 1, 1])


def test_brr_factors_are_balanced_half_samples():
    design = _toy_design((2, 2, 2, 2, 2))
    built = brr_factors(design, fay_rho=0.0)
    assert built.n_replicates == 8 and built.scale == 1 / 8
    pair_sums = built.factors[:, 0::2] + built.factors[:, 1::2]
    assert np.allclose(pair_sums, 2)
    assert np.allclose(built.factors.mean(axis=0), 1)  # each PSU in half the replicates
    fay = brr_factors(design, fay_rho=0.5)
    assert set(np.unique(fay.factors)) == {0.5, 1.5}
    assert fay.scale == pytest.approx(1 / (8 * 0.25))


# ------------------------------------------------------------------------ kernel
def test_replicate_totals_sum_cells_times_unit_weights():
    rng = np.random.default_rng(5)
    weights = rng.uniform(size=(30, 7))
    unit = rng.integers(0, 30, 50)
    domain = rng.integers(0, 4, 50)
    values = rng.normal(size=(50, 3))
    values[::7, 1] = 0.0
    totals = replicate_totals(weights, unit, domain, values, 4)
    expected = np.zeros((4, 3, 7))
    for c in range(50):
        expected[domain[c]] += values[c][:, None] * weights[unit[c]][None, :]
    assert np.allclose(totals, expected)


def test_replicate_variance_formula_mse_and_missing_replicates():
    replicates = np.array([[[1.0, 2.0, 4.0, np.nan]]])
    estimate = np.array([[2.0]])
    rscales = np.array([1.0, 1.0, 0.5, 1.0])
    variance, dropped = replicate_variance(replicates, estimate, 2.0, rscales)
    centre = 7 / 3
    expected = 2 * ((1 - centre) ** 2 + (2 - centre) ** 2 + 0.5 * (4 - centre) ** 2)
    assert variance[0, 0] == pytest.approx(expected) and dropped[0, 0] == 1
    mse, _ = replicate_variance(replicates, estimate, 2.0, rscales, mse=True)
    assert mse[0, 0] == pytest.approx(2 * (1 + 0 + 0.5 * 4))


def test_replicate_rank_finds_exact_dependencies():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(40, 6))
    matrix = np.hstack([base, base[:, :2] @ rng.normal(size=(2, 3)), np.zeros((40, 1))])
    assert replicate_rank(matrix) == 6
    assert replicate_rank(matrix.T) == 6
    assert replicate_rank(np.zeros((3, 4))) == 0


# ------------------------------------------------------------------------ cross-derivations
def test_jackknife_and_brr_totals_equal_taylor():
    # for a total the JKn and BRR variances are exactly the linearisation variance
    design = _toy_design((3, 4, 2))
    taylor = design.total("y", by="g", ci="normal")
    jackknife = design.replicate("jkn").total("y", by="g", ci="normal")
    assert np.allclose(jackknife["se"], taylor["se"], rtol=1e-12)
    pairs = _toy_design((2, 2, 2, 2, 2, 2, 2))
    assert np.allclose(
        pairs.replicate("brr").total("y", by="g")["se"], pairs.total("y", by="g")["se"],
        rtol=1e-12,
    )
    assert np.allclose(
        pairs.replicate("fay", fay_rho=0.4).total("y")["se"], pairs.total("y")["se"],
        rtol=1e-12,
    )
    single = mt.SurveyDesign(design.frame, "w", psu="psu")
    assert np.allclose(single.replicate("jk1").total("y")["se"], single.total("y")["se"],
                       rtol=1e-12)


def test_supplied_weights_equal_psu_factors():
    design = _toy_design((3, 4, 2))
    built = design.replicate("bootstrap", replicates=50, seed=2)
    frame = design.frame.copy()
    matrix = built.replicate_weight_matrix()
    for r in range(matrix.shape[1]):
        frame[f"bw{r + 1}"] = matrix[:, r]
    supplied = mt.ReplicateDesign(frame, "w", "bw", "bootstrap")
    assert supplied.replicate_columns == tuple(f"bw{r + 1}" for r in range(50))
    for method, args in [("mean", ("y",)), ("proportion", ("g",)), ("total", ("y",)),
                         ("ratio", ("y", "w"))]:
        a = getattr(built, method)(*args, by="stratum")
        b = getattr(supplied, method)(*args, by="stratum")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    assert supplied.degrees_of_freedom == built.degrees_of_freedom


def test_result_columns_and_dtypes_match_taylor():
    design = _toy_design((3, 4, 2))
    replicated = design.replicate("jkn")
    for method, args, kwargs in [
        ("mean", ("y",), {"by": "g"}),
        ("proportion", ("g",), {"by": "stratum", "ci_method": "korn-graubard"}),
        ("total", ("y",), {}),
        ("ratio", ("y", "w"), {"by": ["stratum", "g"], "df": "domain"}),
    ]:
        taylor = getattr(design, method)(*args, **kwargs)
        ours = getattr(replicated, method)(*args, **kwargs)
        assert list(ours.columns) == list(taylor.columns)
        assert list(ours.dtypes) == list(taylor.dtypes)
        assert np.allclose(ours["estimate"], taylor["estimate"], rtol=1e-12)
        assert np.array_equal(ours["n_unweighted"], taylor["n_unweighted"])
        assert ours.attrs["mics"]["method"] == "jkn"


def test_mse_centres_at_the_estimate():
    design = _toy_design((3, 4, 2))
    replicated = design.replicate("bootstrap", replicates=40, seed=9)
    centred = replicated.mean("y")["se"].iloc[0]
    mse = replicated.replace(mse=True).mean("y")["se"].iloc[0]
    assert mse >= centred


def test_where_matches_by_domain_and_row_order_does_not_matter():
    design = _toy_design((3, 4, 2), rows_per_psu=6)
    replicated = design.replicate("jkn")
    by = replicated.mean("y", by="g")
    where = replicated.mean("y", where=design.frame["g"].to_numpy() == 2)
    assert by["se"].iloc[1] == pytest.approx(where["se"].iloc[0], rel=1e-12)
    shuffled = design.frame.sample(frac=1, random_state=4).reset_index(drop=True)
    again = mt.SurveyDesign(shuffled, "w", strata="stratum", psu="psu").replicate("jkn")
    assert np.allclose(again.mean("y", by="g")["se"], by["se"], rtol=1e-12)


# ------------------------------------------------------------------------ bootstrap vs Taylor
@pytest.fixture(scope="module")
def women():
    module = _import("synthetic_women", ROOT / "benchmarks" / "synthetic_women.py")
    frame = module.make_women(100_000, n_filler=0)
    frame["ladder"] = frame["LS2"].where(frame["LS2"] <= 10)
    return mt.SurveyDesign(frame, "wmweight", strata="stratum", psu="HH1")


def test_bootstrap_se_close_to_taylor_on_a_mics_sized_file(women):
    assert women.n_rows == 100_000 and women.n_strata == 40 and women.n_psu_total == 1200
    replicated = women.replicate("bootstrap", replicates=2000, seed=20240611)
    for variable in ("ladder", "WAGEM"):
        taylor = women.mean(variable)
        ours = replicated.mean(variable)
        assert ours["estimate"].iloc[0] == pytest.approx(taylor["estimate"].iloc[0], rel=1e-12)
        ratio = ours["se"].iloc[0] / taylor["se"].iloc[0]
        assert abs(ratio - 1) < 0.05, f"{variable}: bootstrap SE / Taylor SE = {ratio:.4f}"
    # rank of 2,000 replicates of 1,200 PSUs in 40 strata: PSUs - strata + 1
    assert replicated.degrees_of_freedom == 1160


# ------------------------------------------------------------------------ bad input
def test_brr_needs_two_psus_per_stratum():
    with pytest.raises(DesignError, match="exactly two PSUs") as error:
        _toy_design((2, 3, 2, 1), lonely_psu="remove").replicate("brr")
    assert error.value.codes == [2, 4]
    assert "2 (3 PSUs)" in str(error.value) and "4 (1 PSUs)" in str(error.value)


def test_methods_that_do_not_fit_the_design():
    stratified = _toy_design((3, 4, 2))
    with pytest.raises(DesignError, match="unstratified"):
        stratified.replicate("jk1")
    unstratified = mt.SurveyDesign(stratified.frame, "w", psu="psu")
    for method in ("jkn", "brr"):
        with pytest.raises(DesignError, match="stratified"):
            unstratified.replicate(method)
    with pytest.raises(DesignError, match="single PSU"):
        _toy_design((3, 1), lonely_psu="average").replicate("bootstrap", replicates=10, seed=1)


def test_replicate_options_are_checked():
    design = _toy_design((2, 2, 2))
    with pytest.raises(OptionError, match="method="):
        design.replicate("jackknife")
    with pytest.raises(OptionError, match="fay_rho"):
        design.replicate("fay")
    with pytest.raises(OptionError, match="fay_rho"):
        design.replicate("fay", fay_rho=1.0)
    with pytest.raises(OptionError, match="fay_rho"):
        design.replicate("brr", fay_rho=0.5)
    with pytest.raises(OptionError, match="replicates"):
        design.replicate("jkn", replicates=100)
    with pytest.raises(OptionError, match="seed"):
        design.replicate("jkn", seed=1)
    with pytest.raises(OptionError, match="replicates"):
        design.replicate("bootstrap", replicates=1)


def test_fpc_is_dropped_with_a_warning_by_bootstrap_and_brr():
    frame = _toy_design((2, 2)).frame.assign(fpc=10)
    design = mt.SurveyDesign(frame, "w", strata="stratum", psu="psu", fpc="fpc")
    with pytest.warns(MicsWarning, match="finite population correction"):
        design.replicate("brr")
    assert design.replicate("jkn").variance_rscales[0] == pytest.approx(0.8 * 0.5)


def _supplied_frame(n_replicates=4):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"y": rng.normal(size=20), "w": rng.uniform(1, 2, 20)})
    for r in range(n_replicates):
        frame[f"rep{r + 1}"] = frame["w"] * rng.uniform(0, 2, 20)
    return frame


def test_replicate_weights_with_missing_values_are_an_error():
    frame = _supplied_frame()
    frame.loc[[3, 7], "rep2"] = np.nan
    frame.loc[5, "rep4"] = np.inf
    with pytest.raises(WeightError, match="rep2 \\(2 rows\\), rep4 \\(1 rows\\)") as error:
        mt.ReplicateDesign(frame, "w", "rep", "bootstrap")
    assert error.value.variable == "rep2" and error.value.n_bad == 3


def test_replicate_weight_columns_are_checked():
    frame = _supplied_frame()
    with pytest.raises(VariableError, match="repx") as error:
        mt.ReplicateDesign(frame, "w", ["rep1", "repx"], "bootstrap")
    assert error.value.variable == "repx"
    with pytest.raises(VariableError, match="no column"):
        mt.ReplicateDesign(frame, "w", "weight_r", "bootstrap")
    with pytest.raises(WeightError, match="not numeric"):
        mt.ReplicateDesign(frame.assign(rep3="a"), "w", "rep", "bootstrap")
    with pytest.raises(OptionError, match="also listed"):
        mt.ReplicateDesign(frame, "w", ["w", "rep1"], "bootstrap")
    with pytest.raises(DesignError, match="at least two"):
        mt.ReplicateDesign(frame, "w", ["rep1"], "bootstrap")
    assert mt.ReplicateDesign(frame, "w", "rep[13]", "bootstrap").n_replicates == 2
    # a pattern never takes the weight column itself
    assert mt.ReplicateDesign(frame.rename(columns={"w": "rep"}), "rep", "rep",
                              "bootstrap").n_replicates == 4


def test_replicate_design_options_are_checked():
    frame = _supplied_frame()
    with pytest.raises(OptionError, match="method="):
        mt.ReplicateDesign(frame, "w", "rep", "sdr")
    with pytest.raises(OptionError, match="rscales"):
        mt.ReplicateDesign(frame, "w", "rep", "jkn")
    with pytest.raises(OptionError, match="rscales"):
        mt.ReplicateDesign(frame, "w", "rep", "jkn", rscales=[0.5, 0.5])
    with pytest.raises(OptionError, match="scale"):
        mt.ReplicateDesign(frame, "w", "rep", "brr", scale=0.5)
    with pytest.raises(OptionError, match="scale"):
        mt.ReplicateDesign(frame, "w", "rep", "other")
    with pytest.raises(OptionError, match="fay_rho"):
        mt.ReplicateDesign(frame, "w", "rep", "fay")
    with pytest.raises(OptionError, match="mse"):
        mt.ReplicateDesign(frame, "w", "rep", "brr", mse="yes")
    design = _toy_design((2, 2))
    with pytest.raises(DesignError, match="one column per PSU"):
        mt.ReplicateDesign(design.data, "w", None, "bootstrap", design=design,
                           factors=np.ones((5, 3)))
    rep = mt.ReplicateDesign(frame, "w", "rep", "jkn", rscales=0.75)
    assert np.allclose(rep.variance_rscales, 0.75) and rep.variance_scale == 1
    assert mt.ReplicateDesign(frame, "w", "rep", "jk1").variance_scale == 0.75


def test_replicates_of_an_adjusted_design_warn_that_the_adjustment_is_not_repeated():
    design = _toy_design((3, 4, 2))
    adjusted = design.poststratify("g", {1: 50.0, 2: 60.0})
    with pytest.warns(MicsWarning, match="without repeating the adjustment"):
        replicated = adjusted.replicate("jkn")
    assert np.allclose(replicated.replicate_weight_matrix()[:, 0],
                       adjusted.weights * replicated.factors[0, adjusted.psu_index])
