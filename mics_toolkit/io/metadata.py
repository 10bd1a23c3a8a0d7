"""Survey data with its metadata: labels, declared user-missing values and special codes.

This module holds the two containers every reader returns and every writer and estimator takes:
:class:`Metadata` (file name and format, variable labels, value labels, declared user-missing
values, special codes classified from value labels, character encoding) and :class:`SurveyData`
(a pandas DataFrame plus its :class:`Metadata`). :class:`UserMissing` describes one variable's
declared user-missing values (SPSS discrete values and ranges, Stata extended missing values).
:func:`metadata_for_frame` and :func:`to_survey_data` let a plain DataFrame enter wherever a
:class:`SurveyData` is accepted.

Codes (value-label keys, user-missing values, special codes) are stored as they compare with the
data: numbers as ``int`` when integral (``99`` rather than ``99.0``; ``99 == 99.0`` in Python and
numpy, so look-ups work whatever the column's dtype), other numbers as ``float``, and string codes
as ``str``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, VariableError, close_matches

__all__ = [
    "FileFormat",
    "Metadata",
    "SurveyData",
    "UserMissing",
    "metadata_for_frame",
    "normalise_code",
    "to_survey_data",
]

FileFormat = Literal["sav", "zsav", "dta"]


def normalise_code(code: Any) -> Any:
    """Return ``code`` in the form metadata stores it.

    Integral numbers become ``int`` (``99.0 -> 99``), other real numbers ``float``, numpy scalars
    Python scalars; strings and anything else are returned unchanged.

    Parameters
    ----------
    code : object
        A value-label key, user-missing value or special code.

    Returns
    -------
    object
        The normalised code.

    Examples
    --------
    >>> normalise_code(99.0), normalise_code(2.5), normalise_code("a")
    (99, 2.5, 'a')
    """
    if isinstance(code, bool | np.bool_):
        return int(code)
    if isinstance(code, numbers.Integral):
        return int(code)
    if isinstance(code, numbers.Real):
        value = float(code)
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    return code


def _format_code(code: Any) -> str:
    """Text of a code for messages and summaries (``99``, ``2.5``, ``'a'``)."""
    if isinstance(code, str):
        return repr(code)
    return str(code)


@dataclass(frozen=True)
class UserMissing:
    """Declared user-missing values of one variable.

    Parameters
    ----------
    values : tuple
        Discrete missing values (SPSS allows up to three, numeric or string).
    ranges : tuple of (low, high)
        Inclusive numeric ranges (SPSS allows one range plus one discrete value); ``-inf`` and
        ``inf`` stand for SPSS ``LOWEST`` and ``HIGHEST``.
    extended : dict of str to str
        Stata extended missing values (``".a"`` ... ``".z"``) found in the data or labelled, with
        their value labels (``""`` when unlabelled). They have no numeric value and are always
        read as NaN.

    Notes
    -----
    A value ``x`` is user-missing when ``x in values`` or ``low <= x <= high`` for one of the
    ``ranges`` (SPSS ``MISSING VALUES`` semantics).
    """

    values: tuple = ()
    ranges: tuple[tuple[float, float], ...] = ()
    extended: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(normalise_code(v) for v in self.values))
        object.__setattr__(self, "ranges", tuple((float(lo), float(hi)) for lo, hi in self.ranges))
        object.__setattr__(self, "extended", dict(self.extended))

    def __bool__(self) -> bool:
        return bool(self.values or self.ranges or self.extended)

    def mask(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Return a boolean array, True where ``values`` are declared missing.

        Parameters
        ----------
        values : numpy.ndarray or pandas.Series
            One column of data.

        Returns
        -------
        numpy.ndarray of bool
        """
        array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        out = np.zeros(array.shape, dtype=bool)
        if array.dtype.kind in "biuf":
            numeric = array.astype(float, copy=False)
            wanted = [float(v) for v in self.values if isinstance(v, numbers.Real)]
            if wanted:
                out |= np.isin(numeric, wanted)
            for low, high in self.ranges:
                out |= (numeric >= low) & (numeric <= high)
            return out
        # object or string column: compare element by element
        for value in self.values:
            out |= _equal(array, value)
        if self.ranges:
            numeric = pd.to_numeric(pd.Series(array, dtype=object), errors="coerce").to_numpy(
                dtype=float
            )
            for low, high in self.ranges:
                out |= (numeric >= low) & (numeric <= high)
        return out

    def describe(self) -> str:
        """Plain-text summary, e.g. ``"98, 99; 900 thru 999; .a"``."""
        parts = [", ".join(_format_code(v) for v in self.values)] if self.values else []
        parts += [
            f"{_format_code(normalise_code(lo))} thru {_format_code(normalise_code(hi))}"
            for lo, hi in self.ranges
        ]
        if self.extended:
            parts.append(", ".join(self.extended))
        return "; ".join(parts)


