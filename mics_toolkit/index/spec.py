"""The index specification: indicators, groups, methods and analysis settings.

:class:`IndexSpec` is the frozen, validated description of a composite index: its indicators
(:class:`IndexIndicator`: source, direction, weight, normalisation), its groups
(:class:`GroupSpec`: sub-domains, domains and the index itself, each with a weight and an
aggregation), the treatment of missing values and outliers, the uncertainty settings
(:class:`UncertaintySettings`: engine, replicates, seed, levels) and the methodological
alternatives of the sensitivity analysis (:class:`SensitivitySource`). Build it in code or
from plain mappings with :meth:`IndexSpec.from_dict` (what a YAML file parses to); every
problem raises :class:`~mics_toolkit.errors.SpecError` whose ``key`` is the path of the
offending item (``"indicators[3].direction"``).

A minimal spec as a mapping::

    {"name": "Child Well-being Index",
     "groups": [{"id": "CWI"},
                {"id": "child", "parent": "CWI"}, {"id": "family", "parent": "CWI"}],
     "indicators": [
        {"id": "happy", "parent": "child", "source": "survey",
         "numerator": "LS1 in [1, 2]", "where": "WM17 == 1"},
        {"id": "mortality", "parent": "family", "source": "objective", "direction": -1}]}

Default methods: a group without its own aggregation uses the spec's (arithmetic); an
indicator without its own normalisation uses the spec's ``normalisation`` when it is given,
else goalposts ``(0, 1)`` x 100 for survey proportions (stable across years, and it does not
stretch sampling noise) and min-max 0-100 (COINr's default) for every other indicator.

Survey indicators: the index layer does not read the indicator catalogue. A survey
indicator either carries its definition (numerator, denominator, where: see
:class:`~mics_toolkit.index.sources.SurveyIndicator`) or only its ``id`` (and optionally the
``catalogue`` id it comes from); then the caller supplies its totals or estimates under that
``id`` when linking the data (:func:`~mics_toolkit.index.inputs.link_data`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mics_toolkit.errors import SpecError, check_option
from mics_toolkit.index.aggregate import Aggregation
from mics_toolkit.index.hierarchy import Hierarchy
from mics_toolkit.index.missing import Imputation
from mics_toolkit.index.normalise import Normalisation
from mics_toolkit.index.outliers import OutlierRule
from mics_toolkit.index.sources import SurveyIndicator
from mics_toolkit.specfile import SpecChecker, subset

__all__ = [
    "COVARIANCE_OPTIONS",
    "ENGINES",
    "MAX_REPLICATES",
    "MAX_SAMPLES",
    "SENSITIVITY_KINDS",
    "SOURCES",
    "GroupSpec",
    "IndexIndicator",
    "IndexSpec",
    "SensitivitySource",
    "UncertaintySettings",
]

SOURCES: tuple[str, ...] = ("survey", "objective")
ENGINES: tuple[str, ...] = ("bootstrap", "montecarlo", "delta")
COVARIANCE_OPTIONS: tuple[str, ...] = ("linearised", "independent")
SENSITIVITY_KINDS: tuple[str, ...] = ("normalisation", "aggregation", "weights", "sampling")
NOMINAL = "nominal"
MAX_REPLICATES = 100_000
"""Most replicates (bootstrap), draws (Monte Carlo) or rank simulations of the uncertainty
settings: each is a (regions x indicators) array, and 100,000 of them already take about
300 MB for 20 regions and 20 indicators."""
MAX_SAMPLES = 100_000
"""Most weight sets of a perturbed weights source (``n_sets``)."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{name} must be a number, not {value!r}", key=name)
    return float(value)


def _checker(check: SpecChecker | None) -> SpecChecker:
    return check if check is not None else SpecChecker(None)


def _path(key: str, name: str) -> str:
    """Path of field ``name`` under ``key`` (``indicators[3].weight``)."""
    return f"{key}.{name}" if key else name


