"""Cost of reading survey files through the reader process (the crash protection of ``mt.read``).

This module holds a small timing script, in two parts.

1. Per read, in one process: the same read done in the calling process (``_read_values``
   called directly) and through the running reader process (``run_in_reader(_read_values,
   ...)``, what :func:`mics_toolkit.read` does), best and median of ``--repeats`` runs; and
   the one-off start of the reader process (the first call in a fresh process). The files:
   Stata's ``nhanes2.dta`` and the DHS model men's recode ``ZZMR61FL.DTA`` from
   ``../shared/reference`` (skipped when absent), and the example survey's ``wm.sav`` (all
   columns and 4 columns), generated with ``examples/kz_mics/generate.py`` into
   ``build/kz_mics`` when it is not there.
2. End to end, each run a fresh process, the two variants alternating: ``mics build
   examples/kz_mics/report.yaml`` and ``mics estimate`` on the DHS file, with the reader
   process and with reading in the calling process (``_CAN_FORK`` set to False).

Run ``python benchmarks/bench_reader_process.py [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / ".." / "shared" / "reference"
DHS = REFERENCE / "dhs-model" / "ZZMR61FL.DTA"


def _example_wm() -> Path:
    folder = ROOT / "build" / "kz_mics"
    spec = importlib.util.spec_from_file_location("kz_generate", ROOT / "examples/kz_mics/generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.load_or_generate(folder)
    return folder / "wm.sav"


def _time(call, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def per_read(repeats: int) -> None:
    start = subprocess.run(
        [sys.executable, "-c", "import time; from mics_toolkit.io.reader_process import "
         "run_in_reader; t = time.perf_counter(); run_in_reader(int, '1', file_name='-'); "
         "print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True,
    )
    print(f"start of the reader process (first call, fresh process): {float(start.stdout):.3f} s")
    from mics_toolkit.io.read import _check_path, _read_values
    from mics_toolkit.io.reader_process import run_in_reader

    cases = [("nhanes2.dta", REFERENCE / "nhanes2" / "nhanes2.dta", None), ("ZZMR61FL.DTA", DHS, None)]
    wm = _example_wm()
    cases += [("wm.sav", wm, None), ("wm.sav, 4 columns", wm, ["HH1", "HH2", "LN", "WB4"])]
    print(f"{'file':<20} {'rows x cols':>12} {'in process':>18} {'reader process':>18} {'extra':>8}")
    for label, path, columns in cases:
        if not path.is_file():
            print(f"{label:<20} absent: {path}")
            continue
        name, file_format, reader = _check_path(path)
        arguments = (reader, name, file_format, columns, None)
        _, frame, _ = run_in_reader(_read_values, *arguments, file_name=name)
        inside = _time(lambda arguments=arguments: _read_values(*arguments), repeats)
        child = _time(
            lambda arguments=arguments, name=name: run_in_reader(
                _read_values, *arguments, file_name=name
            ),
            repeats,
        )
        shape = f"{frame.shape[0]} x {frame.shape[1]}"
        print(
            f"{label:<20} {shape:>12} {inside[0]:7.3f} s ({inside[1]:6.3f}) "
            f"{child[0]:7.3f} s ({child[1]:6.3f}) {child[0] - inside[0]:+7.3f}"
        )
    print("best (median) of", repeats, "runs")


def end_to_end(repeats: int) -> None:
    out = tempfile.mkdtemp(prefix="bench_reader_")
    commands = {
        "mics build (example report)": ["build", "examples/kz_mics/report.yaml", "--out", out],
    }
    if DHS.is_file():
        commands["mics estimate (DHS mv613)"] = [
            "estimate", str(DHS), "--weight", "mv005", "--strata", "mv023", "--psu", "mv021",
            "--mean", "mv613", "--where", "mv012 < 50", "--special-codes", "missing",
        ]
    for label, argv in commands.items():
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeats):
            for fork in (True, False):
                code = (
                    "import sys, mics_toolkit.io.reader_process as rp\n"
                    f"rp._CAN_FORK = {fork}\n"
                    "from mics_toolkit.cli.main import main\n"
                    f"sys.exit(main({argv!r}))\n"
                )
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                               check=True)
                times[fork].append(time.perf_counter() - start)
        child, inside = times[True], times[False]
        print(
            f"{label:<30} in process {min(inside):6.3f} s ({statistics.median(inside):6.3f})   "
            f"reader process {min(child):6.3f} s ({statistics.median(child):6.3f})   "
            f"extra {min(child) - min(inside):+6.3f} s"
        )
    print("best (median) of", repeats, "fresh processes each, alternating")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    per_read(args.repeats)
    end_to_end(args.repeats)


if __name__ == "__main__":
    main()
