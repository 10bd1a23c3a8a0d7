"""Region crosswalks: region-level values of an old regional division on a new one.

When regions are split or merged between survey rounds (Kazakhstan's 16 regions of 2015
became 20: Abai split from East Kazakhstan, Zhetysu from Almaty region, Ulytau from
Karaganda, Shymkent from South Kazakhstan, later Turkestan), a trend compares the new
round's regions with the old round's values carried over by a crosswalk: a list of links
``(old, new, weight)``, the weight being the size of the part of ``old`` that lies in ``new``
(population, children, households; any non-negative measure).

Two kinds of values are carried differently, with ``w_on`` the weight of link (old o, new n):

- ``kind="mean"`` (percentages, means, index scores): the new region's value is the average
  of the old regions that make it up, ``x_n = sum_o a_no x_o`` with
  ``a_no = w_on / sum_o' w_o'n``. A new region carved out of one old region takes that
  region's value; a merger takes the weighted mean.
- ``kind="total"`` (counts): an old region's total is shared out in proportion to its parts,
  ``x_n = sum_o a_no x_o`` with ``a_no = w_on / sum_n' w_on'``.

Standard errors, assuming independent old regions (separate strata in the survey), are
``se_n = sqrt(sum_o a_no^2 se_o^2)``. A missing old value makes the new value missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import LinkError, SpecError, check_option

__all__ = ["CROSSWALK_KINDS", "RegionCrosswalk"]

CROSSWALK_KINDS: tuple[str, ...] = ("mean", "total")


@dataclass(frozen=True)
class RegionCrosswalk:
    """Links from old regions to new regions, with weights.

    Parameters
    ----------
    links : DataFrame with columns ``old, new, weight`` or iterable of (old, new, weight)
        A pair without weight (two-element tuples, or no ``weight`` column) gets weight 1.

    Attributes
    ----------
    old_regions, new_regions : tuple
        In order of first appearance.

    Raises
    ------
    SpecError
        A negative or non-finite weight, a repeated (old, new) pair, or a region whose links
        all have weight 0 (``key`` names it).

    Examples
    --------
    >>> walk = RegionCrosswalk([("East", "East", 1.3), ("East", "Abai", 0.6), ("West", "West")])
    >>> table = pd.DataFrame({"value": [40.0, 60.0]}, index=["East", "West"])
    >>> walk.apply(table)["value"].to_dict()
    {'East': 40.0, 'Abai': 40.0, 'West': 60.0}
    """

    links: Any
    old_regions: tuple[Any, ...] = field(init=False)
    new_regions: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        links = self.links
        if isinstance(links, pd.DataFrame):
            missing = [c for c in ("old", "new") if c not in links.columns]
            if missing:
                raise SpecError(f"the crosswalk table needs columns old and new (and weight); "
                                f"missing: {missing}", key=missing[0])
            weight = links["weight"] if "weight" in links.columns else 1.0
            rows = list(zip(links["old"], links["new"],
                            np.broadcast_to(np.asarray(weight, dtype=object), len(links)),
                            strict=True))
        else:
            rows = []
            for link in links:
                link = tuple(link)
                if len(link) == 2:
                    link = (*link, 1.0)
                if len(link) != 3:
                    raise SpecError(f"a crosswalk link is (old, new, weight), not {link!r}")
                rows.append(link)
        seen = set()
        clean = []
        for old, new, weight in rows:
            if (old, new) in seen:
                raise SpecError(f"the crosswalk links {old!r} to {new!r} twice", key=str(old))
            seen.add((old, new))
            if (isinstance(weight, bool) or not isinstance(weight, (int, float, np.number))
                    or not math.isfinite(weight) or weight < 0):
                raise SpecError(
                    f"the crosswalk weight of {old!r} -> {new!r} is {weight!r}; weights must be "
                    "finite and >= 0",
                    key=str(old),
                )
            clean.append((old, new, float(weight)))
        if not clean:
            raise SpecError("the crosswalk has no links")
        object.__setattr__(self, "links", tuple(clean))
        object.__setattr__(self, "old_regions", tuple(dict.fromkeys(o for o, _, _ in clean)))
        object.__setattr__(self, "new_regions", tuple(dict.fromkeys(n for _, n, _ in clean)))
        for side, regions, pos in (("new", self.new_regions, 1), ("old", self.old_regions, 0)):
            for region in regions:
                if sum(link[2] for link in clean if link[pos] == region) <= 0:
                    raise SpecError(
                        f"all crosswalk links of {side} region {region!r} have weight 0",
                        key=str(region),
                    )

    def matrix(self, kind: Literal["mean", "total"] = "mean") -> pd.DataFrame:
        """The coefficients ``a_no``: new regions as rows, old regions as columns.

        Examples
        --------
        >>> RegionCrosswalk([("A", "A", 3), ("A", "B", 1)]).matrix("total").to_numpy().ravel().tolist()
        [0.75, 0.25]
        """
        check_option("kind", kind, CROSSWALK_KINDS)
        weights = np.zeros((len(self.new_regions), len(self.old_regions)))
        new_pos = {r: i for i, r in enumerate(self.new_regions)}
        old_pos = {r: i for i, r in enumerate(self.old_regions)}
        for old, new, weight in self.links:
            weights[new_pos[new], old_pos[old]] = weight
        if kind == "mean":
            coefficients = weights / weights.sum(axis=1, keepdims=True)
        else:
            coefficients = weights / weights.sum(axis=0, keepdims=True)
        return pd.DataFrame(coefficients, index=pd.Index(self.new_regions, name="region"),
                            columns=pd.Index(self.old_regions, name="old"))

    def apply(
        self,
        table: pd.DataFrame,
        *,
        region: str | None = None,
        columns: Sequence[str] | None = None,
        se: Mapping[str, str] | None = None,
        kind: Literal["mean", "total"] = "mean",
        by: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Carry a region-level table over to the new regions.

        Parameters
        ----------
        table : pandas.DataFrame
            One row per old region (per ``by`` group): the regions in the index, or in the
            column ``region``.
        region : str, optional
            Column holding the old region; default the index.
        columns : sequence of str, optional
            Value columns to carry (default every numeric column that is not an SE column
            or a ``by`` column).
        se : mapping of value column -> SE column, optional
            SE columns, carried as ``sqrt(sum a^2 se^2)``.
        kind : {"mean", "total"}
        by : str or sequence of str, optional
            Columns of a long table (e.g. ``indicator``) within which regions are crossed.

        Returns
        -------
        pandas.DataFrame
            The new regions as index (named ``region``), or with ``by``, the ``by`` columns
            then ``region`` as columns; then the value and SE columns.

        Raises
        ------
        LinkError
            A region of the table is not in the crosswalk, a crosswalk old region is not in
            the table (both listed), or a region is repeated.
        """
        check_option("kind", kind, CROSSWALK_KINDS)
        by_names = [by] if isinstance(by, str) else list(by or [])
        se = dict(se or {})
        frame = table.reset_index() if region is None else table.copy()
        region_col = (table.index.name or "index") if region is None else region
        if region_col not in frame.columns:
            raise SpecError(f"the table has no region column {region_col!r}", key=region_col)
        if columns is None:
            skip = set(se.values()) | set(by_names) | {region_col}
            columns = [c for c in frame.columns
                       if c not in skip and pd.api.types.is_numeric_dtype(frame[c])]
        coefficients = self.matrix(kind).to_numpy()
        parts = []
        groups: Iterable[tuple[Any, pd.DataFrame]] = (
            frame.groupby(by_names, sort=False) if by_names else [((), frame)]
        )
        for key, part in groups:
            values = self._aligned(part, region_col)
            out = pd.DataFrame(index=pd.Index(self.new_regions, name="region"))
            for column in columns:
                out[column] = _combine(coefficients, values[column].to_numpy(dtype=np.float64))
                if column in se:
                    err = values[se[column]].to_numpy(dtype=np.float64)
                    out[se[column]] = np.sqrt(_combine(coefficients**2, err**2))
            if by_names:
                key = key if isinstance(key, tuple) else (key,)
                out = out.reset_index()
                for name, value in zip(by_names, key, strict=True):
                    out.insert(by_names.index(name), name, value)
            parts.append(out)
        return pd.concat(parts, ignore_index=bool(by_names)) if by_names else parts[0]

    def _aligned(self, part: pd.DataFrame, region_col: str) -> pd.DataFrame:
        present = list(part[region_col])
        duplicated = sorted({r for r in present if present.count(r) > 1}, key=str)
        if duplicated:
            raise LinkError(
                f"region(s) {', '.join(map(repr, duplicated))} appear twice in the table",
                keys=[str(d) for d in duplicated], count=len(duplicated),
            )
        unknown = [r for r in present if r not in self.old_regions]
        absent = [r for r in self.old_regions if r not in present]
        if unknown or absent:
            parts = []
            if unknown:
                parts.append(f"not in the crosswalk: {', '.join(map(repr, unknown))}")
            if absent:
                parts.append(f"crosswalk regions missing from the table: "
                             f"{', '.join(map(repr, absent))}")
            raise LinkError(
                f"the table's regions do not match the crosswalk's old regions: "
                f"{'; '.join(parts)}",
                files=["table", "crosswalk"],
                keys=[str(r) for r in unknown + absent],
                count=len(unknown) + len(absent),
            )
        return part.set_index(region_col).loc[list(self.old_regions)]


def _combine(coefficients: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``coefficients @ values``, missing where a contributing value is missing."""
    missing = np.isnan(values)
    out = coefficients @ np.where(missing, 0.0, values)
    touched = (coefficients > 0) @ missing.astype(np.float64) > 0
    return np.where(touched, np.nan, out)
