"""Computing indicators from their specs on a survey file set.

:func:`prepare_indicators` checks every spec against the survey (files present, every variable
of every expression known), reads once the columns all specs of a file need, evaluates each
spec's universe, numerator (or variable, or numerator and denominator) and weight expressions,
and builds one :class:`~mics_toolkit.estimate.SurveyDesign` per file and weight, so specs on
the same file share a design. Each :class:`PreparedIndicator` then estimates its indicator in
one pass per breakdown (:meth:`PreparedIndicator.estimate`), returning the engine's result
frame with the indicator id in front. :func:`compute_indicators` runs many indicators over
their breakdowns into one long ("tidy") frame, and :func:`estimate_indicator` is the one-call
form for a single indicator. A :class:`DesignAdjustment` (e.g. calibration to population
totals) changes the weights of the designs built on its files before any estimate.

Missing answers (domain.md section 1): before a value expression is evaluated, the codes of
its variables that their value labels classify as no response, don't know or not applicable
(and the spec's ``missing_codes``) are set missing; the three-valued expression language then
gives a missing result where the answer decides it. ``missing: exclude`` lets such records
leave the denominator; ``missing: in_denominator`` counts them as not having the attribute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import (
    ExpressionError,
    OptionError,
    SpecError,
    VariableError,
    close_matches,
)
from mics_toolkit.estimate import SurveyDesign
from mics_toolkit.estimate.engine import estimate_blocks
from mics_toolkit.estimate.frame import (
    ESTIMATE_COLUMNS,
    RESULT_COLUMNS,
    TOTAL,
    Conventions,
    breakdown_label,
    category_key,
    estimates_frame,
)
from mics_toolkit.estimate.options import Options
from mics_toolkit.estimate.products import Request
from mics_toolkit.expr import parse, where_mask
from mics_toolkit.indicators.schema import QUANTILE_TYPES
from mics_toolkit.indicators.spec import IndicatorSpec
from mics_toolkit.io import MISSING_CATEGORIES, Metadata, SurveyData
from mics_toolkit.io.fileset import Survey
from mics_toolkit.io.forked import CAN_FORK, fork_call

__all__ = [
    "ESTIMATE_COLUMNS",
    "TOTAL",
    "DesignAdjustment",
    "PreparedIndicator",
    "check_indicators",
    "compute_indicators",
    "estimate_indicator",
    "estimate_prepared",
    "level_id",
    "prepare_indicators",
]

logger = logging.getLogger(__name__)


Progress = Callable[[int, int, str], None]

_VALUE_FIELDS = {"percentage": ("numerator",), "mean": ("variable",),
                 "ratio": ("numerator", "denominator"), "median": ("variable",),
                 "quantile": ("variable",), "distribution": ("variable",)}
_PSU, _STRATUM = "PSU", "stratum"


@dataclass(frozen=True, eq=False)
class DesignAdjustment:
    """A weight adjustment applied to the designs built on some survey files, before
    estimation (e.g. calibration of a report's ``weighting`` step).

    Attributes
    ----------
    files : tuple of str
        Survey files (short names, ``"hh"``). A design is adjusted when every file it is built
        on is among them (a design on ``ch`` and ``fs`` needs both listed).
    variables : tuple of str
        Columns the adjustment reads; they are read with the indicators' columns and kept in
        the design's frame.
    apply : callable
        ``apply(design) -> design``, e.g. ``lambda d: d.calibrate(totals, method="raking")``.
    weight : str or None
        Only designs with this weight (the file's weight variable, or an indicator's weight
        expression as written in its spec); None: every design on the files.
    """

    files: tuple[str, ...]
    variables: tuple[str, ...]
    apply: Callable[[SurveyDesign], SurveyDesign]
    weight: str | None = None

    def applies(self, files: Sequence[str], weights: Sequence[str]) -> bool:
        """Whether a design on ``files`` with weights ``weights`` (one per file, the
        expression or the file's weight variable) is adjusted."""
        if not set(files) <= set(self.files):
            return False
        return self.weight is None or all(w == self.weight for w in weights)


@dataclass(frozen=True, eq=False)
class PreparedIndicator:
    """One indicator ready to estimate: its design, universe and value columns.

    Attributes
    ----------
    spec : IndicatorSpec
    design : SurveyDesign
        Shared by the prepared indicators of the same files and weight; its frame holds the
        design variables, the breakdown variables and the value columns.
    universe : numpy.ndarray
        Boolean per row of the design: completed record in the spec's universe.
    value : str
        Column of the design holding the 0/1 attribute (percentage), the variable (mean,
        median, quantile), the category codes (distribution) or the numerator (ratio), NaN
        where the answer is missing and excluded.
    denominator : str or None
        Column of a ratio's denominator.
    """

    spec: IndicatorSpec
    design: SurveyDesign
    universe: np.ndarray
    value: str
    denominator: str | None = None

    def estimate(
        self,
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        ci: str = "t",
        ci_method: str | None = None,
        df: str = "design",
    ) -> pd.DataFrame:
        """Estimate the indicator, overall or by ``by``.

        Parameters
        ----------
        by : str or list of str, optional
            Breakdown variable(s), columns of :attr:`design` (the spec's breakdowns and those
            passed to :func:`prepare_indicators`).
        level, ci, df
            As for :meth:`SurveyDesign.mean`.
        ci_method : {"logit", "korn-graubard", "wald"}, optional
            Interval of a percentage or of a distribution's shares (default logit; ignored
            for the other types).

        Returns
        -------
        pandas.DataFrame
            ``indicator`` (the id), the ``by`` columns, ``level`` (a distribution's
            category; distributions only), then ``estimate, se, ci_lower, ci_upper, cv,
            deff, deft, df, n_unweighted, n_weighted``; percentages and shares are
            fractions. ``attrs["mics"]`` holds the conventions and the indicator id.

        Notes
        -----
        A percentage is the proportion of category 1 of the 0/1 value within the universe
        (``SurveyDesign.proportion``, logit interval by default), so
        ``estimate = sum(w y) / sum(w)`` over universe rows with a known value. When no record
        of the whole file has the attribute, the category does not exist and the estimate is
        the mean of the 0/1 value (0, with a zero-width interval). A mean is
        ``SurveyDesign.mean`` of the value, a ratio ``SurveyDesign.ratio`` of the numerator and
        denominator, a median or quantile ``SurveyDesign.quantile`` of the value at ``0.5``
        or the spec's ``q`` (with its ``qrule`` and ``interval``; ``deff`` and ``deft`` NaN),
        a distribution ``SurveyDesign.proportion`` of every category of the value, all over
        the universe.
        """
        columns, attrs = self._columns(by, level=level, ci=ci, ci_method=ci_method, df=df)
        n_rows = len(columns["estimate"])
        result = pd.DataFrame(
            {"indicator": np.full(n_rows, self.spec.id, dtype=object), **columns}, copy=False
        )
        result.attrs["mics"] = Conventions(attrs)
        return result

    def quantiles(self, by=None, *, level: float = 0.95, ci: str = "t",
                  df: str = "design") -> pd.DataFrame:
        """The median or quantile of a median or quantile indicator, by ``by``: the frame of
        :func:`mics_toolkit.estimate.quantile` (the ``by`` columns, ``quantile``, the result
        columns), with the spec's ``q``, ``qrule`` and ``interval`` (defaults ``"math"`` and
        ``"mean"``).

        Raises
        ------
        SpecError
            The spec's interval cannot be combined with ``ci`` (``interval: beta`` with
            ``ci: mics``); located at the spec's ``interval``.
        """
        spec = self.spec
        try:
            return self.design.quantile(
                self.value, 0.5 if spec.type == "median" else spec.q, by=by,
                where=self.universe, qrule=spec.qrule or "math",
                interval=spec.interval or "mean", level=level, ci=ci, df=df)
        except OptionError as error:
            raise spec.error(str(error), "interval" if error.option == "interval" else "q"
                             ) from error

    def _columns(
        self, by, *, level: float, ci: str, ci_method: str | None, df: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The engine's result as ``{column: array}`` (``by`` columns, then the result
        columns) and its conventions; pandas work is kept to one frame per call."""
        spec, design = self.spec, self.design
        options: dict[str, Any] = {"level": level, "ci": ci, "df": df}
        rows = None
        keep_level = spec.type == "distribution"
        if spec.type == "distribution":
            result = design.proportion(
                self.value, by=by, where=self.universe, ci_method=ci_method, **options
            )
        elif spec.type == "percentage":
            result = design.proportion(
                self.value, by=by, where=self.universe, ci_method=ci_method, **options
            )
            is_one = result["level"].to_numpy() == 1
            if is_one.any():
                rows = is_one
            else:  # nobody in the file has the attribute: the mean of the 0/1 value (0)
                result = design.mean(self.value, by=by, where=self.universe, **options)
        elif spec.type == "mean":
            result = design.mean(self.value, by=by, where=self.universe, **options)
        elif spec.type in QUANTILE_TYPES:
            result = self.quantiles(by, **options)
        else:
            result = design.ratio(
                self.value, self.denominator, by=by, where=self.universe, **options
            )
        attrs = dict(result.attrs.get("mics", {}))
        result.attrs = {}  # column access would deep-copy the attributes every time
        attrs.update(
            indicator=spec.id,
            indicator_type=spec.type,
            missing=spec.missing,
            files=list(spec.files),
            universe=spec.universe,
        )
        columns: dict[str, Any] = {}
        for name in result.columns:
            if name == "quantile" or (name == "level" and not keep_level):
                continue
            values = result[name].array
            columns[name] = values if rows is None else values[rows]
        return columns, attrs


def check_indicators(
    survey: Survey,
    specs: Iterable[IndicatorSpec],
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] = (),
) -> None:
    """Check specs against a survey without reading data.

    Every file of every spec must be configured and present, and every variable named by an
    expression, a breakdown of the spec, a key of ``missing_codes`` or ``breakdowns`` (for
    every spec, or by indicator id) must be available in that file (its own variables,
    aliases, household and mother's variables).

    Raises
    ------
    SpecError
        An unknown file or variable; the message is located at the spec's file, line and key
        (``catalogue/pr.yaml:12: key 'numerator': unknown variable 'BR9' ...``) and
        suggests close names.
    ReadError
        A file of a spec is configured but absent from the survey folder.
    VariableError
        A name in ``breakdowns`` is not available in a spec's file.
    """
    for spec in specs:
        extra = _extra_breakdowns(breakdowns, spec)
        for file in spec.files:
            if file not in survey.config.files:
                matches = close_matches(file, list(survey.config.files))
                hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                raise spec.error(
                    f"{file!r} is not a file of the survey "
                    f"({', '.join(survey.config.files)}){hint}",
                    "file",
                )
            survey.require(file)
            available = set(survey.available(file))
            shown = survey.paths[file].name
            for key, text in spec.expressions(file).items():
                for name in sorted(parse(text).variables, key=text.find):
                    if name not in available:
                        raise _unknown_variable(survey, spec, file, name, key)
            for name in spec.breakdowns:
                if name not in available:
                    raise _unknown_variable(survey, spec, file, name, "breakdowns")
            for name in extra:
                if name not in available:
                    matches = close_matches(name, survey.available(file))
                    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                    raise VariableError(
                        f"breakdown {name!r} is not in {shown} or the files it links to "
                        f"(indicator {spec.id}){hint}",
                        variable=name,
                        file=str(survey.paths[file]),
                        close_matches=matches,
                    )
        value_variables: set[str] = set()
        for file in spec.files:
            for key in _VALUE_FIELDS[spec.type]:
                value_variables |= parse(spec.expression(key, file)).variables
        for name in spec.missing_codes:
            if name not in value_variables:
                raise spec.error(
                    f"{name!r} is not a variable of the indicator's "
                    f"{' or '.join(_VALUE_FIELDS[spec.type])}; missing codes apply to those only",
                    "missing_codes",
                )


def _unknown_variable(
    survey: Survey, spec: IndicatorSpec, file: str, name: str, key: str
) -> SpecError:
    matches = close_matches(name, survey.available(file))
    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
    return spec.error(
        f"unknown variable {name!r}: not in {survey.paths[file].name} or the files it links "
        f"to{hint}",
        key,
    )


def prepare_indicators(
    survey: Survey,
    specs: Iterable[IndicatorSpec],
    *,
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] = (),
    lonely_psu: str = "fail",
    adjustments: Sequence[DesignAdjustment] = (),
    progress: Progress | None = None,
) -> dict[str, PreparedIndicator]:
    """Read the data the specs need and build their designs.

    Parameters
    ----------
    survey : Survey
        From :func:`mics_toolkit.open_survey`.
    specs : iterable of IndicatorSpec
        Ids must be unique.
    breakdowns : sequence of str, or mapping of indicator id to sequence of str
        Breakdown variables wanted besides each spec's own (e.g. a report's row groups), for
        every spec or by indicator id; each must be available in the spec's files.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Passed to :class:`SurveyDesign`.
    adjustments : sequence of DesignAdjustment, optional
        Weight adjustments; each that applies to a design (:meth:`DesignAdjustment.applies`)
        is applied to it, in order, before it is shared by the prepared indicators.
    progress : callable, optional
        Called as ``progress(done, total, message)`` after each group of specs sharing a
        design.

    Returns
    -------
    dict of str to PreparedIndicator
        By indicator id, in the order of ``specs``.

    Raises
    ------
    SpecError
        As :func:`check_indicators`; an expression of the wrong type (a universe that is
        not a condition, a percentage numerator that is not a condition or 0/1); an id used
        twice.
    ReadError, LinkError, VariableError
        From reading the files (:meth:`Survey.data`).
    WeightError, DesignError
        From building a design (a weight expression giving missing or negative values,
        strata with one PSU under ``lonely_psu="fail"``).
    CalibrationError
        From an adjustment (figures that do not fit the sample).

    Notes
    -----
    The design uses the file's weight (or the spec's weight expression; a record whose
    weight expression is missing gets weight 0 when its file weight is 0, as for households
    not interviewed), the configured PSU and stratum, first stage with replacement. Only
    completed records (the file's completion variable, e.g. ``WM17 == 1``) enter a universe;
    their rows with weight 0 add nothing to any estimate either.
    """
    specs = list(specs)
    _unique_ids(specs)
    check_indicators(survey, specs, breakdowns)
    _read_needed(survey, specs, breakdowns, adjustments)
    groups: dict[tuple, list[IndicatorSpec]] = {}
    for spec in specs:
        groups.setdefault(_design_key(spec), []).append(spec)
    prepared: dict[str, PreparedIndicator] = {}
    for number, ((files, weights), members) in enumerate(groups.items(), start=1):
        extra = [b for spec in members for b in _extra_breakdowns(breakdowns, spec)]
        resolved = _resolved_weights(survey, files, weights)
        steps = [a for a in adjustments if a.applies(files, resolved)]
        extra += [v for a in steps for v in a.variables]
        prepared.update(
            _prepare_group(survey, files, weights, members, extra, lonely_psu, steps)
        )
        if progress is not None:
            progress(number, len(groups), f"prepared {', '.join(s.id for s in members)}")
    return {spec.id: prepared[spec.id] for spec in specs}


def _unique_ids(specs: Sequence[IndicatorSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise spec.error(f"indicator {spec.id!r} is given twice", "id")
        seen.add(spec.id)


def _read_needed(survey: Survey, specs: Sequence[IndicatorSpec],
                 breakdowns: Sequence[str] | Mapping[str, Sequence[str]],
                 adjustments: Sequence[DesignAdjustment]) -> None:
    """Read each file once, with every column any spec needs from it (household variables
    of every file in the household file's read), the household and mother files first."""
    needed: dict[str, set[str]] = {}
    for spec in specs:
        weights = _resolved_weights(survey, spec.files,
                                    [spec.expression("weight", f) for f in spec.files])
        steps = [a for a in adjustments if a.applies(spec.files, weights)]
        for file in spec.files:
            design_names = survey.design_variables(file).values()
            needed.setdefault(file, set()).update(
                spec.variables(file),
                _extra_breakdowns(breakdowns, spec),
                (n for n in design_names if n is not None),
                *(a.variables for a in steps),
            )
    household = survey.config.household_file
    if survey.has(household):
        household_names = set(survey.variables(household))
        for file, names in list(needed.items()):
            if file != household:
                own = set(survey.variables(file))
                linked = {n for n in names if n not in own and n in household_names}
                if linked:
                    needed.setdefault(household, set()).update(linked)
    first = [household, survey.config.mother_file]
    for file in sorted(needed, key=lambda f: (f not in first, first.index(f) if f in first
                                              else 0)):
        survey.data(file, sorted(needed[file]))


def _prepare_group(
    survey: Survey,
    files: tuple[str, ...],
    weights: tuple[str | None, ...],
    specs: list[IndicatorSpec],
    breakdowns: list[str],
    lonely_psu: str,
    adjustments: Sequence[DesignAdjustment] = (),
) -> dict[str, PreparedIndicator]:
    """Design and columns for specs sharing ``files`` and weight expressions."""
    by_names = list(dict.fromkeys([*breakdowns, *(b for s in specs for b in s.breakdowns)]))
    parts: list[pd.DataFrame] = []
    masks: dict[str, list[np.ndarray]] = {s.id: [] for s in specs}
    meta: Metadata | None = None
    strata_present = True
    weight_name = _weight_name(files, weights, survey)
    for file, weight_text in zip(files, weights, strict=True):
        design_names = survey.design_variables(file)
        base = [design_names["weight"], design_names["psu"]]
        if design_names["strata"] is None:
            strata_present = False
        else:
            base.append(design_names["strata"])
        if design_names["completed"] is not None:
            base.append(design_names["completed"])
        needed: set[str] = set(by_names)
        for spec in specs:
            needed |= spec.variables(file)
        columns = list(dict.fromkeys([*base, *sorted(needed)]))
        data = survey.data(file, columns)
        frame = data.frame
        if meta is None:
            meta = data.meta.select(by_names)
        completed = _completed(survey, file, frame)
        weight = _weight(survey, specs[0], file, weight_text, frame)
        part = {
            _PSU: frame[design_names["psu"]].to_numpy(),
            weight_name: weight,
            **{name: frame[name] for name in by_names},
        }
        if design_names["strata"] is not None:
            part[_STRATUM] = frame[design_names["strata"]].to_numpy()
        for spec in specs:
            universe = completed.copy()
            if spec.expression("universe", file) is not None:
                universe &= _condition(spec, "universe", file, frame)
            masks[spec.id].append(universe)
            answers = _answers(spec, file, frame, data.meta)
            for column, values in _values(spec, file, answers).items():
                part[column] = values
        parts.append(pd.DataFrame(part, index=pd.RangeIndex(len(frame))))
    stacked = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    design = SurveyDesign(
        SurveyData(stacked, meta if meta is not None else Metadata()),
        weight=weight_name,
        strata=_STRATUM if strata_present else None,
        psu=_PSU,
        lonely_psu=lonely_psu,
        source=" + ".join(str(survey.paths[f].name) for f in files),
    )
    for adjustment in adjustments:
        design = adjustment.apply(design)
    out = {}
    for spec in specs:
        value = _value_column(spec)
        denominator = _value_column(spec, "denominator") if spec.type == "ratio" else None
        out[spec.id] = PreparedIndicator(
            spec=spec,
            design=design,
            universe=np.concatenate(masks[spec.id]),
            value=value,
            denominator=denominator,
        )
    logger.info(
        "prepared %d indicators on %s (%d rows)", len(specs), "+".join(files), len(stacked)
    )
    return out


def _extra_breakdowns(
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]], spec: IndicatorSpec
) -> list[str]:
    if isinstance(breakdowns, Mapping):
        names = breakdowns.get(spec.id, ())
    else:
        names = breakdowns
    return [names] if isinstance(names, str) else list(names)


def _resolved_weights(survey: Survey, files: Sequence[str], weights: Sequence[str | None]
                      ) -> list[str]:
    """Per file, the weight expression, or the file's weight variable when there is none."""
    return [w if w is not None else survey.config.file(f).weight
            for f, w in zip(files, weights, strict=True)]


def _weight_name(files: tuple[str, ...], weights: tuple[str | None, ...], survey: Survey) -> str:
    names = {
        text if text is not None else survey.config.file(f).weight
        for f, text in zip(files, weights, strict=True)
    }
    return names.pop() if len(names) == 1 else "weight"


def _value_column(spec: IndicatorSpec, part: str = "value") -> str:
    return f"{spec.id} {part}"


def _completed(survey: Survey, file: str, frame: pd.DataFrame) -> np.ndarray:
    survey_file = survey.config.file(file)
    if survey_file.completed is None:
        return np.ones(len(frame), dtype=bool)
    return frame[survey_file.completed].isin(list(survey_file.completed_values)).to_numpy()


def _weight(
    survey: Survey, spec: IndicatorSpec, file: str, text: str | None, frame: pd.DataFrame
) -> np.ndarray:
    base = pd.to_numeric(frame[survey.config.file(file).weight], errors="coerce").to_numpy(
        dtype=float
    )
    if text is None:
        return base
    values = _evaluate(spec, "weight", file, frame, numeric=True)
    # households not interviewed have weight 0 but no member count: weight 0, not missing
    return np.where(np.isnan(values) & (base == 0), 0.0, values)


def _evaluate(
    spec: IndicatorSpec, key: str, file: str, frame: pd.DataFrame, *, numeric: bool
) -> np.ndarray:
    text = spec.expression(key, file)
    try:
        expression = parse(text)
        return expression.evaluate_numeric(frame) if numeric else expression.evaluate(frame)
    except VariableError as error:
        raise spec.error(str(error), key) from error
    except ExpressionError as error:
        raise spec.error(str(error).replace("\n", " "), key) from error


def _condition(spec: IndicatorSpec, key: str, file: str, frame: pd.DataFrame) -> np.ndarray:
    text = spec.expression(key, file)
    try:
        return where_mask(text, frame, n_rows=len(frame))
    except VariableError as error:
        raise spec.error(str(error), key) from error
    except ExpressionError as error:
        raise spec.error(str(error).splitlines()[0], key) from error


def _missing_codes(spec: IndicatorSpec, meta: Metadata, variable: str) -> list[Any]:
    classified = meta.special_codes.get(variable, {})
    codes = [code for code, category in classified.items() if category in MISSING_CATEGORIES]
    codes += [c for c in spec.missing_codes.get(variable, ()) if c not in codes]
    return codes


def _answers(
    spec: IndicatorSpec, file: str, frame: pd.DataFrame, meta: Metadata
) -> pd.DataFrame:
    """``frame`` with the missing-answer codes of the value expressions' variables set NaN
    (a distribution with ``missing: in_denominator`` keeps them as categories)."""
    if spec.type == "distribution" and spec.missing == "in_denominator":
        return frame
    variables: set[str] = set()
    for key in _VALUE_FIELDS[spec.type]:
        variables |= parse(spec.expression(key, file)).variables
    answers = frame
    for name in sorted(variables):
        codes = _missing_codes(spec, meta, name)
        if not codes:
            continue
        column = frame[name]
        hit = column.isin(codes).to_numpy()
        if hit.any():
            if answers is frame:
                answers = frame.copy(deep=False)
            answers[name] = column.mask(hit)
    return answers


def _values(spec: IndicatorSpec, file: str, answers: pd.DataFrame) -> dict[str, np.ndarray]:
    """The value column(s) of ``spec`` for one file's rows."""
    if spec.type == "percentage":
        values = _evaluate(spec, "numerator", file, answers, numeric=True)
        known = values[~np.isnan(values)]
        if not np.isin(known, (0.0, 1.0)).all():
            raise spec.error(
                "the numerator of a percentage must be a condition (or give 0 and 1), e.g. "
                "'BR1 in [1, 2] or BR2 == 1'",
                "numerator",
            )
        if spec.missing == "in_denominator":
            values = np.where(np.isnan(values), 0.0, values)
        return {_value_column(spec): values}
    if spec.type in ("mean", "median", "quantile", "distribution"):
        return {_value_column(spec): _evaluate(spec, "variable", file, answers, numeric=True)}
    numerator = _evaluate(spec, "numerator", file, answers, numeric=True)
    denominator = _evaluate(spec, "denominator", file, answers, numeric=True)
    return {_value_column(spec): numerator, _value_column(spec, "denominator"): denominator}


def estimate_indicator(
    survey: Survey,
    spec: IndicatorSpec,
    by: str | Sequence[str] | None = None,
    *,
    lonely_psu: str = "fail",
    level: float = 0.95,
    ci: str = "t",
    ci_method: str | None = None,
    df: str = "design",
) -> pd.DataFrame:
    """Estimate one indicator on a survey, overall or by ``by``.

    Shorthand for ``prepare_indicators(survey, [spec], breakdowns=by)[spec.id].estimate(by)``;
    see :meth:`PreparedIndicator.estimate` for the result and the formulas.

    Examples
    --------
    >>> survey = mt.open_survey("build/kz_mics")  # doctest: +SKIP
    >>> spec = load_catalogue()["PR.1"]  # doctest: +SKIP
    >>> estimate_indicator(survey, spec, by="HH6")  # doctest: +SKIP
    """
    names = [] if by is None else ([by] if isinstance(by, str) else list(by))
    prepared = prepare_indicators(survey, [spec], breakdowns=names, lonely_psu=lonely_psu)
    return prepared[spec.id].estimate(by, level=level, ci=ci, ci_method=ci_method, df=df)


def compute_indicators(
    survey: Survey,
    specs: Iterable[IndicatorSpec],
    *,
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    total: bool = True,
    lonely_psu: str = "fail",
    level: float = 0.95,
    ci: str = "t",
    ci_method: str | None = None,
    df: str = "design",
    adjustments: Sequence[DesignAdjustment] = (),
    progress: Progress | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Estimate many indicators overall and by their breakdowns, in one long frame.

    Parameters
    ----------
    survey : Survey
    specs : iterable of IndicatorSpec
    breakdowns : sequence of str, or mapping of indicator id to sequence, optional
        Breakdown variables for every indicator (a sequence) or per indicator (a mapping;
        ids not in it use their spec's). Default: each spec's ``breakdowns``.
    total : bool, default True
        Include the whole-universe row of each indicator.
    lonely_psu, level, ci, ci_method, df, adjustments
        As for :func:`prepare_indicators` and :meth:`PreparedIndicator.estimate`.
    progress : callable, optional
        ``progress(done, total, message)`` after each indicator's estimates.
    workers : {1, 2}, default 1
        Processes sharing the work: 2 prepares and estimates the indicators of different
        designs in this process and a forked child at once (:func:`estimate_indicators`);
        the same frame.

    Returns
    -------
    pandas.DataFrame
        The canonical long estimates frame, columns :data:`ESTIMATE_COLUMNS`: ``indicator``
        (id), ``breakdown`` (:data:`TOTAL` or the variable's name), ``category`` (the domain's
        value as text, :func:`~mics_toolkit.estimate.frame.category_key`; ``"total"`` on total
        rows), then the result columns. Rows: indicators in the order given, the total first,
        then breakdowns in order, categories sorted. A distribution indicator has the rows
        of each of its categories under the id ``"<id>=<category>"`` (:func:`level_id`),
        categories sorted, the rows of every category of a breakdown together.

    Raises
    ------
    SpecError, ReadError, LinkError, VariableError, WeightError, DesignError, CalibrationError
        As for :func:`prepare_indicators`.

    Notes
    -----
    The indicators that share a design and their breakdowns are estimated in one call of the
    engine (each over its own universe): the cells of each breakdown are found once and the
    variance runs once per breakdown for all of them. Each estimate equals
    :meth:`PreparedIndicator.estimate`. Medians and quantiles are estimated by
    :func:`mics_toolkit.estimate.quantile`, one call per breakdown.
    """
    estimates, _ = estimate_indicators(
        survey, specs, breakdowns=breakdowns, total=total, lonely_psu=lonely_psu, level=level,
        ci=ci, ci_method=ci_method, df=df, adjustments=adjustments, progress=progress,
        workers=workers)
    return estimates


def estimate_indicators(
    survey: Survey,
    specs: Iterable[IndicatorSpec],
    *,
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    total: bool = True,
    lonely_psu: str = "fail",
    level: float = 0.95,
    ci: str = "t",
    ci_method: str | None = None,
    df: str = "design",
    adjustments: Sequence[DesignAdjustment] = (),
    progress: Progress | None = None,
    workers: int = 1,
    keep: Iterable[str] = (),
    meanwhile: Callable[[dict[str, PreparedIndicator]], object] | None = None,
) -> tuple[pd.DataFrame, dict[str, PreparedIndicator]]:
    """:func:`compute_indicators`, also returning the prepared indicators of the ids in
    ``keep`` (to compare their domains with :func:`~mics_toolkit.indicators.compute_gaps`).

    With ``workers=2`` the indicators are prepared and estimated in this process and in a
    forked child process at once (:func:`~mics_toolkit.io.forked.fork_call`), whole designs
    on each side: the designs of ``keep`` here, the others shared out by the time their work
    takes (a model measured on the example report: files linked, indicators prepared, rows,
    estimates). Every spec is checked first, here, so a spec error is the one a single
    process reports; the frame is the same, bit for bit. Progress of the child's part is reported when it ends, and its
    warnings are issued then (:meth:`~mics_toolkit.io.forked.ForkedCall.result`).

    ``meanwhile``, when given, is called here with the prepared indicators of ``keep`` once
    this process has done its part, while the child may still work (a build compares their
    domains then); with one process, at the end.

    Returns
    -------
    (pandas.DataFrame, dict of str to PreparedIndicator)
        The estimates frame (as :func:`compute_indicators`) and the prepared indicators of
        ``keep``.
    """
    specs = list(specs)
    plan = _breakdown_plan(specs, breakdowns)
    options = Options.checked(level, ci, df, ci_method)
    if workers not in (1, 2) or isinstance(workers, bool):
        raise OptionError(f"workers={workers!r} is not valid; use 1 or 2", option="workers",
                          value=workers, valid=(1, 2))
    keep = set(keep)
    designs: dict[tuple, list[IndicatorSpec]] = {}
    for spec in specs:
        designs.setdefault(_design_key(spec), []).append(spec)
    # the specs of each part (in one process: all, in their order), by design
    parts: list[list[list[IndicatorSpec]]] = [[specs], []]
    if workers == 2 and CAN_FORK and len(designs) > 1:
        _unique_ids(specs)
        check_indicators(survey, specs, plan)
        groups = list(designs.values())
        sizes = [_work_size(members, survey.n_rows(members[0].files[0]), plan, total)
                 for members in groups]
        # meanwhile's work (a build's gaps) is done here too: about 0.02 s per kept indicator
        here, there = _shared_out(sizes, [any(s.id in keep for s in m) for m in groups],
                                  0.02 * len(keep) if meanwhile is not None else 0.0)
        parts = [[groups[k] for k in here], [groups[k] for k in there]]
    steps = _Progress(progress, sum(int(total) + len(plan[s.id]) for s in specs))

    def estimate(designs_here: list[list[IndicatorSpec]], report: Callable | None):
        prepared = prepare_indicators(survey, [s for m in designs_here for s in m],
                                      breakdowns=plan, lonely_psu=lonely_psu,
                                      adjustments=adjustments)
        return prepared, _estimate_designs(prepared, plan, total, options, report)

    def mine() -> tuple[dict[str, PreparedIndicator], dict[str, list[tuple]]]:
        prepared, pieces = estimate(parts[0], steps)
        kept = {k: v for k, v in prepared.items() if k in keep}
        if meanwhile is not None:
            meanwhile(kept)
        return kept, pieces

    if parts[1]:
        with fork_call(lambda: _plain_tables(estimate(parts[1], None)[1])) as child:
            kept, pieces = mine()
            pieces.update(child.result())
        for members in parts[1]:
            steps(members, plan, total)
    else:
        kept, pieces = mine()
    out = estimates_frame(piece for spec in specs for piece in pieces.get(spec.id, []))
    out.attrs["mics"] = _conventions(level, ci, ci_method, df,
                                     {lonely_psu} if specs else set())
    return out, kept


def estimate_prepared(
    prepared: Mapping[str, PreparedIndicator],
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    *,
    total: bool = True,
    level: float = 0.95,
    ci: str = "t",
    ci_method: str | None = None,
    df: str = "design",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The long estimates frame of indicators already prepared (:func:`prepare_indicators`).

    :func:`compute_indicators` is this after :func:`prepare_indicators`. Parameters and
    result as :func:`compute_indicators`; ``breakdowns`` must be among those the indicators
    were prepared with.
    """
    specs = [item.spec for item in prepared.values()]
    plan = _breakdown_plan(specs, breakdowns)
    options = Options.checked(level, ci, df, ci_method)
    steps = _Progress(progress, sum(int(total) + len(plan[s.id]) for s in specs))
    pieces = _estimate_designs(prepared, plan, total, options, steps)
    out = estimates_frame(piece for spec in specs for piece in pieces.get(spec.id, []))
    out.attrs["mics"] = _conventions(level, ci, ci_method, df,
                                     {item.design.lonely_psu for item in prepared.values()})
    return out


def _shared_out(sizes: Sequence[float], here: Sequence[bool] = (), extra_here: float = 0.0
                ) -> tuple[list[int], list[int]]:
    """Positions of pieces of work in two parts of about the same total size, each part in
    the order of ``sizes``: the pieces with ``here`` true in the first part (which also has
    ``extra_here`` of other work), then the others from the largest, each to the part with
    less so far (ties: the first)."""
    forced = [bool(f) for f in here] + [False] * (len(sizes) - len(here))
    loads, parts = [float(extra_here), 0.0], [[], []]
    for number in range(len(sizes)):
        if forced[number]:
            loads[0] += sizes[number]
            parts[0].append(number)
    for number in sorted((k for k in range(len(sizes)) if not forced[k]),
                         key=lambda k: -sizes[k]):
        lighter = loads.index(min(loads))
        loads[lighter] += sizes[number]
        parts[lighter].append(number)
    return sorted(parts[0]), sorted(parts[1])


class _Progress:
    """Counts estimates (an indicator by one breakdown) and reports them to ``progress``."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, members: list[IndicatorSpec], plan: Mapping[str, list[str]],
                 total: bool) -> None:
        for spec in _estimation_order(members):
            for names in (((),) if total else ()) + tuple((n,) for n in plan[spec.id]):
                self.done += 1
                if self.progress is not None:
                    self.progress(self.done, self.total,
                                  f"{spec.id} by {breakdown_label(list(names))}")


def _design_key(spec: IndicatorSpec) -> tuple:
    """The specs with the same files and weights share a design."""
    return (spec.files, tuple(spec.expression("weight", f) for f in spec.files))


def _work_size(members: Sequence[IndicatorSpec], rows: int, plan: Mapping[str, list[str]],
               total: bool) -> float:
    """Seconds to prepare and estimate the indicators of one design, as measured on the
    example report on a 2-CPU machine: a fixed part, each file linked and each indicator
    prepared, a part per row, and per estimate (an indicator by one breakdown; a median or
    quantile counts twice) a part growing with the rows."""
    estimates = sum((2 if s.type in QUANTILE_TYPES else 1) * (int(total) + len(plan[s.id]))
                    for s in members)
    return (0.015 + 0.02 * (len(members[0].files) - 1) + 0.0015 * len(members)
            + 0.4e-6 * max(rows, 0) + estimates * (0.0008 + 1.2e-8 * max(rows, 0)))


def _plain_tables(pieces: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The pieces with their domain tables as lists of values by column: the same frame
    (:func:`~mics_toolkit.estimate.frame.estimates_frame`), a fifth of the time to pickle."""
    return {ident: [(indicator, by, {name: table[name].tolist() for name in by}, values)
                    for indicator, by, table, values in found]
            for ident, found in pieces.items()}


def _conventions(level: float, ci: str, ci_method: str | None, df: str, lonely: set[str]
                 ) -> Conventions:
    return Conventions({
        "level": level,
        "ci": ci,
        "ci_method": ci_method,
        "df": df,
        "lonely_psu": lonely.pop() if len(lonely) == 1 else sorted(lonely),
        "variance": "Taylor linearisation, first stage with replacement",
    })


def _estimation_order(members: list[IndicatorSpec]) -> list[IndicatorSpec]:
    """The indicators of one design as estimated: the engine's requests together, then the
    quantiles one by one."""
    return ([s for s in members if s.type not in QUANTILE_TYPES]
            + [s for s in members if s.type in QUANTILE_TYPES])


def _estimate_designs(prepared: Mapping[str, PreparedIndicator],
                      plan: Mapping[str, list[str]], total: bool, options: Options,
                      steps: _Progress | None) -> dict[str, list[tuple]]:
    """The pieces of the estimates frame of every prepared indicator, by id: the indicators
    of one design and the same breakdowns together."""
    groups: dict[tuple[int, tuple], list[IndicatorSpec]] = {}
    for item in prepared.values():
        spec = item.spec
        by = (((),) if total else ()) + tuple((name,) for name in plan[spec.id])
        if by:
            groups.setdefault((id(item.design), by), []).append(spec)
    pieces: dict[str, list[tuple]] = {}
    for (_, by), members in groups.items():
        together = [s for s in members if s.type not in QUANTILE_TYPES]
        found = _estimate_together([prepared[s.id] for s in together], list(by), options)
        found += [_estimate_quantiles(prepared[s.id], list(by), options)
                  for s in members if s.type in QUANTILE_TYPES]
        for spec, blocks in zip(_estimation_order(members), found, strict=True):
            pieces[spec.id] = blocks
        if steps is not None:
            steps(members, plan, total)
    return pieces


def level_id(indicator: str, category: object) -> str:
    """The ``indicator`` of a distribution's category in the estimates frame:
    ``"<id>=<category>"``, the category as :func:`~mics_toolkit.estimate.frame.category_key`.

    Examples
    --------
    >>> level_id("EQ.12", 1.0), level_id("EQ.12", 9)
    ('EQ.12=1', 'EQ.12=9')
    """
    return f"{indicator}={category_key(category)}"


def _breakdown_plan(specs: list[IndicatorSpec], breakdowns) -> dict[str, list[str]]:
    """The breakdown variables of each indicator id."""
    plan: dict[str, list[str]] = {}
    for spec in specs:
        if breakdowns is None:
            plan[spec.id] = list(spec.breakdowns)
        elif isinstance(breakdowns, Mapping):
            plan[spec.id] = list(breakdowns.get(spec.id, spec.breakdowns))
        else:
            plan[spec.id] = list(breakdowns)
    return plan


def _estimate_together(items: list[PreparedIndicator], by: list[tuple[str, ...]],
                       options: Options) -> list[list[tuple]]:
    """The estimates of indicators of one design over the same breakdowns, from one engine
    call: for each indicator, the pieces of the estimates frame
    ``(indicator id, by, domain table, {column: (G,) array})``, per breakdown (and per
    category of a distribution).

    A percentage is the proportion of category 1 of its 0/1 value; when no record of the file
    has the attribute (no category 1), the mean of the value (0) instead. A distribution is
    the proportions of every category of its value, one piece per category.
    """
    if not items:
        return []
    requests = [_request(item, item.spec.type) for item in items]
    blocks = estimate_blocks(items[0].design, requests, by, None, options,
                             wheres=[item.universe for item in items])
    out = []
    for k, item in enumerate(items):
        mine = blocks[k * len(by):(k + 1) * len(by)]
        spec = item.spec
        if spec.type == "distribution":
            out.append([(level_id(spec.id, category), block.by, block.table,
                         {name: values[:, column] for name, values in block.statistics.items()})
                        for block in mine for column, category in enumerate(block.levels)])
            continue
        column = 0
        if spec.type == "percentage":
            levels = list(mine[0].levels)
            if 1 not in levels:  # nobody in the file has the attribute: the mean (0)
                [mine] = [estimate_blocks(item.design, [_request(item, "mean")], by, None,
                                          options, wheres=[item.universe])]
            else:
                column = levels.index(1)
        out.append([(spec.id, block.by, block.table,
                     {name: values[:, column] for name, values in block.statistics.items()})
                    for block in mine])
    return out


def _estimate_quantiles(item: PreparedIndicator, by: list[tuple[str, ...]],
                        options: Options) -> list[tuple]:
    """The pieces of the estimates frame of a median or quantile indicator, one
    :func:`~mics_toolkit.estimate.quantile` call per breakdown."""
    pieces = []
    for names in by:
        result = item.quantiles(list(names) or None, level=options.level, ci=options.ci,
                                df=options.df)
        pieces.append((item.spec.id, tuple(names), result[list(names)],
                       {name: result[name].to_numpy() for name in RESULT_COLUMNS}))
    return pieces


def _request(item: PreparedIndicator, kind: str) -> Request:
    """The engine request of an indicator: the proportions of its 0/1 value (or of the
    categories of a distribution), its mean, or the ratio of its numerator and
    denominator."""
    if kind in ("percentage", "distribution"):
        return Request("proportion", item.value)
    if kind == "mean":
        return Request("mean", item.value)
    return Request("ratio", item.value, item.denominator)
