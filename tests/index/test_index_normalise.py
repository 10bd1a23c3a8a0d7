"""Normalisations against values computed by hand with COINr 1.1's formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.index import Normalisation, normalise
from mics_toolkit.index.normalise import NORMALISATION_METHODS, normalise_matrix

X = np.array([2.0, 4.0, 10.0, 6.0])


def test_minmax_default_and_range():
    # (x - 2) / 8 * 100
    assert normalise(X, "minmax").tolist() == [0.0, 25.0, 100.0, 50.0]
    # (x - 2) / 8 * (10 - 1) + 1
    assert normalise(X, "minmax", range=(1, 10)).tolist() == [1.0, 3.25, 10.0, 5.5]


def test_minmax_direction_applied_first():
    # x' = -x: min -10, max -2 -> (-x + 10) / 8 * 100
    assert normalise(X, "minmax", direction=-1).tolist() == [100.0, 75.0, 0.0, 50.0]


def test_goalposts_truncated_and_scaled():
    values = np.array([0.1, 0.5, 0.95, 1.2, -0.1])
    out = normalise(values, "goalposts", goalposts=(0.2, 0.9))
    # (x - 0.2) / 0.7, clipped to [0, 1], x 100
    expected = [0.0, 100 * 0.3 / 0.7, 100.0, 100.0, 0.0]
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    untruncated = normalise(values, "goalposts", goalposts=(0.2, 0.9), truncate=False, scale=1)
    np.testing.assert_allclose(untruncated, (values - 0.2) / 0.7, rtol=1e-14)


def test_goalposts_lower_is_better():
    # COINr with direction -1: gposts (-hi, -lo) on -x: (hi - x) / (hi - lo)
    values = np.array([5.0, 10.0, 25.0, 40.0])
    out = normalise(values, "goalposts", goalposts=(10, 30), direction=-1)
    np.testing.assert_allclose(out, [100.0, 100.0, 25.0, 0.0], rtol=1e-14)


def test_zscore_uses_sample_sd():
    mean, sd = X.mean(), X.std(ddof=1)  # 5.5, sd with n - 1
    np.testing.assert_allclose(normalise(X, "zscore"), (X - mean) / sd, rtol=1e-14)
    np.testing.assert_allclose(
        normalise(X, "zscore", mean=50, sd=10), (X - mean) / sd * 10 + 50, rtol=1e-14
    )
    # direction -1 flips the sign of the z-score
    np.testing.assert_allclose(normalise(X, "zscore", direction=-1), -(X - mean) / sd, rtol=1e-14)


def test_dist2ref():
    series = pd.Series(X, index=["A", "B", "C", "D"])
    # reference D (6): 1 - (6 - x) / (6 - 2)
    out = normalise(series, "dist2ref", reference="D")
    assert out.tolist() == [0.0, 0.5, 2.0, 1.0]
    assert normalise(series, "dist2ref", reference="D", cap=True).tolist() == [0.0, 0.5, 1.0, 1.0]
    assert normalise(series, "dist2ref", reference="D", scale=100).tolist() == [0, 50, 200, 100]
    # lower is better: x' = -x, ref -6, min -10: 1 - (-6 + x) / 4
    assert normalise(series, "dist2ref", reference="D", direction=-1).tolist() == [
        2.0, 1.5, 0.0, 1.0
    ]


def test_dist2target_both_directions():
    # higher is better, target 8: (x - 2) / (8 - 2)
    np.testing.assert_allclose(normalise(X, "dist2target", target=8), (X - 2) / 6, rtol=1e-14)
    np.testing.assert_allclose(
        normalise(X, "dist2target", target=8, cap=True), np.minimum((X - 2) / 6, 1), rtol=1e-14
    )
    # lower is better, target 3: (max - x) / (max - target) = (10 - x) / 7
    np.testing.assert_allclose(
        normalise(X, "dist2target", target=3, direction=-1), (10 - X) / 7, rtol=1e-14
    )


def test_rank_and_percentile_rank_ties_min():
    values = np.array([3.0, 1.0, 3.0, 2.0, np.nan])
    # R: rank(c(3, 1, 3, 2, NA), ties.method = "min", na.last = "keep") = 3 1 3 2 NA
    np.testing.assert_array_equal(normalise(values, "rank"), [3, 1, 3, 2, np.nan])
    # (rank - 1) / (4 - 1): 4 non-missing values
    np.testing.assert_allclose(
        normalise(values, "percentile_rank"), [2 / 3, 0, 2 / 3, 1 / 3, np.nan], rtol=1e-14
    )
    np.testing.assert_array_equal(normalise(values, "rank", direction=-1), [1, 4, 1, 3, np.nan])
    np.testing.assert_array_equal(normalise(values, "rank", ties="average"), [3.5, 1, 3.5, 2, np.nan])


def test_none_applies_direction_only():
    np.testing.assert_array_equal(normalise(X, "none", direction=-1), -X)


def test_missing_values_are_left_out():
    values = np.array([2.0, np.nan, 10.0, 6.0])
    np.testing.assert_array_equal(normalise(values, "minmax"), [0.0, np.nan, 100.0, 50.0])


def test_zero_range_gives_nan():
    assert np.isnan(normalise(np.array([3.0, 3.0]), "minmax")).all()


def test_dataframe_columns_normalised_separately():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 0.0, 5.0]}, index=["X", "Y", "Z"])
    out = normalise(table, "minmax")
    assert out.loc["Y", "a"] == 50.0 and out.loc["Y", "b"] == 0.0
    assert list(out.index) == ["X", "Y", "Z"]


def test_matrix_kernel_normalises_each_replicate_row():
    batch = np.array([[1.0, 2.0, 3.0], [0.0, 10.0, 5.0]])
    out = normalise_matrix(batch, Normalisation("minmax"), 1)
    np.testing.assert_array_equal(out, [[0, 50, 100], [0, 100, 50]])


@pytest.mark.parametrize("method", NORMALISATION_METHODS)
def test_every_method_keeps_shape_and_missing(method):
    params = {"goalposts": {"goalposts": (0, 10)}, "dist2ref": {"reference": 2},
              "dist2target": {"target": 12}}.get(method, {})
    values = np.array([1.0, np.nan, 7.0, 4.0])
    out = Normalisation(method, **params).apply(values)
    assert out.shape == values.shape and np.isnan(out[1]) and np.isfinite(out[[0, 2, 3]]).all()


def test_round_trip_through_dict():
    norm = Normalisation("goalposts", goalposts=(0, 1), scale=10, truncate=False)
    assert Normalisation.from_dict(norm.to_dict()) == norm


def test_bad_parameters():
    with pytest.raises(OptionError, match="'minimax'"):
        Normalisation("minimax")
    with pytest.raises(SpecError, match="needs goalposts") as info:
        Normalisation("goalposts")
    assert info.value.key == "goalposts"
    with pytest.raises(SpecError, match="lo < hi"):
        Normalisation("goalposts", goalposts=(1, 0))
    with pytest.raises(SpecError, match="needs reference"):
        Normalisation("dist2ref")
    with pytest.raises(SpecError, match="needs target"):
        Normalisation("dist2target")
    with pytest.raises(SpecError, match="sd"):
        Normalisation("zscore", sd=0)
    with pytest.raises(SpecError, match="has no parameter 'target'") as info:
        Normalisation.from_dict({"method": "minmax", "target": 3})
    assert info.value.key == "target"
    with pytest.raises(OptionError, match="direction"):
        normalise(X, "minmax", direction=0)
    with pytest.raises(SpecError, match="'Q' is not one of the regions"):
        normalise(pd.Series(X, index=list("ABCD")), "dist2ref", reference="Q")
