"""The frozen sample design: weights, strata, PSUs and finite population corrections.

:class:`Design` validates the design columns once, in its constructor, and holds them as integer
codes (stratum of each row, PSU of each row, stratum of each PSU) that the estimation kernels
use directly. It is a frozen dataclass: derive a variant with :func:`dataclasses.replace`, which
validates and recomputes the codes again, so they never go stale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.design.checks import (
    check_codes,
    check_column,
    check_fpc,
    check_nesting,
    check_weights,
    describe_codes,
    numeric_values,
    small_integer_codes,
)
from mics_toolkit.errors import DesignError, OptionError, check_option
from mics_toolkit.io import Metadata, to_survey_data

__all__ = ["LONELY_PSU_OPTIONS", "Design", "LonelyPsu"]

LonelyPsu = Literal["fail", "remove", "certainty", "adjust", "average"]
LONELY_PSU_OPTIONS: tuple[str, ...] = ("fail", "remove", "certainty", "adjust", "average")


@dataclass(eq=False)
class _DesignMemo:
    """Facts a design derives from its own columns on first use, kept for later calls; written
    only by :class:`Design` (estimation keeps its own cache, see ``mics_toolkit.estimate.cache``).

    Attributes
    ----------
    numeric : dict
        Column name -> float64 values with NaN for missing (None when not numeric).
    codes : dict
        Column name -> (read-only integer codes, -1 missing; sorted unique values).
    degrees_of_freedom : int or None
        PSUs minus strata among rows of positive weight.
    all_weights_positive : bool or None
        Whether every weight is positive (no zero weight).
    """

    numeric: dict[str, np.ndarray | None] = field(default_factory=dict)
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    degrees_of_freedom: int | None = None
    all_weights_positive: bool | None = None


@dataclass(frozen=True, eq=False)
class Design:
    """A complex sample design over a data frame (first stage with replacement).

    Parameters
    ----------
    data : pandas.DataFrame or SurveyData
        The survey records. A ``SurveyData`` (from :func:`mics_toolkit.read`) brings its
        metadata (labels, special codes) along. The frame is not modified; the design keeps a
        copy-on-write view of it.
    weight : str
        Column of sampling weights: finite and non-negative; zero weights are allowed.
    strata : str, optional
        Column of stratum codes. Without it the design has one stratum.
    psu : str, optional
        Column of primary sampling unit (cluster) codes. Without it each row is a PSU.
    fpc : str, optional
        Column holding, per stratum, either the number of PSUs in the population (values > 1)
        or the first-stage sampling fraction (values <= 1), as R's ``svydesign(fpc=)``.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        What a stratum with a single PSU contributes to a variance, with the meanings of R
        survey 4.1-1's ``options(survey.lonely.psu=)``: ``"fail"`` raises at construction;
        ``"remove"`` and ``"certainty"`` contribute zero; ``"adjust"`` takes the lone PSU's
        deviation from zero (the grand mean of the scores of a mean, ratio or proportion;
        for totals R 4.1 also centres at zero); ``"average"`` replaces it by the average
        contribution of the other strata (the variance is multiplied by the number of strata
        over the number of strata with two or more PSUs, counting strata that hold the domain).
    nest : bool
        If True the identity of a PSU is (stratum, PSU), for files that number PSUs within
        each stratum. If False (the default) a PSU code found in two strata is an error.
    source : str, optional
        Name of the data source used in messages (defaults to the file of a SurveyData).
    calibration : tuple of WeightStep
        The weight adjustments (post-stratification, raking, calibration, trimming) that
        produced ``weight``, in order, kept so that variances account for them. Set by
        :mod:`mics_toolkit.design.calibration`; empty for weights taken as given.

    Attributes
    ----------
    frame : pandas.DataFrame
    meta : Metadata
        Labels and special codes (empty for a plain DataFrame).
    weights : numpy.ndarray
        Float weights, one per row.
    stratum_index : numpy.ndarray
        Stratum code of each row, ``0 .. n_strata - 1`` in sorted order of stratum values.
    psu_index : numpy.ndarray
        PSU code of each row, ``0 .. n_psu_total - 1``, unique across strata.
    psu_stratum : numpy.ndarray
        Stratum code of each PSU.
    n_psu : numpy.ndarray
        Number of PSUs in each stratum (``n_h``).
    fpc_factor : numpy.ndarray
        ``1 - f_h`` per stratum (1 without fpc).
    stratum_values, psu_values : numpy.ndarray
        The original codes behind ``stratum_index`` and ``psu_index`` (``psu_values`` holds
        (stratum, PSU) tuples when ``nest=True``).
    """

    data: Any
    weight: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: LonelyPsu = "fail"
    nest: bool = False
    source: str | None = None
    calibration: tuple = ()

    frame: pd.DataFrame = field(init=False, repr=False)
    meta: Metadata = field(init=False, repr=False)
    weights: np.ndarray = field(init=False, repr=False)
    stratum_index: np.ndarray = field(init=False, repr=False)
    psu_index: np.ndarray = field(init=False, repr=False)
    psu_stratum: np.ndarray = field(init=False, repr=False)
    n_psu: np.ndarray = field(init=False, repr=False)
    fpc_factor: np.ndarray = field(init=False, repr=False)
    stratum_values: np.ndarray = field(init=False, repr=False)
    psu_values: np.ndarray = field(init=False, repr=False)
    _memo: _DesignMemo = field(init=False, repr=False, default_factory=_DesignMemo)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        frame, meta = _split_data(self.data)
        source = self.source
        if source is None and meta is not None:
            source = getattr(meta, "file", None)
        set_(self, "source", source)
        set_(self, "frame", frame.copy(deep=False))
        set_(self, "meta", meta)
        check_option("lonely_psu", self.lonely_psu, LONELY_PSU_OPTIONS)
        if not isinstance(self.nest, bool):
            raise OptionError(f"nest must be True or False, not {self.nest!r}", option="nest",
                              value=self.nest, valid=())
        if not isinstance(self.calibration, tuple):
            raise OptionError(f"calibration must be a tuple of steps, not {self.calibration!r}",
                              option="calibration", value=self.calibration, valid=())
        stale = [s for s in self.calibration if getattr(s, "n_rows", len(frame)) != len(frame)]
        if stale:
            raise DesignError(
                f"the weight adjustments of this design were computed on {stale[0].n_rows} "
                f"rows but the data has {len(frame)}; adjust the weights of the new data again"
            )

        n_rows = len(frame)
        if n_rows == 0:
            where = f" of {source}" if source else ""
            raise DesignError(
                f"the data{where} have 0 rows: there is nothing to estimate from "
                "(check the file, or a filter applied before the design)",
                codes=[],
            )
        set_(self, "weights", check_weights(frame, self.weight, source=source))

        if self.strata is not None:
            stratum, stratum_values = check_codes(frame, self.strata, role="strata", source=source)
        else:
            stratum = np.zeros(n_rows, dtype=np.intp)
            stratum_values = np.array([1])

        psu_stratum = None
        if self.psu is not None:
            psu, psu_values = check_codes(frame, self.psu, role="PSU", source=source)
            if self.nest:
                key = stratum.astype(np.int64) * len(psu_values) + psu
                uniq, psu = np.unique(key, return_inverse=True)
                psu_values = np.array(
                    [(stratum_values[k // len(psu_values)], psu_values[k % len(psu_values)])
                     for k in uniq.tolist()],
                    dtype=object,
                )
            elif self.strata is not None:
                psu_stratum = check_nesting(
                    stratum,
                    psu,
                    psu_values,
                    psu_name=self.psu,
                    strata_name=self.strata,
                    source=source,
                )
        else:
            psu = np.arange(n_rows, dtype=np.intp)
            psu_values = np.arange(n_rows)
        psu = np.asarray(psu, dtype=np.intp).reshape(-1)

        n_psu_total = int(psu.max()) + 1 if n_rows else 0
        if psu_stratum is None or len(psu_stratum) != n_psu_total:
            psu_stratum = np.zeros(n_psu_total, dtype=np.intp)
            psu_stratum[psu] = stratum
        n_psu = np.bincount(psu_stratum, minlength=len(stratum_values))

        if self.lonely_psu == "fail":
            lonely = np.flatnonzero(n_psu == 1)
            if lonely.size:
                codes = stratum_values[lonely].tolist()
                where = f" in {source}" if source else ""
                raise DesignError(
                    f"{lonely.size} strata of {self.strata!r}{where} have a single PSU: "
                    f"{describe_codes(codes)}. Choose how they enter the variance with "
                    "lonely_psu='remove', 'certainty', 'adjust' or 'average', or merge them "
                    "with a neighbouring stratum.",
                    codes=codes,
                )

        if self.fpc is not None:
            fpc_factor = check_fpc(
                frame, self.fpc, stratum, n_psu, stratum_values, source=source
            )
        else:
            fpc_factor = np.ones(len(stratum_values))

        set_(self, "stratum_index", stratum)
        set_(self, "psu_index", psu)
        set_(self, "psu_stratum", psu_stratum)
        set_(self, "n_psu", n_psu)
        set_(self, "fpc_factor", fpc_factor)
        set_(self, "stratum_values", stratum_values)
        set_(self, "psu_values", psu_values)

    # ------------------------------------------------------------------ derived facts
    @property
    def n_rows(self) -> int:
        """Number of rows (records) in the design."""
        return len(self.frame)

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.n_psu)

    @property
    def n_psu_total(self) -> int:
        """Number of PSUs over all strata."""
        return len(self.psu_stratum)

    @property
    def degrees_of_freedom(self) -> int:
        """Design degrees of freedom: PSUs minus strata, counting those with positive weight.

        This is R's ``degf()`` of the full design and the df of Stata and SPSS.
        """
        memo = self._memo
        if memo.degrees_of_freedom is None:
            memo.degrees_of_freedom = (
                self.n_psu_total - self.n_strata if self.all_weights_positive
                else self.domain_degrees_of_freedom(self.weights > 0))
        return memo.degrees_of_freedom

    @property
    def all_weights_positive(self) -> bool:
        """Whether every row has a positive weight (weights are never negative)."""
        memo = self._memo
        if memo.all_weights_positive is None:
            memo.all_weights_positive = bool(self.weights.min() > 0)
        return memo.all_weights_positive

    def domain_degrees_of_freedom(self, rows: np.ndarray) -> int:
        """PSUs minus strata among ``rows`` (a boolean mask), as R's ``degf()`` of a subset."""
        used = np.zeros(self.n_psu_total, dtype=bool)
        used[self.psu_index[rows]] = True
        strata = np.bincount(self.psu_stratum[used], minlength=self.n_strata) > 0
        return int(used.sum() - strata.sum())

    def column(self, name: str, *, role: str = "analysis") -> pd.Series:
        """Return column ``name``, raising VariableError with close names when absent."""
        check_column(self.frame, name, role=role, source=self.source)
        return self.frame[name]

    def numeric(self, name: str, *, role: str = "analysis") -> np.ndarray | None:
        """Column ``name`` as float64 with NaN for missing (cached), or None if not numeric."""
        numeric = self._memo.numeric
        if name not in numeric:
            numeric[name] = numeric_values(self.column(name, role=role))
        return numeric[name]

    def codes(self, name: str, *, role: str = "by") -> tuple[np.ndarray, np.ndarray]:
        """Integer codes (-1 for missing) and sorted unique values of column ``name`` (cached;
        the codes are read-only). Every unique value occurs in the column."""
        kept = self._memo.codes
        if name not in kept:
            series = self.column(name, role=role)
            found = small_integer_codes(series)
            if found is None:
                codes, uniques = pd.factorize(series, sort=True)
                found = (codes.astype(np.intp), np.asarray(uniques))
            found[0].flags.writeable = False  # shared by every caller
            kept[name] = found
        return kept[name]

    def replace(self, **changes) -> Design:
        """Return a copy with ``changes`` applied, validated again (``dataclasses.replace``)."""
        changes.setdefault("data", self.data)
        return dataclasses.replace(self, **changes)

    def conventions(self) -> dict:
        """The design settings that change numbers, for ``result.attrs['mics']``."""
        settings = {
            "weight": self.weight,
            "strata": self.strata,
            "psu": self.psu,
            "fpc": self.fpc,
            "lonely_psu": self.lonely_psu,
            "nest": self.nest,
            "variance": "Taylor linearisation, first stage with replacement",
        }
        if self.calibration:
            settings["weighting"] = [dict(step.description) for step in self.calibration]
        return settings

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(weight={self.weight!r}, strata={self.strata!r}, "
            f"psu={self.psu!r}, fpc={self.fpc!r}, lonely_psu={self.lonely_psu!r}, "
            f"nest={self.nest!r}; {self.n_rows} rows, {self.n_strata} strata, "
            f"{self.n_psu_total} PSUs)"
        )


def _split_data(data) -> tuple[pd.DataFrame, Metadata]:
    """Return (frame, meta) from a DataFrame (empty metadata) or a SurveyData."""
    survey = to_survey_data(data)
    return survey.frame, survey.meta
