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
    """

    n_domains: int
    cell_domain: np.ndarray
    cell_psu: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    n_valid: np.ndarray
    n_positive: np.ndarray
    row_cell: np.ndarray

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
    """

    rows: np.ndarray
    domain: np.ndarray
    weight: np.ndarray
    valid: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray

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
        rows = np.flatnonzero(domain >= 0)
        ok = valid[rows]
        a = np.where(ok, numerator[rows], 0.0)
        b = ok.astype(float) if denominator is None else np.where(ok, denominator[rows], 0.0)
        return cls(
            rows=rows,
            domain=domain[rows],
            weight=design.weights[rows],
            valid=ok,
            numerator=a,
            denominator=b,
        )

    def domain_sum(self, values: np.ndarray, n_domains: int) -> np.ndarray:
        """Sum (n, K) row values to (G, K) domain values."""
        out = np.empty((n_domains, values.shape[1]))
        for k in range(values.shape[1]):
            out[:, k] = np.bincount(self.domain, weights=values[:, k], minlength=n_domains)
        return out


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
    n_psu_total = design.n_psu_total
    key = values.domain.astype(np.int64) * n_psu_total + design.psu_index[values.rows]
    grid = n_domains * n_psu_total
    if grid <= max(_DENSE_CELL_LIMIT, 4 * len(key)):
        present = np.bincount(key, minlength=grid) > 0
        cell_key = np.flatnonzero(present)
        compact = np.cumsum(present) - 1
        row_cell = compact[key]
    else:
        cell_key, row_cell = np.unique(key, return_inverse=True)
    n_cells = len(cell_key)
    cell_domain = (cell_key // n_psu_total).astype(np.intp)
    cell_psu = (cell_key % n_psu_total).astype(np.intp)

    w = values.weight
    ok = values.valid
    positive = ok & (w > 0)[:, None]
    shape = (n_cells, ok.shape[1])
    num = np.empty(shape)
    den = np.empty(shape)
    n_valid = np.empty(shape, dtype=np.int64)
    n_positive = np.empty(shape, dtype=np.int64)
    for k in range(ok.shape[1]):
        num[:, k] = np.bincount(row_cell, weights=w * values.numerator[:, k], minlength=n_cells)
        den[:, k] = np.bincount(row_cell, weights=w * values.denominator[:, k], minlength=n_cells)
        n_valid[:, k] = np.bincount(row_cell, weights=ok[:, k], minlength=n_cells)
        n_positive[:, k] = np.bincount(row_cell, weights=positive[:, k], minlength=n_cells)
    return CellTotals(
        n_domains=n_domains,
        cell_domain=cell_domain,
        cell_psu=cell_psu,
        numerator=num,
        denominator=den,
        n_valid=n_valid,
        n_positive=n_positive,
        row_cell=row_cell,
    )


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
