"""Assembly of estimates into the package's fixed frames.

Every estimator returns a pandas DataFrame with the ``by`` columns, ``level`` for the category
of a proportion, then exactly the columns of :data:`RESULT_COLUMNS`, with fixed dtypes (float64
for statistics and ``n_weighted``, int64 for ``n_unweighted``). The conventions used are
recorded in ``frame.attrs["mics"]``. :func:`result_statistics` turns estimates, variances,
design-effect variances, df and counts into those columns (standard errors, intervals, CV,
design effects), the same for every statistic and every design.

The estimates of many indicators (a report) have one canonical long frame,
:data:`ESTIMATE_COLUMNS`: ``indicator``, ``breakdown`` (:func:`breakdown_label`), ``category``
(:func:`category_key` of the domain's values, ``"total"`` for the total), then the result
columns. :func:`estimates_frame` makes it where the estimates are computed; tables, the
sampling-error appendix, the tidy outputs and the index read it as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mics_toolkit.estimate.intervals import (
    korn_graubard_interval,
    logit_interval,
    multiplier,
    symmetric_interval,
)
from mics_toolkit.io import normalise_code

__all__ = [
    "ESTIMATE_COLUMNS",
    "RESULT_COLUMNS",
    "TOTAL",
    "Conventions",
    "breakdown_label",
    "category_key",
    "domain_row_counts",
    "estimates_frame",
    "new_frame",
    "result_frame",
    "result_statistics",
]

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

ESTIMATE_COLUMNS: tuple[str, ...] = ("indicator", "breakdown", "category", *RESULT_COLUMNS)
"""Columns of the canonical long estimates frame (:func:`estimates_frame`)."""

TOTAL = "total"
"""The ``breakdown`` (and ``category``) of the estimates over the whole universe (no ``by``)."""


def breakdown_label(by) -> str:
    """The ``breakdown`` text of a ``by``: ``"total"`` for none, names joined by ``+``.

    Examples
    --------
    >>> breakdown_label(None), breakdown_label("HH6"), breakdown_label(["HH6", "windex5"])
    ('total', 'HH6', 'HH6+windex5')
    """
    if by is None:
        return TOTAL
    names = [by] if isinstance(by, str) else list(by)
    return "+".join(names) if names else TOTAL


def category_key(code: object) -> str:
    """A category code as the text of the ``category`` column (whole numbers without
    decimals).

    Examples
    --------
    >>> category_key(1.0), category_key(2), category_key("a"), category_key(2.5)
    ('1', '2', 'a', '2.5')
    """
    return str(normalise_code(code.item() if isinstance(code, np.generic) else code))


def estimates_frame(pieces) -> pd.DataFrame:
    """The canonical long estimates frame (:data:`ESTIMATE_COLUMNS`) from its pieces.

    Parameters
    ----------
    pieces : iterable of (str, tuple of str, DataFrame, dict)
        ``(indicator, by, domain_table, statistics)``: an indicator's estimates over the
        domains of one breakdown; ``domain_table`` holds the ``by`` columns (one row per
        domain, G rows: a DataFrame, or a mapping of column to list), ``statistics`` each
        result column as a (G,) array.

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``breakdown`` and ``category`` as text (the domain's values through
        :func:`category_key`, joined by ``+``; ``"total"``), ``n_unweighted`` int64 and the
        other statistics float64; rows in the order of the pieces.
    """
    indicators, breakdowns, categories = [], [], []
    statistics: dict[str, list[np.ndarray]] = {name: [] for name in RESULT_COLUMNS}
    for indicator, by, table, values in pieces:
        n = len(np.asarray(values["estimate"]).reshape(-1))
        indicators += [indicator] * n
        breakdowns += [breakdown_label(list(by))] * n
        if by:
            columns = [list(table[name]) for name in by]
            categories += ["+".join(category_key(c[i]) for c in columns) for i in range(n)]
        else:
            categories += [TOTAL] * n
        for name in RESULT_COLUMNS:
            statistics[name].append(np.asarray(values[name]).reshape(-1))
    columns: dict[str, object] = {
        "indicator": pd.array(indicators, dtype="str"),
        "breakdown": pd.array(breakdowns, dtype="str"),
        "category": pd.array(categories, dtype="str"),
    }
    for name in RESULT_COLUMNS:
        dtype = np.int64 if name == "n_unweighted" else np.float64
        parts = statistics[name]
        columns[name] = (np.concatenate(parts) if parts else np.array([])).astype(dtype)
    return new_frame(columns)


class Conventions(Mapping):
    """The conventions of a result, ``result.attrs["mics"]``: a read-only mapping.

    pandas deep-copies a frame's ``attrs`` whenever a column is taken or a method returns a
    new frame; a read-only mapping is shared instead of copied, so column access stays cheap
    however much a result records.
    """

    __slots__ = ("_items",)

    def __init__(self, items=()) -> None:
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __copy__(self) -> Conventions:
        return self

    def __deepcopy__(self, memo) -> Conventions:
        return self

    def __repr__(self) -> str:
        return f"Conventions({self._items!r})"


def result_frame(
    domain_table: pd.DataFrame,
    statistics: dict[str, np.ndarray],
    *,
    levels: np.ndarray | None = None,
    attrs: dict | None = None,
    level_name: str = "level",
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
    level_name : str
        The name of the levels' column (``"quantile"`` for the probabilities of quantiles).
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
        columns[level_name] = np.tile(np.asarray(levels), n_domains)
    for name in RESULT_COLUMNS:
        values = np.asarray(statistics[name]).reshape(-1)
        columns[name] = values.astype(np.int64 if name == "n_unweighted" else np.float64)
    out = new_frame(columns)
    out.attrs["mics"] = Conventions(attrs or {})
    return out


def new_frame(columns: dict[str, object]) -> pd.DataFrame:
    """A frame of equal-length 1-D columns, as ``pd.DataFrame(columns)``.

    Columns of numbers and pandas arrays need none of pandas' per-column inference, so such a
    frame is assembled directly from its arrays (a tenth of the time of the general
    constructor, which dominates a small result); any other column goes through
    ``pd.DataFrame``.
    """
    arrays = list(columns.values())
    direct = getattr(pd.DataFrame, "_from_arrays", None)
    if direct is not None and arrays and all(
        (isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind in "biuf")
        or isinstance(a, pd.api.extensions.ExtensionArray)
        for a in arrays
    ):
        return direct(arrays, columns=_column_index(tuple(columns)),
                      index=pd.RangeIndex(len(arrays[0])), verify_integrity=False)
    return pd.DataFrame(columns, copy=False)


@functools.lru_cache(maxsize=512)
def _column_index(names: tuple) -> pd.Index:
    """The (immutable) column index of a frame with these column names, made once."""
    return pd.Index(list(names))


def result_statistics(
    estimate: np.ndarray,
    variance: np.ndarray,
    srs: np.ndarray,
    dof: np.ndarray,
    n_positive: np.ndarray,
    weight_total: np.ndarray,
    *,
    level: float,
    ci: str,
    interval: str | None,
    n_rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each of the result columns as a (G, K) array.

    Parameters
    ----------
    estimate, variance, srs, dof, n_positive, weight_total : numpy.ndarray, shape (G, K)
        ``srs`` is the variance under simple random sampling with replacement of the
        domain's n (``deff = variance / srs``, NaN where ``srs`` is 0 or undefined).
    level, ci
        As for the estimators.
    interval : {"logit", "korn-graubard"} or None
        The interval of a proportion; None for the symmetric ``estimate -+ q SE``.
    n_rows : numpy.ndarray, shape (G, 1), optional
        Rows of each domain whatever their weight or missingness, for Korn-Graubard.
    """
    se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(srs > 0, variance / srs, np.nan)
        cv = se / estimate
    q = multiplier(level, ci, dof)
    if interval == "logit":
        lower, upper = logit_interval(estimate, se, q)
    elif interval == "korn-graubard":
        lower, upper = korn_graubard_interval(estimate, variance, n_rows, dof, level, ci)
    else:
        lower, upper = symmetric_interval(estimate, se, q)
    return {
        "estimate": estimate,
        "se": se,
        "ci_lower": lower,
        "ci_upper": upper,
        "cv": cv,
        "deff": deff,
        "deft": np.sqrt(deff),
        "df": dof,
        "n_unweighted": n_positive,
        "n_weighted": weight_total,
    }


def domain_row_counts(index: np.ndarray, n_domains: int) -> np.ndarray:
    """Rows per domain, whatever their weight or missingness, shape (G, 1): R's ``nrow()`` of
    the subset design, the n of ``svyciprop(method="beta")``."""
    inside = index[index >= 0]
    return np.bincount(inside, minlength=n_domains).astype(float)[:, None]
