"""Replicate-weight variance: the variance method of replicate designs, replicate totals, the
replicate variance and the rank that gives a replicate design its degrees of freedom.

Replicate totals come from one matrix product. A design's replicate weight is a unit-level
factor times the full-sample weight, so for cells (unit u, domain g) holding the weighted sums
``A_ugk`` of variable k, the replicate totals are ``T[g, k, r] = sum_u M[u, r] A_ugk``, where
``M`` is the (U, R) matrix of the units' replicate factors. Units are PSUs for a design whose
replicates are built from its PSUs (then ``A`` are the PSU-level totals of
:func:`~mics_toolkit.estimate.scores.cell_totals`) and rows for files that ship row-level
replicate weights (then ``M`` holds the weights themselves and ``A`` the unweighted values).
Nothing is ever re-weighted row by row per replicate.

The variance of a statistic with full-sample value ``t`` and replicate values ``t_r`` is R
survey's ``svrVar``:

    V = scale * sum_r rscales[r] * (t_r - centre)^2,

with ``centre`` the mean of the ``t_r`` over replicates with ``rscales > 0``, or ``t`` itself
when ``mse=True``. Replicates whose value is undefined (a domain with no weight in that
replicate gives 0/0) are left out, as R's ``na.omit`` in ``svrVar`` does.
"""

from __future__ import annotations

import warnings

import numpy as np

from mics_toolkit.errors import MicsWarning, caller_stacklevel

__all__ = ["ReplicateVariance", "replicate_rank", "replicate_totals", "replicate_variance"]


class ReplicateVariance:
    """The variance method of a replicate design: each statistic recomputed with every
    replicate's weights, ``V = scale * sum_r rscales[r] (t_r - centre)^2`` (R ``svrVar``),
    and covariances ``C = scale * sum_r rscales[r] (t_r - centre)(u_r - centre_u)``.

    Parameters
    ----------
    units : ReplicateUnits
        The replicate factors of the PSUs, or the rows' replicate weights.
    scale : float
    rscales : numpy.ndarray, shape (R,)
    mse : bool
        Centre at the full-sample estimate (True) instead of the mean of the replicates.
    rank_of_rows : callable
        ``rank_of_rows(mask) -> int``: rank of the analysis weights of the rows in a mask
        (R's ``degf()`` is that rank minus 1).
    conventions : dict
        What the design records in ``result.attrs["mics"]``.
    n_rows : int
        Rows of the design.
    """

    kind = "replicate"

    def __init__(self, units, scale: float, rscales: np.ndarray, mse: bool, rank_of_rows,
                 conventions: dict, n_rows: int) -> None:
        self.units = units
        self.scale = scale
        self.rscales = rscales
        self.mse = mse
        self.rank_of_rows = rank_of_rows
        self._conventions = conventions
        self.n_rows = n_rows
        self._degrees_of_freedom: int | None = None

    @property
    def design_degrees_of_freedom(self) -> int:
        """R's ``degf()`` of the replicate design: rank of the analysis weights minus 1."""
        if self._degrees_of_freedom is None:
            rows = np.ones(self.n_rows, dtype=bool)
            self._degrees_of_freedom = max(self.rank_of_rows(rows) - 1, 0)
        return self._degrees_of_freedom

    def replicates(self, scores) -> np.ndarray:
        """The (G, K, R) replicate estimates of ``scores`` (NaN for empty domains)."""
        replicates = scores.replicates(self.units)
        return np.where(np.isnan(scores.estimate)[..., None], np.nan, replicates)

    def variance(self, scores: list) -> list[np.ndarray]:
        """The (G, K) replicate variances of each statistic; warns when some replicates give
        no estimate in a domain (they are left out, as R's ``svrVar``)."""
        out = []
        for s in scores:
            variance, n_dropped = replicate_variance(
                self.replicates(s), s.estimate, self.scale, self.rscales, self.mse
            )
            variance = np.where(np.isnan(s.estimate), np.nan, variance)
            dropped = (n_dropped > 0) & np.isfinite(s.estimate)
            if dropped.any():
                warnings.warn(
                    f"{int(n_dropped[dropped].max())} of {len(self.rscales)} replicates give no "
                    f"estimate in {int(dropped.any(axis=1).sum())} domains (no weight of the "
                    "domain in those replicates); they are left out of the variance, as R's "
                    "svrVar does",
                    MicsWarning,
                    stacklevel=caller_stacklevel(),
                )
            out.append(variance)
        return out

    def covariance(self, scores: list) -> np.ndarray:
        """Covariance of all estimates of ``scores`` (each in ``g K + k`` order, one after the
        other); a replicate without a value for an estimate is left out of its pairs."""
        replicates = np.vstack([self.replicates(s).reshape(-1, len(self.rscales))
                                for s in scores])
        estimate = np.concatenate([s.estimate.reshape(-1) for s in scores])
        return replicate_covariance(replicates, estimate, self.scale, self.rscales, self.mse)

    def degrees_of_freedom(self, scores, rule: str) -> np.ndarray:
        """R's ``degf()``: of the replicate design (``"design"``), or of each domain's subset
        design, the rank of its rows' analysis weights minus 1 (``"domain"``)."""
        shape = scores.shape
        if rule == "design":
            return np.full(shape, float(self.design_degrees_of_freedom))
        partition = scores.partition
        used = scores.used_rows()
        out = np.empty(shape)
        for g in range(shape[0]):
            rows = (partition.domain == g) & used
            out[g, :] = max(self.rank_of_rows(rows) - 1, 0) if rows.any() else 0
        return out

    deff = ("replicate variance over SRS with replacement on the domain's n "
            "(R deff='replace', n = rows of positive weight)")
    """How the design effect is computed, for ``result.attrs["mics"]``."""

    def conventions(self) -> dict:
        """The design settings that change numbers, for ``result.attrs["mics"]``."""
        return dict(self._conventions)

