"""Bad design input: each error is a project exception whose message and attributes name the
culprit (variable, file, counts, codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stratum": [1, 1, 1, 1, 2, 2, 2, 2],
            "HH1": [11, 11, 12, 12, 21, 21, 22, 22],
            "wmweight": [1.0, 2.0, 1.0, 0.0, 1.5, 1.0, 2.0, 1.0],
            "LS2": [5.0, 7.0, 99.0, 3.0, 8.0, np.nan, 6.0, 4.0],
            "name": list("abcdefgh"),
        }
    )


@pytest.mark.parametrize(
    "value,word", [(-1.0, "negative"), (np.inf, "infinite"), (np.nan, "missing")]
)
def test_bad_weights_are_counted(value, word):
    data = frame()
    data.loc[[2, 5], "wmweight"] = value
    with pytest.raises(mt.WeightError, match=f"2 {word}") as info:
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    assert info.value.variable == "wmweight"
    assert info.value.n_bad == 2
    assert "first rows: 2, 5" in str(info.value)


def test_non_numeric_weight():
    with pytest.raises(mt.WeightError, match="not numeric"):
        mt.SurveyDesign(frame(), weight="name")


def test_unknown_variables_suggest_close_names():
    with pytest.raises(mt.VariableError, match="did you mean 'wmweight'") as info:
        mt.SurveyDesign(frame(), weight="wmweigth", strata="stratum", psu="HH1")
    assert info.value.variable == "wmweigth"
    assert info.value.close_matches == ["wmweight"]
    with pytest.raises(mt.VariableError, match="strata variable 'Stratum'.*'stratum'"):
        mt.SurveyDesign(frame(), weight="wmweight", strata="Stratum", psu="HH1")
    design = mt.SurveyDesign(frame(), weight="wmweight", strata="stratum", psu="HH1")
    with pytest.raises(mt.VariableError, match="'LS2'"):
        design.mean("ls2")
    with pytest.raises(mt.VariableError, match="by variable 'hh7'"):
        design.mean("LS2", by="hh7")


def test_file_name_in_messages():
    data = mt.SurveyData(frame(), mt.Metadata(file="wm.sav"))
    with pytest.raises(mt.VariableError, match="in wm.sav") as info:
        mt.SurveyDesign(data, weight="hhweight")
    assert info.value.file == "wm.sav"


def test_non_numeric_analysis_variable():
    design = mt.SurveyDesign(frame(), weight="wmweight", strata="stratum", psu="HH1")
    with pytest.raises(mt.VariableError, match="not numeric.*proportion") as info:
        design.mean("name")
    assert info.value.variable == "name"
    with pytest.raises(mt.VariableError):
        design.ratio("LS2", "name")
    # a proportion of a text variable is fine
    assert design.proportion("name")["n_unweighted"].iloc[0] == 7


def test_psu_in_two_strata_lists_codes():
    data = frame()
    data.loc[4, "HH1"] = 12
    with pytest.raises(mt.DesignError, match="12.*nest=True") as info:
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    assert info.value.codes == [12]


def test_missing_design_codes():
    data = frame().astype({"stratum": float})
    data.loc[3, "stratum"] = np.nan
    with pytest.raises(mt.DesignError, match="missing on 1 rows"):
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")


def test_singleton_strata_are_listed():
    data = frame()
    data.loc[data["stratum"] == 2, "HH1"] = 21
    data = pd.concat([data, data.assign(stratum=3, HH1=31)], ignore_index=True)
    with pytest.raises(mt.DesignError, match="2 strata.*single PSU: 2, 3") as info:
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    assert info.value.codes == [2, 3]


def test_bad_fpc():
    data = frame().assign(N=[10, 10, 10, 10, 5, 5, 5, 6])
    with pytest.raises(mt.DesignError, match="varies within strata 2"):
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1", fpc="N")
    data = frame().assign(N=1.5)
    with pytest.raises(mt.DesignError, match="fewer population PSUs"):
        mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1", fpc="N")


def test_special_codes_warn_with_codes_and_counts():
    meta = mt.Metadata(
        file="wm.sav",
        value_labels={"LS2": {99: "No response"}},
        special_codes={"LS2": {99: "no_response"}},
    )
    design = mt.SurveyDesign(mt.SurveyData(frame(), meta), weight="wmweight",
                             strata="stratum", psu="HH1")
    with pytest.warns(mt.SpecialCodeWarning, match="99 'No response' \\(no_response\\): 1 rows"):
        design.mean("LS2")
    with pytest.warns(mt.SpecialCodeWarning):
        design.ratio("LS2", "wmweight")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        design.mean("LS2", where="LS2 != 99")
        design.proportion("LS2")  # a category is not averaged: no warning


def test_total_of_normalised_weights_warns():
    design = mt.SurveyDesign(frame().assign(w=lambda f: f["wmweight"] * 7 / 9.5), weight="w",
                             strata="stratum", psu="HH1")
    with pytest.warns(mt.NormalisedTotalWarning, match="normalised"):
        design.total("LS2")


def test_design_is_frozen_and_replace_revalidates():
    design = mt.SurveyDesign(frame(), weight="wmweight", strata="stratum", psu="HH1")
    with pytest.raises(AttributeError):
        design.weight = "other"
    with pytest.raises(mt.VariableError):
        design.replace(psu="nope")
    assert design.replace(psu=None).n_psu_total == 8


def test_input_frame_not_modified():
    data = frame()
    before = data.copy()
    design = mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    design.mean("LS2", by="stratum", where="LS2 < 50")
    design.proportion("name")
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize("n_strata", [7, 600])  # the grid of pairs, and too large a grid
def test_nesting_check_gives_the_stratum_of_each_psu(n_strata):
    from mics_toolkit.design.checks import check_nesting

    rng = np.random.default_rng(5)
    n_psu = 2000
    psu_stratum = rng.integers(0, n_strata, n_psu)
    psu_stratum[:n_strata] = np.arange(n_strata)  # every stratum holds a PSU
    psu = rng.permutation(np.repeat(np.arange(n_psu), 3))
    stratum = psu_stratum[psu]
    found = check_nesting(stratum, psu, np.arange(n_psu) + 100, psu_name="HH1",
                          strata_name="stratum", source=None)
    np.testing.assert_array_equal(found, psu_stratum)
    stratum[np.flatnonzero(psu == 9)[0]] = (psu_stratum[9] + 1) % n_strata
    with pytest.raises(mt.DesignError, match="1 PSU codes of 'HH1' appear") as info:
        check_nesting(stratum, psu, np.arange(n_psu) + 100, psu_name="HH1",
                      strata_name="stratum", source=None)
    assert info.value.codes == [109]
