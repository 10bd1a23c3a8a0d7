"""Aggregations and imputation against values computed by hand (COINr 1.1 formulas)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.index import Aggregation, aggregate, impute
from mics_toolkit.index.aggregate import aggregate_array
from mics_toolkit.index.missing import impute_array


def table(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.Index(["N", "S", "E"], name="region"))


def test_arithmetic_weights_rescaled_and_missing_drop_out():
    values = table(a=[10.0, 40.0, np.nan], b=[40.0, np.nan, np.nan], c=[20.0, 10.0, np.nan])
    out = aggregate(values, {"a": 1, "b": 3, "c": 2})
    # N: (10 + 120 + 40) / 6; S: (40 + 20) / 3 (b drops out with its weight); E: nothing left
    assert out["N"] == pytest.approx(170 / 6, rel=1e-14)
    assert out["S"] == pytest.approx(20.0, rel=1e-14)
    assert np.isnan(out["E"])
    # only the ratios of the weights matter
    pd.testing.assert_series_equal(out, aggregate(values, {"a": 10, "b": 30, "c": 20}))


def test_geometric_mean():
    values = table(a=[4.0, 2.0, 9.0], b=[16.0, 8.0, np.nan])
    out = aggregate(values, {"a": 1, "b": 3}, "geometric")
    # exp((ln 4 + 3 ln 16) / 4) = 4^(1/4) 16^(3/4) = 8 sqrt(2)
    assert out["N"] == pytest.approx(8 * math.sqrt(2), rel=1e-14)
    assert out["S"] == pytest.approx(2 ** 0.25 * 8 ** 0.75, rel=1e-14)
    assert out["E"] == pytest.approx(9.0, rel=1e-14)


def test_harmonic_mean():
    values = table(a=[2.0, 1.0, 3.0], b=[6.0, 4.0, 3.0])
    out = aggregate(values, None, "harmonic")
    # 2 / (1/2 + 1/6) = 3; 2 / (1 + 1/4) = 1.6
    np.testing.assert_allclose(out.to_numpy(), [3.0, 1.6, 3.0], rtol=1e-14)
    weighted = aggregate(values, [1, 3], "harmonic")
    # 4 / (1/2 + 3/6) = 4
    assert weighted["N"] == pytest.approx(4.0, rel=1e-14)


def test_generalised_mean():
    values = table(a=[3.0, 2.0, 1.0], b=[4.0, 6.0, 1.0])
    out = aggregate(values, None, "generalised", p=2)
    # sqrt((9 + 16) / 2)
    assert out["N"] == pytest.approx(math.sqrt(12.5), rel=1e-14)
    np.testing.assert_allclose(
        aggregate(values, None, "generalised", p=1), aggregate(values, None), rtol=1e-14
    )
    np.testing.assert_allclose(
        aggregate(values, None, "generalised", p=-1), aggregate(values, None, "harmonic"),
        rtol=1e-14,
    )
    # p -> 0 tends to the geometric mean
    np.testing.assert_allclose(
        aggregate(values, None, "generalised", p=1e-8), aggregate(values, None, "geometric"),
        rtol=1e-7,
    )


def test_min_available_threshold():
    values = table(a=[1.0, 2.0, np.nan], b=[3.0, np.nan, np.nan], c=[5.0, 4.0, 6.0])
    out = aggregate(values, None, Aggregation("arithmetic", min_available=0.6))
    # S has 2/3 available (>= 0.6), E only 1/3
    np.testing.assert_allclose(out.to_numpy(), [3.0, 3.0, np.nan])


def test_weights_per_replicate_in_kernel():
    values = np.array([[[1.0, 3.0]], [[1.0, 3.0]]])  # (B=2, R=1, n=2)
    score, count = aggregate_array(values, np.array([[1.0, 1.0], [3.0, 1.0]]), Aggregation())
    np.testing.assert_allclose(score[:, 0], [2.0, 1.5])
    assert count.tolist() == [[2], [2]]


def test_geometric_over_non_positive_names_indicator_and_region():
    values = table(a=[4.0, 0.0, 9.0], b=[16.0, 8.0, 1.0])
    with pytest.raises(SpecError, match=r"'a' is 0 for region 'S'") as info:
        aggregate(values, None, "geometric")
    assert "positive values" in str(info.value)
    with pytest.raises(SpecError, match="'b' is -1 for region 'E'"):
        aggregate(table(a=[1.0, 1, 1], b=[1.0, 1, -1]), None, "generalised", p=-2)
    with pytest.raises(SpecError, match="'a' is 0"):
        aggregate(values, None, "harmonic")


def test_bad_weights_and_options():
    values = table(a=[1.0, 2, 3], b=[1.0, 2, 3])
    with pytest.raises(SpecError, match="weight of 'b' is -1") as info:
        aggregate(values, {"a": 1, "b": -1})
    assert info.value.key == "b"
    with pytest.raises(SpecError, match="unknown"):
        aggregate(values, {"a": 1, "z": 1})
    with pytest.raises(OptionError, match="'mean'"):
        Aggregation("mean")
    with pytest.raises(SpecError, match="needs an exponent"):
        Aggregation("generalised")
    with pytest.raises(SpecError, match="p -> 0"):
        Aggregation("generalised", p=0)
    with pytest.raises(SpecError, match="takes no p"):
        Aggregation("arithmetic", p=2)
    with pytest.raises(SpecError, match="min_available"):
        Aggregation(min_available=1.5)


def test_impute_mean_and_median_with_flags():
    values = pd.DataFrame(
        {"a": [1.0, np.nan, 4.0, 7.0], "b": [2.0, 2.0, np.nan, 8.0]},
        index=["N", "S", "E", "W"],
    )
    filled, flags = impute(values, "mean")
    assert filled.loc["S", "a"] == 4.0 and filled.loc["E", "b"] == 4.0
    assert flags.to_numpy().sum() == 2 and flags.loc["S", "a"] and flags.loc["E", "b"]
    filled, _ = impute(values, "median")
    assert filled.loc["S", "a"] == 4.0 and filled.loc["E", "b"] == 2.0


def test_impute_within_groups():
    values = pd.DataFrame({"a": [1.0, np.nan, 5.0, 7.0, np.nan]}, index=list("ABCDE"))
    filled, flags = impute(values, "mean", groups={"A": "g1", "B": "g1", "C": "g2", "D": "g2"})
    assert filled["a"].tolist()[:4] == [1.0, 1.0, 5.0, 7.0]
    # E has no group: not imputed (COINr skip_f_na)
    assert np.isnan(filled.loc["E", "a"]) and not flags.loc["E", "a"]
    with pytest.raises(SpecError, match="'Z'"):
        impute(values, "mean", groups={"Z": 1})


def test_impute_kernel_per_replicate():
    batch = np.array([[[1.0], [np.nan], [3.0]], [[5.0], [np.nan], [9.0]]])
    out = impute_array(batch, "mean", np.zeros(3, dtype=np.intp))
    assert out[:, 1, 0].tolist() == [2.0, 7.0]
