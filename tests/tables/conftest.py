"""Fixtures of the tables tests (synthetic results from tables_synthetic.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from tables_synthetic import make_design, make_estimates

import mics_toolkit as mt


@pytest.fixture(scope="module")
def design() -> mt.SurveyDesign:
    return make_design()


@pytest.fixture(scope="module")
def estimates(design) -> pd.DataFrame:
    return make_estimates(design)
