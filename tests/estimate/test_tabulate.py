"""tabulate(): many estimates over many breakdowns in one call.

The contract: every row of ``tabulate`` equals, value for value, the row of the corresponding
single estimator call (``design.mean(v, by=..., where=..., ...)`` etc.), in the order request
(means, proportions, totals, ratios, each as given), breakdown, domain, category. The tests
below compare with single calls on a *separate* design object built from the same frame, so
that the caches kept on a design (row products, partitions, PSU sums) cannot make both sides
wrong in the same way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, VariableError
from mics_toolkit.estimate import tabulate
from mics_toolkit.estimate.tabulate import breakdown_label

RESULT = list(mt.RESULT_COLUMNS)
FIXED = ["estimator", "variable", "breakdown"]
RTOL = 1e-13

REQUESTS = {
    "mean": ["y", "z"],
    "proportion": ["cat", "educ"],
    "total": ["z"],
    "ratio": [("y", "x")],
}
BREAKDOWNS = [None, "region", "area", "sex", "wealth", ["region", "sex"], ["area", "wealth"]]
BY_NAMES = ["region", "area", "sex", "wealth"]
LONELY = ("remove", "certainty", "adjust", "average")


# ------------------------------------------------------------------------------- the data
def survey_frame(seed: int = 2024) -> pd.DataFrame:
    """A stratified cluster sample with every complication tabulate has to get right.

    Five strata of 3, 4, 3, 2 and 1 PSUs (stratum 5 is a singleton); ``region`` is constant
    within strata (so within PSUs), ``area`` (text) constant within PSUs, ``sex`` and
    ``wealth`` vary within PSUs and ``wealth`` has missing values. ``y``, ``x``, ``z``,
    ``cat`` (text categories) and ``educ`` (numeric codes) have missing values; some rows
    have weight 0, with and without values, and one PSU has only zero weights.
    """
    rng = np.random.default_rng(seed)
    psus_per_stratum = {1: 3, 2: 4, 3: 3, 4: 2, 5: 1}
    region_of = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3}
    records = []
    for stratum, n_psu in psus_per_stratum.items():
        for p in range(n_psu):
            psu = stratum * 100 + p
            area = "Urban" if (stratum + p) % 2 == 0 else "Rural"
            for _ in range(int(rng.integers(5, 9))):
                records.append((stratum, psu, region_of[stratum], area))
    frame = pd.DataFrame(records, columns=["stratum", "psu", "region", "area"])
    n = len(frame)

    def some(k: int) -> np.ndarray:
        return rng.choice(n, size=k, replace=False)

    frame["sex"] = rng.integers(1, 3, n)
    frame["wealth"] = rng.integers(1, 4, n).astype(float)
    frame.loc[some(8), "wealth"] = np.nan
    frame["age"] = rng.integers(15, 50, n)
    frame["y"] = rng.normal(10.0, 3.0, n)
    frame.loc[some(10), "y"] = np.nan
    frame["x"] = rng.uniform(1.0, 4.0, n)
    frame.loc[some(4), "x"] = np.nan
    frame["z"] = (rng.random(n) < 0.4).astype(float)
    frame.loc[some(6), "z"] = np.nan
    frame["cat"] = pd.Series(rng.choice(["high", "low", "mid"], n), dtype=object)
    frame.loc[some(6), "cat"] = None
    frame["educ"] = rng.integers(1, 4, n).astype(float)
    frame.loc[some(5), "educ"] = np.nan
    frame["w"] = rng.uniform(30.0, 300.0, n)
    # zero weights: on rows with a value and on rows without one
    zero = rng.random(n) < 0.08
    zero[np.flatnonzero(frame["y"].isna())[:2]] = True
    zero[np.flatnonzero(frame["y"].notna())[:2]] = True
    frame.loc[zero, "w"] = 0.0
    # a PSU of stratum 2 with only zero weights (it still counts in n_h)
    frame.loc[frame["psu"] == 203, "w"] = 0.0
    return frame


FRAME = survey_frame()
WHERE_TEXT = "age >= 20 and wealth != 3"  # empties the domain wealth == 3
WHERE_ARRAY = ((FRAME["sex"] == 2) | (FRAME["age"] < 30)).to_numpy()
WHERES = {"none": None, "text": WHERE_TEXT, "array": WHERE_ARRAY}


def make_design(frame: pd.DataFrame = FRAME, lonely_psu: str = "adjust", **kwargs):
    return mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu",
                           lonely_psu=lonely_psu, **kwargs)


def test_the_data_has_the_complications_it_claims():
    assert FRAME.groupby("stratum")["psu"].nunique().tolist() == [3, 4, 3, 2, 1]
    assert (FRAME.groupby("psu")["region"].nunique() == 1).all()
    assert (FRAME.groupby("psu")["area"].nunique() == 1).all()
    assert (FRAME.groupby("psu")["sex"].nunique() > 1).any()
    assert FRAME["wealth"].isna().any()
    zero = FRAME["w"] == 0
    assert (zero & FRAME["y"].isna()).any() and (zero & FRAME["y"].notna()).any()
    for name in ("y", "x", "z", "cat", "educ"):
        assert FRAME[name].isna().any(), name
    with pytest.raises(mt.DesignError, match="single PSU"):
        mt.SurveyDesign(FRAME, weight="w", strata="stratum", psu="psu")


# ----------------------------------------------------------------------------- the oracle
def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, (str, tuple)) else list(value)


def _by_names(by) -> list[str]:
    return [] if by is None else ([by] if isinstance(by, str) else list(by))


def single_calls(design, *, mean=None, proportion=None, total=None, ratio=None,
                 breakdowns=(None,), where=None, level=0.95, ci="t", ci_method=None,
                 df="design"):
    """The estimator calls a tabulate request stands for, in the contract's row order."""
    jobs = (
        [("mean", v, (v,)) for v in _as_list(mean)]
        + [("proportion", v, (v,)) for v in _as_list(proportion)]
        + [("total", v, (v,)) for v in _as_list(total)]
        + [("ratio", f"{y}/{x}", (y, x)) for y, x in _as_list(ratio)]
    )
    out = []
    for kind, label, args in jobs:
        for by in breakdowns:
            options = {"by": by, "where": where, "level": level, "ci": ci, "df": df}
            if kind == "proportion":
                options["ci_method"] = ci_method
            out.append((kind, label, _by_names(by), getattr(design, kind)(*args, **options)))
    return out


