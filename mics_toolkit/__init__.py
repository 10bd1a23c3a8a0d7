"""mics_toolkit: household survey microdata of the MICS kind to design-based estimates.

Public API::

    import mics_toolkit as mt
    data = mt.read("wm.sav")
    design = mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    design.mean("LS2", by="HH7", where="WB4 <= 24")
"""

from mics_toolkit.design import Design
from mics_toolkit.design.calibration import read_totals
from mics_toolkit.design.weights import MicsWeights, mics_weights, weight_diagnostics
from mics_toolkit.errors import (
    CalibrationError,
    DesignError,
    ExpressionError,
    LinkError,
    MicsError,
    MicsWarning,
    NormalisedTotalWarning,
    OptionError,
    OutputError,
    ReadError,
    SpecError,
    SpecialCodeWarning,
    VariableError,
    WeightError,
)
from mics_toolkit.estimate import (
    RESULT_COLUMNS,
    ReplicateDesign,
    SurveyDesign,
    median,
    quantile,
    with_labels,
)
from mics_toolkit.io import (
    Metadata,
    SurveyData,
    describe,
    open_survey,
    read,
    read_metadata,
    write,
)

__version__ = "0.1.0"

__all__ = [
    "RESULT_COLUMNS",
    "CalibrationError",
    "Design",
    "DesignError",
    "ExpressionError",
    "LinkError",
    "Metadata",
    "MicsError",
    "MicsWarning",
    "MicsWeights",
    "NormalisedTotalWarning",
    "OptionError",
    "OutputError",
    "ReadError",
    "ReplicateDesign",
    "SpecError",
    "SpecialCodeWarning",
    "SurveyData",
    "SurveyDesign",
    "VariableError",
    "WeightError",
    "__version__",
    "describe",
    "median",
    "mics_weights",
    "open_survey",
    "quantile",
    "read",
    "read_metadata",
    "read_totals",
    "weight_diagnostics",
    "with_labels",
    "write",
]
