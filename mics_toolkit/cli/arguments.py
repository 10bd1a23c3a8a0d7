"""Choices of command-line options taken from the library without importing it up front.

The ``mics`` parser is built from light modules only, so that ``mics --help`` and argument
errors do not load pandas and scipy. An option whose valid values are a constant of a heavy
module (``LONELY_PSU_OPTIONS`` of :mod:`mics_toolkit.design`, ``ENGINES`` of
:mod:`mics_toolkit.index.spec`) gets a :class:`LibraryChoices`, which imports that module only
when a value is checked or the command's own help lists the values.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

__all__ = ["LANGUAGES", "LibraryChoices"]


class LibraryChoices:
    """The valid values of an option: the constant ``name`` of module ``module``, imported on
    first use (argparse ``choices=``; give the option a ``metavar`` so that building the
    usage line does not list them).

    Parameters
    ----------
    module : str
        Dotted module name (``"mics_toolkit.design"``).
    name : str
        The constant (a tuple of strings).
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def values(self) -> tuple[str, ...]:
        """The values, importing the module if needed."""
        return tuple(getattr(importlib.import_module(self.module), self.name))

    def __contains__(self, value: object) -> bool:
        return value in self.values()

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())

    def __len__(self) -> int:
        return len(self.values())

    def __repr__(self) -> str:
        return f"LibraryChoices({self.module!r}, {self.name!r})"


LANGUAGES = LibraryChoices("mics_toolkit.specfile", "LANGUAGES")
"""The languages of the outputs (``--lang`` of ``mics build`` and ``mics index``)."""
