"""Design-based estimation: linearised scores, stratified variance, intervals, design effects,
and the public :class:`SurveyDesign` whose methods call the estimator functions."""

from mics_toolkit.estimate.estimators import mean, proportion, ratio, total
from mics_toolkit.estimate.frame import RESULT_COLUMNS
from mics_toolkit.estimate.labels import with_labels
from mics_toolkit.estimate.replicate_design import ReplicateDesign
from mics_toolkit.estimate.survey_design import SurveyDesign
from mics_toolkit.estimate.tabulate import tabulate

__all__ = [
    "RESULT_COLUMNS",
    "ReplicateDesign",
    "SurveyDesign",
    "mean",
    "proportion",
    "ratio",
    "tabulate",
    "total",
    "with_labels",
]
