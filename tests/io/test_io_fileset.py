"""The survey file set: finding files, lazy reads, household and mother links, key checks,
configuration overrides and every bad input (missing file, duplicate keys, orphans, a join
that would multiply rows, unknown variables, bad configuration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import (
    LinkError,
    ReadError,
    SpecError,
    TextWeightWarning,
    VariableError,
    WeightError,
)
from mics_toolkit.io import Metadata, Survey, SurveyConfig
from mics_toolkit.io import fileset as fileset_module


def _households() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH1": [1, 1, 2, 2, 3],
            "HH2": [1, 2, 1, 2, 1],
            "HH6": [1, 1, 2, 2, 2],
            "HH7": [10, 10, 20, 20, 20],
            "windex5": [1, 2, 3, 4, 5],
            "helevel": [1, 2, 9, 3, 2],
            "ethnicity": [1, 1, 2, 2, 1],
            "PSU": [1, 1, 2, 2, 3],
            "stratum": [1, 1, 2, 2, 2],
            "HH46": [1, 1, 1, 1, 2],
            "HH48": [3, 2, 2, 4, np.nan],
            "hhweight": [1.0, 1.2, 0.8, 1.0, 0.0],
        }
    )


def _members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH1": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
            "HH2": [1, 1, 1, 2, 2, 1, 1, 2, 2, 2, 2],
            "HL1": [1, 2, 3, 1, 2, 1, 2, 1, 2, 3, 4],
            "ED5A": [3, 5, np.nan, 2, np.nan, 4, np.nan, 1, 3, np.nan, 9],
            "hhweight": [1.0, 1.0, 1.0, 1.2, 1.2, 0.8, 0.8, 1.0, 1.0, 1.0, 1.0],
        }
    )


def _women() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH1": [1, 1, 2, 2],
            "HH2": [1, 2, 1, 2],
            "LN": [2, 1, 1, 2],
            "WM17": [1, 1, 2, 1],
            "WB4": [30, 22, 41, 19],
            "LS2": [7, 99, 5, 8],
            "wmweight": [1.1, 0.9, 0.0, 1.0],
        }
    )


def _children() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH1": [1, 2, 2],
            "HH2": [1, 1, 2],
            "LN": [3, 2, 3],
            "UF4": [2, 1, 2],
            "UF17": [1, 1, 1],
            "chweight": [1.0, 1.0, 1.0],
        }
    )


def _older() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH1": [1, 2],
            "HH2": [2, 2],
            "LN": [2, 4],
            "FS4": [1, 90],
            "FS17": [1, 1],
            "fsweight": [2.0, 1.5],
        }
    )


def _write(folder: Path, frames: dict[str, pd.DataFrame], names: dict[str, str] | None = None):
    names = names or {}
    for name, frame in frames.items():
        meta = None
        if name == "hh":
            meta = Metadata(
                variable_labels={"HH6": "Area"},
                value_labels={"HH6": {1: "Urban", 2: "Rural"}},
            )
        if name == "wm":
            meta = Metadata(value_labels={"LS2": {99: "No response"}})
        if name == "hl":
            meta = Metadata(value_labels={"ED5A": {1: "Primary", 9: "No response"}})
        mt.write(frame, folder / names.get(name, f"{name}.sav"), meta=meta)


@pytest.fixture
def survey_folder(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        {"hh": _households(), "hl": _members(), "wm": _women(), "ch": _children(),
         "fs": _older()},
        names={"hh": "HH.SAV", "wm": "Wm.Dta"},
    )
    return tmp_path


def test_open_survey_finds_files_in_any_case_and_format(survey_folder):
    survey = mt.open_survey(survey_folder)
    assert isinstance(survey, Survey)
    assert survey.files == ["hh", "hl", "wm", "ch", "fs"]
    assert survey.paths["hh"].name == "HH.SAV"
    assert survey.paths["wm"].name == "Wm.Dta"
    assert not survey.has("mn")


def test_a_file_in_two_formats_is_a_read_error_naming_both(survey_folder):
    # today ch.sav is used and ch.dta silently ignored, whatever they hold
    mt.write(_children(), survey_folder / "ch.dta")
    with pytest.raises(ReadError) as caught:
        mt.open_survey(survey_folder)
    message = str(caught.value)
    assert "ch.sav, ch.dta" in message and str(survey_folder) in message
    assert "'ch'" in message and "path" in message
    assert caught.value.path == str(survey_folder / "ch.sav")


def test_a_file_in_two_formats_can_be_chosen_by_path(survey_folder):
    mt.write(_children(), survey_folder / "ch.dta")
    survey = mt.open_survey(survey_folder, {"files": {"ch": {"path": "ch.dta"}}})
    assert survey.paths["ch"].name == "ch.dta"


def test_household_variables_are_attached_by_household_keys(survey_folder):
    survey = mt.open_survey(survey_folder)
    data = survey.data("wm", ["WB4", "HH6", "windex5", "wmweight"])
    assert data.columns == ["WB4", "HH6", "windex5", "wmweight"]
    np.testing.assert_array_equal(data.frame["HH6"], [1, 1, 2, 2])
    np.testing.assert_array_equal(data.frame["windex5"], [1, 2, 3, 4])
    # labels come from the file each column was taken from
    assert data.meta.value_labels["HH6"] == {1: "Urban", 2: "Rural"}
    assert data.meta.variable_labels["HH6"] == "Area"
    assert data.meta.file.endswith("Wm.Dta")


def test_default_columns_add_background_and_design_variables(survey_folder):
    survey = mt.open_survey(survey_folder)
    data = survey.data("hl")
    for name in ("HH6", "HH7", "windex5", "helevel", "ethnicity", "PSU", "stratum", "HH46"):
        assert name in data.columns
    assert data.columns[:5] == ["HH1", "HH2", "HL1", "ED5A", "hhweight"]
    assert survey.design_variables("hl") == {
        "weight": "hhweight", "psu": "PSU", "strata": "stratum", "completed": "HH46"
    }


def test_mother_education_links_through_caretaker_line(survey_folder):
    survey = mt.open_survey(survey_folder)
    children = survey.data("ch", ["UF4", "mother_education"]).frame
    # child (1,1) -> hl (1,1,2): ED5A 5; (2,1) -> (2,1,1): 4; (2,2) -> (2,2,2): 3
    np.testing.assert_array_equal(children["mother_education"], [5, 4, 3])
    older = survey.data("fs", ["FS4", "mother_education"])
    # (1,2) line 1 -> ED5A 2; FS4 == 90 (emancipated) -> missing
    assert older.frame["mother_education"].iloc[0] == 2
    assert np.isnan(older.frame["mother_education"].iloc[1])
    assert older.meta.value_labels["mother_education"] == {1: "Primary", 9: "No response"}


def test_only_requested_columns_are_read_and_each_only_once(survey_folder, monkeypatch):
    calls = []
    real_read = fileset_module.read

    def spy(path, columns=None, **options):
        calls.append((Path(path).name, list(columns)))
        return real_read(path, columns=columns, **options)

    monkeypatch.setattr(fileset_module, "read", spy)
    survey = mt.open_survey(survey_folder)
    survey.data("wm", ["LS2", "HH6"])
    survey.data("wm", ["LS2", "WB4"])
    # one read per file and call: keys and wanted columns together, nothing read twice
    assert calls == [
        ("Wm.Dta", ["HH1", "HH2", "LN", "LS2"]),
        ("HH.SAV", ["HH1", "HH2", "HH6"]),
        ("Wm.Dta", ["WB4"]),
    ]


def test_psu_falls_back_to_the_cluster_number(tmp_path):
    _write(tmp_path, {"hh": _households().drop(columns="PSU"), "wm": _women()})
    survey = mt.open_survey(tmp_path)
    assert survey.design_variables("wm")["psu"] == "HH1"


def test_missing_required_file_is_a_read_error_naming_folder_and_file(tmp_path):
    _write(tmp_path, {"wm": _women()})
    with pytest.raises(ReadError) as caught:
        mt.open_survey(tmp_path)
    message = str(caught.value)
    assert "'hh'" in message and "hh.sav or hh.zsav or hh.dta" in message
    assert str(tmp_path) in message
    assert "wm.sav" in message  # what is there


def test_missing_optional_file_fails_when_used(survey_folder):
    survey = mt.open_survey(survey_folder)
    with pytest.raises(ReadError, match=r"'mn' is missing: no mn\.sav"):
        survey.data("mn", ["MWB4"])
    with pytest.raises(ReadError, match="mn"):
        survey.require("wm", "mn")


def test_required_files_are_configurable(survey_folder):
    with pytest.raises(ReadError, match="'mn'"):
        mt.open_survey(survey_folder, {"required": ["hh", "mn"]})


def test_missing_folder_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="does not exist"):
        mt.open_survey(tmp_path / "nowhere")


def test_unknown_file_name_suggests_close_names(survey_folder):
    survey = mt.open_survey(survey_folder)
    with pytest.raises(VariableError, match="did you mean wm"):
        survey.data("wmm", ["LS2"])


def test_unknown_variable_names_the_file_and_close_matches(survey_folder):
    survey = mt.open_survey(survey_folder)
    with pytest.raises(VariableError) as caught:
        survey.data("wm", ["LS3x", "LS2"])
    assert caught.value.variable == "LS3x"
    assert "Wm.Dta" in str(caught.value)
    with pytest.raises(VariableError) as caught:
        survey.data("wm", ["ls2"])
    assert caught.value.close_matches[0] == "LS2"


def test_duplicate_keys_are_a_link_error(tmp_path):
    women = _women()
    women.loc[3, ["HH1", "HH2", "LN"]] = [1, 1, 2]  # same as row 0
    _write(tmp_path, {"hh": _households(), "wm": women})
    survey = mt.open_survey(tmp_path)
    with pytest.raises(LinkError) as caught:
        survey.data("wm", ["LS2"])
    error = caught.value
    assert "duplicate keys in wm.sav" in str(error)
    assert "(1, 1, 2)" in str(error)
    assert error.files == ["wm.sav"]
    assert error.keys == ["HH1", "HH2", "LN"]
    assert error.count == 2


def test_duplicate_household_is_a_link_error_in_hh_itself(tmp_path):
    households = _households()
    households.loc[1, "HH2"] = 1
    _write(tmp_path, {"hh": households, "wm": _women()})
    survey = mt.open_survey(tmp_path)
    with pytest.raises(LinkError, match="duplicate keys in hh.sav"):
        survey.data("hh", ["HH6"])


def test_join_that_would_multiply_rows_is_a_link_error(tmp_path):
    households = _households()
    households.loc[1, "HH2"] = 1  # two households (1, 1): a woman there would be duplicated
    _write(tmp_path, {"hh": households, "wm": _women()})
    survey = mt.open_survey(tmp_path)
    with pytest.raises(LinkError) as caught:
        survey.data("wm", ["WB4", "HH6"])
    error = caught.value
    assert "would multiply rows" in str(error)
    assert error.files == ["hh.sav", "wm.sav"]
    assert error.keys == ["HH1", "HH2"]
    assert error.count == 1


def test_orphan_records_are_a_link_error(tmp_path):
    women = _women()
    women.loc[2, "HH1"] = 7
    _write(tmp_path, {"hh": _households(), "wm": women})
    survey = mt.open_survey(tmp_path)
    with pytest.raises(LinkError) as caught:
        survey.data("wm", ["WB4"])
    error = caught.value
    assert "1 records of wm.sav have no household in hh.sav" in str(error)
    assert "(7, 1)" in str(error)
    assert error.count == 1
    assert error.files == ["wm.sav", "hh.sav"]
    with pytest.raises(LinkError):
        survey.check()


def test_mother_line_not_in_members_file_is_a_link_error(tmp_path):
    children = _children()
    children.loc[0, "UF4"] = 9
    _write(tmp_path, {"hh": _households(), "hl": _members(), "ch": children})
    survey = mt.open_survey(tmp_path)
    survey.data("ch", ["UF17"])  # no mother variable asked: no link needed
    with pytest.raises(LinkError, match=r"mother/caretaker line \(HH1, HH2, UF4\)") as caught:
        survey.data("ch", ["mother_education"])
    assert caught.value.keys == ["HH1", "HH2", "HL1"]


def test_missing_keys_are_a_link_error(tmp_path):
    women = _women()
    women.loc[1, "LN"] = np.nan
    _write(tmp_path, {"hh": _households(), "wm": women})
    with pytest.raises(LinkError, match="missing key"):
        mt.open_survey(tmp_path).data("wm", ["WB4"])


def test_check_passes_on_a_consistent_survey(survey_folder):
    mt.open_survey(survey_folder).check()


# ------------------------------------------------------------------ one type per variable


def test_breakdown_stored_as_text_in_one_file_and_codes_in_another_is_an_error(tmp_path):
    # HH7 is codes in hh.sav and text in wm.sav: a table mixing the two had only "-" cells
    women = _women().assign(HH7=["Region 10", "Region 10", "Region 20", "Region 20"])
    _write(tmp_path, {"hh": _households(), "wm": women})
    survey = mt.open_survey(tmp_path)
    np.testing.assert_array_equal(survey.data("hh", ["HH7"]).frame["HH7"], [10, 10, 20, 20, 20])
    with pytest.raises(VariableError) as caught:
        survey.data("wm", ["LS2", "HH7"])
    error = caught.value
    assert str(error).startswith("variable 'HH7' is text in wm.sav but numbers in hh.sav")
    assert error.variable == "HH7"
    assert error.file == str(tmp_path / "wm.sav")


def test_key_stored_as_text_in_one_file_is_an_error_naming_both(tmp_path):
    women = _women()
    women["HH2"] = women["HH2"].astype(str)
    _write(tmp_path, {"hh": _households(), "wm": women})
    with pytest.raises(VariableError) as caught:
        mt.open_survey(tmp_path).data("wm", ["WB4"])
    assert "variable 'HH2' is text in wm.sav but numbers in hh.sav" in str(caught.value)
    assert caught.value.variable == "HH2"


def test_mother_line_stored_as_text_is_an_error_naming_both_files(tmp_path):
    children = _children()
    children["UF4"] = children["UF4"].astype(str)
    _write(tmp_path, {"hh": _households(), "hl": _members(), "ch": children})
    with pytest.raises(VariableError) as caught:
        mt.open_survey(tmp_path).data("ch", ["mother_education"])
    assert "variable 'UF4' ('HL1' in hl.sav) is text in ch.sav but numbers in hl.sav" in str(
        caught.value
    )


def test_text_keys_in_every_file_still_link(tmp_path):
    households, women = _households(), _women()
    for frame in (households, women):
        frame["HH1"] = frame["HH1"].map(lambda v: f"C{v:03d}")
    _write(tmp_path, {"hh": households, "wm": women})
    data = mt.open_survey(tmp_path).data("wm", ["WB4", "HH6"])
    np.testing.assert_array_equal(data.frame["HH6"], [1, 1, 2, 2])


# ------------------------------------------------------------------ weights stored as text


def test_weight_stored_as_numeric_text_is_converted_with_a_warning(tmp_path):
    women = _women()
    women["wmweight"] = women["wmweight"].map(str)
    _write(tmp_path, {"hh": _households(), "wm": women})
    survey = mt.open_survey(tmp_path)
    with pytest.warns(TextWeightWarning) as caught:
        data = survey.data("wm", ["wmweight", "WB4"])
    message = str(caught[0].message)
    assert "weight variable 'wmweight'" in message and str(tmp_path / "wm.sav") in message
    assert "its 4 values were read as numbers" in message
    assert data.frame["wmweight"].dtype == np.float64
    np.testing.assert_array_equal(data.frame["wmweight"], _women()["wmweight"])


def test_weight_stored_as_text_that_is_not_numbers_is_a_weight_error(tmp_path):
    women = _women()
    women["wmweight"] = ["1.1", "n/a", "0", "1,0"]
    _write(tmp_path, {"hh": _households(), "wm": women})
    with pytest.raises(WeightError) as caught:
        mt.open_survey(tmp_path).data("wm", ["wmweight"])
    error = caught.value
    assert error.variable == "wmweight" and error.n_bad == 2
    assert "weight variable 'wmweight' in " in str(error)
    assert "2 of its 4 values are not numbers (e.g. 'n/a', '1,0')" in str(error)


# ------------------------------------------------------------------ special codes of quantities


def test_special_codes_of_linked_columns_come_from_their_values(tmp_path):
    households = _households().assign(HH48=[3, 2, 2, 96, 99])  # members; 96 text-labelled
    _write(tmp_path, {"hh": households, "wm": _women()})
    mt.write(
        households,
        tmp_path / "hh.sav",
        meta=Metadata(value_labels={"HH48": {96: "not counted", 99: "missing"}}),
    )
    survey = mt.open_survey(tmp_path)
    data = survey.data("wm", ["WB4", "HH48"])
    assert data.meta.special_codes["HH48"] == {96: "non_numeric", 99: "no_response"}
    own = survey.data("hh", ["HH48"])
    assert own.meta.special_codes["HH48"] == {96: "non_numeric", 99: "no_response"}


def test_configuration_renames_weights_files_and_variables(tmp_path):
    women = _women().rename(columns={"WB4": "WB5", "wmweight": "wgt_women"})
    _write(tmp_path, {"hh": _households(), "women": women})
    config = {
        "files": {
            "wm": {"path": "women.sav", "weight": "wgt_women", "aliases": {"WB4": "WB5"}},
        },
        "background": ["HH6"],
    }
    survey = mt.open_survey(tmp_path, config)
    assert survey.design_variables("wm")["weight"] == "wgt_women"
    data = survey.data("wm", ["WB4", "wgt_women"])
    np.testing.assert_array_equal(data.frame["WB4"], [30, 22, 41, 19])
    assert "WB4" in survey.available("wm")


def test_configuration_from_yaml_and_errors_point_at_the_line(tmp_path):
    _write(tmp_path, {"hh": _households(), "wm": _women()})
    good = tmp_path / "survey.yaml"
    good.write_text("background: [HH6, HH7]\nfiles:\n  wm:\n    weight: wmweight\n")
    survey = mt.open_survey(tmp_path, good)
    assert survey.config.background == ("HH6", "HH7")
    bad = tmp_path / "bad.yaml"
    bad.write_text("background: [HH6]\nfiles:\n  wm:\n    wieght: wmweight\n")
    with pytest.raises(SpecError) as caught:
        mt.open_survey(tmp_path, bad)
    error = caught.value
    assert error.line == 4
    assert error.key == "files.wm.wieght"
    assert str(error).startswith(f"{bad}:4: key 'files.wm.wieght': unknown key")
    assert "did you mean weight" in str(error)


def test_configuration_type_errors_name_the_key():
    with pytest.raises(SpecError, match="key 'household_keys'"):
        SurveyConfig.from_mapping({"household_keys": "HH1"})
    with pytest.raises(SpecError, match="key 'files.bh'.*needs 'unit'"):
        SurveyConfig.from_mapping({"files": {"bh": {"weight": "wmweight"}}})
    with pytest.raises(SpecError, match="must start with the household keys"):
        SurveyConfig.from_mapping({"files": {"wm": {"keys": ["LN"]}}})


def test_a_new_file_can_be_added_by_configuration(tmp_path):
    births = pd.DataFrame({"HH1": [1, 2], "HH2": [1, 1], "LN": [2, 1], "BHLN": [1, 1],
                           "BH4": [2019, 2021]})
    _write(tmp_path, {"hh": _households(), "bh": births})
    survey = mt.open_survey(
        tmp_path,
        {"files": {"bh": {"unit": "birth", "weight": "hhweight",
                          "keys": ["HH1", "HH2", "LN", "BHLN"]}}},
    )
    data = survey.data("bh", ["BH4", "hhweight", "HH6"])
    np.testing.assert_array_equal(data.frame["HH6"], [1, 2])
