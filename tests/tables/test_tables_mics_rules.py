"""MICS display rules on hand values: thresholds at 0, 24, 25, 49, 50 cases, rounding, marks,
footnote texts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mics_toolkit.errors import OptionError
from mics_toolkit.tables import mics_rules
from mics_toolkit.tables.mics_rules import (
    display_value,
    flag,
    flags,
    format_value,
    indicator_footnote,
    round_half_up,
    standard_footnotes,
)

CASES = [(0, "0 cases", "-"), (1, "<25", "*"), (24, "<25", "*"), (25, "25-49", "(45.7)"),
         (49, "25-49", "(45.7)"), (50, "", "45.7"), (5000, "", "45.7")]


@pytest.mark.parametrize(("n", "expected_flag", "text"), CASES)
def test_flag_and_text_at_each_threshold(n, expected_flag, text):
    assert flag(n) == expected_flag
    assert flags([n]).tolist() == [expected_flag]
    assert format_value(0.45678, n) == text


def test_missing_count_is_zero_cases():
    assert flag(None) == "0 cases"
    assert flag(float("nan")) == "0 cases"
    assert flags(np.array([np.nan, 30.0])).tolist() == ["0 cases", "25-49"]


def test_thresholds_are_arguments():
    assert flag(30, suppress_below=10, parentheses_below=20) == ""
    assert flag(15, suppress_below=10, parentheses_below=20) == "25-49"
    assert format_value(0.5, 9, suppress_below=10, parentheses_below=20) == "*"


def test_percentages_are_scaled_and_rounded_half_up():
    assert display_value(0.4567) == pytest.approx(45.67)
    assert format_value(0.0125) == "1.3"          # binary 1.25 would round to 1.2 with %.1f
    assert format_value(0.285) == "28.5"          # 0.285 * 100 = 28.499999999999996
    assert format_value(0.99996) == "100.0"
    assert format_value(-0.00001) == "0.0"        # no "-0.0"
    assert str(round_half_up(2.675, 2)) == "2.68"


def test_means_counts_and_stored_precision():
    value = 6.123456789
    assert format_value(value, 200, kind="number", decimals=2) == "6.12"
    assert format_value(value, 30, kind="number", decimals=3) == "(6.123)"
    assert format_value(12345.678, kind="count") == "12,346"
    assert format_value(0.45678, kind="percentage", decimals=2) == "45.68"
    assert value == 6.123456789  # plain values are never changed


def test_marks_override_values():
    assert format_value(float("nan"), 100) == "na"
    assert format_value(None) == "na"
    assert format_value(0.5, 100, flag_value="na") == "na"
    assert format_value(0.5, flag_value="0 cases") == "-"
    assert format_value(0.5, flag_value="<25") == "*"
    assert format_value(0.5, flag_value="25-49") == "(50.0)"
    assert format_value(0.5) == "50.0"  # no count: not marked


def test_bad_options_name_the_option():
    with pytest.raises(OptionError) as error:
        format_value(0.5, kind="percent")
    assert error.value.option == "kind"
    assert "percentage" in str(error.value)
    with pytest.raises(OptionError) as error:
        format_value(0.5, decimals=-1)
    assert error.value.option == "decimals"
    with pytest.raises(OptionError):
        format_value(0.5, flag_value="small")
    with pytest.raises(OptionError):
        standard_footnotes(lang="de")


def test_standard_footnotes_text_and_order():
    assert standard_footnotes() == [
        "( ) Figures that are based on 25-49 unweighted cases",
        "(*) Figures that are based on fewer than 25 unweighted cases",
        "- denotes 0 unweighted cases in the denominator",
        "na: not applicable",
    ]
    assert standard_footnotes({"0 cases", "25-49"}) == [
        "( ) Figures that are based on 25-49 unweighted cases",
        "- denotes 0 unweighted cases in the denominator",
    ]
    assert standard_footnotes(set()) == []
    assert standard_footnotes({"na"}, texts={"na": "na: n/a"}) == ["na: n/a"]
    for lang in ("ru", "kk"):
        texts = standard_footnotes(lang=lang)
        assert [t[:3] for t in texts] == ["( )", "(*)", texts[2][:3], "na:"]
        assert texts[2].startswith("- ")


def test_indicator_footnote():
    assert indicator_footnote(
        1, mics_code="PR.2", name="Violent discipline", sdg_code="16.2.1"
    ) == "[1] MICS indicator PR.2 - Violent discipline; SDG indicator 16.2.1"
    assert indicator_footnote(3, mics_code="PR.1") == "[3] MICS indicator PR.1"
    assert indicator_footnote(None, sdg_code="16.9.1") == "SDG indicator 16.9.1"
    assert indicator_footnote(
        2, mics_code="PR.2", name="Насилие", sdg_code="16.2.1", lang="ru"
    ) == "[2] Индикатор MICS PR.2 - Насилие; индикатор ЦУР 16.2.1"


def test_flags_cover_the_declared_set():
    values = flags([0, 3, 30, 300])
    assert set(values) <= set(mics_rules.FLAGS)
    assert math.isclose(display_value(2.5, "number"), 2.5)