def assert_matches_single_calls(table: pd.DataFrame, expected, rtol: float = RTOL) -> None:
    """Every row of ``table`` equals the row of its single call, in the contract's order:
    labels, by values and categories exactly, the statistics to ``rtol`` (NaN where NaN)."""
    by_columns = [c for c in table.columns if c not in FIXED + RESULT + ["level"]]
    assert len(table) == sum(len(result) for *_, result in expected)
    labels = {name: table[name].tolist() for name in FIXED + by_columns}
    levels = table["level"].tolist() if "level" in table.columns else None
    start = 0
    for kind, label, names, result in expected:
        rows = slice(start, start + len(result))
        start += len(result)
        where = f"{kind} of {label} by {names or 'total'}"
        assert labels["estimator"][rows] == [kind] * len(result), where
        assert labels["variable"][rows] == [label] * len(result), where
        assert labels["breakdown"][rows] == [breakdown_label(names)] * len(result), where
        for name in by_columns:
            if name in names:
                assert labels[name][rows] == result[name].tolist(), (where, name)
            else:
                assert pd.isna(labels[name][rows]).all(), (where, name)
        if "level" in result.columns:
            assert levels[rows] == result["level"].tolist(), where
        elif levels is not None:
            assert pd.isna(levels[rows]).all(), where
    for column in RESULT:
        got = table[column].to_numpy()
        want = np.concatenate([result[column].to_numpy() for *_, result in expected])
        close = (got == want) | (np.isnan(got) & np.isnan(want)) if column != "n_unweighted" \
            else got == want
        if column != "n_unweighted":
            close |= np.abs(got - want) <= rtol * np.abs(want)
        if not close.all():
            row = int(np.flatnonzero(~close)[0])
            described = table.iloc[row][FIXED + by_columns].to_dict()
            pytest.fail(f"{column} differs from the single call on row {row} {described}: "
                        f"tabulate {got[row]!r}, single call {want[row]!r}")


# ------------------------------------------------------------- 1. equality with single calls
@pytest.mark.parametrize("df", ["design", "domain"])
@pytest.mark.parametrize("where", list(WHERES), ids=list(WHERES))
@pytest.mark.parametrize("lonely_psu", LONELY)
def test_equals_single_calls_for_every_lonely_psu_rule_filter_and_df(lonely_psu, where, df):
    options = {"where": WHERES[where], "df": df}
    table = make_design(lonely_psu=lonely_psu).tabulate(**REQUESTS, breakdowns=BREAKDOWNS,
                                                        **options)
    expected = single_calls(make_design(lonely_psu=lonely_psu), **REQUESTS,
                            breakdowns=BREAKDOWNS, **options)
    assert_matches_single_calls(table, expected)
    # the singleton stratum matters: its rule changes the numbers
    assert table["se"].notna().sum() > len(table) // 2


