"""Damaged and truncated survey files: a ReadError naming the file, never a crash or a silent loss.

The damaged files are made here, deterministically, from small files pyreadstat writes: one
byte set to a fixed value at a fixed offset (``.sav``/``.zsav``: the type field of a variable
record, the subtype of an extension record), or the file cut short (``.dta``). The files that
crashed the C reader (signal 11) are read in a separate Python process, so that this test run
survives a reader that still crashes; it reports the class and message of the exception.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import ReadError

read_module = sys.modules["mics_toolkit.io.read"]

FRAME = pd.DataFrame(
    {
        "HH1": [1.0, 2, 3, 4, 5, 6],
        "LS2": [5.0, 99, 7, 98, 10, 0],
        "name": ["a", "bb", "ccc", "d", "e", "f"],
    }
)
LABELS = {"LS2": {0: "Worst", 10: "Best", 98: "DK", 99: "No response"}, "HH1": {1: "one"}}
SAV_LABELS = {"LS2": LABELS["LS2"]}
PYREADSTAT_VERSION = pyreadstat.__version__

# (source file, offset, byte): each of these crashed pyreadstat 1.3.8 with signal 11.
# SPSS layout of small.sav: a 176-byte header; variable records of HH1 (176-215, with its
# label "c"), LS2 (216-259, label "ladder") and name; the value labels of LS2 and their
# variable index (300-383); then extension records (record type 7 at 384, subtype at 388).
# small.zsav has no variable labels: the record of LS2 starts at 208.
CRASHING = {
    "sav-type-of-first-variable": ("small.sav", 180, 0xFF),
    "sav-type-of-second-variable": ("small.sav", 220, 0x7F),
    "sav-extension-record-subtype": ("small.sav", 388, 0x80),
    "zsav-type-of-first-variable": ("small.zsav", 180, 0xFF),
    "zsav-type-of-second-variable": ("small.zsav", 212, 0xFF),
}

CHILD_SCRIPT = """
import json, sys
import mics_toolkit as mt
out = {}
for path in sys.argv[1:]:
    for how in ("read", "read_metadata"):
        try:
            getattr(mt, how)(path)
            out[path + " " + how] = {"class": None}
        except Exception as error:
            out[path + " " + how] = {"class": type(error).__name__, "message": str(error),
                                     "path": getattr(error, "path", None)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    pyreadstat.write_sav(
        FRAME,
        folder / "small.sav",
        variable_value_labels=SAV_LABELS,
        column_labels=["c", "ladder", "name"],
    )
    pyreadstat.write_sav(
        FRAME, folder / "small.zsav", variable_value_labels=SAV_LABELS, compress=True
    )
    return folder


def _damaged(folder: Path, name: str, source: str, offset: int, value: int) -> Path:
    data = bytearray((folder / source).read_bytes())
    assert data[offset] != value
    data[offset] = value
    path = folder / f"{name}{Path(source).suffix}"
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def crash_results(small_files):
    paths = {
        name: _damaged(small_files, name, *case) for name, case in CRASHING.items()
    }
    run = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, *map(str, paths.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, (
        f"the process reading damaged files died (status {run.returncode}): {run.stderr[-2000:]}"
    )
    return paths, json.loads(run.stdout)


@pytest.mark.parametrize("name", list(CRASHING))
@pytest.mark.parametrize("how", ["read", "read_metadata"])
def test_file_the_reader_crashes_on_is_a_read_error(crash_results, name, how):
    paths, results = crash_results
    path = str(paths[name])
    result = results[f"{path} {how}"]
    assert result["class"] == "ReadError"
    assert result["path"] == path
    assert result["message"].startswith(f"cannot read {path}: ")
    # with pyreadstat 1.3.8 the reader process dies: "the SPSS/Stata reader crashed on it
    # (signal 11, SIGSEGV)"; a later pyreadstat may reject the file with its own message
    if PYREADSTAT_VERSION == "1.3.8":
        assert "reader crashed on it (signal 11, SIGSEGV)" in result["message"]


def test_undamaged_small_files_still_read(small_files):
    for name in ("small.sav", "small.zsav"):
        data = mt.read(small_files / name)
        np.testing.assert_array_equal(data.frame["LS2"], FRAME["LS2"])
        assert data.meta.value_labels["LS2"][98] == "DK"


@pytest.mark.parametrize("name", ["small.sav", "small.zsav"])
@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.9, 0.99])
def test_truncated_spss_files_are_read_errors(small_files, tmp_path, name, fraction):
    # the reader rejects these itself (checked for every cut of both files while fuzzing)
    payload = (small_files / name).read_bytes()
    truncated = tmp_path / name
    truncated.write_bytes(payload[: int(len(payload) * fraction)])
    with pytest.raises(ReadError) as caught:
        mt.read(truncated)
    assert caught.value.path == str(truncated)
    assert str(caught.value).startswith(f"cannot read {truncated}: ")


