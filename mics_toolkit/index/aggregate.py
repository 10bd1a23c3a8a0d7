"""Aggregation of normalised indicators (or of lower-level scores) into a group's score.

This module holds :class:`Aggregation` (a method and its parameters), the public
:func:`aggregate` for a region x child table, and the kernel :func:`aggregate_array` that the
index pipeline calls on ``(B, R, n)`` arrays (replicates x regions x children), optionally
with weights that differ by replicate (sensitivity analysis).

Weights are rescaled within each group: only their ratios matter. A missing child value
(NaN) drops out together with its weight, so the group's score is the weighted mean of the
children that have a value (COINr's behaviour), and the caller flags it. With ``w`` the
weights of the available children and ``x`` their values:

===========  ===========================================  ===================================
method       value                                        allowed values
===========  ===========================================  ===================================
arithmetic   ``sum(w x) / sum(w)``                        any
geometric    ``exp(sum(w ln x) / sum(w))``                ``x > 0``
harmonic     ``sum(w) / sum(w / x)``                      ``x != 0`` (COINr)
generalised  ``(sum(w x^p) / sum(w))^(1/p)``, ``p != 0``  ``x > 0`` when ``p < 0``;
                                                          ``x >= 0`` when p is not an integer
===========  ===========================================  ===================================

A value outside the allowed set is an error naming the child and the region (COINr stops
too). ``min_available`` is COINr's ``dat_thresh``: the score is missing when the fraction of
children with a value is below it; a group with no child value is always missing.

References
----------
COINr 1.1 ``a_amean``, ``a_gmean``, ``a_hmean``, ``a_genmean`` and ``Aggregate(dat_thresh=)``.
OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, SpecError, check_option

__all__ = [
    "AGGREGATION_METHODS",
    "Aggregation",
    "AggregationMethod",
    "aggregate",
    "aggregate_array",
]

AggregationMethod = Literal["arithmetic", "geometric", "harmonic", "generalised"]
AGGREGATION_METHODS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic", "generalised")


@dataclass(frozen=True)
class Aggregation:
    """An aggregation method with its parameters.

    Parameters
    ----------
    method : {"arithmetic", "geometric", "harmonic", "generalised"}
        Default ``"arithmetic"``.
    p : float, optional
        Exponent of the generalised mean (required there, non-zero; ``p = 1`` is the
        arithmetic mean, ``p = -1`` the harmonic mean, ``p -> 0`` the geometric mean).
    min_available : float
        Smallest fraction of children with a value for the score to be computed (COINr
        ``dat_thresh``), between 0 and 1; default 0.

    Raises
    ------
    OptionError
        Unknown method.
    SpecError
        ``p`` missing or zero for the generalised mean, given for another method, or
        ``min_available`` outside [0, 1].
    """

    method: AggregationMethod = "arithmetic"
    p: float | None = None
    min_available: float = 0.0

    def __post_init__(self) -> None:
        check_option("method", self.method, AGGREGATION_METHODS)
        if self.method == "generalised":
            if self.p is None or isinstance(self.p, bool) or not isinstance(self.p, (int, float)):
                raise SpecError(
                    "the generalised mean needs an exponent p (a non-zero number)", key="p"
                )
            if not math.isfinite(self.p) or self.p == 0:
                raise SpecError(
                    f"p={self.p!r} is not valid: the generalised mean needs a finite non-zero "
                    "p; p -> 0 is the geometric mean (method='geometric')",
                    key="p",
                )
            object.__setattr__(self, "p", float(self.p))
        elif self.p is not None:
            raise SpecError(
                f"p is the exponent of the generalised mean; {self.method!r} takes no p",
                key="p",
            )
        if (
            isinstance(self.min_available, bool)
            or not isinstance(self.min_available, (int, float))
            or not 0 <= self.min_available <= 1
        ):
            raise SpecError(
                f"min_available={self.min_available!r} must be a fraction between 0 and 1",
                key="min_available",
            )

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | str) -> Aggregation:
        """Build from a method name or a mapping ``{"method": ..., "p": ..., ...}``."""
        if isinstance(mapping, str):
            return cls(mapping)
        if not isinstance(mapping, Mapping):
            raise SpecError(
                f"an aggregation is a method name or a mapping, not {type(mapping).__name__}"
            )
        allowed = ("method", "p", "min_available")
        for key in mapping:
            if key not in allowed:
                raise SpecError(
                    f"aggregation has no parameter {key!r}; it takes: {', '.join(allowed)}",
                    key=str(key),
                )
        return cls(**mapping)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {"method": self.method}
        if self.p is not None:
            out["p"] = self.p
        if self.min_available:
            out["min_available"] = self.min_available
        return out

    @property
    def is_linear(self) -> bool:
        """True for the arithmetic mean."""
        return self.method == "arithmetic" or (self.method == "generalised" and self.p == 1)


def aggregate_array(
    values: np.ndarray,
    weights: np.ndarray,
    aggregation: Aggregation,
    *,
    children: Sequence[str] = (),
    regions: Sequence[Any] = (),
    node: str | None = None,
    invalid: str = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate the last axis of ``(B, R, n)`` values with weights (kernel).

    Parameters
    ----------
    values : numpy.ndarray, shape (B, R, n)
        Children values; NaN is missing.
    weights : numpy.ndarray, shape (n,) or (B, n)
        Non-negative child weights, the same for every replicate or one row per replicate.
    aggregation : Aggregation
    children, regions : sequence, optional
        Names of the children and regions, used only in error messages.
    node : str, optional
        The group's id, for error messages.
    invalid : {"raise", "nan"}
        What a value outside the method's domain does: raise (default), or make that
        region's score missing in that replicate (COINr's sensitivity analysis counts such
        a run as failed).

    Returns
    -------
    (score, n_available) : tuple of numpy.ndarray, shape (B, R)
        The group scores (NaN where no child has a value, the weights of the available
        children sum to 0, or the available fraction is below ``min_available``), and the
        number of children with a value.

    Raises
    ------
    SpecError
        A value outside the method's domain (e.g. a geometric mean over a value <= 0); the
        message names the child, the region and, for a batch, the replicate.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    w = w[None, None, :] if w.ndim == 1 else w[:, None, :]
    available = ~np.isnan(x)
    n_available = available.sum(axis=-1)
    w_used = np.where(available, w, 0.0)
    w_sum = w_used.sum(axis=-1)
    method = aggregation.method
    filled = np.where(available, x, 1.0)
    bad = _check_domain(x, available, aggregation, children, regions, node, invalid)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method == "arithmetic":
            score = (w_used * np.where(available, x, 0.0)).sum(axis=-1) / w_sum
        elif method == "geometric":
            score = np.exp((w_used * np.log(filled)).sum(axis=-1) / w_sum)
        elif method == "harmonic":
            score = w_sum / (w_used / filled).sum(axis=-1)
        else:
            p = aggregation.p
            score = ((w_used * filled**p).sum(axis=-1) / w_sum) ** (1.0 / p)
    n_children = x.shape[-1]
    missing = (n_available == 0) | (w_sum <= 0)
    if bad is not None:
        missing |= bad.any(axis=-1)
    if aggregation.min_available > 0 and n_children:
        missing |= n_available / n_children < aggregation.min_available
    return np.where(missing, np.nan, score), n_available


def _check_domain(x, available, aggregation, children, regions, node, invalid):
    """Raise on a value outside the method's domain, or return the mask of such values."""
    method = aggregation.method
    if method == "arithmetic":
        return None
    if method == "geometric":
        bad = available & (x <= 0)
        need = "positive values (it takes logarithms)"
    elif method == "harmonic":
        bad = available & (x == 0)
        need = "non-zero values (it takes 1/x)"
    else:
        p = aggregation.p
        if p < 0:
            bad = available & (x <= 0)
            need = f"positive values with p = {p:g} < 0"
        elif p != round(p):
            bad = available & (x < 0)
            need = f"non-negative values with a fractional p = {p:g}"
        else:
            return None
    if not bad.any() or invalid == "nan":
        return bad
    b, r, c = (int(i) for i in np.argwhere(bad)[0])
    child = children[c] if c < len(children) else f"child {c}"
    region = regions[r] if r < len(regions) else f"row {r}"
    where = f" in replicate {b + 1}" if x.shape[0] > 1 else ""
    group = f" of {node!r}" if node else ""
    raise SpecError(
        f"the {method} mean{group} needs {need}, but {child!r} is {x[b, r, c]:g} for region "
        f"{region!r}{where} ({int(bad.sum())} such values). Normalise to a range above 0 "
        "(e.g. min-max range (1, 100) or goalposts) or use the arithmetic mean.",
        key=node,
    )