@pytest.mark.parametrize(
    "ci,ci_method,level",
    [("t", None, 0.95), ("t", "logit", 0.9), ("t", "korn-graubard", 0.95),
     ("t", "korn-graubard", 0.8), ("t", "wald", 0.99), ("normal", "logit", 0.95),
     ("normal", "korn-graubard", 0.9), ("normal", "wald", 0.95), ("mics", None, 0.95),
     ("mics", "wald", 0.9)],
)
def test_equals_single_calls_for_every_interval(ci, ci_method, level):
    options = {"where": WHERE_TEXT, "ci": ci, "ci_method": ci_method, "level": level,
               "df": "domain"}
    table = make_design(lonely_psu="average").tabulate(**REQUESTS, breakdowns=BREAKDOWNS,
                                                       **options)
    expected = single_calls(make_design(lonely_psu="average"), **REQUESTS,
                            breakdowns=BREAKDOWNS, **options)
    assert_matches_single_calls(table, expected)


def test_lonely_psu_rules_give_different_numbers():
    """The rules must reach tabulate: the SE of the total mean differs between them."""
    se = {rule: make_design(lonely_psu=rule).tabulate(mean="y")["se"].item() for rule in LONELY}
    assert se["remove"] == se["certainty"]
    assert se["adjust"] > se["remove"]
    assert se["average"] > se["remove"]
    assert se["adjust"] != se["average"]


def test_function_and_method_agree_and_cache_does_not_leak():
    design = make_design()
    first = tabulate(design, **REQUESTS, breakdowns=BREAKDOWNS, where=WHERE_TEXT)
    # single calls on the same design fill its caches; tabulate again reads them
    expected = single_calls(design, **REQUESTS, breakdowns=BREAKDOWNS, where=WHERE_TEXT)
    again = design.tabulate(**REQUESTS, breakdowns=BREAKDOWNS, where=WHERE_TEXT)
    pd.testing.assert_frame_equal(first, again)
    assert_matches_single_calls(again, expected)
    # a filter of another call must not change an unfiltered table
    unfiltered = design.tabulate(**REQUESTS, breakdowns=BREAKDOWNS)
    assert_matches_single_calls(unfiltered, single_calls(make_design(), **REQUESTS,
                                                         breakdowns=BREAKDOWNS))


def test_order_follows_the_request_not_the_alphabet():
    design = make_design()
    table = design.tabulate(mean=["z", "y"], ratio=[("z", "x"), ("y", "x")],
                            breakdowns=["sex", None])
    expected = single_calls(make_design(), mean=["z", "y"], ratio=[("z", "x"), ("y", "x")],
                            breakdowns=["sex", None])
    assert_matches_single_calls(table, expected)
    assert table.drop_duplicates(["variable", "breakdown"])[["variable", "breakdown"]] \
        .values.tolist() == [["z", "sex"], ["z", "total"], ["y", "sex"], ["y", "total"],
                             ["z/x", "sex"], ["z/x", "total"], ["y/x", "sex"],
                             ["y/x", "total"]]


def test_single_string_arguments_and_one_pair_ratio():
    table = make_design().tabulate(mean="y", proportion="cat", total="z", ratio=("y", "x"),
                                   breakdowns="region")
    expected = single_calls(make_design(), mean="y", proportion="cat", total="z",
                            ratio=("y", "x"), breakdowns=["region"])
    assert_matches_single_calls(table, expected)
    assert set(table["breakdown"]) == {"region"}


def test_repeated_request_gives_its_rows_twice():
    """A variable asked twice is estimated twice, in the order given (as the per-call path
    for calibrated and replicate designs does)."""
    breakdowns = [None, "sex"]
    table = make_design().tabulate(mean=["y", "z", "y"], breakdowns=breakdowns)
    expected = single_calls(make_design(), mean=["y", "z", "y"], breakdowns=breakdowns)
    assert_matches_single_calls(table, expected)


def test_same_breakdown_twice_and_by_order_kept():
    breakdowns = ["sex", ["sex", "region"], ["region", "sex"], "sex"]
    table = make_design().tabulate(mean="y", proportion="educ", breakdowns=breakdowns)
    expected = single_calls(make_design(), mean="y", proportion="educ", breakdowns=breakdowns)
    assert_matches_single_calls(table, expected)
    assert table["breakdown"].unique().tolist() == ["sex", "sex+region", "region+sex"]


def other_frame() -> pd.DataFrame:
    frame = FRAME.copy()
    frame["cat_c"] = pd.Categorical(frame["cat"], categories=["unused", "low", "mid", "high"])
    frame["area_c"] = pd.Categorical(frame["area"])
    frame["region_na"] = frame["region"].astype("Int64")
    frame.loc[[3, 40], "region_na"] = pd.NA
    frame["female"] = frame["sex"] == 2
    frame["wealth_s"] = frame["wealth"].map({1.0: "poor", 2.0: "middle", 3.0: "rich"})
    frame["n_psu_pop"] = np.where(frame["stratum"] == 5, 10, 40)
    frame["psu_in_stratum"] = frame["psu"] % 100
    return frame


