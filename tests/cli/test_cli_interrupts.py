"""A build interrupted or failed at any point leaves the previous build intact and consistent
with its manifest; what a killed build left is removed by the next build, which succeeds.

Exceptions are raised in-process (a progress callback that raises at several points, a full
disk while the staged files are written). Signals are real: ``mics build`` runs in a
subprocess started by a small driver (written by the test) that pauses at a chosen point
(while reading, while estimating, once every file is staged, between the two renames of the
fallback swap) and says so on stdout; the test then sends SIGINT, SIGTERM or SIGKILL. Ctrl-C
ends the command with one line and status 130, SIGTERM with one line and status 143.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OutputError
from mics_toolkit.io.atomic import STAGING_MARK
from mics_toolkit.report.output_folder import check_output_folder

OLD_DATE, NEW_DATE = "2024-12-01", "2025-01-01"

DRIVER = textwrap.dedent('''\
    """Runs ``mics build`` and pauses at the point named by argv[1]."""
    import os
    import sys
    import time

    import mics_toolkit.io.atomic as atomic
    from mics_toolkit.cli import progress
    from mics_toolkit.cli.main import main

    point, args = sys.argv[1], sys.argv[2:]


    def pause(seconds=120):
        print("paused", flush=True)
        time.sleep(seconds)


    if point in ("read", "estimate"):
        original = progress.ProgressBar.__call__

        def call(self, done, total, message):
            if message.startswith(point) and not getattr(self, "paused", False):
                self.paused = True
                pause()
            return original(self, done, total, message)

        progress.ProgressBar.__call__ = call
        args.remove("--quiet")
    elif point == "staged":
        sync = atomic._sync_folder

        def staged(folder):
            if atomic.STAGING_MARK in folder.name:
                pause()
            return sync(folder)

        atomic._sync_folder = staged
    elif point == "between renames":
        atomic._exchange = lambda first, second: False
        rename = os.rename
        calls = []

        def renamed(source, destination):
            calls.append(source)
            if len(calls) == 2:  # SIGINT and SIGTERM are held back here: a short pause
                pause(3)
            return rename(source, destination)

        atomic.os.rename = renamed
    sys.exit(main(args))
''')


def _consistent(folder: Path) -> dict:
    """The folder holds exactly its manifest's outputs, with their sizes and SHA-256."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {p.name for p in folder.iterdir()} == {*manifest["outputs"], "manifest.json"}
    for name, entry in manifest["outputs"].items():
        data = (folder / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"],
                                                                 entry["sha256"]), name
    return manifest


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir()
                  if p.name.startswith(f".{folder.name}.mics-"))


@pytest.fixture(scope="module")
def previous(small_example_survey, example_report_spec, tmp_path_factory) -> Path:
    """A report built with the old build date."""
    folder = tmp_path_factory.mktemp("previous")
    spec = example_report_spec(folder / "spec", small_example_survey, build_date=OLD_DATE)
    mt.build_report(spec, folder / "out")
    return folder / "out"


@pytest.fixture
def setup(previous, small_example_survey, example_report_spec, tmp_path):
    """(out holding the previous build, the spec of a new build)."""
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    spec = example_report_spec(tmp_path / "spec", small_example_survey, build_date=NEW_DATE)
    return out, spec


def _assert_previous(out: Path) -> None:
    assert _consistent(out)["build_date"] == OLD_DATE


# ---------------------------------------------------------------------- exceptions in-process
@pytest.mark.parametrize("step", ["read", "estimate", "table", "sampling-error", "wrote"])
def test_an_exception_at_any_step_leaves_the_previous_build(setup, step):
    out, spec = setup

    def progress(done, total, message):
        if message.startswith(step):
            raise RuntimeError(f"failed at {message}")

    with pytest.raises(RuntimeError, match=f"failed at {step}"):
        mt.build_report(spec, out, progress=progress)
    if step == "wrote":  # raised after the swap: the new build is complete
        assert _consistent(out)["build_date"] == NEW_DATE
    else:
        _assert_previous(out)
    assert _leftovers(out) == []


