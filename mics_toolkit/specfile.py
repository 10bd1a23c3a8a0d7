"""The one spec layer: reading YAML spec files safely, with the line of every key, and checking
their values so that every problem is reported as ``file:line: key 'k': message``.

Every spec of the toolkit (the survey configuration, indicator files, report specs, index specs)
is read by :func:`load_spec` and checked with a :class:`SpecChecker`:

- :func:`read_spec_bytes` opens regular files only (a FIFO, a device such as ``/dev/zero`` or a
  folder is refused before anything is read, so nothing hangs) and refuses files over
  :data:`MAX_SPEC_BYTES`; :func:`require_regular_file` applies the same rule to the data files
  a spec names (a totals CSV, an objective table).
- :func:`parse_spec` builds the document from YAML events, one at a time without recursion:
  mappings become :class:`SpecMapping` and lists :class:`SpecList`, which remember their own
  line and the line of each key or item. It refuses what a spec never needs and an attacker
  could use: a repeated key (YAML would keep the last value silently), an alias to a value
  that contains it (a loop), aliases that expand the document beyond :data:`MAX_VALUES`
  values (an alias bomb; an alias to an earlier value is kept as a shared reference, never
  copied), explicit tags (``!!python/object``, ``!custom``; only the standard scalar tags
  ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null`` are read), merge keys, nesting
  deeper than :data:`MAX_DEPTH` and more than one document.
- :class:`SpecChecker` holds the rules every spec shares, each raising a located
  :class:`~mics_toolkit.errors.SpecError` at the value it checks: mappings with closed sets of
  keys (close names suggested), texts (no NUL or control characters, at most
  :data:`MAX_TEXT_LENGTH` characters), names and ids (at most :data:`MAX_NAME_LENGTH`
  characters), labels in the :data:`LANGUAGES`, whole numbers and numbers within bounds, choices
  from a closed set, and the build date (:meth:`SpecChecker.build_date`, a real calendar date).
  :meth:`SpecChecker.build` calls a constructor that validates itself (an index
  normalisation, an aggregation) and locates its error at the value it was given.

Validation is written here rather than with a schema library: most rules of these specs are
not about shape (an indicator id looked up in the catalogue with close ids suggested, fields
that depend on an indicator's type, expressions parsed, breakdowns referenced by tables, the
index's own objects validating themselves), so a schema library would hold only the easy
part and its generic messages would have to be translated back into ours.

This module sits at the bottom of the package: it imports only :mod:`mics_toolkit.errors`.
"""

from __future__ import annotations

import datetime
import math
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mics_toolkit.errors import (
    ExpressionError,
    OptionError,
    ReadError,
    SpecError,
    close_matches,
)

__all__ = [
    "LANGUAGES",
    "MAX_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_SPEC_BYTES",
    "MAX_TEXT_LENGTH",
    "MAX_VALUES",
    "LoadedSpec",
    "SpecChecker",
    "SpecList",
    "SpecMapping",
    "line_of",
    "load_spec",
    "parse_spec",
    "read_spec_bytes",
    "require_regular_file",
    "spec_error",
    "subset",
]

LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")
"""Languages of labels and outputs: English, Russian, Kazakh."""

MAX_SPEC_BYTES = 4 * 1024 * 1024
"""Largest spec file read (4 MiB; the largest shipped indicator file is 14 KB)."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a spec (the specs need at most 6)."""

MAX_VALUES = 100_000
"""Most values (scalars, mappings, lists) a spec may hold once its aliases are expanded; a
YAML alias bomb ("billion laughs") stops here instead of exhausting memory or time."""

MAX_NAME_LENGTH = 200
"""Longest name or id (an output base name, a table, indicator or group id)."""

MAX_TEXT_LENGTH = 10_000
"""Longest text (a title, label, note or expression)."""

_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")
)
_COLLECTION_TAGS = frozenset(("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"))
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_ALLOWED_CONTROL = frozenset("\t\n\r")


# --------------------------------------------------------------------------------------------
# The document


