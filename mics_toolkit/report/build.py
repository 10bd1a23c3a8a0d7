"""Writing a whole report folder: workbook, tidy CSV and Parquet, and ``manifest.json``.

:func:`write_report` renders every output in memory first, checks every destination, then
writes each file atomically (temporary file, then rename) and the manifest last, with the
SHA-256 of the bytes written. A failure while rendering writes nothing; a bad destination is
reported before any file is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mics_toolkit.errors import OutputError
from mics_toolkit.io import check_output_path, write_atomically
from mics_toolkit.report.excel import workbook_bytes
from mics_toolkit.report.manifest import BuildInfo, manifest_bytes
from mics_toolkit.report.tidy import csv_bytes, parquet_bytes, tidy_frame
from mics_toolkit.tables import Breakdown, Table

__all__ = ["MANIFEST_NAME", "write_report"]

MANIFEST_NAME = "manifest.json"


def _folder(folder: str | os.PathLike[str]) -> Path:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"cannot write the report into {folder}: it is a file; give a folder",
            path=str(folder),
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create the report folder {folder}: {error.strerror or error}",
            path=str(folder),
        ) from error
    return folder


def write_report(
    folder: str | os.PathLike[str],
    *,
    tables: Sequence[Table],
    estimates: pd.DataFrame,
    info: BuildInfo,
    breakdowns: Sequence[Breakdown] = (),
    notes: Sequence[str] = (),
    name: str = "report",
    parquet: bool = True,
) -> dict[str, Path]:
    """Write the report outputs into ``folder`` (created if missing).

    Parameters
    ----------
    folder : path
        Output folder (``build/``).
    tables : sequence of Table
        Sheets of the workbook in order: standard tables, then the appendix tables
        (``SamplingErrors.to_tables(lang)``).
    estimates : pandas.DataFrame
        The long estimates frame behind the tables (the tidy outputs hold all of it).
    info : BuildInfo
        Build facts; ``info.lang`` is the language of labels and headings.
    breakdowns : sequence of Breakdown
        Category labels for the tidy table.
    notes : sequence of str
        Lines of the notes sheet.
    name : str
        Base name: ``<name>.xlsx``, ``<name>_estimates.csv``, ``<name>_estimates.parquet``.
    parquet : bool
        Also write the Parquet file (needs pyarrow).

    Returns
    -------
    dict
        Output name -> path written, in writing order, ``manifest.json`` last.

    Raises
    ------
    OutputError
        ``folder`` is a file or cannot be created, a destination is a directory or not
        writable (``path`` names it), or pyarrow is missing for Parquet.
    """
    folder = _folder(folder)
    tidy = tidy_frame(estimates, breakdowns=breakdowns, lang=info.lang)
    outputs: dict[str, bytes] = {
        f"{name}.xlsx": workbook_bytes(tables, info=info, notes=notes),
        f"{name}_estimates.csv": csv_bytes(tidy),
    }
    if parquet:
        try:
            outputs[f"{name}_estimates.parquet"] = parquet_bytes(tidy)
        except ImportError as error:
            raise OutputError(
                "cannot write the Parquet output: it needs pyarrow (pip install pyarrow), "
                "or pass parquet=False",
                path=str(folder / f"{name}_estimates.parquet"),
            ) from error
    outputs[MANIFEST_NAME] = manifest_bytes(info, outputs)
    for output in outputs:
        check_output_path(folder / output)
    written = {}
    for output, data in outputs.items():
        written[output] = write_atomically(
            folder / output,
            lambda temporary, data=data: Path(temporary).write_bytes(data),
            errors=(OSError,),
        )
    return written
