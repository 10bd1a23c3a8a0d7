"""Reading SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) survey files.

:func:`read` opens one file with pyreadstat and returns a :class:`SurveyData`: the values in a
pandas DataFrame (original variable names and case) and a :class:`Metadata` with variable
labels, value labels, declared user-missing values and the special codes classified from the
value labels and values (:mod:`mics_toolkit.io.missing`). It applies SPSS semantics to declared
user-missing values (they become missing unless asked otherwise) and leaves labelled special
codes as values unless asked otherwise. The file is only ever opened for reading.

Files are untrusted input: a ``.dta`` file is first checked to be complete
(:mod:`mics_toolkit.io.stata_layout`, the C reader would read a truncated one without its value
labels), and the C reader runs in a separate reader process
(:mod:`mics_toolkit.io.reader_process`), so a file it would crash on is a
:class:`~mics_toolkit.errors.ReadError`, never the end of the calling process (the measured
cost is in that module).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, ReadError, VariableError, check_option, close_matches
from mics_toolkit.io.metadata import FileFormat, Metadata, SurveyData, UserMissing, normalise_code
from mics_toolkit.io.missing import MISSING_CATEGORIES, classify_special_codes
from mics_toolkit.io.reader_process import run_in_reader
from mics_toolkit.io.stata_layout import check_dta_complete

__all__ = ["SUFFIXES", "read", "read_metadata"]

logger = logging.getLogger(__name__)

SUFFIXES: dict[str, FileFormat] = {".sav": "sav", ".zsav": "zsav", ".dta": "dta"}
_USER_MISSING = ("missing", "keep")
_SPECIAL_CODES = ("keep", "missing")


def _reader_function(file_format: FileFormat) -> Any:
    """pyreadstat's reader of a format, and the errors it raises on a bad file. pyreadstat is
    imported here, in the reader process that parses files (it is not needed before)."""
    import pyreadstat

    errors = (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError, OSError)
    return (pyreadstat.read_dta if file_format == "dta" else pyreadstat.read_sav), errors


def read(
    path: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    *,
    user_missing: Literal["missing", "keep"] = "missing",
    special_codes: Literal["keep", "missing"] = "keep",
    special_code_overrides: Mapping[str, Mapping[Any, str | None]] | None = None,
    encoding: str | None = None,
) -> SurveyData:
    """Read an SPSS or Stata survey file.

    Parameters
    ----------
    path : str or path-like
        A ``.sav``, ``.zsav`` or ``.dta`` file (extension in any case).
    columns : sequence of str, optional
        Read only these variables, in this order (exact names). Default: all, in file order.
    user_missing : {"missing", "keep"}, default "missing"
        ``"missing"``: values declared user-missing in an SPSS file (discrete values and
        ranges) become NaN, as SPSS treats them. ``"keep"``: the raw codes are kept as values;
        the declarations stay in ``meta.user_missing`` either way.
    special_codes : {"keep", "missing"}, default "keep"
        ``"keep"``: codes classified as no response, don't know, not applicable, non-numeric
        or inconsistent stay as values (an average of them warns). ``"missing"``: they become
        NaN. Top codes ("95+") and "Other" are values in both cases.
    special_code_overrides : mapping, optional
        Variable -> {code: category or None}; changes the classification for this call, see
        :func:`mics_toolkit.io.missing.classify_special_codes`.
    encoding : str, optional
        Character encoding of the file's text, for files that do not record it (Stata before
        version 14, old SPSS files), e.g. ``"cp1251"`` or ``"utf-8"``. Passed to pyreadstat.

    Returns
    -------
    SurveyData
        ``frame``: one column per variable; numeric columns float64, or int64 for Stata
        integer columns without missing values; strings as pandas strings; dates as
        datetime64. ``meta``: see :class:`Metadata`.

    Raises
    ------
    ReadError
        The file does not exist, is a directory, has an unknown extension, cannot be parsed
        (corrupt, truncated, not a survey file; the C reader crashed on it) or ``encoding``
        is unknown. ``path`` names it.
    VariableError
        A name in ``columns`` or in ``special_code_overrides`` is not in the file; the error
        lists close names (case-insensitive).
    OptionError
        ``user_missing`` or ``special_codes`` is not one of its documented values.

    Notes
    -----
    Semantics chosen, and their equivalents:

    - SPSS user-missing: a value ``x`` of variable ``v`` is missing when ``x`` equals one of
      the declared discrete values or ``low <= x <= high`` for a declared range (SPSS
      ``MISSING VALUES``; pyreadstat ``user_missing=False`` gives the same frame). R's
      ``haven::read_sav(user_na = FALSE)`` is the same default.
    - Stata extended missing values (``.a`` ... ``.z``) have no numeric value: they are
      always NaN in the frame, whatever ``user_missing``; the tags found in the data and their
      value labels are in ``meta.user_missing[v].extended``.
    - Special codes (:mod:`mics_toolkit.io.missing`) are classified from the labels and the
      values of the columns read; ``special_codes="missing"`` blanks those of
      :data:`~mics_toolkit.io.missing.MISSING_CATEGORIES`.

    Examples
    --------
    >>> data = read("wm.sav", columns=["HH1", "HH2", "LS2", "wmweight"])  # doctest: +SKIP
    >>> data.meta.special_codes["LS2"]  # doctest: +SKIP
    {99: 'no_response'}
    """
    check_option("user_missing", user_missing, _USER_MISSING)
    check_option("special_codes", special_codes, _SPECIAL_CODES)
    file_name, file_format = _check_path(path)
    wanted = _check_columns_argument(columns)
    all_names, frame, raw = run_in_reader(
        _read_values, file_name, file_format, wanted, encoding, file_name=file_name
    )
    if frame is None:
        _check_names(wanted, all_names, file_name)
    names = [str(c) for c in frame.columns]
    value_labels, user_declared = _labels_and_missing(raw, file_format)
    if user_missing == "missing":
        _blank_user_missing(frame, user_declared)
    classified = _special_codes(
        frame, value_labels, special_code_overrides, all_names or names, file_name,
        blank=special_codes == "missing",
    )
    if wanted is not None and wanted != names:
        frame = frame.loc[:, wanted]
    meta = _metadata(
        raw, file_name, file_format, encoding, value_labels, user_declared, classified
    )
    logger.info("read %s: %d rows x %d variables", file_name, *frame.shape)
    return SurveyData(frame, meta)


def read_metadata(
    path: str | os.PathLike[str],
    *,
    special_code_overrides: Mapping[str, Mapping[Any, str | None]] | None = None,
    encoding: str | None = None,
) -> tuple[list[str], int, Metadata]:
    """Read only the metadata of a survey file (no values).

    Parameters
    ----------
    path, special_code_overrides, encoding
        As for :func:`read`.

    Returns
    -------
    names : list of str
        Variable names in file order.
    n_rows : int
        Number of rows the file declares (-1 when unknown).
    meta : Metadata

    Raises
    ------
    ReadError, VariableError
        As for :func:`read`.

    Notes
    -----
    Special codes are classified from the value labels only: without the values,
    :func:`~mics_toolkit.io.missing.classify_quantity_codes` cannot tell a measured quantity
    from a list of categories, so ``meta.special_codes`` may hold fewer codes than
    :func:`read` finds.
    """
    names, n_rows, meta, _ = _read_header(path, special_code_overrides, encoding)
    return names, n_rows, meta


def _read_header(
    path: str | os.PathLike[str],
    special_code_overrides: Mapping[str, Mapping[Any, str | None]] | None,
    encoding: str | None,
) -> tuple[list[str], int, Metadata, dict[str, str]]:
    """:func:`read_metadata`, plus each variable's kind: ``"text"`` or ``"numbers"``."""
    file_name, file_format = _check_path(path)
    names, raw = run_in_reader(
        _read_labels, file_name, file_format, encoding, file_name=file_name
    )
    value_labels, user_declared = _labels_and_missing(raw, file_format)
    classified = classify_special_codes(
        value_labels, special_code_overrides, variables=names, file=file_name
    )
    types = raw.readstat_variable_types or {}
    kinds = {name: "text" if types.get(name) == "string" else "numbers" for name in names}
    meta = _metadata(
        raw, file_name, file_format, encoding, value_labels, user_declared, classified
    )
    n_rows = raw.number_rows if raw.number_rows is not None else -1
    return names, int(n_rows), meta, kinds


