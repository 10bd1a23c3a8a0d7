"""The public design object: :class:`SurveyDesign`, a :class:`Design` with estimator methods.

Each method is one line calling the module function of the same name in
:mod:`mics_toolkit.estimate.estimators`, where the formulas and conventions are documented.
"""

from __future__ import annotations

from mics_toolkit.design import Design
from mics_toolkit.estimate import estimators

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
