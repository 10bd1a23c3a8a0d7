"""Tests of mics_toolkit.expr, the safe expression language.

Operators and precedence, lists, three-valued logic with missing values (hand-built truth
tables), functions, texts (Cyrillic included), back-quoted names, syntax and type errors with
positions, unknown variables, where_mask inputs, and hypothesis properties (De Morgan under
Kleene logic, arithmetic equal to numpy's, nothing but project errors on random text).
"""

from __future__ import annotations

import ast
import operator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mics_toolkit.expr as expr_module
from mics_toolkit.errors import ExpressionError, VariableError
from mics_toolkit.expr import Expression, evaluate, parse, where_mask

NAN = np.nan


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "HH6": [1, 2, 1, 2, 1],
            "WB4": [20.0, 30.0, NAN, 24.0, 15.0],
            "HH7": ["North", "South", "Москва", None, "North"],
            "hhweight": [0.5, 1.0, 1.5, 2.0, 2.5],
            "HH48": [4, 3, 2, 1, 0],
        }
    )


def numeric(text: str, frame: pd.DataFrame) -> np.ndarray:
    return parse(text).evaluate_numeric(frame)


# --------------------------------------------------------------------------------------------
# Literals, arithmetic and precedence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("2.5E-2", 0.025),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 2 - 3", 5.0),
        ("12 / 2 / 3", 2.0),
        ("12 / (2 / 3)", 18.0),
        ("-2 * 3", -6.0),
        ("- -2", 2.0),
        ("-(1 + 2)", -3.0),
        ("2 - -3", 5.0),
        ("abs(-4.5)", 4.5),
        ("1 / 0", NAN),
        ("0 / 0", NAN),
    ],
)
def test_arithmetic_and_precedence(text, expected, frame):
    result = evaluate(text, frame)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, np.full(len(frame), expected))


def test_arithmetic_on_columns_propagates_missing(frame):
    np.testing.assert_array_equal(
        evaluate("hhweight * HH48", frame), frame["hhweight"] * frame["HH48"]
    )
    np.testing.assert_array_equal(evaluate("WB4 / 2 + 1", frame), [11.0, 16.0, NAN, 13.0, 8.5])
    np.testing.assert_array_equal(evaluate("HH6 / (HH48 - 4)", frame)[0], NAN)  # x / 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HH6 == 1", [1, 0, 1, 0, 1]),
        ("HH6 != 1", [0, 1, 0, 1, 0]),
        ("WB4 < 24", [1, 0, NAN, 0, 1]),
        ("WB4 <= 24", [1, 0, NAN, 1, 1]),
        ("WB4 > 24", [0, 1, NAN, 0, 0]),
        ("WB4 >= 24", [0, 1, NAN, 1, 0]),
        ("WB4 == 24", [0, 0, NAN, 1, 0]),
        ("WB4 != 24", [1, 1, NAN, 0, 1]),
        ("HH6 + 1 == 2", [1, 0, 1, 0, 1]),  # arithmetic binds tighter than comparison
        ("HH6 * 2 > HH48", [0, 1, 0, 1, 1]),
    ],
)
def test_comparisons(text, expected, frame):
    np.testing.assert_array_equal(numeric(text, frame), expected)
    np.testing.assert_array_equal(evaluate(text, frame), np.nan_to_num(expected) == 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not HH6 == 1", [0, 1, 0, 1, 0]),  # not binds looser than ==
        ("HH6 == 1 and HH48 > 1", [1, 0, 1, 0, 0]),
        ("HH6 == 2 or HH48 == 0 and hhweight > 10", [0, 1, 0, 1, 0]),  # and before or
        ("(HH6 == 2 or HH48 == 0) and hhweight > 10", [0, 0, 0, 0, 0]),
        ("not HH6 == 1 and HH48 == 3", [0, 1, 0, 0, 0]),  # (not ...) and ...
        ("not (HH6 == 1 and HH48 == 4)", [0, 1, 1, 1, 1]),
        ("not not HH6 == 1", [1, 0, 1, 0, 1]),
        ("True", [1, 1, 1, 1, 1]),
        ("False or HH48 == 0", [0, 0, 0, 0, 1]),
        ("(HH6 == 1) == (HH48 > 1)", [1, 0, 1, 1, 0]),
        ("(HH6 == 1) != True", [0, 1, 0, 1, 0]),
    ],
)
def test_boolean_operators_and_precedence(text, expected, frame):
    np.testing.assert_array_equal(numeric(text, frame), expected)


