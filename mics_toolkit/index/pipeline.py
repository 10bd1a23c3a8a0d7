"""The index pipeline compiled to arrays, run on a batch of replicates at once.

:class:`IndexPipeline` turns an :class:`~mics_toolkit.index.spec.IndexSpec` and its linked
:class:`~mics_toolkit.index.inputs.IndexData` into arrays (directions, weights, the children
of each group in bottom-up order) and runs the Handbook's steps on indicator values of shape
``(B, R, K)`` (replicates x regions x indicators):

1. imputation of missing values (:mod:`~mics_toolkit.index.missing`);
2. outlier treatment (:mod:`~mics_toolkit.index.outliers`);
3. normalisation, direction first (:mod:`~mics_toolkit.index.normalise`);
4. aggregation group by group, bottom-up (:mod:`~mics_toolkit.index.aggregate`).

Data-driven decisions are frozen when the pipeline is compiled from the nominal values: which
indicators are winsorised (and which regions) or log-transformed, and the imputation method
and groups. A replicate re-applies those decisions to its own values; everything else
(minimum, maximum, mean, ranks, imputed means) is recomputed per replicate, as a re-run of the
index would. Only the ``(B, R, K)`` values change between the uncertainty engines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.index.aggregate import Aggregation, aggregate_array
from mics_toolkit.index.hierarchy import Hierarchy
from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.missing import impute_array
from mics_toolkit.index.normalise import Normalisation, normalise_matrix
from mics_toolkit.index.outliers import TreatmentPlan, treat_outliers
from mics_toolkit.index.spec import IndexSpec

__all__ = ["IndexPipeline", "PipelineRun"]


@dataclass(frozen=True)
class PipelineRun:
    """Arrays of one run of the pipeline over B replicates.

    Attributes
    ----------
    prepared : numpy.ndarray, shape (B, R, K)
        Values after imputation and outlier treatment.
    imputed : numpy.ndarray of bool, shape (B, R, K)
        Cells filled by imputation.
    normalised : numpy.ndarray, shape (B, R, K)
    scores : numpy.ndarray, shape (B, R, M)
        Group scores, groups in bottom-up order (the index last).
    n_available : numpy.ndarray, shape (B, R, M)
        Children with a value, per group.
    """

    prepared: np.ndarray
    imputed: np.ndarray
    normalised: np.ndarray
    scores: np.ndarray
    n_available: np.ndarray


@dataclass(frozen=True, eq=False)
class IndexPipeline:
    """A compiled index, ready to run on ``(B, R, K)`` indicator values.

    Build it with :meth:`compile`. Attributes are arrays in the order of ``indicators`` (K)
    and ``groups`` (M, bottom-up); node arrays run over ``nodes = indicators + groups``.

    Attributes
    ----------
    hierarchy : Hierarchy
    regions : tuple
    directions : numpy.ndarray, shape (K,)
    normalisations : tuple of Normalisation
    reference_index : tuple of (int or None)
        Region position of each dist2ref reference.
    aggregations : tuple of Aggregation
    children : tuple of numpy.ndarray
        Node positions of each group's children.
    weights : numpy.ndarray, shape (K + M,)
        Nominal weight of each node within its parent.
    imputation : str
    group_codes : numpy.ndarray, shape (R,)
    plans : tuple of TreatmentPlan
        Frozen outlier treatment per indicator.
    """

    hierarchy: Hierarchy
    regions: tuple[Any, ...]
    directions: np.ndarray
    normalisations: tuple[Normalisation, ...]
    reference_index: tuple[int | None, ...]
    aggregations: tuple[Aggregation, ...]
    children: tuple[np.ndarray, ...]
    weights: np.ndarray
    imputation: str
    group_codes: np.ndarray
    plans: tuple[TreatmentPlan, ...]

    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicator ids (K)."""
        return self.hierarchy.indicators

    @property
    def groups(self) -> tuple[str, ...]:
        """Group ids in bottom-up order (M); the index is last."""
        return self.hierarchy.groups

    @property
    def nodes(self) -> tuple[str, ...]:
        """Indicators then groups."""
        return self.hierarchy.nodes

    @classmethod
    def compile(cls, spec: IndexSpec, data: IndexData) -> IndexPipeline:
        """Compile ``spec`` for ``data`` and freeze the data-driven decisions.

        Raises
        ------
        SpecError
            A dist2ref reference is not a region of the data, or imputation groups name
            unknown regions.
        """
        hierarchy = spec.hierarchy
        if tuple(data.indicators) != hierarchy.indicators:
            raise SpecError("the data were linked to another spec; call link_data(spec, ...)")
        regions = tuple(data.regions)
        kinds = dict(zip(data.indicators, data.kinds, strict=True))
        normalisations = tuple(spec.normalisation_of(i, kinds[i]) for i in hierarchy.indicators)
        references = tuple(_reference(n, regions, i)
                           for n, i in zip(normalisations, hierarchy.indicators, strict=True))
        position = {node: j for j, node in enumerate(hierarchy.nodes)}
        children = tuple(
            np.array([position[c] for c in hierarchy.children[g]], dtype=np.intp)
            for g in hierarchy.groups
        )
        weights = np.array([hierarchy.weights[n] for n in hierarchy.nodes], dtype=np.float64)
        try:
            group_codes = spec.imputation.group_codes(regions)
        except SpecError as err:
            raise SpecError(f"imputation: {err}", file=spec.file, key="imputation.groups") from err
        directions = np.array([spec.indicator(i).direction for i in hierarchy.indicators])
        pipeline = cls(
            hierarchy=hierarchy,
            regions=regions,
            directions=directions,
            normalisations=normalisations,
            reference_index=references,
            aggregations=tuple(spec.aggregation_of(g) for g in hierarchy.groups),
            children=children,
            weights=weights,
            imputation=spec.imputation.method,
            group_codes=group_codes,
            plans=tuple(TreatmentPlan.untreated(len(regions)) for _ in hierarchy.indicators),
        )
        if spec.outliers.method == "none":
            return pipeline
        imputed = impute_array(data.values[None], pipeline.imputation, group_codes)[0]
        plans = []
        for k, name in enumerate(hierarchy.indicators):
            if spec.indicator(name).treat_outliers:
                _, plan = treat_outliers(imputed[:, k], spec.outliers)
            else:
                plan = TreatmentPlan.untreated(len(regions))
            plans.append(plan)
        return dataclasses.replace(pipeline, plans=tuple(plans))

    def with_methods(
        self,
        normalisations: Mapping[str, Normalisation] | None = None,
        aggregations: Mapping[str, Aggregation] | None = None,
    ) -> IndexPipeline:
        """A copy with some indicators' normalisations or groups' aggregations replaced."""
        norms = list(self.normalisations)
        refs = list(self.reference_index)
        for name, normalisation in (normalisations or {}).items():
            k = self.indicators.index(name)
            norms[k] = normalisation
            refs[k] = _reference(normalisation, self.regions, name)
        aggs = list(self.aggregations)
        for name, aggregation in (aggregations or {}).items():
            aggs[self.groups.index(name)] = aggregation
        return dataclasses.replace(
            self, normalisations=tuple(norms), reference_index=tuple(refs),
            aggregations=tuple(aggs),
        )

    def run(
        self, values: np.ndarray, weights: np.ndarray | None = None, invalid: str = "raise"
    ) -> PipelineRun:
        """Run the pipeline on ``(B, R, K)`` values.

        Parameters
        ----------
        values : numpy.ndarray, shape (B, R, K) or (R, K)
        weights : numpy.ndarray, shape (K + M,) or (B, K + M), optional
            Node weights (default the spec's), the same for all replicates or one row each.
        invalid : {"raise", "nan"}
            A value outside an aggregation's domain raises (default) or makes that score
            missing.

        Returns
        -------
        PipelineRun

        Raises
        ------
        SpecError
            A group's aggregation meets a value outside its domain (e.g. a geometric mean
            over 0), naming the group, the child, the region and the replicate.
        """
        x = np.asarray(values, dtype=np.float64)
        if x.ndim == 2:
            x = x[None]
        n_b, n_r, n_k = x.shape
        if n_r != len(self.regions) or n_k != len(self.indicators):
            raise OptionError(f"values of shape {x.shape} do not fit (B, {len(self.regions)}, "
                              f"{len(self.indicators)})", option="values", value=x.shape,
                              valid=())
        missing = np.isnan(x)
        prepared = impute_array(x, self.imputation, self.group_codes)
        imputed = missing & ~np.isnan(prepared)
        normalised = np.empty_like(prepared)
        for k in range(n_k):
            column = prepared[:, :, k]
            plan = self.plans[k]
            if plan.treated:
                column = plan.apply(column)
                prepared[:, :, k] = column
            normalised[:, :, k] = normalise_matrix(
                column, self.normalisations[k], int(self.directions[k]), self.reference_index[k]
            )
        w = self.weights if weights is None else np.asarray(weights, dtype=np.float64)
        n_m = len(self.groups)
        nodes = np.empty((n_b, n_r, n_k + n_m))
        nodes[:, :, :n_k] = normalised
        available = np.empty((n_b, n_r, n_m), dtype=np.int64)
        names = self.nodes
        for j, group in enumerate(self.groups):
            kids = self.children[j]
            score, count = aggregate_array(
                nodes[:, :, kids],
                w[..., kids],
                self.aggregations[j],
                children=[names[c] for c in kids],
                regions=self.regions,
                node=group,
                invalid=invalid,
            )
            nodes[:, :, n_k + j] = score
            available[:, :, j] = count
        return PipelineRun(
            prepared=prepared,
            imputed=imputed,
            normalised=normalised,
            scores=nodes[:, :, n_k:],
            n_available=available,
        )

    def scores(
        self, values: np.ndarray, weights: np.ndarray | None = None, invalid: str = "raise"
    ) -> np.ndarray:
        """Group scores ``(B, R, M)`` of a run."""
        return self.run(values, weights, invalid).scores


def _reference(normalisation: Normalisation, regions: tuple[Any, ...], name: str) -> int | None:
    if normalisation.method != "dist2ref":
        return None
    if normalisation.reference not in regions:
        raise SpecError(
            f"the dist2ref reference of {name!r}, {normalisation.reference!r}, is not a region "
            f"of the data ({', '.join(map(repr, regions[:25]))})",
            key=name,
        )
    return regions.index(normalisation.reference)