@dataclass(frozen=True)
class IndexIndicator:
    """One indicator of the index.

    Parameters
    ----------
    id : str
    parent : str
        The group it belongs to.
    source : {"survey", "objective"}
        Estimated from the survey by region, or read from the objective table.
    direction : {1, -1}
        1 when higher values are better (default), -1 when lower values are better.
    weight : float
        Weight within the parent group (default 1; >= 0).
    normalisation : Normalisation, optional
        Default: see the module documentation.
    survey : SurveyIndicator, optional
        The survey definition (survey source only); without it the caller supplies the
        indicator's totals or estimates under ``id``.
    catalogue : str, optional
        Id of the indicator in the indicator catalogue, for the caller to resolve.
    treat_outliers : bool
        Whether the spec's outlier rule applies to this indicator (default True).
    label : str, optional
    """

    id: str
    parent: str
    source: Literal["survey", "objective"]
    direction: int = 1
    weight: float = 1.0
    normalisation: Normalisation | None = None
    survey: SurveyIndicator | None = None
    catalogue: str | None = None
    treat_outliers: bool = True
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise SpecError(f"an indicator id must be a non-empty text, not {self.id!r}", key="id")
        check_option("source", self.source, SOURCES)
        if isinstance(self.direction, bool) or self.direction not in (1, -1):
            raise SpecError(
                f"direction of {self.id!r} is {self.direction!r}; use 1 (higher is better) or "
                "-1 (lower is better)",
                key="direction",
            )
        object.__setattr__(self, "direction", int(self.direction))
        weight = _number(self.weight, "weight")
        if weight < 0:
            raise SpecError(
                f"the weight of {self.id!r} is {self.weight!r}; weights must be >= 0",
                key="weight",
            )
        object.__setattr__(self, "weight", weight)
        if self.survey is not None and self.source != "survey":
            raise SpecError(
                f"indicator {self.id!r} has a survey definition but source {self.source!r}",
                key="source",
            )
        if not isinstance(self.treat_outliers, bool):
            raise SpecError("treat_outliers must be true or false", key="treat_outliers")

    _FIELDS = (
        "id", "parent", "source", "direction", "weight", "normalisation", "catalogue",
        "treat_outliers", "label", "numerator", "denominator", "where", "kind",
    )

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, check: SpecChecker | None = None,
                  key: str = "", node: Any = None, at: Any = None) -> IndexIndicator:
        """Build from a mapping; survey definitions may be given inline (``numerator``,
        ``denominator``, ``where``, ``kind``).

        ``check`` (a :class:`~mics_toolkit.specfile.SpecChecker`), ``key`` (the mapping's
        path, such as ``indicators[3]``), ``node`` and ``at`` (where the mapping sits) locate
        errors in a spec file; without them errors name the field only.
        """
        check = _checker(check)
        check.mapping(mapping, key, cls._FIELDS, node, at, ("id", "parent", "source"))
        values = {k: v for k, v in mapping.items() if k in cls._FIELDS[:9]}
        for name in ("id", "parent"):
            check.name(values[name], _path(key, name), mapping, name)
        if values.get("normalisation") is not None:
            values["normalisation"] = check.build(
                Normalisation.from_dict, values["normalisation"], _path(key, "normalisation"),
                mapping, "normalisation")
        definition = subset(mapping, ("numerator", "denominator", "where", "kind"))
        if definition:
            if mapping.get("source") != "survey":
                raise check.error(
                    "numerator/denominator/where/kind define survey indicators; this one has "
                    f"source {mapping.get('source')!r}", _path(key, "source"), mapping, "source")
            if mapping.get("label") is not None:
                definition["label"] = mapping["label"]
            values["survey"] = check.build(SurveyIndicator.from_dict, definition, key, node, at)
        return check.build(lambda _: cls(**values), mapping, key, node, at)

    def to_dict(self) -> dict[str, Any]:
        """Plain values; an expression definition is written back as its text."""
        out: dict[str, Any] = {"id": self.id, "parent": self.parent, "source": self.source,
                               "direction": self.direction, "weight": self.weight}
        if self.normalisation is not None:
            out["normalisation"] = self.normalisation.to_dict()
        if self.survey is not None:
            for key in ("numerator", "denominator", "where"):
                value = getattr(self.survey, key)
                if value is not None:
                    out[key] = str(value) if not callable(value) else "<function>"
            if self.survey.kind is not None:
                out["kind"] = self.survey.kind
        if self.catalogue is not None:
            out["catalogue"] = self.catalogue
        if not self.treat_outliers:
            out["treat_outliers"] = False
        if self.label is not None:
            out["label"] = self.label
        return out


