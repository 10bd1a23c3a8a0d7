"""Special codes: values that mean "no response", "don't know", "not applicable" or a top code.

MICS and DHS files rarely declare their missing codes; they label them (9/99/999 "No response"
or "Missing", 8/98/998 "DK" or "Don't know", 96 "Non-numeric response", 97 "Inconsistent",
95 "95+"). This module classifies a value label's text into one of a closed set of categories
(:func:`classify_label`, English, Russian and Kazakh wordings), classifies all the codes of a
variable (:func:`classify_value_labels`) and of a file with per-call overrides
(:func:`classify_special_codes`), finds the text-labelled codes of a measured quantity whatever
their wording (:func:`classify_quantity_codes`), and counts the special codes present in a
column (:func:`special_code_counts`, used by estimators to warn when an average would include
them).

Categories (:data:`CATEGORIES`):

``"no_response"``
    No response, missing, refused, not stated ("Нет ответа", "Отказ", "Жауап жоқ").
``"dont_know"``
    Don't know, DK, not sure ("Не знаю", "Затрудняюсь ответить", "Білмеймін").
``"not_applicable"``
    Not applicable, NA, N/A ("Не применимо", "Қолданылмайды").
``"non_numeric"``
    An answer that is not a quantity: DHS "Non-numeric response" (96 of the ideal number of
    children), "Up to God", and any code of a measured quantity that
    :func:`classify_quantity_codes` finds (a code of nines above every measured value whose
    label is text, not a number).
``"inconsistent"``
    A value flagged by the survey's editing as inconsistent (DHS 97/997/9997
    "Inconsistent").
``"top_code"``
    A top code such as "95+", "95 or more", "95 и более", "95 және одан жоғары". It is a
    value (the age or count is at least the code), never turned into missing.
``"other"``
    "Other", "Other (specify)", "Другое", "Басқа": a substantive category, never missing.

Only :data:`MISSING_CATEGORIES` (no response, don't know, not applicable, non-numeric,
inconsistent) are *special codes* in the sense of ``read(..., special_codes="missing")`` and
of the estimators' warning.
A bare "Refused" ("Отказ") is left unclassified because it is a substantive category of
interview result variables (``HH46``, ``WM17``: 4 "Refused"); "Refused to answer" and
"Отказ от ответа" are no response. Labels such as "Decision not made/not applicable" are left
unclassified; use ``special_code_overrides`` for them.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from mics_toolkit.errors import OptionError, VariableError, close_matches
from mics_toolkit.io.metadata import Metadata, _equal, normalise_code

__all__ = [
    "CATEGORIES",
    "MISSING_CATEGORIES",
    "Category",
    "classify_label",
    "classify_quantity_codes",
    "classify_special_codes",
    "classify_value_labels",
    "special_code_counts",
]

Category = Literal[
    "no_response",
    "dont_know",
    "not_applicable",
    "non_numeric",
    "inconsistent",
    "top_code",
    "other",
]

CATEGORIES: tuple[str, ...] = (
    "no_response",
    "dont_know",
    "not_applicable",
    "non_numeric",
    "inconsistent",
    "top_code",
    "other",
)
MISSING_CATEGORIES: frozenset[str] = frozenset(
    {"no_response", "dont_know", "not_applicable", "non_numeric", "inconsistent"}
)

_PHRASES: dict[str, frozenset[str]] = {
    "no_response": frozenset(
        {
            # English
            "no response",
            "non response",
            "non-response",
            "nonresponse",
            "no answer",
            "not answered",
            "no reply",
            "missing",
            "system missing",
            "number missing",
            "refused to answer",
            "refused to respond",
            "not stated",
            "nr",
            # Russian
            "нет ответа",
            "без ответа",
            "ответа нет",
            "отказ от ответа",
            "отказался отвечать",
            "отказалась отвечать",
            "отказ отвечать",
            "пропущено",
            "пропуск",
            "нет данных",
            "не указано",
            "нет информации",
            # Kazakh
            "жауап жоқ",
            "жауап берілмеді",
            "жауап бермеді",
            "жауап беруден бас тартты",
            "жауап беруден бас тарту",
            "деректер жоқ",
            "мәлімет жоқ",
        }
    ),
    "dont_know": frozenset(
        {
            # English
            "dk",
            "don't know",
            "dont know",
            "do not know",
            "doesn't know",
            "does not know",
            "not sure",
            "dk/not sure",
            "don't know/not sure",
            # Russian
            "не знаю",
            "не знает",
            "затрудняюсь ответить",
            "затрудняюсь",
            "трудно сказать",
            "трудно ответить",
            # Kazakh
            "білмеймін",
            "білмейді",
            "жауап беруге қиналамын",
            "жауап беруге қиналады",
            "жауап беру қиын",
            "айту қиын",
        }
    ),
    "not_applicable": frozenset(
        {
            # English
            "not applicable",
            "na",
            "n/a",
            "n.a",
            "n.a.",
            "inapplicable",
            "does not apply",
            # Russian
            "не применимо",
            "неприменимо",
            "не применяется",
            "не относится",
            # Kazakh
            "қолданылмайды",
            "қатысы жоқ",
            "қолдануға келмейді",
        }
    ),
    "non_numeric": frozenset(
        {
            # English (DHS: 96 "non-numeric response" of the ideal number of children)
            "non-numeric response",
            "non numeric response",
            "nonnumeric response",
            "non-numeric answer",
            "non-numeric",
            "other, non-numeric",
            "other non-numeric",
            "up to god",
            # Russian
            "нечисловой ответ",
            "не числовой ответ",
            "ответ не числом",
            # Kazakh
            "сандық емес жауап",
        }
    ),
    "inconsistent": frozenset(
        {
            # English (DHS: 97/997/9997 "inconsistent")
            "inconsistent",
            "inconsistent response",
            "inconsistent answer",
            "inconsistent data",
            "inconsistent value",
            # Russian
            "несогласованный ответ",
            "противоречивый ответ",
            "несогласованные данные",
            # Kazakh
            "сәйкес емес жауап",
            "қайшы жауап",
        }
    ),
    "other": frozenset(
        {
            "other",
            "other specify",
            "other, specify",
            "other (specify)",
            "others",
            "другое",
            "другое (указать)",
            "другое (уточнить)",
            "прочее",
            "иное",
            "басқа",
            "басқасы",
            "басқа (көрсетіңіз)",
            "басқа (нақтылаңыз)",
        }
    ),
}

_NUMBER = r"\d+(?:[.,]\d+)?"
_TOP_CODE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        # 95+, 95 +, 31+ days, 6+ years, 95+ лет
        rf"^{_NUMBER}\s*\+(?:\s+\w+)?$",
        # 95 or more, 95 years and over, 7 days or more
        rf"^{_NUMBER}(?:\s+\w+)?\s+(?:or|and)\s+(?:more|over|older|above|greater|higher)"
        r"(?:\s+\w+)?$",
        # more than 95, over 95
        rf"^(?:more than|over|above)\s+{_NUMBER}(?:\s+\w+)?$",
        # 95 и более, 95 лет и старше, 95 или больше
        rf"^{_NUMBER}(?:\s+\w+)?\s+(?:и|или)\s+(?:более|больше|старше|выше)(?:\s+\w+)?$",
        # более 95, свыше 95, старше 95
        rf"^(?:более|больше|свыше|старше)\s+{_NUMBER}(?:\s+\w+)?$",
        # 95 және одан жоғары, 95 жас және одан үлкен, 95 және көп
        rf"^{_NUMBER}(?:\s+\w+)?\s+және\s+(?:одан\s+)?(?:жоғары|көп|үлкен|асқан)(?:\s+\w+)?$",
    )
)
# "number missing" for a duration: "months: number missing", "days: number missing" (DHS)
_UNIT_MISSING = re.compile(r"^\w+(?:\s\w+)?:\s*number missing$")
_LEADING_CODE = re.compile(r"^\[?\d+\]?\s*[.:=)\-]?\s+(?=\D)")
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)$")
_SEPARATOR = re.compile(r"\s*[/;,]\s*|\s+-\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# a label that is a number, possibly with a unit or a sign: "95", "2.5", "96 years", "<1", "5+"
_NUMBER_LABEL = re.compile(r"^[<>~≤≥]?\s*[-+]?\d+(?:[.,]\d+)?\s*\+?(?:\s*[^\s\d]+)?$")
# codes made of nines ending in 5-9: 95-99, 995-999, 9995-9999, ...
_NINES_CODE = re.compile(r"^9+[5-9]$")


def _normalise_text(text: str) -> str:
    """Lower case, straight quotes, single spaces, no trailing full stop or colon."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = " ".join(text.split())
    return text.strip().rstrip(".:;").strip()


