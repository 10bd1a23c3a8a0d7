"""The public design object: :class:`SurveyDesign`, a :class:`Design` with estimator methods.

Each method is one line calling the module function of the same name in
:mod:`mics_toolkit.estimate.estimators`, where the formulas and conventions are documented.
"""

from __future__ import annotations

from mics_toolkit.design import Design, calibration
from mics_toolkit.design.weights import weight_diagnostics
from mics_toolkit.estimate import estimators, replicate_design
from mics_toolkit.estimate.tabulate import tabulate

__all__ = ["SurveyDesign"]


class SurveyDesign(Design):
    __doc__ = (Design.__doc__ or "") + """
    Examples
    --------
    >>> import mics_toolkit as mt
    >>> design = mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="HH1")
    ... # doctest: +SKIP
    >>> design.mean("LS2", by="HH7", where="WB4 <= 24")  # doctest: +SKIP
    """

    def mean(self, variable, by=None, where=None, level=0.95, ci="t", df="design"):
        """Weighted mean in each domain; see :func:`mics_toolkit.estimate.mean`."""
        return estimators.mean(self, variable, by=by, where=where, level=level, ci=ci, df=df)

    def total(self, variable, by=None, where=None, level=0.95, ci="t", df="design"):
        """Weighted total in each domain; see :func:`mics_toolkit.estimate.total`."""
        return estimators.total(self, variable, by=by, where=where, level=level, ci=ci, df=df)

    def ratio(self, numerator, denominator, by=None, where=None, level=0.95, ci="t",
              df="design"):
        """Ratio of weighted totals in each domain; see :func:`mics_toolkit.estimate.ratio`."""
        return estimators.ratio(self, numerator, denominator, by=by, where=where, level=level,
                                ci=ci, df=df)

    def proportion(self, variable, by=None, where=None, level=0.95, ci="t", ci_method=None,
                   df="design"):
        """Category proportions in each domain; see :func:`mics_toolkit.estimate.proportion`."""
        return estimators.proportion(self, variable, by=by, where=where, level=level, ci=ci,
                                     ci_method=ci_method, df=df)

    def tabulate(self, mean=None, proportion=None, total=None, ratio=None, breakdowns=(None,),
                 where=None, level=0.95, ci="t", ci_method=None, df="design"):
        """Several variables over several breakdowns in one pass, one long frame; see
        :func:`mics_toolkit.estimate.tabulate`."""
        return tabulate(self, mean=mean, proportion=proportion, total=total, ratio=ratio,
                        breakdowns=breakdowns, where=where, level=level, ci=ci,
                        ci_method=ci_method, df=df)

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
