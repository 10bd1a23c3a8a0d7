"""The indicator catalogue: every indicator spec of a folder of YAML files, by id.

:func:`load_catalogue` reads every ``*.yaml`` / ``*.yml`` file of a folder (default: the
catalogue shipped in the package, ``mics_toolkit/catalogue/``) in sorted order and returns a :class:`Catalogue`,
a frozen mapping from indicator id to :class:`~mics_toolkit.indicators.spec.IndicatorSpec`.
An id defined twice (in one file or two) is an error naming both places; looking up an unknown
id suggests close ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mics_toolkit.errors import OptionError, ReadError, SpecError, close_matches
from mics_toolkit.indicators.spec import IndicatorSpec, load_indicator_file
from mics_toolkit.specfile import require_regular_file

__all__ = ["DEFAULT_SPECS", "Catalogue", "load_catalogue"]

DEFAULT_SPECS = Path(__file__).resolve().parents[1] / "catalogue"
"""The catalogue shipped with the package (``mics_toolkit/catalogue``, package data)."""


@dataclass(frozen=True)
class Catalogue(Mapping[str, IndicatorSpec]):
    """Indicator specs by id, in the order they were loaded.

    Parameters
    ----------
    specs : iterable of IndicatorSpec
        Ids must be unique.

    Raises
    ------
    SpecError
        An id appears twice; the message names both files and lines.

    Examples
    --------
    >>> catalogue = load_catalogue()  # doctest: +SKIP
    >>> catalogue["PR.1"].mics, catalogue["PR.1"].sdg  # doctest: +SKIP
    ('PR.1', ('16.9.1',))
    """

    specs: tuple[IndicatorSpec, ...]
    _by_id: dict[str, IndicatorSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        specs = tuple(self.specs)
        by_id: dict[str, IndicatorSpec] = {}
        for spec in specs:
            if not isinstance(spec, IndicatorSpec):
                raise OptionError(f"a catalogue holds IndicatorSpec, not {type(spec).__name__}",
                                  option="specs", value=type(spec).__name__, valid=())
            if spec.id in by_id:
                first = by_id[spec.id]
                raise spec.error(
                    f"id {spec.id!r} is defined twice: first in {first.source}:"
                    f"{first.lines.get('id', first.line)}",
                    "id",
                )
            by_id[spec.id] = spec
        object.__setattr__(self, "specs", specs)
        object.__setattr__(self, "_by_id", by_id)

    def __getitem__(self, indicator_id: str) -> IndicatorSpec:
        if indicator_id in self._by_id:
            return self._by_id[indicator_id]
        ids = list(self._by_id)
        matches = close_matches(str(indicator_id), ids)
        if not matches:
            matches = [i for i in ids if i.lower().startswith(str(indicator_id).lower())][:3]
        hint = f"; did you mean {', '.join(matches)}?" if matches else ""
        raise SpecError(
            f"unknown indicator {indicator_id!r}{hint} (the catalogue has {len(ids)} "
            "indicators)",
            key=str(indicator_id),
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def select(self, ids: Iterable[str]) -> list[IndicatorSpec]:
        """The specs of ``ids``, in that order (SpecError for an unknown id)."""
        return [self[i] for i in ids]

    def for_file(self, file: str) -> list[IndicatorSpec]:
        """The specs computed on survey file ``file`` (pooled indicators included)."""
        return [s for s in self.specs if file in s.files]


def load_catalogue(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
) -> Catalogue:
    """Load indicator specs from YAML files into a :class:`Catalogue`.

    Parameters
    ----------
    paths : path, or iterable of paths, optional
        Files or folders; a folder contributes its ``*.yaml`` and ``*.yml`` files in sorted
        order. Default: :data:`DEFAULT_SPECS`.

    Returns
    -------
    Catalogue

    Raises
    ------
    ReadError
        A path does not exist or is not a regular file or folder (a FIFO, a device), or a
        folder holds no YAML file.
    SpecError
        A file is invalid or an id is defined twice.
    """
    if paths is None:
        paths = [DEFAULT_SPECS]
    elif isinstance(paths, str | os.PathLike):
        paths = [paths]
    files: list[Path] = []
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            found = sorted(
                p for p in entry.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file()
            )
            if not found:
                raise ReadError(f"no indicator files (*.yaml) in {entry}", path=str(entry))
            files.extend(found)
        elif entry.is_file():
            files.append(entry)
        elif os.path.lexists(entry):  # a FIFO, a device: refused by name, never opened
            require_regular_file(entry, what="indicator spec file")
        else:
            raise ReadError(f"cannot read indicator specs from {entry}: it does not exist",
                            path=str(entry))
    specs: list[IndicatorSpec] = []
    for path in files:
        specs.extend(load_indicator_file(_display_path(path)))
    return Catalogue(tuple(specs))


def _display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is under it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