def test_a_full_disk_while_staging_leaves_the_previous_build(setup, monkeypatch):
    import mics_toolkit.io.atomic as atomic

    out, spec = setup
    write = atomic._write_synced

    def full(path, data, shown):
        if path.suffix == ".parquet":
            raise OutputError(f"cannot write {shown}: {os.strerror(errno.ENOSPC)}",
                              path=str(shown))
        return write(path, data, shown)

    monkeypatch.setattr(atomic, "_write_synced", full)
    with pytest.raises(OutputError, match="No space left on device"):
        mt.build_report(spec, out)
    _assert_previous(out)
    assert _leftovers(out) == []


# ---------------------------------------------------------------------- signals in a subprocess
def _run_until_paused(tmp_path: Path, point: str, out: Path, spec: Path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(driver), point, "build", str(spec), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    line = process.stdout.readline()
    if line.strip() != "paused":
        process.kill()
        _, err = process.communicate(timeout=60)
        pytest.fail(f"the build did not reach {point!r}: {line!r} {err}")
    return process


@pytest.mark.parametrize(
    ("point", "number"),
    [
        ("read", signal.SIGINT),
        ("estimate", signal.SIGINT),
        ("staged", signal.SIGINT),
        ("estimate", signal.SIGTERM),
        ("staged", signal.SIGTERM),
    ],
    ids=["SIGINT-read", "SIGINT-estimate", "SIGINT-staged", "SIGTERM-estimate",
         "SIGTERM-staged"],
)
def test_interrupt_leaves_the_previous_build(setup, tmp_path, point, number):
    out, spec = setup
    process = _run_until_paused(tmp_path, point, out, spec)
    if point == "staged":
        assert _leftovers(out)  # the new files wait in the staging folder
    process.send_signal(number)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + number
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("mics build:")]
    expected = "interrupted" if number == signal.SIGINT else f"stopped (signal {int(number)})"
    assert lines == [f"mics build: {expected}"]
    _assert_previous(out)
    assert _leftovers(out) == []


@pytest.mark.parametrize("point", ["estimate", "staged"])
def test_kill_leaves_the_previous_build_and_the_next_build_cleans_up(setup, tmp_path, point):
    out, spec = setup
    process = _run_until_paused(tmp_path, point, out, spec)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    _assert_previous(out)
    if point == "staged":
        assert len(_leftovers(out)) == 1 and STAGING_MARK in _leftovers(out)[0]
    build = mt.build_report(spec, out)
    assert _consistent(out)["build_date"] == NEW_DATE
    assert [f.name for f in build.files][-1] == "manifest.json"
    assert _leftovers(out) == []


def test_signals_between_the_two_renames_of_the_fallback(setup, previous, tmp_path):
    out, spec = setup
    # SIGINT is held back until the swap is complete: the new build, consistent
    process = _run_until_paused(tmp_path, "between renames", out, spec)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err
    assert _consistent(out)["build_date"] == NEW_DATE and _leftovers(out) == []
    # SIGKILL there leaves the previous folder parked; the next build puts it back first
    shutil.rmtree(out)
    shutil.copytree(previous, out)
    process = _run_until_paused(tmp_path, "between renames", out, spec)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert not out.exists()
    assert any(".mics-previous-" in name for name in _leftovers(out))
    check_output_folder(out, {})  # what the next build does first
    _assert_previous(out)
    assert _leftovers(out) == []



def test_an_index_build_that_fails_leaves_the_previous_index(small_example_survey, tmp_path):
    index_spec = Path(__file__).resolve().parents[2] / "examples" / "kz_mics" / "index.yaml"
    out = tmp_path / "index"
    mt.build_index_report(index_spec, out, survey=small_example_survey, replicates=20,
                          charts=False, seed=1)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert json.loads(before["manifest.json"])["conventions"]["uncertainty.seed"] == "1"

    def progress(done, total, message):
        if message.startswith("sensitivity") and done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mt.build_index_report(index_spec, out, survey=small_example_survey, replicates=20,
                              charts=False, seed=2, progress=progress)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    _consistent(out)
    assert _leftovers(out) == []
