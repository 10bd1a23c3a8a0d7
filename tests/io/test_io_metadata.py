"""The containers: Metadata, UserMissing, SurveyData and the DataFrame entry points."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import OptionError, VariableError
from mics_toolkit.io import (
    Metadata,
    SurveyData,
    UserMissing,
    metadata_for_frame,
    normalise_code,
    to_survey_data,
)


@pytest.mark.parametrize(
    ("code", "expected", "kind"),
    [
        (99.0, 99, int),
        (np.float64(98.0), 98, int),
        (np.int8(7), 7, int),
        (2.5, 2.5, float),
        ("a", "a", str),
        (True, 1, int),
    ],
)
def test_normalise_code(code, expected, kind):
    assert normalise_code(code) == expected
    assert type(normalise_code(code)) is kind


def test_metadata_is_frozen_and_copies_its_inputs():
    labels = {"HH6": {1.0: "Қала"}}
    meta = Metadata(value_labels=labels, variable_labels={"HH6": "Area", "HH7": ""})
    labels["HH6"][2.0] = "Ауыл"
    assert meta.value_labels == {"HH6": {1: "Қала"}}
    assert meta.variable_labels == {"HH6": "Area"}  # empty labels dropped
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.file = "other.sav"  # type: ignore[misc]


def test_metadata_rejects_a_bad_format_and_bad_user_missing():
    with pytest.raises(ValueError, match="file_format"):
        Metadata(file_format="csv")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="UserMissing"):
        Metadata(user_missing={"LS2": [99]})  # type: ignore[dict-item]


def test_metadata_select_and_accessors(women):
    meta = women.meta.select(["LS2", "HH1"])
    assert set(meta.variable_labels) == {"LS2", "HH1"}
    assert set(meta.value_labels) == {"LS2"}
    assert set(meta.user_missing) == {"LS2"}
    assert meta.variable_label("HH6") == ""
    assert meta.labels("HH6") == {}
    assert meta.file_label == women.meta.file_label


def test_empty_metadata_for_a_frame():
    meta = metadata_for_frame(pd.DataFrame({"x": [1]}))
    assert meta == Metadata()
    assert meta.file is None and meta.file_format is None and meta.special_codes == {}


def test_user_missing_mask():
    declared = UserMissing(values=(97,), ranges=((98, 99),))
    values = np.array([1.0, 97.0, 98.0, 98.5, 99.0, 100.0, np.nan])
    assert declared.mask(values).tolist() == [False, True, True, True, True, False, False]
    assert declared.mask(pd.Series([97, 1], dtype="int64")).tolist() == [True, False]
    lowest = UserMissing(ranges=((-np.inf, -1),))
    assert lowest.mask(np.array([-5.0, 0.0])).tolist() == [True, False]
    strings = UserMissing(values=("X",))
    assert strings.mask(pd.Series(["A", "X", None], dtype="str")).tolist() == [False, True, False]
    assert strings.mask(np.array([1.0])).tolist() == [False]


def test_user_missing_describe_and_truth():
    assert not UserMissing()
    assert UserMissing(values=(98, 99), ranges=((900, 999),)).describe() == "98, 99; 900 thru 999"
    assert UserMissing(extended={".a": "NA"}).describe() == ".a"


def test_survey_data_accessors(women):
    assert women.columns[:3] == ["HH1", "HH6", "LS2"]
    assert women.labels("HH6") == {1: "Қала", 2: "Ауыл"}
    assert women.variable_label("LS2") == "Өмірге қанағаттану"
    with pytest.raises(VariableError) as caught:
        women.labels("ls2")
    assert caught.value.close_matches[0] == "LS2"


def test_survey_data_select(women):
    subset = women.select(["WB4", "LS2"])
    assert subset.columns == ["WB4", "LS2"]
    assert set(subset.meta.value_labels) == {"WB4", "LS2"}
    with pytest.raises(VariableError):
        women.select(["LS2", "nope"])


def test_survey_data_checks_types():
    with pytest.raises(OptionError):
        SurveyData({"x": [1]})  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        SurveyData(pd.DataFrame(), {})  # type: ignore[arg-type]


def test_to_survey_data(women):
    frame = pd.DataFrame({"x": [1.0]})
    wrapped = to_survey_data(frame)
    assert wrapped.frame is frame and wrapped.meta == Metadata()
    assert to_survey_data(women) is women
    replaced = to_survey_data(women, Metadata(file_label="other"))
    assert replaced.meta.file_label == "other" and replaced.frame is women.frame
    with pytest.raises(OptionError, match="DataFrame"):
        to_survey_data([1, 2])  # type: ignore[arg-type]
