"""Taylor linearisation variance: the stratified with-replacement variance of PSU scores.

For the scores ``z`` of the PSUs (the cells of one estimate), with ``n_h`` PSUs in stratum h
of the full design (PSUs without domain rows have score 0 but still count),

    V = sum_h c_h * sum_{p in h} (z_hp - zbar_h)^2,   c_h = (1 - f_h) * n_h / (n_h - 1),

and the covariance of two estimates with scores ``z`` and ``u`` is
``C = sum_h c_h sum_p (z_hp - zbar_h)(u_hp - ubar_h)``, where ``zbar_h = (sum_p z_hp) / n_h``
and ``1 - f_h`` is the finite population correction (1 without fpc). This is R survey's
``svyrecvar`` for one stage (``onestrat``), SPSS ``ESTIMATOR TYPE=WR`` and Stata's default
linearisation; the covariance is R's ``svyby(..., covmat=TRUE)`` and ``vcov``.

Strata with one PSU follow ``Design.lonely_psu`` with R survey 4.1-1's meanings: ``remove``
and ``certainty`` contribute 0; ``adjust`` contributes ``(1 - f_h) z^2`` (the lone PSU
centred at zero, the grand mean of the scores of a mean or ratio); ``average`` leaves them out
and multiplies the variance by the number of strata holding the estimate's rows over the
number of those strata that have two or more PSUs. A covariance under ``average`` multiplies
``C_ij`` by ``sqrt(a_i a_j)`` with those factors, so its diagonal is the variance; R's
``svyby(covmat=TRUE)`` applies one factor, counted over all strata of the design, to the whole
matrix, which is the same when every estimate has rows in every stratum.

:class:`TaylorVariance` is the variance method of a design without weight adjustments; the
variances of one partition's estimates run in one pass over their cells (``bincount`` on
(domain, stratum) codes), covariances on dense (PSU, estimate) score matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.estimate.scores import Scores

__all__ = [
    "StrataLayout",
    "TaylorVariance",
    "stratified_covariance",
    "stratified_variance",
]

# R survey treats a stratum whose (1 - f) is below this as sampled with certainty.
_CERTAINTY_TOLERANCE = 1e-7


@dataclass(frozen=True, eq=False)
class StrataLayout:
    """The strata and PSUs a Taylor variance needs.

    Attributes
    ----------
    psu_stratum : numpy.ndarray, shape (P,)
        Stratum code of each PSU.
    n_psu : numpy.ndarray, shape (H,)
        PSUs per stratum (``n_h``).
    fpc_factor : numpy.ndarray, shape (H,)
        ``1 - f_h`` per stratum.
    lonely_psu : str
        The rule for strata with a single PSU.
    """

    psu_stratum: np.ndarray
    n_psu: np.ndarray
    fpc_factor: np.ndarray
    lonely_psu: str

    @classmethod
    def of(cls, design: Design) -> StrataLayout:
        """The layout of ``design``."""
        return cls(design.psu_stratum, design.n_psu, design.fpc_factor, design.lonely_psu)

    @property
    def n_strata(self) -> int:
        """H."""
        return len(self.n_psu)

    def constants(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(c_h, lonely, centre_at_zero)`` per stratum: the multiplier of the squared
        deviations (0 for a lonely PSU unless ``adjust``, then ``1 - f_h``), whether the
        stratum has one PSU, and whether its deviations are taken from zero."""
        n_h = self.n_psu.astype(float)
        lonely = n_h == 1
        fpc = self.fpc_factor.astype(float, copy=True)
        fpc[fpc < _CERTAINTY_TOLERANCE] = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lonely, 0.0, fpc * n_h / (n_h - 1))
        adjust = self.lonely_psu == "adjust"
        if adjust:
            scale = np.where(lonely, fpc, scale)
        return scale, lonely, lonely & adjust

    def average_factor(self, present: np.ndarray) -> np.ndarray:
        """Under ``"average"``, strata holding rows over those of them with two or more PSUs,
        for each column of ``present`` (H, M): whether the stratum holds the estimate's rows.
        1 under the other rules or without single-PSU strata."""
        lonely = self.n_psu == 1
        if self.lonely_psu != "average" or not lonely.any():
            return np.ones(present.shape[1])
        n_present = present.sum(axis=0)
        n_ok = (present & ~lonely[:, None]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n_ok > 0, n_present / n_ok, np.nan)


