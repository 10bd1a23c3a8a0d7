"""Core benchmark: a MICS table workload timed in mics_toolkit, svy, samplics and R survey.

This module holds the runner of the core benchmark. It builds (or loads from the cache folder
``benchmarks/data/``) the synthetic women's file of ``synthetic_women.py``, then

1. times reading the ``.sav`` file whole and with only the columns the workload needs
   (pyreadstat ``usecols``, svy's reader, and ``mics_toolkit.read`` when it exists);
2. times the table workload -- 4 indicators x 6 breakdowns (total, area, region, wealth
   quintile, education, age group), each estimate with SE, confidence interval and design
   effect -- in mics_toolkit, svy (Rust core), samplics and, when ``Rscript`` is on the
   PATH, R's survey package (``bench_core.R``), all on the same data in the same run;
3. checks that every tool gives the same estimates, SEs and DEFFs as the reference (ours when
   it is importable, else R, else svy) and prints a table of seconds, ratios and the largest
   relative differences.

Timings are the best (minimum) of ``--repeats`` runs of the whole workload in one process;
the median is printed as well. Imports, reading the file, deriving the indicators and
converting the frame to the tool's input type (polars for svy, a CSV for R) are outside the
timing; building the design object and collecting the results into a table are inside.

Run ``python benchmarks/bench_core.py`` (100,000 rows) or ``--quick`` (10,000 rows).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import io
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_women import (
    DEFAULT_SEED,
    NEEDED_COLUMNS,
    data_path,
    make_women,
    write_sav,
)

BENCH_DIR = Path(__file__).resolve().parent
DESIGN = {"weight": "wmweight", "strata": "stratum", "psu": "HH1"}
BREAKDOWNS = [None, "HH6", "HH7", "windex5", "welevel", "WAGE"]
RESULT_COLUMNS = [
    "indicator",
    "breakdown",
    "group",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
]


@dataclass(frozen=True)
class Indicator:
    """One indicator of the workload: analysis column, kind and definition."""

    name: str
    kind: str  # "mean" or "proportion" (of a 0/1 column; the estimate is the share of 1)
    definition: str


INDICATORS = [
    Indicator("ladder", "mean", "mean of LS2 (0-10); 99 'No response' and not asked -> missing"),
    Indicator(
        "better_life",
        "proportion",
        "LS3 == 1 and LS4 == 1 (DK/no response count as 0); missing if not asked",
    ),
    Indicator(
        "contraception",
        "proportion",
        "CP2 == 1 among women in union (MA1 in 1, 2; CP2 9 counts as 0); else missing",
    ),
    Indicator("age_union", "mean", "mean of WAGEM (age at first union); missing if never"),
]


def derive_indicators(raw: pd.DataFrame) -> pd.DataFrame:
    """Analysis frame: design and breakdown columns plus the 4 indicator columns.

    Parameters
    ----------
    raw : pandas.DataFrame
        The women's file (at least ``NEEDED_COLUMNS``), codes as numbers.

    Returns
    -------
    pandas.DataFrame
        Columns ``HH1, stratum, wmweight, HH6, HH7, windex5, welevel, WAGE, ladder,
        better_life, contraception, age_union`` (float64); an indicator is NaN where its
        value is missing, which every tool treats as outside the domain.
    """
    ladder = raw["LS2"].where(raw["LS2"] <= 10)
    asked = raw["LS3"].notna() & raw["LS4"].notna()
    better = ((raw["LS3"] == 1) & (raw["LS4"] == 1)).astype(float).where(asked)
    in_union = raw["MA1"].isin([1, 2]) & raw["CP2"].notna()
    contraception = (raw["CP2"] == 1).astype(float).where(in_union)
    frame = raw[["HH1", "stratum", "wmweight", "HH6", "HH7", "windex5", "welevel", "WAGE"]]
    frame = frame.astype(float).assign(
        ladder=ladder.astype(float),
        better_life=better,
        contraception=contraception,
        age_union=raw["WAGEM"].astype(float),
    )
    return frame.reset_index(drop=True)


def _group_label(value: object) -> str:
    """Breakdown category as text: integral numbers without decimals."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _rows(indicator: str, breakdown: str | None, groups, estimate, se, lower, upper, deff):
    """Long result rows of one call as a dict of arrays (helper of the tool workloads)."""
    groups = ["all"] if breakdown is None else [_group_label(g) for g in groups]
    return {
        "indicator": [indicator] * len(groups),
        "breakdown": [breakdown or "total"] * len(groups),
        "group": groups,
        "estimate": np.asarray(estimate, dtype=float),
        "se": np.asarray(se, dtype=float),
        "ci_lower": np.asarray(lower, dtype=float),
        "ci_upper": np.asarray(upper, dtype=float),
        "deff": np.asarray(deff, dtype=float),
    }