OTHER_FRAME = other_frame()
OTHER_DESIGNS = {
    "fpc": lambda: mt.SurveyDesign(OTHER_FRAME, weight="w", strata="stratum", psu="psu",
                                   fpc="n_psu_pop", lonely_psu="adjust"),
    "nest": lambda: mt.SurveyDesign(OTHER_FRAME, weight="w", strata="stratum",
                                    psu="psu_in_stratum", nest=True, lonely_psu="average"),
    "unclustered": lambda: mt.SurveyDesign(OTHER_FRAME, weight="w"),
    "trimmed": lambda: mt.SurveyDesign(OTHER_FRAME, weight="w", strata="stratum", psu="psu",
                                       lonely_psu="remove").trim(upper=250.0),
}


@pytest.mark.parametrize("kind", list(OTHER_DESIGNS))
def test_equals_single_calls_on_other_designs_and_column_types(kind):
    """fpc, nested PSU codes, no strata or PSUs, trimmed weights; categorical, nullable
    integer (with missing values), boolean and text by variables and proportions."""
    requests = {"mean": "y", "proportion": ["cat_c", "female"], "ratio": ("z", "x")}
    breakdowns = [None, "area_c", "region_na", ["female", "wealth_s"], ["region_na", "sex"]]
    options = {"where": "age < 45", "ci_method": "korn-graubard", "df": "domain"}
    table = OTHER_DESIGNS[kind]().tabulate(**requests, breakdowns=breakdowns, **options)
    expected = single_calls(OTHER_DESIGNS[kind](), **requests, breakdowns=breakdowns,
                            **options)
    assert_matches_single_calls(table, expected)
    # categories in the categorical's order (not the alphabet's), booleans as False, True
    first = table[(table["breakdown"] == "total") & (table["estimator"] == "proportion")]
    assert first["level"].tolist() == ["low", "mid", "high", False, True]
    means = table[table["estimator"] == "mean"]
    assert means.loc[means["breakdown"] == "region_na", "region_na"].tolist() == [1, 2, 3]


# ------------------------------------------------------- 2. calibrated and replicate designs
POPULATION = {1: 52_000.0, 2: 41_000.0, 3: 9_000.0}
MARGINS = {"region": POPULATION, "sex": {1: 50_500.0, 2: 51_500.0}}


def adjusted_designs():
    return {
        "poststratify": lambda: make_design(lonely_psu="adjust").poststratify("region",
                                                                             POPULATION),
        "rake": lambda: make_design(lonely_psu="average").rake(MARGINS),
        "bootstrap": lambda: make_design(lonely_psu="remove").replicate(
            "bootstrap", replicates=50, seed=1),
        "jk1": lambda: mt.SurveyDesign(FRAME, weight="w", psu="psu").replicate("jk1"),
    }


@pytest.mark.parametrize(
    "kind,where",
    [("poststratify", "none"), ("poststratify", "array"), ("rake", "text"),
     ("bootstrap", "text"), ("bootstrap", "array"), ("jk1", "none"), ("jk1", "text")],
)
@pytest.mark.filterwarnings("ignore:.*replicates give no estimate:UserWarning")
def test_equals_single_calls_on_adjusted_and_replicate_designs(kind, where):
    build = adjusted_designs()[kind]
    design = build()
    if kind in ("poststratify", "rake"):
        assert design.calibration, "the design must go through the per-call path"
    else:
        assert isinstance(design, mt.ReplicateDesign)
    options = {"where": WHERES[where], "ci": "normal", "ci_method": "korn-graubard",
               "df": "domain"}
    table = design.tabulate(**REQUESTS, breakdowns=BREAKDOWNS, **options)
    expected = single_calls(build(), **REQUESTS, breakdowns=BREAKDOWNS, **options)
    assert_matches_single_calls(table, expected)
    assert table.attrs["mics"]["estimator"] == "tabulate"


def test_calibration_changes_the_numbers():
    """The adjusted designs are not estimated as the unadjusted one: post-stratified weights
    add up to the population of each region, and the overall mean moves."""
    plain = make_design().tabulate(mean=["age", "y"], breakdowns=["region", None])
    post = make_design().poststratify("region", POPULATION).tabulate(
        mean=["age", "y"], breakdowns=["region", None])
    age = post[(post["variable"] == "age") & (post["breakdown"] == "region")]
    # age is never missing: n_weighted is the sum of the weights of the region
    np.testing.assert_allclose(age["n_weighted"], list(POPULATION.values()), rtol=1e-12)
    overall = (plain["breakdown"] == "total") & (plain["variable"] == "y")
    assert abs(post.loc[overall, "estimate"].item() - plain.loc[overall, "estimate"].item()) \
        > 1e-3
    assert abs(post.loc[overall, "se"].item() / plain.loc[overall, "se"].item() - 1) > 1e-3


