"""Survey uncertainty of index scores and ranks: one interface over three engines.

:func:`assess_uncertainty` carries the sampling error of the survey indicators (and of
objective indicators given with an SE) to every region's index and group scores and ranks,
with one of three engines:

- ``"bootstrap"`` (:mod:`~mics_toolkit.index.bootstrap`): Rao-Wu design bootstrap of PSU
  totals, the whole index re-run per replicate; keeps the correlation between indicators
  from the same households; needs microdata (or replicate estimates).
- ``"montecarlo"`` (:mod:`~mics_toolkit.index.montecarlo`): draws from the estimates and
  SEs (logit scale for proportions), with the linearised covariance or independently.
- ``"delta"`` (:mod:`~mics_toolkit.index.delta`): ``Var(I) = a' S a``; exact for linear
  pipelines, an exact check of the simulation engines.

Outputs (:class:`IndexUncertainty`), per region and group: the nominal score with its SE
and confidence interval (simulation engines: SD of the replicates with ``B - 1`` and the
percentile interval; delta: ``score -+ z SE``), the median rank and rank interval, the
probabilities of being in the top or bottom third, the pairwise "significantly different"
matrix of the index and the league table (formulas in :mod:`~mics_toolkit.index.ranks`).
Data-driven choices (imputation, outlier treatment) are frozen at their nominal values.
Results are reproducible with ``seed``: without one, fresh entropy is drawn and recorded in
``settings["seed"]`` so that the run can be repeated.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from mics_toolkit.errors import OptionError, SpecError, check_option
from mics_toolkit.index.bootstrap import bootstrap_values
from mics_toolkit.index.build import group_order
from mics_toolkit.index.delta import delta_covariance
from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.montecarlo import montecarlo_values
from mics_toolkit.index.pipeline import IndexPipeline
from mics_toolkit.index.ranks import (
    default_top,
    pairwise_normal,
    pairwise_simulated,
    rank_descending,
    rank_statistics,
    thirds,
)
from mics_toolkit.index.spec import COVARIANCE_OPTIONS, ENGINES, IndexSpec, UncertaintySettings

__all__ = [
    "IndexUncertainty",
    "assess_uncertainty",
    "generator_from_seed",
    "replicate_values",
    "settings_with",
]

SCORE_COLUMNS = ("region", "node", "estimate", "se", "ci_lower", "ci_upper")
RANK_COLUMNS = ("region", "node", "rank", "median_rank", "rank_lower", "rank_upper", "p_top",
                "p_bottom")
LEAGUE_COLUMNS = ("rank", "region", "estimate", "se", "ci_lower", "ci_upper", "median_rank",
                  "rank_lower", "rank_upper", "p_top", "p_bottom", "third")


@dataclass(frozen=True)
class IndexUncertainty:
    """Scores and ranks with their survey uncertainty.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per (region, group): ``region, node, estimate, se, ci_lower, ci_upper``;
        ``estimate`` is the nominal score. Groups from the index down.
    ranks : pandas.DataFrame
        One row per (region, group): ``region, node, rank, median_rank, rank_lower,
        rank_upper, p_top, p_bottom``; ``rank`` is the nominal rank (1 = highest).
    league : pandas.DataFrame
        The index's league table in nominal rank order: ``rank, region, estimate, se,
        ci_lower, ci_upper, median_rank, rank_lower, rank_upper, p_top, p_bottom, third``
        (``third`` is ``"top"``, ``"middle"`` or ``"bottom"`` by nominal rank).
    pairwise : pandas.DataFrame
        Region x region, True where the index scores of the two regions differ significantly
        at ``level``.
    pairwise_probability : pandas.DataFrame
        Region x region, probability that the row region scores above the column region.
    replicates : pandas.DataFrame
        Replicate x region index scores (the delta engine's Normal draws).
    settings : dict
        Engine, replicates, seed, level, rank_level, covariance, top and the spec's name.
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    league: pd.DataFrame
    pairwise: pd.DataFrame
    pairwise_probability: pd.DataFrame
    replicates: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table; the region x region matrices with ``region`` as first column."""
        return {
            "league": self.league.copy(),
            "scores": self.scores.copy(),
            "ranks": self.ranks.copy(),
            "pairwise": self.pairwise.reset_index(),
            "pairwise_probability": self.pairwise_probability.reset_index(),
            "replicates": self.replicates.reset_index(),
        }

    def summary(self) -> str:
        """Plain text: the settings and the league table with intervals."""
        s = self.settings
        lines = [
            f"{s.get('name') or 'Composite index'} ({s['root']}): engine {s['engine']}, "
            f"{s['replicates']} replicates, seed {s['seed']}, "
            f"{s['level']:.0%} score intervals, {s['rank_level']:.0%} rank intervals",
            "",
            f"{'rank':>4}  {'region':<24} {'score':>8} {'interval':>17}  {'ranks':>9}  "
            f"{'P(top)':>6} {'P(bot)':>6}",
        ]
        for row in self.league.itertuples():
            rank = "" if np.isnan(row.rank) else f"{int(row.rank)}"
            ranks = ("" if np.isnan(row.rank_lower)
                     else f"{int(row.rank_lower)}-{int(row.rank_upper)}")
            lines.append(
                f"{rank:>4}  {row.region!s:<24} {row.estimate:>8.2f} "
                f"[{row.ci_lower:>7.2f}, {row.ci_upper:>7.2f}]  {ranks:>9}  "
                f"{row.p_top:>6.2f} {row.p_bottom:>6.2f}"
            )
        n_pairs = int(np.triu(self.pairwise.to_numpy(dtype=bool), 1).sum())
        n_all = len(self.pairwise) * (len(self.pairwise) - 1) // 2
        lines.append("")
        lines.append(f"{n_pairs} of {n_all} pairs of regions differ significantly.")
        return "\n".join(lines)


def settings_with(spec: IndexSpec, **overrides) -> UncertaintySettings:
    """The spec's uncertainty settings with the arguments that are not None replacing them.

    An argument outside its range (``replicates`` outside 2 to
    :data:`~mics_toolkit.index.spec.MAX_REPLICATES`, a ``level`` outside (0, 1), ...) raises
    :class:`~mics_toolkit.errors.OptionError` naming the option and its range, whoever calls
    (library, CLI option, sensitivity analysis): the spec's own values were checked when it
    was read, so the caller's argument is the culprit.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    values = spec.uncertainty.to_dict()
    values.update(given)
    try:
        return UncertaintySettings(**values)
    except SpecError as error:
        if error.key not in given:
            raise
        raise OptionError(str(error), option=error.key, value=given[error.key],
                          valid=()) from error


def generator_from_seed(seed) -> tuple[np.random.Generator, Any]:
    """(generator, seed recorded): a Generator is used as is; None draws fresh entropy."""
    if isinstance(seed, np.random.Generator):
        return seed, "<Generator>"
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    return np.random.default_rng(seed), seed


def replicate_values(
    data: IndexData,
    engine: str,
    replicates: int,
    rng: np.random.Generator,
    covariance: str = "linearised",
):
    """Chunks of replicate indicator values ``(b, R, K)`` from a simulation engine."""
    check_option("engine", engine, ("bootstrap", "montecarlo"))
    if engine == "bootstrap":
        return bootstrap_values(data, replicates, rng)
    return montecarlo_values(data, replicates, rng, covariance)


def assess_uncertainty(
    spec: IndexSpec,
    data: IndexData,
    *,
    engine: str | None = None,
    replicates: int | None = None,
    seed: int | np.random.Generator | None = None,
    level: float | None = None,
    rank_level: float | None = None,
    covariance: str | None = None,
    top: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IndexUncertainty:
    """Carry survey sampling error to index scores and ranks.

    Parameters
    ----------
    spec : IndexSpec
    data : IndexData
        From :func:`~mics_toolkit.index.inputs.link_data`.
    engine : {"bootstrap", "montecarlo", "delta"}, optional
    replicates : int, optional
    seed : int or numpy.random.Generator, optional
    level : float, optional
        Confidence level of score intervals and pairwise tests.
    rank_level : float, optional
        Coverage of rank intervals.
    covariance : {"linearised", "independent"}, optional
        Covariance of the survey estimates (Monte Carlo and delta).
    top : int, optional
        Size of the top and bottom groups.
    progress : callable(done, total), optional
        Called after each batch of replicates.

    Every argument left as None takes the spec's value (:class:`UncertaintySettings`:
    bootstrap, 1000 replicates, level 0.95, rank level 0.90, linearised covariance, a third
    of the regions).

    Returns
    -------
    IndexUncertainty

    Raises
    ------
    OptionError
        An unknown option; ``replicates`` outside 2 to 100,000 (``MAX_REPLICATES``), or
        another argument outside its range; the bootstrap without PSU totals or replicates;
        a linearised covariance that the survey source lacks; the delta engine with rank
        normalisation.
    SpecError
        A method cannot be applied to some replicate (e.g. a geometric mean over 0).

    Notes
    -----
    See the module documentation and :mod:`~mics_toolkit.index.ranks` for the formulas.

    References
    ----------
    Rao and Wu (1988) for the bootstrap; OECD/JRC (2008) Handbook section 7; Saisana,
    Saltelli and Tarantola (2005), Uncertainty and sensitivity analysis techniques as tools
    for the quality assessment of composite indicators, JRSS A 168, 307-323.
    """
    if engine is not None:
        check_option("engine", engine, ENGINES)
    if covariance is not None:
        check_option("covariance", covariance, COVARIANCE_OPTIONS)
    for name, value in (("replicates", replicates), ("top", top)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise OptionError(f"{name}={value!r} must be a whole number", option=name,
                              value=value, valid=())
    settings = settings_with(
        spec, engine=engine, replicates=replicates, level=level, rank_level=rank_level,
        covariance=covariance, top=top,
        seed=seed if not isinstance(seed, np.random.Generator) else None,
    )
    rng, seed_used = generator_from_seed(seed if seed is not None else settings.seed)
    pipeline = IndexPipeline.compile(spec, data)
    nominal = pipeline.scores(data.values)[0]  # (R, M)
    n_r, n_m = nominal.shape
    n_top = settings.top if settings.top is not None else default_top(n_r)
    engine = settings.engine

    if engine == "delta":
        _, cov, _ = delta_covariance(pipeline, data, settings.covariance)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None)).reshape(n_r, n_m)
        z = special.ndtri(0.5 + settings.level / 2)
        lower, upper = nominal - z * se, nominal + z * se
        flat = nominal.reshape(-1)
        valid = np.isfinite(flat) & np.all(np.isfinite(cov), axis=1)
        draws = np.full((settings.replicates, flat.size), np.nan)
        eigenvalues, vectors = np.linalg.eigh(cov[np.ix_(valid, valid)])
        root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))[None, :]
        draws[:, valid] = flat[valid] + rng.standard_normal(
            (settings.replicates, int(valid.sum()))
        ) @ root.T
        reps = draws.reshape(settings.replicates, n_r, n_m)
        root_cov = cov.reshape(n_r, n_m, n_r, n_m)[:, -1, :, -1]
        prob, different = pairwise_normal(nominal[:, -1], root_cov, settings.level)
        if progress is not None:
            progress(settings.replicates, settings.replicates)
    else:
        chunks = replicate_values(data, engine, settings.replicates, rng, settings.covariance)
        parts = []
        done = 0
        for values in chunks:
            parts.append(pipeline.scores(values))
            done += values.shape[0]
            if progress is not None:
                progress(done, settings.replicates)
        reps = np.concatenate(parts, axis=0)
        alpha = 1.0 - settings.level
        with np.errstate(invalid="ignore"):
            se = _nan_sd(reps)
            lower = _nan_quantile(reps, alpha / 2)
            upper = _nan_quantile(reps, 1 - alpha / 2)
        prob, different = pairwise_simulated(reps[:, :, -1], settings.level)

    n_b = reps.shape[0]
    groups = group_order(pipeline)
    position = {g: j for j, g in enumerate(pipeline.groups)}
    regions = list(data.regions)
    nominal_ranks = rank_descending(nominal.T).T  # (R, M)
    score_rows, rank_rows = [], []
    root_stats = None
    for group in groups:
        j = position[group]
        stats = rank_statistics(reps[:, :, j], settings.rank_level, n_top)
        if group == spec.root:
            root_stats = stats
        for r, region in enumerate(regions):
            score_rows.append((region, group, nominal[r, j], se[r, j], lower[r, j], upper[r, j]))
            rank_rows.append((region, group, nominal_ranks[r, j], stats["median_rank"][r],
                              stats["rank_lower"][r], stats["rank_upper"][r],
                              stats["p_top"][r], stats["p_bottom"][r]))
    scores = pd.DataFrame(score_rows, columns=list(SCORE_COLUMNS))
    ranks = pd.DataFrame(rank_rows, columns=list(RANK_COLUMNS))
    j = position[spec.root]
    league = pd.DataFrame({
        "rank": nominal_ranks[:, j],
        "region": regions,
        "estimate": nominal[:, j],
        "se": se[:, j],
        "ci_lower": lower[:, j],
        "ci_upper": upper[:, j],
        "median_rank": root_stats["median_rank"],
        "rank_lower": root_stats["rank_lower"],
        "rank_upper": root_stats["rank_upper"],
        "p_top": root_stats["p_top"],
        "p_bottom": root_stats["p_bottom"],
        "third": thirds(nominal_ranks[:, j], n_top),
    })
    league = league.sort_values(["rank", "region"], na_position="last", kind="stable")
    league = league.reset_index(drop=True)[list(LEAGUE_COLUMNS)]
    index = pd.Index(regions, name="region")
    return IndexUncertainty(
        scores=scores,
        ranks=ranks,
        league=league,
        pairwise=pd.DataFrame(different, index=index, columns=regions),
        pairwise_probability=pd.DataFrame(prob, index=index, columns=regions),
        replicates=pd.DataFrame(
            reps[:, :, j], index=pd.RangeIndex(1, n_b + 1, name="replicate"), columns=regions
        ),
        settings={
            "name": spec.name,
            "root": spec.root,
            "engine": engine,
            "replicates": int(n_b),
            "seed": seed_used,
            "level": settings.level,
            "rank_level": settings.rank_level,
            "covariance": settings.covariance if engine != "bootstrap" else "design bootstrap",
            "top": n_top,
        },
    )


def _nan_sd(reps: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(reps)
    count = valid.sum(axis=0)
    mean = np.where(valid, reps, 0.0).sum(axis=0) / np.maximum(count, 1)
    squares = np.where(valid, (reps - mean) ** 2, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)


def _nan_quantile(reps: np.ndarray, q: float) -> np.ndarray:
    if not np.isnan(reps).any():
        return np.quantile(reps, q, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(reps, q, axis=0)
