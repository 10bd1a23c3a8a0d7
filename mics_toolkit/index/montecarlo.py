"""Monte Carlo of the index from estimates and standard errors (no microdata needed).

Each draw replaces every survey estimate by a draw from its sampling distribution and re-runs
the whole index. Proportions are drawn on the logit scale, which keeps them inside (0, 1):

``logit(p*) ~ N(logit(p), V_logit)``, ``V_logit = D V D``, ``D = diag(1 / (p (1 - p)))``

(the delta-method variance of ``logit(p)``), then ``p* = expit(logit(p*))``; means and
ratios are drawn on their own scale, ``x* ~ N(x, V)``. ``V`` is the covariance of all survey
estimates (all regions and indicators): with ``covariance="linearised"`` the covariance from
the linearised PSU scores (:meth:`~mics_toolkit.index.sources.SurveyTotals.covariance`, or
the one given with :class:`~mics_toolkit.index.sources.SurveyEstimates`), which keeps the
correlation between indicators measured on the same households; with
``covariance="independent"`` only its diagonal (``se**2``), which understates the uncertainty
of an index of positively correlated indicators. A proportion estimated as exactly 0 or 1
(SE 0) stays fixed. Objective indicators with an SE get independent Normal draws.

Draws use the symmetric square root of V from its eigen-decomposition (negative eigenvalues
from rounding are set to 0), so a singular V is fine.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import special

from mics_toolkit.errors import OptionError
from mics_toolkit.index.inputs import IndexData

__all__ = ["montecarlo_values", "survey_draw_covariance"]


def survey_draw_covariance(data: IndexData, covariance: str) -> np.ndarray:
    """Covariance of the survey values, order ``r * K_survey + j``, on their own scale.

    Raises
    ------
    OptionError
        ``covariance="linearised"`` but the survey source has no covariance.
    """
    n_s = data.survey_columns.size
    se = data.se[:, data.survey_columns].reshape(-1)
    if covariance == "independent":
        return np.diag(se**2)
    cov = data.survey_covariance()
    if cov is None:
        raise OptionError(
            "covariance='linearised' needs the survey's PSU totals or a covariance of the "
            "estimates; with SEs only, pass covariance='independent'",
            option="covariance",
            value=covariance,
            valid=("independent",),
        )
    return cov.reshape(data.n_regions * n_s, data.n_regions * n_s)


def _square_root(cov: np.ndarray) -> np.ndarray:
    eigenvalues, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))[None, :]


def montecarlo_values(
    data: IndexData,
    replicates: int,
    rng: np.random.Generator,
    covariance: str = "linearised",
    chunk: int = 500,
) -> Iterator[np.ndarray]:
    """Draws of the indicator values ``(b, R, K)``, in chunks of at most ``chunk``.

    See the module documentation for the distribution.
    """
    n_r, n_k = data.values.shape
    columns = data.survey_columns
    n_s = columns.size
    objective_se = np.where(np.array(data.sources) == "objective", data.se, 0.0)
    has_objective_error = bool(np.any(objective_se > 0))
    if n_s:
        estimate = data.values[:, columns].reshape(-1)
        kinds = np.array([data.kinds[c] for c in columns])
        proportion = np.tile(kinds == "proportion", n_r)
        cov = survey_draw_covariance(data, covariance)
        usable = np.isfinite(estimate) & np.isfinite(np.diag(cov))
        interior = proportion & (estimate > 0) & (estimate < 1)
        fixed = ~usable | (proportion & ~interior)
        centre = np.where(interior, special.logit(np.where(interior, estimate, 0.5)), estimate)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(interior, 1.0 / (estimate * (1.0 - estimate)), 1.0)
        keep = np.flatnonzero(~fixed)
        scaled = cov[np.ix_(keep, keep)] * slope[keep][:, None] * slope[keep][None, :]
        root = _square_root(np.nan_to_num(scaled))
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        values = np.broadcast_to(data.values, (size, n_r, n_k)).copy()
        if n_s:
            draws = np.broadcast_to(estimate, (size, estimate.size)).copy()
            if keep.size:
                noise = rng.standard_normal((size, keep.size)) @ root.T
                linear = centre[keep][None, :] + noise
                draws[:, keep] = np.where(
                    interior[keep][None, :], special.expit(linear), linear
                )
            values[:, :, columns] = draws.reshape(size, n_r, n_s)
        if has_objective_error:
            values += objective_se[None] * rng.standard_normal((size, n_r, n_k))
        done += size
        yield values
