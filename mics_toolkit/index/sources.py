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
condition, denominator 1), a mean (denominator 1) or a ratio. The estimates, their SEs and
their joint covariance come from the estimation engine (:mod:`mics_toolkit.estimate`) with the
variance method of the design, so they equal the estimators' (R ``svyby`` with
``covmat=TRUE``) under every lonely-PSU rule, with or without fpc, for Taylor, calibrated and
replicate designs. Totals of several files of one survey are put together by PSU, and their
covariance is the engine's stratified covariance of the PSU scores over the union of the
files' PSUs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import LinkError, OptionError, SpecError, check_option, close_matches
from mics_toolkit.estimate.engine import analysis_of, estimate_blocks
from mics_toolkit.estimate.options import Options
from mics_toolkit.estimate.products import ValuesRequest
from mics_toolkit.estimate.variance import StrataLayout, stratified_covariance
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
    """Survey indicators by region from microdata: the engine's estimates and covariance, and
    the weighted numerator and denominator sums per (PSU, region) cell for the bootstrap.

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
    estimates : numpy.ndarray, shape (G, K)
        ``R = Y / X`` from the engine; NaN where ``X == 0``.
    covariances : numpy.ndarray, shape (G K, G K)
        The engine's covariance of all estimates, order ``g * K + k``.
    psu_scores : numpy.ndarray, shape (P, G K), or None
        The PSU scores of a Taylor design (order ``g * K + k``), to put files together;
        None for a replicate design.
    present : numpy.ndarray of bool, shape (H, G K), or None
        Whether each stratum holds rows of each estimate (the ``"average"`` rule).
    """

    indicators: tuple[str, ...]
    kinds: tuple[str, ...]
    regions: tuple[Any, ...]
    numerator: np.ndarray
    denominator: np.ndarray
    n_unweighted: np.ndarray
    psu_stratum: np.ndarray
    fpc_factor: np.ndarray
    lonely_psu: str
    psu_keys: tuple[Any, ...]
    estimates: np.ndarray
    covariances: np.ndarray
    psu_scores: np.ndarray | None = None
    present: np.ndarray | None = None

    @property
    def n_psu(self) -> np.ndarray:
        """PSUs per stratum (``n_h``)."""
        return np.bincount(self.psu_stratum, minlength=len(self.fpc_factor))

    def estimate(self) -> np.ndarray:
        """``R = Y / X`` per region and indicator, shape (G, K); NaN where ``X == 0``."""
        return self.estimates

    def covariance(self) -> np.ndarray:
        """Covariance of all estimates, shape (G K, G K), order ``g * K + k``; NaN rows and
        columns for estimates with ``X == 0``."""
        return self.covariances

    def standard_error(self) -> np.ndarray:
        """SE per region and indicator, shape (G, K): the estimators' SEs."""
        n_g, n_k = self.estimates.shape
        return np.sqrt(np.diag(self.covariances)).reshape(n_g, n_k)

    def to_estimates(self) -> SurveyEstimates:
        """The estimates, SEs and covariance as :class:`SurveyEstimates`."""
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
    design,
    indicators: Mapping[str, SurveyIndicator | Mapping[str, Any]],
    region: str,
    *,
    region_labels: Mapping[Any, Any] | None = None,
) -> SurveyTotals:
    """Evaluate survey indicators on a design and estimate them by region with the engine.

    Parameters
    ----------
    design : SurveyDesign, Design or ReplicateDesign
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
    Row i of region g counts for indicator k when ``where_k`` holds and its numerator and
    denominator are not missing; ``A_pgk = sum w_i a_ik``, ``B_pgk = sum w_i b_ik``. The
    estimates, SEs and covariance are the engine's (one pass for all indicators): they equal
    ``design.proportion``/``mean``/``ratio`` with ``by=region`` and the same ``where``, and
    ``design.covariance`` of those results, whatever the design's variance method.
    """
    if not indicators:
        raise SpecError("survey_totals needs at least one survey indicator")
    base, method = analysis_of(design)
    ids = [str(k) for k in indicators]
    requests = []
    kinds = []
    for name, definition in indicators.items():
        if isinstance(definition, Mapping):
            definition = SurveyIndicator.from_dict(definition)
        if not isinstance(definition, SurveyIndicator):
            raise SpecError(
                f"survey indicator {name!r} must be a SurveyIndicator or a mapping", key=str(name)
            )
        num, den, ok, kind = definition.row_values(base.frame)
        requests.append(ValuesRequest("ratio" if definition.denominator is not None else "mean",
                                      str(name), num, ok,
                                      den if definition.denominator is not None else None))
        kinds.append(kind)
    blocks = estimate_blocks(design, requests, [(region,)], None, Options(), keep_scores=True)
    table = blocks[0].table
    n_g, n_k = len(table), len(ids)
    scores = [block.scores for block in blocks]
    # the engine orders estimates indicator by indicator (k G + g); the index region by region
    order = (np.arange(n_k)[None, :] * n_g + np.arange(n_g)[:, None]).reshape(-1)
    covariance = method.covariance(scores)[np.ix_(order, order)]
    estimate = np.hstack([s.estimate for s in scores])
    n_unweighted = np.hstack([b.statistics["n_unweighted"] for b in blocks]).astype(np.int64)
    n_p = base.n_psu_total
    numerator = np.zeros((n_p, n_g, n_k))
    denominator = np.zeros((n_p, n_g, n_k))
    for k, s in enumerate(scores):
        cell_numerator, cell_denominator = s.totals
        cells = s.partition
        numerator[cells.cell_psu, cells.cell_domain, k] = cell_numerator[:, 0]
        denominator[cells.cell_psu, cells.cell_domain, k] = cell_denominator[:, 0]
    psu_scores = present = None
    if method.kind != "replicate":
        pieces = [method.psu_scores(s) for s in scores]
        psu_scores = np.hstack([p[0] for p in pieces])[:, order]
        present = np.hstack([p[1] for p in pieces])[:, order]
    labels = list(table[region]) if n_g else []
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
    stratum_values = base.stratum_values[base.psu_stratum]
    keys = tuple(
        (s, p) if not base.nest else tuple(p)
        for s, p in zip(stratum_values.tolist(), list(base.psu_values), strict=True)
    )
    return SurveyTotals(
        indicators=tuple(ids),
        kinds=tuple(kinds),
        regions=tuple(labels),
        numerator=numerator,
        denominator=denominator,
        n_unweighted=n_unweighted,
        psu_stratum=np.asarray(base.psu_stratum, dtype=np.intp),
        fpc_factor=np.asarray(base.fpc_factor, dtype=np.float64),
        lonely_psu=base.lonely_psu,
        psu_keys=keys,
        estimates=estimate,
        covariances=covariance,
        psu_scores=psu_scores,
        present=present,
    )


