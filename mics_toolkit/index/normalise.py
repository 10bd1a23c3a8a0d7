"""Normalisation of indicators onto a common scale, with COINr 1.1's formulas.

This module holds :class:`Normalisation` (a method and its parameters, frozen and validated),
the public :func:`normalise` for a vector or a region x indicator table, and the kernel
:func:`normalise_matrix` that the index pipeline calls on a whole batch of replicates at
once: an array of shape ``(B, R)`` (replicates x regions) normalised along the region axis.

Every method first multiplies the values by the indicator's direction ``d`` (+1 when higher is
better, -1 when lower is better), ``x' = d x``, as COINr's ``Normalise()``; missing values
(NaN) stay missing and are left out of the minimum, maximum, mean, standard deviation and
ranks. The formulas, in the code's names:

=================  ==============================================================================
method             value
=================  ==============================================================================
minmax             ``(x' - min x') / (max x' - min x') * (upper - lower) + lower``
goalposts          ``clip((x' - lo') / (hi' - lo'), 0, 1) * scale``; ``(lo', hi') = (lo, hi)``
                   for ``d = 1`` and ``(-hi, -lo)`` for ``d = -1``, i.e. ``(hi - x) / (hi - lo)``
zscore             ``(x' - mean x') / sd x' * sd + mean`` (``sd x'`` with ``n - 1``, as R)
dist2ref           ``(1 - (x'_ref - x') / (x'_ref - min x')) * scale``, capped at ``scale``
                   when ``cap``
dist2target        ``(x' - min x') / (d target - min x') * scale``, i.e.
                   ``(max x - x) / (max x - target)`` for ``d = -1``; capped when ``cap``
rank               ``rank(x')`` ascending, ties ``"min"`` (R ``rank(ties.method="min")``)
percentile_rank    ``(rank(x') - 1) / (n - 1) * scale``, n the number of non-missing values
none               ``x'``
=================  ==============================================================================

``scale`` defaults to 100 for goalposts and to 1 (COINr's value) for dist2ref, dist2target
and percentile_rank. A zero range (all values equal) gives NaN, as COINr.

References
----------
Becker, W. et al. (2022). COINr: An R package for developing composite indicators. Journal of
Open Source Software 7(78), 4567. Functions ``n_minmax``, ``n_goalposts``, ``n_zscore``,
``n_dist2ref``, ``n_dist2targ``, ``n_rank``, ``n_prank`` of COINr 1.1.
OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 5.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, SpecError, check_option

__all__ = [
    "NORMALISATION_METHODS",
    "TIES_OPTIONS",
    "Normalisation",
    "NormalisationMethod",
    "ascending_ranks",
    "normalise",
    "normalise_matrix",
]

NormalisationMethod = Literal[
    "minmax", "goalposts", "zscore", "dist2ref", "dist2target", "rank", "percentile_rank", "none"
]
NORMALISATION_METHODS: tuple[str, ...] = (
    "minmax",
    "goalposts",
    "zscore",
    "dist2ref",
    "dist2target",
    "rank",
    "percentile_rank",
    "none",
)
TIES_OPTIONS: tuple[str, ...] = ("min", "average", "max")

# Parameters each method reads (besides method itself); any other key given is an error.
_PARAMETERS: dict[str, tuple[str, ...]] = {
    "minmax": ("range",),
    "goalposts": ("goalposts", "scale", "truncate"),
    "zscore": ("mean", "sd"),
    "dist2ref": ("reference", "scale", "cap"),
    "dist2target": ("target", "scale", "cap"),
    "rank": ("ties",),
    "percentile_rank": ("ties", "scale"),
    "none": (),
}
_DEFAULT_SCALE = {"goalposts": 100.0}


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Normalisation:
    """A normalisation method with its parameters.

    Parameters
    ----------
    method : {"minmax", "goalposts", "zscore", "dist2ref", "dist2target", "rank", \
"percentile_rank", "none"}
        See the module documentation for each formula. Default ``"minmax"`` (COINr's default).
    range : (float, float)
        ``(lower, upper)`` of min-max, default ``(0, 100)``.
    goalposts : (float, float)
        ``(lo, hi)`` with ``lo < hi``, in the indicator's own units (a proportion's goalposts
        are fractions, e.g. ``(0, 1)``); required for goalposts. The direction decides which
        end scores 0: ``lo`` when higher is better, ``hi`` when lower is better.
    scale : float, optional
        Multiplier of goalposts (default 100), dist2ref, dist2target and percentile_rank
        (default 1, COINr's scale).
    truncate : bool
        Goalposts: clip to ``[0, 1]`` before scaling (COINr ``trunc2posts``), default True.
    mean, sd : float
        Mean and standard deviation of z-scores, default 0 and 1 (COINr ``m_sd``).
    reference : object
        The region whose value scores ``scale`` under dist2ref (a region label).
    target : float
        The target of dist2target, in the indicator's units (not multiplied by the direction).
    cap : bool
        dist2ref and dist2target: cap values above the reference or target at ``scale``.
    ties : {"min", "average", "max"}
        Ties of rank and percentile_rank, default ``"min"`` (COINr ``n_rank``).

    Raises
    ------
    OptionError
        ``method`` or ``ties`` is not one of the listed values.
    SpecError
        A parameter the method needs is missing or invalid (``key`` names it).

    Examples
    --------
    >>> Normalisation("goalposts", goalposts=(0.0, 1.0)).apply([0.2, 0.5, 1.2]).tolist()
    [20.0, 50.0, 100.0]
    """

    method: NormalisationMethod = "minmax"
    range: tuple[float, float] = (0.0, 100.0)
    goalposts: tuple[float, float] | None = None
    scale: float | None = None
    truncate: bool = True
    mean: float = 0.0
    sd: float = 1.0
    reference: Any = None
    target: float | None = None
    cap: bool = False
    ties: Literal["min", "average", "max"] = "min"

    def __post_init__(self) -> None:
        check_option("method", self.method, NORMALISATION_METHODS)
        check_option("ties", self.ties, TIES_OPTIONS)
        set_ = object.__setattr__
        bounds = _pair(self.range, "range")
        set_(self, "range", bounds)
        if bounds[0] == bounds[1]:
            raise SpecError(
                f"normalisation range {list(bounds)} is empty; give (lower, upper) with "
                "lower != upper, e.g. (0, 100)",
                key="range",
            )
        if self.goalposts is not None:
            posts = _pair(self.goalposts, "goalposts")
            if not posts[0] < posts[1]:
                raise SpecError(
                    f"goalposts {list(posts)} must be (lo, hi) with lo < hi, in the "
                    "indicator's units; the direction says which end is best",
                    key="goalposts",
                )
            set_(self, "goalposts", posts)
        if self.method == "goalposts" and self.goalposts is None:
            raise SpecError(
                "goalposts normalisation needs goalposts: (lo, hi) in the indicator's units, "
                "e.g. goalposts=(0, 1) for a proportion",
                key="goalposts",
            )
        if self.scale is not None:
            if not _finite(self.scale) or self.scale == 0:
                raise SpecError(
                    f"scale={self.scale!r} must be a finite non-zero number", key="scale"
                )
            set_(self, "scale", float(self.scale))
        for name in ("mean", "sd"):
            if not _finite(getattr(self, name)):
                raise SpecError(f"{name}={getattr(self, name)!r} must be a number", key=name)
        if not self.sd > 0:
            raise SpecError(f"sd={self.sd!r} must be positive", key="sd")
        if self.method == "dist2ref" and self.reference is None:
            raise SpecError(
                "dist2ref normalisation needs reference: the region whose value scores the "
                "maximum",
                key="reference",
            )
        if self.target is not None and not _finite(self.target):
            raise SpecError(f"target={self.target!r} must be a number", key="target")
        if self.method == "dist2target" and self.target is None:
            raise SpecError(
                "dist2target normalisation needs target: the value in the indicator's units "
                "that scores the maximum",
                key="target",
            )
        for name in ("truncate", "cap"):
            if not isinstance(getattr(self, name), bool):
                raise SpecError(f"{name} must be true or false", key=name)

    @property
    def effective_scale(self) -> float:
        """``scale``, or the method's default: 100 for goalposts, 1 otherwise."""
        if self.scale is not None:
            return self.scale
        return _DEFAULT_SCALE.get(self.method, 1.0)

    @property
    def is_rank(self) -> bool:
        """True for rank and percentile_rank, whose derivative is zero almost everywhere."""
        return self.method in ("rank", "percentile_rank")

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> Normalisation:
        """Build from a mapping such as ``{"method": "goalposts", "goalposts": [0, 1]}``.

        Raises
        ------
        SpecError
            An unknown key, or a key the method does not use (``key`` names it).
        """
        if isinstance(mapping, str):
            mapping = {"method": mapping}
        if not isinstance(mapping, Mapping):
            raise SpecError(
                f"a normalisation is a method name or a mapping, not {type(mapping).__name__}",
            )
        method = mapping.get("method", "minmax")
        check_option("method", method, NORMALISATION_METHODS)
        allowed = ("method", *_PARAMETERS[method])
        for key in mapping:
            if key not in allowed:
                raise SpecError(
                    f"normalisation {method!r} has no parameter {key!r}; it takes: "
                    f"{', '.join(allowed)}",
                    key=str(key),
                )
        values = dict(mapping)
        for key in ("range", "goalposts"):
            if key in values and values[key] is not None:
                values[key] = tuple(values[key]) if isinstance(values[key], (list, tuple)) else values[key]
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The method and the parameters it uses, as plain values (inverse of from_dict)."""
        out: dict[str, Any] = {"method": self.method}
        for key in _PARAMETERS[self.method]:
            value = getattr(self, key)
            if key == "scale":
                value = self.effective_scale
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def apply(self, values, direction: int = 1):
        """Normalise a vector or a region x indicator table; see :func:`normalise`."""
        return normalise(values, self, direction=direction)


def _pair(value: Any, name: str) -> tuple[float, float]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(_finite(v) for v in value)
    ):
        raise SpecError(f"{name} must be two numbers, not {value!r}", key=name)
    return (float(value[0]), float(value[1]))


def _check_direction(direction: Any) -> int:
    if isinstance(direction, bool) or direction not in (1, -1):
        raise OptionError(
            f"direction={direction!r} is not valid; use 1 (higher is better) or -1 (lower is "
            "better)",
            option="direction",
            value=direction,
            valid=("1", "-1"),
        )
    return int(direction)


def normalise_matrix(
    values: np.ndarray,
    normalisation: Normalisation,
    direction: int = 1,
    reference_index: int | None = None,
) -> np.ndarray:
    """Normalise each row of a ``(B, R)`` array along the region axis (kernel).

    Parameters
    ----------
    values : numpy.ndarray, shape (B, R)
        B replicates (rows) of one indicator over R regions; NaN is missing.
    normalisation : Normalisation
    direction : {1, -1}
    reference_index : int, optional
        Column of the reference region (dist2ref only).

    Returns
    -------
    numpy.ndarray, shape (B, R)
        Normalised values (a new array); NaN where the value is missing or the range is 0.

    Notes
    -----
    The formulas are in the module documentation; each replicate row is normalised with its
    own minimum, maximum, mean, standard deviation or ranks, as a re-run of the index would.
    """
    x = direction * np.asarray(values, dtype=np.float64)
    method = normalisation.method
    scale = normalisation.effective_scale
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "none":
            return x.copy()
        if method in ("rank", "percentile_rank"):
            ranks = ascending_ranks(x, normalisation.ties)
            if method == "rank":
                return ranks
            n_valid = np.sum(~np.isnan(x), axis=-1, keepdims=True)
            return (ranks - 1.0) / (n_valid - 1.0) * scale
        if method == "goalposts":
            lo, hi = normalisation.goalposts
            if direction == -1:
                lo, hi = -hi, -lo
            y = (x - lo) / (hi - lo)
            if normalisation.truncate:
                y = np.clip(y, 0.0, 1.0)
            return y * scale
        if method == "zscore":
            mean = _nan_reduce(np.nanmean, x)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # one value: sd is NaN
                sd = _nan_reduce(lambda a, **k: np.nanstd(a, ddof=1, **k), x)
            return (x - mean) / sd * normalisation.sd + normalisation.mean
        low = _nan_reduce(np.nanmin, x)
        if method == "minmax":
            high = _nan_reduce(np.nanmax, x)
            lower, upper = normalisation.range
            return (x - low) / (high - low) * (upper - lower) + lower
        if method == "dist2ref":
            if reference_index is None:
                raise SpecError("dist2ref needs the reference region's position", key="reference")
            ref = x[..., reference_index : reference_index + 1]
            y = 1.0 - (ref - x) / (ref - low)
        else:  # dist2target
            target = direction * normalisation.target
            y = (x - low) / (target - low)
        if normalisation.cap:
            y = np.minimum(y, 1.0)
        return y * scale


def _nan_reduce(function, x: np.ndarray) -> np.ndarray:
    """A nan-aware reduction over the last axis, NaN (without warning) where all are NaN."""
    out = np.full((*x.shape[:-1], 1), np.nan)
    has = ~np.all(np.isnan(x), axis=-1)
    if has.all():
        return function(x, axis=-1, keepdims=True)
    if has.any():
        out[has] = function(x[has], axis=-1, keepdims=True)
    return out


def ascending_ranks(x: np.ndarray, ties: str) -> np.ndarray:
    """Ascending ranks along the last axis, NaN kept (R ``rank(na.last="keep")``); ``ties``
    as ``scipy.stats.rankdata``'s ``method``."""
    from scipy import stats  # loaded where ranks are taken: it costs a second to import

    if not np.isnan(x).any():
        return stats.rankdata(x, method=ties, axis=-1).astype(np.float64)
    return stats.rankdata(x, method=ties, axis=-1, nan_policy="omit").astype(np.float64)


def normalise(values, normalisation: Normalisation | str = "minmax", direction: int = 1, **parameters):
    """Normalise an indicator (a vector) or each column of a region x indicator table.

    Parameters
    ----------
    values : array-like, pandas.Series or pandas.DataFrame
        One indicator's values by region (a Series indexed by region, or a 1-D array whose
        labels are its positions), or a DataFrame with regions as rows and indicators as
        columns, each normalised on its own.
    normalisation : Normalisation or str
        The method (a :class:`Normalisation`, or a method name with its parameters given as
        keyword arguments).
    direction : {1, -1}
        +1 when higher values are better, -1 when lower values are better; multiplied into
        the values first.
    **parameters
        Parameters of :class:`Normalisation` when ``normalisation`` is a name.

    Returns
    -------
    numpy.ndarray, pandas.Series or pandas.DataFrame
        The normalised values, of the type and shape (and labels) given.

    Raises
    ------
    OptionError
        Unknown method, ties or direction.
    SpecError
        A parameter is missing or invalid, or the dist2ref reference is not a region of
        ``values``.

    Notes
    -----
    See the module documentation for the formulas (COINr 1.1 ``n_*`` functions).

    Examples
    --------
    >>> normalise([1.0, 2.0, 4.0], "minmax").round(6).tolist()
    [0.0, 33.333333, 100.0]
    >>> normalise([1.0, 2.0, 4.0], "minmax", direction=-1).round(6).tolist()
    [100.0, 66.666667, 0.0]
    >>> normalise([3.0, 1.0, 3.0, 2.0], "percentile_rank").tolist()
    [0.6666666666666666, 0.0, 0.6666666666666666, 0.3333333333333333]
    """
    if isinstance(normalisation, str):
        normalisation = Normalisation(normalisation, **parameters)
    elif parameters:
        raise OptionError("give parameters either in the Normalisation or as keywords, not both",
                          option="method", value=None, valid=())
    direction = _check_direction(direction)
    if isinstance(values, pd.DataFrame):
        matrix = values.to_numpy(dtype=np.float64).T
        ref = _reference_position(normalisation, values.index)
        out = normalise_matrix(matrix, normalisation, direction, ref)
        return pd.DataFrame(out.T, index=values.index, columns=values.columns)
    if isinstance(values, pd.Series):
        ref = _reference_position(normalisation, values.index)
        out = normalise_matrix(values.to_numpy(dtype=np.float64)[None, :], normalisation, direction, ref)
        return pd.Series(out[0], index=values.index, name=values.name)
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise OptionError("normalise() takes a 1-D vector, a Series or a DataFrame",
                          option="values", value=None, valid=())
    ref = _reference_position(normalisation, pd.RangeIndex(len(array)))
    return normalise_matrix(array[None, :], normalisation, direction, ref)[0]


def _reference_position(normalisation: Normalisation, index: pd.Index) -> int | None:
    if normalisation.method != "dist2ref":
        return None
    matches = np.flatnonzero(index == normalisation.reference)
    if matches.size != 1:
        raise SpecError(
            f"dist2ref reference {normalisation.reference!r} is not one of the regions "
            f"({', '.join(repr(v) for v in list(index)[:25])})",
            key="reference",
        )
    return int(matches[0])
