"""Sensitivity analysis: a Monte Carlo over methodological alternatives, with or without
sampling error, and variance-based (Sobol) indices per source.

Each :class:`~mics_toolkit.index.spec.SensitivitySource` is one uncertain input: the choice
among normalisation, aggregation or weight alternatives, or ``"sampling"`` (the sampling
error: a replicate of the bootstrap or Monte Carlo engine). A run draws one alternative per
source, independently and with equal probability (a uniform ``u`` picks alternative
``floor(u * n)``, COINr's discrete distribution), and re-runs the index.

The output of a run is COINr's: the mean absolute rank shift of the regions from their
nominal ranks, ``y = mean_r |rank_r - nominal rank_r|``. With ``method="uncertainty"`` N runs
are made; with ``method="sobol"`` the Saltelli design of COINr's ``SA_sample``: matrices A and
B of N rows each, then for each source i the matrix ``A_B^i`` (A with column i from B), N (d + 2)
runs in all, and for d sources

``S_i = mean(y_B (y_AB^i - y_A)) / V``  (first order, Saltelli et al. 2010),

``ST_i = sum((y_A - y_AB^i)^2) / (2 N V)``  (total, Jansen 1999),

with ``V = var(c(y_A, y_B))`` (R ``var``, ``n - 1``), as COINr's ``SA_estimate``. Optional
bootstrap intervals resample the N terms of each estimator (COINr ``Nboot``). The same
estimators are applied to each region's rank (``region_sobol``). Rank statistics per region
come from the A and B runs (COINr): mean and median rank, the 5% and 95% quantiles
(``numpy.quantile`` default, R ``type=7``), mean and largest absolute shift.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. Computer Physics Communications 181, 259-270.
Jansen, M. J. W. (1999). Analysis of variance designs for model output. Computer Physics
Communications 117, 35-43. COINr 1.1 ``get_sensitivity``, ``SA_sample``, ``SA_estimate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, SpecError, check_option
from mics_toolkit.index.inputs import IndexData
from mics_toolkit.index.pipeline import IndexPipeline
from mics_toolkit.index.ranks import rank_descending
from mics_toolkit.index.spec import (
    MAX_REPLICATES,
    NOMINAL,
    IndexSpec,
    SensitivitySource,
    UncertaintySettings,
)
from mics_toolkit.index.uncertainty import (
    ReplicateDraw,
    check_pipeline,
    generator_from_seed,
    replicate_values,
    settings_with,
)

__all__ = [
    "SENSITIVITY_METHODS",
    "SensitivityResult",
    "sensitivity_analysis",
    "sobol_indices",
]

SENSITIVITY_METHODS: tuple[str, ...] = ("sobol", "uncertainty")


@dataclass(frozen=True)
class SensitivityResult:
    """Results of :func:`sensitivity_analysis`.

    Attributes
    ----------
    ranks : pandas.DataFrame
        Per region: ``region, score, rank, mean_rank, median_rank, rank_lower, rank_upper,
        mean_shift, max_shift`` (nominal score and rank, then statistics of the runs).
    sobol : pandas.DataFrame
        Per source: ``source, first_order, total`` for the mean absolute rank shift, with
        ``first_order_lower, first_order_upper, total_lower, total_upper`` (bootstrap 90%
        intervals, NaN without ``n_boot``); empty with ``method="uncertainty"``.
    region_sobol : pandas.DataFrame
        Per (region, source): ``region, source, first_order, total`` for the region's rank
        (NaN where its rank never changes); empty with ``method="uncertainty"``.
    runs : pandas.DataFrame
        Per run: ``run, matrix`` (``"A"``, ``"B"``, ``"AB:<source>"`` or ``"U"``), the index
        of the alternative drawn for each source (a column per source), ``mean_shift`` and
        ``failed`` (a region's score could not be computed, e.g. a geometric mean over 0:
        that region is left out of the run's rank shift, as COINr counts failed runs).
    scores : pandas.DataFrame
        Run x region index scores.
    settings : dict
    """

    ranks: pd.DataFrame
    sobol: pd.DataFrame
    region_sobol: pd.DataFrame
    runs: pd.DataFrame
    scores: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table."""
        return {
            "ranks": self.ranks.copy(),
            "sobol": self.sobol.copy(),
            "region_sobol": self.region_sobol.copy(),
            "runs": self.runs.copy(),
            "scores": self.scores.reset_index(),
        }

    def summary(self) -> str:
        """Plain text: sources, Sobol indices and the rank shifts per region."""
        s = self.settings
        lines = [
            f"sensitivity of {s['root']} ({s['method']}): {s['n_runs']} runs, N = {s['n']}, "
            f"seed {s['seed']}; sources: {', '.join(s['sources'])}",
        ]
        if len(self.sobol):
            lines.append("")
            lines.append(f"{'source':<24} {'first order':>12} {'total':>8}")
            for row in self.sobol.itertuples():
                lines.append(f"{row.source:<24} {row.first_order:>12.3f} {row.total:>8.3f}")
        lines.append("")
        lines.append(f"{'region':<24} {'rank':>4} {'median':>6} {'5%-95%':>9} {'mean shift':>10}")
        for row in self.ranks.sort_values("rank").itertuples():
            lines.append(
                f"{row.region!s:<24} {row.rank:>4.0f} {row.median_rank:>6.1f} "
                f"{row.rank_lower:>4.1f}-{row.rank_upper:<4.1f} {row.mean_shift:>10.2f}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class _Choices:
    """The resolved alternatives of one source."""

    source: SensitivitySource
    normalisations: tuple[Mapping[str, Any], ...] = ()
    aggregations: tuple[Mapping[str, Any], ...] = ()
    weights: tuple[np.ndarray, ...] = ()
    n: int = 0


def _resolve(source: SensitivitySource, pipeline: IndexPipeline, rng, n_replicates: int) -> _Choices:
    kind = source.kind
    if kind == "sampling":
        return _Choices(source, n=n_replicates)
    if kind == "normalisation":
        targets = source.targets or pipeline.indicators
        out = []
        for alternative in source.alternatives:
            if alternative == NOMINAL:
                out.append({})
            elif isinstance(alternative, Mapping):
                out.append(dict(alternative))
            else:
                out.append({t: alternative for t in targets})
        return _Choices(source, normalisations=tuple(out), n=len(out))
    if kind == "aggregation":
        targets = source.targets or pipeline.groups
        out = []
        for alternative in source.alternatives:
            if alternative == NOMINAL:
                out.append({})
            elif isinstance(alternative, Mapping):
                out.append(dict(alternative))
            else:
                out.append({t: alternative for t in targets})
        return _Choices(source, aggregations=tuple(out), n=len(out))
    nodes = pipeline.nodes
    base = pipeline.weights
    sets = []
    if source.perturbation is not None:
        targets = source.targets or [n for n in nodes if n != pipeline.hierarchy.root]
        mask = np.array([n in set(targets) for n in nodes])
        for _ in range(source.n_sets):
            noise = rng.uniform(1 - source.perturbation, 1 + source.perturbation, len(nodes))
            sets.append(np.where(mask, base * noise, base))
    else:
        for alternative in source.alternatives:
            weights = base.copy()
            if alternative != NOMINAL:
                for name, value in alternative.items():
                    weights[nodes.index(name)] = value
            sets.append(weights)
    for weights in sets:
        for group, kids in zip(pipeline.groups, pipeline.children, strict=True):
            if weights[kids].sum() <= 0:
                raise SpecError(
                    f"a weight alternative of {source.name!r} gives all children of {group!r} "
                    "weight 0",
                    key=source.name,
                )
    return _Choices(source, weights=tuple(sets), n=len(sets))


def _saltelli(n: int, d: int, rng) -> tuple[np.ndarray, list[str]]:
    """COINr ``SA_sample``: rows A (N), B (N), then A with column i from B, for each i."""
    a = rng.uniform(size=(n, d))
    b = rng.uniform(size=(n, d))
    blocks = [a, b]
    for i in range(d):
        mixed = a.copy()
        mixed[:, i] = b[:, i]
        blocks.append(mixed)
    return np.vstack(blocks), ["A"] * n + ["B"] * n


def sobol_indices(y: np.ndarray, n: int, d: int) -> tuple[np.ndarray, np.ndarray, float]:
    """First-order and total Sobol indices from outputs in Saltelli order (COINr).

    Parameters
    ----------
    y : numpy.ndarray, shape (N (d + 2),)
        Outputs of A (N), B (N), then ``A_B^i`` for i = 1..d.

    Returns
    -------
    (first, total, variance)
    """
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(d, n)
    variance = float(np.var(np.concatenate([y_a, y_b]), ddof=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.mean(y_b[None, :] * (y_ab - y_a[None, :]), axis=1) / variance
        total = np.sum((y_a[None, :] - y_ab) ** 2, axis=1) / (2 * n * variance)
    return first, total, variance


def sensitivity_analysis(
    spec: IndexSpec,
    data: IndexData,
    sources: Sequence[SensitivitySource] | None = None,
    *,
    n: int = 200,
    method: str = "sobol",
    seed: int | np.random.Generator | None = None,
    engine: str | None = None,
    replicates: int | None = None,
    covariance: str | None = None,
    n_boot: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    draw: ReplicateDraw | None = None,
    pipeline: IndexPipeline | None = None,
) -> SensitivityResult:
    """Monte Carlo over methodological alternatives (and sampling error), with Sobol indices.

    Parameters
    ----------
    spec : IndexSpec
    data : IndexData
    sources : sequence of SensitivitySource, optional
        Default the spec's ``sensitivity``. Include a ``"sampling"`` source to add the
        survey's sampling error.
    n : int
        Base sample size N (default 200, at most 100,000): ``N (d + 2)`` runs for Sobol, N
        for uncertainty.
    method : {"sobol", "uncertainty"}
    seed : int or numpy.random.Generator, optional
        Without one, fresh entropy is drawn and recorded in ``settings["seed"]``.
    engine : {"bootstrap", "montecarlo"}, optional
        Engine of the sampling source (default the spec's; ``"delta"`` gives no replicates
        and is refused).
    replicates : int, optional
        Replicates drawn for the sampling source (default the spec's).
    covariance : {"linearised", "independent"}, optional
        Monte Carlo sampling source only.
    n_boot : int, optional
        Bootstrap resamples for intervals of the Sobol indices (COINr ``Nboot``).
    progress : callable(done, total), optional
    draw : ReplicateDraw, optional
        Replicate values already drawn by :func:`~mics_toolkit.index.assess_uncertainty`
        (``IndexUncertainty.draw``) for the sampling source, with their engine, number,
        covariance and seed (``engine``, ``replicates``, ``covariance`` and ``seed`` may be
        left out; given, they must match). The random stream continues where the draw left
        it, so the result is the one a run drawing the same replicates itself gives.
    pipeline : IndexPipeline, optional
        The pipeline compiled for ``spec`` and ``data`` (``IndexResult.pipeline``);
        default: compiled here.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    SpecError
        No sources, or a source that cannot be applied.
    OptionError
        An unknown method, a Sobol analysis with one source, ``engine="delta"`` for a
        sampling source, or a ``draw`` made with another engine, number of replicates,
        covariance or seed than the ones given.

    Notes
    -----
    See the module documentation.
    """
    sources = _checked_sources(spec, sources, method, n)
    names = [s.name for s in sources]
    if draw is not None:
        _check_draw(draw, seed, engine, replicates, covariance)
        seed, engine, replicates, covariance = (draw.seed, draw.engine, draw.replicates,
                                                draw.covariance)
    settings = settings_with(spec, engine=engine, replicates=replicates, covariance=covariance)
    pipeline = check_pipeline(pipeline, spec, data)
    nominal = pipeline.scores(data.values)[0][:, -1]
    sampled, rng, seed_used = _sampled_values(sources, data, settings, seed, draw)
    choices = [_resolve(s, pipeline, rng, 0 if sampled is None else sampled.shape[0])
               for s in sources]

    picks, labels = _sample_runs(method, n, names, choices, rng)
    root_scores = _run_choices(pipeline, data, choices, picks, sampled, progress)

    sampling = {
        "seed": seed_used,
        "engine": settings.engine if sampled is not None else None,
        "replicates": None if sampled is None else int(sampled.shape[0]),
    }
    return _result(spec, method, n, n_boot, names, list(data.regions), nominal, picks, labels,
                   root_scores, rng, sampling)


def _result(spec: IndexSpec, method: str, n: int, n_boot: int | None, names: list[str],
            regions: list, nominal: np.ndarray, picks: np.ndarray, labels: list[str],
            root_scores: np.ndarray, rng, sampling: dict[str, Any]) -> SensitivityResult:
    """Rank shifts of the runs, the rank statistics, the Sobol indices and the runs table."""
    nominal_rank = rank_descending(nominal)
    failed = np.isnan(root_scores) & ~np.isnan(nominal)[None, :]
    ranks = rank_descending(root_scores)
    shift = np.abs(ranks - nominal_rank[None, :])
    with np.errstate(invalid="ignore"):
        mean_shift = np.nanmean(np.where(np.isnan(shift), np.nan, shift), axis=1)
    base = slice(0, 2 * n) if method == "sobol" else slice(0, n)
    rank_table = _rank_table(regions, nominal, nominal_rank, ranks[base], shift[base])
    sobol, region_sobol = _sobol_tables(method, names, regions, ranks, mean_shift, n, n_boot,
                                        rng)
    runs = pd.DataFrame({"run": np.arange(1, picks.shape[0] + 1), "matrix": labels,
                         **{name: picks[:, i] for i, name in enumerate(names)},
                         "mean_shift": mean_shift, "failed": failed.any(axis=1)})
    return SensitivityResult(
        ranks=rank_table,
        sobol=sobol,
        region_sobol=region_sobol,
        runs=runs,
        scores=pd.DataFrame(root_scores, index=pd.RangeIndex(1, picks.shape[0] + 1, name="run"),
                            columns=regions),
        settings={
            "root": spec.root,
            "method": method,
            "n": n,
            "n_runs": picks.shape[0],
            "seed": sampling["seed"],
            "sources": names,
            "engine": sampling["engine"],
            "replicates": sampling["replicates"],
            "n_boot": n_boot,
            "failed_runs": int(failed.any(axis=1).sum()),
            "target": "mean absolute rank shift from the nominal ranks",
        },
    )


def _sample_runs(method: str, n: int, names: list[str], choices: Sequence[_Choices], rng
                 ) -> tuple[np.ndarray, list[str]]:
    """The alternative of each source in each run ``(runs, d)`` and the runs' matrix labels:
    the Saltelli design for Sobol indices, N uniform draws otherwise."""
    d = len(names)
    if method == "sobol":
        unit, labels = _saltelli(n, d, rng)
        labels = labels + [f"AB:{name}" for name in names for _ in range(n)]
    else:
        unit = rng.uniform(size=(n, d))
        labels = ["U"] * n
    sizes = np.array([c.n for c in choices])
    return np.minimum((unit * sizes[None, :]).astype(np.int64), sizes[None, :] - 1), labels


def _checked_sources(spec: IndexSpec, sources: Sequence[SensitivitySource] | None,
                     method: str, n: Any) -> tuple[SensitivitySource, ...]:
    """The sources (default the spec's) after checking them, ``method`` and ``n``."""
    check_option("method", method, SENSITIVITY_METHODS)
    sources = tuple(spec.sensitivity if sources is None else sources)
    if not sources:
        raise SpecError("no sensitivity sources: give sources= or list them in the spec",
                        file=spec.file, key="sensitivity")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SpecError(f"sensitivity sources need distinct names: {names}", key="sensitivity")
    if method == "sobol" and len(sources) < 2:
        raise OptionError(
            "a Sobol analysis needs at least two sources; use method='uncertainty' for one",
            option="method",
            value=method,
            valid=("uncertainty",),
        )
    if isinstance(n, bool) or not isinstance(n, int) or not 3 <= n <= MAX_REPLICATES:
        raise OptionError(f"n={n!r} must be a whole number from 3 to {MAX_REPLICATES:,} (the "
                          "base sample of runs)", option="n", value=n, valid=())
    return sources


def _check_draw(draw: ReplicateDraw, seed, engine, replicates, covariance) -> None:
    """Options given beside ``draw`` must be the ones it was drawn with."""
    for name, given, drawn in (("seed", seed, draw.seed), ("engine", engine, draw.engine),
                               ("replicates", replicates, draw.replicates),
                               ("covariance", covariance, draw.covariance)):
        if given is not None and (isinstance(given, np.random.Generator) or given != drawn):
            raise OptionError(
                f"{name}={given!r} differs from the {name} of the replicates drawn "
                f"({drawn!r}); leave it out or draw the replicates again (draw=None)",
                option=name, value=given, valid=(drawn,))


def _sampled_values(sources, data: IndexData, settings: UncertaintySettings, seed,
                    draw: ReplicateDraw | None):
    """The replicate values of a sampling source (None without one), the generator for the
    rest of the analysis and the seed recorded."""
    if not any(s.kind == "sampling" for s in sources):
        rng, seed_used = generator_from_seed(seed if seed is not None else settings.seed)
        return None, rng, seed_used
    if settings.engine == "delta":
        raise OptionError(
            "a sampling source needs replicate values: use engine='bootstrap' or "
            "'montecarlo'",
            option="engine",
            value="delta",
            valid=("bootstrap", "montecarlo"),
        )
    if draw is not None:
        return draw.values, draw.generator(), draw.seed
    rng, seed_used = generator_from_seed(seed if seed is not None else settings.seed)
    sampled = np.concatenate(list(replicate_values(
        data, settings.engine, settings.replicates, rng, settings.covariance
    )), axis=0)
    return sampled, rng, seed_used


def _run_choices(pipeline: IndexPipeline, data: IndexData, choices: Sequence[_Choices],
                 picks: np.ndarray, sampled: np.ndarray | None, progress) -> np.ndarray:
    """Index scores ``(runs, R)`` of every run: runs sharing their method alternatives go
    through one variant of the pipeline, in batches of 1000."""
    n_runs = picks.shape[0]
    method_sources = [i for i, c in enumerate(choices) if c.source.kind in
                      ("normalisation", "aggregation")]
    weight_sources = [i for i, c in enumerate(choices) if c.source.kind == "weights"]
    sampling_sources = [i for i, c in enumerate(choices) if c.source.kind == "sampling"]
    weights = np.broadcast_to(pipeline.weights, (n_runs, pipeline.weights.size)).copy()
    for i in weight_sources:
        chosen = np.stack(choices[i].weights)[picks[:, i]]
        changed = chosen != pipeline.weights[None, :]
        weights = np.where(changed, chosen, weights)
    root_scores = np.empty((n_runs, len(pipeline.regions)))
    keys = [tuple(row) for row in picks[:, method_sources]] if method_sources else [()] * n_runs
    done = 0
    for key in dict.fromkeys(keys):
        rows = np.array([r for r, k in enumerate(keys) if k == key], dtype=np.intp)
        norms: dict[str, Any] = {}
        aggs: dict[str, Any] = {}
        for i, pick in zip(method_sources, key, strict=True):
            norms.update(choices[i].normalisations[pick] if choices[i].normalisations else {})
            aggs.update(choices[i].aggregations[pick] if choices[i].aggregations else {})
        variant = pipeline.with_methods(norms, aggs)
        if sampling_sources:
            values = sampled[picks[rows, sampling_sources[0]]]
        else:
            values = np.broadcast_to(data.values, (rows.size, *data.values.shape))
        for start in range(0, rows.size, 1000):
            part = rows[start : start + 1000]
            root_scores[part] = variant.scores(
                values[start : start + 1000], weights[part], invalid="nan"
            )[:, :, -1]
            done += part.size
            if progress is not None:
                progress(done, n_runs)
    return root_scores


def _rank_table(regions: list, nominal: np.ndarray, nominal_rank: np.ndarray,
                base_ranks: np.ndarray, base_shift: np.ndarray) -> pd.DataFrame:
    """Per region: nominal score and rank, statistics of the ranks of the A and B runs."""
    return pd.DataFrame({
        "region": regions,
        "score": nominal,
        "rank": nominal_rank,
        "mean_rank": np.nanmean(base_ranks, axis=0),
        "median_rank": np.nanmedian(base_ranks, axis=0),
        "rank_lower": np.nanquantile(base_ranks, 0.05, axis=0),
        "rank_upper": np.nanquantile(base_ranks, 0.95, axis=0),
        "mean_shift": np.nanmean(base_shift, axis=0),
        "max_shift": np.nanmax(base_shift, axis=0),
    })


def _sobol_tables(method: str, names: list[str], regions: list, ranks: np.ndarray,
                  mean_shift: np.ndarray, n: int, n_boot: int | None, rng
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol indices of the mean rank shift (with bootstrap bounds) and of each region's
    rank; empty frames with ``method="uncertainty"``."""
    sobol_columns = ["source", "first_order", "total", "first_order_lower",
                     "first_order_upper", "total_lower", "total_upper"]
    if method != "sobol":
        return (pd.DataFrame(columns=sobol_columns),
                pd.DataFrame(columns=["region", "source", "first_order", "total"]))
    d = len(names)
    first, total, _ = sobol_indices(mean_shift, n, d)
    bounds = _bootstrap_bounds(mean_shift, n, d, n_boot, rng)
    sobol = pd.DataFrame({"source": names, "first_order": first, "total": total, **bounds})
    region_rows = []
    for r, region in enumerate(regions):
        f_r, t_r, _ = sobol_indices(ranks[:, r], n, d)
        for i, name in enumerate(names):
            region_rows.append((region, name, f_r[i], t_r[i]))
    region_sobol = pd.DataFrame(region_rows, columns=["region", "source", "first_order", "total"])
    return sobol[sobol_columns] if len(sobol) else sobol, region_sobol


def _bootstrap_bounds(y, n, d, n_boot, rng) -> dict[str, np.ndarray]:
    names = ("first_order_lower", "first_order_upper", "total_lower", "total_upper")
    if not n_boot:
        return {name: np.full(d, np.nan) for name in names}
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(d, n)
    variance = float(np.var(np.concatenate([y_a, y_b]), ddof=1))
    first_terms = y_b[None, :] * (y_ab - y_a[None, :])
    total_terms = (y_a[None, :] - y_ab) ** 2
    draws = rng.integers(0, n, size=(n_boot, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        first = first_terms[:, draws].mean(axis=2) / variance  # (d, n_boot)
        total = total_terms[:, draws].sum(axis=2) / (2 * n * variance)
    return {
        "first_order_lower": np.quantile(first, 0.05, axis=1),
        "first_order_upper": np.quantile(first, 0.95, axis=1),
        "total_lower": np.quantile(total, 0.05, axis=1),
        "total_upper": np.quantile(total, 0.95, axis=1),
    }
