"""Domains (subpopulations) of an estimate: the ``by`` cross-classification and ``where`` filter.

A domain is identified by an integer code per row (``-1`` for rows outside every domain). The
list of domains is every combination of ``by`` values present in the whole design's data, in
sorted order, so that a domain emptied by ``where`` or by missing values still gets its row
(with ``n_unweighted == 0``). Rows are never dropped: rows outside a domain keep their PSU in
the design.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mics_toolkit.design import Design
from mics_toolkit.errors import OptionError
from mics_toolkit.estimate.cache import engine_cache
from mics_toolkit.expr import where_mask

__all__ = ["Domains", "by_names", "domains_of", "every_row"]


@dataclass(frozen=True)
class Domains:
    """Domain membership of every row.

    Attributes
    ----------
    index : numpy.ndarray
        Domain code of each row, ``-1`` when the row is outside every domain (a missing ``by``
        value or ``where`` false).
    table : pandas.DataFrame
        One row per domain, the ``by`` columns with their values (no columns when ``by`` is
        None: a single domain, the whole population).
    by : tuple of str
        The ``by`` variable names.
    """

    index: np.ndarray
    table: pd.DataFrame
    by: tuple[str, ...]

    @property
    def n_domains(self) -> int:
        """Number of domains."""
        return len(self.table)


def by_names(by) -> tuple[str, ...]:
    """``by`` as a tuple of column names (empty for None); OptionError for anything else or
    a name given twice."""
    if by is None:
        return ()
    if isinstance(by, str):
        return (by,)
    names = tuple(by) if isinstance(by, (list, tuple)) else (by,)
    if not all(isinstance(n, str) for n in names):
        raise OptionError(f"by= takes a column name or a list of column names, not {by!r}",
                          option="by", value=by, valid=())
    if len(set(names)) != len(names):
        raise OptionError(f"by= names a column twice: {list(names)!r}", option="by",
                          value=by, valid=())
    return names


def every_row(design: Design) -> np.ndarray:
    """The domain codes of one domain holding every row: read-only zeros, kept per design (the
    engine knows this partition by its identity: its cells are the PSUs)."""
    cache = engine_cache(design)
    index = cache.all_rows
    if index is None:
        index = np.zeros(design.n_rows, dtype=np.intp)
        index.flags.writeable = False
        cache.all_rows = index
    return index


def domains_of(design: Design, by=None, where=None) -> Domains:
    """Return the :class:`Domains` defined by ``by`` and ``where`` on ``design``.

    Parameters
    ----------
    design : Design
    by : str or list of str, optional
        Variables whose value combinations define the domains (cross-classified).
    where : str or array-like of bool, optional
        A filter: an expression of the safe expression language (``"WB4 <= 24"``) or a boolean
        array with one value per row. Rows where it is false or unknown are outside every
        domain.
    """
    names = by_names(by)
    n_rows = design.n_rows
    mask = None if where is None else where_mask(where, design.frame, n_rows=n_rows)
    cache = engine_cache(design)

    if not names:
        if mask is None:
            index = every_row(design)
        else:
            index = np.where(mask, 0, -1).astype(np.intp)
        return Domains(index=index, table=pd.DataFrame(index=range(1)), by=())

    cached = cache.domains.get(names)
    if cached is None:
        codes = [design.codes(name, role="by") for name in names]
        if len(names) == 1:
            # the (read-only) codes of one variable are its domains: every value occurs
            base, uniques = codes[0]
            table = pd.DataFrame({names[0]: _as_column(uniques, design.frame[names[0]])})
            cache.domains[names] = cached = (base, table)
    if cached is None:
        combined = np.zeros(n_rows, dtype=np.int64)
        valid = np.ones(n_rows, dtype=bool)
        for c, uniques in codes:
            valid &= c >= 0
            combined = combined * max(len(uniques), 1) + np.maximum(c, 0)
        present, inverse = np.unique(combined[valid], return_inverse=True)
        base = np.full(n_rows, -1, dtype=np.intp)
        base[valid] = inverse
        columns = {}
        rest = present.copy()
        for name, (_, uniques) in reversed(list(zip(names, codes, strict=True))):
            size = max(len(uniques), 1)
            columns[name] = uniques[rest % size]
            rest //= size
        table = pd.DataFrame({name: _as_column(columns[name], design.frame[name])
                              for name in names})
        base.flags.writeable = False
        cached = (base, table)
        cache.domains[names] = cached
    base, table = cached
    # without a filter the cached array itself is returned (read-only), so that later
    # steps can recognise the same partition of rows
    index = base if mask is None else np.where(mask, base, -1)
    return Domains(index=index, table=table, by=names)  # cached table: read, never modified


def _as_column(values: np.ndarray, original: pd.Series) -> pd.Series:
    """Domain values with the dtype of the original column where possible."""
    try:
        return pd.Series(values).astype(original.dtype)
    except (TypeError, ValueError):
        return pd.Series(values)
