"""Outlier treatment with COINr's rule: winsorisation, then a log transform.

This module holds Excel's sample skewness and excess kurtosis (:func:`skewness`,
:func:`kurtosis`), the rule (:class:`OutlierRule`), the treatment of one indicator
(:func:`treat_outliers`, COINr 1.1 ``Treat()`` with its defaults) and the frozen plan that
the uncertainty engines re-apply to each replicate (:class:`TreatmentPlan`).

The rule, on the raw values of an indicator (before the direction and normalisation), with
the missing values left out:

1. the indicator passes when ``|skew| < 2`` or ``kurt < 3.5``; it is treated only when
   ``|skew| >= 2`` and ``kurt >= 3.5``;
2. winsorise one point at a time on the long tail (the largest values when ``skew >= 0``,
   else the smallest), replacing the extreme value(s) by the next value inwards, re-testing
   after each step, up to ``max_winsorised`` points (ties are winsorised together);
3. if it still fails, take ``log(x - min x + 0.01 (max x - min x))`` of the original values
   (COINr ``log_CT``; of the winsorised values with ``combine=True``, COINr
   ``combine_treat``).

Excel's formulas (``SKEW``, ``KURT``), with ``m`` the mean, ``s`` the standard deviation with
``n - 1``, ``d = x - m``:

``skew = n / ((n - 1)(n - 2)) * sum((d / s)^3)``  (needs n >= 3)

``kurt = n (n + 1) / ((n - 1)(n - 2)(n - 3)) * sum((d / s)^4) - 3 (n - 1)^2 / ((n - 2)(n - 3))``
(needs n >= 4)

With too few values the skewness or kurtosis is NaN and the indicator is left untreated.

References
----------
COINr 1.1 ``Treat()``, ``winsorise()``, ``log_CT()``, ``check_SkewKurt()``, ``skew()``,
``kurt()``. OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mics_toolkit.errors import SpecError, check_option

__all__ = [
    "OUTLIER_METHODS",
    "OutlierRule",
    "TreatmentPlan",
    "kurtosis",
    "skewness",
    "treat_outliers",
]

OUTLIER_METHODS: tuple[str, ...] = ("none", "coinr")


def skewness(values) -> float:
    """Sample skewness as Excel's ``SKEW`` (COINr ``skew``), NaN values left out.

    Returns NaN with fewer than 3 values or no spread.

    Examples
    --------
    >>> round(skewness([1, 2, 3, 10]), 10)
    1.7636326148
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return float("nan")
    return float(np.sqrt(n) * np.sum(d**3) / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(values) -> float:
    """Sample excess kurtosis as Excel's ``KURT`` (COINr ``kurt``), NaN values left out.

    Returns NaN with fewer than 4 values or no spread.

    Examples
    --------
    >>> round(kurtosis([1, 2, 3, 10]), 10)
    3.228
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return float("nan")
    r = n * np.sum(d**4) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


@dataclass(frozen=True)
class OutlierRule:
    """COINr's outlier rule and its thresholds.

    Parameters
    ----------
    method : {"none", "coinr"}
        ``"none"`` (default): no treatment; ``"coinr"``: the rule of the module
        documentation.
    skew_threshold : float
        Default 2.
    kurtosis_threshold : float
        Default 3.5.
    max_winsorised : int
        Most points winsorised before the log transform, default 5.
    combine : bool
        Take the log of the winsorised values instead of the original ones (COINr
        ``combine_treat``), default False.
    """

    method: Literal["none", "coinr"] = "none"
    skew_threshold: float = 2.0
    kurtosis_threshold: float = 3.5
    max_winsorised: int = 5
    combine: bool = False

    def __post_init__(self) -> None:
        check_option("method", self.method, OUTLIER_METHODS)
        for name in ("skew_threshold", "kurtosis_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise SpecError(f"{name}={value!r} must be a positive number", key=name)
        if (
            isinstance(self.max_winsorised, bool)
            or not isinstance(self.max_winsorised, int)
            or self.max_winsorised < 0
        ):
            raise SpecError(
                f"max_winsorised={self.max_winsorised!r} must be a whole number >= 0",
                key="max_winsorised",
            )
        if not isinstance(self.combine, bool):
            raise SpecError("combine must be true or false", key="combine")

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | str) -> OutlierRule:
        """Build from a method name or a mapping of the parameters."""
        if isinstance(mapping, str):
            return cls(mapping)
        if not isinstance(mapping, Mapping):
            raise SpecError(f"outliers is a method name or a mapping, not {mapping!r}")
        allowed = ("method", "skew_threshold", "kurtosis_threshold", "max_winsorised", "combine")
        for key in mapping:
            if key not in allowed:
                raise SpecError(
                    f"outliers has no parameter {key!r}; it takes: {', '.join(allowed)}",
                    key=str(key),
                )
        return cls(**mapping)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (inverse of :meth:`from_dict`)."""
        return {
            "method": self.method,
            "skew_threshold": self.skew_threshold,
            "kurtosis_threshold": self.kurtosis_threshold,
            "max_winsorised": self.max_winsorised,
            "combine": self.combine,
        }

    def passes(self, values) -> bool:
        """True unless ``|skew| >= skew_threshold`` and ``kurt >= kurtosis_threshold``.

        NaN skewness or kurtosis (too few values) passes.
        """
        skew = skewness(values)
        kurt = kurtosis(values)
        if np.isnan(skew) or np.isnan(kurt):
            return True
        return bool(abs(skew) < self.skew_threshold or kurt < self.kurtosis_threshold)


@dataclass(frozen=True)
class TreatmentPlan:
    """The treatment decided for one indicator at its nominal values, re-applied per replicate.

    Attributes
    ----------
    high, low : numpy.ndarray of bool, shape (R,)
        Regions winsorised on the high and on the low tail.
    log : bool
        Whether the log transform is applied.
    winsorise : bool
        Whether the winsorised values are kept (False when the log of the original values
        replaces them, COINr's default).
    skew_before, kurtosis_before, skew_after, kurtosis_after : float
        Excel skewness and kurtosis of the nominal values before and after treatment.
    """

    high: np.ndarray
    low: np.ndarray
    log: bool
    winsorise: bool
    skew_before: float = float("nan")
    kurtosis_before: float = float("nan")
    skew_after: float = float("nan")
    kurtosis_after: float = float("nan")

    @classmethod
    def untreated(cls, n_regions: int) -> TreatmentPlan:
        """The plan that changes nothing."""
        empty = np.zeros(n_regions, dtype=bool)
        return cls(high=empty, low=empty.copy(), log=False, winsorise=False)

    @property
    def treated(self) -> bool:
        """True when the plan changes any value."""
        return self.log or (self.winsorise and bool(self.high.any() or self.low.any()))

    @property
    def n_winsorised(self) -> int:
        """Number of regions whose winsorised value is kept."""
        return int(self.high.sum() + self.low.sum()) if self.winsorise else 0

    def flags(self) -> np.ndarray:
        """Per region: ``""``, ``"winhi"``, ``"winlo"``, ``"log"``, ``"winhi+log"`` ..."""
        out = np.full(self.high.shape, "", dtype=object)
        if self.winsorise:
            out[self.high] = "winhi"
            out[self.low] = "winlo"
        if self.log:
            out = np.array([f"{f}+log" if f else "log" for f in out], dtype=object)
        return out

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Apply the frozen plan to ``(B, R)`` values along the region axis.

        The winsorised regions take the largest (high tail) or smallest (low tail) value of
        the other regions in the same replicate; the log transform uses the replicate's own
        minimum and range.
        """
        x = np.array(values, dtype=np.float64, copy=True)
        if self.winsorise and (self.high.any() or self.low.any()):
            rest = ~(self.high | self.low)
            with np.errstate(invalid="ignore"):
                if self.high.any():
                    x[:, self.high] = np.nanmax(x[:, rest], axis=1, keepdims=True)
                if self.low.any():
                    x[:, self.low] = np.nanmin(x[:, rest], axis=1, keepdims=True)
        if self.log:
            with np.errstate(invalid="ignore", divide="ignore"):
                low = np.nanmin(x, axis=1, keepdims=True)
                high = np.nanmax(x, axis=1, keepdims=True)
                x = np.log(x - low + 0.01 * (high - low))
        return x


def treat_outliers(values, rule: OutlierRule | None = None) -> tuple[np.ndarray, TreatmentPlan]:
    """Treat one indicator's values by COINr's rule.

    Parameters
    ----------
    values : array-like, shape (R,)
        The raw values by region; NaN is missing (left out and kept missing).
    rule : OutlierRule, optional
        Default ``OutlierRule("coinr")`` (COINr's defaults).

    Returns
    -------
    (treated, plan) : tuple
        The treated values and the :class:`TreatmentPlan` (regions winsorised, log applied,
        skewness and kurtosis before and after).

    Notes
    -----
    COINr ``Treat.numeric`` with ``f1 = "winsorise"`` (``winmax = 5``), ``f2 = "log_CT"``,
    ``f_pass = "check_SkewKurt"``; see the module documentation.

    Examples
    --------
    >>> x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]
    >>> treated, plan = treat_outliers(x)
    >>> treated.tolist(), plan.flags().tolist()[-1]
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.0], 'winhi')
    """
    rule = OutlierRule("coinr") if rule is None else rule
    x = np.asarray(values, dtype=np.float64).copy()
    n = x.size
    skew0, kurt0 = skewness(x), kurtosis(x)
    if rule.method == "none" or rule.passes(x):
        plan = TreatmentPlan.untreated(n)
        return x, _with_stats(plan, skew0, kurt0, skew0, kurt0)

    high_last = np.zeros(n, dtype=bool)
    low_last = np.zeros(n, dtype=bool)
    winsorised = x.copy()
    n_win = 0
    passing = False
    while not passing and n_win < rule.max_winsorised:
        valid = ~np.isnan(winsorised)
        skew = skewness(winsorised)
        if np.isnan(skew):
            break
        if skew >= 0:
            extreme = valid & (winsorised == np.nanmax(winsorised))
            others = valid & ~extreme
            if not others.any():
                break
            winsorised[extreme] = np.max(winsorised[others])
            high_last = extreme
        else:
            extreme = valid & (winsorised == np.nanmin(winsorised))
            others = valid & ~extreme
            if not others.any():
                break
            winsorised[extreme] = np.min(winsorised[others])
            low_last = extreme
        n_win = int(high_last.sum() + low_last.sum())
        passing = rule.passes(winsorised)

    if passing:
        plan = TreatmentPlan(high=high_last, low=low_last, log=False, winsorise=True)
        treated = winsorised
    else:
        base = winsorised if rule.combine else x
        with np.errstate(invalid="ignore", divide="ignore"):
            low = np.nanmin(base)
            treated = np.log(base - low + 0.01 * (np.nanmax(base) - low))
        plan = TreatmentPlan(
            high=high_last if rule.combine else np.zeros(n, dtype=bool),
            low=low_last if rule.combine else np.zeros(n, dtype=bool),
            log=True,
            winsorise=rule.combine,
        )
    return treated, _with_stats(plan, skew0, kurt0, skewness(treated), kurtosis(treated))


def _with_stats(plan: TreatmentPlan, s0: float, k0: float, s1: float, k1: float) -> TreatmentPlan:
    return TreatmentPlan(
        high=plan.high,
        low=plan.low,
        log=plan.log,
        winsorise=plan.winsorise,
        skew_before=s0,
        kurtosis_before=k0,
        skew_after=s1,
        kurtosis_after=k1,
    )
