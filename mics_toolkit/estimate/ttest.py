"""Design-based t-tests of a mean: R survey's ``svyttest``.

:func:`ttest` tests that a mean is 0 (one sample), or that the means of two groups are equal.
The two-group difference is that of the two domain means, with its SE from their joint
covariance (:func:`~mics_toolkit.estimate.covariance`): R fits it as the regression
``svyglm(y ~ group)``, whose group coefficient and sandwich SE are exactly these (the
regression on a binary group is saturated), on Taylor, calibrated and replicate designs alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError
from mics_toolkit.estimate import estimators
from mics_toolkit.estimate.contrasts import t_test_columns
from mics_toolkit.estimate.covariance import covariance as design_covariance
from mics_toolkit.estimate.domains import by_names
from mics_toolkit.estimate.engine import analysis_of
from mics_toolkit.estimate.frame import Conventions
from mics_toolkit.estimate.options import where_array

__all__ = ["TTEST_COLUMNS", "ttest"]

TTEST_COLUMNS: tuple[str, ...] = ("contrast", "difference", "se", "ci_lower", "ci_upper", "t",
                                  "df", "p_value")


def ttest(design, variable: str, by: str | None = None, where=None, level: float = 0.95,
          df: str = "design") -> pd.DataFrame:
    """Design-based t-test: of a mean against 0, or of the difference of two groups' means.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
    variable : str
        A numeric variable.
    by : str, optional
        A variable with exactly two categories among the rows with a value (and in
        ``where``): the test compares their means. None: one-sample test of ``mean == 0``.
    where : str or array-like of bool, optional
        As the estimators: the excluded rows keep their PSUs (R's ``subset``).
    level : float
        Confidence level of the interval.
    df : {"design", "domain"}
        The design df: of the whole design (default), or among the rows used (R on a subset
        design; for two groups, R's rows with both values).

    Returns
    -------
    pandas.DataFrame
        One row: ``contrast`` (``"mean"``, or ``"b - a"`` for the groups a < b),
        ``difference`` (the mean, or ``mean_b - mean_a``), ``se``, ``ci_lower``, ``ci_upper``,
        ``t``, ``df``, ``p_value`` (two-sided, Student t on df).

    Raises
    ------
    OptionError
        ``by`` has fewer or more than two categories among the rows tested (named), or is
        not one variable.
    VariableError
        As the estimators.

    Notes
    -----
    One sample: ``t = mean / se`` on ``df = nu - 1``. Two groups: ``d = mean_b - mean_a``,
    ``Var(d) = V_a + V_b - 2 C_ab``, ``t = d / se`` on ``df = nu - 1`` (R's ``svyglm``
    residual df, ``degf + 1 - 2``), with ``nu`` the design df. The interval is
    ``d -+ t_{df} se``. R: ``svyttest(y ~ 1, design)`` and ``svyttest(y ~ group, design)``
    (R 4.1-1's ``svyglm`` uses ``degf`` of the rows with both values; ``df="domain"`` gives
    that when values are missing).

    Examples
    --------
    >>> design.ttest("LS2", by="HH6")                              # doctest: +SKIP
    """
    names = by_names(by)
    if len(names) > 1:
        raise OptionError(f"ttest() compares the two groups of one variable; by={by!r} names "
                          f"{len(names)}", option="by", value=by, valid=())
    if not names:
        result = estimators.mean(design, variable, where=where, level=level, df=df)
        label = "mean"
        estimate = result["estimate"].to_numpy()
        variance = result["se"].to_numpy() ** 2
        dof = result["df"].to_numpy() - 1
    else:
        [group] = names
        result = estimators.mean(design, variable, by=group, where=where, level=level, df=df)
        present = result[result["n_unweighted"] > 0]
        if len(present) != 2:
            shown = ", ".join(str(v) for v in present[group]) or "none"
            raise OptionError(
                f"a two-group t-test needs exactly two groups; by={group!r} has "
                f"{len(present)} among the rows with a value of {variable!r}"
                f"{' in where' if where is not None else ''} ({shown})",
                option="by", value=group, valid=tuple(str(v) for v in present[group]))
        matrix = design_covariance(design, present, where=where).to_numpy()
        first, second = present.index
        estimate = np.array([present.at[second, "estimate"] - present.at[first, "estimate"]])
        contrast = np.array([-1.0, 1.0])
        variance = np.array([contrast @ matrix @ contrast])
        label = f"{_text(present.at[second, group])} - {_text(present.at[first, group])}"
        dof = np.array([_two_group_df(design, variable, group, where, df, present) - 1])
    columns = t_test_columns([label], estimate, variance, dof, level, "t")
    frame = pd.DataFrame({
        "contrast": columns["contrast"], "difference": columns["estimate"],
        "se": columns["se"], "ci_lower": columns["ci_lower"], "ci_upper": columns["ci_upper"],
        "t": columns["statistic"], "df": columns["df"], "p_value": columns["p_value"],
    })
    conventions = dict(result.attrs["mics"])
    conventions.update(estimator="ttest", by=list(names), null=0.0)
    frame.attrs["mics"] = Conventions(conventions)
    return frame


def _two_group_df(design, variable, group, where, rule, present) -> float:
    """The design df of a two-group test: the design's, or with ``"domain"`` that of the rows
    with both values (in ``where``)."""
    if rule == "design":
        return float(present["df"].iat[0])
    base, _ = analysis_of(design)
    mask = where_array(base.frame, where, base.n_rows)
    codes, _ = base.codes(group, role="by")
    rows = codes >= 0 if mask is None else mask & (codes >= 0)
    both = estimators.mean(design, variable, where=rows, df="domain")
    return float(both["df"].iat[0])


def _text(value) -> str:
    """A group as shown in the contrast: ``2`` for 2.0."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
