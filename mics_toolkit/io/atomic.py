"""Atomic output: one file written then renamed, or a whole folder staged then swapped in.

:func:`write_atomically` writes one file to a temporary file beside the destination, then
renames it: a reader of the destination sees either the old file or the complete new one,
never a half-written file; on any failure the temporary file is removed and the old file is
left as it was. Every single-file writer of the package (survey files, CSV, Excel, JSON) goes
through it.

:func:`replace_folder` replaces the whole content of a folder (the ``--out`` of a build) as
a unit: the new files are written into a staging folder beside it (same file system), synced,
and the staging folder is then swapped with the destination in one step (Linux
``renameat2(RENAME_EXCHANGE)``; elsewhere two renames with SIGINT and SIGTERM held back
between them), after which the previous folder is removed. An interruption or a failure
(an exception, SIGINT, SIGTERM, a full disk while writing or syncing) before the swap leaves
the destination as it was; a process killed outright (SIGKILL, power loss) leaves a staging
folder that :func:`remove_leftovers` (called by every :func:`replace_folder`) removes, and,
when it was killed between the two renames of the fallback, puts the previous folder back.
Staging folders are named ``.<name>.mics-staging-*`` and locked (``flock``) while in use, so
a build never removes the staging folder of another build that is still running.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from mics_toolkit.errors import OutputError

try:  # POSIX; without it, leftovers of killed builds are not removed
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    "STAGING_MARK",
    "check_folder_destination",
    "check_output_path",
    "remove_leftovers",
    "replace_folder",
    "write_atomically",
]

STAGING_MARK = ".mics-staging-"
"""Staging folders of ``<folder>`` are named ``.<folder name>.mics-staging-<random>``."""

_PREVIOUS_MARK = ".mics-previous-"
"""The fallback swap parks the previous folder as ``.<folder name>.mics-previous-<random>``."""


def check_output_path(destination: str | os.PathLike[str]) -> Path:
    """Return ``destination`` as a Path after checking it can be a new or replaced file.

    Raises
    ------
    OutputError
        The path is an existing directory or its folder does not exist.
    """
    destination = Path(destination)
    if destination.is_dir():
        raise OutputError(
            f"cannot write {destination}: it is a directory; give a file name",
            path=str(destination),
        )
    folder = destination.parent
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {destination}: the folder {folder} does not exist",
            path=str(destination),
        )
    return destination


def write_atomically(
    destination: str | os.PathLike[str],
    write: Callable[[str], None],
    *,
    errors: tuple[type[BaseException], ...] = (),
) -> Path:
    """Call ``write(temporary_path)``, then rename the temporary file over ``destination``.

    Parameters
    ----------
    destination : path
        The file to create or replace.
    write : callable
        Writes the whole output to the path it is given.
    errors : tuple of exception types
        Exceptions of ``write`` to report as :class:`OutputError` (others propagate).

    Returns
    -------
    pathlib.Path
        ``destination``.
    """
    destination = check_output_path(destination)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=destination.parent, prefix=f".{destination.name}.", suffix=f".tmp{destination.suffix}"
        )
    except OSError as error:
        raise OutputError(
            f"cannot write {destination}: the folder {destination.parent} is not writable "
            f"({error.strerror or error})",
            path=str(destination),
        ) from error
    os.close(handle)
    try:
        try:
            write(temporary)
        except errors as error:
            raise OutputError(
                f"cannot write {destination}: {error}", path=str(destination)
            ) from error
        os.chmod(temporary, _file_mode(destination))
        try:
            os.replace(temporary, destination)
        except OSError as error:
            raise OutputError(
                f"cannot write {destination}: {error.strerror or error}", path=str(destination)
            ) from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return destination


def _file_mode(destination: Path) -> int:
    """Permissions for the new file: those of the file replaced, else 0o666 less the umask."""
    try:
        return destination.stat().st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# ---------------------------------------------------------------------------- whole folders
def check_folder_destination(destination: str | os.PathLike[str]) -> Path:
    """The real path of an output folder after checking that it can be created or replaced.

    Parameters
    ----------
    destination : path
        The folder; it may be missing (it is created with its parents on the swap) or a
        symbolic link to a folder (the link's target is replaced, the link stays).

    Returns
    -------
    pathlib.Path
        The folder's absolute path with symbolic links resolved.

    Raises
    ------
    OutputError
        ``destination`` is a file, a parent is a file, or the first existing folder on the
        way (where the staging folder goes) is not writable; ``path`` names it.
    """
    given = Path(destination)
    real = Path(os.path.realpath(given))
    if real.exists() and not real.is_dir():
        raise OutputError(f"cannot write the outputs into {given}: it is a file; give a folder",
                          path=str(given))
    probe = real.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot create the folder {given}: {probe} is a file",
                          path=str(given))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write the outputs into {given}: {probe} is not writable",
                          path=str(given))
    return real


def remove_leftovers(destination: str | os.PathLike[str]) -> list[Path]:
    """Remove what killed runs of :func:`replace_folder` left beside ``destination``.

    Staging folders that no running process holds locked are removed. A previous folder
    parked by the fallback swap is renamed back to ``destination`` when ``destination`` is
    missing (the run was killed between its two renames), else removed.

    Parameters
    ----------
    destination : path
        The output folder (its real path, :func:`check_folder_destination`).

    Returns
    -------
    list of pathlib.Path
        The folders removed or restored.
    """
    destination = Path(destination)
    parent = destination.parent
    if fcntl is None or not parent.is_dir():
        return []
    done = []
    staging = f".{destination.name}{STAGING_MARK}"
    previous = f".{destination.name}{_PREVIOUS_MARK}"
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith(previous) and entry.is_dir() and not entry.is_symlink():
            if destination.exists():
                _remove_tree(entry)
            else:
                try:
                    os.rename(entry, destination)
                except OSError:  # kept for a later run rather than lost
                    continue
            done.append(entry)
        elif entry.name.startswith(staging) and entry.is_dir() and not entry.is_symlink():
            with _locked(entry, wait=False) as locked:
                if locked:
                    _remove_tree(entry)
                    done.append(entry)
    return done


def replace_folder(
    destination: str | os.PathLike[str],
    files: Mapping[str, bytes],
    *,
    before_swap: Callable[[Path], None] | None = None,
) -> dict[str, Path]:
    """Make ``files`` the whole content of folder ``destination``, as one step.

    Parameters
    ----------
    destination : path
        The output folder (created with its parents if missing; a symbolic link to a folder
        keeps pointing at it). Everything in it is replaced: the caller checks beforehand
        that it holds nothing else worth keeping (``before_swap``).
    files : mapping of str to bytes
        File name (plain, no folders) -> content, in writing order.
    before_swap : callable, optional
        Called with the folder's real path once every file is written and synced, just
        before the swap; it raises (an :class:`OutputError`) to refuse the swap, which
        then leaves everything as it was.

    Returns
    -------
    dict of str to pathlib.Path
        File name -> its path under ``destination`` as given, in the order of ``files``.

    Raises
    ------
    OutputError
        ``destination`` is a file or cannot be created, a file name is not a plain name, a
        file cannot be written or synced (a full disk), or the swap fails; ``destination``
        is then as it was and no staging folder is left.

    Notes
    -----
    The staging folder is ``.<name>.mics-staging-<random>`` beside the real destination,
    locked while in use. The swap is ``renameat2(RENAME_EXCHANGE)`` where the system has
    it (Linux 3.15 and later on common file systems): the destination is at every moment
    either the old folder or the new one. Elsewhere it is two renames (destination to
    ``.<name>.mics-previous-<random>``, staging folder to destination) with SIGINT and
    SIGTERM held back in between; a process killed between them is repaired by the next
    :func:`remove_leftovers`. The previous folder is removed after the swap.
    """
    given = Path(destination)
    real = check_folder_destination(given)
    for name in files:
        if not name or name != Path(name).name or name in (".", "..") or "\\" in name:
            raise OutputError(f"cannot write {name!r} into {given}: give a plain file name",
                              path=str(given / name))
    remove_leftovers(real)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=real.parent,
                                        prefix=f".{real.name}{STAGING_MARK}"))
    except OSError as error:
        raise OutputError(f"cannot write the outputs into {given}: cannot create a folder "
                          f"in {real.parent} ({error.strerror or error})",
                          path=str(given)) from error
    try:
        with _locked(staging, wait=True):
            os.chmod(staging, _folder_mode(real))
            for name, data in files.items():
                _write_synced(staging / name, data, given / name)
            _sync_folder(staging)
            if before_swap is not None:
                before_swap(real)
            _swap(staging, real, given)
    except BaseException:
        _remove_tree(staging)
        raise
    _remove_tree(staging)  # the previous folder, swapped to the staging name
    with contextlib.suppress(OSError):
        _sync_folder(real.parent)
    return {name: given / name for name in files}


def _write_synced(path: Path, data: bytes, shown: Path) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise OutputError(f"cannot write {shown}: {error.strerror or error}",
                          path=str(shown)) from error


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder that cannot be opened (Windows)
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - file systems that cannot sync a folder
        pass
    finally:
        os.close(descriptor)


def _folder_mode(destination: Path) -> int:
    """Permissions for the new folder: those of the folder replaced, else 0o777 less the
    umask (a staging folder is created 0o700)."""
    try:
        return destination.stat().st_mode & 0o7777
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def _swap(staging: Path, destination: Path, given: Path) -> None:
    """Put ``staging`` at ``destination`` and the previous ``destination`` (if any) at
    ``staging``."""
    try:
        if not destination.exists():
            os.rename(staging, destination)
            return
        if _exchange(staging, destination):
            return
        with _signals_held():
            parked = Path(tempfile.mkdtemp(dir=destination.parent,
                                           prefix=f".{destination.name}{_PREVIOUS_MARK}"))
            os.rmdir(parked)
            os.rename(destination, parked)
            try:
                os.rename(staging, destination)
            except BaseException:
                os.rename(parked, destination)
                raise
            with contextlib.suppress(OSError):  # else a leftover for the next build
                os.rename(parked, staging)
    except OSError as error:
        raise OutputError(f"cannot replace {given}: {error.strerror or error}",
                          path=str(given)) from error


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders with ``renameat2(RENAME_EXCHANGE)``; False when the system or the
    file system cannot (the caller falls back to two renames)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (main thread only) and deliver them afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    names = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    previous = {s: signal.signal(s, lambda number, frame: received.append(number))
                for s in names}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)


@contextlib.contextmanager
def _locked(folder: Path, *, wait: bool) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``folder``; yields False when another process holds
    it (``wait=False``) or the folder is gone."""
    if fcntl is None:  # pragma: no cover - Windows
        yield wait
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def _remove_tree(folder: Path) -> None:
    """Remove a staging or previous folder, as far as possible (what stays is a leftover for
    the next :func:`remove_leftovers`)."""
    shutil.rmtree(folder, ignore_errors=True)
