"""Design-based estimators: mean, proportion, total and ratio, for every domain in one pass.

Each function takes a :class:`~mics_toolkit.design.Design` and returns the package's result
frame (see :mod:`mics_toolkit.estimate.frame`). All four are ratios of weighted totals
linearised with Binder's (1983) method; the variance is the stratified with-replacement
variance of PSU scores (:mod:`mics_toolkit.estimate.variance`).

Domain conventions (domain.md section 2): rows outside a domain, including rows with a missing
analysis value, get score 0 but keep their PSUs, which count in ``n_h`` and in the stratum
means, as R's ``svyby``/``subset`` and ``na.rm=TRUE``, Stata's ``subpop()`` and SPSS.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.errors import (
    NormalisedTotalWarning,
    OptionError,
    SpecialCodeWarning,
    caller_stacklevel,
    check_option,
)
from mics_toolkit.estimate.calibrated_variance import calibrated_variance
from mics_toolkit.estimate.deff import design_effect, ratio_srs_variance, total_srs_variance
from mics_toolkit.estimate.domains import Domains, domains_of
from mics_toolkit.estimate.frame import result_frame
from mics_toolkit.estimate.intervals import (
    korn_graubard_interval,
    logit_interval,
    multiplier,
    symmetric_interval,
)
from mics_toolkit.estimate.kernel import (
    Request,
    analysed_products,
    degrees_of_freedom,
    estimate_partition,
    numeric_column,
    partition_of,
)
from mics_toolkit.estimate.scores import RowValues, cell_totals, ratio_scores, total_scores
from mics_toolkit.estimate.variance import stratified_variance
from mics_toolkit.expr import where_mask
from mics_toolkit.io import special_code_counts

__all__ = ["CI_METHODS", "CI_OPTIONS", "DF_OPTIONS", "mean", "proportion", "ratio", "total"]

CiType = Literal["t", "normal", "mics"]
CiMethod = Literal["logit", "korn-graubard", "wald"]
DfRule = Literal["design", "domain"]
CI_OPTIONS: tuple[str, ...] = ("t", "normal", "mics")
CI_METHODS: tuple[str, ...] = ("logit", "korn-graubard", "wald")
DF_OPTIONS: tuple[str, ...] = ("design", "domain")

_COMMON_DOC = """
    by : str or list of str, optional
        Variables whose value combinations define the domains (cross-classified); one result
        row per combination present in the data, in sorted order. Rows with a missing ``by``
        value belong to no domain.
    where : str or array-like of bool, optional
        Restrict the estimate to a subpopulation: an expression of the safe expression
        language (``"WB4 <= 24 and HH6 == 1"``) or a boolean array with one value per row.
        The excluded rows keep their PSUs in the design.
    level : float
        Confidence level of the interval, default 0.95.
    ci : {"t", "normal", "mics"}
        ``"t"`` (default): Student t with ``df`` degrees of freedom (Stata, SPSS);
        ``"normal"``: Normal quantile (R's ``confint`` default); ``"mics"``: estimate -+ 2 SE,
        as MICS sampling-error tables (``level`` is then not used).
    df : {"design", "domain"}
        ``"design"`` (default): PSUs minus strata of the full design (Stata ``subpop()``,
        SPSS); ``"domain"``: PSUs minus strata among the domain's rows, R's ``degf()`` of the
        subset design.
"""


def check_common(level: float, ci: str, df: str) -> None:
    """Reject a ``level``, ``ci`` or ``df`` outside its set with an :class:`OptionError`."""
    check_option("ci", ci, CI_OPTIONS)
    check_option("df", df, DF_OPTIONS)
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise OptionError(
            f"level={level!r} is not valid; give a confidence level between 0 and 1 (e.g. 0.95)",
            option="level",
            value=level,
            valid=(),
        )


def interval_method(ci: str, ci_method: str | None) -> str:
    """The interval of a proportion: ``ci_method``, or its default (``"logit"``, or ``"wald"``
    with ``ci="mics"``, which accepts nothing else)."""
    if ci == "mics":
        if ci_method not in (None, "wald"):
            raise OptionError(
                f"ci='mics' prints estimate -+ 2 SE and cannot be combined with "
                f"ci_method={ci_method!r}; leave ci_method out or use 'wald'",
                option="ci_method",
                value=ci_method,
                valid=("wald",),
            )
        return "wald"
    if ci_method is None:
        return "logit"
    return check_option("ci_method", ci_method, CI_METHODS)


def _warn_special_codes(design: Design, variable: str, values, estimator: str):
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


def check_request(
    design: Design,
    request: Request,
    domain: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> None:
    """Check the variables of ``request`` (present; numeric except for a proportion) and warn
    when the analysed rows (``domain >= 0`` and ``mask``) hold special codes."""
    if request.kind == "proportion":
        design.codes(request.variable, role="analysis")
        return
    names = [request.variable] + ([request.denominator] if request.denominator else [])
    arrays = [numeric_column(design, name, request.kind) for name in names]

    def analysed(values):
        def select():
            keep = ~np.isnan(arrays[0])
            for other in arrays[1:]:
                keep &= ~np.isnan(other)
            if domain is not None:
                keep &= domain >= 0
            if mask is not None:
                keep &= mask
            return values[keep]
        return select

    for name, values in zip(names, arrays, strict=True):
        _warn_special_codes(design, name, analysed(values), request.kind)


def _estimate(
    design: Design,
    domains: Domains,
    values: RowValues,
    *,
    kind: str,
    level: float,
    ci: str,
    ci_method: str | None,
    df_rule: str,
    levels=None,
    attrs: dict,
):
    n_domains = domains.n_domains
    cells = cell_totals(design, values, n_domains)
    if kind == "total":
        estimate, scores = total_scores(cells)
    else:
        estimate, scores = ratio_scores(cells)
    if design.calibration:
        variance = calibrated_variance(design, values, cells, estimate, scores, kind)
    else:
        variance = stratified_variance(design, cells, scores)
    n_positive = cells.by_domain(cells.n_positive)
    weight_total = cells.weight_total
    if kind == "total":
        srs = total_srs_variance(values, n_domains, weight_total, estimate, n_positive)
    else:
        srs = ratio_srs_variance(
            values, n_domains, estimate, weight_total, cells.denominator_total, n_positive
        )
    n_valid = cells.by_domain(cells.n_valid)
    empty = n_valid == 0
    estimate = np.where(empty, np.nan, estimate)
    variance = np.where(empty, np.nan, variance)
    dof = degrees_of_freedom(design, cells, df_rule, estimate.shape)
    conventions = {
        **design.conventions(),
        **attrs,
        "df": df_rule,
        "deff": "with replacement on the domain's n (R deff='replace')",
    }
    return assemble_result(
        domains, estimate, variance, srs, dof, n_positive, weight_total, level=level, ci=ci,
        ci_method=ci_method, levels=levels, conventions=conventions,
    )


def assemble_result(
    domains: Domains,
    estimate: np.ndarray,
    variance: np.ndarray,
    srs: np.ndarray,
    dof: np.ndarray,
    n_positive: np.ndarray,
    weight_total: np.ndarray,
    *,
    level: float,
    ci: str,
    ci_method: str | None,
    levels=None,
    conventions: dict,
):
    """The result frame from (G, K) estimates, variances, SRS variances and df: standard
    errors, intervals (``ci_method`` None for symmetric ones), CV, design effects and counts.
    Shared by the Taylor and the replicate estimators."""
    n_rows = domain_row_counts(domains.index, domains.n_domains) if ci_method == "korn-graubard" \
        else None
    statistics = result_statistics(
        estimate, variance, srs, dof, n_positive, weight_total, level=level, ci=ci,
        ci_method=ci_method, n_rows=n_rows,
    )
    attrs = {**conventions, "level": level, "ci": ci, "ci_method": ci_method}
    return result_frame(domains.table, statistics, levels=levels, attrs=attrs)


def domain_row_counts(index: np.ndarray, n_domains: int) -> np.ndarray:
    """Rows per domain, whatever their weight or missingness, shape (G, 1): R's ``nrow()`` of
    the subset design, the n of ``svyciprop(method="beta")``."""
    inside = index[index >= 0]
    return np.bincount(inside, minlength=n_domains).astype(float)[:, None]


def result_statistics(
    estimate: np.ndarray,
    variance: np.ndarray,
    srs: np.ndarray,
    dof: np.ndarray,
    n_positive: np.ndarray,
    weight_total: np.ndarray,
    *,
    level: float,
    ci: str,
    ci_method: str | None,
    n_rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each of the result columns as a (G, K) array: SE, interval (``ci_method`` None for a
    symmetric one; ``n_rows`` per domain for Korn-Graubard), CV, design effects and counts."""
    se = np.sqrt(variance)
    deff = design_effect(variance, srs)
    q = multiplier(level, ci, dof)
    if ci_method == "logit":
        lower, upper = logit_interval(estimate, se, q)
    elif ci_method == "korn-graubard":
        lower, upper = korn_graubard_interval(estimate, variance, n_rows, dof, level, ci)
    else:
        lower, upper = symmetric_interval(estimate, se, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / estimate
    return {
        "estimate": estimate,
        "se": se,
        "ci_lower": lower,
        "ci_upper": upper,
        "cv": cv,
        "deff": deff,
        "deft": np.sqrt(deff),
        "df": dof,
        "n_unweighted": n_positive,
        "n_weighted": weight_total,
    }


def _kernel_result(
    design: Design,
    request: Request,
    domains: Domains,
    mask: np.ndarray | None,
    *,
    level: float,
    ci: str,
    ci_method: str | None,
    df_rule: str,
    attrs: dict,
):
    """One request over the domains (``by`` and the ``where`` filter ``mask``) through
    :mod:`mics_toolkit.estimate.kernel`, which takes the partition without the filter."""
    base = domains_of(design, list(domains.by) or None)
    partition = partition_of(design, base.index, base.n_domains)
    products = analysed_products(design, [request], mask)
    [arrays] = estimate_partition(design, partition, products, mask, df_rule)
    n_rows = None
    if ci_method == "korn-graubard":
        n_rows = domain_row_counts(domains.index, domains.n_domains)
    statistics = result_statistics(
        arrays.estimate, arrays.variance, arrays.srs, arrays.dof, arrays.n_positive,
        arrays.weight_total, level=level, ci=ci, ci_method=ci_method, n_rows=n_rows,
    )
    conventions = {
        **design.conventions(),
        **attrs,
        "df": df_rule,
        "deff": "with replacement on the domain's n (R deff='replace')",
        "level": level,
        "ci": ci,
        "ci_method": ci_method,
    }
    return result_frame(domains.table, statistics, levels=arrays.levels, attrs=conventions)


def _estimate_request(
    design: Design,
    request: Request,
    by,
    where,
    *,
    level: float,
    ci: str,
    ci_method: str | None,
    df: str,
    attrs: dict,
    interval: str | None = None,
):
    """One estimator call: the domains of ``by`` and ``where``, the variables checked (and,
    for a total, the weights), then the kernel, or the row-level path for a design with
    weight adjustments. ``attrs`` start the conventions; ``interval`` ends them."""
    mask = where_array(design, where)
    domains = domains_of(design, by, mask)
    check_request(design, request, domains.index)
    if request.kind == "total":
        warn_normalised(design)
    attrs = {**attrs, "by": list(domains.by), "where": where_text(where)}
    if interval is not None:
        attrs["interval"] = interval
    if not design.calibration:
        return _kernel_result(design, request, domains, mask, level=level, ci=ci,
                              ci_method=ci_method, df_rule=df, attrs=attrs)
    levels = None
    if request.kind == "proportion":
        codes, levels = design.codes(request.variable, role="analysis")
        values = RowValues.categorical(design, domains.index, codes, max(len(levels), 1))
    else:
        y = design.numeric(request.variable)
        valid = ~np.isnan(y)
        x = None
        if request.denominator is not None:
            x = design.numeric(request.denominator)
            valid &= ~np.isnan(x)
            x = x[:, None]
        values = RowValues.build(design, domains.index, y[:, None], valid[:, None], x)
    return _estimate(
        design, domains, values, kind="total" if request.kind == "total" else "ratio",
        level=level, ci=ci, ci_method=ci_method, df_rule=df, levels=levels, attrs=attrs,
    )


def where_array(design: Design, where) -> np.ndarray | None:
    """The ``where`` filter as a boolean array (None without a filter)."""
    return None if where is None else where_mask(where, design.frame, n_rows=design.n_rows)


def where_text(where) -> str | None:
    """``where`` as recorded in the conventions: the expression, or ``"<array>"``."""
    return where if isinstance(where, str) else (None if where is None else "<array>")


def mean(
    design: Design,
    variable: str,
    by=None,
    where=None,
    level: float = 0.95,
    ci: CiType = "t",
    df: DfRule = "design",
):
    """Weighted mean of a numeric variable in each domain, with its design-based SE.

    Parameters
    ----------
    design : Design
    variable : str
        A numeric column. Missing values put the row outside the domain.
    {common}
    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``estimate, se, ci_lower, ci_upper, cv, deff, deft, df,
        n_unweighted, n_weighted``. ``n_unweighted`` counts the domain's rows with a value
        and positive weight; ``n_weighted`` sums their weights.

    Raises
    ------
    VariableError
        ``variable`` or a ``by`` column is unknown (close names suggested) or not numeric.
    ExpressionError
        ``where`` cannot be parsed or is not a filter.

    Warns
    -----
    SpecialCodeWarning
        The values include codes classified from labels as no response, DK or not applicable.

    Notes
    -----
    ``estimate = R = sum(w y) / sum(w)`` over the domain; the score of row i is
    ``z_i = w_i (y_i - R) / sum(w)``, summed to PSU totals and passed to the stratified
    with-replacement variance. R: ``svyby(~y, ~by, design, svymean, na.rm=TRUE,
    deff="replace")``; Stata: ``svy, subpop(): mean y, over(by)``.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. International Statistical Review 51, 279-292.
    """
    check_common(level, ci, df)
    return _estimate_request(
        design, Request("mean", variable), by, where, level=level, ci=ci, ci_method=None, df=df,
        attrs={"estimator": "mean", "variable": variable},
    )


def total(
    design: Design,
    variable: str,
    by=None,
    where=None,
    level: float = 0.95,
    ci: CiType = "t",
    df: DfRule = "design",
):
    """Weighted total of a numeric variable in each domain, with its design-based SE.

    Parameters
    ----------
    design : Design
    variable : str
        A numeric column. Missing values put the row outside the domain.
    {common}
    Returns
    -------
    pandas.DataFrame
        As :func:`mean`.

    Warns
    -----
    NormalisedTotalWarning
        The weights sum to the number of rows of positive weight (normalised MICS weights):
        the total is not a population count.
    SpecialCodeWarning
        As :func:`mean`.

    Notes
    -----
    ``estimate = Y = sum(w y)``; the score of row i is ``z_i = w_i y_i``. R:
    ``svyby(~y, ~by, design, svytotal, na.rm=TRUE, deff="replace")``.
    """
    check_common(level, ci, df)
    return _estimate_request(
        design, Request("total", variable), by, where, level=level, ci=ci, ci_method=None,
        df=df, attrs={"estimator": "total", "variable": variable},
    )


def ratio(
    design: Design,
    numerator: str,
    denominator: str,
    by=None,
    where=None,
    level: float = 0.95,
    ci: CiType = "t",
    df: DfRule = "design",
):
    """Ratio of two weighted totals ``sum(w y) / sum(w x)`` in each domain.

    Parameters
    ----------
    design : Design
    numerator, denominator : str
        Numeric columns y and x. A row missing either is outside the domain.
    {common}
    Returns
    -------
    pandas.DataFrame
        As :func:`mean`; ``n_weighted`` is the sum of weights of the rows used.

    Notes
    -----
    ``R = Y / X``; the score of row i is ``z_i = w_i (y_i - R x_i) / X``. The design effect
    compares with ``V_srs = W sum(w e^2) / ((n - 1) X^2)``, ``e = y - R x``, as R's
    ``svyratio(deff="replace")``. R: ``svyby(~y, ~by, design, svyratio, denominator=~x)``.
    """
    check_common(level, ci, df)
    return _estimate_request(
        design, Request("ratio", numerator, denominator), by, where, level=level, ci=ci,
        ci_method=None, df=df,
        attrs={"estimator": "ratio", "numerator": numerator, "denominator": denominator},
    )


def proportion(
    design: Design,
    variable: str,
    by=None,
    where=None,
    level: float = 0.95,
    ci: CiType = "t",
    ci_method: CiMethod | None = None,
    df: DfRule = "design",
):
    """Proportion of each category of a variable in each domain (fractions, 0-1).

    Parameters
    ----------
    design : Design
    variable : str
        Any column (numeric codes, strings or categorical). Its categories are the values
        present in the data, sorted; missing values put the row outside the domain.
    {common}
    ci_method : {"logit", "korn-graubard", "wald"}, optional
        Interval for a proportion. Default ``"logit"``, or ``"wald"`` with ``ci="mics"``
        (which prints estimate -+ 2 SE and accepts only ``"wald"``).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``level`` (the category), then the result columns; one row per
        domain and category.

    Notes
    -----
    The proportion of category l is the mean of the indicator ``1[y == l]``; its SE, design
    effect and counts are those of that mean. Logit interval:
    ``expit(logit(p) -+ q SE / (p (1 - p)))`` (R ``svyciprop(method="xlogit")``, Stata
    ``svy: proportion``); Korn-Graubard: R ``svyciprop(method="beta")``, whose
    ``n`` in the ``(t_{n-1} / t_df)^2`` factor counts every row of the domain (``by`` and
    ``where``), including rows of zero weight or with a missing value, as R's ``nrow()``.

    References
    ----------
    Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. Survey Methodology 24,
    193-201.
    """
    check_common(level, ci, df)
    ci_method = interval_method(ci, ci_method)
    return _estimate_request(
        design, Request("proportion", variable), by, where, level=level, ci=ci,
        ci_method=ci_method if ci_method != "wald" else None, df=df,
        attrs={"estimator": "proportion", "variable": variable}, interval=ci_method,
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


for _function in (mean, total, ratio, proportion):
    _function.__doc__ = _function.__doc__.replace("    {common}\n", _COMMON_DOC.lstrip("\n"))