# -------------------------------------------------------------------------------- 3. layout
def test_column_order_breakdown_labels_and_missing_by_values():
    table = make_design().tabulate(mean="y", proportion="cat", ratio=("y", "x"),
                                   breakdowns=[None, "region", ["area", "wealth"]])
    assert table.columns.tolist() == [*FIXED, "region", "area", "wealth", "level", *RESULT]
    n_region, n_area_wealth = 3, 2 * 3
    per_variable = 1 + n_region + n_area_wealth
    assert len(table) == per_variable + 3 * per_variable + per_variable
    assert table["estimator"].tolist() == (["mean"] * per_variable
                                           + ["proportion"] * 3 * per_variable
                                           + ["ratio"] * per_variable)
    assert table["variable"].unique().tolist() == ["y", "cat", "y/x"]
    mean_rows = table[table["estimator"] == "mean"]
    assert mean_rows["breakdown"].tolist() == ["total"] + ["region"] * 3 + ["area+wealth"] * 6
    assert mean_rows["region"].tolist()[1:4] == [1, 2, 3]
    assert mean_rows["region"].iloc[[0, *range(4, 10)]].isna().all()
    assert mean_rows["area"].iloc[:4].isna().all()
    assert mean_rows["area"].iloc[4:].tolist() == ["Rural"] * 3 + ["Urban"] * 3
    assert mean_rows["wealth"].iloc[4:].tolist() == [1.0, 2.0, 3.0] * 2
    # proportions: domain-major, categories sorted within each domain
    props = table[table["estimator"] == "proportion"]
    assert props["level"].tolist() == ["high", "low", "mid"] * per_variable
    assert props["region"].iloc[3:12].tolist() == [1] * 3 + [2] * 3 + [3] * 3
    assert table.loc[table["estimator"] != "proportion", "level"].isna().all()


def test_dtypes():
    table = make_design().tabulate(mean="y", proportion="educ", total="z",
                                   breakdowns=[None, "area", ["region", "sex"]])
    assert table["n_unweighted"].dtype == np.int64
    for column in RESULT:
        if column != "n_unweighted":
            assert table[column].dtype == np.float64, column
    for column in FIXED:
        assert pd.api.types.is_string_dtype(table[column]), column
    # numeric categories stay numbers (missing on the rows of means and totals)
    assert table["level"].dtype == np.float64
    props = table[table["estimator"] == "proportion"]
    assert props["level"].tolist() == [1.0, 2.0, 3.0] * (1 + 2 + 6)
    assert pd.api.types.is_numeric_dtype(table["region"])
    assert pd.api.types.is_string_dtype(table["area"]) or table["area"].dtype == object
    # one breakdown, nothing to fill: the by column keeps the dtype of the data
    alone = make_design().tabulate(mean="y", breakdowns="region")
    assert alone["region"].dtype == FRAME["region"].dtype
    assert alone["region"].tolist() == [1, 2, 3]


def test_no_level_column_without_proportions():
    table = make_design().tabulate(mean=["y", "z"], total="z", ratio=("y", "x"),
                                   breakdowns=[None, "sex"])
    assert "level" not in table.columns
    assert table.columns.tolist() == [*FIXED, "sex", *RESULT]


def test_total_breakdown_has_no_by_columns():
    table = make_design().tabulate(mean="y", proportion="cat")
    assert table.columns.tolist() == [*FIXED, "level", *RESULT]
    assert table["breakdown"].tolist() == ["total"] * 4
    assert table["level"].tolist()[1:] == ["high", "low", "mid"]


def test_domain_emptied_by_where_gives_nan_not_an_exception():
    design = make_design()
    table = design.tabulate(mean="y", proportion="cat", total="z", ratio=("y", "x"),
                            breakdowns=["region"], where="region != 2",
                            ci_method="korn-graubard")
    empty = table[table["region"] == 2]
    assert len(empty) == 1 + 3 + 1 + 1
    assert (empty["n_unweighted"] == 0).all()
    assert empty["estimate"].isna().all() and empty["se"].isna().all()
    assert empty["ci_lower"].isna().all() and empty["ci_upper"].isna().all()
    assert (empty["n_weighted"] == 0).all()
    full = table[table["region"] != 2]
    assert full["estimate"].notna().all() and (full["n_unweighted"] > 0).all()
    # a filter that keeps nothing at all
    nothing = design.tabulate(mean="y", proportion="educ", where="age > 1000")
    assert (nothing["n_unweighted"] == 0).all()
    assert nothing["estimate"].isna().all()
    assert_matches_single_calls(nothing, single_calls(make_design(), mean="y",
                                                      proportion="educ", where="age > 1000"))


