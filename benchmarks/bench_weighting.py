"""Weighting benchmark: raking 100,000 rows to 3 margins, ours against R survey's ``rake``.

This module holds the runner of the weighting benchmark. On the analysis columns of the
synthetic women's file of the core benchmark (``benchmarks/data/``, made by
``synthetic_women.py`` when absent) it builds population margins of three variables --
``stratum`` (40 cells), age group x area (14 cells) and wealth quintile x area (10 cells),
64 cells in all -- from the weighted sample cross-table of the three, scaled to 2.5 million and
perturbed cell by cell (so the margins agree with each other and the raking has work to do),
then times

1. ``SurveyDesign.rake`` (target: under 0.2 s), on a fresh design each run so that no codes
   are cached; building the design itself is outside the timing;
2. ``SurveyDesign.calibrate(method="raking")`` to the same margins (Newton on 64 columns);
3. a domain mean after raking (``mean("ladder", by="HH7")``: the variance with R's raking
   adjustment);
4. R survey 4.1's ``rake`` on the same data and margins, when ``Rscript`` is on the PATH, with
   a tight tolerance (``epsilon`` 1e-10 of the weight total, ``maxit`` 100) and with R's
   default control (``epsilon = 1`` weight unit, ``maxit = 10``), on the rows of positive
   weight (R's raking variance is NaN with zero weights), and compares the weights.

Timings are the best (minimum) of ``--repeats`` runs; the median is printed too.
Run ``python benchmarks/bench_weighting.py``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

from bench_core import derive_indicators, ensure_file  # noqa: E402
from synthetic_women import DEFAULT_SEED, NEEDED_COLUMNS  # noqa: E402

import mics_toolkit as mt  # noqa: E402

MARGINS = ("stratum", "age_area", "wealth_area")
POPULATION = 2_500_000


def load(n_rows: int, seed: int) -> pd.DataFrame:
    """The analysis columns of the synthetic file, with the margin variables added."""
    cached = BENCH_DIR / "data" / f"wm_synthetic_{n_rows}_{seed}_v2_analysis.csv"
    if cached.exists():
        frame = pd.read_csv(cached)
    else:
        import pyreadstat

        path = ensure_file(n_rows, seed, BENCH_DIR / "data")
        raw, _ = pyreadstat.read_sav(str(path), usecols=NEEDED_COLUMNS)
        frame = derive_indicators(raw)
    frame["age_area"] = frame["WAGE"] * 10 + frame["HH6"]
    frame["wealth_area"] = frame["windex5"] * 10 + frame["HH6"]
    return frame


def population_margins(frame: pd.DataFrame, seed: int) -> dict:
    """Consistent margins: the weighted joint table, scaled and perturbed by cell."""
    rng = np.random.default_rng(seed)
    joint = frame[frame["wmweight"] > 0].groupby(list(MARGINS))["wmweight"].sum()
    joint = joint * rng.uniform(0.85, 1.15, len(joint))
    joint = joint / joint.sum() * POPULATION
    return {
        name: {float(k): float(v) for k, v in joint.groupby(level=name).sum().items()}
        for name in MARGINS
    }


def best_of(function, repeats: int, setup=None) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        argument = setup() if setup is not None else None
        start = time.perf_counter()
        result = function(argument)
        times.append(time.perf_counter() - start)
    return times, result


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
m <- read.csv(args[2])
repeats <- as.integer(args[3])
design <- svydesign(id = ~HH1, strata = ~stratum, weights = ~wmweight, data = d)
names <- c("stratum", "age_area", "wealth_area")
pops <- lapply(names, function(v) {
  x <- m[m$variable == v, c("level", "total")]
  names(x) <- c(v, "Freq")
  x
})
formulas <- lapply(names, function(v) as.formula(paste0("~", v)))
run <- function(control) {
  times <- numeric(repeats)
  for (i in seq_len(repeats)) {
    times[i] <- system.time(r <- rake(design, formulas, pops, control = control))[["elapsed"]]
  }
  list(times = times, weights = weights(r))
}
tight <- run(list(maxit = 100, epsilon = 1e-10))
loose <- run(list(maxit = 10, epsilon = 1))
raked <- rake(design, formulas, pops, control = list(maxit = 100, epsilon = 1e-10))
mean_time <- system.time(s <- svymean(~ladder, raked, na.rm = TRUE))[["elapsed"]]
cat("tight", tight$times, "\n")
cat("default", loose$times, "\n")
cat("mean", mean_time, sprintf("%.17g", c(coef(s), SE(s))), "\n")
write.csv(data.frame(tight = tight$weights, default = loose$weights), args[4], row.names = FALSE)
cat("version", as.character(packageVersion("survey")), R.version.string, "\n")
"""


