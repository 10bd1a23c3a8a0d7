"""Composite indices by region from survey estimates and objective indicators, with the survey's
sampling uncertainty carried to scores and ranks.

The steps follow the OECD/JRC Handbook and COINr 1.1 (same formulas, same numbers):

- :mod:`~mics_toolkit.index.spec`: :class:`IndexSpec` (indicators as :class:`IndexIndicator`,
  groups, methods, settings;
  :meth:`IndexSpec.from_dict` for specs read from files) over a validated :class:`Hierarchy`;
- :mod:`~mics_toolkit.index.sources`: survey indicators as definitions evaluated on a design
  (:func:`survey_totals`, PSU-level totals), as published estimates
  (:class:`SurveyEstimates`), and the objective table (:class:`ObjectiveTable`);
  :func:`link_data` lines them up with the spec (:class:`IndexData`);
- :mod:`~mics_toolkit.index.normalise`, :mod:`~mics_toolkit.index.aggregate`,
  :mod:`~mics_toolkit.index.missing`, :mod:`~mics_toolkit.index.outliers`: the methods;
- :func:`build_index`: the nominal index (:class:`IndexResult`);
- :func:`assess_uncertainty`: design bootstrap, Monte Carlo or delta method
  (:class:`IndexUncertainty`: score intervals, rank intervals, top/bottom probabilities,
  pairwise differences, league table);
- :func:`sensitivity_analysis`: methodological alternatives and sampling error, Sobol
  indices (:class:`SensitivityResult`);
- :class:`RegionCrosswalk`: old regions to new ones.

Example::

    spec = IndexSpec.from_dict(load_spec("index.yaml").document, file="index.yaml")
    totals = survey_totals(design, spec.survey_definitions(), region="HH7")
    data = link_data(spec, survey=totals, objective=ObjectiveTable(table, se))
    result = build_index(spec, data)
    uncertainty = assess_uncertainty(spec, data, engine="bootstrap", replicates=2000, seed=1)

The computing modules import only from io, design, estimate and expr: survey indicators reach
them as :class:`SurveyIndicator` definitions or totals keyed by the spec's indicator ids. Two
modules bridge to the indicator catalogue (a layer to the left): ``catalogue_source`` turns
catalogue entries into PSU-level totals by region and ``yaml_spec`` loads index spec files
(``mics index``) through the spec layer (:mod:`mics_toolkit.specfile`, whose ``load_spec`` the
example uses), so every error names ``file:line`` and the key.
"""

from mics_toolkit.index.aggregate import AGGREGATION_METHODS, Aggregation, aggregate
from mics_toolkit.index.build import IndexResult, build_index
from mics_toolkit.index.crosswalk import RegionCrosswalk
from mics_toolkit.index.hierarchy import Hierarchy
from mics_toolkit.index.inputs import IndexData, link_data
from mics_toolkit.index.missing import IMPUTATION_METHODS, Imputation, impute
from mics_toolkit.index.normalise import NORMALISATION_METHODS, Normalisation, normalise
from mics_toolkit.index.outliers import OutlierRule, kurtosis, skewness, treat_outliers
from mics_toolkit.index.pipeline import IndexPipeline
from mics_toolkit.index.sensitivity import SensitivityResult, sensitivity_analysis
from mics_toolkit.index.sources import (
    ObjectiveTable,
    SurveyEstimates,
    SurveyIndicator,
    SurveyTotals,
    combine_totals,
    survey_totals,
)
from mics_toolkit.index.spec import (
    GroupSpec,
    IndexIndicator,
    IndexSpec,
    SensitivitySource,
    UncertaintySettings,
)
from mics_toolkit.index.uncertainty import IndexUncertainty, assess_uncertainty

__all__ = [
    "AGGREGATION_METHODS",
    "IMPUTATION_METHODS",
    "NORMALISATION_METHODS",
    "Aggregation",
    "GroupSpec",
    "Hierarchy",
    "Imputation",
    "IndexData",
    "IndexIndicator",
    "IndexPipeline",
    "IndexResult",
    "IndexSpec",
    "IndexUncertainty",
    "Normalisation",
    "ObjectiveTable",
    "OutlierRule",
    "RegionCrosswalk",
    "SensitivityResult",
    "SensitivitySource",
    "SurveyEstimates",
    "SurveyIndicator",
    "SurveyTotals",
    "UncertaintySettings",
    "aggregate",
    "assess_uncertainty",
    "build_index",
    "combine_totals",
    "impute",
    "kurtosis",
    "link_data",
    "normalise",
    "sensitivity_analysis",
    "skewness",
    "survey_totals",
    "treat_outliers",
]
