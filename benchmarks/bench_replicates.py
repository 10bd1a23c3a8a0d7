"""Replicate benchmark: the core MICS table workload with bootstrap replicate weights, timed in
mics_toolkit and in svy's replication estimator in the same run.

This module holds the runner of the replicate benchmark. On the synthetic women's file of
``synthetic_women.py`` (generated in memory, 100,000 rows, 40 strata, 1,200 PSUs) it times the
workload of ``bench_core.py`` -- 4 indicators x 6 breakdowns, 160 estimates with SE, confidence
interval and design effect -- with the variance from 500 Rao-Wu bootstrap replicates:

* ``ours``: ``SurveyDesign(...).replicate("bootstrap", replicates=500, seed=...)`` then
  ``mean``/``proportion``; replicate estimates come from PSU-level totals times the
  (500 x 1,200) factor matrix;
* ``svy``: ``Sample(...).weighting.create_bs_wgts(n_reps=500, rstate=...)`` then
  ``estimation.mean/prop(..., method="replication", drop_nulls=True, deff="wr")``;
* ``ours-supplied``: ``ReplicateDesign`` on svy's 500 replicate weight columns (the path of
  files that ship replicate weights: one product of the 100,000 x 500 weight matrix), with
  svy's variance scale ``1 / R`` (R survey's and our bootstrap default is ``1 / (R - 1)``).

svy computes no design effect with ``method="replication"``; ours computes it (replicate
variance over the SRS variance), so ours does a little more work.

Building the design and the replicates and collecting the estimates are timed; generating the
data, deriving the indicators and converting the frame to polars are not. The two bootstraps
draw different random replicates, so their SEs differ by Monte Carlo noise; agreement is
checked exactly by running ours on svy's own replicate weights (``ours-supplied``), and the
bootstrap SEs are compared with the Taylor SEs.

Run ``python benchmarks/bench_replicates.py`` (``--rows``, ``--replicates``, ``--repeats``,
``--tools ours,svy,ours-supplied``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import (
    BREAKDOWNS,
    DESIGN,
    INDICATORS,
    _collect,
    _rows,
    derive_indicators,
    environment,
    max_relative_difference,
    time_best,
)
from synthetic_women import DEFAULT_SEED, make_women

BOOTSTRAP_SEED = 1


def _ours_run(make_design: Callable[[], object]) -> Callable[[], pd.DataFrame]:
    """The 24 estimation calls on the replicate design returned by ``make_design``."""

    def run() -> pd.DataFrame:
        design = make_design()
        pieces = []
        for indicator in INDICATORS:
            for breakdown in BREAKDOWNS:
                if indicator.kind == "mean":
                    result = design.mean(indicator.name, by=breakdown)
                else:
                    result = design.proportion(indicator.name, by=breakdown)
                    result = result[result["level"] == 1]
                groups = None if breakdown is None else result[breakdown]
                pieces.append(
                    _rows(indicator.name, breakdown, groups, result["estimate"], result["se"],
                          result["ci_lower"], result["ci_upper"], result["deff"])
                )
        return _collect(pieces)

    return run


def workload_ours(frame: pd.DataFrame, replicates: int) -> Callable[[], pd.DataFrame]:
    """mics_toolkit: bootstrap replicates of the design's PSUs, then the workload."""
    import mics_toolkit as mt

    def make():
        design = mt.SurveyDesign(frame, DESIGN["weight"], strata=DESIGN["strata"],
                                 psu=DESIGN["psu"])
        return design.replicate("bootstrap", replicates=replicates, seed=BOOTSTRAP_SEED)

    return _ours_run(make)


def workload_ours_supplied(
    frame_with_weights: pd.DataFrame, replicates: int
) -> Callable[[], pd.DataFrame]:
    """mics_toolkit on supplied replicate weight columns (svy's ``wmweight1..R``), with svy's
    bootstrap scale ``1 / R`` (R survey and our default use ``1 / (R - 1)``)."""
    import mics_toolkit as mt

    def make():
        return mt.ReplicateDesign(frame_with_weights, DESIGN["weight"], "wmweight[0-9]+$",
                                  "bootstrap", scale=1.0 / replicates)

    return _ours_run(make)


