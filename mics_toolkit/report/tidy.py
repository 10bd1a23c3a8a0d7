"""The tidy outputs: every estimate of a report in one long table, as CSV and Parquet.

:func:`tidy_frame` adds to the long estimates frame the category label (in the chosen
language) and the MICS small-sample flag; :func:`csv_bytes` and :func:`parquet_bytes` give
deterministic bytes (fixed column order and types, no index, no timestamps, no pandas
metadata) and :func:`write_csv`/:func:`write_parquet` write them atomically.
Estimates keep full precision; proportions are fractions (0-1), not percentages.

The gaps of a report (differences and ratios between two categories of a breakdown, the
frame of :func:`mics_toolkit.indicators.compute_gaps`) are a second tidy table,
:func:`tidy_gaps_frame` (:data:`GAP_TIDY_COLUMNS`: the gaps frame with the row's label, the
significance at 5% and the small-sample flag), written by :func:`gaps_csv_bytes` and
:func:`gaps_parquet_bytes` in the same way.

:func:`table_csv_bytes` is the one CSV writer of the package (the tidy table, the index
tables, ``mics estimate --out x.csv``): text fields that a spreadsheet would run as a formula
get a leading apostrophe (:mod:`mics_toolkit.report.text_safety`); the Parquet file keeps the
text as it is, since no spreadsheet evaluates it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, OutputError, check_option
from mics_toolkit.estimate import RESULT_COLUMNS
from mics_toolkit.indicators import GAP_COLUMNS, SIGNIFICANCE_LEVEL
from mics_toolkit.io import check_output_path, write_atomically
from mics_toolkit.report.text_safety import csv_safe
from mics_toolkit.report.words import gap_label
from mics_toolkit.tables import (
    LANGUAGES,
    TOTAL,
    TOTAL_TITLE,
    Breakdown,
    check_estimates,
    flags,
)
from mics_toolkit.tables.mics_rules import PARENTHESES_BELOW, SUPPRESS_BELOW

__all__ = [
    "GAP_TIDY_COLUMNS",
    "TIDY_COLUMNS",
    "csv_bytes",
    "gaps_csv_bytes",
    "gaps_parquet_bytes",
    "parquet_bytes",
    "table_csv_bytes",
    "tidy_frame",
    "tidy_gaps_frame",
    "write_csv",
    "write_parquet",
    "write_table_csv",
]

TIDY_COLUMNS: tuple[str, ...] = (
    "indicator",
    "breakdown",
    "category",
    "label",
    *RESULT_COLUMNS,
    "flags",
)
_TEXT_COLUMNS = ("indicator", "breakdown", "category", "label", "flags")
PARQUET_METADATA = {b"mics_toolkit": b"tidy estimates; proportions are fractions"}

GAP_TIDY_COLUMNS: tuple[str, ...] = (
    *GAP_COLUMNS[:6],
    "label",
    *GAP_COLUMNS[6:],
    "significant",
    "flags",
)
"""Columns of the tidy gaps table: :data:`mics_toolkit.indicators.GAP_COLUMNS` with
``label`` after ``contrast`` ("Difference: Richest - Poorest"), then ``significant``
(``p_value < 0.05``) and ``flags`` (the small-sample flag of ``n_unweighted``)."""
_GAP_TEXT_COLUMNS = ("indicator", "breakdown", "kind", "first", "second", "contrast", "label",
                     "flags")
GAPS_PARQUET_METADATA = {b"mics_toolkit": b"tidy gaps; differences of proportions are "
                                          b"fractions"}


def tidy_frame(
    estimates: pd.DataFrame,
    *,
    breakdowns: Sequence[Breakdown] = (),
    lang: str = "en",
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
) -> pd.DataFrame:
    """The long table of every estimate, with labels and flags.

    Parameters
    ----------
    estimates : pandas.DataFrame
        The long estimates frame (:func:`mics_toolkit.tables.stack_results`).
    breakdowns : sequence of Breakdown
        Where the category labels come from; categories without one get an empty label, the
        total "Total" (in ``lang``) unless a ``Breakdown.total()`` gives another.
    lang : {"en", "ru", "kk"}
    suppress_below, parentheses_below : int
        Small-sample thresholds for ``flags``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`: ``indicator``, ``breakdown``, ``category``, ``label``,
        ``estimate``, ``se``, ``ci_lower``, ``ci_upper``, ``cv``, ``deff``, ``deft``, ``df``,
        ``n_unweighted``, ``n_weighted``, ``flags`` (``""``, ``"25-49"``, ``"<25"`` or
        ``"0 cases"`` from ``n_unweighted``); rows in the order of ``estimates``.
    """
    check_option("lang", lang, LANGUAGES)
    check_estimates(estimates)
    labels: dict[tuple[str, str], str] = {}
    for breakdown in breakdowns:
        for category, label in breakdown.labelled_categories(lang):
            labels[(breakdown.key, category)] = label
    breakdown_column = estimates["breakdown"].astype(str).tolist()
    category_column = estimates["category"].astype(str).tolist()
    label_column = [
        labels.get((b, c), TOTAL_TITLE[lang] if b == TOTAL else "")
        for b, c in zip(breakdown_column, category_column, strict=True)
    ]
    out = pd.DataFrame(
        {
            "indicator": pd.array(estimates["indicator"].astype(str).tolist(), dtype="str"),
            "breakdown": pd.array(breakdown_column, dtype="str"),
            "category": pd.array(category_column, dtype="str"),
            "label": pd.array(label_column, dtype="str"),
        }
    )
    for name in RESULT_COLUMNS:
        dtype = np.int64 if name == "n_unweighted" else np.float64
        out[name] = estimates[name].to_numpy(dtype=dtype)
    marked = flags(
        out["n_unweighted"].to_numpy(),
        suppress_below=suppress_below,
        parentheses_below=parentheses_below,
    )
    out["flags"] = pd.array(marked.tolist(), dtype="str")
    return out


def tidy_gaps_frame(
    gaps: pd.DataFrame,
    *,
    breakdowns: Sequence[Breakdown] = (),
    lang: str = "en",
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
) -> pd.DataFrame:
    """The long table of every gap, with labels, significance and flags.

    Parameters
    ----------
    gaps : pandas.DataFrame
        The gaps frame (:func:`mics_toolkit.indicators.compute_gaps`).
    breakdowns : sequence of Breakdown
        Where the categories' labels come from (a category without one is named by its
        code).
    lang : {"en", "ru", "kk"}
    suppress_below, parentheses_below : int
        Small-sample thresholds for ``flags``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_TIDY_COLUMNS`, rows in the order of ``gaps``; differences of
        percentages are fractions (0.05 is 5 percentage points).
    """
    check_option("lang", lang, LANGUAGES)
    labels: dict[tuple[str, str], str] = {}
    for breakdown in breakdowns:
        for category, label in breakdown.labelled_categories(lang):
            labels[(breakdown.key, category)] = label
    rows = zip(*(gaps[name].astype(str).tolist()
                 for name in ("breakdown", "kind", "first", "second")), strict=True)
    label_column = [gap_label(kind, labels.get((b, first), first),
                              labels.get((b, second), second), lang)
                    for b, kind, first, second in rows]
    out = pd.DataFrame({name: pd.array(gaps[name].astype(str).tolist(), dtype="str")
                        for name in GAP_COLUMNS[:6]})
    out["label"] = pd.array(label_column, dtype="str")
    for name in GAP_COLUMNS[6:]:
        dtype = np.int64 if name == "n_unweighted" else np.float64
        out[name] = gaps[name].to_numpy(dtype=dtype)
    out["significant"] = out["p_value"].to_numpy() < SIGNIFICANCE_LEVEL
    marked = flags(out["n_unweighted"].to_numpy(), suppress_below=suppress_below,
                   parentheses_below=parentheses_below)
    out["flags"] = pd.array(marked.tolist(), dtype="str")
    return out


def gaps_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV of a tidy gaps frame (:func:`table_csv_bytes`)."""
    if list(frame.columns) != list(GAP_TIDY_COLUMNS):
        raise OptionError(f"not a tidy gaps frame: columns {list(frame.columns)}; use "
                          "tidy_gaps_frame()", option="frame", value=None, valid=GAP_TIDY_COLUMNS)
    return table_csv_bytes(frame)


