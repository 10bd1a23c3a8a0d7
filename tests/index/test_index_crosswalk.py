"""Region crosswalks: splits and mergers, means and totals, SEs, long tables and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import LinkError, SpecError
from mics_toolkit.index import RegionCrosswalk

# Old "East" split into new "East" (population 1.3) and "Abai" (0.6); old "North" and
# "Capital" merged into new "North" (2.0 and 1.0); "West" unchanged.
LINKS = [
    ("East", "East", 1.3),
    ("East", "Abai", 0.6),
    ("North", "North", 2.0),
    ("Capital", "North", 1.0),
    ("West", "West", 1.0),
]


def old_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"value": [40.0, 60.0, 30.0, 50.0], "se": [2.0, 3.0, 1.0, 4.0],
         "count": [190.0, 200.0, 100.0, 80.0]},
        index=pd.Index(["East", "North", "Capital", "West"], name="region"),
    )


def test_means_split_and_merge_with_se():
    walk = RegionCrosswalk(LINKS)
    out = walk.apply(old_table(), columns=["value"], se={"value": "se"})
    assert list(out.index) == ["East", "Abai", "North", "West"]
    # a split keeps the old value; a merger is the weighted mean (2 * 60 + 30) / 3
    np.testing.assert_allclose(out["value"], [40.0, 40.0, 50.0, 50.0], rtol=1e-14)
    # SE of the merger: sqrt((2/3)^2 3^2 + (1/3)^2 1^2)
    np.testing.assert_allclose(out["se"], [2.0, 2.0, np.sqrt(4 + 1 / 9), 4.0], rtol=1e-14)


def test_totals_are_shared_out():
    walk = RegionCrosswalk(LINKS)
    out = walk.apply(old_table(), columns=["count"], kind="total")
    # East 190 -> 130 + 60; North + Capital -> 300
    np.testing.assert_allclose(out["count"], [130.0, 60.0, 300.0, 80.0], rtol=1e-14)
    assert out["count"].sum() == pytest.approx(old_table()["count"].sum())
    matrix = walk.matrix("mean")
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)


def test_long_table_by_indicator_and_region_column():
    frame = old_table().reset_index()
    long = pd.concat([frame.assign(indicator="a"), frame.assign(indicator="b", value=1.0)])
    walk = RegionCrosswalk(pd.DataFrame(LINKS, columns=["old", "new", "weight"]))
    out = walk.apply(long, region="region", columns=["value"], by="indicator")
    assert out.columns.tolist() == ["indicator", "region", "value"]
    assert len(out) == 8
    assert out.loc[out["indicator"] == "b", "value"].tolist() == [1.0] * 4


def test_missing_old_value_makes_new_value_missing():
    table = old_table()
    table.loc["Capital", "value"] = np.nan
    out = RegionCrosswalk(LINKS).apply(table, columns=["value"])
    assert np.isnan(out.loc["North", "value"]) and out.loc["East", "value"] == 40.0


def test_errors_name_the_regions():
    walk = RegionCrosswalk(LINKS)
    table = old_table().rename(index={"West": "Wset"})
    with pytest.raises(LinkError, match="not in the crosswalk: 'Wset'.*missing from the table: "
                                        "'West'") as info:
        walk.apply(table)
    assert info.value.keys == ["Wset", "West"]
    with pytest.raises(SpecError, match="weight of 'East' -> 'Abai' is -1"):
        RegionCrosswalk([("East", "Abai", -1)])
    with pytest.raises(SpecError, match="twice"):
        RegionCrosswalk([("A", "B"), ("A", "B")])
    with pytest.raises(SpecError, match="weight 0"):
        RegionCrosswalk([("A", "B", 0.0)])