@dataclass(frozen=True)
class GroupSpec:
    """A group: a sub-domain, a domain or the index (the group without parent).

    Parameters
    ----------
    id : str
    parent : str, optional
        None for the index.
    weight : float
        Weight within the parent group (default 1; >= 0).
    aggregation : Aggregation, optional
        Default: the spec's aggregation.
    label : str, optional
    """

    id: str
    parent: str | None = None
    weight: float = 1.0
    aggregation: Aggregation | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise SpecError(f"a group id must be a non-empty text, not {self.id!r}", key="id")
        weight = _number(self.weight, "weight")
        if weight < 0:
            raise SpecError(
                f"the weight of {self.id!r} is {self.weight!r}; weights must be >= 0",
                key="weight",
            )
        object.__setattr__(self, "weight", weight)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, check: SpecChecker | None = None,
                  key: str = "", node: Any = None, at: Any = None) -> GroupSpec:
        """Build from ``{"id": ..., "parent": ..., "weight": ..., "aggregation": ...}``
        (``check``, ``key``, ``node``, ``at``: as :meth:`IndexIndicator.from_dict`)."""
        check = _checker(check)
        check.mapping(mapping, key, ("id", "parent", "weight", "aggregation", "label"), node,
                      at, ("id",))
        values = dict(mapping)
        check.name(values["id"], _path(key, "id"), mapping, "id")
        if values.get("parent") is not None:
            check.name(values["parent"], _path(key, "parent"), mapping, "parent")
        if values.get("aggregation") is not None:
            values["aggregation"] = check.build(
                Aggregation.from_dict, values["aggregation"], _path(key, "aggregation"),
                mapping, "aggregation")
        return check.build(lambda _: cls(**values), mapping, key, node, at)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        out: dict[str, Any] = {"id": self.id}
        if self.parent is not None:
            out["parent"] = self.parent
        out["weight"] = self.weight
        if self.aggregation is not None:
            out["aggregation"] = self.aggregation.to_dict()
        if self.label is not None:
            out["label"] = self.label
        return out


@dataclass(frozen=True)
class UncertaintySettings:
    """Defaults of :func:`~mics_toolkit.index.uncertainty.assess_uncertainty`.

    Parameters
    ----------
    engine : {"bootstrap", "montecarlo", "delta"}
        Default ``"bootstrap"`` (Rao-Wu design bootstrap of PSU totals).
    replicates : int
        Replicates (bootstrap), draws (Monte Carlo) or rank simulations (delta); default 1000.
    seed : int, optional
        Seed of the random generator; results are reproducible with it.
    level : float
        Confidence level of score intervals and pairwise tests, default 0.95.
    rank_level : float
        Coverage of rank intervals, default 0.90.
    covariance : {"linearised", "independent"}
        Monte Carlo: draw survey estimates with their linearised covariance (default) or
        independently.
    top : int, optional
        Size of the "top" and "bottom" groups (default: a third of the regions, rounded
        down).
    """

    engine: Literal["bootstrap", "montecarlo", "delta"] = "bootstrap"
    replicates: int = 1000
    seed: int | None = None
    level: float = 0.95
    rank_level: float = 0.90
    covariance: Literal["linearised", "independent"] = "linearised"
    top: int | None = None

    def __post_init__(self) -> None:
        check_option("engine", self.engine, ENGINES)
        check_option("covariance", self.covariance, COVARIANCE_OPTIONS)
        if (isinstance(self.replicates, bool) or not isinstance(self.replicates, int)
                or not 2 <= self.replicates <= MAX_REPLICATES):
            raise SpecError(
                f"replicates={self.replicates!r} must be a whole number from 2 to "
                f"{MAX_REPLICATES:,}", key="replicates"
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0):
            raise SpecError(f"seed={self.seed!r} must be a whole number >= 0", key="seed")
        for name in ("level", "rank_level"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise SpecError(f"{name}={value!r} must be between 0 and 1", key=name)
        if self.top is not None and (
            isinstance(self.top, bool) or not isinstance(self.top, int) or self.top < 1
        ):
            raise SpecError(f"top={self.top!r} must be a whole number >= 1", key="top")

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, check: SpecChecker | None = None,
                  key: str = "", node: Any = None, at: Any = None) -> UncertaintySettings:
        """Build from a mapping of the fields (``check``, ``key``, ``node``, ``at``: as
        :meth:`IndexIndicator.from_dict`)."""
        check = _checker(check)
        check.mapping(mapping, key,
                      ("engine", "replicates", "seed", "level", "rank_level", "covariance",
                       "top"), node, at)
        return check.build(lambda _: cls(**mapping), mapping, key, node, at)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {
            "engine": self.engine,
            "replicates": self.replicates,
            "seed": self.seed,
            "level": self.level,
            "rank_level": self.rank_level,
            "covariance": self.covariance,
            "top": self.top,
        }


