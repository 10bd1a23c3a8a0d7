"""PSU-level totals and linearised scores, for all domains and variables in one pass.

Every estimator of the package is a ratio of two weighted totals in a domain (a mean is a ratio
to the domain size, a proportion a mean of a 0/1 indicator, a total a ratio with no
denominator). This module sums, in one pass over the rows, the weighted numerator and
denominator of every (domain, variable) pair within each PSU, storing only the (domain, PSU)
cells that hold domain rows, so the cost grows with the number of rows, not with
domains x PSUs. From those cells it forms the linearised scores (Binder 1983):

* ratio ``R = Y / X``: the PSU score of cell c is ``z_c = (A_c - R B_c) / X``, where ``A_c`` and
  ``B_c`` are the weighted numerator and denominator sums of the cell;
* total ``Y``: ``z_c = A_c``.

The same PSU-level totals serve replicate and bootstrap variance, where a replicate weight is
a PSU-level factor times the full weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mics_toolkit.design import Design

__all__ = ["CellTotals", "RowValues", "cell_totals", "ratio_scores", "total_scores"]

# Largest domains x PSUs grid for which cells are found with a dense bincount.
_DENSE_CELL_LIMIT = 4_000_000
# Domain partitions whose cells are kept on the design.
_CELL_CACHE_SIZE = 8


@dataclass(frozen=True)
class CellTotals:
    """Weighted sums per (domain, PSU) cell and per domain, for K variables.

    Attributes
    ----------
    n_domains : int
    cell_domain, cell_psu : numpy.ndarray, shape (C,)
        Domain and PSU code of each cell holding at least one domain row.
    numerator, denominator : numpy.ndarray, shape (C, K)
        ``A_c = sum w a`` and ``B_c = sum w b`` over the cell's valid rows.
    n_valid, n_positive : numpy.ndarray, shape (C, K)
        Number of valid rows, and of valid rows with positive weight, in the cell.
    row_cell : numpy.ndarray
        Cell of each domain row (in the order of :class:`RowValues`).
    weight : numpy.ndarray, shape (C, K), or None
        Sum of weights of the valid rows; None when it equals ``denominator`` (b = 1).
    """

    n_domains: int
    cell_domain: np.ndarray
    cell_psu: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    n_valid: np.ndarray
    n_positive: np.ndarray
    row_cell: np.ndarray
    weight: np.ndarray | None = None

    @property
    def weight_total(self) -> np.ndarray:
        """Sum of weights of the valid rows per domain and variable, shape (G, K)."""
        return self.by_domain(self.denominator if self.weight is None else self.weight)

    def by_domain(self, cell_values: np.ndarray) -> np.ndarray:
        """Sum a (C, K) array of cell values to a (G, K) array of domain values."""
        out = np.empty((self.n_domains, cell_values.shape[1]))
        for k in range(cell_values.shape[1]):
            out[:, k] = np.bincount(
                self.cell_domain, weights=cell_values[:, k], minlength=self.n_domains
            )
        return out

    @property
    def numerator_total(self) -> np.ndarray:
        """``Y`` per domain and variable, shape (G, K)."""
        return self.by_domain(self.numerator)

    @property
    def denominator_total(self) -> np.ndarray:
        """``X`` per domain and variable, shape (G, K)."""
        return self.by_domain(self.denominator)


@dataclass(frozen=True)
class RowValues:
    """The rows that belong to a domain, with cleaned analysis values.

    Attributes
    ----------
    rows : numpy.ndarray
        Positions of the rows in some domain (``domain >= 0``).
    domain : numpy.ndarray
        Domain code of each of those rows.
    weight : numpy.ndarray
        Their weights.
    valid : numpy.ndarray of bool, shape (n, K)
        Whether the row counts for variable k.
    numerator, denominator : numpy.ndarray, shape (n, K)
        ``a`` and ``b``, set to 0 where not valid.
    codes : numpy.ndarray or None
        For a categorical variable (:meth:`categorical`), the category code of each row
        (-1 where missing): the numerator of column k is then ``1[code == k]`` and the
        denominator is 1, which :func:`cell_totals` sums in one pass over the rows.
    unit_denominator : bool
        True when ``b = 1`` on valid rows (means, proportions, totals), so the sum of
        weights equals the denominator sum.
    """

    rows: np.ndarray
    domain: np.ndarray
    weight: np.ndarray
    valid: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    codes: np.ndarray | None = None
    unit_denominator: bool = True

    @classmethod
    def categorical(
        cls, design: Design, domain: np.ndarray, codes: np.ndarray, n_levels: int
    ) -> RowValues:
        """Rows of a categorical variable with codes ``0 .. n_levels - 1`` (-1 missing):
        K = n_levels indicator columns ``1[code == k]`` over a denominator of 1."""
        rows, take = _domain_rows(domain)
        row_codes = take(codes)
        ok = row_codes >= 0
        indicator = np.zeros((rows.size, n_levels))
        indicator[np.flatnonzero(ok), row_codes[ok]] = 1.0
        valid = np.repeat(ok[:, None], n_levels, axis=1)
        return cls(
            rows=rows,
            domain=take(domain),
            weight=take(design.weights),
            valid=valid,
            numerator=indicator,
            denominator=valid.astype(float),
            codes=row_codes,
        )

    @classmethod
    def build(
        cls,
        design: Design,
        domain: np.ndarray,
        numerator: np.ndarray,
        valid: np.ndarray,
        denominator: np.ndarray | None = None,
    ) -> RowValues:
        """Restrict full-length (N, K) arrays to domain rows and zero the invalid values.

        ``denominator=None`` means ``b = 1`` (means, proportions and totals).
        """
        rows, take = _domain_rows(domain)
        ok = take(valid)
        a = np.where(ok, take(numerator), 0.0)
        b = ok.astype(float) if denominator is None else np.where(ok, take(denominator), 0.0)
        return cls(
            rows=rows,
            domain=take(domain),
            weight=take(design.weights),
            valid=ok,
            numerator=a,
            denominator=b,
            unit_denominator=denominator is None,
        )

    def domain_sum(self, values: np.ndarray, n_domains: int) -> np.ndarray:
        """Sum (n, K) row values to (G, K) domain values."""
        out = np.empty((n_domains, values.shape[1]))
        for k in range(values.shape[1]):
            out[:, k] = np.bincount(self.domain, weights=values[:, k], minlength=n_domains)
        return out


def _domain_rows(domain: np.ndarray):
    """Positions of the rows in some domain and a function selecting them from an array;
    when every row is in a domain the arrays are used as they are, without copies."""
    rows = np.flatnonzero(domain >= 0)
    if rows.size == domain.size:
        return rows, lambda array: array
    return rows, lambda array: array[rows]


def cell_totals(design: Design, values: RowValues, n_domains: int) -> CellTotals:
    """Sum weighted numerators and denominators per (domain, PSU) cell.

    Parameters
    ----------
    design : Design
    values : RowValues
        Domain rows with their analysis values.
    n_domains : int
        Number of domains G.
    """
    row_cell, cell_domain, cell_psu = _cells(design, values, n_domains)
    n_cells = len(cell_domain)
    w = values.weight
    n_vars = values.valid.shape[1]
    shape = (n_cells, n_vars)
    if values.codes is not None:
        # categorical: one pass for all levels; denominators and counts are shared
        ok = values.codes >= 0
        ok_float = ok.astype(float)
        num = np.bincount(
            row_cell[ok] * n_vars + values.codes[ok], weights=w[ok], minlength=n_cells * n_vars
        ).reshape(shape)
        one = np.bincount(row_cell, weights=w * ok_float, minlength=n_cells)
        den = np.repeat(one[:, None], n_vars, axis=1)
        counts = np.bincount(row_cell, weights=ok_float, minlength=n_cells)
        if (ok & (w == 0)).any():
            positives = np.bincount(row_cell, weights=ok_float * (w > 0), minlength=n_cells)
        else:
            positives = counts
        n_valid = np.repeat(counts.astype(np.int64)[:, None], n_vars, axis=1)
        n_positive = np.repeat(positives.astype(np.int64)[:, None], n_vars, axis=1)
        weight = None
    else:
        ok = values.valid
        zero_weight = w == 0
        # counts of positive-weight rows differ from valid counts only if a valid row has
        # weight 0 (MICS non-response rows usually have no analysis values)
        positive = None
        if zero_weight.any() and (ok & zero_weight[:, None]).any():
            positive = ok & ~zero_weight[:, None]
        unit = values.unit_denominator
        weight = None if unit else np.empty(shape)
        num = np.empty(shape)
        den = np.empty(shape)
        n_valid = np.empty(shape, dtype=np.int64)
        n_positive = np.empty(shape, dtype=np.int64)
        for k in range(n_vars):
            num[:, k] = np.bincount(row_cell, weights=w * values.numerator[:, k],
                                    minlength=n_cells)
            den[:, k] = np.bincount(row_cell, weights=w * values.denominator[:, k],
                                    minlength=n_cells)
            n_valid[:, k] = np.bincount(row_cell, weights=ok[:, k], minlength=n_cells)
            if positive is None:
                n_positive[:, k] = n_valid[:, k]
            else:
                n_positive[:, k] = np.bincount(row_cell, weights=positive[:, k],
                                               minlength=n_cells)
            if not unit:
                weight[:, k] = np.bincount(row_cell, weights=w * ok[:, k], minlength=n_cells)
    return CellTotals(
        n_domains=n_domains,
        cell_domain=cell_domain,
        cell_psu=cell_psu,
        numerator=num,
        denominator=den,
        n_valid=n_valid,
        n_positive=n_positive,
        row_cell=row_cell,
        weight=weight,
    )


def _cells(design: Design, values: RowValues, n_domains: int):
    """(row_cell, cell_domain, cell_psu) of the domain rows, cached on the design for the
    last few domain partitions (a table asks many variables over the same domains)."""
    cache = design._cache.setdefault("cells", {})
    if not values.domain.flags.writeable:
        # a partition cached by domains_of: immutable, and kept alive by this cache
        token = ("same array", id(values.domain), n_domains)
    else:
        token = ("same values", hash(values.domain.tobytes()), n_domains)
    hit = cache.get(token)
    if hit is not None and (
        hit[0] is values.domain
        or (np.array_equal(hit[0], values.domain) and np.array_equal(hit[1], values.rows))
    ):
        return hit[2]
    # PSU-major cell keys: survey files are sorted by cluster, so the cell sums of a pass
    # over the rows touch memory almost sequentially
    key = design.psu_index[values.rows].astype(np.int64) * n_domains + values.domain
    grid = n_domains * design.n_psu_total
    if grid <= max(_DENSE_CELL_LIMIT, 4 * len(key)):
        present = np.bincount(key, minlength=grid) > 0
        cell_key = np.flatnonzero(present)
        compact = np.cumsum(present) - 1
        row_cell = compact[key]
    else:
        cell_key, row_cell = np.unique(key, return_inverse=True)
    cells = (row_cell, (cell_key % n_domains).astype(np.intp),
             (cell_key // n_domains).astype(np.intp))
    if len(cache) >= _CELL_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[token] = (values.domain, values.rows, cells)
    return cells


def ratio_scores(cells: CellTotals) -> tuple[np.ndarray, np.ndarray]:
    """Return (R, z): the ratios ``Y / X`` per domain (G, K) and the PSU scores (C, K).

    ``z_c = (A_c - R_g B_c) / X_g`` for the domain g of cell c; NaN where ``X_g == 0``.
    """
    y = cells.numerator_total
    x = cells.denominator_total
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = y / x
        scores = (cells.numerator - ratio[cells.cell_domain] * cells.denominator) / x[
            cells.cell_domain
        ]
    return ratio, scores


def total_scores(cells: CellTotals) -> tuple[np.ndarray, np.ndarray]:
    """Return (Y, z): the totals per domain (G, K) and the PSU scores ``z_c = A_c`` (C, K)."""
    return cells.numerator_total, cells.numerator
