"""Start-up and end-to-end time of the ``mics`` command, for several versions of the package in
the same run.

Each variant is a folder holding a ``mics_toolkit`` package (put first on ``PYTHONPATH``; a
checkout of an older commit, e.g. ``git archive <commit> | tar -x -C /tmp/old``) or ``-`` for
the package installed in this environment. For each variant the script times, interleaving
the variants so that a change of machine load hits all of them alike:

- ``mics --help`` (``python -m mics_toolkit.cli.main --help``), ``--repeats`` runs;
- ``python -X importtime -c "import mics_toolkit.cli.main"``: the cumulative import time and
  whether pandas and scipy are loaded;
- the example build ``mics build SPEC --survey build/kz_mics --out DIR --quiet`` end to end
  (process start included), ``--build-repeats`` runs, and whether every variant wrote the same
  bytes. SPEC is the variant's own ``examples/kz_mics/report.yaml`` (an older checkout's spec
  asks for what that version offered), or variant NAME's for all with ``--spec-of NAME``.

Each variant's package is compiled to bytecode first, as an installed package is, and the
timed processes may use and write bytecode even when the environment sets
``PYTHONDONTWRITEBYTECODE``: otherwise every run would compile the package's sources again.

Usage::

    git archive <old commit> | tar -x -C /tmp/old
    .venv/bin/python benchmarks/bench_startup.py --variant before=/tmp/old --variant after=-

The example survey must exist (``make demo`` writes it to ``build/kz_mics``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "kz_mics" / "report.yaml"
SURVEY = ROOT / "build" / "kz_mics"


def _environment(path: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
    if path != "-":
        env["PYTHONPATH"] = str(Path(path).resolve())
    return env


def _compile(env: dict[str, str]) -> Path:
    """Compile the variant's package to bytecode, as ``pip install`` does, so that no timed
    run pays for compiling the sources (whatever ``PYTHONDONTWRITEBYTECODE`` says); return
    the package's folder."""
    done = subprocess.run([sys.executable, "-c", "import mics_toolkit; "
                           "print(mics_toolkit.__file__)"], env=env, check=True,
                          capture_output=True, text=True, cwd=NEUTRAL)
    package = Path(done.stdout.strip()).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env,
                   check=True, cwd=NEUTRAL, stdout=subprocess.DEVNULL)
    return package


def _spec(package: Path, own_spec: bool) -> Path:
    """The example spec a variant builds: its own checkout's (an older version may not read
    the newer spec's keys) or this checkout's."""
    own = package.parent / "examples" / "kz_mics" / "report.yaml"
    return own if own_spec and own.is_file() else SPEC


NEUTRAL = tempfile.gettempdir()
"""Working folder of the timed processes: not the checkout, whose package would shadow the
variant's (``python -m`` and ``-c`` put the working folder first on ``sys.path``)."""


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=NEUTRAL)
    return time.perf_counter() - start


def _import_profile(env: dict[str, str]) -> tuple[float, bool, bool, str]:
    """(cumulative seconds of ``import mics_toolkit.cli.main``, pandas loaded, scipy loaded,
    the package's folder)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import mics_toolkit.cli.main, mics_toolkit; "
                           "print(mics_toolkit.__file__)"], env=env, check=True,
                          capture_output=True, text=True, cwd=NEUTRAL)
    total, names = 0.0, set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit():
            names.add(name.strip().split(".")[0])
            if name.strip() == "mics_toolkit.cli.main":
                total = int(cumulative) / 1e6
    package = str(Path(done.stdout.strip()).parent)
    return total, "pandas" in names, "scipy" in names, package


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _summary(times: list[float]) -> str:
    return f"min {min(times):.2f} s, median {statistics.median(times):.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", action="append", required=True, metavar="NAME=PATH",
                        help="a package folder to time (PATH '-' : the installed package)")
    parser.add_argument("--repeats", type=int, default=10, help="runs of mics --help")
    parser.add_argument("--build-repeats", type=int, default=5, help="runs of mics build")
    parser.add_argument("--spec-of", metavar="NAME", default=None,
                        help="every variant builds the example spec of variant NAME's "
                        "checkout (default: each its own, this checkout's for '-')")
    args = parser.parse_args(argv)
    variants = dict(v.split("=", 1) for v in args.variant)
    envs = {name: _environment(path) for name, path in variants.items()}
    packages = {name: _compile(env) for name, env in envs.items()}
    if args.spec_of is not None:
        shared = _spec(packages[args.spec_of], True)
        specs = {name: shared for name in variants}
    else:
        specs = {name: _spec(package, True) for name, package in packages.items()}
    main_module = [sys.executable, "-m", "mics_toolkit.cli.main"]

    helps: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, env in envs.items():
            helps[name].append(_timed([*main_module, "--help"], env))
    print("mics --help")
    for name, times in helps.items():
        seconds, pandas, scipy, package = _import_profile(envs[name])
        print(f"  {name:<10} {_summary(times)}; import of mics_toolkit.cli.main "
              f"{seconds:.2f} s, pandas {'loaded' if pandas else 'not loaded'}, scipy "
              f"{'loaded' if scipy else 'not loaded'} ({package})")

    builds: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as work:
        outs = {name: Path(work) / name for name in variants}
        for _ in range(args.build_repeats):
            for name, env in envs.items():
                builds[name].append(_timed([*main_module, "build", str(specs[name]),
                                            "--survey", str(SURVEY), "--out",
                                            str(outs[name]), "--quiet"], env))
        digests = {name: _digest(out) for name, out in outs.items()}
    print(f"mics build of the example (survey {SURVEY.relative_to(ROOT)}, process start "
          "included)")
    first = next(iter(builds))
    for name, times in builds.items():
        ratio = statistics.median(times) / statistics.median(builds[first])
        print(f"  {name:<10} {_summary(times)}; median {ratio:.2f}x of {first} "
              f"(spec {specs[name]})")
    if len(set(specs.values())) == 1:
        same = len(set(digests.values())) == 1
        print(f"  outputs: {'the same bytes for every variant' if same else 'DIFFERENT bytes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
