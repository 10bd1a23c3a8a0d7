"""Benchmark of the composite index with survey uncertainty (issue 4's performance target).

This module holds a deterministic generator of a MICS-sized household survey (24,000
households in 1,200 PSUs of 20 households, 20 regions x urban/rural = 40 strata, 20 binary
survey indicators that share household and cluster effects), a table of 30 objective
indicators with SEs, an index spec (50 indicators -> 10 sub-domains -> 4 domains -> index),
and the runner that times:

- ``totals``: evaluating the 20 survey indicators on the design and summing them to
  (PSU, region) cells (``survey_totals``), once;
- ``bootstrap``: ``assess_uncertainty(engine="bootstrap", replicates=2000)``: Rao-Wu factors,
  replicate estimates from the PSU totals, the whole index re-run per replicate, scores,
  rank statistics, pairwise matrix and league table (the target: under 5 s on 2 cores);
- ``montecarlo`` and ``delta`` with the same replicate count, for comparison;
- ``nominal``: ``build_index`` once.

Run::

    .venv/bin/python benchmarks/bench_index.py            # best of 3
    .venv/bin/python benchmarks/bench_index.py --repeats 5 --replicates 2000 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

import mics_toolkit as mt
from mics_toolkit.index import (
    IndexSpec,
    ObjectiveTable,
    assess_uncertainty,
    build_index,
    link_data,
    survey_totals,
)

N_REGIONS = 20
N_PSUS = 1200
HOUSEHOLDS_PER_PSU = 20
N_SURVEY = 20
N_OBJECTIVE = 30
DEFAULT_SEED = 20240611


def make_households(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """24,000 households with design columns and 20 correlated 0/1 indicators ``s01``..``s20``."""
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(1, N_PSUS + 1), HOUSEHOLDS_PER_PSU)
    psu_region = np.repeat(np.arange(1, N_REGIONS + 1), N_PSUS // N_REGIONS)
    psu_area = np.tile(np.repeat([1, 2], N_PSUS // N_REGIONS // 2), N_REGIONS)
    region = psu_region[psu - 1]
    area = psu_area[psu - 1]
    n = psu.size
    region_level = rng.normal(0, 0.4, size=(N_REGIONS + 1, N_SURVEY))
    cluster = rng.normal(0, 0.35, size=(N_PSUS + 1, N_SURVEY))
    household = rng.normal(size=n)
    frame = pd.DataFrame({
        "HH1": psu,
        "HH2": np.tile(np.arange(1, HOUSEHOLDS_PER_PSU + 1), N_PSUS),
        "HH7": region,
        "HH6": area,
        "stratum": region * 10 + area,
        "hhweight": rng.uniform(0.4, 1.6, size=n),
    })
    thresholds = rng.uniform(-0.8, 0.8, size=N_SURVEY)
    for k in range(N_SURVEY):
        latent = (region_level[region, k] + cluster[psu, k] + 0.7 * household
                  + 0.7 * rng.normal(size=n))
        values = (latent > thresholds[k]).astype(float)
        values[rng.random(n) < 0.02] = np.nan  # item non-response
        frame[f"s{k + 1:02d}"] = values
    frame["hhweight"] *= n / frame["hhweight"].sum()
    return frame


def make_objective(regions, seed: int = DEFAULT_SEED) -> ObjectiveTable:
    """30 objective indicators ``o01``..``o30`` by region, the first 10 with SEs."""
    rng = np.random.default_rng(seed + 1)
    index = pd.Index(list(regions), name="region")
    values = pd.DataFrame(rng.uniform(5, 95, size=(len(index), N_OBJECTIVE)), index=index,
                          columns=[f"o{k + 1:02d}" for k in range(N_OBJECTIVE)])
    se = pd.DataFrame(rng.uniform(0.5, 2.0, size=(len(index), 10)), index=index,
                      columns=[f"o{k + 1:02d}" for k in range(10)])
    return ObjectiveTable(values, se)


def make_spec(replicates: int) -> IndexSpec:
    """50 indicators in 10 sub-domains of 5, 4 domains, one index; directions mixed."""
    groups = [{"id": "CWI"}]
    for d in range(4):
        groups.append({"id": f"D{d + 1}", "parent": "CWI"})
    for s in range(10):
        groups.append({"id": f"S{s + 1:02d}", "parent": f"D{s % 4 + 1}", "weight": 1 + s % 2})
    indicators = []
    for k in range(N_SURVEY):
        indicators.append({"id": f"s{k + 1:02d}", "parent": f"S{k % 10 + 1:02d}",
                           "source": "survey", "numerator": f"s{k + 1:02d} == 1",
                           "direction": -1 if k % 5 == 4 else 1})
    for k in range(N_OBJECTIVE):
        indicators.append({"id": f"o{k + 1:02d}", "parent": f"S{k % 10 + 1:02d}",
                           "source": "objective", "direction": -1 if k % 3 == 2 else 1,
                           "weight": 1 + k % 3})
    return IndexSpec.from_dict({
        "name": "Benchmark index",
        "groups": groups,
        "indicators": indicators,
        "uncertainty": {"replicates": replicates, "seed": 1},
    })


def timed(function, repeats: int) -> tuple[float, float, object]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times)), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    frame = make_households(args.seed)
    spec = make_spec(args.replicates)
    design = mt.SurveyDesign(frame, weight="hhweight", strata="stratum", psu="HH1")
    definitions = spec.survey_definitions()
    results = {}
    best, median, totals = timed(
        lambda: survey_totals(design, definitions, region="HH7"), args.repeats
    )
    results["totals"] = (best, median)
    data = link_data(spec, survey=totals, objective=make_objective(totals.regions))
    results["nominal"] = timed(lambda: build_index(spec, data), args.repeats)[:2]
    for engine in ("bootstrap", "montecarlo", "delta"):
        best, median, outcome = timed(
            lambda engine=engine: assess_uncertainty(spec, data, engine=engine), args.repeats
        )
        results[engine] = (best, median)
        if engine == "bootstrap":
            league = outcome.league
    end_to_end = results["totals"][0] + results["bootstrap"][0]

    print(f"households {len(frame):,}, PSUs {design.n_psu_total}, strata {design.n_strata}, "
          f"regions {len(totals.regions)}, survey indicators {N_SURVEY}, objective "
          f"{N_OBJECTIVE}, groups {len(spec.groups)}, replicates {args.replicates}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, best of {args.repeats}")
    print(f"{'step':<12} {'best s':>8} {'median s':>9}")
    for name, (best, median) in results.items():
        print(f"{name:<12} {best:>8.3f} {median:>9.3f}")
    print(f"{'totals + bootstrap':<20} {end_to_end:.3f} s (target < 5 s)")
    print()
    print(league.head(5).to_string(index=False))
    if args.json:
        payload = {name: {"best": b, "median": m} for name, (b, m) in results.items()}
        payload["end_to_end"] = end_to_end
        payload["replicates"] = args.replicates
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
