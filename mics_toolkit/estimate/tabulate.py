"""Many estimates in one call: several variables and estimators over several breakdowns.

A MICS table shows several indicators over the same background characteristics (total, area,
region, wealth quintile, ...). :func:`tabulate` estimates all of them in one call of the
engine (:mod:`mics_toolkit.estimate.engine`) and returns one long frame: the row products of
each variable are formed once, the cells of each breakdown are found once, breakdowns whose
domains hold whole PSUs (area, region, the total) share the PSU sums, and the variance method
of the design (Taylor, calibrated or replicate) runs once per breakdown for all variables.
Quantiles and medians (:mod:`mics_toolkit.estimate.quantiles`) join the same frame: each
variable's rows and their order by value are found once for all breakdowns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError
from mics_toolkit.estimate.engine import Block, analysis_of, estimate_blocks
from mics_toolkit.estimate.frame import (
    RESULT_COLUMNS,
    TOTAL,
    Conventions,
    breakdown_label,
    new_frame,
)
from mics_toolkit.estimate.options import Options, where_text
from mics_toolkit.estimate.products import Request
from mics_toolkit.estimate.quantiles import (
    QRule,
    QuantileInterval,
    quantile_blocks,
    quantile_options,
    quantile_probabilities,
)

__all__ = [
    "TOTAL",
    "breakdown_label",
    "frame_of_blocks",
    "tabulate",
    "tabulate_conventions",
]

_QUANTILE_KINDS = ("quantile", "median")


def _names(value, option: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value) if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(name, str) for name in names):
        raise OptionError(
            f"{option}= takes a column name or a list of column names, not {value!r}",
            option=option, value=value, valid=(),
        )
    return names


def _ratios(value) -> list[tuple[str, str]]:
    if value is None:
        return []
    pairs = [value] if len(value) == 2 and all(isinstance(v, str) for v in value) else value
    out = []
    for pair in pairs:
        if isinstance(pair, str) or len(pair) != 2 or not all(isinstance(v, str) for v in pair):
            raise OptionError(
                f"ratio= takes a (numerator, denominator) pair of column names or a list of "
                f"pairs, not {value!r}",
                option="ratio", value=value, valid=(),
            )
        out.append((pair[0], pair[1]))
    return out


def _breakdowns(value) -> list[tuple[str, ...]]:
    if value is None or isinstance(value, str):
        value = [value]
    out = []
    for item in value:
        if item is None:
            out.append(())
        elif isinstance(item, str):
            out.append((item,))
        else:
            names = tuple(item) if isinstance(item, (list, tuple)) else (item,)
            if not names or not all(isinstance(name, str) for name in names):
                raise OptionError(
                    f"each breakdown is None (the total), a column name or a list of column "
                    f"names, not {item!r}",
                    option="breakdowns", value=item, valid=(),
                )
            out.append(names)
    if not out:
        raise OptionError("breakdowns= is empty; give None for the total, or column names",
                          option="breakdowns", value=value, valid=())
    return out


def tabulate(
    design,
    mean=None,
    proportion=None,
    total=None,
    ratio=None,
    breakdowns=(None,),
    where=None,
    level: float = 0.95,
    ci: str = "t",
    ci_method: str | None = None,
    df: str = "design",
    quantile=None,
    median=None,
    q=None,
    qrule: QRule = "math",
    interval: QuantileInterval = "mean",
) -> pd.DataFrame:
    """Estimate several variables over several breakdowns in one call, as one long frame.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
    mean, proportion, total : str or list of str, optional
        Variables whose means, category proportions or totals are wanted (as the estimator
        functions :func:`~mics_toolkit.estimate.mean`, :func:`~mics_toolkit.estimate.proportion`
        and :func:`~mics_toolkit.estimate.total`).
    ratio : (str, str) or list of (str, str), optional
        (numerator, denominator) pairs, as :func:`~mics_toolkit.estimate.ratio`.
    breakdowns : list, default ``[None]``
        The breakdowns, in order: ``None`` for the total, a column name, or a list of column
        names (cross-classified, as ``by=`` of the estimators). A single column name means
        that breakdown alone.
    where : str or array-like of bool, optional
        One subpopulation for every estimate (the safe expression language or a boolean
        array); excluded rows keep their PSUs in the design.
    level, ci, ci_method, df
        As for the estimators; ``ci_method`` applies to the proportions.
    quantile : str or list of str, optional
        Numeric variables whose quantiles at the probabilities ``q`` are wanted, as
        :func:`~mics_toolkit.estimate.quantile`.
    median : str or list of str, optional
        Numeric variables whose medians are wanted, as :func:`~mics_toolkit.estimate.median`.
    q : float or sequence of float
        The probabilities of ``quantile=`` (required with it).
    qrule, interval
        The quantile rule and interval of the quantiles and medians, as
        :func:`~mics_toolkit.estimate.quantile`.

    Returns
    -------
    pandas.DataFrame
        One row per request, breakdown, domain and (for proportions) category or (for
        quantiles) probability, in that order: ``estimator`` (``"mean"``, ``"proportion"``,
        ``"total"``, ``"ratio"``, ``"quantile"``, ``"median"``), ``variable`` (``"y/x"`` for a
        ratio), ``breakdown`` (:func:`breakdown_label`), one column per ``by`` variable of
        any breakdown (its value on that breakdown's rows, missing on the others), ``level``
        (the category, when proportions are asked), ``quantile`` (the probability, when
        quantiles or medians are asked), then the result columns ``estimate, se, ci_lower,
        ci_upper, cv, deff, deft, df, n_unweighted, n_weighted``. Each row equals the row of
        the corresponding estimator call. The conventions are in ``attrs["mics"]``.

    Raises
    ------
    OptionError
        Nothing is requested, an option is outside its set, ``quantile=`` without ``q=`` or
        ``q=`` without ``quantile=``.
    VariableError
        A variable is unknown (close names suggested) or not numeric for a mean, total,
        ratio, quantile or median.

    Examples
    --------
    >>> design.tabulate(mean=["LS2"], proportion=["CP2"],
    ...                 breakdowns=[None, "HH6", "HH7", "windex5"])  # doctest: +SKIP
    >>> design.tabulate(quantile=["LS2", "WB4"], q=[0.25, 0.5, 0.75],
    ...                 breakdowns=[None, "HH6", "HH7"])  # doctest: +SKIP
    """
    requests = (
        [Request("mean", v) for v in _names(mean, "mean")]
        + [Request("proportion", v) for v in _names(proportion, "proportion")]
        + [Request("total", v) for v in _names(total, "total")]
        + [Request("ratio", y, x) for y, x in _ratios(ratio)]
    )
    quantiles = [Request("quantile", v) for v in _names(quantile, "quantile")]
    medians = [Request("median", v) for v in _names(median, "median")]
    if not requests and not quantiles and not medians:
        raise OptionError(
            "nothing to estimate: give variables to at least one of mean=, proportion=, "
            "total=, ratio=, quantile= or median=",
            option="mean", value=None, valid=(),
        )
    if bool(quantiles) != (q is not None):
        raise OptionError(
            "quantile= needs the probabilities q= (e.g. q=[0.25, 0.5, 0.75])" if quantiles
            else f"q={q!r} gives the probabilities of quantile=, which names no variable",
            option="q", value=q, valid=(),
        )
    groups = _breakdowns(breakdowns)
    options = Options.checked(level, ci, df, ci_method)
    if quantiles or medians:
        quantile_settings = quantile_options(qrule, interval, level, ci, df)
        probabilities = quantile_probabilities(q) if quantiles else None
    blocks = estimate_blocks(design, requests, groups, where, options) if requests else []
    attrs = tabulate_conventions(design, requests + quantiles + medians, groups, where, options)
    if quantiles or medians:
        if quantiles:
            blocks += quantile_blocks(design, quantiles, probabilities, groups, where,
                                      quantile_settings, qrule, interval)
            attrs["quantiles"] = probabilities.tolist()
        if medians:
            blocks += quantile_blocks(design, medians, np.array([0.5]), groups, where,
                                      quantile_settings, qrule, interval)
        attrs.update(qrule=qrule, quantile_interval=interval)
    return frame_of_blocks(blocks, attrs)


def tabulate_conventions(design, requests: list[Request], groups, where,
                         options: Options) -> dict:
    """The conventions of a :func:`tabulate` frame, ``attrs["mics"]``: the design's, the
    requests and breakdowns (enough to ask the same estimates again) and the options."""
    _, method = analysis_of(design)
    return {
        **method.conventions(),
        "estimator": "tabulate",
        "requests": [(r.kind, r.label) for r in requests],
        "breakdowns": [breakdown_label(list(g)) for g in groups],
        "request_variables": [(r.kind, *r.variables) for r in requests],
        "breakdown_variables": [list(g) for g in groups],
        "where": where_text(where),
        "df": options.df,
        "level": options.level,
        "ci": options.ci,
        "ci_method": options.proportion_interval,
        "interval": options.interval,
    }


def frame_of_blocks(blocks: list[Block], attrs: dict) -> pd.DataFrame:
    """The long frame of :func:`tabulate` from the engine's blocks, with ``attrs["mics"]``."""
    sizes = [len(b.table) * (1 if b.levels is None else len(b.levels)) for b in blocks]
    columns: dict[str, object] = {
        "estimator": np.repeat([b.request.kind for b in blocks], sizes),
        "variable": np.repeat([b.request.label for b in blocks], sizes),
        "breakdown": np.repeat([breakdown_label(list(b.by)) for b in blocks], sizes),
    }
    by_names = list(dict.fromkeys(name for b in blocks for name in b.by))
    for name in by_names:
        columns[name] = _by_column(blocks, name)
    if any(b.request.kind == "proportion" for b in blocks):
        columns["level"] = _level_column(blocks)
    if any(b.request.kind in _QUANTILE_KINDS for b in blocks):
        columns["quantile"] = np.concatenate([
            np.tile(b.levels, len(b.table)) if b.request.kind in _QUANTILE_KINDS
            else np.full(len(b.table) * (1 if b.levels is None else len(b.levels)), np.nan)
            for b in blocks
        ])
    for name in RESULT_COLUMNS:
        values = np.concatenate([np.asarray(b.statistics[name]).reshape(-1) for b in blocks])
        columns[name] = values.astype(np.int64 if name == "n_unweighted" else np.float64)
    out = new_frame(columns)
    out.attrs["mics"] = Conventions(attrs)
    return out


def _by_column(blocks: list[Block], name: str):
    """Values of ``by`` variable ``name`` on the rows of the breakdowns that use it."""
    pool, offsets = [], {}
    for b in blocks:
        key = id(b.table)
        if name in b.by and key not in offsets:
            offsets[key] = sum(len(p) for p in pool)
            pool.append(b.table[name])
    values = pd.concat(pool, ignore_index=True) if len(pool) > 1 else pool[0]
    take = []
    for b in blocks:
        n_levels = 1 if b.levels is None else len(b.levels)
        if name in b.by:
            take.append(offsets[id(b.table)] + np.repeat(np.arange(len(b.table)), n_levels))
        else:
            take.append(np.full(len(b.table) * n_levels, -1))
    array = values.array if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) \
        else values.to_numpy()
    return pd.api.extensions.take(array, np.concatenate(take), allow_fill=True)


def _level_column(blocks: list[Block]) -> np.ndarray:
    """The category of each proportion row; missing on the rows of other estimators."""
    pieces = []
    for b in blocks:
        if b.levels is None or b.request.kind in _QUANTILE_KINDS:
            n_levels = 1 if b.levels is None else len(b.levels)
            pieces.append(np.full(len(b.table) * n_levels, None, dtype=object))
        else:
            pieces.append(np.tile(np.asarray(b.levels, dtype=object), len(b.table)))
    values = np.concatenate(pieces)
    numbers = [v for v in values if v is not None]
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
           for v in numbers):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return values