@dataclass(frozen=True)
class SensitivitySource:
    """One uncertain input of the sensitivity analysis, with its alternatives.

    Parameters
    ----------
    name : str
        Name shown in the results (e.g. ``"normalisation"``).
    kind : {"normalisation", "aggregation", "weights", "sampling"}
        What varies.
    alternatives : sequence
        The choices, drawn with equal probability:

        - normalisation: each a :class:`Normalisation` (applied to every target
          indicator), a mapping indicator id -> Normalisation, or ``"nominal"`` (the spec's
          own choices);
        - aggregation: each an :class:`Aggregation` (applied to every target group), a
          mapping group id -> Aggregation, or ``"nominal"``;
        - weights: each a mapping node id -> weight (other weights nominal), or
          ``"nominal"``;
        - sampling: none (a replicate of the uncertainty engine is drawn).
    targets : sequence of str
        Indicators (normalisation) or groups (aggregation) that the alternatives apply to;
        empty means all.
    perturbation : float, optional
        Weights only: instead of listed alternatives, ``n_sets`` weight sets in which every
        target weight (all non-root nodes by default) is multiplied by an independent
        ``Uniform(1 - perturbation, 1 + perturbation)`` factor (COINr ``get_noisy_weights``).
    n_sets : int
        Number of perturbed weight sets, default 100.
    """

    name: str
    kind: Literal["normalisation", "aggregation", "weights", "sampling"]
    alternatives: tuple[Any, ...] = ()
    targets: tuple[str, ...] = ()
    perturbation: float | None = None
    n_sets: int = 100

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        check_option("kind", self.kind, SENSITIVITY_KINDS)
        if not isinstance(self.name, str) or not self.name:
            raise SpecError("a sensitivity source needs a name", key="name")
        set_(self, "targets", tuple(str(t) for t in self.targets))
        check = SpecChecker(None)
        alternatives = [check.build(lambda a: _alternative(self.kind, a), alternative,
                                    f"alternatives[{i}]", None, None)
                        for i, alternative in enumerate(self.alternatives)]
        set_(self, "alternatives", tuple(alternatives))
        if self.kind == "sampling":
            if alternatives or self.perturbation is not None:
                raise SpecError("a sampling source takes no alternatives", key="alternatives")
            return
        if self.perturbation is not None:
            if self.kind != "weights":
                raise SpecError("perturbation applies to weights only", key="perturbation")
            value = _number(self.perturbation, "perturbation")
            if not 0 < value < 1:
                raise SpecError(
                    f"perturbation={value!r} must be between 0 and 1", key="perturbation"
                )
            if alternatives:
                raise SpecError(
                    "give either perturbation or alternatives for weights, not both",
                    key="alternatives",
                )
            if (isinstance(self.n_sets, bool) or not isinstance(self.n_sets, int)
                    or not 2 <= self.n_sets <= MAX_SAMPLES):
                raise SpecError(f"n_sets={self.n_sets!r} must be a whole number from 2 to "
                                f"{MAX_SAMPLES:,}", key="n_sets")
        elif len(alternatives) < 2:
            raise SpecError(
                f"sensitivity source {self.name!r} needs at least two alternatives",
                key="alternatives",
            )

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, check: SpecChecker | None = None,
                  key: str = "", node: Any = None, at: Any = None) -> SensitivitySource:
        """Build from a mapping of the fields (``check``, ``key``, ``node``, ``at``: as
        :meth:`IndexIndicator.from_dict`)."""
        check = _checker(check)
        check.mapping(mapping, key,
                      ("name", "kind", "alternatives", "targets", "perturbation", "n_sets"),
                      node, at, ("kind",))
        kind = check.choice(mapping["kind"], _path(key, "kind"), SENSITIVITY_KINDS, mapping,
                            "kind")
        values = dict(mapping)
        values.setdefault("name", values.get("kind"))
        for name in ("alternatives", "targets"):
            if name in values:
                items = check.items(values[name], _path(key, name), mapping, name, empty=True)
                values[name] = tuple(items)
        if "name" in mapping:
            check.name(mapping["name"], _path(key, "name"), mapping, "name")
        for i, target in enumerate(values.get("targets", ())):
            check.name(target, _path(key, f"targets[{i}]"), mapping["targets"], i)
        if "alternatives" in mapping:
            values["alternatives"] = tuple(
                check.build(lambda a: _alternative(kind, a), alternative,
                            _path(key, f"alternatives[{i}]"), mapping["alternatives"], i)
                for i, alternative in enumerate(values["alternatives"]))
        return check.build(lambda _: cls(**values), mapping, key, node, at)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        def plain(value):
            if isinstance(value, (Normalisation, Aggregation)):
                return value.to_dict()
            if isinstance(value, Mapping):
                return {k: plain(v) for k, v in value.items()}
            return value

        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.alternatives:
            out["alternatives"] = [plain(a) for a in self.alternatives]
        if self.targets:
            out["targets"] = list(self.targets)
        if self.perturbation is not None:
            out["perturbation"] = self.perturbation
            out["n_sets"] = self.n_sets
        return out


