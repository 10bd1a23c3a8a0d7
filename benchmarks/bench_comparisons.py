"""Comparison benchmark: all pairwise differences of 20 regions, in mics_toolkit, svy and R.

This module holds the runner of the comparison benchmark. On the synthetic women's file of
``synthetic_women.py`` (generated in memory, 100,000 rows, 40 strata, 1,200 PSUs, 20 regions
``HH7``) it times the gap of every pair of regions in the mean of the life-satisfaction ladder
(``ladder`` of ``bench_core.py``): 190 differences with SE, t interval, t statistic and
p-value.

* ``ours``: ``SurveyDesign(...).compare("mean", "ladder", by="HH7")`` (the domain means,
  their joint covariance from the PSU scores, the 190 contrasts);
* ``svy`` (when installed): ``Sample(...).estimation.mean("ladder", by="HH7")`` then
  ``Estimate.contrast`` with the 190 named contrasts (svy's linear contrasts of domain
  estimates with their covariance, R's ``svycontrast``); the polars frame is made before the
  timing;
* ``R``: ``svyby(~ladder, ~HH7, design, svymean, covmat = TRUE)`` then one ``svycontrast``
  with the 190 contrast vectors (``bench_comparisons.R``), when ``Rscript`` is on the PATH.

Building the design and the comparisons are timed; generating the data and deriving the
indicator are not. The estimates and SEs of every tool are compared with ours.

Run ``python benchmarks/bench_comparisons.py`` (``--rows``, ``--repeats``, ``--no-r``).
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
from bench_core import DESIGN, derive_indicators, environment, time_interleaved
from synthetic_women import DEFAULT_SEED, make_women

BENCH_DIR = Path(__file__).resolve().parent


def ours(frame: pd.DataFrame):
    """The timed work of mics_toolkit: the design and the 190 comparisons."""
    import mics_toolkit as mt

    def run() -> pd.DataFrame:
        design = mt.SurveyDesign(frame, **DESIGN)
        return design.compare("mean", "ladder", by="HH7")

    return run


def theirs_svy(frame: pd.DataFrame):
    """The timed work of svy (None when svy is not installed): the design, the 20 domain
    means and the 190 contrasts, as a frame indexed by ``"b - a"``."""
    try:
        import polars as pl
        import svy
    except ImportError:
        return None
    data = pl.from_pandas(frame[["HH1", "stratum", "wmweight", "HH7", "ladder"]])

    def run() -> pd.DataFrame:
        sample = svy.Sample(data, svy.Design(stratum=DESIGN["strata"], psu=DESIGN["psu"],
                                             wgt=DESIGN["weight"]))
        means = sample.estimation.mean("ladder", by="HH7", drop_nulls=True)
        keys = means.keys()
        pairs = {f"{int(keys[j])} - {int(keys[i])}": {keys[j]: 1, keys[i]: -1}
                 for i in range(len(keys)) for j in range(i + 1, len(keys))}
        table = means.contrast(pairs).to_polars().to_pandas()
        return table.set_index("contrast")[["est", "se"]].rename(columns={"est": "estimate"})

    return run


def largest_differences(mine: pd.DataFrame, theirs: pd.DataFrame) -> str:
    """The largest relative differences of their estimates and SEs from ours."""
    mine = mine.set_index("contrast").loc[theirs.index]
    return ", ".join(
        f"{column} {np.max(np.abs(mine[column] - theirs[column]) / np.abs(theirs[column])):.1e}"
        for column in ("estimate", "se"))


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
    parser.add_argument("--no-r", action="store_true", help="skip R")
    args = parser.parse_args(argv)
    frame = derive_indicators(make_women(args.rows, seed=DEFAULT_SEED))
    print(f"rows {len(frame):,}, regions {frame['HH7'].nunique()}, "
          f"PSUs {frame['HH1'].nunique():,}, strata {frame['stratum'].nunique()}")
    for name, version in environment().items():
        print(f"{name}: {version}")
    runs = {"ours": ours(frame)}
    svy_run = theirs_svy(frame)
    if svy_run is not None:
        runs["svy"] = svy_run
    # an untimed run of each, then rounds of one warm run of each tool (after an untimed one)
    found = time_interleaved(runs, args.repeats, warm=True)
    timings, result = found["ours"]
    print(f"ours: best {min(timings):.4f} s, median {statistics.median(timings):.4f} s, "
          f"{len(result)} comparisons")
    if svy_run is None:
        print("svy: not installed, not timed")
    else:
        svy_timings, svy_result = found["svy"]
        print(f"svy: best {min(svy_timings):.4f} s, median {statistics.median(svy_timings):.4f}"
              f" s, {min(svy_timings) / min(timings):.1f}x ours; largest relative differences "
              f"from ours: {largest_differences(result, svy_result)}")
    if args.no_r or shutil.which("Rscript") is None:
        print("R: not timed")
        return 0
    seconds, theirs, versions = run_r(frame, max(2, args.repeats // 2))
    print(f"R ({versions}): best {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s"
          f", {min(seconds) / min(timings):.0f}x ours")
    labels = [f"{int(a)} - {int(b)}" for a, b in
              (text.split(" - ") for text in theirs["contrast"].astype(str))]
    theirs = theirs.assign(contrast=labels).set_index("contrast")
    print(f"R: largest relative differences from ours: {largest_differences(result, theirs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