def combine_totals(*parts: SurveyTotals) -> SurveyTotals:
    """Put together the survey totals of several files of one survey (women, children ...).

    PSUs are matched on (stratum value, PSU value) so that a bootstrap replicate resamples
    the same PSUs in every file, and the covariance between indicators of different files is
    the engine's stratified covariance of the files' PSU scores over the union of their PSUs
    (a PSU without records in a file has score 0 there). Regions are the union (in order of
    first appearance); the strata's ``1 - f_h`` come from the first file that has the stratum.

    Raises
    ------
    LinkError
        An indicator id appears in two parts, or a PSU value sits in different strata.
    OptionError
        A part comes from a replicate design (replicates of different files cannot be put
        together).
    """
    if len(parts) == 1:
        return parts[0]
    if not parts:
        raise SpecError("combine_totals needs at least one SurveyTotals")
    if any(part.psu_scores is None for part in parts):
        raise OptionError(
            "survey totals of replicate designs cannot be combined across files; estimate "
            "the indicators of several files on one replicate design, or use Taylor designs",
            option="design", value="replicate", valid=(),
        )
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
    estimate = np.full((n_g, n_k), np.nan)
    scores = np.zeros((n_p, n_g, n_k))
    present = np.zeros((len(strata), n_g, n_k), dtype=bool)
    empty = np.zeros((n_g, n_k), dtype=bool)
    kinds: list[str] = []
    k0 = 0
    for part in parts:
        rows = np.array([psu_index[key] for key in part.psu_keys], dtype=np.intp)
        cols = np.array([regions.index(r) for r in part.regions], dtype=np.intp)
        ks = np.arange(k0, k0 + len(part.indicators))
        numerator[np.ix_(rows, cols, ks)] = part.numerator
        denominator[np.ix_(rows, cols, ks)] = part.denominator
        n_unweighted[np.ix_(cols, ks)] = part.n_unweighted
        estimate[np.ix_(cols, ks)] = part.estimates
        shape = (len(part.psu_keys), len(part.regions), len(part.indicators))
        scores[np.ix_(rows, cols, ks)] = np.nan_to_num(part.psu_scores).reshape(shape)
        value_of = {int(h): key[0] for h, key in zip(part.psu_stratum, part.psu_keys,
                                                     strict=True)}
        part_strata = np.array([strata[value_of[h]] for h in range(len(part.fpc_factor))],
                               dtype=np.intp)
        held = part.present.reshape((len(part.fpc_factor), *shape[1:]))
        present[np.ix_(part_strata, cols, ks)] |= held
        empty[np.ix_(cols, ks)] = ~np.isfinite(part.estimates)
        kinds.extend(part.kinds)
        k0 = ks[-1] + 1 if ks.size else k0
    layout = StrataLayout(np.array(psu_stratum, dtype=np.intp),
                          np.bincount(psu_stratum, minlength=len(strata)), np.array(fpc),
                          parts[0].lonely_psu)
    flat_empty = empty.reshape(-1) | ~np.isfinite(estimate).reshape(-1)
    flat_scores = scores.reshape(n_p, n_g * n_k)
    flat_scores[:, flat_empty] = 0.0
    covariance = stratified_covariance(layout, flat_scores,
                                       present.reshape(len(strata), n_g * n_k))
    covariance[flat_empty, :] = np.nan
    covariance[:, flat_empty] = np.nan
    return SurveyTotals(
        indicators=tuple(ids),
        kinds=tuple(kinds),
        regions=tuple(regions),
        numerator=numerator,
        denominator=denominator,
        n_unweighted=n_unweighted,
        psu_stratum=layout.psu_stratum,
        fpc_factor=layout.fpc_factor,
        lonely_psu=layout.lonely_psu,
        psu_keys=tuple(psu_index),
        estimates=estimate,
        covariances=covariance,
        psu_scores=flat_scores,
        present=present.reshape(len(strata), n_g * n_k),
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
        A non-numeric column, an infinite value or SE (``inf``, ``-inf``: the message names
        the indicator and the region; leave a cell empty for a missing value) or a negative
        SE.
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
        _refuse_infinite(values, "")
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
            _refuse_infinite(se, "the SE of ")
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


def _refuse_infinite(table: pd.DataFrame, what: str) -> None:
    """Raise SpecError naming the first infinite cell of ``table`` (regions x indicators).

    An infinite objective value would normalise to a finite score (goalposts clip it to 0 or
    100, min-max divides by an infinite range) without a word, so it is refused; NaN stays
    the way to say "missing", imputed by the spec's rule.
    """
    array = table.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(array)
    if not infinite.any():
        return
    r, c = np.argwhere(infinite)[0]
    n_more = int(infinite.sum()) - 1
    more = f" (and {n_more} more infinite cells)" if n_more else ""
    raise SpecError(
        f"{what}objective indicator {str(table.columns[c])!r} is {array[r, c]} in region "
        f"{table.index[r]!r}{more}; values must be finite numbers (leave the cell empty for "
        "a missing value)",
        key=str(table.columns[c]),
    )
