"""Loader for the replicate-design golden values computed by ``make_golden_replicates.R``.

``load_golden()`` reads ``golden_replicates.csv`` (one row per statistic: case, design, call,
by, level, statistic, value, note) and its ``#`` header lines; ``read_data(name)`` reads one of
the CSV files in ``data/`` as the R script read it back (empty cells and ``NA`` are missing);
``parse_by`` splits a domain cell ``"area=1;region=2"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_replicates.csv"
DATA_DIR = GOLDEN_DIR / "data"

__all__ = ["DATA_DIR", "GOLDEN_FILE", "load_golden", "parse_by", "read_data"]


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the golden statistics (``value`` as float64, other columns as strings) and the
    ``# key: value`` header lines as a dict."""
    metadata: dict[str, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, _, text = line[1:].partition(":")
            if text:
                metadata[key.strip()] = text.strip()
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    frame["value"] = [float(text) if text else np.nan for text in frame["value"]]
    return frame, metadata


def read_data(name: str) -> pd.DataFrame:
    """Read ``data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))`` did."""
    return pd.read_csv(DATA_DIR / f"{name}.csv", keep_default_na=False, na_values=["", "NA"])


def parse_by(text: str) -> dict[str, str]:
    """Split a ``by`` cell ``"area=1;region=2"`` into ``{"area": "1", "region": "2"}``."""
    if not text:
        return {}
    return dict(part.split("=", 1) for part in text.split(";"))
