"""The schema of an indicator specification file, and its validator.

An indicator file is a YAML mapping with ``indicators`` (a list of indicator mappings) and an
optional ``defaults`` mapping whose keys fill every indicator that does not set them. Each
indicator mapping has the fields of :data:`INDICATOR_FIELDS`; :func:`check_indicator` checks
one of them and returns its values, raising :class:`~mics_toolkit.errors.SpecError` with the
file, line and key of the first problem (``catalogue/pr.yaml:12: key 'numerator':
...``). Expressions are checked for syntax here (:func:`mics_toolkit.expr.parse`); whether
their variables exist is checked against a survey when indicators are computed.

The validator uses the rules of the spec layer (:class:`mics_toolkit.specfile.SpecChecker`):
fields have a kind (text, identifier, labels, expression, names, codes, choice) and rules that
tie fields to the indicator type (a mean has a ``variable``, a ratio a ``denominator``, a
quantile its probability ``q``).
Labels are given in every language of :data:`mics_toolkit.specfile.LANGUAGES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mics_toolkit.errors import ExpressionError, close_matches
from mics_toolkit.estimate.quantiles import QRULES
from mics_toolkit.expr import parse
from mics_toolkit.specfile import LANGUAGES, SpecChecker, line_of

__all__ = [
    "FILE_FIELDS",
    "INDICATOR_FIELDS",
    "INDICATOR_TYPES",
    "LANGUAGES",
    "MISSING_TREATMENTS",
    "QUANTILE_TYPES",
    "REPORT_INTERVALS",
    "Field",
    "check_indicator",
]

INDICATOR_TYPES: tuple[str, ...] = ("percentage", "mean", "ratio", "median", "quantile",
                                     "distribution")
"""``percentage``: weighted share of the universe with the attribute (stored as a fraction);
``mean``: weighted mean of a numeric variable; ``ratio``: ratio of two weighted totals;
``median`` and ``quantile``: the weighted median, or the quantile at probability ``q``, of a
numeric variable (R ``svyquantile``); ``distribution``: the weighted share of each category
of a variable (a percent distribution; the shares sum to 1)."""

QUANTILE_TYPES: tuple[str, ...] = ("median", "quantile")
"""Indicator types estimated by :func:`mics_toolkit.estimate.quantile`."""

REPORT_INTERVALS: tuple[str, ...] = ("mean", "beta", "xlogit", "asin", "score")
"""Confidence intervals a median or quantile indicator may ask for (R's ``interval.type``
on the Taylor-linearised designs of a survey file; ``"quantile"`` needs replicate weights)."""

MISSING_TREATMENTS: tuple[str, ...] = ("exclude", "in_denominator")
"""``exclude``: a record whose answer is missing (no response, DK, not applicable) leaves the
denominator; ``in_denominator``: it stays in the denominator as not having the attribute."""

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*\Z")
_FILE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Field:
    """One field of an indicator mapping.

    Attributes
    ----------
    name : str
    kind : str
        ``"identifier"``, ``"files"`` (a file name or a list), ``"text"``, ``"texts"`` (text or list of texts),
        ``"labels"`` (a text per language of :data:`LANGUAGES`), ``"labels_or_text"``,
        ``"expression"`` (a text, or a mapping of file -> text), ``"names"`` (list of variable names), ``"codes"`` (variable ->
        list of codes), ``"choice"`` or ``"probability"`` (a number strictly between 0 and 1).
    required : bool
    choices : tuple of str
        Allowed values of a ``"choice"``.
    description : str
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


INDICATOR_FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("id", "identifier", True, description="Unique id, e.g. 'PR.1' or 'EQ.9a.men'."),
        Field("mics", "text", description="MICS indicator code, e.g. 'PR.1'."),
        Field("sdg", "texts", description="SDG indicator code(s), e.g. '16.9.1'."),
        Field("label", "labels", True, description="Name of the indicator in en, ru, kk."),
        Field("definition", "text", description="Definition in words (English)."),
        Field(
            "file",
            "files",
            True,
            description="File (unit) of the survey: hh, hl, wm ...; or a list of files whose "
            "records are pooled (PR.2: ch and fs).",
        ),
        Field("type", "choice", True, INDICATOR_TYPES,
              "percentage, mean, ratio, median, quantile or distribution."),
        Field("universe", "expression", description="Condition selecting the denominator."),
        Field(
            "numerator",
            "expression",
            description="Condition for having the attribute (percentage) or the numerator "
            "of a ratio.",
        ),
        Field("denominator", "expression", description="Denominator of a ratio."),
        Field("variable", "expression",
              description="The variable (or expression) of a mean, median or quantile; the "
              "categorical variable of a distribution."),
        Field("q", "probability", description="Probability of a quantile, in (0, 1)."),
        Field("qrule", "choice", False, QRULES,
              "Quantile rule of a median or quantile (R's qrule; default math)."),
        Field("interval", "choice", False, REPORT_INTERVALS,
              "Confidence interval of a median or quantile (R's interval.type; default "
              "mean, Woodruff's)."),
        Field(
            "missing",
            "choice",
            True,
            MISSING_TREATMENTS,
            "How no response / DK / not applicable answers are treated.",
        ),
        Field(
            "missing_codes",
            "codes",
            description="Extra codes treated as missing answers, per variable "
            "(codes labelled no response / DK / not applicable are always missing).",
        ),
        Field("weight", "expression", description="Weight expression, e.g. 'hhweight * HH48'."),
        Field("breakdowns", "names", description="Default background characteristics."),
        Field("footnote", "labels_or_text", description="Footnote text under a table."),
        Field("denominator_label", "labels", description="'Number of ...' column heading."),
    )
}

