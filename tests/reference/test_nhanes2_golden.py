"""NHANES II (a real Stata file with PSUs numbered within strata) against R survey 4.1-1:
golden values from tests/golden/make_golden_nhanes2.R, compared at a relative 1e-8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "nhanes2_golden.csv"


def _golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN, comment="#", dtype={"by": str, "level": str},
                       keep_default_na=False).astype({"value": float})


@pytest.fixture(scope="module")
def design(reference_dir):
    data = mt.read(reference_dir / "nhanes2" / "nhanes2.dta",
                   columns=["strata", "psu", "finalwgt", "bpsystol", "region", "sex", "race",
                            "highbp", "weight", "height"])
    return mt.SurveyDesign(data, weight="finalwgt", strata="strata", psu="psu", nest=True)


def _ours(design, case: str) -> pd.DataFrame:
    if case == "mean_bpsystol":
        return design.mean("bpsystol")
    if case == "mean_by_region_sex":
        return design.mean("bpsystol", by=["region", "sex"])
    if case == "prop_highbp_race":
        return design.proportion("highbp", by="race", df="domain").query("level == 1")
    if case == "kg_highbp_race":
        return design.proportion("highbp", by="race", df="domain",
                                 ci_method="korn-graubard").query("level == 1")
    if case == "total_highbp":
        return design.total("highbp")  # expansion weights: no normalised-weight warning
    if case == "ratio_weight_height":
        return design.ratio("weight", "height")
    raise AssertionError(case)


ROWS = list(_golden().itertuples(index=False)) if GOLDEN.exists() else []


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.case}-{r.by}-{r.statistic}")
def test_nhanes2_against_r(design, row):
    result = _ours(design, row.case).reset_index(drop=True)
    if row.by:
        keys = dict(part.split("=") for part in row.by.split(";"))
        mask = np.ones(len(result), dtype=bool)
        for name, value in keys.items():
            mask &= result[name].to_numpy() == float(value)
        result = result[mask]
    assert len(result) == 1
    assert result[row.statistic].item() == pytest.approx(row.value, rel=1e-8)


def test_golden_file_covers_every_case():
    assert {r.case for r in ROWS} == {"mean_bpsystol", "mean_by_region_sex", "prop_highbp_race",
                                      "kg_highbp_race", "total_highbp", "ratio_weight_height"}