# ------------------------------------------------------------------ truncated Stata files


@pytest.fixture(scope="module", params=[8, 11, 12, 13, 14, 15], ids=lambda v: f"stata{v}")
def dta_file(request, tmp_path_factory) -> Path:
    """A labelled .dta in Stata version 8 (format 113), 11 (114), 12 (115), 13 (117),
    14 (118) and 15 (119)."""
    folder = tmp_path_factory.mktemp(f"dta{request.param}")
    path = folder / "small.dta"
    pyreadstat.write_dta(FRAME, path, version=request.param, variable_value_labels=LABELS)
    return path


@pytest.mark.parametrize("cut", [3, 12])
def test_truncated_dta_is_a_read_error(dta_file, cut, tmp_path):
    # the last bytes hold the value labels (old formats) or the closing tags; today such a
    # file is read without an error, and without some or all of its value labels
    truncated = tmp_path / "truncated.dta"
    truncated.write_bytes(dta_file.read_bytes()[:-cut])
    for how in (mt.read, mt.read_metadata):
        with pytest.raises(ReadError) as caught:
            how(truncated)
        assert caught.value.path == str(truncated)
        assert str(truncated) in str(caught.value)
        assert "truncated" in str(caught.value)
        assert f"({len(truncated.read_bytes())} bytes;" in str(caught.value)


def test_complete_dta_reads_with_its_labels(dta_file, tmp_path):
    data = mt.read(dta_file)
    np.testing.assert_array_equal(data.frame["LS2"], FRAME["LS2"])
    assert data.meta.value_labels["LS2"] == LABELS["LS2"]
    assert data.meta.value_labels["HH1"] == {1: "one"}
    padded = tmp_path / "padded.dta"  # zero bytes after the end are padding, as for the reader
    padded.write_bytes(dta_file.read_bytes() + b"\0" * 7)
    assert mt.read(padded).meta.value_labels == data.meta.value_labels


# ------------------------------------------------------------------ the reader process


def test_run_in_reader_turns_a_crash_into_a_read_error_and_recovers(tmp_path):
    from mics_toolkit.io.reader_process import run_in_reader

    with pytest.raises(ReadError) as caught:
        run_in_reader(ctypes.string_at, 0, file_name="wm.sav")  # reads address 0: signal 11
    assert caught.value.path == "wm.sav"
    assert str(caught.value).startswith("cannot read wm.sav: the SPSS/Stata reader crashed")
    assert "signal 11, SIGSEGV" in str(caught.value)
    # the next call gets a new reader process
    assert run_in_reader(sum, [1, 2, 3], file_name="wm.sav") == 6


def test_run_in_reader_raises_the_readers_exceptions_again(tmp_path):
    from mics_toolkit.io.reader_process import run_in_reader

    path = tmp_path / "not_a_survey.sav"
    path.write_bytes(b"this is not an SPSS file")
    with pytest.raises(ReadError) as caught:
        run_in_reader(read_module._call, "sav", str(path), file_name=str(path))
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"cannot read {path}: ")
    with pytest.raises(ValueError, match="invalid literal") as caught:
        run_in_reader(int, "x", file_name="hh.sav")
    assert any("Traceback" in note for note in caught.value.__notes__)


