"""The distribution of a linear combination of independent chi-square variables.

A design-based chi-square statistic is asymptotically ``Q = sum_j lambda_j chi2_{h_j}`` (the
``lambda_j`` the generalised design effects); Rao-Scott's F divides it by an independent
``chi2_ddf / ddf``. This module gives upper-tail probabilities ``P(Q > x)`` by the methods of
R survey 4.1-1 (``pchisqsum`` and ``pFsum``):

* :func:`satterthwaite_upper`: a scaled chi-square (or F) with the first two moments of Q;
* :func:`saddlepoint_upper`: Kuonen's (1999) saddlepoint approximation, R's ``saddle``, with
  the same root finder as R's ``uniroot`` (:func:`brent_root`) so that the numbers agree to
  rounding;
* :func:`exact_upper`: the exact distribution (R's ``method = "integration"``): Ruben's (1962)
  series for positive weights (Farebrother's AS 204, as R uses), Imhof's (1961) inversion of
  the characteristic function otherwise (R uses Davies' algorithm there, to an accuracy of
  1e-7).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "brent_root",
    "chisquare_sum_upper",
    "exact_upper",
    "f_sum_upper",
    "saddlepoint_upper",
    "satterthwaite_upper",
]

_EPSILON = np.finfo(float).eps
_NEGLIGIBLE = 1e-12


def satterthwaite_upper(x: float, weights: np.ndarray, ddf: float = math.inf) -> float:
    """``P(Q > x)`` (or ``P(Q / (chi2_ddf / ddf) > x)``) for the scaled chi-square (F) with
    the mean and variance of ``Q = sum_j w_j chi2_1``.

    Notes
    -----
    ``scale = mean(w^2) / mean(w)``, ``df = len(w) mean(w)^2 / mean(w^2)``, then
    ``P(chi2_df > x / scale)``, or ``P(F_{df, ddf} > x / df / scale)``: R's
    ``pchisqsum(method = "satterthwaite")`` and the first step of ``pFsum``.
    """
    from scipy import special
    weights = np.asarray(weights, dtype=float)
    mean = weights.mean()
    ratio = np.mean(weights**2) / mean**2
    scale = mean * ratio
    dof = len(weights) / ratio
    if math.isinf(ddf):
        return float(special.chdtrc(dof, x / scale))
    return float(special.fdtrc(dof, ddf, x / dof / scale))


def brent_root(function, lower: float, upper: float, tol: float,
               max_iterations: int = 1000) -> float:
    """A root of ``function`` in ``[lower, upper]`` by Brent's method as R's ``uniroot``.

    The iteration of Forsythe, Malcolm and Moler's ``zeroin`` (bisection with linear or
    inverse quadratic interpolation), step for step as R's ``uniroot(tol = tol)``, so that a
    quantity computed at the root matches R's to rounding rather than to ``tol``.

    Raises
    ------
    ValueError
        ``function`` has the same sign at both ends (a bug of the caller).
    """
    a, b = lower, upper
    fa, fb = function(a), function(b)
    if fa * fb > 0:
        raise ValueError("brent_root: the function has the same sign at both ends")
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(max_iterations + 1):
        previous = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tolerance = 2 * _EPSILON * abs(b) + tol / 2
        step = (c - b) / 2
        if abs(step) <= tolerance or fb == 0.0:
            return b
        if abs(previous) >= tolerance and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tolerance * q) / 2 and p < abs(previous * q / 2):
                step = p / q
        if abs(step) < tolerance:
            step = tolerance if step > 0 else -tolerance
        a, fa = b, fb
        b += step
        fb = function(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def saddlepoint_upper(x: float, weights: np.ndarray) -> float:
    """``P(sum_j w_j chi2_1 > x)`` by the saddlepoint approximation; NaN where R's ``saddle``
    gives NA (a root within 1e-4 of 0).

    Notes
    -----
    With ``w`` and ``x`` divided by ``max(w)``, cumulant generating function
    ``K(z) = -sum log(1 - 2 z w) / 2``; the root ``z`` of ``K'(z) = x`` (R's ``uniroot``,
    ``tol = 1e-8``, on R's bracket), ``r = sign(z) sqrt(2 (z x - K(z)))``,
    ``v = z sqrt(K''(z))``, ``P = 1 - Phi(r + log(v / r) / r)`` (Lugannani-Rice in
    Barndorff-Nielsen's form; Kuonen 1999).
    """
    from scipy import special
    weights = np.asarray(weights, dtype=float)
    top = weights.max()
    weights = weights / top
    x = x / top
    negative = weights[weights < 0]
    positive = weights[weights > 0]
    if negative.size:
        lower = np.max(1 / (2 * negative)) * 0.99999
    elif x > weights.sum():
        lower = -0.01
    else:
        lower = -len(weights) / (2 * x)
    upper = np.min(1 / (2 * positive)) * 0.99999

    def slope(zeta: float) -> float:
        return float(np.sum(weights / (1 - 2 * zeta * weights))) - x

    zeta = brent_root(slope, float(lower), float(upper), tol=1e-8)
    if abs(zeta) < 1e-4:
        return math.nan
    cumulant = -np.sum(np.log(1 - 2 * zeta * weights)) / 2
    curvature = 2 * np.sum(weights**2 / (1 - 2 * zeta * weights) ** 2)
    w = math.copysign(1.0, zeta) * math.sqrt(2 * (zeta * x - cumulant))
    v = zeta * math.sqrt(curvature)
    return float(special.ndtr(-(w + math.log(v / w) / w)))


def exact_upper(x: float, weights: np.ndarray, dfs: np.ndarray) -> float:
    """``P(sum_j w_j chi2_{h_j} > x)`` computed exactly (to about 1e-10).

    Ruben's series when every weight is positive (R: ``CompQuadForm::farebrother``), else
    Imhof's numerical inversion (R: ``CompQuadForm::davies``, accurate to 1e-7).
    """
    weights = np.asarray(weights, dtype=float)
    dfs = np.asarray(dfs, dtype=float)
    # weights that are rounding noise next to the largest (the null eigenvalues of a design
    # effect matrix) add nothing but would stall both methods
    keep = (np.abs(weights) > _NEGLIGIBLE * np.abs(weights).max()) & (dfs > 0)
    weights, dfs = weights[keep], dfs[keep]
    if np.all(weights > 0):
        return _ruben_upper(x, weights, dfs)
    return _imhof_upper(x, weights, dfs)


def _ruben_upper(x: float, weights: np.ndarray, dfs: np.ndarray,
                 tolerance: float = 1e-12, max_terms: int = 100_000) -> float:
    """Ruben's (1962) series: with ``beta = min(w)``, ``P(Q < x) = sum_k a_k
    P(chi2_{n + 2k} < x / beta)``, ``n = sum h``, ``a_0 = prod (beta / w_j)^{h_j / 2}``,
    ``a_k = sum_{r<k} g_{k-r} a_r / (2k)``, ``g_m = sum_j h_j (1 - beta / w_j)^m``."""
    from scipy import special
    if x <= 0:
        return 1.0
    beta = weights.min()
    gamma = 1 - beta / weights
    n = dfs.sum()
    coefficients = [float(np.exp(np.sum(dfs / 2 * np.log(beta / weights))))]
    powers = []
    total = coefficients[0]
    lower = coefficients[0] * special.chdtr(n, x / beta)
    power = np.ones_like(gamma)
    for k in range(1, max_terms):
        if 1 - total < tolerance:
            break
        power = power * gamma
        powers.append(float(np.sum(dfs * power)))
        g = np.asarray(powers[::-1])
        a_k = float(g @ np.asarray(coefficients)) / (2 * k)
        coefficients.append(a_k)
        total += a_k
        lower += a_k * special.chdtr(n + 2 * k, x / beta)
    return float(min(max(1 - lower, 0.0), 1.0))


def _imhof_upper(x: float, weights: np.ndarray, dfs: np.ndarray) -> float:
    """Imhof (1961): ``P(Q > x) = 1/2 + (1 / pi) int_0^inf sin(theta(u)) / (u rho(u)) du``,
    ``theta(u) = sum_j h_j atan(w_j u) / 2 - x u / 2``,
    ``rho(u) = prod_j (1 + w_j^2 u^2)^{h_j / 4}``.

    Used for sums with a negative weight: Rao-Scott's F, where the ``chi2_ddf`` term makes
    ``rho`` grow fast. (With few positive terms and ``x > 0`` the integrand decays slowly and
    oscillates; Ruben's series serves that case.)"""

    def integrand(u: float) -> float:
        if u == 0.0:
            return (float(np.sum(dfs * weights)) - x) / 2
        theta = float(np.sum(dfs * np.arctan(weights * u))) / 2 - x * u / 2
        log_rho = float(np.sum(dfs * np.log1p((weights * u) ** 2))) / 4
        return math.sin(theta) / u * math.exp(-log_rho)

    # truncate where Imhof's (1961) tail bound 1 / (pi k U^k prod_S |w|^{h/2}) is below
    # 1e-12, with rho(u) >= prod_S (|w| u)^{h/2} over the terms S that are not small
    size = np.abs(weights)
    large = size >= 1e-3 * size.max()
    k = dfs[large].sum() / 2
    product = float(np.sum(dfs[large] / 2 * np.log(size[large])))
    log_u = (math.log(1e12 / (math.pi * k)) - product) / k
    upper = max(math.exp(log_u), 10.0 / size[large].min())
    from scipy import integrate  # only for the exact method; it loads scipy.optimize too

    value, _ = integrate.quad(integrand, 0.0, upper, limit=5000, epsabs=1e-13, epsrel=1e-12)
    return float(min(max(0.5 + value / math.pi, 0.0), 1.0))


def chisquare_sum_upper(x: float, weights: np.ndarray, method: str) -> float:
    """``P(sum_j w_j chi2_1 > x)``: R survey's ``pchisqsum(lower.tail = FALSE)``.

    ``method``: ``"satterthwaite"``, ``"saddlepoint"`` (the Satterthwaite value where the
    saddlepoint is undefined, as R) or ``"integration"`` (exact).
    """
    weights = np.asarray(weights, dtype=float)
    if method == "satterthwaite":
        return satterthwaite_upper(x, weights)
    if method == "saddlepoint":
        value = saddlepoint_upper(x, weights)
        return satterthwaite_upper(x, weights) if math.isnan(value) else value
    return exact_upper(x, weights, np.ones_like(weights))


def f_sum_upper(x: float, weights: np.ndarray, ddf: float, method: str) -> float:
    """``P(sum_j w_j chi2_1 / (chi2_ddf / ddf) > x)``: R survey's ``pFsum(lower.tail =
    FALSE)``, ``P(sum_j w_j chi2_1 - (x / ddf) chi2_ddf > 0)``.

    As R, the ``chi2_ddf`` term enters the saddlepoint and the exact computation with
    ``floor(ddf)`` degrees of freedom (R's ``rep(-x / ddf, ddf)`` and ``as.integer(ddf)``).
    """
    weights = np.asarray(weights, dtype=float)
    if math.isinf(ddf):
        return chisquare_sum_upper(x, weights, method)
    whole = math.floor(ddf)
    if method == "integration":
        return exact_upper(0.0, np.append(weights, -x / ddf),
                           np.append(np.ones_like(weights), whole))
    value = satterthwaite_upper(x, weights, ddf)
    if method == "saddlepoint":
        combined = np.concatenate([weights, np.full(whole, -x / ddf)])
        saddle = saddlepoint_upper(0.0, combined)
        if not math.isnan(saddle):
            value = saddle
    return value
