"""The nominal index: :func:`build_index` and its result, :class:`IndexResult`.

:func:`build_index` runs the compiled pipeline once on the nominal values and keeps every
intermediate table a user checks: the raw values, which cells were imputed, treated or left
missing, the normalised values, the group scores and ranks, the availability of each group's
children, the outlier treatment per indicator and the framework with effective weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.pipeline import IndexPipeline
from mics_toolkit.index.ranks import rank_descending
from mics_toolkit.index.spec import IndexSpec

__all__ = ["IndexResult", "build_index", "group_order"]


def group_order(pipeline: IndexPipeline) -> list[str]:
    """Groups from the top: the index, then domains, sub-domains ... (spec order within)."""
    hierarchy = pipeline.hierarchy
    return sorted(hierarchy.groups, key=lambda g: -hierarchy.level[g])


@dataclass(frozen=True)
class IndexResult:
    """The nominal index and its intermediate tables.

    Wide tables have the regions as index (named ``region``); :meth:`to_frames` returns them
    with ``region`` as the first column.

    Attributes
    ----------
    values : pandas.DataFrame
        Region x indicator values as linked (survey estimates, objective values).
    missing : pandas.DataFrame
        Region x indicator, True where the value is missing and was not imputed: it dropped
        out of its group's aggregation with its weight.
    imputed : pandas.DataFrame
        Region x indicator, True where the value was imputed.
    treated : pandas.DataFrame
        Region x indicator outlier flags: ``""``, ``"winhi"``, ``"winlo"``, ``"log"``, ...
    prepared : pandas.DataFrame
        Values after imputation and outlier treatment.
    normalised : pandas.DataFrame
        Region x indicator normalised values.
    scores : pandas.DataFrame
        Region x group scores; columns from the index down (index, domains, sub-domains).
    ranks : pandas.DataFrame
        Region x group ranks (1 = highest; ties share the smallest rank).
    availability : pandas.DataFrame
        Region x group fraction of children with a value.
    treatment : pandas.DataFrame
        One row per indicator: ``indicator, treated, log, n_winsorised, winsorised,
        skew_before, kurtosis_before, skew_after, kurtosis_after``.
    framework : pandas.DataFrame
        One row per node: ``node, kind, parent, level, weight, weight_in_group, method,
        direction, source``; ``weight_in_group`` is the weight rescaled to sum to 1 within
        the parent, ``method`` the normalisation (indicators) or aggregation (groups).
    settings : dict
        Name, root, the methods used.
    pipeline : IndexPipeline or None
        The pipeline compiled for the spec and data, for
        :func:`~mics_toolkit.index.assess_uncertainty` and
        :func:`~mics_toolkit.index.sensitivity_analysis` to reuse (``pipeline=``).
    """

    values: pd.DataFrame
    missing: pd.DataFrame
    imputed: pd.DataFrame
    treated: pd.DataFrame
    prepared: pd.DataFrame
    normalised: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    availability: pd.DataFrame
    treatment: pd.DataFrame
    framework: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    pipeline: IndexPipeline | None = field(default=None, repr=False, compare=False)

    @property
    def index(self) -> pd.Series:
        """The index score per region."""
        return self.scores[self.settings["root"]]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table, wide ones with ``region`` as the first column."""
        out = {}
        for name in ("scores", "ranks", "values", "normalised", "prepared", "imputed",
                     "missing", "treated", "availability"):
            out[name] = getattr(self, name).reset_index()
        out["treatment"] = self.treatment.copy()
        out["framework"] = self.framework.copy()
        return out

    def summary(self) -> str:
        """A plain-text summary: data coverage, treatment and the league table."""
        root = self.settings["root"]
        lines = [
            f"{self.settings.get('name') or 'Composite index'} ({root}): "
            f"{len(self.scores)} regions, {self.values.shape[1]} indicators, "
            f"{len(self.scores.columns)} groups",
            f"missing cells: {int(self.missing.to_numpy().sum())} dropped out, "
            f"{int(self.imputed.to_numpy().sum())} imputed "
            f"({self.settings.get('imputation', 'none')})",
        ]
        treated = self.treatment[self.treatment["treated"]]
        if len(treated):
            lines.append(
                "outliers treated: "
                + ", ".join(
                    f"{r.indicator} ({'log' if r.log else f'{r.n_winsorised} winsorised'})"
                    for r in treated.itertuples()
                )
            )
        lines.append("")
        lines.append(f"{'rank':>4}  {'region':<30} {root:>10}")
        table = pd.DataFrame({"score": self.scores[root], "rank": self.ranks[root]})
        for region, row in table.sort_values(["rank"], na_position="last").iterrows():
            rank = "" if np.isnan(row["rank"]) else f"{int(row['rank'])}"
            lines.append(f"{rank:>4}  {region!s:<30} {row['score']:>10.2f}")
        return "\n".join(lines)


