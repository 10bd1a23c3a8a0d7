"""Value labels on result frames: codes of ``by`` columns and ``level`` replaced by labels.

Estimators keep the codes found in the data (stable dtypes, exact joins); this module turns
them into the labels of the file's metadata for display, leaving codes without a label as
they are.
"""

from __future__ import annotations

import pandas as pd

from mics_toolkit.io import Metadata

__all__ = ["with_labels"]


def with_labels(result: pd.DataFrame, meta: Metadata) -> pd.DataFrame:
    """Return a copy of ``result`` with value labels in place of codes.

    Parameters
    ----------
    result : DataFrame
        An estimator result or a :func:`~mics_toolkit.estimate.tabulate` frame (its
        ``attrs["mics"]`` name the ``by`` variables and the variable behind ``level``).
    meta : Metadata
        Metadata holding the value labels (``design.meta`` or ``SurveyData.meta``).

    Returns
    -------
    DataFrame
        The same rows and columns. A labelled ``by`` column, and ``level``, become ordered
        categoricals whose categories are the labels in the order of their codes (so sorting
        and tables keep the survey's order, not the alphabet); a code without a label keeps
        its value as text; missing values stay missing. In a ``tabulate`` frame each row's
        ``level`` is labelled with the labels of that row's variable.

    Examples
    --------
    >>> import pandas as pd
    >>> from mics_toolkit.io import Metadata
    >>> frame = pd.DataFrame({"HH6": [2, 1], "estimate": [0.5, 0.7]})
    >>> frame.attrs["mics"] = {"by": ["HH6"]}
    >>> labelled = with_labels(frame, Metadata(value_labels={"HH6": {1: "Urban", 2: "Rural"}}))
    >>> labelled["HH6"].tolist(), list(labelled["HH6"].cat.categories)
    (['Rural', 'Urban'], ['Urban', 'Rural'])
    """
    out = result.copy()
    conventions = result.attrs.get("mics", {})
    if conventions.get("estimator") == "tabulate":
        by = list(dict.fromkeys(name for names in conventions.get("breakdown_variables", [])
                                for name in names))
        level_variables = out["variable"] if "variable" in out.columns else None
    else:
        by = list(conventions.get("by", []))
        variable = conventions.get("variable")
        level_variables = None if variable is None else pd.Series(variable, index=out.index)
    for name in by:
        if name in out.columns and meta.value_labels.get(name):
            out[name] = _labelled([out[name]], [meta.value_labels[name]])
    if "level" in out.columns and level_variables is not None:
        variables = list(dict.fromkeys(level_variables[out["level"].notna()]))
        pieces = [out["level"].where(level_variables == v) for v in variables]
        labels = [meta.value_labels.get(v, {}) for v in variables]
        if any(labels):
            out["level"] = _labelled(pieces, labels)
    return out


def _labelled(pieces: list[pd.Series], labels: list[dict]) -> pd.Categorical:
    """One ordered categorical from columns that are each labelled by their own labels (the
    rows of each piece are the rows where it is not missing); categories in code order,
    piece after piece."""
    text = pd.Series([None] * len(pieces[0]), index=pieces[0].index, dtype=object)
    categories: list = []
    for values, mapping in zip(pieces, labels, strict=True):
        present = values.dropna()
        for code in _sorted(present.unique()):
            label = _label(code, mapping)
            name = label if isinstance(label, str) else _text(code)
            if name not in categories:
                categories.append(name)
            text[present.index[(present == code).to_numpy()]] = name
    return pd.Categorical(text, categories=categories, ordered=True)


def _sorted(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _text(code) -> str:
    """A code without a label, as text (a whole number without decimals)."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _label(value, labels: dict) -> object:
    if value in labels:
        return labels[value]
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return value
    if as_float.is_integer() and int(as_float) in labels:
        return labels[int(as_float)]
    return value
