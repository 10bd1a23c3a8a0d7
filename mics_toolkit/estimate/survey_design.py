"""The public design object: :class:`SurveyDesign`, a :class:`Design` with estimator methods.

The estimator methods (:class:`~mics_toolkit.estimate.methods.EstimatorMethods`) are one line
each over the module functions of :mod:`mics_toolkit.estimate`, where the formulas and
conventions are documented; the weight adjustments and replicate construction are one line each
over :mod:`mics_toolkit.design.calibration` and
:mod:`mics_toolkit.estimate.replicate_design`.
"""

from __future__ import annotations

from mics_toolkit.design import Design, calibration
from mics_toolkit.design.weights import weight_diagnostics
from mics_toolkit.estimate import replicate_design
from mics_toolkit.estimate.engine import variance_of
from mics_toolkit.estimate.methods import EstimatorMethods

__all__ = ["SurveyDesign"]


class SurveyDesign(EstimatorMethods, Design):
    __doc__ = (Design.__doc__ or "") + """
    variance_method : TaylorVariance or CalibratedVariance
        The variance the estimators use: Taylor linearisation, with the residuals of the
        weight adjustments when the design carries some.

    Examples
    --------
    >>> import mics_toolkit as mt
    >>> design = mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="HH1")
    ... # doctest: +SKIP
    >>> design.mean("LS2", by="HH7", where="WB4 <= 24")  # doctest: +SKIP
    """

    @property
    def variance_method(self):
        """The variance method the estimators use (Taylor, or calibrated)."""
        return variance_of(self)

    def replicate(self, method, replicates=None, seed=None, fay_rho=None):
        """Replicate design of this design; see :func:`mics_toolkit.estimate.replicate_design.replicate`."""
        return replicate_design.replicate(self, method, replicates=replicates, seed=seed,
                                          fay_rho=fay_rho)

    def poststratify(self, variables, population):
        """New design post-stratified to population counts; see
        :func:`mics_toolkit.design.calibration.poststratify`."""
        return calibration.poststratify(self, variables, population)

    def rake(self, margins, tolerance=1e-10, max_iterations=1000):
        """New design raked to population margins; see
        :func:`mics_toolkit.design.calibration.rake`."""
        return calibration.rake(self, margins, tolerance=tolerance,
                                max_iterations=max_iterations)

    def calibrate(self, totals, method="linear", bounds=None, tolerance=1e-10,
                  max_iterations=50):
        """New design calibrated to population totals; see
        :func:`mics_toolkit.design.calibration.calibrate`."""
        return calibration.calibrate(self, totals, method=method, bounds=bounds,
                                     tolerance=tolerance, max_iterations=max_iterations)

    def trim(self, lower=None, upper=None, strict=False):
        """New design with trimmed weights; see :func:`mics_toolkit.design.calibration.trim`."""
        return calibration.trim(self, lower=lower, upper=upper, strict=strict)

    def weight_diagnostics(self, by=None):
        """Sum, spread, Kish design effect and effective n of the weights; see
        :func:`mics_toolkit.design.weights.weight_diagnostics`."""
        groups = None if by is None else self.column(by, role="by")
        return weight_diagnostics(self.weights, by=groups)
