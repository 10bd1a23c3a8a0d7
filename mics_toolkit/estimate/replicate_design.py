"""Replicate-weight designs: the public :class:`ReplicateDesign` and :func:`replicate`, which
builds one from a sample design.

A :class:`ReplicateDesign` comes either from :meth:`SurveyDesign.replicate` (bootstrap,
jackknife, BRR or Fay replicates of the design's PSUs, see :mod:`mics_toolkit.design.replicates`)
or from a file that ships replicate weights (``mt.ReplicateDesign(data, weight, columns,
method)``). Its estimators take the arguments of the Taylor ones and return exactly the same
columns, through the same engine; only the variance method the design carries differs
(:class:`~mics_toolkit.estimate.replicate_variance.ReplicateVariance`): the statistic is
recomputed with each replicate's weights and ``V = scale * sum_r rscales[r] (t_r - centre)^2``
(R survey's ``svrVar``).

Replicate statistics are computed from totals, never by re-weighting every row per
replicate: for replicates built from PSUs the (domain, PSU) cell totals are multiplied by the
(R, P) factor matrix; for supplied row-level weights one product of the (N, R) weight matrix
with the domain values.
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
from mics_toolkit.design.replicates import check_fay_rho, is_number, replicate_factors
from mics_toolkit.errors import (
    DesignError,
    MicsWarning,
    OptionError,
    VariableError,
    WeightError,
    check_option,
    close_matches,
)
from mics_toolkit.estimate.methods import EstimatorMethods
from mics_toolkit.estimate.replicate_adjust import calibrated_weights, trimmed_replicate_weights
from mics_toolkit.estimate.replicate_variance import ReplicateVariance, replicate_rank
from mics_toolkit.estimate.scores import ReplicateUnits

__all__ = ["REPLICATE_DESIGN_METHODS", "ReplicateDesign", "replicate"]

ReplicateDesignMethod = Literal["bootstrap", "jk1", "jkn", "brr", "fay", "other"]
REPLICATE_DESIGN_METHODS: tuple[str, ...] = ("bootstrap", "jk1", "jkn", "brr", "fay", "other")


@dataclass(frozen=True, eq=False)
class ReplicateDesign(EstimatorMethods):
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
    variance_method : ReplicateVariance
        The variance the estimators use: the statistic recomputed with every replicate.

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
    variance_method: ReplicateVariance = field(init=False, repr=False)

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
        units = ReplicateUnits(unit_weights, by_psu=self.factors is not None)
        set_(self, "variance_method", ReplicateVariance(
            units, scale, rscales, self.mse, self.rank_of_rows, self.conventions(),
            base.n_rows,
        ))

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
        return self.variance_method.design_degrees_of_freedom

    @property
    def meta(self):
        """Labels and special codes of the survey records."""
        return self.base.meta

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
        """Calibrate the weights and every replicate's weights to ``totals``, as R's
        ``calibrate(svrepdesign, ...)``; arguments as :meth:`SurveyDesign.calibrate`.

        Returns a replicate design with supplied replicate weights and the variance constants
        (scale, rscales, mse) of this one; see
        :func:`mics_toolkit.estimate.replicate_adjust.calibrated_weights`."""
        main, matrix = calibrated_weights(self.base, self.replicate_weight_matrix(), totals,
                                          method, bounds, tolerance, max_iterations)
        return self._with_weights(main, matrix)

    def trim(self, lower=None, upper=None, strict=False):
        """Trim the weights and every replicate's weights to ``[lower, upper]``, each keeping
        its total (R ``trimWeights`` applied column by column); see
        :func:`mics_toolkit.estimate.replicate_adjust.trimmed_replicate_weights`."""
        main, matrix = trimmed_replicate_weights(self.base.weights,
                                                 self.replicate_weight_matrix(), lower, upper,
                                                 strict)
        return self._with_weights(main, matrix)

    def _with_weights(self, main: np.ndarray, replicate: np.ndarray) -> ReplicateDesign:
        """A replicate design over the same rows with new full-sample and replicate weights."""
        frame = self.base.frame
        prefix = "_replicate_weight_"
        while any(str(c).startswith(prefix) for c in frame.columns):
            prefix = "_" + prefix
        weight = f"{prefix}main"
        columns = {weight: main}
        names = [f"{prefix}{r + 1}" for r in range(replicate.shape[1])]
        columns.update({name: replicate[:, r] for r, name in enumerate(names)})
        data = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
        return ReplicateDesign(
            data, weight=weight, replicate_weights=names, method="other",
            scale=self.variance_scale, rscales=np.asarray(self.variance_rscales), mse=self.mse,
        )

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
    check_fay_rho(method, fay_rho)
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
    elif not is_number(scale) or not np.isfinite(scale) or scale <= 0:
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
