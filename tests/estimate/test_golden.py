"""Golden tests: every statistic of every case in ``tests/golden/golden.csv`` (R survey 4.1-1).

Each case of ``make_golden.R`` is mapped here to the ``SurveyDesign`` it needs and the
estimator call that reproduces the R call, with R's conventions passed explicitly (Normal
interval where R's ``confint`` default is used, ``df="domain"`` where R uses ``degf()`` of the
subset design, ``ci_method="korn-graubard"`` for ``svyciprop(method="beta")``). One test per
golden row (case, domain, category, statistic), relative tolerance 1e-8 (absolute 1e-12 for a
value that is 0 in R). Cases that R answers with an error expect a ``DesignError``.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import DesignError

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"


def _import_loader():
    spec = importlib.util.spec_from_file_location("golden_loader", GOLDEN_DIR / "loader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loader = _import_loader()
GOLDEN, METADATA = loader.load_golden()

RELATIVE_TOLERANCE = 1e-8
ZERO_TOLERANCE = 1e-12

# design name in golden.csv -> data set and SurveyDesign arguments (see the R calls in the header)
DESIGNS: dict[str, dict] = {
    "strat": {"data": "apistrat", "weight": "pw", "strata": "stype", "fpc": "fpc"},
    "strat_frac": {"data": "apistrat", "weight": "pw", "strata": "stype", "fpc": "fpc_fraction"},
    "strat_nofpc": {"data": "apistrat", "weight": "pw", "strata": "stype"},
    "clus1": {"data": "apiclus1", "weight": "pw", "psu": "dnum", "fpc": "fpc"},
    "clus2": {"data": "apiclus2", "weight": "pw", "psu": "dnum"},
    "nested": {"data": "nested", "weight": "w", "strata": "stratum", "psu": "psu", "nest": True},
    "lonely": {"data": "lonely", "weight": "w", "strata": "stratum", "psu": "psu", "nest": True},
    "lonely_fpc": {"data": "lonely", "weight": "w", "strata": "stratum", "psu": "psu",
                   "fpc": "fpc_n", "nest": True},
}


@dataclass(frozen=True)
class Case:
    """How to reproduce one R case: estimator, its arguments, and design overrides."""

    method: str  # mean, total, ratio, proportion, or "design" (only build the design)
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    where: str | None = None  # pandas query on the data, turned into a boolean mask
    lonely_psu: str = "fail"
    design_changes: dict = field(default_factory=dict)


NORMAL = {"ci": "normal", "level": 0.95}
T_DESIGN = {"ci": "t", "df": "design", "level": 0.95}
T_DOMAIN = {"ci": "t", "df": "domain", "level": 0.95}
WALD_NORMAL = {**NORMAL, "ci_method": "wald"}
LOGIT = {**T_DOMAIN, "ci_method": "logit"}
BETA = {**T_DOMAIN, "ci_method": "korn-graubard"}

CASES: dict[str, Case] = {
    # apistrat: stratified, no clusters, fpc as population count / sampling fraction / none
    "strat_mean": Case("mean", ("api00",), NORMAL),
    "strat_total": Case("total", ("enroll",), NORMAL),
    "strat_mean_tci": Case("mean", ("api00",), T_DESIGN),
    "strat_frac_mean": Case("mean", ("api00",), NORMAL),
    "strat_frac_total": Case("total", ("enroll",), NORMAL),
    "strat_nofpc_mean": Case("mean", ("api00",), NORMAL),
    "strat_ratio": Case("ratio", ("api00", "api99"), NORMAL),
    "strat_prop": Case("proportion", ("both",), WALD_NORMAL),
    "strat_by_mean": Case("mean", ("api00",), {**NORMAL, "by": "awards"}),
    "strat_by2_mean": Case("mean", ("meals",), {**NORMAL, "by": ["stype", "yr_rnd"]}),
    "strat_ciprop_beta": Case("proportion", ("both",), BETA, where="meals > 50"),
    "strat_ciprop_logit": Case("proportion", ("both",), LOGIT, where="meals > 50"),
    "degf_strat": Case("mean", ("api00",), T_DESIGN),
    # apiclus1: one-stage cluster sample with fpc
    "clus1_mean": Case("mean", ("api00",), NORMAL),
    "clus1_total_tci": Case("total", ("enroll",), T_DESIGN),
    "clus1_ratio": Case("ratio", ("api_stu", "enroll"), NORMAL),
    "clus1_mean_na": Case("mean", ("avg_ed",), NORMAL),
    "clus1_by_mean": Case("mean", ("api00",), {**NORMAL, "by": "stype"}),
    "clus1_by_mean_tci": Case("mean", ("api00",), {**T_DESIGN, "by": "stype"}),
    "clus1_by_total": Case("total", ("enroll",), {**NORMAL, "by": "stype"}),
    "clus1_by_prop": Case("proportion", ("sch_wide",), {**WALD_NORMAL, "by": "stype"}),
    "clus1_by_ratio": Case("ratio", ("api_stu", "enroll"), {**NORMAL, "by": "stype"}),
    "clus1_ciprop_logit": Case("proportion", ("sch_wide",), LOGIT, where="stype == 'E'"),
    "clus1_ciprop_xlogit": Case("proportion", ("sch_wide",), LOGIT, where="stype == 'E'"),
    "clus1_ciprop_beta": Case("proportion", ("sch_wide",), BETA, where="stype == 'E'"),
    "clus1_ciprop_beta_m90": Case("proportion", ("sch_wide",), {**BETA, "level": 0.9},
                                  where="stype == 'M'"),
    "clus1_by_ciprop_beta": Case("proportion", ("sch_wide",), {**BETA, "by": "stype"}),
    "clus1_by_ciprop_xlogit": Case("proportion", ("sch_wide",), {**LOGIT, "by": "stype"}),
    "degf_clus1": Case("mean", ("api00",), T_DESIGN),
    "degf_clus1_sub": Case("mean", ("api00",), T_DOMAIN, where="stype == 'H'"),
    # apiclus2 (first stage only, no fpc): missing values with na.rm = TRUE
    "clus2_mean_na": Case("mean", ("acs_k3",), NORMAL),
    "clus2_total_na": Case("total", ("enroll",), NORMAL),
    "clus2_ratio_na": Case("ratio", ("api_stu", "enroll"), NORMAL),
    "clus2_by_mean_na": Case("mean", ("enroll",), {**NORMAL, "by": "stype"}),
    # nested: PSU numbers repeat across strata, zero weights, an all-zero-weight PSU, NAs
    "nested_without_nest": Case("design", design_changes={"nest": False}),
    "nested_mean_na": Case("mean", ("y",), NORMAL),
    "nested_total_na": Case("total", ("y",), NORMAL),
    "nested_ratio_na": Case("ratio", ("y", "x"), NORMAL),
    "nested_prop_na": Case("proportion", ("grp",), WALD_NORMAL),
    "nested_by_mean_na": Case("mean", ("y",), {**NORMAL, "by": "area"}),
    "nested_by_prop_tci": Case("proportion", ("grp",),
                               {**T_DESIGN, "ci_method": "wald", "by": "area"}),
    "nested_ciprop_beta_na": Case("proportion", ("grp",), BETA, where="area == 1"),
    "nested_ciprop_xlogit": Case("proportion", ("b",), LOGIT, where="area == 2"),
    "degf_nested": Case("mean", ("x",), T_DESIGN),
    "degf_nested_sub": Case("mean", ("x",), T_DOMAIN, where="area == 1"),
    # lonely: strata 5 and 6 have a single PSU
    "lonely_fail_mean": Case("mean", ("y",), NORMAL),
    "lonely_fail_by_mean": Case("mean", ("y",), {**NORMAL, "by": "area"}),
    "lonely_fail_domain_without_singletons": Case("mean", ("y",), NORMAL, where="stratum <= 4"),
    "lonely_adjust_fpc_total": Case("total", ("y",), NORMAL, lonely_psu="adjust"),
    "lonely_average_fpc_mean": Case("mean", ("y",), NORMAL, lonely_psu="average"),
}
for _option in ("remove", "certainty", "adjust", "average"):
    CASES[f"lonely_{_option}_mean"] = Case("mean", ("y",), NORMAL, lonely_psu=_option)
    CASES[f"lonely_{_option}_total"] = Case("total", ("y",), NORMAL, lonely_psu=_option)
    CASES[f"lonely_{_option}_by_mean"] = Case("mean", ("y",), {**NORMAL, "by": "area"},
                                              lonely_psu=_option)
    CASES[f"lonely_{_option}_by_total"] = Case("total", ("y",), {**NORMAL, "by": "area"},
                                               lonely_psu=_option)


# Cases where the engine deliberately departs from R, as {case: reason}; their tests are
# marked xfail(strict=True), so a change that makes them agree with R is noticed. Keep empty
# unless a departure is decided on and documented.
KNOWN_DEVIATIONS: dict[str, str] = {
    "lonely_fail_domain_without_singletons": (
        "deliberate: lonely_psu='fail' raises when the design is built, listing every "
        "single-PSU stratum, while R stops only when such a stratum holds analysed rows"
    ),
}


@cache
def _data(name: str) -> pd.DataFrame:
    return loader.read_data(name)


def _design(design_name: str, case: Case):
    spec = dict(DESIGNS[design_name])
    data = _data(spec.pop("data"))
    spec.update(case.design_changes)
    return mt.SurveyDesign(data, lonely_psu=case.lonely_psu, **spec)


@cache
def _result(case_name: str) -> pd.DataFrame:
    """The estimator's result frame for one case (computed once per test session)."""
    case = CASES[case_name]
    design_name = GOLDEN.loc[GOLDEN["case"] == case_name, "design"].iloc[0]
    design = _design(design_name, case)
    kwargs = dict(case.kwargs)
    if case.where is not None:
        kwargs["where"] = _data(DESIGNS[design_name]["data"]).eval(case.where).to_numpy(bool)
    return getattr(design, case.method)(*case.args, **kwargs)


