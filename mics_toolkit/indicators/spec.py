"""Indicator specifications: the :class:`IndicatorSpec` record and indicator files.

:func:`load_indicator_file` reads one indicator file (``indicators:`` list plus optional
``defaults:``) with the spec layer's loader (:func:`mics_toolkit.specfile.load_spec`: mappings
and lists that remember the line of every key and item; no aliases, tags or repeated keys),
checks each indicator with
:func:`mics_toolkit.indicators.schema.check_indicator` and returns :class:`IndicatorSpec`
records. A spec keeps its source file and the line of each field, so errors found later (an
unknown variable when the indicator is computed) point at the right line too
(:meth:`IndicatorSpec.error`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mics_toolkit.errors import SpecError
from mics_toolkit.expr import parse
from mics_toolkit.indicators.schema import FILE_FIELDS, check_indicator
from mics_toolkit.specfile import SpecChecker, line_of, load_spec, spec_error

__all__ = [
    "IndicatorSpec",
    "load_indicator_file",
    "parse_indicators",
]


_EXPRESSION_FIELDS = ("universe", "numerator", "denominator", "variable", "weight")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: what it measures, on which file, and how it is computed.

    Build it with :func:`load_indicator_file` (or :func:`parse_indicators` on a mapping);
    the fields are those of :data:`mics_toolkit.indicators.schema.INDICATOR_FIELDS`.

    Attributes
    ----------
    id : str
        Unique id (``"PR.1"``, ``"EQ.9a.men"``).
    label : dict of str to str
        Name in each language (``en``, ``ru``, ``kk``).
    file : str
        The survey file (unit): ``hh``, ``hl``, ``wm``, ``mn``, ``ch``, ``fs``; for a pooled
        indicator, the first of ``files``.
    type : {"percentage", "mean", "ratio", "median", "quantile", "distribution"}
    missing : {"exclude", "in_denominator"}
        How answers coded no response / DK / not applicable are treated (for a
        distribution, ``in_denominator`` keeps them as categories of their own).
    universe : str, dict or None
        Condition selecting the denominator (expression language); None: every completed
        record of the file. Each expression field may instead map every file of ``files``
        to its own expression (see :meth:`expression`).
    numerator : str, dict or None
        Percentage: the condition of having the attribute. Ratio: the numerator expression.
    denominator : str, dict or None
        Ratio only: the denominator expression.
    variable : str, dict or None
        Mean, median, quantile: the variable or numeric expression summarised.
        Distribution: the variable (or expression) whose categories are shared out.
    q : float or None
        Quantile only: the probability, in (0, 1).
    qrule, interval : str or None
        Median and quantile: the quantile rule and confidence interval of
        :func:`mics_toolkit.estimate.quantile`; None: its defaults (``"math"``, ``"mean"``).
    missing_codes : dict of str to tuple
        Extra codes treated as missing answers, per variable.
    weight : str, dict or None
        Weight expression replacing the file's weight (``"hhweight * HH48"``).
    files : tuple of str
        Every file whose records the indicator pools (``("ch", "fs")`` for violent
        discipline of children 1-14); ``(file,)`` for an ordinary indicator.
    breakdowns : tuple of str
        Default background characteristics.
    mics : str or None
        MICS indicator code.
    sdg : tuple of str
        SDG indicator codes.
    definition : str or None
    footnote, denominator_label : dict of str to str or None
    source : str or None
        The file the spec was read from.
    line : int or None
        Line of the indicator's first field in ``source``.
    lines : dict of str to int
        Line of each field (for messages).
    """

    id: str
    label: dict[str, str]
    file: str
    type: str
    missing: str
    universe: str | dict[str, str] | None = None
    numerator: str | dict[str, str] | None = None
    denominator: str | dict[str, str] | None = None
    variable: str | dict[str, str] | None = None
    q: float | None = None
    qrule: str | None = None
    interval: str | None = None
    missing_codes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    weight: str | dict[str, str] | None = None
    files: tuple[str, ...] = ()
    breakdowns: tuple[str, ...] = ()
    mics: str | None = None
    sdg: tuple[str, ...] = ()
    definition: str | None = None
    footnote: dict[str, str] | None = None
    denominator_label: dict[str, str] | None = None
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)
    lines: dict[str, int | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "label", dict(self.label))
        set_(self, "missing_codes", {k: tuple(v) for k, v in self.missing_codes.items()})
        set_(self, "breakdowns", tuple(self.breakdowns))
        set_(self, "sdg", tuple(self.sdg))
        set_(self, "lines", dict(self.lines))
        set_(self, "files", tuple(self.files) or (self.file,))
        if self.files[0] != self.file:
            raise SpecError(f"file {self.file!r} must be the first of files {self.files}",
                            key="files")
        for name in _EXPRESSION_FIELDS:
            value = getattr(self, name)
            if isinstance(value, Mapping):
                set_(self, name, dict(value))

    def __hash__(self) -> int:
        return hash((self.id, self.files, self.type))

    def expression(self, name: str, file: str | None = None) -> str | None:
        """The text of expression field ``name`` for ``file`` (default: :attr:`file`).

        Parameters
        ----------
        name : {"universe", "numerator", "denominator", "variable", "weight"}
        file : str, optional
            One of :attr:`files`.

        Returns
        -------
        str or None
            None when the field is not set.
        """
        value = getattr(self, name)
        if isinstance(value, dict):
            return value[file or self.file]
        return value

    def expressions(self, file: str | None = None) -> dict[str, str]:
        """The expression fields that are set, for ``file``: ``{field: text}``."""
        out = {}
        for name in _EXPRESSION_FIELDS:
            text = self.expression(name, file)
            if text is not None:
                out[name] = text
        return out

    def variables(self, file: str | None = None) -> frozenset[str]:
        """Every variable the indicator's expressions (for ``file``) and breakdowns read."""
        names: set[str] = set(self.breakdowns)
        for text in self.expressions(file).values():
            names |= parse(text).variables
        return frozenset(names)

    def error(self, message: str, key: str | None = None) -> SpecError:
        """A SpecError located at field ``key`` of this spec (``file:line: key 'k': ...``)."""
        line = self.lines.get(key, self.line) if key else self.line
        return spec_error(message, file=self.source, line=line, key=key,
                          context=f"indicator {self.id}")


