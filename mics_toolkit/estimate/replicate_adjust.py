"""Weight adjustments of replicate designs: calibration and trimming repeated on every
replicate, as R survey's ``calibrate.svyrep.design``.

The full-sample weights are adjusted as for a Taylor design, and each replicate's weights are
adjusted in the same way to the same totals, so that the replicate variance reflects the
adjustment. The functions return the new weights; :meth:`ReplicateDesign.calibrate` and
:meth:`ReplicateDesign.trim` build the new replicate design from them.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.design.calibration import calibrate as calibrate_design
from mics_toolkit.design.calibration import trimmed_weights

__all__ = ["calibrated_weights", "trimmed_replicate_weights"]


def calibrated_weights(base: Design, matrix: np.ndarray, totals, method: str = "linear",
                       bounds=None, tolerance: float = 1e-10,
                       max_iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The full-sample weights of ``base`` and every replicate's weights (columns of the
    (N, R) ``matrix``) calibrated to ``totals``.

    Arguments as :meth:`SurveyDesign.calibrate`. R: ``calibrate(svrepdesign, ...)``.

    Returns
    -------
    main : numpy.ndarray, shape (N,)
    replicate : numpy.ndarray, shape (N, R)
    """
    options = {"method": method, "bounds": bounds, "tolerance": tolerance,
               "max_iterations": max_iterations}
    main = calibrate_design(base, totals, **options).weights
    adjusted = np.empty_like(matrix)
    for r in range(matrix.shape[1]):
        one = base.replace(data=base.frame.assign(**{base.weight: matrix[:, r]}))
        adjusted[:, r] = calibrate_design(one, totals, **options).weights
    return main, adjusted


def trimmed_replicate_weights(weights: np.ndarray, matrix: np.ndarray, lower=None, upper=None,
                              strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``weights`` and every replicate's weights (columns of ``matrix``) trimmed to
    ``[lower, upper]``, each keeping its total (R ``trimWeights`` semantics applied column by
    column)."""
    main, _ = trimmed_weights(weights, lower, upper, strict)
    adjusted = np.column_stack(
        [trimmed_weights(matrix[:, r], lower, upper, strict)[0] for r in range(matrix.shape[1])]
    )
    return main, adjusted