class SpecMapping(dict):
    """A mapping read from a spec: a dict that knows its line and the line of each key.

    Attributes
    ----------
    line : int or None
        1-based line where the mapping starts.
    lines : dict
        Key -> 1-based line of the key.
    """

    def __init__(self, *args: Any, line: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.lines: dict[Any, int] = {}

    def derive(self, updates: Mapping[Any, Any]) -> SpecMapping:
        """A copy with ``updates`` applied; new keys take the mapping's own line."""
        out = SpecMapping(self, line=self.line)
        out.update(updates)
        out.lines = dict(self.lines)
        for key in updates:
            out.lines.setdefault(key, self.line)
        return out


class SpecList(list):
    """A list read from a spec: a list that knows its line and the line of each item.

    Attributes
    ----------
    line : int or None
        1-based line where the list starts.
    lines : list of int
        1-based line of each item.
    """

    def __init__(self, *args: Any, line: int | None = None) -> None:
        super().__init__(*args)
        self.line = line
        self.lines: list[int] = []


def subset(mapping: Mapping, keys: Sequence[Any]) -> dict:
    """The entries of ``mapping`` whose key is in ``keys``, in the mapping's order; a
    :class:`SpecMapping` keeps its lines."""
    if isinstance(mapping, SpecMapping):
        out = SpecMapping({k: v for k, v in mapping.items() if k in keys}, line=mapping.line)
        out.lines = {k: n for k, n in mapping.lines.items() if k in out}
        return out
    return {k: v for k, v in mapping.items() if k in keys}


def line_of(node: Any, at: Any = None) -> int | None:
    """The line of key or position ``at`` of ``node`` (a :class:`SpecMapping` or
    :class:`SpecList`), else the line of ``node`` itself; None for plain values."""
    lines = getattr(node, "lines", None)
    if at is not None:
        if isinstance(lines, dict) and at in lines:
            return lines[at]
        if isinstance(lines, list) and isinstance(at, int) and 0 <= at < len(lines):
            return lines[at]
    return getattr(node, "line", None)


def spec_error(
    message: str,
    *,
    file: str | None,
    line: int | None,
    key: str | None,
    context: str | None = None,
) -> SpecError:
    """A :class:`SpecError` whose message reads ``file:line: key 'k': message (context)``.

    The error's ``reason`` is ``message (context)``, without the place.

    Parameters
    ----------
    message : str
        What is wrong and what to do.
    file, line, key
        The place; each part is left out of the text when None.
    context : str, optional
        Appended in parentheses (``"indicator PR.1"``).
    """
    reason = f"{message} ({context})" if context else message
    place = file or ("line" if line is not None else "")
    if line is not None:
        place += f":{line}" if file else f" {line}"
    text = f"{place}: " if place else ""
    if key:
        text += f"key {key!r}: "
    return SpecError(text + reason, file=file, line=line, key=key, reason=reason)


# --------------------------------------------------------------------------------------------
# Reading files


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def require_regular_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Return ``path`` if it is a regular file (symbolic links followed), else raise.

    A FIFO would block the reader until something writes to it and a device such as
    ``/dev/zero`` never ends, so both are refused before anything opens them.

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file is, for the message (``"totals file"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ReadError
        The path does not exist or is not a regular file; ``path`` is set.
    """
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except FileNotFoundError as error:
        raise ReadError(f"cannot read the {what} {name}: the file does not exist",
                        path=name) from error
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
        raise ReadError(f"cannot read the {what} {name}: {getattr(error, 'strerror', None) or error}",
                        path=name) from error
    if not stat.S_ISREG(mode):
        raise ReadError(
            f"cannot read the {what} {name}: it is {_kind_of(mode)}, not a regular file",
            path=name,
        )
    return Path(name)


def read_spec_bytes(
    path: str | os.PathLike[str], *, what: str = "spec", limit: int = MAX_SPEC_BYTES
) -> bytes:
    """The bytes of a spec file: regular files only, at most ``limit`` bytes.

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a
    device swapped in after a check is refused too.

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file is, for messages (``"report spec"``).
    limit : int
        Largest size read, default :data:`MAX_SPEC_BYTES`.

    Returns
    -------
    bytes

    Raises
    ------
    ReadError
        Missing, unreadable, not a regular file, or larger than ``limit``.
    """
    name = os.fspath(path)
    require_regular_file(name, what=what)
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ReadError(f"cannot read the {what} {name}: {error.strerror or error}",
                        path=name) from error
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ReadError(
                f"cannot read the {what} {name}: it is {_kind_of(mode)}, not a regular file",
                path=name,
            )
        try:
            raw = handle.read(limit + 1)
        except OSError as error:
            raise ReadError(f"cannot read the {what} {name}: {error.strerror or error}",
                            path=name) from error
    if len(raw) > limit:
        raise ReadError(
            f"cannot read the {what} {name}: it is larger than {limit:,} bytes, the limit "
            "for a spec file",
            path=name,
        )
    return raw


@dataclass(frozen=True)
class LoadedSpec:
    """A spec file as read by :func:`load_spec`.

    Attributes
    ----------
    file : str
        The path as given (used in messages).
    raw : bytes
        The file's bytes (for its hash).
    document : object
        The parsed document: :class:`SpecMapping`, :class:`SpecList`, a scalar, or None for
        an empty file.
    """

    file: str
    raw: bytes
    document: Any

    def checker(self) -> SpecChecker:
        """A :class:`SpecChecker` reporting errors in this file."""
        return SpecChecker(self.file)


def load_spec(path: str | os.PathLike[str], *, what: str = "spec") -> LoadedSpec:
    """Read and parse a YAML spec file (:func:`read_spec_bytes`, then :func:`parse_spec`).

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file is, for messages (``"survey configuration"``).

    Returns
    -------
    LoadedSpec

    Raises
    ------
    ReadError
        The file is missing, unreadable, not a regular file, too large or not UTF-8 text.
    SpecError
        The text is not a valid spec document (see :func:`parse_spec`).
    """
    name = os.fspath(path)
    raw = read_spec_bytes(name, what=what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(f"cannot read the {what} {name}: not UTF-8 text ({error})",
                        path=name) from error
    return LoadedSpec(file=name, raw=raw, document=parse_spec(text, name))


# --------------------------------------------------------------------------------------------
# Parsing


@dataclass
class _Open:
    """A mapping or list being built, with its key path and (mappings) the pending key."""

    value: SpecMapping | SpecList
    path: str
    anchor: str | None = None
    start: int = 0
    key: Any = None
    key_line: int | None = None
    has_key: bool = False


def _child_path(parent: _Open) -> str:
    if isinstance(parent.value, SpecList):
        return f"{parent.path}[{len(parent.value)}]"
    return f"{parent.path}.{parent.key}" if parent.path else str(parent.key)


def parse_spec(text: str, file: str | None = None) -> Any:
    """Parse one YAML document into :class:`SpecMapping`, :class:`SpecList` and scalars.

    Parameters
    ----------
    text : str
        The document.
    file : str, optional
        The file it came from, for messages.

    Returns
    -------
    object
        None for an empty document. Scalars as YAML's safe loader builds them (texts, int,
        float, bool, None, dates); a date that does not exist (``2024-02-30``) stays a text,
        for the rule that reads it to refuse. An alias is the value of its anchor (the same
        object, not a copy).

    Raises
    ------
    SpecError
        Invalid YAML, an alias to a value that contains it or to no earlier anchor, aliases
        expanding the document beyond :data:`MAX_VALUES` values, an explicit tag other than
        the standard scalar ones, a merge key (``<<``), a key that is a mapping or list, a
        repeated key, nesting deeper than :data:`MAX_DEPTH`, a scalar that cannot be read
        (an integer of thousands of digits) or a second document; ``line`` and (where there
        is one) ``key`` name the place.
    """
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    builder = _Builder(file)
    try:
        while loader.check_event():
            builder.take(loader.get_event())
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark is not None else None
        raise builder.error(f"not valid YAML: {problem.problem or problem}", line) from None
    except yaml.YAMLError as problem:
        raise builder.error(f"not valid YAML: {problem}", None) from None
    finally:
        loader.dispose()
    return builder.root


class _Builder:
    """Builds the document from YAML events, one at a time, with an explicit stack."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        self.open_anchors: set[str] = set()
        self.root: Any = None
        self.documents = 0
        self.expanded = 0  # values of the document with its aliases expanded, so far

    def error(self, message: str, line: int | None, key: str | None = None) -> SpecError:
        if key and len(key) > 80:
            key = key[:77] + "..."
        return spec_error(message, file=self.file, line=line, key=key or None)

    def here(self) -> str:
        """Key path of the next value."""
        if not self.stack:
            return ""
        top = self.stack[-1]
        return _child_path(top) if _is_value(top) else top.path

    def take(self, event: Any) -> None:
        """Add one event to the document."""
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.error("a spec file holds one YAML document; remove the '---' "
                                 "separator and what follows it", line)
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event.anchor, line)
        elif isinstance(event, yaml.ScalarEvent):
            self.check_tag(event, line)
            self.count(1, line)
            value = _scalar(event, self.constructor, self.resolver, self.error, line,
                            self.here())
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1)
            self.place(value, line)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self.start(event, line)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            finished = self.stack.pop()
            if finished.anchor is not None:
                self.open_anchors.discard(finished.anchor)
                self.anchors[finished.anchor] = (finished.value,
                                                 self.expanded - finished.start)
            self.place(finished.value, finished.value.line)

    def alias(self, anchor: str, line: int) -> None:
        if anchor in self.open_anchors:
            raise self.error(f"the alias *{anchor} refers to a value that contains it", line,
                             self.here())
        if anchor not in self.anchors:
            raise self.error(f"the alias *{anchor} names no earlier anchor &{anchor}", line,
                             self.here())
        value, size = self.anchors[anchor]
        self.count(size, line)
        self.place(value, line)

    def start(self, event: Any, line: int) -> None:
        self.check_tag(event, line)
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise self.error(f"the spec nests mappings and lists deeper than {MAX_DEPTH} "
                             "levels", line, stack[1].path if len(stack) > 1 else None)
        if stack and isinstance(stack[-1].value, SpecMapping) and not stack[-1].has_key:
            raise self.error("a key must be a text or a number, not a mapping or list", line,
                             stack[-1].path)
        self.count(1, line)
        new = (SpecMapping(line=line) if isinstance(event, yaml.MappingStartEvent)
               else SpecList(line=line))
        stack.append(_Open(new, self.here(), event.anchor, self.expanded - 1))
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)

    def count(self, size: int, line: int) -> None:
        self.expanded += size
        if self.expanded > MAX_VALUES:
            raise self.error(f"the spec expands to more than {MAX_VALUES:,} values (YAML "
                             "aliases repeating large values?); write a smaller spec", line,
                             self.here())

    def place(self, value: Any, line: int) -> None:
        """Put a finished value into the open mapping or list (or make it the root)."""
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        if isinstance(parent.value, SpecList):
            parent.value.append(value)
            parent.value.lines.append(line)
        elif not parent.has_key:
            if isinstance(value, SpecMapping | SpecList):  # an alias to one, as a key
                raise self.error("a key must be a text or a number, not a mapping or list",
                                 line, parent.path)
            if value in parent.value:
                raise self.error(f"key {value!r} repeats (first at line "
                                 f"{parent.value.lines[value]})", line,
                                 _child(parent.path, value))
            parent.key, parent.key_line, parent.has_key = value, line, True
        else:
            parent.value[parent.key] = value
            parent.value.lines[parent.key] = parent.key_line
            parent.has_key = False

    def check_tag(self, event: Any, line: int) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            return
        allowed = _SCALAR_TAGS if isinstance(event, yaml.ScalarEvent) else _COLLECTION_TAGS
        if tag not in allowed:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise self.error(f"the YAML tag {shown!r} is not allowed in a spec; remove it "
                             "(only !!str, !!int, !!float, !!bool and !!null are read)", line,
                             self.here())


