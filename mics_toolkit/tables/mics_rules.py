"""MICS display rules on plain values: scaling, rounding, small-sample marks and footnotes.

Estimates keep full precision everywhere (result frames, tidy outputs, table models); these
functions decide only how a value is *shown* (domain.md section 3):

- percentages are proportions x 100 with one decimal, means and ratios with chosen decimals;
- a value whose unweighted denominator has 25-49 cases is shown in parentheses, fewer than 25
  cases an asterisk instead of the value, 0 cases "-", and "na" where the indicator does not
  apply;
- the standard footnotes explain the marks, and indicator footnotes read
  "[1] MICS indicator PR.2 - Violent discipline; SDG indicator 16.2.1";
- a gap (a difference or ratio between two categories) significant at the 5% level carries
  :data:`MARK_SIGNIFICANT` after its value, explained by :func:`significance_footnote`.

Every function works on plain Python or numpy values and can be used alone (the Excel writer
uses the flags to choose number formats such as ``(0.0)`` so that marked cells stay numeric).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np

from mics_toolkit.errors import OptionError, check_option
from mics_toolkit.specfile import LANGUAGES

__all__ = [
    "DEFAULT_DECIMALS",
    "FLAGS",
    "FLAG_NOT_APPLICABLE",
    "FLAG_NO_CASES",
    "FLAG_PARENTHESES",
    "FLAG_SUPPRESSED",
    "KINDS",
    "LANGUAGES",
    "MARK_NOT_APPLICABLE",
    "MARK_NO_CASES",
    "MARK_SUPPRESSED",
    "PARENTHESES_BELOW",
    "SUPPRESS_BELOW",
    "display_value",
    "flag",
    "flags",
    "format_value",
    "indicator_footnote",
    "round_half_up",
    "significance_footnote",
    "standard_footnotes",
]

Kind = Literal["percentage", "number", "count"]
KINDS: tuple[str, ...] = ("percentage", "number", "count")
"""How a value is shown: ``percentage`` (a proportion x 100), ``number`` (as it is: means,
ratios, fractions, CV, DEFF), ``count`` (as it is, with a thousands separator)."""

DEFAULT_DECIMALS: dict[str, int] = {"percentage": 1, "number": 1, "count": 0}

SUPPRESS_BELOW = 25
"""Fewer unweighted cases than this: an asterisk instead of the value."""
PARENTHESES_BELOW = 50
"""Fewer unweighted cases than this (and at least :data:`SUPPRESS_BELOW`): in parentheses."""

FLAG_PARENTHESES = "25-49"
FLAG_SUPPRESSED = "<25"
FLAG_NO_CASES = "0 cases"
FLAG_NOT_APPLICABLE = "na"
FLAGS: tuple[str, ...] = ("", FLAG_PARENTHESES, FLAG_SUPPRESSED, FLAG_NO_CASES, FLAG_NOT_APPLICABLE)
"""Flag of a value: ``""`` (shown as it is) or why it is marked."""

MARK_SUPPRESSED = "*"
MARK_NO_CASES = "-"
MARK_NOT_APPLICABLE = "na"
MARK_SIGNIFICANT = "\u2020"
"""The dagger written after a gap significant at the 5% level (not ``*``, which MICS tables
use for fewer than 25 cases)."""

_SIGNIFICANCE_FOOTNOTES: dict[str, str] = {
    "en": "{mark} Significant at the 5% level (p < 0.05; design-based t-test of a difference "
          "against 0, of a ratio against 1)",
    "ru": "{mark} Значимо на уровне 5% (p < 0,05; t-критерий с учётом дизайна выборки: "
          "разница против 0, отношение против 1)",
    "kk": "{mark} 5% деңгейінде мәнді (p < 0,05; іріктеме дизайнын ескеретін t-критерий: "
          "айырма 0-ге қарсы, қатынас 1-ге қарсы)",
}

_STANDARD_FOOTNOTES: dict[str, dict[str, str]] = {
    "en": {
        FLAG_PARENTHESES: "( ) Figures that are based on 25-49 unweighted cases",
        FLAG_SUPPRESSED: "(*) Figures that are based on fewer than 25 unweighted cases",
        FLAG_NO_CASES: "- denotes 0 unweighted cases in the denominator",
        FLAG_NOT_APPLICABLE: "na: not applicable",
    },
    "ru": {
        FLAG_PARENTHESES: "( ) Показатели, основанные на 25-49 невзвешенных случаях",
        FLAG_SUPPRESSED: "(*) Показатели, основанные на менее чем 25 невзвешенных случаях",
        FLAG_NO_CASES: "- означает 0 невзвешенных случаев в знаменателе",
        FLAG_NOT_APPLICABLE: "na: неприменимо",
    },
    "kk": {
        FLAG_PARENTHESES: "( ) 25-49 салмақталмаған жағдайға негізделген көрсеткіштер",
        FLAG_SUPPRESSED: "(*) 25-тен аз салмақталмаған жағдайға негізделген көрсеткіштер",
        FLAG_NO_CASES: "- бөлімдегі салмақталмаған жағдайлар саны 0 екенін білдіреді",
        FLAG_NOT_APPLICABLE: "na: қолданылмайды",
    },
}

_INDICATOR_WORDS: dict[str, tuple[str, str]] = {
    "en": ("MICS indicator", "SDG indicator"),
    "ru": ("Индикатор MICS", "индикатор ЦУР"),
    "kk": ("MICS индикаторы", "ТДМ индикаторы"),
}


def flag(
    n_unweighted: float | None,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
) -> str:
    """Flag of a value from its unweighted denominator.

    Parameters
    ----------
    n_unweighted : int or None
        Unweighted cases in the denominator; ``None`` or NaN counts as 0 cases.
    suppress_below, parentheses_below : int
        Thresholds of the small-sample rule, MICS defaults 25 and 50.

    Returns
    -------
    str
        ``"0 cases"`` when n is 0, ``"<25"`` when ``0 < n < suppress_below``, ``"25-49"``
        when ``suppress_below <= n < parentheses_below``, else ``""``. The flag names keep
        the MICS wording whatever thresholds are chosen.

    Examples
    --------
    >>> [flag(n) for n in (0, 24, 25, 49, 50)]
    ['0 cases', '<25', '25-49', '25-49', '']
    """
    if n_unweighted is None or (isinstance(n_unweighted, float) and math.isnan(n_unweighted)):
        return FLAG_NO_CASES
    if n_unweighted <= 0:
        return FLAG_NO_CASES
    if n_unweighted < suppress_below:
        return FLAG_SUPPRESSED
    if n_unweighted < parentheses_below:
        return FLAG_PARENTHESES
    return ""


def flags(
    n_unweighted,
    *,
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
) -> np.ndarray:
    """:func:`flag` of every element of an array of unweighted counts (object array of str).

    Examples
    --------
    >>> flags([0, 10, 30, 80]).tolist()
    ['0 cases', '<25', '25-49', '']
    """
    n = np.asarray(n_unweighted, dtype=float)
    out = np.full(n.shape, "", dtype=object)
    out[n < parentheses_below] = FLAG_PARENTHESES
    out[n < suppress_below] = FLAG_SUPPRESSED
    out[~(n > 0)] = FLAG_NO_CASES  # also NaN
    return out


def display_value(value: float, kind: str = "percentage") -> float:
    """The value on its display scale: a proportion x 100 for ``"percentage"``, else as is.

    Examples
    --------
    >>> display_value(0.4567), display_value(6.2, "number")
    (45.67, 6.2)
    """
    check_option("kind", kind, KINDS)
    value = float(value)
    return value * 100.0 if kind == "percentage" else value


def round_half_up(value: float, decimals: int) -> Decimal:
    """Round as a spreadsheet shows a number: half away from zero on the 15-digit decimal form.

    Binary floating point makes ``f"{1.25:.1f}"`` give ``1.2`` and ``28.499999999999996``
    (``0.285 * 100``) give ``28.5`` only by luck; Excel first takes 15 significant digits and
    then rounds halves away from zero. Doing the same keeps the text rendering and the
    workbook in agreement.

    Examples
    --------
    >>> str(round_half_up(1.25, 1)), str(round_half_up(0.285 * 100, 1)), str(round_half_up(-2.5, 0))
    ('1.3', '28.5', '-3')
    """
    exact = Decimal(f"{value:.15g}")
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_value(
    value: float | None,
    n_unweighted: float | None = None,
    *,
    kind: str = "percentage",
    decimals: int | None = None,
    flag_value: str | None = None,
    suppress_below: int = SUPPRESS_BELOW,
    parentheses_below: int = PARENTHESES_BELOW,
    marker: str = "",
) -> str:
    """Text of a value as a MICS table shows it.

    Parameters
    ----------
    value : float or None
        The stored value (a proportion for ``kind="percentage"``), full precision.
    n_unweighted : int, optional
        Unweighted cases in the value's denominator; the flag is derived from it with
        :func:`flag` unless ``flag_value`` is given. Without both, the value is not marked.
    kind : {"percentage", "number", "count"}
        Display scale (see :data:`KINDS`).
    decimals : int, optional
        Decimals shown; default 1 for percentages and numbers, 0 for counts.
    flag_value : str, optional
        One of :data:`FLAGS`, overriding the flag derived from ``n_unweighted``.
    suppress_below, parentheses_below : int
        Thresholds of the small-sample rule.
    marker : str
        Written after a shown number (:data:`MARK_SIGNIFICANT`); not after a mark.

    Returns
    -------
    str
        ``"-"`` for 0 cases, ``"*"`` for fewer than 25, ``"na"`` when not applicable or the
        value is undefined (NaN), the rounded value in parentheses for 25-49 cases, else the
        rounded value (counts with a thousands separator); then ``marker``.

    Notes
    -----
    Rounding is :func:`round_half_up` of ``display_value(value, kind)``, as Excel shows the
    same number with the format ``0.0``.

    Examples
    --------
    >>> [format_value(0.4567, n) for n in (0, 24, 25, 49, 50)]
    ['-', '*', '(45.7)', '(45.7)', '45.7']
    >>> format_value(6.2375, 120, kind="number", decimals=2), format_value(12345.6, kind="count")
    ('6.24', '12,346')
    """
    check_option("kind", kind, KINDS)
    if flag_value is None:
        flag_value = (
            "" if n_unweighted is None
            else flag(n_unweighted, suppress_below=suppress_below,
                      parentheses_below=parentheses_below)
        )
    else:
        check_option("flag_value", flag_value, FLAGS)
    if flag_value == FLAG_NO_CASES:
        return MARK_NO_CASES
    if flag_value == FLAG_SUPPRESSED:
        return MARK_SUPPRESSED
    if flag_value == FLAG_NOT_APPLICABLE or value is None or math.isnan(float(value)):
        return MARK_NOT_APPLICABLE
    if decimals is None:
        decimals = DEFAULT_DECIMALS[kind]
    _check_decimals(decimals)
    rounded = round_half_up(display_value(value, kind), decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0"
    text = f"{rounded:,.{decimals}f}" if kind == "count" else f"{rounded:.{decimals}f}"
    return (f"({text})" if flag_value == FLAG_PARENTHESES else text) + marker


def _check_decimals(decimals: int) -> None:
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 10:
        raise OptionError(
            f"decimals={decimals!r} is not valid; give a whole number from 0 to 10",
            option="decimals",
            value=decimals,
            valid=(),
        )


def standard_footnotes(
    used: object = None, lang: str = "en", texts: Mapping[str, str] | None = None
) -> list[str]:
    """The standard MICS footnotes explaining the marks, in table order.

    Parameters
    ----------
    used : iterable of str, optional
        Flags present in a table; only their footnotes are returned. Default: all four.
    lang : {"en", "ru", "kk"}
        Language of the built-in texts.
    texts : mapping, optional
        Replacement texts keyed by flag (``"25-49"``, ``"<25"``, ``"0 cases"``, ``"na"``).

    Returns
    -------
    list of str
        In the order "( )", "(*)", "-", "na".

    Examples
    --------
    >>> standard_footnotes({"<25"})
    ['(*) Figures that are based on fewer than 25 unweighted cases']
    """
    check_option("lang", lang, LANGUAGES)
    chosen = {**_STANDARD_FOOTNOTES[lang], **dict(texts or {})}
    wanted = set(FLAGS[1:]) if used is None else set(used)
    return [chosen[f] for f in FLAGS[1:] if f in wanted]


def significance_footnote(lang: str = "en") -> str:
    """The footnote explaining :data:`MARK_SIGNIFICANT` on gaps (differences and ratios).

    Examples
    --------
    >>> significance_footnote()[:39]
    '\u2020 Significant at the 5% level (p < 0.05'
    """
    check_option("lang", lang, LANGUAGES)
    return _SIGNIFICANCE_FOOTNOTES[lang].format(mark=MARK_SIGNIFICANT)


def indicator_footnote(
    number: int | None,
    *,
    mics_code: str | None = None,
    name: str | None = None,
    sdg_code: str | None = None,
    lang: str = "en",
) -> str:
    """An indicator footnote: ``[1] MICS indicator PR.2 - Violent discipline; SDG indicator 16.2.1``.

    Parameters
    ----------
    number : int or None
        Footnote number shown in brackets (and after the column header); None: the text
        without the number.
    mics_code, name, sdg_code : str, optional
        MICS indicator code, its name and the SDG indicator code; parts left out are omitted.
    lang : {"en", "ru", "kk"}
        Language of the words "MICS indicator" and "SDG indicator".

    Examples
    --------
    >>> indicator_footnote(1, mics_code="PR.2", name="Violent discipline", sdg_code="16.2.1")
    '[1] MICS indicator PR.2 - Violent discipline; SDG indicator 16.2.1'
    >>> indicator_footnote(2, sdg_code="16.9.1")
    '[2] SDG indicator 16.9.1'
    """
    check_option("lang", lang, LANGUAGES)
    mics_word, sdg_word = _INDICATOR_WORDS[lang]
    parts = []
    if mics_code:
        parts.append(f"{mics_word} {mics_code}" + (f" - {name}" if name else ""))
    elif name:
        parts.append(name)
    if sdg_code:
        parts.append(f"{sdg_word} {sdg_code}")
    text = "; ".join(parts)
    return text if number is None else f"[{number}] {text}"
