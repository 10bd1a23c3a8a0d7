"""Fixtures of the index tests (data from index_synthetic.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from index_synthetic import SPEC, make_objective, make_survey

import mics_toolkit as mt
from mics_toolkit.index import IndexSpec, ObjectiveTable


@pytest.fixture(scope="module")
def survey_frame() -> pd.DataFrame:
    return make_survey()


@pytest.fixture(scope="module")
def design(survey_frame):
    return mt.SurveyDesign(survey_frame, weight="weight", strata="stratum", psu="HH1")


@pytest.fixture(scope="module")
def spec() -> IndexSpec:
    return IndexSpec.from_dict(SPEC)


@pytest.fixture(scope="module")
def objective(survey_frame) -> ObjectiveTable:
    values, se = make_objective(sorted(survey_frame["HH7"].unique()))
    return ObjectiveTable(values, se)
