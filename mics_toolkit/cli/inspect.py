"""``mics inspect FILE``: variables with labels, value labels, missing codes and counts.

The library (and pandas) is imported by :func:`run` only.
"""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``inspect`` sub-command."""
    parser = commands.add_parser(
        "inspect",
        help="list the variables of a survey file",
        description="List every variable of an SPSS or Stata file with its label, type, "
        "missing count, value labels, declared user-missing values and special codes.",
    )
    parser.add_argument("file", help="a .sav, .zsav or .dta file")
    parser.add_argument("--variables", nargs="+", metavar="NAME",
                        help="only these variables (read only these columns)")
    parser.add_argument("--encoding", help="character encoding of an old file")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the description of the file; return 0."""
    import pandas as pd

    from mics_toolkit.io import describe, read

    data = read(args.file, columns=args.variables, encoding=args.encoding)
    table = describe(data)
    n_rows, n_columns = data.frame.shape
    if args.csv:
        print(table.to_csv(index=False), end="")
        return 0
    label = f" - {data.meta.file_label}" if getattr(data.meta, "file_label", None) else ""
    print(f"{args.file}{label}: {n_rows} rows, {n_columns} variables")
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.max_colwidth", 60):
        print(table.to_string(index=False))
    return 0
