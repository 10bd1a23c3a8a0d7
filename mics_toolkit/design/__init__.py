"""Sample designs: the frozen :class:`Design`, the checks of its columns, weight adjustments
(``calibration``), weight construction and diagnostics (``weights``) and replicate factors
(``replicates``)."""

from mics_toolkit.design.design import LONELY_PSU_OPTIONS, Design, LonelyPsu
from mics_toolkit.design.replicates import bootstrap_factors, replicate_factors

__all__ = ["LONELY_PSU_OPTIONS", "Design", "LonelyPsu", "bootstrap_factors", "replicate_factors"]
