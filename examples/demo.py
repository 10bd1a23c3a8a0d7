"""Demo: estimates with SE, CI and design effects from the synthetic Kazakhstan MICS survey.

Run with ``make demo`` (or ``.venv/bin/python examples/demo.py``). It generates the example
survey into ``build/kz_mics`` (or reuses a valid cached copy), reads only the columns it needs,
and writes ``build/demo/estimates.xlsx`` and ``build/demo/estimates.csv``: the subjective
well-being indicators EQ.9 and EQ.10 by region, area and age, and birth registration by area.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

import mics_toolkit as mt
from mics_toolkit.report import FrameSheet, write_frames_workbook, write_table_csv

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "build" / "kz_mics"
OUT = ROOT / "build" / "demo"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "kz_mics_generate", ROOT / "examples" / "kz_mics" / "generate.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def estimates() -> pd.DataFrame:
    """A long table of labelled estimates, one block per indicator and breakdown."""
    wm = mt.read(SURVEY / "wm.sav", columns=["HH1", "stratum", "wmweight", "WM17", "WB4", "HH6",
                                             "HH7", "windex5", "LS1", "LS2"])
    ls1 = wm.frame["LS1"]
    happy = ls1.isin([1, 2]).astype(float).where(ls1.notna())
    women = mt.SurveyDesign(mt.SurveyData(wm.frame.assign(happy=happy), wm.meta),
                            weight="wmweight", strata="stratum", psu="HH1")
    ch = mt.read(SURVEY / "ch.sav", columns=["HH1", "stratum", "chweight", "UF17", "HH6", "BR1",
                                             "BR2"])
    frame = ch.frame.assign(registered=(ch.frame["BR1"].isin([1, 2]) | (ch.frame["BR2"] == 1))
                            .astype(float))
    children = mt.SurveyDesign(mt.SurveyData(frame, ch.meta), weight="chweight",
                               strata="stratum", psu="HH1")
    blocks = []

    def add(indicator: str, result: pd.DataFrame, meta) -> None:
        labelled = mt.with_labels(result, meta)
        by = result.attrs["mics"]["by"]
        breakdown = by[0] if by else "Total"
        category = labelled[by[0]].astype(str) if by else "Total"
        block = labelled.drop(columns=by).assign(indicator=indicator, breakdown=breakdown,
                                                 category=category)
        blocks.append(block)

    universe = "WM17 == 1 and LS2 <= 10"
    for by in (None, "HH6", "HH7", "windex5"):
        add("EQ.9b Life satisfaction score, women 15-49",
            women.mean("LS2", by=by, where=universe), wm.meta)
        add("EQ.9a Life satisfaction score, women 15-24",
            women.mean("LS2", by=by, where=universe + " and WB4 <= 24"), wm.meta)
        add("EQ.10b Very or somewhat happy, women 15-49",
            women.mean("happy", by=by, where="WM17 == 1"), wm.meta)
    for by in (None, "HH6"):
        add("PR.1 Birth registration, children under 5",
            children.mean("registered", by=by, where="UF17 == 1"), ch.meta)
    columns = ["indicator", "breakdown", "category", *mt.RESULT_COLUMNS]
    return pd.concat(blocks, ignore_index=True)[columns]


def main() -> int:
    _generator().load_or_generate(SURVEY)
    OUT.mkdir(parents=True, exist_ok=True)
    table = estimates()
    write_table_csv(table, OUT / "estimates.csv")
    write_frames_workbook(OUT / "estimates.xlsx", [FrameSheet("estimates", table, key_columns=3)])
    print(table.head(12).to_string(index=False))
    print(f"\nwrote {len(table)} estimates to {OUT / 'estimates.xlsx'} and estimates.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