def test_attrs_record_the_conventions():
    design = make_design(lonely_psu="average")
    table = design.tabulate(mean="y", proportion="cat", ratio=("y", "x"),
                            breakdowns=[None, ["region", "sex"]], where=WHERE_TEXT,
                            level=0.9, ci="normal", df="domain")
    attrs = table.attrs["mics"]
    assert attrs["estimator"] == "tabulate"
    assert attrs["requests"] == [("mean", "y"), ("proportion", "cat"), ("ratio", "y/x")]
    assert attrs["breakdowns"] == ["total", "region+sex"]
    assert attrs["where"] == WHERE_TEXT
    assert (attrs["level"], attrs["ci"], attrs["df"]) == (0.9, "normal", "domain")
    assert attrs["interval"] == "logit"
    assert attrs["lonely_psu"] == "average" and attrs["psu"] == "psu"
    assert attrs["weight"] == "w" and attrs["strata"] == "stratum"
    mics = design.tabulate(proportion="cat", where=WHERE_ARRAY, ci="mics").attrs["mics"]
    assert mics["where"] == "<array>" and mics["interval"] == "wald"
    assert mics["ci_method"] is None
    kg = design.tabulate(proportion="cat", ci_method="korn-graubard").attrs["mics"]
    assert kg["interval"] == "korn-graubard" and kg["where"] is None


# -------------------------------------------------------------------------------- 4. errors
def test_nothing_requested():
    design = make_design()
    with pytest.raises(OptionError, match="nothing to estimate"):
        design.tabulate()
    with pytest.raises(OptionError, match="nothing to estimate"):
        design.tabulate(mean=[], proportion=[], breakdowns=["region"])
    with pytest.raises(OptionError):
        adjusted_designs()["bootstrap"]().tabulate()


@pytest.mark.parametrize("breakdowns", [[None, 3], [None, ["region", 3]], [3], [], [None, 2.5]],
                         ids=["int", "int-in-list", "int-alone", "empty", "float"])
def test_bad_breakdowns(breakdowns):
    with pytest.raises(OptionError) as info:
        make_design().tabulate(mean="y", breakdowns=breakdowns)
    assert info.value.option == "breakdowns"


@pytest.mark.parametrize("ratio", ["y", "yx", "y/x", ("y",), ("y", "x", "z"), [("y", "x"), "z"],
                                   [("y", 3)]])
def test_bad_ratio(ratio):
    with pytest.raises(OptionError) as info:
        make_design().tabulate(ratio=ratio)
    assert info.value.option == "ratio"


def test_bad_variable_lists():
    with pytest.raises(OptionError):
        make_design().tabulate(mean=["y", 3])
    with pytest.raises(OptionError):
        make_design().tabulate(proportion=["cat", None])


@pytest.mark.parametrize(
    "request_",
    [{"mean": "yy"}, {"proportion": "caat"}, {"total": "zz"}, {"ratio": ("y", "xx")},
     {"mean": ["y", "wealht"]}],
    ids=["mean", "proportion", "total", "ratio-denominator", "second-mean"],
)
def test_unknown_variable_suggests_close_name(request_):
    [value] = request_.values()
    wrong = value if isinstance(value, str) else value[-1]
    right = {"yy": "y", "caat": "cat", "zz": "z", "xx": "x", "wealht": "wealth"}[wrong]
    for design in (make_design(), make_design().poststratify("region", POPULATION)):
        with pytest.raises(VariableError, match=f"did you mean '{right}'") as info:
            design.tabulate(**request_, breakdowns=[None, "region"])
        assert info.value.variable == wrong
        assert right in info.value.close_matches


def test_unknown_by_variable():
    with pytest.raises(VariableError, match="did you mean 'region'") as info:
        make_design().tabulate(mean="y", breakdowns=[None, "regoin"])
    assert info.value.variable == "regoin"


@pytest.mark.parametrize("request_", [{"mean": "cat"}, {"total": "area"},
                                      {"ratio": ("y", "cat")}], ids=["mean", "total", "ratio"])
def test_non_numeric_variable(request_):
    kind = next(iter(request_))
    with pytest.raises(VariableError, match=f"cannot take the {kind} of '(cat|area)'.*"
                                            "not numeric") as info:
        make_design().tabulate(**request_)
    assert info.value.variable in ("cat", "area")


