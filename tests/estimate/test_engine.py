"""The estimation engine against a row-level reference written out in the tests (reference.py),
the design-effect sums of squares where they cancel, PSU-level partitions, many-category
proportions, the engine's caches; and the lookup coding of whole-number columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mics_toolkit as mt
from mics_toolkit.design.checks import small_integer_codes
from mics_toolkit.estimate import cache as engine_cache_module
from mics_toolkit.estimate.cache import engine_cache
from mics_toolkit.estimate.cells import partition_of
from mics_toolkit.estimate.domains import domains_of
from mics_toolkit.estimate.products import Request, row_products
from mics_toolkit.expr import where_mask

from .reference import reference

RESULT = list(mt.RESULT_COLUMNS)


def survey(n_rows: int = 3_000, seed: int = 7) -> pd.DataFrame:
    """Six strata of 5 PSUs; a region constant within PSU, a household variable varying
    within PSU, missing values, zero weights with and without values, a 15-category
    variable."""
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, 30, n_rows))
    stratum = psu // 5
    weight = rng.uniform(0.5, 3.0, n_rows)
    weight[rng.random(n_rows) < 0.05] = 0.0
    y = rng.normal(10, 3, n_rows) + psu % 4
    y[rng.random(n_rows) < 0.1] = np.nan
    x = rng.uniform(1, 4, n_rows)
    x[rng.random(n_rows) < 0.05] = np.nan
    category = rng.integers(0, 15, n_rows).astype(float)
    category[rng.random(n_rows) < 0.08] = np.nan
    quintile = rng.integers(1, 6, n_rows).astype(float)
    quintile[rng.random(n_rows) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "psu": psu,
            "stratum": stratum,
            "w": weight,
            "y": y,
            "x": x,
            "b": (rng.random(n_rows) < 0.3).astype(float),
            "category": category,
            "region": psu % 3 + 1,
            "quintile": quintile,
            "age": rng.integers(15, 50, n_rows),
        }
    )


REFERENCE_COLUMNS = ["estimate", "se", "deff", "df", "n_unweighted", "n_weighted"]


def check_against_reference(got, frame, kind, variable, by, where, denominator=None,
                            df="design", lonely_psu="remove"):
    # the filter in the package's three-valued logic: a comparison with a missing value is
    # unknown and leaves the row out
    mask = None if where is None else where_mask(where, frame, n_rows=len(frame))
    expected = reference(frame, weight="w", strata="stratum", psu="psu", kind=kind,
                         variable=variable, denominator=denominator, by=by, where=mask,
                         lonely_psu=lonely_psu, df=df)
    assert len(got) == len(expected) > 0
    for column in REFERENCE_COLUMNS:
        np.testing.assert_allclose(got[column].to_numpy(dtype=float),
                                   expected[column].to_numpy(dtype=float), rtol=1e-10,
                                   atol=1e-14, err_msg=f"{column} {by} {where}")


@pytest.mark.parametrize("by", [None, "region", "quintile", ["region", "quintile"], "age"])
@pytest.mark.parametrize("where", [None, "age < 30", "quintile != 3"])
@pytest.mark.parametrize(
    "kind, variable, denominator",
    [("mean", "y", None), ("total", "y", None), ("ratio", "y", "x"),
     ("proportion", "b", None), ("proportion", "category", None)],
)
def test_engine_equals_row_level_reference(by, where, kind, variable, denominator):
    frame = survey()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    if kind == "ratio":
        got = design.ratio(variable, denominator, by=by, where=where)
    elif kind == "total":
        got = design.total(variable, by=by, where=where)
    else:
        got = getattr(design, kind)(variable, by=by, where=where)
    check_against_reference(got, frame, kind, variable, by, where, denominator)


@pytest.mark.parametrize("lonely_psu", ["remove", "certainty", "adjust", "average"])
@pytest.mark.parametrize("kind, variable", [("mean", "y"), ("total", "y"), ("proportion", "b")])
def test_engine_equals_reference_with_single_psu_strata(lonely_psu, kind, variable):
    frame = survey()
    frame.loc[frame["psu"] == 29, "stratum"] = 6  # stratum 6 holds PSU 29 alone
    frame.loc[frame["psu"] == 3, "stratum"] = 7  # and stratum 7 PSU 3
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu",
                             lonely_psu=lonely_psu)
    for by, where, df in [("quintile", "age < 30", "domain"), ("region", None, "design"),
                          (None, "quintile == 2", "domain")]:
        got = getattr(design, kind)(variable, by=by, where=where, df=df)
        check_against_reference(got, frame, kind, variable, by, where, df=df,
                                lonely_psu="remove" if lonely_psu == "certainty"
                                else lonely_psu)


def test_region_partition_uses_psu_sums_and_household_partition_uses_rows():
    design = mt.SurveyDesign(survey(), weight="w", strata="stratum", psu="psu")
    region = domains_of(design, "region")
    quintile = domains_of(design, "quintile")
    assert partition_of(design, region.index, region.n_domains).row_cell is None
    cells = partition_of(design, quintile.index, quintile.n_domains)
    assert cells.row_cell is not None
    # every (quintile, PSU) pair present is one cell, PSU-major
    frame = survey()
    pairs = frame.dropna(subset=["quintile"]).groupby(["psu", "quintile"]).size()
    assert cells.n_cells == len(pairs)
    assert np.all(np.diff(cells.cell_psu) >= 0)
    # the partition is found once and kept
    assert partition_of(design, quintile.index, quintile.n_domains) is cells


def srs_by_hand(frame: pd.DataFrame, by: str) -> pd.Series:
    """V_srs of the mean of y per domain with the two-pass residuals."""
    out = {}
    for value, group in frame.dropna(subset=["y"]).groupby(by):
        w, y = group["w"].to_numpy(), group["y"].to_numpy()
        mean = (w * y).sum() / w.sum()
        n = (w > 0).sum()
        out[value] = w.sum() * (w * (y - mean) ** 2).sum() / ((n - 1) * w.sum() ** 2)
    return pd.Series(out)


def test_design_effect_accurate_when_domain_means_are_far_from_the_overall_mean():
    # domain means 1e7 apart with a spread of 1: the one-pass sums of squares about the
    # overall mean cancel 14 digits, so the kernel sums the residuals again over the rows
    frame = survey()
    frame["y"] = frame["region"] * 1e7 + np.random.default_rng(3).normal(0, 1, len(frame))
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    result = design.mean("y", by="region").set_index("region")
    srs = srs_by_hand(frame, "region")
    np.testing.assert_allclose((result["se"] ** 2 / result["deff"]).to_numpy(),
                               srs.to_numpy(), rtol=1e-9)
    assert result["deff"].between(0.2, 20).all()


def test_constant_domain_has_no_design_effect():
    frame = survey()
    frame["y"] = np.where(frame["region"] == 2, 4.5, frame["y"])
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    result = design.mean("y", by="region").set_index("region")
    assert np.isnan(result.loc[2, "deff"]) and result.loc[2, "se"] < 1e-12
    assert np.isfinite(result.loc[[1, 3], "deff"]).all()


def test_where_folded_into_the_products_equals_subsetting_the_rows_values():
    # rows outside where keep their PSUs: the same as setting their values to missing
    frame = survey()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    filtered = frame.assign(y=frame["y"].where(frame["age"] < 30))
    other = mt.SurveyDesign(filtered, weight="w", strata="stratum", psu="psu")
    a = design.mean("y", by="quintile", where="age < 30")
    b = other.mean("y", by="quintile")
    for column in RESULT:
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, err_msg=column)


def test_row_products_are_cached_and_evicted():
    frame = survey()
    for k in range(20):
        frame[f"v{k}"] = frame["y"] + k
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    first = row_products(design, Request("mean", "v0"))
    assert row_products(design, Request("mean", "v0")) is first
    for k in range(20):
        estimate = design.mean(f"v{k}")["estimate"].iloc[0]
        assert estimate == pytest.approx(design.mean("y")["estimate"].iloc[0] + k, rel=1e-12)
    assert len(engine_cache(design).products) == engine_cache_module.PRODUCTS_KEPT
    assert Request("mean", "v0") not in engine_cache(design).products


def test_row_products_stay_within_the_memory_budget():
    frame = survey()
    design = mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu")
    one = row_products(design, Request("mean", "y")).nbytes
    engine_cache(design).products.budget = int(2.5 * one)
    expected = {v: design.mean(v, by="quintile") for v in ["y", "x", "age", "region"]}
    cached = engine_cache(design).products.values()
    assert sum(p.nbytes for p in cached) <= 2.5 * one
    assert [p.request.variable for p in cached][-1] == "region"  # the newest is kept
    for variable, result in expected.items():  # evicted products are built again
        again = design.mean(variable, by="quintile")
        np.testing.assert_array_equal(again["se"], result["se"])


def test_many_categories_are_summed_from_the_codes():
    design = mt.SurveyDesign(survey(), weight="w", strata="stratum", psu="psu")
    products = row_products(design, Request("proportion", "category"))
    assert not products.level_columns and products.n_columns == 15
    few = row_products(design, Request("proportion", "b"))
    assert few.level_columns and few.position("l1") is not None
    result = design.proportion("category", by="quintile")
    sums = result.groupby("quintile")["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-40, 40)), min_size=1, max_size=60),
    st.sampled_from(["float64", "int64", "int16"]),
)
def test_small_integer_codes_equal_factorize(values, dtype):
    if dtype != "float64" and any(v is None for v in values):
        values = [0 if v is None else v for v in values]
    series = pd.Series([np.nan if v is None else v for v in values], dtype=dtype)
    got = small_integer_codes(series)
    codes, uniques = pd.factorize(series, sort=True)
    if got is None:
        assert series.isna().all()
        return
    np.testing.assert_array_equal(got[0], codes)
    np.testing.assert_array_equal(got[1], np.asarray(uniques))
    assert got[1].dtype == np.asarray(uniques).dtype


@pytest.mark.parametrize(
    "series",
    [pd.Series([1.5, 2.0]), pd.Series([0.0, 1e9]), pd.Series([1.0, np.inf]),
     pd.Series(["a", "b"]), pd.Series([1, 2], dtype="Int64")],
)
def test_small_integer_codes_leave_other_columns_to_factorize(series):
    assert small_integer_codes(series) is None