def gaps_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet of a tidy gaps frame, as :func:`parquet_bytes` (``significant`` boolean)."""
    if list(frame.columns) != list(GAP_TIDY_COLUMNS):
        raise OptionError(f"not a tidy gaps frame: columns {list(frame.columns)}; use "
                          "tidy_gaps_frame()", option="frame", value=None, valid=GAP_TIDY_COLUMNS)
    return _parquet(frame, GAP_TIDY_COLUMNS, _GAP_TEXT_COLUMNS, GAPS_PARQUET_METADATA)


def _check_tidy(frame: pd.DataFrame) -> None:
    if list(frame.columns) != list(TIDY_COLUMNS):
        raise OptionError(f"not a tidy frame: columns {list(frame.columns)}; use tidy_frame()",
                          option="frame", value=None, valid=TIDY_COLUMNS)


def table_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV of any table: UTF-8 without BOM, ``\\n`` line ends, header row, no index, floats
    in their shortest round-trip form, empty field for NaN; text fields and column names
    that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
    apostrophe (:func:`~mics_toolkit.report.text_safety.csv_field`), numbers never.

    Examples
    --------
    >>> table_csv_bytes(pd.DataFrame({"region": ["=1+1"], "estimate": [-0.5]}))
    b"region,estimate\\n'=1+1,-0.5\\n"
    """
    text = csv_safe(frame).to_csv(index=False, lineterminator="\n", na_rep="")
    return text.encode("utf-8")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV of a tidy frame (:func:`table_csv_bytes`)."""
    _check_tidy(frame)
    return table_csv_bytes(frame)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet of a tidy frame with an explicit schema (text as UTF-8 strings, int64 counts,
    float64 statistics), snappy compression, and no pandas or creation metadata."""
    _check_tidy(frame)
    return _parquet(frame, TIDY_COLUMNS, _TEXT_COLUMNS, PARQUET_METADATA)


