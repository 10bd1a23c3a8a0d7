"""Comparison benchmark: all pairwise differences of 20 regions, in mics_toolkit and R survey.

This module holds the runner of the comparison benchmark. On the synthetic women's file of
``synthetic_women.py`` (generated in memory, 100,000 rows, 40 strata, 1,200 PSUs, 20 regions
``HH7``) it times the gap of every pair of regions in the mean of the life-satisfaction ladder
(``ladder`` of ``bench_core.py``): 190 differences with SE, t interval, t statistic and
p-value.

* ``ours``: ``SurveyDesign(...).compare("mean", "ladder", by="HH7")`` (the domain means,
  their joint covariance from the PSU scores, the 190 contrasts);
* ``R``: ``svyby(~ladder, ~HH7, design, svymean, covmat = TRUE)`` then one ``svycontrast``
  with the 190 contrast vectors (``bench_comparisons.R``), when ``Rscript`` is on the PATH.

svy (0.35) has no contrast of domain estimates, so it is not timed. Building the design and
the comparisons are timed; generating the data and deriving the indicator are not. The
estimates and SEs of both tools are compared.

Run ``python benchmarks/bench_comparisons.py`` (``--rows``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import DESIGN, derive_indicators, environment, time_best
from synthetic_women import DEFAULT_SEED, make_women

BENCH_DIR = Path(__file__).resolve().parent


def ours(frame: pd.DataFrame):
    """The timed work of mics_toolkit: the design and the 190 comparisons."""
    import mics_toolkit as mt

    def run() -> pd.DataFrame:
        design = mt.SurveyDesign(frame, **DESIGN)
        return design.compare("mean", "ladder", by="HH7")

    return run


def run_r(frame: pd.DataFrame, repeats: int) -> tuple[list[float], pd.DataFrame, str]:
    """Run ``bench_comparisons.R``; its timings, contrasts and versions."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.csv"
        out = Path(folder) / "out.csv"
        frame[["HH1", "stratum", "wmweight", "HH7", "ladder"]].to_csv(data, index=False)
        completed = subprocess.run(
            ["Rscript", str(BENCH_DIR / "bench_comparisons.R"), str(data), str(out),
             str(repeats)], capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"Rscript failed:\n{completed.stderr}")
        result = pd.read_csv(out)
    fields = dict(item.split("=", 1) for item in completed.stdout.split())
    seconds = [float(s) for s in fields["seconds_all"].split(",")]
    return seconds, result, f"R {fields['r_version']}, survey {fields['survey_version']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    frame = derive_indicators(make_women(args.rows, seed=DEFAULT_SEED))
    print(f"rows {len(frame):,}, regions {frame['HH7'].nunique()}, "
          f"PSUs {frame['HH1'].nunique():,}, strata {frame['stratum'].nunique()}")
    for name, version in environment().items():
        print(f"{name}: {version}")
    timings, result = time_best(ours(frame), args.repeats)
    print(f"ours: best {min(timings):.4f} s, median {statistics.median(timings):.4f} s, "
          f"{len(result)} comparisons")
    if shutil.which("Rscript") is None:
        print("R: Rscript not found, not timed")
        return 0
    seconds, theirs, versions = run_r(frame, max(2, args.repeats // 2))
    print(f"R ({versions}): best {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s"
          f", {min(seconds) / min(timings):.0f}x ours")
    labels = [f"{int(a)} - {int(b)}" for a, b in
              (text.split(" - ") for text in theirs["contrast"].astype(str))]
    theirs = theirs.assign(contrast=labels).set_index("contrast")
    mine = result.set_index("contrast").loc[theirs.index]
    for column in ("estimate", "se"):
        difference = np.max(np.abs(mine[column] - theirs[column]) / np.abs(theirs[column]))
        print(f"largest relative difference of {column}: {difference:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
