"""Variance of estimates from calibrated, post-stratified or raked weights (R ``svyrecvar``).

A design that carries weight adjustments (``Design.calibration``, built by
:mod:`mics_toolkit.design.calibration`) replaces the row scores ``x`` of an estimate by their
residuals on the calibration variables before the stratified variance, as R survey 4.1-1's
``svyrecvar`` does with ``design$postStrata``. Each adjustment term t (calibration variables
``M_t``, row factors ``d_t`` and divisors ``v_t``, matrix ``C_t^-1``) removes
``d_t * (M_t gamma_t)`` from the scores, with ``gamma_t = C_t^-1 M_t' (x / v_t)`` taken of the
scores as left by the terms before it (a calibration or a post-stratification is one term
applied once; a raking has one term per margin, applied in 10 sweeps as R approximates it).

Working with rows would cost a pass over N rows per domain and variable. Instead, since every
term only adds multiples of ``d_t M_t`` to the scores, the scores stay
``x = x0 - sum_t d_t M_t gamma_t`` and everything reduces to small matrices:

* ``P_t = M_t' (x0 / v_t)`` per (domain, variable): the statistic's projection
  (:attr:`mics_toolkit.estimate.scores.Scores.projection` with row factor ``1 / v_t``);
* ``K_tb = M_t' diag(d_b / v_t) M_b`` (design only, kept by the engine): each step is
  ``gamma_t += C_t^-1 (P_t - sum_b K_tb gamma_b)``;
* ``S_t`` = per-PSU sums of ``d_t m_t`` (P x q_t, kept): the adjusted PSU score of
  (domain g, variable k, PSU p) is ``z_gkp - S_t[p] gamma_t[:, gk]``.

After the adjustment the scores are dense: rows outside a domain get ``-d m' gamma``, so every
PSU has a score for every domain. The dense (PSU, estimate) scores go to the same stratified
variance as unadjusted ones (:mod:`mics_toolkit.estimate.variance`), with every stratum
counted as holding the domain: R keeps every row of a calibrated design in a subset (weight 0
outside), so the ``"average"`` lonely-PSU rule counts all strata.

Rows of weight 0 (non-responding units of a MICS file) contribute nothing to any estimate, so
their scores and residuals are 0. R differs there: its calibration gives NaN variances when a
design has zero weights, and its post-stratification takes such rows with weight 1 in the
residuals (minus their post-stratum's mean), which changes the SEs a little (on
``tests/golden/data/nested.csv`` post-stratified by ``area``: 0.30102 here, 0.30026 in R for
the SE of the mean of ``x`` in ``grp = a``). The golden cases have no zero weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.design.calibration import AdjustmentTerm
from mics_toolkit.estimate.cache import engine_cache
from mics_toolkit.estimate.scores import Scores
from mics_toolkit.estimate.variance import TaylorVariance, stratified_covariance

__all__ = ["CalibratedVariance"]


@dataclass(eq=False)
class _CalibrationParts:
    """Design-only parts of the adjustment: the terms in order, their per-PSU sums ``S_t`` and
    the cross matrices ``K_tb`` computed so far."""

    terms: list[AdjustmentTerm]
    psu_sums: list[np.ndarray]
    cross: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)


class CalibratedVariance(TaylorVariance):
    """The variance method of a design with weight adjustments (R ``svyrecvar`` with
    ``postStrata``); a design whose steps have no variance terms (trimming only) gets the
    plain Taylor variance, as in R."""

    kind = "calibrated"

    def __init__(self, design: Design) -> None:
        super().__init__(design)
        self.steps = [step for step in design.calibration if step.terms]

    def variance(self, scores: list[Scores]) -> list[np.ndarray]:
        """The (G, K) variances: the diagonal of each statistic's adjusted covariance."""
        if not self.steps:
            return super().variance(scores)
        out = []
        for s in scores:
            dense, present = self.psu_scores(s)
            variance = stratified_covariance(self.layout, dense, present, diagonal=True)
            out.append(np.where(np.isnan(s.estimate), np.nan, variance.reshape(s.shape)))
        return out

    def psu_scores(self, scores: Scores) -> tuple[np.ndarray, np.ndarray]:
        """Adjusted dense (P, G K) PSU scores; every stratum holds every estimate."""
        dense, present = super().psu_scores(scores)
        if not self.steps:
            return dense, present
        parts = self._parts()
        projections = [scores.projection(term.basis, _divide(1.0, term.divisor))
                       for term in parts.terms]
        gamma = [np.zeros_like(p) for p in projections]
        active: list[int] = []
        start = 0
        for step in self.steps:
            indices = list(range(start, start + len(step.terms)))
            for _sweep in range(step.sweeps):
                for t in indices:
                    rhs = projections[t].copy()
                    for b in active:
                        rhs -= self._cross(parts, t, b) @ gamma[b]
                    gamma[t] += parts.terms[t].inverse @ rhs
                    if t not in active:
                        active.append(t)
            start += len(step.terms)
        for t in active:
            dense -= parts.psu_sums[t] @ gamma[t]
        return dense, np.ones_like(present)

    def _parts(self) -> _CalibrationParts:
        cache = engine_cache(self.design)
        parts = cache.calibration
        if parts is None:
            design = self.design
            terms = [term for step in self.steps for term in step.terms]
            psu_sums = [term.basis.sums(design.psu_index, design.n_psu_total, term.scale)
                        for term in terms]
            parts = cache.calibration = _CalibrationParts(terms, psu_sums)
        return parts

    def _cross(self, parts: _CalibrationParts, t: int, b: int) -> np.ndarray:
        """``K_tb = M_t' diag(d_b / v_t) M_b`` (0 where ``v_t`` is 0), kept."""
        cached = parts.cross.get((t, b))
        if cached is None:
            term, other = parts.terms[t], parts.terms[b]
            cached = term.basis.cross(other.basis, _divide(other.scale, term.divisor))
            parts.cross[(t, b)] = cached
        return cached


def _divide(numerator, divisor: np.ndarray) -> np.ndarray:
    """``numerator / divisor``, 0 where the divisor is 0."""
    out = np.zeros(len(divisor))
    ok = divisor > 0
    out[ok] = (numerator[ok] if np.ndim(numerator) else numerator) / divisor[ok]
    return out