def test_long_flat_chains_do_not_recurse(frame):
    text = " + ".join(["1"] * 5000)
    np.testing.assert_array_equal(evaluate(text, frame), np.full(5, 5000.0))
    text = " or ".join(["HH6 == 3"] * 2000 + ["HH6 == 1"])
    np.testing.assert_array_equal(evaluate(text, frame), frame["HH6"].to_numpy() == 1)


def test_constant_results_broadcast_and_empty_frame(frame):
    assert evaluate("True", frame).tolist() == [True] * 5
    empty = frame.iloc[:0]
    assert evaluate("HH6 == 1", empty).shape == (0,)
    assert evaluate("1 + 1", empty).dtype == np.float64


# --------------------------------------------------------------------------------------------
# in / not in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HH48 in [1, 2, 3]", [0, 1, 1, 1, 0]),
        ("HH48 not in [1, 2, 3]", [1, 0, 0, 0, 1]),
        ("HH48 - 4 in [-4, -1]", [0, 1, 0, 0, 1]),
        ("WB4 in [24, 30,]", [0, 1, NAN, 1, 0]),
        ("WB4 not in [24]", [1, 1, NAN, 0, 1]),
        ("HH7 in ['North', 'Москва']", [1, 0, 1, NAN, 1]),
        ('HH7 not in ["North"]', [0, 1, 1, NAN, 0]),
        ("not HH7 in ['North']", [0, 1, 1, NAN, 0]),
        ("'a' in ['a', 'b']", [1, 1, 1, 1, 1]),
        ("3 not in [1, 2]", [1, 1, 1, 1, 1]),
    ],
)
def test_membership(text, expected, frame):
    np.testing.assert_array_equal(numeric(text, frame), expected)


# --------------------------------------------------------------------------------------------
# Three-valued logic


def truth_frame() -> pd.DataFrame:
    """Nine rows: every pair of (true, false, unknown) for conditions ``a == 1``, ``b == 1``."""
    states = [1.0, 0.0, NAN]  # a == 1 is true, false, unknown
    a, b = zip(*[(x, y) for x in states for y in states], strict=True)
    return pd.DataFrame({"a": a, "b": b})


T, F, U = 1.0, 0.0, NAN


def test_kleene_truth_tables():
    table = truth_frame()
    # rows: (T,T) (T,F) (T,U) (F,T) (F,F) (F,U) (U,T) (U,F) (U,U)
    np.testing.assert_array_equal(numeric("a == 1 and b == 1", table), [T, F, U, F, F, F, U, F, U])
    np.testing.assert_array_equal(numeric("a == 1 or b == 1", table), [T, T, T, T, F, U, T, U, U])
    np.testing.assert_array_equal(numeric("not a == 1", table), [F, F, F, T, T, T, U, U, U])
    np.testing.assert_array_equal(
        numeric("(a == 1) == (b == 1)", table), [T, F, U, F, T, U, U, U, U]
    )
    # evaluate() turns unknown into False
    assert evaluate("a == 1 or b == 1", table).tolist() == [1, 1, 1, 1, 0, 0, 1, 0, 0]


def test_missing_is_never_selected_unless_asked(frame):
    keep = where_mask("not (WB4 <= 24)", frame, n_rows=5)
    assert keep.tolist() == [False, True, False, False, False]
    assert where_mask("WB4 != 24", frame, n_rows=5).tolist() == [True, True, False, False, True]
    assert where_mask("isna(WB4) or WB4 != 24", frame, n_rows=5).all() == (
        not where_mask("WB4 == 24", frame, n_rows=5)[3]
    )
    assert where_mask("isna(WB4) or WB4 != 24", frame, n_rows=5).tolist() == [
        True,
        True,
        True,
        False,
        True,
    ]
    # unknown or true is true; unknown and false is false
    assert numeric("WB4 > 0 or HH6 == 1", frame)[2] == 1.0
    assert numeric("WB4 > 0 and HH6 == 2", frame)[2] == 0.0


