"""Classification of value labels into special codes, overrides and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mics_toolkit.errors import OptionError, VariableError
from mics_toolkit.io import (
    CATEGORIES,
    MISSING_CATEGORIES,
    Metadata,
    classify_label,
    classify_special_codes,
    classify_value_labels,
    special_code_counts,
)

LABELLED = {
    "no_response": [
        "No response",
        "NO RESPONSE",
        "Missing",
        "missing.",
        "NR",
        "No answer",
        "Non-response",
        "Refused to answer",
        "Not stated",
        "99 No response",
        "99. Missing",
        "Missing/DK",
        "months: number missing",
        "days: number missing",
        "Нет ответа",
        "нет  ответа",
        "Отказ от ответа",
        "Нет данных",
        "Не указано",
        "Жауап жоқ",
        "Жауап беруден бас тартты",
        "Мәлімет жоқ",
    ],
    "dont_know": [
        "DK",
        "dk",
        "Don't know",
        "Don’t know",
        "Dont know",
        "Do not know",
        "DK / Not sure",
        "don't know/not sure/depends",
        "don't know, depends",
        "98 DK",
        "Don't know (DK)",
        "Не знаю",
        "Затрудняюсь ответить",
        "Трудно сказать",
        "Не знаю/отказ",
        "Білмеймін",
        "Жауап беруге қиналамын",
        "Айту қиын",
    ],
    "not_applicable": [
        "Not applicable",
        "NA",
        "N/A",
        "n.a.",
        "Inapplicable",
        "Не применимо",
        "Неприменимо",
        "Не относится",
        "Қолданылмайды",
        "Қатысы жоқ",
    ],
    "top_code": [
        "95+",
        "95 +",
        "90+",
        "31+ days",
        "6+ years",
        "95 or more",
        "95 years and over",
        "7 days or more",
        "more than 95",
        "95 и более",
        "95 лет и старше",
        "более 95",
        "95 және одан жоғары",
        "95 жас және одан үлкен",
    ],
    "other": [
        "Other",
        "Other (specify)",
        "96 Other",
        "Другое",
        "Прочее",
        "Басқа",
        "Басқа (көрсетіңіз)",
    ],
}


@pytest.mark.parametrize(
    ("label", "category"),
    [(label, category) for category, labels in LABELLED.items() for label in labels],
)
def test_classify_label(label, category):
    assert classify_label(label) == category


@pytest.mark.parametrize(
    "label",
    [
        None,
        "",
        "Very happy",
        "Очень счастлива",
        "Қала",
        "Yes",
        "No",
        "None",
        "Нет",
        "Refused",  # a result-of-interview category (HH46 = 4), not a non-response
        "Отказ",
        "don't know anyone with aids",
        "yes: don't know",
        "Knows no method",
        "decision not made/not applicable",
        "Inconsistent",
        "2 years",
        "Region 1 - urban",
        "95",
        "Dankness",
        "Namibia",
    ],
)
def test_ordinary_labels_are_not_classified(label):
    assert classify_label(label) is None


@given(
    st.sampled_from([lab for labs in LABELLED.values() for lab in labs]),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
)
def test_classification_ignores_case_and_surrounding_space(label, pad, upper):
    text = pad + (label.upper() if upper else label) + pad
    assert classify_label(text) == classify_label(label)


def test_categories_and_missing_categories():
    assert CATEGORIES == ("no_response", "dont_know", "not_applicable", "top_code", "other")
    assert MISSING_CATEGORIES == {"no_response", "dont_know", "not_applicable"}


def test_classify_value_labels_normalises_codes():
    labels = {0.0: "Ең нашар", 10.0: "Ең жақсы", 98.0: "Білмеймін", 99.0: "Нет ответа"}
    assert classify_value_labels(labels) == {98: "dont_know", 99: "no_response"}
    assert all(type(code) is int for code in classify_value_labels(labels))


def test_overrides_add_change_and_remove():
    value_labels = {"LS2": {98: "DK", 99: "No response"}, "WB4": {95: "95+"}}
    result = classify_special_codes(
        value_labels,
        {
            "LS2": {98.0: "no_response", 97: "not_applicable"},
            "WB4": {95: None},
            "HH6": {9: "other"},
        },
        variables=["LS2", "WB4", "HH6"],
    )
    assert result == {
        "LS2": {98: "no_response", 99: "no_response", 97: "not_applicable"},
        "HH6": {9: "other"},
    }


def test_override_of_unknown_variable():
    with pytest.raises(VariableError) as caught:
        classify_special_codes({"LS2": {}}, {"ls2": {99: None}}, file="wm.sav")
    assert caught.value.close_matches == ["LS2"]
    assert "wm.sav" in str(caught.value)


def test_override_with_unknown_category_lists_valid_ones():
    with pytest.raises(OptionError, match="dont_know"):
        classify_special_codes({"LS2": {}}, {"LS2": {99: "missing"}})


META = Metadata(
    special_codes={
        "LS2": {98: "dont_know", 99: "no_response", 10: "top_code"},
        "code": {"X": "not_applicable"},
    }
)


def test_special_code_counts_on_floats():
    values = np.array([3.0, 99.0, 98.0, 99.0, np.nan, 10.0])
    assert special_code_counts(META, "LS2", values) == {
        98: ("dont_know", 1),
        99: ("no_response", 2),
    }
    assert special_code_counts(META, "LS2", values, categories=CATEGORIES)[10] == ("top_code", 1)


def test_special_code_counts_absent_codes_and_variables():
    assert special_code_counts(META, "LS2", np.array([1.0, 2.0])) == {}
    assert special_code_counts(META, "HH6", np.array([99.0])) == {}


def test_special_code_counts_on_integers_series_and_strings():
    assert special_code_counts(META, "LS2", pd.Series([99, 99, 1])) == {99: ("no_response", 2)}
    strings = pd.Series(["A", "X", None, "X"], dtype="str")
    assert special_code_counts(META, "code", strings) == {"X": ("not_applicable", 2)}
    assert special_code_counts(META, "code", np.array([1.0, 2.0])) == {}
