"""Replicate-weight designs: the public :class:`ReplicateDesign`, its estimators (mean,
proportion, total, ratio) and :func:`replicate`, which builds one from a sample design.

A :class:`ReplicateDesign` comes either from :meth:`SurveyDesign.replicate` (bootstrap,
jackknife, BRR or Fay replicates of the design's PSUs, see :mod:`mics_toolkit.design.replicates`)
or from a file that ships replicate weights (``mt.ReplicateDesign(data, weight, columns,
method)``). Its estimators take the arguments of the Taylor ones and return exactly the same
columns; only the variance differs: the statistic is recomputed with each replicate's weights
and ``V = scale * sum_r rscales[r] (t_r - centre)^2`` (R survey's ``svrVar``), see
:mod:`mics_toolkit.estimate.replicate_variance`.

Replicate statistics are computed from totals, never by re-weighting every row per
replicate: for replicates built from PSUs the (domain, PSU) totals of
:func:`~mics_toolkit.estimate.scores.cell_totals` are multiplied by the (R, P) factor matrix;
for supplied row-level weights one product of the (N, R) weight matrix with the domain values.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.design import Design
from mics_toolkit.design.checks import check_column
from mics_toolkit.design.replicates import replicate_factors
from mics_toolkit.errors import (
    DesignError,
    MicsWarning,
    OptionError,
    VariableError,
    WeightError,
    check_option,
    close_matches,
)
from mics_toolkit.estimate.deff import ratio_srs_variance, total_srs_variance
from mics_toolkit.estimate.domains import Domains, domains_of
from mics_toolkit.estimate.estimators import (
    assemble_result,
    check_common,
    check_request,
    interval_method,
    warn_normalised,
    where_text,
)
from mics_toolkit.estimate.kernel import Request
from mics_toolkit.estimate.replicate_variance import (
    replicate_rank,
    replicate_totals,
    replicate_variance,
)
from mics_toolkit.estimate.scores import CellTotals, RowValues, cell_totals
from mics_toolkit.estimate.tabulate import tabulate

__all__ = [
    "REPLICATE_DESIGN_METHODS",
    "ReplicateDesign",
    "mean",
    "proportion",
    "ratio",
    "replicate",
    "total",
]

ReplicateDesignMethod = Literal["bootstrap", "jk1", "jkn", "brr", "fay", "other"]
REPLICATE_DESIGN_METHODS: tuple[str, ...] = ("bootstrap", "jk1", "jkn", "brr", "fay", "other")


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A design whose variances come from replicate weights.

    Parameters
    ----------
    data : pandas.DataFrame or SurveyData
        The survey records (not modified).
    weight : str
        Column of full-sample weights: finite and non-negative.
    replicate_weights : list of str or str
        The replicate weight columns: a list of column names, or a regular expression matched
        at the start of every column name (``re.match``), so that a prefix such as
        ``"repwt"`` selects ``repwt1 ... repwt80`` in the order of the frame. The weight column
        itself is never taken by a pattern. The columns hold full replicate weights (R's
        ``combined.weights=TRUE``), numeric without missing values (negative values are
        allowed). None when the replicates are PSU ``factors`` of a ``design``.
    method : {"bootstrap", "jk1", "jkn", "brr", "fay", "other"}
        How the replicates were made, which fixes the default ``scale`` and ``rscales``:

        ========= ====================================== ===============================
        method    scale                                  rscales
        ========= ====================================== ===============================
        bootstrap ``1 / (R - 1)``                        1
        jk1       ``(R - 1) / R``                        1
        jkn       1                                      required: ``(n_h - 1)/n_h`` of
                                                         each replicate's stratum
        brr       ``1 / R`` (fixed)                      1
        fay       ``1 / (R (1 - fay_rho)^2)`` (fixed)    1
        other     required                               1
        ========= ====================================== ===============================

    fay_rho : float, optional
        Fay's coefficient, ``0 < fay_rho < 1``; required for ``"fay"`` and only for it.
    scale : float, optional
        Overall multiplier of the variance (not accepted for ``"brr"`` and ``"fay"``).
    rscales : float or sequence of float, optional
        Multiplier of each replicate's squared deviation (one value, or one per replicate).
    mse : bool
        Centre the squared deviations at the full-sample estimate instead of the mean of the
        replicates (R's ``mse=TRUE``).
    design : Design, optional
        Set by :meth:`SurveyDesign.replicate`: the design whose PSUs the ``factors`` reweight.
        ``data`` and ``weight`` must then be the design's own.
    factors : numpy.ndarray, shape (R, P), optional
        Set with ``design``: the factor of each PSU (in the design's PSU code order) in each
        replicate; the replicate weight of row i is ``factors[r, psu(i)] * w_i``.
    seed : object, optional
        The seed the factors were drawn with, recorded in results.

    Attributes
    ----------
    base : Design
        The design that defines rows, weights and domains (``design``, or an unclustered
        design on ``weight`` for supplied replicate weights).
    replicate_columns : tuple of str
        The replicate weight columns used (empty for PSU factors).
    unit_weights : numpy.ndarray, shape (U, R)
        The PSU factors (U = P) or the row replicate weights (U = N).
    variance_scale : float
        The ``scale`` in use (given or the method's default).
    variance_rscales : numpy.ndarray, shape (R,)
        The ``rscales`` in use.

    Raises
    ------
    OptionError
        An unknown method; ``fay_rho``, ``scale`` or ``rscales`` missing, out of range or not
        accepted by the method.
    VariableError
        A replicate weight column is unknown, or no column matches the pattern.
    WeightError
        The weight or a replicate weight column has missing, infinite or non-numeric values
        (named with their counts).
    DesignError
        Fewer than two replicates, or ``factors`` that do not fit ``design``.

    Notes
    -----
    R: ``svrepdesign(data=, weights=~weight, repweights=, type=, rho=fay_rho, scale=,
    rscales=, mse=, combined.weights=TRUE)``. The degrees of freedom are R's
    ``degf(design)``: the rank of the analysis weights (replicate weights of the rows with
    positive weight) minus 1, see :func:`~mics_toolkit.estimate.replicate_variance.replicate_rank`.

    Examples
    --------
    >>> import mics_toolkit as mt
    >>> rep = mt.ReplicateDesign(frame, "wgt", "repwgt", "jk1")  # doctest: +SKIP
    >>> rep.mean("LS2", by="HH7")  # doctest: +SKIP
    """

    data: Any
    weight: str
    replicate_weights: Sequence[str] | str | None
    method: ReplicateDesignMethod
    fay_rho: float | None = None
    scale: float | None = None
    rscales: Any = None
    mse: bool = False
    design: Design | None = field(default=None, repr=False)
    factors: np.ndarray | None = field(default=None, repr=False)
    seed: object = field(default=None, repr=False)

    base: Design = field(init=False, repr=False)
    replicate_columns: tuple[str, ...] = field(init=False, repr=False)
    unit_weights: np.ndarray = field(init=False, repr=False)
    variance_scale: float = field(init=False, repr=False)
    variance_rscales: np.ndarray = field(init=False, repr=False)
    _cache: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        check_option("method", self.method, REPLICATE_DESIGN_METHODS)
        if not isinstance(self.mse, bool):
            raise OptionError(
                f"mse must be True or False, not {self.mse!r}",
                option="mse",
                value=self.mse,
                valid=(),
            )
        if self.design is not None or self.factors is not None:
            base, unit_weights, columns = self._from_factors()
        else:
            if self.replicate_weights is None:
                raise OptionError(
                    "give replicate_weights (column names or a pattern), or build the "
                    "replicates from a design with SurveyDesign.replicate()",
                    option="replicate_weights",
                    value=None,
                    valid=(),
                )
            base = Design(self.data, self.weight)
            columns = _replicate_columns(base, self.replicate_weights, self.weight)
            unit_weights = _replicate_matrix(base, columns)
        n_replicates = unit_weights.shape[1]
        if n_replicates < 2:
            raise DesignError(
                f"a replicate design needs at least two replicates, not {n_replicates}",
                codes=[],
            )
        scale, rscales = _variance_constants(
            self.method, n_replicates, self.fay_rho, self.scale, self.rscales
        )
        set_(self, "base", base)
        set_(self, "replicate_columns", tuple(columns))
        set_(self, "unit_weights", unit_weights)
        set_(self, "variance_scale", scale)
        set_(self, "variance_rscales", rscales)

    def _from_factors(self) -> tuple[Design, np.ndarray, tuple]:
        design = self.design
        if design is None or self.factors is None:
            raise OptionError(
                "factors and design go together: give both (SurveyDesign.replicate() does)",
                option="factors" if design is None else "design",
                value=None,
                valid=(),
            )
        if not isinstance(design, Design):
            raise OptionError(
                f"design must be a SurveyDesign, not {type(design).__name__}",
                option="design",
                value=design,
                valid=(),
            )
        if self.replicate_weights is not None:
            raise OptionError(
                "give either replicate_weights (columns of the file) or design and factors "
                "(replicates of the design's PSUs), not both",
                option="replicate_weights",
                value=self.replicate_weights,
                valid=(),
            )
        if self.data is not design.data or self.weight != design.weight:
            raise OptionError(
                "data and weight must be those of the design the factors belong to",
                option="data",
                value=self.weight,
                valid=(),
            )
        factors = np.asarray(self.factors, dtype=float)
        if factors.ndim != 2 or factors.shape[1] != design.n_psu_total:
            raise DesignError(
                f"factors must have one column per PSU of the design ({design.n_psu_total}), "
                f"not shape {factors.shape}",
                codes=[],
            )
        if not np.isfinite(factors).all():
            raise DesignError("factors must be finite numbers", codes=[])
        return design, np.ascontiguousarray(factors.T), ()

    # ------------------------------------------------------------------ derived facts
    @property
    def frame(self):
        """The survey records (pandas DataFrame)."""
        return self.base.frame

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return self.base.n_rows

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return self.unit_weights.shape[1]

    @property
    def degrees_of_freedom(self) -> int:
        """R's ``degf()`` of the replicate design: rank of the analysis weights minus 1."""
        if "degrees_of_freedom" not in self._cache:
            rank = self.rank_of_rows(np.ones(self.n_rows, dtype=bool))
            self._cache["degrees_of_freedom"] = max(rank - 1, 0)
        return self._cache["degrees_of_freedom"]

    def rank_of_rows(self, rows: np.ndarray) -> int:
        """Rank of the analysis weights (rows x replicates) of the rows in a boolean mask.

        For PSU factors, rows of zero weight are zero rows, and the rank is computed on the PSU
        factors scaled by ``sqrt(sum w^2)`` of the PSU's rows (the same Gram matrix as the
        rows' replicate weights, so the same rank).
        """
        rows = np.asarray(rows, dtype=bool)
        if self.factors is not None:
            base = self.base
            use = rows & (base.weights > 0)
            squares = np.bincount(
                base.psu_index[use], weights=base.weights[use] ** 2, minlength=base.n_psu_total
            )
            keep = squares > 0
            matrix = np.sqrt(squares[keep])[:, None] * self.unit_weights[keep]
        elif rows.all():
            matrix = self.unit_weights
        else:
            matrix = self.unit_weights[rows]
        return replicate_rank(matrix)

    def calibrate(self, totals, method="linear", bounds=None, tolerance=1e-10, max_iterations=50):
        """Calibrate the weights and every replicate's weights to ``totals``; see
        :func:`mics_toolkit.estimate.replicate_adjust.calibrate_replicates`."""
        from mics_toolkit.estimate.replicate_adjust import calibrate_replicates

        return calibrate_replicates(self, totals, method, bounds, tolerance, max_iterations)

    def trim(self, lower=None, upper=None, strict=False):
        """Trim the weights and every replicate's weights; see
        :func:`mics_toolkit.estimate.replicate_adjust.trim_replicates`."""
        from mics_toolkit.estimate.replicate_adjust import trim_replicates

        return trim_replicates(self, lower, upper, strict)

    def replicate_weight_matrix(self) -> np.ndarray:
        """The (N, R) replicate weights of the rows (a new array).

        For PSU factors, ``factors[r, psu(i)] * w_i``.
        """
        if self.factors is not None:
            base = self.base
            return base.weights[:, None] * self.unit_weights[base.psu_index]
        return self.unit_weights.copy()

    def replace(self, **changes) -> ReplicateDesign:
        """Return a copy with ``changes`` applied (e.g. ``mse=True``), validated again."""
        return dataclasses.replace(self, **changes)

    def conventions(self) -> dict:
        """The settings that change numbers, for ``result.attrs['mics']``."""
        rscales = self.variance_rscales
        out = {"weight": self.weight}
        if self.design is not None:
            out.update(self.design.conventions())
            out["seed"] = self.seed if isinstance(self.seed, (int, np.integer)) else None
        else:
            out["replicate_weights"] = list(self.replicate_columns)
        out.update(
            {
                "variance": f"replicate weights ({self.method}), R survey svrVar",
                "method": self.method,
                "replicates": self.n_replicates,
                "fay_rho": self.fay_rho,
                "scale": self.variance_scale,
                "rscales": float(rscales[0]) if np.all(rscales == rscales[0]) else "per replicate",
                "mse": self.mse,
            }
        )
        return out

    def __repr__(self) -> str:
        if self.design is None:
            source = f"{len(self.replicate_columns)} replicate weight columns"
        elif self.design.psu is None:
            source = "factors of the rows (no PSU variable)"
        else:
            source = f"factors of the PSUs {self.design.psu!r}"
        return (
            f"ReplicateDesign(method={self.method!r}, weight={self.weight!r}, mse={self.mse!r}; "
            f"{self.n_rows} rows, {self.n_replicates} replicates from {source})"
        )

    # ------------------------------------------------------------------ estimators
    def mean(self, variable, by=None, where=None, level=0.95, ci="t", df="design"):
        """Weighted mean in each domain; see :func:`mics_toolkit.estimate.replicate_design.mean`."""
        return mean(self, variable, by=by, where=where, level=level, ci=ci, df=df)

    def total(self, variable, by=None, where=None, level=0.95, ci="t", df="design"):
        """Weighted total in each domain; see :func:`mics_toolkit.estimate.replicate_design.total`."""
        return total(self, variable, by=by, where=where, level=level, ci=ci, df=df)

    def ratio(self, numerator, denominator, by=None, where=None, level=0.95, ci="t",
              df="design"):
        """Ratio of totals in each domain; see :func:`mics_toolkit.estimate.replicate_design.ratio`."""
        return ratio(self, numerator, denominator, by=by, where=where, level=level, ci=ci,
                     df=df)

    def proportion(self, variable, by=None, where=None, level=0.95, ci="t", ci_method=None,
                   df="design"):
        """Category proportions; see :func:`mics_toolkit.estimate.replicate_design.proportion`."""
        return proportion(self, variable, by=by, where=where, level=level, ci=ci,
                          ci_method=ci_method, df=df)

    def tabulate(self, mean=None, proportion=None, total=None, ratio=None, breakdowns=(None,),
                 where=None, level=0.95, ci="t", ci_method=None, df="design"):
        """Several variables over several breakdowns, one long frame; see
        :func:`mics_toolkit.estimate.tabulate`."""
        return tabulate(self, mean=mean, proportion=proportion, total=total, ratio=ratio,
                        breakdowns=breakdowns, where=where, level=level, ci=ci,
                        ci_method=ci_method, df=df)


