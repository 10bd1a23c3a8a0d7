"""Design-based estimators: mean, proportion, total and ratio, for every domain in one pass.

Each function takes a design (a :class:`~mics_toolkit.estimate.SurveyDesign`, a
:class:`~mics_toolkit.design.Design` or a :class:`~mics_toolkit.estimate.ReplicateDesign`) and
returns the package's result frame (see :mod:`mics_toolkit.estimate.frame`). All four are
ratios of weighted totals linearised with Binder's (1983) method
(:mod:`mics_toolkit.estimate.ratios`); the variance is the one the design carries: Taylor
linearisation (:mod:`mics_toolkit.estimate.variance`), with the residuals of its weight
adjustments (:mod:`mics_toolkit.estimate.calibrated_variance`), or replicate weights
(:mod:`mics_toolkit.estimate.replicate_variance`). Each is one request to the engine
(:mod:`mics_toolkit.estimate.engine`), the same body as :func:`~mics_toolkit.estimate.tabulate`.

Domain conventions (domain.md section 2): rows outside a domain, including rows with a missing
analysis value, get score 0 but keep their PSUs, which count in ``n_h`` and in the stratum
means, as R's ``svyby``/``subset`` and ``na.rm=TRUE``, Stata's ``subpop()`` and SPSS.
"""

from __future__ import annotations

from mics_toolkit.estimate.domains import by_names
from mics_toolkit.estimate.engine import analysis_of, estimate_blocks
from mics_toolkit.estimate.frame import result_frame
from mics_toolkit.estimate.options import (
    CI_METHODS,
    CI_OPTIONS,
    DF_OPTIONS,
    CiMethod,
    CiType,
    DfRule,
    Options,
    where_text,
)
from mics_toolkit.estimate.products import Request

__all__ = ["CI_METHODS", "CI_OPTIONS", "DF_OPTIONS", "mean", "proportion", "ratio", "total"]

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
        SPSS), or for a replicate design R's ``degf()``, the rank of its analysis weights
        minus 1; ``"domain"``: the same among the domain's rows (R's ``degf()`` of the subset
        design).
"""


def estimate(design, request: Request, by, where, options: Options, attrs: dict, *,
             with_covariance: bool = False):
    """One request over the domains of ``by`` (and ``where``) as the estimator result frame;
    ``attrs`` start its conventions. With ``with_covariance``, ``(frame, covariance)``: the
    joint design covariance of its rows from the same pass (what
    :func:`~mics_toolkit.estimate.covariance` gives for the frame)."""
    names = by_names(by)
    [block] = estimate_blocks(design, [request], [names], where, options,
                              keep_scores=with_covariance)
    _, method = analysis_of(design)
    conventions = {**method.conventions(), **attrs, "by": list(names), "where": where_text(where)}
    if request.kind == "proportion":
        conventions["interval"] = options.interval
    conventions.update(df=options.df, deff=method.deff, level=options.level, ci=options.ci,
                       ci_method=(options.proportion_interval if request.kind == "proportion"
                                  else None))
    frame = result_frame(block.table, block.statistics, levels=block.levels, attrs=conventions)
    if not with_covariance:
        return frame
    return frame, method.covariance([block.scores])


def request_of(statistic: str, variable) -> tuple[Request, dict]:
    """The engine's request of an estimator given by name (``"mean"``, ``"proportion"``,
    ``"total"`` or ``"ratio"`` with ``variable`` = (numerator, denominator)) and the start of
    its conventions, as the estimator of that name makes them."""
    if statistic == "ratio":
        numerator, denominator = variable
        return (Request("ratio", numerator, denominator),
                {"estimator": "ratio", "numerator": numerator, "denominator": denominator})
    return Request(statistic, variable), {"estimator": statistic, "variable": variable}


def mean(
    design,
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
    design : SurveyDesign, Design or ReplicateDesign
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
    options = Options.checked(level, ci, df)
    request, attrs = request_of("mean", variable)
    return estimate(design, request, by, where, options, attrs)


def total(
    design,
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
    design : SurveyDesign, Design or ReplicateDesign
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
    options = Options.checked(level, ci, df)
    request, attrs = request_of("total", variable)
    return estimate(design, request, by, where, options, attrs)


def ratio(
    design,
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
    design : SurveyDesign, Design or ReplicateDesign
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
    options = Options.checked(level, ci, df)
    request, attrs = request_of("ratio", (numerator, denominator))
    return estimate(design, request, by, where, options, attrs)


def proportion(
    design,
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
    design : SurveyDesign, Design or ReplicateDesign
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
    options = Options.checked(level, ci, df, ci_method)
    request, attrs = request_of("proportion", variable)
    return estimate(design, request, by, where, options, attrs)


for _function in (mean, total, ratio, proportion):
    _function.__doc__ = _function.__doc__.replace("    {common}\n", _COMMON_DOC.lstrip("\n"))
