"""Ranks of regions and what the replicates say about them.

Rank 1 is the highest score; ties share the smallest rank (R ``rank(-x,
ties.method="min")``, as COINr's ranks); a missing score has no rank. From the replicate
scores of the uncertainty engines this module computes, per region, the median rank, a rank
interval, the probabilities of being in the top or bottom ``k`` (a third of the regions by
default), and the pairwise "significantly different" matrix.

Formulas, with ``rank_b`` the rank in replicate b of B and ``a = 1 - rank_level``:

- median rank: the median of ``rank_b``;
- rank interval: the ``a/2`` and ``1 - a/2`` quantiles of ``rank_b`` by the inverse of the
  empirical distribution function (``numpy.quantile(method="inverted_cdf")``, R
  ``quantile(type=1)``), so the bounds are ranks that occurred;
- ``p_top = mean(rank_b <= k)``, ``p_bottom = mean(rank_b > n_b - k)`` with ``n_b`` the
  regions ranked in replicate b;
- pairwise: ``P(row above column) = mean(score_row,b > score_col,b)`` (ties count a half);
  two regions differ significantly at ``level`` when that probability is below
  ``(1 - level) / 2`` or above ``(1 + level) / 2``, i.e. the percentile interval of the
  difference excludes 0. From a normal approximation (delta method) the probability is
  ``Phi((I_row - I_col) / sqrt(V_row + V_col - 2 C))``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special

from mics_toolkit.index.normalise import ascending_ranks

__all__ = [
    "default_top",
    "pairwise_normal",
    "pairwise_simulated",
    "rank_descending",
    "rank_statistics",
    "thirds",
]


def rank_descending(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 for the highest score, ties ``"min"``, NaN kept.

    Examples
    --------
    >>> rank_descending(np.array([50.0, 70.0, 50.0, np.nan, 10.0])).tolist()
    [2.0, 1.0, 2.0, nan, 4.0]
    """
    return ascending_ranks(-np.asarray(scores, dtype=np.float64), "min")


def default_top(n_regions: int) -> int:
    """A third of the regions, rounded down, at least 1."""
    return max(1, n_regions // 3)


def thirds(ranks: np.ndarray, top: int) -> np.ndarray:
    """``"top"``, ``"middle"``, ``"bottom"`` (or ``""`` for no rank) from nominal ranks."""
    ranks = np.asarray(ranks, dtype=np.float64)
    n = int(np.sum(~np.isnan(ranks)))
    out = np.full(ranks.shape, "", dtype=object)
    valid = ~np.isnan(ranks)
    out[valid] = "middle"
    out[valid & (ranks <= top)] = "top"
    out[valid & (ranks > n - top)] = "bottom"
    return out


def rank_statistics(
    replicate_scores: np.ndarray, rank_level: float, top: int
) -> dict[str, np.ndarray]:
    """Median rank, rank interval and top/bottom probabilities from ``(B, R)`` scores.

    Returns
    -------
    dict of numpy.ndarray, each shape (R,)
        ``median_rank``, ``rank_lower``, ``rank_upper``, ``p_top``, ``p_bottom``.
    """
    ranks = rank_descending(replicate_scores)
    alpha = 1.0 - rank_level
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a region never ranked stays NaN
        median = np.nanmedian(ranks, axis=0)
        lower = np.nanquantile(ranks, alpha / 2, axis=0, method="inverted_cdf")
        upper = np.nanquantile(ranks, 1 - alpha / 2, axis=0, method="inverted_cdf")
    n_ranked = np.sum(~np.isnan(ranks), axis=1, keepdims=True)
    valid = ~np.isnan(ranks)
    p_top = np.mean(valid & (ranks <= top), axis=0)
    p_bottom = np.mean(valid & (ranks > n_ranked - top), axis=0)
    return {
        "median_rank": median,
        "rank_lower": lower,
        "rank_upper": upper,
        "p_top": p_top,
        "p_bottom": p_bottom,
    }


def pairwise_simulated(replicate_scores: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(row above column), significantly different) from ``(B, R)`` replicate scores.

    Replicates where either score is missing are left out of that pair.
    """
    x = np.asarray(replicate_scores, dtype=np.float64)
    n_r = x.shape[1]
    prob = np.full((n_r, n_r), np.nan)
    for i in range(n_r):
        diff = x[:, i : i + 1] - x
        valid = ~np.isnan(diff)
        count = valid.sum(axis=0)
        wins = np.where(valid, (diff > 0) + 0.5 * (diff == 0), 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            prob[i] = np.where(count > 0, wins / count, np.nan)
    np.fill_diagonal(prob, np.nan)
    return prob, _different(prob, level)


def pairwise_normal(
    estimate: np.ndarray, covariance: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """(P(row above column), significantly different) from a normal approximation."""
    est = np.asarray(estimate, dtype=np.float64)
    cov = np.asarray(covariance, dtype=np.float64)
    var = np.diag(cov)
    diff = est[:, None] - est[None, :]
    var_diff = var[:, None] + var[None, :] - 2 * cov
    with np.errstate(invalid="ignore", divide="ignore"):
        z = diff / np.sqrt(np.maximum(var_diff, 0.0))
        prob = special.ndtr(z)
    prob = np.where((var_diff <= 0) & (diff == 0), 0.5, prob)
    np.fill_diagonal(prob, np.nan)
    return prob, _different(prob, level)


def _different(prob: np.ndarray, level: float) -> np.ndarray:
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        out = (prob < alpha / 2) | (prob > 1 - alpha / 2)
    return out & ~np.isnan(prob)