def _parquet(frame: pd.DataFrame, columns: Sequence[str], text_columns: Sequence[str],
             metadata: dict[bytes, bytes]) -> bytes:
    """Parquet bytes of ``frame``'s ``columns``: text, int64 ``n_unweighted``, boolean
    ``significant``, float64 others."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = []
    arrays = []
    for name in columns:
        if name in text_columns:
            kind = pa.string()
            values = frame[name].astype(str).tolist()
        elif name == "significant":
            kind = pa.bool_()
            values = frame[name].to_numpy(dtype=bool)
        elif name == "n_unweighted":
            kind = pa.int64()
            values = frame[name].to_numpy(dtype=np.int64)
        else:
            kind = pa.float64()
            values = frame[name].to_numpy(dtype=np.float64)
        fields.append(pa.field(name, kind, nullable=name not in text_columns))
        arrays.append(pa.array(values, type=kind))
    schema = pa.schema(fields, metadata=metadata)
    table = pa.Table.from_arrays(arrays, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(
        table,
        buffer,
        compression="snappy",
        version="2.6",
        use_dictionary=True,
        write_statistics=True,
        store_schema=False,
    )
    return buffer.getvalue()


def _write(path: str | os.PathLike[str], data: bytes) -> Path:
    return write_atomically(
        path, lambda temporary: Path(temporary).write_bytes(data), errors=(OSError,)
    )


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write :func:`csv_bytes` of ``frame`` to ``path`` atomically.

    Raises
    ------
    OutputError
        ``path`` is a directory, or its folder is missing or not writable.
    """
    check_output_path(path)
    return _write(path, csv_bytes(frame))


def write_table_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write :func:`table_csv_bytes` of any table to ``path`` atomically.

    Raises
    ------
    OutputError
        ``path`` is a directory, or its folder is missing or not writable.
    """
    check_output_path(path)
    return _write(path, table_csv_bytes(frame))


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write :func:`parquet_bytes` of ``frame`` to ``path`` atomically.

    Raises
    ------
    OutputError
        ``path`` is a directory, its folder is missing or not writable, or pyarrow is not
        installed.
    """
    check_output_path(path)
    try:
        data = parquet_bytes(frame)
    except ImportError as error:
        raise OutputError(
            f"cannot write {path}: Parquet needs pyarrow (pip install pyarrow)", path=str(path)
        ) from error
    return _write(path, data)
