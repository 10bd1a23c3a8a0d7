"""Writing survey data to SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files.

:func:`write` saves a :class:`SurveyData` (or a DataFrame with optional :class:`Metadata`) with
its variable labels, value labels and, for SPSS, declared user-missing values, through
pyreadstat. The file is written to a temporary file in the destination folder and renamed over
the destination only when complete, so an error never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import MicsWarning, OutputError
from mics_toolkit.io.atomic import check_output_path, write_atomically
from mics_toolkit.io.metadata import Metadata, SurveyData, normalise_code, to_survey_data
from mics_toolkit.io.read import SUFFIXES

__all__ = ["write"]

_STATA_VERSION = 14  # pyreadstat's name for dta format 118 (Stata 14 and later, UTF-8)


def write(
    data: SurveyData | pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    meta: Metadata | None = None,
    file_label: str | None = None,
) -> Path:
    """Write survey data to an SPSS or Stata file, atomically.

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        Values to write; column names become variable names.
    path : str or path-like
        Destination; the extension chooses the format: ``.sav`` (SPSS), ``.zsav`` (SPSS,
        zlib-compressed) or ``.dta`` (Stata 14+ format 118, UTF-8), in any case. An existing
        file is replaced.
    meta : Metadata, optional
        Metadata to write instead of ``data.meta`` (or with a DataFrame).
    file_label : str, optional
        File label; default ``meta.file_label``.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputError
        ``path`` is a directory, its folder does not exist or is not writable, the extension
        is unknown, or the data cannot be stored in the format (e.g. a Stata value label on a
        non-integer code, an invalid Stata variable name). ``path`` names the destination.

    Warns
    -----
    MicsWarning
        Writing ``.dta`` when the metadata declares SPSS user-missing values: Stata cannot
        declare them, so they are not written.

    Notes
    -----
    - What is written: variable labels, value labels of the frame's columns, and for SPSS the
      declared user-missing values and ranges (``meta.user_missing``; SPSS allows up to three
      discrete values, or one range and one discrete value). Special codes are not stored:
      they are classified again from the value labels on reading.
    - Data read with ``user_missing="missing"`` hold NaN where user-missing codes were, so the
      codes themselves are not written back (they become system-missing); read with
      ``user_missing="keep"`` to round-trip them.
    - Integer-valued numeric columns get an SPSS display format ``Fw.0``.
    - Atomicity: pyreadstat writes ``.<name>.<random>.tmp`` in the destination folder, which is
      then renamed over ``path`` (:func:`os.replace`); on any error the temporary file is
      removed and an existing ``path`` is left untouched.
    """
    survey = to_survey_data(data, meta)
    frame, metadata = survey.frame, survey.meta
    destination = Path(os.fspath(path))
    file_format = _check_destination(destination)
    for column in frame.columns:
        if not isinstance(column, str):
            raise OutputError(
                f"cannot write {destination}: column name {column!r} is not a string",
                path=str(destination),
            )

    columns = list(frame.columns)
    present = set(columns)
    options: dict[str, Any] = {
        "file_label": file_label if file_label is not None else metadata.file_label,
        "column_labels": {c: metadata.variable_labels.get(c) for c in columns},
    }
    value_labels = {
        name: dict(labels) for name, labels in metadata.value_labels.items() if name in present
    }
    if file_format == "dta":
        _check_stata_value_labels(frame, value_labels, destination)
        options["version"] = _STATA_VERSION
        _warn_undeclared_missing(metadata, present, destination)
    else:
        options.update(_spss_options(frame, metadata, present, file_format))
    if value_labels:
        options["variable_value_labels"] = value_labels

    import pyreadstat  # loaded when a file is written, not with the package

    writer = pyreadstat.write_dta if file_format == "dta" else pyreadstat.write_sav
    errors = (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeError,
              ValueError, TypeError)
    write_atomically(
        destination, lambda temporary: writer(frame, temporary, **options), errors=errors
    )
    return destination


def _warn_undeclared_missing(metadata: Metadata, present: set[str], destination: Path) -> None:
    """Warn that the SPSS user-missing declarations of the columns are not written to a
    Stata file (Stata cannot declare them)."""
    declared = sorted(
        name
        for name, um in metadata.user_missing.items()
        if name in present and (um.values or um.ranges)
    )
    if declared:
        warnings.warn(
            f"{destination}: Stata files cannot declare user-missing values; the "
            f"declarations of {', '.join(declared)} were not written",
            MicsWarning,
            stacklevel=3,
        )


def _spss_options(frame: pd.DataFrame, metadata: Metadata, present: set[str],
                  file_format: str) -> dict[str, Any]:
    """pyreadstat ``write_sav`` options: compression, user-missing ranges, integer formats."""
    options: dict[str, Any] = {"compress": file_format == "zsav"}
    missing_ranges = _spss_missing_ranges(metadata, present)
    if missing_ranges:
        options["missing_ranges"] = missing_ranges
    formats = _spss_integer_formats(frame)
    if formats:
        options["variable_format"] = formats
    return options


def _check_destination(destination: Path) -> str:
    """Check the destination path; return the format from its extension."""
    suffix = destination.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputError(
            f"cannot write {destination}: unknown extension {suffix or '(none)'!r}; "
            "expected .sav, .zsav or .dta",
            path=str(destination),
        )
    check_output_path(destination)
    return SUFFIXES[suffix]


def _check_stata_value_labels(
    frame: pd.DataFrame, value_labels: dict[str, dict[Any, str]], destination: Path
) -> None:
    """Stata labels integer codes of numeric variables only."""
    for name, labels in value_labels.items():
        if frame[name].dtype.kind not in "biuf":
            raise OutputError(
                f"cannot write {destination}: variable {name!r} is not numeric, and Stata "
                "value labels apply to numeric variables only",
                path=str(destination),
            )
        bad = [code for code in labels if not isinstance(normalise_code(code), int)]
        if bad:
            raise OutputError(
                f"cannot write {destination}: value labels of {name!r} have non-integer "
                f"codes {', '.join(map(repr, bad))}; Stata labels integers only",
                path=str(destination),
            )


def _spss_missing_ranges(metadata: Metadata, present: set[str]) -> dict[str, list[Any]]:
    """pyreadstat's ``missing_ranges`` from the declared user-missing values."""
    out: dict[str, list[Any]] = {}
    for name, declared in metadata.user_missing.items():
        if name not in present or not (declared.values or declared.ranges):
            continue
        entries: list[Any] = [{"lo": lo, "hi": hi} for lo, hi in declared.ranges]
        entries += list(declared.values)
        out[name] = entries
    return out


def _spss_integer_formats(frame: pd.DataFrame) -> dict[str, str]:
    """``Fw.0`` display formats for numeric columns holding only integers."""
    formats = {}
    for name in frame.columns:
        series = frame[name]
        if series.dtype.kind not in "biuf" or series.dtype.kind == "b":
            continue
        values = series.to_numpy(dtype=float, na_value=np.nan)
        values = values[~np.isnan(values)]
        if values.size == 0 or not np.all(np.isfinite(values)):
            continue
        if not np.all(values == np.round(values)):
            continue
        largest = float(np.max(np.abs(values)))
        if largest >= 1e15:
            continue
        width = len(str(int(largest))) + int(bool(np.any(values < 0)))
        formats[name] = f"F{max(width, 1)}.0"
    return formats
