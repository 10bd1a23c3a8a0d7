"""The estimation engine: one body for every estimator, every design and ``tabulate``.

An estimate is asked as requests (an estimator applied to a variable, :class:`Request`) over
breakdowns (``by`` partitions) with a ``where`` filter and options. :func:`estimate_blocks`
serves all of them the same way, whatever the design:

1. the design that holds the rows (a :class:`~mics_toolkit.design.Design`, or a replicate
   design's ``base``) and the variance method the design carries (:func:`analysis_of`);
2. the variables checked, special codes and normalised totals reported once, on the rows
   some estimate uses;
3. each request's row products, restricted to ``where`` once
   (:mod:`mics_toolkit.estimate.products`);
4. for each breakdown, its cells (:mod:`mics_toolkit.estimate.cells`) and, for each request,
   the statistic's estimates and scores (:mod:`mics_toolkit.estimate.ratios`);
5. the variances of all the breakdown's estimates from the variance method (Taylor,
   calibrated or replicate), their df, and the result columns
   (:func:`~mics_toolkit.estimate.frame.result_statistics`).

The public estimators (:mod:`mics_toolkit.estimate.estimators`), :func:`tabulate` and
:func:`~mics_toolkit.estimate.covariance.covariance` are thin layers over it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mics_toolkit.design import Design
from mics_toolkit.errors import (
    MicsWarning,
    NormalisedTotalWarning,
    OptionError,
    SpecialCodeWarning,
    caller_stacklevel,
)
from mics_toolkit.estimate.calibrated_variance import CalibratedVariance
from mics_toolkit.estimate.cells import partition_of
from mics_toolkit.estimate.domains import domains_of
from mics_toolkit.estimate.frame import RESULT_COLUMNS, domain_row_counts, result_statistics
from mics_toolkit.estimate.options import Options, where_array
from mics_toolkit.estimate.products import Request, analysed_products, numeric_column
from mics_toolkit.estimate.ratios import ratio_scores
from mics_toolkit.estimate.scores import Scores
from mics_toolkit.estimate.variance import TaylorVariance
from mics_toolkit.io import special_code_counts

__all__ = ["Block", "analysed_rows", "analysis_of", "estimate_blocks", "score_statistics",
           "variance_of"]


@dataclass(frozen=True, eq=False)
class Block:
    """The estimates of one request over one breakdown: G domains x K levels.

    Attributes
    ----------
    request : Request
    by : tuple of str
        The breakdown's ``by`` variables (empty for the total).
    table : pandas.DataFrame
        One row per domain with the ``by`` columns.
    levels : numpy.ndarray or None
        The categories of a proportion.
    statistics : dict
        Each result column as a (G, K) array.
    scores : Scores or None
        The statistic's scores, when asked for (covariances).
    """

    request: Request
    by: tuple[str, ...]
    table: pd.DataFrame
    levels: np.ndarray | None
    statistics: dict
    scores: Scores | None = None


def variance_of(design: Design):
    """The variance method of a design: :class:`CalibratedVariance` when it carries weight
    adjustments, else :class:`TaylorVariance`."""
    return CalibratedVariance(design) if design.calibration else TaylorVariance(design)


def analysis_of(design) -> tuple[Design, object]:
    """The design that holds the rows, weights and PSUs of ``design``, and the variance method
    ``design`` carries (a replicate design's ``base`` and its replicate variance)."""
    if isinstance(design, Design):
        method = getattr(design, "variance_method", None)
        return design, method if method is not None else variance_of(design)
    base = getattr(design, "base", None)
    method = getattr(design, "variance_method", None)
    if isinstance(base, Design) and method is not None:
        return base, method
    raise OptionError(
        f"estimates need a SurveyDesign or a ReplicateDesign, not {type(design).__name__}",
        option="design", value=type(design).__name__, valid=(),
    )


def estimate_blocks(
    design,
    requests: list[Request],
    breakdowns: list[tuple[str, ...]],
    where,
    options: Options,
    *,
    keep_scores: bool = False,
    wheres: list | None = None,
) -> list[Block]:
    """Every request over every breakdown, request by request (see the module docstring).

    ``where`` filters every request; ``wheres`` instead gives each request its own filter
    (one per request, None for none: the indicators of a report, each over its universe,
    share the breakdowns' cells and the PSU sums of their products). Warnings (special codes,
    normalised totals, replicates without an estimate) are issued once each, at the caller's
    line.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        blocks = _blocks(design, requests, breakdowns, where, wheres, options, keep_scores)
    for message in {(w.category, str(w.message)): w for w in caught}.values():
        warnings.warn(message.message, stacklevel=caller_stacklevel())
    return blocks


def _blocks(design, requests, breakdowns, where, wheres, options, keep_scores) -> list[Block]:
    base, method = analysis_of(design)
    if wheres is None:
        mask = where_array(base.frame, where, base.n_rows)
        # a request asked twice is computed once
        jobs = [(request, mask) for request in dict.fromkeys(requests)]
    else:
        if where is not None or len(wheres) != len(requests):
            raise OptionError(
                "give one filter per request in wheres=, and no where=",
                option="wheres", value=len(wheres), valid=(),
            )
        jobs = [(request, where_array(base.frame, w, base.n_rows))
                for request, w in zip(requests, wheres, strict=True)]
    partitions = [domains_of(base, list(names) or None) for names in breakdowns]
    for request, mask in jobs:
        if isinstance(request, Request):
            check_request(base, request, analysed_rows(partitions, mask))
    if any(request.kind == "total" for request, _ in jobs):
        warn_normalised(base)
    products = [_restricted(base, request, mask) for request, mask in jobs]
    blocks: list[list[Block]] = [[] for _ in jobs]
    for names, domains in zip(breakdowns, partitions, strict=True):
        if domains.n_domains == 0:
            _warn_no_domains(base, names)
            for out, (request, _), product in zip(blocks, jobs, products, strict=True):
                out.append(_empty_block(request, names, domains, product))
            continue
        partition = partition_of(base, domains.index, domains.n_domains)
        scores = [ratio_scores(base, partition, p) for p in products]
        for (request, _), score in zip(jobs, scores, strict=True):
            _warn_undefined(base, request, score, domains)
        variances = method.variance(scores)
        for out, (request, mask), score, variance in zip(blocks, jobs, scores, variances,
                                                         strict=True):
            n_rows = None
            if options.interval == "korn-graubard" and request.kind == "proportion":
                index = domains.index if mask is None else np.where(mask, domains.index, -1)
                n_rows = domain_row_counts(index, domains.n_domains)
            statistics = result_statistics(
                score.estimate, variance, score.srs,
                method.degrees_of_freedom(score, options.df), score.by_domain(score.n_positive),
                score.weight_total, level=options.level, ci=options.ci,
                interval=options.proportion_interval if request.kind == "proportion" else None,
                n_rows=n_rows,
            )
            out.append(Block(request, tuple(names), domains.table, score.levels, statistics,
                             score if keep_scores else None))
    if wheres is not None:
        return [block for out in blocks for block in out]
    by_request = {request: out for (request, _), out in zip(jobs, blocks, strict=True)}
    return [block for request in requests for block in by_request[request]]


def _restricted(design: Design, request, mask):
    """The row products of a request, restricted to its filter."""
    [products] = analysed_products(design, [request], mask)
    return products


def analysed_rows(partitions, mask):
    """A function giving the rows some estimate of a request uses (in a domain of some
    breakdown, and in its filter), computed only when asked (special codes)."""
    def rows() -> np.ndarray | None:
        used = None
        if all(d.by for d in partitions):
            used = np.logical_or.reduce([d.index >= 0 for d in partitions])
        return used if mask is None else (mask if used is None else mask & used)
    return rows


def score_statistics(design, scores: list[Scores], options: Options,
                     interval: str | None = None) -> list[dict]:
    """The result columns of statistics given as :class:`Scores` (a new statistic's module
    computes its scores and hands them here): variances from the variance method the design
    carries, df by ``options.df``, intervals (``interval`` as
    :func:`~mics_toolkit.estimate.frame.result_statistics`).

    Returns one dict of (G, K) arrays per statistic, in order.
    """
    _, method = analysis_of(design)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        variances = method.variance(scores)
    for message in {(w.category, str(w.message)): w for w in caught}.values():
        warnings.warn(message.message, stacklevel=caller_stacklevel())
    return [
        result_statistics(
            s.estimate, variance, s.srs, method.degrees_of_freedom(s, options.df),
            s.by_domain(s.n_positive), s.weight_total, level=options.level, ci=options.ci,
            interval=interval,
        )
        for s, variance in zip(scores, variances, strict=True)
    ]


def _empty_block(request, names, domains, products) -> Block:
    """The block of a breakdown without domains: no rows, the fixed columns."""
    shape = (0, products.n_columns)
    statistics = {name: np.empty(shape) for name in RESULT_COLUMNS}
    return Block(request, tuple(names), domains.table, products.levels, statistics)


def _warn_no_domains(design: Design, names) -> None:
    """Warn that a breakdown has no domains (its variables are missing on every row)."""
    where = f" in {design.source}" if design.source else ""
    warnings.warn(
        f"the breakdown {'+'.join(names)!r}{where} has no domains: "
        f"{' and '.join(repr(n) for n in names)} {'is' if len(names) == 1 else 'are'} missing "
        "on every row (or no combination of values occurs), so it gives no estimates",
        MicsWarning,
        stacklevel=caller_stacklevel(),
    )


def _warn_undefined(design: Design, request, scores: Scores, domains) -> None:
    """Warn about domains with rows whose estimate is undefined (NaN): a zero denominator, or
    weights that are all zero."""
    undefined = scores.undefined
    if undefined is None or not undefined.any():
        return
    if domains.by:
        rows = domains.table[undefined]
        shown = [", ".join(f"{n}={v}" for n, v in zip(domains.by, row, strict=True))
                 for row in rows.itertuples(index=False)]
        where = (f"{len(shown)} domain{'s' if len(shown) > 1 else ''} "
                 f"({'; '.join(shown[:10])}{' ...' if len(shown) > 10 else ''})")
    else:
        where = "the whole population"
    if request.kind == "ratio":
        cause = f"the denominator {request.denominator!r} sums to 0"
    else:
        cause = f"the weights {design.weight!r} sum to 0 over the rows with a value"
    outcome = ("the total is 0 there" if request.kind == "total"
               else "the estimate is NaN there (a zero denominator has no ratio)")
    warnings.warn(
        f"the {request.kind} of {request.label!r}: {cause} in {where}; {outcome}",
        MicsWarning,
        stacklevel=caller_stacklevel(),
    )


def check_request(design: Design, request: Request, analysed) -> None:
    """Check the variables of ``request`` (present; numeric except for a proportion) and warn
    when the analysed rows hold special codes (``analysed()`` gives them as a mask, None for
    all rows; it is called only for a variable with classified codes)."""
    if request.kind == "proportion":
        design.codes(request.variable, role="analysis")
        return
    arrays = [numeric_column(design, name, request.kind) for name in request.variables]

    def select(values):
        def rows():
            keep = ~np.isnan(arrays[0])
            for other in arrays[1:]:
                keep &= ~np.isnan(other)
            rows = analysed()
            if rows is not None:
                keep &= rows
            return values[keep]
        return rows

    for name, values in zip(request.variables, arrays, strict=True):
        _warn_special_codes(design, name, select(values), request.kind)


def _warn_special_codes(design: Design, variable: str, values, estimator: str) -> None:
    """Warn when the analysed values still hold codes classified from labels (99 'No response').

    ``values`` is a function returning the analysed values, called only when the variable
    has classified codes.
    """
    if not design.meta.special_codes.get(variable):
        return
    found = special_code_counts(design.meta, variable, values())
    if not found:
        return
    labels = design.meta.value_labels.get(variable, {})
    described = "; ".join(
        f"{code}" + (f" '{labels[code]}'" if code in labels else "") + f" ({category}): {count} rows"
        for code, (category, count) in found.items()
    )
    warnings.warn(
        f"the {estimator} of {variable!r} includes special codes classified from its value "
        f"labels: {described}. Exclude them with where= or read the file with "
        "special_codes='missing'.",
        SpecialCodeWarning,
        stacklevel=caller_stacklevel(),
    )


def warn_normalised(design: Design) -> None:
    """Warn that a total of normalised weights (summing to the rows of positive weight) is
    not a population count."""
    w = design.weights
    n_positive = int(np.count_nonzero(w > 0))
    if n_positive and abs(w.sum() - n_positive) <= 0.01 * n_positive:
        warnings.warn(
            f"the weights {design.weight!r} sum to {w.sum():.6g}, the number of rows with "
            "positive weight: they look normalised (as MICS weights are), so a total is not a "
            "population count. Use expansion weights for population totals.",
            NormalisedTotalWarning,
            stacklevel=caller_stacklevel(),
        )
