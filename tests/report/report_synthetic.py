"""Inputs of the report tests: the synthetic results of tests/tables/tables_synthetic.py, their
tables and appendix (imported by conftest.py and the test modules)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tables"))

from tables_synthetic import (
    APPENDIX_INDICATORS,
    AREA,
    REGION,
    SEX,
    SPEC,
    TOTAL,
    make_estimates,
)

from mics_toolkit.report import BuildInfo
from mics_toolkit.tables import build_table, sampling_errors

__all__ = ["BREAKDOWNS", "NOTES", "make_estimates", "make_info", "make_tables"]

BREAKDOWNS = [TOTAL, AREA, REGION, SEX]
NOTES = ["Synthetic survey for tests.", "=HYPERLINK(\"http://x\")", "+1", "-", "@SUM(A1)"]


def make_info(**changes) -> BuildInfo:
    fields = {
        "build_date": "2024-06-30",
        "title": "Synthetic MICS: tables",
        "spec_hash": "9" * 64,
        "inputs": {"wm.sav": "a" * 64, "hh.sav": "b" * 64},
        "design": {"wm": {"weight": "wmweight", "strata": "HH6", "psu": "HH1"}},
        "conventions": {"ci": "t", "df": "design", "lonely_psu": "fail"},
        "versions": {"python": "3.11", "mics-toolkit": "0.1.0"},
    }
    return BuildInfo(**{**fields, **changes})


def make_tables(estimates: pd.DataFrame, lang: str = "en") -> list:
    """The standard table EQ.1 and the appendix for the total and each area."""
    table = build_table(SPEC, estimates, lang=lang)
    errors = sampling_errors(estimates, APPENDIX_INDICATORS, [TOTAL, AREA])
    return [table, *errors.to_tables(lang)]
