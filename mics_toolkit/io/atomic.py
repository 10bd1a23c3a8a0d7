"""Atomic file output: write to a temporary file beside the destination, then rename.

A reader of the destination sees either the old file or the complete new one, never a
half-written file; on any failure the temporary file is removed and the old file is left as it
was. Every writer of the package (survey files, CSV, Excel, JSON) goes through
:func:`write_atomically`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from mics_toolkit.errors import OutputError

__all__ = ["check_output_path", "write_atomically"]


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
