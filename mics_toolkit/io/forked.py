"""Work in forked processes: the pipe protocol of the reader processes, and a call run in a
forked child while the caller goes on.

A child made with ``os.fork`` starts as a copy of the caller: it has the caller's modules and
data (shared, copied only where either process writes), so it needs no start-up and no
arguments sent to it. :func:`fork_call` runs a function in such a child and returns a
:class:`ForkedCall`, whose :meth:`~ForkedCall.result` waits for the child and returns what
the function returned (pickled through a pipe), raises again what it raised, and issues
again, in the caller, the warnings it issued. A library function uses it to share
independent pieces of work between two processes, for example the estimates of indicators
on different designs: the caller computes one part while the child computes the other.

Messages on a pipe are an 8-byte little-endian length followed by that many bytes
(:func:`send_message`, :func:`receive_message`); the reader processes
(:mod:`~mics_toolkit.io.reader_process`) use the same protocol.

On systems without ``os.fork`` (Windows) the function runs in the calling process when
:func:`fork_call` is called.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import signal
import struct
import traceback
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from mics_toolkit.errors import MicsError

__all__ = ["CAN_FORK", "ForkedCall", "fork_call", "reap", "receive_message", "send_message"]

T = TypeVar("T")

CAN_FORK = hasattr(os, "fork")
_HEADER = struct.Struct("<Q")


def send_message(fd: int, payload: bytes) -> None:
    """Write one message (its length, then ``payload``) to the pipe ``fd``."""
    for part in (_HEADER.pack(len(payload)), payload):
        view = memoryview(part)
        while view:
            written = os.write(fd, view)
            view = view[written:]


def receive_message(fd: int) -> bytearray | None:
    """One message from the pipe ``fd``, or None at the end of the pipe."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = os.readv(fd, [view[done:]])
        if count == 0:
            return None
        done += count
    view.release()
    return buffer


class ForkedCall(Generic[T]):
    """A function running in a forked child process (made by :func:`fork_call`).

    Use it as a context manager, so that a child whose result is not collected (the caller
    failed or was interrupted meanwhile) is stopped::

        with fork_call(part_two) as child:
            first = part_one()
            second = child.result()
    """

    def __init__(self, pid: int | None, answers: int | None, done: tuple | None) -> None:
        self._pid, self._answers, self._done = pid, answers, done

    def result(self) -> T:
        """Wait for the child; return what the function returned.

        Raises
        ------
        Exception
            What the function raised in the child, raised again here (a note holds the
            child's traceback).
        ChildProcessError
            The child died without an answer (killed, out of memory, a crash).
        """
        if self._done is None:
            answer = receive_message(self._answers)
            if answer is None:
                status = self._finish(kill=False)
                raise ChildProcessError(f"the forked process ended without an answer "
                                        f"({_status_text(status)})")
            self._finish(kill=False, wait=False)  # its exit takes a while: reaped later
            self._done = pickle.loads(answer)
        outcome, value, recorded = self._done
        for message, category, filename, lineno in recorded:
            warnings.warn_explicit(message, category, filename, lineno)
        if outcome == "raised":
            raise value
        return value

    def _finish(self, *, kill: bool, wait: bool = True) -> int:
        """Close the pipe, stop (when ``kill``) and reap the child; its wait status. Without
        ``wait``, a child still ending (its memory released) is reaped by :func:`reap`."""
        if self._pid is None:
            return 0
        pid, self._pid = self._pid, None
        os.close(self._answers)
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not wait:
            _ending.append(pid)
            reap()
            return 0
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0

    def __enter__(self) -> ForkedCall[T]:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._finish(kill=True)


_ending: list[int] = []  # children that answered and are still ending


def reap() -> None:
    """Reap the children that answered and have ended since (no waiting): called at each
    answer, at each :func:`fork_call` and at exit, so that none stays a zombie for long."""
    for pid in list(_ending):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _ending.remove(pid)


def _reap_at_exit() -> None:
    for pid in _ending:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    _ending.clear()


def fork_call(function: Callable[[], T]) -> ForkedCall[T]:
    """Start ``function()`` in a forked child process and return at once.

    Parameters
    ----------
    function : callable
        Called without arguments in the child; it sees the caller's objects as they were at
        the fork (changes it makes stay in the child). Its result must be picklable.

    Returns
    -------
    ForkedCall
        :meth:`ForkedCall.result` waits for the result.

    Notes
    -----
    Fork from the main thread while no other thread of the caller runs: a thread holding a
    lock at the fork leaves it held in the child. The child ignores SIGINT (Ctrl-C reaches
    the whole process group: the caller handles it and stops the child) and ends with
    ``os._exit``, running no clean-up handler of the caller. Warnings issued in the child
    are recorded and issued again by :meth:`ForkedCall.result`, after any the caller issued
    meanwhile.
    """
    if not CAN_FORK:
        return ForkedCall(None, None, _outcome(function))
    reap()
    answer_read, answer_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(answer_read)
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for number in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(number, signal.SIG_DFL)
            gc.freeze()  # leave the inherited objects alone: no copy of their memory pages
            _ending.clear()  # the caller's children are not ours
            send_message(answer_write, _pickled(_outcome(function)))
            status = 0
        finally:
            os._exit(status)
    os.close(answer_write)
    return ForkedCall(pid, answer_read, None)


def _outcome(function: Callable[[], Any]) -> tuple[str, Any, list[tuple]]:
    """("returned", value, warnings) or ("raised", exception, warnings) of ``function()``."""
    with warnings.catch_warnings(record=True) as caught:
        try:
            outcome: tuple[str, Any] = ("returned", function())
        except Exception as error:
            if not isinstance(error, MicsError):  # a bug: keep the child's traceback
                error.add_note("in the forked process:\n"
                               + "".join(traceback.format_exception(error)))
            outcome = ("raised", error)
    recorded = [(w.message, w.category, w.filename, w.lineno) for w in caught]
    return (*outcome, recorded)


def _pickled(outcome: tuple[str, Any, list[tuple]]) -> bytes:
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        problem = RuntimeError(f"the forked process cannot send its answer: {error}")
        return pickle.dumps(("raised", problem, []))


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"signal {number}, {signal.Signals(number).name}"
        except ValueError:
            return f"signal {number}"
    return f"exit status {os.WEXITSTATUS(status)}"


atexit.register(_reap_at_exit)