FILE_FIELDS: tuple[str, ...] = ("indicators", "defaults")
"""Top-level keys of an indicator file."""

_QUANTILE_FIELDS = ("q", "qrule", "interval")
_BY_TYPE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required fields, forbidden fields)
    "percentage": (("numerator",), ("denominator", "variable", *_QUANTILE_FIELDS)),
    "mean": (("variable",), ("numerator", "denominator", *_QUANTILE_FIELDS)),
    "ratio": (("numerator", "denominator"), ("variable", *_QUANTILE_FIELDS)),
    "median": (("variable",), ("numerator", "denominator", "q")),
    "quantile": (("variable", "q"), ("numerator", "denominator")),
    "distribution": (("variable",), ("numerator", "denominator", *_QUANTILE_FIELDS)),
}
_EXCLUDE_ONLY = ("mean", "ratio", "median", "quantile")
"""Types whose missing answers can only leave the denominator."""


def check_indicator(
    node: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    file: str | None = None,
) -> dict[str, Any]:
    """Check one indicator mapping against :data:`INDICATOR_FIELDS`.

    Parameters
    ----------
    node : mapping
        The indicator as loaded (a located mapping from :mod:`mics_toolkit.indicators.spec`
        carries the line of each key in ``node.lines``; a plain dict works without lines).
    defaults : mapping, optional
        Values for fields the indicator does not set (the file's ``defaults``).
    file : str, optional
        The specification file, for messages.

    Returns
    -------
    dict
        Field name -> checked value (texts, tuples of names, dicts of labels); absent
        optional fields are None. ``"_lines"`` maps each field to its line (the defaults'
        line for a value taken from the defaults).

    Raises
    ------
    SpecError
        An unknown field (close names suggested), a missing required field, a value of the
        wrong kind, an expression with a syntax error, a field the type does not allow, or
        ``missing: in_denominator`` for a mean, ratio, median or quantile; ``q`` outside
        (0, 1), ``q`` on a median, ``q``, ``qrule`` or ``interval`` on a type that is not a
        median or quantile. ``file``, ``line`` and ``key`` name the culprit.
    """
    indicator_id = node.get("id") if isinstance(node, Mapping) else None
    indicator_id = indicator_id if isinstance(indicator_id, str) else None
    check = SpecChecker(file, context=f"indicator {indicator_id}" if indicator_id else None)
    if not isinstance(node, Mapping):
        raise check.error(f"an indicator is a mapping of fields, got {type(node).__name__}",
                          None, node)
    defaults = defaults or {}
    values: dict[str, Any] = {}
    lines: dict[str, int | None] = {}
    for key in node:
        if key not in INDICATOR_FIELDS:
            matches = close_matches(str(key), list(INDICATOR_FIELDS))
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise check.error(f"unknown field{hint}", str(key), node, key)
    for name, spec_field in INDICATOR_FIELDS.items():
        if name in node:
            source = node
        elif name in defaults and name != "id":
            source = defaults
        else:
            if spec_field.required:
                raise check.error(f"required field {name!r} is missing", name, node)
            values[name] = None
            lines[name] = line_of(node)
            continue
        lines[name] = line_of(source, name)
        values[name] = _check_value(check, spec_field, source[name], source)
    kind = values["type"]
    required, forbidden = _BY_TYPE[kind]
    for name in required:
        if values[name] is None:
            raise check.error(f"required field {name!r} is missing for type {kind!r}", name,
                              node)
    for name in forbidden:
        if values[name] is not None:
            hint = _FORBIDDEN_HINTS.get((name, kind), _FORBIDDEN_HINTS.get(name, ""))
            hint = hint.format(kind=kind)
            raise check.error(f"field {name!r} does not apply to type {kind!r}{hint}", name,
                              node, name)
    if kind in _EXCLUDE_ONLY and values["missing"] != "exclude":
        raise check.error(
            f"a {kind} can only exclude missing answers; write 'missing: exclude'",
            "missing",
            node if "missing" in node else defaults,
            "missing",
        )
    files = values["file"]
    for name in ("universe", "numerator", "denominator", "variable", "weight"):
        value = values[name]
        if isinstance(value, dict) and set(value) != set(files):
            raise check.error(
                f"an expression per file must name exactly the indicator's files "
                f"({', '.join(files)}), got {', '.join(value)}",
                name,
                node if name in node else defaults,
                name,
            )
    values["_lines"] = lines
    return values


