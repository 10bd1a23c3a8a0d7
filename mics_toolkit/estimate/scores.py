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

from mics_toolkit.estimate.cells import Partition

__all__ = ["ReplicateUnits", "Scores"]


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
        or weights that are all zero): their estimates are NaN.
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