def svy_replicate_weights(frame: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """The frame with svy's bootstrap replicate weights (not timed)."""
    import polars as pl
    import svy

    sample = svy.Sample(
        pl.from_pandas(frame),
        svy.Design(stratum=DESIGN["strata"], psu=DESIGN["psu"], wgt=DESIGN["weight"]),
    )
    sample = sample.weighting.create_bs_wgts(n_reps=replicates, rstate=BOOTSTRAP_SEED)
    return sample.data.to_pandas()


def workload_svy(frame: pd.DataFrame, replicates: int) -> Callable[[], pd.DataFrame]:
    """svy: ``create_bs_wgts`` then ``estimation.mean/prop(method="replication")``."""
    import polars as pl
    import svy

    data = pl.from_pandas(frame)

    def run() -> pd.DataFrame:
        sample = svy.Sample(
            data, svy.Design(stratum=DESIGN["strata"], psu=DESIGN["psu"], wgt=DESIGN["weight"])
        )
        sample = sample.weighting.create_bs_wgts(n_reps=replicates, rstate=BOOTSTRAP_SEED)
        pieces = []
        for indicator in INDICATORS:
            for breakdown in BREAKDOWNS:
                if indicator.kind == "mean":
                    result = sample.estimation.mean(
                        indicator.name, by=breakdown, method="replication", drop_nulls=True,
                        deff="wr",
                    ).to_polars()
                else:
                    result = sample.estimation.prop(
                        indicator.name, by=breakdown, method="replication", drop_nulls=True,
                        deff="wr", ci_method="logit",
                    ).to_polars()
                    result = result.filter(pl.col(indicator.name) == 1)
                if breakdown is not None:
                    result = result.sort(breakdown)
                groups = None if breakdown is None else result[breakdown].to_numpy()
                deff = (result["deff"].to_numpy() if "deff" in result.columns
                        else np.full(len(result), np.nan))
                pieces.append(
                    _rows(indicator.name, breakdown, groups, result["est"].to_numpy(),
                          result["se"].to_numpy(), result["lci"].to_numpy(),
                          result["uci"].to_numpy(), deff)
                )
        return _collect(pieces)

    return run


def taylor_results(frame: pd.DataFrame) -> pd.DataFrame:
    """The same workload with Taylor linearisation (ours), to compare bootstrap SEs with."""
    import mics_toolkit as mt

    design = mt.SurveyDesign(frame, DESIGN["weight"], strata=DESIGN["strata"], psu=DESIGN["psu"])
    return _ours_run(lambda: design)()


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="data seed")
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool (best)")
    parser.add_argument("--tools", default="ours,svy,ours-supplied")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]

    print("## Environment")
    for key, value in environment().items():
        print(f"- {key}: {value}")
    frame = derive_indicators(make_women(args.rows, args.seed, n_filler=0))
    print(
        f"\n## Workload: {len(INDICATORS)} indicators x {len(BREAKDOWNS)} breakdowns with "
        f"{args.replicates} bootstrap replicates on {len(frame):,} rows, "
        f"{frame['stratum'].nunique()} strata, {frame['HH1'].nunique()} PSUs; best of "
        f"{args.repeats} runs"
    )

    timings: dict[str, list[float]] = {}
    results: dict[str, pd.DataFrame] = {}
    notes: dict[str, str] = {}
    with_weights = None
    if "ours-supplied" in tools:
        with_weights = svy_replicate_weights(frame, args.replicates)
    factories = {
        "ours": lambda: workload_ours(frame, args.replicates),
        "svy": lambda: workload_svy(frame, args.replicates),
        "ours-supplied": lambda: workload_ours_supplied(with_weights, args.replicates),
    }
    for tool in tools:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                timings[tool], results[tool] = time_best(factories[tool](), args.repeats)
        except Exception as error:  # one tool failing must not hide the others
            notes[tool] = f"failed: {type(error).__name__}: {error}"

    label = {
        "ours": "mics_toolkit, bootstrap of the design's PSUs",
        "svy": "svy 0.35, create_bs_wgts + method='replication'",
        "ours-supplied": "mics_toolkit, ReplicateDesign on svy's weight columns",
    }
    reference = min(timings["ours"]) if "ours" in timings else None
    print("\n| tool | best s | median s | estimates | time / ours |\n|---|---:|---:|---:|---:|")
    for tool in tools:
        if tool not in timings:
            continue
        best = min(timings[tool])
        ratio = f"{best / reference:.1f}x" if reference else "n/a"
        print(f"| {label[tool]} | {best:.3f} | {statistics.median(timings[tool]):.3f} | "
              f"{len(results[tool])} | {ratio} |")

    if "svy" in results and "ours-supplied" in results:
        print("\nAgreement on the same replicate weights (ours-supplied against svy):")
        for column in ("estimate", "se"):
            difference, unmatched = max_relative_difference(
                results["ours-supplied"], results["svy"], column
            )
            print(f"- max relative difference of {column}: {difference:.1e}"
                  + (f" ({unmatched} unmatched)" if unmatched else ""))
        print("- design effects: svy gives none with method='replication' (ours does)")
    if "ours" in results:
        taylor = taylor_results(frame)
        keys = ["indicator", "breakdown", "group"]
        merged = results["ours"].merge(taylor, on=keys, suffixes=("", "_taylor"))
        ratio = merged["se"] / merged["se_taylor"]
        print(
            f"\nBootstrap SE / Taylor SE over the {len(merged)} estimates (ours, "
            f"{args.replicates} replicates): median {ratio.median():.3f}, 5%-95% "
            f"{ratio.quantile(0.05):.3f}-{ratio.quantile(0.95):.3f}, min {ratio.min():.3f}, "
            f"max {ratio.max():.3f}"
        )
    if notes:
        print()
        for tool, note in notes.items():
            print(f"- {label.get(tool, tool)}: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
