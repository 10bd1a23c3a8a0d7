"""Missing indicator values: imputation by the mean or median over regions, optionally within
groups of regions, with every imputed cell flagged.

Without imputation (``method="none"``, the default) a missing value stays missing through
normalisation and drops out of its group's aggregation together with its weight (the other
indicators of the group are re-weighted). With ``"mean"`` or ``"median"`` a region's missing
value of an indicator is replaced by the mean or median of that indicator over the regions
that have a value, or, with ``groups``, over the regions of the same group (COINr's
``i_mean``, ``i_median``, ``i_mean_grp``, ``i_median_grp``). A region without a group
(absent from ``groups``) is not imputed, as COINr's ``skip_f_na``.

In the uncertainty engines the choice (method, groups, which cells are imputed) is fixed at
its nominal value and the imputed value is recomputed in each replicate from that
replicate's values.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import SpecError, check_option

__all__ = ["IMPUTATION_METHODS", "Imputation", "impute", "impute_array"]

IMPUTATION_METHODS: tuple[str, ...] = ("none", "mean", "median")


@dataclass(frozen=True)
class Imputation:
    """How missing indicator values are filled in.

    Parameters
    ----------
    method : {"none", "mean", "median"}
        ``"none"`` (default): missing values drop out of aggregation with their weights.
    groups : mapping of region -> group, optional
        Impute within groups of regions (e.g. oblasts and cities of national status).
        Stored as a tuple of (region, group) pairs.
    """

    method: Literal["none", "mean", "median"] = "none"
    groups: Any = None

    def __post_init__(self) -> None:
        check_option("method", self.method, IMPUTATION_METHODS)
        if self.groups is not None:
            if isinstance(self.groups, Mapping):
                pairs = tuple(self.groups.items())
            else:
                pairs = tuple(tuple(p) for p in self.groups)
            if any(len(p) != 2 for p in pairs):
                raise SpecError("imputation groups must map each region to a group", key="groups")
            object.__setattr__(self, "groups", pairs)

    @property
    def group_map(self) -> dict[Any, Any] | None:
        """The groups as a dict region -> group (None without groups)."""
        return None if self.groups is None else dict(self.groups)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | str) -> Imputation:
        """Build from a method name or ``{"method": ..., "groups": {region: group}}``."""
        if isinstance(mapping, str):
            return cls(mapping)
        if not isinstance(mapping, Mapping):
            raise SpecError(f"imputation is a method name or a mapping, not {mapping!r}")
        for key in mapping:
            if key not in ("method", "groups"):
                raise SpecError(
                    f"imputation has no parameter {key!r}; it takes: method, groups", key=str(key)
                )
        return cls(**mapping)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {"method": self.method}
        if self.groups is not None:
            out["groups"] = dict(self.groups)
        return out

    def group_codes(self, regions: Sequence[Any]) -> np.ndarray:
        """Group code per region (``-1`` for a region without a group; all 0 without groups).

        Raises
        ------
        SpecError
            A region of ``groups`` is not one of ``regions``.
        """
        if self.groups is None:
            return np.zeros(len(regions), dtype=np.intp)
        mapping = dict(self.groups)
        unknown = [r for r in mapping if r not in set(regions)]
        if unknown:
            raise SpecError(
                f"imputation groups name regions that are not in the data: "
                f"{', '.join(repr(u) for u in unknown)}",
                key="groups",
            )
        labels = sorted({str(v) for v in mapping.values()})
        code = {label: i for i, label in enumerate(labels)}
        return np.array(
            [code[str(mapping[r])] if r in mapping else -1 for r in regions], dtype=np.intp
        )


def impute_array(values: np.ndarray, method: str, group_codes: np.ndarray) -> np.ndarray:
    """Fill NaN cells of ``(B, R, K)`` values along the region axis (kernel).

    Parameters
    ----------
    values : numpy.ndarray, shape (B, R, K)
    method : {"none", "mean", "median"}
    group_codes : numpy.ndarray, shape (R,)
        Group of each region (``-1``: not imputed).

    Returns
    -------
    numpy.ndarray
        A new array; a cell stays NaN when its group has no value of the indicator.

    Notes
    -----
    For region r of group g and indicator k in replicate b:
    ``x[b, r, k] = mean (or median) of x[b, s, k] over regions s of group g with a value``.
    """
    x = np.array(values, dtype=np.float64, copy=True)
    if method == "none" or not np.isnan(x).any():
        return x
    reduce = np.nanmean if method == "mean" else np.nanmedian
    for group in np.unique(group_codes[group_codes >= 0]):
        members = group_codes == group
        block = x[:, members, :]
        missing = np.isnan(block)
        if not missing.any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices stay NaN
            fill = reduce(block, axis=1, keepdims=True)
        x[:, members, :] = np.where(missing, fill, block)
    return x


def impute(
    values: pd.DataFrame,
    method: Literal["none", "mean", "median"] = "mean",
    groups: Mapping[Any, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Impute the missing values of a region x indicator table.

    Parameters
    ----------
    values : pandas.DataFrame
        Regions as rows (the index), indicators as columns.
    method : {"none", "mean", "median"}
    groups : mapping of region -> group, optional
        Impute within groups of regions.

    Returns
    -------
    (imputed, flags) : tuple of pandas.DataFrame
        The table with missing cells filled, and a boolean table that is True exactly where
        a cell was imputed.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [1.0, None, 5.0, 7.0]}, index=["N", "S", "E", "W"])
    >>> filled, flags = impute(table, "median", groups={"N": 1, "S": 1, "E": 2, "W": 2})
    >>> filled["a"].tolist(), flags["a"].tolist()
    ([1.0, 1.0, 5.0, 7.0], [False, True, False, False])
    """
    rule = Imputation(method, groups)
    codes = rule.group_codes(list(values.index))
    array = values.to_numpy(dtype=np.float64)[None, :, :]
    filled = impute_array(array, rule.method, codes)[0]
    out = pd.DataFrame(filled, index=values.index, columns=values.columns)
    flags = pd.DataFrame(np.isnan(array[0]) & ~np.isnan(filled), index=values.index,
                         columns=values.columns)
    return out, flags
