"""The output folder of a build (``--out``): checked before the build starts, replaced as a unit.

A build (:func:`~mics_toolkit.report.build.build_report`,
:func:`~mics_toolkit.report.index_build.build_index_report`) owns its output folder: the
folder holds the files of one build and its ``manifest.json``, nothing else.
:func:`check_output_folder`, called before any work, removes what killed builds left beside
the folder and refuses (:class:`~mics_toolkit.errors.OutputError`, naming the file):

- a folder in which an input of the build lies (the spec, a survey file, a totals or
  objective table, an indicator file), compared by real paths, so symbolic links and relative
  paths count: the new outputs would replace it;
- a folder holding files that no build wrote (not listed in its ``manifest.json``) or that
  changed since the build that wrote them (SHA-256 or size differs from the manifest): they
  are never deleted; move them away or choose another folder.

:meth:`OutputFolder.write` then writes every output into a staging folder beside it and swaps
it in (:func:`mics_toolkit.io.atomic.replace_folder`): an interrupted or failed build leaves the
previous build as it was, consistent with its manifest; outputs of the previous build that
the new one does not write (charts, after ``--no-charts``) go with it. The files written are
listed as :class:`OutputFile` (name, path, size, SHA-256).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mics_toolkit.errors import OutputError
from mics_toolkit.io.atomic import check_folder_destination, remove_leftovers, replace_folder
from mics_toolkit.report.manifest import MANIFEST_NAME, bytes_sha256, file_sha256

__all__ = ["OutputFile", "OutputFolder", "check_output_folder", "read_manifest"]


@dataclass(frozen=True)
class OutputFile:
    """A file a build wrote.

    Attributes
    ----------
    name : str
        File name in the output folder (``report.xlsx``).
    path : pathlib.Path
        Its path (under the folder as the caller gave it).
    size : int
        Bytes.
    sha256 : str
        Hex SHA-256 of its bytes (as in ``manifest.json``).
    """

    name: str
    path: Path
    size: int
    sha256: str


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``manifest.json`` of an output folder as a dict, or None when it is missing or is
    not a manifest (not JSON, no ``outputs`` mapping)."""
    path = Path(folder) / MANIFEST_NAME
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("outputs"), dict):
        return None
    return document


@dataclass(frozen=True)
class OutputFolder:
    """An output folder checked by :func:`check_output_folder`.

    Attributes
    ----------
    path : pathlib.Path
        The folder as the caller gave it (used in messages and returned paths).
    real : pathlib.Path
        Its absolute path with symbolic links resolved.
    """

    path: Path
    real: Path

    def check_contents(self) -> None:
        """Refuse when the folder holds files that no build wrote or that changed since.

        Raises
        ------
        OutputError
            Naming the files (``path`` is the first of them).
        """
        if not self.real.is_dir():
            return
        names = sorted(entry.name for entry in self.real.iterdir())
        if not names:
            return
        manifest = read_manifest(self.real)
        listed = {} if manifest is None else manifest["outputs"]
        foreign = [n for n in names if n not in listed and not (manifest and n == MANIFEST_NAME)]
        if foreign:
            shown = [f"{n} (a directory)" if (self.real / n).is_dir() else n for n in foreign]
            raise OutputError(
                f"cannot write the outputs into {self.path}: it holds {_names(shown)}, "
                f"which no build wrote (not listed in its {MANIFEST_NAME}); a build replaces "
                "the whole folder and never deletes files it did not write: move them away "
                "or choose another output folder",
                path=str(self.path / foreign[0]),
            )
        changed = [n for n in names if n != MANIFEST_NAME and _changed(self.real / n, listed[n])]
        if changed:
            raise OutputError(
                f"cannot write the outputs into {self.path}: {_names(changed)} changed since "
                f"the build that wrote {'it' if len(changed) == 1 else 'them'} (size or "
                f"SHA-256 differs from {MANIFEST_NAME}); a build never deletes files it did not "
                "write: move them away or choose another output folder",
                path=str(self.path / changed[0]),
            )

    def write(self, outputs: Mapping[str, bytes]) -> tuple[OutputFile, ...]:
        """Replace the folder's content with ``outputs`` as one step.

        Parameters
        ----------
        outputs : mapping of str to bytes
            File name -> content, ``manifest.json`` among them.

        Returns
        -------
        tuple of OutputFile
            In the order of ``outputs``.

        Raises
        ------
        OutputError
            A file cannot be written (a full disk), the swap fails, or files that no build
            wrote appeared in the folder meanwhile; the folder is then as it was.
        """
        paths = replace_folder(self.path, outputs, before_swap=lambda _real: self.check_contents())
        return tuple(OutputFile(name, paths[name], len(data), bytes_sha256(data))
                     for name, data in outputs.items())


def check_output_folder(
    out: str | os.PathLike[str], inputs: Mapping[str, str | os.PathLike[str] | None]
) -> OutputFolder:
    """Check an output folder before a build starts.

    Parameters
    ----------
    out : path
        The output folder (missing, empty, or holding an earlier build with its manifest).
    inputs : mapping
        What the input is (``"report spec"``, ``"survey folder"``) -> its path (None
        entries are skipped). Every file of a folder input counts too.

    Returns
    -------
    OutputFolder

    Raises
    ------
    OutputError
        ``out`` is a file or not writable; an input lies inside it (the message names the
        input and what it is); or it holds files that no build wrote or that changed since
        (named).
    """
    given = Path(out)
    real = check_folder_destination(given)
    remove_leftovers(real)
    for what, path in inputs.items():
        if path is None:
            continue
        _check_input(given, real, what, Path(path))
    folder = OutputFolder(given, real)
    folder.check_contents()
    return folder


def _check_input(given: Path, real: Path, what: str, path: Path) -> None:
    """Refuse when ``path``, or a file of folder ``path`` (not its sub-folders: the output
    folder may sit in the survey folder), lies inside the output folder."""
    paths = [path]
    if path.is_dir():
        try:
            paths += sorted(p for p in path.iterdir() if not p.is_dir())
        except OSError:
            pass
    for item in paths:
        resolved = Path(os.path.realpath(item))
        if resolved == real or real in resolved.parents:
            via = "" if resolved == Path(os.path.abspath(item)) else f" (through {item})"
            shown = item if via == "" else resolved
            raise OutputError(
                f"cannot write the outputs into {given}: the build reads {shown} ({what})"
                f"{via}, which is inside that folder, and the outputs replace the folder's "
                "content; choose another output folder or move the input",
                path=str(shown),
            )


def _changed(path: Path, entry: Any) -> bool:
    """True when ``path`` is not the file a manifest entry describes."""
    if not isinstance(entry, dict) or path.is_symlink() or not path.is_file():
        return True
    try:
        if path.stat().st_size != entry.get("bytes"):
            return True
        return file_sha256(path) != entry.get("sha256")
    except (OSError, ValueError):
        return True


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return shown
