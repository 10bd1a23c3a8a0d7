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
    classify_quantity_codes,
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
    "non_numeric": [
        "non-numeric response",  # DHS v613/mv613 96
        "Non-numeric response",
        "96 Non-numeric response",
        "non-numeric",
        "other, non-numeric",  # DHS 996 of the desired time for a birth
        "Up to God",
        "Нечисловой ответ",
        "Сандық емес жауап",
    ],
    "inconsistent": [
        "inconsistent",  # DHS 97/997
        "Inconsistent",
        "997 Inconsistent",
        "Inconsistent response",
        "Противоречивый ответ",
        "Сәйкес емес жауап",
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
    assert CATEGORIES == (
        "no_response",
        "dont_know",
        "not_applicable",
        "non_numeric",
        "inconsistent",
        "top_code",
        "other",
    )
    assert MISSING_CATEGORIES == {
        "no_response",
        "dont_know",
        "not_applicable",
        "non_numeric",
        "inconsistent",
    }


def test_dhs_codes_and_their_longer_forms_are_classified_from_their_labels():
    labels = {
        96: "non-numeric response",
        97: "inconsistent",
        98: "don't know",
        99: "missing",
        996: "other, non-numeric",
        997: "inconsistent",
        998: "don't know",
        999: "missing",
        9996: "non-numeric response",
        9997: "inconsistent",
        9998: "don't know",
        9999: "missing",
    }
    expected = ["non_numeric", "inconsistent", "dont_know", "no_response"]
    assert classify_value_labels(labels) == dict(
        zip(labels, expected * 3, strict=True)
    )


# ------------------------------------------------------------------ text-labelled codes


def test_quantity_codes_are_found_whatever_their_wording():
    # ideal number of children: values unlabelled, 96 and 97 labelled with text
    values = np.array([0.0, 2.0, 4.0, 4.0, 6.0, 96.0, 96.0, 97.0, np.nan])
    labels = {0: "none", 96: "as many as possible", 97: "up to her husband", 98: "DK"}
    assert classify_quantity_codes(labels, values) == {96: "non_numeric", 97: "non_numeric"}
    # through classify_special_codes the label-classified 98 keeps its own category
    result = classify_special_codes({"v613": labels}, values={"v613": values})
    assert result == {"v613": {96: "non_numeric", 97: "non_numeric", 98: "dont_know"}}
    assert special_code_counts(Metadata(special_codes=result), "v613", values) == {
        96: ("non_numeric", 2),
        97: ("non_numeric", 1),
    }


@pytest.mark.parametrize(
    ("code", "label"),
    [(95, "always"), (995, "before last birth"), (9995, "refused"), (9996, "not weighed")],
)
def test_codes_of_nines_with_text_labels_above_the_values(code, label):
    values = np.array([10.0, 20.0, 30.0, float(code)])
    assert classify_quantity_codes({code: label}, values) == {code: "non_numeric"}


@pytest.mark.parametrize(
    ("labels", "values"),
    [
        # the end of a scale is a value: ladder 0-10 with text at both ends
        ({0: "Worst possible life", 10: "Best possible life"}, [0, 3, 7, 9, 10]),
        # every value labelled: a list of categories (96 "visitor" of a relationship code)
        ({1: "Head", 2: "Wife", 96: "Visitor"}, [1, 2, 2, 96]),
        # a label that is a number, or a top code
        ({96: "96", 95: "95+", 97: "97 years"}, [20, 40, 95, 96, 97]),
        # inside the measured range
        ({96: "not a number"}, [20, 96, 150]),
        # not made of nines
        ({88: "refused"}, [1, 2, 3, 88]),
        # text data
        ({"96": "other"}, ["1", "2", "96"]),
    ],
    ids=["scale-ends", "categories", "number-labels", "inside-range", "not-nines", "text"],
)
def test_values_are_not_quantity_codes(labels, values):
    array = np.array(values, dtype=object if isinstance(values[0], str) else float)
    assert classify_quantity_codes(labels, array) == {}


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
