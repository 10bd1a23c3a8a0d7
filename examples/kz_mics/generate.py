"""Synthetic Kazakhstan-scale MICS survey: a seeded, deterministic generator of the example files.

This module holds the generator of the example survey used by ``make demo``, the docstring
examples and the tests: a MICS6-like survey of Kazakhstan with the 20 regions of 2024 (17
oblasts and the cities Astana, Almaty and Shymkent), 37 strata (each oblast split into urban and
rural; the three cities are urban only), 1,200 clusters of 20 households (24,000 households)
and the six standard files ``hh``, ``hl``, ``wm``, ``mn``, ``ch`` and ``fs`` with MICS6 variable
names, value labels in English, Russian or Kazakh, normalised weights, non-response rows of
weight 0, labelled special codes (8/98 "DK", 9/99 "No response") and, in ``ch`` only, the same
codes declared as SPSS user-missing values. Values come from a latent-variable model with
regional, cluster and household effects, so that regions differ, design effects are of the size
seen in real surveys and indicators of one household are correlated. Nothing here is real data.

Public names: :func:`generate` (the six files in memory, as :class:`mics_toolkit.SurveyData`),
:func:`write_survey` (the files as ``.sav``, a ``labels.json`` with all three label sets and a
``manifest.json``), :func:`load_or_generate` (reuse a folder whose manifest matches, else write
it) and :func:`main` (command line)::

    python examples/kz_mics/generate.py --out build/kz_mics [--seed N] [--scale F] [--lang ru]

See ``examples/kz_mics/README.md`` for the variables, their codes and the indicators they serve.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, OutputError, check_option
from mics_toolkit.io import Metadata, SurveyData, UserMissing, classify_special_codes
from mics_toolkit.io.missing import MISSING_CATEGORIES

__all__ = [
    "DEFAULT_SEED",
    "FILES",
    "GENERATOR_VERSION",
    "LANGUAGES",
    "REGIONS",
    "Region",
    "generate",
    "load_or_generate",
    "main",
    "write_survey",
]

#: Bumped whenever the generated values or labels change, so cached copies are not reused.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20240915
FILES: tuple[str, ...] = ("hh", "hl", "wm", "mn", "ch", "fs")
LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")
HOUSEHOLDS_PER_CLUSTER = 20
MANIFEST = "manifest.json"
LABELS_FILE = "labels.json"
#: Files whose DK / no-response codes are declared SPSS user-missing (the others only label them).
DECLARED_USER_MISSING: tuple[str, ...] = ("ch",)

Language = Literal["en", "ru", "kk"]
_Text = tuple[str, str, str]  # (English, Russian, Kazakh)

_MAX_SCALE = 4.0
_MAX_SIZE = 14  # largest household generated
# SPSS header bytes 92-108 hold the creation date ("dd Mon yy") and time ("hh:mm:ss"); they are
# set to a fixed value so that the same seed gives byte-identical files.
_SAV_STAMP_OFFSET = 92
_SAV_STAMP = b"01 Sep 2400:00:00"


# --------------------------------------------------------------------------------------------
# The sampling frame: regions, their populations and the sample allocation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """One of the 20 regions (``HH7``) with what the generator needs to know about it.

    Parameters
    ----------
    code : int
        ``HH7`` code, in the order of the Bureau of National Statistics (oblasts, then cities).
    name : tuple of str
        Name in English, Russian and Kazakh.
    population : float
        Population in thousands (approximate, 2024).
    urban_share : float
        Share of the population living in urban areas (1 for the three cities).
    household_size : float
        Mean household size.
    clusters : tuple of int
        Clusters sampled in the urban and the rural stratum at scale 1 (0: no such stratum).
    development : float
        Regional wealth effect (log-odds scale) used by the latent model.
    ethnicity : tuple of float
        Shares of household heads who are Kazakh, Russian, Uzbek, Ukrainian, Uighur, other.
    """

    code: int
    name: _Text
    population: float
    urban_share: float
    household_size: float
    clusters: tuple[int, int]
    development: float
    ethnicity: tuple[float, float, float, float, float, float]


# fmt: off
REGIONS: tuple[Region, ...] = (
    Region(1, ("Abai region", "Абайская область", "Абай облысы"),
           603, 0.52, 3.3, (30, 30), -0.3, (0.78, 0.17, 0.00, 0.01, 0.00, 0.04)),
    Region(2, ("Akmola region", "Акмолинская область", "Ақмола облысы"),
           787, 0.50, 2.9, (30, 30), 0.0, (0.54, 0.30, 0.00, 0.04, 0.00, 0.12)),
    Region(3, ("Aktobe region", "Актюбинская область", "Ақтөбе облысы"),
           930, 0.66, 3.6, (32, 28), 0.1, (0.88, 0.07, 0.00, 0.02, 0.00, 0.03)),
    Region(4, ("Almaty region", "Алматинская область", "Алматы облысы"),
           1520, 0.30, 4.0, (26, 40), -0.1, (0.66, 0.12, 0.01, 0.01, 0.14, 0.06)),
    Region(5, ("Atyrau region", "Атырауская область", "Атырау облысы"),
           700, 0.55, 4.3, (30, 30), 0.4, (0.93, 0.04, 0.00, 0.00, 0.00, 0.03)),
    Region(6, ("West Kazakhstan region", "Западно-Казахстанская область",
               "Батыс Қазақстан облысы"),
           690, 0.53, 3.3, (30, 30), 0.0, (0.77, 0.18, 0.00, 0.02, 0.00, 0.03)),
    Region(7, ("Zhambyl region", "Жамбылская область", "Жамбыл облысы"),
           1220, 0.40, 4.2, (26, 34), -0.4, (0.74, 0.08, 0.03, 0.00, 0.02, 0.13)),
    Region(8, ("Zhetysu region", "Жетысуская область", "Жетісу облысы"),
           700, 0.43, 3.8, (28, 32), -0.3, (0.70, 0.15, 0.00, 0.01, 0.06, 0.08)),
    Region(9, ("Karaganda region", "Карагандинская область", "Қарағанды облысы"),
           1130, 0.82, 2.8, (36, 24), 0.3, (0.55, 0.32, 0.00, 0.04, 0.00, 0.09)),
    Region(10, ("Kostanay region", "Костанайская область", "Қостанай облысы"),
           830, 0.55, 2.8, (30, 30), 0.0, (0.45, 0.39, 0.00, 0.07, 0.00, 0.09)),
    Region(11, ("Kyzylorda region", "Кызылординская область", "Қызылорда облысы"),
           840, 0.45, 4.5, (28, 32), -0.3, (0.96, 0.02, 0.00, 0.00, 0.00, 0.02)),
    Region(12, ("Mangystau region", "Мангистауская область", "Маңғыстау облысы"),
           790, 0.42, 4.6, (28, 32), 0.2, (0.93, 0.04, 0.00, 0.00, 0.00, 0.03)),
    Region(13, ("Pavlodar region", "Павлодарская область", "Павлодар облысы"),
           750, 0.72, 2.7, (34, 26), 0.3, (0.52, 0.36, 0.00, 0.05, 0.00, 0.07)),
    Region(14, ("North Kazakhstan region", "Северо-Казахстанская область",
                "Солтүстік Қазақстан облысы"),
           530, 0.47, 2.6, (28, 32), -0.2, (0.38, 0.48, 0.00, 0.05, 0.00, 0.09)),
    Region(15, ("Turkistan region", "Туркестанская область", "Түркістан облысы"),
           2130, 0.21, 5.1, (26, 44), -0.7, (0.75, 0.02, 0.20, 0.00, 0.00, 0.03)),
    Region(16, ("Ulytau region", "Улытауская область", "Ұлытау облысы"),
           220, 0.75, 3.2, (4, 4), 0.0, (0.80, 0.14, 0.00, 0.02, 0.00, 0.04)),
    Region(17, ("East Kazakhstan region", "Восточно-Казахстанская область",
                "Шығыс Қазақстан облысы"),
           720, 0.63, 2.7, (32, 28), 0.1, (0.45, 0.49, 0.00, 0.01, 0.00, 0.05)),
    Region(18, ("Astana city", "город Астана", "Астана қаласы"),
           1420, 1.0, 3.3, (70, 0), 0.8, (0.78, 0.13, 0.01, 0.01, 0.00, 0.07)),
    Region(19, ("Almaty city", "город Алматы", "Алматы қаласы"),
           2270, 1.0, 3.1, (80, 0), 0.9, (0.61, 0.24, 0.01, 0.01, 0.06, 0.07)),
    Region(20, ("Shymkent city", "город Шымкент", "Шымкент қаласы"),
           1250, 1.0, 4.6, (66, 0), -0.2, (0.67, 0.05, 0.22, 0.00, 0.00, 0.06)),
)
# fmt: on

_CITIES = frozenset({18, 19, 20})
# household response rate (completed / all selected) by kind of stratum
_HOUSEHOLD_RESPONSE = {"rural": 0.975, "urban": 0.95, 18: 0.93, 19: 0.88, 20: 0.95}


# --------------------------------------------------------------------------------------------
# Labels in English, Russian and Kazakh
# --------------------------------------------------------------------------------------------

_YES_NO: dict[int, _Text] = {1: ("Yes", "Да", "Иә"), 2: ("No", "Нет", "Жоқ")}
_DK: dict[int, _Text] = {8: ("DK", "Не знаю", "Білмеймін")}
_NR: dict[int, _Text] = {9: ("No response", "Нет ответа", "Жауап жоқ")}
_DK98: dict[int, _Text] = {98: _DK[8]}
_NR99: dict[int, _Text] = {99: _NR[9]}
_OTHER96: dict[int, _Text] = {96: ("Other", "Другое", "Басқа")}
_MISSING_DK9: dict[int, _Text] = {9: ("Missing/DK", "Нет данных/не знает", "Мәлімет жоқ/білмейді")}
_EDUCATION: dict[int, _Text] = {
    0: (
        "Pre-primary or none",
        "Дошкольное или нет образования",
        "Мектепке дейінгі немесе білімі жоқ",
    ),
    1: ("Primary", "Начальное", "Бастауыш"),
    2: ("Lower secondary", "Основное среднее", "Негізгі орта"),
    3: ("Upper secondary", "Общее среднее", "Жалпы орта"),
    4: ("Technical and vocational", "Техническое и профессиональное", "Техникалық және кәсіптік"),
    5: ("Higher", "Высшее", "Жоғары"),
}
_RESULT: dict[int, _Text] = {
    1: ("Completed", "Завершено", "Аяқталды"),
    2: ("Not at home", "Нет дома", "Үйде жоқ"),
    3: ("Refused", "Отказ", "Бас тартты"),
    4: ("Partly completed", "Частично завершено", "Ішінара аяқталды"),
    5: ("Incapacitated", "Недееспособность", "Қабілетсіздік"),
    **_OTHER96,
}
_FREQUENCY: dict[int, _Text] = {
    1: ("Almost every day", "Почти каждый день", "Күн сайын дерлік"),
    2: ("At least once a week", "Хотя бы раз в неделю", "Аптасына кемінде бір рет"),
    3: ("Less than once a week", "Реже раза в неделю", "Аптасына бір реттен сирек"),
    4: ("Not at all", "Совсем не пользовался(ась)", "Мүлдем пайдаланбаған"),
    **_NR,
}
_HAPPINESS: dict[int, _Text] = {
    1: ("Very happy", "Очень счастлив(а)", "Өте бақытты"),
    2: ("Somewhat happy", "Довольно счастлив(а)", "Біршама бақытты"),
    3: (
        "Neither happy nor unhappy",
        "Ни счастлив(а), ни несчастлив(а)",
        "Бақытты да, бақытсыз да емес",
    ),
    4: ("Somewhat unhappy", "Довольно несчастлив(а)", "Біршама бақытсыз"),
    5: ("Very unhappy", "Очень несчастлив(а)", "Өте бақытсыз"),
    **_NR,
}
_LADDER: dict[int, _Text] = {
    0: ("Worst possible life", "Худшая из возможных жизней", "Ең нашар өмір"),
    10: ("Best possible life", "Лучшая из возможных жизней", "Ең жақсы өмір"),
    **_NR99,
}
_IMPROVED: dict[int, _Text] = {
    1: ("Improved", "Улучшилась", "Жақсарды"),
    2: ("More or less the same", "Примерно такая же", "Шамамен өзгеріссіз"),
    3: ("Worsened", "Ухудшилась", "Нашарлады"),
    **_DK,
    **_NR,
}
_BETTER: dict[int, _Text] = {
    1: ("Better", "Лучше", "Жақсы болады"),
    2: ("More or less the same", "Примерно такая же", "Шамамен өзгеріссіз"),
    3: ("Worse", "Хуже", "Нашар болады"),
    **_DK,
    **_NR,
}
_MARITAL: dict[int, _Text] = {
    1: ("Currently married/in union", "В браке/в союзе", "Некеде/бірге тұрады"),
    2: ("Formerly married/in union", "Ранее в браке/в союзе", "Бұрын некеде болған"),
    3: ("Never married/in union", "Никогда не состоял(а) в браке", "Ешқашан некеде болмаған"),
    **_NR,
}
_CORRECT: dict[int, _Text] = {
    1: ("Correct", "Правильно", "Дұрыс"),
    2: ("Incorrect", "Неправильно", "Қате"),
    **_NR,
}
_DISABILITY: dict[int, _Text] = {
    1: (
        "Has functional difficulty",
        "Имеет функциональные трудности",
        "Функционалдық қиындықтары бар",
    ),
    2: (
        "Has no functional difficulty",
        "Не имеет функциональных трудностей",
        "Функционалдық қиындықтары жоқ",
    ),
}
_AGE_GROUPS: dict[int, _Text] = {
    k: (f"{lo}-{lo + 4}",) * 3 for k, lo in enumerate(range(15, 50, 5), start=1)
}

_WAGE_LABEL: _Text = ("Age group", "Возрастная группа", "Жас тобы")
_LINE_LABEL: _Text = ("Line number", "Номер строки", "Жол нөмірі")
_CARETAKER_LABEL: _Text = (
    "Line number of mother/caretaker",
    "Номер строки матери/опекуна",
    "Анасының/қамқоршысының жол нөмірі",
)
_EMANCIPATED: dict[int, _Text] = {90: ("Emancipated", "Эмансипирован(а)", "Эмансипацияланған")}

# discipline items (UCD2A-K in ch, FCD2A-K in fs)
_DISCIPLINE: dict[str, _Text] = {
    "A": ("Took away privileges", "Лишили привилегий", "Артықшылықтарынан айырды"),
    "B": (
        "Explained why behaviour was wrong",
        "Объяснили, почему поведение было неправильным",
        "Мінез-құлқының неге дұрыс емес екенін түсіндірді",
    ),
    "C": ("Shook child", "Трясли ребёнка", "Баланы сілкіледі"),
    "D": ("Shouted, yelled or screamed at child", "Кричали на ребёнка", "Балаға айқайлады"),
    "E": (
        "Gave child something else to do",
        "Дали ребёнку другое занятие",
        "Балаға басқа іс тапсырды",
    ),
    "F": (
        "Spanked, hit or slapped on the bottom with bare hand",
        "Шлёпали, били рукой по ягодицам",
        "Жалаң қолмен бөксесінен ұрды",
    ),
    "G": (
        "Hit on the bottom or elsewhere with belt, hairbrush, stick or other hard object",
        "Били ремнём, расчёской, палкой или другим твёрдым предметом",
        "Белдікпен, тарақпен, таяқпен немесе басқа қатты затпен ұрды",
    ),
    "H": (
        "Called child dumb, lazy or another name",
        "Называли глупым, ленивым или другими словами",
        "Баланы ақымақ, жалқау немесе басқа сөздермен атады",
    ),
    "I": (
        "Hit or slapped on the face, head or ears",
        "Били по лицу, голове или ушам",
        "Бетінен, басынан немесе құлағынан ұрды",
    ),
    "J": (
        "Hit or slapped on the hand, arm or leg",
        "Били по руке или ноге",
        "Қолынан немесе аяғынан ұрды",
    ),
    "K": (
        "Beat child up, that is hit over and over as hard as one could",
        "Избивали, то есть били снова и снова изо всех сил",
        "Баланы қайта-қайта бар күшімен ұрып-соқты",
    ),
}
_PUNISHMENT_LABEL: _Text = (
    "Believes the child needs to be physically punished",
    "Считает, что ребёнка нужно физически наказывать",
    "Баланы тәндік жазалау қажет деп санайды",
)
_PUNISHMENT: dict[int, _Text] = {
    **_YES_NO,
    8: ("DK/No opinion", "Не знаю/нет мнения", "Білмеймін/пікірім жоқ"),
}
_WIFE_BEATING: dict[str, _Text] = {
    "A": (
        "goes out without telling husband",
        "уходит, не сказав мужу",
        "күйеуіне айтпай кетіп қалса",
    ),
    "B": ("neglects the children", "пренебрегает детьми", "балаларға қарамаса"),
    "C": ("argues with husband", "спорит с мужем", "күйеуімен дауласса"),
    "D": (
        "refuses sex with husband",
        "отказывает мужу в близости",
        "күйеуімен жақындықтан бас тартса",
    ),
    "E": ("burns the food", "сжигает еду", "тамақты күйдіріп алса"),
}
_FL_TASKS: dict[str, tuple[_Text, str]] = {
    "FL23": (("Number reading", "Чтение чисел", "Сандарды оқу"), "ABCDEF"),
    "FL24": (("Number discrimination", "Сравнение чисел", "Сандарды салыстыру"), "ABCDE"),
    "FL25": (("Addition", "Сложение", "Қосу"), "ABCDE"),
    "FL27": (("Pattern recognition", "Распознавание закономерностей", "Заңдылықты тану"), "ABCDE"),
}


def _background_labels() -> dict[str, tuple[_Text, dict[int, _Text] | None]]:
    """Design and background variables shared by all files."""
    regions = {r.code: r.name for r in REGIONS}
    strata = {}
    for code, (region, area) in enumerate(_strata_regions_areas(), start=1):
        suffix = (
            (" - Urban", " - город", " - қала") if area == 1 else (" - Rural", " - село", " - ауыл")
        )
        strata[code] = tuple(n + s for n, s in zip(region.name, suffix, strict=True))
    ethnicity = {
        1: ("Kazakh", "Казах", "Қазақ"),
        2: ("Russian", "Русский", "Орыс"),
        3: ("Uzbek", "Узбек", "Өзбек"),
        4: ("Ukrainian", "Украинец", "Украин"),
        5: ("Uighur", "Уйгур", "Ұйғыр"),
        6: ("Other", "Другое", "Басқа"),
    }
    return {
        "HH1": (("Cluster number", "Номер кластера", "Кластер нөмірі"), None),
        "HH2": (("Household number", "Номер домохозяйства", "Үй шаруашылығының нөмірі"), None),
        "HH6": (
            ("Area", "Тип местности", "Елді мекен түрі"),
            {1: ("Urban", "Городская", "Қала"), 2: ("Rural", "Сельская", "Ауыл")},
        ),
        "HH7": (("Region", "Регион", "Өңір"), regions),
        "stratum": (("Stratum", "Страта", "Страта"), strata),
        "PSU": (
            ("Primary sampling unit", "Первичная единица выборки", "Іріктеудің бастапқы бірлігі"),
            None,
        ),
        "windex5": (
            (
                "Wealth index quintile",
                "Квинтиль индекса благосостояния",
                "Әл-ауқат индексінің квинтилі",
            ),
            {
                1: ("Poorest", "Беднейший", "Ең кедей"),
                2: ("Second", "Второй", "Екінші"),
                3: ("Middle", "Средний", "Орташа"),
                4: ("Fourth", "Четвёртый", "Төртінші"),
                5: ("Richest", "Богатейший", "Ең бай"),
            },
        ),
        "helevel": (
            (
                "Education of household head",
                "Образование главы домохозяйства",
                "Үй шаруашылығы басшысының білімі",
            ),
            {**_EDUCATION, **_MISSING_DK9},
        ),
        "ethnicity": (
            (
                "Ethnicity of household head",
                "Национальность главы домохозяйства",
                "Үй шаруашылығы басшысының ұлты",
            ),
            ethnicity,
        ),
    }


def _variable_catalogue() -> dict[str, tuple[_Text, dict[int, _Text] | None]]:
    """Every variable of the six files: label (en, ru, kk) and value labels (or None)."""
    cat: dict[str, tuple[_Text, dict[int, _Text] | None]] = dict(_background_labels())
    yes_no_dk_nr = {**_YES_NO, **_DK, **_NR}
    yes_no_nr = {**_YES_NO, **_NR}
    cat.update(
        {
            # ---- hh
            "HH46": (
                (
                    "Result of household interview",
                    "Результат интервью домохозяйства",
                    "Үй шаруашылығымен сұхбат нәтижесі",
                ),
                {
                    1: ("Completed", "Завершено", "Аяқталды"),
                    2: (
                        "No household member or no competent respondent at home",
                        "Никого из членов домохозяйства или компетентного респондента нет дома",
                        "Үйде үй шаруашылығының мүшесі немесе құзыретті респондент жоқ",
                    ),
                    3: (
                        "Entire household absent for extended period",
                        "Всё домохозяйство отсутствует длительное время",
                        "Үй шаруашылығы ұзақ уақыт бойы толығымен жоқ",
                    ),
                    4: ("Refused", "Отказ", "Бас тартты"),
                    5: (
                        "Dwelling vacant or address not a dwelling",
                        "Жилище пустует или адрес не является жилищем",
                        "Тұрғын үй бос немесе мекенжай тұрғын үй емес",
                    ),
                    6: ("Dwelling destroyed", "Жилище разрушено", "Тұрғын үй қираған"),
                    7: ("Dwelling not found", "Жилище не найдено", "Тұрғын үй табылмады"),
                    **_OTHER96,
                },
            ),
            "HH48": (
                (
                    "Number of household members",
                    "Число членов домохозяйства",
                    "Үй шаруашылығы мүшелерінің саны",
                ),
                None,
            ),
            "HH49": (
                (
                    "Number of women age 15-49",
                    "Число женщин в возрасте 15-49 лет",
                    "15-49 жастағы әйелдер саны",
                ),
                None,
            ),
            "HH51": (
                (
                    "Number of children under age 5",
                    "Число детей в возрасте до 5 лет",
                    "5 жасқа толмаған балалар саны",
                ),
                None,
            ),
            "HH52": (
                (
                    "Number of children age 5-17",
                    "Число детей в возрасте 5-17 лет",
                    "5-17 жастағы балалар саны",
                ),
                None,
            ),
            "HHSEX": (
                (
                    "Sex of household head",
                    "Пол главы домохозяйства",
                    "Үй шаруашылығы басшысының жынысы",
                ),
                {1: ("Male", "Мужской", "Ер"), 2: ("Female", "Женский", "Әйел")},
            ),
            "HC8": (
                (
                    "Household has electricity",
                    "Наличие электричества в домохозяйстве",
                    "Үй шаруашылығында электр қуатының болуы",
                ),
                {
                    1: ("Yes, interconnected grid", "Да, от общей сети", "Иә, ортақ желіден"),
                    2: ("Yes, off-grid", "Да, автономное", "Иә, автономды"),
                    3: ("No", "Нет", "Жоқ"),
                    **_NR,
                },
            ),
            "HC11": (
                (
                    "Household has a computer",
                    "В домохозяйстве есть компьютер",
                    "Үй шаруашылығында компьютер бар",
                ),
                yes_no_nr,
            ),
            "HC12": (
                (
                    "Household has a mobile telephone",
                    "В домохозяйстве есть мобильный телефон",
                    "Үй шаруашылығында ұялы телефон бар",
                ),
                yes_no_nr,
            ),
            "HC13": (
                (
                    "Household has internet access at home",
                    "Доступ к интернету дома",
                    "Үйде интернетке қолжетімділік бар",
                ),
                yes_no_nr,
            ),
            "WS1": (
                (
                    "Main source of drinking water",
                    "Основной источник питьевой воды",
                    "Ауыз судың негізгі көзі",
                ),
                {
                    11: (
                        "Piped into dwelling",
                        "Водопровод в жилище",
                        "Тұрғын үйге құбыр жүргізілген",
                    ),
                    12: (
                        "Piped to yard/plot",
                        "Водопровод во дворе/на участке",
                        "Аулаға/учаскеге құбыр жүргізілген",
                    ),
                    13: ("Piped to neighbour", "Водопровод у соседей", "Көршіге құбыр жүргізілген"),
                    14: ("Public tap/standpipe", "Общественная колонка", "Қоғамдық колонка"),
                    21: (
                        "Tube well/borehole",
                        "Трубчатый колодец/скважина",
                        "Құбырлы құдық/ұңғыма",
                    ),
                    31: ("Protected well", "Защищённый колодец", "Қорғалған құдық"),
                    32: ("Unprotected well", "Незащищённый колодец", "Қорғалмаған құдық"),
                    41: ("Protected spring", "Защищённый родник", "Қорғалған бұлақ"),
                    42: ("Unprotected spring", "Незащищённый родник", "Қорғалмаған бұлақ"),
                    51: ("Rainwater", "Дождевая вода", "Жаңбыр суы"),
                    61: ("Tanker-truck", "Автоцистерна", "Автоцистерна"),
                    71: (
                        "Cart with small tank",
                        "Тележка с небольшой цистерной",
                        "Шағын цистернасы бар арба",
                    ),
                    81: (
                        "Surface water (river, lake, canal)",
                        "Поверхностные воды (река, озеро, канал)",
                        "Жер үсті сулары (өзен, көл, арық)",
                    ),
                    91: ("Packaged (bottled) water", "Бутилированная вода", "Бөтелкедегі су"),
                    **_OTHER96,
                    **_NR99,
                },
            ),
            "WS3": (
                (
                    "Location of the water source",
                    "Местонахождение источника воды",
                    "Су көзінің орналасқан жері",
                ),
                {
                    1: ("In own dwelling", "В собственном жилище", "Өз тұрғын үйінде"),
                    2: (
                        "In own yard/plot",
                        "В собственном дворе/на участке",
                        "Өз аулысында/учаскесінде",
                    ),
                    3: ("Elsewhere", "В другом месте", "Басқа жерде"),
                    **_NR,
                },
            ),
            "WS4": (
                (
                    "Time to get water and come back (minutes)",
                    "Время, чтобы сходить за водой и вернуться (минуты)",
                    "Суға барып келуге кететін уақыт (минут)",
                ),
                {998: _DK[8]},
            ),
            "WS11": (
                ("Type of toilet facility", "Тип туалета", "Дәретхана түрі"),
                {
                    11: ("Flush to piped sewer system", "Смыв в канализацию", "Кәрізге ағызылатын"),
                    12: ("Flush to septic tank", "Смыв в септик", "Септикке ағызылатын"),
                    13: ("Flush to pit latrine", "Смыв в выгребную яму", "Шұңқырға ағызылатын"),
                    14: ("Flush to open drain", "Смыв в открытый сток", "Ашық арыққа ағызылатын"),
                    21: (
                        "Ventilated improved pit latrine",
                        "Вентилируемая уборная улучшенного типа",
                        "Желдетілетін жақсартылған шұңқырлы дәретхана",
                    ),
                    22: (
                        "Pit latrine with slab",
                        "Выгребная яма с настилом",
                        "Тақтайы бар шұңқырлы дәретхана",
                    ),
                    23: (
                        "Pit latrine without slab/open pit",
                        "Выгребная яма без настила/открытая яма",
                        "Тақтайсыз шұңқырлы дәретхана/ашық шұңқыр",
                    ),
                    31: ("Composting toilet", "Компостный туалет", "Компостты дәретхана"),
                    41: ("Bucket", "Ведро", "Шелек"),
                    95: (
                        "No facility/bush/field",
                        "Нет туалета/кусты/поле",
                        "Дәретхана жоқ/бұта/дала",
                    ),
                    **_OTHER96,
                    **_NR99,
                },
            ),
            "WS15": (
                (
                    "Toilet facility shared with other households",
                    "Туалет используется совместно с другими домохозяйствами",
                    "Дәретхана басқа үй шаруашылықтарымен бірге пайдаланылады",
                ),
                yes_no_nr,
            ),
            "HW1": (
                (
                    "Place where household members most often wash their hands",
                    "Место, где члены домохозяйства чаще всего моют руки",
                    "Үй шаруашылығы мүшелері қолын жиі жуатын орын",
                ),
                {
                    1: (
                        "Fixed facility observed in dwelling",
                        "Стационарное место в жилище",
                        "Тұрғын үйдегі тұрақты орын",
                    ),
                    2: (
                        "Fixed facility observed in yard/plot",
                        "Стационарное место во дворе/на участке",
                        "Аулада/учаскеде тұрақты орын",
                    ),
                    3: ("Mobile object observed", "Переносное приспособление", "Жылжымалы құрал"),
                    4: (
                        "No handwashing place in dwelling, yard or plot",
                        "Нет места для мытья рук",
                        "Қол жуатын орын жоқ",
                    ),
                    5: (
                        "No permission to see",
                        "Не разрешили осмотреть",
                        "Көруге рұқсат берілмеді",
                    ),
                },
            ),
            "HW2": (
                (
                    "Water available at the place for handwashing",
                    "Наличие воды в месте для мытья рук",
                    "Қол жуатын орында су бар",
                ),
                _YES_NO,
            ),
            "HW3": (
                (
                    "Soap or detergent present at the place for handwashing",
                    "Наличие мыла или моющего средства в месте для мытья рук",
                    "Қол жуатын орында сабын немесе жуғыш зат бар",
                ),
                _YES_NO,
            ),
            "EU1": (
                (
                    "Type of cookstove mainly used for cooking",
                    "Тип плиты, используемой для приготовления пищи",
                    "Тамақ пісіру үшін негізінен пайдаланылатын пеш түрі",
                ),
                {
                    1: ("Electric stove", "Электроплита", "Электр плитасы"),
                    2: ("Solar cooker", "Солнечная плита", "Күн пеші"),
                    3: (
                        "Liquefied petroleum gas (LPG) stove",
                        "Плита на сжиженном газе",
                        "Сұйытылған газ плитасы",
                    ),
                    4: ("Piped natural gas stove", "Плита на природном газе", "Табиғи газ плитасы"),
                    5: ("Biogas stove", "Плита на биогазе", "Биогаз плитасы"),
                    6: ("Liquid fuel stove", "Плита на жидком топливе", "Сұйық отын пеші"),
                    7: (
                        "Manufactured solid fuel stove",
                        "Заводская печь на твёрдом топливе",
                        "Зауыттық қатты отын пеші",
                    ),
                    8: (
                        "Traditional solid fuel stove",
                        "Традиционная печь на твёрдом топливе",
                        "Дәстүрлі қатты отын пеші",
                    ),
                    9: ("Three stone stove/open fire", "Открытый огонь", "Ашық от"),
                    **_OTHER96,
                    97: (
                        "No food cooked in household",
                        "Пищу в домохозяйстве не готовят",
                        "Үй шаруашылығында тамақ пісірілмейді",
                    ),
                    **_NR99,
                },
            ),
            "EU4": (
                ("Type of fuel used in the cookstove", "Вид топлива для плиты", "Пештің отын түрі"),
                {
                    4: ("Coal/lignite", "Уголь/лигнит", "Көмір/лигнит"),
                    5: ("Charcoal", "Древесный уголь", "Ағаш көмірі"),
                    6: ("Wood", "Дрова", "Отын (ағаш)"),
                    7: (
                        "Crop residue/straw",
                        "Растительные отходы/солома",
                        "Өсімдік қалдықтары/сабан",
                    ),
                    8: ("Animal dung", "Кизяк", "Тезек"),
                    **_OTHER96,
                },
            ),
            "wscore": (
                (
                    "Combined wealth score",
                    "Комбинированный показатель благосостояния",
                    "Әл-ауқаттың біріктірілген көрсеткіші",
                ),
                None,
            ),
            "hhweight": (
                (
                    "Household sample weight",
                    "Выборочный вес домохозяйства",
                    "Үй шаруашылығының іріктемелі салмағы",
                ),
                None,
            ),
            # ---- hl
            "HL1": (_LINE_LABEL, None),
            "HL3": (
                (
                    "Relationship to the head of household",
                    "Отношение к главе домохозяйства",
                    "Үй шаруашылығы басшысына туыстық қатынасы",
                ),
                {
                    1: ("Head", "Глава", "Басшы"),
                    2: ("Wife or husband", "Жена или муж", "Әйелі немесе күйеуі"),
                    3: ("Son or daughter", "Сын или дочь", "Ұлы немесе қызы"),
                    4: (
                        "Son-in-law or daughter-in-law",
                        "Зять или невестка",
                        "Күйеу баласы немесе келіні",
                    ),
                    5: ("Grandchild", "Внук или внучка", "Немересі"),
                    6: ("Parent", "Родитель", "Ата-анасы"),
                    12: ("Other relative", "Другой родственник", "Басқа туысы"),
                },
            ),
            "HL4": (
                ("Sex", "Пол", "Жынысы"),
                {1: ("Male", "Мужской", "Ер"), 2: ("Female", "Женский", "Әйел")},
            ),
            "HL6": (("Age", "Возраст", "Жасы"), {95: ("95+", "95+", "95+"), **_DK98}),
            "HL12": (
                (
                    "Line number of natural mother",
                    "Номер строки родной матери",
                    "Туған анасының жол нөмірі",
                ),
                {
                    0: (
                        "Not in household",
                        "Не проживает в домохозяйстве",
                        "Үй шаруашылығында тұрмайды",
                    )
                },
            ),
            "HL20": (
                (
                    "Line number of mother or primary caretaker",
                    "Номер строки матери или основного опекуна",
                    "Анасының немесе негізгі қамқоршысының жол нөмірі",
                ),
                _EMANCIPATED,
            ),
            "ED5A": (
                (
                    "Highest level of education attended",
                    "Наивысший уровень образования",
                    "Білімнің ең жоғары деңгейі",
                ),
                {**_EDUCATION, **_DK, **_NR},
            ),
            "ED9": (
                (
                    "Attended school or pre-school during current school year",
                    "Посещал(а) школу или дошкольное учреждение в текущем учебном году",
                    "Ағымдағы оқу жылында мектепке немесе мектепке дейінгі мекемеге барды",
                ),
                _YES_NO,
            ),
            "ED10A": (
                (
                    "Level of education attended in current school year",
                    "Уровень образования в текущем учебном году",
                    "Ағымдағы оқу жылындағы білім деңгейі",
                ),
                {
                    0: (
                        "Early childhood education",
                        "Дошкольное образование",
                        "Мектепке дейінгі білім",
                    ),
                    **{k: v for k, v in _EDUCATION.items() if k > 0},
                },
            ),
            "schage": (
                (
                    "Age at beginning of school year",
                    "Возраст на начало учебного года",
                    "Оқу жылының басындағы жасы",
                ),
                None,
            ),
            # ---- wm
            "LN": (_LINE_LABEL, None),
            "WM17": (
                (
                    "Result of woman's interview",
                    "Результат интервью женщины",
                    "Әйелмен сұхбат нәтижесі",
                ),
                _RESULT,
            ),
            "WB4": (("Age of woman", "Возраст женщины", "Әйелдің жасы"), None),
            "WAGE": (_WAGE_LABEL, _AGE_GROUPS),
            "welevel": (("Education", "Образование", "Білімі"), {**_EDUCATION, **_MISSING_DK9}),
            "MSTATUS": (("Marital/union status", "Брачный статус", "Некелік мәртебесі"), _MARITAL),
            "WAGEM": (
                (
                    "Age at first marriage/union",
                    "Возраст вступления в первый брак/союз",
                    "Алғаш некеге тұрған жасы",
                ),
                None,
            ),
            "CP2": (
                (
                    "Currently using a method to avoid pregnancy",
                    "Использует метод предохранения от беременности",
                    "Жүктіліктен сақтану әдісін қолданады",
                ),
                yes_no_nr,
            ),
            "LS1": (
                (
                    "Estimation of overall happiness",
                    "Оценка общего уровня счастья",
                    "Жалпы бақыт деңгейін бағалау",
                ),
                _HAPPINESS,
            ),
            "LS2": (
                (
                    "Life satisfaction ladder (0-10)",
                    "Лестница удовлетворённости жизнью (0-10)",
                    "Өмірге қанағаттану сатысы (0-10)",
                ),
                _LADDER,
            ),
            "LS3": (
                (
                    "Life compared with one year ago",
                    "Жизнь по сравнению с прошлым годом",
                    "Өткен жылмен салыстырғандағы өмір",
                ),
                _IMPROVED,
            ),
            "LS4": (
                ("Life one year from now", "Жизнь через год", "Бір жылдан кейінгі өмір"),
                _BETTER,
            ),
            "MT4": (
                (
                    "Ever used a computer or tablet",
                    "Когда-либо пользовался(ась) компьютером или планшетом",
                    "Компьютерді немесе планшетті бұрын-соңды пайдаланған",
                ),
                yes_no_nr,
            ),
            "MT5": (
                (
                    "Frequency of computer or tablet use in the last 3 months",
                    "Частота использования компьютера или планшета за последние 3 месяца",
                    "Соңғы 3 айда компьютерді немесе планшетті пайдалану жиілігі",
                ),
                _FREQUENCY,
            ),
            "MT9": (
                (
                    "Ever used the internet",
                    "Когда-либо пользовался(ась) интернетом",
                    "Интернетті бұрын-соңды пайдаланған",
                ),
                yes_no_nr,
            ),
            "MT10": (
                (
                    "Frequency of internet use in the last 3 months",
                    "Частота использования интернета за последние 3 месяца",
                    "Соңғы 3 айда интернетті пайдалану жиілігі",
                ),
                _FREQUENCY,
            ),
            "MT11": (
                ("Owns a mobile phone", "Имеет мобильный телефон", "Ұялы телефоны бар"),
                yes_no_nr,
            ),
            "MT12": (
                (
                    "Frequency of mobile phone use in the last 3 months",
                    "Частота использования мобильного телефона за последние 3 месяца",
                    "Соңғы 3 айда ұялы телефонды пайдалану жиілігі",
                ),
                _FREQUENCY,
            ),
            **{
                f"DV1{item}": (
                    (
                        f"Wife beating justified if she {text[0]}",
                        f"Муж вправе бить жену, если она {text[1]}",
                        f"Күйеуі әйелін ұруға құқылы, егер ол {text[2]}",
                    ),
                    {**_YES_NO, **_DK},
                )
                for item, text in _WIFE_BEATING.items()
            },
            "disability": (
                ("Functional difficulties", "Функциональные трудности", "Функционалдық қиындықтар"),
                _DISABILITY,
            ),
            "wmweight": (
                ("Women's sample weight", "Выборочный вес женщин", "Әйелдердің іріктемелі салмағы"),
                None,
            ),
            # ---- mn (men's questionnaire variables carry an M prefix)
            "MWM17": (
                (
                    "Result of man's interview",
                    "Результат интервью мужчины",
                    "Ер адаммен сұхбат нәтижесі",
                ),
                _RESULT,
            ),
            "MWB4": (("Age of man", "Возраст мужчины", "Ер адамның жасы"), None),
            "MWAGE": (_WAGE_LABEL, _AGE_GROUPS),
            "mwelevel": (("Education", "Образование", "Білімі"), {**_EDUCATION, **_MISSING_DK9}),
            "MMSTATUS": (("Marital/union status", "Брачный статус", "Некелік мәртебесі"), _MARITAL),
            "mnweight": (
                (
                    "Men's sample weight",
                    "Выборочный вес мужчин",
                    "Ер адамдардың іріктемелі салмағы",
                ),
                None,
            ),
            # ---- ch
            "UF4": (_CARETAKER_LABEL, None),
            "UF17": (
                (
                    "Result of interview for children under 5",
                    "Результат интервью по детям до 5 лет",
                    "5 жасқа толмаған балалар бойынша сұхбат нәтижесі",
                ),
                _RESULT,
            ),
            "UB2": (("Age of child (years)", "Возраст ребёнка (лет)", "Баланың жасы (жыл)"), None),
            "CAGE": (
                ("Age of child (months)", "Возраст ребёнка (месяцев)", "Баланың жасы (ай)"),
                None,
            ),
            "melevel": (
                ("Mother's education", "Образование матери", "Анасының білімі"),
                {**_EDUCATION, **_MISSING_DK9},
            ),
            "BR1": (
                (
                    "Child has a birth certificate",
                    "У ребёнка есть свидетельство о рождении",
                    "Баланың туу туралы куәлігі бар",
                ),
                {
                    1: ("Yes, seen", "Да, предъявлено", "Иә, көрсетілді"),
                    2: ("Yes, not seen", "Да, не предъявлено", "Иә, көрсетілмеді"),
                    3: ("No", "Нет", "Жоқ"),
                    **_DK,
                    **_NR,
                },
            ),
            "BR2": (
                (
                    "Birth registered with civil authorities",
                    "Рождение зарегистрировано в органах ЗАГС",
                    "Тууы АХАЖ органдарында тіркелген",
                ),
                yes_no_dk_nr,
            ),
            "UB8": (
                (
                    "Attends an early childhood education programme",
                    "Посещает программу дошкольного образования",
                    "Мектепке дейінгі білім беру бағдарламасына барады",
                ),
                yes_no_dk_nr,
            ),
            "EC1": (
                (
                    "Number of children's books",
                    "Количество детских книг",
                    "Балалар кітаптарының саны",
                ),
                {10: ("10 or more books", "10 и более книг", "10 және одан көп кітап")},
            ),
            "EC3A": (
                (
                    "Days left alone for more than an hour in the last week",
                    "Дней за последнюю неделю, когда ребёнка оставляли одного более чем на час",
                    "Өткен аптада бала бір сағаттан артық жалғыз қалған күндер",
                ),
                {**_DK, **_NR},
            ),
            "EC3B": (
                (
                    "Days left with another child under 10 for more than an hour in the last week",
                    "Дней за последнюю неделю под присмотром ребёнка младше 10 лет более часа",
                    "Өткен аптада 10 жасқа толмаған баланың қарауында бір сағаттан артық қалған күндер",
                ),
                {**_DK, **_NR},
            ),
            "EC6": (
                (
                    "Identifies or names at least ten letters of the alphabet",
                    "Узнаёт или называет не менее десяти букв алфавита",
                    "Әліпбидің кемінде он әрпін таниды немесе атайды",
                ),
                yes_no_dk_nr,
            ),
            "EC7": (
                (
                    "Reads at least four simple, popular words",
                    "Читает не менее четырёх простых слов",
                    "Кемінде төрт қарапайым сөзді оқиды",
                ),
                yes_no_dk_nr,
            ),
            "EC8": (
                (
                    "Knows the name and recognizes the symbol of all numbers from 1 to 10",
                    "Знает названия и узнаёт все цифры от 1 до 10",
                    "1-ден 10-ға дейінгі барлық сандарды атайды және таниды",
                ),
                yes_no_dk_nr,
            ),
            "EC9": (
                (
                    "Able to pick up a small object with two fingers",
                    "Может взять маленький предмет двумя пальцами",
                    "Кішкентай затты екі саусағымен ала алады",
                ),
                yes_no_dk_nr,
            ),
            "EC10": (
                (
                    "Sometimes too sick to play",
                    "Иногда слишком болен(на), чтобы играть",
                    "Кейде ойнай алмайтындай ауырады",
                ),
                yes_no_dk_nr,
            ),
            "EC11": (
                (
                    "Follows simple directions",
                    "Выполняет простые указания",
                    "Қарапайым нұсқауларды орындайды",
                ),
                yes_no_dk_nr,
            ),
            "EC12": (
                (
                    "When given something to do, able to do it independently",
                    "Может самостоятельно выполнить порученное",
                    "Тапсырылған істі өз бетінше орындай алады",
                ),
                yes_no_dk_nr,
            ),
            "EC13": (
                (
                    "Gets along well with other children",
                    "Хорошо ладит с другими детьми",
                    "Басқа балалармен жақсы тіл табысады",
                ),
                yes_no_dk_nr,
            ),
            "EC14": (
                (
                    "Kicks, bites or hits other children or adults",
                    "Пинает, кусает или бьёт других детей или взрослых",
                    "Басқа балаларды немесе ересектерді тебеді, тістейді немесе ұрады",
                ),
                yes_no_dk_nr,
            ),
            "EC15": (
                ("Gets distracted easily", "Легко отвлекается", "Оңай алаңдайды"),
                yes_no_dk_nr,
            ),
            **{f"UCD2{item}": (text, yes_no_dk_nr) for item, text in _DISCIPLINE.items()},
            "UCD5": (_PUNISHMENT_LABEL, _PUNISHMENT),
            "chweight": (
                (
                    "Children under 5 sample weight",
                    "Выборочный вес детей до 5 лет",
                    "5 жасқа толмаған балалардың іріктемелі салмағы",
                ),
                None,
            ),
            # ---- fs
            "FS4": (_CARETAKER_LABEL, _EMANCIPATED),
            "FS17": (
                (
                    "Result of interview for children age 5-17",
                    "Результат интервью по детям 5-17 лет",
                    "5-17 жастағы балалар бойынша сұхбат нәтижесі",
                ),
                _RESULT,
            ),
            "CB3": (("Age of child", "Возраст ребёнка", "Баланың жасы"), None),
            **{f"FCD2{item}": (text, yes_no_dk_nr) for item, text in _DISCIPLINE.items()},
            "FCD5": (_PUNISHMENT_LABEL, _PUNISHMENT),
            "CL1A": (
                (
                    "Worked on plot, farm, food garden or looked after animals",
                    "Работал(а) на участке, ферме, огороде или ухаживал(а) за животными",
                    "Учаскеде, фермада, бақшада жұмыс істеді немесе мал бақты",
                ),
                yes_no_nr,
            ),
            "CL1B": (
                (
                    "Helped in a family business or a relative's business",
                    "Помогал(а) в семейном бизнесе или бизнесе родственников",
                    "Отбасылық немесе туыстарының бизнесіне көмектесті",
                ),
                yes_no_nr,
            ),
            "CL1C": (
                (
                    "Produced or sold articles, handicrafts, clothes or food",
                    "Производил(а) или продавал(а) изделия, одежду или продукты",
                    "Бұйымдар, қолөнер, киім немесе тамақ жасады не сатты",
                ),
                yes_no_nr,
            ),
            "CL2": (
                (
                    "Any other activity in return for income in cash or in kind",
                    "Другая деятельность за денежное или натуральное вознаграждение",
                    "Ақшалай немесе заттай табыс үшін басқа қызмет",
                ),
                yes_no_nr,
            ),
            "CL3": (
                (
                    "Hours on economic activities in the last week",
                    "Часов на экономическую деятельность за последнюю неделю",
                    "Өткен аптада экономикалық қызметке жұмсалған сағаттар",
                ),
                _DK98,
            ),
            "CL4": (("Carrying heavy loads", "Переносит тяжести", "Ауыр жүк көтереді"), _YES_NO),
            "CL5": (
                (
                    "Working with dangerous tools or operating heavy machinery",
                    "Работает с опасными инструментами или тяжёлой техникой",
                    "Қауіпті құралдармен немесе ауыр техникамен жұмыс істейді",
                ),
                _YES_NO,
            ),
            "CL6A": (
                (
                    "Exposed to dust, fumes or gas",
                    "Подвергается воздействию пыли, дыма или газа",
                    "Шаңның, түтіннің немесе газдың әсеріне ұшырайды",
                ),
                _YES_NO,
            ),
            "CL6B": (
                (
                    "Exposed to extreme cold, heat or humidity",
                    "Подвергается воздействию сильного холода, жары или влажности",
                    "Қатты суықтың, ыстықтың немесе ылғалдың әсеріне ұшырайды",
                ),
                _YES_NO,
            ),
            "CL6C": (
                (
                    "Exposed to loud noise or vibration",
                    "Подвергается воздействию громкого шума или вибрации",
                    "Қатты шудың немесе дірілдің әсеріне ұшырайды",
                ),
                _YES_NO,
            ),
            "CL6D": (
                ("Required to work at heights", "Работает на высоте", "Биіктікте жұмыс істейді"),
                _YES_NO,
            ),
            "CL6E": (
                (
                    "Required to work with chemicals or explosives",
                    "Работает с химикатами или взрывчатыми веществами",
                    "Химикаттармен немесе жарылғыш заттармен жұмыс істейді",
                ),
                _YES_NO,
            ),
            "CL7": (
                (
                    "Fetched water or collected firewood for household use",
                    "Носил(а) воду или собирал(а) дрова для домохозяйства",
                    "Үй шаруашылығы үшін су тасыды немесе отын жинады",
                ),
                _YES_NO,
            ),
            "CL8": (
                (
                    "Hours fetching water or collecting firewood in the last week",
                    "Часов на доставку воды или сбор дров за последнюю неделю",
                    "Өткен аптада су тасуға немесе отын жинауға жұмсалған сағаттар",
                ),
                _DK98,
            ),
            "CL9": (
                (
                    "Shopping for the household",
                    "Делал(а) покупки для домохозяйства",
                    "Үй шаруашылығы үшін сауда жасады",
                ),
                _YES_NO,
            ),
            "CL10": (("Cooking", "Готовил(а) еду", "Тамақ әзірледі"), _YES_NO),
            "CL11": (
                (
                    "Washing dishes, cleaning or washing clothes",
                    "Мыл(а) посуду, убирал(а) или стирал(а)",
                    "Ыдыс жуды, жинастырды немесе кір жуды",
                ),
                _YES_NO,
            ),
            "CL12": (
                (
                    "Caring for children, old or sick household members",
                    "Ухаживал(а) за детьми, пожилыми или больными членами домохозяйства",
                    "Балаларға, қарттарға немесе науқастарға қарады",
                ),
                _YES_NO,
            ),
            "CL13": (
                (
                    "Hours on household chores in the last week (other than fetching)",
                    "Часов на работу по дому за последнюю неделю (кроме доставки воды и дров)",
                    "Өткен аптада үй жұмысына жұмсалған сағаттар (су мен отын тасудан басқа)",
                ),
                _DK98,
            ),
            "FL28": (
                (
                    "Result of foundational learning assessment",
                    "Результат оценки базовых навыков обучения",
                    "Негізгі оқу дағдыларын бағалау нәтижесі",
                ),
                {
                    1: ("Completed", "Завершено", "Аяқталды"),
                    2: ("Child not at home", "Ребёнка нет дома", "Бала үйде жоқ"),
                    3: (
                        "Mother/caretaker refused",
                        "Отказ матери/опекуна",
                        "Анасы/қамқоршысы бас тартты",
                    ),
                    4: ("Child refused", "Отказ ребёнка", "Бала бас тартты"),
                    5: ("Partly completed", "Частично завершено", "Ішінара аяқталды"),
                    6: ("Incapacitated", "Недееспособность", "Қабілетсіздік"),
                    **_OTHER96,
                },
            ),
            "FL20B": (
                (
                    "Number of words read incorrectly (story of 72 words)",
                    "Число неправильно прочитанных слов (рассказ из 72 слов)",
                    "Қате оқылған сөздер саны (72 сөзден тұратын әңгіме)",
                ),
                None,
            ),
            **{
                f"FL22{item}": (
                    (
                        f"Literal comprehension question {n}",
                        f"Вопрос на понимание текста {n}",
                        f"Мәтінді түсінуге арналған {n}-сұрақ",
                    ),
                    _CORRECT,
                )
                for n, item in enumerate("ABC", start=1)
            },
            **{
                f"FL22{item}": (
                    (
                        f"Inferential comprehension question {n}",
                        f"Вопрос на умозаключение {n}",
                        f"Қорытынды жасауға арналған {n}-сұрақ",
                    ),
                    _CORRECT,
                )
                for n, item in enumerate("DE", start=1)
            },
            **{
                f"{stem}{item}": (
                    (
                        f"{task[0]}: item {item}",
                        f"{task[1]}: задание {item}",
                        f"{task[2]}: {item} тапсырмасы",
                    ),
                    _CORRECT,
                )
                for stem, (task, items) in _FL_TASKS.items()
                for item in items
            },
            "fshweight": (
                (
                    "Household weight for children age 5-17",
                    "Вес домохозяйства для детей 5-17 лет",
                    "5-17 жастағы балалар үшін үй шаруашылығының салмағы",
                ),
                None,
            ),
            "fsweight": (
                (
                    "Children age 5-17 sample weight",
                    "Выборочный вес детей 5-17 лет",
                    "5-17 жастағы балалардың іріктемелі салмағы",
                ),
                None,
            ),
        }
    )
    for name in ("LS1", "LS2", "LS3", "LS4", "MT4", "MT5", "MT9", "MT10", "MT11", "MT12"):
        cat["M" + name] = cat[name]
    for item in _WIFE_BEATING:
        cat[f"MDV1{item}"] = cat[f"DV1{item}"]
    return cat


_FILE_LABELS: dict[str, _Text] = {
    "hh": ("Households", "Домохозяйства", "Үй шаруашылықтары"),
    "hl": ("Household members", "Члены домохозяйств", "Үй шаруашылықтарының мүшелері"),
    "wm": ("Women age 15-49", "Женщины 15-49 лет", "15-49 жастағы әйелдер"),
    "mn": ("Men age 15-49", "Мужчины 15-49 лет", "15-49 жастағы ер адамдар"),
    "ch": ("Children under 5", "Дети до 5 лет", "5 жасқа толмаған балалар"),
    "fs": ("Children age 5-17", "Дети 5-17 лет", "5-17 жастағы балалар"),
}
_SURVEY_LABEL: _Text = (
    "Kazakhstan MICS, synthetic example",
    "MICS Казахстан, синтетический пример",
    "MICS Қазақстан, синтетикалық мысал",
)


def _strata_regions_areas() -> list[tuple[Region, int]]:
    """The 37 strata in code order: (region, area) with area 1 urban, 2 rural."""
    return [
        (region, area)
        for region in REGIONS
        for area, clusters in zip((1, 2), region.clusters, strict=True)
        if clusters > 0
    ]


# --------------------------------------------------------------------------------------------
# Random draws
# --------------------------------------------------------------------------------------------


def _rng(seed: int, part: str) -> np.random.Generator:
    """Independent generator for one part of the model, so parts do not shift each other."""
    return np.random.default_rng([seed, zlib.crc32(part.encode("ascii"))])


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _yes(rng: np.random.Generator, logit: np.ndarray | float, n: int) -> np.ndarray:
    """Bernoulli draws (True with probability expit(logit))."""
    return rng.random(n) < _expit(np.broadcast_to(np.asarray(logit, dtype=float), (n,)))


def _choice(
    rng: np.random.Generator, codes: Sequence[int], probabilities: np.ndarray
) -> np.ndarray:
    """One code per row, drawn with the row's probabilities (an (n, K) array)."""
    p = np.asarray(probabilities, dtype=float)
    cumulative = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(p.shape[0])[:, None]
    index = np.minimum((u > cumulative).sum(axis=1), len(codes) - 1)
    return np.asarray(codes, dtype=float)[index]


