"""Loader for the glm golden values computed by ``make_golden_glm.R``.

``load_golden()`` reads ``golden_glm.csv`` (one row per statistic: case, design, lonely_psu,
family, formula, where, call, term, term2, statistic, value, note) and its ``#`` header lines;
``read_data(folder, name)`` reads a data set of ``tests/<folder>/data`` as the R script read
it back (empty cells and ``NA`` are missing); ``read_factors()`` the BRR factors R made.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

# tests/golden/loader.py is the one reader of golden files and R's data sets
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader as _SHARED

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_glm.csv"
DATA_DIR = GOLDEN_DIR / "data"
TESTS_DIR = GOLDEN_DIR.parent

__all__ = ["DATA_DIR", "GOLDEN_FILE", "load_golden", "read_data", "read_factors"]


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden statistics (``value`` as float64, other columns as strings) and the
    ``# key: value`` header lines as a dict."""
    return _SHARED.load_golden(path)


def read_data(folder: str, name: str) -> pd.DataFrame:
    """Read ``tests/<folder>/data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))``
    did."""
    return _SHARED.read_data(name, TESTS_DIR / folder / "data")


def read_factors(name: str = "pairs_brr") -> pd.DataFrame:
    """R's replicate factors, one row per record: the key ``hh`` and ``f1 .. fR``."""
    return pd.read_csv(DATA_DIR / f"{name}_factors.csv")