def _alternative(kind: str, value: Any) -> Any:
    """One alternative of a sensitivity source of ``kind``, as the objects it names."""
    if value == NOMINAL:
        return NOMINAL
    if kind == "normalisation":
        if isinstance(value, Normalisation):
            return value
        if isinstance(value, Mapping) and "method" in value:
            return Normalisation.from_dict(value)
        if isinstance(value, Mapping):
            return {
                str(k): v if isinstance(v, Normalisation) else Normalisation.from_dict(v)
                for k, v in value.items()
            }
    elif kind == "aggregation":
        if isinstance(value, (Aggregation, str)):
            return value if isinstance(value, Aggregation) else Aggregation(value)
        if isinstance(value, Mapping) and "method" in value:
            return Aggregation.from_dict(value)
        if isinstance(value, Mapping):
            return {
                str(k): v if isinstance(v, Aggregation) else Aggregation.from_dict(v)
                for k, v in value.items()
            }
    elif kind == "weights" and isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            weight = _number(v, str(k))
            if weight < 0:
                raise SpecError(f"the weight of {k!r} is {v!r}; weights must be >= 0",
                                key=str(k))
            out[str(k)] = weight
        return out
    raise SpecError(
        f"{value!r} is not a {kind} alternative (see SensitivitySource)"
    )