def test_isna_notna(frame):
    assert evaluate("isna(WB4)", frame).tolist() == [False, False, True, False, False]
    assert evaluate("notna(WB4)", frame).tolist() == [True, True, False, True, True]
    assert evaluate("isna(HH7)", frame).tolist() == [False, False, False, True, False]
    assert evaluate("isna(WB4 + HH6)", frame).tolist() == [False, False, True, False, False]
    assert evaluate("isna(WB4 > 1)", frame).tolist() == [False, False, True, False, False]
    assert evaluate("isna('x')", frame).tolist() == [False] * 5
    np.testing.assert_array_equal(numeric("isna(WB4)", frame), [0, 0, 1, 0, 0])  # always known


def test_functions_are_not_variables_and_a_column_may_share_their_name():
    table = pd.DataFrame({"isna": [1.0, NAN]})
    assert parse("isna(isna)").variables == {"isna"}
    assert evaluate("isna(isna)", table).tolist() == [False, True]


# --------------------------------------------------------------------------------------------
# Texts and dtypes


def test_text_columns_of_every_kind():
    values = ["Urban", "Rural", None, "Урбан"]
    for column in (
        pd.Series(values, dtype=object),
        pd.Series(values, dtype="string"),
        pd.Series(values, dtype="str"),
        pd.Series(values, dtype="category"),
    ):
        table = pd.DataFrame({"area": column})
        np.testing.assert_array_equal(numeric("area == 'Urban'", table), [1, 0, NAN, 0])
        np.testing.assert_array_equal(numeric('area != "Urban"', table), [0, 1, NAN, 1])
        np.testing.assert_array_equal(numeric("area == 'Урбан'", table), [0, 0, NAN, 1])
        np.testing.assert_array_equal(numeric("'Urban' == area", table), [1, 0, NAN, 0])


def test_cyrillic_literal_and_escapes(frame):
    assert evaluate("HH7 == 'Москва'", frame).tolist() == [False, False, True, False, False]
    assert evaluate('HH7 == "Москва"', frame).tolist() == [False, False, True, False, False]
    table = pd.DataFrame({"s": ["it's", 'say "hi"', "a\\b"]})
    assert evaluate("s == 'it\\'s'", table).tolist() == [True, False, False]
    assert evaluate('s == "say \\"hi\\""', table).tolist() == [False, True, False]
    assert evaluate("s == 'a\\\\b'", table).tolist() == [False, False, True]


def test_all_missing_columns():
    table = pd.DataFrame(
        {"s": pd.Series([None, None], dtype="str"), "o": pd.Series([None, None], dtype=object)}
    )
    np.testing.assert_array_equal(numeric("s == 'a'", table), [NAN, NAN])
    np.testing.assert_array_equal(numeric("o == 1", table), [NAN, NAN])  # object: numbers
    assert evaluate("isna(s) and isna(o)", table).tolist() == [True, True]


def test_text_column_compared_with_text_column():
    table = pd.DataFrame(
        {"x": ["a", "b", None, "c"], "y": pd.Series(["a", "c", "a", "c"], dtype="category")}
    )
    np.testing.assert_array_equal(numeric("x == y", table), [1, 0, NAN, 1])
    np.testing.assert_array_equal(numeric("x != y", table), [0, 1, NAN, 0])