def _same(value, text: str) -> bool:
    """Whether a by/level value from the result equals the text written by R."""
    if isinstance(value, (bool, np.bool_)):
        return str(value).upper() == text.upper()
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(value) == float(text)
        except ValueError:
            return False
    return str(value) == text


def _pick(result: pd.DataFrame, by: str, level: str) -> pd.Series:
    """The result row of domain ``by`` ("var=value;...") and category ``level``."""
    mask = np.ones(len(result), dtype=bool)
    for name, text in loader.parse_by(by).items():
        mask &= np.array([_same(v, text) for v in result[name]])
    if level and "level" in result.columns:
        mask &= np.array([_same(v, level) for v in result["level"]])
    rows = result[mask]
    assert len(rows) == 1, (
        f"expected one result row for by={by!r} level={level!r}, found {len(rows)}:\n{result}"
    )
    return rows.iloc[0]


_VALUE_ROWS = GOLDEN[GOLDEN["statistic"] != "error"]
_ERROR_ROWS = GOLDEN[GOLDEN["statistic"] == "error"]


def _param(row):
    marks = ()
    if row.case in KNOWN_DEVIATIONS:
        marks = (pytest.mark.xfail(strict=True, reason=KNOWN_DEVIATIONS[row.case]),)
    return pytest.param(row, id=_row_id(row), marks=marks)


