"""Design effects: the design variance over the variance of simple random sampling with
replacement of the domain's own n (Kish 1965; R survey ``deff="replace"``).

With ``n`` the domain's rows of positive weight, ``W = sum w`` and, for a ratio ``R = Y / X``
(a mean has ``x = 1``, so ``X = W``), residuals ``e = y - R x``:

    V_srs(ratio) = W * sum(w e^2) / ((n - 1) * X^2)

which for a mean is ``s2_w / n`` with ``s2_w = n / (n - 1) * sum w (y - R)^2 / W``; for a total,
with ``ybar = Y / W``:

    V_srs(total) = W * sum(w (y - ybar)^2) / (n - 1)

``DEFF = V / V_srs`` and ``DEFT = sqrt(DEFF)``; both are NaN when ``n < 2`` or ``V_srs == 0``.
R's default ``deff=TRUE`` (without replacement) is not offered: with normalised weights the
"population size" equals n and it breaks.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.estimate.scores import RowValues

__all__ = ["design_effect", "ratio_srs_variance", "total_srs_variance"]


def ratio_srs_variance(
    values: RowValues,
    n_domains: int,
    ratio: np.ndarray,
    weight_total: np.ndarray,
    denominator_total: np.ndarray,
    n_positive: np.ndarray,
) -> np.ndarray:
    """``V_srs`` of ratios, means and proportions, shape (G, K).

    For a categorical variable (proportions) ``sum(w e^2) = W p (1 - p)`` exactly, so
    ``V_srs = p (1 - p) / (n - 1)`` without another pass over the rows.
    """
    if values.codes is not None:
        with np.errstate(invalid="ignore"):
            return np.where(n_positive > 1, ratio * (1 - ratio) / (n_positive - 1), np.nan)
    # a and b are 0 on rows that are not valid, so their residual is 0 already
    residual = values.numerator - ratio[values.domain] * values.denominator
    squares = _squares(values, residual, n_domains, weight_total * ratio**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            n_positive > 1,
            weight_total * squares / ((n_positive - 1) * denominator_total**2),
            np.nan,
        )


def total_srs_variance(
    values: RowValues,
    n_domains: int,
    weight_total: np.ndarray,
    total: np.ndarray,
    n_positive: np.ndarray,
) -> np.ndarray:
    """``V_srs`` of totals, shape (G, K)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / weight_total
    residual = np.where(values.valid, values.numerator - mean[values.domain], 0.0)
    squares = _squares(values, residual, n_domains, weight_total * mean**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_positive > 1, weight_total * squares / (n_positive - 1), np.nan)


def _squares(
    values: RowValues, residual: np.ndarray, n_domains: int, scale: np.ndarray
) -> np.ndarray:
    """``sum(w e^2)`` per domain, set to 0 where the residuals are rounding noise relative to
    ``scale`` (``W * estimate^2``: a constant variable), so that the design effect of a
    constant is NaN, not noise over noise."""
    squares = values.domain_sum(values.weight[:, None] * residual**2, n_domains)
    with np.errstate(invalid="ignore"):
        return np.where(squares <= _ROUNDING**2 * scale, 0.0, squares)


# Residuals smaller than this, relative to the values, are rounding noise.
_ROUNDING = 1e-12


def design_effect(variance: np.ndarray, srs_variance: np.ndarray) -> np.ndarray:
    """``V / V_srs``, NaN where ``V_srs`` is 0 or undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(srs_variance > 0, variance / srs_variance, np.nan)