def _special_codes(
    frame: pd.DataFrame,
    value_labels: dict[str, dict[Any, str]],
    overrides: Mapping[str, Mapping[Any, str | None]] | None,
    variables: list[str],
    file_name: str,
    *,
    blank: bool,
) -> dict[str, dict[Any, str]]:
    """Special codes of the columns of ``frame`` (from labels and values); with ``blank``,
    the codes of :data:`MISSING_CATEGORIES` become NaN in ``frame``, in place."""
    classified = classify_special_codes(
        value_labels,
        overrides,
        variables=variables,
        file=file_name,
        values={name: frame[name] for name in value_labels if name in frame.columns},
    )
    classified = {name: codes for name, codes in classified.items() if name in frame.columns}
    if blank:
        for name, codes in classified.items():
            missing_codes = [code for code, cat in codes.items() if cat in MISSING_CATEGORIES]
            if missing_codes:
                _blank(frame, name, _isin(frame[name], missing_codes))
    return classified


def _metadata(
    raw: Any,
    file_name: str,
    file_format: FileFormat,
    encoding: str | None,
    value_labels: dict[str, dict[Any, str]],
    user_declared: dict[str, UserMissing],
    special_codes: dict[str, dict[Any, str]],
) -> Metadata:
    """The :class:`Metadata` of a file from pyreadstat's metadata and what was made of it."""
    return Metadata(
        file=file_name,
        file_format=file_format,
        file_label=raw.file_label or "",
        variable_labels={k: v for k, v in raw.column_names_to_labels.items() if v},
        value_labels=value_labels,
        user_missing=user_declared,
        special_codes=special_codes,
        encoding=encoding if encoding is not None else raw.file_encoding,
    )


