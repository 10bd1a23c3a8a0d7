"""Weight adjustments to population figures: post-stratification, raking, calibration, trimming.

Each adjustment takes a :class:`~mics_toolkit.design.Design` and returns a new design whose
weights are the adjusted ones; the caller's data and the original design are not modified. The
new design's frame is a shallow copy of the old one with one added column holding the adjusted
weights, named ``<weight>_adjusted`` (see :func:`adjusted_weight_name`), and the design keeps,
in its ``calibration`` field, a :class:`WeightStep` per adjustment: what the variance needs to
account for the adjustment as R survey 4.1-1 does (residuals of the linearised scores on the
calibration variables; :mod:`mics_toolkit.estimate.calibrated_variance`).

* :func:`poststratify` -- R ``postStratify``: ``w_new = w * N_c / W_c`` in each cell c
  (one variable or cross-classified variables), ``W_c`` the sum of the current weights.
* :func:`rake` -- R ``rake``: iterative proportional fitting to the margins of several
  variables, run on the table of occupied cells rather than on the rows.
* :func:`calibrate` -- R ``calibrate``: generalised regression (``method="linear"``), raking
  ratio (``"raking"``) and logit (``"logit"``) calibration to categorical counts and numeric
  totals, with bounds on the ratio ``g = w_new / w`` (R ``calfun=``, ``bounds=``).
* :func:`trim` -- R ``trimWeights``: weights outside ``[lower, upper]`` are set to the bound
  and the amount trimmed is shared equally by the other units, so the total is kept.
* :func:`read_totals` -- population figures from a CSV file, in the form :func:`calibrate`
  takes.

Rows with weight 0 (non-responding units of a MICS file) are carried along unchanged: they
keep weight 0, their calibration variables may be missing, and they count in no cell. R
instead gives NaN variances for calibrated designs with zero weights, and ``trimWeights``
would hand them a share of the trimmed amount.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mics_toolkit.design.checks import describe_codes
from mics_toolkit.design.design import Design
from mics_toolkit.errors import (
    CalibrationError,
    OptionError,
    ReadError,
    SpecError,
    VariableError,
    check_option,
)
from mics_toolkit.io import SurveyData
from mics_toolkit.specfile import require_regular_file

__all__ = [
    "ADJUSTED_WEIGHT_SUFFIX",
    "CALIBRATION_METHODS",
    "AdjustmentTerm",
    "CalibrationBasis",
    "CalibrationMethod",
    "WeightStep",
    "adjusted_weight_name",
    "calibrate",
    "calibration_factors",
    "poststratify",
    "rake",
    "read_totals",
    "trim",
    "trimmed_weights",
]

CalibrationMethod = Literal["linear", "raking", "logit"]
CALIBRATION_METHODS: tuple[str, ...] = ("linear", "raking", "logit")

#: Suffix of the column holding the adjusted weights in a new design's frame.
ADJUSTED_WEIGHT_SUFFIX = "_adjusted"

#: Number of sweeps of R's approximation to the variance of raked weights (``svyrecvar``).
RAKE_VARIANCE_SWEEPS = 10

# Relative difference allowed between the totals of two margins (rake) or two categorical
# variables (calibrate), which must describe the same population.
_CONSISTENCY = 1e-8
# Relative size below which a pivot of the equilibrated M' W M marks a dependent column.
_COLLINEAR = 1e-9
# R's grake rescales the weights when every population total exceeds this many times its
# sample total (``SOMETHRESHOLD``).
_RESCALE_THRESHOLD = 20.0
# Largest number of halvings of one Newton step of calibration.
_MAX_HALVINGS = 60
# Multiple of diag(M' W M) added to the Newton matrix of calibration.
_RIDGE = 1e-8
# Largest number of rounds of strict trimming.
_MAX_TRIM_ROUNDS = 10_000


# --------------------------------------------------------------------------- records of steps
@dataclass(frozen=True, eq=False)
class CalibrationBasis:
    """The calibration variables ``m_i`` (a row of q values per design row).

    Three forms: ``codes`` alone (indicator columns: the column of each row, -1 for none);
    ``codes`` with ``loadings`` (the row of ``loadings``, shape (n_patterns, q), of each
    row's pattern, -1 for a zero row); or ``matrix`` (dense, shape (N, q)).

    Attributes
    ----------
    n_columns : int
        q.
    names : tuple of str
        A name per column, for messages and conventions.
    """

    n_columns: int
    codes: np.ndarray | None = None
    loadings: np.ndarray | None = None
    matrix: np.ndarray | None = None
    names: tuple[str, ...] = ()

    @property
    def n_patterns(self) -> int:
        """Number of distinct codes (columns for indicators, patterns with loadings)."""
        return self.n_columns if self.loadings is None else self.loadings.shape[0]

    def sums(self, key: np.ndarray, n_keys: int, weights: np.ndarray, rows=None) -> np.ndarray:
        """``sum_i weights_i m_i`` over the rows of each key, shape (n_keys, q).

        ``rows`` (positions) selects the design rows that ``key`` and ``weights`` describe;
        None means every row.
        """
        from scipy import sparse
        if self.codes is not None:
            codes = self.codes if rows is None else self.codes[rows]
            ok = codes >= 0
            n = self.n_patterns
            flat = np.bincount(key[ok] * n + codes[ok], weights=weights[ok], minlength=n_keys * n)
            flat = flat.reshape(n_keys, n)
            return flat if self.loadings is None else flat @ self.loadings
        matrix = self.matrix if rows is None else self.matrix[rows]
        indicator = sparse.csr_matrix(
            (weights, (key, np.arange(len(key)))), shape=(n_keys, len(key))
        )
        return np.asarray(indicator @ matrix)

    def cross(self, other: CalibrationBasis, weights: np.ndarray) -> np.ndarray:
        """``sum_i weights_i m_i m_other_i'``, shape (q, q_other)."""
        if self.codes is not None:
            ok = np.flatnonzero(self.codes >= 0)
            by_code = other.sums(self.codes[ok], self.n_patterns, weights[ok], rows=ok)
            return by_code if self.loadings is None else self.loadings.T @ by_code
        if other.codes is not None:
            return other.cross(self, weights).T
        return (self.matrix * weights[:, None]).T @ other.matrix


@dataclass(frozen=True, eq=False)
class AdjustmentTerm:
    """One projection of R's ``svyrecvar`` adjustment of the scores ``x`` (N rows):

    ``x <- x - scale * (M gamma)``, with ``gamma = inverse @ M' (x / divisor)``.

    For a calibration or post-stratification (R ``greg_calibration`` and post-strata),
    ``divisor = g = w_new / w_old``, ``scale = w_new`` and ``inverse = (M' W_old M)^-1``;
    for a raking margin (R ``raking``), ``divisor = scale = `` the weights after that
    margin's adjustment and ``inverse = diag(1 / n_c)`` (rows per cell).
    """

    basis: CalibrationBasis
    scale: np.ndarray
    divisor: np.ndarray
    inverse: np.ndarray


@dataclass(frozen=True, eq=False)
class WeightStep:
    """A weight adjustment, as recorded on a design for its variance and its conventions.

    Attributes
    ----------
    kind : {"poststratify", "rake", "calibrate", "trim"}
    description : dict
        What was done (variables, method, bounds ...), shown in ``result.attrs["mics"]``.
    terms : tuple of AdjustmentTerm
        The projections of the variance adjustment (none for ``trim``, which R's variance
        ignores).
    sweeps : int
        How many times the terms are applied in turn: 1, or 10 for ``rake`` (R's
        approximation of the raking variance).
    n_rows : int
        Number of design rows the step was computed on.
    """

    kind: str
    description: dict
    terms: tuple[AdjustmentTerm, ...]
    sweeps: int
    n_rows: int


# --------------------------------------------------------------------------- new designs
def adjusted_weight_name(design: Design) -> str:
    """Name of the weight column of a design derived from ``design`` by an adjustment.

    ``<weight>_adjusted`` for a design without adjustments (with ``_2``, ``_3`` ... appended
    if the data already has that column); a design that already carries adjustments keeps its
    own adjusted column name, whose values the new design replaces in its own copy.
    """
    if design.calibration:
        return design.weight
    base = f"{design.weight}{ADJUSTED_WEIGHT_SUFFIX}"
    name, number = base, 2
    columns = set(map(str, design.frame.columns))
    while name in columns:
        name, number = f"{base}_{number}", number + 1
    return name


def _adjusted_design(design: Design, weights: np.ndarray, step: WeightStep) -> Design:
    name = adjusted_weight_name(design)
    frame = design.frame.copy(deep=False)
    frame[name] = weights
    return design.replace(
        data=SurveyData(frame, design.meta),
        weight=name,
        calibration=(*design.calibration, step),
    )


# --------------------------------------------------------------------------- levels and cells
def _normalise(value):
    """A level as a lookup key: numbers and numeric text become float, other text stays."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    return value


def _show(value) -> str:
    """A level for a message: integral floats without the decimal point."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _variable_codes(design: Design, name: str) -> tuple[np.ndarray, list]:
    """Codes (-1 missing) and levels of a calibration variable; missing only on zero weights."""
    codes, uniques = design.codes(name, role="calibration")
    bad = (codes < 0) & (design.weights > 0)
    if bad.any():
        where = f" in {design.source}" if design.source else ""
        raise CalibrationError(
            f"calibration variable {name!r}{where} is missing on {int(bad.sum())} rows with "
            f"positive weight (first rows: {describe_codes(np.flatnonzero(bad)[:5].tolist(), 5)})"
            "; every weighted row needs a category",
            variable=name,
        )
    return codes, list(np.asarray(uniques).tolist())


def _cells(design: Design, names: Sequence[str]) -> tuple[np.ndarray, list]:
    """Cell of each row (-1 where a variable is missing) and the label of each cell (a level,
    or a tuple of levels for several variables), for the cells present in the data."""
    codes_levels = [_variable_codes(design, name) for name in names]
    if len(names) == 1:
        return codes_levels[0]
    combined = np.zeros(design.n_rows, dtype=np.int64)
    valid = np.ones(design.n_rows, dtype=bool)
    for codes, levels in codes_levels:
        combined = combined * max(len(levels), 1) + np.maximum(codes, 0)
        valid &= codes >= 0
    present, cell = np.unique(combined[valid], return_inverse=True)
    out = np.full(design.n_rows, -1, dtype=np.intp)
    out[valid] = cell
    labels = []
    for key in present.tolist():
        parts = []
        for _codes, levels in reversed(codes_levels):
            size = max(len(levels), 1)
            parts.append(levels[key % size])
            key //= size
        labels.append(tuple(reversed(parts)))
    return out, labels


def _targets(
    label: str, levels: list, present: np.ndarray, population: Mapping
) -> np.ndarray:
    """Population count of each level (NaN for levels without one), after checking that every
    count is a positive number, every given level is in the sample and every level of the
    sample (a level with positive weight) has a count."""
    lookup = {_normalise(level): index for index, level in enumerate(levels)}
    targets = np.full(len(levels), np.nan)
    bad_counts, absent = [], []
    for key, count in population.items():
        try:
            value = float(count)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            bad_counts.append((key, count))
            continue
        index = lookup.get(_normalise(key))
        if index is None or not present[index]:
            absent.append(key)
            continue
        if not math.isnan(targets[index]):
            raise CalibrationError(
                f"the population figures of {label} give level {_show(key)} twice",
                variable=label,
                levels=[key],
            )
        targets[index] = value
    if bad_counts:
        shown = ", ".join(f"{_show(k)}: {c!r}" for k, c in bad_counts[:10])
        raise CalibrationError(
            f"population counts of {label} must be positive numbers; bad: {shown}",
            variable=label,
            levels=[k for k, _ in bad_counts],
        )
    if absent:
        sample = [levels[i] for i in np.flatnonzero(present)]
        raise CalibrationError(
            f"population figures of {label} give levels absent from the sample (no row with "
            f"positive weight): {', '.join(_show(k) for k in absent[:10])}. Levels in the "
            f"sample: {', '.join(_show(v) for v in sample[:20])}. Merge the level with a "
            "neighbouring one in both the data and the totals.",
            variable=label,
            levels=absent,
        )
    missing = [levels[i] for i in np.flatnonzero(present & np.isnan(targets))]
    if missing:
        raise CalibrationError(
            f"population figures of {label} lack levels present in the sample: "
            f"{', '.join(_show(v) for v in missing[:10])}; give a count for every level",
            variable=label,
            levels=missing,
        )
    return targets


def _as_mapping(population, label: str) -> Mapping:
    if isinstance(population, pd.Series):
        return dict(population.items())
    if isinstance(population, Mapping):
        return population
    raise CalibrationError(
        f"the population figures of {label} must be a mapping level -> count, not "
        f"{type(population).__name__}",
        variable=label,
    )


# --------------------------------------------------------------------------- post-stratification
def poststratify(design: Design, variables, population) -> Design:
    """Post-stratify: scale the weights in each cell to the cell's population count.

    Parameters
    ----------
    design : Design
    variables : str or list of str
        The post-stratification variable, or several variables whose combinations are the cells.
    population : mapping or pandas.DataFrame
        For one variable, a mapping level -> count. For several, a mapping from tuples of
        levels (in the order of ``variables``) to counts, or a DataFrame with a column per
        variable and exactly one other column holding the counts (R's ``population``
        data frame).

    Returns
    -------
    Design
        A new design of the same class with weights ``w * N_c / W_c`` in column
        ``<weight>_adjusted`` (:func:`adjusted_weight_name`).

    Raises
    ------
    VariableError
        A variable is not a column.
    CalibrationError
        A count is not a positive number; a level (cell) of the population figures is absent
        from the sample (no row with positive weight); a cell of the sample has no count; a
        variable is missing on a row with positive weight.

    Notes
    -----
    ``g_c = N_c / W_c`` with ``W_c = sum_{i in c} w_i``. Variance (R ``svyrecvar`` for
    post-strata): the row scores ``x`` are replaced by
    ``x_i - w_new_i * sum_{j in c(i)} (x_j / g_j) / sum_{j in c(i)} w_j``, the residuals of the
    scores on the cell indicators. R: ``postStratify(design, ~v, population)``.
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    if not names or not all(isinstance(n, str) for n in names):
        raise OptionError(
            f"variables must be a column name or a list of names, not {variables!r}",
            option="variables", value=variables, valid=(),
        )
    label = names[0] if len(names) == 1 else " x ".join(names)
    if isinstance(population, pd.DataFrame):
        population = _cells_population(population, names)
    population = _as_mapping(population, label)
    if len(names) > 1:
        population = {
            (key if isinstance(key, tuple) else (key,)): count for key, count in population.items()
        }
    cells, levels = _cells(design, names)
    w = design.weights
    n_cells = len(levels)
    inside = cells >= 0
    present = np.bincount(cells[inside], weights=w[inside] > 0, minlength=n_cells) > 0
    targets = _targets(label, levels, present, population)
    sample = np.bincount(cells[inside], weights=w[inside], minlength=n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_g = np.where(present, targets / sample, 1.0)
    g = np.ones(design.n_rows)
    g[inside] = cell_g[cells[inside]]
    new = w * g
    basis = CalibrationBasis(
        n_columns=n_cells, codes=cells, names=tuple(f"{label}={_show(v)}" for v in levels)
    )
    with np.errstate(divide="ignore"):
        inverse = np.diag(np.where(sample > 0, 1.0 / sample, 0.0))
    step = WeightStep(
        kind="poststratify",
        description={"adjustment": "poststratify", "variables": names, "cells": int(n_cells)},
        terms=(AdjustmentTerm(basis=basis, scale=new, divisor=g, inverse=inverse),),
        sweeps=1,
        n_rows=design.n_rows,
    )
    return _adjusted_design(design, new, step)


def _cells_population(frame: pd.DataFrame, names: list[str]) -> dict:
    missing = [n for n in names if n not in frame.columns]
    others = [c for c in frame.columns if c not in names]
    if missing or len(others) != 1:
        raise CalibrationError(
            "a population DataFrame needs a column for each variable "
            f"({', '.join(names)}) and exactly one other column with the counts; it has "
            f"{', '.join(map(str, frame.columns))}",
            variable=" x ".join(names),
        )
    keys = frame[names].itertuples(index=False, name=None)
    counts = frame[others[0]].tolist()
    out: dict = {}
    for key, count in zip(keys, counts, strict=True):
        key = key if len(names) > 1 else key[0]
        if key in out:
            raise CalibrationError(
                f"the population DataFrame gives cell {_show(key)} twice",
                variable=" x ".join(names),
                levels=[key],
            )
        out[key] = count
    return out


# --------------------------------------------------------------------------- raking
def rake(
    design: Design,
    margins: Mapping,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> Design:
    """Rake the weights to the population margins of several variables (iterative
    proportional fitting).

    Parameters
    ----------
    design : Design
    margins : mapping
        Variable -> mapping level -> population count, e.g.
        ``{"HH7": {1: 410_000, 2: 380_000}, "HH6": {1: 500_000, 2: 290_000}}``. Every margin
        must sum to the same population total.
    tolerance : float
        Convergence: every margin's weighted sample counts within ``tolerance`` (relative) of
        its population counts.
    max_iterations : int
        Largest number of sweeps over the margins.

    Returns
    -------
    Design
        A new design with the raked weights in column ``<weight>_adjusted``.

    Raises
    ------
    CalibrationError
        Bad counts, levels absent from the sample or missing from the margins (as
        :func:`poststratify`), margins with different totals, or no convergence within
        ``max_iterations`` sweeps (the message names the margin furthest from its counts).

    Notes
    -----
    A sweep post-stratifies to each margin in turn: ``w <- w * N_jc / W_jc``. The weights
    are ``w_i = w0_i * F_k`` with one factor per occupied cell k of the cross-classification
    of all margins, so the sweeps run on those cells, not on the rows. Variance: R's
    ``svyrecvar`` approximation, 10 sweeps over the margins of
    ``x <- x - w_j * ave_c(x / w_j)``, where ``w_j`` are the weights after margin j in the
    last sweep and ``ave_c`` the unweighted mean over the rows of cell c. R: ``rake(design,
    list(~v1, ~v2), list(pop1, pop2), control = list(epsilon = , maxit = ))``; R's default
    stopping rule (change below 1 weight unit, 10 sweeps) is looser than ours.
    """
    if not isinstance(margins, Mapping) or not margins:
        raise CalibrationError("margins must be a non-empty mapping variable -> {level: count}")
    _check_iteration_options(tolerance, max_iterations)
    w = design.weights
    positive = w > 0
    names = list(margins)
    codes_list, targets_list, levels_list = [], [], []
    for name in names:
        if not isinstance(name, str):
            raise OptionError(f"margin names must be column names, not {name!r}",
                              option="margins", value=name, valid=())
        codes, levels = _variable_codes(design, name)
        present = np.bincount(codes[positive], minlength=len(levels)) > 0
        targets = _targets(name, levels, present, _as_mapping(margins[name], name))
        codes_list.append(codes)
        targets_list.append(targets)
        levels_list.append(levels)
    sums = [float(np.nansum(t)) for t in targets_list]
    for name, total in zip(names[1:], sums[1:], strict=True):
        if abs(total - sums[0]) > _CONSISTENCY * abs(sums[0]):
            raise CalibrationError(
                f"margin {name!r} sums to {total:.10g} but margin {names[0]!r} sums to "
                f"{sums[0]:.10g}; raking needs margins of the same population total",
                variable=name,
            )

    # occupied cells of the cross-classification among rows of positive weight
    rows = np.flatnonzero(positive)
    key = np.zeros(rows.size, dtype=np.int64)
    size = 1
    for codes, levels in zip(codes_list, levels_list, strict=True):
        key = key * len(levels) + codes[rows]
        size *= len(levels)
    if size <= max(4 * rows.size, 1_000_000):
        occupied = np.bincount(key, minlength=size) > 0
        cell_key = np.flatnonzero(occupied)
        cell_of_row = (np.cumsum(occupied) - 1)[key]
    else:
        cell_key, cell_of_row = np.unique(key, return_inverse=True)
    cell_weight = np.bincount(cell_of_row, weights=w[rows], minlength=cell_key.size)
    cell_codes = []
    remainder = cell_key.copy()
    for levels in reversed(levels_list):
        cell_codes.append(remainder % len(levels))
        remainder //= len(levels)
    cell_codes.reverse()

    factor = np.ones(cell_key.size)
    after_margin = [factor] * len(names)
    converged = False
    distance = np.inf
    for _sweep in range(max_iterations):
        after_margin = []
        for codes, targets, levels in zip(cell_codes, targets_list, levels_list, strict=True):
            current = np.bincount(codes, weights=cell_weight * factor, minlength=len(levels))
            with np.errstate(divide="ignore", invalid="ignore"):
                adjust = np.where(current > 0, targets / current, 1.0)
            factor = factor * adjust[codes]
            after_margin.append(factor)
        distances = []
        for codes, targets, levels in zip(cell_codes, targets_list, levels_list, strict=True):
            current = np.bincount(codes, weights=cell_weight * factor, minlength=len(levels))
            ok = ~np.isnan(targets)
            distances.append(float(np.max(np.abs(current[ok] - targets[ok]) / targets[ok])))
        distance = max(distances)
        if distance < tolerance:
            converged = True
            break
    if not converged:
        worst = int(np.argmax(distances))
        raise CalibrationError(
            f"raking did not converge in {max_iterations} sweeps: margin {names[worst]!r} "
            f"is still {distances[worst]:.3g} (relative) from its population counts "
            f"(tolerance {tolerance:g}). Check that the margins describe the same population "
            "and that no cell needed by a margin is empty.",
            variable=names[worst],
        )

    new = np.zeros(design.n_rows)
    new[rows] = w[rows] * factor[cell_of_row]
    terms = []
    for name, codes, levels, margin_factor in zip(
        names, codes_list, levels_list, after_margin, strict=True
    ):
        margin_weights = np.zeros(design.n_rows)
        margin_weights[rows] = w[rows] * margin_factor[cell_of_row]
        counts = np.bincount(codes[rows], minlength=len(levels)).astype(float)
        with np.errstate(divide="ignore"):
            inverse = np.diag(np.where(counts > 0, 1.0 / counts, 0.0))
        basis = CalibrationBasis(
            n_columns=len(levels), codes=codes,
            names=tuple(f"{name}={_show(v)}" for v in levels),
        )
        terms.append(
            AdjustmentTerm(basis=basis, scale=margin_weights, divisor=margin_weights,
                           inverse=inverse)
        )
    step = WeightStep(
        kind="rake",
        description={"adjustment": "rake", "margins": names, "tolerance": tolerance,
                     "iterations": _sweep + 1},
        terms=tuple(terms),
        sweeps=RAKE_VARIANCE_SWEEPS,
        n_rows=design.n_rows,
    )
    return _adjusted_design(design, new, step)


def _check_iteration_options(tolerance, max_iterations) -> None:
    if not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise CalibrationError(f"tolerance={tolerance!r} must be a number between 0 and 1")
    if not isinstance(max_iterations, (int, np.integer)) or max_iterations < 1:
        raise CalibrationError(f"max_iterations={max_iterations!r} must be a positive integer")


# --------------------------------------------------------------------------- calibration
def calibrate(
    design: Design,
    totals: Mapping,
    method: CalibrationMethod = "linear",
    bounds=None,
    tolerance: float = 1e-10,
    max_iterations: int = 50,
) -> Design:
    """Calibrate the weights to population totals (generalised regression, raking ratio or
    logit calibration), optionally bounding the adjustment of each weight.

    Parameters
    ----------
    design : Design
    totals : mapping
        Variable -> population figure: a number for a numeric variable (its population
        total), or a mapping level -> count for a categorical variable, every level of the
        sample given. Categorical variables must agree on the population size.
    method : {"linear", "raking", "logit"}
        The distance of R's ``calfun``: ``g = 1 + u`` (linear, GREG), ``g = exp(u)``
        (raking ratio) or the logit function bounded by ``bounds``, with ``u = m' lambda``.
    bounds : (float, float), optional
        ``(lower, upper)``, ``lower < 1 < upper``, bounds on ``g = w_new / w`` (``None`` for
        an open side). Required and finite for ``"logit"``.
    tolerance : float
        Convergence: ``|T - sum(w_new m)| / (1 + |T|) < tolerance`` for every total T
        (R's ``epsilon``, default there 1e-7).
    max_iterations : int
        Largest number of Newton steps (R's ``maxit``).

    Returns
    -------
    Design
        A new design with the calibrated weights ``w * g`` in column ``<weight>_adjusted``.

    Raises
    ------
    VariableError
        A variable is not a column, or a numeric total is given for a non-numeric column.
    CalibrationError
        Bad counts, levels absent from the sample or missing from the totals, categorical
        variables with different population sizes, collinear calibration variables whose
        totals disagree, a numeric variable missing on a weighted row, negative weights from unbounded linear
        calibration, bad bounds, or totals that cannot be met (within the bounds).

    Notes
    -----
    The model matrix ``m_i`` has an intercept (when a categorical variable is given; its
    total is the population size), indicators of every level but the first of each
    categorical variable and the numeric variables: R's ``model.matrix(~ a + b + x)``.
    Columns that depend linearly on the others (overlapping variables, such as area within
    region and area within age group) are dropped when their totals agree with the others,
    as R's ``ginv`` and ``qr`` ignore them.
    ``g_i = 1 + F(m_i' lambda)`` solves ``sum_i w_i g_i m_i = T``: in closed form for
    unbounded linear calibration, ``lambda = (M' W M)^-1 (T - M' w)`` (R ``regcalibrate``),
    otherwise by R's Newton iteration ``grake`` (pseudo-inverse steps, step halving). As R,
    when every ``T_j / sum(w m_j)`` exceeds 20 the weights are first scaled by the mean of
    those ratios and the bounds apply to the adjustment after that scaling.

    Variance (R ``svyrecvar`` for ``greg_calibration``): the row scores x are replaced by
    their residuals ``x - w_new m' B``, ``B = (M' W M)^-1 M' (x / g)``. R:
    ``calibrate(design, ~a + b + x, population, calfun = method, bounds = bounds)``.

    References
    ----------
    Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling.
    Journal of the American Statistical Association 87, 376-382.
    """
    check_option("method", method, CALIBRATION_METHODS)
    _check_iteration_options(tolerance, max_iterations)
    lower, upper = _check_bounds(bounds, method)
    if not isinstance(totals, Mapping) or not totals:
        raise CalibrationError("totals must be a non-empty mapping variable -> total or counts")
    basis, matrix, weights, population, names, labels = _model_basis(design, totals)
    w = design.weights
    if method == "linear" and bounds is None:
        g = _linear_factors(matrix, weights, population)
    else:
        g = calibration_factors(
            matrix, weights, population, method=method, lower=lower, upper=upper,
            tolerance=tolerance, max_iterations=max_iterations, labels=labels,
        )
    if basis.codes is not None:  # g per pattern of levels -> per row (1 on zero weights)
        g = np.where(basis.codes >= 0, g[np.maximum(basis.codes, 0)], 1.0)
    negative = (g < 0) & (w > 0)
    if negative.any():
        raise CalibrationError(
            f"linear calibration gives negative weights to {int(negative.sum())} rows; bound "
            "the adjustment with bounds=(0, upper) or use method='raking'",
        )
    new = w * g
    inverse = _pseudo_inverse((matrix * weights[:, None]).T @ matrix)
    step = WeightStep(
        kind="calibrate",
        description={"adjustment": "calibrate", "method": method, "variables": names,
                     "bounds": None if bounds is None else [lower, upper]},
        terms=(AdjustmentTerm(basis=basis, scale=new, divisor=g, inverse=inverse),),
        sweeps=1,
        n_rows=design.n_rows,
    )
    return _adjusted_design(design, new, step)


def _check_bounds(bounds, method: str) -> tuple[float, float]:
    if bounds is None:
        if method == "logit":
            raise CalibrationError(
                "logit calibration needs finite bounds=(lower, upper) with lower < 1 < upper"
            )
        return -math.inf, math.inf
    try:
        lower, upper = bounds
        lower = -math.inf if lower is None else float(lower)
        upper = math.inf if upper is None else float(upper)
    except (TypeError, ValueError):
        raise CalibrationError(
            f"bounds={bounds!r} must be a pair (lower, upper) of numbers or None"
        ) from None
    if not lower < 1 < upper:
        raise CalibrationError(
            f"bounds={bounds!r} must satisfy lower < 1 < upper (they bound w_new / w)"
        )
    if method == "logit" and not (math.isfinite(lower) and math.isfinite(upper)):
        raise CalibrationError(
            f"logit calibration needs finite bounds, not {bounds!r}"
        )
    return lower, upper


def _model_basis(design: Design, totals: Mapping):
    """(basis, T, variable names, column labels) of R's ``model.matrix(~ a + b + x)``.

    With categorical variables only, the rows of positive weight fall into a few patterns (the
    occupied combinations of levels): the basis is then the pattern of each row and the
    model-matrix row of each pattern, and calibration runs on the patterns. Rows of weight 0
    get a zero row (pattern -1).
    """
    w = design.weights
    positive = w > 0
    specs: list[tuple] = []  # ("level", codes, index) or ("numeric", values)
    population: list[float] = []
    labels: list[str] = []
    names: list[str] = []
    categorical: list[tuple[np.ndarray, int]] = []
    population_size = None
    size_variable = None
    for name, figure in totals.items():
        if not isinstance(name, str):
            raise OptionError(f"totals must be keyed by column names, not {name!r}",
                              option="totals", value=name, valid=())
        names.append(name)
        if isinstance(figure, (Mapping, pd.Series)):
            codes, levels = _variable_codes(design, name)
            present = np.bincount(codes[positive], minlength=len(levels)) > 0
            targets = _targets(name, levels, present, _as_mapping(figure, name))
            size = float(np.nansum(targets))
            if population_size is None:
                population_size, size_variable = size, name
            elif abs(size - population_size) > _CONSISTENCY * abs(population_size):
                raise CalibrationError(
                    f"the counts of {name!r} sum to {size:.10g} but those of "
                    f"{size_variable!r} to {population_size:.10g}; categorical totals must "
                    "describe the same population",
                    variable=name,
                )
            categorical.append((codes, len(levels)))
            for index in np.flatnonzero(present)[1:]:
                specs.append(("level", codes, index))
                population.append(float(targets[index]))
                labels.append(f"{name}={_show(levels[index])}")
            continue
        if isinstance(figure, bool) or not isinstance(figure, (int, float, np.integer,
                                                               np.floating)):
            raise CalibrationError(
                f"the total of {name!r} must be a number (numeric variable) or a mapping "
                f"level -> count (categorical variable), not {type(figure).__name__}",
                variable=name,
            )
        if not math.isfinite(float(figure)):
            raise CalibrationError(f"the total of {name!r} is not finite: {figure!r}",
                                   variable=name)
        values = design.numeric(name, role="calibration")
        if values is None:
            raise VariableError(
                f"calibration variable {name!r} is not numeric "
                f"(dtype {design.frame[name].dtype}); give its totals as a mapping "
                "level -> count",
                variable=name,
                file=design.source,
            )
        bad = np.isnan(values) & positive
        if bad.any():
            raise CalibrationError(
                f"calibration variable {name!r} is missing on {int(bad.sum())} rows with "
                "positive weight; every weighted row needs a value",
                variable=name,
            )
        specs.append(("numeric", values))
        population.append(float(figure))
        labels.append(name)
    if population_size is not None:
        specs.insert(0, ("intercept",))
        population.insert(0, population_size)
        labels.insert(0, "(Intercept)")

    def build(rows: np.ndarray) -> np.ndarray:
        out = np.empty((rows.size, len(specs)))
        for j, spec in enumerate(specs):
            if spec[0] == "intercept":
                out[:, j] = 1.0
            elif spec[0] == "level":
                out[:, j] = spec[1][rows] == spec[2]
            else:
                out[:, j] = spec[1][rows]
        return out

    rows = np.flatnonzero(positive)
    if len(categorical) == len(names):
        key = np.zeros(rows.size, dtype=np.int64)
        for codes, n_levels in categorical:
            key = key * n_levels + codes[rows]
        patterns, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        codes = np.full(design.n_rows, -1, dtype=np.intp)
        codes[rows] = inverse
        matrix = build(rows[first])
        weights = np.bincount(inverse, weights=w[rows], minlength=patterns.size)
    else:
        codes = None
        matrix = np.zeros((design.n_rows, len(specs)))
        matrix[rows] = build(rows)
        weights = w
    population = np.array(population)
    kept = _independent_columns((matrix * weights[:, None]).T @ matrix, population, labels)
    if len(kept) < matrix.shape[1]:
        matrix = np.ascontiguousarray(matrix[:, kept])
        population = population[kept]
        labels = [labels[k] for k in kept]
    if codes is not None:
        basis = CalibrationBasis(n_columns=matrix.shape[1], codes=codes, loadings=matrix,
                                 names=tuple(labels))
    else:
        basis = CalibrationBasis(n_columns=matrix.shape[1], matrix=matrix, names=tuple(labels))
    return basis, matrix, weights, population, names, labels


def _independent_columns(cross: np.ndarray, population: np.ndarray, labels) -> list[int]:
    """Columns of the model matrix that are linearly independent (on the weighted rows).

    A dependent column (a constant numeric variable, margins that overlap, as area within
    region and area within age group) adds no constraint if its total is the same
    combination of the other totals, and is dropped; otherwise the totals contradict each
    other and a :class:`CalibrationError` names the column.
    """
    from scipy import linalg
    scaled, scale = _equilibrated(cross)
    _, r, order = linalg.qr(scaled, pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int(np.sum(diagonal > _COLLINEAR * max(diagonal[0], 0.0))) if diagonal.size else 0
    kept = sorted(order[:rank].tolist())
    dropped = sorted(order[rank:].tolist())
    if not dropped:
        return kept
    # dependent column d = M_kept c: its total must be c' T_kept
    coefficients = np.linalg.lstsq(scaled[np.ix_(kept, kept)], scaled[np.ix_(kept, dropped)],
                                   rcond=None)[0]
    implied = (population[kept] / scale[kept]) @ coefficients * scale[dropped]
    given = population[dropped]
    off = np.abs(implied - given) > _CONSISTENCY * np.maximum(np.abs(given), np.abs(implied))
    if off.any():
        bad = [labels[dropped[i]] for i in np.flatnonzero(off)]
        raise CalibrationError(
            f"the calibration variables are collinear and their totals disagree: the total of "
            f"{bad[0]} should be {implied[np.flatnonzero(off)[0]]:.10g} from the other totals "
            f"but is {given[np.flatnonzero(off)[0]]:.10g}",
            variable=bad[0].split("=", 1)[0],
            levels=bad,
        )
    return kept


def _equilibrated(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.sqrt(np.abs(np.diag(matrix)))
    scale[scale == 0] = 1.0
    return matrix / np.outer(scale, scale), scale


def _pseudo_inverse(matrix: np.ndarray, rcond: float = 1e-12) -> np.ndarray:
    """Pseudo-inverse of a symmetric matrix, computed on its equilibrated form."""
    scaled, scale = _equilibrated(matrix)
    return np.linalg.pinv(scaled, rcond=rcond, hermitian=True) / np.outer(scale, scale)


def _linear_factors(matrix: np.ndarray, w: np.ndarray, population: np.ndarray) -> np.ndarray:
    """``g = 1 + M (M' W M)^-1 (T - M' w)``: unbounded linear calibration (R regcalibrate)."""
    cross = (matrix * w[:, None]).T @ matrix
    lam = _pseudo_inverse(cross) @ (population - matrix.T @ w)
    return 1.0 + matrix @ lam


def _linear_distance(u, lower, upper):
    g = np.clip(u + 1.0, lower, upper) - 1.0
    derivative = ((u < upper - 1) & (u > lower - 1)).astype(float)
    return g, derivative


def _raking_distance(u, lower, upper):
    # R's cal.raking takes the derivative as 0 where u (not exp(u)) is outside
    # (lower - 1, upper - 1); the solution is the same, but with the derivative of the clipped
    # exponential used here Newton's method converges quadratically, not linearly.
    e = np.exp(u)
    g = np.clip(e, lower, upper) - 1.0
    derivative = np.where((e < upper) & (e > lower), e, 0.0)
    return g, derivative


def _logit_distance(u, lower, upper):
    # R's cal.logit: g = (L (U - 1) + U (1 - L) e) / (U - 1 + (1 - L) e), e = exp(A u), written
    # as g = L + (U - L) s with s = expit(A u + log((1 - L) / (U - 1))), which does not
    # overflow (R's form gives NaN for large A u and then halves Newton's step).
    a = (upper - lower) / ((upper - 1) * (1 - lower))
    s = _expit(a * u + math.log((1 - lower) / (upper - 1)))
    g = lower + (upper - lower) * s - 1.0
    derivative = (upper - lower) * a * s * (1 - s)
    return g, derivative


def _expit(x):
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out


_DISTANCES = {"linear": _linear_distance, "raking": _raking_distance, "logit": _logit_distance}


def calibration_factors(
    matrix: np.ndarray,
    weights: np.ndarray,
    population: np.ndarray,
    *,
    method: CalibrationMethod,
    lower: float = -math.inf,
    upper: float = math.inf,
    tolerance: float = 1e-10,
    max_iterations: int = 50,
    labels: Sequence[str] | None = None,
) -> np.ndarray:
    """The calibration factors ``g`` (one per row) of R's ``grake``, on arrays.

    Parameters
    ----------
    matrix : numpy.ndarray, shape (N, q)
        Calibration variables ``m_i``.
    weights : numpy.ndarray, shape (N,)
        Weights before calibration.
    population : numpy.ndarray, shape (q,)
        Population totals ``T``.
    method, lower, upper, tolerance, max_iterations
        As :func:`calibrate` (``lower``/``upper`` are the bounds).
    labels : sequence of str, optional
        A name per column of ``matrix``, for the message of a failure.

    Returns
    -------
    numpy.ndarray
        ``g`` with ``sum_i weights_i g_i m_i = T`` to the tolerance.

    Raises
    ------
    CalibrationError
        No convergence within ``max_iterations`` (the message names the total furthest
        from its target): the totals cannot be met within the bounds.

    Notes
    -----
    Newton's method on ``lambda`` (R ``grake``): ``F(u)`` and ``F'(u)`` from the distance,
    ``T_mat = M' diag(w F'(M lambda)) M``, ``lambda += pinv(T_mat) (T - M' w - M' (w F))``.
    R halves a step while ``g`` is not finite; here ``T_mat`` also gets ``1e-8
    diag(M' W M)`` added and a step is halved until it does not pass the minimum of the
    convex dual function whose gradient is minus the misfit (``step' misfit(new) >= 0``),
    which makes logit and bounded calibrations far from ``g = 1`` converge where R's plain
    Newton steps diverge or stall. Where both converge the solution is the same (it is
    unique).
    """
    distance = _DISTANCES[method]
    w = np.asarray(weights, dtype=float)
    n_columns = matrix.shape[1]
    sample_total = matrix.T @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = population / sample_total
    scale = None
    if np.min(ratios) > _RESCALE_THRESHOLD:
        scale = float(np.mean(ratios))
        w = w * scale
        sample_total = sample_total * scale
    def misfit_of(f):
        return population - sample_total - matrix.T @ (w * f)

    def largest(misfit):
        relative = np.abs(misfit) / (1 + np.abs(population))
        return float(np.max(relative)) if np.all(np.isfinite(relative)) else np.inf

    # a small multiple of diag(M' W M) keeps the Newton matrix invertible when units sit at
    # their bounds (F' = 0), so that a step can bring them back
    ridge = _RIDGE * np.diag(matrix.T @ (matrix * w[:, None]))
    eta = np.zeros(n_columns)
    with np.errstate(over="ignore", invalid="ignore"):
        f, derivative = distance(np.zeros(matrix.shape[0]), lower, upper)
    misfit = misfit_of(f)
    achieved = largest(misfit)
    iteration = 1
    while achieved >= tolerance:
        t_matrix = (matrix * (w * derivative)[:, None]).T @ matrix + np.diag(ridge)
        step = _pseudo_inverse(t_matrix, rcond=256 * np.finfo(float).eps) @ misfit
        # The misfit is minus the gradient of a convex function of lambda (the dual of the
        # distance), so its component along the step falls as the step grows: halve the
        # step until it is still >= 0 (the step does not pass the minimum on its line) and
        # every value is finite (R halves only for non-finite values).
        for _halving in range(_MAX_HALVINGS):
            trial = eta + step
            with np.errstate(over="ignore", invalid="ignore"):
                f_trial, derivative_trial = distance(matrix @ trial, lower, upper)
                misfit_trial = misfit_of(f_trial)
            finite = np.all(np.isfinite(misfit_trial)) and np.all(np.isfinite(derivative_trial))
            if finite and (step @ misfit_trial >= 0 or largest(misfit_trial) < tolerance):
                break
            step = step / 2
        eta, f, derivative, misfit = trial, f_trial, derivative_trial, misfit_trial
        achieved = largest(misfit)
        if achieved < tolerance:
            break
        iteration += 1
        if iteration > max_iterations:
            relative = np.abs(misfit) / (1 + np.abs(population))
            worst = int(np.nanargmax(relative)) if np.any(np.isfinite(relative)) else 0
            name = labels[worst] if labels is not None else f"column {worst}"
            bounded = "" if not (math.isfinite(lower) or math.isfinite(upper)) else (
                f" within bounds ({lower:g}, {upper:g}); widen the bounds or merge sparse levels"
            )
            raise CalibrationError(
                f"{method} calibration did not meet the totals after {max_iterations} "
                f"iterations{bounded}: furthest is {name} (relative misfit {achieved:.3g}, "
                f"tolerance {tolerance:g})",
                variable=name.split("=", 1)[0],
                levels=[name],
            )
    g = 1.0 + f
    if scale is not None:
        g = g * scale
    return g


# --------------------------------------------------------------------------- trimming
def trimmed_weights(
    weights: np.ndarray, lower: float | None = None, upper: float | None = None,
    strict: bool = False,
) -> tuple[np.ndarray, int]:
    """Trim weights to ``[lower, upper]`` as R's ``trimWeights``; returns (weights, n trimmed).

    Rows of weight 0 are left out (they stay 0 and get no share). Raises
    :class:`CalibrationError` when every positive weight is outside the bounds.
    """
    low = -math.inf if lower is None else float(lower)
    high = math.inf if upper is None else float(upper)
    if not low < high:
        raise CalibrationError(f"trim needs lower < upper, not lower={lower!r}, upper={upper!r}")
    w = np.asarray(weights, dtype=float).copy()
    positive = w > 0
    n_positive = int(positive.sum())
    total = float(w[positive].sum())
    infeasible = n_positive * high < total * (1 - 1e-12) or n_positive * low > total * (1 + 1e-12)
    if strict and infeasible:
        raise CalibrationError(
            f"strict trimming to [{low:g}, {high:g}] cannot keep the total {total:.10g} of "
            f"{n_positive} positive weights; widen the bounds"
        )
    # a weight counts as outside beyond a relative 1e-12 of the bound, so that strict
    # trimming (whose shares push weights at a bound over it again, by less each time) ends
    below = low - 1e-12 * abs(low)
    above = high + 1e-12 * abs(high)
    n_trimmed = 0
    for _round in range(_MAX_TRIM_ROUNDS):
        outside = positive & ((w < below) | (w > above))
        if not outside.any():
            break
        inside = positive & ~outside
        if not inside.any():
            raise CalibrationError(
                f"every positive weight is outside [{low:g}, {high:g}]; nothing is left to "
                "take the trimmed amount"
            )
        clipped = np.where(outside, np.clip(w, low, high), w)
        trimmed = float(np.sum(w[outside] - clipped[outside]))
        clipped[inside] += trimmed / int(inside.sum())
        n_trimmed += int(outside.sum())
        w = clipped
        if not strict:
            break
    else:
        raise CalibrationError(
            f"strict trimming to [{low:g}, {high:g}] did not settle in {_MAX_TRIM_ROUNDS} rounds"
        )
    return w, n_trimmed


def trim(
    design: Design, lower: float | None = None, upper: float | None = None, strict: bool = False
) -> Design:
    """Trim the weights to ``[lower, upper]`` keeping their total (R ``trimWeights``).

    Parameters
    ----------
    design : Design
    lower, upper : float, optional
        Bounds on the weights themselves (not on their ratio to the old weights).
    strict : bool
        If True, repeat until no weight is outside the bounds (sharing out the trimmed amount
        can push other weights over a bound), as R's ``strict = TRUE``.

    Returns
    -------
    Design
        A new design with the trimmed weights in column ``<weight>_adjusted``; earlier
        calibration steps stay recorded for the variance.

    Raises
    ------
    CalibrationError
        ``lower >= upper``, or every positive weight outside the bounds.

    Notes
    -----
    ``w_new = min(max(w, lower), upper)`` for the units outside the bounds; the amount
    removed, ``sum(w - w_new)`` over them (negative when weights are raised to ``lower``), is
    added in equal parts (not in proportion to the weights) to each other unit of positive
    weight. The variance treats the trimmed weights as given, as R does (a trimmed design
    keeps the adjustment of any earlier calibration). R: ``trimWeights(design, upper, lower,
    strict)``.
    """
    if not isinstance(strict, bool):
        raise OptionError(f"strict must be True or False, not {strict!r}", option="strict",
                          value=strict, valid=())
    new, n_trimmed = trimmed_weights(design.weights, lower, upper, strict)
    step = WeightStep(
        kind="trim",
        description={"adjustment": "trim", "lower": lower, "upper": upper, "strict": strict,
                     "n_trimmed": n_trimmed},
        terms=(),
        sweeps=1,
        n_rows=design.n_rows,
    )
    return _adjusted_design(design, new, step)


# --------------------------------------------------------------------------- totals from a CSV
def read_totals(path) -> dict:
    """Read population figures for :func:`calibrate` (or :func:`rake`) from a CSV file.

    Format: a header line ``variable,level,total`` (other columns are ignored), then one row
    per level of a categorical variable (``HH7,1,412000``) or one row with an empty level for
    a numeric variable's population total (``HH48,,3950000``). Levels are text: a level that
    reads as a number matches the numeric value (``1`` matches ``1.0``), other text matches
    text values exactly.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        Variable -> number (numeric variable) or dict level -> count (categorical variable),
        in the order of the file.

    Raises
    ------
    ReadError
        The file does not exist, is not a regular file (a FIFO or a device such as
        ``/dev/zero`` is refused before it is opened) or cannot be read; ``path`` is set.
    SpecError
        A column is missing, a total is not a finite number, a level is repeated, or a variable
        mixes rows with and without a level (the error gives the line).
    """
    path = require_regular_file(path, what="totals file")
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise ReadError(f"cannot read totals file {str(path)!r}: {error.strerror}",
                        path=str(path)) from None
    out: dict = {}
    with handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in (reader.fieldnames or [])]
        for column in ("variable", "level", "total"):
            if column not in fields:
                raise SpecError(
                    f"totals file {str(path)!r} has no column {column!r}; the header must be "
                    "variable,level,total",
                    file=str(path), line=1, key=column,
                )
        reader.fieldnames = fields
        for line, row in enumerate(reader, start=2):
            variable = (row["variable"] or "").strip()
            level = (row["level"] or "").strip()
            text = (row["total"] or "").strip()
            if not variable:
                raise SpecError(f"{path}:{line}: the variable is empty", file=str(path),
                                line=line, key="variable")
            try:
                total = float(text)
            except ValueError:
                total = math.nan
            if not math.isfinite(total):  # "nan", "inf" are refused as well as "lots"
                raise SpecError(
                    f"{path}:{line}: total {text!r} of {variable!r} is not a number",
                    file=str(path), line=line, key="total",
                )
            previous = out.get(variable)
            if level == "":
                if previous is not None:
                    raise SpecError(
                        f"{path}:{line}: {variable!r} already has "
                        f"{'levels' if isinstance(previous, dict) else 'a total'}",
                        file=str(path), line=line, key=variable,
                    )
                out[variable] = total
                continue
            if previous is None:
                out[variable] = previous = {}
            elif not isinstance(previous, dict):
                raise SpecError(
                    f"{path}:{line}: {variable!r} already has a total without a level",
                    file=str(path), line=line, key=variable,
                )
            if level in previous:
                raise SpecError(
                    f"{path}:{line}: level {level!r} of {variable!r} is given twice",
                    file=str(path), line=line, key=variable,
                )
            previous[level] = total
    return out
