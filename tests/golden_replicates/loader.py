"""Loader for the replicate-design golden values computed by ``make_golden_replicates.R``.

``load_golden()`` reads ``golden_replicates.csv`` (one row per statistic: case, design, call,
by, level, statistic, value, note) and its ``#`` header lines; ``read_data(name)`` reads one of
the CSV files in ``data/`` as the R script read it back (empty cells and ``NA`` are missing);
``parse_by`` splits a domain cell ``"area=1;region=2"``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

# tests/golden/loader.py is the one reader of golden files and R's data sets
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader as _SHARED

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_replicates.csv"
DATA_DIR = GOLDEN_DIR / "data"

__all__ = ["DATA_DIR", "GOLDEN_FILE", "load_golden", "parse_by", "read_data"]

parse_by = _SHARED.parse_by


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden statistics (``value`` as float64, other columns as strings) and the
    ``# key: value`` header lines as a dict."""
    return _SHARED.load_golden(path)


def read_data(name: str) -> pd.DataFrame:
    """Read ``data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))`` did."""
    return _SHARED.read_data(name, DATA_DIR)