def stratified_variance(
    layout: StrataLayout, partition, scores: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """Variance of every (domain, column) estimate from its cell scores.

    Parameters
    ----------
    layout : StrataLayout
    partition : Partition
        The cells the scores belong to.
    scores : numpy.ndarray, shape (C, K)
        Scores per cell and column.
    present : numpy.ndarray of bool, shape (C, K)
        Whether the cell holds rows of the estimate (for ``"average"``).

    Returns
    -------
    numpy.ndarray, shape (G, K)
        The variances; NaN where a score is NaN (an empty domain).
    """
    n_domains = partition.n_domains
    n_strata = layout.n_strata
    n_h = layout.n_psu.astype(float)
    cell_stratum = layout.psu_stratum[partition.cell_psu]
    group = partition.cell_domain * n_strata + cell_stratum
    size = n_domains * n_strata
    # number of cells (PSUs holding domain rows) in each (domain, stratum)
    n_cells = np.bincount(group, minlength=size).reshape(n_domains, n_strata)
    scale, _, at_zero = layout.constants()

    n_vars = scores.shape[1]
    variance = np.empty((n_domains, n_vars))
    for k in range(n_vars):
        z = scores[:, k]
        sums = np.bincount(group, weights=z, minlength=size).reshape(n_domains, n_strata)
        means = sums / n_h
        if at_zero.any():
            means = np.where(at_zero, 0.0, means)
        deviation = z - means.ravel()[group]
        squares = np.bincount(group, weights=deviation**2, minlength=size).reshape(
            n_domains, n_strata
        )
        # PSUs of the stratum without domain rows have score 0: deviation -mean each.
        squares += (n_h - n_cells) * means**2
        variance[:, k] = squares @ scale

    if layout.lonely_psu == "average" and (layout.n_psu == 1).any():
        for k in range(n_vars):
            has_rows = np.bincount(group, weights=present[:, k], minlength=size) > 0
            factor = layout.average_factor(has_rows.reshape(n_domains, n_strata).T)
            variance[:, k] *= factor
    return variance


def stratified_covariance(
    layout: StrataLayout,
    psu_scores: np.ndarray,
    present: np.ndarray | None = None,
    *,
    diagonal: bool = False,
) -> np.ndarray:
    """Covariance of estimates from their dense PSU scores.

    Parameters
    ----------
    layout : StrataLayout
    psu_scores : numpy.ndarray, shape (P, M)
        The score of every PSU for each of M estimates (0 where the PSU holds none of its
        rows); a column with NaN gives NaN in its row and column.
    present : numpy.ndarray of bool, shape (H, M), optional
        Whether each stratum holds rows of each estimate (for ``"average"``); None: every
        stratum.
    diagonal : bool
        Return only the variances (M,), without the off-diagonal products.

    Returns
    -------
    numpy.ndarray, shape (M, M), or (M,) with ``diagonal``
    """
    z = psu_scores
    n_psu, n_columns = z.shape
    n_h = layout.n_psu.astype(np.float64)
    n_strata = len(n_h)
    onehot = np.zeros((n_strata, n_psu))
    onehot[layout.psu_stratum, np.arange(n_psu)] = 1.0
    scale, _, at_zero = layout.constants()
    means = (onehot @ z) / np.maximum(n_h, 1.0)[:, None]
    means[at_zero] = 0.0
    deviation = (z - means[layout.psu_stratum]) * np.sqrt(scale[layout.psu_stratum])[:, None]
    if diagonal:
        covariance = np.einsum("pm,pm->m", deviation, deviation)
    else:
        covariance = deviation.T @ deviation
    if layout.lonely_psu == "average" and (layout.n_psu == 1).any():
        if present is None:
            present = np.ones((n_strata, n_columns), dtype=bool)
        factor = layout.average_factor(present)
        if diagonal:
            covariance *= factor
        else:
            root = np.sqrt(factor)
            covariance *= root[:, None] * root[None, :]
    return covariance


class TaylorVariance:
    """The variance method of a design without weight adjustments: Taylor linearisation.

    Parameters
    ----------
    design : Design
    """

    kind = "taylor"

    def __init__(self, design: Design) -> None:
        self.design = design
        self.layout = StrataLayout.of(design)

    def variance(self, scores: list[Scores]) -> list[np.ndarray]:
        """The (G, K) variances of estimates of one partition, in one pass over its cells."""
        if not scores:
            return []
        joined = np.hstack([s.cell_scores for s in scores])
        present = np.hstack([s.n_valid > 0 for s in scores])
        variance = stratified_variance(self.layout, scores[0].partition, joined, present)
        out = np.hsplit(variance, np.cumsum([s.shape[1] for s in scores])[:-1])
        return [np.where(np.isnan(s.estimate), np.nan, v) for s, v in zip(scores, out,
                                                                             strict=True)]

    def psu_scores(self, scores: Scores) -> tuple[np.ndarray, np.ndarray]:
        """Dense (P, G K) PSU scores of ``scores`` and the (H, G K) strata holding rows of
        each estimate."""
        partition = scores.partition
        dense = partition.dense(scores.cell_scores)
        n_vars = scores.shape[1]
        columns = partition.cell_domain[:, None] * n_vars + np.arange(n_vars)[None, :]
        present = np.zeros((self.layout.n_strata, dense.shape[1]), dtype=bool)
        stratum = self.layout.psu_stratum[partition.cell_psu][:, None]
        held = scores.n_valid > 0
        present[np.broadcast_to(stratum, held.shape)[held], columns[held]] = True
        return dense, present

    def covariance(self, scores: list[Scores]) -> np.ndarray:
        """Covariance of all estimates of ``scores`` (each in ``g K + k`` order, one after
        the other)."""
        pieces = [self.psu_scores(s) for s in scores]
        dense = np.hstack([p[0] for p in pieces])
        present = np.hstack([p[1] for p in pieces])
        nan = np.concatenate([np.isnan(s.estimate).reshape(-1) for s in scores])
        dense[:, nan] = 0.0
        covariance = stratified_covariance(self.layout, dense, present)
        covariance[nan, :] = np.nan
        covariance[:, nan] = np.nan
        return covariance

    def degrees_of_freedom(self, scores: Scores, rule: str) -> np.ndarray:
        """df per (domain, column): the design's (``"design"``), or PSUs minus strata among
        the domain's rows of positive weight (``"domain"``, R's ``degf()`` of the subset)."""
        design = self.design
        shape = scores.shape
        if rule == "design":
            return np.full(shape, float(design.degrees_of_freedom))
        n_domains, n_vars = shape
        partition = scores.partition
        out = np.empty(shape)
        cell_stratum = design.psu_stratum[partition.cell_psu]
        for k in range(n_vars):
            used = scores.n_positive[:, k] > 0
            n_psu = np.bincount(partition.cell_domain[used], minlength=n_domains)
            pairs = np.unique(partition.cell_domain[used] * design.n_strata
                              + cell_stratum[used])
            n_strata = np.bincount(pairs // design.n_strata, minlength=n_domains)
            out[:, k] = n_psu - n_strata
        return out

    deff = "with replacement on the domain's n (R deff='replace')"
    """How the design effect is computed, for ``result.attrs["mics"]``."""

    def conventions(self) -> dict:
        """The design settings that change numbers, for ``result.attrs["mics"]``."""
        return self.design.conventions()
