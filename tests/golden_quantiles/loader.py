"""Loader for the quantile golden values computed by ``make_golden_quantiles.R``.

``load_golden()`` reads ``golden_quantiles.csv`` (one row per case, domain and probability:
case, call, by, quantile, estimate, se, ci_lower, ci_upper, df, error) with its ``#`` header:
versions and options, the ``design`` calls, each ``case``'s settings and the ``svyby`` call a
domain case equals. ``read_data(folder, name)`` reads a data set of ``tests/golden/data`` or
``tests/golden_replicates/data`` as the R script read it; ``parse_by`` splits a domain cell.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

# tests/golden/loader.py is the one reader of golden files and R's data sets
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))
import loader as _SHARED

GOLDEN_DIR = Path(__file__).resolve().parent
GOLDEN_FILE = GOLDEN_DIR / "golden_quantiles.csv"
TESTS_DIR = GOLDEN_DIR.parent
STATISTICS = ("estimate", "se", "ci_lower", "ci_upper", "df")

__all__ = ["GOLDEN_FILE", "STATISTICS", "CaseSettings", "load_golden", "parse_by", "read_data"]

parse_by = _SHARED.parse_by


class CaseSettings(NamedTuple):
    """The settings of one case, from its ``# case`` header line."""

    design: str
    variable: str
    qrule: str
    interval: str
    by_variable: str
    where: str
    df: str  # "default" (R's degf() of the subset), "design" or "Inf"
    level: float


def load_golden(path: Path = GOLDEN_FILE) -> tuple[pd.DataFrame, dict[str, str],
                                                   dict[str, CaseSettings]]:
    """Return the golden rows, the header metadata and the settings of every case.

    Returns
    -------
    frame : pandas.DataFrame
        ``case, call, by, error`` as strings ("" when empty), ``quantile`` and the
        :data:`STATISTICS` as float64 (NaN where R gives NaN or stops).
    metadata : dict
        ``# key: value`` header lines other than cases (``metadata["survey"] == "4.1.1"``,
        ``metadata["design dstrat"]`` its call, ``metadata["svyby <case>"]``).
    cases : dict
        Case name -> :class:`CaseSettings`.
    """
    metadata: dict[str, str] = {}
    cases: dict[str, CaseSettings] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            key, _, text = line[1:].partition(":")
            key, text = key.strip(), text.strip()
            if key.startswith("case "):
                settings = dict(part.split("=", 1) for part in text.split("; "))
                settings["level"] = float(settings["level"])
                cases[key[len("case "):]] = CaseSettings(**settings)
            else:
                metadata[key] = text
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    for column in ("quantile", *STATISTICS):
        frame[column] = [float(text) if text else np.nan for text in frame[column]]
    return frame, metadata, cases


def read_data(folder: str, name: str) -> pd.DataFrame:
    """Read ``tests/<folder>/data/<name>.csv`` as R's ``read.csv(na.strings = c("", "NA"))``."""
    return _SHARED.read_data(name, TESTS_DIR / folder / "data")