def test_nullable_dtypes():
    table = pd.DataFrame(
        {
            "i": pd.array([1, None, 3], dtype="Int64"),
            "f": pd.array([1.5, 2.5, None], dtype="Float64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "s": pd.array(["x", None, "y"], dtype="string"),
            "u": pd.array([1, 2, 3], dtype="UInt8"),
        }
    )
    np.testing.assert_array_equal(evaluate("i + f", table), [2.5, NAN, NAN])
    np.testing.assert_array_equal(numeric("i >= 1", table), [1, NAN, 1])
    np.testing.assert_array_equal(numeric("b", table), [1, NAN, 0])
    np.testing.assert_array_equal(numeric("not b", table), [0, NAN, 1])
    np.testing.assert_array_equal(numeric("s == 'y'", table), [0, NAN, 1])
    np.testing.assert_array_equal(evaluate("u * 2", table), [2.0, 4.0, 6.0])
    assert evaluate("b", table).tolist() == [True, False, False]


def test_numeric_categoricals_and_object_columns():
    table = pd.DataFrame(
        {
            "c": pd.Series([1, 2, None, 2], dtype="category"),
            "o": pd.Series([1, None, 2.5, 3], dtype=object),
            "ob": pd.Series([True, None, False, True], dtype=object),
        }
    )
    np.testing.assert_array_equal(numeric("c == 2", table), [0, 1, NAN, 1])
    np.testing.assert_array_equal(evaluate("o * 2", table), [2, NAN, 5, 6])
    np.testing.assert_array_equal(numeric("ob", table), [1, NAN, 0, 1])


def test_bool_column_is_a_condition():
    table = pd.DataFrame({"flag": [True, False, True]})
    assert evaluate("flag and not flag", table).tolist() == [False] * 3
    assert evaluate("flag == False", table).tolist() == [False, True, False]


def test_unusable_column_types_raise_variable_error():
    table = pd.DataFrame({"when": pd.to_datetime(["2020-01-01", "2021-01-01"]), "mixed": [1, "a"]})
    with pytest.raises(VariableError, match="when") as info:
        evaluate("when == 1", table)
    assert info.value.variable == "when"
    with pytest.raises(VariableError, match="mixed"):
        evaluate("mixed == 1", table)
    duplicated = pd.DataFrame([[1, 2]], columns=["x", "x"])
    with pytest.raises(VariableError, match="unique"):
        evaluate("x == 1", duplicated)


def test_result_is_a_fresh_array_and_input_is_untouched(frame):
    before = frame.copy(deep=True)
    result = evaluate("WB4", frame)
    result[:] = -1.0
    mask = where_mask("HH6 == 1", frame, n_rows=5)
    mask[:] = False
    pd.testing.assert_frame_equal(frame, before)
    assert result.flags.writeable
    array = np.array([True, False, True, False, True])
    out = where_mask(array, frame, n_rows=5)
    out[:] = False
    assert array.tolist() == [True, False, True, False, True]


# --------------------------------------------------------------------------------------------
# Names


def test_back_quoted_and_special_names():
    table = pd.DataFrame(
        {"odd name": [1, 2], "and": [3, 4], "WB4.1": [5, 6], "wm$1": [7, 8], "@x#": [9, 10]}
    )
    assert evaluate("`odd name` == 2", table).tolist() == [False, True]
    assert evaluate("`and` + 1", table).tolist() == [4.0, 5.0]
    assert evaluate("WB4.1 + wm$1 + @x#", table).tolist() == [21.0, 24.0]
    expression = parse("`odd name` > 1 and WB4.1 < `and`")
    assert expression.variables == frozenset({"odd name", "WB4.1", "and"})


def test_unicode_names_and_case_sensitivity():
    table = pd.DataFrame({"возраст": [10, 20], "hh6": [1, 2]})
    assert evaluate("возраст > 15", table).tolist() == [False, True]
    with pytest.raises(VariableError) as info:
        evaluate("HH6 == 1", table)
    assert info.value.variable == "HH6"
    assert info.value.close_matches == ["hh6"]


def test_unknown_variable_lists_close_matches(frame):
    with pytest.raises(VariableError) as info:
        evaluate("HH6 == 1 and WB44 <= 24", frame)
    error = info.value
    assert error.variable == "WB44"
    assert error.close_matches == ["WB4"]
    assert "WB44" in str(error) and "WB4" in str(error)
    assert "'HH6 == 1 and WB44 <= 24'" in str(error)  # the expression
    assert isinstance(error, LookupError)


def test_lowercase_true_is_a_name_with_a_hint(frame):
    with pytest.raises(VariableError, match="spelled True"):
        evaluate("true", frame)


def test_variables():
    assert parse("1 + 2").variables == frozenset()
    assert parse("isna(a) or abs(b) > c and d in [1]").variables == {"a", "b", "c", "d"}
    assert parse("x == x").variables == {"x"}
    assert parse("'x' == `y`").variables == {"y"}


def test_expression_object():
    expression = parse("HH6 == 1")
    assert parse("HH6 == 1") is expression  # cached
    assert parse(expression) is expression
    assert expression.text == "HH6 == 1"
    assert str(expression) == "HH6 == 1"
    assert expression == parse("HH6 == 1")
    assert hash(expression) == hash(parse("HH6 == 1"))
    assert isinstance(expression, Expression)
    with pytest.raises(AttributeError):
        expression.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Syntax errors


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("HH6 == 1 and )", 13, "unexpected ')'"),
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("HH6 = 1", 4, "use '=='"),
        ("HH6 == 1 && x", 9, "use 'and'"),
        ("HH6 == 1 || x", 9, "use 'or'"),
        ("!x", 0, "use 'not'"),
        ("a <> b", 2, "'!='"),
        ("a ** 2", 2, "not supported"),
        ("a % 2", 2, "unexpected character '%'"),
        ("a < b < c", 6, "cannot be chained"),
        ("a == b in [1]", 7, "cannot be chained"),
        ("a < b not in [1]", 6, "cannot be chained"),
        ("(a == 1", 7, "missing ')'"),
        ("abs(a", 5, "missing ')'"),
        ("x in [1, 2", 10, "missing ']'"),
        ("x in []", 5, "empty list"),
        ("x in (1, 2)", 5, "square brackets"),
        ("x in [1, 'a']", 5, "mixes numbers and texts"),
        ("x in [y]", 6, "unexpected name y"),
        ("x in [1 2]", 8, "expected ',' or ']'"),
        ("[1, 2]", 0, "can only follow 'in'"),
        ("'abc", 0, "unterminated text"),
        ("`abc", 0, "unterminated back-quoted name"),
        ("``", 0, "empty back-quoted name"),
        ("'a\\n'", 2, "unknown escape"),
        ("1abc == 2", 0, "malformed number '1abc'"),
        ("1.2.3", 0, "malformed number"),
        ("a b", 2, "unexpected name b"),
        ("a AND b", 2, "spelled 'and'"),
        ("not", 3, "unexpected end of expression"),
        ("x ==", 4, "unexpected end of expression"),
        ("x not 1", 2, "unexpected 'not'"),
        ("and == 1", 0, "back quotes"),
        ("f(x)", 0, "unknown function 'f'"),
        ("isna(a, b)", 6, "exactly one argument"),
        ("isna()", 5, "unexpected ')'"),
        ("+1", 0, "unexpected '+'"),
        ("HH6 == TRUE", 7, None),  # a name, fine to parse: checked at evaluation
    ],
)
def test_syntax_errors_report_positions(text, position, fragment):
    if fragment is None:
        parse(text)
        return
    with pytest.raises(ExpressionError) as info:
        parse(text)
    error = info.value
    assert fragment in str(error)
    assert error.position == position
    assert error.expression == text
    assert f"at position {position} in {text!r}" in str(error)
    assert isinstance(error, ValueError)


