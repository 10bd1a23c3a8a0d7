"""The model matrix of a formula (estimate.model_matrix): formulas of plain columns and
``C(column)`` are built from the columns' codes and give patsy's matrix, column names and
terms to the last bit; any other formula goes through patsy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest

from mics_toolkit.errors import ExpressionError
from mics_toolkit.estimate import model_matrix
from mics_toolkit.estimate.model_matrix import (
    CodedColumn,
    categorical_function,
    model_matrices,
    parse_formula,
)


def _data(n: int = 240, seed: int = 5) -> dict:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 5, n)
    b = rng.integers(0, 3, n)
    text = rng.choice(["rural", "urban", "camp"], n)
    return {
        "y": rng.uniform(0, 1, n),
        "x": rng.normal(30, 8, n),
        "z": rng.integers(0, 6, n).astype(np.int64),
        "a": pd.Categorical(a, categories=np.unique(a)),
        "b": pd.Categorical(b, categories=np.unique(b)),
        "t": pd.Categorical(text, categories=sorted(set(text))),
    }


SIMPLE = [
    "y ~ C(a) + C(b) + x",
    "y ~ x + C(a)",                      # categorical terms first, as patsy orders them
    "y ~ C(a):x",                        # full-rank coding of a without its main effect
    "y ~ C(a) * x",
    "y ~ C(a):C(b)",
    "y ~ C(a) + C(a):C(b)",
    "y ~ C(a) * C(b) * x - 1",
    "y ~ 0 + C(a) + t",
    "y ~ x + z + x:z",
    "y ~ t * x + C(b):z",
    "y ~  C( a ) + x",
]
OTHER = [
    "y ~ I(x ** 2) + C(a)",
    "y ~ np.log(x) + C(a)",
    "y ~ C(a, Sum) + x",
    "y ~ C(a, levels=[4, 3, 2, 1]) + x",
    "y ~ C(z) + x",                      # C() of a numeric array: patsy finds the levels
    "y ~ 1",
    "I(y * 2) ~ x",
]


def _patsy(formula: str, data: dict):
    namespace = {"np": np, "C": categorical_function()}
    return patsy.dmatrices(formula, pd.DataFrame(data),
                           eval_env=patsy.EvalEnvironment([namespace]),
                           NA_action=patsy.NAAction(NA_types=[]), return_type="matrix")


@pytest.mark.parametrize("formula", SIMPLE + OTHER)
def test_matrices_are_patsys(formula):
    data = _data()
    y, x = _patsy(formula, data)
    built = model_matrices(formula, data, {"np": np, "C": categorical_function()})
    assert built.names == list(x.design_info.column_names)
    assert built.terms == dict(x.design_info.term_name_slices)
    assert built.y_names == list(y.design_info.column_names)
    np.testing.assert_array_equal(built.x, np.asarray(x))
    np.testing.assert_array_equal(built.y, np.asarray(y))
    assert built.x.flags.c_contiguous and built.x.dtype == np.float64


@pytest.mark.parametrize("formula", SIMPLE + OTHER)
def test_coded_columns_are_their_pandas_categoricals(formula):
    data = _data()
    coded = {name: (CodedColumn(np.asarray(column.codes, dtype=np.intp),
                                tuple(column.categories.tolist()))
                    if isinstance(column, pd.Categorical) else column)
             for name, column in data.items()}
    assert isinstance(coded["a"], CodedColumn) and coded["a"].levels == (1, 2, 3, 4)
    namespace = {"np": np, "C": categorical_function()}
    built, expected = (model_matrices(formula, d, namespace) for d in (coded, data))
    assert built.names == expected.names and built.terms == expected.terms
    np.testing.assert_array_equal(built.x, expected.x)
    pd.testing.assert_index_equal(coded["t"].to_pandas().categories, data["t"].categories)


@pytest.mark.parametrize("formula", SIMPLE)
def test_simple_formulas_are_built_without_patsys_evaluation(formula, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("patsy.dmatrices called")

    monkeypatch.setattr(patsy, "dmatrices", refuse)
    built = model_matrices(formula, _data(), {"np": np, "C": categorical_function()})
    assert built.x.shape[0] == 240


@pytest.mark.parametrize("formula", OTHER)
def test_other_formulas_go_through_patsy(formula):
    description = parse_formula(formula)
    assert model_matrix._simple_matrices(description, _data()) is None


def test_a_column_named_c_goes_through_patsy():
    data = {**_data(), "C": np.arange(240.0)}
    assert model_matrix._simple_matrices(parse_formula("y ~ C(a) + x"), data) is None


def test_parse_errors_are_expression_errors_and_parses_are_kept():
    with pytest.raises(ExpressionError, match=r"is not valid \(at character"):
        parse_formula("y ~ x +")
    assert parse_formula("y ~ C(a) + x") is parse_formula("y ~ C(a) + x")
