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

* ``P_t = M_t' (x0 / v_t)`` per (domain, variable): sums over the domain rows,
  ``(sum r_t m_t a - R sum r_t m_t b) / X`` with ``r_t = w / v_t`` (for a total, ``sum r_t m_t a``);
* ``K_tb = M_t' diag(d_b / v_t) M_b`` (design only, cached): each step is
  ``gamma_t += C_t^-1 (P_t - sum_b K_tb gamma_b)``;
* ``S_t`` = per-PSU sums of ``d_t m_t`` (P x q_t, cached): the adjusted PSU score of
  (domain g, variable k, PSU p) is ``z_gkp - S_t[p] gamma_t[:, gk]``.

After the adjustment the scores are dense: rows outside a domain get ``-d m' gamma``, so every
PSU has a score for every domain. The dense (domain, PSU) scores go to the same stratified
variance as unadjusted ones (:func:`mics_toolkit.estimate.variance.stratified_variance`),
with every stratum counted as holding the domain: R keeps every row of a calibrated design in
a subset (weight 0 outside), so the ``"average"`` lonely-PSU rule counts all strata.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.design.calibration import AdjustmentTerm
from mics_toolkit.estimate.scores import CellTotals, RowValues
from mics_toolkit.estimate.variance import stratified_variance

__all__ = ["calibrated_variance"]


def calibrated_variance(
    design: Design,
    values: RowValues,
    cells: CellTotals,
    estimate: np.ndarray,
    scores: np.ndarray,
    kind: str,
) -> np.ndarray:
    """Variance of every (domain, variable) estimate of a design with weight adjustments.

    Parameters
    ----------
    design : Design
        A design whose ``calibration`` steps are applied in order.
    values : RowValues
        The domain rows and their analysis values.
    cells : CellTotals
        Their (domain, PSU) cell totals.
    estimate : numpy.ndarray, shape (G, K)
        The ratios (means, proportions) or totals.
    scores : numpy.ndarray, shape (C, K)
        The unadjusted PSU scores of the cells.
    kind : {"ratio", "total"}

    Returns
    -------
    numpy.ndarray, shape (G, K)
        The variances. A design whose steps have no variance terms (trimming only) gets the
        plain stratified variance, as in R.
    """
    steps = [step for step in design.calibration if step.terms]
    if not steps:
        return stratified_variance(design, cells, scores)
    n_domains = cells.n_domains
    n_vars = scores.shape[1]
    n_psu = design.n_psu_total
    parts = _design_parts(design)
    terms: list[AdjustmentTerm] = parts["terms"]

    denominator = None if kind == "total" else cells.denominator_total
    projections = [
        _projection(term, values, n_domains, n_vars, estimate, denominator) for term in terms
    ]
    gamma = [np.zeros_like(p) for p in projections]
    active: list[int] = []
    start = 0
    for step in steps:
        indices = list(range(start, start + len(step.terms)))
        for _sweep in range(step.sweeps):
            for t in indices:
                rhs = projections[t].copy()
                for b in active:
                    rhs -= _cross(parts, t, b) @ gamma[b]
                gamma[t] += terms[t].inverse @ rhs
                if t not in active:
                    active.append(t)
        start += len(step.terms)

    dense = np.zeros((n_psu, n_domains * n_vars))
    columns = cells.cell_domain[:, None] * n_vars + np.arange(n_vars)[None, :]
    dense[cells.cell_psu[:, None], columns] = scores
    for t in active:
        dense -= parts["psu_sums"][t] @ gamma[t]

    # (P, G*K) -> cells ordered by domain then PSU, (G*P, K)
    dense_scores = dense.reshape(n_psu, n_domains, n_vars).transpose(1, 0, 2).reshape(-1, n_vars)
    n_cells = n_domains * n_psu
    everywhere = np.ones((n_cells, n_vars), dtype=np.int64)
    dense_cells = CellTotals(
        n_domains=n_domains,
        cell_domain=np.repeat(np.arange(n_domains, dtype=np.intp), n_psu),
        cell_psu=np.tile(np.arange(n_psu, dtype=np.intp), n_domains),
        numerator=np.empty((0, n_vars)),
        denominator=np.empty((0, n_vars)),
        n_valid=everywhere,
        n_positive=everywhere,
        row_cell=np.empty(0, dtype=np.intp),
    )
    return stratified_variance(design, dense_cells, dense_scores)


def _design_parts(design: Design) -> dict:
    """Terms, per-PSU sums ``S_t`` and a cache of cross matrices ``K_tb`` of a design."""
    parts = design._cache.get("calibration_parts")
    if parts is None:
        terms = [term for step in design.calibration for term in step.terms]
        psu_sums = [
            term.basis.sums(design.psu_index, design.n_psu_total, term.scale) for term in terms
        ]
        parts = {"terms": terms, "psu_sums": psu_sums, "cross": {}}
        design._cache["calibration_parts"] = parts
    return parts


def _cross(parts: dict, t: int, b: int) -> np.ndarray:
    """``K_tb = M_t' diag(d_b / v_t) M_b`` (0 where ``v_t`` is 0), cached."""
    cached = parts["cross"].get((t, b))
    if cached is None:
        term, other = parts["terms"][t], parts["terms"][b]
        ratio = _divide(other.scale, term.divisor)
        cached = term.basis.cross(other.basis, ratio)
        parts["cross"][(t, b)] = cached
    return cached


def _divide(numerator: np.ndarray, divisor: np.ndarray) -> np.ndarray:
    out = np.zeros(len(divisor))
    ok = divisor > 0
    out[ok] = numerator[ok] / divisor[ok]
    return out


def _projection(
    term: AdjustmentTerm,
    values: RowValues,
    n_domains: int,
    n_vars: int,
    estimate: np.ndarray,
    denominator: np.ndarray | None,
) -> np.ndarray:
    """``P_t = M_t' (x0 / v_t)`` for every (domain, variable), shape (q, G*K)."""
    basis = term.basis
    rows = values.rows
    ratio = _divide(values.weight, term.divisor[rows])
    q = basis.n_columns
    if values.codes is not None:
        ok = np.flatnonzero(values.codes >= 0)
        key = values.domain[ok] * n_vars + values.codes[ok]
        numerator = basis.sums(key, n_domains * n_vars, ratio[ok], rows=rows[ok])
        if denominator is not None:
            per_domain = basis.sums(values.domain[ok], n_domains, ratio[ok], rows=rows[ok])
            base = np.repeat(per_domain, n_vars, axis=0)
    else:
        numerator = np.empty((n_domains * n_vars, q))
        base = np.empty((n_domains * n_vars, q))
        for k in range(n_vars):
            numerator[k::n_vars] = basis.sums(
                values.domain, n_domains, ratio * values.numerator[:, k], rows=rows
            )
            if denominator is not None:
                base[k::n_vars] = basis.sums(
                    values.domain, n_domains, ratio * values.denominator[:, k], rows=rows
                )
    if denominator is None:
        return numerator.T
    with np.errstate(divide="ignore", invalid="ignore"):
        projection = (numerator - estimate.reshape(-1)[:, None] * base) / denominator.reshape(
            -1
        )[:, None]
    return projection.T