def _phrase_category(text: str) -> str | None:
    for category, phrases in _PHRASES.items():
        if text in phrases:
            return category
    return None


def classify_label(text: str | None) -> str | None:
    """Classify the text of a value label.

    Parameters
    ----------
    text : str or None
        A value label such as ``"No response"``, ``"DK"``, ``"Затрудняюсь ответить"``,
        ``"95+"``.

    Returns
    -------
    str or None
        One of :data:`CATEGORIES`, or None when the label is an ordinary value.

    Notes
    -----
    The label is normalised (Unicode NFKC, lower case, straight apostrophes, single spaces,
    no trailing full stop or colon) and then:

    1. a top code is a number followed by ``+`` or "or more", "and over", "и более",
       "и старше", "және одан жоғары" (optionally with a unit: "31+ days", "95 лет и старше");
    2. otherwise a leading code ("99 No response", "98. DK") and a trailing parenthesis
       ("Other (specify)") are dropped, and the text must be one of the known phrases as a
       whole ("don't know", "нет ответа", "жауап жоқ" ...), or its first part before a ``/``,
       ``,``, ``;`` or `` - `` must be ("DK/Not sure", "Missing/DK" -> the first part decides).

    Matching whole phrases, not substrings, keeps "Don't know anyone with AIDS" or
    "Yes: don't know" unclassified.

    Examples
    --------
    >>> classify_label("No response"), classify_label("DK"), classify_label("95+")
    ('no_response', 'dont_know', 'top_code')
    >>> classify_label("Затрудняюсь ответить"), classify_label("Жауап жоқ")
    ('dont_know', 'no_response')
    >>> classify_label("Very happy") is None
    True
    """
    if text is None:
        return None
    normalised = _normalise_text(str(text))
    if not normalised:
        return None
    for pattern in _TOP_CODE_PATTERNS:
        if pattern.match(normalised):
            return "top_code"
    if _UNIT_MISSING.match(normalised):
        return "no_response"
    candidates = [normalised]
    stripped = _LEADING_CODE.sub("", normalised)
    stripped = _TRAILING_PARENTHESIS.sub("", stripped).strip() or stripped
    if stripped != normalised:
        candidates.append(stripped)
    for candidate in candidates:
        category = _phrase_category(candidate)
        if category is not None:
            return category
    for candidate in candidates:
        first = _SEPARATOR.split(candidate, maxsplit=1)[0]
        if first != candidate:
            category = _phrase_category(first)
            if category is not None:
                return category
    return None