def _child(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _is_value(open_: _Open) -> bool:
    """Whether the next event of ``open_`` is a value (a list item or a mapping's value)."""
    return isinstance(open_.value, SpecList) or open_.has_key


def _scalar(event: Any, constructor: Any, resolver: Any, error: Callable, line: int,
            path: str) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _MERGE:
        raise error("YAML merge keys ('<<') are not allowed in a spec; write the keys out",
                    line, path)
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as problem:
        if tag == _TIMESTAMP:  # 2024-02-30: a text; the date rule refuses it by name
            return event.value
        raise error(f"cannot read the value {event.value[:40]!r}: {problem}", line,
                    path) from None


# --------------------------------------------------------------------------------------------
# Checking


class SpecChecker:
    """The rules shared by every spec, raising a located :class:`SpecError` at the value.

    Each method takes the value, its ``key`` (the dotted path used in messages, such as
    ``tables[1].columns[0].indicator``) and its place: ``node`` (the :class:`SpecMapping` or
    :class:`SpecList` holding it) and ``at`` (its key or position there), from which the line
    is read (:func:`line_of`).

    Parameters
    ----------
    file : str or None
        The spec file named in messages.
    context : str, optional
        Appended to every message in parentheses.
    """

    def __init__(self, file: str | None, context: str | None = None) -> None:
        self.file = file
        self.context = context

    # ------------------------------------------------------------------ errors
    def error(self, message: str, key: str | None, node: Any = None, at: Any = None
              ) -> SpecError:
        """A SpecError at key ``at`` of ``node``: ``file:line: key 'k': message``."""
        return spec_error(message, file=self.file, line=line_of(node, at), key=key,
                          context=self.context)

    def build(self, builder: Callable[[Any], Any], value: Any, key: str, node: Any, at: Any
              ) -> Any:
        """``builder(value)``, its SpecError, OptionError or ExpressionError located here.

        The builder is a constructor that validates its own input (an index normalisation
        from its mapping). An error naming a field of ``value`` (its ``key`` or ``option``)
        is placed at that field's line with the key ``key.field``; any other at ``value``.
        An error that already names a line is passed on unchanged.
        """
        try:
            return builder(value)
        except SpecError as problem:
            if problem.line is not None:
                raise
            raise self._inner(problem, problem.key, key, value, node, at) from problem
        except OptionError as problem:
            raise self._inner(problem, problem.option, key, value, node, at) from problem
        except ExpressionError as problem:
            raise self.error(str(problem).replace("\n", " "), key, node, at) from problem

    def _inner(self, problem: Exception, inner: str | None, key: str, value: Any, node: Any,
               at: Any) -> SpecError:
        message = getattr(problem, "reason", None) or str(problem)
        if inner and isinstance(value, Mapping) and inner in value:
            if isinstance(getattr(value, "lines", None), dict) and inner in value.lines:
                node, at = value, inner
            return self.error(message, _child(key, inner), node, at)
        if inner and key and inner.startswith(key):  # already a path under key
            return self.error(message, inner, node, at)
        if inner:
            return self.error(message, _child(key, inner), node, at)
        return self.error(message, key or None, node, at)

    # ------------------------------------------------------------------ shapes
    def mapping(self, value: Any, key: str, allowed: Sequence[str] | None, node: Any, at: Any,
                required: Sequence[str] = ()) -> Mapping:
        """``value`` if it is a mapping whose keys are in ``allowed`` (None: any) and which
        holds every key of ``required``; an unknown key suggests close names."""
        if not isinstance(value, Mapping):
            shape = f" with keys {', '.join(allowed)}" if allowed else ""
            raise self.error(f"must be a mapping{shape}, not {_kind(value)}", key or None,
                             node, at)
        if allowed is not None:
            for name in value:
                if name not in allowed:
                    matches = close_matches(str(name), allowed)
                    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                    raise self.error(f"unknown key {name!r}{hint} (allowed: "
                                     f"{', '.join(allowed)})", _child(key, name), value, name)
        for name in required:
            if name not in value:
                raise self.error(f"{name!r} is required", _child(key, name), value)
        return value

    def items(self, value: Any, key: str, node: Any, at: Any, *, empty: bool = False) -> list:
        """``value`` if it is a list (non-empty unless ``empty``)."""
        if not isinstance(value, list) or (not value and not empty):
            raise self.error("must be a non-empty list" if not empty else "must be a list",
                             key, node, at)
        return value

    # ------------------------------------------------------------------ scalars
    def text(self, value: Any, key: str, node: Any, at: Any, *,
             limit: int = MAX_TEXT_LENGTH) -> str:
        """A non-empty text of at most ``limit`` characters without NUL or other control
        characters (tab and line breaks allowed)."""
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"must be a non-empty text, not {_shown(value)}", key, node, at)
        bad = next((c for c in value if ord(c) < 32 and c not in _ALLOWED_CONTROL), None)
        if bad is not None or "\x7f" in value:
            code = ord(bad) if bad is not None else 0x7F
            raise self.error(f"must not hold control characters (found U+{code:04X})", key,
                             node, at)
        if len(value) > limit:
            raise self.error(f"is {len(value):,} characters long; the limit is {limit:,}", key,
                             node, at)
        return value

    def name(self, value: Any, key: str, node: Any, at: Any) -> str:
        """A name or id: a text of at most :data:`MAX_NAME_LENGTH` characters."""
        return self.text(value, key, node, at, limit=MAX_NAME_LENGTH)

    def names(self, value: Any, key: str, node: Any, at: Any) -> tuple[str, ...]:
        """A name, or a non-empty list of names, as a tuple."""
        if isinstance(value, str):
            return (self.name(value, key, node, at),)
        items = self.items(value, key, node, at)
        return tuple(self.name(v, f"{key}[{i}]", items, i) for i, v in enumerate(items))

    def label(self, value: Any, key: str, node: Any, at: Any) -> Any:
        """A text (numbers read as text), or a mapping of some :data:`LANGUAGES` to texts."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return self.text(value, key, node, at) if value.strip() else value
        if isinstance(value, Mapping):
            for language, text in value.items():
                if language not in LANGUAGES:
                    raise self.error(f"unknown language {language!r}; labels are given in "
                                     f"{', '.join(LANGUAGES)}", f"{key}.{language}", value,
                                     language)
                if not isinstance(text, str):
                    raise self.error("a label must be a text", f"{key}.{language}", value,
                                     language)
                if text.strip():
                    self.text(text, f"{key}.{language}", value, language)
            return dict(value)
        raise self.error(f"must be a text or a mapping of language ({', '.join(LANGUAGES)}) "
                         "to text", key, node, at)

    def labels(self, value: Any, key: str, node: Any, at: Any) -> tuple[Any, ...]:
        """A label or a list of labels, as a tuple."""
        if isinstance(value, list):
            return tuple(self.label(v, f"{key}[{i}]", value, i) for i, v in enumerate(value))
        return (self.label(value, key, node, at),)

    def translations(self, value: Any, key: str, node: Any, at: Any) -> dict[str, str]:
        """A text in every one of :data:`LANGUAGES` (no language missing or unknown)."""
        if not isinstance(value, Mapping):
            raise self.error(f"expected a text for each language ({', '.join(LANGUAGES)})",
                             key, node, at)
        unknown = [k for k in value if k not in LANGUAGES]
        if unknown:
            raise self.error(f"unknown language {unknown[0]!r}; languages are "
                             f"{', '.join(LANGUAGES)}", key, node, at)
        missing = [k for k in LANGUAGES if k not in value]
        if missing:
            raise self.error(f"the text in {', '.join(repr(m) for m in missing)} is missing",
                             key, node, at)
        return {k: self.text(value[k], key, value, k) for k in LANGUAGES}

    def choice(self, value: Any, key: str, choices: Sequence[str], node: Any, at: Any) -> str:
        """One of ``choices`` (close ones suggested)."""
        if not isinstance(value, str) or value not in choices:
            matches = close_matches(str(value), choices) if isinstance(value, str) else []
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise self.error(f"{value!r} is not one of {', '.join(choices)}{hint}", key, node,
                             at)
        return value

    def boolean(self, value: Any, key: str, node: Any, at: Any) -> bool:
        """``true`` or ``false``."""
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, not {_shown(value)}", key, node, at)
        return value

    def integer(self, value: Any, key: str, node: Any, at: Any, low: int = 0,
                high: int | None = None) -> int:
        """A whole number from ``low`` to ``high`` (inclusive; None: no upper bound)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (
                high is not None and value > high):
            bound = f"from {low:,} to {high:,}" if high is not None else f">= {low:,}"
            raise self.error(f"{_shown(value)} must be a whole number {bound}", key, node, at)
        return value

    def number(self, value: Any, key: str, node: Any, at: Any, *, low: float | None = None,
               high: float | None = None, open_bounds: bool = False) -> float:
        """A finite number within ``[low, high]`` (``(low, high)`` with ``open_bounds``)."""
        ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(
            value)
        if ok and low is not None:
            ok = value > low if open_bounds else value >= low
        if ok and high is not None:
            ok = value < high if open_bounds else value <= high
        if not ok:
            if low is not None and high is not None:
                bound = (f" between {low:g} and {high:g}" + (" (exclusive)" if open_bounds
                                                             else ""))
            elif low is not None:
                bound = f" {'>' if open_bounds else '>='} {low:g}"
            elif high is not None:
                bound = f" {'<' if open_bounds else '<='} {high:g}"
            else:
                bound = ""
            raise self.error(f"{_shown(value)} must be a finite number{bound}", key, node, at)
        return float(value)

    def build_date(self, value: Any, key: str, node: Any, at: Any) -> str:
        """The build date: a real calendar date in ISO 8601 (``2024-06-30``), optionally with
        a time; returned as ISO text (a YAML date as ``date.isoformat()``, a text as
        written)."""
        if isinstance(value, datetime.datetime | datetime.date):  # YAML reads unquoted dates
            return value.isoformat()
        if isinstance(value, str):
            self.text(value, key, node, at, limit=40)
            try:
                datetime.datetime.fromisoformat(value)
            except ValueError as problem:
                raise self.error(f"{value!r} is not a date ({problem}); give an ISO 8601 "
                                 "date such as 2024-06-30 (the build date is fixed in the "
                                 "spec, not taken from the clock)", key, node, at) from None
            return value
        raise self.error(f"{_shown(value)} is not an ISO 8601 date; give e.g. 2024-06-30 (the "
                         "build date is fixed in the spec, not taken from the clock)", key,
                         node, at)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _shown(value: Any) -> str:
    """``value`` for a message, long texts cut."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