def _collect(pieces: list[dict]) -> pd.DataFrame:
    """One long result frame (columns ``RESULT_COLUMNS``) from the pieces of ``_rows``."""
    return pd.DataFrame(
        {
            column: np.concatenate([np.asarray(piece[column]) for piece in pieces])
            for column in RESULT_COLUMNS
        }
    )


# ---------------------------------------------------------------------------------------------
# Tools. Each factory takes the analysis frame, does the untimed preparation and returns the
# timed workload: a function of no argument returning the long result frame.


def workload_ours(frame: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """mics_toolkit: ``SurveyDesign`` then one ``tabulate`` call for the 4 indicators over the
    6 breakdowns (the table path: one pass per breakdown for all indicators)."""
    import mics_toolkit as mt

    means = [i.name for i in INDICATORS if i.kind == "mean"]
    proportions = [i.name for i in INDICATORS if i.kind == "proportion"]

    def run() -> pd.DataFrame:
        design = mt.SurveyDesign(
            frame, DESIGN["weight"], strata=DESIGN["strata"], psu=DESIGN["psu"]
        )
        table = design.tabulate(mean=means, proportion=proportions, breakdowns=BREAKDOWNS)
        # one row per estimate: the category 1 of the proportions, every row of the means
        level = table["level"].to_numpy()
        keep = np.isnan(level) | (level == 1)
        breakdown = table["breakdown"].to_numpy()[keep]
        group = np.full(keep.sum(), "all", dtype=object)
        for by in BREAKDOWNS[1:]:
            rows = breakdown == by
            group[rows] = [_group_label(v) for v in table[by].to_numpy()[keep][rows]]
        columns = {"indicator": table["variable"].to_numpy()[keep], "breakdown": breakdown,
                   "group": group}
        for column in RESULT_COLUMNS[3:]:
            columns[column] = table[column].to_numpy()[keep]
        return pd.DataFrame(columns)

    return run


def workload_floor(frame: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """The floor: a minimal numpy program for this workload alone, the same 160 estimates with
    SE, CI and DEFF, as the engine computes them but with nothing else.

    Codes of the design and breakdown columns by lookup (they are small whole numbers); per
    indicator the row products (``w y``, ``w``, ``1`` and ``w (y - c)^2``; ``w 1[y = 1]`` for
    a proportion); their PSU sums once (they serve the total, area and region, whose domains
    hold whole PSUs), and one weighted bincount per product over the (domain, PSU) cells of
    each other breakdown: 64 weighted bincounts. Scores, the stratified variance, the SRS
    variance of the DEFF and the intervals from those sums. No checks, options, caches or
    result frames beyond the long table every tool returns.
    """
    from scipy import special, stats

    means = [i.name for i in INDICATORS if i.kind == "mean"]
    columns = {name: frame[name].to_numpy(dtype=float) for name in frame.columns}

    def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = ~np.isnan(values)
        whole = values[ok].astype(np.int64)
        present = np.bincount(whole)
        uniques = np.flatnonzero(present)
        lookup = np.cumsum(present > 0) - 1
        out = np.full(len(values), -1, dtype=np.intp)
        out[ok] = lookup[whole]
        return out, uniques

    def run() -> pd.DataFrame:
        w = columns[DESIGN["weight"]]
        stratum, _ = codes(columns[DESIGN["strata"]])
        psu, _ = codes(columns[DESIGN["psu"]])
        n_psu = int(psu.max()) + 1
        psu_stratum = np.zeros(n_psu, dtype=np.intp)
        psu_stratum[psu] = stratum
        n_strata = int(stratum.max()) + 1
        n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)
        scale = n_h / (n_h - 1)
        dof = len(np.unique(psu[w > 0])) - n_strata
        t = stats.t.ppf(0.975, dof)
        pieces = []
        for indicator in INDICATORS:
            y = columns[indicator.name]
            valid = ~np.isnan(y)
            y0 = np.where(valid, y, 0.0)
            wv = w * valid
            if indicator.name in means:
                c = (wv * y0).sum() / wv.sum()
                products = np.vstack([wv * y0, wv, valid, wv * (y0 - c) ** 2])
            else:
                products = np.vstack([wv * (y0 == 1), wv, valid])
            psu_sums = np.vstack([np.bincount(psu, weights=p, minlength=n_psu)
                                  for p in products]).T
            for by in BREAKDOWNS:
                if by is None:
                    domain, values = np.zeros(len(w), dtype=np.intp), np.array([0])
                else:
                    domain, values = codes(columns[by])
                n_domains = len(values)
                if by in (None, "HH6", "HH7"):  # whole PSUs: cells are PSUs
                    owner = np.zeros(n_psu, dtype=np.intp)
                    owner[psu] = domain
                    cell_domain, cell_psu, sums = owner, np.arange(n_psu), psu_sums
                else:
                    key = psu * n_domains + domain
                    present = np.bincount(key, minlength=n_psu * n_domains) > 0
                    cell_key = np.flatnonzero(present)
                    row_cell = (np.cumsum(present) - 1)[key]
                    sums = np.vstack([np.bincount(row_cell, weights=p, minlength=len(cell_key))
                                      for p in products]).T
                    cell_domain, cell_psu = cell_key % n_domains, cell_key // n_domains
                totals = np.vstack([np.bincount(cell_domain, weights=sums[:, j],
                                                minlength=n_domains)
                                    for j in range(sums.shape[1])]).T
                a, x, n = totals[:, 0], totals[:, 1], totals[:, 2]
                ratio = a / x
                z = (sums[:, 0] - ratio[cell_domain] * sums[:, 1]) / x[cell_domain]
                group = cell_domain * n_strata + psu_stratum[cell_psu]
                size = n_domains * n_strata
                zsum = np.bincount(group, weights=z, minlength=size).reshape(n_domains, -1)
                mean = zsum / n_h
                squares = np.bincount(group, weights=(z - mean.ravel()[group]) ** 2,
                                      minlength=size).reshape(n_domains, -1)
                n_cells = np.bincount(group, minlength=size).reshape(n_domains, -1)
                squares += (n_h - n_cells) * mean**2
                variance = squares @ scale
                if indicator.name in means:
                    d = ratio - c
                    s_ee = totals[:, 3] - 2 * d * (a - c * x) + d * d * x
                    srs = x * s_ee / ((n - 1) * x**2)
                else:
                    srs = ratio * (1 - ratio) / (n - 1)
                se = np.sqrt(variance)
                if indicator.name in means:
                    lower, upper = ratio - t * se, ratio + t * se
                else:
                    half = t * se / (ratio * (1 - ratio))
                    lower = special.expit(special.logit(ratio) - half)
                    upper = special.expit(special.logit(ratio) + half)
                pieces.append(_rows(indicator.name, by, values, ratio, se, lower, upper,
                                    variance / srs))
        return _collect(pieces)

    return run


def workload_ours_calls(frame: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """mics_toolkit: ``SurveyDesign`` then one ``mean``/``proportion`` call per indicator and
    breakdown (24 calls, as an analyst writes them one by one)."""
    import mics_toolkit as mt

    def run() -> pd.DataFrame:
        design = mt.SurveyDesign(
            frame, DESIGN["weight"], strata=DESIGN["strata"], psu=DESIGN["psu"]
        )
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
                    _rows(
                        indicator.name,
                        breakdown,
                        groups,
                        result["estimate"],
                        result["se"],
                        result["ci_lower"],
                        result["ci_upper"],
                        result["deff"],
                    )
                )
        return _collect(pieces)

    return run


def workload_svy(frame: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """svy: ``Sample(data, Design(...)).estimation.mean/prop(..., drop_nulls=True, deff="wr")``.

    ``drop_nulls=True`` keeps rows with a missing analysis value as out-of-domain rows (their
    PSUs stay in the design), as R's ``na.rm=TRUE``; ``deff="wr"`` is R's ``deff="replace"``.
    """
    import polars as pl
    import svy

    data = pl.from_pandas(frame)

    def run() -> pd.DataFrame:
        sample = svy.Sample(
            data,
            svy.Design(stratum=DESIGN["strata"], psu=DESIGN["psu"], wgt=DESIGN["weight"]),
        )
        pieces = []
        for indicator in INDICATORS:
            for breakdown in BREAKDOWNS:
                if indicator.kind == "mean":
                    result = sample.estimation.mean(
                        indicator.name, by=breakdown, drop_nulls=True, deff="wr"
                    ).to_polars()
                else:
                    result = sample.estimation.prop(
                        indicator.name,
                        by=breakdown,
                        drop_nulls=True,
                        deff="wr",
                        ci_method="logit",
                    ).to_polars()
                    result = result.filter(pl.col(indicator.name) == 1)
                if breakdown is not None:
                    result = result.sort(breakdown)
                groups = None if breakdown is None else result[breakdown].to_numpy()
                pieces.append(
                    _rows(
                        indicator.name,
                        breakdown,
                        groups,
                        result["est"].to_numpy(),
                        result["se"].to_numpy(),
                        result["lci"].to_numpy(),
                        result["uci"].to_numpy(),
                        result["deff"].to_numpy(),
                    )
                )
        return _collect(pieces)

    return run


def workload_samplics(frame: pd.DataFrame, remove_nan: bool = False) -> Callable[[], pd.DataFrame]:
    """samplics: ``TaylorEstimator(PopParam.mean/prop).estimate(..., domain=...)``.

    samplics has no domain treatment of missing values: ``remove_nan=True`` deletes the rows,
    and with them any PSU whose rows are all missing. To compute the same thing as the other
    tools, a missing value is passed as ``y = 0`` with weight 0, which gives the row a zero
    score while its PSU stays in the design. samplics does not compute design effects
    (``deff=True`` is accepted and ignored), so its DEFF is NaN.

    ``remove_nan=True`` runs samplics' own missing-value handling instead (tool
    ``samplics-nan``), to measure how far row deletion moves the SEs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from samplics import PopParam, TaylorEstimator

    def run() -> pd.DataFrame:
        weight = frame[DESIGN["weight"]].to_numpy()
        stratum = frame[DESIGN["strata"]].to_numpy()
        psu = frame[DESIGN["psu"]].to_numpy()
        pieces = []
        for indicator in INDICATORS:
            values = frame[indicator.name].to_numpy()
            if remove_nan:
                y, w = values, weight
            else:
                present = ~np.isnan(values)
                y = np.where(present, values, 0.0)
                w = np.where(present, weight, 0.0)
            param = PopParam.mean if indicator.kind == "mean" else PopParam.prop
            for breakdown in BREAKDOWNS:
                domain = None if breakdown is None else frame[breakdown].to_numpy()
                estimator = TaylorEstimator(param)
                estimator.estimate(
                    y,
                    samp_weight=w,
                    stratum=stratum,
                    psu=psu,
                    domain=domain,
                    remove_nan=remove_nan,
                )
                parts = [estimator.point_est, estimator.stderror]
                parts += [estimator.lower_ci, estimator.upper_ci]
                if breakdown is None:
                    groups = None
                    if param == PopParam.prop:
                        parts = [[part[1.0]] for part in parts]
                    else:
                        parts = [[part] for part in parts]
                else:
                    groups = sorted(estimator.point_est)
                    if param == PopParam.prop:
                        parts = [[part[g].get(1.0, 0.0) for g in groups] for part in parts]
                    else:
                        parts = [[part[g] for g in groups] for part in parts]
                pieces.append(
                    _rows(indicator.name, breakdown, groups, *parts, np.full(len(parts[0]), np.nan))
                )
        return _collect(pieces)

    return run


def run_r(csv_path: Path, repeats: int) -> tuple[list[float], pd.DataFrame, str]:
    """Run ``bench_core.R`` on ``csv_path``; return its timings, results and versions."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "r_results.csv"
        completed = subprocess.run(
            ["Rscript", str(BENCH_DIR / "bench_core.R"), str(csv_path), str(out), str(repeats)],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"Rscript failed:\n{completed.stderr}")
        result = pd.read_csv(out, dtype={"group": str})
    fields = dict(item.split("=", 1) for item in completed.stdout.split())
    seconds = [float(s) for s in fields["seconds_all"].split(",")]
    versions = f"R {fields['r_version']}, survey {fields['survey_version']}"
    result["group"] = [g if g == "all" else _group_label(g) for g in result["group"]]
    return seconds, result[RESULT_COLUMNS], versions


# ---------------------------------------------------------------------------------------------
# Timing, agreement, environment.


def time_best(function: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    """Run ``function`` ``repeats`` times; return all wall-clock times and the last result."""
    seconds = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def time_interleaved(
    functions: dict[str, Callable[[], object]], repeats: int, *, warm: bool = False
) -> dict[str, tuple[list[float], object]]:
    """Run each function once untimed, then ``repeats`` rounds of one run of each in turn;
    return each one's wall-clock times and last result. With ``warm``, each timed run comes
    right after an untimed run of the same function (its data in the caches, as in a loop
    of the same call), so that the other tools of the round do not slow it down."""
    results = {name: function() for name, function in functions.items()}
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            if warm:
                function()
            started = time.perf_counter()
            results[name] = function()
            seconds[name].append(time.perf_counter() - started)
    return {name: (seconds[name], results[name]) for name in functions}


def max_relative_difference(
    result: pd.DataFrame, reference: pd.DataFrame, column: str
) -> tuple[float, int]:
    """Largest ``|x - x_ref| / |x_ref|`` of ``column`` over rows matched on indicator,
    breakdown and group, and the number of reference rows that ``result`` lacks."""
    keys = ["indicator", "breakdown", "group"]
    merged = reference[[*keys, column]].merge(
        result[[*keys, column]], on=keys, how="left", suffixes=("_ref", ""), indicator=True
    )
    unmatched = int((merged["_merge"] == "left_only").sum())
    difference = (merged[column] - merged[f"{column}_ref"]).abs() / merged[f"{column}_ref"].abs()
    largest = float(difference.max()) if difference.notna().any() else float("nan")
    return largest, unmatched


def environment() -> dict[str, str]:
    """Machine, date and versions, for the results file."""
    info = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        fields = dict(
            (line.split(":", 1)[0].strip(), line.split(":", 1)[1].strip())
            for line in lscpu.splitlines()
            if ":" in line
        )
        info["cpu"] = f"{fields.get('Model name', '?')}, {fields.get('CPU(s)', '?')} CPUs"
    info["python"] = platform.python_version()
    for package in ["numpy", "pandas", "polars", "pyreadstat", "svy", "svy-rs", "samplics"]:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            info[package] = importlib.metadata.version(package)
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        info["mics-toolkit"] = importlib.metadata.version("mics-toolkit")
    return info


def ours_available() -> bool:
    """True when ``mics_toolkit.SurveyDesign`` can be imported."""
    try:
        import mics_toolkit as mt
    except ImportError:
        return False
    return hasattr(mt, "SurveyDesign")


def ensure_file(n_rows: int, seed: int, folder: Path) -> Path:
    """Path of the cached ``.sav`` file, generating and writing it when absent."""
    path = data_path(folder, n_rows, seed)
    if not path.exists():
        print(f"writing {path} ...", flush=True)
        write_sav(make_women(n_rows, seed), path)
    return path


def _ours_reader() -> Callable[..., object] | None:
    """``mics_toolkit.read``, or the io module's ``read`` before it is exported; else None."""
    try:
        import mics_toolkit as mt
    except ImportError:
        return None
    if hasattr(mt, "read"):
        return mt.read
    try:
        from mics_toolkit.io.read import read
    except ImportError:
        return None
    return read


def time_reading(path: Path, repeats: int) -> list[dict]:
    """Time reading the file whole and with only ``NEEDED_COLUMNS``, with each reader."""
    import pyreadstat

    readers: list[tuple[str, Callable[[], object]]] = [
        ("pyreadstat, whole file", lambda: pyreadstat.read_sav(str(path))),
        (
            "pyreadstat, needed columns (usecols)",
            lambda: pyreadstat.read_sav(str(path), usecols=NEEDED_COLUMNS),
        ),
    ]
    with contextlib.suppress(ImportError):
        import svy

        readers += [
            ("svy.read_spss, whole file", lambda: svy.read_spss(path)),
            (
                "svy.read_spss, needed columns",
                lambda: svy.read_spss(path, columns=NEEDED_COLUMNS),
            ),
        ]
    read = _ours_reader()
    if read is not None:
        readers += [
            ("mics_toolkit.read, whole file", lambda: read(path)),
            ("mics_toolkit.read, needed columns", lambda: read(path, columns=NEEDED_COLUMNS)),
        ]
    rows = []
    for name, reader in readers:
        try:
            seconds, _ = time_best(reader, repeats)
        except Exception as error:  # a reader under construction must not stop the benchmark
            rows.append({"reader": name, "error": f"{type(error).__name__}: {error}"})
            continue
        rows.append({"reader": name, "best": min(seconds), "median": statistics.median(seconds)})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=None, help="number of rows (overrides)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool (best)")
    parser.add_argument(
        "--tools",
        default="ours,ours-calls,floor,svy,samplics,r",
        help="comma-separated subset of ours,ours-calls,floor,svy,samplics,r,samplics-nan "
        "(ours: one tabulate call; ours-calls: 24 estimator calls; floor: a minimal numpy "
        "program for this workload alone; samplics-nan: samplics with its own "
        "remove_nan=True row deletion, not in the default set)",
    )
    parser.add_argument("--no-read", action="store_true", help="skip the file reading timings")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    args = parser.parse_args(argv)
    n_rows = args.rows or (10_000 if args.quick else 100_000)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]

    info = environment()
    print("## Environment")
    for key, value in info.items():
        print(f"- {key}: {value}")

    path = ensure_file(n_rows, args.seed, args.data_dir)
    reading = [] if args.no_read else time_reading(path, args.repeats)
    if reading:
        print(f"\n## Reading {path.name} ({path.stat().st_size / 2**20:.0f} MiB)")
        print(f"best of {args.repeats}\n")
        print("| reader | best s | median s |\n|---|---:|---:|")
        for row in reading:
            if "error" in row:
                print(f"| {row['reader']} | failed: {row['error']} | |")
            else:
                print(f"| {row['reader']} | {row['best']:.3f} | {row['median']:.3f} |")

    import pyreadstat

    raw, _ = pyreadstat.read_sav(str(path), usecols=NEEDED_COLUMNS)
    frame = derive_indicators(raw)
    print(
        f"\n## Workload: {len(INDICATORS)} indicators x {len(BREAKDOWNS)} breakdowns on "
        f"{len(frame):,} rows, {frame['stratum'].nunique()} strata, "
        f"{frame['HH1'].nunique()} PSUs; best of {args.repeats} runs"
    )

    timings: dict[str, list[float]] = {}
    results: dict[str, pd.DataFrame] = {}
    notes: dict[str, str] = {}
    factories = {
        "ours": workload_ours,
        "ours-calls": workload_ours_calls,
        "floor": workload_floor,
        "svy": workload_svy,
        "samplics": workload_samplics,
        "samplics-nan": lambda data: workload_samplics(data, remove_nan=True),
    }
    # ours, the single calls and the floor are timed in turn, run by run (A B C A B C ...),
    # so that a change of the machine's load hits the three alike: their ratios are the
    # targets of the engine
    interleaved = [t for t in ("ours", "ours-calls", "floor") if t in tools]
    if interleaved and ours_available():
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            found = time_interleaved({t: factories[t](frame) for t in interleaved},
                                     args.repeats)
        for tool, (seconds, result) in found.items():
            timings[tool], results[tool] = seconds, result
    for tool in tools:
        if tool in interleaved and tool in timings:
            continue
        if tool.startswith("ours") and not ours_available():
            notes[tool] = "skipped: mics_toolkit.SurveyDesign is not importable yet"
            continue
        if tool == "r":
            if shutil.which("Rscript") is None:
                notes[tool] = "skipped: Rscript not found"
                continue
            csv_path = path.with_name(path.stem + "_analysis.csv")
            frame.to_csv(csv_path, index=False)
            try:
                timings[tool], results[tool], notes[tool] = run_r(csv_path, args.repeats)
            except RuntimeError as error:
                notes[tool] = f"failed: {error}"
            continue
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                timings[tool], results[tool] = time_best(factories[tool](frame), args.repeats)
        except Exception as error:  # one tool failing must not hide the others
            notes[tool] = f"failed: {type(error).__name__}: {error}"

    reference = next((t for t in ["ours", "r", "svy", "samplics"] if t in results), None)
    table = []
    for tool in tools:
        if tool not in results:
            continue
        row = {
            "tool": tool,
            "best": min(timings[tool]),
            "median": statistics.median(timings[tool]),
            "estimates": len(results[tool]),
        }
        if reference is not None:
            row["ratio"] = row["best"] / min(timings[reference])
            for column in ["estimate", "se", "deff"]:
                row[f"diff_{column}"], row["unmatched"] = max_relative_difference(
                    results[tool], results[reference], column
                )
        table.append(row)

    label = {
        "ours": "mics_toolkit `tabulate` (1 call)",
        "ours-calls": "mics_toolkit, 24 `mean`/`proportion` calls",
        "floor": "numpy floor (64 weighted bincounts)",
        "svy": "svy",
        "samplics": "samplics",
        "samplics-nan": "samplics, remove_nan=True",
        "r": "R survey",
    }
    print(
        f"\nreference for ratios and differences: {label.get(reference, reference)}\n\n"
        "| tool | best s | median s | estimates | ratio to reference | max rel diff estimate "
        "| max rel diff SE | max rel diff DEFF |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for row in table:
        print(
            f"| {label[row['tool']]} | {row['best']:.4f} | {row['median']:.4f} | "
            f"{row['estimates']} | {row['ratio']:.1f}x | {row['diff_estimate']:.1e} | "
            f"{row['diff_se']:.1e} | {row['diff_deff']:.1e} |"
        )
    for row in table:
        if row.get("unmatched"):
            missing = f"{row['unmatched']} reference estimates missing from its output"
            notes[row["tool"]] = "; ".join(filter(None, [notes.get(row["tool"]), missing]))
    if notes:
        print()
        for tool, note in notes.items():
            print(f"- {label.get(tool, tool)}: {note}")

    if args.json is not None:
        payload = {
            "environment": info,
            "rows": len(frame),
            "repeats": args.repeats,
            "reading": reading,
            "reference": reference,
            "tools": table,
            "timings": timings,
            "notes": notes,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
