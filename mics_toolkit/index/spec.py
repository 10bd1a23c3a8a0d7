"""The index specification: indicators, groups, methods and analysis settings.

:class:`IndexSpec` is the frozen, validated description of a composite index: its indicators
(:class:`IndicatorSpec`: source, direction, weight, normalisation), its groups
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

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mics_toolkit.errors import ExpressionError, OptionError, SpecError, check_option
from mics_toolkit.index.aggregate import Aggregation
from mics_toolkit.index.hierarchy import Hierarchy
from mics_toolkit.index.missing import Imputation
from mics_toolkit.index.normalise import Normalisation
from mics_toolkit.index.outliers import OutlierRule
from mics_toolkit.index.sources import SurveyIndicator

__all__ = [
    "COVARIANCE_OPTIONS",
    "ENGINES",
    "SENSITIVITY_KINDS",
    "SOURCES",
    "GroupSpec",
    "IndexSpec",
    "IndicatorSpec",
    "SensitivitySource",
    "UncertaintySettings",
]

SOURCES: tuple[str, ...] = ("survey", "objective")
ENGINES: tuple[str, ...] = ("bootstrap", "montecarlo", "delta")
COVARIANCE_OPTIONS: tuple[str, ...] = ("linearised", "independent")
SENSITIVITY_KINDS: tuple[str, ...] = ("normalisation", "aggregation", "weights", "sampling")
NOMINAL = "nominal"


@contextlib.contextmanager
def _at(path: str, file: str | None = None) -> Iterator[None]:
    """Re-raise a SpecError, OptionError or ExpressionError as a SpecError located at path."""
    try:
        yield
    except SpecError as err:
        inner = err.key
        key = f"{path}.{inner}" if inner and not inner.startswith(path) else (inner or path)
        text = str(err)
        if inner and text.startswith(f"{inner}: "):
            text = text[len(inner) + 2 :]
        raise SpecError(f"{key}: {text}", file=file or err.file, line=err.line, key=key) from err
    except OptionError as err:
        key = f"{path}.{err.option}"
        raise SpecError(f"{key}: {err}", file=file, key=key) from err
    except ExpressionError as err:
        raise SpecError(f"{path}: {err}", file=file, key=path) from err


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{name} must be a number, not {value!r}", key=name)
    return float(value)


def _check_keys(mapping: Any, allowed: Sequence[str], what: str) -> Mapping[str, Any]:
    if not isinstance(mapping, Mapping):
        raise SpecError(f"{what} must be a mapping, not {type(mapping).__name__}")
    for key in mapping:
        if key not in allowed:
            raise SpecError(
                f"{what} has no field {key!r}; it takes: {', '.join(allowed)}", key=str(key)
            )
    return mapping


@dataclass(frozen=True)
class IndicatorSpec:
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
    def from_dict(cls, mapping: Mapping[str, Any]) -> IndicatorSpec:
        """Build from a mapping; survey definitions may be given inline (``numerator``,
        ``denominator``, ``where``, ``kind``)."""
        mapping = _check_keys(mapping, cls._FIELDS, "an indicator")
        values = {k: v for k, v in mapping.items() if k in cls._FIELDS[:9]}
        for key in ("id", "parent", "source"):
            if key not in values:
                raise SpecError(f"an indicator needs {key!r}", key=key)
        if values.get("normalisation") is not None:
            with _at("normalisation"):
                values["normalisation"] = Normalisation.from_dict(values["normalisation"])
        definition = {k: mapping[k] for k in ("numerator", "denominator", "where", "kind")
                      if k in mapping}
        if definition:
            if mapping.get("source") != "survey":
                raise SpecError(
                    "numerator/denominator/where/kind define survey indicators; this one has "
                    f"source {mapping.get('source')!r}",
                    key="source",
                )
            if mapping.get("label") is not None:
                definition["label"] = mapping["label"]
            values["survey"] = SurveyIndicator.from_dict(definition)
        return cls(**values)

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
    def from_dict(cls, mapping: Mapping[str, Any]) -> GroupSpec:
        """Build from ``{"id": ..., "parent": ..., "weight": ..., "aggregation": ...}``."""
        mapping = _check_keys(mapping, ("id", "parent", "weight", "aggregation", "label"), "a group")
        values = dict(mapping)
        if "id" not in values:
            raise SpecError("a group needs 'id'", key="id")
        if values.get("aggregation") is not None:
            with _at("aggregation"):
                values["aggregation"] = Aggregation.from_dict(values["aggregation"])
        return cls(**values)

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
        if isinstance(self.replicates, bool) or not isinstance(self.replicates, int) or self.replicates < 2:
            raise SpecError(
                f"replicates={self.replicates!r} must be a whole number >= 2", key="replicates"
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
    def from_dict(cls, mapping: Mapping[str, Any]) -> UncertaintySettings:
        """Build from a mapping of the fields."""
        mapping = _check_keys(
            mapping,
            ("engine", "replicates", "seed", "level", "rank_level", "covariance", "top"),
            "uncertainty",
        )
        return cls(**mapping)

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
        alternatives = []
        for i, alternative in enumerate(self.alternatives):
            with _at(f"alternatives[{i}]"):
                alternatives.append(self._alternative(alternative))
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
            if isinstance(self.n_sets, bool) or not isinstance(self.n_sets, int) or self.n_sets < 2:
                raise SpecError(f"n_sets={self.n_sets!r} must be >= 2", key="n_sets")
        elif len(alternatives) < 2:
            raise SpecError(
                f"sensitivity source {self.name!r} needs at least two alternatives",
                key="alternatives",
            )

    def _alternative(self, value: Any) -> Any:
        if value == NOMINAL:
            return NOMINAL
        if self.kind == "normalisation":
            if isinstance(value, Normalisation):
                return value
            if isinstance(value, Mapping) and "method" in value:
                return Normalisation.from_dict(value)
            if isinstance(value, Mapping):
                return {
                    str(k): v if isinstance(v, Normalisation) else Normalisation.from_dict(v)
                    for k, v in value.items()
                }
        elif self.kind == "aggregation":
            if isinstance(value, (Aggregation, str)):
                return value if isinstance(value, Aggregation) else Aggregation(value)
            if isinstance(value, Mapping) and "method" in value:
                return Aggregation.from_dict(value)
            if isinstance(value, Mapping):
                return {
                    str(k): v if isinstance(v, Aggregation) else Aggregation.from_dict(v)
                    for k, v in value.items()
                }
        elif self.kind == "weights" and isinstance(value, Mapping):
            out = {}
            for k, v in value.items():
                weight = _number(v, str(k))
                if weight < 0:
                    raise SpecError(f"the weight of {k!r} is {v!r}; weights must be >= 0",
                                    key=str(k))
                out[str(k)] = weight
            return out
        raise SpecError(
            f"{value!r} is not a {self.kind} alternative (see SensitivitySource)"
        )

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> SensitivitySource:
        """Build from a mapping of the fields."""
        mapping = _check_keys(
            mapping,
            ("name", "kind", "alternatives", "targets", "perturbation", "n_sets"),
            "a sensitivity source",
        )
        values = dict(mapping)
        values.setdefault("name", values.get("kind"))
        for key in ("alternatives", "targets"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

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


@dataclass(frozen=True)
class IndexSpec:
    """A composite index: indicators, groups, methods and analysis settings.

    Parameters
    ----------
    indicators : sequence of IndicatorSpec
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

    indicators: Sequence[IndicatorSpec]
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

    def indicator(self, name: str) -> IndicatorSpec:
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
    def from_dict(cls, mapping: Mapping[str, Any], *, file: str | None = None) -> IndexSpec:
        """Build a spec from plain mappings (the parsed YAML of an index spec).

        Parameters
        ----------
        mapping : mapping
            Keys ``name``, ``groups`` (list), ``indicators`` (list), and optionally
            ``normalisation``, ``aggregation``, ``imputation``, ``outliers``,
            ``uncertainty``, ``sensitivity`` (list).
        file : str, optional
            The spec file, for messages.

        Raises
        ------
        SpecError
            With ``key`` the path of the item (``"indicators[2].weight"``).
        """
        allowed = ("name", "groups", "indicators", "normalisation", "aggregation",
                   "imputation", "outliers", "uncertainty", "sensitivity")
        with _at("spec", file):
            _check_keys(mapping, allowed, "an index spec")
        for key in ("groups", "indicators"):
            if key not in mapping or not isinstance(mapping[key], list):
                raise SpecError(f"the index spec needs a list of {key}", file=file, key=key)
        values: dict[str, Any] = {"name": mapping.get("name"), "file": file}
        groups = []
        for i, item in enumerate(mapping["groups"]):
            with _at(f"groups[{i}]", file):
                groups.append(GroupSpec.from_dict(item))
        indicators = []
        for i, item in enumerate(mapping["indicators"]):
            with _at(f"indicators[{i}]", file):
                indicators.append(IndicatorSpec.from_dict(item))
        builders = {
            "normalisation": Normalisation.from_dict,
            "aggregation": Aggregation.from_dict,
            "imputation": Imputation.from_dict,
            "outliers": OutlierRule.from_dict,
            "uncertainty": UncertaintySettings.from_dict,
        }
        for key, build in builders.items():
            if mapping.get(key) is not None:
                with _at(key, file):
                    values[key] = build(mapping[key])
        sources = []
        for i, item in enumerate(mapping.get("sensitivity") or []):
            with _at(f"sensitivity[{i}]", file):
                sources.append(SensitivitySource.from_dict(item))
        return cls(indicators=indicators, groups=groups, sensitivity=sources, **values)

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
