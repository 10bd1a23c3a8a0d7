"""Quantile benchmark: quartiles of 2 variables over the 6 breakdowns of the core workload,
timed in mics_toolkit, svy and R survey in the same run.

This module holds the runner of the quantile benchmark. On the synthetic women's file of
``synthetic_women.py`` (generated in memory, 100,000 rows, 40 strata, 1,200 PSUs) it times
the quartiles (p = 0.25, 0.5, 0.75) of the life-ladder score ``ladder`` (``LS2`` with 99 and
not asked missing) and the age ``age`` (``WB4``) over the breakdowns of ``bench_core.py``
(total, area, region, wealth quintile, education, age group): 2 x 40 x 3 = 240 quantiles,
each with its SE and Woodruff confidence interval (R's defaults: ``qrule="math"``,
``interval.type="mean"``, df of each domain's design):

* ``ours``: ``SurveyDesign(...)`` then ``design.quantile(v, [0.25, 0.5, 0.75], by=b,
  df="domain")``, 12 calls;
* ``tabulate``: ``SurveyDesign(...)`` then one ``design.tabulate(quantile=[...],
  q=[0.25, 0.5, 0.75], breakdowns=[...], df="domain")`` call;
* ``svy``: ``Sample(...).estimation.quantile(v, p=(0.25, 0.5, 0.75), by=b,
  drop_nulls=True)`` (its default ``q_method="higher"`` is R's ``"math"``), 12 calls;
* ``r``: ``svyquantile`` for the total and ``svyby(~v, ~b, design, svyquantile, ...)``
  (``bench_quantiles.R``).

Building the design and collecting each tool's result objects are timed; generating the
data, deriving the variables, converting the frame to the tool's input and turning the
results into one frame for the comparison with R are not. The Python tools run once each
untimed (imports, first-touch memory), then in turns, one timed run of each per round, so
that a change in the load of the machine touches all of them alike; R times the workload
after loading the package and reading the data. The estimates and SEs are compared with R's.

Run ``python benchmarks/bench_quantiles.py`` (``--rows``, ``--repeats``, ``--r-repeats``,
``--tools ours,tabulate,svy,r``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import (
    BREAKDOWNS,
    DESIGN,
    _group_label,
    derive_indicators,
    environment,
    time_interleaved,
)
from synthetic_women import DEFAULT_SEED, make_women

BENCH_DIR = Path(__file__).resolve().parent
VARIABLES = ["ladder", "age"]
QUARTILES = [0.25, 0.5, 0.75]
KEYS = ["variable", "breakdown", "group", "quantile"]


def analysis_frame(n_rows: int, seed: int) -> pd.DataFrame:
    """The core workload's analysis columns plus ``age`` (``WB4``)."""
    raw = make_women(n_rows, seed)
    return derive_indicators(raw).assign(age=raw["WB4"].astype(float).to_numpy())


def _rows(variable, breakdown, groups, quantiles, estimate, se) -> pd.DataFrame:
    return pd.DataFrame({
        "variable": variable, "breakdown": breakdown or "total",
        "group": ["all" if breakdown is None else _group_label(g) for g in groups],
        "quantile": np.asarray(quantiles, dtype=float),
        "estimate": np.asarray(estimate, dtype=float), "se": np.asarray(se, dtype=float),
    })


def workload_ours(frame: pd.DataFrame) -> Callable[[], list]:
    """mics_toolkit: one ``quantile`` call per variable and breakdown."""
    import mics_toolkit as mt

    def run() -> list:
        design = mt.SurveyDesign(frame, DESIGN["weight"], strata=DESIGN["strata"],
                                 psu=DESIGN["psu"])
        return [(variable, breakdown,
                 design.quantile(variable, QUARTILES, by=breakdown, df="domain"))
                for variable in VARIABLES for breakdown in BREAKDOWNS]

    return run


def results_ours(pieces: list) -> pd.DataFrame:
    """The comparison frame of the ``quantile`` calls."""
    out = []
    for variable, breakdown, result in pieces:
        groups = np.zeros(len(result)) if breakdown is None else result[breakdown].to_numpy()
        out.append(_rows(variable, breakdown, groups, result["quantile"], result["estimate"],
                         result["se"]))
    return pd.concat(out, ignore_index=True)