def test_error_message_has_caret_line():
    with pytest.raises(ExpressionError) as info:
        parse("HH6 == 1 and )")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("unexpected ')' at position 13 in 'HH6 == 1 and )'")
    assert lines[1] == "    HH6 == 1 and )"
    assert lines[2] == "    " + " " * 13 + "^"
    assert lines[2].index("^") == lines[1].index(")")


def test_deep_nesting_is_an_expression_error_not_a_recursion_error():
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 1000 + "1" + ")" * 1000)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("abs(" * 1000 + "1" + ")" * 1000)
    assert parse("(" * 40 + "1" + ")" * 40).text.count("(") == 40


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("not " * 1000 + "x == 1", 400),  # the 101st 'not'
        ("-" * 1000 + "x == 1", 99),  # the comparison and 100 minus signs
        ("-" * 1000 + "x", 100),
        ("not (" * 40 + "not " * 60 + "x == 1" + ")" * 40, 440),  # the comparison is 101st
        ("abs(" * 45 + "-" * 60 + "x" + ")" * 45, 235),
    ],
)
def test_deep_operations_are_an_expression_error_at_parse_time(text, position):
    with pytest.raises(ExpressionError, match="more than 100 operations") as info:
        parse(text)
    assert info.value.position == position
    assert info.value.expression == text
    with pytest.raises(ExpressionError, match="more than 100 operations"):
        where_mask(text, pd.DataFrame({"x": [1.0, 2.0]}), n_rows=2)