def _equal(array: np.ndarray, code: Any) -> np.ndarray:
    """Element-wise ``array == code`` that is False (not an error) across types."""
    if array.dtype.kind in "biuf":
        if isinstance(code, numbers.Real) and not isinstance(code, bool):
            return array == code
        return np.zeros(array.shape, dtype=bool)
    if array.dtype.kind in "OUT":
        return np.fromiter((v == code for v in array.tolist()), dtype=bool, count=array.size)
    # extension arrays turned to numpy (e.g. pandas string) compare safely as objects
    return _equal(array.astype(object), code)


@dataclass(frozen=True)
class Metadata:
    """What a survey file says about its variables, beyond the values.

    Parameters
    ----------
    file : str or None
        Path of the file read, or None for data built in memory.
    file_format : {"sav", "zsav", "dta"} or None
        Format of ``file``.
    file_label : str
        The file's label ("" when none).
    variable_labels : dict of str to str
        Variable name -> label, for labelled variables only.
    value_labels : dict of str to dict
        Variable name -> {code: label}. Stata extended missing values are not here but in
        ``user_missing[variable].extended``.
    user_missing : dict of str to UserMissing
        Variable name -> its declared user-missing values (SPSS) or extended missing values
        found (Stata).
    special_codes : dict of str to dict
        Variable name -> {code: category}, the codes classified from their value labels (and
        per-call overrides) by :func:`mics_toolkit.io.missing.classify_label`. Categories
        ``"no_response"``, ``"dont_know"``, ``"not_applicable"`` are missing-like;
        ``"top_code"`` and ``"other"`` are values.
    encoding : str or None
        Character encoding the file was read with (as reported by the file, or the
        ``encoding`` argument when given).

    Notes
    -----
    The dictionaries are copied on construction; treat them as read-only and derive new
    metadata with :func:`dataclasses.replace` or :meth:`select`.
    """

    file: str | None = None
    file_format: FileFormat | None = None
    file_label: str = ""
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    user_missing: dict[str, UserMissing] = field(default_factory=dict)
    special_codes: dict[str, dict[Any, str]] = field(default_factory=dict)
    encoding: str | None = None

    def __post_init__(self) -> None:
        if self.file_format not in (None, "sav", "zsav", "dta"):
            raise OptionError(
                f"file_format must be 'sav', 'zsav', 'dta' or None, not {self.file_format!r}",
                option="file_format", value=self.file_format, valid=("sav", "zsav", "dta"),
            )
        object.__setattr__(self, "file_label", self.file_label or "")
        object.__setattr__(
            self,
            "variable_labels",
            {str(k): str(v) for k, v in self.variable_labels.items() if v},
        )
        object.__setattr__(self, "value_labels", _copy_coded(self.value_labels))
        object.__setattr__(self, "special_codes", _copy_coded(self.special_codes))
        user_missing = {}
        for name, declared in self.user_missing.items():
            if not isinstance(declared, UserMissing):
                raise OptionError(
                    f"user_missing[{name!r}] must be a UserMissing, not {type(declared).__name__}",
                    option="user_missing", value=name, valid=(),
                )
            if declared:
                user_missing[str(name)] = declared
        object.__setattr__(self, "user_missing", user_missing)

    def variable_label(self, variable: str) -> str:
        """Label of ``variable``, or ``""`` when it has none."""
        return self.variable_labels.get(variable, "")

    def labels(self, variable: str) -> dict[Any, str]:
        """Value labels of ``variable`` as a new dict ({} when it has none)."""
        return dict(self.value_labels.get(variable, {}))

    def select(self, variables: Iterable[str]) -> Metadata:
        """Return the metadata restricted to ``variables`` (names absent here are ignored)."""
        keep = set(variables)
        return dataclasses.replace(
            self,
            variable_labels={k: v for k, v in self.variable_labels.items() if k in keep},
            value_labels={k: v for k, v in self.value_labels.items() if k in keep},
            user_missing={k: v for k, v in self.user_missing.items() if k in keep},
            special_codes={k: v for k, v in self.special_codes.items() if k in keep},
        )


