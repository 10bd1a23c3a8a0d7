"""Synthetic estimator results for the tables and report tests (imported by the conftest
files of tests/tables and tests/report).

A small two-stratum survey whose regions have 240, 50, 49, 25 and 24 rows, so that the
MICS small-sample rule meets every threshold; region 6 is labelled but has no rows (0 cases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mics_toolkit as mt
from mics_toolkit.tables import (
    AppendixIndicator,
    Breakdown,
    CountColumn,
    IndicatorColumn,
    TableSpec,
    stack_results,
)

REGION_SIZES = {1: 240, 2: 50, 3: 49, 4: 25, 5: 24}


def make_frame(seed: int = 11) -> pd.DataFrame:
    """Rows in region blocks; clusters of 6 rows alternate between the two strata (HH6)."""
    rng = np.random.default_rng(seed)
    region = np.concatenate([np.full(n, code) for code, n in REGION_SIZES.items()])
    n = len(region)
    cluster = np.arange(n) // 6
    return pd.DataFrame(
        {
            "HH1": cluster + 1,
            "HH6": 1 + cluster % 2,
            "HH7": region,
            "HL4": rng.integers(1, 3, n),
            "wmweight": rng.uniform(0.5, 1.5, n),
            "happy": rng.integers(0, 2, n),
            "ladder": rng.normal(6.0, 2.0, n),
        }
    )


def make_design(frame: pd.DataFrame | None = None) -> mt.SurveyDesign:
    frame = make_frame() if frame is None else frame
    return mt.SurveyDesign(frame, weight="wmweight", strata="HH6", psu="HH1")


def make_estimates(design: mt.SurveyDesign | None = None) -> pd.DataFrame:
    """EQ.10 (proportion happy, level 1) by total, HH6, HH7, HL4; EQ.9 (mean ladder) by total,
    HH6, HH7."""
    design = make_design() if design is None else design
    return pd.concat(
        [
            stack_results(
                "EQ.10",
                [design.proportion("happy", by=b) for b in (None, "HH6", "HH7", "HL4")],
                level=1,
            ),
            stack_results("EQ.9", [design.mean("ladder", by=b) for b in (None, "HH6", "HH7")]),
        ],
        ignore_index=True,
    )


TOTAL = Breakdown.total()
AREA = Breakdown(
    "HH6",
    {"en": "Area", "ru": "Тип поселения", "kk": "Елді мекен түрі"},
    {1: {"en": "Urban", "ru": "Город", "kk": "Қала"}, 2: {"en": "Rural", "ru": "Село", "kk": "Ауыл"}},
)
REGION = Breakdown(
    "HH7",
    {"en": "Region", "ru": "Регион", "kk": "Өңір"},
    {code: {"en": f"Region {code}", "ru": f"Регион {code}", "kk": f"{code}-өңір"}
     for code in range(1, 7)},
)
SEX = Breakdown(
    "HL4",
    {"en": "Sex", "ru": "Пол", "kk": "Жынысы"},
    {1: {"en": "Male", "ru": "Мужской", "kk": "Ер"}, 2: {"en": "Female", "ru": "Женский", "kk": "Әйел"}},
)

SPEC = TableSpec(
    id="EQ.1",
    title={"en": "Table EQ.1: Subjective well-being", "ru": "Таблица EQ.1: Субъективное благополучие",
           "kk": "EQ.1-кесте: Субъективті әл-ауқат"},
    subtitle={"en": "Percentage of women age 15-49 years who are happy, and mean ladder score",
              "ru": "Процент счастливых женщин 15-49 лет и средний балл",
              "kk": "15-49 жастағы бақытты әйелдердің пайызы және орташа балл"},
    columns=[
        IndicatorColumn(
            "EQ.10",
            [{"en": "Percentage of women who are:", "ru": "Процент женщин, которые:",
              "kk": "Әйелдердің пайызы:"},
             {"en": "Very or somewhat happy", "ru": "Очень или довольно счастливы",
              "kk": "Өте немесе біршама бақытты"}],
            mics_code="EQ.10",
            name={"en": "Happiness", "ru": "Счастье", "kk": "Бақыт"},
        ),
        IndicatorColumn(
            "EQ.9",
            [{"en": "Mean", "ru": "Среднее", "kk": "Орташа"},
             {"en": "Life satisfaction score", "ru": "Балл удовлетворённости",
              "kk": "Қанағаттану балы"}],
            kind="mean",
            decimals=2,
            mics_code="EQ.9",
            name={"en": "Life satisfaction", "ru": "Удовлетворённость жизнью",
                  "kk": "Өмірге қанағаттану"},
            not_applicable=["HL4"],
        ),
        CountColumn(
            "EQ.10",
            {"en": "Number of women age 15-49 years", "ru": "Число женщин 15-49 лет",
             "kk": "15-49 жастағы әйелдер саны"},
        ),
        CountColumn(
            "EQ.10",
            {"en": "Unweighted number", "ru": "Невзвешенное число", "kk": "Салмақталмаған саны"},
            weighted=False,
        ),
    ],
    rows=[TOTAL, AREA, REGION, SEX],
)

APPENDIX_INDICATORS = [
    AppendixIndicator(
        "EQ.10",
        {"en": "Happiness", "ru": "Счастье", "kk": "Бақыт"},
        {"en": "Women", "ru": "Женщины", "kk": "Әйелдер"},
        mics_code="EQ.10",
    ),
    AppendixIndicator(
        "EQ.9",
        {"en": "Life satisfaction score", "ru": "Балл удовлетворённости", "kk": "Қанағаттану балы"},
        {"en": "Women", "ru": "Женщины", "kk": "Әйелдер"},
        mics_code="EQ.9",
        decimals=2,
    ),
]