def workload_tabulate(frame: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """mics_toolkit: one ``tabulate`` call for both variables and every breakdown."""
    import mics_toolkit as mt

    def run() -> pd.DataFrame:
        design = mt.SurveyDesign(frame, DESIGN["weight"], strata=DESIGN["strata"],
                                 psu=DESIGN["psu"])
        return design.tabulate(quantile=VARIABLES, q=QUARTILES, breakdowns=BREAKDOWNS,
                               df="domain")

    return run


def results_tabulate(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison frame of the ``tabulate`` call."""
    out = []
    for variable in VARIABLES:
        for breakdown in BREAKDOWNS:
            rows = table[(table["variable"] == variable)
                         & (table["breakdown"] == (breakdown or "total"))]
            groups = np.zeros(len(rows)) if breakdown is None else rows[breakdown].to_numpy()
            out.append(_rows(variable, breakdown, groups, rows["quantile"], rows["estimate"],
                             rows["se"]))
    return pd.concat(out, ignore_index=True)


def workload_svy(frame: pd.DataFrame) -> Callable[[], list]:
    """svy: ``Sample(...).estimation.quantile(v, p=..., by=b, drop_nulls=True)``."""
    import polars as pl
    import svy

    data = pl.from_pandas(frame)

    def run() -> list:
        sample = svy.Sample(
            data, svy.Design(stratum=DESIGN["strata"], psu=DESIGN["psu"], wgt=DESIGN["weight"])
        )
        return [(variable, breakdown,
                 sample.estimation.quantile(variable, p=tuple(QUARTILES), by=breakdown,
                                            drop_nulls=True).to_polars())
                for variable in VARIABLES for breakdown in BREAKDOWNS]

    return run


def results_svy(pieces: list) -> pd.DataFrame:
    """The comparison frame of the svy calls."""
    out = []
    for variable, breakdown, result in pieces:
        groups = np.zeros(len(result)) if breakdown is None else result[breakdown].to_numpy()
        out.append(_rows(variable, breakdown, groups, result["prob"].to_numpy(),
                         result["est"].to_numpy(), result["se"].to_numpy()))
    return pd.concat(out, ignore_index=True)


TOOLS = {
    "ours": ("mics_toolkit `quantile` (12 calls)", workload_ours, results_ours),
    "tabulate": ("mics_toolkit `tabulate` (1 call)", workload_tabulate, results_tabulate),
    "svy": ("svy `estimation.quantile`", workload_svy, results_svy),
}


def run_r(frame: pd.DataFrame, repeats: int) -> tuple[list[float], pd.DataFrame, str]:
    """Run ``bench_quantiles.R`` on the frame; return its timings, results and versions."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.csv"
        out = Path(folder) / "r_results.csv"
        columns = [DESIGN["psu"], DESIGN["strata"], DESIGN["weight"],
                   *[b for b in BREAKDOWNS if b], *VARIABLES]
        frame[columns].to_csv(data, index=False, na_rep="NA")
        completed = subprocess.run(
            ["Rscript", str(BENCH_DIR / "bench_quantiles.R"), str(data), str(out),
             str(repeats)],
            capture_output=True, text=True, check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"Rscript failed:\n{completed.stderr}")
        result = pd.read_csv(out, dtype={"group": str})
    fields = dict(item.split("=", 1) for item in completed.stdout.split())
    seconds = [float(s) for s in fields["seconds_all"].split(",")]
    result["group"] = [g if g == "all" else _group_label(g) for g in result["group"]]
    return seconds, result, f"R {fields['r_version']}, survey {fields['survey_version']}"


def max_relative_difference(result: pd.DataFrame, reference: pd.DataFrame,
                            column: str) -> tuple[float, int]:
    """Largest relative difference of ``column`` over rows matched on the keys, and the
    number of reference rows ``result`` lacks."""
    merged = reference[[*KEYS, column]].merge(result[[*KEYS, column]], on=KEYS, how="left",
                                              suffixes=("_ref", ""), indicator=True)
    missing = int((merged["_merge"] == "left_only").sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        difference = ((merged[column] - merged[f"{column}_ref"]).abs()
                      / merged[f"{column}_ref"].abs())
    return float(difference.max()), missing


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of ours and svy")
    parser.add_argument("--r-repeats", type=int, default=1, help="timed runs of R")
    parser.add_argument("--tools", default="ours,tabulate,svy,r")
    args = parser.parse_args(argv)
    tools = args.tools.split(",")

    frame = analysis_frame(args.rows, args.seed)
    print(f"{args.rows:,} rows, {int((frame[DESIGN['weight']] > 0).sum()):,} with positive "
          f"weight; {len(VARIABLES)} variables x {len(BREAKDOWNS)} breakdowns x "
          f"{len(QUARTILES)} quartiles", flush=True)
    timings: dict[str, list[float]] = {}
    results: dict[str, pd.DataFrame] = {}
    labels = {tool: label for tool, (label, _, _) in TOOLS.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = {tool: TOOLS[tool][1](frame) for tool in TOOLS if tool in tools}
        # one untimed run of each first (imports, caches, the allocator), then in turns
        for tool, (seconds, raw) in time_interleaved(runs, args.repeats).items():
            timings[tool], results[tool] = seconds, TOOLS[tool][2](raw)
            print(f"{tool}: best {min(seconds):.3f} s", flush=True)
    if "r" in tools:
        timings["r"], results["r"], versions = run_r(frame, args.r_repeats)
        labels["r"] = f"{versions} `svyby(svyquantile)`"
        print(f"r: best {min(timings['r']):.3f} s", flush=True)

    reference = results.get("r", results.get("ours"))
    base = min(timings["ours"]) if "ours" in timings else None
    print("\n| tool | best s | median s | quantiles | time / ours | max rel diff estimate "
          "| max rel diff SE |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tool, seconds in timings.items():
        estimate, missing = max_relative_difference(results[tool], reference, "estimate")
        se, _ = max_relative_difference(results[tool], reference, "se")
        ratio = f"{min(seconds) / base:.1f}x" if base else "n/a"
        note = f" ({missing} missing)" if missing else ""
        print(f"| {labels[tool]} | {min(seconds):.3f} | {statistics.median(seconds):.3f} | "
              f"{len(results[tool])}{note} | {ratio} | {estimate:.1e} | {se:.1e} |")
    print()
    for ours in ("ours", "tabulate"):
        for other in ("svy", "r"):
            if ours in timings and other in timings:
                best = min(timings[other]) / min(timings[ours])
                median = statistics.median(timings[other]) / statistics.median(timings[ours])
                print(f"- {other} / {ours}: {best:.1f}x (best), {median:.1f}x (median)")
    print()
    for key, value in environment().items():
        print(f"- {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