def build_index(spec: IndexSpec, data: IndexData) -> IndexResult:
    """Compute the index and its intermediate tables at the nominal values.

    Parameters
    ----------
    spec : IndexSpec
    data : IndexData
        From :func:`~mics_toolkit.index.inputs.link_data`.

    Returns
    -------
    IndexResult

    Raises
    ------
    SpecError
        A method cannot be applied (e.g. a geometric mean over a value <= 0, naming the
        group, the child and the region; a dist2ref reference that is not a region).

    Notes
    -----
    Steps (OECD/JRC Handbook 3-6, COINr 1.1 ``Impute``, ``Treat``, ``Normalise``,
    ``Aggregate``): impute (optional), treat outliers (optional), normalise with the
    direction applied first, aggregate bottom-up with weights rescaled within each group and
    missing values dropping out with their weights. Formulas are in the modules
    :mod:`~mics_toolkit.index.normalise` and :mod:`~mics_toolkit.index.aggregate`.
    """
    pipeline = IndexPipeline.compile(spec, data)
    run = pipeline.run(data.values)
    regions = pd.Index(data.regions, name="region")
    indicators = list(pipeline.indicators)
    groups = group_order(pipeline)
    position = {g: j for j, g in enumerate(pipeline.groups)}
    columns = [position[g] for g in groups]

    def wide(array: np.ndarray, names: list[str]) -> pd.DataFrame:
        return pd.DataFrame(array, index=regions, columns=names)

    scores = run.scores[0][:, columns]
    n_children = np.array([len(pipeline.children[position[g]]) for g in groups], dtype=float)
    flags = np.column_stack([plan.flags() for plan in pipeline.plans])
    imputed = run.imputed[0]
    missing = np.isnan(data.values) & ~imputed
    result = IndexResult(
        values=wide(data.values, indicators),
        missing=wide(missing, indicators),
        imputed=wide(imputed, indicators),
        treated=wide(flags, indicators),
        prepared=wide(run.prepared[0], indicators),
        normalised=wide(run.normalised[0], indicators),
        scores=wide(scores, groups),
        ranks=wide(rank_descending(scores.T).T, groups),
        availability=wide(run.n_available[0][:, columns] / n_children, groups),
        treatment=_treatment_table(pipeline, data.regions),
        framework=_framework_table(spec, pipeline),
        settings={
            "name": spec.name,
            "root": spec.root,
            "imputation": spec.imputation.method,
            "outliers": spec.outliers.method,
        },
        pipeline=pipeline,
    )
    return result


def _treatment_table(pipeline: IndexPipeline, regions) -> pd.DataFrame:
    rows = []
    for name, plan in zip(pipeline.indicators, pipeline.plans, strict=True):
        chosen = [str(r) for r, hi, lo in zip(regions, plan.high, plan.low, strict=True)
                  if plan.winsorise and (hi or lo)]
        rows.append((name, plan.treated, plan.log, plan.n_winsorised, ", ".join(chosen),
                     plan.skew_before, plan.kurtosis_before, plan.skew_after,
                     plan.kurtosis_after))
    return pd.DataFrame(rows, columns=["indicator", "treated", "log", "n_winsorised",
                                       "winsorised", "skew_before", "kurtosis_before",
                                       "skew_after", "kurtosis_after"])


def _framework_table(spec: IndexSpec, pipeline: IndexPipeline) -> pd.DataFrame:
    hierarchy = pipeline.hierarchy
    rows = []
    order = group_order(pipeline) + list(pipeline.indicators)
    for node in order:
        parent = hierarchy.parents[node]
        if parent is None:
            share = 1.0
        else:
            total = sum(hierarchy.weights[c] for c in hierarchy.children[parent])
            share = hierarchy.weights[node] / total
        if node in hierarchy.children:
            aggregation = pipeline.aggregations[pipeline.groups.index(node)]
            method = aggregation.method + (f"(p={aggregation.p:g})" if aggregation.p else "")
            rows.append((node, "group", parent, hierarchy.level[node], hierarchy.weights[node],
                         share, method, np.nan, ""))
        else:
            k = pipeline.indicators.index(node)
            item = spec.indicator(node)
            rows.append((node, "indicator", parent, 1, hierarchy.weights[node], share,
                         pipeline.normalisations[k].method, float(item.direction), item.source))
    return pd.DataFrame(rows, columns=["node", "kind", "parent", "level", "weight",
                                       "weight_in_group", "method", "direction", "source"])
