"""Codes of a measured quantity that are not quantities (DHS 96 "non-numeric response"),
read from a file: classified, turned missing on request, and warned about by an average."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import SpecialCodeWarning

# ideal number of children as DHS codes it: counts unlabelled, 96 and 97 labelled with text
IDEAL = [2, 3, 4, 4, 5, 6, 96, 96, 96, 97, 98, 2, 3, 4, 10, 0]
LABELS = {
    "ideal": {0: "none", 96: "as many as God gives", 97: "inconsistent", 98: "don't know"},
    "relation": {1: "head", 2: "wife", 96: "visitor"},
}


@pytest.fixture
def men_file(tmp_path):
    n = len(IDEAL)
    frame = pd.DataFrame(
        {
            "cluster": np.repeat(np.arange(1, 9), 2),
            "stratum": np.repeat([1, 2], n // 2),
            "weight": np.linspace(0.5, 2.0, n),
            "ideal": np.array(IDEAL, dtype=float),
            "relation": np.array([1, 2, 96, 1] * (n // 4), dtype=float),
        }
    )
    path = tmp_path / "mn.sav"
    mt.write(frame, path, meta=mt.Metadata(value_labels=LABELS))
    return path, frame


def test_text_labelled_codes_of_a_count_are_special_codes(men_file):
    path, _ = men_file
    data = mt.read(path)
    assert data.meta.special_codes["ideal"] == {
        96: "non_numeric",
        97: "inconsistent",
        98: "dont_know",
    }
    # every value of the relationship code is labelled: a list of categories, 96 is a value
    assert "relation" not in data.meta.special_codes


def test_special_codes_missing_blanks_them(men_file):
    path, frame = men_file
    data = mt.read(path, special_codes="missing")
    expected = frame["ideal"].where(frame["ideal"] < 96)
    np.testing.assert_array_equal(data.frame["ideal"], expected)
    np.testing.assert_array_equal(data.frame["relation"], frame["relation"])


def test_an_average_warns_naming_the_codes_and_counts(men_file):
    path, frame = men_file
    design = mt.SurveyDesign(mt.read(path), weight="weight", strata="stratum", psu="cluster")
    with pytest.warns(SpecialCodeWarning) as caught:
        design.mean("ideal")
    message = str(caught[0].message)
    assert "96 'as many as God gives' (non_numeric): 3 rows" in message
    assert "97 'inconsistent' (inconsistent): 1 rows" in message
    assert "98 'don't know' (dont_know): 1 rows" in message
    clean = mt.SurveyDesign(
        mt.read(path, special_codes="missing"), weight="weight", strata="stratum", psu="cluster"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecialCodeWarning)
        result = clean.mean("ideal")
    keep = frame["ideal"] < 96
    expected = np.average(frame["ideal"][keep], weights=frame["weight"][keep])
    assert result["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_read_metadata_classifies_from_labels_only(men_file):
    path, _ = men_file
    _, _, meta = mt.read_metadata(path)
    # without the values, 96 "as many as God gives" cannot be told from a category
    assert meta.special_codes["ideal"] == {97: "inconsistent", 98: "dont_know"}
