"""Design-based tests of independence of a two-way table: R survey's ``svychisq``.

:func:`chisq` cross-tabulates two variables over the rows of a design (all of them, or those of
``where``) and tests their independence with one of the statistics of R survey 4.1-1's
``svychisq``: the Rao-Scott corrections of Pearson's X^2 (``"F"``, ``"Chisq"``), its exact
asymptotic distribution (``"lincom"``, ``"saddlepoint"``) and Koch's Wald tests (``"Wald"``,
``"adjWald"``). The cell proportions (or totals) and their joint covariance come from the
engine: the cells are K statistics given by their row influence values
(:func:`~mics_toolkit.estimate.scores.influence_scores`), whose covariance the design's variance
method computes (Taylor, calibrated or replicate).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, VariableError, caller_stacklevel, check_option
from mics_toolkit.estimate.chisquare_sums import f_sum_upper
from mics_toolkit.estimate.engine import analysis_of
from mics_toolkit.estimate.frame import Conventions
from mics_toolkit.estimate.options import DF_OPTIONS, where_array, where_text
from mics_toolkit.estimate.scores import influence_scores

__all__ = ["CHISQ_COLUMNS", "CHISQ_STATISTICS", "chisq"]

CHISQ_STATISTICS: tuple[str, ...] = ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")
CHISQ_COLUMNS: tuple[str, ...] = ("test", "statistic", "df_num", "df_den", "p_value")

# R's solve() refuses a matrix whose reciprocal condition number is below machine epsilon.
_SINGULAR = np.finfo(float).eps

_METHODS = {
    "F": "Pearson's X^2: Rao & Scott adjustment (F, second order)",
    "Chisq": "Pearson's X^2: Rao & Scott adjustment (chi-square, first order)",
    "Wald": "Design-based Wald test of association",
    "adjWald": "Design-based Wald test of association (adjusted)",
    "lincom": "Pearson's X^2: asymptotic exact distribution",
    "saddlepoint": "Pearson's X^2: saddlepoint approximation",
}


def chisq(design, row: str, column: str, where=None, statistic: str = "F",
          df: str = "design") -> pd.DataFrame:
    """Test of independence of ``row`` and ``column`` in a two-way table, design-based.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    row, column : str
        The two categorical variables (any values; missing values leave the row out of the
        table).
    where : str or array-like of bool, optional
        Test within a subpopulation (the excluded rows keep their PSUs, as R's ``subset``).
    statistic : {"F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"}
        R's ``svychisq(statistic=)``; see Notes.
    df : {"design", "domain"}
        The design df ``nu``: of the whole design (default), or PSUs minus strata among the
        rows of ``where`` (R's ``svychisq`` on a subset design). For a replicate design, the
        rank of the replicate weights (of the table's rows) minus 1.

    Returns
    -------
    pandas.DataFrame
        One row: ``test`` (the statistic's name), ``statistic``, ``df_num``, ``df_den``,
        ``p_value``. ``statistic`` is the F statistic for ``"F"``, ``"Wald"``,
        ``"adjWald"``; Pearson's X^2 (on the table scaled to the number of rows) for
        ``"Chisq"``, ``"lincom"`` and ``"saddlepoint"``, as R prints them. ``df_den`` is NaN
        for ``"Chisq"``; both df are NaN for ``"lincom"`` and ``"saddlepoint"``.
        ``attrs["mics"]`` holds the call, ``pearson`` (X^2), ``design_effects`` (the
        eigenvalues of Delta, for Rao-Scott statistics), ``design_df`` (nu), ``levels`` of
        both variables and ``method`` (R's wording).

    Raises
    ------
    VariableError
        An unknown variable; a variable with fewer than two categories in the table; a
        category whose margin has no weight (a zero margin: the test is undefined).
    OptionError
        An unknown ``statistic`` or ``df``; for ``"Wald"`` and ``"adjWald"``, a singular
        covariance of the contrasts (empty cells), as R's ``solve()`` refuses it.

    Notes
    -----
    The table's cells are the ``K = R C`` combinations of the categories present in the rows
    (of ``where``); ``p`` the weighted cell proportions among the rows with both values,
    ``V`` their design covariance (for ``"Wald"``, ``"adjWald"``: the cell totals). With
    ``X1``/``X12`` the design matrices of the independence and saturated models of the R x C
    table, ``Cm`` the residuals of the interaction columns of ``X12`` on ``X1``,
    ``D = diag(1 / p)`` (0 for an empty cell) and ``N`` the number of rows:

    * ``Delta = (Cm' D Cm / N)^-1 (Cm' D V D Cm)``, ``d0 = tr(Delta)^2 / tr(Delta^2)``;
      Pearson's ``X2`` of the table scaled to N;
    * ``"F"``: ``F = X2 / tr(Delta)`` on ``(d0, d0 nu)`` df (Thomas and Rao 1987);
    * ``"Chisq"``: ``P(chi2_{(R-1)(C-1)} > X2 / mean(diag(Delta)))`` (Rao and Scott 1981);
    * ``"lincom"``: ``P(sum_j delta_j chi2_1 / (chi2_ddf / ddf) > X2)``, ``ddf = d0 nu``,
      ``delta_j`` the eigenvalues of Delta, computed exactly (R: Davies' algorithm when
      CompQuadForm is installed, saddlepoint otherwise); for replicate designs without the
      F denominator (R's ``pchisqsum``);
    * ``"saddlepoint"``: the same probability by R's saddlepoint approximation;
    * ``"Wald"``: ``Y_ij = N_ij - N_i. N_.j / N..`` for the cells of rows and columns 2.., its
      covariance ``J V J'`` by the delta method, ``W = Y' (J V J')^-1 Y``,
      ``F = W / ((R-1)(C-1))`` on ``((R-1)(C-1), nu)`` df (Koch et al. 1975);
      ``"adjWald"``: ``F = W (nu - q + 1) / (q nu)`` on ``(q, nu - q + 1)``, ``q = (R-1)(C-1)``.

    ``nu`` is the design df as R's ``svychisq`` takes it: PSUs minus strata of every row of the
    design (or of ``where`` with ``df="domain"``), whatever their weight or missing values
    (the estimators' df leave out a PSU whose rows all weigh 0: the only difference), or for
    replicate designs R's ``degf()``, the rank of the replicate weights minus 1.
    R: ``svychisq(~row + column, design, statistic = ...)``; Stata: ``svy: tabulate row
    column`` (its default is ``"F"``).

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
    with cell proportions estimated from survey data. Annals of Statistics 12, 46-60.
    Thomas, D. R. and Rao, J. N. K. (1987). Small-sample comparisons of level and power for
    simple goodness-of-fit statistics under cluster sampling. JASA 82, 630-636.
    Koch, G. G., Freeman, D. H. and Freeman, J. L. (1975). Strategies in the multivariate
    analysis of data from complex surveys. International Statistical Review 43, 59-78.

    Examples
    --------
    >>> design.chisq("HH6", "LS1")                                  # doctest: +SKIP
    >>> design.chisq("HH6", "LS1", statistic="adjWald")              # doctest: +SKIP
    """
    from scipy import special
    check_option("statistic", statistic, CHISQ_STATISTICS)
    check_option("df", df, DF_OPTIONS)
    base, method = analysis_of(design)
    mask = where_array(base.frame, where, base.n_rows)
    inside = np.ones(base.n_rows, dtype=bool) if mask is None else mask
    row_codes, row_levels = _present(base, row, inside)
    column_codes, column_levels = _present(base, column, inside)
    n_row, n_column = len(row_levels), len(column_levels)
    valid = inside & (row_codes >= 0) & (column_codes >= 0)
    # cells in R's order: interaction(rows, columns), rows varying fastest
    cells = np.where(valid, row_codes + n_row * column_codes, -1)
    n_cells = n_row * n_column
    weights = base.weights
    totals = np.bincount(cells[valid], weights=weights[valid], minlength=n_cells)
    _check_margins(base, row, column, totals.reshape(n_column, n_row).T, row_levels,
                   column_levels, where)
    n_rows = int(inside.sum())
    kind = "total" if statistic in ("Wald", "adjWald") else "proportion"
    scores = _cell_scores(base, cells, valid, n_cells, kind)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        covariance = method.covariance([scores])
        if method.kind == "replicate":
            nu = float(method.degrees_of_freedom(scores, df)[0, 0])
        else:  # R's svychisq: PSUs minus strata of every row of the (subset) design
            nu = float(base.domain_degrees_of_freedom(
                inside if df == "domain" else np.ones(base.n_rows, dtype=bool)))
    for message in {(w.category, str(w.message)): w for w in caught}.values():
        warnings.warn(message.message, stacklevel=caller_stacklevel())
    table = totals.reshape(n_column, n_row).T
    pearson = _pearson(table, n_rows)
    conventions = {
        **method.conventions(), "estimator": "chisq", "row": row, "column": column,
        "statistic": statistic, "where": where_text(where), "df": df, "design_df": nu,
        "levels": {row: list(row_levels), column: list(column_levels)},
        "pearson": pearson, "n_rows": n_rows, "method": _METHODS[statistic],
    }
    if kind == "total":
        value, df_num, df_den, p_value = _wald(statistic, scores.estimate[0], covariance,
                                               n_row, n_column, nu)
    else:
        delta = _delta(scores.estimate[0], covariance, n_row, n_column, n_rows)
        eigenvalues = np.linalg.eigvals(delta)
        eigenvalues = np.real_if_close(eigenvalues, tol=1e6).real
        trace = float(np.trace(delta))
        d0 = trace**2 / float(np.trace(delta @ delta))
        conventions["design_effects"] = sorted(eigenvalues.tolist(), reverse=True)
        replicate = method.kind == "replicate"
        ddf = math.inf if replicate else d0 * nu
        if statistic == "F":
            value = pearson / trace
            df_num, df_den = d0, d0 * nu
            p_value = float(special.fdtrc(d0, d0 * nu, value))
        elif statistic == "Chisq":
            value = pearson
            df_num, df_den = float(delta.shape[0]), math.nan
            p_value = float(special.chdtrc(df_num, pearson / np.mean(np.diag(delta))))
        else:
            value = pearson
            df_num = df_den = math.nan
            name = "integration" if statistic == "lincom" else "saddlepoint"
            p_value = f_sum_upper(pearson, eigenvalues, ddf, name)
    frame = pd.DataFrame({"test": [statistic], "statistic": [float(value)],
                          "df_num": [float(df_num)], "df_den": [float(df_den)],
                          "p_value": [float(p_value)]})
    frame.attrs["mics"] = Conventions(conventions)
    return frame


def _present(design, name: str, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 missing or outside the table) and categories of ``name`` among the rows
    ``inside``, renumbered to the categories present there (R's ``unique()`` of the
    subset's values)."""
    codes, levels = design.codes(name, role="analysis")
    present = np.unique(codes[inside & (codes >= 0)])
    if len(present) < 2:
        where = f" in {design.source}" if design.source else ""
        found = ", ".join(_text(levels[c]) for c in present) or "none"
        raise VariableError(
            f"{name!r}{where} has {len(present)} categor{'y' if len(present) == 1 else 'ies'} "
            f"({found}) among the rows tested; a table needs at least two",
            variable=name, file=design.source)
    renumber = np.full(len(levels) + 1, -1, dtype=np.intp)
    renumber[present] = np.arange(len(present))
    out = np.where(inside, renumber[codes], -1)
    return out, levels[present]


def _check_margins(design, row, column, table, row_levels, column_levels, where) -> None:
    """VariableError for a category whose margin has no weight (the test is undefined)."""
    for name, levels, margin in ((row, row_levels, table.sum(axis=1)),
                                 (column, column_levels, table.sum(axis=0))):
        empty = [_text(level) for level, total in zip(levels, margin, strict=True)
                 if not total > 0]
        if empty:
            within = f" within where={where!r}" if isinstance(where, str) else ""
            raise VariableError(
                f"the table of {row!r} by {column!r}{within} has a zero margin: "
                f"{name!r} = {', '.join(empty)} has no weight among the rows with both values, "
                "so independence cannot be tested; leave the category out with where=",
                variable=name, file=design.source)


def _cell_scores(design, cells: np.ndarray, valid: np.ndarray, n_cells: int, kind: str):
    """The K cell proportions (or totals) as :class:`Scores`: row influence values
    ``w_i (1[cell_i = k] - p_k) / W`` (totals: ``w_i 1[cell_i = k]``) on the table's rows,
    and their values under each replicate's weights."""
    weights = np.where(valid, design.weights, 0.0)
    rows = np.flatnonzero(valid)
    indicator = np.zeros((design.n_rows, n_cells))
    indicator[rows, cells[rows]] = 1.0
    totals = weights @ indicator
    weight_total = weights.sum()
    if kind == "total":
        estimate = totals
        influence = indicator * weights[:, None]
    else:
        estimate = totals / weight_total
        influence = (indicator - estimate[None, :]) * (weights / weight_total)[:, None]
        influence[~valid] = 0.0

    def replicates(units) -> np.ndarray:
        if units.by_psu:
            index = design.psu_index[rows] * n_cells + cells[rows]
            sums = np.bincount(index, weights=design.weights[rows],
                               minlength=design.n_psu_total * n_cells)
            replicate_totals = units.weights.T @ sums.reshape(design.n_psu_total, n_cells)
        else:
            replicate_totals = units.weights[rows].T @ indicator[rows]
        if kind == "proportion":
            with np.errstate(invalid="ignore", divide="ignore"):
                replicate_totals = replicate_totals / replicate_totals.sum(axis=1,
                                                                           keepdims=True)
        return replicate_totals.T[None, :, :]

    return influence_scores(design, influence, estimate[None, :], replicates, used=valid)


def _pearson(table: np.ndarray, n_rows: int) -> float:
    """Pearson's X^2 of the weighted table scaled to ``n_rows`` (R's ``chisq.test`` of
    ``svytable(Ntotal = N)``)."""
    scaled = table * (n_rows / table.sum())
    expected = np.outer(scaled.sum(axis=1), scaled.sum(axis=0)) / scaled.sum()
    return float(np.sum((scaled - expected) ** 2 / expected))


def _delta(p: np.ndarray, covariance: np.ndarray, n_row: int, n_column: int,
           n_rows: int) -> np.ndarray:
    """Rao and Scott's generalised design-effect matrix ``Delta`` of the interaction
    contrasts (R's ``solve(denom, numr)``)."""
    rows = np.tile(np.arange(n_row), n_column)
    columns = np.repeat(np.arange(n_column), n_row)
    independence = np.column_stack(
        [np.ones(n_row * n_column)]
        + [(rows == i).astype(float) for i in range(1, n_row)]
        + [(columns == j).astype(float) for j in range(1, n_column)])
    interaction = np.column_stack([((rows == i) & (columns == j)).astype(float)
                                   for j in range(1, n_column) for i in range(1, n_row)])
    q, _ = np.linalg.qr(independence)
    contrasts = interaction - q @ (q.T @ interaction)
    with np.errstate(divide="ignore"):
        inverse = np.where(p == 0, 0.0, 1 / p)
    scaled = contrasts * inverse[:, None]
    denominator = contrasts.T @ scaled / n_rows
    numerator = scaled.T @ covariance @ scaled
    return np.linalg.solve(denominator, numerator)


def _wald(statistic: str, cell_totals: np.ndarray, covariance: np.ndarray, n_row: int,
          n_column: int, nu: float) -> tuple[float, float, float, float]:
    """Koch's Wald test of ``N_ij - N_i. N_.j / N..`` for the cells of rows and columns 2..
    (R's ``svychisq(statistic = "Wald" / "adjWald")``)."""
    from scipy import special
    rows = np.tile(np.arange(n_row), n_column)
    columns = np.repeat(np.arange(n_column), n_row)
    total = cell_totals.sum()
    row_totals = np.bincount(rows, weights=cell_totals, minlength=n_row)
    column_totals = np.bincount(columns, weights=cell_totals, minlength=n_column)
    y = cell_totals - row_totals[rows] * column_totals[columns] / total
    # J[k, l] = d y_k / d N_l
    jacobian = (np.eye(len(cell_totals))
                - (rows[:, None] == rows[None, :]) * column_totals[columns][:, None] / total
                - (columns[:, None] == columns[None, :]) * row_totals[rows][:, None] / total
                + (row_totals[rows] * column_totals[columns] / total**2)[:, None])
    variance = jacobian @ covariance @ jacobian.T
    use = (rows > 0) & (columns > 0)
    matrix = variance[np.ix_(use, use)]
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = np.linalg.cond(matrix, 1)
    if not np.isfinite(condition) or 1 / condition < _SINGULAR:
        raise OptionError(
            f"statistic={statistic!r}: the Wald statistic needs the covariance of the "
            f"table's {int(use.sum())} "
            "interaction contrasts, which is singular here (empty cells, or a category present "
            "in too few PSUs); use statistic='F' (Rao-Scott), which allows empty cells",
            option="statistic", value=statistic, valid=CHISQ_STATISTICS)
    wald = float(y[use] @ np.linalg.solve(matrix, y[use]))
    q = float((n_row - 1) * (n_column - 1))
    if statistic == "Wald":
        value, df_num, df_den = wald / q, q, nu
    else:
        df_num, df_den = q, nu - q + 1
        value = wald * df_den / (q * nu)
    return value, df_num, df_den, float(special.fdtrc(df_num, df_den, value))


def _text(value) -> str:
    """A category as shown in messages: ``2`` for 2.0."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)