def _read_values(
    file_name: str,
    file_format: FileFormat,
    wanted: list[str] | None,
    encoding: str | None,
) -> tuple[list[str] | None, pd.DataFrame | None, Any]:
    """Read the values of a file (in the reader process, see :func:`run_in_reader`).

    Returns the file's variable names (None when ``wanted`` is None), the frame with numeric
    object columns turned into float64 (None when a name in ``wanted`` is not in the file) and
    pyreadstat's metadata.
    """
    _check_complete(file_name, file_format)
    all_names = None
    if wanted is not None:
        empty, raw = _call(file_format, file_name, metadataonly=True, encoding=encoding)
        all_names = [str(c) for c in empty.columns]
        if not set(wanted) <= set(all_names):
            return all_names, None, raw
    frame, raw = _call(
        file_format,
        file_name,
        usecols=wanted,
        user_missing=True,
        dates_as_pandas_datetime=True,
        encoding=encoding,
    )
    value_labels, declared = _labels_and_missing(raw, file_format)
    _numeric_objects_to_float(frame, raw, declared, value_labels)
    return all_names, frame, raw


def _read_labels(
    file_name: str, file_format: FileFormat, encoding: str | None
) -> tuple[list[str], Any]:
    """Variable names and pyreadstat's metadata (in the reader process, see
    :func:`run_in_reader`)."""
    _check_complete(file_name, file_format)
    frame, raw = _call(file_format, file_name, metadataonly=True, user_missing=True,
                       encoding=encoding)
    return [str(c) for c in frame.columns], raw


def _check_complete(file_name: str, file_format: FileFormat) -> None:
    """Reject a truncated file the reader would read without an error (Stata)."""
    if file_format == "dta":
        check_dta_complete(file_name)


def _check_path(path: str | os.PathLike[str]) -> tuple[str, FileFormat]:
    """Check that ``path`` is an existing file of a known format; return its name and format."""
    try:
        file_name = os.fspath(path)
    except TypeError:
        raise OptionError(f"path must be a str or path-like, not {type(path).__name__}",
                          option="path", value=type(path).__name__, valid=()) from None
    if isinstance(file_name, bytes):
        file_name = os.fsdecode(file_name)
    suffix = Path(file_name).suffix.lower()
    if os.path.isdir(file_name):
        raise ReadError(f"cannot read {file_name}: it is a directory, not a file", path=file_name)
    if not os.path.exists(file_name):
        raise ReadError(f"cannot read {file_name}: the file does not exist", path=file_name)
    if suffix not in SUFFIXES:
        raise ReadError(
            f"cannot read {file_name}: unknown extension {suffix or '(none)'!r}; "
            "expected .sav, .zsav or .dta",
            path=file_name,
        )
    return file_name, SUFFIXES[suffix]


def _call(file_format: FileFormat, file_name: str, **options: Any) -> tuple[pd.DataFrame, Any]:
    """Call pyreadstat's reader of ``file_format``, turning its errors into
    :class:`ReadError`."""
    reader, errors = _reader_function(file_format)
    try:
        frame, raw = reader(file_name, **options)
        # the metadata as a plain namespace: the caller unpickles it without pyreadstat
        return frame, SimpleNamespace(**vars(raw))
    except errors as error:
        encoding = options.get("encoding")
        extra = f" (encoding {encoding!r})" if encoding else ""
        text = str(error)
        if "encoding" in text or "character set" in text:
            advice = (
                "Its text is not in the encoding used; pass encoding= with the file's "
                "encoding (e.g. 'utf-8', 'cp1251', 'latin-1')."
            )
        else:
            advice = "The file may be corrupt, truncated or not an SPSS/Stata file."
        raise ReadError(
            f"cannot read {file_name}{extra}: {text}. {advice}", path=file_name
        ) from error


