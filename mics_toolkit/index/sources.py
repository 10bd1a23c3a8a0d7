"""Where indicator values come from: survey microdata, published survey estimates, and the
user's table of objective indicators.

The index package does not know the indicator catalogue (another layer builds it); a survey
indicator reaches it in one of three forms:

* :class:`SurveyIndicator`: a definition, a numerator and optional denominator as
  expressions of :mod:`mics_toolkit.expr` or callables of the data frame, with a ``where``
  universe. :func:`survey_totals` evaluates all of them on a design in one pass and keeps,
  for each (PSU, region) cell, the weighted sums of numerator and denominator
  (:class:`SurveyTotals`). That is all the design bootstrap needs: a replicate estimate is
  ``sum_p f_p A_pr / sum_p f_p B_pr`` with PSU factors ``f_p``, so thousands of replicates
  cost a matrix product, not a re-weighting of the microdata.
* :class:`SurveyEstimates`: estimates and SEs by region (a published table, or estimates made
  elsewhere), optionally with their covariance and replicate estimates; enough for the Monte
  Carlo and delta engines (and the bootstrap when replicates are given).
* the objective indicators: :class:`ObjectiveTable`, region x indicator values with optional
  SEs.

Survey estimates are ratios ``R = Y / X`` of weighted totals: a proportion (numerator a 0/1
condition, denominator 1), a mean (denominator 1) or a ratio. Their linearised covariance
(Binder 1983) is computed from the PSU scores ``z_p = (A_p - R B_p) / X`` of every (region,
indicator), stacked into a ``(P, G K)`` matrix Z:

``S = sum_h c_h sum_{p in h} (z_p - zbar_h)(z_p - zbar_h)'``, ``c_h = (1 - f_h) n_h / (n_h - 1)``,

whose diagonal is the variance of the estimators of :mod:`mics_toolkit.estimate` (R
``svyby``); strata with one PSU contribute 0 (``lonely_psu`` "remove"/"certainty"/
"average") or ``(1 - f_h) z_p z_p'`` (``"adjust"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.design import Design
from mics_toolkit.errors import LinkError, SpecError, check_option, close_matches
from mics_toolkit.estimate.domains import domains_of
from mics_toolkit.estimate.scores import RowValues, cell_totals
from mics_toolkit.expr import Expression, parse, where_mask

__all__ = [
    "SURVEY_KINDS",
    "ObjectiveTable",
    "SurveyEstimates",
    "SurveyIndicator",
    "SurveyTotals",
    "combine_totals",
    "survey_totals",
]

SURVEY_KINDS: tuple[str, ...] = ("proportion", "mean", "ratio")
SurveyKind = Literal["proportion", "mean", "ratio"]
Definition = str | Expression | Callable[[pd.DataFrame], Any]


@dataclass(frozen=True)
class SurveyIndicator:
    """A survey indicator as a ratio of weighted totals over a universe.

    Parameters
    ----------
    numerator : str, Expression or callable
        An expression (``"LS3 == 1 and LS4 == 1"``, ``"LS2"``) or a function of the data
        frame returning one value per row. A condition counts 1 where true, 0 where false;
        an unknown condition or a missing value puts the row outside the universe.
    denominator : str, Expression or callable, optional
        For a ratio; default none (the denominator is 1: a mean or proportion).
    where : str, Expression, callable or None
        The universe (``"WM17 == 1 and WB4 <= 24"``); a function returns booleans.
    kind : {"proportion", "mean", "ratio"}, optional
        Default: ``"ratio"`` with a denominator; otherwise ``"proportion"`` when the
        numerator is a condition or takes only the values 0 and 1, else ``"mean"``. Monte
        Carlo draws proportions on the logit scale.
    label : str, optional

    Examples
    --------
    >>> SurveyIndicator("LS1 in [1, 2]", where="WM17 == 1").kind is None
    True
    """

    numerator: Definition
    denominator: Definition | None = None
    where: Definition | None = None
    kind: SurveyKind | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None:
            check_option("kind", self.kind, SURVEY_KINDS)
        for name in ("numerator", "denominator", "where"):
            value = getattr(self, name)
            if name != "numerator" and value is None:
                continue
            if isinstance(value, str):
                object.__setattr__(self, name, parse(value))
            elif not isinstance(value, Expression) and not callable(value):
                raise SpecError(
                    f"{name} must be an expression or a function of the data frame, not "
                    f"{type(value).__name__}",
                    key=name,
                )

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> SurveyIndicator:
        """Build from ``{"numerator": ..., "denominator": ..., "where": ..., "kind": ...}``."""
        allowed = ("numerator", "denominator", "where", "kind", "label")
        for key in mapping:
            if key not in allowed:
                raise SpecError(
                    f"a survey indicator has no field {key!r}; it takes: {', '.join(allowed)}",
                    key=str(key),
                )
        if "numerator" not in mapping:
            raise SpecError("a survey indicator needs a numerator", key="numerator")
        return cls(**mapping)

    def row_values(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
        """Evaluate on ``frame``: (numerator, denominator, valid, kind), one value per row."""
        n = len(frame)
        numerator, is_condition = _evaluate(self.numerator, frame, n, "numerator")
        if self.denominator is None:
            denominator = np.ones(n)
        else:
            denominator, _ = _evaluate(self.denominator, frame, n, "denominator")
        valid = ~np.isnan(numerator) & ~np.isnan(denominator)
        if self.where is not None:
            if isinstance(self.where, Expression):
                valid &= where_mask(self.where, frame, n_rows=n)
            else:
                valid &= where_mask(np.asarray(self.where(frame), dtype=bool), None, n_rows=n)
        kind = self.kind
        if kind is None:
            if self.denominator is not None:
                kind = "ratio"
            else:
                values = numerator[valid]
                binary = is_condition or bool(np.all((values == 0) | (values == 1)))
                kind = "proportion" if binary else "mean"
        return numerator, denominator, valid, kind


def _evaluate(definition, frame: pd.DataFrame, n: int, name: str) -> tuple[np.ndarray, bool]:
    if isinstance(definition, Expression):
        raw = definition.evaluate(frame)
        if raw.dtype == bool:
            return definition.evaluate_numeric(frame), True
        return raw, False
    raw = np.asarray(definition(frame))
    if raw.shape != (n,):
        raise SpecError(
            f"the {name} function returned shape {raw.shape}; it must return one value per row "
            f"({n})",
            key=name,
        )
    return raw.astype(np.float64), raw.dtype == bool


@dataclass(frozen=True, eq=False)
class SurveyTotals:
    """Weighted numerator and denominator sums of survey indicators per (PSU, region) cell.

    Build it with :func:`survey_totals` (or :func:`combine_totals` for several files).

    Attributes
    ----------
    indicators : tuple of str
    kinds : tuple of str
        ``"proportion"``, ``"mean"`` or ``"ratio"`` per indicator.
    regions : tuple
        Region labels, in the order of the arrays.
    numerator, denominator : numpy.ndarray, shape (P, G, K)
        ``A_pgk = sum w a`` and ``B_pgk = sum w b`` over the valid rows of PSU p in region g
        for indicator k; every PSU of the design, 0 where it has no such rows.
    n_unweighted : numpy.ndarray, shape (G, K)
        Valid rows of positive weight.
    psu_stratum : numpy.ndarray, shape (P,)
        Stratum code of each PSU.
    fpc_factor : numpy.ndarray, shape (H,)
        ``1 - f_h`` per stratum.
    lonely_psu : str
        The design's rule for strata with one PSU.
    psu_keys : tuple
        ``(stratum value, PSU value)`` of each PSU, to line up files of the same survey.
    """

    indicators: tuple[str, ...]
    kinds: tuple[str, ...]
    regions: tuple[Any, ...]
    numerator: np.ndarray
    denominator: np.ndarray
    n_unweighted: np.ndarray
    psu_stratum: np.ndarray
    fpc_factor: np.ndarray
    lonely_psu: str = "remove"
    psu_keys: tuple[Any, ...] = ()
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def n_psu(self) -> np.ndarray:
        """PSUs per stratum (``n_h``)."""
        return np.bincount(self.psu_stratum, minlength=len(self.fpc_factor))

    def estimate(self) -> np.ndarray:
        """``R = Y / X`` per region and indicator, shape (G, K); NaN where ``X == 0``."""
        if "estimate" not in self._cache:
            y = self.numerator.sum(axis=0)
            x = self.denominator.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                self._cache["estimate"] = np.where(x != 0, y / x, np.nan)
        return self._cache["estimate"]

    def covariance(self) -> np.ndarray:
        """Linearised covariance of all estimates, shape (G K, G K), order ``g * K + k``.

        NaN rows and columns for estimates with ``X == 0``. See the module documentation.
        """
        if "covariance" in self._cache:
            return self._cache["covariance"]
        n_p, n_g, n_k = self.numerator.shape
        ratio = self.estimate()
        x = self.denominator.sum(axis=0)
        empty = ~np.isfinite(ratio) | (x == 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (self.numerator - np.where(empty, 0.0, ratio) * self.denominator) / np.where(
                empty, 1.0, x
            )
        z = np.where(empty[None], 0.0, z).reshape(n_p, n_g * n_k)
        n_h = self.n_psu.astype(np.float64)
        n_strata = len(n_h)
        onehot = np.zeros((n_strata, n_p))
        onehot[self.psu_stratum, np.arange(n_p)] = 1.0
        lonely = n_h == 1
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (onehot @ z) / np.maximum(n_h, 1.0)[:, None]
            scale = np.where(lonely, 0.0, self.fpc_factor * n_h / (n_h - 1))
        if self.lonely_psu == "adjust":
            means[lonely] = 0.0
            scale = np.where(lonely, self.fpc_factor, scale)
        deviation = (z - means[self.psu_stratum]) * np.sqrt(scale[self.psu_stratum])[:, None]
        cov = deviation.T @ deviation
        flat_empty = empty.reshape(-1)
        cov[flat_empty, :] = np.nan
        cov[:, flat_empty] = np.nan
        self._cache["covariance"] = cov
        return cov

    def standard_error(self) -> np.ndarray:
        """Linearised SE per region and indicator, shape (G, K)."""
        n_g, n_k = self.estimate().shape
        return np.sqrt(np.diag(self.covariance())).reshape(n_g, n_k)

    def to_estimates(self) -> SurveyEstimates:
        """The estimates, SEs and linearised covariance as :class:`SurveyEstimates`."""
        return SurveyEstimates(
            indicators=self.indicators,
            kinds=self.kinds,
            regions=self.regions,
            estimate=self.estimate(),
            se=self.standard_error(),
            covariance=self.covariance(),
            n_unweighted=self.n_unweighted,
        )

    def to_frame(self) -> pd.DataFrame:
        """Long table: region, indicator, kind, estimate, se, n_unweighted."""
        est = self.estimate()
        se = self.standard_error()
        rows = []
        for g, region in enumerate(self.regions):
            for k, name in enumerate(self.indicators):
                rows.append((region, name, self.kinds[k], est[g, k], se[g, k],
                             int(self.n_unweighted[g, k])))
        return pd.DataFrame(
            rows, columns=["region", "indicator", "kind", "estimate", "se", "n_unweighted"]
        )


def survey_totals(
    design: Design,
    indicators: Mapping[str, SurveyIndicator | Mapping[str, Any]],
    region: str,
    *,
    region_labels: Mapping[Any, Any] | None = None,
) -> SurveyTotals:
    """Evaluate survey indicators on a design and sum them to (PSU, region) cells.

    Parameters
    ----------
    design : Design or SurveyDesign
    indicators : mapping of id -> SurveyIndicator (or its dict form)
    region : str
        The region variable (e.g. ``"HH7"``); rows with a missing region belong to no
        region but keep their PSU in the design.
    region_labels : mapping, optional
        Region value -> label used in the index (e.g. the value labels of ``HH7``), so the
        survey's regions match the objective table's.

    Returns
    -------
    SurveyTotals

    Raises
    ------
    VariableError
        An expression names an unknown variable, or ``region`` is unknown.
    ExpressionError
        An expression cannot be parsed or evaluated.
    SpecError
        A definition is invalid.

    Notes
    -----
    One pass over the rows for all indicators (:func:`mics_toolkit.estimate.scores.cell_totals`):
    row i of region g counts for indicator k when ``where_k`` holds and its numerator and
    denominator are not missing; ``A_pgk = sum w_i a_ik``, ``B_pgk = sum w_i b_ik``. The
    estimate ``sum_p A / sum_p B`` and the diagonal of :meth:`SurveyTotals.covariance` equal
    ``design.proportion``/``mean``/``ratio`` with ``by=region`` and the same ``where``.
    """
    if not indicators:
        raise SpecError("survey_totals needs at least one survey indicator")
    ids = [str(k) for k in indicators]
    domains = domains_of(design, by=region)
    n_rows = design.n_rows
    n_k = len(ids)
    a = np.zeros((n_rows, n_k))
    b = np.zeros((n_rows, n_k))
    valid = np.zeros((n_rows, n_k), dtype=bool)
    kinds = []
    for k, (name, definition) in enumerate(indicators.items()):
        if isinstance(definition, Mapping):
            definition = SurveyIndicator.from_dict(definition)
        if not isinstance(definition, SurveyIndicator):
            raise SpecError(
                f"survey indicator {name!r} must be a SurveyIndicator or a mapping", key=str(name)
            )
        num, den, ok, kind = definition.row_values(design.frame)
        a[:, k] = np.where(ok, num, 0.0)
        b[:, k] = np.where(ok, den, 0.0)
        valid[:, k] = ok
        kinds.append(kind)
    values = RowValues.build(design, domains.index, a, valid, b)
    n_g = domains.n_domains
    cells = cell_totals(design, values, n_g)
    n_p = design.n_psu_total
    numerator = np.zeros((n_p, n_g, n_k))
    denominator = np.zeros((n_p, n_g, n_k))
    numerator[cells.cell_psu, cells.cell_domain] = cells.numerator
    denominator[cells.cell_psu, cells.cell_domain] = cells.denominator
    n_unweighted = cells.by_domain(cells.n_positive).astype(np.int64)
    labels = list(domains.table[region]) if n_g else []
    if region_labels is not None:
        missing = [v for v in labels if v not in region_labels]
        if missing:
            raise LinkError(
                f"region_labels has no label for region value(s) "
                f"{', '.join(repr(v) for v in missing)} of {region!r}",
                keys=[str(v) for v in missing],
                count=len(missing),
            )
        labels = [region_labels[v] for v in labels]
    stratum_values = design.stratum_values[design.psu_stratum]
    keys = tuple(
        (s, p) if not design.nest else tuple(p)
        for s, p in zip(stratum_values.tolist(), list(design.psu_values), strict=True)
    )
    return SurveyTotals(
        indicators=tuple(ids),
        kinds=tuple(kinds),
        regions=tuple(labels),
        numerator=numerator,
        denominator=denominator,
        n_unweighted=n_unweighted,
        psu_stratum=np.asarray(design.psu_stratum, dtype=np.intp),
        fpc_factor=np.asarray(design.fpc_factor, dtype=np.float64),
        lonely_psu=design.lonely_psu,
        psu_keys=keys,
    )


def combine_totals(*parts: SurveyTotals) -> SurveyTotals:
    """Put together the survey totals of several files of one survey (women, children ...).

    PSUs are matched on (stratum value, PSU value) so that a bootstrap replicate resamples
    the same PSUs in every file and the covariance between indicators of different files is
    kept. Regions are the union (in order of first appearance); the strata's ``1 - f_h``
    come from the first file that has the stratum.

    Raises
    ------
    LinkError
        An indicator id appears in two parts, or a PSU value sits in different strata.
    """
    if len(parts) == 1:
        return parts[0]
    if not parts:
        raise SpecError("combine_totals needs at least one SurveyTotals")
    ids: list[str] = []
    for part in parts:
        for name in part.indicators:
            if name in ids:
                raise LinkError(
                    f"survey indicator {name!r} is in two of the files combined",
                    keys=[name],
                    count=1,
                )
            ids.append(name)
    regions: list[Any] = []
    for part in parts:
        regions.extend(r for r in part.regions if r not in regions)
    stratum_of: dict[Any, Any] = {}
    psu_index: dict[Any, int] = {}
    strata: dict[Any, int] = {}
    fpc: list[float] = []
    psu_stratum: list[int] = []
    for part in parts:
        for p, key in enumerate(part.psu_keys):
            stratum, psu = key
            if psu in stratum_of and stratum_of[psu] != stratum:
                raise LinkError(
                    f"PSU {psu!r} is in stratum {stratum_of[psu]!r} in one file and "
                    f"{stratum!r} in another",
                    keys=[str(psu)],
                    count=1,
                )
            stratum_of[psu] = stratum
            if stratum not in strata:
                strata[stratum] = len(strata)
                fpc.append(float(part.fpc_factor[part.psu_stratum[p]]))
            if key not in psu_index:
                psu_index[key] = len(psu_index)
                psu_stratum.append(strata[stratum])
    n_p, n_g, n_k = len(psu_index), len(regions), len(ids)
    numerator = np.zeros((n_p, n_g, n_k))
    denominator = np.zeros((n_p, n_g, n_k))
    n_unweighted = np.zeros((n_g, n_k), dtype=np.int64)
    kinds: list[str] = []
    k0 = 0
    for part in parts:
        rows = np.array([psu_index[key] for key in part.psu_keys], dtype=np.intp)
        cols = np.array([regions.index(r) for r in part.regions], dtype=np.intp)
        kk = slice(k0, k0 + len(part.indicators))
        numerator[np.ix_(rows, cols, np.arange(kk.start, kk.stop))] = part.numerator
        denominator[np.ix_(rows, cols, np.arange(kk.start, kk.stop))] = part.denominator
        n_unweighted[cols, kk] = part.n_unweighted
        kinds.extend(part.kinds)
        k0 = kk.stop
    return SurveyTotals(
        indicators=tuple(ids),
        kinds=tuple(kinds),
        regions=tuple(regions),
        numerator=numerator,
        denominator=denominator,
        n_unweighted=n_unweighted,
        psu_stratum=np.array(psu_stratum, dtype=np.intp),
        fpc_factor=np.array(fpc),
        lonely_psu=parts[0].lonely_psu,
        psu_keys=tuple(psu_index),
    )


@dataclass(frozen=True, eq=False)
class SurveyEstimates:
    """Survey estimates and SEs by region, without microdata.

    Parameters
    ----------
    indicators : sequence of str
    kinds : sequence of str
        ``"proportion"``, ``"mean"`` or ``"ratio"`` per indicator (proportions are
        fractions and are drawn on the logit scale by the Monte Carlo engine).
    regions : sequence
    estimate, se : numpy.ndarray, shape (G, K)
    covariance : numpy.ndarray, shape (G K, G K), optional
        Covariance of the estimates in the order ``g * K + k`` (its diagonal should be
        ``se**2``).
    replicates : numpy.ndarray, shape (B, G, K), optional
        Replicate estimates (e.g. a design bootstrap made elsewhere).
    n_unweighted : numpy.ndarray, shape (G, K), optional
    """

    indicators: Sequence[str]
    kinds: Sequence[str]
    regions: Sequence[Any]
    estimate: np.ndarray
    se: np.ndarray
    covariance: np.ndarray | None = None
    replicates: np.ndarray | None = None
    n_unweighted: np.ndarray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "indicators", tuple(str(i) for i in self.indicators))
        set_(self, "kinds", tuple(self.kinds))
        set_(self, "regions", tuple(self.regions))
        for kind in self.kinds:
            check_option("kind", kind, SURVEY_KINDS)
        shape = (len(self.regions), len(self.indicators))
        if len(self.kinds) != shape[1]:
            raise SpecError(f"{len(self.kinds)} kinds for {shape[1]} indicators", key="kinds")
        for name in ("estimate", "se"):
            array = np.asarray(getattr(self, name), dtype=np.float64)
            if array.shape != shape:
                raise SpecError(f"{name} has shape {array.shape}, expected {shape}", key=name)
            set_(self, name, array)
        if np.any(self.se < 0):
            bad = np.argwhere(self.se < 0)[0]
            raise SpecError(
                f"the SE of {self.indicators[bad[1]]!r} in region {self.regions[bad[0]]!r} "
                "is negative",
                key=self.indicators[bad[1]],
            )
        if self.covariance is not None:
            cov = np.asarray(self.covariance, dtype=np.float64)
            size = shape[0] * shape[1]
            if cov.shape != (size, size):
                raise SpecError(
                    f"covariance has shape {cov.shape}, expected {(size, size)}",
                    key="covariance",
                )
            set_(self, "covariance", cov)
        if self.replicates is not None:
            reps = np.asarray(self.replicates, dtype=np.float64)
            if reps.ndim != 3 or reps.shape[1:] != shape:
                raise SpecError(
                    f"replicates have shape {reps.shape}, expected (B, {shape[0]}, {shape[1]})",
                    key="replicates",
                )
            set_(self, "replicates", reps)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        kinds: Mapping[str, str] | str = "proportion",
        region: str = "region",
        indicator: str = "indicator",
        estimate: str = "estimate",
        se: str = "se",
    ) -> SurveyEstimates:
        """Build from a long table with one row per (region, indicator).

        ``kinds`` is one kind for all indicators or a mapping indicator -> kind. A missing
        (region, indicator) pair gets NaN.
        """
        for name in (region, indicator, estimate, se):
            if name not in frame.columns:
                raise SpecError(f"the estimates table has no column {name!r}", key=name)
        ids = list(dict.fromkeys(frame[indicator].astype(str)))
        regions = list(dict.fromkeys(frame[region]))
        duplicated = frame.duplicated([region, indicator])
        if duplicated.any():
            row = frame[duplicated].iloc[0]
            raise LinkError(
                f"the estimates table has two rows for region {row[region]!r} and indicator "
                f"{row[indicator]!r}",
                keys=[str(row[region]), str(row[indicator])],
                count=int(duplicated.sum()),
            )
        est = np.full((len(regions), len(ids)), np.nan)
        err = np.full_like(est, np.nan)
        g = frame[region].map({r: i for i, r in enumerate(regions)}).to_numpy()
        k = frame[indicator].astype(str).map({r: i for i, r in enumerate(ids)}).to_numpy()
        est[g, k] = frame[estimate].to_numpy(dtype=np.float64)
        err[g, k] = frame[se].to_numpy(dtype=np.float64)
        kind_list = [kinds] * len(ids) if isinstance(kinds, str) else [kinds[i] for i in ids]
        return cls(ids, kind_list, regions, est, err)


@dataclass(frozen=True, eq=False)
class ObjectiveTable:
    """Objective indicators supplied by the user: region x indicator values, optional SEs.

    Parameters
    ----------
    values : pandas.DataFrame
        Regions as the index, indicators as columns (numeric; NaN is missing).
    se : pandas.DataFrame, optional
        Standard errors with the same index, for some or all columns; an indicator without
        SE is treated as exact. Independent Normal draws are used for them in the
        simulation engines.

    Raises
    ------
    LinkError
        Duplicated regions, or SE rows/columns that the values table lacks.
    SpecError
        A non-numeric column or a negative SE.
    """

    values: pd.DataFrame
    se: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        values = self.values
        if values.index.has_duplicates:
            dup = values.index[values.index.duplicated()].unique().tolist()
            raise LinkError(
                f"the objective table lists region(s) {', '.join(map(repr, dup))} twice",
                files=["objective table"],
                keys=[str(d) for d in dup],
                count=len(dup),
            )
        for column in values.columns:
            if not pd.api.types.is_numeric_dtype(values[column]):
                raise SpecError(
                    f"objective indicator {column!r} is not numeric (dtype "
                    f"{values[column].dtype})",
                    key=str(column),
                )
        object.__setattr__(self, "values", values.rename(columns=str))
        if self.se is not None:
            se = self.se.rename(columns=str)
            extra_rows = [r for r in se.index if r not in values.index]
            extra_cols = [c for c in se.columns if c not in self.values.columns]
            if extra_rows or extra_cols:
                raise LinkError(
                    f"the SE table has regions {extra_rows} or indicators {extra_cols} that "
                    "the values table lacks",
                    files=["objective SE table", "objective table"],
                    keys=[str(v) for v in extra_rows + extra_cols],
                    count=len(extra_rows) + len(extra_cols),
                )
            se = se.reindex(index=values.index)
            array = se.to_numpy(dtype=np.float64)
            if np.any(array < 0):
                r, c = np.argwhere(array < 0)[0]
                raise SpecError(
                    f"the SE of objective indicator {se.columns[c]!r} in region "
                    f"{se.index[r]!r} is negative",
                    key=str(se.columns[c]),
                )
            object.__setattr__(self, "se", se)

    @property
    def regions(self) -> tuple[Any, ...]:
        """Region labels, in table order."""
        return tuple(self.values.index)

    def indicator_ids(self) -> list[str]:
        """Column names."""
        return [str(c) for c in self.values.columns]

    def lookup(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, se) of one indicator in table order; se is 0 where not given."""
        if name not in self.values.columns:
            matches = close_matches(name, self.indicator_ids())
            hint = f"; close names: {', '.join(matches)}" if matches else ""
            raise SpecError(
                f"objective indicator {name!r} is not a column of the objective table{hint}",
                key=name,
            )
        values = self.values[name].to_numpy(dtype=np.float64)
        if self.se is not None and name in self.se.columns:
            se = np.nan_to_num(self.se[name].to_numpy(dtype=np.float64), nan=0.0)
        else:
            se = np.zeros_like(values)
        return values, se