def _row_id(row) -> str:
    parts = [row.case]
    if row.by:
        parts.append(row.by)
    if row.level:
        parts.append(row.level)
    parts.append(row.statistic)
    return "-".join(parts)


def test_golden_file_pins_r_and_survey_versions():
    assert METADATA["survey"] == "4.1.1"
    assert METADATA["R"].startswith("R version 4.")
    assert set(GOLDEN["case"]) == set(CASES), "golden.csv and CASES list different cases"


@pytest.mark.parametrize(
    "row", [_param(r) for r in _VALUE_ROWS.itertuples(index=False)]
)
def test_golden_statistic(row):
    result = _result(row.case)
    ours = float(_pick(result, row.by, row.level)[row.statistic])
    expected = float(row.value)
    if math.isnan(expected):
        assert math.isnan(ours), f"{row.call}: ours {ours!r}, R NaN (undefined)"
    elif expected == 0:
        assert abs(ours) <= ZERO_TOLERANCE, f"{row.call}: ours {ours!r}, R 0"
    else:
        relative = abs(ours - expected) / abs(expected) if math.isfinite(ours) else math.inf
        assert relative <= RELATIVE_TOLERANCE, (
            f"{row.call}: ours {ours!r}, R {expected!r}, relative difference {relative:.3g}"
        )


@pytest.mark.parametrize(
    "row", [_param(r) for r in _ERROR_ROWS.itertuples(index=False)]
)
def test_golden_expected_error(row):
    """R stops with an error (``row.note``); we raise DesignError, at construction or call."""
    case = CASES[row.case]
    with pytest.raises(DesignError):
        design = _design(row.design, case)
        if case.method != "design":
            getattr(design, case.method)(*case.args, **case.kwargs)
