"""Running the C reader in a separate process, so that a file it would crash on cannot kill us.

pyreadstat parses SPSS and Stata files in C (ReadStat). A damaged file can make it read out of
bounds and end the whole process with a segmentation fault (signal 11): for example an SPSS
file whose variable record holds an impossible type. No Python ``try`` can catch that.
:func:`run_in_reader` therefore runs the reading function in a reader process: a fork of the
calling process, started at the first read and kept for the next ones, which receives each
call (function and arguments, pickled) through a pipe and sends back the result (pickled).
When the reader process dies from a signal, or stops without an answer, the caller gets a
:class:`~mics_toolkit.errors.ReadError` naming the file and the signal, and the next read
starts a new reader process. Exceptions raised by the function (a :class:`ReadError` for a
file the reader rejects, a :class:`MemoryError`) are raised again in the caller.

Several files can be read at once (:func:`start_readers`, then calls from several threads):
each call takes an idle reader process, or starts one, and gives it back when done, so two
threads read two files in two reader processes at the same time.

The reader process is a fork: it has the caller's modules already imported and needs no
start-up. A fork copies only the calling thread, and a lock another thread holds at that
moment stays held in the child, where the reader could wait on it for ever; so while other
threads run (a notebook's kernel, a server), a new reader process is instead a new
interpreter started on the same pipes (``subprocess`` with the caller's ``sys.path``), which
imports what it needs first (about half a second, once: it is kept for the next reads). The
reader process exits when the caller closes its end of the pipe (at exit, or when the caller
is killed). A process forked from the caller (``multiprocessing``) starts its own reader
process. Each call runs in the caller's current directory. Calls and answers travel with the
pipe protocol of :mod:`~mics_toolkit.io.forked`.

Cost, measured with ``benchmarks/bench_reader_process.py`` on the 2-core development machine
while other jobs shared it (load average about 3; Linux, Python 3.11): best of 7 runs of the
same read in the calling process and through the running reader process (median in
parentheses). The difference is the pickling and transfer of the frame through the pipe; the
reader process itself starts in about 0.01 s, at the first read of a process.

=====================================  ===============  ===============  ======
file (rows x variables read)           in process       reader process   extra
=====================================  ===============  ===============  ======
``nhanes2.dta`` (10,351 x 58)          0.154 s (0.174)  0.172 s (0.174)  +0.018
DHS ``ZZMR61FL.DTA`` (3,621 x 526)     0.326 s (0.332)  0.355 s (0.420)  +0.029
example ``wm.sav`` (21,751 x 34)       0.092 s (0.094)  0.097 s (0.101)  +0.005
example ``wm.sav``, 4 columns          0.028 s (0.034)  0.027 s (0.042)  -0.001
=====================================  ===============  ===============  ======

End to end, in fresh processes alternating with and without the reader process, the example
``mics build`` (12 reads) and ``mics estimate`` on the DHS file differed by less than the
noise of the shared machine (best of 7: +0.12 s and +0.20 s in one run, -0.11 s and -0.62 s
in another, on 3-4 s). Memory: while a result is handed over, the frame and its pickled copy
exist in both processes, so a read peaks at about twice the frame in each.

On systems without ``os.fork`` (Windows) the function runs in the calling process.
"""

from __future__ import annotations

import faulthandler
import gc
import importlib
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mics_toolkit.errors import MicsError, ReadError
from mics_toolkit.io.forked import CAN_FORK, receive_message, send_message

__all__ = ["run_in_reader", "start_readers"]

T = TypeVar("T")

_CAN_FORK = CAN_FORK
_CAN_SPAWN = bool(sys.executable)  # an interpreter to start (not in an embedded Python)


@dataclass
class _Reader:
    """The reader process: its id, the pipe we write calls to, the pipe we read answers from
    (and the ``subprocess.Popen`` of a reader started as a new interpreter)."""

    pid: int
    calls: int
    answers: int
    process: Any = None


_idle: list[_Reader] = []  # reader processes waiting for a call
_lock = threading.Lock()


def run_in_reader(function: Callable[..., T], *args: Any, file_name: str) -> T:
    """Call ``function(*args)`` in the reader process and return its result.

    Parameters
    ----------
    function : callable
        A module-level function (pickled by reference); its result must be picklable.
    *args
        Its arguments (pickled).
    file_name : str
        The file read, for the error message.

    Returns
    -------
    object
        What ``function`` returned in the reader process.

    Raises
    ------
    ReadError
        The reader process died from a signal (the C reader crashed on the file) or stopped
        without an answer; the message names the file and the signal.
    Exception
        Whatever ``function`` raised in the reader process, raised again here (a note holds
        the reader process's traceback when it is not a
        :class:`~mics_toolkit.errors.MicsError`).
    """
    if not _CAN_FORK:
        return function(*args)
    request = pickle.dumps((os.getcwd(), function, args), protocol=pickle.HIGHEST_PROTOCOL)
    reader = _acquire()
    try:
        try:
            send_message(reader.calls, request)
        except BrokenPipeError:  # the reader process ended since the last call: restart
            _stop(reader, kill=True)
            reader = _acquire(new=True)
            send_message(reader.calls, request)
        answer = receive_message(reader.answers)
    except BaseException:  # interrupted: the reader's state is unknown, stop it
        _stop(reader, kill=True)
        raise
    if answer is None:
        raise _crashed(file_name, _stop(reader, kill=False))
    with _lock:
        _idle.append(reader)
    outcome, value = pickle.loads(answer)
    if outcome == "raised":
        raise value
    return value