def run_r(frame: pd.DataFrame, margins: dict, repeats: int):
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        columns = ["HH1", "stratum", "wmweight", "ladder", *MARGINS]
        # R's raking variance divides by the weights: give it the rows of positive weight
        frame.loc[frame["wmweight"] > 0, columns].to_csv(folder / "data.csv", index=False,
                                                         na_rep="NA")
        rows = [(v, level, total) for v, levels in margins.items()
                for level, total in levels.items()]
        pd.DataFrame(rows, columns=["variable", "level", "total"]).to_csv(
            folder / "margins.csv", index=False, float_format="%.17g"
        )
        (folder / "rake.R").write_text(R_SCRIPT, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(folder / "rake.R"), str(folder / "data.csv"),
             str(folder / "margins.csv"), str(repeats), str(folder / "weights.csv")],
            capture_output=True, text=True, check=True,
        ).stdout
        lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line}
        weights = pd.read_csv(folder / "weights.csv")
    return {
        "tight": [float(x) for x in lines["tight"]],
        "default": [float(x) for x in lines["default"]],
        "mean": [float(x) for x in lines["mean"]],
        "weights": weights,
        "version": " ".join(lines["version"]),
    }


def relative_difference(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(b), 1e-300)
    return float(np.max(np.abs(a - b) / scale))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-r", action="store_true", help="skip R")
    options = parser.parse_args(argv)

    frame = load(options.rows, options.seed)
    margins = population_margins(frame, options.seed)
    n_cells = sum(len(v) for v in margins.values())

    def fresh():
        return mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="HH1")

    rake_times, raked = best_of(lambda d: d.rake(margins), options.repeats, fresh)
    calibrate_times, calibrated = best_of(
        lambda d: d.calibrate(margins, method="raking"), options.repeats, fresh
    )
    mean_times, mean = best_of(lambda d: d.mean("ladder", by="HH7"), options.repeats,
                               lambda: fresh().rake(margins))
    overall = raked.mean("ladder")

    print(f"rows {len(frame)} (positive weight {(frame.wmweight > 0).sum()}), "
          f"margins {', '.join(MARGINS)}: {n_cells} cells")
    print(f"sweeps to tolerance 1e-10: {raked.calibration[0].description['iterations']}")
    rows = [
        ("mics_toolkit rake", rake_times),
        ("mics_toolkit calibrate(method='raking')", calibrate_times),
        ("mics_toolkit mean by HH7 after rake (20 domains)", mean_times),
    ]
    r = None if options.no_r else run_r(frame, margins, options.repeats)
    if r is not None:
        rows += [("R survey rake, epsilon 1e-10 x total, maxit 100", r["tight"]),
                 ("R survey rake, default control", r["default"]),
                 ("R survey svymean after rake (1 estimate)", r["mean"][:1])]
    print("| step | best s | median s |")
    print("|---|---:|---:|")
    for name, times in rows:
        print(f"| {name} | {min(times):.4f} | {statistics.median(times):.4f} |")
    print(f"raking vs calibrate(method='raking') weights: max rel diff "
          f"{relative_difference(raked.weights, calibrated.weights):.2e}")
    if r is not None:
        positive = raked.weights > 0
        print(f"ours vs R (tight) weights: max rel diff "
              f"{relative_difference(raked.weights[positive], r['weights']['tight']):.2e}")
        print(f"ours vs R (default control) weights: max rel diff "
              f"{relative_difference(raked.weights[positive], r['weights']['default']):.2e}")
        print(f"overall mean of ladder after rake: ours {overall.estimate.iloc[0]:.12g} SE "
              f"{overall.se.iloc[0]:.12g}; R {r['mean'][1]:.12g} SE {r['mean'][2]:.12g} "
              f"(rel diff {abs(overall.se.iloc[0] / r['mean'][2] - 1):.1e} in SE)")
        print(f"R: {r['version']}")
    print(f"mean by HH7 rows: {len(mean)}")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas "
          f"{pd.__version__}, mics_toolkit {importlib.metadata.version('mics-toolkit')}; "
          f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