def _codes(rng: np.random.Generator, n: int, table: Mapping[int, float]) -> np.ndarray:
    """``n`` codes drawn with the fixed probabilities of ``table`` ({code: probability})."""
    p = np.array(list(table.values()), dtype=float)
    return _choice(rng, list(table), np.broadcast_to(p, (n, p.size)))


def _ordered(latent: np.ndarray, cuts: Sequence[float], codes: Sequence[int]) -> np.ndarray:
    """Ordered categories: codes[k] where latent passes k of the increasing ``cuts``."""
    index = np.searchsorted(np.asarray(cuts, dtype=float), latent, side="right")
    return np.asarray(codes, dtype=float)[index]


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, 1.0, 2.0)


def _special(
    rng: np.random.Generator, values: np.ndarray, rates: Mapping[int, float | np.ndarray]
) -> np.ndarray:
    """Replace a share of the (non-missing) values by special codes ({code: share per row})."""
    out = values.astype(float, copy=True)
    u = rng.random(out.size)
    start = 0.0
    for code, share in rates.items():
        hit = (u >= start) & (u < start + share) & ~np.isnan(out)
        out[hit] = code
        start += share
    return out


def _blank(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values`` where ``keep``, NaN elsewhere (skip patterns and non-response)."""
    return np.where(keep, values.astype(float), np.nan)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

_EFFECTS = (
    "wealth", "water", "sanitation", "wellbeing", "internet", "parenting", "ecd", "learning",
    "labour", "registration", "attitudes", "response",
)  # fmt: skip


@dataclass(frozen=True)
class _Sample:
    """Internal state passed between the stages (numpy arrays; not part of the API)."""

    seed: int
    region_effect: dict[str, np.ndarray]  # (20,) per effect, indexed by region code - 1
    # clusters
    cluster_region: np.ndarray
    cluster_area: np.ndarray
    cluster_stratum: np.ndarray
    cluster_design_weight: np.ndarray
    cluster_effect: dict[str, np.ndarray]
    # households (all selected)
    hh_cluster: np.ndarray
    hh_position: np.ndarray
    hh_number: np.ndarray
    hh_result: np.ndarray
    household_effect: dict[str, np.ndarray]

    def effect(
        self, name: str, households: np.ndarray, region_sd: float, cluster_sd: float
    ) -> np.ndarray:
        """Regional plus cluster effect of one latent dimension, for each household given."""
        cluster = self.hh_cluster[households]
        return (
            region_sd * self.region_effect[name][self.cluster_region[cluster] - 1]
            + cluster_sd * self.cluster_effect[name][cluster]
        )


def _sample_design(seed: int, scale: float) -> _Sample:
    """Clusters, selected households, their interview results and the latent effects."""
    strata = _strata_regions_areas()
    n_per_stratum = [
        max(2, int(np.floor(region.clusters[area - 1] * scale + 0.5))) for region, area in strata
    ]
    cluster_stratum = np.repeat(np.arange(1, len(strata) + 1), n_per_stratum)
    cluster_region = np.array([strata[s - 1][0].code for s in cluster_stratum])
    cluster_area = np.array([strata[s - 1][1] for s in cluster_stratum])
    n_clusters = cluster_stratum.size

    rng = _rng(seed, "clusters")
    # design weight: households in the stratum / households sampled, times a cluster factor
    # (ratio of the listed size to the frame's measure of size under PPS selection)
    factor = np.exp(rng.normal(0.0, 0.2, n_clusters))
    stratum_mean = np.bincount(cluster_stratum - 1, factor) / np.bincount(cluster_stratum - 1)
    factor = factor / stratum_mean[cluster_stratum - 1]
    stratum_households = np.array(
        [
            region.population
            * 1000.0
            * (region.urban_share if area == 1 else 1.0 - region.urban_share)
            / _stratum_household_size(region, area)
            for region, area in strata
        ]
    )
    n_h = np.array(n_per_stratum, dtype=float)
    design_weight = (
        stratum_households[cluster_stratum - 1]
        / (n_h[cluster_stratum - 1] * HOUSEHOLDS_PER_CLUSTER)
        * factor
    )
    listed = rng.integers(60, 221, n_clusters)
    keys = rng.random((n_clusters, 220))
    keys[np.arange(220)[None, :] >= listed[:, None]] = np.inf
    numbers = np.sort(np.argsort(keys, axis=1)[:, :HOUSEHOLDS_PER_CLUSTER] + 1, axis=1)

    region_rng = _rng(seed, "regions")
    region_effect = {name: region_rng.standard_normal(len(REGIONS)) for name in _EFFECTS}
    cluster_rng = _rng(seed, "cluster-effects")
    cluster_effect = {name: cluster_rng.standard_normal(n_clusters) for name in _EFFECTS}

    n_households = n_clusters * HOUSEHOLDS_PER_CLUSTER
    hh_cluster = np.repeat(np.arange(n_clusters), HOUSEHOLDS_PER_CLUSTER)
    hh_position = np.tile(np.arange(1, HOUSEHOLDS_PER_CLUSTER + 1), n_clusters)
    household_rng = _rng(seed, "household-effects")
    household_effect = {
        name: household_rng.standard_normal(n_households)
        for name in ("wealth", "wellbeing", "parenting", "learning", "infrastructure")
    }

    # interview result HH46
    base = np.where(cluster_area == 1, _HOUSEHOLD_RESPONSE["urban"], _HOUSEHOLD_RESPONSE["rural"])
    for city in _CITIES:
        base[cluster_region == city] = _HOUSEHOLD_RESPONSE[city]
    logit = np.log(base / (1 - base)) + 0.5 * cluster_effect["response"]
    result_rng = _rng(seed, "household-result")
    completed = _yes(result_rng, logit[hh_cluster], n_households)
    other = _codes(
        result_rng,
        n_households,
        {2: 0.35, 3: 0.15, 4: 0.25, 5: 0.14, 6: 0.02, 7: 0.04, 96: 0.05},
    )
    hh_result = np.where(completed, 1.0, other)

    return _Sample(
        seed=seed,
        region_effect=region_effect,
        cluster_region=cluster_region,
        cluster_area=cluster_area,
        cluster_stratum=cluster_stratum,
        cluster_design_weight=design_weight,
        cluster_effect=cluster_effect,
        hh_cluster=hh_cluster,
        hh_position=hh_position,
        hh_number=numbers.reshape(-1).astype(float),
        hh_result=hh_result,
        household_effect=household_effect,
    )


def _stratum_household_size(region: Region, area: int) -> float:
    if region.urban_share >= 1.0:
        return region.household_size
    return region.household_size - 0.3 if area == 1 else region.household_size + 0.35


@dataclass(frozen=True)
class _Members:
    """Household members of completed households (arrays over members, internal)."""

    household: np.ndarray  # index into all selected households
    line: np.ndarray
    role: np.ndarray
    sex: np.ndarray
    age: np.ndarray  # true age in years
    mother: np.ndarray  # HL12 (NaN for 18+)
    caretaker: np.ndarray  # HL20 (NaN for 18+)
    education: np.ndarray  # ED5A
    attending: np.ndarray  # ED9
    level: np.ndarray  # ED10A
    schage: np.ndarray


def _household_members(sample: _Sample, completed: np.ndarray) -> _Members:
    """List the members of every completed household (MICS household listing, HL module)."""
    rng = _rng(sample.seed, "members")
    hh = np.flatnonzero(completed)
    n = hh.size
    region = sample.cluster_region[sample.hh_cluster[hh]]
    area = sample.cluster_area[sample.hh_cluster[hh]]
    mean_size = np.array(
        [_stratum_household_size(REGIONS[r - 1], a) for r, a in zip(region, area, strict=True)]
    )
    size = np.minimum(1 + rng.poisson(mean_size - 1.0), _MAX_SIZE)
    head_male = rng.random(n) < 0.76
    head_age = np.clip(np.round(rng.normal(47, 13, n)), 19, 92)
    has_spouse = (size >= 2) & (rng.random(n) < np.where(head_male, 0.9, 0.2))
    spouse_age = np.maximum(
        18, head_age + np.where(head_male, -3, 3) + np.round(rng.normal(0, 3, n))
    )
    rest = size - 1 - has_spouse
    extended = (head_age >= 50) & (rest >= 3) & (rng.random(n) < 0.6)
    has_inlaw = extended & (rng.random(n) < 0.8)
    n_child = np.where(extended, 1, np.minimum(rest, 7))
    n_grand = np.where(extended, rest - 1 - has_inlaw, 0)
    # the remaining members (rest - n_child - has_inlaw - n_grand) are parents or other relatives

    # role of each position (household x line), MICS HL3 codes
    position = np.arange(_MAX_SIZE)[None, :]
    end_spouse = (1 + has_spouse)[:, None]
    end_child = end_spouse + n_child[:, None]
    end_inlaw = end_child + has_inlaw[:, None]
    end_grand = end_inlaw + n_grand[:, None]
    end_all = size[:, None]
    other_role = np.where(head_age < 62, 6, 12)[:, None]
    role = np.select(
        [
            position == 0,
            position < end_spouse,
            position < end_child,
            position < end_inlaw,
            position < end_grand,
            position < end_all,
        ],
        [1, 2, 3, 4, 5, other_role],
        0,
    )
    present = role > 0

    # ages
    u = rng.random((n, _MAX_SIZE))
    female_head = ~head_male
    nuclear_mother_age = np.where(
        female_head, head_age, np.where(has_spouse, spouse_age, head_age - 3)
    )
    son_age = np.clip(head_age - 25 + np.round(rng.normal(0, 3, n)), 18, head_age - 16)
    inlaw_age = np.maximum(18, son_age - 2 + np.round(rng.normal(0, 2, n)))
    grand_mother_age = np.where(has_inlaw, inlaw_age, son_age - 2)

    def children_ages(mother_age: np.ndarray) -> np.ndarray:
        low = np.maximum(0, mother_age - 44)[:, None]
        high = np.maximum(low + 1, (mother_age - 17)[:, None])
        return low + np.floor(u * (high - low))

    age = np.select(
        [
            role == 1,
            role == 2,
            (role == 3) & ~extended[:, None],
            role == 3,
            role == 4,
            role == 5,
            role == 6,
            role == 12,
        ],
        [
            np.broadcast_to(head_age[:, None], u.shape),
            np.broadcast_to(spouse_age[:, None], u.shape),
            children_ages(nuclear_mother_age),
            np.broadcast_to(son_age[:, None], u.shape),
            np.broadcast_to(inlaw_age[:, None], u.shape),
            children_ages(grand_mother_age),
            head_age[:, None] + 21 + np.floor(u * 9),
            8 + np.floor(u * 60),
        ],
        -1,
    ).astype(float)

    # sex: 1 male, 2 female
    coin = rng.random((n, _MAX_SIZE))
    head_sex = np.where(head_male, 1, 2)[:, None]
    sex = np.select(
        [role == 1, role == 2, (role == 3) & extended[:, None], role == 4, role == 6],
        [head_sex, 3 - head_sex, 1, 2, np.where(coin < 0.7, 2, 1)],
        np.where(coin < 0.512, 1, 2),
    )

    # mother (HL12) and mother or caretaker (HL20) of members under 18
    nuclear_mother_line = np.where(female_head, 1, np.where(has_spouse, 2, 0))
    grand_mother_line = np.where(has_inlaw, 1 + has_spouse + 1 + 1, 0)
    mother = np.select(
        [(role == 3) & ~extended[:, None], role == 5],
        [nuclear_mother_line[:, None], grand_mother_line[:, None]],
        0,
    ).astype(float)
    woman_of_couple = np.where(female_head, 1, np.where(has_spouse, 2, 1))[:, None]
    caretaker = np.where(mother > 0, mother, woman_of_couple).astype(float)
    emancipated = (age >= 15) & (age <= 17) & (mother == 0) & (rng.random((n, _MAX_SIZE)) < 0.5)
    caretaker[emancipated] = 90
    minor = age < 18
    mother[~minor] = np.nan
    caretaker[~minor] = np.nan

    # flatten to one row per member
    rows = np.nonzero(present)
    household = hh[rows[0]]
    line = rows[1] + 1.0
    education, attending, level, schage = _education(
        sample, household, age[rows], _rng(sample.seed, "education")
    )
    return _Members(
        household=household,
        line=line,
        role=role[rows].astype(float),
        sex=sex[rows].astype(float),
        age=age[rows],
        mother=mother[rows],
        caretaker=caretaker[rows],
        education=education,
        attending=attending,
        level=level,
        schage=schage,
    )


def _wealth_latent(sample: _Sample, households: np.ndarray) -> np.ndarray:
    """Household wealth on a latent scale, before the head's education is added."""
    cluster = sample.hh_cluster[households]
    region = sample.cluster_region[cluster] - 1
    development = np.array([r.development for r in REGIONS])
    return (
        0.6 * development[region]
        + 0.5 * (sample.cluster_area[cluster] == 1)
        + 0.55 * sample.cluster_effect["wealth"][cluster]
        + 0.75 * sample.household_effect["wealth"][households]
    )


def _education(
    sample: _Sample, household: np.ndarray, age: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ED5A (highest level attended), ED9 and ED10A (current attendance) and schage."""
    n = age.size
    wealth = _wealth_latent(sample, household)
    adult_latent = wealth + rng.normal(0, 1, n) - 0.012 * (age - 40)
    adult_level = _ordered(adult_latent, [-3.6, -3.1, -1.9, -0.45, 0.55], [0, 1, 2, 3, 4, 5])
    young_adult_level = _ordered(wealth + rng.normal(0, 1, n), [-0.6, 0.4], [3, 4, 5])
    education = np.select(
        [age < 5, age < 7, age < 11, age < 16, age < 18, age < 25],
        [np.nan, 0, 1, 2, 3, young_adult_level],
        adult_level,
    )
    education = np.where(age >= 25, _special(rng, education, {8: 0.003, 9: 0.001}), education)

    schage = np.where((age >= 5) & (age <= 24), np.maximum(age - (rng.random(n) < 0.35), 0), np.nan)
    p_attend = np.select(
        [schage < 5, schage < 7, schage < 16, schage < 18, schage < 25],
        [0.0, 0.75, 0.985, 0.9, np.clip(0.7 - 0.08 * (schage - 18), 0.1, 1)],
        0.0,
    )
    attending = rng.random(n) < p_attend + 0.02 * np.clip(wealth, -2, 2)
    level = np.select(
        [schage < 7, schage < 11, schage < 16, schage < 18],
        [0, 1, 2, np.where(rng.random(n) < 0.25, 4, 3)],
        np.where(rng.random(n) < 0.7, 5, 4),
    ).astype(float)
    # a few children are behind (still in the previous level)
    behind = (rng.random(n) < 0.02) & (level >= 1) & (level <= 3)
    level = np.where(behind, level - 1, level)
    in_scope = ~np.isnan(schage)
    return (
        education,
        _blank(_yes_no(attending), in_scope),
        _blank(level, in_scope & attending),
        schage,
    )


def _weighted_quintile(score: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Quintile (1-5) of ``score`` with cut points from the ``weight``-weighted distribution."""
    order = np.argsort(score, kind="stable")
    cumulative = np.cumsum(weight[order])
    middle = (cumulative - weight[order] / 2.0) / cumulative[-1]
    quintile = np.empty(score.size)
    quintile[order] = np.minimum(np.floor(middle * 5) + 1, 5)
    return quintile


def _normalise(raw: np.ndarray, completed: np.ndarray) -> np.ndarray:
    """Normalised weight: sums to the number of completed cases, 0 for the others."""
    total = raw[completed].sum()
    scale = completed.sum() / total if total > 0 else 0.0
    return np.where(completed, raw * scale, 0.0)


def _response_adjusted(base: np.ndarray, stratum: np.ndarray, completed: np.ndarray) -> np.ndarray:
    """``base`` divided by the response rate of the unit's stratum (MICS non-response step)."""
    n_strata = int(stratum.max()) + 1
    eligible = np.bincount(stratum, minlength=n_strata).astype(float)
    done = np.bincount(stratum, completed.astype(float), minlength=n_strata)
    rate = np.divide(done, eligible, out=np.ones(n_strata), where=eligible > 0)
    rate = np.where(rate > 0, rate, 1.0)
    return base / rate[stratum]


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Household-level arrays shared by the person files (internal)."""

    sample: _Sample
    completed: np.ndarray
    hh_raw_weight: np.ndarray
    hhweight: np.ndarray
    windex5: np.ndarray
    wealth_z: np.ndarray
    helevel: np.ndarray
    ethnicity: np.ndarray
    water_elsewhere: np.ndarray
    counts: dict[str, np.ndarray]

    def background(self, households: np.ndarray) -> dict[str, np.ndarray]:
        s = self.sample
        cluster = s.hh_cluster[households]
        return {
            "HH6": s.cluster_area[cluster].astype(float),
            "HH7": s.cluster_region[cluster].astype(float),
            "stratum": s.cluster_stratum[cluster].astype(float),
            "PSU": cluster + 1.0,
            "windex5": self.windex5[households],
            "helevel": self.helevel[households],
            "ethnicity": self.ethnicity[households],
        }

    def keys(self, households: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "HH1": self.sample.hh_cluster[households] + 1.0,
            "HH2": self.sample.hh_number[households],
        }


def _education_recode(values: np.ndarray) -> np.ndarray:
    """ED5A -> welevel/helevel/melevel codes: levels 0-5 kept, DK and no response -> 9."""
    return np.where(np.isin(values, (8, 9)), 9.0, values)


def _households_file(sample: _Sample, members: _Members) -> tuple[pd.DataFrame, _Context]:
    rng = _rng(sample.seed, "households")
    n = sample.hh_cluster.size
    completed = sample.hh_result == 1
    cluster = sample.hh_cluster
    stratum = sample.cluster_stratum[cluster]
    urban = sample.cluster_area[cluster] == 1
    city = np.isin(sample.cluster_region[cluster], list(_CITIES))

    def count(mask: np.ndarray) -> np.ndarray:
        out = np.bincount(members.household[mask], minlength=n).astype(float)
        return _blank(out, completed)

    age = members.age
    counts = {
        "HH48": count(np.ones(age.size, dtype=bool)),
        "HH49": count((members.sex == 2) & (age >= 15) & (age <= 49)),
        "HH51": count(age < 5),
        "HH52": count((age >= 5) & (age <= 17)),
    }

    # weights: design weight / household response rate of the stratum, normalised
    raw = _response_adjusted(sample.cluster_design_weight[cluster], stratum, completed)
    hhweight = _normalise(raw, completed)

    # head of household
    head = members.line == 1
    head_of = np.full(n, -1)
    head_of[members.household[head]] = np.flatnonzero(head)
    has_head = head_of >= 0
    head_sex = _blank(np.where(has_head, members.sex[head_of], 0), completed)
    helevel = _blank(
        _education_recode(np.where(has_head, members.education[head_of], 0)), completed
    )

    # wealth index: score from latent wealth, the head's education and noise; quintiles of
    # household members (weights hhweight * HH48), as MICS does
    latent = _wealth_latent(sample, np.arange(n))
    head_education = np.where(has_head & (helevel <= 5), helevel, 3)
    score = latent + 0.12 * (head_education - 3) + rng.normal(0, 0.3, n)
    score_z = (score - score[completed].mean()) / score[completed].std()
    member_weight = hhweight * np.nan_to_num(counts["HH48"])
    windex5 = np.full(n, np.nan)
    windex5[completed] = _weighted_quintile(score_z[completed], member_weight[completed])
    wscore = _blank(np.round(score_z, 5), completed)

    # ethnicity of the head: cluster mix around the regional mix (groups live together)
    region_mix = np.array([r.ethnicity for r in REGIONS])[sample.cluster_region - 1]
    cluster_mix = rng.gamma(region_mix * 6.0 + 1e-3)
    cluster_mix /= cluster_mix.sum(axis=1, keepdims=True)
    ethnicity = _blank(_choice(rng, [1, 2, 3, 4, 5, 6], cluster_mix[cluster]), completed)

    wz = np.nan_to_num(score_z)
    infrastructure = sample.household_effect["infrastructure"]

    # drinking water: ordered from worst to best source on an infrastructure scale
    water = (
        0.8 * wz
        + 0.9 * urban
        + 0.4 * city
        + sample.effect("water", np.arange(n), 0.35, 0.8)
        + 0.5 * infrastructure
    )
    ws1 = _ordered(
        water + rng.logistic(0, 0.5, n),
        [-3.4, -3.1, -2.9, -2.75, -2.6, -2.3, -1.8, -1.0, -0.75, -0.55, -0.15],
        [81, 42, 32, 71, 61, 41, 31, 21, 14, 13, 12, 11],
    )
    bottled = rng.random(n) < 0.01 + 0.03 * city
    ws1 = np.where(bottled, 91, ws1)
    ws1 = _special(rng, ws1, {96: 0.001, 99: 0.0005})
    ws3 = np.select(
        [
            ws1 == 11,
            ws1 == 12,
            np.isin(ws1, (21, 31)) & (rng.random(n) < 0.5),
            np.isin(ws1, (91, 96, 99)),
        ],
        [1, 2, 2, np.nan],
        3,
    )
    minutes = np.clip(np.round(np.exp(rng.normal(2.3, 0.7, n))), 1, 240)
    ws4 = np.where(ws3 == 3, np.where(rng.random(n) < 0.03, 998, minutes), np.nan)

    sanitation = (
        0.9 * wz
        + 1.2 * urban
        + 0.5 * city
        + sample.effect("sanitation", np.arange(n), 0.4, 0.75)
        + 0.4 * infrastructure
    )
    ws11 = _ordered(
        sanitation + rng.logistic(0, 0.5, n),
        [-4.0, -3.8, -2.4, -0.6, -0.3, -0.15, 0.7],
        [95, 41, 23, 22, 21, 13, 12, 11],
    )
    ws11 = _special(rng, ws11, {31: 0.001, 14: 0.001, 96: 0.001, 99: 0.0005})
    ws15 = _yes_no(_yes(rng, -3.3 - 0.4 * wz + 0.6 * urban, n))
    ws15 = np.where(ws11 == 95, np.nan, _special(rng, ws15, {9: 0.001}))

    hw1 = np.where(
        ws3 == 1,
        _codes(rng, n, {1: 0.97, 2: 0.0, 3: 0.01, 4: 0.0, 5: 0.02}),
        _codes(rng, n, {1: 0.35, 2: 0.35, 3: 0.15, 4: 0.12, 5: 0.03}),
    )
    observed = hw1 <= 3
    hw2 = _blank(_yes_no(_yes(rng, 3.5 + 0.5 * wz, n)), observed)
    hw3 = _blank(_yes_no(_yes(rng, 3.0 + 0.6 * wz + 0.3 * urban, n)), observed)

    clean = 2.8 + 1.2 * wz + 1.5 * urban + sample.effect("sanitation", np.arange(n), 0.3, 0.8)
    eu1 = np.where(
        _yes(rng, clean, n),
        _codes(rng, n, {1: 0.25, 3: 0.35, 4: 0.40}),
        _codes(rng, n, {6: 0.03, 7: 0.3, 8: 0.62, 9: 0.02, 96: 0.03}),
    )
    eu1 = np.where(rng.random(n) < 0.004, 97, eu1)
    eu4 = np.where(
        np.isin(eu1, (6, 7, 8, 9)),
        _codes(rng, n, {4: 0.62, 5: 0.04, 6: 0.26, 7: 0.02, 8: 0.05, 96: 0.01}),
        np.nan,
    )

    hc8 = _codes(rng, n, {1: 0.997, 2: 0.002, 3: 0.001})
    hc11 = _yes_no(_yes(rng, 0.3 + 1.1 * wz + 0.5 * urban, n))
    hc12 = _yes_no(_yes(rng, 5.0 + wz, n))
    hc13 = _yes_no(
        _yes(
            rng, 1.9 + 0.9 * wz + 0.5 * urban + sample.effect("internet", np.arange(n), 0.3, 0.6), n
        )
    )
    hc13 = _special(rng, hc13, {9: 0.001})

    ctx = _Context(
        sample=sample,
        completed=completed,
        hh_raw_weight=raw,
        hhweight=hhweight,
        windex5=windex5,
        wealth_z=wz,
        helevel=helevel,
        ethnicity=ethnicity,
        water_elsewhere=completed & (ws3 == 3),
        counts=counts,
    )

    def interviewed(values: np.ndarray) -> np.ndarray:
        return _blank(values, completed)

    frame = pd.DataFrame(
        {
            **ctx.keys(np.arange(n)),
            **{
                k: v
                for k, v in ctx.background(np.arange(n)).items()
                if k in ("HH6", "HH7", "stratum", "PSU")
            },
            "HH46": sample.hh_result,
            **counts,
            "HHSEX": head_sex,
            "helevel": helevel,
            "ethnicity": ethnicity,
            "HC8": interviewed(hc8),
            "HC11": interviewed(hc11),
            "HC12": interviewed(hc12),
            "HC13": interviewed(hc13),
            "WS1": interviewed(ws1),
            "WS3": interviewed(ws3),
            "WS4": interviewed(ws4),
            "WS11": interviewed(ws11),
            "WS15": interviewed(ws15),
            "HW1": interviewed(hw1),
            "HW2": interviewed(hw2),
            "HW3": interviewed(hw3),
            "EU1": interviewed(eu1),
            "EU4": interviewed(eu4),
            "wscore": wscore,
            "windex5": windex5,
            "hhweight": hhweight,
        }
    )
    return frame, ctx


def _members_file(ctx: _Context, members: _Members) -> pd.DataFrame:
    hl6 = np.minimum(members.age, 95)
    rng = _rng(ctx.sample.seed, "listing")
    hl6 = np.where((members.age >= 60) & (rng.random(hl6.size) < 0.002), 98, hl6)
    return pd.DataFrame(
        {
            **ctx.keys(members.household),
            "HL1": members.line,
            "HL3": members.role,
            "HL4": members.sex,
            "HL6": hl6,
            "HL12": members.mother,
            "HL20": members.caretaker,
            "ED5A": members.education,
            "ED9": members.attending,
            "ED10A": members.level,
            "schage": members.schage,
            **ctx.background(members.household),
            "hhweight": ctx.hhweight[members.household],
        }
    )


def _result(rng: np.random.Generator, logit: np.ndarray, n: int) -> np.ndarray:
    """Individual interview result: 1 completed, else a reason for non-response."""
    done = _yes(rng, logit, n)
    other = _codes(rng, n, {2: 0.55, 3: 0.2, 4: 0.1, 5: 0.05, 96: 0.1})
    return np.where(done, 1.0, other)


def _adults_file(ctx: _Context, members: _Members, sex: int) -> pd.DataFrame:
    """Women's (sex 2) or men's (sex 1, every second household) questionnaire file."""
    sample = ctx.sample
    women = sex == 2
    prefix = "" if women else "M"
    rng = _rng(sample.seed, "women" if women else "men")
    eligible = (members.sex == sex) & (members.age >= 15) & (members.age <= 49)
    if not women:
        eligible &= sample.hh_position[members.household] % 2 == 0
    person = np.flatnonzero(eligible)
    hh = members.household[person]
    n = person.size
    age = members.age[person]
    role = members.role[person]
    cluster = sample.hh_cluster[hh]
    urban = sample.cluster_area[cluster] == 1
    city = np.isin(sample.cluster_region[cluster], list(_CITIES))
    wz = ctx.wealth_z[hh]

    response = (
        (3.6 if women else 2.9) - 0.9 * city + 0.4 * sample.cluster_effect["response"][cluster]
    )
    result = _result(rng, response, n)
    done = result == 1

    def asked(values: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        return _blank(values, done if keep is None else done & keep)

    education = _education_recode(members.education[person])
    age_group = np.floor((age - 15) / 5) + 1

    # marital status
    # couples: head and spouse, and the son living with his wife (HL3 4) in extended households
    couple = (
        np.isin(role, (2, 4))
        | ((role == 1) & _has_member(members, hh, role=2))
        | ((role == 3) & _has_member(members, hh, role=4))
    )
    ever = couple | _yes(rng, (age - 27) / 2.5 - 0.8, n)
    formerly = ~couple & ever
    mstatus = np.where(couple, 1, np.where(formerly, 2, 3))
    mstatus = _special(rng, mstatus, {9: 0.002})
    age_union = np.minimum(np.round(rng.normal(21.5 if women else 25, 3.0, n)), age)
    age_union = np.maximum(age_union, 13)
    wagem = np.where(np.isin(mstatus, (1, 2)), age_union, np.nan)

    # subjective well-being: one latent per person with regional, cluster and household parts
    wellbeing = (
        ctx.sample.effect("wellbeing", hh, 0.35, 0.22)
        + 0.2 * wz
        + 0.4 * sample.household_effect["wellbeing"][hh]
        - 0.012 * (age - 30)
        + rng.normal(0, 0.9, n)
    )
    ls2 = np.clip(np.round(7.3 + (1.45 if women else 1.4) * wellbeing), 0, 10)
    ls2 = _special(rng, ls2, {99: np.where(city, 0.03, 0.012)})
    ls1 = _ordered(wellbeing + rng.normal(0, 0.9, n), [-3.1, -2.3, -1.45, 0.6], [5, 4, 3, 2, 1])
    ls1 = _special(rng, ls1, {9: 0.005})
    ls3 = _ordered(0.6 * wellbeing + rng.normal(0, 1, n), [-1.6, 0.3], [3, 2, 1])
    ls3 = _special(rng, ls3, {8: 0.02, 9: 0.003})
    ls4 = _ordered(
        0.6 * wellbeing - 0.02 * (age - 30) + rng.normal(0, 1, n), [-1.9, -0.35], [3, 2, 1]
    )
    ls4 = _special(rng, ls4, {8: 0.1, 9: 0.003})

    # ICT: computer, internet, mobile phone
    digital = (
        ctx.sample.effect("internet", hh, 0.45, 0.5) + 0.6 * wz + 0.6 * urban - 0.05 * (age - 30)
    )
    mt4 = _special(rng, _yes_no(_yes(rng, 0.6 + digital, n)), {9: 0.001})
    mt5 = _ordered(digital + rng.normal(0, 1, n), [-1.4, -0.4, 0.5], [4, 3, 2, 1])
    mt9 = _special(rng, _yes_no(_yes(rng, 2.6 + digital, n)), {9: 0.001})
    mt10 = _ordered(digital + rng.normal(0, 1, n), [-2.4, -1.7, -0.9], [4, 3, 2, 1])
    mt11 = _special(rng, _yes_no(_yes(rng, 3.4 + 0.8 * digital, n)), {9: 0.001})
    mt12 = _ordered(digital + rng.normal(0, 1, n), [-3.0, -2.4, -1.8], [4, 3, 2, 1])

    # attitudes towards wife beating (DV1A-E)
    attitude = (
        ctx.sample.effect("attitudes", hh, 0.5, 0.45)
        - 0.4 * wz
        - 0.3 * (education >= 5)
        + 0.3 * sample.household_effect["parenting"][hh]
        + rng.normal(0, 0.8, n)
        - (3.6 if women else 3.3)
    )
    dv = {
        f"{prefix}DV1{item}": asked(
            _special(rng, _yes_no(_yes(rng, attitude + shift, n)), {8: 0.015})
        )
        for item, shift in zip("ABCDE", (0.0, 0.4, -0.3, -0.8, -1.2), strict=True)
    }

    difficulty = _yes_no(_yes(rng, -4.3 + 0.04 * (age - 18), n))
    columns: dict[str, np.ndarray] = {
        **ctx.keys(hh),
        "LN": members.line[person],
        "WM17" if women else "MWM17": result,
        f"{prefix}WB4": asked(age),
        f"{prefix}WAGE": asked(age_group),
        "welevel" if women else "mwelevel": asked(education),
        f"{prefix}MSTATUS": asked(mstatus),
    }
    if women:
        columns["WAGEM"] = asked(wagem)
        cp2 = _special(
            rng, _yes_no(_yes(rng, 0.2 - 0.05 * np.abs(age - 33) + 0.2 * wz, n)), {9: 0.005}
        )
        columns["CP2"] = asked(cp2, mstatus == 1)
    columns.update(
        {
            f"{prefix}LS1": asked(ls1),
            f"{prefix}LS2": asked(ls2),
            f"{prefix}LS3": asked(ls3),
            f"{prefix}LS4": asked(ls4),
            f"{prefix}MT4": asked(mt4),
            f"{prefix}MT5": asked(mt5, mt4 == 1),
            f"{prefix}MT9": asked(mt9),
            f"{prefix}MT10": asked(mt10, mt9 == 1),
            f"{prefix}MT11": asked(mt11),
            f"{prefix}MT12": asked(mt12, mt11 == 1),
            **dv,
            "disability": asked(difficulty, age >= 18),
            **ctx.background(hh),
        }
    )
    raw = _response_adjusted(
        ctx.hh_raw_weight[hh] * (1.0 if women else 2.0), sample.cluster_stratum[cluster], done
    )
    columns["wmweight" if women else "mnweight"] = _normalise(raw, done)
    return pd.DataFrame(columns)


def _has_member(members: _Members, households: np.ndarray, role: int) -> np.ndarray:
    """True for each household given (one per row) that has a member with HL3 == ``role``."""
    has = np.zeros(int(members.household.max()) + 1, dtype=bool)
    has[members.household[members.role == role]] = True
    return has[households]


def _mother_education(
    members: _Members, person: np.ndarray, line_of_caretaker: np.ndarray
) -> np.ndarray:
    """melevel: education of the mother/caretaker (line ``line_of_caretaker``), 9 if unknown."""
    # member index of (household, line): members are sorted by household then line
    start = np.searchsorted(members.household, members.household[person])
    valid = (line_of_caretaker >= 1) & (line_of_caretaker < 90)
    index = np.where(valid, start + np.nan_to_num(line_of_caretaker).astype(int) - 1, 0)
    education = np.where(valid, members.education[index], 9.0)
    return np.where(np.isnan(education), 9.0, _education_recode(education))


def _discipline(
    rng: np.random.Generator, parenting: np.ndarray, prefix: str, asked: np.ndarray
) -> dict[str, np.ndarray]:
    """Child discipline items (A-K) from one latent per child; yes = 1, no = 2."""
    intercepts = {
        "A": (-1.2, 0.5), "B": (2.2, 0.2), "C": (-2.4, 1.0), "D": (-0.9, 1.0),
        "E": (0.3, 0.3), "F": (-1.9, 1.1), "G": (-3.9, 1.2), "H": (-2.7, 1.0),
        "I": (-4.3, 1.2), "J": (-2.2, 1.1), "K": (-6.2, 1.3),
    }  # fmt: skip
    n = parenting.size
    out = {}
    for item, (intercept, loading) in intercepts.items():
        values = _yes_no(_yes(rng, intercept + loading * parenting, n))
        out[f"{prefix}{item}"] = _blank(_special(rng, values, {8: 0.002, 9: 0.002}), asked)
    return out


def _children_file(ctx: _Context, members: _Members) -> pd.DataFrame:
    """Under-five questionnaire (ch): one row per child under 5 of completed households."""
    sample = ctx.sample
    rng = _rng(sample.seed, "children")
    person = np.flatnonzero(members.age < 5)
    hh = members.household[person]
    n = person.size
    cluster = sample.hh_cluster[hh]
    urban = sample.cluster_area[cluster] == 1
    city = np.isin(sample.cluster_region[cluster], list(_CITIES))
    wz = ctx.wealth_z[hh]
    years = members.age[person]
    months = years * 12 + rng.integers(0, 12, n)
    caretaker = members.caretaker[person]
    melevel = _mother_education(members, person, caretaker)

    result = _result(rng, 4.2 - 0.6 * city + 0.3 * sample.cluster_effect["response"][cluster], n)
    done = result == 1

    def asked(values: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        return _blank(values, done if keep is None else done & keep)

    registered = _yes(rng, 6.0 + 0.6 * wz + ctx.sample.effect("registration", hh, 0.6, 0.5), n)
    br1 = np.where(registered, np.where(rng.random(n) < 0.78, 1, 2), 3)
    br1 = _special(rng, br1, {8: 0.0015, 9: 0.0005})
    br2 = np.where(np.isin(br1, (3, 8)), _codes(rng, n, {1: 0.4, 2: 0.55, 8: 0.05}), np.nan)

    development = (
        ctx.sample.effect("ecd", hh, 0.4, 0.4)
        + 0.3 * wz
        + 0.4 * sample.household_effect["learning"][hh]
        + 0.15 * (melevel == 5)
        + rng.normal(0, 0.8, n)
    )
    age_effect = 0.08 * (months - 48)
    ecd_age = (months >= 36) & (months <= 59)
    ub8 = _yes(
        rng,
        0.6
        + 0.5 * wz
        + 0.4 * urban
        + ctx.sample.effect("ecd", hh, 0.5, 0.5)
        + 0.05 * (months - 48),
        n,
    )
    items = {
        "EC6": (-1.0, 1.0, True), "EC7": (-2.3, 1.0, True), "EC8": (-0.5, 1.0, True),
        "EC9": (4.0, 0.5, False), "EC10": (-2.8, -0.3, False), "EC11": (2.6, 0.7, False),
        "EC12": (1.9, 0.7, False), "EC13": (2.7, 0.6, False), "EC14": (-1.8, -0.5, False),
        "EC15": (-1.4, -0.5, False),
    }  # fmt: skip
    ecd = {}
    for name, (intercept, loading, aged) in items.items():
        logit = intercept + loading * development + (age_effect if aged else 0.0)
        values = _special(rng, _yes_no(_yes(rng, logit, n)), {8: 0.008, 9: 0.002})
        ecd[name] = asked(values, ecd_age)

    books = np.minimum(rng.poisson(np.exp(1.1 + 0.4 * wz + 0.2 * urban)), 10)
    alone = np.minimum(rng.poisson(np.exp(-2.8 - 0.3 * wz), n), 7)
    with_child = np.minimum(rng.poisson(np.exp(-2.2 - 0.2 * wz), n), 7)

    parenting = (
        ctx.sample.effect("parenting", hh, 0.45, 0.4)
        + 0.7 * sample.household_effect["parenting"][hh]
        - 0.2 * wz
        - 0.15 * (melevel == 5)
        + 0.2 * (years - 2)
        + rng.normal(0, 0.7, n)
    )
    discipline = _discipline(rng, parenting, "UCD2", done & (years >= 1))
    ucd5 = np.where(_yes(rng, -2.4 + 0.6 * parenting, n), 1, 2)
    ucd5 = _special(rng, ucd5, {8: 0.02})

    columns = {
        **ctx.keys(hh),
        "LN": members.line[person],
        "UF4": caretaker,
        "UF17": result,
        "HL4": members.sex[person],
        "UB2": years,
        "CAGE": months,
        "melevel": melevel,
        "disability": asked(_yes_no(_yes(rng, -3.6, n)), years >= 2),
        "BR1": asked(br1),
        "BR2": asked(br2),
        "UB8": asked(_special(rng, _yes_no(ub8), {8: 0.003, 9: 0.001}), ecd_age),
        "EC1": asked(books),
        "EC3A": asked(_special(rng, alone, {8: 0.003, 9: 0.001})),
        "EC3B": asked(_special(rng, with_child, {8: 0.003, 9: 0.001})),
        **ecd,
        **discipline,
        "UCD5": asked(ucd5),
        **ctx.background(hh),
    }
    raw = _response_adjusted(ctx.hh_raw_weight[hh], sample.cluster_stratum[cluster], done)
    columns["chweight"] = _normalise(raw, done)
    return pd.DataFrame(columns)


def _older_children_file(ctx: _Context, members: _Members) -> pd.DataFrame:
    """Children 5-17 questionnaire (fs): one randomly selected child 5-17 per household."""
    sample = ctx.sample
    rng = _rng(sample.seed, "older-children")
    candidates = np.flatnonzero((members.age >= 5) & (members.age <= 17))
    # random selection: the candidate with the smallest random key in its household
    key = rng.random(candidates.size)
    order = np.lexsort((key, members.household[candidates]))
    ordered = candidates[order]
    first = np.ones(ordered.size, dtype=bool)
    first[1:] = members.household[ordered][1:] != members.household[ordered][:-1]
    person = np.sort(ordered[first])
    hh = members.household[person]
    n = person.size
    cluster = sample.hh_cluster[hh]
    rural = sample.cluster_area[cluster] == 2
    city = np.isin(sample.cluster_region[cluster], list(_CITIES))
    wz = ctx.wealth_z[hh]
    age = members.age[person]
    girl = members.sex[person] == 2
    caretaker = members.caretaker[person]
    melevel = _mother_education(members, person, caretaker)

    result = _result(rng, 4.0 - 0.6 * city + 0.3 * sample.cluster_effect["response"][cluster], n)
    done = result == 1

    def asked(values: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        return _blank(values, done if keep is None else done & keep)

    parenting = (
        ctx.sample.effect("parenting", hh, 0.45, 0.4)
        + 0.7 * sample.household_effect["parenting"][hh]
        - 0.2 * wz
        - 0.15 * (melevel == 5)
        - 0.12 * (age - 8)
        + rng.normal(0, 0.7, n)
    )
    discipline = _discipline(rng, parenting, "FCD2", done & (age <= 14))
    fcd5 = np.where(_yes(rng, -2.4 + 0.6 * parenting, n), 1, 2)
    fcd5 = _special(rng, fcd5, {8: 0.02})

    # child labour: economic activities and household chores in the last week
    labour = (
        ctx.sample.effect("labour", hh, 0.5, 0.6)
        + 0.8 * rural
        - 0.3 * wz
        + 0.15 * (age - 11)
        + rng.normal(0, 0.8, n)
        - 4.4
    )
    cl1a = _special(rng, _yes_no(_yes(rng, labour + 0.9 * rural, n)), {9: 0.001})
    cl1b = _yes(rng, labour - 1.3, n)
    cl1c = _yes(rng, labour - 2.0, n)
    cl2 = _yes(rng, labour - 2.3 + 0.2 * np.maximum(age - 14, 0), n)
    working = (cl1a == 1) | cl1b | cl1c | cl2
    hours = np.clip(np.round(rng.gamma(1.3, 3.5 + 0.7 * (age - 5))), 1, 70)
    cl3 = _blank(_special(rng, hours, {98: 0.01}), working)
    hazard = {
        "CL4": -2.0, "CL5": -2.8, "CL6A": -3.0, "CL6B": -2.5, "CL6C": -3.4, "CL6D": -3.8,
        "CL6E": -4.0,
    }  # fmt: skip
    hazards = {
        name: asked(_yes_no(_yes(rng, intercept - 0.5 + 0.5 * (labour + 4.4), n)), working)
        for name, intercept in hazard.items()
    }
    cl7 = _yes(rng, -2.3 + 1.2 * rural + 1.0 * ctx.water_elsewhere[hh] + 0.06 * (age - 11), n)
    cl8 = _blank(_special(rng, np.clip(np.round(rng.gamma(1.5, 2.0, n)), 1, 30), {98: 0.01}), cl7)
    chores = {
        "CL9": _yes(rng, -0.5 + 0.15 * (age - 10), n),
        "CL10": _yes(rng, -1.3 + 0.2 * (age - 10) + 0.6 * girl, n),
        "CL11": _yes(rng, 0.2 + 0.2 * (age - 10) + 0.6 * girl, n),
        "CL12": _yes(rng, -1.8 + 0.1 * (age - 10) + 0.3 * girl, n),
    }
    any_chore = np.logical_or.reduce(list(chores.values()))
    chore_hours = np.clip(
        np.round(rng.gamma(1.6, np.maximum(1.8 + 0.3 * (age - 5) + 0.5 * (labour + 3), 0.5))), 1, 60
    )
    cl13 = _blank(_special(rng, chore_hours, {98: 0.01}), any_chore)

    # foundational learning (children 7-14)
    learning_age = (age >= 7) & (age <= 14)
    fl_result = _codes(
        rng, n, {1: 0.955, 2: 0.02, 3: 0.005, 4: 0.01, 5: 0.004, 6: 0.003, 96: 0.003}
    )
    fl28 = asked(fl_result, learning_age)
    assessed = fl28 == 1
    skill = (
        ctx.sample.effect("learning", hh, 0.4, 0.4)
        + 0.3 * wz
        + 0.5 * sample.household_effect["learning"][hh]
        + 0.15 * (np.where(melevel <= 5, melevel, 3) - 3)
        + 0.55 * (age - 9.5)
        + rng.normal(0, 0.7, n)
    )
    wrong = np.round(72 * _expit(-1.3 * skill - 3.0 + rng.normal(0, 0.6, n)))
    reading = {"FL20B": _blank(wrong, assessed)}
    for item, intercept in zip("ABCDE", (2.0, 1.8, 1.6, 0.8, 0.6), strict=True):
        answer = _yes_no(_yes(rng, intercept + 1.1 * skill, n))
        answer = np.where(rng.random(n) < _expit(-4.0 - skill), 9, answer)
        reading[f"FL22{item}"] = _blank(answer, assessed)
    numeracy = {}
    for stem, intercept in (("FL23", 3.8), ("FL24", 3.4), ("FL25", 2.6), ("FL27", 2.1)):
        for item in _FL_TASKS[stem][1]:
            answer = _yes_no(_yes(rng, intercept + 1.2 * skill, n))
            answer = np.where(rng.random(n) < _expit(-5.0 - skill), 9, answer)
            numeracy[f"{stem}{item}"] = _blank(answer, assessed)

    columns = {
        **ctx.keys(hh),
        "LN": members.line[person],
        "FS4": caretaker,
        "FS17": result,
        "HL4": members.sex[person],
        "CB3": age,
        "melevel": melevel,
        "disability": asked(_yes_no(_yes(rng, -3.3, n))),
        **discipline,
        "FCD5": asked(fcd5, age <= 14),
        "CL1A": asked(cl1a),
        "CL1B": asked(_yes_no(cl1b)),
        "CL1C": asked(_yes_no(cl1c)),
        "CL2": asked(_yes_no(cl2)),
        "CL3": asked(cl3),
        **hazards,
        "CL7": asked(_yes_no(cl7)),
        "CL8": asked(cl8),
        **{name: asked(_yes_no(flag)) for name, flag in chores.items()},
        "CL13": asked(cl13),
        "FL28": fl28,
        **reading,
        **numeracy,
        "HH52": ctx.counts["HH52"][hh],
        **ctx.background(hh),
    }
    raw = _response_adjusted(ctx.hh_raw_weight[hh], sample.cluster_stratum[cluster], done)
    fshweight = _normalise(raw, done)
    columns["fshweight"] = fshweight
    columns["fsweight"] = fshweight * columns["HH52"]
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------


def _metadata(name: str, frame: pd.DataFrame, language: str) -> Metadata:
    """Variable and value labels in ``language``; DK/NR codes declared missing in ``ch``."""
    index = LANGUAGES.index(language)
    catalogue = _variable_catalogue()
    variable_labels = {}
    value_labels: dict[str, dict[Any, str]] = {}
    for column in frame.columns:
        label, values = catalogue[column]
        variable_labels[column] = label[index]
        if values:
            value_labels[column] = {code: text[index] for code, text in values.items()}
    special = classify_special_codes(value_labels, variables=list(frame.columns))
    user_missing = {}
    if name in DECLARED_USER_MISSING:
        for column, codes in special.items():
            missing = sorted(c for c, category in codes.items() if category in MISSING_CATEGORIES)
            if missing:
                user_missing[column] = UserMissing(values=tuple(missing[:3]))
    file_label = f"{_SURVEY_LABEL[index]} - {_FILE_LABELS[name][index]}"
    return Metadata(
        file_label=file_label,
        variable_labels=variable_labels,
        value_labels=value_labels,
        user_missing=user_missing,
        special_codes=special,
    )


def _all_labels() -> dict[str, Any]:
    """Every variable's labels in the three languages (the ``labels.json`` side file)."""
    catalogue = _variable_catalogue()
    out: dict[str, Any] = {"languages": list(LANGUAGES), "files": {}, "variables": {}}
    for name in FILES:
        out["files"][name] = dict(zip(LANGUAGES, _FILE_LABELS[name], strict=True))
    for variable in sorted(catalogue):
        label, values = catalogue[variable]
        entry: dict[str, Any] = {"label": dict(zip(LANGUAGES, label, strict=True))}
        if values:
            entry["values"] = {
                str(code): dict(zip(LANGUAGES, text, strict=True)) for code, text in values.items()
            }
        out["variables"][variable] = entry
    return out


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def _check_arguments(seed: int, scale: float, language: str) -> None:
    check_option("language", language, LANGUAGES)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(
            f"seed={seed!r} is not valid; use a non-negative integer",
            option="seed",
            value=seed,
            valid=("a non-negative integer",),
        )
    if not isinstance(scale, int | float) or not (0 < float(scale) <= _MAX_SCALE):
        raise OptionError(
            f"scale={scale!r} is not valid; use a number in (0, {_MAX_SCALE:g}]",
            option="scale",
            value=scale,
            valid=(f"a number in (0, {_MAX_SCALE:g}]",),
        )


def generate(
    seed: int = DEFAULT_SEED, scale: float = 1.0, language: Language = "en"
) -> dict[str, SurveyData]:
    """Generate the six files of the synthetic survey in memory.

    Parameters
    ----------
    seed : int, default :data:`DEFAULT_SEED`
        Seed of every random draw; the same seed, scale and generator version give identical
        frames.
    scale : float, default 1.0
        Multiplies the number of clusters of every stratum (at least 2 per stratum, so
        variances can be estimated): 1.0 gives 1,200 clusters and 24,000 households, 0.05
        about 80 clusters.
    language : {"en", "ru", "kk"}, default "en"
        Language of the variable, value and file labels.

    Returns
    -------
    dict of str to SurveyData
        Keys ``hh``, ``hl``, ``wm``, ``mn``, ``ch``, ``fs``; every column float64, sorted by
        ``HH1, HH2`` and the line number. ``meta.special_codes`` is filled from the labels;
        ``meta.user_missing`` declares the DK/no-response codes of ``ch`` only.

    Raises
    ------
    OptionError
        ``language`` is not one of :data:`LANGUAGES`, ``seed`` is not a non-negative integer,
        or ``scale`` is not in (0, 4].

    Notes
    -----
    Weights: the design weight of a cluster is ``N_h / (n_h * 20)`` times a cluster factor
    (``N_h`` households in stratum h, ``n_h`` clusters sampled); each file divides it by the
    response rate of its unit in the stratum (households; women; men, with a factor 2 for the
    one-in-two sub-sample of households; children under 5; children 5-17) and normalises it to
    sum to the number of completed interviews, 0 for the others. ``fsweight`` is
    ``fshweight * HH52``, as in MICS6.

    Examples
    --------
    >>> files = generate(scale=0.05)  # doctest: +SKIP
    >>> files["wm"].frame["wmweight"].sum() == (files["wm"].frame["WM17"] == 1).sum()
    ... # doctest: +SKIP
    True
    """
    _check_arguments(seed, scale, language)
    sample = _sample_design(int(seed), float(scale))
    members = _household_members(sample, sample.hh_result == 1)
    hh, ctx = _households_file(sample, members)
    frames = {
        "hh": hh,
        "hl": _members_file(ctx, members),
        "wm": _adults_file(ctx, members, sex=2),
        "mn": _adults_file(ctx, members, sex=1),
        "ch": _children_file(ctx, members),
        "fs": _older_children_file(ctx, members),
    }
    out = {}
    for name, frame in frames.items():
        frame = frame.astype("float64")
        out[name] = SurveyData(frame, _metadata(name, frame, language))
    return out


def write_survey(
    out: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    language: Language = "en",
) -> dict[str, Path]:
    """Generate the survey and write it to a folder.

    Parameters
    ----------
    out : str or path-like
        Folder to write to; created if absent. Existing files of the same names are replaced.
    seed, scale, language
        As for :func:`generate`.

    Returns
    -------
    dict of str to pathlib.Path
        ``hh`` ... ``fs`` -> their ``.sav`` files, plus ``labels`` (``labels.json``: every
        variable's labels in English, Russian and Kazakh) and ``manifest``
        (``manifest.json``: generator version, seed, scale, language, rows and SHA-256 of each
        file).

    Raises
    ------
    OptionError
        As for :func:`generate`.
    OutputError
        ``out`` exists and is not a folder, or a file cannot be written.

    Notes
    -----
    Files are written with :func:`mics_toolkit.write` (atomic). The creation date and time in
    the SPSS header are set to a fixed value, so the same arguments give byte-identical files.
    """
    folder = Path(os.fspath(out))
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"cannot write the survey to {folder}: it is not a folder", path=str(folder)
        )
    data = generate(seed=seed, scale=scale, language=language)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot create the folder {folder}: {error.strerror or error}", path=str(folder)
        ) from error
    paths: dict[str, Path] = {}
    for name, survey in data.items():
        path = mt.write(survey, folder / f"{name}.sav")
        _fix_sav_timestamp(path)
        paths[name] = path
    paths["labels"] = _write_json(folder / LABELS_FILE, _all_labels())
    manifest = _manifest_fields(seed, scale, language)
    manifest["files"] = {
        path.name: {"rows": int(data[name].frame.shape[0]), "sha256": _sha256(path)}
        for name, path in paths.items()
        if name in data
    }
    manifest["files"][LABELS_FILE] = {"sha256": _sha256(paths["labels"])}
    paths["manifest"] = _write_json(folder / MANIFEST, manifest)
    return paths


