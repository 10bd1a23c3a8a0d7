"""The response and model matrix of a formula in patsy's syntax (the one statsmodels uses).

:func:`parse_formula` reads ``"y ~ C(g) + x + C(g):x"`` into patsy's description of its
terms (kept for the formulas of the session: parsing costs more than building a small
matrix). :func:`model_matrices` evaluates it on columns already prepared by the caller
(numbers as float or int arrays, categorical variables as pandas categoricals of their
levels): the response, the model matrix, its column names and the columns of each term.

Formulas whose factors are all plain column names or ``C(column)`` of a categorical column
(numeric columns, treatment-coded factors, their interactions, with or without intercept)
are built here from the columns' codes, through patsy's own rules for the order of the terms,
the coding of each factor (full or reduced rank, so that ``C(a):C(b)`` without main effects
stays full rank) and the column names: the result is patsy's to the last bit, without
patsy's evaluation of every factor on the data, which costs several milliseconds a call.
Anything else (``I(x ** 2)``, ``np.log(x)``, ``C(x, Sum)``, ``C(x, levels=...)``, stateful
transforms, columns of mixed types) goes through ``patsy.dmatrices``.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mics_toolkit.errors import ExpressionError

__all__ = [
    "CodedColumn",
    "ModelMatrices",
    "categorical_function",
    "model_matrices",
    "parse_formula",
]


@dataclass(frozen=True, eq=False)
class CodedColumn:
    """A categorical column given by its codes: the same as a pandas categorical with these
    categories (patsy's levels, in this order), without building one.

    Attributes
    ----------
    codes : numpy.ndarray of int, shape (n,)
        Positions in ``levels``, no missing values.
    levels : tuple
        The categories (Python scalars, as pandas gives them).
    """

    codes: np.ndarray
    levels: tuple

    def __len__(self) -> int:
        return len(self.codes)

    def to_pandas(self) -> pd.Categorical:
        """The pandas categorical."""
        return pd.Categorical.from_codes(self.codes, categories=pd.Index(list(self.levels)))


@dataclass(frozen=True, eq=False)
class ModelMatrices:
    """A formula evaluated on data.

    Attributes
    ----------
    y : numpy.ndarray, shape (n, q)
        The response columns (q = 1 for a numeric response).
    y_names : list of str
        Their names (patsy's).
    x : numpy.ndarray, shape (n, p)
        The model matrix, C-contiguous float64.
    names : list of str
        Its column names (patsy's: ``"Intercept"``, ``"C(HH6)[T.2]"``, ``"C(HH6)[T.2]:WB4"``).
    terms : dict
        Term name -> ``slice`` of its columns, in the order of the columns.
    """

    y: np.ndarray
    y_names: list[str]
    x: np.ndarray
    names: list[str]
    terms: dict


@functools.lru_cache(maxsize=256)
def parse_formula(formula: str):
    """patsy's ``ModelDesc`` of ``formula`` (kept per formula; ExpressionError when it cannot be
    parsed)."""
    import patsy

    try:
        return patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as error:
        raise expression_error(formula, error) from None


def expression_error(formula: str, error) -> ExpressionError:
    """The ExpressionError of a patsy error on ``formula`` (its first line, with the position
    patsy gives)."""
    origin = getattr(error, "origin", None)
    position = getattr(origin, "start", None)
    message = str(error).split("\n", 1)[0]
    where = f" (at character {position})" if position is not None else ""
    return ExpressionError(f"the formula {formula!r} is not valid{where}: {message}",
                           expression=formula, position=position)


def categorical_function():
    """patsy's ``C``, except that a pandas categorical without contrast or levels is returned
    as it is: patsy reads the codes of a pandas categorical directly but converts the values
    of a ``C()`` box one by one (the column names are the same, taken from the formula)."""
    import patsy

    def C(data, contrast=None, levels=None):
        if (contrast is None and levels is None
                and isinstance(getattr(data, "dtype", None), pd.CategoricalDtype)):
            return data
        return patsy.builtins.C(data, contrast, levels)

    return C


def model_matrices(formula: str, data: Mapping[str, object], namespace: dict) -> ModelMatrices:
    """Evaluate ``formula`` on ``data`` (column name -> values, all of the same length n).

    Parameters
    ----------
    formula : str
    data : mapping
        The columns the formula reads, without missing values: numbers as float64 or int64
        arrays, categorical variables as :class:`CodedColumn` or pandas categoricals (levels
        in their order).
    namespace : dict
        Names the formula may call besides the columns (``np``, ``C``).

    Returns
    -------
    ModelMatrices

    Raises
    ------
    ExpressionError
        A formula that patsy cannot parse or evaluate on the data.
    """
    description = parse_formula(formula)
    built = _simple_matrices(description, data)
    return built if built is not None else _patsy_matrices(formula, data, namespace)


def _patsy_matrices(formula: str, data: Mapping[str, object], namespace: dict) -> ModelMatrices:
    """``patsy.dmatrices`` on ``data`` (no missing-value scan: the caller has none)."""
    import patsy

    n_rows = len(next(iter(data.values()))) if data else 0
    frame = pd.DataFrame({name: column.to_pandas() if isinstance(column, CodedColumn) else column
                          for name, column in data.items()}, index=pd.RangeIndex(n_rows))
    try:
        with np.errstate(all="ignore"):
            # a NaN can only come from a transformation (np.log(0)): the caller drops it
            y_matrix, x_matrix = patsy.dmatrices(
                formula, frame, eval_env=patsy.EvalEnvironment([namespace]),
                NA_action=patsy.NAAction(NA_types=[]), return_type="matrix",
            )
    except patsy.PatsyError as error:
        raise expression_error(formula, error) from None
    except Exception as error:  # a transformation failed on the data (np.log of text, ...)
        raise ExpressionError(
            f"the formula {formula!r} cannot be evaluated on the data: "
            f"{type(error).__name__}: {error}",
            expression=formula, position=None,
        ) from None
    info = x_matrix.design_info
    return ModelMatrices(
        y=np.asarray(y_matrix, dtype=float),
        y_names=list(y_matrix.design_info.column_names),
        x=np.ascontiguousarray(x_matrix, dtype=float),
        names=list(info.column_names),
        terms=dict(info.term_name_slices),
    )


def _simple_matrices(description, data: Mapping[str, object]) -> ModelMatrices | None:
    """The matrices of a formula whose factors are plain columns and ``C(column)`` of
    categorical columns, built with patsy's rules (term order, codings, names) from the codes
    of the columns; None for any other formula (patsy builds it)."""
    rules = _patsy_rules()
    if rules is None or "C" in data or len(description.lhs_termlist) != 1:
        return None
    response = description.lhs_termlist[0].factors
    if len(response) != 1:
        return None
    y = _factor_values(response[0], data)
    if y is None or y[0] != "numerical":
        return None
    values: dict = {}
    for term in description.rhs_termlist:
        for factor in term.factors:
            if factor not in values:
                found = _factor_values(factor, data)
                if found is None:
                    return None
                values[factor] = found
    if not values:  # intercept only: patsy sizes the matrix from the response
        return None
    kinds = tuple((f, v[2] if v[0] == "categorical" else None) for f, v in values.items())
    info = _design_info(tuple(description.rhs_termlist), kinds)
    _, x = rules[2](info, {info.factor_infos[f]: v[1] for f, v in values.items()}, np.float64)
    return ModelMatrices(
        y=np.asarray(y[1], dtype=float),
        y_names=[response[0].name()],
        x=np.ascontiguousarray(x, dtype=float),
        names=list(info.column_names),
        terms=dict(info.term_name_slices),
    )


@functools.lru_cache(maxsize=64)
def _design_info(terms: tuple, kinds: tuple):
    """patsy's ``DesignInfo`` of ``terms`` whose factors are numeric (levels None) or
    categorical with the given levels: the order of the terms, the coding of each factor and
    the column names (kept for the last models)."""
    make_subterm_infos, column_names_of, _, FactorInfo, DesignInfo = _patsy_rules()
    numeric = {f: 1 for f, levels in kinds if levels is None}
    categorical = {f: (levels, None) for f, levels in kinds if levels is not None}
    codings = make_subterm_infos(list(terms), numeric, categorical)
    infos = {f: (FactorInfo(f, "numerical", {}, num_columns=1) if levels is None
                 else FactorInfo(f, "categorical", {}, categories=levels))
             for f, levels in kinds}
    names = [name for subterms in codings.values() for subterm in subterms
             for name in column_names_of(infos, subterm)]
    return DesignInfo(names, factor_infos=infos, term_codings=codings)


def _factor_values(factor, data: Mapping[str, object]):
    """``("numerical", values (n, 1))`` for a factor that is a numeric column,
    ``("categorical", codes (n,), levels)`` for a categorical column or ``C(column)`` of one;
    None for any other factor."""
    try:
        tree = ast.parse(factor.name(), mode="eval").body
    except SyntaxError:
        return None
    wrapped = False
    if (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "C"
            and len(tree.args) == 1 and not tree.keywords):
        tree, wrapped = tree.args[0], True
    if not isinstance(tree, ast.Name) or tree.id not in data:
        return None
    column = data[tree.id]
    if isinstance(column, CodedColumn):
        return "categorical", column.codes, column.levels
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        from patsy.util import pandas_Categorical_categories, pandas_Categorical_codes

        codes = np.asarray(pandas_Categorical_codes(column))
        if codes.size and codes.min() < 0:
            return None
        return "categorical", codes, tuple(pandas_Categorical_categories(column))
    if (wrapped or not isinstance(column, np.ndarray) or column.ndim != 1
            or column.dtype.kind not in "iuf"):
        return None
    return "numerical", column.reshape(-1, 1)


@functools.cache
def _patsy_rules():
    """patsy's functions for the structure of a model matrix (term order, codings, names) and
    for building it from factor values, or None when this patsy does not have them (every
    formula then goes through ``patsy.dmatrices``)."""
    try:
        from patsy.build import (
            _build_design_matrix,
            _make_subterm_infos,
            _subterm_column_names_iter,
        )
        from patsy.design_info import DesignInfo, FactorInfo
    except ImportError:
        return None
    return (_make_subterm_infos, _subterm_column_names_iter, _build_design_matrix, FactorInfo,
            DesignInfo)
