"""Start-up of the ``mics`` command: building the parser, ``mics --help`` and argument errors
import neither pandas nor scipy (nor the other heavy libraries); the commands import the
library in their ``run``. Option values that live in the library (``--engine``,
``--lonely-psu``) are still checked and listed, by importing their module when needed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mics_toolkit.cli.main import main

HEAVY = ("pandas", "scipy", "numpy", "pyreadstat", "openpyxl", "pyarrow", "matplotlib")

PROBE = """
import contextlib, io, json, sys
import mics_toolkit.cli.main as cli
parser = cli.build_parser()
codes = []
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            codes.append(cli.main(argv))
        except SystemExit as stop:
            codes.append(stop.code)
heavy = sorted({n.split(".")[0] for n in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"codes": codes, "heavy": heavy}))
"""


def _probe(*argvs: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argvs), json.dumps(HEAVY)],
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_help_and_argument_errors_load_no_heavy_library():
    result = _probe(
        ["--help"], ["build", "--help"], ["inspect", "--help"], [], ["nope"],
        ["build", "spec.yaml"], ["build", "spec.yaml", "--out", "o", "--lang", "fr"],
        ["index", "index.yaml"], ["index", "index.yaml", "--out", "o", "--replicates", "x"],
        ["estimate", "wm.sav"], ["inspect"],
    )
    assert result["heavy"] == []
    assert result["codes"] == [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2]


def test_importing_the_package_loads_no_heavy_library():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, mics_toolkit as mt; mt.OutputError; "
         f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({list(HEAVY)!r})))"],
        capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def test_values_from_the_library_are_checked_and_listed(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["index", "index.yaml", "--out", "o", "--engine", "bootstrapp"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bootstrapp' (choose from 'bootstrap', 'montecarlo', 'delta')" in err
    with pytest.raises(SystemExit):
        main(["estimate", "--help"])
    out = capsys.readouterr().out
    assert "fail, remove, certainty, adjust, average" in out and "korn-graubard" in out
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "en, ru, kk" in capsys.readouterr().out


def test_the_package_exports_its_names_on_first_use():
    import mics_toolkit as mt

    for name in mt.__all__:
        assert getattr(mt, name) is not None, name
    assert set(mt.__all__) <= set(dir(mt))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        mt.nothing  # noqa: B018
    assert mt.estimate.covariance is not None


@pytest.mark.parametrize("module", ["mics_toolkit.estimate", "mics_toolkit.report.build"])
def test_estimation_and_report_builds_load_no_statistics_or_model_libraries(module):
    # scipy.stats, scipy.integrate and scipy.optimize cost about a second to import and the
    # model libraries more: they are loaded where a function needs them (ranks, exact
    # chi-square sums, glm), not by estimating or building a report
    probe = (f"import sys, {module}; "
             "print(sorted(m for m in ('scipy.stats', 'scipy.integrate', 'scipy.optimize', "
             "'statsmodels', 'patsy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"


ENTRY = """
import sys
from mics_toolkit.cli.main import run_and_exit
print("x" * 200_000)        # more than a pipe holds: the flush before the exit must send it
import logging
logging.getLogger("probe").addHandler(logging.FileHandler(sys.argv[2]))
logging.getLogger("probe").warning("logged before the exit")
run_and_exit(sys.argv[1].split())
"""


@pytest.mark.parametrize(("argv", "status", "stderr"), [
    ("inspect no-such-file.sav", 2, "mics inspect: error: cannot read no-such-file.sav"),
    ("--version", 0, ""),
])
def test_the_command_flushes_its_output_and_ends_with_the_status(tmp_path, argv, status,
                                                                 stderr):
    log = tmp_path / "log.txt"
    done = subprocess.run([sys.executable, "-c", ENTRY, argv, str(log)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == status
    assert done.stdout.startswith("x" * 200_000 + "\n")
    assert stderr in done.stderr
    assert log.read_text() == "logged before the exit\n"


FREEZE = """
import gc, json, sys
import mics_toolkit.cli.build as command
import mics_toolkit.cli.main as cli
seen = {}
def run(args):
    seen["frozen"] = gc.get_freeze_count()
    seen["library"] = "mics_toolkit.report.build" in sys.modules
    return 0
command.run = run
status = cli.main(["build", "spec.yaml", "--out", "out"], freeze=sys.argv[1] == "1")
print(json.dumps({**seen, "status": status}))
"""


@pytest.mark.parametrize("freeze", [True, False])
def test_the_command_loads_its_library_then_freezes_the_collector(freeze):
    done = subprocess.run([sys.executable, "-c", FREEZE, "1" if freeze else "0"],
                          capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(done.stdout)
    assert seen["status"] == 0
    assert seen["library"] is freeze
    assert (seen["frozen"] > 10_000) is freeze


BUILD_IMPORTS = """
import json, sys
import mics_toolkit.report.build as build
from mics_toolkit.report.spec import load_report_spec
heavy = lambda: sorted({n.split(".")[0] for n in sys.modules} & {"scipy", "openpyxl",
                                                                 "statsmodels", "patsy"})
spec = load_report_spec(sys.argv[1])
plan = build._Plan.prepare(spec, None)
before = heavy()
seen = {}
def meanwhile():
    seen["during"] = heavy()
plan.read(build._Steps(plan.n_steps(spec), None), later=build._LATER_MODULES,
          meanwhile=meanwhile)
print(json.dumps({"before": before, "during": seen["during"], "after": heavy()}))
"""


def test_a_build_imports_scipy_and_openpyxl_while_it_reads(small_example_survey,
                                                            example_report_spec, tmp_path):
    """Checking the spec and opening the survey need neither scipy nor openpyxl: the build
    imports them while the reader processes parse the files."""
    spec = example_report_spec(tmp_path / "spec", small_example_survey)
    done = subprocess.run([sys.executable, "-c", BUILD_IMPORTS, str(spec)],
                          capture_output=True, text=True, check=True, timeout=300)
    seen = json.loads(done.stdout)
    assert seen["before"] == []
    assert seen["during"] == ["openpyxl", "scipy"]
    assert seen["after"] == ["openpyxl", "scipy"]
