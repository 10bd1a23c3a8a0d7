"""Design bootstrap of the index: Rao-Wu resampling of PSUs applied to PSU-level totals.

Each replicate draws ``m_h = n_h - 1`` PSUs with replacement from the ``n_h`` PSUs of every
stratum (independently across strata and replicates) and gives PSU p of stratum h the factor

``f_p = 1 - lambda_h + lambda_h * n_h / m_h * count_p``, ``lambda_h = sqrt(m_h (1 - f_h) / (n_h - 1))``

(Rao and Wu 1988; without fpc ``lambda_h = 1`` and ``f_p = n_h / (n_h - 1) * count_p``, R
survey's ``as.svrepdesign(type="subbootstrap")``). A stratum with a single PSU is not
resampled (factor 1: it contributes nothing, as ``lonely_psu="certainty"``).

Every survey indicator of every region is re-estimated in each replicate from the
``(PSU, region)`` totals of its numerator A and denominator B,
``R*_gk = sum_p f_p A_pgk / sum_p f_p B_pgk``: one matrix product for all replicates, regions
and indicators, so the correlation between indicators measured on the same households (and
PSUs) is kept. Objective indicators with an SE get independent Normal draws; the others stay
fixed. The whole index is then re-run on each replicate's values (see
:mod:`~mics_toolkit.index.pipeline`).

With :class:`~mics_toolkit.index.sources.SurveyEstimates` that carry replicate estimates,
those replicates are used instead.

References
----------
Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey data.
Journal of the American Statistical Association 83, 231-241.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mics_toolkit.design.replicates import rao_wu_factors
from mics_toolkit.errors import OptionError
from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.sources import SurveyTotals

__all__ = ["bootstrap_values"]


def bootstrap_values(
    data: IndexData,
    replicates: int,
    rng: np.random.Generator,
    chunk: int = 500,
) -> Iterator[np.ndarray]:
    """Replicate indicator values ``(b, R, K)``, in chunks of at most ``chunk`` replicates.

    Raises
    ------
    OptionError
        The survey source has neither PSU totals nor replicate estimates.
    """
    survey = data.survey
    columns = data.survey_columns
    if survey is not None and not isinstance(survey, SurveyTotals) and survey.replicates is None:
        raise OptionError(
            "engine='bootstrap' needs the survey's PSU totals (survey_totals from microdata) "
            "or replicate estimates; with estimates and SEs only use engine='montecarlo' or "
            "'delta'",
            option="engine",
            value="bootstrap",
            valid=("montecarlo", "delta"),
        )
    if survey is not None and not isinstance(survey, SurveyTotals):
        reps = survey.replicates[:, data.survey_region_index][:, :, data.survey_source_index]
        replicates = reps.shape[0]
    n_r, n_k = data.values.shape
    objective_se = np.where(np.array(data.sources) == "objective", data.se, 0.0)
    has_objective_error = bool(np.any(objective_se > 0))
    if isinstance(survey, SurveyTotals):
        rows = data.survey_region_index
        a = survey.numerator[:, rows][:, :, data.survey_source_index]
        b = survey.denominator[:, rows][:, :, data.survey_source_index]
        n_p = a.shape[0]
        stacked = np.concatenate([a.reshape(n_p, -1), b.reshape(n_p, -1)], axis=1)
        half = stacked.shape[1] // 2
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        values = np.broadcast_to(data.values, (size, n_r, n_k)).copy()
        if isinstance(survey, SurveyTotals) and columns.size:
            factors = rao_wu_factors(survey.psu_stratum, size, rng,
                                     n_strata=len(survey.fpc_factor),
                                     fpc_factor=survey.fpc_factor)
            sums = factors @ stacked
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = sums[:, :half] / sums[:, half:]
            ratio[~np.isfinite(ratio)] = np.nan
            values[:, :, columns] = ratio.reshape(size, n_r, columns.size)
        elif survey is not None and columns.size:
            values[:, :, columns] = reps[done : done + size]
        if has_objective_error:
            values += objective_se[None] * rng.standard_normal((size, n_r, n_k))
        done += size
        yield values
