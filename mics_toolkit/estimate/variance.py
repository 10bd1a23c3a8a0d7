"""Stratified with-replacement variance of PSU scores, with fpc and lonely-PSU rules.

For the scores ``z_c`` of the (domain, PSU) cells of one estimate, with ``n_h`` PSUs in stratum
h of the full design (PSUs without domain rows have score 0 but still count),

    V = sum_h c_h * sum_{p in h} (z_hp - zbar_h)^2,   c_h = (1 - f_h) * n_h / (n_h - 1),

where ``zbar_h = (sum_p z_hp) / n_h`` and ``1 - f_h`` is the finite population correction
(1 without fpc). This is R survey's ``svyrecvar`` for one stage (``onestrat``), SPSS
``ESTIMATOR TYPE=WR`` and Stata's default linearisation.

Strata with one PSU follow ``Design.lonely_psu`` with R survey 4.1-1's meanings:
``remove`` and ``certainty`` contribute 0; ``adjust`` contributes ``(1 - f_h) z^2`` (the
lone PSU centred at zero, the grand mean of the scores of a mean or ratio); ``average`` leaves
them out and multiplies V by the number of strata holding domain rows over the number of
those strata that have two or more PSUs.

The sums over cells run with ``bincount`` on (domain, stratum) codes: one pass, all domains.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.estimate.scores import CellTotals

__all__ = ["stratified_variance"]

# R survey treats a stratum whose (1 - f) is below this as sampled with certainty.
_CERTAINTY_TOLERANCE = 1e-7


def stratified_variance(design: Design, cells: CellTotals, scores: np.ndarray) -> np.ndarray:
    """Variance of every (domain, variable) estimate from its PSU scores.

    Parameters
    ----------
    design : Design
    cells : CellTotals
        The cells the scores belong to.
    scores : numpy.ndarray, shape (C, K)
        Linearised PSU scores per cell and variable.

    Returns
    -------
    numpy.ndarray, shape (G, K)
        The variances; NaN where a score is NaN (an empty domain).
    """
    n_domains = cells.n_domains
    n_strata = design.n_strata
    n_h = design.n_psu.astype(float)
    cell_stratum = design.psu_stratum[cells.cell_psu]
    group = cells.cell_domain * n_strata + cell_stratum
    size = n_domains * n_strata
    # number of cells (PSUs holding domain rows) in each (domain, stratum)
    n_cells = np.bincount(group, minlength=size).reshape(n_domains, n_strata)

    lonely = n_h == 1
    fpc = design.fpc_factor.copy()
    fpc[fpc < _CERTAINTY_TOLERANCE] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 0.0, fpc * n_h / (n_h - 1))
    rule = design.lonely_psu
    if rule == "adjust":
        scale = np.where(lonely, fpc, scale)

    n_vars = scores.shape[1]
    variance = np.empty((n_domains, n_vars))
    for k in range(n_vars):
        z = scores[:, k]
        sums = np.bincount(group, weights=z, minlength=size).reshape(n_domains, n_strata)
        means = sums / n_h
        if rule == "adjust":
            means = np.where(lonely, 0.0, means)
        deviation = z - means.ravel()[group]
        squares = np.bincount(group, weights=deviation**2, minlength=size).reshape(
            n_domains, n_strata
        )
        # PSUs of the stratum without domain rows have score 0: deviation -mean each.
        squares += (n_h - n_cells) * means**2
        variance[:, k] = squares @ scale

    if rule == "average" and lonely.any():
        for k in range(n_vars):
            has_rows = (
                np.bincount(group, weights=cells.n_valid[:, k] > 0, minlength=size).reshape(
                    n_domains, n_strata
                )
                > 0
            )
            n_present = has_rows.sum(axis=1)
            n_ok = (has_rows & ~lonely).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(n_ok > 0, n_present / n_ok, np.nan)
            variance[:, k] *= factor
    return variance
