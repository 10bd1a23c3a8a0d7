"""Every indicator of the shipped catalogue against a direct computation on the example survey.

The example survey is generated at small scale (``examples/kz_mics/generate.py``, scale 0.05).
Each indicator is computed here a second time, independently of the spec and of the expression
language: the files are read with the codes kept as values (``user_missing="keep"``) and each
definition is written with numpy the way the MICS SPSS syntax computes it ("0, or 1 if the
condition holds", DK and no-response codes failing every condition; the ladder's 99 dropped
from the mean). The estimate must equal the plain weighted mean over the universe to 1e-10,
overall and by area, region and wealth quintile; the standard error must equal that of a
``SurveyDesign`` built by hand on the same rows (all rows of the file(s), PSU and stratum).
A median equals ``design.median`` of that design; a distribution's shares are the weighted
shares of each code and sum to 1 in every domain.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.indicators import TOTAL, compute_indicators, load_catalogue

IMPROVED_WATER = [11, 12, 13, 14, 21, 31, 41, 51, 61, 71, 72, 91, 92]
IMPROVED_SANITATION = [11, 12, 13, 18, 21, 22, 31]
VIOLENT = ["C", "D", "F", "G", "H", "I", "J", "K"]
NUMERACY = [f"FL23{i}" for i in "ABCDEF"] + [
    f"{stem}{i}" for stem in ("FL24", "FL25", "FL27") for i in "ABCDE"
]
BREAKDOWNS = ["HH6", "HH7", "windex5"]
WEIGHT = {"hh": "hhweight", "hl": "hhweight", "wm": "wmweight", "mn": "mnweight",
          "ch": "chweight", "fs": "fsweight"}
COMPLETED = {"hh": "HH46", "wm": "WM17", "mn": "MWM17", "ch": "UF17", "fs": "FS17"}


@pytest.fixture(scope="module")
def files(example_folder) -> dict[str, pd.DataFrame]:
    """The six files with special codes kept as values; hl gets HH46 from hh."""
    frames = {
        name: mt.read(example_folder / f"{name}.sav", user_missing="keep").frame
        for name in WEIGHT
    }
    frames["hl"] = frames["hl"].merge(
        frames["hh"][["HH1", "HH2", "HH46"]], on=["HH1", "HH2"], how="left", validate="m:1"
    )
    assert len(frames["hl"]) == len(mt.read(example_folder / "hl.sav", columns=["HH1"]).frame)
    return frames


@pytest.fixture(scope="module")
def tidy(example_folder) -> pd.DataFrame:
    survey = mt.open_survey(example_folder)
    catalogue = CATALOGUE
    # at scale 0.05 a few strata hold a single cluster with children
    return compute_indicators(
        survey, catalogue.values(), breakdowns=BREAKDOWNS, lonely_psu="adjust"
    )


def any_of(frame: pd.DataFrame, names: list[str], code: int = 1) -> np.ndarray:
    return np.logical_or.reduce([frame[name].to_numpy() == code for name in names])


def all_of(frame: pd.DataFrame, names: list[str], code: int = 1) -> np.ndarray:
    return np.logical_and.reduce([frame[name].to_numpy() == code for name in names])


def at_least(count: int, conditions: list[np.ndarray]) -> np.ndarray:
    return np.sum(conditions, axis=0) >= count


def between(values: pd.Series, low: float, high: float) -> np.ndarray:
    return ((values >= low) & (values <= high)).to_numpy()


# Each direct definition: file -> (universe, value); value is float with NaN where the
# record leaves the denominator (only for the means).
Direct = Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]


def _household(f):
    return np.ones(len(f), dtype=bool)


def ws1(f):
    return _household(f), f["WS1"].isin(IMPROVED_WATER).to_numpy()


def ws2(f):
    improved = f["WS1"].isin(IMPROVED_WATER).to_numpy()
    near = (
        f["WS1"].isin([11, 12]).to_numpy()
        | f["WS3"].isin([1, 2]).to_numpy()
        | between(f["WS4"], 0, 30)
        | f["WS1"].isin([91, 92]).to_numpy()
    )
    return _household(f), improved & near


def ws7(f):
    universe = f["HW1"].isin([1, 2, 3, 4]).to_numpy()
    return universe, f["HW1"].isin([1, 2, 3]).to_numpy() & all_of(f, ["HW2", "HW3"])


def ws8(f):
    return _household(f), f["WS11"].isin(IMPROVED_SANITATION).to_numpy()


def ws9(f):
    return _household(f), ws8(f)[1] & (f["WS15"] == 2).to_numpy()


def mean_excluding(values: pd.Series, codes: list[int]) -> np.ndarray:
    return values.where(~values.isin(codes)).to_numpy(dtype=float)


def child_labour(f):
    age = f["CB3"].to_numpy()
    economic = any_of(f, ["CL1A", "CL1B", "CL1C", "CL2"])
    hours = f["CL3"].where(f["CL3"] < 97, 0).fillna(0).to_numpy()
    working = economic & (
        ((age <= 11) & (hours >= 1))
        | ((age >= 12) & (age <= 14) & (hours >= 14))
        | ((age >= 15) & (hours >= 43))
    )
    chores = any_of(f, ["CL7", "CL9", "CL10", "CL11", "CL12"])
    chore_hours = sum(
        f[name].where(f[name] < 97, 0).fillna(0).to_numpy() for name in ("CL8", "CL13")
    )
    household_work = (age <= 14) & chores & (chore_hours >= 21)
    return np.ones(len(f), dtype=bool), working | household_work


def ecdi(f):
    literacy = at_least(2, [f[n].to_numpy() == 1 for n in ("EC6", "EC7", "EC8")])
    physical = (f["EC9"] == 1).to_numpy() | (f["EC10"] == 2).to_numpy()
    social = at_least(
        2, [(f["EC13"] == 1).to_numpy(), (f["EC14"] == 2).to_numpy(), (f["EC15"] == 2).to_numpy()]
    )
    learning = any_of(f, ["EC11", "EC12"])
    return (f["UB2"] >= 3).to_numpy(), at_least(3, [literacy, physical, social, learning])


def assessed(f):
    return between(f["CB3"], 7, 14) & (f["FL28"] == 1).to_numpy()


DIRECT: dict[str, dict[str, Direct]] = {
    "WS.1": {"hh": ws1},
    "WS.2": {"hh": ws2},
    "WS.7": {"hh": ws7},
    "WS.8": {"hh": ws8},
    "WS.9": {"hh": ws9},
    "TC.15": {"hh": lambda f: (_household(f), f["EU1"].isin([1, 2, 3, 4, 5, 97]).to_numpy())},
    "HC.electricity": {"hh": lambda f: (_household(f), f["HC8"].isin([1, 2]).to_numpy())},
    "HC.internet": {"hh": lambda f: (_household(f), (f["HC13"] == 1).to_numpy())},
    "LN.5a": {"hl": lambda f: (between(f["schage"], 7, 10),
                               (f["ED9"] == 1).to_numpy() & (f["ED10A"] >= 1).to_numpy())},
    "LN.5b": {"hl": lambda f: (between(f["schage"], 11, 15),
                               (f["ED9"] == 1).to_numpy() & (f["ED10A"] >= 2).to_numpy())},
    "LN.5c": {"hl": lambda f: (between(f["schage"], 16, 17),
                               (f["ED9"] == 1).to_numpy() & (f["ED10A"] >= 3).to_numpy())},
    "EQ.9a": {"wm": lambda f: ((f["WB4"] <= 24).to_numpy(), mean_excluding(f["LS2"], [99]))},
    "EQ.9b": {"wm": lambda f: (_household(f), mean_excluding(f["LS2"], [99]))},
    "EQ.9b.median": {"wm": lambda f: (_household(f), mean_excluding(f["LS2"], [99]))},
    "EQ.10.distribution": {"wm": lambda f: (_household(f), f["LS1"].to_numpy(dtype=float))},
    "EQ.10a": {"wm": lambda f: ((f["WB4"] <= 24).to_numpy(), f["LS1"].isin([1, 2]).to_numpy())},
    "EQ.10b": {"wm": lambda f: (_household(f), f["LS1"].isin([1, 2]).to_numpy())},
    "EQ.11a": {"wm": lambda f: ((f["WB4"] <= 24).to_numpy(), all_of(f, ["LS3", "LS4"]))},
    "EQ.11b": {"wm": lambda f: (_household(f), all_of(f, ["LS3", "LS4"]))},
    "EQ.9a.men": {"mn": lambda f: ((f["MWB4"] <= 24).to_numpy(),
                                   mean_excluding(f["MLS2"], [99]))},
    "EQ.9b.men": {"mn": lambda f: (_household(f), mean_excluding(f["MLS2"], [99]))},
    "EQ.10a.men": {"mn": lambda f: ((f["MWB4"] <= 24).to_numpy(),
                                    f["MLS1"].isin([1, 2]).to_numpy())},
    "EQ.10b.men": {"mn": lambda f: (_household(f), f["MLS1"].isin([1, 2]).to_numpy())},
    "EQ.11a.men": {"mn": lambda f: ((f["MWB4"] <= 24).to_numpy(), all_of(f, ["MLS3", "MLS4"]))},
    "EQ.11b.men": {"mn": lambda f: (_household(f), all_of(f, ["MLS3", "MLS4"]))},
    "SR.9": {"wm": lambda f: (_household(f), f["MT5"].isin([1, 2, 3]).to_numpy())},
    "SR.10": {"wm": lambda f: (_household(f), (f["MT11"] == 1).to_numpy())},
    "SR.11": {"wm": lambda f: (_household(f), f["MT12"].isin([1, 2, 3]).to_numpy())},
    "SR.12a": {"wm": lambda f: (_household(f), f["MT10"].isin([1, 2, 3]).to_numpy())},
    "SR.12b": {"wm": lambda f: (_household(f), f["MT10"].isin([1, 2]).to_numpy())},
    "SR.10.men": {"mn": lambda f: (_household(f), (f["MMT11"] == 1).to_numpy())},
    "SR.12a.men": {"mn": lambda f: (_household(f), f["MMT10"].isin([1, 2, 3]).to_numpy())},
    "PR.4a": {"wm": lambda f: (between(f["WB4"], 20, 24), (f["WAGEM"] < 15).to_numpy())},
    "PR.4b": {"wm": lambda f: (between(f["WB4"], 20, 24), (f["WAGEM"] < 18).to_numpy())},
    "PR.4.median": {"wm": lambda f: ((f["WB4"] >= 25).to_numpy() & f["MSTATUS"].isin([1, 2])
                                     .to_numpy(), f["WAGEM"].to_numpy(dtype=float))},
    "PR.5": {"wm": lambda f: ((f["WB4"] <= 19).to_numpy(), (f["MSTATUS"] == 1).to_numpy())},
    "PR.15": {"wm": lambda f: (_household(f), any_of(f, [f"DV1{i}" for i in "ABCDE"]))},
    "PR.15.men": {"mn": lambda f: (_household(f), any_of(f, [f"MDV1{i}" for i in "ABCDE"]))},
    "TM.3": {"wm": lambda f: ((f["MSTATUS"] == 1).to_numpy(), (f["CP2"] == 1).to_numpy())},
    "PR.1": {"ch": lambda f: (_household(f), f["BR1"].isin([1, 2]).to_numpy()
                              | (f["BR2"] == 1).to_numpy())},
    "TC.53": {"ch": ecdi},
    "LN.1": {"ch": lambda f: ((f["UB2"] >= 3).to_numpy(), (f["UB8"] == 1).to_numpy())},
    "TC.50": {"ch": lambda f: (_household(f), (f["EC1"] >= 3).to_numpy())},
    "TC.52": {"ch": lambda f: (_household(f), between(f["EC3A"], 1, 7)
                               | between(f["EC3B"], 1, 7))},
    "PR.3": {"fs": child_labour},
    "LN.22a": {"fs": lambda f: (assessed(f), (f["FL20B"] <= 7).to_numpy()
                                & all_of(f, [f"FL22{i}" for i in "ABCDE"]))},
    "LN.22d": {"fs": lambda f: (assessed(f), all_of(f, NUMERACY))},
    "PR.2": {
        "ch": lambda f: ((f["UB2"] >= 1).to_numpy(), any_of(f, [f"UCD2{i}" for i in VIOLENT])),
        "fs": lambda f: ((f["CB3"] <= 14).to_numpy(), any_of(f, [f"FCD2{i}" for i in VIOLENT])),
    },
    "PR.2.severe": {
        "ch": lambda f: ((f["UB2"] >= 1).to_numpy(), any_of(f, ["UCD2I", "UCD2K"])),
        "fs": lambda f: ((f["CB3"] <= 14).to_numpy(), any_of(f, ["FCD2I", "FCD2K"])),
    },
    "EQ.1": {
        "ch": lambda f: ((f["UB2"] >= 2).to_numpy(), (f["disability"] == 1).to_numpy()),
        "fs": lambda f: ((f["CB3"] >= 5).to_numpy(), (f["disability"] == 1).to_numpy()),
    },
}

CATALOGUE = load_catalogue()
CATALOGUE_IDS = list(CATALOGUE)


def test_every_catalogue_indicator_has_a_direct_computation():
    assert sorted(DIRECT) == sorted(CATALOGUE_IDS)


def direct_rows(indicator_id: str, files: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All rows of the indicator's file(s): universe, value, weight and design columns."""
    spec = CATALOGUE[indicator_id]
    parts = []
    for name, definition in DIRECT[indicator_id].items():
        frame = files[name]
        universe, value = definition(frame)
        completed = (
            (frame[COMPLETED[name]] == 1).to_numpy() if name in COMPLETED
            else (frame["HH46"] == 1).to_numpy()
        )
        weight = frame[WEIGHT[name]].to_numpy(dtype=float)
        if spec.weight == "hhweight * HH48":
            weight = np.nan_to_num(weight * frame["HH48"].to_numpy())
        parts.append(
            pd.DataFrame(
                {
                    "universe": universe & completed,
                    "y": np.asarray(value, dtype=float),
                    "w": weight,
                    "PSU": frame["PSU"].to_numpy(),
                    "stratum": frame["stratum"].to_numpy(),
                    **{b: frame[b].to_numpy() for b in BREAKDOWNS},
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


QUANTILES = [i for i in CATALOGUE_IDS if CATALOGUE[i].type in ("median", "quantile")]
DISTRIBUTIONS = [i for i in CATALOGUE_IDS if CATALOGUE[i].type == "distribution"]


@pytest.mark.parametrize("indicator_id", QUANTILES)
def test_median_matches_the_median_of_a_design_built_by_hand(indicator_id, files, tidy):
    """A median indicator equals design.median of its value over its universe on a design
    built by hand from the files (estimate, SE, interval, counts; DEFF undefined)."""
    rows = direct_rows(indicator_id, files)
    result = tidy[tidy["indicator"] == indicator_id]
    design = mt.SurveyDesign(rows, weight="w", strata="stratum", psu="PSU", lonely_psu="adjust")
    for breakdown in [TOTAL, *BREAKDOWNS]:
        by = None if breakdown == TOTAL else breakdown
        expected = design.median("y", by=by, where=rows["universe"].to_numpy())
        part = result[result["breakdown"] == breakdown]
        assert len(part) == len(expected) > 0
        for name in ("estimate", "se", "ci_lower", "ci_upper", "n_weighted"):
            np.testing.assert_allclose(part[name], expected[name], rtol=1e-10,
                                       err_msg=f"{indicator_id} {name} by {breakdown}")
        np.testing.assert_array_equal(part["n_unweighted"], expected["n_unweighted"])
        assert part["deff"].isna().all() and part["deft"].isna().all()


@pytest.mark.parametrize("indicator_id", DISTRIBUTIONS)
def test_distribution_shares_are_weighted_shares_summing_to_one(indicator_id, files, tidy):
    rows = direct_rows(indicator_id, files)
    used = rows[rows["universe"] & rows["y"].notna()].assign(all=TOTAL)
    codes = sorted(used["y"].unique())
    for breakdown in [TOTAL, *BREAKDOWNS]:
        key = "all" if breakdown == TOTAL else breakdown
        sums = used.groupby([key, "y"])["w"].sum().unstack(fill_value=0.0)
        sums = sums[sums.sum(axis=1) > 0]
        shares = sums.div(sums.sum(axis=1), axis=0)
        total = np.zeros(len(shares))
        for code in codes:
            level = tidy[(tidy["indicator"] == f"{indicator_id}={int(code)}")
                         & (tidy["breakdown"] == breakdown)]
            categories = [TOTAL] if breakdown == TOTAL else level["category"].astype(float)
            found = level.set_index(pd.Index(categories)).loc[shares.index]
            np.testing.assert_allclose(found["estimate"], shares[code], rtol=1e-10,
                                       atol=1e-12, err_msg=f"{indicator_id}={code}")
            np.testing.assert_allclose(found["n_weighted"], sums.sum(axis=1), rtol=1e-10)
            total += found["estimate"].to_numpy()
        np.testing.assert_allclose(total, 1.0, rtol=1e-12)


@pytest.mark.parametrize("indicator_id", [i for i in CATALOGUE_IDS
                                          if i not in QUANTILES + DISTRIBUTIONS])
def test_indicator_matches_the_direct_computation(indicator_id, files, tidy):
    rows = direct_rows(indicator_id, files)
    result = tidy[tidy["indicator"] == indicator_id]
    used = rows[rows["universe"] & rows["y"].notna()].assign(
        wy=lambda f: f["w"] * f["y"], positive=lambda f: f["w"] > 0, all=TOTAL
    )
    for breakdown in [TOTAL, *BREAKDOWNS]:
        part = result[result["breakdown"] == breakdown]
        assert len(part) > 0
        key = "all" if breakdown == TOTAL else breakdown
        sums = used.groupby(key)[["w", "wy", "positive"]].sum()
        sums = sums[sums["w"] > 0]
        categories = [TOTAL] if breakdown == TOTAL else part["category"].astype(float)
        found = part.set_index(pd.Index(categories)).loc[sums.index]
        np.testing.assert_allclose(
            found["estimate"], sums["wy"] / sums["w"], rtol=1e-10, atol=1e-12,
            err_msg=f"{indicator_id} by {breakdown}",
        )
        np.testing.assert_allclose(found["n_weighted"], sums["w"], rtol=1e-10)
        np.testing.assert_array_equal(found["n_unweighted"], sums["positive"])
    # the standard error of a design built by hand on the same rows
    design = mt.SurveyDesign(rows, weight="w", strata="stratum", psu="PSU", lonely_psu="adjust")
    expected = design.mean("y", where=rows["universe"].to_numpy())
    total = result[result["breakdown"] == TOTAL].iloc[0]
    assert total["se"] == pytest.approx(expected["se"].iloc[0], rel=1e-10, abs=1e-14)
    if np.isfinite(expected["deff"].iloc[0]):
        assert total["deff"] == pytest.approx(expected["deff"].iloc[0], rel=1e-8)
