"""Delta method for the index: ``Var(I) = a' S a``.

With x the vector of indicator values that carry sampling error (every survey estimate of
every region, and objective values given with an SE), S their covariance (the linearised
covariance of the survey estimates, see :mod:`~mics_toolkit.index.sources`, with the
objective variances on the diagonal) and ``a_g = dI_g / dx`` the gradient of score g (any
group of any region) at the nominal values, the delta method gives

``Cov(I) = J S J'``, J the matrix with rows ``a_g'``.

J is computed by central differences of the whole pipeline,
``J[:, i] = (I(x + h_i e_i) - I(x - h_i e_i)) / (2 h_i)`` with ``h_i = 1e-4 * sqrt(S_ii)``,
all 2n perturbed inputs run as one batch. For a linear pipeline (arithmetic aggregation and
a normalisation linear in x over the neighbourhood, e.g. goalposts whose truncation does not
bind, or min-max with the extreme regions unchanged) this is exact and the result is the
exact variance of the linearised index; for a smooth non-linear pipeline (geometric
aggregation) it is the usual first-order approximation. Rank and percentile-rank
normalisations have no useful derivative and are refused.

Rank statistics need a distribution: the engine draws the scores from ``N(I, J S J')``.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.errors import OptionError
from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.montecarlo import survey_draw_covariance
from mics_toolkit.index.pipeline import IndexPipeline

__all__ = ["delta_covariance"]

_RELATIVE_STEP = 1e-4


def delta_covariance(
    pipeline: IndexPipeline,
    data: IndexData,
    covariance: str = "linearised",
    chunk: int = 1000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nominal scores, their delta-method covariance and the Jacobian.

    Parameters
    ----------
    pipeline : IndexPipeline
    data : IndexData
    covariance : {"linearised", "independent"}
        Covariance of the survey estimates (see :mod:`~mics_toolkit.index.montecarlo`).
    chunk : int
        Perturbed inputs run per batch.

    Returns
    -------
    (scores, cov, jacobian) : tuple of numpy.ndarray
        ``scores`` (R, M); ``cov`` (R M, R M) in the order ``r * M + m``; ``jacobian``
        (R M, n) over the n uncertain inputs.

    Raises
    ------
    OptionError
        An indicator uses rank or percentile-rank normalisation.
    """
    for name, normalisation in zip(pipeline.indicators, pipeline.normalisations, strict=True):
        if normalisation.is_rank:
            raise OptionError(
                f"engine='delta' needs a differentiable pipeline, but indicator {name!r} uses "
                f"{normalisation.method!r} normalisation; use engine='bootstrap' or "
                "'montecarlo'",
                option="engine",
                value="delta",
                valid=("bootstrap", "montecarlo"),
            )
    n_r, n_k = data.values.shape
    # Inputs: flat positions r * K + k with their covariance S.
    positions = []
    blocks = []
    columns = data.survey_columns
    if columns.size:
        cov_s = survey_draw_covariance(data, covariance)
        flat = (np.arange(n_r)[:, None] * n_k + columns[None, :]).reshape(-1)
        positions.append(flat)
        blocks.append(cov_s)
    objective = np.flatnonzero(
        (np.array(data.sources)[None, :] == "objective").repeat(n_r, axis=0).reshape(-1)
        & (data.se.reshape(-1) > 0)
    )
    if objective.size:
        positions.append(objective)
        blocks.append(np.diag(data.se.reshape(-1)[objective] ** 2))
    nominal = pipeline.scores(data.values)[0]
    n_m = nominal.shape[1]
    if not positions:
        zero = np.zeros((n_r * n_m, n_r * n_m))
        return nominal, zero, np.zeros((n_r * n_m, 0))
    index = np.concatenate(positions)
    size = index.size
    cov = np.zeros((size, size))
    start = 0
    for block in blocks:
        end = start + block.shape[0]
        cov[start:end, start:end] = block
        start = end
    variance = np.diag(cov)
    base = data.values.reshape(-1)
    usable = np.isfinite(variance) & (variance > 0) & np.isfinite(base[index])
    step = np.where(usable, _RELATIVE_STEP * np.sqrt(np.where(usable, variance, 0.0)), 0.0)
    jacobian = np.zeros((n_r * n_m, size))
    todo = np.flatnonzero(usable)
    for begin in range(0, todo.size, chunk):
        part = todo[begin : begin + chunk]
        batch = np.broadcast_to(base, (2 * part.size, base.size)).copy()
        rows = np.arange(part.size)
        batch[rows, index[part]] += step[part]
        batch[part.size + rows, index[part]] -= step[part]
        scores = pipeline.scores(batch.reshape(-1, n_r, n_k)).reshape(2 * part.size, -1)
        jacobian[:, part] = ((scores[: part.size] - scores[part.size :]) / (2 * step[part][:, None])).T
    cov = np.nan_to_num(cov)
    return nominal, jacobian @ cov @ jacobian.T, jacobian
