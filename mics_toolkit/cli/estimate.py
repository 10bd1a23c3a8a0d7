"""``mics estimate FILE``: one design-based estimate table from a survey file.

Only the columns the estimate needs are read (design, analysis, ``--by`` and the variables of
``--where`` and of a ``--weight`` expression). ``--weight`` is a variable or an expression of
the safe expression language (``"mv005 / 1e6"``), evaluated into a weight column named by the
expression; a weight variable stored as text follows the one rule of
:func:`mics_toolkit.io.weight_from_text`. ``--special-codes missing`` reads the codes
classified from value labels (no response, don't know, non-numeric ...) as missing. The table
is printed, or written atomically to ``--out`` (``.csv`` or ``.xlsx``) with value labels in
place of codes unless ``--codes`` is given, by the report layer's writers
(:func:`mics_toolkit.report.tidy.write_table_csv`,
:func:`mics_toolkit.report.excel.write_frames_workbook`): the same bytes on every run, and
labels that look like formulas stay text. The library (and pandas) is imported when the
command runs, not when the parser is built.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mics_toolkit.cli.arguments import LibraryChoices
from mics_toolkit.errors import OutputError

LONELY_PSU_OPTIONS = LibraryChoices("mics_toolkit.design", "LONELY_PSU_OPTIONS")
CI_OPTIONS = LibraryChoices("mics_toolkit.estimate.options", "CI_OPTIONS")
CI_METHODS = LibraryChoices("mics_toolkit.estimate.options", "CI_METHODS")
DF_OPTIONS = LibraryChoices("mics_toolkit.estimate.options", "DF_OPTIONS")

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``estimate`` sub-command."""
    parser = commands.add_parser(
        "estimate",
        help="estimate a mean, proportion, total or ratio with its SE",
        description="Design-based estimate with standard error, confidence interval, design "
        "effect and counts, for every domain of --by.",
    )
    parser.add_argument("file", help="a .sav, .zsav or .dta file")
    parser.add_argument("--weight", required=True, metavar="VAR|EXPRESSION",
                        help='weight variable, or an expression of variables such as '
                        '"mv005 / 1e6"')
    parser.add_argument("--strata", help="stratum variable")
    parser.add_argument("--psu", help="PSU (cluster) variable")
    parser.add_argument("--fpc", help="population PSU count or sampling fraction variable")
    parser.add_argument("--nest", action="store_true", help="PSU codes are numbered within strata")
    parser.add_argument("--lonely-psu", default="fail", choices=LONELY_PSU_OPTIONS,
                        metavar="RULE", help="%(choices)s")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--mean", metavar="VAR")
    what.add_argument("--proportion", metavar="VAR")
    what.add_argument("--total", metavar="VAR")
    what.add_argument("--ratio", nargs=2, metavar=("NUM", "DEN"))
    parser.add_argument("--by", nargs="+", default=None, metavar="VAR",
                        help="domain variables (cross-classified)")
    parser.add_argument("--where", help='filter expression, e.g. "WB4 <= 24 and HH6 == 1"')
    parser.add_argument("--level", type=float, default=0.95)
    parser.add_argument("--ci", default="t", choices=CI_OPTIONS, metavar="TYPE",
                        help="%(choices)s")
    parser.add_argument("--ci-method", default=None, choices=CI_METHODS, metavar="METHOD",
                        help="%(choices)s")
    parser.add_argument("--df", default="design", choices=DF_OPTIONS, metavar="RULE",
                        help="%(choices)s")
    parser.add_argument("--codes", action="store_true", help="keep codes instead of labels")
    parser.add_argument("--out", help="write the table to a .csv or .xlsx file")
    parser.add_argument("--encoding", help="character encoding of an old file")
    parser.add_argument("--special-codes", default="keep", choices=("keep", "missing"),
                        help="codes labelled no response, don't know, non-numeric, "
                        "inconsistent ...: keep them as values (default; an average warns) "
                        "or read them as missing")
    parser.set_defaults(run=run, library="mics_toolkit.estimate")


def needed_columns(args: argparse.Namespace) -> list[str]:
    """The columns the estimate reads, in a stable order without repeats."""
    from mics_toolkit.expr import parse

    expression = weight_expression(args.weight)
    weights = sorted(expression.variables) if expression is not None else [args.weight]
    names = [*weights, args.strata, args.psu, args.fpc]
    names += [args.mean, args.proportion, args.total, *(args.ratio or [])]
    names += list(args.by or [])
    if args.where:
        names += sorted(parse(args.where).variables)
    return list(dict.fromkeys(n for n in names if n))


def weight_expression(text: str):
    """The parsed ``--weight`` expression, or None when ``text`` names one variable.

    Raises
    ------
    ExpressionError
        ``text`` is neither a variable name nor a valid expression.
    """
    from mics_toolkit.expr import parse

    expression = parse(text)
    if expression.variables == {text.strip()}:
        return None
    return expression


def with_weight(data, text: str, *, file: str):
    """``data`` (a SurveyData) with its weight as numbers, and the name of the weight column.

    The weight variables (``text`` itself, or the variables of the expression) follow
    :func:`~mics_toolkit.io.weight_from_text`; an expression is evaluated into a new column
    named by the expression (``"mv005 / 1e6"``), so messages about the weight name it.
    """
    from mics_toolkit.io import SurveyData, weight_from_text

    expression = weight_expression(text)
    names = sorted(expression.variables) if expression is not None else [text]
    frame = data.frame.copy(deep=False)
    for name in names:
        frame[name] = weight_from_text(frame[name], name, file=file)
    if expression is None:
        return SurveyData(frame, data.meta), text
    column = expression.text.strip()
    frame[column] = expression.evaluate_numeric(frame)
    return SurveyData(frame, data.meta), column


def run(args: argparse.Namespace) -> int:
    """Compute the table and print or write it; return 0."""
    import pandas as pd

    from mics_toolkit.estimate import SurveyDesign, with_labels
    from mics_toolkit.io import check_output_path, read

    if args.out:
        check_output_path(args.out)
        if Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
            raise OutputError(f"--out {args.out}: use a .csv or .xlsx file name", path=args.out)
    data = read(args.file, columns=needed_columns(args), encoding=args.encoding,
                special_codes=args.special_codes)
    data, weight = with_weight(data, args.weight, file=args.file)
    design = SurveyDesign(data, weight=weight, strata=args.strata, psu=args.psu,
                          fpc=args.fpc, lonely_psu=args.lonely_psu, nest=args.nest)
    common = {"by": args.by, "where": args.where, "level": args.level, "ci": args.ci,
              "df": args.df}
    if args.mean:
        result = design.mean(args.mean, **common)
    elif args.total:
        result = design.total(args.total, **common)
    elif args.ratio:
        result = design.ratio(*args.ratio, **common)
    else:
        result = design.proportion(args.proportion, ci_method=args.ci_method, **common)
    if not args.codes:
        result = with_labels(result, design.meta)
    if not args.out:
        with pd.option_context("display.max_rows", None, "display.max_columns", None,
                               "display.width", 200):
            print(result.to_string(index=False))
        return 0
    _write(result, args.out)
    print(f"wrote {len(result)} rows to {args.out}")
    return 0


def _write(result, out: str) -> None:
    """Write the table to ``out``: CSV, or a workbook with one sheet ``estimates``."""
    if out.lower().endswith(".csv"):
        from mics_toolkit.report.tidy import write_table_csv

        write_table_csv(result, out)
    else:
        from mics_toolkit.report.excel import FrameSheet, write_frames_workbook

        write_frames_workbook(out, [FrameSheet("estimates", result, key_columns=0)])
