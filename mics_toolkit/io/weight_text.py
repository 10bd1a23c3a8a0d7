"""Weights stored as text: the one rule for turning them into numbers.

A file can store its weight variable as text (a CSV turned into SPSS, a Stata ``str``
variable). :func:`weight_from_text` is the rule every reader of weights follows (``mics
estimate`` for its ``--weight`` variable, the survey file set for every configured weight):
text holding only numbers is converted, with a :class:`~mics_toolkit.errors.TextWeightWarning`
naming the variable and the count of values converted; text holding anything else is a
:class:`~mics_toolkit.errors.WeightError` naming the variable, the count of values that are
not numbers and the first of them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mics_toolkit.errors import TextWeightWarning, WeightError, caller_stacklevel

__all__ = ["weight_from_text"]


def weight_from_text(series: pd.Series, variable: str, *, file: str | None = None) -> pd.Series:
    """Return a weight column as numbers, converting text that holds numbers.

    Parameters
    ----------
    series : pandas.Series
        The weight column as read.
    variable : str
        Its name, for the warning and the error.
    file : str, optional
        The file it was read from, for the warning and the error.

    Returns
    -------
    pandas.Series
        ``series`` itself when it is numeric (or boolean); otherwise a float64 series with the
        same index, NaN where the text was missing or blank.

    Raises
    ------
    WeightError
        The column is text and some non-blank values are not numbers; ``variable`` and
        ``n_bad`` (the count of such values) are set, and the message shows the first ones.

    Warns
    -----
    TextWeightWarning
        The column is text and every non-blank value is a number.

    Notes
    -----
    A text is a number when :func:`pandas.to_numeric` reads it after surrounding spaces are
    removed (``"1.25"``, ``" 3 "``, ``"1e-3"``); a decimal comma (``"1,25"``) is not a number.
    Blank texts are missing weights, which the design then rejects with its own message.
    Missing, infinite or negative numbers are checked by the design, not here.

    Examples
    --------
    >>> import pandas as pd
    >>> weight_from_text(pd.Series([0.5, 1.5]), "wmweight").tolist()
    [0.5, 1.5]
    """
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series
    values = series.astype(object)
    present = values.notna().to_numpy()
    text = values[present].map(str).str.strip()
    blank = (text == "").to_numpy()
    numbers = pd.to_numeric(text[~blank], errors="coerce")
    failed = numbers.isna().to_numpy()
    where = f" in {file}" if file else ""
    if failed.any():
        distinct = list(dict.fromkeys(text[~blank][failed].tolist()))
        examples = ", ".join(repr(v) for v in distinct[:3]) + (", ..." if len(distinct) > 3 else "")
        n_bad = int(failed.sum())
        raise WeightError(
            f"weight variable {variable!r}{where} is stored as text and {n_bad} of its "
            f"{len(series)} values are not numbers (e.g. {examples}). "
            "Store the weight as numbers, or fix these values.",
            variable=variable,
            n_bad=n_bad,
        )
    out = np.full(len(series), np.nan)
    positions = np.flatnonzero(present)[~blank]
    out[positions] = numbers.to_numpy(dtype=float)
    warnings.warn(
        f"weight variable {variable!r}{where} is stored as text; its {len(positions)} values "
        "were read as numbers",
        TextWeightWarning,
        stacklevel=caller_stacklevel(),
    )
    return pd.Series(out, index=series.index, name=series.name)

