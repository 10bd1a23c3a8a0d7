"""Loader for the golden values of ``make_golden_calibration.R`` (R survey 4.1-1).

``load_golden()`` reads ``golden_calibration.csv`` (one row per statistic: case, estimator,
variable, denominator, by_variable, by, level, statistic, value, note) and its ``#`` header
lines; ``load_weights()`` reads ``weights.csv`` (case, row, weight: the final weights of each
case); ``read_data(name)`` reads a data set of ``data/`` as the R script read it back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# tests/golden/loader.py is the one reader of golden files and R's data sets
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader as _SHARED

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_calibration.csv"
WEIGHTS_FILE = GOLDEN_DIR / "weights.csv"
DATA_DIR = GOLDEN_DIR / "data"

__all__ = ["DATA_DIR", "load_golden", "load_weights", "read_data"]


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden statistics (``value`` as float64, NaN for errors) and the header."""
    return _SHARED.load_golden(path)


def load_weights(path: Path = WEIGHTS_FILE) -> pd.DataFrame:
    """Return the final weights: columns ``case`` (str), ``row`` (1-based), ``weight``."""
    return pd.read_csv(path, dtype={"case": str, "row": np.int64, "weight": np.float64})


def read_data(name: str) -> pd.DataFrame:
    """Read ``data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))`` did."""
    return _SHARED.read_data(name, DATA_DIR)