def _check_value(check: SpecChecker, spec_field: Field, value: Any, source: Mapping) -> Any:
    """The checked value of ``spec_field`` found in ``source`` (the indicator or defaults)."""
    kind, key = spec_field.kind, spec_field.name

    def error(message: str):
        return check.error(message, key, source, key)

    if kind == "identifier":
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            raise error(
                f"an id starts with a letter and holds letters, digits, '.', '_' or '-'; "
                f"got {value!r}"
            )
        return check.name(value, key, source, key)
    if kind == "files":
        names = value if isinstance(value, list) else [value]
        if not names:
            raise error("expected at least one survey file")
        for name in names:
            if not isinstance(name, str) or not _FILE_NAME.match(name):
                raise error(
                    f"expected the short name of a survey file (hh, wm, ...), got {name!r}"
                )
            check.name(name, key, source, key)
        if len(set(names)) != len(names):
            raise error(f"files repeat in {names}")
        return tuple(names)
    if kind == "text":
        return _text(check, value, key, source)
    if kind == "texts":
        if isinstance(value, list):
            if not value:
                raise error("expected at least one text")
            return tuple(_text(check, v, key, source) for v in value)
        return (_text(check, value, key, source),)
    if kind == "probability":
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not 0 < value < 1):
            raise error(f"{value!r} must be a number between 0 and 1 (exclusive), e.g. 0.25")
        return float(value)
    if kind == "choice":
        if not isinstance(value, str) or value not in spec_field.choices:
            matches = close_matches(str(value), spec_field.choices)
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise error(f"{value!r} is not one of {', '.join(spec_field.choices)}{hint}")
        return value
    if kind == "labels":
        return check.translations(value, key, source, key)
    if kind == "labels_or_text":
        if isinstance(value, str):
            return dict.fromkeys(LANGUAGES, _text(check, value, key, source))
        return check.translations(value, key, source, key)
    if kind == "expression":
        if isinstance(value, Mapping):  # one expression per file of a pooled indicator
            if not value:
                raise error("expected an expression, or one expression per file")
            return {_text(check, k, key, source): _expression(check, v, key, source)
                    for k, v in value.items()}
        return _expression(check, value, key, source)
    if kind == "names":
        if not isinstance(value, list):
            raise error(f"expected a list of variable names, got {value!r}")
        names = tuple(_text(check, v, key, source) for v in value)
        if len(set(names)) != len(names):
            raise error(f"names repeat in {list(names)}")
        return names
    if kind == "codes":
        if not isinstance(value, Mapping):
            raise error("expected a mapping of variable -> list of codes")
        out = {}
        for name, codes in value.items():
            name = _text(check, name, key, source)
            codes = codes if isinstance(codes, list) else [codes]
            for code in codes:
                if isinstance(code, bool) or not isinstance(code, int | float | str):
                    raise error(f"codes of {name!r} must be numbers or texts, got {code!r}")
            out[name] = tuple(codes)
        return out
    raise AssertionError(f"unknown field kind {kind!r}")  # a bug in INDICATOR_FIELDS


_FORBIDDEN_HINTS: dict[Any, str] = {
    "numerator": " (a {kind} has 'variable', not 'numerator')",
    ("q", "median"): " (a median is the quantile at 0.5; use 'type: quantile' for another q)",
    "q": " (it applies to quantiles)",
    "qrule": " (it applies to medians and quantiles)",
    "interval": " (it applies to medians and quantiles)",
}


def _expression(check: SpecChecker, value: Any, key: str, source: Mapping) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise check.error(f"expected an expression, got {type(value).__name__}", key, source,
                          key)
    text = check.text(str(value), key, source, key)
    try:
        parse(text)
    except ExpressionError as problem:
        raise check.error(str(problem).replace("\n", " "), key, source, key) from problem
    return text


def _text(check: SpecChecker, value: Any, key: str, source: Mapping) -> str:
    if not isinstance(value, str) or not value.strip():
        raise check.error(f"expected a non-empty text, got {value!r}", key, source, key)
    return check.text(value, key, source, key)
