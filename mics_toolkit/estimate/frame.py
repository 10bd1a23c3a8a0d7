"""Assembly of estimator results into the package's fixed result frame.

Every estimator returns a pandas DataFrame with the ``by`` columns, ``level`` for the category
of a proportion, then exactly the columns of :data:`RESULT_COLUMNS`, with fixed dtypes (float64
for statistics and ``n_weighted``, int64 for ``n_unweighted``). The conventions used are
recorded in ``frame.attrs["mics"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RESULT_COLUMNS", "result_frame"]

RESULT_COLUMNS: tuple[str, ...] = (
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "cv",
    "deff",
    "deft",
    "df",
    "n_unweighted",
    "n_weighted",
)


def result_frame(
    domain_table: pd.DataFrame,
    statistics: dict[str, np.ndarray],
    *,
    levels: np.ndarray | None = None,
    attrs: dict | None = None,
) -> pd.DataFrame:
    """Build the result frame from (G, K) arrays of statistics.

    Parameters
    ----------
    domain_table : DataFrame
        One row per domain with the ``by`` columns (G rows).
    statistics : dict
        Each of :data:`RESULT_COLUMNS` mapped to a (G, K) array.
    levels : array, optional
        The K categories of a proportion; rows are ordered domain by domain, level within
        domain. Without levels, K must be 1.
    attrs : dict, optional
        Conventions stored in ``frame.attrs["mics"]``.
    """
    n_domains = len(domain_table)
    n_levels = 1 if levels is None else len(levels)
    repeat = np.repeat(np.arange(n_domains), n_levels)
    columns: dict[str, object] = {
        name: (series.array.take(repeat) if isinstance(series.dtype, pd.api.extensions.ExtensionDtype)
               else series.to_numpy()[repeat])
        for name, series in domain_table.items()
    }
    if levels is not None:
        columns["level"] = np.tile(np.asarray(levels), n_domains)
    for name in RESULT_COLUMNS:
        values = np.asarray(statistics[name]).reshape(-1)
        columns[name] = values.astype(np.int64 if name == "n_unweighted" else np.float64)
    out = pd.DataFrame(columns, copy=False)
    out.attrs["mics"] = dict(attrs or {})
    return out
