"""The sampling-error appendix: statistics per domain, limits r -+ 2 se, one table per domain,
rows grouped by universe."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tables_synthetic import APPENDIX_INDICATORS, AREA, REGION, SEX, TOTAL

from mics_toolkit.errors import SpecError
from mics_toolkit.tables import APPENDIX_COLUMNS, AppendixIndicator, sampling_errors


def test_frame_matches_estimator_results(design, estimates):
    errors = sampling_errors(estimates, APPENDIX_INDICATORS, [TOTAL, AREA])
    frame = errors.frame
    assert tuple(frame.columns) == APPENDIX_COLUMNS
    assert frame["domain"].tolist() == ["total", "total", "HH6=1", "HH6=1", "HH6=2", "HH6=2"]
    direct = design.mean("ladder", by="HH6")
    rural = frame.loc[(frame["domain"] == "HH6=2") & (frame["indicator"] == "EQ.9")].iloc[0]
    expected = direct.iloc[1]
    for name in ("estimate", "se", "cv", "deff", "deft", "n_weighted", "n_unweighted"):
        assert rural[name] == expected[name], name
    assert rural["r_minus_2se"] == expected["estimate"] - 2 * expected["se"]
    assert rural["r_plus_2se"] == expected["estimate"] + 2 * expected["se"]
    assert rural["cv"] == pytest.approx(expected["se"] / expected["estimate"])
    assert frame["n_unweighted"].dtype == np.int64


def test_domain_without_rows_has_no_statistics(estimates):
    errors = sampling_errors(estimates, APPENDIX_INDICATORS[:1], [REGION])
    empty = errors.to_frames()["HH7=6"].iloc[0]
    assert empty["n_unweighted"] == 0 and empty["n_weighted"] == 0
    assert math.isnan(empty["estimate"]) and math.isnan(empty["r_plus_2se"])
    assert list(errors.to_frames()) == [f"HH7={i}" for i in range(1, 7)]
    table = errors.to_tables()[-1]
    assert table.groups[0].rows[0].cells[2].shown == "-"   # value: 0 cases
    assert table.groups[0].rows[0].cells[7].shown == "0"   # weighted count


def test_tables_per_domain(estimates):
    errors = sampling_errors(estimates, APPENDIX_INDICATORS, [TOTAL, AREA, REGION])
    tables = errors.to_tables()
    assert len(tables) == 1 + 2 + 6
    assert [t.id for t in tables[:3]] == ["SE.1", "SE.2", "SE.3"]
    assert [t.title for t in tables[:3]] == [
        "Sampling errors: Total", "Sampling errors: Urban", "Sampling errors: Rural"]
    first = tables[0]
    assert [c.header for c in first.columns] == [
        ("MICS indicator",), ("Value (r)",), ("Standard error (se)",),
        ("Coefficient of variation (se/r)",), ("Design effect (deff)",),
        ("Square root of design effect (deft)",), ("Weighted count",), ("Unweighted count",),
        ("Confidence limits", "r - 2se"), ("Confidence limits", "r + 2se"),
    ]
    assert [g.label for g in first.groups] == ["Women"]
    happy, ladder = first.groups[0].rows
    assert happy.label == "Happiness" and happy.cells[0].shown == "EQ.10"
    total = estimates.iloc[0]
    assert happy.cells[1].value == total["estimate"]
    assert happy.cells[1].shown == f"{total['estimate']:.3f}"
    assert happy.cells[1].kind == "number"  # proportions shown as fractions
    assert ladder.cells[1].decimals == 2 and happy.cells[4].decimals == 2
    assert happy.cells[7].shown == "388"
    spanner = [h for h in first.header_cells() if h.text == "Confidence limits"]
    assert len(spanner) == 1 and spanner[0].last_column - spanner[0].first_column == 1


def test_universes_group_rows_and_languages(estimates):
    indicators = [
        AppendixIndicator("EQ.10", "Happy", {"en": "Women", "ru": "Женщины", "kk": "Әйелдер"}),
        AppendixIndicator("EQ.9", "Ladder", {"en": "Men", "ru": "Мужчины", "kk": "Ерлер"},
                          sdg_code="3.4"),
    ]
    errors = sampling_errors(estimates, indicators, [TOTAL])
    table = errors.to_tables("ru", title="Таблица {domain}")[0]
    assert table.title == "Таблица Всего"
    assert [g.label for g in table.groups] == ["Женщины", "Мужчины"]
    assert table.columns[0].header == ("Индикатор ЦУР",)
    assert table.groups[0].rows[0].cells[0].shown == ""
    assert "domain total" in errors.summary()


def test_appendix_errors(estimates):
    with pytest.raises(SpecError, match="by 'HL4'"):
        sampling_errors(estimates, APPENDIX_INDICATORS, [SEX])
    with pytest.raises(SpecError, match="twice"):
        sampling_errors(estimates, APPENDIX_INDICATORS * 2, [TOTAL])
