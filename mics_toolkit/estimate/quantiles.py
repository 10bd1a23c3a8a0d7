"""Quantiles and medians of a numeric variable in each domain, as R survey 4.1-1's
``svyquantile``: its quantile rules (``qrule``), its confidence intervals (``interval.type``)
and its standard error, half the interval's width over the interval's quantile.

A quantile is not a smooth function of totals, so its interval does not come from its own
scores. Woodruff's (1952) interval, R's default, inverts an interval for the proportion of the
domain at or below the estimate: the proportion ``F = mean(1[y <= q])`` is a ratio of two
totals, so this module gives the engine its :class:`~mics_toolkit.estimate.scores.Scores`
from cell sums as the ratio family does (:mod:`mics_toolkit.estimate.ratios`); its variance
comes from the variance method the design carries (Taylor, calibrated or replicate), and the
interval's ends are mapped back through the quantile rule. The ``"score"`` interval
(Francisco and Fuller 1991) searches the values whose score test just rejects, each test the
same engine mean of an indicator. The ``"quantile"`` interval of replicate designs recomputes
the quantile with every replicate's weights and hands the replicate estimates to the engine
(:func:`~mics_toolkit.estimate.scores.influence_scores`). No variance formula lives here.

The quantile rules reproduce R's arithmetic, including its extended-precision (``long
double``) sums and cumulative sums of weights, so that ties between a cumulative weight and
``p * sum(w)`` fall the same way as in R; the ``"math"`` and ``"school"`` rules compute those
sums only where the double-precision sums, within their error bound, could decide otherwise.
A variable's rows with a value and their order by value are found once per design and kept
by the engine; :func:`quantile_blocks` serves :func:`quantile`, :func:`median` and the
quantiles of :func:`~mics_toolkit.estimate.tabulate`.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import MicsWarning, OptionError, caller_stacklevel, check_option
from mics_toolkit.estimate.cache import engine_cache
from mics_toolkit.estimate.cells import partition_of
from mics_toolkit.estimate.domains import by_names, domains_of
from mics_toolkit.estimate.engine import (
    Block,
    analysed_rows,
    analysis_of,
    check_request,
    score_statistics,
)
from mics_toolkit.estimate.frame import RESULT_COLUMNS, result_frame
from mics_toolkit.estimate.intervals import korn_graubard_interval, multiplier
from mics_toolkit.estimate.options import CiType, DfRule, Options, where_array, where_text
from mics_toolkit.estimate.products import Request, numeric_column
from mics_toolkit.estimate.replicate_variance import replicate_totals
from mics_toolkit.estimate.scores import Scores, influence_scores

__all__ = ["QRULES", "QUANTILE_INTERVALS", "median", "quantile", "quantile_blocks",
           "quantile_options", "quantile_probabilities"]

QRule = Literal["math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7",
                "hf8", "hf9"]
QuantileInterval = Literal["mean", "beta", "xlogit", "asin", "score", "quantile"]
QRULES: tuple[str, ...] = ("math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5",
                           "hf6", "hf7", "hf8", "hf9")
QUANTILE_INTERVALS: tuple[str, ...] = ("mean", "beta", "xlogit", "asin", "score", "quantile")

_WOODRUFF = ("mean", "beta", "xlogit", "asin")
_QS_RULES = {"math": "hf1", "school": "hf2"}  # R's aliases
_MAX_ITERATIONS = 1000  # R's uniroot default
_SEARCHES_BY_DOMAIN = 64  # up to this many domains, the rules search domain by domain
_EPSILON = np.finfo(np.float64).eps
_LARGEST = np.finfo(np.float64).max


def quantile(
    design,
    variable: str,
    q,
    by=None,
    where=None,
    qrule: QRule = "math",
    interval: QuantileInterval = "mean",
    level: float = 0.95,
    ci: CiType = "t",
    df: DfRule = "design",
) -> pd.DataFrame:
    """Quantiles of a numeric variable in each domain, with their design-based intervals.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    variable : str
        A numeric column. Missing values put the row outside the domain.
    q : float or sequence of float
        The probabilities, each in [0, 1] (``[0.25, 0.5, 0.75]`` for the quartiles).
    by : str or list of str, optional
        Variables whose value combinations define the domains, as for the estimators.
    where : str or array-like of bool, optional
        Restrict the estimate to a subpopulation (the excluded rows keep their PSUs).
    qrule : {"math", "school", "shahvaish", "hf1", ..., "hf9"}
        How the weighted distribution function is inverted (R's ``qrule``, see Notes).
    interval : {"mean", "beta", "xlogit", "asin", "score", "quantile"}
        The confidence interval (R's ``interval.type``): ``"mean"`` (default), ``"beta"``,
        ``"xlogit"`` and ``"asin"`` are Woodruff intervals built on an interval for the
        proportion below the quantile; ``"score"`` inverts a score test (Taylor designs
        only, as in R); ``"quantile"`` takes the replicate variance of the quantile itself
        (replicate designs only, as in R).
    level : float
        Confidence level, default 0.95.
    ci : {"t", "normal", "mics"}
        The quantile of the interval: Student t with ``df`` degrees of freedom (default), the
        Normal (R's ``df=Inf``), or 2 (``"mics"``, not with ``interval="beta"``).
    df : {"design", "domain"}
        ``"design"`` (default): PSUs minus strata of the full design (for a replicate design
        the rank of its weights minus 1); ``"domain"``: the same among the rows of the domain
        that have a value, which is R's default (``degf()`` of the subset design).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``quantile`` (the probability), then ``estimate, se, ci_lower,
        ci_upper, cv, deff, deft, df, n_unweighted, n_weighted``; one row per domain and
        probability. ``deff`` and ``deft`` are NaN (R defines no design effect for a
        quantile). ``n_unweighted`` counts the domain's rows with a value and positive
        weight, ``n_weighted`` sums their weights. An interval end that R leaves undefined
        (the proportion's interval leaves [0, 1]) is NaN, and so is the SE then.

    Raises
    ------
    VariableError
        ``variable`` or a ``by`` column is unknown (close names suggested), or ``variable``
        is not numeric.
    OptionError
        ``q`` is empty or holds a value outside [0, 1]; an unknown ``qrule``, ``interval``,
        ``ci`` or ``df``; ``"score"`` on a replicate design or ``"quantile"`` on a Taylor
        design; ``ci="mics"`` with ``interval="beta"``.
    ExpressionError
        ``where`` cannot be parsed or is not a filter.

    Warns
    -----
    MicsWarning
        The score interval finds no sign change for some quantiles (R stops there): their
        interval and SE are NaN. Jackknife replicates with ``interval="quantile"`` (R's
        warning: the jackknife is not consistent for quantiles).
    SpecialCodeWarning
        The values include codes classified from labels as no response, DK or not applicable.

    Notes
    -----
    R: ``svyquantile(~y, design, quantiles=q, qrule=, interval.type=, alpha=1 - level,
    na.rm=TRUE, ci=TRUE)`` on ``subset(design, by == value & where)`` (what ``svyby`` calls in
    each domain); ``df="domain"`` is R's default ``df``, ``ci="normal"`` is ``df=Inf``.

    *Quantile rules* (Hyndman and Fan 1996, adapted to weights by R survey). In a domain,
    drop rows of weight 0, sort by y (ties in row order), take the cumulative weights
    ``C_i`` and the total ``W``. ``"math"`` (= ``"hf1"``): with ``pos`` the last i with
    ``C_i <= p W`` (the first row when there is none), ``y_pos`` if ``C_pos == p W`` else
    ``y_{pos+1}``; ``"school"`` (= ``"hf2"``) averages ``y_pos`` and ``y_{pos+1}`` at
    equality; ``"hf3"`` works on the distinct values and takes ``y_pos`` only at equality
    with an even ``pos``; ``"hf4"`` interpolates linearly between ``y_pos`` and
    ``y_{pos+1}`` with weight ``(p - C_pos/W) / (C_{pos+1}/W - C_pos/W)``. ``"hf5"`` to
    ``"hf9"`` interpolate linearly (R's ``approx(rule=2)``) between the points
    ``(p_k, y_k)`` with ``p_k`` equal to ``(C_k - w_k/2)/W`` (hf5), ``C_k/(W + w_n)`` (hf6),
    ``C_{k-1}/C_{n-1}`` (hf7), ``(C_{k-1}/3 + 2 C_k/3)/(W + w_n/3)`` (hf8) and
    ``(3 C_{k-1}/8 + 5 C_k/8)/(W + w_n/4)`` (hf9); ``"shahvaish"`` takes the step function
    through ``p_k = (S_k + 1/2 - w_k/2)/(n + 1)``, ``S`` the cumulative weights scaled to
    mean 1 (R uses the unscaled ``w_k`` in ``w_k/2``; so do we).

    *Woodruff intervals.* ``F = mean(1[y <= q_hat])`` in the domain with its design SE ``s``
    (the engine's mean of the indicator), an interval ``[F_L, F_U]`` for it, and the
    interval ``[Q(F_L), Q(F_U)]`` through the quantile rule ``Q``. ``"mean"``:
    ``F -+ t s``; ``"xlogit"``: ``expit(logit(F) -+ t s / (F (1 - F)))``; ``"asin"``:
    ``sin(asin(sqrt(F)) -+ t s / (2 sqrt(F (1 - F))))^2``; ``"beta"``: Korn and Graubard's
    interval with ``n_eff = F (1 - F) / s^2 * (t_{n-1} / t_{df_d})^2``, where (as R does,
    whatever ``df`` and ``ci``) ``df_d`` is the domain df and ``n`` the rows of R's subset
    design (the domain's rows with a value, zero weights included; for a design with weight
    adjustments R keeps every row of the design in a subset, so ``n`` is all rows). An end
    below 0 or above 1 (or undefined, as the logit at ``F = 1``) gives a NaN end. R's
    ``svyquantile`` on a replicate design ignores ``interval.type`` and always gives
    ``"mean"``; here the interval asked for is computed on every design (the golden values
    come from R's ``woodruffCI(method=)`` itself).

    *Score interval* (R's ``ffullerCI``): the ends are the roots in theta of
    ``U(theta) / SE(U(theta)) = -+ t``, ``U(theta) = mean(1[y > theta]) - (1 - p)`` (engine
    means), searched by Brent's method exactly as R's ``uniroot`` (between ``min(y) +
    IQR(y)/100`` and ``max(y) - IQR(y)/100`` with tolerance ``1 / (100 sqrt(n))``, n, y and
    the IQR over R's subset design's rows), then mapped back as R does:
    ``Q(mean(y <= root))``, an *unweighted* share of those rows.

    *Replicate interval* ``"quantile"``: the quantile with each replicate's weights,
    ``V = scale * sum_r rscales_r (q_r - centre)^2`` and ``q_hat -+ t sqrt(V)``.

    The SE is R's ``(ci_upper - ci_lower) / (2 t)``, with t the interval's quantile.

    References
    ----------
    Woodruff, R. S. (1952). Confidence intervals for medians and other position measures.
    Journal of the American Statistical Association 47, 635-646.
    Francisco, C. A. and Fuller, W. A. (1991). Quantile estimation with a complex survey
    design. Annals of Statistics 19, 454-469.
    Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages. The
    American Statistician 50, 361-365.
    Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. Survey Methodology 24,
    193-201.
    """
    probabilities = quantile_probabilities(q)
    options = quantile_options(qrule, interval, level, ci, df)
    names = by_names(by)
    [block] = quantile_blocks(design, [Request("quantile", variable)], probabilities, [names],
                              where, options, qrule, interval)
    _, method = analysis_of(design)
    conventions = {
        **method.conventions(), "estimator": "quantile", "variable": variable,
        "quantiles": probabilities.tolist(), "qrule": qrule, "interval": interval,
        "by": list(names), "where": where_text(where), "df": options.df,
        "deff": "not defined for quantiles (NaN)", "level": options.level, "ci": options.ci,
    }
    return result_frame(block.table, block.statistics, levels=probabilities, attrs=conventions,
                        level_name="quantile")


def quantile_options(qrule: str, interval: str, level: float, ci: str, df: str) -> Options:
    """The options of quantiles checked: ``qrule``, ``interval`` and the interval options
    (OptionError for a value outside its set, or ``ci="mics"`` with ``interval="beta"``)."""
    check_option("qrule", qrule, QRULES)
    check_option("interval", interval, QUANTILE_INTERVALS)
    options = Options.checked(level, ci, df)
    if ci == "mics" and interval == "beta":
        raise OptionError(
            "ci='mics' prints estimate -+ 2 SE and cannot be combined with interval='beta'; "
            "use interval='mean' (or another interval)",
            option="interval", value=interval, valid=tuple(i for i in _WOODRUFF if i != "beta"),
        )
    return options


def quantile_blocks(design, requests: list[Request], probabilities: np.ndarray,
                    breakdowns: list[tuple[str, ...]], where, options: Options, qrule: str,
                    interval: str) -> list[Block]:
    """The quantiles of each request's variable over each breakdown, as engine blocks
    (request by request, breakdown by breakdown): the body of :func:`quantile` and of the
    quantiles of :func:`~mics_toolkit.estimate.tabulate`.

    The rows of a variable with a value, their weights and their order by value are found
    once for all breakdowns (and kept by the engine for later calls); each breakdown then
    sorts them by domain and asks the design's variance method for the means of the
    indicators. Warnings are issued once each, at the caller's line.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    requests : list of Request
        One per variable (the kind, ``"quantile"`` or ``"median"``, labels the blocks).
    probabilities : numpy.ndarray
        The K probabilities (checked).
    breakdowns : list of tuple of str
        The ``by`` names of each breakdown (empty for the total).
    where, options, qrule, interval
        As :func:`quantile` (options checked by :func:`quantile_options`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        blocks = _blocks(design, requests, probabilities, breakdowns, where, options, qrule,
                         interval)
    for message in {(w.category, str(w.message)): w for w in caught}.values():
        warnings.warn(message.message, stacklevel=caller_stacklevel())
    return blocks


def _blocks(design, requests, probabilities, breakdowns, where, options, qrule,
            interval) -> list[Block]:
    """The body of :func:`quantile_blocks`."""
    base, method = analysis_of(design)
    _check_interval(interval, method)
    mask = where_array(base.frame, where, base.n_rows)
    partitions = [domains_of(base, list(names) or None) for names in breakdowns]
    empty = {name: np.empty((0, len(probabilities))) for name in RESULT_COLUMNS}
    blocks = []
    for request in requests:
        variable = request.variable
        check_request(base, Request("quantile", variable), analysed_rows(partitions, mask))
        y = numeric_column(base, variable, "quantile")
        rows = _Rows.of(base, variable, y, mask)
        for names, domains in zip(breakdowns, partitions, strict=True):
            if domains.n_domains == 0:
                _warn_no_domains(base, names)
                statistics = empty
            else:
                problem = _Problem(design, domains.index, domains.n_domains, y, rows,
                                   probabilities, qrule, options)
                statistics = problem.statistics(interval)
            blocks.append(Block(request, tuple(names), domains.table, probabilities,
                                statistics))
    return blocks


def median(
    design,
    variable: str,
    by=None,
    where=None,
    qrule: QRule = "math",
    interval: QuantileInterval = "mean",
    level: float = 0.95,
    ci: CiType = "t",
    df: DfRule = "design",
) -> pd.DataFrame:
    """Median of a numeric variable in each domain: :func:`quantile` at ``q=0.5``.

    Parameters
    ----------
    design, variable, by, where, qrule, interval, level, ci, df
        As :func:`quantile`.

    Returns
    -------
    pandas.DataFrame
        As :func:`quantile`, with ``quantile == 0.5`` on every row.

    Notes
    -----
    R: ``svyquantile(~y, design, quantiles=0.5, ...)``; with the default ``qrule="math"``
    the median is the smallest value whose weighted share at or below it reaches one half.
    """
    return quantile(design, variable, 0.5, by=by, where=where, qrule=qrule,
                    interval=interval, level=level, ci=ci, df=df)


# ---------------------------------------------------------------------------------- options
def quantile_probabilities(q) -> np.ndarray:
    """``q`` as a float array, each value in [0, 1] (OptionError otherwise)."""
    values = [q] if isinstance(q, (numbers.Real, np.number)) or isinstance(q, str) else q
    try:
        values = list(values)
    except TypeError:
        values = [q]
    bad = [v for v in values
           if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.number))
           or not 0 <= float(v) <= 1]
    if not values or bad:
        problem = "is empty" if not values else f"holds {bad[0]!r}"
        raise OptionError(
            f"q={q!r} {problem}; give the probabilities of the quantiles as numbers between "
            "0 and 1 (e.g. q=[0.25, 0.5, 0.75])",
            option="q", value=q, valid=(),
        )
    return np.asarray([float(v) for v in values], dtype=np.float64)


def _check_interval(interval: str, method) -> None:
    """``"score"`` needs a Taylor design, ``"quantile"`` a replicate design (as R offers them)."""
    replicate = method.kind == "replicate"
    if interval == "score" and replicate:
        raise OptionError(
            "interval='score' is not available on a replicate design (R's svyquantile offers "
            "it for linearised designs only); use 'quantile' (the replicate variance of the "
            "quantile) or a Woodruff interval: 'mean', 'beta', 'xlogit', 'asin'",
            option="interval", value=interval, valid=("mean", "beta", "xlogit", "asin",
                                                      "quantile"),
        )
    if interval == "quantile" and not replicate:
        raise OptionError(
            "interval='quantile' takes the replicate variance of the quantile and needs a "
            "ReplicateDesign; on this design use 'mean', 'beta', 'xlogit', 'asin' or 'score'",
            option="interval", value=interval, valid=(*_WOODRUFF, "score"),
        )
    if interval == "quantile":
        kind = method.conventions().get("method")
        if kind in ("jk1", "jkn"):
            warnings.warn(
                f"jackknife replicates ({kind}) may not give valid standard errors for "
                "quantiles (the jackknife is not consistent for them); bootstrap, BRR or Fay "
                "replicates, or a Woodruff interval, are safer",
                MicsWarning, stacklevel=caller_stacklevel(),
            )


def _warn_no_domains(design, names) -> None:
    where = f" in {design.source}" if design.source else ""
    warnings.warn(
        f"the breakdown {'+'.join(names)!r}{where} has no domains: its variables are missing "
        "on every row, so it gives no quantiles",
        MicsWarning, stacklevel=caller_stacklevel(),
    )


# ----------------------------------------------------------------------- quantile rules
@dataclass(frozen=True, eq=False)
class _Sample:
    """The values of one domain in one weighting, ready for R's quantile rules.

    ``x`` and ``w`` are sorted by value (ties in row order) after dropping weights of 0;
    ``total`` is R's ``sum(w)`` (in row order) and ``cumulative`` R's ``cumsum(w)``, both
    accumulated in extended precision as R does.
    """

    x: np.ndarray
    w: np.ndarray
    total: float
    cumulative: np.ndarray

    @classmethod
    def of(cls, x_sorted: np.ndarray, w_sorted: np.ndarray, total: float) -> _Sample:
        """From values and weights sorted by value, and R's ``sum(w)`` of the weights in
        row order (weights of 0 are dropped; they do not change the sum)."""
        keep = w_sorted != 0
        if not keep.all():
            x_sorted, w_sorted = x_sorted[keep], w_sorted[keep]
        return cls(x_sorted, w_sorted, total, _long_cumsum(w_sorted))

    @property
    def n(self) -> int:
        return len(self.x)

    def quantiles(self, rule: str, p: np.ndarray) -> np.ndarray:
        """R's ``qrule_<rule>(x, w, p)`` for every p (NaN where p is NaN)."""
        p = np.asarray(p, dtype=np.float64)
        out = np.full(p.shape, np.nan)
        known = ~np.isnan(p)
        if self.n == 0 or not known.any():
            return out
        if self.n == 1:
            out[known] = self.x[0]
            return out
        out[known] = self._values(_QS_RULES.get(rule, rule), p[known])
        return out

    def _values(self, rule: str, p: np.ndarray) -> np.ndarray:
        x, w, n = self.x, self.w, self.n
        if rule in ("hf1", "hf2", "hf4"):
            low, up, w_low, w_up, _ = _qs(x, self.cumulative, self.total, p)
            return _between(rule, low, up, w_low, w_up)
        if rule == "hf3":
            start = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
            values = x[start]
            weights = _segment_sums(w, start)  # R's rowsum(w, x): row order, double
            low, up, w_low, _, position = _qs(values, _long_cumsum(weights),
                                              _long_sum(weights), p)
            return np.where((w_low == 0) & ((position + 1) % 2 == 0), low, up)
        cumulative = self.cumulative
        total = cumulative[-1]
        before = np.r_[0.0, cumulative[:-1]]
        if rule == "shahvaish":
            scaled = w / _long_mean(w)
            points = (_long_cumsum(scaled) + 0.5 - w / 2) / (n + 1)
            return _approx(points, x, p, linear=False)
        if rule == "hf5":
            points = (cumulative - w / 2) / total
        elif rule == "hf6":
            points = cumulative / (total + w[-1])
        elif rule == "hf7":
            points = before / cumulative[n - 2]
        elif rule == "hf8":
            points = (before / 3 + cumulative * 2 / 3) / (total + w[-1] / 3)
        else:  # hf9
            points = (before * 3 / 8 + cumulative * 5 / 8) / (total + w[-1] / 4)
        return _approx(points, x, p, linear=True)


@dataclass(frozen=True, eq=False)
class _Samples:
    """The :class:`_Sample` of every domain of a breakdown, held end to end.

    ``x`` holds the domains' values one after the other (domain g at
    ``bounds[g]:bounds[g + 1]``; each sorted by value, ties in row order, weights of 0
    dropped) and their weights are ``weights[order]`` (``weights`` when ``order`` is None).
    ``exact()`` gives their cumulative weights and each domain's ``sum(w)`` as R
    accumulates them (from 0 in extended precision, the sum in row order); ``approximate``,
    when given (no negative weight), holds the cumulative weights and the sums accumulated
    in double precision, with each sum's number of terms.

    The rules that only search the cumulative weights run for all domains at once (one
    search per domain, or one search of (domain, cumulative weight) keys beyond
    :data:`_SEARCHES_BY_DOMAIN` domains); the others domain by domain. ``"math"`` and
    ``"school"`` decide from the double-precision sums wherever their error bound cannot
    change R's decision (see :meth:`_decided`), and ask for R's sums only elsewhere.
    """

    x: np.ndarray
    bounds: np.ndarray
    weights: np.ndarray
    order: np.ndarray | None
    exact: Callable[[], tuple[np.ndarray, np.ndarray]]
    approximate: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @functools.cached_property
    def w(self) -> np.ndarray:
        """The weights of ``x``."""
        return self.weights if self.order is None else self.weights[self.order]

    @functools.cached_property
    def _exact(self) -> tuple[np.ndarray, np.ndarray]:
        return self.exact()

    @property
    def cumulative(self) -> np.ndarray:
        """R's cumulative weights of each domain (extended precision, rounded)."""
        return self._exact[0]

    @property
    def total(self) -> np.ndarray:
        """R's ``sum(w)`` of each domain (in row order, extended precision, rounded)."""
        return self._exact[1]

    @property
    def n(self) -> np.ndarray:
        """Values per domain (G,)."""
        return np.diff(self.bounds)

    def sample(self, g: int) -> _Sample:
        """The sample of domain g."""
        a, b = self.bounds[g], self.bounds[g + 1]
        return _Sample(self.x[a:b], self.w[a:b], float(self.total[g]), self.cumulative[a:b])

    def quantiles(self, rule: str, p: np.ndarray) -> np.ndarray:
        """R's ``qrule_<rule>`` in each domain at its row of the (G, K) probabilities ``p``
        (NaN where p is NaN or the domain has no values)."""
        rule = _QS_RULES.get(rule, rule)
        if rule not in ("hf1", "hf2", "hf4"):
            return np.vstack([self.sample(g).quantiles(rule, p[g]) for g in range(len(p))])
        n_columns = p.shape[1]
        out = np.full(p.shape, np.nan)
        n = np.repeat(self.n, n_columns)
        known = ~np.isnan(p.reshape(-1)) & (n > 0)
        start = np.repeat(self.bounds[:-1], n_columns)
        single = known & (n == 1)
        flat = out.reshape(-1)
        flat[single] = self.x[start[single]]
        [chosen] = np.nonzero(known & (n > 1))
        if len(chosen):
            chosen_p = p.reshape(-1)[chosen]
            domain = chosen // n_columns
            first = start[chosen]
            last = first + n[chosen] - 1
            if rule != "hf4" and self.approximate is not None:
                values, undecided = self._decided(chosen_p, domain, first, last)
            else:
                values, undecided = np.empty(len(chosen)), np.ones(len(chosen), dtype=bool)
            if undecided.any():
                values[undecided] = self._qs_values(rule, chosen_p[undecided],
                                                    domain[undecided], first[undecided],
                                                    last[undecided])
            flat[chosen] = values
        return out

    def _search(self, cumulative: np.ndarray, keys: str, domain: np.ndarray,
                target: np.ndarray) -> np.ndarray:
        """For each ``target``, the position after the last cumulative weight of its
        domain at or below it (``searchsorted(side="right")`` within the domain); the
        ``domain`` codes come in ascending order."""
        n_domains = len(self.bounds) - 1
        if n_domains > _SEARCHES_BY_DOMAIN:
            return np.searchsorted(getattr(self, keys), domain + 1j * target, side="right")
        found = np.empty(len(target), dtype=np.intp)
        edges = np.searchsorted(domain, np.arange(n_domains + 1)).tolist()  # domain sorted
        bounds = self.bounds.tolist()
        for g in range(n_domains):
            s, e = edges[g], edges[g + 1]
            if s < e:
                a, b = bounds[g], bounds[g + 1]
                found[s:e] = a + np.searchsorted(cumulative[a:b], target[s:e], side="right")
        return found

    def _keys_of(self, cumulative: np.ndarray) -> np.ndarray:
        """(domain, cumulative weight) of every value as a complex number, whose order is
        the lexicographic order of the pairs: one search finds a domain's position."""
        keys = np.empty(len(cumulative), dtype=np.complex128)
        keys.real = np.repeat(np.arange(len(self.bounds) - 1, dtype=np.float64), self.n)
        keys.imag = cumulative
        return keys

    @functools.cached_property
    def _exact_keys(self) -> np.ndarray:
        return self._keys_of(self.cumulative)

    @functools.cached_property
    def _approximate_keys(self) -> np.ndarray:
        return self._keys_of(self.approximate[0])

    def _qs_values(self, rule, p, domain, first, last) -> np.ndarray:
        """:func:`_qs` and the rule's value for each probability ``p`` of domain ``domain``
        (the domain's values at ``first..last``, two or more), from R's sums."""
        total = self.total[domain]
        found = self._search(self.cumulative, "_exact_keys", domain, p * total)
        position = np.maximum(found - 1, first)
        following = np.where(position == last, position, position + 1)
        cumulative, x = self.cumulative, self.x
        w_low = p - cumulative[position] / total
        w_up = cumulative[following] / total - p
        return _between(rule, x[position], x[following], w_low, w_up)

    def _decided(self, p, domain, first, last) -> tuple[np.ndarray, np.ndarray]:
        """``"math"`` and ``"school"`` from the double-precision sums: the values, and
        where the sums cannot decide as R's would.

        R takes the last position whose cumulative weight ``C_k`` is at or below
        ``t = p W`` and, unless ``C_k / W`` equals p, the value after it (for both rules).
        A sequential sum of k positive terms in double precision is within
        ``(k - 1) u`` (relative, u = 2^-53) of the exact sum, and R's extended-precision
        sum rounded to double within ``(k - 1) 2^-64 + u``; so where the double-precision
        ``C_k`` of the positions either side lie farther from ``t`` than twice those bounds
        and the error of ``t`` itself (with room for the rounding of these comparisons), R's
        position is the same and ``C_k / W`` cannot equal p: the value is the one after the
        position. Elsewhere (ties of a cumulative weight and ``p W``, as with equal
        weights) the caller asks R's sums.
        """
        cumulative, totals, counts = self.approximate
        total = totals[domain]
        target = p * total
        found = self._search(cumulative, "_approximate_keys", domain, target)
        below = np.maximum(found - 1, first)
        above = np.minimum(found, last)
        unit = _EPSILON / 2
        slack = 4 * unit * (p * (counts[domain] + 2) * total + 2 * target)
        low, high = cumulative[below], cumulative[above]
        decided = ((found == first) | (low + 4 * unit * (below - first + 2) * low + slack
                                       < target))
        decided &= (found > last) | (high - 4 * unit * (above - first + 2) * high - slack
                                     > target)
        following = np.where(below == last, below, below + 1)
        return self.x[following], ~decided


def _between(rule: str, low, up, w_low, w_up):
    """The quantile of rules hf1, hf2 and hf4 from the values around it (``low``, ``up``)
    and the weight distances to them (``w_low``, ``w_up``), as R's ``qrule``."""
    if rule == "hf1":
        return np.where(w_low == 0, low, up)
    if rule == "hf2":
        return np.where(w_low == 0, (low + up) / 2, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = w_low / (w_up + w_low)
        return low * (1 - gamma) + up * gamma


def _qs(x, cumulative, total, p):
    """R survey's ``qs()``: the values either side of ``p`` and their weight gaps."""
    n = len(x)
    position = np.searchsorted(cumulative, p * total, side="right") - 1
    position = np.maximum(position, 0)  # R's last() gives the first row when none qualifies
    following = np.where(position == n - 1, position, position + 1)
    w_low = p - cumulative[position] / total
    w_up = cumulative[following] / total - p
    return x[position], x[following], w_low, w_up, position


def _approx(points, y, v, linear: bool) -> np.ndarray:
    """R's ``approx(points, y, xout=v, rule=2, method="linear" or "constant", f=0)``,
    including its regularisation: points sorted (ties in order), tied points collapsed to
    the mean of their values."""
    if np.any(points[1:] <= points[:-1]):
        order = np.argsort(points, kind="stable")
        points, y = points[order], y[order]
        start = np.flatnonzero(np.r_[True, points[1:] != points[:-1]])
        if len(start) < len(points):
            ends = np.r_[start[1:], len(points)]
            y = np.array([_long_mean(y[a:b]) for a, b in zip(start, ends, strict=True)])
            points = points[start]
    n = len(points)
    if n == 1:
        return np.full(v.shape, y[0])
    i = np.clip(np.searchsorted(points, v, side="right") - 1, 0, n - 2)
    j = i + 1
    xi, xj, yi, yj = points[i], points[j], y[i], y[j]
    if linear:
        with np.errstate(invalid="ignore", divide="ignore"):
            inner = yi + (yj - yi) * ((v - xi) / (xj - xi))
    else:
        inner = yi
    out = np.where(v == xj, yj, np.where(v == xi, yi, inner))
    out = np.where(v < points[0], y[0], out)
    return np.where(v > points[-1], y[-1], out)


def _stable_order(values: np.ndarray) -> np.ndarray:
    """``argsort(values, kind="stable")``, by a radix sort when the values are whole numbers
    spanning less than 2^16 (ages, scores, counts: most survey variables)."""
    if len(values):
        low, high = values.min(), values.max()
        if high - low < 2**16 and np.array_equal(values, np.floor(values)):
            small = np.uint8 if high - low < 2**8 else np.uint16  # one pass, or two
            return np.argsort((values - low).astype(small), kind="stable")
    return np.argsort(values, kind="stable")


def _long_cumsum(values: np.ndarray) -> np.ndarray:
    """``cumsum`` with an extended-precision accumulator, as R's (each value rounded).

    The values are widened first (exactly) and then accumulated: the same sums as
    ``cumsum(dtype=longdouble)``, which widens chunk by chunk several times slower."""
    return np.cumsum(values.astype(np.longdouble)).astype(np.float64)


def _long_sum(values: np.ndarray) -> float:
    """R's ``sum``: a sequential extended-precision accumulation, rounded."""
    if len(values) == 0:
        return 0.0
    return float(np.cumsum(values.astype(np.longdouble))[-1])


def _long_mean(values: np.ndarray) -> float:
    """R's ``mean``: extended-precision sum over n, corrected by the mean residual."""
    n = len(values)
    total = np.cumsum(values, dtype=np.longdouble)[-1] / n
    if np.isfinite(total):
        total += np.cumsum(values - total, dtype=np.longdouble)[-1] / n
    return float(total)


def _segment_sums(values: np.ndarray, start: np.ndarray, long: int = 64) -> np.ndarray:
    """Sums of consecutive segments starting at ``start``, each accumulated in order in
    double precision (R's ``rowsum``): segments longer than ``long`` one by one, the others
    together, position by position."""
    ends = np.r_[start[1:], len(values)]
    lengths = ends - start
    sums = values[start].copy()
    short = lengths <= long
    for offset in range(1, int(lengths[short].max(initial=0))):
        more = short & (lengths > offset)
        sums[more] += values[start[more] + offset]
    for g in np.flatnonzero(~short):
        sums[g] = np.cumsum(values[start[g]:ends[g]])[-1]
    return sums


def _domain_cumsums(values: np.ndarray, bounds: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` within each segment ``bounds[g]:bounds[g + 1]`` of the
    ``present`` (non-empty) segments, in the precision of ``values``, rounded to double."""
    out = np.empty(len(values), dtype=values.dtype)
    for g in present:
        a, b = bounds[g], bounds[g + 1]
        np.cumsum(values[a:b], out=out[a:b])
    return out if values.dtype == np.float64 else out.astype(np.float64)


def _type7_quantile(values: np.ndarray, probability: float) -> float:
    """R's ``quantile(values, probability, type = 7)`` (unweighted)."""
    ordered = np.sort(values)
    index = 1 + max(len(ordered) - 1, 0) * probability
    low = int(np.floor(index))
    high = int(np.ceil(index))
    result = ordered[low - 1]
    if index > low and ordered[high - 1] != result:
        h = index - low
        result = (1 - h) * result + h * ordered[high - 1]
    return float(result)


# ------------------------------------------------------------------------- estimation
@dataclass(frozen=True, eq=False)
class _Rows:
    """The rows of a variable that have a value, and what every breakdown shares of them.

    Attributes
    ----------
    rows : numpy.ndarray
        The rows with a value (in the filter), in row order.
    values, weights, psu : numpy.ndarray
        Their values, design weights and PSUs.
    n_psu : int
        PSUs of the design.
    kept : numpy.ndarray
        Positions (in ``rows``) of the rows of weight other than 0, which the quantile
        rules use, in row order.
    by_value : numpy.ndarray
        The positions of ``kept`` sorted by value, ties in row order; ``sorted_values`` and
        ``sorted_weights`` their values and weights. A stable sort by domain of this order
        gives each breakdown its (domain, value, row) order.
    """

    rows: np.ndarray
    values: np.ndarray
    weights: np.ndarray
    psu: np.ndarray
    n_psu: int
    kept: np.ndarray
    by_value: np.ndarray
    sorted_values: np.ndarray
    sorted_weights: np.ndarray

    @classmethod
    def of(cls, design, variable: str, y: np.ndarray, mask: np.ndarray | None) -> _Rows:
        """The rows of ``variable`` (values ``y``) in the filter ``mask``; without a filter
        they are kept by the engine for later calls on the same design."""
        cache = engine_cache(design).value_rows if mask is None else None
        if cache is not None:
            hit = cache.get(variable)
            if hit is not None and hit.source is y:
                return hit.rows
        valid = ~np.isnan(y)
        if mask is not None:
            valid &= mask
        rows = np.flatnonzero(valid)
        values = y[rows]
        weights = design.weights[rows]
        nonzero = weights != 0
        kept = np.arange(len(rows)) if nonzero.all() else np.flatnonzero(nonzero)
        by_value = kept[_stable_order(values[kept])]
        out = cls(rows, values, weights, design.psu_index[rows], design.n_psu_total, kept,
                  by_value, values[by_value], weights[by_value])
        if cache is not None:
            cache.put(variable, _KeptRows(y, out))
        return out

    @property
    def nbytes(self) -> int:
        """Memory held (twice the arrays made on construction, for those made later)."""
        return 2 * sum(a.nbytes for a in (self.rows, self.values, self.weights, self.psu,
                                          self.kept, self.by_value, self.sorted_values,
                                          self.sorted_weights))

    def within(self, inside: np.ndarray) -> _Rows:
        """The rows where ``inside`` (one flag per row of ``rows``) holds, in the same
        orders."""
        position = np.cumsum(inside) - 1
        kept_inside = inside[self.kept]
        sorted_inside = inside[self.by_value]
        return _Rows(self.rows[inside], self.values[inside], self.weights[inside],
                     self.psu[inside], self.n_psu, position[self.kept[kept_inside]],
                     position[self.by_value[sorted_inside]],
                     self.sorted_values[sorted_inside], self.sorted_weights[sorted_inside])

    @functools.cached_property
    def nonpositive(self) -> np.ndarray:
        """Positions of the rows whose weight is not positive."""
        return np.flatnonzero(self.weights <= 0)

    @functools.cached_property
    def zero(self) -> np.ndarray:
        """Positions of the rows of weight 0 (the quantile rules leave them out)."""
        return np.flatnonzero(self.weights == 0)

    @property
    def negative(self) -> bool:
        """Whether some weight is negative (an unbounded linear calibration)."""
        return len(self.nonpositive) > len(self.zero)

    @functools.cached_property
    def psu_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per PSU: the sum of the weights, the rows and the rows of positive weight (each
        PSU's rows in row order), the cell sums of every breakdown whose domains hold whole
        PSUs."""
        n_psu = self.n_psu
        weights = np.bincount(self.psu, weights=self.weights, minlength=n_psu)
        rows = np.bincount(self.psu, minlength=n_psu)
        positive = rows
        if len(self.nonpositive):
            positive = rows - np.bincount(self.psu[self.nonpositive], minlength=n_psu)
        return weights, rows, positive

    @functools.cached_property
    def long_weights(self) -> np.ndarray:
        """The weights of ``kept`` widened to extended precision (R's accumulator)."""
        return self.weights[self.kept].astype(np.longdouble)

    @functools.cached_property
    def sorted_long(self) -> np.ndarray:
        """``sorted_weights`` widened to extended precision."""
        return self.sorted_weights.astype(np.longdouble)

    @functools.cached_property
    def long_total(self) -> float:
        """R's ``sum(w)`` over all the rows (in row order, extended precision, rounded)."""
        return float(np.cumsum(self.long_weights)[-1]) if len(self.kept) else 0.0

    @functools.cached_property
    def long_cumulative(self) -> np.ndarray:
        """The cumulative weights in value order (extended precision, rounded)."""
        return np.cumsum(self.sorted_long).astype(np.float64)

    @functools.cached_property
    def cumulative(self) -> np.ndarray:
        """The cumulative weights in value order in double precision (approximate)."""
        return np.cumsum(self.sorted_weights)


@dataclass(frozen=True, eq=False)
class _KeptRows:
    """:class:`_Rows` kept by the engine, with the values array they were made from."""

    source: np.ndarray
    rows: _Rows

    @property
    def nbytes(self) -> int:
        return self.rows.nbytes


class _Problem:
    """The quantiles of one variable in every domain of one breakdown, and their intervals."""

    def __init__(self, design, domain_index, n_domains, y, rows: _Rows, probabilities,
                 qrule, options: Options) -> None:
        self.design = design
        self.base, self.method = analysis_of(design)
        self.domain_index = domain_index
        self.n_domains = n_domains
        self.y = y
        self.probabilities = probabilities
        self.qrule = qrule
        self.options = options
        self.partition = partition = partition_of(self.base, domain_index, n_domains)
        # the rows with a value in some domain, and their domains
        codes = domain_index[rows.rows]
        inside = codes >= 0
        if not inside.all():
            rows = rows.within(inside)
            codes = codes[inside]
        self.used = used = rows.rows
        self.used_domain = codes
        self.used_values = rows.values
        self.used_weights = used_weights = rows.weights
        self.weight_total = np.bincount(codes, weights=used_weights, minlength=n_domains)
        # the (domain, PSU) cell of each used row, and the cells' weights and row counts
        n_cells = partition.n_cells
        if partition.row_cell is None:  # the cells are PSUs: sums by PSU, taken per cell
            self.cells, self.n_bins, self.take = rows.psu, rows.n_psu, partition.cell_psu
            weights, counts, positive_counts = rows.psu_sums
            self.cell_weights = weights[self.take]
            self.cell_rows = counts[self.take]
            self.cell_positive = positive_counts[self.take]
        else:
            self.cells, self.n_bins, self.take = partition.row_cell[used], n_cells, None
            self.cell_weights = np.bincount(self.cells, weights=used_weights, minlength=n_cells)
            self.cell_rows = np.bincount(self.cells, minlength=n_cells)
            self.cell_positive = self.cell_rows
            if len(rows.nonpositive):
                self.cell_positive = self.cell_rows - np.bincount(
                    self.cells[rows.nonpositive], minlength=n_cells)
        self.row_counts = np.bincount(partition.cell_domain, weights=self.cell_rows,
                                      minlength=n_domains).astype(np.intp)
        self.samples = self._samples(rows, codes)
        self.estimate = self.samples.quantiles(
            qrule, np.broadcast_to(probabilities, (n_domains, len(probabilities))))

    def _samples(self, rows: _Rows, codes: np.ndarray) -> _Samples:
        """The domains' samples: the rows of weight other than 0 sorted by domain, value and
        row (a stable sort by domain of the rows sorted by value), with their cumulative
        weights and each domain's sum of weights in double precision and, when a rule asks,
        as R accumulates them (in extended precision; the sum in row order)."""
        n_domains = self.n_domains
        negative = rows.negative
        if n_domains == 1:  # kept with the rows
            return _Samples(
                rows.sorted_values, np.array([0, len(rows.by_value)]), rows.sorted_weights,
                None, lambda: (rows.long_cumulative, np.array([rows.long_total])),
                None if negative else (rows.cumulative, self.weight_total, self.row_counts),
            )
        by_domain = codes[rows.by_value]
        if n_domains <= 2**8:
            by_domain = by_domain.astype(np.uint8)  # a stable sort of small integers is a
        elif n_domains <= 2**16:                     # radix sort
            by_domain = by_domain.astype(np.uint16)
        within = np.argsort(by_domain, kind="stable")
        counts = self.row_counts
        if len(rows.zero):
            counts = counts - np.bincount(codes[rows.zero], minlength=n_domains)
        bounds = np.r_[0, np.cumsum(counts)]
        present = np.flatnonzero(counts)

        def exact() -> tuple[np.ndarray, np.ndarray]:
            kept_codes = codes if len(rows.kept) == len(codes) else codes[rows.kept]
            sums = np.zeros(n_domains, dtype=np.longdouble)
            np.add.at(sums, kept_codes, rows.long_weights)
            return (_domain_cumsums(rows.sorted_long[within], bounds, present),
                    sums.astype(np.float64))

        approximate = None
        weights = rows.sorted_weights[within]
        if not negative:
            approximate = (_domain_cumsums(weights, bounds, present), self.weight_total,
                           self.row_counts)
        return _Samples(rows.sorted_values[within], bounds, weights, None, exact, approximate)

    def _used_rows(self) -> np.ndarray:
        """Whether each row has a value in some domain."""
        used = np.zeros(len(self.domain_index), dtype=bool)
        used[self.used] = True
        return used

    @functools.cached_property
    def rows(self) -> list[np.ndarray]:
        """The used rows of each domain, in row order."""
        codes = self.used_domain
        if self.n_domains < 2**15:
            codes = codes.astype(np.int16)  # a stable sort of small integers is a radix sort
        grouped = self.used[np.argsort(codes, kind="stable")]
        bounds = np.r_[0, np.cumsum(self.row_counts)]
        return [grouped[bounds[g]:bounds[g + 1]] for g in range(self.n_domains)]

    # ------------------------------------------------------------------ intervals
    def statistics(self, interval: str) -> dict:
        """The result columns, each (G, K)."""
        if interval == "quantile":
            return self._replicate_statistics()
        scores, variance = self._indicator_means(self.estimate, "<=")
        dof = self._degrees_of_freedom(scores, self.options.df)
        t = multiplier(self.options.level, self.options.ci, dof)
        if interval == "score":
            lower, upper = self._score_interval(t)
        else:
            lower_p, upper_p = self._proportion_interval(interval, scores.estimate, variance,
                                                         t, scores)
            ends = self._through_rule(np.hstack([np.where(lower_p < 0, np.nan, lower_p),
                                                 np.where(upper_p > 1, np.nan, upper_p)]))
            lower, upper = np.hsplit(ends, 2)
        se = (upper - lower) / (2 * t)
        shape = self.estimate.shape
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = se / self.estimate
        return {
            "estimate": self.estimate,
            "se": se,
            "ci_lower": lower,
            "ci_upper": upper,
            "cv": cv,
            "deff": np.full(shape, np.nan),
            "deft": np.full(shape, np.nan),
            "df": dof,
            "n_unweighted": scores.by_domain(scores.n_positive),
            "n_weighted": scores.weight_total,
        }

    def _indicator_means(self, cut: np.ndarray, side: str):
        """The means of ``1[y <= cut]`` (``side="<="``) or ``1[y > cut]`` in each domain, one
        per column of ``cut`` (G, M), each domain's rows against its own cut, as engine
        :class:`Scores` built from cell sums (R's ``svymean`` of the indicator).

        A mean is the ratio ``F = A / W`` of the cell sums ``A_c = sum w I`` and
        ``W_c = sum w`` summed over each domain's cells; its cell scores are
        ``(A_c - F W_c) / W`` (Binder 1983), the row scores ``w (I - F) / W`` (asked only by
        a calibrated variance), and its replicate estimates ratios of replicate totals of
        the same cell sums. Returns the scores and their (G, M) variances from the design's
        variance method.
        """
        used, domain, cells = self.used, self.used_domain, self.cells
        partition = self.partition
        n_cells = partition.n_cells
        n_domains, n_columns = cut.shape
        y, weight = self.used_values, self.used_weights
        numerator = np.empty((n_cells, n_columns))
        compare = np.less_equal if side == "<=" else np.greater
        # each row against its domain's cut: (M, N), one gather of the cuts per column
        indicator = np.empty((n_columns, len(y)), dtype=bool)
        columns = np.ascontiguousarray(cut.T)
        with np.errstate(invalid="ignore"):
            for m in range(n_columns):
                row_cut = columns[m, 0] if n_domains == 1 else np.take(columns[m], domain)
                compare(y, row_cut, out=indicator[m])
        weighted = np.empty(len(y))
        for m in range(n_columns):
            np.multiply(indicator[m], weight, out=weighted)
            sums = np.bincount(cells, weights=weighted, minlength=self.n_bins)
            numerator[:, m] = sums if self.take is None else sums[self.take]
        denominator = self.cell_weights
        weight_total = self.weight_total[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = partition.by_domain(numerator) / weight_total
            divisor = np.where(weight_total > 0, weight_total, np.inf)
            cell_domain = partition.cell_domain
            cell_scores = (numerator - np.nan_to_num(share)[cell_domain]
                           * denominator[:, None]) / divisor[cell_domain]

        def projection(basis, row_factor: np.ndarray) -> np.ndarray:
            out = np.empty((n_domains * n_columns, basis.n_columns))
            factor = weight * row_factor[used] / divisor[domain, 0]
            for m in range(n_columns):
                residual = (indicator[m] - np.nan_to_num(share[:, m])[domain]) * factor
                out[m::n_columns] = basis.sums(domain, n_domains, residual, rows=used)
            return out.T

        def replicates(units) -> np.ndarray:
            if units.by_psu:  # the cell sums times the PSU factors
                sums = np.column_stack([numerator, denominator])
                unit, unit_domain = partition.cell_psu, cell_domain
            else:  # the rows' replicate weights times their unweighted values
                sums = np.vstack([indicator, np.ones(len(used))]).T.astype(np.float64)
                unit, unit_domain = used, domain
            replicate = replicate_totals(units.weights, unit, unit_domain, sums, n_domains)
            with np.errstate(invalid="ignore", divide="ignore"):
                return replicate[:, :n_columns] / replicate[:, n_columns:]

        scores = Scores(
            partition=partition,
            estimate=share,
            cell_scores=cell_scores,
            n_valid=np.repeat(self.cell_rows[:, None], n_columns, axis=1),
            n_positive=np.repeat(self.cell_positive[:, None], n_columns, axis=1),
            weight_total=np.repeat(weight_total, n_columns, axis=1),
            srs=np.full(share.shape, np.nan),
            levels=None,
            projection=projection,
            replicates=replicates,
            used_rows=self._used_rows,
            totals=(numerator, denominator[:, None]),
        )
        [variance] = self.method.variance([scores])
        return scores, variance

    def _degrees_of_freedom(self, scores: Scores, rule: str) -> np.ndarray:
        """The variance method's df of the domains (the same for every column: the
        indicators use the same rows), asked of one column."""
        first = dataclasses.replace(scores, estimate=scores.estimate[:, :1],
                                    n_positive=scores.n_positive[:, :1])
        return np.repeat(self.method.degrees_of_freedom(first, rule), scores.shape[1], axis=1)

    def _proportion_interval(self, interval, proportion, variance, t, scores):
        """The interval of the proportion at or below the estimate (R's ``woodruffCI``)."""
        se = np.sqrt(variance)
        with np.errstate(invalid="ignore", divide="ignore"):
            if interval == "mean":
                return proportion - t * se, proportion + t * se
            if interval == "xlogit":
                centre = np.log(proportion / (1 - proportion))
                half = t * se / (proportion * (1 - proportion))
                return _expit(centre - half), _expit(centre + half)
            if interval == "asin":
                centre = np.arcsin(np.sqrt(proportion))
                half = t * se * 0.5 / np.sqrt(proportion) / np.sqrt(1 - proportion)
                return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        # beta: R's t ratio uses the subset design's df and rows, whatever df and ci say
        domain_df = self._degrees_of_freedom(scores, "domain")
        n_rows = self._subset_row_counts()[:, None]
        lower, upper = korn_graubard_interval(proportion, variance, n_rows, domain_df,
                                              self.options.level, "t")
        undefined = (variance == 0) & (proportion * (1 - proportion) == 0)  # R: 0/0
        return np.where(undefined, np.nan, lower), np.where(undefined, np.nan, upper)

    def _through_rule(self, p: np.ndarray) -> np.ndarray:
        """Each domain's quantile rule at the (G, K) probabilities ``p``."""
        return self.samples.quantiles(self.qrule, p)

    def _calibrated(self) -> bool:
        """Whether R's subset design keeps every row (a design with weight adjustments)."""
        return self.method.kind == "calibrated"

    def _subset_row_counts(self) -> np.ndarray:
        """Rows of R's subset design per domain: ``nrow(subset)``."""
        if self._calibrated():
            return np.full(self.n_domains, float(self.base.n_rows))
        return self.row_counts.astype(np.float64)

    def _subset_values(self, g: int) -> np.ndarray:
        """The values R's subset design of domain g holds (missing as 0 where it keeps the
        rows, as R's ``na.rm`` does)."""
        if self._calibrated():
            return np.where(np.isnan(self.y), 0.0, self.y)
        return self.y[self.rows[g]]

    # ------------------------------------------------------------------ score interval
    def _score_interval(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """R's ``ffullerCI``: both ends for every domain and probability (see
        :func:`quantile`)."""
        n_domains, n_probabilities = self.estimate.shape
        low_t = np.full(n_domains, np.nan)
        high_t = np.full(n_domains, np.nan)
        tolerance = np.full(n_domains, np.nan)
        values = [self._subset_values(g) if self.samples.n[g] else None
                  for g in range(n_domains)]
        for g, x in enumerate(values):
            if x is None or len(x) == 0:
                continue
            spread = _type7_quantile(x, 0.75) - _type7_quantile(x, 0.25)
            low_t[g] = x.min() + spread / 100
            high_t[g] = x.max() - spread / 100
            tolerance[g] = 1 / (100 * np.sqrt(len(x)))
        shape = (n_domains, n_probabilities, 2)
        # side 0: the lower end, U/SE = t; side 1: the upper end, U/SE = -t
        limit = np.stack([t, -t], axis=-1)
        complement = 1 - self.probabilities[None, :, None]

        def score(theta: np.ndarray) -> np.ndarray:
            cut = theta.reshape(n_domains, -1)
            scores, variance = self._indicator_means(cut, ">")
            share = scores.estimate.reshape(shape)
            with np.errstate(invalid="ignore", divide="ignore"):
                return (share - complement) / np.sqrt(variance).reshape(shape) - limit

        lower = np.broadcast_to(low_t[:, None, None], shape).copy()
        upper = np.broadcast_to(high_t[:, None, None], shape).copy()
        f_lower = score(lower)
        f_upper = score(upper)
        usable = (lower < upper) & ~np.isnan(f_lower) & ~np.isnan(f_upper)
        with np.errstate(invalid="ignore"):
            usable &= np.sign(f_lower) * np.sign(f_upper) <= 0
        root = _zeroin(score, lower, upper, f_lower, f_upper,
                       np.broadcast_to(tolerance[:, None, None], shape), usable)
        failed = ~usable & ~np.isnan(self.estimate)[..., None]
        if failed.any():
            self._warn_no_root(failed)
        ends = np.full(shape, np.nan)
        for g, x in enumerate(values):
            if x is None or len(x) == 0:
                continue
            shares = (x[None, None, :] <= root[g][..., None]).sum(axis=-1) / len(x)
            shares = np.where(usable[g], shares, np.nan)
            ends[g] = self.samples.sample(g).quantiles(self.qrule, shares.reshape(-1)).reshape(
                shares.shape)
        return ends[..., 0], ends[..., 1]

    def _warn_no_root(self, failed: np.ndarray) -> None:
        n_failed = int(failed.any(axis=-1).sum())
        probabilities = sorted({float(self.probabilities[k])
                                for k in np.flatnonzero(failed.any(axis=(0, 2)))})
        warnings.warn(
            f"the score interval finds no sign change of the score test for {n_failed} "
            f"quantile{'s' if n_failed > 1 else ''} (p = "
            f"{', '.join(f'{p:g}' for p in probabilities)}) between min + IQR/100 and "
            "max - IQR/100 of the values (R's svyquantile stops there); the interval end "
            "without a root and the SE are NaN. Use interval='mean' for quantiles in the "
            "tails.",
            MicsWarning, stacklevel=caller_stacklevel(),
        )

    # ---------------------------------------------------------------- replicate interval
    def _replicate_statistics(self) -> dict:
        """``interval="quantile"``: the replicate variance of the quantile itself."""
        n_domains, n_probabilities = self.estimate.shape

        def replicates(units) -> np.ndarray:
            n_replicates = units.weights.shape[1]
            out = np.full((n_domains, n_probabilities, n_replicates), np.nan)
            for g, rows in enumerate(self.rows):
                if len(rows) == 0:
                    continue
                if units.by_psu:
                    weights = units.weights[self.base.psu_index[rows]] * self.base.weights[
                        rows, None]
                else:
                    weights = units.weights[rows]
                x = self.y[rows]
                order = np.argsort(x, kind="stable")
                for r in range(n_replicates):
                    column = weights[:, r]
                    sample = _Sample.of(x[order], column[order], _long_sum(column))
                    out[g, :, r] = sample.quantiles(self.qrule, self.probabilities)
            return out

        scores = influence_scores(
            self.base, np.zeros((self.base.n_rows, n_probabilities)), self.estimate,
            replicates, domain=self.domain_index, n_domains=n_domains, used=self._used_rows(),
        )
        [statistics] = score_statistics(self.design, [scores], self.options)
        statistics["deff"] = np.full(self.estimate.shape, np.nan)
        statistics["deft"] = np.full(self.estimate.shape, np.nan)
        return statistics


def _expit(x: np.ndarray) -> np.ndarray:
    """R survey's ``expit``: ``exp(x) / (1 + exp(x))``."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return e / (1 + e)


def _zeroin(f, a, b, fa, fb, tol, active) -> np.ndarray:
    """R's ``R_zeroin2`` (Brent's root finder behind ``uniroot``) on many problems at once.

    Each problem follows exactly the steps of R's C code; ``f`` takes the (shape) array of
    points of every problem and returns their values (inactive problems are evaluated but
    ignored). Returns the roots (NaN for inactive problems).
    """
    a = a.astype(np.float64).copy()
    b = b.astype(np.float64).copy()
    fa = fa.astype(np.float64).copy()
    fb = fb.astype(np.float64).copy()
    c, fc = a.copy(), fa.copy()
    root = np.full(a.shape, np.nan)
    running = active.copy()
    at_a = running & (fa == 0)
    root[at_a] = a[at_a]
    running &= ~at_a
    at_b = running & (fb == 0)
    root[at_b] = b[at_b]
    running &= ~at_b
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(_MAX_ITERATIONS + 1):
            if not running.any():
                break
            previous = b - a
            swap = running & (np.abs(fc) < np.abs(fb))
            a = np.where(swap, b, a)
            b = np.where(swap, c, b)
            c = np.where(swap, a, c)
            fa = np.where(swap, fb, fa)
            fb = np.where(swap, fc, fb)
            fc = np.where(swap, fa, fc)
            tol_act = 2 * _EPSILON * np.abs(b) + tol / 2
            step = (c - b) / 2
            done = running & ((np.abs(step) <= tol_act) | (fb == 0))
            root[done] = b[done]
            running &= ~done
            interpolate = running & (np.abs(previous) >= tol_act) & (np.abs(fa) > np.abs(fb))
            cb = c - b
            linear = a == c
            t1 = np.where(linear, fb / fa, fb / fc)
            q_quad = fa / fc
            t2 = fb / fa
            p = np.where(linear, cb * t1,
                         t2 * (cb * q_quad * (q_quad - t1) - (b - a) * (t1 - 1.0)))
            q = np.where(linear, 1.0 - t1, (q_quad - 1.0) * (t1 - 1.0) * (t2 - 1.0))
            positive = p > 0
            q = np.where(positive, -q, q)
            p = np.where(positive, p, -p)
            accept = (interpolate & (p < (0.75 * cb * q - np.abs(tol_act * q) / 2))
                      & (p < np.abs(previous * q / 2)))
            step = np.where(accept, p / q, step)
            small = np.abs(step) < tol_act
            step = np.where(small, np.where(step > 0, tol_act, -tol_act), step)
            a = np.where(running, b, a)
            fa = np.where(running, fb, fa)
            b = np.where(running, b + step, b)
            # R's zeroin takes an infinite or undefined value as the largest finite one
            # (of the sign of -Inf), as uniroot warns
            fb_new = f(b)
            fb_new = np.where(np.isnan(fb_new) | (fb_new == np.inf), _LARGEST,
                              np.where(fb_new == -np.inf, -_LARGEST, fb_new))
            fb = np.where(running, fb_new, fb)
            same_sign = running & (((fb > 0) & (fc > 0)) | ((fb < 0) & (fc < 0)))
            c = np.where(same_sign, a, c)
            fc = np.where(same_sign, fa, fc)
    root[running] = b[running]  # no convergence in maxiter steps: R returns b (and warns)
    return root
