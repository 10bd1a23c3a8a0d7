"""Replicate-weight variance kernel: replicate totals, the replicate variance and the rank
that gives a replicate design its degrees of freedom.

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

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

__all__ = ["replicate_rank", "replicate_totals", "replicate_variance"]

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