# --------------------------------------------------------------------------- construction
def replicate(
    design: Design,
    method: str,
    replicates: int | None = None,
    seed=None,
    fay_rho: float | None = None,
) -> ReplicateDesign:
    """Replicate design of ``design``: bootstrap, jackknife, BRR or Fay replicates of its PSUs.

    Parameters
    ----------
    design : Design
    method : {"bootstrap", "jk1", "jkn", "brr", "fay"}
        ``"bootstrap"``: Rao-Wu rescaling bootstrap, ``n_h - 1`` PSUs drawn with replacement
        per stratum (R ``as.svrepdesign(type="subbootstrap")``); ``"jk1"``: delete-one
        jackknife of an unstratified design; ``"jkn"``: stratified delete-one jackknife;
        ``"brr"``: balanced repeated replication (two PSUs per stratum); ``"fay"``: Fay's
        BRR with coefficient ``fay_rho``.
    replicates : int, optional
        Number of bootstrap replicates (default 500). Other methods: None.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap (None: fresh randomness). Other methods: None.
    fay_rho : float, optional
        Required for ``"fay"``, ``0 < fay_rho < 1``.

    Returns
    -------
    ReplicateDesign
        With ``design`` and its (R, P) PSU ``factors``; the original design is unchanged.

    Raises
    ------
    OptionError
        Unknown method, or an argument the method does not use.
    DesignError
        The method does not fit the design: JK1 with strata, JKn/BRR/Fay without, BRR/Fay
        with strata that do not have exactly two PSUs (named), a bootstrap of single-PSU
        strata under ``lonely_psu="adjust"`` or ``"average"``.

    Warns
    -----
    MicsWarning
        The design has an fpc that the method does not use (bootstrap, BRR, Fay), or its
        weights were adjusted (calibration, trimming): the adjustment is not repeated on the
        replicates.

    Notes
    -----
    Factors, scales and rscales as R survey 4.1-1's ``as.svrepdesign`` (see
    :mod:`mics_toolkit.design.replicates`); a replicate weight is ``factor * w``. The
    variance centres at the mean of the replicates (R's ``mse=FALSE``); use
    ``rep.replace(mse=True)`` to centre at the full-sample estimate.
    """
    built = replicate_factors(design, method, replicates=replicates, seed=seed, fay_rho=fay_rho)
    if getattr(design, "calibration", ()):
        warnings.warn(
            "the design's weights were adjusted (post-stratified, raked, calibrated or "
            "trimmed); the replicates reweight the adjusted weights without repeating the "
            "adjustment, as R's as.svrepdesign does, so their variance does not account for "
            "it. Replicate the unadjusted design and adjust the replicate design instead.",
            MicsWarning,
            stacklevel=3,
        )
    fixed = built.method in ("jk1", "jkn")
    return ReplicateDesign(
        design.data,
        design.weight,
        None,
        built.method,
        fay_rho=built.fay_rho if built.method == "fay" else None,
        scale=built.scale if fixed else None,
        rscales=built.rscales if fixed else None,
        design=design,
        factors=built.factors,
        seed=built.seed,
    )


