"""A call in a forked child process (``io/forked.py``): its result, its exception and its
warnings come back to the caller; a child that dies gives an error; an uncollected child is
stopped."""

from __future__ import annotations

import os
import signal
import time
import warnings

import numpy as np
import pytest

from mics_toolkit.errors import VariableError
from mics_toolkit.io import forked
from mics_toolkit.io.forked import fork_call, receive_message, send_message

pytestmark = pytest.mark.skipif(not forked.CAN_FORK, reason="no os.fork on this system")


def test_the_result_comes_from_another_process_with_the_callers_data():
    data = np.arange(1_000_000, dtype=float)  # seen by the child without being sent
    with fork_call(lambda: (os.getpid(), data.sum(), data[::100_000])) as child:
        here = data.sum() + 1
        pid, total, sample = child.result()
    assert pid != os.getpid()
    assert total == here - 1 == 499999500000.0
    np.testing.assert_array_equal(sample, np.arange(0, 1_000_000, 100_000))


def test_changes_in_the_child_stay_there():
    box = {"value": 1}

    def change():
        box["value"] = 2
        return box["value"]

    with fork_call(change) as child:
        assert child.result() == 2
    assert box == {"value": 1}


def test_an_exception_is_raised_again_with_the_childs_traceback():
    def fail():
        raise KeyError("missing key")

    def fail_on_input():
        raise VariableError("variable 'X' is not in wm.sav", variable="X")

    with fork_call(fail) as child, pytest.raises(KeyError, match="missing key") as caught:
        child.result()
    assert any("in the forked process" in note and "fail" in note
               for note in caught.value.__notes__)
    with fork_call(fail_on_input) as child, pytest.raises(VariableError) as caught:
        child.result()
    assert caught.value.variable == "X"
    assert not getattr(caught.value, "__notes__", [])


def test_the_childs_warnings_are_issued_in_the_caller_after_its_own():
    def warn():
        warnings.warn("from the child", UserWarning, stacklevel=1)
        return 7

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fork_call(warn) as child:
            warnings.warn("from the caller", UserWarning, stacklevel=1)
            assert child.result() == 7
    assert [str(w.message) for w in caught] == ["from the caller", "from the child"]
    assert caught[1].filename == __file__


def test_a_child_that_dies_gives_an_error_naming_the_signal():
    with fork_call(lambda: os.kill(os.getpid(), signal.SIGKILL)) as child:
        with pytest.raises(ChildProcessError, match="signal 9, SIGKILL"):
            child.result()
    with fork_call(lambda: os._exit(3)) as child:
        with pytest.raises(ChildProcessError, match="exit status 3"):
            child.result()


def test_an_answer_that_cannot_be_pickled_is_an_error():
    with fork_call(lambda: (lambda: None)) as child:
        with pytest.raises(RuntimeError, match="cannot send its answer"):
            child.result()


def test_an_uncollected_child_is_stopped_and_reaped():
    with fork_call(lambda: time.sleep(60)) as child:
        pid = child._pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no zombie left


def test_without_fork_the_call_runs_here(monkeypatch):
    monkeypatch.setattr(forked, "CAN_FORK", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fork_call(lambda: (os.getpid(), warnings.warn("here", stacklevel=1))) as child:
            pid, _ = child.result()
    assert pid == os.getpid()
    assert [str(w.message) for w in caught] == ["here"]


def test_messages_of_any_size_cross_a_pipe():
    read_end, write_end = os.pipe()
    payload = os.urandom(100) * 3000  # larger than the pipe's buffer: written by a child
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        send_message(write_end, payload)
        send_message(write_end, b"")
        os._exit(0)
    os.close(write_end)
    try:
        assert receive_message(read_end) == payload
        assert receive_message(read_end) == b""
        assert receive_message(read_end) is None
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


def test_a_child_that_answered_is_reaped_without_waiting_for_it():
    def answer_then_linger():
        # the answer is sent when this returns; the exit after it is slow on purpose
        import atexit as child_exit
        child_exit.register(time.sleep, 0.5)  # never runs: the child ends with os._exit
        return os.getpid()

    start = time.perf_counter()
    with fork_call(answer_then_linger) as child:
        pid = child.result()
    assert time.perf_counter() - start < 5
    for _ in range(200):  # the child ends at once; reap() collects it
        forked.reap()
        if pid not in forked._ending:
            break
        time.sleep(0.01)
    assert pid not in forked._ending
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # no zombie left