def _check_columns_argument(columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    names = column_names(columns)
    if not names:
        raise OptionError("columns is empty; pass None to read every variable",
                          option="columns", value=[], valid=())
    return names


def column_names(columns) -> list[str]:
    """``columns`` (a name or names) as a list without repeats; OptionError for a name that is
    not text."""
    names = [columns] if isinstance(columns, str) else list(columns)
    for name in names:
        if not isinstance(name, str):
            raise OptionError(
                f"columns must hold variable names (str), not {type(name).__name__}",
                option="columns", value=name, valid=(),
            )
    return list(dict.fromkeys(names))


def _check_names(wanted: Sequence[str], available: Sequence[str], file_name: str) -> None:
    present = set(available)
    unknown = [name for name in wanted if name not in present]
    if not unknown:
        return
    first = unknown[0]
    matches = close_matches(first, available)
    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
    others = f" (also not found: {', '.join(unknown[1:])})" if len(unknown) > 1 else ""
    raise VariableError(
        f"variable {first!r} is not in {file_name}{hint}{others}",
        variable=first,
        file=file_name,
        close_matches=matches,
    )


def _labels_and_missing(
    raw: Any, file_format: FileFormat
) -> tuple[dict[str, dict[Any, str]], dict[str, UserMissing]]:
    """Value labels and declared user-missing values from pyreadstat's metadata.

    For Stata files, value labels keyed by a letter are labels of extended missing values
    (``.a`` ... ``.z``); they move to ``UserMissing.extended``.
    """
    value_labels: dict[str, dict[Any, str]] = {}
    extended: dict[str, dict[str, str]] = {}
    for name, labels in raw.variable_value_labels.items():
        ordinary = {}
        for code, label in labels.items():
            if file_format == "dta" and isinstance(code, str):
                extended.setdefault(name, {})[f".{code}"] = label
            else:
                ordinary[normalise_code(code)] = label
        value_labels[name] = ordinary
    declared: dict[str, UserMissing] = {}
    for name, ranges in (raw.missing_ranges or {}).items():
        values, spans = [], []
        for span in ranges:
            low, high = span["lo"], span["hi"]
            if low == high:
                values.append(low)
            else:
                spans.append((low, high))
        declared[name] = UserMissing(values=tuple(values), ranges=tuple(spans))
    for name, tags in (raw.missing_user_values or {}).items():
        if file_format != "dta":
            continue
        found = extended.setdefault(name, {})
        for tag in tags:
            found.setdefault(f".{tag}", "")
    for name, tags in extended.items():
        previous = declared.get(name, UserMissing())
        declared[name] = UserMissing(
            values=previous.values, ranges=previous.ranges, extended=dict(sorted(tags.items()))
        )
    return value_labels, declared


def _numeric_objects_to_float(
    frame: pd.DataFrame,
    raw: Any,
    declared: Mapping[str, UserMissing],
    value_labels: Mapping[str, Mapping[Any, str]],
) -> None:
    """Turn numeric columns that pyreadstat returned as objects into float64, in place.

    pyreadstat returns a Stata integer column holding a missing value as an object column of
    Python ints and NaN, and an extended missing value as its letter (``"a"``); both become
    float64 with NaN.
    """
    types = raw.readstat_variable_types
    for name in frame.columns:
        series = frame[name]
        if series.dtype != object or types.get(name) == "string":
            continue
        values = series.to_numpy(dtype=object, copy=True)
        if name in declared and declared[name].extended:
            is_tag = np.fromiter(
                (isinstance(v, str) for v in values.tolist()), dtype=bool, count=values.size
            )
            values[is_tag] = np.nan
        try:
            frame[name] = values.astype(float)
        except (TypeError, ValueError):  # e.g. a date column holding an extended missing value
            logger.debug("column %s kept as object", name)


def _blank_user_missing(frame: pd.DataFrame, declared: Mapping[str, UserMissing]) -> None:
    """Set the declared user-missing values (SPSS discrete values and ranges) to NaN."""
    for name, missing in declared.items():
        if missing.values or missing.ranges:
            _blank(frame, name, missing.mask(frame[name]))


def _isin(series: pd.Series, codes: Sequence[Any]) -> np.ndarray:
    """Boolean array: ``series`` equals one of ``codes`` (numbers and strings kept apart)."""
    return UserMissing(values=tuple(codes)).mask(series)


def _blank(frame: pd.DataFrame, name: str, mask: np.ndarray) -> None:
    """Set ``frame[name]`` to missing where ``mask``, in place (integers become float64)."""
    if not mask.any():
        return
    series = frame[name]
    if series.dtype.kind in "biu":
        series = series.astype(float)
    frame[name] = series.mask(mask)