@pytest.mark.parametrize(
    "options,option",
    [({"ci": "student"}, "ci"), ({"ci": "T"}, "ci"), ({"df": "Design"}, "df"),
     ({"df": None}, "df"), ({"level": 95}, "level"), ({"level": 0}, "level"),
     ({"level": 1.0}, "level"), ({"level": "0.95"}, "level"),
     ({"ci_method": "kg"}, "ci_method"), ({"ci": "mics", "ci_method": "logit"}, "ci_method"),
     ({"ci": "mics", "ci_method": "korn-graubard"}, "ci_method")],
)
def test_bad_options(options, option):
    for design in (make_design(), adjusted_designs()["jk1"]()):
        with pytest.raises(OptionError) as info:
            design.tabulate(mean="y", proportion="cat", **options)
        assert info.value.option == option


def test_mics_interval_message():
    with pytest.raises(OptionError, match="ci='mics'"):
        make_design().tabulate(proportion="cat", ci="mics", ci_method="logit")


# ------------------------------------------------------------------------------ 5. warnings
def coded_design(adjust: str | None = None):
    """``y`` holds the code 99 'No response' on four rows, two of them with age < 20."""
    frame = FRAME.copy()
    frame["y"] = frame["y"].astype(float)
    young = np.flatnonzero(frame["y"].notna() & (frame["age"] < 20))[:2]
    old = np.flatnonzero(frame["y"].notna() & (frame["age"] >= 30))[:2]
    frame.loc[np.concatenate([young, old]), "y"] = 99.0
    meta = mt.Metadata(
        file="wm.sav",
        value_labels={"y": {99: "No response"}},
        special_codes={"y": {99: "no_response"}},
    )
    design = make_design(mt.SurveyData(frame, meta))
    if adjust == "poststratify":
        design = design.poststratify("region", POPULATION)
    elif adjust == "bootstrap":
        design = make_design(mt.SurveyData(frame, meta), lonely_psu="remove").replicate(
            "bootstrap", replicates=20, seed=3)
    return design


@pytest.mark.parametrize("adjust", [None, "poststratify", "bootstrap"])
def test_special_codes_warn_naming_the_variable(adjust):
    design = coded_design(adjust)
    for request_ in ({"mean": "y"}, {"total": "y"}, {"ratio": ("y", "x")},
                     {"ratio": ("x", "y")}):
        with pytest.warns(mt.SpecialCodeWarning, match="'y'.*99 'No response' "
                                                       r"\(no_response\)") as record:
            design.tabulate(**request_, breakdowns=[None, "region"])
        assert all("'y'" in str(w.message) for w in record
                   if issubclass(w.category, mt.SpecialCodeWarning))
    # the count is of the analysed rows: where= leaves two of the four coded rows
    with pytest.warns(mt.SpecialCodeWarning, match=r": 2 rows"):
        design.tabulate(mean="y", where="age >= 20")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mt.SpecialCodeWarning)
        design.tabulate(mean="y", where="y != 99", breakdowns=[None, "region"])
        design.tabulate(proportion="y", breakdowns=[None, "region"])  # a category: no warning
        design.tabulate(mean="x", ratio=("x", "z"))


@pytest.mark.parametrize("adjust", [None, "poststratify", "bootstrap"])
def test_special_code_warning_points_at_the_caller(adjust):
    """As the estimators, tabulate attributes the warning to the line that called it, on
    every design (the per-call path included), and warns once per variable."""
    design = coded_design(adjust)
    with pytest.warns(mt.SpecialCodeWarning) as record:
        design.tabulate(mean="y", breakdowns=[None, "region"])
    special = [w for w in record if issubclass(w.category, mt.SpecialCodeWarning)]
    assert [w.filename for w in special] == [__file__] * len(special)
    if adjust is None:
        assert len(special) == 1  # once per variable, not once per breakdown


def normalised_frame() -> pd.DataFrame:
    frame = FRAME.copy()
    positive = frame["w"] > 0
    frame["w"] = frame["w"] * positive.sum() / frame["w"].sum()
    assert frame["w"].sum() == pytest.approx(positive.sum())
    return frame


@pytest.mark.parametrize("kind", ["plain", "bootstrap"])
def test_total_of_normalised_weights_warns(kind):
    design = make_design(normalised_frame(), lonely_psu="remove")
    if kind == "bootstrap":
        design = design.replicate("bootstrap", replicates=20, seed=2)
    with pytest.warns(mt.NormalisedTotalWarning, match="normalised") as record:
        table = design.tabulate(mean="y", total="z", breakdowns=[None, "region"])
    assert any(issubclass(w.category, mt.NormalisedTotalWarning) for w in record)
    # the numbers are still there, equal to the single calls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mt.NormalisedTotalWarning)
        if kind == "plain":
            other = make_design(normalised_frame(), lonely_psu="remove")
        else:
            other = make_design(normalised_frame(), lonely_psu="remove").replicate(
                "bootstrap", replicates=20, seed=2)
        expected = single_calls(other, mean="y", total="z", breakdowns=[None, "region"])
    assert_matches_single_calls(table, expected)
    # no total, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", mt.NormalisedTotalWarning)
        design.tabulate(mean="y", proportion="cat", ratio=("y", "x"), breakdowns=[None, "sex"])


