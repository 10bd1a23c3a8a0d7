"""The table model: what a MICS table holds, independent of any output format.

A :class:`Table` has a title, an optional subtitle, columns whose headers are paths of labels
(top spanner first, leaf last; adjacent columns sharing a prefix share a merged spanner), stub
groups (``Area``, ``Region`` ...) of rows, cells and footnotes. A :class:`Cell` keeps the
stored value at full precision with the way it is shown (kind, decimals) and its flag (25-49
cases, fewer than 25, 0 cases, not applicable); rounding and marking happen only when
rendering, through :mod:`mics_toolkit.tables.mics_rules`.

Labels in the model are already in one language; :func:`localise` picks a language from the
caller's label dictionaries (``{"en": "Urban", "ru": "Город", "kk": "Қала"}``) when a table is
built.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from mics_toolkit.errors import SpecError, check_option
from mics_toolkit.tables.mics_rules import (
    DEFAULT_DECIMALS,
    FLAG_PARENTHESES,
    FLAGS,
    KINDS,
    LANGUAGES,
    display_value,
    format_value,
)

__all__ = ["Cell", "Column", "HeaderCell", "Row", "StubGroup", "Table", "Text", "localise"]

Text = str | Mapping[str, str]
"""A label: one string for every language, or a mapping from language code to string."""


def localise(text: Text | None, lang: str, *, what: str = "label") -> str | None:
    """The label ``text`` in language ``lang``.

    Parameters
    ----------
    text : str, mapping or None
        A plain string (the same in every language) or ``{"en": ..., "ru": ..., "kk": ...}``.
    lang : {"en", "ru", "kk"}
    what : str
        What the label is, for the error message (``"title of table PR.2.1"``).

    Returns
    -------
    str or None
        ``None`` when ``text`` is ``None``.

    Raises
    ------
    SpecError
        The mapping has no entry for ``lang`` (there is no silent fallback to English);
        ``key`` is ``what``.

    Examples
    --------
    >>> localise({"en": "Urban", "ru": "Город"}, "ru")
    'Город'
    """
    check_option("lang", lang, LANGUAGES)
    if text is None or isinstance(text, str):
        return text
    if isinstance(text, Mapping):
        if lang in text and isinstance(text[lang], str):
            return text[lang]
        raise SpecError(
            f"the {what} has no {lang!r} text (it has {sorted(text)}); add a {lang!r} entry "
            "or build the table in another language",
            key=what,
        )
    raise SpecError(
        f"the {what} must be a string or a mapping of language to string, not "
        f"{type(text).__name__}",
        key=what,
    )


@dataclass(frozen=True)
class Cell:
    """One body cell of a table.

    Parameters
    ----------
    value : float
        The stored value at full precision (a proportion, not a percentage, for
        ``kind="percentage"``); NaN when there is none.
    kind : {"percentage", "number", "count"}
        Display scale: ``percentage`` shows ``value * 100``; ``number`` and ``count`` show the
        value as it is (``count`` with a thousands separator).
    decimals : int, optional
        Decimals shown; default 1 (percentage, number) or 0 (count).
    flag : str
        ``""``, ``"25-49"`` (shown in parentheses), ``"<25"`` (``*``), ``"0 cases"`` (``-``)
        or ``"na"`` (``na``).
    text : str, optional
        A text cell (an indicator code in an appendix); ``value`` is then not used.
    marker : str
        Written after the number when one is shown (:data:`~mics_toolkit.tables.mics_rules.MARK_SIGNIFICANT`
        on a significant gap).
    """

    value: float = math.nan
    kind: str = "number"
    decimals: int | None = None
    flag: str = ""
    text: str | None = None
    marker: str = ""

    def __post_init__(self) -> None:
        check_option("kind", self.kind, KINDS)
        check_option("flag", self.flag, FLAGS)
        if self.decimals is None:
            object.__setattr__(self, "decimals", DEFAULT_DECIMALS[self.kind])
        object.__setattr__(self, "value", float(self.value))

    @property
    def is_number(self) -> bool:
        """True when the cell shows a number (possibly in parentheses), not a mark or text."""
        return (
            self.text is None
            and self.flag in ("", FLAG_PARENTHESES)
            and math.isfinite(self.value)
        )

    @property
    def parentheses(self) -> bool:
        """True when the number is shown in parentheses (25-49 unweighted cases)."""
        return self.is_number and self.flag == FLAG_PARENTHESES

    @property
    def display(self) -> float | None:
        """The number shown, on its display scale (x100 for percentages), unrounded; ``None``
        when the cell shows a mark or text."""
        return display_value(self.value, self.kind) if self.is_number else None

    @property
    def shown(self) -> str:
        """The cell as text: rounded value, ``(value)``, ``*``, ``-``, ``na`` or the text."""
        if self.text is not None:
            return self.text
        return format_value(
            self.value, kind=self.kind, decimals=self.decimals, flag_value=self.flag,
            marker=self.marker if self.is_number else "",
        )


@dataclass(frozen=True)
class Column:
    """A data column: a key (unique in the table) and its header path.

    ``header`` runs from the top spanner to the leaf label, e.g.
    ``("Percentage of children who experienced:", "Physical punishment", "Any")``.
    """

    key: str
    header: tuple[str, ...]

    def __post_init__(self) -> None:
        header = (self.header,) if isinstance(self.header, str) else tuple(self.header)
        if not header:
            raise SpecError(f"column {self.key!r} has an empty header", key=str(self.key))
        object.__setattr__(self, "header", header)


@dataclass(frozen=True)
class Row:
    """A body row: its stub label, one cell per column, and where its values come from."""

    label: str
    cells: tuple[Cell, ...]
    breakdown: str = ""
    category: str = ""


@dataclass(frozen=True)
class StubGroup:
    """Rows under a heading of the stub (``Area``); ``label=None`` shows rows without one."""

    label: str | None
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class HeaderCell:
    """A header label and the block it covers: header rows and data columns, 0-based,
    inclusive. A spanner covers several columns; a leaf shorter than the header depth runs
    down to the last header row."""

    text: str
    first_row: int
    last_row: int
    first_column: int
    last_column: int


@dataclass(frozen=True)
class Table:
    """A table ready to render.

    Parameters
    ----------
    id : str
        Short identifier (``"PR.2.1"``), used for the sheet name.
    title : str
    columns : tuple of Column
    groups : tuple of StubGroup
    subtitle : str, optional
    stub_header : str
        Header over the stub (row labels), usually empty.
    footnotes : tuple of str
        Indicator footnotes, notes and the standard footnotes, in order.
    """

    id: str
    title: str
    columns: tuple[Column, ...]
    groups: tuple[StubGroup, ...]
    subtitle: str | None = None
    stub_header: str = ""
    footnotes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "footnotes", tuple(self.footnotes))
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise SpecError(f"table {self.id!r} has repeated column keys {keys}", key=str(self.id))
        for _, row in self.rows():
            if len(row.cells) != len(self.columns):
                raise SpecError(
                    f"table {self.id!r}: row {row.label!r} has {len(row.cells)} cells for "
                    f"{len(self.columns)} columns",
                    key=str(self.id),
                )

    def rows(self) -> Iterator[tuple[StubGroup, Row]]:
        """Every body row with its group, in order."""
        for group in self.groups:
            for row in group.rows:
                yield group, row

    @property
    def header_depth(self) -> int:
        """Number of header rows: the longest header path."""
        return max((len(c.header) for c in self.columns), default=1)

    def header_cells(self) -> tuple[HeaderCell, ...]:
        """The header labels with the blocks they cover, row by row, left to right.

        Notes
        -----
        At header row ``i`` a column whose path is longer than ``i + 1`` shows the spanner
        ``header[i]``, merged with the adjacent columns that share ``header[: i + 1]``; the
        leaf (last element) covers rows ``len(header) - 1`` to the last header row.
        """
        depth = self.header_depth
        cells = []
        for level in range(depth):
            column = 0
            while column < len(self.columns):
                header = self.columns[column].header
                if level > len(header) - 1:
                    column += 1
                    continue
                if level == len(header) - 1:
                    cells.append(HeaderCell(header[level], level, depth - 1, column, column))
                    column += 1
                    continue
                prefix = header[: level + 1]
                last = column
                while (
                    last + 1 < len(self.columns)
                    and len(self.columns[last + 1].header) > level + 1
                    and self.columns[last + 1].header[: level + 1] == prefix
                ):
                    last += 1
                cells.append(HeaderCell(header[level], level, level, column, last))
                column = last + 1
        return tuple(cells)

    def flags_used(self) -> set[str]:
        """The flags of the cells that show a mark or parentheses."""
        used = set()
        for _, row in self.rows():
            for cell in row.cells:
                if cell.text is None and cell.flag:
                    used.add(cell.flag)
        return used

    def to_frame(self, text: bool = False) -> pd.DataFrame:
        """The body as a DataFrame: ``group``, ``label``, then one column per column key.

        Parameters
        ----------
        text : bool
            False (default): the numbers shown, on their display scale and unrounded (NaN for
            marks and text cells). True: the cells as shown (``"45.7"``, ``"(45.7)"``, ``"*"``,
            ``"-"``, ``"na"``).
        """
        records = []
        for group, row in self.rows():
            record: dict[str, object] = {"group": group.label or "", "label": row.label}
            for column, cell in zip(self.columns, row.cells, strict=True):
                if text:
                    record[column.key] = cell.shown
                else:
                    shown = cell.display
                    record[column.key] = math.nan if shown is None else shown
            records.append(record)
        columns = ["group", "label", *[c.key for c in self.columns]]
        return pd.DataFrame.from_records(records, columns=columns)

    def summary(self) -> str:
        """The table as plain text: title, subtitle, body as shown, footnotes."""
        body = self.to_frame(text=True)
        body.columns = ["", "", *[c.header[-1] for c in self.columns]]
        lines = [self.title]
        if self.subtitle:
            lines.append(self.subtitle)
        lines.append(body.to_string(index=False))
        lines.extend(self.footnotes)
        return "\n".join(lines)