def classify_quantity_codes(
    value_labels: Mapping[Any, str], values: np.ndarray | pd.Series
) -> dict[Any, str]:
    """Find the codes of a measured quantity whose labels say they are not a quantity.

    A count or measurement (ideal number of children, years lived in a place, height in
    millimetres) carries its values unlabelled and labels only the codes that are not
    quantities: DHS labels 96 of the ideal number of children "non-numeric response", 95 of
    the years lived in a place "always", 9995 of a height "refused". Whatever their wording,
    such codes must not be averaged. This function finds them without knowing the wording.

    Parameters
    ----------
    value_labels : mapping of code to label
        One variable's value labels.
    values : numpy.ndarray or pandas.Series
        The variable's values in the data (missing values are ignored).

    Returns
    -------
    dict
        ``{code: "non_numeric"}`` for the codes found; {} for a variable whose values are all
        labelled (a list of categories), a text variable, or a variable without such codes.

    Notes
    -----
    A labelled code ``c`` is ``"non_numeric"`` when all of these hold:

    1. the data hold at least one value without a label (the variable is a measured
       quantity, not a list of categories); call ``top`` the largest of them;
    2. ``c > top``: the code lies above every measured value;
    3. ``c`` is made of nines ending in 5-9 (95-99, 995-999, 9995-9999, ...), the codes DHS
       and MICS reserve for answers that are not values;
    4. its label is text, not a number ("95", "96 years" and "95+" are numbers), and
       :func:`classify_label` gives it no category (a label it does classify, such as
       "Don't know" or "Other", keeps that category).

    Condition 3 keeps the text-labelled end of a scale a value: "10 Best possible life" of
    the life ladder (0-10) is above every unlabelled answer but is an answer.

    Examples
    --------
    >>> import numpy as np
    >>> labels = {0: "none", 96: "non-numeric answer", 97: "up to her"}
    >>> classify_quantity_codes(labels, np.array([0.0, 2.0, 3.0, 4.0, 96.0, 97.0]))
    {97: 'non_numeric'}
    >>> classify_quantity_codes({1: "Yes", 2: "No", 99: "Refused"}, np.array([1.0, 2.0, 99.0]))
    {}
    """
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if array.dtype.kind not in "biuf" or not value_labels:
        return {}
    numeric = array.astype(float, copy=False)
    present = np.unique(numeric[np.isfinite(numeric)])
    labelled = {
        float(code)
        for code in value_labels
        if isinstance(code, numbers.Real) and not isinstance(code, bool)
    }
    unlabelled = [value for value in present.tolist() if value not in labelled]
    if not unlabelled:
        return {}
    top = max(unlabelled)
    out: dict[Any, str] = {}
    for code, label in value_labels.items():
        code = normalise_code(code)
        if not isinstance(code, int) or code <= top or not _NINES_CODE.match(str(code)):
            continue
        text = _normalise_text(str(label))
        if not text or _NUMBER_LABEL.match(text) or classify_label(label) is not None:
            continue
        out[code] = "non_numeric"
    return out


