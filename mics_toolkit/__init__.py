"""mics_toolkit: household survey microdata of the MICS kind to design-based estimates.

Public API::

    import mics_toolkit as mt
    data = mt.read("wm.sav")
    design = mt.SurveyDesign(data, weight="wmweight", strata="stratum", psu="HH1")
    design.mean("LS2", by="HH7", where="WB4 <= 24")

    mt.build_report("report.yaml", "build/report")        # the report of a report spec
    mt.build_index_report("index.yaml", "build/index")    # the index of an index spec

The exceptions are imported with the package; every other public name is imported when it is
first used (PEP 562), so that ``import mics_toolkit`` and the ``mics`` command's start-up do
not load pandas and scipy before a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # pragma: no cover - names for type checkers and editors
    from mics_toolkit.design import Design
    from mics_toolkit.design.calibration import read_totals
    from mics_toolkit.design.weights import MicsWeights, mics_weights, weight_diagnostics
    from mics_toolkit.estimate import (
        RESULT_COLUMNS,
        GlmResult,
        ReplicateDesign,
        SurveyDesign,
        compare_rounds,
        contrast,
        glm,
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
    from mics_toolkit.report.build import ReportBuild, build_report
    from mics_toolkit.report.index_build import IndexBuild, build_index_report
    from mics_toolkit.report.output_folder import OutputFile

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Design": "mics_toolkit.design",
    "read_totals": "mics_toolkit.design.calibration",
    "MicsWeights": "mics_toolkit.design.weights",
    "mics_weights": "mics_toolkit.design.weights",
    "weight_diagnostics": "mics_toolkit.design.weights",
    "RESULT_COLUMNS": "mics_toolkit.estimate",
    "ReplicateDesign": "mics_toolkit.estimate",
    "SurveyDesign": "mics_toolkit.estimate",
    "with_labels": "mics_toolkit.estimate",
    "compare_rounds": "mics_toolkit.estimate",
    "contrast": "mics_toolkit.estimate",
    "glm": "mics_toolkit.estimate",
    "GlmResult": "mics_toolkit.estimate",
    "median": "mics_toolkit.estimate",
    "quantile": "mics_toolkit.estimate",
    "Metadata": "mics_toolkit.io",
    "SurveyData": "mics_toolkit.io",
    "describe": "mics_toolkit.io",
    "open_survey": "mics_toolkit.io",
    "read": "mics_toolkit.io",
    "read_metadata": "mics_toolkit.io",
    "write": "mics_toolkit.io",
    "ReportBuild": "mics_toolkit.report.build",
    "build_report": "mics_toolkit.report.build",
    "IndexBuild": "mics_toolkit.report.index_build",
    "build_index_report": "mics_toolkit.report.index_build",
    "OutputFile": "mics_toolkit.report.output_folder",
}
"""Public name -> the module that defines it, imported on first use."""

_SUBPACKAGES = ("design", "estimate", "expr", "index", "indicators", "io", "report", "specfile",
                "tables")
"""Parts of the package reachable as attributes (``mt.estimate.covariance``)."""

__all__ = [
    "RESULT_COLUMNS",
    "CalibrationError",
    "Design",
    "DesignError",
    "ExpressionError",
    "GlmResult",
    "IndexBuild",
    "LinkError",
    "Metadata",
    "MicsError",
    "MicsWarning",
    "MicsWeights",
    "NormalisedTotalWarning",
    "OptionError",
    "OutputError",
    "OutputFile",
    "ReadError",
    "ReplicateDesign",
    "ReportBuild",
    "SpecError",
    "SpecialCodeWarning",
    "SurveyData",
    "SurveyDesign",
    "VariableError",
    "WeightError",
    "__version__",
    "build_index_report",
    "build_report",
    "compare_rounds",
    "contrast",
    "describe",
    "glm",
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


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name in the package."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
