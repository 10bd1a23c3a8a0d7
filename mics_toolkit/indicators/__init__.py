"""Indicator specifications and their computation.

- :mod:`~mics_toolkit.indicators.schema`: the fields of an indicator spec and their validator.
- :mod:`~mics_toolkit.indicators.spec`: :class:`IndicatorSpec` and indicator files, read by
  the spec layer (:mod:`mics_toolkit.specfile`), so every error names ``file:line`` and the key.
- :mod:`~mics_toolkit.indicators.catalogue`: :func:`load_catalogue`, the shipped catalogue of
  MICS6 indicators in ``mics_toolkit/catalogue/`` by id.
- :mod:`~mics_toolkit.indicators.compute`: :func:`prepare_indicators`,
  :func:`compute_indicators` and :func:`estimate_indicator`, which turn specs and a survey
  file set (:func:`mics_toolkit.open_survey`) into the engine's result frames.
- :mod:`~mics_toolkit.indicators.gaps`: :func:`compute_gaps`, differences and ratios of an
  indicator between two categories of a breakdown, with their tests.
"""

from mics_toolkit.indicators.catalogue import DEFAULT_SPECS, Catalogue, load_catalogue
from mics_toolkit.indicators.compute import (
    ESTIMATE_COLUMNS,
    TOTAL,
    PreparedIndicator,
    check_indicators,
    compute_indicators,
    estimate_indicator,
    estimate_indicators,
    estimate_prepared,
    level_id,
    prepare_indicators,
)
from mics_toolkit.indicators.gaps import (
    GAP_COLUMNS,
    GAP_KINDS,
    GAP_TYPES,
    SIGNIFICANCE_LEVEL,
    Gap,
    compute_gaps,
)
from mics_toolkit.indicators.schema import (
    INDICATOR_FIELDS,
    INDICATOR_TYPES,
    LANGUAGES,
    MISSING_TREATMENTS,
    QUANTILE_TYPES,
)
from mics_toolkit.indicators.spec import (
    IndicatorSpec,
    load_indicator_file,
    parse_indicators,
)

__all__ = [
    "DEFAULT_SPECS",
    "ESTIMATE_COLUMNS",
    "GAP_COLUMNS",
    "GAP_KINDS",
    "GAP_TYPES",
    "INDICATOR_FIELDS",
    "INDICATOR_TYPES",
    "LANGUAGES",
    "MISSING_TREATMENTS",
    "QUANTILE_TYPES",
    "SIGNIFICANCE_LEVEL",
    "TOTAL",
    "Catalogue",
    "Gap",
    "IndicatorSpec",
    "PreparedIndicator",
    "check_indicators",
    "compute_gaps",
    "compute_indicators",
    "estimate_indicator",
    "estimate_indicators",
    "estimate_prepared",
    "level_id",
    "load_catalogue",
    "load_indicator_file",
    "parse_indicators",
    "prepare_indicators",
]
