"""Loader for the golden values computed by ``make_golden.R`` with R's survey package.

The other golden folders' loaders use these readers with their own files.
``load_golden()`` reads ``golden.csv`` (one row per statistic: case, design, call, by, level,
statistic, value, note) and its ``#`` header lines (R and survey versions, options, design
calls); ``read_data(name)`` reads one of the CSV data sets in ``data/`` exactly as the R script
read it back (empty cells and ``NA`` are missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden.csv"
DATA_DIR = GOLDEN_DIR / "data"

__all__ = ["DATA_DIR", "GOLDEN_FILE", "load_golden", "parse_by", "read_data"]


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden statistics and the header metadata.

    Returns
    -------
    frame : pandas.DataFrame
        Columns ``case, design, call, by, level, statistic, note`` as strings ("" when empty)
        and ``value`` as float64 (NaN where R gives NaN, and for the expected-error rows, statistic ``"error"``).
    metadata : dict
        The ``# key: value`` header lines, e.g. ``metadata["survey"] == "4.1.1"``.
    """
    metadata: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, _, text = line[1:].partition(":")
            if text:
                metadata[key.strip()] = text.strip()
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    # Python's float() parses R's "%.17g" text exactly, and "NaN", "Inf", "-Inf"
    frame["value"] = [float(text) if text else np.nan for text in frame["value"]]
    return frame, metadata


def read_data(name: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read ``data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))`` did."""
    return pd.read_csv(data_dir / f"{name}.csv", keep_default_na=False, na_values=["", "NA"])


def parse_by(text: str) -> dict[str, str]:
    """Split a ``by`` cell ``"stype=E;yr_rnd=No"`` into ``{"stype": "E", "yr_rnd": "No"}``."""
    if not text:
        return {}
    return dict(part.split("=", 1) for part in text.split(";"))
