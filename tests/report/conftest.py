"""Fixtures of the report tests (inputs from report_synthetic.py): estimates, tables, build
facts, and one report folder written from them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from report_synthetic import BREAKDOWNS, NOTES, make_estimates, make_info, make_tables

from mics_toolkit.report import BuildInfo, write_report


@pytest.fixture(scope="session")
def estimates() -> pd.DataFrame:
    return make_estimates()


@pytest.fixture(scope="session")
def info() -> BuildInfo:
    return make_info()


@pytest.fixture(scope="session")
def tables(estimates) -> list:
    return make_tables(estimates)


@pytest.fixture(scope="session")
def report(tmp_path_factory, estimates, tables, info) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    return write_report(
        folder, tables=tables, estimates=estimates, info=info, breakdowns=BREAKDOWNS,
        notes=NOTES,
    )
