"""Text from data and specs made safe for spreadsheets: the formula-injection rule.

A spreadsheet program runs a field that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some programs, a tab or carriage return followed by one) as a formula: a value label or a
region name such as ``=HYPERLINK("http://...")`` in a CSV file opened in Excel would be
executed (OWASP "CSV injection"). Every text that comes from data or specs passes through
here before it is written:

- in CSV files (:func:`csv_field`, :func:`csv_safe`), text starting with one of
  :data:`FORMULA_STARTS` gets a leading apostrophe, which Excel and LibreOffice show as text;
  numbers are never changed, so ``-0.25`` in a numeric column stays a number;
- in workbooks, the renderer (:mod:`mics_toolkit.report.excel`) stores every text as a string
  cell (``t="inlineStr"``) with Excel's quote prefix, never as a formula, and keeps the text
  itself unchanged.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_STARTS", "csv_field", "csv_safe", "looks_like_formula"]

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a field as a formula (OWASP)."""


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula.

    Examples
    --------
    >>> [looks_like_formula(t) for t in ("=1+1", "-2", "@SUM(A1)", "15-19", "")]
    [True, True, True, False, False]
    """
    return text.startswith(FORMULA_STARTS)


def csv_field(value: object) -> object:
    """``value`` for a CSV file: a text that looks like a formula gets a leading apostrophe.

    Anything that is not text (numbers, booleans, missing values) is returned unchanged.

    Examples
    --------
    >>> csv_field("=HYPERLINK(\\"http://x\\")"), csv_field("-2"), csv_field(-2.5), csv_field("Urban")
    ('\\'=HYPERLINK("http://x")', "'-2", -2.5, 'Urban')
    """
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text field and column name passed through :func:`csv_field`.

    Only text values are changed (in object, string and categorical columns); numeric and
    boolean columns are left as they are. A frame without such text is returned as it is
    (not copied), so its CSV bytes do not change.

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["North", "=1+1"], "estimate": [-0.5, 0.25]})
    >>> csv_safe(frame).to_dict("list")
    {'region': ['North', "'=1+1"], 'estimate': [-0.5, 0.25]}
    """
    names = [csv_field(name) for name in frame.columns]
    changed = {}
    for position, (_, column) in enumerate(frame.items()):
        if not _may_hold_text(column):
            continue
        values = column.tolist()
        safe = [csv_field(value) for value in values]
        if any(a is not b for a, b in zip(safe, values, strict=True)):
            changed[position] = safe
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for position, safe in changed.items():
        out.isetitem(position, pd.Series(safe, index=frame.index, dtype=object))
    out.columns = names
    return out


def _may_hold_text(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))
        or pd.api.types.is_string_dtype(dtype)
    )