def replicate_totals(
    unit_weights: np.ndarray,
    unit: np.ndarray,
    domain: np.ndarray,
    values: np.ndarray,
    n_domains: int,
) -> np.ndarray:
    """Replicate totals of every (domain, variable), shape (G, K, R).

    Parameters
    ----------
    unit_weights : numpy.ndarray, shape (U, R)
        ``M[u, r]``: the replicate factor (or weight) of unit u in replicate r.
    unit, domain : numpy.ndarray of int, shape (C,)
        Unit and domain code of each cell.
    values : numpy.ndarray, shape (C, K)
        The cell sums ``A_ck``.
    n_domains : int
        Number of domains G.

    Returns
    -------
    numpy.ndarray, shape (G, K, R)
        ``T[g, k, r] = sum_{c: domain(c) = g} M[unit(c), r] * A_ck``.
    """
    from scipy import sparse
    n_units, n_replicates = unit_weights.shape
    n_vars = values.shape[1]
    column = (domain.astype(np.int64) * n_vars)[:, None] + np.arange(n_vars)[None, :]
    # (G K, U) layout with one entry per (cell, variable): a sparse product costs
    # C K R operations, where a dense one would cost G times more, and runs on one thread
    nonzero = values != 0
    units = np.broadcast_to(unit[:, None], values.shape)
    layout = sparse.csr_matrix(
        (values[nonzero], (column[nonzero], units[nonzero])),
        shape=(n_domains * n_vars, n_units),
    )
    totals = np.asarray(layout @ unit_weights)
    return totals.reshape(n_domains, n_vars, n_replicates)


