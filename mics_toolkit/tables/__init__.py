"""MICS tables: display rules, the table model, standard tables and the sampling-error appendix.

- :mod:`~mics_toolkit.tables.mics_rules`: percentages x 100, decimals, parentheses for 25-49
  unweighted cases, ``*`` below 25, ``-`` for 0 cases, ``na``, and the footnote texts, on
  plain values.
- :mod:`~mics_toolkit.tables.estimates`: the long estimates frame (indicator, breakdown,
  category, result columns) stacked from estimator results (:func:`stack_results`) or
  normalised from another long frame (:func:`to_estimates`).
- :mod:`~mics_toolkit.tables.standard`: :class:`TableSpec` (indicator, count and
  percent-distribution columns, breakdowns as row groups, gap rows, labels in en/ru/kk) and
  :func:`build_table`.
- :mod:`~mics_toolkit.tables.appendix`: :func:`sampling_errors`, one table per domain (gaps
  in the total's).
- :mod:`~mics_toolkit.tables.model`: the rendered :class:`Table` the report writers read.
"""

from mics_toolkit.tables.appendix import (
    APPENDIX_COLUMNS,
    APPENDIX_GAP_COLUMNS,
    AppendixGap,
    AppendixIndicator,
    SamplingErrors,
    sampling_errors,
)
from mics_toolkit.tables.estimates import (
    ESTIMATE_COLUMNS,
    TOTAL,
    breakdown_key,
    category_key,
    check_estimates,
    stack_results,
    to_estimates,
)
from mics_toolkit.tables.mics_rules import (
    FLAGS,
    LANGUAGES,
    MARK_SIGNIFICANT,
    flag,
    flags,
    format_value,
    indicator_footnote,
    significance_footnote,
    standard_footnotes,
)
from mics_toolkit.tables.model import Cell, Column, HeaderCell, Row, StubGroup, Table, localise
from mics_toolkit.tables.standard import (
    TOTAL_TITLE,
    Breakdown,
    CountColumn,
    DistributionColumns,
    GapRow,
    IndicatorColumn,
    TableSpec,
    build_table,
)

__all__ = [
    "APPENDIX_COLUMNS",
    "APPENDIX_GAP_COLUMNS",
    "ESTIMATE_COLUMNS",
    "FLAGS",
    "LANGUAGES",
    "MARK_SIGNIFICANT",
    "TOTAL",
    "TOTAL_TITLE",
    "AppendixGap",
    "AppendixIndicator",
    "Breakdown",
    "Cell",
    "Column",
    "CountColumn",
    "DistributionColumns",
    "GapRow",
    "HeaderCell",
    "IndicatorColumn",
    "Row",
    "SamplingErrors",
    "StubGroup",
    "Table",
    "TableSpec",
    "breakdown_key",
    "build_table",
    "category_key",
    "check_estimates",
    "flag",
    "flags",
    "format_value",
    "indicator_footnote",
    "localise",
    "sampling_errors",
    "significance_footnote",
    "stack_results",
    "standard_footnotes",
    "to_estimates",
]
