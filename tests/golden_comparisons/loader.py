"""Loader for the comparison and test golden values computed by ``make_golden_comparisons.R``.

``load_golden()`` reads ``golden_comparisons.csv`` (one row per value: case, call, contrast,
quantity, value) and its ``#`` header lines; ``read_data(name)`` reads one of the data sets of
``tests/golden/data`` as the R script read it back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

# tests/golden/loader.py is the one reader of golden files and R's data sets
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader as _SHARED

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_comparisons.csv"

__all__ = ["GOLDEN_FILE", "load_golden", "read_data"]


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden values (``value`` as float64, other columns as strings) and the
    ``# key: value`` header lines as a dict."""
    return _SHARED.load_golden(path)


def read_data(name: str) -> pd.DataFrame:
    """Read ``tests/golden/data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))``."""
    return _SHARED.read_data(name)