def parse_indicators(document: Any, *, source: str | None = None) -> list[IndicatorSpec]:
    """Check an indicator document (as loaded by :func:`mics_toolkit.specfile.load_spec`) and
    build its specs.

    Parameters
    ----------
    document : mapping
        ``{"indicators": [...], "defaults": {...}}``; plain dicts work (without lines).
    source : str, optional
        File name for messages.

    Returns
    -------
    list of IndicatorSpec
        In file order.

    Raises
    ------
    SpecError
        The document is not a mapping, has an unknown top-level key, no ``indicators`` list,
        an invalid indicator or an id used twice in the file.
    """

    check = SpecChecker(source)
    if not isinstance(document, Mapping):
        raise check.error("an indicator file is a mapping with an 'indicators' list", None,
                          document)
    for key in document:
        if key not in FILE_FIELDS:
            raise check.error(
                f"unknown top-level key; an indicator file has {', '.join(FILE_FIELDS)}",
                str(key), document, key)
    defaults = document.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise check.error("'defaults' is a mapping of indicator fields", "defaults", document,
                          "defaults")
    if "id" in defaults:
        raise check.error("'id' cannot have a default", "defaults.id", defaults, "id")
    indicators = document.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        raise check.error("'indicators' must be a non-empty list of indicators", "indicators",
                          document, "indicators")
    specs: list[IndicatorSpec] = []
    seen: dict[str, int | None] = {}
    for item in indicators:
        values = check_indicator(item, defaults=defaults, file=source)
        lines = values.pop("_lines")
        spec = IndicatorSpec(
            **{k: v for k, v in values.items() if k not in ("missing_codes", "breakdowns",
                                                            "sdg", "file")},
            file=values["file"][0],
            files=values["file"],
            missing_codes=values["missing_codes"] or {},
            breakdowns=values["breakdowns"] or (),
            sdg=values["sdg"] or (),
            source=source,
            line=line_of(item),
            lines=lines,
        )
        if spec.id in seen:
            raise spec.error(
                f"id {spec.id!r} is used twice in this file (first at line {seen[spec.id]})",
                "id",
            )
        seen[spec.id] = spec.lines.get("id")
        specs.append(spec)
    return specs


def load_indicator_file(path: str | os.PathLike[str]) -> list[IndicatorSpec]:
    """Load and check one indicator file.

    Parameters
    ----------
    path : str or path-like
        A YAML file with ``indicators:`` (and optionally ``defaults:``).

    Returns
    -------
    list of IndicatorSpec

    Raises
    ------
    ReadError
        The file cannot be read, is not a regular file or is too large.
    SpecError
        Invalid YAML (aliases, tags and repeated keys included) or an invalid indicator; the
        message starts with ``file:line:`` and names the key.

    Examples
    --------
    >>> specs = load_indicator_file("mics_toolkit/catalogue/wellbeing.yaml")  # doctest: +SKIP
    >>> specs[0].id, specs[0].file  # doctest: +SKIP
    ('EQ.9a', 'wm')
    """
    loaded = load_spec(path, what="indicator file")
    return parse_indicators(loaded.document, source=os.fspath(path))
