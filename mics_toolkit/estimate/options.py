"""The options every estimate takes, checked once at the public boundary.

``level``, ``ci``, ``ci_method`` and ``df`` are closed sets of lowercase strings (style.md
section 2); :class:`Options` holds them checked and resolved (the interval of a proportion:
``"logit"`` by default, ``"wald"`` with ``ci="mics"``). ``where`` is a boolean array or an
expression of the safe expression language (:mod:`mics_toolkit.expr`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from mics_toolkit.errors import OptionError, check_option
from mics_toolkit.expr import where_mask

__all__ = [
    "CI_METHODS",
    "CI_OPTIONS",
    "DF_OPTIONS",
    "CiMethod",
    "CiType",
    "DfRule",
    "Options",
    "where_array",
    "where_text",
]

CiType = Literal["t", "normal", "mics"]
CiMethod = Literal["logit", "korn-graubard", "wald"]
DfRule = Literal["design", "domain"]
CI_OPTIONS: tuple[str, ...] = ("t", "normal", "mics")
CI_METHODS: tuple[str, ...] = ("logit", "korn-graubard", "wald")
DF_OPTIONS: tuple[str, ...] = ("design", "domain")


@dataclass(frozen=True)
class Options:
    """Checked options of an estimate.

    Attributes
    ----------
    level : float
        Confidence level, ``0 < level < 1``.
    ci : {"t", "normal", "mics"}
    df : {"design", "domain"}
    interval : {"logit", "korn-graubard", "wald"}
        The interval of a proportion (``ci_method`` or its default).
    """

    level: float = 0.95
    ci: str = "t"
    df: str = "design"
    interval: str = "logit"

    @classmethod
    def checked(cls, level: float, ci: str, df: str, ci_method: str | None = None) -> Options:
        """The options, each checked against its set (:class:`OptionError` otherwise)."""
        check_option("ci", ci, CI_OPTIONS)
        check_option("df", df, DF_OPTIONS)
        if (isinstance(level, bool) or not isinstance(level, (int, float))
                or not 0 < level < 1):
            raise OptionError(
                f"level={level!r} is not valid; give a confidence level between 0 and 1 "
                "(e.g. 0.95)",
                option="level",
                value=level,
                valid=(),
            )
        return cls(float(level), ci, df, _interval(ci, ci_method))

    @property
    def proportion_interval(self) -> str | None:
        """The asymmetric interval of a proportion, None for the symmetric ``"wald"``."""
        return None if self.interval == "wald" else self.interval

    def conventions(self) -> dict:
        """The options as recorded in ``result.attrs["mics"]``."""
        return {"df": self.df, "level": self.level, "ci": self.ci}


def _interval(ci: str, ci_method: str | None) -> str:
    """The interval of a proportion: ``ci_method``, or its default (``"logit"``, or ``"wald"``
    with ``ci="mics"``, which accepts nothing else)."""
    if ci == "mics":
        if ci_method not in (None, "wald"):
            raise OptionError(
                f"ci='mics' prints estimate -+ 2 SE and cannot be combined with "
                f"ci_method={ci_method!r}; leave ci_method out or use 'wald'",
                option="ci_method",
                value=ci_method,
                valid=("wald",),
            )
        return "wald"
    if ci_method is None:
        return "logit"
    return check_option("ci_method", ci_method, CI_METHODS)


def where_array(frame, where, n_rows: int) -> np.ndarray | None:
    """The ``where`` filter as a boolean array (None without a filter)."""
    return None if where is None else where_mask(where, frame, n_rows=n_rows)


def where_text(where) -> str | None:
    """``where`` as recorded in the conventions: the expression, or ``"<array>"``."""
    return where if isinstance(where, str) else (None if where is None else "<array>")