def load_or_generate(
    folder: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    language: Language = "en",
) -> Path:
    """Return a folder holding the example survey, generating it only when needed.

    Parameters
    ----------
    folder : str or path-like
        Cache folder (e.g. ``build/kz_mics``).
    seed, scale, language
        As for :func:`generate`.

    Returns
    -------
    pathlib.Path
        ``folder``, now holding ``hh.sav`` ... ``fs.sav``, ``labels.json`` and ``manifest.json``.

    Raises
    ------
    OptionError, OutputError
        As for :func:`write_survey`.

    Notes
    -----
    The cached copy is reused when ``manifest.json`` records the same generator version,
    seed, scale and language and every file listed there exists with the recorded SHA-256;
    otherwise the survey is generated and written again.
    """
    _check_arguments(seed, scale, language)
    path = Path(os.fspath(folder))
    if not _cache_is_valid(path, _manifest_fields(seed, scale, language)):
        write_survey(path, seed=seed, scale=scale, language=language)
    return path


def _manifest_fields(seed: int, scale: float, language: str) -> dict[str, Any]:
    return {
        "generator": "examples/kz_mics/generate.py",
        "version": GENERATOR_VERSION,
        "seed": int(seed),
        "scale": float(scale),
        "language": language,
    }


def _cache_is_valid(folder: Path, expected: Mapping[str, Any]) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in expected.items()):
        return False
    files = manifest.get("files")
    wanted = {f"{name}.sav" for name in FILES} | {LABELS_FILE}
    if not isinstance(files, dict) or set(files) != wanted:
        return False
    for file_name, entry in files.items():
        path = folder / file_name
        if (
            not path.is_file()
            or not isinstance(entry, dict)
            or _sha256(path) != entry.get("sha256")
        ):
            return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, content: Any) -> Path:
    """Write JSON (sorted keys, UTF-8, trailing newline) atomically."""
    text = json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OutputError(
            f"cannot write {path}: {error.strerror or error}", path=str(path)
        ) from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(
            f"cannot write {path}: {error.strerror or error}", path=str(path)
        ) from error
    return path


