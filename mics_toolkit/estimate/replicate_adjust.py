"""Weight adjustments of replicate designs: calibration and trimming repeated on every
replicate, as R survey's ``calibrate.svyrep.design``.

The full-sample weights are adjusted as for a Taylor design, and each replicate's weights are
adjusted in the same way to the same totals, so that the replicate variance reflects the
adjustment. The result is a :class:`ReplicateDesign` with supplied replicate weights and the
variance constants (scale, rscales, mse) of the original.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mics_toolkit.design.calibration import calibrate as calibrate_design
from mics_toolkit.design.calibration import trimmed_weights
from mics_toolkit.estimate.replicate_design import ReplicateDesign

__all__ = ["calibrate_replicates", "trim_replicates"]


def _with_weights(rep: ReplicateDesign, main: np.ndarray, replicate: np.ndarray) -> ReplicateDesign:
    """A replicate design over the same rows with new full-sample and replicate weights."""
    frame = rep.base.frame
    prefix = "_replicate_weight_"
    while any(str(c).startswith(prefix) for c in frame.columns):
        prefix = "_" + prefix
    weight = f"{prefix}main"
    columns = {weight: main}
    names = [f"{prefix}{r + 1}" for r in range(replicate.shape[1])]
    columns.update({name: replicate[:, r] for r, name in enumerate(names)})
    data = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    return ReplicateDesign(
        data, weight=weight, replicate_weights=names, method="other",
        scale=rep.variance_scale, rscales=np.asarray(rep.variance_rscales), mse=rep.mse,
    )


def calibrate_replicates(rep: ReplicateDesign, totals, method: str = "linear", bounds=None,
                         tolerance: float = 1e-10, max_iterations: int = 50) -> ReplicateDesign:
    """Calibrate the full-sample weights and every replicate's weights to ``totals``.

    Arguments as :meth:`SurveyDesign.calibrate`. R: ``calibrate(svrepdesign, ...)``.
    """
    base = rep.base
    options = {"method": method, "bounds": bounds, "tolerance": tolerance,
               "max_iterations": max_iterations}
    main = calibrate_design(base, totals, **options).weights
    matrix = rep.replicate_weight_matrix()
    adjusted = np.empty_like(matrix)
    for r in range(matrix.shape[1]):
        one = base.replace(data=base.frame.assign(**{base.weight: matrix[:, r]}))
        adjusted[:, r] = calibrate_design(one, totals, **options).weights
    return _with_weights(rep, main, adjusted)


def trim_replicates(rep: ReplicateDesign, lower=None, upper=None,
                    strict: bool = False) -> ReplicateDesign:
    """Trim the full-sample weights and every replicate's weights to ``[lower, upper]``,
    each keeping its total (R ``trimWeights`` semantics applied column by column)."""
    main, _ = trimmed_weights(rep.base.weights, lower, upper, strict)
    matrix = rep.replicate_weight_matrix()
    adjusted = np.column_stack(
        [trimmed_weights(matrix[:, r], lower, upper, strict)[0] for r in range(matrix.shape[1])]
    )
    return _with_weights(rep, main, adjusted)
