"""What a statistic supplies to the engine: its estimates and their influence values.

Every statistic of the package is estimated in each domain of a partition and linearised
(Binder 1983): its influence values (scores), summed over the rows of each (domain, PSU)
cell, are all the Taylor variance needs; the variance methods of
:mod:`mics_toolkit.estimate.variance` never look at the statistic otherwise. A statistic is one
module that returns :class:`Scores`: the ratio family (means, proportions, totals, ratios) in
:mod:`mics_toolkit.estimate.ratios`. Two more things are asked of it for other designs:

* calibrated designs (:mod:`mics_toolkit.estimate.calibrated_variance`) need the sums
  ``sum_i r_i m_i z_i`` of the row scores times calibration variables ``m_i`` and a row factor
  ``r_i`` (:attr:`Scores.projection`);
* replicate designs (:mod:`mics_toolkit.estimate.replicate_variance`) need the statistic
  recomputed with each replicate's weights (:attr:`Scores.replicates`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mics_toolkit.estimate.cells import Partition, partition_of
from mics_toolkit.estimate.domains import every_row

__all__ = ["GroupedInfluence", "ReplicateUnits", "Scores", "influence_scores"]


@dataclass(frozen=True, eq=False)
class ReplicateUnits:
    """The units a replicate design reweights.

    Attributes
    ----------
    weights : numpy.ndarray, shape (U, R)
        ``M[u, r]``: the factor of PSU u (``by_psu``) or the weight of row u in replicate r.
    by_psu : bool
        True for factors of the design's PSUs (replicate weight ``M[psu(i), r] * w_i``),
        False for row-level replicate weights.
    """

    weights: np.ndarray
    by_psu: bool


@dataclass(frozen=True, eq=False)
class Scores:
    """Estimates of K statistics in each of the G domains of a partition, with their scores.

    Attributes
    ----------
    partition : Partition
        The domains and their (domain, PSU) cells.
    estimate : numpy.ndarray, shape (G, K)
        NaN for a domain without rows to estimate from.
    cell_scores : numpy.ndarray, shape (C, K)
        Influence values summed over the rows of each cell.
    n_valid : numpy.ndarray, shape (C, K)
        Rows each estimate uses in each cell (a cell with none holds no domain rows for the
        ``"average"`` lonely-PSU rule).
    n_positive : numpy.ndarray, shape (C, K)
        Those rows with positive weight (``n_unweighted``; R's ``degf()`` of a domain).
    weight_total : numpy.ndarray, shape (G, K)
        Sum of weights of the rows used (``n_weighted``).
    srs : numpy.ndarray, shape (G, K)
        Variance under simple random sampling with replacement of the domain's n, for the
        design effect (NaN where undefined).
    levels : numpy.ndarray or None
        The K categories of a proportion (None: K = 1).
    projection : callable
        ``projection(basis, row_factor) -> (q, G K)``: ``sum_i row_factor_i m_i z_i`` over the
        rows of each domain, for calibration variables ``basis`` (a
        :class:`~mics_toolkit.design.calibration.CalibrationBasis`); column ``g K + k``.
    replicates : callable
        ``replicates(units: ReplicateUnits) -> (G, K, R)``: the estimates with each
        replicate's weights (NaN where undefined).
    used_rows : callable
        ``used_rows() -> (N,)`` booleans: the rows the estimates use (a value, inside
        ``where``), whatever their domain.
    totals : tuple of numpy.ndarray or None
        For a statistic that is a ratio of totals, the cell sums ``(A, B)`` of its numerator
        (C, K) and denominator (C, 1) (the index bootstrap reweights them); None otherwise.
    undefined : numpy.ndarray of bool, shape (G,), or None
        Domains with rows to estimate from whose estimate is undefined (a zero denominator,
        or weights that are all zero: NaN), or for a total, whose weights are all zero (0).
    """

    partition: Partition
    estimate: np.ndarray
    cell_scores: np.ndarray
    n_valid: np.ndarray
    n_positive: np.ndarray
    weight_total: np.ndarray
    srs: np.ndarray
    levels: np.ndarray | None
    projection: Callable[..., np.ndarray]
    replicates: Callable[[ReplicateUnits], np.ndarray]
    used_rows: Callable[[], np.ndarray]
    totals: tuple[np.ndarray, np.ndarray] | None = None
    undefined: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(G, K)."""
        return self.estimate.shape

    def by_domain(self, cell_values: np.ndarray) -> np.ndarray:
        """Cell values (C, K) summed to domains (G, K)."""
        return self.partition.by_domain(cell_values)


@dataclass(frozen=True, eq=False)
class GroupedInfluence:
    """Row influence values that are a row factor times the values of the row's group,
    ``z_ik = factor_i * values[group_i, k]``: the rows of a covariate pattern of a regression
    (their weight times the pattern's influence per unit of weight).

    :func:`influence_scores` sums them to cells without forming the (N, K) values: each
    cell's sum is ``sum_i factor_i values[group_i, k]`` over its rows, in row order, one
    pass over the rows for all K columns.

    Attributes
    ----------
    group : numpy.ndarray of int, shape (n,)
        The group of each row (any valid group where ``factor`` is 0).
    factor : numpy.ndarray, shape (n,)
    values : numpy.ndarray, shape (M, K)
    rows : numpy.ndarray of int, shape (n,), optional
        The positions of those rows among the design's N rows, increasing: the other rows
        have no influence and are not used. None: n = N, every row (the used rows are
        those of nonzero influence unless given to :func:`influence_scores`).
    n_rows : int, optional
        N, when ``rows`` is given.
    """

    group: np.ndarray
    factor: np.ndarray
    values: np.ndarray
    rows: np.ndarray | None = None
    n_rows: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(N, K)."""
        return (len(self.factor) if self.rows is None else self.n_rows, self.values.shape[1])

    def row_values(self) -> np.ndarray:
        """The (N, K) influence values, column-major."""
        out = np.zeros(self.shape, order="F")
        at = slice(None) if self.rows is None else self.rows
        for k in range(self.shape[1]):
            out[at, k] = self.values[:, k].take(self.group) * self.factor
        return out

    def cell_sums(self, cells: np.ndarray, n_cells: int) -> np.ndarray:
        """(n_cells, K) sums over the rows of each cell (``cells``: the cell of each of the n
        rows; rows with ``cells == n_cells`` are left out)."""
        from scipy import sparse
        matrix = sparse.coo_array((self.factor, (cells, self.group)),
                                  shape=(n_cells + 1, self.values.shape[0]))
        return np.asarray(matrix @ np.asarray(self.values, dtype=np.float64))[:n_cells]


def influence_scores(
    design,
    influence: np.ndarray | GroupedInfluence,
    estimate: np.ndarray,
    replicates: Callable[[ReplicateUnits], np.ndarray],
    *,
    domain: np.ndarray | None = None,
    n_domains: int = 1,
    used: np.ndarray | None = None,
    srs: np.ndarray | None = None,
    levels: np.ndarray | None = None,
    weight_total: np.ndarray | None = None,
) -> Scores:
    """The :class:`Scores` of a statistic given by its row influence values.

    The one way for a new statistic to reach the engine when its scores are not ratios of
    totals (a regression, an estimating equation): it supplies, for every row i and each of
    its K estimates, the influence value ``z_ik`` (weights included: the row's contribution to
    the linearised estimate, 0 for rows that do not count), and a function recomputing the
    estimates with replicate weights.

    Parameters
    ----------
    design : Design
        The design that holds the rows.
    influence : numpy.ndarray, shape (N, K), or GroupedInfluence
        ``z_ik``, for estimate k of the domain of row i; a :class:`GroupedInfluence` when
        they are a row factor times the values of a group of rows (the same sums, without
        the (N, K) values).
    estimate : numpy.ndarray, shape (G, K)
    replicates : callable
        ``replicates(units) -> (G, K, R)`` (see :attr:`Scores.replicates`).
    domain : numpy.ndarray of int, shape (N,), optional
        Domain of each row (-1 outside every domain); None: one domain, every row.
    n_domains : int
        G.
    used : numpy.ndarray of bool, shape (N,), optional
        The rows the estimates use (default: rows with a nonzero influence value); not
        given with a :class:`GroupedInfluence` that has ``rows`` (those are the rows used).
    srs : numpy.ndarray, shape (G, K), optional
        Variance under simple random sampling for a design effect (default NaN: none).
    levels : numpy.ndarray, optional
        Names of the K estimates, when they are categories.
    weight_total : numpy.ndarray, shape (G,), optional
        The sums of weights of the rows used in each domain, when the caller has them.

    Returns
    -------
    Scores
        Cell scores summed from the rows, counts of the rows used, the sums of weights of
        those rows.
    """
    grouped = influence if isinstance(influence, GroupedInfluence) else None
    if grouped is None:
        influence = np.asarray(influence, dtype=np.float64)
    n_vars = influence.shape[1]
    all_rows = domain is None
    if all_rows:
        domain = every_row(design)  # the engine's one-domain partition, kept
    domain = np.asarray(domain, dtype=np.intp)
    if domain.flags.writeable:
        domain = domain.copy()
        domain.flags.writeable = False
    partition = partition_of(design, domain, n_domains)
    n_cells = partition.n_cells
    row_cell = partition.row_cell
    if row_cell is None and n_cells == design.n_psu_total:  # cell k is PSU k
        row_cell = design.psu_index
    elif row_cell is None:  # the cells are the PSUs of the domains (rows inside are in one)
        cell_of_psu = np.full(design.n_psu_total, -1, dtype=np.intp)
        cell_of_psu[partition.cell_psu] = np.arange(n_cells)
        row_cell = cell_of_psu[design.psu_index]
    positions = None if grouped is None else grouped.rows
    if positions is not None and used is not None:
        raise ValueError("the rows of a GroupedInfluence are the rows used: give no used=")
    if positions is None:  # every row: those outside the domains or not used to cell C
        if used is None:
            used = ((influence if grouped is None else grouped.row_values()) != 0).any(axis=1)
        inside = used & (domain >= 0)
        cells = np.where(inside, row_cell, n_cells)
        row_domain = np.where(inside, domain, n_domains)
        weights = design.weights
    else:  # the rows of the groups only
        row_domain = (np.zeros(len(positions), dtype=np.intp) if all_rows
                      else domain[positions])
        cells = row_cell[positions]
        weights = design.weights[positions]
        if not all_rows:
            outside = row_domain < 0
            cells[outside] = n_cells
            row_domain = np.where(outside, n_domains, row_domain)
    if grouped is not None:
        cell_scores = grouped.cell_sums(cells, n_cells)
    else:
        cell_scores = np.empty((n_cells, n_vars))
        for k in range(n_vars):
            cell_scores[:, k] = np.bincount(cells, weights=influence[:, k],
                                            minlength=n_cells + 1)[:n_cells]
    if design.all_weights_positive:
        counts = positive = np.bincount(cells, minlength=n_cells + 1)[:n_cells]
    else:  # rows counted by (cell, weight > 0) in one pass
        both = np.bincount(cells * 2 + (weights > 0), minlength=2 * n_cells + 2)[: 2 * n_cells]
        positive = both[1::2]
        counts = both[0::2] + positive
    n_valid = np.repeat(counts[:, None], n_vars, axis=1).astype(np.int64)
    n_positive = np.repeat(positive[:, None], n_vars, axis=1).astype(np.int64)
    if weight_total is None:
        weight_total = np.bincount(row_domain, weights=weights,
                                   minlength=n_domains + 1)[:n_domains]

    def inside_rows() -> np.ndarray:
        """Positions of the used rows inside a domain."""
        if positions is None:
            return np.flatnonzero(inside)
        return positions if all_rows else positions[row_domain < n_domains]

    def used_rows() -> np.ndarray:
        if positions is None:
            return used
        mask = np.zeros(design.n_rows, dtype=bool)
        mask[positions] = True
        return mask

    def projection(basis, row_factor: np.ndarray) -> np.ndarray:
        values = influence if grouped is None else grouped.row_values()
        rows = inside_rows()
        out = np.empty((n_domains * n_vars, basis.n_columns))
        for k in range(n_vars):
            out[k::n_vars] = basis.sums(domain[rows], n_domains,
                                        (values[:, k] * row_factor)[rows], rows=rows)
        return out.T

    return Scores(
        partition=partition,
        estimate=np.asarray(estimate, dtype=np.float64).reshape(n_domains, n_vars),
        cell_scores=cell_scores,
        n_valid=n_valid,
        n_positive=n_positive,
        weight_total=np.repeat(np.asarray(weight_total, dtype=np.float64)[:, None], n_vars,
                               axis=1),
        srs=np.full((n_domains, n_vars), np.nan) if srs is None else srs,
        levels=levels,
        projection=projection,
        replicates=replicates,
        used_rows=used_rows,
    )
