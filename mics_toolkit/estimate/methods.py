"""The estimator methods of a design object, written once for every kind of design.

:class:`~mics_toolkit.estimate.SurveyDesign` (Taylor linearisation, with or without weight
adjustments) and :class:`~mics_toolkit.estimate.ReplicateDesign` both take these methods;
each is one line calling the module function of the same name, which runs the one engine
(:mod:`mics_toolkit.estimate.engine`) with the variance method the design carries, as R's
generics dispatch on the design class.
"""

from __future__ import annotations

from mics_toolkit.estimate import estimators
from mics_toolkit.estimate.chisq import chisq as design_chisq
from mics_toolkit.estimate.contrasts import compare as design_compare
from mics_toolkit.estimate.covariance import covariance as design_covariance
from mics_toolkit.estimate.glm import glm as design_glm
from mics_toolkit.estimate.quantiles import median as domain_median
from mics_toolkit.estimate.quantiles import quantile as domain_quantile
from mics_toolkit.estimate.tabulate import tabulate
from mics_toolkit.estimate.ttest import ttest as design_ttest

__all__ = ["EstimatorMethods"]


class EstimatorMethods:
    """``mean``, ``total``, ``ratio``, ``proportion``, ``tabulate`` and ``covariance`` as
    methods; see the functions of :mod:`mics_toolkit.estimate` for their documentation."""

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
                 where=None, level=0.95, ci="t", ci_method=None, df="design", quantile=None,
                 median=None, q=None, qrule="math", interval="mean"):
        """Several variables over several breakdowns in one pass, one long frame; see
        :func:`mics_toolkit.estimate.tabulate`."""
        return tabulate(self, mean=mean, proportion=proportion, total=total, ratio=ratio,
                        breakdowns=breakdowns, where=where, level=level, ci=ci,
                        ci_method=ci_method, df=df, quantile=quantile, median=median, q=q,
                        qrule=qrule, interval=interval)

    def covariance(self, result, where=None):
        """Design covariance of the estimates of ``result``; see
        :func:`mics_toolkit.estimate.covariance`."""
        return design_covariance(self, result, where=where)

    # comparisons and tests (estimate/contrasts.py, estimate/chisq.py, estimate/ttest.py)
    def compare(self, statistic, variable, by, level=None, pairs=None, kind="difference",
                where=None, confidence=0.95, ci="t", df="design"):
        """Differences or ratios of an estimate between domains, two by two; see
        :func:`mics_toolkit.estimate.compare`."""
        return design_compare(self, statistic, variable, by, level=level, pairs=pairs,
                              kind=kind, where=where, confidence=confidence, ci=ci, df=df)

    def chisq(self, row, column, where=None, statistic="F", df="design"):
        """Design-based test of independence of a two-way table (R ``svychisq``); see
        :func:`mics_toolkit.estimate.chisq`."""
        return design_chisq(self, row, column, where=where, statistic=statistic, df=df)

    def ttest(self, variable, by=None, where=None, level=0.95, df="design"):
        """Design-based t-test of a mean or of two groups' means (R ``svyttest``); see
        :func:`mics_toolkit.estimate.ttest`."""
        return design_ttest(self, variable, by=by, where=where, level=level, df=df)

    # design-based generalised linear models (estimate/glm.py)
    def glm(self, formula, family="gaussian", where=None, df="design"):
        """Design-based generalised linear model (R ``svyglm``); see
        :func:`mics_toolkit.estimate.glm`."""
        return design_glm(self, formula, family=family, where=where, df=df)

    # quantiles and medians (estimate/quantiles.py)
    def quantile(self, variable, q, by=None, where=None, qrule="math", interval="mean",
                 level=0.95, ci="t", df="design"):
        """Quantiles in each domain (R ``svyquantile``); see
        :func:`mics_toolkit.estimate.quantile`."""
        return domain_quantile(self, variable, q, by=by, where=where, qrule=qrule,
                               interval=interval, level=level, ci=ci, df=df)

    def median(self, variable, by=None, where=None, qrule="math", interval="mean", level=0.95,
               ci="t", df="design"):
        """Median in each domain; see :func:`mics_toolkit.estimate.median`."""
        return domain_median(self, variable, by=by, where=where, qrule=qrule,
                             interval=interval, level=level, ci=ci, df=df)