def _fix_sav_timestamp(path: Path) -> None:
    """Set the SPSS header's creation date and time to a fixed value (reproducible bytes)."""
    with path.open("r+b") as handle:
        if handle.read(4) not in (b"$FL2", b"$FL3"):
            return
        handle.seek(_SAV_STAMP_OFFSET)
        handle.write(_SAV_STAMP)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the example survey to ``--out``; print what was written."""
    parser = argparse.ArgumentParser(
        prog="generate.py",
        description="Write the synthetic Kazakhstan MICS example survey (hh, hl, wm, mn, ch, fs).",
    )
    parser.add_argument("--out", required=True, help="output folder (created if absent)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies the clusters per stratum (default 1.0: 1,200 clusters)",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="language of the labels in the .sav files (default en)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep an existing copy whose manifest matches (load_or_generate)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.reuse:
            folder = load_or_generate(
                args.out, seed=args.seed, scale=args.scale, language=args.lang
            )
            paths = {name: folder / f"{name}.sav" for name in FILES}
        else:
            paths = write_survey(args.out, seed=args.seed, scale=args.scale, language=args.lang)
    except mt.MicsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    manifest = json.loads((Path(args.out) / MANIFEST).read_text(encoding="utf-8"))
    for name in FILES:
        entry = manifest["files"][f"{name}.sav"]
        size = paths[name].stat().st_size / 1e6
        print(f"{paths[name]}  {entry['rows']:>7,d} rows  {size:6.1f} MB")
    print(f"seed {args.seed}, scale {args.scale:g}, labels in {args.lang}: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