def start_readers(count: int, preload: tuple[str, ...] = ()) -> None:
    """Have ``count`` reader processes waiting, so that ``count`` threads can read at once
    (start them from the main thread, before the threads: a fork is safest there). A new
    reader process imports the modules of ``preload`` at once, while the caller goes on (a
    build starts its readers first, so that they have loaded the C reader when the first
    file is asked for)."""
    if not _CAN_FORK:
        return
    with _lock:
        while len(_idle) < count:
            _idle.append(_start(preload))


def _acquire(new: bool = False) -> _Reader:
    """An idle reader process, or a new one."""
    with _lock:
        if _idle and not new:
            return _idle.pop()
        return _start()


def _start(preload: tuple[str, ...] = ()) -> _Reader:
    call_read, call_write = os.pipe()
    answer_read, answer_write = os.pipe()
    process = None
    if threading.active_count() > 1 and _CAN_SPAWN:  # no fork while other threads run
        try:
            process = _spawn(call_read, answer_write, preload)
        except OSError:  # no interpreter to start after all: a fork, as without threads
            process = None
        except BaseException:
            for fd in (call_read, call_write, answer_read, answer_write):
                os.close(fd)
            raise
    if process is not None:
        pid = process.pid
    else:
        pid = os.fork()
        if pid == 0:  # the reader process: never returns
            os.close(call_write)
            os.close(answer_read)
            _serve(call_read, answer_write, preload)
    os.close(call_read)
    os.close(answer_write)
    return _Reader(pid=pid, calls=call_write, answers=answer_read, process=process)


def _spawn(calls: int, answers: int, preload: tuple[str, ...]):
    """A reader process started as a new interpreter that serves the pipe ends ``calls`` and
    ``answers`` (inherited with the same numbers), with the caller's ``sys.path``."""
    import subprocess

    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        entry for entry in (os.path.abspath(p) for p in sys.path if isinstance(p, str) and p))
    code = ("import sys; from mics_toolkit.io.reader_process import _serve; "
            "_serve(int(sys.argv[1]), int(sys.argv[2]), tuple(sys.argv[3:]))")
    return subprocess.Popen(
        [sys.executable, "-c", code, str(calls), str(answers), *preload],
        pass_fds=(calls, answers), stdin=subprocess.DEVNULL, env=environment,
        cwd=os.getcwd())


def _serve(calls: int, answers: int, preload: tuple[str, ...] = ()) -> None:
    """Body of the reader process: import ``preload``, then answer calls until the caller
    closes the pipe."""
    status = 0
    try:
        for module in preload:
            try:
                importlib.import_module(module)
            except ImportError:  # the call that needs it reports the error
                pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
        for number in (signal.SIGTERM, signal.SIGHUP):  # not the caller's clean-up handlers
            signal.signal(number, signal.SIG_DFL)
        faulthandler.disable()  # a crash is reported by the caller, not dumped here
        gc.freeze()  # leave the inherited objects alone: no copy of their memory pages
        while True:
            request = receive_message(calls)
            if request is None:
                break
            cwd, function, args = pickle.loads(request)
            try:
                os.chdir(cwd)
                outcome: tuple[str, Any] = ("returned", function(*args))
            except Exception as error:
                if not isinstance(error, MicsError):  # a bug: keep the traceback
                    error.add_note("".join(traceback.format_exception(error)))
                outcome = ("raised", error)
            try:
                answer = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                answer = pickle.dumps(
                    ("raised", RuntimeError(f"the reader process cannot send its answer: {error}"))
                )
            outcome = None
            send_message(answers, answer)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _stop(reader: _Reader, *, kill: bool) -> int:
    """Close the pipes, end the reader process, return its wait status."""
    with _lock:
        if reader in _idle:
            _idle.remove(reader)
    for fd in (reader.calls, reader.answers):
        try:
            os.close(fd)
        except OSError:
            pass
    if kill:
        try:
            os.kill(reader.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        status = os.waitpid(reader.pid, 0)[1]
    except ChildProcessError:
        status = 0
    if reader.process is not None:  # waited for here: its Popen need not wait again
        reader.process.returncode = os.waitstatus_to_exitcode(status)
    return status


def _forget_in_child() -> None:
    """In a process forked from the caller: the caller's reader process is not ours."""
    global _idle, _lock
    for reader in _idle:
        for fd in (reader.calls, reader.answers):
            try:
                os.close(fd)
            except OSError:
                pass
    _idle = []
    _lock = threading.Lock()


def _crashed(file_name: str, status: int) -> ReadError:
    """The error for a reader process that ended (wait ``status``) while reading a file."""
    if not os.WIFSIGNALED(status):
        what = f"stopped without an answer (exit status {os.WEXITSTATUS(status)})"
        cause = "The file may be corrupt or not an SPSS/Stata file."
    else:
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        if number == signal.SIGKILL:
            what = f"was killed (signal {number}, {name})"
            cause = "The system may have ended it for lack of memory."
        else:
            what = f"crashed on it (signal {number}, {name})"
            cause = "The file is corrupt or not an SPSS/Stata file."
    return ReadError(f"cannot read {file_name}: the SPSS/Stata reader {what}. {cause}",
                     path=file_name)


if _CAN_FORK:
    os.register_at_fork(after_in_child=_forget_in_child)
