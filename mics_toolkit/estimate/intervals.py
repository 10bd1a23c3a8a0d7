"""Confidence intervals: Student t, Normal and MICS (plus/minus 2 SE), and for proportions the
logit and Korn-Graubard intervals.

Conventions (see the estimators' docstrings):

* ``ci="t"`` (default): multiplier ``q = t_{df}((1 + level) / 2)`` with the design degrees of
  freedom, as Stata and SPSS; ``ci="normal"``: ``q = z((1 + level) / 2)``, as R's ``confint``
  default; ``ci="mics"``: ``estimate -+ 2 SE`` whatever ``level``, as printed in MICS and DHS
  sampling-error appendices.
* Logit interval for a proportion p: ``expit(logit(p) -+ q * SE / (p (1 - p)))`` (Stata's
  ``svy: proportion``, R's ``svyciprop(method="xlogit")``; R's ``"logit"`` gives the same
  interval through ``svyglm``). For p = 0 or 1 the interval is [p, p].
* Korn-Graubard (1998) interval, R's ``svyciprop(method="beta")``: effective sample size
  ``n_eff = p (1 - p) / V * (t_{n-1} / t_{df})^2`` (``n`` the domain's unweighted count; the
  ratio uses the Normal quantile in place of ``t_{df}`` when ``ci="normal"``), then
  ``[Beta^-1(alpha/2; n_eff p, n_eff (1 - p) + 1), Beta^-1(1 - alpha/2; n_eff p + 1, n_eff (1 - p))]``.
  When ``V == 0`` (p = 0 or 1) ``n_eff = n``, as Stata does.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["korn_graubard_interval", "logit_interval", "multiplier", "symmetric_interval"]


def multiplier(level: float, ci: str, df: np.ndarray | float) -> np.ndarray:
    """The quantile q so that the interval is ``estimate -+ q * SE`` (on the working scale)."""
    from scipy import special
    df = np.asarray(df, dtype=float)
    if ci == "mics":
        return np.full(df.shape, 2.0)
    upper = (1 + level) / 2
    if ci == "normal":
        return np.full(df.shape, special.ndtri(upper))
    if df.size and np.all(df == df.flat[0]):  # usually a single design df
        return np.full(df.shape, _t_quantile(upper, float(df.flat[0])))
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, special.stdtrit(np.where(df > 0, df, 1), upper), np.nan)


@functools.lru_cache(maxsize=256)
def _t_quantile(probability: float, df: float) -> float:
    from scipy import special
    return float(special.stdtrit(df, probability)) if df > 0 else np.nan


def symmetric_interval(estimate, se, q) -> tuple[np.ndarray, np.ndarray]:
    """``estimate -+ q * se``."""
    return estimate - q * se, estimate + q * se


def logit_interval(p, se, q) -> tuple[np.ndarray, np.ndarray]:
    """``expit(logit(p) -+ q * se / (p (1 - p)))``; [p, p] at p = 0 or 1."""
    from scipy import special
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = special.logit(p)
        half = q * se / (p * (1 - p))
        lower = special.expit(centre - half)
        upper = special.expit(centre + half)
    edge = (p == 0) | (p == 1)
    lower = np.where(edge, p, lower)
    upper = np.where(edge, p, upper)
    return lower, upper


def korn_graubard_interval(p, variance, n, df, level: float, ci: str):
    """Korn-Graubard (Clopper-Pearson with effective sample size) interval, R's ``"beta"``."""
    from scipy import special
    p = np.asarray(p, dtype=float)
    variance = np.asarray(variance, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(variance > 0, p * (1 - p) / variance, n)
        t_n = special.stdtrit(np.where(n > 1, n - 1, 1), alpha / 2)
        if ci == "normal":
            t_df = special.ndtri(alpha / 2)
        else:
            t_df = special.stdtrit(np.where(df > 0, df, 1), alpha / 2)
        usable = (n > 1) & ((np.asarray(df) > 0) | (ci == "normal"))
        n_eff = np.where(usable, n_eff * (t_n / t_df) ** 2, np.nan)
        lower = special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, alpha / 2)
        upper = special.betaincinv(n_eff * p + 1, n_eff * (1 - p), 1 - alpha / 2)
    lower = np.where(p == 0, 0.0, lower)
    upper = np.where(p == 1, 1.0, upper)
    return lower, upper