def _replicate_columns(base: Design, spec, weight: str) -> list[str]:
    frame = base.frame
    source = base.source
    columns = [c for c in frame.columns if isinstance(c, str)]
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec)
        except re.error as error:
            raise OptionError(
                f"replicate_weights={spec!r} is not a valid regular expression: {error}",
                option="replicate_weights",
                value=spec,
                valid=(),
            ) from None
        names = [c for c in columns if pattern.match(c) and c != weight]
        if not names:
            matches = close_matches(spec, columns)
            hint = f"; did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
            where = f" in {source}" if source else ""
            raise VariableError(
                f"no column{where} matches the replicate weight pattern {spec!r} (matched at "
                f"the start of column names){hint}",
                variable=spec,
                file=source,
                close_matches=matches,
            )
        return names
    if not isinstance(spec, (list, tuple, pd.Index, np.ndarray)):
        raise OptionError(
            f"replicate_weights must be a list of column names or a pattern, not {spec!r}",
            option="replicate_weights",
            value=spec,
            valid=(),
        )
    names = list(spec)
    for name in names:
        check_column(frame, name, role="replicate weight", source=source)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise OptionError(
            f"replicate_weights names columns more than once: {repeated}",
            option="replicate_weights",
            value=repeated,
            valid=(),
        )
    if weight in names:
        raise OptionError(
            f"the weight {weight!r} is also listed as a replicate weight; list only the "
            "replicate columns",
            option="replicate_weights",
            value=weight,
            valid=(),
        )
    return names


