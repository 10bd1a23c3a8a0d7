"""Estimators on edge data: a ratio whose denominator total is 0 in a domain, weights that are
all 0 in a domain or in the whole file, a data frame with no rows, and a breakdown variable
that is missing on every row.

Each test states the behaviour the estimators have (the code before it: ``inf``, silent NaN
rows, crashes inside the variance):

* a ratio with a zero denominator total: estimate NaN (never inf) and a MicsWarning naming the
  variable and the domains;
* all-zero weights: NaN rows (a total of 0) and a MicsWarning naming the weight variable;
* 0 rows: SurveyDesign raises DesignError naming the source and its 0 rows;
* a ``by`` variable missing on every row: an empty result frame with the fixed columns and
  dtypes, and a MicsWarning naming the variable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import DesignError, MicsWarning

RESULT = list(mt.RESULT_COLUMNS)


def edge_frame() -> pd.DataFrame:
    """Two strata of four PSUs, two rows a PSU; the regions North and South alternate."""
    rng = np.random.default_rng(20240915)
    n = 16
    return pd.DataFrame(
        {
            "stratum": np.repeat([1, 2], n // 2),
            "psu": np.repeat(np.arange(1, n // 2 + 1), 2),
            "wt": rng.uniform(0.5, 2.0, n),
            "income": rng.normal(50.0, 10.0, n).round(1),
            "members": rng.integers(1, 6, n).astype(float),
            "region": np.tile(["North", "South"], n // 2),
        }
    )


def design_of(frame: pd.DataFrame, **options) -> mt.SurveyDesign:
    return mt.SurveyDesign(frame, weight="wt", strata="stratum", psu="psu", **options)


def numeric_values(result: pd.DataFrame) -> np.ndarray:
    return result[RESULT].to_numpy(dtype=np.float64)


# ---------------------------------------------------------------- (a) zero denominator
def test_ratio_with_a_zero_denominator_in_a_domain_is_nan_with_a_warning():
    frame = edge_frame()
    frame.loc[frame["region"] == "South", "members"] = 0.0
    with pytest.warns(MicsWarning) as caught:
        result = design_of(frame).ratio("income", "members", by="region")
    messages = " ".join(str(w.message) for w in caught if issubclass(w.category, MicsWarning))
    assert "members" in messages and "South" in messages
    assert "North" not in messages  # only the domain whose denominator is 0
    result = result.set_index("region")
    north = frame[frame["region"] == "North"]
    by_hand = (north["wt"] * north["income"]).sum() / (north["wt"] * north["members"]).sum()
    assert result.loc["North", "estimate"] == pytest.approx(by_hand, rel=1e-12)
    assert np.isnan(result.loc["South", "estimate"])
    assert not np.isinf(numeric_values(result.reset_index())).any()


def test_ratio_with_a_zero_denominator_in_the_whole_file_is_nan_with_a_warning():
    frame = edge_frame().assign(members=0.0)
    with pytest.warns(MicsWarning, match="members"):
        result = design_of(frame).ratio("income", "members")
    assert len(result) == 1
    assert np.isnan(result["estimate"].iloc[0])
    assert not np.isinf(numeric_values(result)).any()


# ---------------------------------------------------------------- (b) all-zero weights
def test_all_zero_weights_in_a_domain_give_nan_rows_with_a_warning():
    frame = edge_frame()
    frame.loc[frame["region"] == "South", "wt"] = 0.0
    with pytest.warns(MicsWarning) as caught:
        result = design_of(frame).mean("income", by="region")
    messages = " ".join(str(w.message) for w in caught if issubclass(w.category, MicsWarning))
    assert "wt" in messages
    result = result.set_index("region")
    north = frame[frame["region"] == "North"]
    by_hand = (north["wt"] * north["income"]).sum() / north["wt"].sum()
    assert result.loc["North", "estimate"] == pytest.approx(by_hand, rel=1e-12)
    assert np.isnan(result.loc["South", ["estimate", "se", "ci_lower", "ci_upper"]]).all()
    assert result.loc["South", "n_weighted"] == 0.0


@pytest.mark.parametrize("statistic", ["mean", "proportion", "total"])
def test_all_zero_weights_in_the_whole_file_give_nan_rows_with_a_warning(statistic):
    frame = edge_frame().assign(wt=0.0)
    variable = "region" if statistic == "proportion" else "income"
    with pytest.warns(MicsWarning, match="wt"):
        result = getattr(design_of(frame), statistic)(variable)
    assert len(result) >= 1
    if statistic != "total":  # a total over zero weights is 0; a mean or share has no value
        assert np.isnan(result["estimate"]).all()
    assert (result["n_weighted"] == 0.0).all()


# ---------------------------------------------------------------- (c) no rows
def test_a_frame_with_no_rows_is_a_design_error_naming_the_source():
    empty = edge_frame().iloc[:0]
    with pytest.raises(DesignError, match=r"\b0 rows\b|\bno rows\b") as caught:
        design_of(empty, source="hh.sav")
    assert "hh.sav" in str(caught.value)
    with pytest.raises(DesignError, match=r"\b0 rows\b|\bno rows\b"):
        design_of(empty)


# ---------------------------------------------------------------- (d) breakdown all missing
@pytest.mark.parametrize("statistic", ["mean", "proportion", "total", "ratio"])
def test_a_breakdown_missing_on_every_row_gives_an_empty_frame_with_a_warning(statistic):
    frame = edge_frame().assign(quintile=np.nan)
    design = design_of(frame)
    arguments = {
        "mean": ("income",),
        "proportion": ("region",),
        "total": ("income",),
        "ratio": ("income", "members"),
    }[statistic]
    reference = getattr(design, statistic)(*arguments, by="region")  # the same call, by a
    with pytest.warns(MicsWarning, match="quintile"):  # variable that has values
        result = getattr(design, statistic)(*arguments, by="quintile")
    assert len(result) == 0
    expected = ["quintile", *(["level"] if statistic == "proportion" else []), *RESULT]
    assert list(result.columns) == expected
    assert result[RESULT].dtypes.to_dict() == reference[RESULT].dtypes.to_dict()