@pytest.mark.parametrize("kind", ["plain", "bootstrap"])
def test_normalised_total_warning_points_at_the_caller(kind):
    design = make_design(normalised_frame(), lonely_psu="remove")
    if kind == "bootstrap":
        design = design.replicate("bootstrap", replicates=20, seed=2)
    with pytest.warns(mt.NormalisedTotalWarning) as record:
        design.tabulate(total=["z", "y"], breakdowns=[None, "region", "sex"])
    found = [w for w in record if issubclass(w.category, mt.NormalisedTotalWarning)]
    assert [w.filename for w in found] == [__file__] * len(found)
    if kind == "plain":
        assert len(found) == 1


def test_expansion_weights_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", mt.NormalisedTotalWarning)
        make_design().tabulate(total="z", breakdowns=[None, "region"])


# ---------------------------------------------------------------------------- 6. properties
@st.composite
def small_designs(draw):
    n_strata = draw(st.integers(1, 3))
    records = []
    for h in range(n_strata):
        for p in range(draw(st.integers(2, 4))):
            psu_group = draw(st.integers(0, 1))
            for _ in range(draw(st.integers(1, 4))):
                records.append((h, h * 10 + p, psu_group))
    if draw(st.booleans()):  # a singleton stratum
        for _ in range(draw(st.integers(1, 3))):
            records.append((n_strata, n_strata * 10, draw(st.integers(0, 1))))
    n = len(records)
    frame = pd.DataFrame(records, columns=["stratum", "psu", "h"])
    frame["w"] = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.1, 10.0)),
                               min_size=n, max_size=n))
    frame["y"] = draw(st.lists(st.one_of(st.just(np.nan), st.floats(-100.0, 100.0)),
                               min_size=n, max_size=n))
    frame["c"] = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0, np.nan]),
                               min_size=n, max_size=n))
    frame["g"] = draw(st.lists(st.sampled_from([1, 2, 3]), min_size=n, max_size=n))
    lonely_psu = draw(st.sampled_from(LONELY))
    return frame, lonely_psu


@pytest.mark.filterwarnings("ignore:the .* sum to 0:mics_toolkit.MicsWarning")
@settings(max_examples=60, deadline=None)
@given(small_designs(), st.sampled_from([None, "g != 2"]),
       st.sampled_from([("t", "logit", "design"), ("normal", "korn-graubard", "domain"),
                        ("mics", None, "design"), ("t", "wald", "domain")]))
def test_property_tabulate_equals_single_calls(drawn, where, interval):
    frame, lonely_psu = drawn
    assume((frame["w"] > 0).any() and frame["c"].notna().any())
    ci, ci_method, df = interval

    def build():
        return mt.SurveyDesign(frame, weight="w", strata="stratum", psu="psu",
                               lonely_psu=lonely_psu)

    # g varies within PSUs, h is constant within them: both ways of finding the cells
    options = {"breakdowns": ["g", "h", ["g", "h"]], "where": where, "ci": ci,
               "ci_method": ci_method, "df": df}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = build().tabulate(mean="y", proportion="c", **options)
        expected = single_calls(build(), mean="y", proportion="c", **options)
    assert_matches_single_calls(table, expected)


def test_special_codes_counted_on_the_rows_some_estimate_uses():
    """Coded rows whose breakdown value is missing are in no estimate of a table without
    the total: no warning, as no single call would warn; with the total, a warning."""
    frame = FRAME.copy()
    frame["y"] = frame["y"].astype(float)
    coded = np.flatnonzero(frame["y"].notna() & frame["wealth"].isna())[:2]
    assert len(coded) == 2
    frame.loc[coded, "y"] = 99.0
    meta = mt.Metadata(file="wm.sav", value_labels={"y": {99: "No response"}},
                       special_codes={"y": {99: "no_response"}})
    design = make_design(mt.SurveyData(frame, meta))
    with warnings.catch_warnings():
        warnings.simplefilter("error", mt.SpecialCodeWarning)
        design.tabulate(mean="y", breakdowns=["wealth"])
        design.mean("y", by="wealth")
    with pytest.warns(mt.SpecialCodeWarning, match="2 rows"):
        design.tabulate(mean="y", breakdowns=[None, "wealth"])