def test_run_in_reader_returns_the_result_and_follows_the_working_directory(
    tmp_path, monkeypatch
):
    from mics_toolkit.io.reader_process import run_in_reader

    frame = run_in_reader(pd.DataFrame, {"a": [1.0, 2.0]}, file_name="x.sav")
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"a": [1.0, 2.0]}))
    run_in_reader(os.getcwd, file_name="x.sav")  # the reader process is running
    monkeypatch.chdir(tmp_path)
    assert run_in_reader(os.getcwd, file_name="x.sav") == str(tmp_path)


def test_a_forked_process_reads_with_its_own_reader(small_files):
    mt.read(small_files / "small.sav")  # the reader process of this process is running
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            data = mt.read(small_files / "small.sav")
            os.write(write_end, str(float(data.frame["LS2"].sum())).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 100)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert float(answer) == FRAME["LS2"].sum()
    assert mt.read(small_files / "small.sav").frame["LS2"].sum() == FRAME["LS2"].sum()


def test_a_reader_process_killed_between_reads_is_replaced():
    from mics_toolkit.io.reader_process import run_in_reader

    pid = run_in_reader(os.getpid, file_name="x.sav")
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert run_in_reader(sum, [2, 3], file_name="x.sav") == 5
    assert run_in_reader(os.getpid, file_name="x.sav") != pid


def test_a_reader_process_killed_while_reading_is_a_read_error():
    from mics_toolkit.io.reader_process import run_in_reader

    pid = run_in_reader(os.getpid, file_name="x.sav")
    with pytest.raises(ReadError) as caught:
        run_in_reader(os.kill, pid, signal.SIGKILL, file_name="big.sav")
    assert str(caught.value) == (
        "cannot read big.sav: the SPSS/Stata reader was killed (signal 9, SIGKILL). "
        "The system may have ended it for lack of memory."
    )


@pytest.fixture
def other_thread():
    """Another thread running, as in a notebook's kernel, and no reader process waiting."""
    reader_process = sys.modules["mics_toolkit.io.reader_process"]
    for reader in list(reader_process._idle):
        reader_process._stop(reader, kill=True)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield reader_process
    stop.set()
    thread.join()
    for reader in list(reader_process._idle):  # the next tests fork their own
        reader_process._stop(reader, kill=True)


def test_with_other_threads_the_reader_is_a_new_interpreter(other_thread, small_files,
                                                              tmp_path, monkeypatch):
    # a fork would copy only this thread (and any lock the other one holds): while other
    # threads run, the reader process is a new interpreter on the same pipes
    run_in_reader = other_thread.run_in_reader
    pid = run_in_reader(os.getpid, file_name="x.sav")
    [reader] = other_thread._idle
    assert reader.process is not None and reader.pid == pid != os.getpid()
    assert mt.read(small_files / "small.sav").frame["LS2"].sum() == FRAME["LS2"].sum()
    monkeypatch.chdir(tmp_path)
    assert run_in_reader(os.getcwd, file_name="x.sav") == str(tmp_path)
    with pytest.raises(ReadError, match=r"crashed on it \(signal 11, SIGSEGV\)"):
        run_in_reader(ctypes.string_at, 0, file_name="wm.sav")
    assert run_in_reader(sum, [1, 2, 3], file_name="wm.sav") == 6
    [reader] = other_thread._idle
    assert reader.process is not None and reader.pid != pid
    assert reader.process.poll() is None  # running, waiting for the next call


def test_with_other_threads_and_no_interpreter_to_start_the_reader_is_a_fork(other_thread,
                                                                             monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert other_thread.run_in_reader(sum, [4, 5], file_name="x.sav") == 9
    [reader] = other_thread._idle
    assert reader.process is None and reader.pid != os.getpid()
