"""Differences, ratios and other contrasts of estimates: between the domains of one design, and
between two survey rounds.

:func:`compare` estimates a statistic by domain and compares the domains two by two (a
difference, or a ratio by the delta method); :func:`contrast` takes any linear combination of
the rows of a result; both take the joint covariance of the estimates from
:func:`~mics_toolkit.estimate.covariance` (domains of one design share PSUs, so their
estimates are correlated), which the design's own variance method computes (Taylor, calibrated
or replicate). :func:`compare_rounds` compares the same estimates from two independent surveys
(``Var = V_1 + V_2``), with a region crosswalk when the regions changed between the rounds.

Every comparison is one row of a frame with the columns of :data:`CONTRAST_COLUMNS`:
``contrast`` (its text, e.g. ``"5 - 1"`` or ``"1 / 2"``), ``estimate``, ``se``, ``ci_lower``,
``ci_upper``, ``df``, ``statistic`` (the t statistic) and ``p_value`` (two-sided, Student t on
``df``, or Normal with ``ci="normal"``).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mics_toolkit.errors import MicsWarning, OptionError, caller_stacklevel, check_option
from mics_toolkit.estimate import estimators
from mics_toolkit.estimate.domains import by_names
from mics_toolkit.estimate.frame import RESULT_COLUMNS, Conventions
from mics_toolkit.estimate.intervals import multiplier
from mics_toolkit.estimate.options import CI_OPTIONS, Options

__all__ = [
    "COMPARE_KINDS",
    "COMPARE_STATISTICS",
    "CONTRAST_COLUMNS",
    "compare",
    "compare_rounds",
    "contrast",
    "t_test_columns",
]

CONTRAST_COLUMNS: tuple[str, ...] = (
    "contrast", "estimate", "se", "ci_lower", "ci_upper", "df", "statistic", "p_value",
)
COMPARE_KINDS: tuple[str, ...] = ("difference", "ratio")
COMPARE_STATISTICS: tuple[str, ...] = ("mean", "proportion", "total", "ratio")


def compare(
    design,
    statistic: str,
    variable,
    by,
    level=None,
    pairs: Sequence | None = None,
    kind: str = "difference",
    where=None,
    confidence: float = 0.95,
    ci: str = "t",
    df: str = "design",
) -> pd.DataFrame:
    """Compare the domains of ``by`` two by two: differences (gaps) or ratios of an estimate.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    statistic : {"mean", "proportion", "total", "ratio"}
        The estimator, as the function of the same name.
    variable : str, or (str, str) for a ratio
        The analysis variable (numerator and denominator of a ratio).
    by : str or list of str
        The domains to compare.
    level : optional
        For a proportion, the category compared (a value of ``variable``); None compares every
        category (a ``level`` column then leads the frame).
    pairs : sequence of (domain, domain), optional
        The pairs ``(a, b)`` to compare, each domain given by its ``by`` value (a tuple of
        values for several ``by`` variables): the contrast is ``a - b`` (or ``a / b``). Default
        every pair ``(later, earlier)`` in the domains' sorted order: ``"2 - 1"``,
        ``"3 - 1"``, ..., ``"5 - 4"``.
    kind : {"difference", "ratio"}
        ``"difference"`` (default): ``e_a - e_b``; ``"ratio"``: ``e_a / e_b`` by the delta
        method.
    where : str or array-like of bool, optional
        As the estimators: the excluded rows keep their PSUs.
    confidence : float
        Confidence level of the intervals (the estimators' ``level``; here ``level`` names the
        category of a proportion).
    ci : {"t", "normal", "mics"}
        As the estimators; p-values use the Normal distribution with ``"normal"``, else t.
    df : {"design", "domain"}
        As the estimators; a contrast of domains with different df takes the smaller.

    Returns
    -------
    pandas.DataFrame
        ``level`` (a proportion without ``level=`` only), then :data:`CONTRAST_COLUMNS`, one
        row per pair; ``attrs["mics"]`` records the call and the estimate's conventions.

    Raises
    ------
    OptionError
        An unknown ``statistic``, ``kind``, category ``level`` or domain in ``pairs`` (the
        message names them and lists the valid ones), or fewer than two domains.
    VariableError
        As the estimators.

    Notes
    -----
    Difference: ``d = e_a - e_b``, ``Var(d) = V_a + V_b - 2 C_ab`` with the covariance ``C``
    of :func:`~mics_toolkit.estimate.covariance`; ``statistic = d / se``. Ratio:
    ``r = e_a / e_b``, gradient ``g = (1 / e_b, -e_a / e_b^2)``, ``Var(r) = g' C g``;
    ``statistic = (r - 1) / se`` (the test of equal estimates). Intervals are ``-+ q se``
    with q as the estimators' (t on df, Normal, or 2). p-values two-sided.

    R: ``svycontrast(svyby(~y, ~by, design, svymean, covmat = TRUE), ...)`` with a contrast
    vector (difference) or a quoted expression (ratio); Stata: ``svy: mean y, over(by)`` then
    ``lincom`` / ``nlcom``.

    Examples
    --------
    >>> design.compare("mean", "LS2", by="windex5")                 # doctest: +SKIP
    >>> design.compare("proportion", "CP2", by="HH6", level=1, pairs=[(1, 2)],
    ...                kind="ratio")                                 # doctest: +SKIP
    """
    check_option("statistic", statistic, COMPARE_STATISTICS)
    check_option("kind", kind, COMPARE_KINDS)
    names = by_names(by)
    if not names:
        raise OptionError("compare() needs by=: the domains to compare", option="by",
                          value=by, valid=())
    if statistic == "ratio" and (isinstance(variable, str) or len(variable) != 2):
        raise OptionError(
            f"a ratio compares numerator / denominator: give variable=(numerator, "
            f"denominator), not {variable!r}", option="variable", value=variable, valid=())
    # the estimates and their joint covariance from one pass of the engine
    request, attrs = estimators.request_of(statistic, variable)
    result, matrix = estimators.estimate(design, request, by, where,
                                         Options.checked(confidence, ci, df), attrs,
                                         with_covariance=True)
    domains = _domain_keys(result, names)
    groups = [(None, np.arange(len(result)))]
    if statistic == "proportion":
        categories = list(dict.fromkeys(_normal(v) for v in result["level"]))
        category = result["level"].map(_normal).to_numpy(dtype=object)
        if level is not None:
            if _normal(level) not in categories:
                raise OptionError(
                    f"level={level!r} is not a category of {variable!r}; its categories are "
                    f"{', '.join(_text(c) for c in categories)}",
                    option="level", value=level, valid=tuple(_text(c) for c in categories))
            categories = [_normal(level)]
        groups = [(c, np.flatnonzero(category == c)) for c in categories]
    elif level is not None:
        raise OptionError(f"level= names a category of a proportion; a {statistic} has none",
                          option="level", value=level, valid=())
    values = result["estimate"].to_numpy(dtype=float)
    dof_values = result["df"].to_numpy(dtype=float)
    labels: list[str] = []
    pieces: list[tuple[np.ndarray, ...]] = []
    levels: list = []
    sign = "-" if kind == "difference" else "/"
    for category, rows in groups:
        keys = [domains[i] for i in rows]
        chosen = np.asarray(_pairs(keys, pairs, names), dtype=np.intp).reshape(-1, 2)
        i, j = rows[chosen[:, 0]], rows[chosen[:, 1]]
        labels += [f"{_text(keys[a])} {sign} {_text(keys[b])}" for a, b in chosen]
        levels += [category] * len(chosen)
        pieces.append((values[i], values[j], matrix[i, i], matrix[j, j], matrix[i, j],
                       np.minimum(dof_values[i], dof_values[j])))
    e_a, e_b, v_a, v_b, c_ab, dofs = (np.concatenate(p) for p in zip(*pieces, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            estimate = e_a - e_b
            variance = v_a + v_b - 2 * c_ab
        else:  # gradient (1 / e_b, -e_a / e_b^2)
            estimate = e_a / e_b
            g_a, g_b = 1 / e_b, -e_a / e_b**2
            variance = g_a**2 * v_a + g_b**2 * v_b + 2 * g_a * g_b * c_ab
    null = 0.0 if kind == "difference" else 1.0
    frame = t_test_columns(labels, estimate, variance, dofs, confidence, ci, null=null)
    if statistic == "proportion" and level is None:
        frame.insert(0, "level", pd.Series(levels, dtype=result["level"].dtype
                                           if len(levels) else object))
    conventions = dict(result.attrs["mics"])
    conventions.update(estimator="compare", statistic=statistic, kind=kind,
                       category=level, null=null, variance="joint design covariance")
    frame.attrs["mics"] = Conventions(conventions)
    return frame


def contrast(
    result: pd.DataFrame,
    covariance,
    contrasts: Mapping[str, Mapping],
    confidence: float = 0.95,
    ci: str | None = None,
) -> pd.DataFrame:
    """Linear contrasts ``sum_i c_i e_i`` of the estimates of a result, with their SEs.

    Parameters
    ----------
    result : pandas.DataFrame
        An estimator's result (rows may be selected).
    covariance : pandas.DataFrame or numpy.ndarray
        The joint covariance of the rows of ``result``, ``design.covariance(result)``.
    contrasts : mapping of name -> mapping of row -> weight
        Each contrast's weights, by row: a row is named by its ``by`` value (a tuple of the
        values of several ``by`` variables), with the category last for a proportion
        (``(domain, level)``, or the category alone without ``by``); in general the tuple
        of the values of the columns that are not result columns.
    confidence : float
        Confidence level of the intervals.
    ci : {"t", "normal", "mics"}, optional
        Default: the ``ci`` the result was estimated with.

    Returns
    -------
    pandas.DataFrame
        :data:`CONTRAST_COLUMNS`, one row per contrast, in the order given.

    Raises
    ------
    OptionError
        A weight names a row that is not in ``result`` (the message lists the rows), the rows
        are not named uniquely, or ``covariance`` does not match ``result``.

    Notes
    -----
    ``estimate = c' e``, ``Var = c' C c``; df the smallest df of the rows with a nonzero
    weight; ``statistic = estimate / se``, p two-sided (t on df, Normal with
    ``ci="normal"``). R: ``svycontrast(stat, c(...))``; Stata: ``lincom``.

    Examples
    --------
    >>> res = design.mean("LS2", by="windex5")                       # doctest: +SKIP
    >>> mt.contrast(res, design.covariance(res), {"richest - poorest": {5: 1, 1: -1}})
    ... # doctest: +SKIP
    """
    if not isinstance(result, pd.DataFrame) or "estimate" not in result.columns:
        raise OptionError("contrast() takes an estimator's result frame", option="result",
                          value=type(result).__name__, valid=())
    matrix = _covariance_matrix(result, covariance)
    conventions = result.attrs.get("mics") or {}
    ci = conventions.get("ci", "t") if ci is None else ci
    check_option("ci", ci, CI_OPTIONS)
    if not isinstance(contrasts, Mapping) or not contrasts:
        raise OptionError("contrasts= maps each contrast's name to its weights by row, e.g. "
                          "{'richest - poorest': {5: 1, 1: -1}}", option="contrasts",
                          value=contrasts, valid=())
    identity = [c for c in result.columns if c not in RESULT_COLUMNS]
    keys = _row_keys(result, identity)
    position: dict = {}
    for i, key in enumerate(keys):
        if key in position:
            raise OptionError(
                f"the rows of the result are not named uniquely by {identity} (row {_text(key)} "
                "occurs twice); select the rows of one estimate first",
                option="result", value=_text(key), valid=())
        position[key] = i
    n_rows = len(result)
    weights = np.zeros((len(contrasts), n_rows))
    for c, (name, entries) in enumerate(contrasts.items()):
        if not isinstance(entries, Mapping) or not entries:
            raise OptionError(f"contrast {name!r}: give its weights as {{row: weight}}",
                              option="contrasts", value=entries, valid=())
        unknown = [row for row in entries if _normal(row) not in position]
        if unknown:
            raise OptionError(
                f"contrast {name!r} names row(s) {', '.join(_text(_normal(r)) for r in unknown)}"
                f" that the result does not have; its rows are "
                f"{', '.join(_text(k) for k in keys)}",
                option="contrasts", value=unknown, valid=tuple(_text(k) for k in keys))
        for row, weight in entries.items():
            if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
                raise OptionError(f"contrast {name!r}: the weight of row {row!r} is {weight!r}, "
                                  "not a number", option="contrasts", value=weight, valid=())
            weights[c, position[_normal(row)]] += float(weight)
    estimate_values = result["estimate"].to_numpy(dtype=float)
    used = weights != 0
    with np.errstate(invalid="ignore"):
        estimate = np.where(used, weights * estimate_values, 0.0).sum(axis=1)
        estimate = np.where((used & np.isnan(estimate_values)).any(axis=1), np.nan, estimate)
        variance = np.einsum("ci,ij,cj->c", weights, np.nan_to_num(matrix), weights)
    nan_rows = np.isnan(matrix).any(axis=1)
    variance = np.where((used & nan_rows).any(axis=1), np.nan, variance)
    dof_values = (result["df"].to_numpy(dtype=float) if "df" in result.columns
                  else np.full(n_rows, np.inf))
    dofs = np.array([dof_values[u].min() if u.any() else np.nan for u in used])
    frame = t_test_columns([str(name) for name in contrasts], estimate, variance, dofs,
                           confidence, ci)
    frame.attrs["mics"] = Conventions({**dict(conventions), "estimator": "contrast",
                                       "variance": "c' C c"})
    return frame


def compare_rounds(
    first: pd.DataFrame,
    second: pd.DataFrame,
    crosswalk=None,
    confidence: float = 0.95,
    ci: str | None = None,
) -> pd.DataFrame:
    """Change of each domain's estimate between two survey rounds (independent samples).

    The two rounds are taken as independent samples: ``Var(change) = V_1 + V_2``. Rounds whose
    samples overlap (a panel, the same PSUs revisited) have a covariance this leaves out: the
    SE is then too large when the overlap correlates positively.

    Parameters
    ----------
    first, second : pandas.DataFrame
        The earlier and the later round's results of the same estimator, by the same ``by``
        (rows matched on their ``by`` values and, for proportions, ``level``).
    crosswalk : RegionCrosswalk, optional
        Maps the first round's regions onto the second's
        (:class:`mics_toolkit.index.RegionCrosswalk`, or any object with its ``apply``):
        ``first`` must then be by one region variable, whose values are the crosswalk's old
        regions; its estimates and SEs are carried to the new regions first (``kind="total"``
        for totals, else ``"mean"``; the carried SE assumes independent old regions).
    confidence : float
        Confidence level of the intervals.
    ci : {"t", "normal", "mics"}, optional
        Default: the ``ci`` of ``second``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns (and ``level``) of ``second``, ``estimate_first``,
        ``estimate_second``, then :data:`CONTRAST_COLUMNS` without ``contrast``:
        ``estimate`` is the change ``second - first``. A domain of ``second`` missing from
        ``first`` gets NaN (with a warning naming it).

    Raises
    ------
    OptionError
        The results are not of the same estimator and ``by``, or a crosswalk is given for a
        result that is not by one region variable.
    LinkError
        The crosswalk's old regions do not match the first round's (from the crosswalk).

    Notes
    -----
    ``change = e_2 - e_1``, ``se = sqrt(se_1^2 + se_2^2)``, ``df = df_1 + df_2`` (the two
    designs stacked as one with separate strata: PSUs minus strata of both), ``statistic =
    change / se``, p two-sided (t on df, Normal with ``ci="normal"``). Stata: ``svy: mean y,
    over(round)`` on the appended files with distinct strata, then ``lincom``.
    """
    for name, frame in (("first", first), ("second", second)):
        if not isinstance(frame, pd.DataFrame) or "estimate" not in frame.columns:
            raise OptionError(f"compare_rounds() takes two estimator results; {name} is not one",
                              option=name, value=type(frame).__name__, valid=())
    conventions = second.attrs.get("mics") or {}
    first_conventions = first.attrs.get("mics") or {}
    ci = conventions.get("ci", "t") if ci is None else ci
    check_option("ci", ci, CI_OPTIONS)
    identity = [c for c in second.columns if c not in RESULT_COLUMNS]
    first_identity = [c for c in first.columns if c not in RESULT_COLUMNS]
    if (first_conventions.get("estimator") and conventions.get("estimator")
            and first_conventions.get("estimator") != conventions.get("estimator")):
        raise OptionError(
            f"the rounds hold different estimates: {first_conventions.get('estimator')} and "
            f"{conventions.get('estimator')}", option="second",
            value=conventions.get("estimator"), valid=())
    if crosswalk is not None:
        regions = [c for c in first_identity if c != "level"]
        if len(regions) != 1:
            raise OptionError(
                f"a crosswalk maps the regions of a result by one region variable; the first "
                f"round is by {regions}", option="crosswalk", value=regions, valid=())
        [region] = regions
        kind = "total" if first_conventions.get("estimator") == "total" else "mean"
        carried = crosswalk.apply(first[[*first_identity, "estimate", "se", "df"]],
                                  region=region, columns=["estimate", "df"],
                                  se={"estimate": "se"}, kind=kind,
                                  by=["level"] if "level" in first_identity else None)
        carried = carried.reset_index() if "region" not in carried.columns else carried
        first = carried.rename(columns={"region": region})
        first_identity = [c for c in first.columns if c not in RESULT_COLUMNS]
    if sorted(first_identity) != sorted(identity):
        raise OptionError(
            f"the rounds are not by the same domains: {first_identity} and {identity}",
            option="first", value=first_identity, valid=tuple(identity))
    lookup = {key: i for i, key in enumerate(_row_keys(first, identity))}
    keys = _row_keys(second, identity)
    matched = np.array([lookup.get(key, -1) for key in keys], dtype=np.intp)
    missing = [keys[i] for i in np.flatnonzero(matched < 0)]
    if missing:
        warnings.warn(
            f"{len(missing)} domain(s) of the second round are not in the first: "
            f"{', '.join(_text(k) for k in missing[:10])}{' ...' if len(missing) > 10 else ''}"
            "; their change is NaN (a region crosswalk maps changed regions)",
            MicsWarning, stacklevel=caller_stacklevel())

    def taken(column: str) -> np.ndarray:
        values = first[column].to_numpy(dtype=float)
        return np.where(matched >= 0, values[np.maximum(matched, 0)], np.nan)

    estimate_first, se_first, df_first = taken("estimate"), taken("se"), taken("df")
    estimate_second = second["estimate"].to_numpy(dtype=float)
    change = estimate_second - estimate_first
    variance = se_first**2 + second["se"].to_numpy(dtype=float) ** 2
    dofs = df_first + second["df"].to_numpy(dtype=float)
    columns = t_test_columns([""] * len(second), change, variance, dofs, confidence, ci)
    frame = second[identity].reset_index(drop=True).copy()
    frame["estimate_first"] = estimate_first
    frame["estimate_second"] = estimate_second
    for column in CONTRAST_COLUMNS[1:]:
        frame[column] = columns[column].to_numpy()
    frame.attrs["mics"] = Conventions({
        **dict(conventions), "estimator": "compare_rounds",
        "variance": "independent samples: V_first + V_second",
        "df": "df_first + df_second", "crosswalk": crosswalk is not None,
    })
    return frame


def t_test_columns(
    labels: Sequence[str],
    estimate: np.ndarray,
    variance: np.ndarray,
    dofs: np.ndarray,
    confidence: float,
    ci: str,
    null: float = 0.0,
) -> pd.DataFrame:
    """The :data:`CONTRAST_COLUMNS` of estimates with their variances and df: the interval
    ``estimate -+ q se`` (q as the estimators'), ``statistic = (estimate - null) / se`` and its
    two-sided p-value (Student t on df; Normal with ``ci="normal"``)."""
    from scipy import special
    Options.checked(confidence, ci, "design")
    estimate = np.asarray(estimate, dtype=float)
    dofs = np.asarray(dofs, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.asarray(variance, dtype=float))
        q = multiplier(confidence, ci, dofs) if len(dofs) else np.empty(0)
        statistic = (estimate - null) / se
        if ci == "normal":
            p_value = 2 * special.ndtr(-np.abs(statistic))
        else:
            p_value = np.where(dofs > 0, 2 * special.stdtr(np.where(dofs > 0, dofs, 1),
                                                           -np.abs(statistic)), np.nan)
    return pd.DataFrame({
        "contrast": pd.Series(list(labels), dtype=object),
        "estimate": estimate,
        "se": se,
        "ci_lower": estimate - q * se,
        "ci_upper": estimate + q * se,
        "df": dofs,
        "statistic": statistic,
        "p_value": p_value,
    })


def _pairs(keys: list, pairs, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """Positions (a, b) of the pairs to compare among the domains ``keys``."""
    if len(keys) < 2:
        raise OptionError(
            f"compare() needs at least two domains of {'+'.join(names)}; there is "
            f"{len(keys)}", option="by", value=list(names), valid=())
    if pairs is None:
        return [(j, i) for i in range(len(keys)) for j in range(i + 1, len(keys))]
    position = {key: i for i, key in enumerate(keys)}
    chosen, unknown = [], []
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise OptionError(f"pairs= is a list of (domain, domain) pairs, not {pairs!r}",
                          option="pairs", value=pairs, valid=())
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise OptionError(f"pairs= is a list of (domain, domain) pairs; {pair!r} is not one",
                              option="pairs", value=pair, valid=())
        found = [position.get(_normal(side), -1) for side in pair]
        unknown += [side for side, f in zip(pair, found, strict=True) if f < 0]
        chosen.append(tuple(found))
    if unknown:
        raise OptionError(
            f"pairs= names domain(s) {', '.join(repr(u) for u in unknown)} that "
            f"{'+'.join(names)} does not have; its domains are "
            f"{', '.join(_text(k) for k in keys)}",
            option="pairs", value=unknown, valid=tuple(_text(k) for k in keys))
    return chosen


def _domain_keys(result: pd.DataFrame, names: tuple[str, ...]) -> list:
    """Each row's domain: its ``by`` value, or the tuple of its values of several."""
    return _row_keys(result, list(names))


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> list:
    """Each row's key: its value in ``columns`` (one), the tuple of them (several), numbers
    as float and missing values as None."""
    values = [[_normal(v) for v in frame[c].to_numpy(dtype=object)] for c in columns]
    if not values:
        return [()] * len(frame)
    if len(values) == 1:
        return values[0]
    return list(zip(*values, strict=True))


def _normal(value):
    """A row key as compared: numbers as float, missing as None, tuples element-wise."""
    if isinstance(value, tuple):
        return tuple(_normal(v) for v in value)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)):
        return float(value)
    return value


def _text(key) -> str:
    """A key as shown in a contrast's text: ``5`` for 5.0, ``(1, 2)`` for a tuple."""
    if isinstance(key, tuple):
        return "(" + ", ".join(_text(k) for k in key) + ")"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def _covariance_matrix(result: pd.DataFrame, covariance) -> np.ndarray:
    """The covariance as an array aligned with the rows of ``result``."""
    if isinstance(covariance, pd.DataFrame):
        if list(covariance.index) != list(result.index):
            if set(covariance.index) >= set(result.index):
                covariance = covariance.loc[result.index, result.index]
            else:
                raise OptionError(
                    "the covariance is not that of this result's rows (its index differs); "
                    "pass design.covariance(result)", option="covariance",
                    value=None, valid=())
        matrix = covariance.to_numpy(dtype=float)
    else:
        matrix = np.asarray(covariance, dtype=float)
    if matrix.shape != (len(result), len(result)):
        raise OptionError(
            f"the covariance is {matrix.shape[0]}x{matrix.shape[-1]} but the result has "
            f"{len(result)} rows; pass design.covariance(result)", option="covariance",
            value=matrix.shape, valid=())
    return matrix