def test_a_long_expression_is_shown_around_the_error():
    text = "x == 1 or " * 1_000 + "x = 1"
    with pytest.raises(ExpressionError) as info:
        parse(text)
    error = info.value
    assert error.position == len(text) - 3 and error.expression == text
    first, shown, caret = str(error).splitlines()
    assert first.startswith(f"'=' is not an operator; use '==' to compare at position "
                            f"{len(text) - 3} of an expression of 10,005 characters: '...")
    assert len(first) < 400
    assert shown.startswith("    ...") and shown.endswith("or x = 1")
    assert shown[caret.index("^")] == "="
    with pytest.raises(ExpressionError) as info:
        parse("not " * 1000 + "x == 1")
    first, shown, caret = str(info.value).splitlines()
    assert shown.endswith("...") and shown[caret.index("^"):].startswith("not")
    assert len(str(info.value)) < 1000


def test_operations_up_to_the_limit_parse_and_evaluate():
    frame = pd.DataFrame({"x": [1.0, 2.0, NAN]})
    # 99 'not' and the comparison: 100 operations, an odd number of 'not'
    np.testing.assert_array_equal(
        where_mask("not " * 99 + "x == 1", frame, n_rows=3), [False, True, False]
    )
    # 100 minus signs: an even number, x itself
    np.testing.assert_array_equal(evaluate("-" * 100 + "x", frame), [1.0, 2.0, NAN])
    with pytest.raises(ExpressionError, match="more than 100 operations"):
        parse("not " * 100 + "x == 1")


def test_long_flat_expressions_are_not_limited():
    frame = pd.DataFrame({"x": [1.0, 2.0, 4999.0, 5000.0, NAN]})
    listed = "x in [" + ", ".join(str(value) for value in range(5000)) + "]"
    np.testing.assert_array_equal(
        where_mask(listed, frame, n_rows=5), [True, True, True, False, False]
    )
    many_and = " and ".join(["x > 1"] * 2000)  # 'or' and '+' chains: see above
    np.testing.assert_array_equal(
        where_mask(many_and, frame, n_rows=5), [False, True, True, True, False]
    )


def test_not_a_string_is_an_expression_error():
    with pytest.raises(ExpressionError, match="must be a string"):
        parse(3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Type errors


@pytest.mark.parametrize(
    ("text", "position", "fragments"),
    [
        ("HH6 == 'Urban'", 4, ["variable HH6", "a number", "'Urban'", "text"]),
        ("'Urban' != HH6", 8, ["variable HH6", "a number"]),
        ("HH6 in ['Urban']", 4, ["variable HH6", "texts"]),
        ("HH7 in [1, 2]", 4, ["variable HH7", "text", "numbers"]),
        ("HH7 < 'North'", 4, ["orders numbers only"]),
        ("HH7 + 1", 4, ["'+' needs numbers", "variable HH7", "text"]),
        ("HH6 and WB4 > 1", 4, ["'and' needs conditions", "variable HH6", "HH6 == 1"]),
        ("WB4 > 1 or 2", 8, ["'or' needs conditions", "'2'"]),
        ("not HH6", 0, ["'not' needs conditions"]),
        ("(HH6 == 1) + 1", 11, ["'+' needs numbers", "condition"]),
        ("-(HH6 == 1)", 0, ["'-' needs numbers"]),
        ("abs(HH6 > 1)", 0, ["abs() needs numbers"]),
        ("True == 1", 5, ["cannot compare", "condition", "a number"]),
        ("(HH6 > 1) < (HH6 > 2)", 10, ["orders numbers only"]),
        ("True in [1]", 5, ["condition"]),
        ("HH7", 0, ["gives text"]),
    ],
)
def test_type_errors(text, position, fragments, frame):
    with pytest.raises(ExpressionError) as info:
        evaluate(text, frame)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert info.value.position == position
    assert info.value.expression == text


def test_evaluate_needs_a_dataframe():
    with pytest.raises(ExpressionError, match="DataFrame"):
        evaluate("x == 1", {"x": [1]})  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# where_mask


def test_where_mask_none_and_expression(frame):
    assert where_mask(None, frame, n_rows=5).tolist() == [True] * 5
    assert where_mask(None, None, n_rows=2).dtype == np.bool_
    mask = where_mask("HH6 == 1 and WB4 <= 24", frame, n_rows=5)
    assert mask.tolist() == [True, False, False, False, True]
    assert where_mask(parse("HH48 > 2"), frame, n_rows=5).tolist() == [1, 1, 0, 0, 0]
    assert where_mask("True", frame, n_rows=5).all()


def test_where_mask_arrays_and_series(frame):
    values = [True, False, True, False, False]
    assert where_mask(np.array(values), frame, n_rows=5).tolist() == values
    assert where_mask(values, frame, n_rows=5).tolist() == values
    series = pd.Series(values, index=[10, 4, 3, 2, 1])  # aligned by position
    assert where_mask(series, frame, n_rows=5).tolist() == values
    nullable = pd.Series(values, dtype="boolean")
    assert where_mask(nullable, frame, n_rows=5).tolist() == values
    objects = np.array(values, dtype=object)
    assert where_mask(objects, frame, n_rows=5).tolist() == values


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        (np.array([True, False]), "has 2 values but the data has 5 rows"),
        (pd.Series([True, None, True, True, True], dtype="boolean"), "1 missing values"),
        (np.array([True, None, NAN, True, True], dtype=object), "2 missing values"),
        (np.array([1.0, 0.0, NAN, 1.0, 1.0]), "dtype float64"),
        (np.array([1, 0, 1, 1, 0]), "dtype int64"),
        (pd.Series(["a"] * 5), "True/False values only"),
        (np.ones((5, 1), dtype=bool), "one-dimensional"),
        (pd.DataFrame({"x": [True] * 5}), "not a DataFrame"),
        ("hhweight", "must be a condition, but the expression gives numbers"),
        ("HH7", "gives text"),
    ],
)
def test_where_mask_rejects(where, fragment, frame):
    with pytest.raises(ExpressionError, match="where=") as info:
        where_mask(where, frame, n_rows=5)
    assert fragment in str(info.value)