def _copy_coded(mapping: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[Any, str]]:
    """Deep-copy variable -> {code: text}, normalising codes and dropping empty entries."""
    out: dict[str, dict[Any, str]] = {}
    for name, coded in mapping.items():
        inner = {normalise_code(code): str(text) for code, text in coded.items()}
        if inner:
            out[str(name)] = inner
    return out


@dataclass(frozen=True)
class SurveyData:
    """A survey data set: values and metadata.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit, columns with the file's names and case. Numeric columns are float64
        (or int64 when a Stata integer column has no missing value).
    meta : Metadata
        Labels, declared user-missing values and special codes of the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> data = to_survey_data(pd.DataFrame({"HH6": [1, 2, 1]}))
    >>> data.frame.shape, data.meta.file
    ((3, 1), None)
    """

    frame: pd.DataFrame
    meta: Metadata = field(default_factory=Metadata)

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise OptionError(f"frame must be a pandas DataFrame, not {type(self.frame).__name__}",
                              option="frame", value=type(self.frame).__name__, valid=())
        if not isinstance(self.meta, Metadata):
            raise OptionError(f"meta must be a Metadata, not {type(self.meta).__name__}",
                              option="meta", value=type(self.meta).__name__, valid=())

    @property
    def columns(self) -> list[str]:
        """Variable names in frame order."""
        return [str(c) for c in self.frame.columns]

    def labels(self, variable: str) -> dict[Any, str]:
        """Value labels of ``variable`` ({} when it has none).

        Raises
        ------
        VariableError
            ``variable`` is not a column of the frame.
        """
        self._check(variable)
        return self.meta.labels(variable)

    def variable_label(self, variable: str) -> str:
        """Label of ``variable`` ("" when it has none).

        Raises
        ------
        VariableError
            ``variable`` is not a column of the frame.
        """
        self._check(variable)
        return self.meta.variable_label(variable)

    def select(self, columns: Iterable[str]) -> SurveyData:
        """Return a new SurveyData with only ``columns`` (in that order) and their metadata.

        Raises
        ------
        VariableError
            A name is not a column of the frame.
        """
        columns = [columns] if isinstance(columns, str) else list(columns)
        for name in columns:
            self._check(name)
        return SurveyData(self.frame.loc[:, columns], self.meta.select(columns))

    def _check(self, variable: str) -> None:
        if variable not in self.frame.columns:
            matches = close_matches(variable, self.columns)
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            where = self.meta.file or "the data"
            raise VariableError(
                f"variable {variable!r} is not in {where}{hint}",
                variable=variable,
                file=self.meta.file,
                close_matches=matches,
            )


def metadata_for_frame(frame: pd.DataFrame | None = None) -> Metadata:
    """Empty metadata for a DataFrame built in memory (no file, labels or special codes).

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        Accepted for symmetry with readers; its contents are not used.

    Returns
    -------
    Metadata
    """
    return Metadata()


def to_survey_data(data: SurveyData | pd.DataFrame, meta: Metadata | None = None) -> SurveyData:
    """Return ``data`` as a :class:`SurveyData`.

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        A DataFrame is wrapped with ``meta`` or with empty metadata; a SurveyData is returned
        unchanged, or with its metadata replaced by ``meta`` when given.
    meta : Metadata, optional

    Returns
    -------
    SurveyData

    Raises
    ------
    TypeError
        ``data`` is neither a DataFrame nor a SurveyData.
    """
    if isinstance(data, SurveyData):
        return data if meta is None else SurveyData(data.frame, meta)
    if isinstance(data, pd.DataFrame):
        return SurveyData(data, meta if meta is not None else metadata_for_frame(data))
    raise OptionError(
        f"data must be a pandas DataFrame or a SurveyData, not {type(data).__name__}",
        option="data", value=type(data).__name__, valid=(),
    )
