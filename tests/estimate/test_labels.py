"""with_labels: codes of by columns and categories replaced by value labels, as ordered
categoricals in code order, on single results and on tabulate frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

import mics_toolkit as mt
from mics_toolkit.io import Metadata, SurveyData

LABELS = {
    "HH6": {1: "Urban", 2: "Rural"},
    "windex5": {1: "Poorest", 2: "Second", 3: "Middle", 4: "Fourth", 5: "Richest"},
    "LS1": {1: "Very happy", 2: "Somewhat happy", 3: "Neither", 4: "Unhappy"},
    "CP2": {1: "Yes", 2: "No"},
}


def _design() -> mt.SurveyDesign:
    rng = np.random.default_rng(3)
    n = 600
    psu = np.sort(rng.integers(0, 30, n))
    frame = pd.DataFrame({
        "psu": psu, "stratum": psu // 5, "w": rng.uniform(0.5, 2, n),
        "HH6": psu % 2 + 1, "windex5": rng.integers(1, 7, n),  # 6 has no label
        "LS1": rng.integers(1, 5, n), "CP2": rng.integers(1, 3, n), "y": rng.normal(size=n),
    })
    data = SurveyData(frame, Metadata(value_labels=LABELS))
    return mt.SurveyDesign(data, weight="w", strata="stratum", psu="psu")


def test_by_labels_in_code_order_and_codes_without_label_as_text():
    design = _design()
    result = mt.with_labels(design.mean("y", by="windex5"), design.meta)
    column = result["windex5"]
    assert isinstance(column.dtype, pd.CategoricalDtype) and column.cat.ordered
    assert list(column.cat.categories) == ["Poorest", "Second", "Middle", "Fourth", "Richest",
                                           "6"]
    assert column.tolist() == list(column.cat.categories)
    # sorting keeps the survey's order, not the alphabet
    shuffled = result.sample(frac=1, random_state=1).sort_values("windex5")
    assert shuffled["windex5"].tolist() == list(column.cat.categories)
    np.testing.assert_array_equal(result["estimate"], design.mean("y", by="windex5")["estimate"])


def test_proportion_levels_and_cross_classified_by():
    design = _design()
    result = mt.with_labels(design.proportion("LS1", by=["HH6", "windex5"]), design.meta)
    assert list(result["level"].cat.categories) == list(LABELS["LS1"].values())
    assert set(result["HH6"]) == {"Urban", "Rural"}
    assert result["HH6"].iloc[0] == "Urban" and result["level"].iloc[1] == "Somewhat happy"


def test_tabulate_frames_are_labelled_row_by_row():
    design = _design()
    table = design.tabulate(mean=["y"], proportion=["LS1", "CP2"],
                            breakdowns=[None, "HH6", "windex5"])
    labelled = mt.with_labels(table, design.meta)
    # each breakdown's column labelled where it is used, missing elsewhere
    hh6 = labelled["HH6"]
    assert set(hh6.dropna()) == {"Urban", "Rural"}
    assert hh6.isna().tolist() == table["HH6"].isna().tolist()
    # the level of each row labelled with its own variable's labels
    for variable, labels in (("LS1", LABELS["LS1"]), ("CP2", LABELS["CP2"])):
        rows = table["variable"] == variable
        expected = [labels[int(code)] for code in table.loc[rows, "level"]]
        assert labelled.loc[rows, "level"].tolist() == expected
    assert labelled.loc[table["estimator"] == "mean", "level"].isna().all()
    assert list(labelled["level"].cat.categories) == [*LABELS["LS1"].values(), "Yes", "No"]
    pd.testing.assert_series_equal(labelled["estimate"], table["estimate"])


def test_unlabelled_result_is_unchanged():
    design = _design()
    result = design.mean("y", by="psu")
    pd.testing.assert_frame_equal(mt.with_labels(result, design.meta), result)