def test_where_mask_expression_length_must_match(frame):
    with pytest.raises(ExpressionError, match="5 values but the data has 4 rows"):
        where_mask("HH6 == 1", frame, n_rows=4)
    with pytest.raises(ExpressionError, match="needs data"):
        where_mask("HH6 == 1", None, n_rows=5)


# --------------------------------------------------------------------------------------------
# No Python eval


def test_source_never_calls_eval_exec_or_compile():
    source = Path(expr_module.__file__).read_text(encoding="utf-8")
    builtins_called, attributes_called = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            builtins_called.add(node.func.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = getattr(node.func.value, "id", None)
            attributes_called.add(f"{owner}.{node.func.attr}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = {alias.name for alias in node.names} | {getattr(node, "module", None)}
            assert not {"ast", "builtins", "importlib", "os", "subprocess"} & modules
    assert not {"eval", "exec", "compile", "__import__", "getattr", "vars"} & builtins_called
    dangerous = {a for a in attributes_called if a.rsplit(".", 1)[1] in {"eval", "literal_eval"}}
    assert not dangerous
    assert {a for a in attributes_called if a.endswith(".compile")} <= {"re.compile"}


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("__import__('os')", ExpressionError, "unknown function '__import__'"),
        ("os.system('ls')", ExpressionError, "unknown function 'os.system'"),
        ("eval('1')", ExpressionError, "unknown function 'eval'"),
        ("().__class__", ExpressionError, "unexpected ')'"),
        ("x.__class__()", ExpressionError, "unknown function 'x.__class__'"),
        ("[c for c in x]", ExpressionError, "can only follow 'in'"),
        ("lambda: 1", ExpressionError, "unexpected character ':'"),
        ("x.__class__", VariableError, "unknown variable 'x.__class__'"),
        ("HH6 == 1; import os", ExpressionError, "unexpected character ';'"),
    ],
)
def test_python_code_is_not_run(text, error, fragment, frame):
    with pytest.raises(error) as info:
        evaluate(text, frame)
    assert fragment in str(info.value)


# --------------------------------------------------------------------------------------------
# Properties


missing_floats = st.lists(
    st.one_of(st.just(NAN), st.integers(-2, 2).map(float)), min_size=1, max_size=30
)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_de_morgan_holds_under_kleene_logic(data):
    a = data.draw(missing_floats)
    b = data.draw(
        st.lists(st.sampled_from([NAN, -1.0, 0.0, 1.0]), min_size=len(a), max_size=len(a))
    )
    table = pd.DataFrame({"a": a, "b": b})
    pairs = [
        ("not (a > 0 and b > 0)", "(not a > 0) or (not b > 0)"),
        ("not (a > 0 or b > 0)", "not a > 0 and not b > 0"),
        ("not not a >= 0", "a >= 0"),
        ("a > 0 and (b > 0 or a < 2)", "(a > 0 and b > 0) or (a > 0 and a < 2)"),
    ]
    for left, right in pairs:
        np.testing.assert_array_equal(numeric(left, table), numeric(right, table))


