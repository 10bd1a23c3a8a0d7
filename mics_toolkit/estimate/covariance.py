"""The design covariance of any set of estimates of one design.

:func:`covariance` takes a result frame of an estimator (``mean``, ``proportion``, ``total``,
``ratio``) or of :func:`~mics_toolkit.estimate.tabulate`, asks the engine for the same
estimates again with their scores, and returns their joint covariance from the variance method
the design carries: for Taylor designs the stratified covariance of the PSU scores (domains
that share PSUs are correlated; :mod:`mics_toolkit.estimate.variance`), for calibrated designs
that of the scores' calibration residuals, for replicate designs
``scale * sum_r rscales[r] (t_r - centre)(u_r - centre)'`` over the replicate estimates. It is
what comparisons of domains, contrasts and tests are built on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError
from mics_toolkit.estimate.domains import by_names
from mics_toolkit.estimate.engine import analysis_of, estimate_blocks
from mics_toolkit.estimate.frame import RESULT_COLUMNS, result_frame
from mics_toolkit.estimate.options import Options
from mics_toolkit.estimate.products import KINDS, Request
from mics_toolkit.estimate.tabulate import frame_of_blocks

__all__ = ["covariance"]

# Estimates that differ by more than this (relative) were not made on the design given.
_SAME_ESTIMATE = 1e-9


def covariance(design, result: pd.DataFrame, where=None) -> pd.DataFrame:
    """Joint design covariance of the estimates in ``result``.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
        The design ``result`` was estimated on.
    result : pandas.DataFrame
        A frame returned by ``mean``, ``proportion``, ``total``, ``ratio`` or ``tabulate`` on
        ``design``, or a selection of its rows (in any order); its ``attrs["mics"]`` say how
        the estimates were asked.
    where : array-like of bool, optional
        The ``where`` array of the call, when it was an array rather than an expression (an
        array is not kept with the result).

    Returns
    -------
    pandas.DataFrame
        Rows and columns are the rows of ``result`` (its index); entry (i, j) is the design
        covariance of estimates i and j. The diagonal is ``result["se"] ** 2``. Rows and
        columns of an empty domain (NaN estimate) are NaN.

    Raises
    ------
    OptionError
        ``result`` has no record of its call (not an estimator's frame), was estimated with a
        ``where`` array that is not given again, or holds estimates this design does not give
        (another design, or other data).

    Notes
    -----
    Taylor designs: ``C = sum_h (1 - f_h) n_h/(n_h - 1) sum_{p in h} (z_p - zbar_h)(u_p -
    ubar_h)`` over the PSU scores ``z`` and ``u`` of two estimates (0 where a PSU holds none
    of the estimate's rows), with the lonely-PSU rule of the design (see
    :mod:`mics_toolkit.estimate.variance` for ``"average"``). Replicate designs:
    ``C = scale sum_r rscales[r] (t_r - tbar)(u_r - ubar)`` (``tbar = t`` with ``mse``).

    R: ``vcov(svyby(~y, ~by, design, svymean, covmat=TRUE))``, ``vcov(svymean(~a + b,
    design))``, and the same on replicate designs. Stata: ``e(V)`` after ``svy: mean``.

    Examples
    --------
    >>> res = design.mean("LS2", by="HH7")                        # doctest: +SKIP
    >>> cov = design.covariance(res)                               # doctest: +SKIP
    >>> both = design.tabulate(mean=["LS2"], proportion=["LS1"], breakdowns=["HH7"])
    ... # doctest: +SKIP
    >>> design.covariance(both)                                    # doctest: +SKIP
    """
    conventions = result.attrs.get("mics") if isinstance(result, pd.DataFrame) else None
    if not conventions or "estimator" not in conventions:
        raise OptionError(
            "covariance() takes a result frame of mean, proportion, total, ratio or tabulate "
            "(its attrs['mics'] record the call); this one has no such record",
            option="result", value=type(result).__name__, valid=(),
        )
    requests, breakdowns = _call(conventions)
    recorded = conventions.get("where")
    if recorded == "<array>":
        if where is None:
            raise OptionError(
                "the result was estimated with a where= array, which is not kept with it; "
                "pass the same array again: covariance(result, where=mask)",
                option="where", value=None, valid=(),
            )
    else:
        where = recorded
    options = Options.checked(conventions.get("level", 0.95), conventions.get("ci", "t"),
                              conventions.get("df", "design"),
                              conventions.get("interval") if conventions.get("ci") != "mics"
                              else None)
    blocks = estimate_blocks(design, requests, breakdowns, where, options, keep_scores=True)
    _, method = analysis_of(design)
    matrix = method.covariance([block.scores for block in blocks])
    if conventions["estimator"] == "tabulate":
        full = frame_of_blocks(blocks, {})
    else:
        [block] = blocks
        full = result_frame(block.table, block.statistics, levels=block.levels)
    positions = _positions(full, result)
    expected = full["estimate"].to_numpy()[positions]
    given = result["estimate"].to_numpy(dtype=float)
    if not np.allclose(expected, given, rtol=_SAME_ESTIMATE, atol=0, equal_nan=True):
        raise OptionError(
            "the estimates of this result are not those of this design (estimated on another "
            "design, or the data changed); pass the design the result was estimated on",
            option="design", value=None, valid=(),
        )
    return pd.DataFrame(matrix[np.ix_(positions, positions)], index=result.index,
                        columns=result.index)


def _call(conventions: dict) -> tuple[list[Request], list[tuple[str, ...]]]:
    """The requests and breakdowns recorded in a result's conventions."""
    estimator = conventions["estimator"]
    if estimator == "tabulate":
        requests = [Request(kind, *variables)
                    for kind, *variables in conventions["request_variables"]]
        quantiles = sorted({r.kind for r in requests if r.kind in ("quantile", "median")})
        if quantiles:
            raise OptionError(
                f"covariance() does not take a tabulate result with {' and '.join(quantiles)}"
                " rows (the interval of a quantile does not come from its own scores); "
                "tabulate the means, proportions, totals or ratios alone",
                option="result", value=quantiles, valid=KINDS,
            )
        breakdowns = [tuple(names) for names in conventions["breakdown_variables"]]
        return requests, breakdowns
    if estimator not in KINDS:
        raise OptionError(
            f"covariance() does not take results of {estimator!r}",
            option="result", value=estimator, valid=KINDS,
        )
    if estimator == "ratio":
        request = Request("ratio", conventions["numerator"], conventions["denominator"])
    else:
        request = Request(estimator, conventions["variable"])
    return [request], [by_names(conventions.get("by") or None)]


def _positions(full: pd.DataFrame, result: pd.DataFrame) -> np.ndarray:
    """Row of ``full`` of each row of ``result``, matched on the columns that identify an
    estimate (everything but the result columns)."""
    keys = [c for c in full.columns if c not in RESULT_COLUMNS]
    missing = [c for c in keys if c not in result.columns]
    if missing or "estimate" not in result.columns:
        raise OptionError(
            f"the result lacks the column(s) {missing or ['estimate']} that identify its "
            "estimates; pass the frame as the estimator returned it (rows may be selected)",
            option="result", value=missing, valid=(),
        )
    lookup = {key: i for i, key in enumerate(_keys(full, keys))}
    positions = [lookup.get(key, -1) for key in _keys(result, keys)]
    if -1 in positions:
        row = result.index[positions.index(-1)]
        raise OptionError(
            f"row {row!r} of the result is not an estimate of this design's call",
            option="result", value=row, valid=(),
        )
    return np.asarray(positions, dtype=np.intp)


def _keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The key of each row: its values in ``columns``, missing values as None."""
    values = []
    for column in columns:
        array = frame[column].to_numpy(dtype=object)
        values.append([None if pd.isna(v) else (float(v) if isinstance(v, (int, float, np.number))
                                                and not isinstance(v, bool) else v)
                       for v in array])
    return list(zip(*values, strict=True)) if values else [()] * len(frame)
