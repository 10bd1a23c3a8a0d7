"""Fixtures for the io tests: a small MICS-like women's file with Kazakh and Russian labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.io import Metadata, SurveyData, UserMissing


@pytest.fixture
def women() -> SurveyData:
    """Eight women: cluster, area, ladder score with 98/99 codes, happiness, education, name.

    - ``LS2`` (ladder 0-10): 98 "Білмеймін" (don't know), 99 "Нет ответа" (no response);
      99 is also declared user-missing (SPSS discrete value).
    - ``welevel``: 9 "Missing/DK"; codes 7-9 declared user-missing as a range.
    - ``WB4`` (age): 95 "95 және одан жоғары" (top code).
    """
    frame = pd.DataFrame(
        {
            "HH1": [1, 1, 2, 2, 3, 3, 4, 4],
            "HH6": [1, 1, 2, 2, 1, 2, 1, 2],
            "LS2": [5.0, 99.0, 7.0, 98.0, 10.0, 0.0, np.nan, 99.0],
            "LS1": [1, 2, 3, 9, 1, 2, 5, 1],
            "welevel": [1, 2, 8, 9, 3, 0, 1, 2],
            "WB4": [15, 24, 33, 95, 49, 18, 20, 95],
            "wmweight": [1.25, 0.5, 1.0, 2.0, 0.75, 1.5, 1.0, 1.0],
            "region": [
                "Астана",
                "Алматы",
                "Шымкент",
                "Астана",
                "Алматы",
                "Шымкент",
                "Астана",
                "Алматы",
            ],
        }
    )
    meta = Metadata(
        file_label="MICS7 Қазақстан, әйелдер",
        variable_labels={
            "HH1": "Кластер нөмірі",
            "HH6": "Аймақ / Тип местности",
            "LS2": "Өмірге қанағаттану",
            "LS1": "Удовлетворенность жизнью",
            "welevel": "Education",
            "WB4": "Age of woman",
            "wmweight": "Women's sample weight",
            "region": "Облыс",
        },
        value_labels={
            "HH6": {1: "Қала", 2: "Ауыл"},
            "LS2": {0: "Ең нашар", 10: "Ең жақсы", 98: "Білмеймін", 99: "Нет ответа"},
            "LS1": {
                1: "Очень счастлива",
                2: "Скорее счастлива",
                5: "Очень несчастлива",
                9: "Жауап жоқ",
            },
            "welevel": {0: "None", 1: "Primary", 2: "Secondary", 3: "Higher", 9: "Missing/DK"},
            "WB4": {95: "95 және одан жоғары"},
        },
        user_missing={
            "LS2": UserMissing(values=(99,)),
            "welevel": UserMissing(ranges=((7, 9),)),
        },
    )
    return SurveyData(frame, meta)