def aggregate(
    values: pd.DataFrame,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    aggregation: Aggregation | str = "arithmetic",
    **parameters,
) -> pd.Series:
    """Aggregate the columns of a region x child table into one score per region.

    Parameters
    ----------
    values : pandas.DataFrame
        Regions as rows, children (indicators or lower-level scores) as columns; NaN is
        missing and drops out with its weight.
    weights : mapping of column -> weight, or sequence, optional
        Non-negative weights, rescaled to sum to 1 over the available children; default
        equal weights.
    aggregation : Aggregation or str
        The method, or its name with ``p`` / ``min_available`` as keyword arguments.

    Returns
    -------
    pandas.Series
        One score per region (the index of ``values``).

    Raises
    ------
    SpecError
        A negative or non-finite weight, weights that do not match the columns, or a value
        outside the method's domain (the message names the column and the region).

    Notes
    -----
    See the module documentation for the formulas.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [10.0, 40.0], "b": [40.0, float("nan")]}, index=["X", "Y"])
    >>> aggregate(table, {"a": 1, "b": 3}).tolist()
    [32.5, 40.0]
    >>> aggregate(table, {"a": 1, "b": 1}, "geometric").round(12).tolist()
    [20.0, 40.0]
    """
    if isinstance(aggregation, str):
        aggregation = Aggregation(aggregation, **parameters)
    elif parameters:
        raise OptionError("give parameters either in the Aggregation or as keywords, not both",
                          option="method", value=None, valid=())
    columns = [str(c) for c in values.columns]
    w = _weights_vector(weights, columns)
    matrix = values.to_numpy(dtype=np.float64)[None, :, :]
    score, _ = aggregate_array(
        matrix, w, aggregation, children=columns, regions=list(values.index)
    )
    return pd.Series(score[0], index=values.index, name=aggregation.method)


def _weights_vector(weights, columns: list[str]) -> np.ndarray:
    if weights is None:
        return np.ones(len(columns))
    if isinstance(weights, Mapping):
        unknown = [k for k in weights if str(k) not in columns]
        missing = [c for c in columns if c not in {str(k) for k in weights}]
        if unknown or missing:
            raise SpecError(
                f"weights do not match the columns: unknown {unknown}, missing {missing}",
                key=(unknown or missing)[0],
            )
        lookup = {str(k): v for k, v in weights.items()}
        raw = [lookup[c] for c in columns]
    else:
        raw = list(weights)
        if len(raw) != len(columns):
            raise SpecError(f"{len(raw)} weights for {len(columns)} columns")
    out = np.empty(len(raw))
    for i, (name, value) in enumerate(zip(columns, raw, strict=True)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise SpecError(f"the weight of {name!r} is {value!r}, not a number", key=name)
        if not math.isfinite(value) or value < 0:
            raise SpecError(
                f"the weight of {name!r} is {value!r}; weights must be finite and >= 0",
                key=name,
            )
        out[i] = float(value)
    return out