@dataclass(frozen=True)
class IndexSpec:
    """A composite index: indicators, groups, methods and analysis settings.

    Parameters
    ----------
    indicators : sequence of IndexIndicator
    groups : sequence of GroupSpec
        Sub-domains, domains and the index (exactly one group without parent).
    name : str, optional
    normalisation : Normalisation, optional
        Default for indicators without their own (see the module documentation).
    aggregation : Aggregation
        Default for groups without their own (arithmetic).
    imputation : Imputation
        Default: none (missing values drop out with their weights).
    outliers : OutlierRule
        Default: none.
    uncertainty : UncertaintySettings
    sensitivity : sequence of SensitivitySource

    Attributes
    ----------
    hierarchy : Hierarchy
        The validated tree.

    Raises
    ------
    SpecError
        Duplicated ids, an id used for an indicator and a group, an unknown parent, a
        cycle, a negative weight, or a sensitivity target that is not a node; ``key`` names
        the item.
    """

    indicators: Sequence[IndexIndicator]
    groups: Sequence[GroupSpec]
    name: str | None = None
    normalisation: Normalisation | None = None
    aggregation: Aggregation = field(default_factory=Aggregation)
    imputation: Imputation = field(default_factory=Imputation)
    outliers: OutlierRule = field(default_factory=OutlierRule)
    uncertainty: UncertaintySettings = field(default_factory=UncertaintySettings)
    sensitivity: Sequence[SensitivitySource] = ()
    file: str | None = None

    hierarchy: Hierarchy = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "indicators", tuple(self.indicators))
        set_(self, "groups", tuple(self.groups))
        set_(self, "sensitivity", tuple(self.sensitivity))
        if not self.indicators:
            raise SpecError("the index has no indicators", file=self.file, key="indicators")
        seen: dict[str, str] = {}
        for kind, items in (("indicator", self.indicators), ("group", self.groups)):
            for item in items:
                if item.id in seen:
                    raise SpecError(
                        f"id {item.id!r} is used twice (as {seen[item.id]} and {kind})",
                        file=self.file,
                        key=item.id,
                    )
                seen[item.id] = kind
        parents: dict[str, str | None] = {g.id: g.parent for g in self.groups}
        parents.update({i.id: i.parent for i in self.indicators})
        weights = {g.id: g.weight for g in self.groups}
        weights.update({i.id: i.weight for i in self.indicators})
        try:
            hierarchy = Hierarchy(parents, [i.id for i in self.indicators], weights)
        except SpecError as err:
            raise SpecError(str(err), file=self.file, key=err.key) from err
        set_(self, "hierarchy", hierarchy)
        for source in self.sensitivity:
            known = hierarchy.indicators if source.kind == "normalisation" else (
                hierarchy.groups if source.kind == "aggregation" else hierarchy.nodes
            )
            named = list(source.targets)
            for alternative in source.alternatives:
                if isinstance(alternative, Mapping):
                    named.extend(alternative)
            for target in named:
                if target not in known:
                    raise SpecError(
                        f"sensitivity source {source.name!r} names {target!r}, which is not "
                        f"{'an indicator' if source.kind == 'normalisation' else 'a node'} of "
                        "the index",
                        file=self.file,
                        key=target,
                    )

    # ------------------------------------------------------------------ lookups
    @property
    def root(self) -> str:
        """Id of the index (the group without parent)."""
        return self.hierarchy.root

    def indicator(self, name: str) -> IndexIndicator:
        """The indicator with id ``name``."""
        for item in self.indicators:
            if item.id == name:
                return item
        raise SpecError(f"no indicator {name!r} in the spec", file=self.file, key=name)

    def group(self, name: str) -> GroupSpec:
        """The group with id ``name``."""
        for item in self.groups:
            if item.id == name:
                return item
        raise SpecError(f"no group {name!r} in the spec", file=self.file, key=name)

    def survey_definitions(self) -> dict[str, SurveyIndicator]:
        """Survey indicators that carry their definition, id -> SurveyIndicator."""
        return {i.id: i.survey for i in self.indicators if i.survey is not None}

    def normalisation_of(self, name: str, kind: str | None = None) -> Normalisation:
        """The normalisation used for indicator ``name`` (``kind`` of its survey estimate)."""
        item = self.indicator(name)
        if item.normalisation is not None:
            return item.normalisation
        if self.normalisation is not None:
            return self.normalisation
        if item.source == "survey" and kind == "proportion":
            return Normalisation("goalposts", goalposts=(0.0, 1.0))
        return Normalisation("minmax")

    def aggregation_of(self, name: str) -> Aggregation:
        """The aggregation used for group ``name``."""
        item = self.group(name)
        return item.aggregation if item.aggregation is not None else self.aggregation

    # ------------------------------------------------------------------ plain form
    @classmethod
    def from_dict(
        cls,
        mapping: Mapping[str, Any],
        *,
        file: str | None = None,
        check: SpecChecker | None = None,
        sensitivity_key: str = "sensitivity",
    ) -> IndexSpec:
        """Build a spec from plain mappings (the parsed YAML of an index spec).

        Parameters
        ----------
        mapping : mapping
            Keys ``name``, ``groups`` (list), ``indicators`` (list), and optionally
            ``normalisation``, ``aggregation``, ``imputation``, ``outliers``,
            ``uncertainty``, ``sensitivity`` (list). Mappings read by
            :func:`mics_toolkit.specfile.load_spec` give errors their line.
        file : str, optional
            The spec file, for messages.
        check : SpecChecker, optional
            The checker of the file (default: one for ``file``).
        sensitivity_key : str
            Path of the sensitivity list in the file, for messages (an index file may hold
            it under ``sensitivity.sources``).

        Raises
        ------
        SpecError
            With ``key`` the path of the item (``"indicators[2].weight"``) and, for mappings
            read from a file, its ``line``; an error about a node (a cycle, an unknown
            parent, an id used twice) is placed at the node's entry.
        """
        check = check if check is not None else SpecChecker(file)
        allowed = ("name", "groups", "indicators", "normalisation", "aggregation",
                   "imputation", "outliers", "uncertainty", "sensitivity")
        check.mapping(mapping, "", allowed, mapping, None)
        for key in ("groups", "indicators"):
            if key not in mapping or not isinstance(mapping[key], list):
                raise check.error(f"the index spec needs a list of {key}", key, mapping,
                                  key if key in mapping else None)
        values: dict[str, Any] = {"file": check.file}
        if mapping.get("name") is not None:
            values["name"] = check.name(mapping["name"], "name", mapping, "name")
        places: dict[str, tuple[str, Any, Any]] = {}  # node id or name -> (key, node, at)
        groups = []
        for i, item in enumerate(mapping["groups"]):
            groups.append(GroupSpec.from_dict(item, check=check, key=f"groups[{i}]",
                                              node=mapping["groups"], at=i))
            places[groups[-1].id] = (f"groups[{i}]", mapping["groups"], i)
        indicators = []
        for i, item in enumerate(mapping["indicators"]):
            indicators.append(IndexIndicator.from_dict(
                item, check=check, key=f"indicators[{i}]", node=mapping["indicators"], at=i))
            places[indicators[-1].id] = (f"indicators[{i}]", mapping["indicators"], i)
        builders = {
            "normalisation": Normalisation.from_dict,
            "aggregation": Aggregation.from_dict,
            "imputation": Imputation.from_dict,
            "outliers": OutlierRule.from_dict,
        }
        for key, build in builders.items():
            if mapping.get(key) is not None:
                values[key] = check.build(build, mapping[key], key, mapping, key)
        if mapping.get("uncertainty") is not None:
            values["uncertainty"] = UncertaintySettings.from_dict(
                mapping["uncertainty"], check=check, key="uncertainty", node=mapping,
                at="uncertainty")
        sources = []
        named: dict[str, tuple[str, Any, Any]] = {}
        listed = check.items(mapping.get("sensitivity") or [], sensitivity_key, mapping,
                             "sensitivity", empty=True)
        for i, item in enumerate(listed):
            key = f"{sensitivity_key}[{i}]"
            sources.append(SensitivitySource.from_dict(item, check=check, key=key,
                                                       node=listed, at=i))
            for j, target in enumerate(item.get("targets") or ()):
                named.setdefault(str(target), (f"{key}.targets[{j}]", item["targets"], j))
            for j, alternative in enumerate(item.get("alternatives") or ()):
                if isinstance(alternative, Mapping) and "method" not in alternative:
                    for name in alternative:
                        named.setdefault(str(name), (f"{key}.alternatives[{j}].{name}",
                                                     alternative, name))
        try:
            return cls(indicators=indicators, groups=groups, sensitivity=sources, **values)
        except SpecError as problem:  # about a node: placed at its entry
            where = places.get(problem.key) or named.get(problem.key)
            if where is None:
                at = problem.key if problem.key in mapping else None
                where = (problem.key, mapping, at)
            raise check.error(problem.reason or str(problem), *where) from problem

    def to_dict(self) -> dict[str, Any]:
        """Plain mappings (inverse of :meth:`from_dict` for specs without functions)."""
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        out["groups"] = [g.to_dict() for g in self.groups]
        out["indicators"] = [i.to_dict() for i in self.indicators]
        if self.normalisation is not None:
            out["normalisation"] = self.normalisation.to_dict()
        out["aggregation"] = self.aggregation.to_dict()
        out["imputation"] = self.imputation.to_dict()
        out["outliers"] = self.outliers.to_dict()
        out["uncertainty"] = self.uncertainty.to_dict()
        if self.sensitivity:
            out["sensitivity"] = [s.to_dict() for s in self.sensitivity]
        return out