def _replicate_matrix(base: Design, names: list[str]) -> np.ndarray:
    frame = base.frame
    where = f" in {base.source}" if base.source else ""
    for name in names:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        ):
            raise WeightError(
                f"replicate weight {name!r}{where} is not numeric (dtype {dtype})",
                variable=name,
                n_bad=len(frame),
            )
    matrix = frame[names].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = (~np.isfinite(matrix)).sum(axis=0)
    problems = [(name, int(count)) for name, count in zip(names, bad, strict=True) if count]
    if problems:
        listed = ", ".join(f"{name} ({count} rows)" for name, count in problems[:10])
        more = f" ... ({len(problems) - 10} more columns)" if len(problems) > 10 else ""
        raise WeightError(
            f"{len(problems)} replicate weight columns{where} have missing or infinite "
            f"values: {listed}{more}. Replicate weights must be complete: give rows outside "
            "the sample weight 0 in every replicate, or drop them.",
            variable=problems[0][0],
            n_bad=sum(count for _, count in problems),
        )
    return np.ascontiguousarray(matrix)


def _variance_constants(method, n_replicates, fay_rho, scale, rscales):
    """The (scale, rscales) of a method with R svrepdesign's defaults, checked."""
    if method == "fay":
        if fay_rho is None or not _is_number(fay_rho) or not 0 < fay_rho < 1:
            raise OptionError(
                f"method='fay' needs fay_rho strictly between 0 and 1, not {fay_rho!r}; for "
                "fay_rho=0 use method='brr'",
                option="fay_rho",
                value=fay_rho,
                valid=(),
            )
    elif fay_rho is not None:
        raise OptionError(
            f"fay_rho={fay_rho!r} applies only to method='fay'",
            option="fay_rho",
            value=fay_rho,
            valid=(),
        )
    if method in ("brr", "fay") and scale is not None:
        raise OptionError(
            f"method={method!r} fixes scale = 1 / (R (1 - fay_rho)^2); do not give scale "
            "(use method='other' for another scale)",
            option="scale",
            value=scale,
            valid=(),
        )
    if scale is None:
        if method == "other":
            raise OptionError(
                "method='other' needs scale (the variance multiplier of the replicates)",
                option="scale",
                value=None,
                valid=(),
            )
        defaults = {
            "bootstrap": 1.0 / (n_replicates - 1),
            "jk1": (n_replicates - 1) / n_replicates,
            "jkn": 1.0,
            "brr": 1.0 / n_replicates,
            "fay": 1.0 / (n_replicates * (1.0 - (fay_rho or 0.0)) ** 2),
        }
        scale = defaults[method]
    elif not _is_number(scale) or not np.isfinite(scale) or scale <= 0:
        raise OptionError(
            f"scale={scale!r} is not valid; give a positive number",
            option="scale",
            value=scale,
            valid=(),
        )
    if rscales is None:
        if method == "jkn":
            raise OptionError(
                "method='jkn' needs rscales: (n_h - 1) / n_h for each replicate, n_h the "
                "number of PSUs of the stratum the replicate deletes from (as R's svrepdesign)",
                option="rscales",
                value=None,
                valid=(),
            )
        values = np.ones(n_replicates)
    else:
        values = np.asarray(rscales, dtype=float).reshape(-1)
        if values.size == 1:
            values = np.full(n_replicates, float(values[0]))
        if values.size != n_replicates or not np.isfinite(values).all() or (values < 0).any():
            raise OptionError(
                f"rscales must be one non-negative number or one per replicate "
                f"({n_replicates}), not {values.size} values",
                option="rscales",
                value=rscales,
                valid=(),
            )
    return float(scale), values


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------ estimation
def _replicate_totals(
    rep: ReplicateDesign,
    values: RowValues,
    cells: CellTotals,
    n_domains: int,
    with_denominator: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Replicate numerator and denominator totals, each (G, K, R).

    PSU factors multiply the (domain, PSU) cell totals; supplied row weights multiply the
    rows' unweighted values (the weights already hold the full-sample weight).
    """
    n_vars = values.numerator.shape[1]
    if rep.factors is not None:
        unit, domain = cells.cell_psu, cells.cell_domain
        numerator, denominator = cells.numerator, cells.denominator
    else:
        unit, domain = values.rows, values.domain
        numerator, denominator = values.numerator, values.denominator
    shared = with_denominator and bool((denominator == denominator[:, :1]).all())
    if with_denominator:
        sums = np.hstack([numerator, denominator[:, :1] if shared else denominator])
    else:
        sums = numerator
    totals = replicate_totals(rep.unit_weights, unit, domain, sums, n_domains)
    if not with_denominator:
        return totals, None
    den = totals[:, n_vars:]
    if shared:
        den = np.broadcast_to(den, totals[:, :n_vars].shape)
    return totals[:, :n_vars], den


def _domain_degrees_of_freedom(rep: ReplicateDesign, values: RowValues, n_domains: int):
    """R's ``degf()`` of each domain's subset design: rank of its rows' analysis weights - 1."""
    n_vars = values.valid.shape[1]
    out = np.empty((n_domains, n_vars))
    same = bool((values.valid == values.valid[:, :1]).all())
    for k in [0] if same else range(n_vars):
        for g in range(n_domains):
            rows = np.zeros(rep.n_rows, dtype=bool)
            rows[values.rows[(values.domain == g) & values.valid[:, k]]] = True
            out[g, k] = max(rep.rank_of_rows(rows) - 1, 0) if rows.any() else 0
    if same:
        out[:] = out[:, :1]
    return out


def _estimate(
    rep: ReplicateDesign,
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
    cells = cell_totals(rep.base, values, n_domains)
    numerator_total = cells.numerator_total
    denominator_total = cells.denominator_total
    weight_total = cells.weight_total
    n_valid = cells.by_domain(cells.n_valid)
    n_positive = cells.by_domain(cells.n_positive)
    numerators, denominators = _replicate_totals(
        rep, values, cells, n_domains, kind != "total"
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "total":
            estimate = numerator_total
            replicates = numerators
        else:
            estimate = numerator_total / denominator_total
            replicates = numerators / denominators
    variance, n_dropped = replicate_variance(
        replicates, estimate, rep.variance_scale, rep.variance_rscales, rep.mse
    )
    if kind == "total":
        srs = total_srs_variance(values, n_domains, weight_total, estimate, n_positive)
    else:
        srs = ratio_srs_variance(
            values, n_domains, estimate, weight_total, denominator_total, n_positive
        )
    empty = n_valid == 0
    estimate = np.where(empty, np.nan, estimate)
    variance = np.where(empty, np.nan, variance)
    dropped = (n_dropped > 0) & np.isfinite(estimate)
    if dropped.any():
        warnings.warn(
            f"{int(n_dropped[dropped].max())} of {rep.n_replicates} replicates give no "
            f"estimate in {int(dropped.any(axis=1).sum())} domains (no weight of the domain in "
            "those replicates); they are left out of the variance, as R's svrVar does",
            MicsWarning,
            stacklevel=4,
        )
    if df_rule == "design":
        dof = np.full(estimate.shape, float(rep.degrees_of_freedom))
    else:
        dof = _domain_degrees_of_freedom(rep, values, n_domains)
    conventions = {
        **rep.conventions(),
        **attrs,
        "df": df_rule,
        "deff": "replicate variance over SRS with replacement on the domain's n "
        "(R deff='replace', n = rows of positive weight)",
    }
    return assemble_result(
        domains, estimate, variance, srs, dof, n_positive, weight_total, level=level, ci=ci,
        ci_method=ci_method, levels=levels, conventions=conventions,
    )


_COMMON_DOC = """
    by : str or list of str, optional
        Variables whose value combinations define the domains (cross-classified); one result
        row per combination present in the data, in sorted order.
    where : str or array-like of bool, optional
        Restrict the estimate to a subpopulation (an expression or a boolean array). Rows
        outside the domain count 0 in every replicate.
    level : float
        Confidence level of the interval, default 0.95.
    ci : {"t", "normal", "mics"}
        ``"t"`` (default): Student t with ``df`` degrees of freedom; ``"normal"``: Normal
        quantile (R's ``confint`` default); ``"mics"``: estimate -+ 2 SE.
    df : {"design", "domain"}
        ``"design"`` (default): R's ``degf()`` of the replicate design, the rank of its
        analysis weights minus 1; ``"domain"``: the same on the domain's rows with a value
        (R's ``degf()`` of the subset design).
"""


def mean(rep: ReplicateDesign, variable: str, by=None, where=None, level: float = 0.95,
         ci: str = "t", df: str = "design"):
    """Weighted mean of a numeric variable in each domain, with its replicate SE.

    Parameters
    ----------
    rep : ReplicateDesign
    variable : str
        A numeric column. Missing values put the row outside the domain.
    {common}
    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``estimate, se, ci_lower, ci_upper, cv, deff, deft, df,
        n_unweighted, n_weighted``, as the Taylor :func:`mics_toolkit.estimate.mean`.

    Raises
    ------
    VariableError
        ``variable`` or a ``by`` column is unknown or not numeric.

    Warns
    -----
    MicsWarning
        Some replicates give no estimate in a domain (left out of the variance, as R).
    SpecialCodeWarning
        The values include codes classified from labels as no response, DK or not applicable.

    Notes
    -----
    ``estimate = sum(w y) / sum(w)`` over the domain; replicate r gives
    ``t_r = sum(w_r y) / sum(w_r)`` from the replicate totals, and
    ``V = scale * sum_r rscales[r] (t_r - centre)^2``. ``deff = V / V_srs`` with the
    Taylor ``V_srs`` (R ``deff="replace"``; R's replicate designs count rows of zero weight in
    n, we do not). R: ``svyby(~y, ~by, repdesign, svymean, na.rm=TRUE, deff="replace")``.
    """
    check_common(level, ci, df)
    base = rep.base
    domains = domains_of(base, by, where)
    check_request(base, Request("mean", variable), domains.index)
    y = base.numeric(variable)
    valid = ~np.isnan(y)
    values = RowValues.build(base, domains.index, y[:, None], valid[:, None])
    return _estimate(
        rep, domains, values, kind="ratio", level=level, ci=ci, ci_method=None, df_rule=df,
        attrs={"estimator": "mean", "variable": variable, "by": list(domains.by),
               "where": where_text(where)},
    )


def total(rep: ReplicateDesign, variable: str, by=None, where=None, level: float = 0.95,
          ci: str = "t", df: str = "design"):
    """Weighted total of a numeric variable in each domain, with its replicate SE.

    Parameters
    ----------
    rep : ReplicateDesign
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
        The weights look normalised, so the total is not a population count.

    Notes
    -----
    ``estimate = sum(w y)``, ``t_r = sum(w_r y)``. R: ``svytotal(~y, repdesign,
    na.rm=TRUE, deff="replace")``.
    """
    check_common(level, ci, df)
    base = rep.base
    domains = domains_of(base, by, where)
    check_request(base, Request("total", variable), domains.index)
    y = base.numeric(variable)
    valid = ~np.isnan(y)
    warn_normalised(base)
    values = RowValues.build(base, domains.index, y[:, None], valid[:, None])
    return _estimate(
        rep, domains, values, kind="total", level=level, ci=ci, ci_method=None, df_rule=df,
        attrs={"estimator": "total", "variable": variable, "by": list(domains.by),
               "where": where_text(where)},
    )


def ratio(rep: ReplicateDesign, numerator: str, denominator: str, by=None, where=None,
          level: float = 0.95, ci: str = "t", df: str = "design"):
    """Ratio of two weighted totals ``sum(w y) / sum(w x)`` in each domain.

    Parameters
    ----------
    rep : ReplicateDesign
    numerator, denominator : str
        Numeric columns y and x. A row missing either is outside the domain.
    {common}
    Returns
    -------
    pandas.DataFrame
        As :func:`mean`.

    Notes
    -----
    ``t_r = sum(w_r y) / sum(w_r x)``. ``deff = V / V_srs`` with the Taylor ratio ``V_srs``
    (R 4.1-1's ``svyratio`` on a replicate design fails with ``deff="replace"``). R:
    ``svyby(~y, ~by, repdesign, svyratio, denominator=~x, na.rm=TRUE)``.
    """
    check_common(level, ci, df)
    base = rep.base
    domains = domains_of(base, by, where)
    check_request(base, Request("ratio", numerator, denominator), domains.index)
    y, x = base.numeric(numerator), base.numeric(denominator)
    valid = ~np.isnan(y) & ~np.isnan(x)
    values = RowValues.build(base, domains.index, y[:, None], valid[:, None], x[:, None])
    return _estimate(
        rep, domains, values, kind="ratio", level=level, ci=ci, ci_method=None, df_rule=df,
        attrs={"estimator": "ratio", "numerator": numerator, "denominator": denominator,
               "by": list(domains.by), "where": where_text(where)},
    )


def proportion(rep: ReplicateDesign, variable: str, by=None, where=None, level: float = 0.95,
               ci: str = "t", ci_method: str | None = None, df: str = "design"):
    """Proportion of each category of a variable in each domain (fractions, 0-1).

    Parameters
    ----------
    rep : ReplicateDesign
    variable : str
        Any column; its categories are the values present in the data, sorted.
    {common}
    ci_method : {"logit", "korn-graubard", "wald"}, optional
        Default ``"logit"``, or ``"wald"`` with ``ci="mics"``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``level``, then the result columns, as the Taylor
        :func:`mics_toolkit.estimate.proportion`.

    Notes
    -----
    The proportion of category l is the mean of ``1[y == l]``, with its replicate variance.
    R: ``svyby(~factor(y), ~by, repdesign, svymean, na.rm=TRUE)``; the logit and
    Korn-Graubard intervals are R's ``svyciprop(method="xlogit")`` and ``"beta"`` with
    ``df = degf()``.
    """
    check_common(level, ci, df)
    ci_method = interval_method(ci, ci_method)
    base = rep.base
    domains = domains_of(base, by, where)
    codes, levels = base.codes(variable, role="analysis")
    values = RowValues.categorical(base, domains.index, codes, max(len(levels), 1))
    return _estimate(
        rep, domains, values, kind="ratio", level=level, ci=ci,
        ci_method=ci_method if ci_method != "wald" else None, df_rule=df, levels=levels,
        attrs={"estimator": "proportion", "variable": variable, "by": list(domains.by),
               "where": where_text(where), "interval": ci_method},
    )


for _function in (mean, total, ratio, proportion):
    _function.__doc__ = _function.__doc__.replace("    {common}\n", _COMMON_DOC.lstrip("\n"))