def replicate_variance(
    replicates: np.ndarray,
    estimate: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicate variance of every (domain, variable) statistic.

    Parameters
    ----------
    replicates : numpy.ndarray, shape (G, K, R)
        Replicate values ``t_r`` of each statistic; NaN where undefined.
    estimate : numpy.ndarray, shape (G, K)
        Full-sample values ``t``.
    scale : float
    rscales : numpy.ndarray, shape (R,)
    mse : bool
        Centre at ``t`` (True) instead of the mean of the replicates (False, R's default).

    Returns
    -------
    variance : numpy.ndarray, shape (G, K)
        ``scale * sum_r rscales[r] (t_r - centre)^2`` over the replicates with a value; NaN
        when no replicate with ``rscales > 0`` has one.
    n_dropped : numpy.ndarray of int, shape (G, K)
        Number of replicates left out because their value is undefined.
    """
    defined = np.isfinite(replicates)
    counted = defined & (rscales > 0)
    n_counted = counted.sum(axis=-1)
    if mse:
        centre = estimate
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(counted, replicates, 0.0).sum(axis=-1) / n_counted
    deviation = np.where(defined, replicates - centre[..., None], 0.0)
    variance = scale * (deviation**2 @ rscales)
    variance = np.where(n_counted > 0, variance, np.nan)
    return variance, (~defined).sum(axis=-1)


def replicate_covariance(
    replicates: np.ndarray,
    estimate: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool = False,
) -> np.ndarray:
    """Replicate covariance of M statistics.

    Parameters
    ----------
    replicates : numpy.ndarray, shape (M, R)
        Replicate values; NaN where undefined.
    estimate : numpy.ndarray, shape (M,)
    scale, rscales, mse
        As :func:`replicate_variance`.

    Returns
    -------
    numpy.ndarray, shape (M, M)
        ``scale * sum_r rscales[r] (t_r - centre_t)(u_r - centre_u)`` over the replicates where
        both values are defined, each centred as in :func:`replicate_variance`; the diagonal
        is that function's variance. NaN for an estimate that is NaN.
    """
    defined = np.isfinite(replicates)
    counted = defined & (rscales > 0)
    if mse:
        centre = estimate
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(counted, replicates, 0.0).sum(axis=1) / counted.sum(axis=1)
    deviation = np.where(defined, replicates - centre[:, None], 0.0)
    covariance = scale * ((deviation * rscales) @ deviation.T)
    none = ~counted.any(axis=1) | ~np.isfinite(estimate)
    covariance[none, :] = np.nan
    covariance[:, none] = np.nan
    return covariance


def replicate_rank(matrix: np.ndarray, tol: float = 1e-5) -> int:
    """Numerical rank of a matrix of replicate weights (rows units, columns replicates).

    Parameters
    ----------
    matrix : numpy.ndarray, shape (n, R)
    tol : float
        Relative tolerance, R's ``qr(tol = 1e-5)``.

    Returns
    -------
    int
        The rank, as R survey's ``degf.svyrep.design`` computes it with
        ``qr(weights(design, "analysis"), tol = 1e-5)$rank``.

    Notes
    -----
    R's LINPACK ``dqrdc2`` drops a column whose norm, after removing the columns before it,
    is below ``tol`` times its own norm. Here the columns are scaled to unit norm (zero columns
    do not count) and the rank is that of a pivoted Cholesky factorisation (LAPACK
    ``dpstrf``) of their Gram matrix, stopped when the remaining squared norm falls below
    ``tol^2``: the same rank whenever no column sits within a factor of about 10 of the
    tolerance, which exact dependencies (1e-13) and replicate designs (1e-2 and above) never
    do. When there are fewer rows than columns the Gram matrix of the rows is used. Rows that
    are multiples of one another (the rows of a PSU: ``w_i * F[:, p]``) span one line, so a
    tall matrix is first reduced to its distinct row directions.
    """
    from scipy.linalg import lapack
    matrix = np.asarray(matrix, dtype=float)
    if matrix.size == 0:
        return 0
    if matrix.shape[0] > 4 * matrix.shape[1]:
        matrix = _distinct_directions(matrix)
    norms = np.sqrt(np.einsum("ij,ij->j", matrix, matrix))
    keep = norms > 0
    if not keep.any():
        return 0
    scaled = matrix[:, keep] / norms[keep]
    if scaled.shape[0] >= scaled.shape[1]:
        gram = scaled.T @ scaled
        threshold = tol**2
    else:
        gram = scaled @ scaled.T
        threshold = tol**2 * float(gram.diagonal().max())
    _, _, rank, info = lapack.dpstrf(gram, tol=threshold)
    if info < 0:
        raise ValueError(f"LAPACK dpstrf failed with info={info}")
    return int(rank)


def _distinct_directions(matrix: np.ndarray) -> np.ndarray:
    """One row per distinct direction among the nonzero rows (same rank, fewer rows).

    Rows are scaled by their largest absolute value and grouped on two fixed random
    projections rounded to 1e-9: rows that are multiples of one another fall together; rows
    that differ (or straddle a rounding boundary) stay apart, which cannot change the rank.
    """
    scale = np.maximum(matrix.max(axis=1), -matrix.min(axis=1))
    keep = np.flatnonzero(scale > 0)
    probe = np.random.default_rng(0).standard_normal((matrix.shape[1], 2))
    key = np.round((matrix @ probe)[keep] / scale[keep, None], 9)
    _, first = np.unique(key, axis=0, return_index=True)
    rows = keep[np.sort(first)]
    return matrix[rows] / scale[rows, None]
