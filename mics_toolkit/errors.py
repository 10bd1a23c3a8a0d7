"""Exceptions and warnings of mics_toolkit.

Every input problem raises a subclass of :class:`MicsError`. Each subclass also inherits the
closest builtin exception, so generic handlers (``except ValueError``) keep working, and carries
the facts of its message as attributes (file, variable, counts, codes) so programs never need
to parse message text. Warnings subclass :class:`MicsWarning`.

This module is a leaf: it imports nothing from the package.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Sequence

__all__ = [
    "CalibrationError",
    "DesignError",
    "ExpressionError",
    "LinkError",
    "MicsError",
    "MicsWarning",
    "NormalisedTotalWarning",
    "OptionError",
    "OutputError",
    "ReadError",
    "SpecError",
    "SpecialCodeWarning",
    "TextWeightWarning",
    "VariableError",
    "WeightError",
    "check_option",
    "close_matches",
]


class MicsError(Exception):
    """Base class of every error raised by mics_toolkit for bad input."""


class OptionError(MicsError, ValueError):
    """An option has a value outside its closed set.

    Attributes
    ----------
    option : str
    value : object
    valid : tuple of str
    """

    def __init__(self, message: str, *, option: str, value: object, valid: Sequence[str]) -> None:
        super().__init__(message)
        self.option = option
        self.value = value
        self.valid = tuple(valid)


def check_option(option: str, value: object, valid: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``valid``, else raise :class:`OptionError` listing them.

    No synonyms, prefixes or case-folding are accepted.
    """
    if isinstance(value, str) and value in valid:
        return value
    raise OptionError(
        f"{option}={value!r} is not valid; use one of: {', '.join(repr(v) for v in valid)}",
        option=option,
        value=value,
        valid=valid,
    )


class ReadError(MicsError, OSError):
    """A survey file cannot be read: missing, unreadable, corrupt or of an unknown format.

    Attributes
    ----------
    path : str
        The file that could not be read.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return self.args[0]


class VariableError(MicsError, LookupError):
    """A variable (column) named by the caller does not exist or has the wrong type.

    Attributes
    ----------
    variable : str
        The name the caller gave.
    file : str or None
        The file or data set that was searched.
    close_matches : list of str
        Existing names close to ``variable`` (case-insensitive), best first.
    """

    def __init__(
        self,
        message: str,
        *,
        variable: str | None = None,
        file: str | None = None,
        close_matches: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.variable = variable
        self.file = file
        self.close_matches = list(close_matches)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return self.args[0]


class WeightError(MicsError, ValueError):
    """Weights are missing, negative, infinite or not numeric.

    Attributes
    ----------
    variable : str
        The weight variable.
    n_bad : int
        Number of rows with a bad weight.
    """

    def __init__(self, message: str, *, variable: str | None = None, n_bad: int = 0) -> None:
        super().__init__(message)
        self.variable = variable
        self.n_bad = n_bad


class DesignError(MicsError, ValueError):
    """The sample design is inconsistent (PSU in two strata, singleton strata, bad fpc ...).

    Attributes
    ----------
    codes : list
        The offending stratum or PSU codes.
    """

    def __init__(self, message: str, *, codes: Iterable[object] = ()) -> None:
        super().__init__(message)
        self.codes = list(codes)


class CalibrationError(MicsError, ValueError):
    """Weights cannot be adjusted to the population figures given (post-stratification,
    raking, calibration, trimming) or built from a sample frame.

    Attributes
    ----------
    variable : str or None
        The calibration variable (margin) or questionnaire concerned.
    levels : list
        The offending levels or codes (absent from the sample, missing from the totals,
        with a bad count, or furthest from their target).
    """

    def __init__(
        self, message: str, *, variable: str | None = None, levels: Iterable[object] = ()
    ) -> None:
        super().__init__(message)
        self.variable = variable
        self.levels = list(levels)


class LinkError(MicsError, ValueError):
    """Files cannot be linked on their keys (duplicates, orphans, row multiplication).

    Attributes
    ----------
    files : list of str
    keys : list of str
    count : int
    """

    def __init__(
        self,
        message: str,
        *,
        files: Sequence[str] = (),
        keys: Sequence[str] = (),
        count: int = 0,
    ) -> None:
        super().__init__(message)
        self.files = list(files)
        self.keys = list(keys)
        self.count = count


class ExpressionError(MicsError, ValueError):
    """An expression of the safe expression language cannot be parsed or evaluated.

    Attributes
    ----------
    expression : str
    position : int or None
        0-based character offset of the problem in ``expression``.
    """

    def __init__(
        self, message: str, *, expression: str | None = None, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.expression = expression
        self.position = position


class SpecError(MicsError, ValueError):
    """A specification file is invalid.

    Attributes
    ----------
    file : str or None
    line : int or None
    key : str or None
    reason : str or None
        The message without its place (``file:line: key 'k':``), when it has one.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason


class OutputError(MicsError, OSError):
    """An output cannot be written (path is a directory, not writable ...).

    Attributes
    ----------
    path : str
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return self.args[0]


class MicsWarning(UserWarning):
    """Base class of every warning issued by mics_toolkit."""


class SpecialCodeWarning(MicsWarning):
    """An average, total or ratio is taken of a variable that still holds special codes
    (no response, don't know, not applicable) classified from its value labels."""


class TextWeightWarning(MicsWarning):
    """A weight variable stored as text was read as numbers (every text was a number)."""


class NormalisedTotalWarning(MicsWarning):
    """A total is asked of normalised weights, which do not expand to population counts."""


def caller_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised by the calling function point at the
    first frame outside this package (the user's line), however deep the call chain."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
        level += 1
    return level


def close_matches(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` names from ``candidates`` close to ``name``, case-insensitively.

    An exact case-insensitive match comes first.
    """
    candidates = list(candidates)
    lowered = {c.lower(): c for c in reversed(candidates)}
    exact = [c for c in candidates if c.lower() == name.lower()]
    fuzzy = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    out = exact + [lowered[f] for f in fuzzy if lowered[f] not in exact]
    return out[:n]