def classify_value_labels(value_labels: Mapping[Any, str]) -> dict[Any, str]:
    """Classify every code of one variable from its value labels.

    Parameters
    ----------
    value_labels : mapping of code to label
        One variable's value labels, e.g. ``{1: "Very happy", 99: "No response"}``.

    Returns
    -------
    dict
        ``{code: category}`` for the classified codes only (codes normalised, 99.0 -> 99).

    Examples
    --------
    >>> classify_value_labels({0: "Worst", 10: "Best", 98: "DK", 99: "No response"})
    {98: 'dont_know', 99: 'no_response'}
    """
    out = {}
    for code, label in value_labels.items():
        category = classify_label(label)
        if category is not None:
            out[normalise_code(code)] = category
    return out


def classify_special_codes(
    value_labels: Mapping[str, Mapping[Any, str]],
    overrides: Mapping[str, Mapping[Any, str | None]] | None = None,
    *,
    variables: Iterable[str] | None = None,
    file: str | None = None,
    values: Mapping[str, np.ndarray | pd.Series] | None = None,
) -> dict[str, dict[Any, str]]:
    """Classify the special codes of every variable, then apply overrides.

    Parameters
    ----------
    value_labels : mapping of str to mapping
        Variable name -> {code: label}.
    overrides : mapping of str to mapping, optional
        Variable name -> {code: category or None}. A category (one of :data:`CATEGORIES`)
        sets the code's category, labelled or not; None removes a classification (e.g.
        ``{"HL6": {95: None}}`` when 95 is a real age, or ``{"LS2": {99: "no_response"}}``
        when 99 is unlabelled).
    variables : iterable of str, optional
        Names that exist in the data (all variables of the file). Defaults to the keys of
        ``value_labels``; every variable named in ``overrides`` must be among them.
    file : str, optional
        File name for error messages.
    values : mapping of str to array, optional
        Variable name -> its values in the data. A variable given here also gets the codes
        :func:`classify_quantity_codes` finds (text-labelled codes of nines above every
        measured value, ``"non_numeric"``); a code whose label :func:`classify_label`
        classifies keeps that category.

    Returns
    -------
    dict
        Variable name -> {code: category}; variables without special codes are absent.

    Raises
    ------
    VariableError
        An override names a variable that is not in ``variables``.
    OptionError
        An override gives a category outside :data:`CATEGORIES`.
    """
    result = {name: classify_value_labels(labels) for name, labels in value_labels.items()}
    for name, column in (values or {}).items():
        if name in value_labels:
            found = classify_quantity_codes(value_labels[name], column)
            if found:  # keep the order of the labels
                classified = {**found, **result[name]}
                order = [normalise_code(code) for code in value_labels[name]]
                result[name] = {code: classified[code] for code in order if code in classified}
    known = list(variables) if variables is not None else list(value_labels)
    known_set = set(known)
    for name, codes in (overrides or {}).items():
        if name not in known_set:
            matches = close_matches(name, known)
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            where = file or "the data"
            raise VariableError(
                f"special_code_overrides names variable {name!r}, which is not in {where}{hint}",
                variable=name,
                file=file,
                close_matches=matches,
            )
        current = dict(result.get(name, {}))
        for code, category in codes.items():
            if category is not None and category not in CATEGORIES:
                raise OptionError(
                    f"special_code_overrides[{name!r}][{code!r}]={category!r} is not valid; "
                    f"use one of: {', '.join(repr(c) for c in CATEGORIES)} or None",
                    option="special_code_overrides",
                    value=category,
                    valid=CATEGORIES,
                )
            if category is None:
                current.pop(normalise_code(code), None)
            else:
                current[normalise_code(code)] = category
        result[name] = current
    return {name: codes for name, codes in result.items() if codes}