def kleene(value: float) -> bool | None:
    return None if np.isnan(value) else value > 0


@settings(max_examples=100, deadline=None)
@given(a=missing_floats, data=st.data())
def test_kleene_matches_a_reference_implementation(a, data):
    b = data.draw(st.lists(st.sampled_from([NAN, -1.0, 1.0]), min_size=len(a), max_size=len(a)))
    table = pd.DataFrame({"a": a, "b": b})

    def k_and(x, y):
        if x is False or y is False:
            return False
        return None if x is None or y is None else True

    def k_or(x, y):
        if x is True or y is True:
            return True
        return None if x is None or y is None else False

    def as_float(x):
        return NAN if x is None else float(x)

    expected_and = [as_float(k_and(kleene(x), kleene(y))) for x, y in zip(a, b, strict=True)]
    expected_or = [as_float(k_or(kleene(x), kleene(y))) for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(numeric("a > 0 and b > 0", table), expected_and)
    np.testing.assert_array_equal(numeric("a > 0 or b > 0", table), expected_or)
    assert (evaluate("a > 0", table) == (table["a"] > 0).to_numpy()).all()


def arithmetic_trees():
    leaves = st.integers(-1000, 1000).map(lambda n: (str(n) if n >= 0 else f"({n})", float(n)))

    def extend(children):
        binary = st.tuples(st.sampled_from("+-*/"), children, children).map(
            lambda t: (f"({t[1][0]} {t[0]} {t[2][0]})", apply(t[0], t[1][1], t[2][1]))
        )
        negate = children.map(lambda c: (f"-{c[0]}", -np.float64(c[1])))
        return binary | negate

    return st.recursive(leaves, extend, max_leaves=20)


def apply(symbol: str, left: float, right: float) -> np.float64:
    left, right = np.float64(left), np.float64(right)
    with np.errstate(all="ignore"):
        if symbol == "/":
            return np.float64(NAN) if right == 0 else left / right
        return {"+": operator.add, "-": operator.sub, "*": operator.mul}[symbol](left, right)


@settings(max_examples=200, deadline=None)
@given(tree=arithmetic_trees())
def test_arithmetic_of_literals_equals_numpy(tree):
    text, expected = tree
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(evaluate(text, table), np.full(3, expected))


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.one_of(st.just(NAN), st.floats(-100, 100)), min_size=1, max_size=30),
    threshold=st.integers(-100, 100),
)
def test_where_equals_pandas_comparison(values, threshold):
    table = pd.DataFrame({"x": values})
    series = table["x"]
    for symbol, function in [("<=", operator.le), ("!=", operator.ne), (">", operator.gt)]:
        mask = where_mask(f"x {symbol} {threshold}", table, n_rows=len(table))
        expected = (function(series, threshold) & series.notna()).to_numpy()
        np.testing.assert_array_equal(mask, expected)


grammar_characters = st.text(alphabet="ab01 .()[],'\"`-+*/=<>!&|%_Ж\\\t\n", max_size=40)
grammar_tokens = st.lists(
    st.sampled_from(
        [
            *(" and ", " or ", "not ", " in ", " not in ", "True", "False", "isna(", "abs("),
            *("(", ")", "[", "]", ",", "'x'", '"Ж"', "`a`", "a", "b", "i", "c", "1", "-2.5"),
            *("1e3", "0", " == ", " != ", " < ", " <= ", " > ", " >= ", " + ", " - ", " * "),
            " / ",
        ]
    ),
    max_size=15,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), grammar_characters, grammar_tokens))
def test_random_text_raises_only_project_errors(text):
    table = pd.DataFrame({"a": [1.0, NAN], "b": ["x", None], "i": [1, 2]})
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert error.expression == text
        assert error.position is not None and 0 <= error.position <= len(text)
        return
    try:
        result = expression.evaluate(table)
    except (ExpressionError, VariableError):
        return
    assert result.shape == (2,)
    assert result.dtype in (np.float64, np.bool_)
