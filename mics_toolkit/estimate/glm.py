"""Design-based generalised linear models (R ``svyglm``) and Wald tests of their terms (R
``regTermTest``).

:func:`glm` fits a model given as a formula (patsy's syntax, as statsmodels: ``"y ~ C(g) + x"``,
``a:b``, ``a * b``) to the rows of a domain by weighted iteratively reweighted least squares
(statsmodels ``GLM``), and joins the engine as any statistic does: the row influence values of
the estimating equation ``sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i) = 0``,
``z_i = B^-1 U_i`` with ``U_i`` the weighted score of row i and ``B`` the weighted information,
go to :func:`~mics_toolkit.estimate.scores.influence_scores`; the design's variance method
(Taylor, calibrated or replicate, see :mod:`mics_toolkit.estimate.engine`) gives their
covariance. For replicate designs the model is fitted again with each replicate's weights,
starting from the full-sample coefficients (R's ``svyglm.svyrep.design``). The model matrix
comes from :mod:`mics_toolkit.estimate.model_matrix`; the rows are fitted once per covariate
pattern and reach the engine, held on the rows of the fit, as
:class:`~mics_toolkit.estimate.scores.GroupedInfluence`.

The result is a :class:`GlmResult`: coefficients, standard errors, t tests with the residual
degrees of freedom, intervals, the covariance, a plain-text summary, a tidy frame and
:meth:`GlmResult.wald_test` for the terms of the model.
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import (
    ExpressionError,
    MicsWarning,
    OptionError,
    VariableError,
    WeightError,
    caller_stacklevel,
    check_option,
)
from mics_toolkit.estimate.contrasts import t_test_columns
from mics_toolkit.estimate.engine import analysis_of, check_request
from mics_toolkit.estimate.frame import Conventions
from mics_toolkit.estimate.model_matrix import (
    CodedColumn,
    categorical_function,
    model_matrices,
    parse_formula,
)
from mics_toolkit.estimate.options import DF_OPTIONS, DfRule, where_array, where_text
from mics_toolkit.estimate.products import Request
from mics_toolkit.estimate.scores import GroupedInfluence, ReplicateUnits, influence_scores

__all__ = ["FAMILIES", "GLM_COLUMNS", "WALD_COLUMNS", "GlmFamily", "GlmResult", "glm"]

GlmFamily = Literal["gaussian", "binomial", "poisson"]
FAMILIES: tuple[str, ...] = ("gaussian", "binomial", "poisson")

#: Columns of :meth:`GlmResult.to_frame`.
GLM_COLUMNS: tuple[str, ...] = (
    "term", "estimate", "se", "ci_lower", "ci_upper", "statistic", "p_value",
)
#: Columns of :meth:`GlmResult.wald_test`.
WALD_COLUMNS: tuple[str, ...] = ("term", "statistic", "df_num", "df_den", "p_value")

# Fitted probabilities (rates) this close to 0 or 1 signal separation: IRLS stops on the
# deviance while a diverging linear predictor is near 20 (R's glm.fit warns only within 10
# machine epsilons, which it rarely reaches).
_NEAR_BOUND = 1e-8
# A coefficient whose largest contribution |beta_j x_ij| to the linear predictor exceeds this
# is taken as diverging when the fit separates (exp(10) ~ 22000 on the odds or rate scale).
_DIVERGING = 10.0
# A column is aliased when its weighted residual on the columns before it keeps less than this
# share of its own weighted sum of squares (R's glm.fit: qr tolerance 1e-7 on the columns).
_ALIASED = 1e-7
# IRLS stops when the deviance (the rows' weights scaled to mean 1) changes by less than this.
_TOLERANCE = 1e-10
_MAX_ITERATIONS = 100
# The Newton steps that find statsmodels' starting values stop when no coefficient changes by
# more than this (relative to the largest, at least 1), or give up after this many steps.
_START_TOLERANCE = 1e-6
_START_STEPS = 25

_LINKS = {"gaussian": "identity", "binomial": "logit", "poisson": "log"}
_R_FAMILIES = {"gaussian": "gaussian", "binomial": "quasibinomial", "poisson": "quasipoisson"}


@dataclass(frozen=True, eq=False)
class GlmResult:
    """A design-based generalised linear model fitted by :func:`glm`.

    Attributes
    ----------
    formula : str
    family : {"gaussian", "binomial", "poisson"}
    link : str
        ``"identity"``, ``"logit"`` or ``"log"`` (the canonical link of the family).
    params : pandas.Series
        Coefficients, indexed by the model's column names (patsy's: ``"Intercept"``,
        ``"C(HH6)[T.2]"``, ``"WB4"``, ``"C(HH6)[T.2]:WB4"``).
    bse : pandas.Series
        Their design-based standard errors.
    df_resid : float
        Residual degrees of freedom: the design df + 1 - the number of coefficients (R's
        ``svyglm``); used by the t tests, the intervals and :meth:`wald_test`.
    nobs : int
        Rows of the fit with positive weight.
    n_weighted : float
        Their sum of weights.
    dispersion : float
        R's ``summary.svyglm`` dispersion (see :func:`glm`); it is shown, not used by the SEs.
    converged : bool
        Whether IRLS converged.
    iterations : int
        IRLS iterations of the full-sample fit (the Newton steps to its starting values
        included).
    terms : Mapping
        Term name -> the positions of its coefficients (``"C(windex5)"`` -> (2, 3, 4, 5)).
    conventions : Conventions
        What changes the numbers (design, variance method, df rule, ``where``), as the
        ``attrs["mics"]`` of :meth:`to_frame`.
    """

    formula: str
    family: str
    link: str
    params: pd.Series
    bse: pd.Series
    df_resid: float
    nobs: int
    n_weighted: float
    dispersion: float
    converged: bool
    iterations: int
    terms: Mapping
    conventions: Conventions = field(repr=False)
    covariance: np.ndarray = field(repr=False)

    @property
    def tvalues(self) -> pd.Series:
        """``params / bse``."""
        return (self.params / self.bse).rename("statistic")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the t statistics with ``df_resid`` degrees of freedom (NaN
        when ``df_resid <= 0``, as R)."""
        return pd.Series(self._t_columns(0.95)["p_value"].to_numpy(), index=self.params.index,
                         name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals ``params -+ t_{df_resid}((1 + level) / 2) * bse`` (R's
        ``confint.svyglm``, Wald).

        Returns
        -------
        pandas.DataFrame
            Columns ``ci_lower, ci_upper``, indexed by coefficient.

        Raises
        ------
        OptionError
            ``level`` not between 0 and 1.
        """
        columns = self._t_columns(level)
        return pd.DataFrame({"ci_lower": columns["ci_lower"].to_numpy(),
                             "ci_upper": columns["ci_upper"].to_numpy()},
                            index=self.params.index)

    def _t_columns(self, level: float) -> pd.DataFrame:
        """The t-test columns of the coefficients (the package's one home for them,
        :func:`~mics_toolkit.estimate.contrasts.t_test_columns`)."""
        n = len(self.params)
        return t_test_columns(list(self.params.index), self.params.to_numpy(),
                              self.bse.to_numpy() ** 2, np.full(n, self.df_resid), level, "t")

    def cov_params(self) -> pd.DataFrame:
        """The design covariance of the coefficients (R's ``vcov(svyglm)``)."""
        index = self.params.index
        return pd.DataFrame(self.covariance.copy(), index=index, columns=index)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per coefficient: ``term, estimate, se, ci_lower, ci_upper, statistic,
        p_value`` (statistic: the t value with ``df_resid`` df), with ``attrs["mics"]`` the
        conventions."""
        columns = self._t_columns(level).rename(columns={"contrast": "term"})
        frame = columns[list(GLM_COLUMNS)].copy()
        frame.attrs["mics"] = Conventions({**self.conventions, "level": level})
        return frame

    def wald_test(self, terms: str | Sequence[str]) -> pd.DataFrame:
        """Wald test that every coefficient of one or more terms is 0 (R's ``regTermTest``,
        ``method="Wald"``).

        Parameters
        ----------
        terms : str or sequence of str
            Term names as in the formula's expansion: ``"C(windex5)"``, ``"WB4"``,
            ``"C(HH6):WB4"`` (the factors of an interaction in any order).

        Returns
        -------
        pandas.DataFrame
            One row: ``term`` (the terms joined by ``" + "``), ``statistic`` (F =
            ``b' V^-1 b / q``), ``df_num`` (q, the number of coefficients tested), ``df_den``
            (``df_resid``), ``p_value`` (upper tail of F(q, df_resid); NaN when
            ``df_resid <= 0``). NaN statistic and p-value when the covariance of the
            coefficients tested is singular.

        Raises
        ------
        OptionError
            A term that is not in the model (the model's terms are listed).
        """
        from scipy import special
        names = [terms] if isinstance(terms, str) else list(terms)
        if not names:
            raise OptionError("wald_test() needs at least one term", option="terms",
                              value=terms, valid=tuple(self.terms))
        canonical = {_canonical_term(name): name for name in self.terms}
        positions: list[int] = []
        for name in names:
            key = canonical.get(_canonical_term(name)) if isinstance(name, str) else None
            if key is None:
                raise OptionError(
                    f"the model {self.formula!r} has no term {name!r}; its terms are: "
                    f"{', '.join(repr(t) for t in self.terms)}",
                    option="terms", value=name, valid=tuple(self.terms),
                )
            positions.extend(p for p in self.terms[key] if p not in positions)
        index = np.asarray(positions, dtype=np.intp)
        beta = self.params.to_numpy()[index]
        covariance = self.covariance[np.ix_(index, index)]
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                chisq = float(beta @ np.linalg.solve(covariance, beta))
        except np.linalg.LinAlgError:  # singular (a separated fit): no test, as R cannot
            chisq = np.nan
        q = len(index)
        statistic = chisq / q
        df_den = self.df_resid
        p_value = float(special.fdtrc(q, df_den, statistic)) if df_den > 0 else np.nan
        frame = pd.DataFrame({
            "term": [" + ".join(names)],
            "statistic": [statistic],
            "df_num": np.array([q], dtype=np.int64),
            "df_den": [float(df_den)],
            "p_value": [p_value],
        })
        frame.attrs["mics"] = Conventions({**self.conventions, "test": "Wald F (R regTermTest)"})
        return frame

    def summary(self, level: float = 0.95) -> str:
        """The model, its design and its coefficients as plain text (no dates or times)."""
        c = self.conventions
        lines = [
            "Design-based generalised linear model (R svyglm)",
            f"Formula:     {self.formula}",
            f"Family:      {self.family} (R {_R_FAMILIES[self.family]}), link {self.link}",
            f"Variance:    {c['variance']}",
            f"Design:      {c['design']}",
        ]
        if c.get("where") is not None:
            lines.append(f"Where:       {c['where']}")
        lines += [
            f"Rows:        {self.nobs} with positive weight (weighted {self.n_weighted:.6g})",
            f"Residual df: {self.df_resid:g} (design df {c['df_design']:g} ({c['df']}) + 1 - "
            f"{len(self.params)} coefficients)",
            "",
        ]
        frame = self.to_frame(level)
        header = ("term", "estimate", "se", "t value", "Pr(>|t|)", "ci_lower", "ci_upper")
        rows = [header] + [
            (str(r.term), *(_number(v) for v in (r.estimate, r.se, r.statistic, r.p_value,
                                                 r.ci_lower, r.ci_upper)))
            for r in frame.itertuples(index=False)
        ]
        widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [row[k].rjust(widths[k])
                                                 for k in range(1, len(row))]
            lines.append("  ".join(cells).rstrip())
        lines += [
            "",
            f"Intervals: {level:g} level, t with {self.df_resid:g} df.",
            f"Dispersion: {_number(self.dispersion)} (R summary.svyglm; not used by the SEs).",
        ]
        if not self.converged:
            lines.append(f"IRLS did not converge in {self.iterations} iterations.")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return (f"GlmResult(formula={self.formula!r}, family={self.family!r}, "
                f"{len(self.params)} coefficients, nobs={self.nobs}, df_resid={self.df_resid:g})")


def glm(design, formula: str, family: GlmFamily = "gaussian", where=None,
        df: DfRule = "design") -> GlmResult:
    """Fit a design-based generalised linear model (R ``svyglm``).

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    formula : str
        ``"response ~ terms"`` in patsy's formula syntax (the one statsmodels uses):
        ``C(HH6)`` for a categorical variable (treatment coding, the first level in sorted
        order is the reference, as R's ``factor``), ``a:b`` an interaction, ``a * b`` both
        main effects and their interaction, ``I(WB4 ** 2)`` arithmetic, ``np.log(x)``,
        ``- 1`` no intercept. Text columns are categorical without ``C()``.
    family : {"gaussian", "binomial", "poisson"}
        ``"gaussian"`` (identity link, R's default); ``"binomial"`` (logit link) gives R's
        ``quasibinomial`` coefficients and SEs, for a response of 0/1 or proportions in
        [0, 1] (no warning for non-integer weights); ``"poisson"`` (log link) R's
        ``quasipoisson``, for a response >= 0.
    where : str or array-like of bool, optional
        Fit the model to a subpopulation (domain): an expression of the safe expression
        language or one boolean per row. The rows outside keep their PSUs in the design (their
        influence values are 0), as R's ``subset()`` of a design and the estimators' ``where``.
    df : {"design", "domain"}
        The design degrees of freedom that ``df_resid`` starts from: ``"design"`` (default)
        those of the full design, as the estimators (PSUs minus strata among rows of positive
        weight; for replicate designs the rank of the analysis weights minus 1);
        ``"domain"`` the same among the rows of the fit, R's ``degf()`` of the subset design
        that ``svyglm`` uses.

    Returns
    -------
    GlmResult

    Raises
    ------
    OptionError
        An unknown ``family`` or ``df``.
    ExpressionError
        A formula that cannot be parsed or evaluated, without a response, or whose columns
        are collinear (named; R reports them as NA).
    VariableError
        A variable of the formula that is not in the data (close names suggested), a
        response that is not one numeric variable, a binomial response outside [0, 1] or a
        negative Poisson response (rows counted).
    WeightError
        No row of the domain has a positive weight, or fewer rows than coefficients.

    Warns
    -----
    MicsWarning
        Separation: fitted probabilities (binomial) or rates (poisson) numerically 0 or 1 on
        some rows, naming the coefficients that diverge; IRLS not converged.
    SpecialCodeWarning
        A numeric variable of the formula holds special codes (99 "No response") on the rows
        of the fit.

    Notes
    -----
    Rows: those in ``where`` with a value for every variable of the formula (R's
    ``na.omit`` after ``subset``). Coefficients: weighted IRLS with the design weights
    ``w_i`` scaled to mean 1 over the rows of the fit, to a deviance change below 1e-10
    (statsmodels ``GLM`` with ``var_weights``, started at its fixed point found by Newton
    steps, so that it converges in one iteration). With ``mu'_i = dmu/deta``, ``V`` the
    family's variance function and ``x_i`` the model row, the score of row i is
    ``U_i = w_i x_i (y_i - mu_i) mu'_i / V(mu_i)`` and ``B = sum_i w_i mu'_i^2 / V(mu_i)
    x_i x_i'``; the influence values ``z_i = B^-1 U_i`` (0 outside the fit) give the
    covariance through the design's variance method, R's ``svy.varcoef``
    (``svyrecvar(estfun %*% Ainv)``, with ``postStrata`` for calibrated designs). Replicate
    designs: the model is fitted again with each replicate's weights from the full-sample
    coefficients and ``V = scale * sum_r rscales_r (b_r - centre)(b_r - centre)'``; a
    replicate whose columns are collinear has no estimate and is left out with a warning.
    Rows with the same values of every variable of the formula (a pattern) share their
    influence per unit of weight, and each PSU's score sums them grouped; rows with the same
    values of the terms' variables (a covariate pattern) are fitted as one row with the sum
    of their weights and their weighted mean response (the estimating equations and every
    IRLS step are linear in ``w_i y_i`` over rows with the same ``x_i``). The results are
    those of the row-by-row fit (formulas with a stateful transformation such as
    ``center(x)`` are fitted row by row).

    ``df_resid = df + 1 - p`` (R: ``degf(design) + 1 - length(coef)``), p the number of
    coefficients; t tests, intervals and :meth:`GlmResult.wald_test` use it.
    The dispersion is R 4.1-1's ``summary.svyglm`` for Taylor designs: ``svyvar`` of the
    Pearson residuals ``r_i = (y_i - mu_i) sqrt(c / V(mu_i))``, i.e.
    ``n / (n - 1) sum_i w_i (r_i - rbar)^2 / sum_i w_i`` over the n rows of the fit with
    positive weight, ``rbar`` their weighted mean; ``c`` is 1 without missing values, else
    R's ratio of the mean weights of its design after and before the rows with missing
    values are dropped (``(W_fit / n_fit) / (W_domain / n_domain)``, for calibrated designs,
    which keep every row, ``W_fit / W_domain``). Replicate designs get the same value; R
    4.1-1's ``residuals.svrepglm`` scales the Pearson residuals by
    ``sqrt(W_fit n_domain / W_domain)``, so its dispersion is about n times this one.

    R: ``svyglm(formula, design, family = quasibinomial())`` (``subset(design, cond)`` for
    ``where``), ``vcov``, ``confint``, ``summary``; Stata: ``svy: glm``.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. International Statistical Review 51, 279-292.
    Lumley, T. and Scott, A. (2017). Fitting regression models to survey data. Statistical
    Science 32, 265-278.

    Examples
    --------
    >>> fit = design.glm("happy ~ C(HH6) + C(windex5) + WB4", family="binomial")
    ... # doctest: +SKIP
    >>> fit.params, fit.bse, fit.conf_int()                          # doctest: +SKIP
    >>> fit.wald_test("C(windex5)")                                  # doctest: +SKIP
    """
    check_option("family", family, FAMILIES)
    check_option("df", df, DF_OPTIONS)
    if not isinstance(formula, str):
        raise ExpressionError(f"formula must be a string such as 'y ~ x', not "
                              f"{type(formula).__name__}", expression=None, position=None)
    base, method = analysis_of(design)
    mask = where_array(base.frame, where, base.n_rows)
    model = _model_matrices(base, formula, mask, family)
    fit = _fit(model, family)
    _warn_fit(model, fit, family)

    # z_ik = w_i G[pattern(i), k], 0 outside the fit: the engine sums the weights of each
    # (cell, pattern) times the pattern's G, without the (N, K) values
    influence = GroupedInfluence(model.row_pattern, model.weights, fit.unit_influence,
                                 rows=model.rows, n_rows=base.n_rows)
    n_weighted = float(model.weights.sum())

    def replicates(units: ReplicateUnits) -> np.ndarray:
        return _replicate_coefficients(base, model, family, fit.params, units)

    # one domain, every row (the engine's cached partition: the cells are the PSUs); the
    # rows of the fit are the rows used
    scores = influence_scores(base, influence, fit.params[None, :], replicates,
                              weight_total=np.array([n_weighted]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        covariance = method.covariance([scores])
        covariance = (covariance + covariance.T) / 2  # exactly symmetric (replicate products)
        degrees = float(method.degrees_of_freedom(scores, df)[0, 0])
    for message in {(w.category, str(w.message)): w for w in caught}.values():
        warnings.warn(message.message, stacklevel=caller_stacklevel())
    n_columns = model.n_columns
    df_resid = degrees + 1 - n_columns
    with np.errstate(invalid="ignore"):
        bse = np.sqrt(np.diag(covariance))
    index = pd.Index(model.names, name="term")
    replicate_design = getattr(method, "kind", None) == "replicate"
    conventions = {
        **method.conventions(),
        "estimator": "glm",
        "formula": formula,
        "family": family,
        "link": _LINKS[family],
        "where": where_text(where),
        "df": df,
        "df_design": degrees,
        "df_resid": df_resid,
        "variance": _variance_text(method),
        "design": repr(design),
    }
    return GlmResult(
        formula=formula,
        family=family,
        link=_LINKS[family],
        params=pd.Series(fit.params, index=index, name="estimate"),
        bse=pd.Series(bse, index=index, name="se"),
        df_resid=df_resid,
        nobs=int(np.count_nonzero(model.weights > 0)),
        n_weighted=n_weighted,
        dispersion=_dispersion(model, fit, family, base, replicate_design),
        converged=fit.converged,
        iterations=fit.iterations,
        terms=dict(model.terms),
        conventions=Conventions(conventions),
        covariance=covariance,
    )


# ---------------------------------------------------------------------------------- the model


@dataclass(frozen=True, eq=False)
class _Model:
    """The model on the rows of the fit, held by covariate pattern.

    Rows with the same values of every variable of the formula (response included) have the
    same model row and response: the fit and its influence values need each distinct
    pattern once, with the sum of its rows' weights (the estimating equations and the
    information are sums over rows, so they are the same sums grouped). Formulas with a
    stateful transformation (``center``, ``standardize``, splines), which depend on all the
    values, are not grouped, nor are data where most rows are distinct.

    Attributes
    ----------
    formula, response : str
        The formula, and the response as written.
    rows : numpy.ndarray of int, shape (n,)
        Positions of the fit's rows in the design.
    row_pattern : numpy.ndarray of int, shape (n,)
        The pattern of each row.
    weights : numpy.ndarray, shape (n,)
        Design weights of the rows.
    y : numpy.ndarray, shape (m,)
    x : numpy.ndarray, shape (m, p)
        Response and model row of each pattern.
    pattern_weights : numpy.ndarray, shape (m,)
        Sum of the weights of each pattern's rows.
    names : list of str
        The p column names.
    terms : dict
        Term name -> tuple of column positions.
    domain_rows : int
        Rows of the domain before rows with missing values are dropped (R's design at the fit).
    domain_weight : float
        Their sum of weights.
    covariates : tuple of numpy.ndarray, optional
        ``(index (m,), first (c,))``: the covariate pattern of each pattern (patterns that
        differ only in the response share one) and a pattern of each covariate pattern, when
        there are fewer covariate patterns than patterns; None otherwise.
    """

    formula: str
    response: str
    rows: np.ndarray
    row_pattern: np.ndarray
    weights: np.ndarray
    y: np.ndarray
    x: np.ndarray
    pattern_weights: np.ndarray
    names: list[str]
    terms: dict
    domain_rows: int
    domain_weight: float
    covariates: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_columns(self) -> int:
        return self.x.shape[1]

    @property
    def positive_rows(self) -> np.ndarray:
        """Rows of positive weight per pattern, (m,)."""
        return np.bincount(self.row_pattern, weights=self.weights > 0,
                           minlength=len(self.y))


# Transformations whose value at a row depends on the other rows (patsy's stateful transforms).
_STATEFUL = frozenset({"center", "standardize", "scale", "bs", "cr", "cc", "te"})
# Rows are grouped by covariate pattern when there are at most this share as many patterns.
_GROUPED = 0.5
# Whole numbers spanning at most this many values are pattern codes as they are.
_PATTERN_SPAN = 100_000


def _model_matrices(base, formula: str, mask, family: str) -> _Model:
    """Parse ``formula``, check its variables, and build y and X on the fit's patterns."""
    import patsy

    description = parse_formula(formula)
    if not description.lhs_termlist:
        raise ExpressionError(
            f"the formula {formula!r} has no response: write it as 'response ~ terms'",
            expression=formula, position=0,
        )
    namespace = {"np": np, "C": categorical_function()}
    known = set(namespace) | set(patsy.builtins.__all__) | set(dir(builtins))
    names, called, categorical = _variables(
        description.lhs_termlist + description.rhs_termlist, base, known, formula)
    domain = np.ones(base.n_rows, dtype=bool) if mask is None else mask.copy()
    domain_rows = int(domain.sum())
    left_out = ~domain
    for name in names:
        numbers = base.numeric(name)
        left_out |= (np.isnan(numbers) if numbers is not None
                     else pd.isna(base.frame[name]).to_numpy())
    complete = ~left_out
    rows = np.flatnonzero(complete)

    def analysed() -> np.ndarray:
        return complete

    for name in names:
        if base.numeric(name) is not None:
            check_request(base, Request("glm", name), analysed)
    covariates = _variables(description.rhs_termlist, base, known, formula)[0]
    grouped = None if called & _STATEFUL else _patterns(base, names, rows, covariates)
    first, row_pattern, covariate = grouped if grouped is not None else (
        np.arange(len(rows)), np.arange(len(rows)), None)
    data = {name: _model_column(base, name, rows[first], name in categorical)
            for name in names}
    matrices = model_matrices(formula, data, namespace)
    response = formula.split("~", 1)[0].strip()
    if matrices.y.shape[1] != 1:
        raise VariableError(
            f"the response {response!r} of the formula {formula!r} must be one numeric "
            f"variable (0/1 or a proportion for family='binomial'); it gives the columns "
            f"{matrices.y_names}",
            variable=response, file=base.source,
        )
    y, x = matrices.y[:, 0], matrices.x
    finite = np.isfinite(y) & np.isfinite(x).all(axis=1)
    if not finite.all():  # a transformation gave missing values (np.log(0)): rows dropped
        kept = np.flatnonzero(finite)
        y, x = y[kept], x[kept]
        covariate = None if covariate is None else covariate[kept]
        renumber = np.full(len(first), -1)
        renumber[kept] = np.arange(len(kept))
        row_pattern = renumber[row_pattern]
        inside = row_pattern >= 0
        rows, row_pattern = rows[inside], row_pattern[inside]
    weights = base.weights[rows]
    terms = {name: tuple(range(s.start, s.stop)) for name, s in matrices.terms.items()}
    model = _Model(
        formula, response, rows, row_pattern, weights, np.ascontiguousarray(y),
        np.ascontiguousarray(x), np.bincount(row_pattern, weights=weights, minlength=len(y)),
        list(matrices.names), terms, domain_rows,
        float((base.weights if mask is None else base.weights[domain]).sum()),
        None if covariate is None else _runs(covariate),
    )
    _check_model(model, family, base)
    return model


def _patterns(base, names: list[str], rows: np.ndarray, covariates: Sequence[str] = ()):
    """``(first, row_pattern, covariate)``: a row of each distinct combination of the values
    of ``names`` on ``rows``, the combination of every row, and a key of each
    combination's values of the ``covariates`` among the names (non-decreasing over the
    combinations: they are ordered by the covariates first); None when there are more than
    ``_GROUPED`` as many combinations as rows (grouping would not pay)."""
    ordered = sorted(names, key=lambda n: n not in covariates)  # covariates first, stable
    n_covariates = sum(n in covariates for n in names)
    key = None
    size = after = 1  # after: the span of the names after the covariates
    for position, name in enumerate(ordered):
        found = _pattern_codes(base, name, rows)
        if found is None:
            return None
        codes, n_codes = found
        size *= max(n_codes, 1)
        if position >= n_covariates:
            after *= max(n_codes, 1)
        if size >= 2**62:
            return None
        if key is None:
            key = codes.astype(np.int64, copy=True)
        else:
            key *= n_codes
            key += codes
    if key is None:
        key = np.zeros(len(rows), dtype=np.int64)
    if size <= 4 * len(rows) + 1024:  # combinations as dense codes, without a sort
        present = np.zeros(size, dtype=bool)
        present[key] = True
        n_patterns = int(present.sum())
        if n_patterns > _GROUPED * len(rows):
            return None
        code = np.cumsum(present) - 1
        row_pattern = code[key]
        first = np.empty(n_patterns, dtype=np.intp)
        first[row_pattern] = np.arange(len(rows))  # the last row of each: a plain scatter
    else:
        _, first, row_pattern = np.unique(key, return_index=True, return_inverse=True)
        if len(first) > _GROUPED * len(rows):
            return None
        row_pattern = row_pattern.reshape(-1)
    return first, row_pattern, key[first] // after


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(index, first)`` of non-decreasing ``keys``: the run of equal keys of each position
    and the first position of each run; None when every key is its own run."""
    change = np.empty(len(keys), dtype=bool)
    change[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    first = np.flatnonzero(change)
    if len(first) == len(keys):
        return None
    return np.cumsum(change) - 1, first


def _pattern_codes(base, name: str, rows: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Codes of column ``name`` on ``rows`` that increase with its values, and a bound on
    them: whole numbers of a small span (survey codes, whole years) as the value minus the
    lowest, read from the rows only; any other column the design's codes of its values, or
    None when it has more than ``_GROUPED`` as many values as there are rows (an exact
    measurement: grouping the rows would not pay)."""
    numbers = base.numeric(name, role="analysis")
    if numbers is not None and len(rows):
        values = numbers[rows]
        low, high = float(values.min()), float(values.max())
        if -(2.0**53) < low and high < 2.0**53 and high - low <= _PATTERN_SPAN:
            whole = values.astype(np.int64)
            if np.array_equal(whole, values):
                whole -= int(low)
                return whole, int(high - low) + 1
    codes, uniques = base.codes(name, role="analysis")
    if len(uniques) > _GROUPED * len(rows):
        return None
    return codes[rows], len(uniques)


def _variables(termlist, base, known: set, formula: str) -> tuple[list[str], set, set]:
    """The data columns named by the factors of ``termlist`` in order, every name the factors
    use, and the columns used only as ``C(column, ...)``; VariableError (with close names)
    for a name that is neither a column nor a known function."""
    columns = set(base.frame.columns)
    found: list[str] = []
    called: set = set()
    in_c: dict[str, bool] = {}
    for term in termlist:
        for factor in term.factors:
            code = factor.name()
            try:
                read = _names(code)
            except SyntaxError:
                raise ExpressionError(f"the formula {formula!r} has a term that is not "
                                      f"valid: {code!r}", expression=formula,
                                      position=formula.find(code)) from None
            for name, categorical in read:
                called.add(name)
                if name in columns:
                    found.append(name)
                    in_c[name] = in_c.get(name, True) and categorical
                elif name not in known:
                    base.column(name, role="formula")  # raises with close names
    return list(dict.fromkeys(found)), called, {n for n, only in in_c.items() if only}


@functools.lru_cache(maxsize=1024)
def _names(code: str) -> tuple[tuple[str, bool], ...]:
    """The names a factor's code reads (bare names, and ``Q("name")`` arguments), each with
    whether it is the first argument of ``C()`` (kept per code; SyntaxError when it is not
    Python)."""
    tree = ast.parse(code, mode="eval")
    first_of_c = {id(node.args[0]) for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "C" and node.args}
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.append((node.id, id(node) in first_of_c))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "Q" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.append((node.args[0].value, False))
    return tuple(out)


def _model_column(base, name: str, rows: np.ndarray, categorical: bool):
    """Column ``name`` on ``rows`` as patsy reads it: numbers (and logical values) as float64,
    whole numbers as int64 (levels ``C(x)[T.2]``, not ``[T.2.0]``); text, and numbers used
    only as ``C(name)``, as a pandas categorical of the values that occur in sorted order
    (patsy's levels, which it then reads without a pass over every value); a categorical
    column with the categories that occur, in their order."""
    numbers = base.numeric(name)
    if numbers is not None:
        values = numbers[rows]
        if np.all(np.abs(values) < 2**53) and np.array_equal(np.trunc(values), values):
            values = values.astype(np.int64)
        if not categorical:
            return values
        levels, codes = np.unique(values, return_inverse=True)
        return CodedColumn(codes.reshape(-1), tuple(levels.tolist()))
    series = base.frame[name].iloc[rows].reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.remove_unused_categories()
    values = series.to_numpy(dtype=object)
    try:
        levels = sorted(set(values))
    except TypeError:  # mixed types: patsy's own ordering
        return series
    return pd.Categorical(values, categories=levels)


def _check_model(model: _Model, family: str, base) -> None:
    """Responses in range, positive weights, at least as many rows as coefficients, and no
    aliased columns."""
    y = model.y
    name = model.response
    where = f" in {base.source}" if base.source else ""

    def rows_of() -> np.ndarray:
        return np.bincount(model.row_pattern, minlength=len(y))

    if family == "binomial":
        bad = (y < 0) | (y > 1)
        if bad.any():
            raise VariableError(
                f"the response {name!r}{where} of a binomial model must be 0/1 or a proportion "
                f"in [0, 1]; {int(rows_of()[bad].sum())} rows of the fit are outside (e.g. "
                f"{_examples(y[bad])}). Recode it as a 0/1 column, or exclude those rows "
                "with where=",
                variable=name, file=base.source,
            )
    if family == "poisson":
        bad = y < 0
        if bad.any():
            raise VariableError(
                f"the response {name!r}{where} of a poisson model must be >= 0; "
                f"{int(rows_of()[bad].sum())} rows of the fit are negative (e.g. "
                f"{_examples(y[bad])})",
                variable=name, file=base.source,
            )
    n_positive = int(np.count_nonzero(model.weights > 0))
    if n_positive == 0:
        raise WeightError(
            f"the model {model.formula!r} has no row with a positive weight in the domain "
            f"({len(model.rows)} rows with values for every variable, {model.domain_rows} in "
            "the domain)",
            variable=base.weight, n_bad=len(model.rows),
        )
    if n_positive < model.n_columns:
        raise WeightError(
            f"the model {model.formula!r} has {model.n_columns} coefficients but only "
            f"{n_positive} rows of positive weight with values for every variable",
            variable=base.weight, n_bad=n_positive,
        )
    positive = model.pattern_weights > 0
    aliased = _aliased_columns(model.x[positive], model.pattern_weights[positive])
    if aliased:
        names = [model.names[k] for k in aliased]
        raise ExpressionError(
            f"the columns {', '.join(repr(n) for n in names)} of the formula "
            f"{model.formula!r} are linear combinations of the columns before them on the rows "
            "of the fit (collinear terms, or a level with no row of positive weight); R would "
            "report their coefficients as NA. Drop or merge them.",
            expression=model.formula, position=None,
        )


def _aliased_columns(x: np.ndarray, weights: np.ndarray) -> list[int]:
    """Columns whose weighted residual on the non-aliased columns before them is below
    ``_ALIASED`` of their weighted norm (sequential Gram-Schmidt in column order, as R's
    pivoting QR keeps the earlier columns)."""
    from scipy import linalg
    gram = x.T @ (x * (weights / weights.mean())[:, None])
    norms = np.diag(gram).copy()
    try:  # the common case: the residual of column j on all before it is L_jj^2
        pivots = np.diag(np.linalg.cholesky(gram)) ** 2
    except np.linalg.LinAlgError:
        pivots = None
    if pivots is not None and np.all((pivots > _ALIASED * norms) & (norms > 0)):
        return []
    aliased: list[int] = []
    kept: list[int] = []
    for j in range(len(norms)):
        residual = norms[j]
        if kept and residual > 0:
            cross = gram[kept, j]
            try:
                residual -= cross @ linalg.solve(gram[np.ix_(kept, kept)], cross,
                                                 assume_a="pos")
            except (linalg.LinAlgError, ValueError):
                residual = 0.0
        if residual <= _ALIASED * norms[j] or norms[j] <= 0:
            aliased.append(j)
        else:
            kept.append(j)
    return aliased


def _examples(values: np.ndarray) -> str:
    shown = sorted(set(np.round(values, 6).tolist()))[:3]
    return ", ".join(f"{v:g}" for v in shown)


# ------------------------------------------------------------------------------------ the fit


@dataclass(frozen=True, eq=False)
class _Fit:
    """The full-sample fit: coefficients, fitted values of the patterns, and per pattern the
    influence of one unit of weight, ``B^-1 x_p (y_p - mu_p) mu'_p / V(mu_p)`` (a row's
    influence value is its weight times its pattern's)."""

    params: np.ndarray
    mu: np.ndarray
    unit_influence: np.ndarray
    converged: bool
    iterations: int


def _family(family: str):
    from statsmodels.genmod import families

    return {"gaussian": families.Gaussian, "binomial": families.Binomial,
            "poisson": families.Poisson}[family]()


def _irls(x, y, weights, family, start=None, scale=None):
    """statsmodels IRLS fit with ``var_weights`` = weights / scale (default: their mean);
    returns (params, mu, converged, iterations)."""
    from statsmodels.genmod.generalized_linear_model import GLM

    scaled = weights / (weights.mean() if scale is None else scale)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = GLM(y, x, family=family, var_weights=scaled).fit(
            start_params=start, tol=_TOLERANCE, maxiter=_MAX_ITERATIONS, wls_method="lstsq")
        history = getattr(result, "fit_history", {}) or {}
        return (np.asarray(result.params, dtype=float), np.asarray(result.mu, dtype=float),
                bool(result.converged), int(history.get("iteration", 0)))


def _start(x, y, weights, family) -> tuple[np.ndarray | None, int]:
    """Coefficients at the fixed point of IRLS by plain Newton steps (the normal equations
    solved directly, from statsmodels' starting values), and the steps taken.

    statsmodels' fit started there converges in one iteration to the coefficients it would
    reach from its own start (the same weighted least squares at the same fixed point, to
    rounding), without its overhead per iteration. None when the steps do not settle within
    ``_START_STEPS`` (separation, a singular information): statsmodels then starts from its
    own values.
    """
    scaled = weights / weights.mean()
    beta = None
    with np.errstate(all="ignore"):
        mu = family.starting_mu(y)
        eta = family.predict(mu)
        for step in range(1, _START_STEPS + 1):
            deriv = family.link.deriv(mu)
            working = scaled / (deriv**2 * family.variance(mu))
            weighted = x * working[:, None]
            try:
                new = np.linalg.solve(x.T @ weighted, weighted.T @ (eta + deriv * (y - mu)))
            except np.linalg.LinAlgError:  # singular (not finite: the steps do not settle)
                return None, step
            eta = x @ new
            mu = family.fitted(eta)
            if beta is not None and np.max(np.abs(new - beta)) <= _START_TOLERANCE * max(
                    1.0, float(np.max(np.abs(new)))):
                return new, step
            beta = new
    return None, _START_STEPS


def _by_covariates(model: _Model, weights: np.ndarray):
    """``(x, y, weights, index)`` of a fit with the given weights of the patterns: one row per
    covariate pattern with the sum of its patterns' weights and their weighted mean response
    (``index`` maps the patterns to them), or the patterns as they are (``index`` None) when
    no two share their covariates or a weight is negative.

    The estimating equations ``sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i)`` and every IRLS
    step are linear in ``w_i y_i`` over rows with the same ``x_i`` (and so the same
    ``mu_i``): the grouped fit is the fit of the rows, and its deviance differs from theirs
    by a constant."""
    if model.covariates is None or (weights < 0).any():
        return model.x, model.y, weights, None
    index, first = model.covariates
    total = np.bincount(index, weights=weights, minlength=len(first))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(index, weights=weights * model.y, minlength=len(first)) / total
    return model.x[first], np.where(total > 0, mean, 0.0), total, index


def _fit(model: _Model, family: str) -> _Fit:
    """The full-sample fit and the influence of its patterns."""
    fam = _family(family)
    weights = model.pattern_weights
    x, y, fit_weights, index = _by_covariates(model, weights)
    start, steps = _start(x, y, fit_weights, fam)
    params, mu, converged, iterations = _irls(x, y, fit_weights, fam, start=start,
                                              scale=weights.sum() / len(model.rows))
    if index is not None:
        mu = mu[index]
    if start is not None:
        iterations += steps
    with np.errstate(all="ignore"):
        mu_eta = 1.0 / fam.link.deriv(mu)
        variance = fam.variance(mu)
        score_factor = (model.y - mu) * mu_eta / variance
        working = weights * mu_eta**2 / variance
    positive = weights > 0
    score_factor = np.where(positive, score_factor, 0.0)
    working = np.where(positive, working, 0.0)
    information = model.x.T @ (model.x * working[:, None])
    scores = model.x * score_factor[:, None]
    try:  # B^-1 = L^-T L^-1 from the Cholesky factor of the p x p information
        inverse_factor = np.linalg.inv(np.linalg.cholesky(information))
        unit_influence = (scores @ inverse_factor.T) @ inverse_factor
    except np.linalg.LinAlgError:
        unit_influence = scores @ np.linalg.pinv(information)
    return _Fit(params, mu, unit_influence, converged, iterations)


def _replicate_coefficients(base, model: _Model, family: str, start: np.ndarray,
                            units: ReplicateUnits) -> np.ndarray:
    """(1, p, R) coefficients with each replicate's weights, fitted from the full-sample
    coefficients; NaN for a replicate whose columns are collinear on its rows. The
    replicate weights of the patterns are one sparse product: ``A M`` with ``A`` the
    (pattern, PSU) sums of weights and ``M`` the PSU factors, or ``A`` the (pattern, row)
    incidence and ``M`` the rows' replicate weights."""
    from scipy import sparse
    fam = _family(family)
    n_patterns = len(model.y)
    if units.by_psu:
        incidence = sparse.csr_matrix(
            (model.weights, (model.row_pattern, base.psu_index[model.rows])),
            shape=(n_patterns, units.weights.shape[0]))
        matrix = np.asarray(incidence @ units.weights)
    else:
        incidence = sparse.csr_matrix(
            (np.ones(len(model.rows)), (model.row_pattern, np.arange(len(model.rows)))),
            shape=(n_patterns, len(model.rows)))
        matrix = np.asarray(incidence @ units.weights[model.rows])
    n_replicates = matrix.shape[1]
    out = np.full((1, model.n_columns, n_replicates), np.nan)
    for r in range(n_replicates):
        x, y, weights, _ = _by_covariates(model, matrix[:, r])
        keep = weights != 0
        if not keep.any():
            continue
        x, y, w = x[keep], y[keep], weights[keep]
        if _aliased_columns(x, w):
            continue
        params, _, _, _ = _irls(x, y, w, fam, start=start,
                                scale=max(w.sum(), 0.0) / len(model.rows) or None)
        out[0, :, r] = params
    missing = int(np.isnan(out[0, 0]).sum())
    if missing:
        warnings.warn(
            f"{missing} of {n_replicates} replicates give no estimate of the model "
            f"{model.formula!r} (its columns are collinear on the replicate's rows, e.g. a "
            "level held only by the PSUs the replicate leaves out); they are left out of the "
            "variance, as R's svrVar does",
            MicsWarning,
            stacklevel=caller_stacklevel(),
        )
    return out


def _warn_fit(model: _Model, fit: _Fit, family: str) -> None:
    """Warn about separation and non-convergence.

    Separation (the coefficients of a binomial or poisson model grow without bound) is found
    two ways: an indicator column (a level of a factor) whose rows of positive weight all
    have the response at its bound (0, or 1 for binomial), and fitted values within
    ``_NEAR_BOUND`` of the bound, whose coefficients of largest reach ``|b_j| max |x_ij|``
    (above ``_DIVERGING``) are named.
    """
    if family in ("binomial", "poisson"):
        positive = model.pattern_weights > 0
        x, y, mu = model.x[positive], model.y[positive], fit.mu[positive]
        at_zero = y <= 0
        at_one = y >= 1 if family == "binomial" else np.zeros_like(at_zero)
        ones = x == 1
        indicator = np.all(ones | (x == 0), axis=0)
        indicator[[name == "Intercept" for name in model.names]] = False
        # an indicator whose rows (at least one) all have the response at a bound
        n_ones = ones.sum(axis=0)
        at_bound = ((ones.T @ at_zero.astype(np.int64) == n_ones)
                    | (ones.T @ at_one.astype(np.int64) == n_ones))
        separated = np.flatnonzero(indicator & (n_ones > 0) & at_bound).tolist()
        near = mu < _NEAR_BOUND
        if family == "binomial":
            near |= mu > 1 - _NEAR_BOUND
        if near.any():
            reach = np.abs(fit.params) * np.abs(x).max(axis=0)
            separated += [j for j in np.flatnonzero(reach > _DIVERGING) if j not in separated]
        if separated or near.any():
            n_rows = model.positive_rows[positive]
            _warn_separation(model, family, sorted(separated), int(n_rows[near].sum()))
    if not fit.converged:
        warnings.warn(
            f"the {family} model {model.formula!r} did not converge in {fit.iterations} IRLS "
            "iterations; its estimates are not reliable",
            MicsWarning,
            stacklevel=caller_stacklevel(),
        )


def _warn_separation(model: _Model, family: str, columns: list[int], n_near: int) -> None:
    names = [model.names[j] for j in columns]
    terms = [t for t, positions in model.terms.items() if any(j in positions for j in columns)]
    what = "probabilities" if family == "binomial" else "rates"
    bound = "0 or 1" if family == "binomial" else "0"
    if names:
        named = (f"the coefficient{'s' if len(names) > 1 else ''} of "
                 f"{', '.join(repr(n) for n in names)} (term{'s' if len(terms) > 1 else ''} "
                 f"{', '.join(repr(t) for t in terms)}) grow{'' if len(names) > 1 else 's'} "
                 "without bound")
    else:
        named = "some coefficients grow without bound"
    near = f"; fitted {what} are numerically {bound} on {n_near} rows" if n_near else ""
    warnings.warn(
        f"the {family} model {model.formula!r} separates the data: {named} (the response is "
        f"{bound} on every row of a level, or the terms predict it perfectly){near}. Their "
        "estimates, SEs and tests are not meaningful: merge or drop the level or term that "
        "predicts the response, or restrict the rows with where=.",
        MicsWarning,
        stacklevel=caller_stacklevel(),
    )


def _dispersion(model: _Model, fit: _Fit, family: str, base, replicate: bool) -> float:
    """R 4.1-1's ``summary.svyglm`` dispersion (see :func:`glm`, Notes)."""
    fam = _family(family)
    w = model.pattern_weights
    fit_weight = w.sum()
    if base.calibration and not replicate:  # R keeps every row of a calibrated design
        scale = fit_weight / model.domain_weight
    else:
        scale = (fit_weight / len(model.rows)) / (model.domain_weight / model.domain_rows)
    with np.errstate(all="ignore"):
        pearson = (model.y - fit.mu) * np.sqrt(scale / fam.variance(fit.mu))
    n = int(np.count_nonzero(model.weights > 0))
    if n < 2:
        return math.nan
    positive = w > 0
    w, pearson = w[positive], pearson[positive]
    centre = (w * pearson).sum() / fit_weight
    return float(n / (n - 1) * (w * (pearson - centre) ** 2).sum() / fit_weight)


# --------------------------------------------------------------------------------- small parts


def _canonical_term(name: str) -> str:
    """A term name with the factors of an interaction sorted (R's ``canonicalOrder``)."""
    return ":".join(sorted(part.strip() for part in _split_interaction(name)))


def _split_interaction(name: str) -> list[str]:
    """Split ``"C(a):b"`` at the colons outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for k, char in enumerate(name):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ":" and depth == 0:
            parts.append(name[start:k])
            start = k + 1
    parts.append(name[start:])
    return parts


def _variance_text(method) -> str:
    kind = getattr(method, "kind", "taylor")
    return {
        "taylor": "Taylor linearisation of the estimating equations",
        "calibrated": "Taylor linearisation with the residuals of the weight adjustments",
        "replicate": "replicate weights (the model refitted per replicate)",
    }.get(kind, kind)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    return f"{value:.6g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.4e}"

