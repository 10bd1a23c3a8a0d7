"""Safe expression language for ``where=`` filters and indicator specifications.

This module holds a small language for conditions and arithmetic on survey variables
(``"HH6 == 1 and WB4 <= 24"``, ``"hhweight * HH48"``): a tokenizer, a recursive-descent
parser that builds a small immutable syntax tree, and a vectorised evaluator over a pandas
DataFrame. User text is never given to Python's ``eval``, ``exec`` or ``compile``: only the
constructs below exist, so an expression can read columns and compute, nothing else.

Grammar
-------
In EBNF, from the loosest to the tightest binding::

    expression  = or_expr END
    or_expr     = and_expr { "or" and_expr }
    and_expr    = not_expr { "and" not_expr }
    not_expr    = { "not" } comparison
    comparison  = additive [ compare_op additive
                           | "in" list
                           | "not" "in" list ]
    compare_op  = "==" | "!=" | "<" | "<=" | ">" | ">="
    additive    = term { ("+" | "-") term }
    term        = unary { ("*" | "/") unary }
    unary       = { "-" } primary
    primary     = NUMBER | STRING | "True" | "False" | NAME
                | FUNCTION "(" or_expr ")" | "(" or_expr ")"
    list        = "[" item { "," item } [ "," ] "]"
    item        = [ "-" ] NUMBER | STRING

- ``NUMBER``: ``12``, ``1.5``, ``.5``, ``1e3``, ``2.5E-2``. Every number is a float64.
- ``STRING``: text in single or double quotes (``'Urban'``, ``"Москва"``); a backslash
  escapes only a backslash or a quote (``'it\\'s'``).
- ``True`` and ``False`` are the boolean literals, spelled exactly so (``true`` is a name).
- Keywords ``and or not in`` are lowercase only (``AND`` is a syntax error).
- ``NAME``: a letter (any alphabet), ``_`` or ``@``, followed by letters, digits and
  ``_ $ . @ #`` (SPSS names such as ``HH6``, ``WB4.1``, ``wm$1``). Names are case-sensitive.
  Any other column name, or a name equal to a keyword, is written in back quotes:
  ```odd name```, ```and```.
- ``FUNCTION``: ``isna(x)`` (x is missing), ``notna(x)`` (x is not missing) and ``abs(x)``.
  A name followed by ``(`` must be one of these; anything else is an error.
- Comparisons do not chain: ``a < b < c`` is an error; write ``a < b and b < c``.
- Lists appear only after ``in`` / ``not in``; they hold numbers only or texts only.

Types
-----
A value is a number (float64, NaN for missing), a condition (three-valued: true, false or
unknown) or text (string and categorical columns with text categories, quoted literals).
Numeric and nullable numeric columns (``Int64``, ``Float64``) are numbers; ``bool`` and the
nullable ``boolean`` dtype are conditions; ``str``, ``string``, ``object`` holding text and
categoricals with text categories are text (categoricals with numeric categories are
numbers). ``+ - * / abs`` need numbers; ``and or not`` need conditions; ``< <= > >=`` need
two numbers; ``== !=`` compare two numbers, two texts or two conditions; ``in`` takes a
number with a list of numbers or a text with a list of texts. Anything else, e.g. comparing
the text ``'Urban'`` with the numeric variable ``HH6``, raises :class:`ExpressionError`
naming the culprit. ``x / 0`` is missing (NaN), not infinite.

Missing values: three-valued (Kleene/SQL) logic
-----------------------------------------------
Arithmetic with a missing operand is missing. A comparison or ``in`` with a missing operand
is *unknown*, never true: ``WB4 <= 24``, ``WB4 != 24`` and ``WB4 in [1, 2]`` are all unknown
where ``WB4`` is missing. ``not`` keeps unknown unknown, and ``and``/``or`` follow Kleene's
tables (T true, F false, U unknown)::

    a  b | a and b  a or b      a | not a
    T  T |    T       T         T |   F
    T  F |    F       T         F |   T
    T  U |    U       T         U |   U
    F  F |    F       F
    F  U |    F       U
    U  U |    U       U

``isna(x)`` and ``notna(x)`` are always true or false. A ``where=`` filter keeps only rows
where the condition is true, so missing values are never selected unless asked for:
``not (WB4 <= 24)`` keeps rows with ``WB4 > 24`` only, ``WB4 != 24`` keeps no row with
missing ``WB4``, and ``isna(WB4) or WB4 != 24`` keeps them. :meth:`Expression.evaluate`
returns unknown as False; :meth:`Expression.evaluate_numeric` keeps it as NaN.

Errors
------
Syntax and type errors raise :class:`~mics_toolkit.errors.ExpressionError` with the
expression, the 0-based character ``position`` and a caret line; an unknown name raises
:class:`~mics_toolkit.errors.VariableError` with close matches among the frame's columns.
Nesting is limited, so hostile text gives an error instead of exhausting Python's stack:
brackets and function calls nest at most 50 deep, and at most 100 operations (``not``,
unary ``-``, comparisons, arithmetic, ``and``/``or``, functions) sit inside one another.
Long flat expressions are not limited: ``a or b or ...`` and ``x in [...]`` are one level.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> frame = pd.DataFrame({"HH6": [1, 2, 1, 1], "WB4": [20.0, 30.0, np.nan, 24.0]})
>>> expression = parse("HH6 == 1 and WB4 <= 24")
>>> sorted(expression.variables)
['HH6', 'WB4']
>>> expression.evaluate(frame)
array([ True, False, False,  True])
>>> expression.evaluate_numeric(frame)
array([ 1.,  0., nan,  1.])
>>> evaluate("WB4 / 2 + 1", frame)
array([11., 16., nan, 13.])
>>> where_mask("not (WB4 <= 24)", frame, n_rows=4)
array([False,  True, False, False])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

import numpy as np
import pandas as pd

from mics_toolkit.errors import ExpressionError, VariableError, close_matches

__all__ = ["Expression", "evaluate", "parse", "where_mask"]

_MAX_BRACKETS: Final = 50  # brackets and function calls inside one another, while parsing
_MAX_DEPTH: Final = 100  # operations inside one another: the depth of the syntax tree
_SHOWN: Final = 200  # characters of an expression shown in an error message
_KEYWORDS: Final = frozenset({"and", "or", "not", "in", "True", "False"})
_FUNCTIONS: Final = ("abs", "isna", "notna")
_COMPARISONS: Final = frozenset({"==", "!=", "<", "<=", ">", ">="})
_TWO_CHAR_OPERATORS: Final = frozenset({"==", "!=", "<=", ">="})
_ONE_CHAR_OPERATORS: Final = frozenset("()[],+-*/<>")
_NUMBER_RE: Final = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DIGITS: Final = frozenset("0123456789")
_MISTAKES: Final = {
    "&&": "'&&' is not an operator; use 'and'",
    "||": "'||' is not an operator; use 'or'",
    "<>": "'<>' is not an operator; use '!='",
    "**": "'**' (power) is not supported",
    "=": "'=' is not an operator; use '==' to compare",
    "!": "'!' is not an operator; use 'not' (or '!=' to compare)",
    "&": "'&' is not an operator; use 'and'",
    "|": "'|' is not an operator; use 'or'",
    "~": "'~' is not an operator; use 'not'",
}


def _located(message: str, text: str, position: int, hint: str = "") -> ExpressionError:
    """Build an ExpressionError whose message ends with the expression and a caret line.

    An expression longer than ``_SHOWN`` characters is shown as the ``_SHOWN`` characters
    around the position (``...`` marks what is left out), so a hostile 100,000-character
    ``where=`` gives a message of a few lines; the exception keeps the whole text.
    """
    if len(text) <= _SHOWN:
        excerpt, caret = text, position
        full = f"{message} at position {position} in {text!r}"
    else:
        start = max(0, min(position - _SHOWN // 2, len(text) - _SHOWN))
        end = start + _SHOWN
        before = "..." if start else ""
        excerpt = before + text[start:end] + ("..." if end < len(text) else "")
        caret = position - start + len(before)
        full = (f"{message} at position {position} of an expression of {len(text):,} "
                f"characters: {excerpt!r}")
    shown = "".join(c if c.isprintable() else " " for c in excerpt)
    if hint:
        full += f"; {hint}"
    full += f"\n    {shown}\n    {' ' * caret}^"
    return ExpressionError(full, expression=text, position=position)


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["number", "string", "name", "keyword", "op", "end"]
    source: str  # the token's text in the expression, for messages
    value: object  # float for a number, str otherwise
    position: int
    end: int
    quoted: bool = False  # a back-quoted name


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_@"


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$.@#"


def _describe_token(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "name":
        return f"name {token.source}"
    if token.kind == "number":
        return f"number {token.source}"
    if token.kind == "string":
        return f"text {token.source}"
    return repr(token.source)


def _tokenize(text: str) -> Iterator[_Token]:
    """Yield the tokens of ``text``, ending with an "end" token.

    Raises ExpressionError at a bad character when the parser reaches it, so the parser
    reports the leftmost problem, lexical or syntactic.
    """
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            match = _NUMBER_RE.match(text, i)
            assert match is not None  # a digit or ".digit" always matches
            i = match.end()
            if i < n and _is_name_char(text[i]):
                j = i
                while j < n and _is_name_char(text[j]):
                    j += 1
                raise _located(f"malformed number {text[start:j]!r}", text, start)
            yield _Token("number", match.group(), float(match.group()), start, i)
        elif _is_name_start(ch):
            while i < n and _is_name_char(text[i]):
                i += 1
            word = text[start:i]
            kind = "keyword" if word in _KEYWORDS else "name"
            yield _Token(kind, word, word, start, i)
        elif ch == "`":
            close = text.find("`", i + 1)
            if close < 0:
                raise _located("unterminated back-quoted name", text, start)
            word = text[i + 1 : close]
            if not word:
                raise _located("empty back-quoted name", text, start)
            i = close + 1
            yield _Token("name", text[start:i], word, start, i, quoted=True)
        elif ch in "'\"":
            i += 1
            parts: list[str] = []
            while True:
                if i >= n:
                    raise _located(f"unterminated text (no closing {ch})", text, start)
                c = text[i]
                if c == "\\":
                    if i + 1 < n and text[i + 1] in "\\'\"":
                        parts.append(text[i + 1])
                        i += 2
                        continue
                    raise _located(
                        "unknown escape in text", text, i, "only \\\\, \\' and \\\" are allowed"
                    )
                i += 1
                if c == ch:
                    break
                parts.append(c)
            yield _Token("string", text[start:i], "".join(parts), start, i)
        elif text[i : i + 2] in _TWO_CHAR_OPERATORS:
            i += 2
            yield _Token("op", text[start:i], text[start:i], start, i)
        elif text[i : i + 2] in _MISTAKES:
            raise _located(_MISTAKES[text[i : i + 2]], text, start)
        elif ch in _ONE_CHAR_OPERATORS:
            i += 1
            yield _Token("op", ch, ch, start, i)
        elif ch in _MISTAKES:
            raise _located(_MISTAKES[ch], text, start)
        else:
            raise _located(f"unexpected character {ch!r}", text, start)
    yield _Token("end", "", "", n, n)


# --------------------------------------------------------------------------------------------
# Syntax tree: every node records its span [start, end) in the expression text.


@dataclass(frozen=True, slots=True)
class _Number:
    value: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Text:
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Truth:
    value: bool
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Call:
    function: str
    argument: _Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Negate:
    operand: _Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Arithmetic:
    """``first op1 x1 op2 x2 ...`` evaluated left to right (one precedence level)."""

    first: _Node
    rest: tuple[tuple[str, int, _Node], ...]  # (operator, operator position, operand)
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Compare:
    operator: str
    left: _Node
    right: _Node
    position: int  # of the operator
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Membership:
    operand: _Node
    values: tuple[float, ...] | tuple[str, ...]
    negated: bool
    position: int  # of 'in' / 'not'
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Logical:
    operator: Literal["and", "or"]
    operands: tuple[_Node, ...]
    positions: tuple[int, ...]  # of each operator
    start: int
    end: int


_Node: TypeAlias = (
    _Number
    | _Text
    | _Truth
    | _Name
    | _Call
    | _Negate
    | _Arithmetic
    | _Compare
    | _Membership
    | _Not
    | _Logical
)


def _children(node: _Node) -> tuple[_Node, ...]:
    """Return the operands of a syntax tree node (none for a literal or a name)."""
    match node:
        case _Call(argument=argument):
            return (argument,)
        case _Negate(operand=operand) | _Not(operand=operand) | _Membership(operand=operand):
            return (operand,)
        case _Arithmetic(first=first, rest=rest):
            return (first, *(operand for _, _, operand in rest))
        case _Compare(left=left, right=right):
            return (left, right)
        case _Logical(operands=operands):
            return operands
    return ()


class _Parser:
    """Recursive-descent parser over the token list of one expression."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stream = _tokenize(text)
        self.tokens: list[_Token] = []  # read so far
        self.index = 0
        self.depth = 0
        self.names: dict[str, int] = {}  # name -> first position

    # -- token helpers
    def peek(self, offset: int = 0) -> _Token:
        while len(self.tokens) <= self.index + offset and (
            not self.tokens or self.tokens[-1].kind != "end"
        ):
            self.tokens.append(next(self.stream))
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        if token.kind != "end":
            self.index += 1
        return token

    def at(self, kind: str, value: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == kind and token.value == value

    def unexpected(self, token: _Token, hint: str = "") -> ExpressionError:
        if token.kind == "name" and not token.quoted and token.source.lower() in _KEYWORDS:
            hint = f"keywords are spelled {token.source.lower()!r}"
            if token.source.lower() in ("true", "false"):
                hint = f"the literals are spelled {token.source.capitalize()!r}"
        return _located(f"unexpected {_describe_token(token)}", self.text, token.position, hint)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > _MAX_BRACKETS:
            raise _located(
                f"expression nested too deeply (more than {_MAX_BRACKETS} levels of brackets)",
                self.text,
                token.position,
            )

    # -- grammar
    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise _located("empty expression", self.text, 0)
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(
                token, "expected an operator ('and', 'or', '==', '+', ...) or the end"
            )
        self.check_depth(node)
        return node

    def check_depth(self, root: _Node) -> None:
        """Refuse more than ``_MAX_DEPTH`` operations inside one another (no recursion here).

        The evaluator recurses once per level of the tree, so this bound keeps it far from
        Python's recursion limit; ``not not ... x`` and ``- - ... x`` are parsed in a loop but
        give one level per operator. The position is that of the leftmost operation beyond
        the limit.
        """
        level, depth = [root], 1
        while level := [node for node in level if _children(node)]:  # operations only
            if depth > _MAX_DEPTH:
                raise _located(
                    f"expression nested too deeply (more than {_MAX_DEPTH} operations inside "
                    "one another, such as 'not', '-', comparisons or functions)",
                    self.text,
                    min(node.start for node in level),
                    "simplify it, e.g. 'not not x' is 'x'",
                )
            level = [child for node in level for child in _children(node)]
            depth += 1

    def parse_or(self) -> _Node:
        return self.parse_logical("or", self.parse_and)

    def parse_and(self) -> _Node:
        return self.parse_logical("and", self.parse_not)

    def parse_logical(self, operator: Literal["and", "or"], operand: Callable[[], _Node]) -> _Node:
        first = operand()
        operands, positions = [first], []
        while self.at("keyword", operator):
            positions.append(self.advance().position)
            operands.append(operand())
        if len(operands) == 1:
            return first
        return _Logical(operator, tuple(operands), tuple(positions), first.start, operands[-1].end)

    def parse_not(self) -> _Node:
        starts = []
        while self.at("keyword", "not"):
            starts.append(self.advance().position)
        node = self.parse_comparison()
        for start in reversed(starts):
            node = _Not(node, start, node.end)
        return node

    def comparison_ahead(self) -> bool:
        token = self.peek()
        return (
            (token.kind == "op" and token.value in _COMPARISONS)
            or self.at("keyword", "in")
            or (self.at("keyword", "not") and self.at("keyword", "in", 1))
        )

    def parse_comparison(self) -> _Node:
        left = self.parse_additive()
        if not self.comparison_ahead():
            return left
        token = self.advance()
        node: _Node
        if token.kind == "op":
            right = self.parse_additive()
            node = _Compare(str(token.value), left, right, token.position, left.start, right.end)
        else:
            negated = token.value == "not"
            if negated:
                self.advance()  # 'in'
            values, end = self.parse_list()
            node = _Membership(left, values, negated, token.position, left.start, end)
        if self.comparison_ahead():
            raise _located(
                "comparisons cannot be chained",
                self.text,
                self.peek().position,
                "join them with 'and', e.g. 'a < b and b < c'",
            )
        return node

    def parse_list(self) -> tuple[tuple[float, ...] | tuple[str, ...], int]:
        opening = self.peek()
        if not self.at("op", "["):
            raise self.unexpected(
                opening, "'in' takes a list in square brackets, e.g. 'x in [1, 2]'"
            )
        self.advance()
        values: list[float | str] = []
        while True:
            token = self.advance()
            if token.kind == "op" and token.value == "-" and self.peek().kind == "number":
                values.append(-float(self.advance().value))  # type: ignore[arg-type]
            elif token.kind == "number":
                values.append(float(token.value))  # type: ignore[arg-type]
            elif token.kind == "string":
                values.append(str(token.value))
            elif token.kind == "op" and token.value == "]" and not values:
                raise _located("empty list", self.text, opening.position, "give at least one value")
            else:
                raise self.unexpected(token, "a list holds numbers or quoted texts")
            token = self.advance()
            if token.kind == "op" and token.value == ",":
                if self.at("op", "]"):
                    token = self.advance()
                    break
                continue
            if token.kind == "op" and token.value == "]":
                break
            if token.kind == "end":
                raise _located(
                    "missing ']'",
                    self.text,
                    token.position,
                    f"the '[' at position {opening.position} is not closed",
                )
            raise self.unexpected(token, "expected ',' or ']' in the list")
        if len({isinstance(v, str) for v in values}) > 1:
            raise _located(
                "the list mixes numbers and texts",
                self.text,
                opening.position,
                "a list holds numbers only or texts only",
            )
        return tuple(values), token.end  # type: ignore[return-value]

    def parse_additive(self) -> _Node:
        return self.parse_arithmetic(("+", "-"), self.parse_term)

    def parse_term(self) -> _Node:
        return self.parse_arithmetic(("*", "/"), self.parse_unary)

    def parse_arithmetic(self, operators: tuple[str, str], operand: Callable[[], _Node]) -> _Node:
        first = operand()
        rest: list[tuple[str, int, _Node]] = []
        while self.peek().kind == "op" and self.peek().value in operators:
            token = self.advance()
            rest.append((str(token.value), token.position, operand()))
        if not rest:
            return first
        return _Arithmetic(first, tuple(rest), first.start, rest[-1][2].end)

    def parse_unary(self) -> _Node:
        starts = []
        while self.at("op", "-"):
            starts.append(self.advance().position)
        node = self.parse_primary()
        for start in reversed(starts):
            node = _Negate(node, start, node.end)
        return node

    def parse_primary(self) -> _Node:
        token = self.advance()
        if token.kind == "number":
            return _Number(float(token.value), token.position, token.end)  # type: ignore[arg-type]
        if token.kind == "string":
            return _Text(str(token.value), token.position, token.end)
        if token.kind == "keyword" and token.value in ("True", "False"):
            return _Truth(token.value == "True", token.position, token.end)
        if token.kind == "name":
            name = str(token.value)
            if not token.quoted and self.at("op", "("):
                return self.parse_call(token)
            self.names.setdefault(name, token.position)
            return _Name(name, token.position, token.end)
        if token.kind == "op" and token.value == "(":
            self.enter(token)
            inner = self.parse_or()
            self.close(token)
            self.depth -= 1
            return inner
        if token.kind == "op" and token.value == "[":
            raise self.unexpected(token, "a list in square brackets can only follow 'in'")
        if token.kind == "keyword" and token.value in ("and", "or", "in"):
            hint = f"a variable named {token.value!r} is written in back quotes: `{token.value}`"
            raise self.unexpected(token, hint)
        raise self.unexpected(
            token, "expected a number, a quoted text, a variable name, a function or '('"
        )

    def parse_call(self, token: _Token) -> _Node:
        function = str(token.value)
        if function not in _FUNCTIONS:
            raise _located(
                f"unknown function {function!r}",
                self.text,
                token.position,
                f"the functions are {', '.join(_FUNCTIONS)}",
            )
        opening = self.advance()
        self.enter(opening)
        argument = self.parse_or()
        if self.at("op", ","):
            raise _located(
                f"{function}() takes exactly one argument", self.text, self.peek().position
            )
        end = self.close(opening)
        self.depth -= 1
        return _Call(function, argument, token.position, end)

    def close(self, opening: _Token) -> int:
        token = self.advance()
        if token.kind == "op" and token.value == ")":
            return token.end
        if token.kind == "end":
            raise _located(
                "missing ')'",
                self.text,
                token.position,
                f"the '(' at position {opening.position} is not closed",
            )
        raise self.unexpected(token, "expected ')'")


# --------------------------------------------------------------------------------------------
# Values during evaluation. Arrays are either 0-d (literals) or of the frame's length.


@dataclass(frozen=True, slots=True)
class _NumberValue:
    values: np.ndarray  # float64, NaN missing


@dataclass(frozen=True, slots=True)
class _LogicValue:
    value: np.ndarray  # bool; always False where unknown
    known: np.ndarray  # bool


@dataclass(frozen=True, slots=True)
class _TextValue:
    codes: np.ndarray | None  # intp codes into categories, -1 missing; None for a literal
    categories: np.ndarray  # object array of str (one element, the literal, for a literal)

    @property
    def literal(self) -> str:
        return str(self.categories[0])


_Value: TypeAlias = _NumberValue | _LogicValue | _TextValue

_KIND_WORDS: Final = {
    _NumberValue: "a number",
    _LogicValue: "a condition (true/false)",
    _TextValue: "text",
}
_ARITHMETIC: Final = {"+": np.add, "-": np.subtract, "*": np.multiply}
_NUMBER_COMPARISONS: Final = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_TRUE: Final = np.True_


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _column_value(name: str, series: pd.Series) -> _Value:
    """Convert one column to an evaluation value (numbers, condition or text)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.intp)
        categories = np.asarray(dtype.categories, dtype=object)
        if all(isinstance(c, str) for c in categories):
            return _TextValue(codes, categories)
        if all(_is_number(c) for c in categories):
            table = np.append(categories.astype(np.float64), np.nan)
            return _NumberValue(table[codes])
        raise VariableError(
            f"variable {name} is a categorical whose categories are neither all numbers nor "
            "all texts, so expressions cannot use it",
            variable=name,
        )
    if pd.api.types.is_bool_dtype(dtype):
        if dtype == np.bool_:
            return _LogicValue(series.to_numpy(), _TRUE)
        known = series.notna().to_numpy()
        return _LogicValue(series.to_numpy(dtype=bool, na_value=False), known)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _NumberValue(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_string_dtype(dtype):  # str, string and object dtypes
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.intp)
        uniques = np.asarray(uniques, dtype=object)
        if isinstance(dtype, pd.StringDtype) or (
            len(uniques) > 0 and all(isinstance(u, str) for u in uniques)
        ):
            return _TextValue(codes, uniques)  # str and string dtypes hold texts only
        if all(_is_number(u) for u in uniques):  # all-missing object columns count as numbers
            return _NumberValue(np.append(uniques.astype(np.float64), np.nan)[codes])
        if all(isinstance(u, bool | np.bool_) for u in uniques):
            table = np.append(uniques.astype(bool), False)
            return _LogicValue(table[codes], codes >= 0)
        raise VariableError(
            f"variable {name} mixes values of different types (numbers, texts, ...), so "
            "expressions cannot use it",
            variable=name,
        )
    raise VariableError(
        f"variable {name} has dtype {dtype}, which expressions cannot use "
        "(numbers, texts, categoricals and booleans only)",
        variable=name,
    )


def _kleene_and(a: _LogicValue, b: _LogicValue) -> _LogicValue:
    true = a.value & b.value
    false = (a.known & ~a.value) | (b.known & ~b.value)
    return _LogicValue(true, true | false)


def _kleene_or(a: _LogicValue, b: _LogicValue) -> _LogicValue:
    true = a.value | b.value
    false = (a.known & ~a.value) & (b.known & ~b.value)
    return _LogicValue(true, true | false)


class _Evaluator:
    """Evaluate one syntax tree on one frame, converting each column once."""

    def __init__(self, text: str, frame: pd.DataFrame) -> None:
        self.text = text
        self.frame = frame
        self.columns: dict[str, _Value] = {}

    # -- messages
    def describe(self, node: _Node) -> str:
        if isinstance(node, _Name):
            return f"variable {node.name}"
        if isinstance(node, _Text):
            return f"the text {node.value!r}"
        return f"'{self.text[node.start : node.end]}'"

    def type_error(self, position: int, message: str, hint: str = "") -> ExpressionError:
        return _located(message, self.text, position, hint)

    def number(self, node: _Node, what: str, position: int) -> _NumberValue:
        value = self.value(node)
        if not isinstance(value, _NumberValue):
            raise self.type_error(
                position,
                f"{what} needs numbers, but {self.describe(node)} is {_KIND_WORDS[type(value)]}",
            )
        return value

    def logic(self, node: _Node, what: str, position: int) -> _LogicValue:
        value = self.value(node)
        if not isinstance(value, _LogicValue):
            raise self.type_error(
                position,
                f"{what} needs conditions, but {self.describe(node)} is {_KIND_WORDS[type(value)]}",
                f"compare it, e.g. '{self.text[node.start : node.end]} == 1'",
            )
        return value

    # -- evaluation
    def value(self, node: _Node) -> _Value:
        match node:
            case _Number(value=number):
                return _NumberValue(np.asarray(number, dtype=np.float64))
            case _Text(value=literal):
                return _TextValue(None, np.array([literal], dtype=object))
            case _Truth(value=truth):
                return _LogicValue(np.bool_(truth), _TRUE)
            case _Name(name=name):
                if name not in self.columns:
                    self.columns[name] = _column_value(name, self.frame[name])
                return self.columns[name]
            case _Negate(operand=operand):
                return _NumberValue(-self.number(operand, "'-'", node.start).values)
            case _Arithmetic():
                return self.arithmetic(node)
            case _Compare():
                return self.compare(node)
            case _Membership():
                return self.membership(node)
            case _Not(operand=operand):
                inner = self.logic(operand, "'not'", node.start)
                return _LogicValue(~inner.value & inner.known, inner.known)
            case _Logical():
                combine = _kleene_and if node.operator == "and" else _kleene_or
                result = self.logic(node.operands[0], repr(node.operator), node.positions[0])
                for operand, position in zip(node.operands[1:], node.positions, strict=True):
                    result = combine(result, self.logic(operand, repr(node.operator), position))
                return result
            case _Call():
                return self.call(node)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def arithmetic(self, node: _Arithmetic) -> _NumberValue:
        result = self.number(node.first, repr(node.rest[0][0]), node.rest[0][1]).values
        for operator, position, operand in node.rest:
            right = self.number(operand, repr(operator), position).values
            if operator == "/":
                quotient = np.divide(result, right)
                result = np.where(right == 0, np.nan, quotient)
            else:
                result = _ARITHMETIC[operator](result, right)
        return _NumberValue(np.asarray(result, dtype=np.float64))

    def compare(self, node: _Compare) -> _LogicValue:
        left, right = self.value(node.left), self.value(node.right)
        operator = node.operator
        if isinstance(left, _NumberValue) and isinstance(right, _NumberValue):
            a, b = left.values, right.values
            known = ~np.isnan(a) & ~np.isnan(b)
            return _LogicValue(_NUMBER_COMPARISONS[operator](a, b) & known, known)
        if type(left) is type(right) and operator not in ("==", "!="):
            raise self.type_error(
                node.position,
                f"{operator!r} orders numbers only, but {self.describe(node.left)} and "
                f"{self.describe(node.right)} are {_KIND_WORDS[type(left)]}",
                "use ==, != or 'in' for texts",
            )
        if isinstance(left, _TextValue) and isinstance(right, _TextValue):
            equal, known = self.text_equal(left, right)
        elif isinstance(left, _LogicValue) and isinstance(right, _LogicValue):
            known = left.known & right.known
            equal = (left.value == right.value) & known
        else:
            raise self.type_error(
                node.position,
                f"cannot compare {self.describe(node.left)}, which is "
                f"{_KIND_WORDS[type(left)]}, with {self.describe(node.right)}, which is "
                f"{_KIND_WORDS[type(right)]}",
            )
        if operator == "!=":
            return _LogicValue(~equal & known, known)
        return _LogicValue(equal, known)

    @staticmethod
    def text_equal(left: _TextValue, right: _TextValue) -> tuple[np.ndarray, np.ndarray]:
        if left.codes is None and right.codes is None:
            return np.bool_(left.literal == right.literal), _TRUE
        if right.codes is None or left.codes is None:
            column, literal = (left, right) if right.codes is None else (right, left)
            assert column.codes is not None
            table = np.append(column.categories == literal.literal, False).astype(bool)
            return table[column.codes], column.codes >= 0
        a = np.append(left.categories, None)[left.codes]
        b = np.append(right.categories, None)[right.codes]
        known = (left.codes >= 0) & (right.codes >= 0)
        return (a == b).astype(bool) & known, known

    def membership(self, node: _Membership) -> _LogicValue:
        operand = self.value(node.operand)
        list_is_text = isinstance(node.values[0], str)
        if isinstance(operand, _NumberValue) and not list_is_text:
            a = operand.values
            known = ~np.isnan(a)
            found = np.isin(a, np.asarray(node.values, dtype=np.float64))
        elif isinstance(operand, _TextValue) and list_is_text:
            wanted = set(node.values)
            if operand.codes is None:
                found, known = np.bool_(operand.literal in wanted), _TRUE
            else:
                table = np.fromiter(
                    (c in wanted for c in operand.categories),
                    dtype=bool,
                    count=len(operand.categories),
                )
                found = np.append(table, False)[operand.codes]
                known = operand.codes >= 0
        else:
            listed = "texts" if list_is_text else "numbers"
            raise self.type_error(
                node.position,
                f"{self.describe(node.operand)} is {_KIND_WORDS[type(operand)]}, but the list "
                f"holds {listed}",
            )
        if node.negated:
            return _LogicValue(~found & known, known)
        return _LogicValue(found & known, known)

    def call(self, node: _Call) -> _Value:
        if node.function == "abs":
            return _NumberValue(np.abs(self.number(node.argument, "abs()", node.start).values))
        argument = self.value(node.argument)
        if isinstance(argument, _NumberValue):
            missing = np.isnan(argument.values)
        elif isinstance(argument, _LogicValue):
            missing = ~np.asarray(argument.known)
        elif argument.codes is None:
            missing = np.False_
        else:
            missing = argument.codes < 0
        return _LogicValue(missing if node.function == "isna" else ~missing, _TRUE)


# --------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class Expression:
    """A parsed expression of the safe expression language; create it with :func:`parse`.

    Immutable and hashable; two expressions are equal when their texts are equal.

    Attributes
    ----------
    text : str
        The expression as written.
    variables : frozenset of str
        Names of the columns the expression reads (not function names), so callers can
        read only those columns from a file.

    Examples
    --------
    >>> expression = parse("isna(WB4) or `age group` in ['15-19', '20-24']")
    >>> sorted(expression.variables)
    ['WB4', 'age group']
    """

    text: str
    variables: frozenset[str] = field(compare=False)
    _root: _Node = field(repr=False, compare=False)
    _positions: tuple[tuple[str, int], ...] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.text

    def _value(self, frame: pd.DataFrame) -> _Value:
        if not isinstance(frame, pd.DataFrame):
            raise ExpressionError(
                f"expression {self.text!r} is evaluated on a pandas DataFrame, not on "
                f"{type(frame).__name__}",
                expression=self.text,
            )
        columns = frame.columns
        for name, position in self._positions:
            if name not in columns:
                candidates = [str(c) for c in columns]
                matches = close_matches(name, candidates)
                message = f"unknown variable {name!r} at position {position} in {self.text!r}"
                if matches:
                    message += f"; close matches: {', '.join(matches)}"
                message += " (names are case-sensitive)"
                if name.lower() in ("true", "false"):
                    message += f"; the literal is spelled {name.capitalize()}"
                raise VariableError(message, variable=name, close_matches=matches)
            if isinstance(frame[name], pd.DataFrame):
                raise VariableError(
                    f"variable {name!r} of {self.text!r} names {frame[name].shape[1]} columns "
                    "of the data; column names must be unique",
                    variable=name,
                )
        with np.errstate(all="ignore"):
            return _Evaluator(self.text, frame).value(self._root)

    def _text_result_error(self) -> ExpressionError:
        return _located(
            "the expression gives text",
            self.text,
            0,
            "an expression must give numbers or a condition, e.g. HH7 == 'North'",
        )

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        """Evaluate the expression on every row of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Holds every name in :attr:`variables` as a column; rows are used by position.

        Returns
        -------
        numpy.ndarray
            ``float64`` of length ``len(frame)`` (NaN missing) when the expression gives
            numbers; ``bool`` when it gives a condition, with unknown (a comparison of a
            missing value) returned as False.

        Raises
        ------
        VariableError
            A name is not a column of ``frame`` (``close_matches`` lists near names), or a
            column has a type expressions cannot use (dates, mixed objects).
        ExpressionError
            The types do not fit (e.g. ``HH6 == 'Urban'`` with a numeric ``HH6``) or the
            expression gives text.

        Notes
        -----
        Three-valued logic: a condition is carried as two boolean arrays ``(value, known)``;
        the result is ``value & known``. See the module documentation for the rules.
        """
        value = self._value(frame)
        n = len(frame)
        if isinstance(value, _NumberValue):
            return np.array(np.broadcast_to(value.values, (n,)), dtype=np.float64)
        if isinstance(value, _LogicValue):
            return np.array(np.broadcast_to(value.value, (n,)), dtype=bool)
        raise self._text_result_error()

    def evaluate_numeric(self, frame: pd.DataFrame) -> np.ndarray:
        """Evaluate the expression as a float array, keeping unknown conditions as NaN.

        Numbers are returned as by :meth:`evaluate`; a condition gives 1.0 where true, 0.0
        where false and NaN where unknown (e.g. ``WB4 <= 24`` where ``WB4`` is missing). This
        is the form an indicator numerator needs: unknown rows leave the domain instead of
        counting as "no".

        Parameters
        ----------
        frame : pandas.DataFrame
            Holds every name in :attr:`variables` as a column.

        Returns
        -------
        numpy.ndarray
            ``float64`` of length ``len(frame)``.

        Raises
        ------
        VariableError, ExpressionError
            As :meth:`evaluate`.
        """
        value = self._value(frame)
        n = len(frame)
        if isinstance(value, _NumberValue):
            return np.array(np.broadcast_to(value.values, (n,)), dtype=np.float64)
        if isinstance(value, _LogicValue):
            result = np.where(value.known, value.value.astype(np.float64), np.nan)
            return np.array(np.broadcast_to(result, (n,)), dtype=np.float64)
        raise self._text_result_error()


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Expression:
    parser = _Parser(text)
    root = parser.parse()
    positions = tuple(sorted(parser.names.items(), key=lambda item: item[1]))
    return Expression(text, frozenset(parser.names), root, positions)


def parse(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression` (results are cached by text).

    Parameters
    ----------
    text : str
        An expression of the language described in the module documentation, e.g.
        ``"HH6 == 1 and WB4 <= 24"`` or ``"hhweight * HH48"``.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        A syntax error; ``position`` is the 0-based character offset of the problem and the
        message ends with the expression and a caret under that character.

    Examples
    --------
    >>> parse("HH6 == 1 and (WB4 <= 24 or isna(WB4))").variables == {"HH6", "WB4"}
    True
    >>> parse("HH6 = 1")
    Traceback (most recent call last):
    ...
    mics_toolkit.errors.ExpressionError: '=' is not an operator; use '==' to compare at position 4 in 'HH6 = 1'
        HH6 = 1
            ^
    """
    if isinstance(text, Expression):
        return text
    if not isinstance(text, str):
        raise ExpressionError(
            f"an expression must be a string, not {type(text).__name__} ({text!r})"
        )
    return _parse_cached(text)


def evaluate(expression: str | Expression, frame: pd.DataFrame) -> np.ndarray:
    """Parse (if needed) and evaluate ``expression`` on ``frame``.

    Shorthand for ``parse(expression).evaluate(frame)``; see :meth:`Expression.evaluate`.

    Parameters
    ----------
    expression : str or Expression
    frame : pandas.DataFrame

    Returns
    -------
    numpy.ndarray
        ``float64`` for numbers, ``bool`` for a condition (unknown as False).

    Raises
    ------
    ExpressionError, VariableError

    Examples
    --------
    >>> import pandas as pd
    >>> evaluate("hhweight * HH48", pd.DataFrame({"hhweight": [0.5, 2.0], "HH48": [4, 3]}))
    array([2., 6.])
    """
    return parse(expression).evaluate(frame)


def _mask_from_array(where: object, n_rows: int) -> np.ndarray:
    """Check a boolean array or Series given as ``where=`` and return it as a numpy copy."""
    if isinstance(where, pd.DataFrame):
        raise ExpressionError(
            "where= must be a condition string or one boolean per row, not a DataFrame"
        )
    if isinstance(where, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        if pd.api.types.is_bool_dtype(where.dtype) and where.dtype != np.bool_:
            n_missing = int(pd.isna(where).sum())  # nullable boolean
            if n_missing:
                raise ExpressionError(
                    f"where= has {n_missing} missing values; a filter must be True or False "
                    "on every row (e.g. fill them with False)"
                )
            array = where.to_numpy(dtype=bool)
        else:
            array = where.to_numpy()
    else:
        try:
            array = np.asarray(where)
        except (TypeError, ValueError) as exc:
            raise ExpressionError(
                f"where= must be a condition string or one boolean per row, not "
                f"{type(where).__name__}"
            ) from exc
    if array.ndim != 1:
        raise ExpressionError(
            f"where= must be one-dimensional (one boolean per row), got shape {array.shape}"
        )
    if array.dtype != np.bool_:
        if array.dtype != object:
            raise ExpressionError(
                f"where= must hold True/False values, got dtype {array.dtype}; compare the "
                "values first, e.g. where=(x == 1) or where='x == 1'"
            )
        missing = np.fromiter(
            (v is None or v is pd.NA or (isinstance(v, float) and v != v) for v in array),
            dtype=bool,
            count=len(array),
        )
        if missing.any():
            raise ExpressionError(
                f"where= has {int(missing.sum())} missing values; a filter must be True or "
                "False on every row (e.g. fill them with False)"
            )
        if not all(isinstance(v, bool | np.bool_) for v in array):
            raise ExpressionError(
                "where= must hold True/False values only; compare the values first, e.g. "
                "where=(x == 1) or where='x == 1'"
            )
        array = array.astype(bool)
    if len(array) != n_rows:
        raise ExpressionError(f"where= has {len(array)} values but the data has {n_rows} rows")
    return np.array(array, dtype=bool)


def where_mask(
    where: str | Expression | np.ndarray | pd.Series | None,
    frame: pd.DataFrame | None,
    *,
    n_rows: int,
) -> np.ndarray:
    """Return the rows kept by a ``where=`` filter as a boolean array of length ``n_rows``.

    Parameters
    ----------
    where : None, str, Expression, numpy.ndarray or pandas.Series
        None keeps every row. A string or :class:`Expression` must give a condition; rows
        where it is false or unknown are dropped. An array or Series (used by position,
        the index is ignored) must hold ``n_rows`` booleans: ``bool`` dtype, the nullable
        ``boolean`` dtype without missing values, or objects that are all True/False.
    frame : pandas.DataFrame or None
        The data the expression is evaluated on (only needed for a string).
    n_rows : int
        Number of rows of the data.

    Returns
    -------
    numpy.ndarray
        ``bool`` array of length ``n_rows``, a new array the caller may modify.

    Raises
    ------
    ExpressionError
        A syntax or type error, an expression that gives numbers (``where='HH6'``), an array
        that is not boolean or holds missing values, or a length other than ``n_rows``.
    VariableError
        The expression names an unknown column.

    Notes
    -----
    Missing values are never selected by a comparison (three-valued logic, see the module
    documentation): ``where="WB4 != 24"`` drops rows with missing ``WB4``; write
    ``"isna(WB4) or WB4 != 24"`` to keep them.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"HH6": [1, 2, np.nan]})
    >>> where_mask("HH6 != 1", frame, n_rows=3)
    array([False,  True, False])
    >>> where_mask(None, frame, n_rows=3)
    array([ True,  True,  True])
    """
    if where is None:
        return np.ones(n_rows, dtype=bool)
    if isinstance(where, str | Expression):
        expression = parse(where)
        if frame is None:
            raise ExpressionError(
                f"where={expression.text!r} needs data to be evaluated on",
                expression=expression.text,
            )
        value = expression._value(frame)
        if not isinstance(value, _LogicValue):
            kind = "numbers" if isinstance(value, _NumberValue) else "text"
            raise _located(
                f"where= must be a condition, but the expression gives {kind}",
                expression.text,
                0,
                "compare it, e.g. 'HH6 == 1'",
            )
        if len(frame) != n_rows:
            raise ExpressionError(
                f"where={expression.text!r} gives {len(frame)} values but the data has "
                f"{n_rows} rows",
                expression=expression.text,
            )
        return np.array(np.broadcast_to(value.value, (n_rows,)), dtype=bool)
    return _mask_from_array(where, n_rows)
