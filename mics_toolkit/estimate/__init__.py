"""Design-based estimation: one engine (cells, scores, a variance method per design kind),
the estimators, ``tabulate``, the covariance of any set of estimates, comparisons of domains
and rounds, chi-square and t tests, and the public
:class:`SurveyDesign` and :class:`ReplicateDesign` whose methods call them."""

from mics_toolkit.estimate.chisq import chisq
from mics_toolkit.estimate.contrasts import compare, compare_rounds, contrast
from mics_toolkit.estimate.covariance import covariance
from mics_toolkit.estimate.estimators import mean, proportion, ratio, total
from mics_toolkit.estimate.frame import RESULT_COLUMNS
from mics_toolkit.estimate.glm import GlmResult, glm
from mics_toolkit.estimate.labels import with_labels
from mics_toolkit.estimate.quantiles import median, quantile
from mics_toolkit.estimate.replicate_design import ReplicateDesign
from mics_toolkit.estimate.survey_design import SurveyDesign
from mics_toolkit.estimate.tabulate import tabulate
from mics_toolkit.estimate.ttest import ttest

__all__ = [
    "RESULT_COLUMNS",
    "GlmResult",
    "ReplicateDesign",
    "SurveyDesign",
    "chisq",
    "compare",
    "compare_rounds",
    "contrast",
    "covariance",
    "glm",
    "mean",
    "median",
    "proportion",
    "quantile",
    "ratio",
    "tabulate",
    "total",
    "ttest",
    "with_labels",
]