def special_code_counts(
    meta: Metadata,
    variable: str,
    values: np.ndarray | pd.Series,
    categories: Iterable[str] = MISSING_CATEGORIES,
) -> dict[Any, tuple[str, int]]:
    """Count the classified special codes present in one column.

    Parameters
    ----------
    meta : Metadata
        Metadata holding ``special_codes``.
    variable : str
        The variable whose codes are looked up.
    values : numpy.ndarray or pandas.Series
        The values to search (e.g. the analysis variable restricted to a domain).
    categories : iterable of str, default :data:`MISSING_CATEGORIES`
        Categories to count; pass :data:`CATEGORIES` to include top codes and "other".

    Returns
    -------
    dict
        ``{code: (category, count)}`` for codes of the chosen categories that occur at least
        once in ``values``, in code order; {} when none occurs.

    Examples
    --------
    >>> import numpy as np
    >>> meta = Metadata(special_codes={"LS2": {99: "no_response", 98: "dont_know"}})
    >>> special_code_counts(meta, "LS2", np.array([3.0, 99.0, 7.0, 99.0]))
    {99: ('no_response', 2)}
    """
    codes = meta.special_codes.get(variable, {})
    wanted = set(categories)
    selected = {code: category for code, category in codes.items() if category in wanted}
    if not selected:
        return {}
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    out = {}
    for code in sorted(selected, key=lambda c: (isinstance(c, str), c)):
        count = int(np.count_nonzero(_equal(array, code)))
        if count:
            out[code] = (selected[code], count)
    return out
