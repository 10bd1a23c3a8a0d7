"""COINr's outlier rule: Excel SKEW/KURT, winsorisation one point at a time, the log
transform, and the frozen plan re-applied to replicates."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mics_toolkit.errors import OptionError, SpecError
from mics_toolkit.index import OutlierRule, kurtosis, skewness, treat_outliers


def test_excel_skew_and_kurt():
    x = np.array([1.0, 2.0, 3.0, 10.0, 4.5, np.nan])
    valid = x[~np.isnan(x)]
    n, m, s = valid.size, valid.mean(), valid.std(ddof=1)
    d = (valid - m) / s
    excel_skew = n / ((n - 1) * (n - 2)) * np.sum(d**3)
    excel_kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(d**4) - 3 * (n - 1) ** 2 / (
        (n - 2) * (n - 3)
    )
    assert skewness(x) == pytest.approx(excel_skew, rel=1e-12)
    assert kurtosis(x) == pytest.approx(excel_kurt, rel=1e-12)
    assert skewness(x) == pytest.approx(stats.skew(valid, bias=False), rel=1e-12)
    assert kurtosis(x) == pytest.approx(stats.kurtosis(valid, bias=False), rel=1e-12)
    assert np.isnan(skewness([1.0, 2.0])) and np.isnan(kurtosis([1.0, 2.0, 3.0]))


def test_untreated_when_the_rule_passes():
    x = np.arange(1.0, 11.0)
    treated, plan = treat_outliers(x)
    np.testing.assert_array_equal(treated, x)
    assert not plan.treated and plan.flags().tolist() == [""] * 10


def test_one_point_winsorised_on_the_high_tail():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
    # skew 3.119 >= 2 and kurt 9.80 >= 3.5: treat; 100 -> 9, then skew < 2: stop
    assert skewness(x) > 2 and kurtosis(x) > 3.5
    treated, plan = treat_outliers(x)
    np.testing.assert_array_equal(treated, [1, 2, 3, 4, 5, 6, 7, 8, 9, 9])
    assert plan.flags()[-1] == "winhi" and plan.n_winsorised == 1 and not plan.log


def test_low_tail_winsorised_when_skew_is_negative():
    x = np.array([-100.0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    treated, plan = treat_outliers(x)
    np.testing.assert_array_equal(treated, [1, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert plan.flags()[0] == "winlo"


def test_points_winsorised_one_at_a_time_until_the_rule_passes():
    x = np.array([*range(1, 21), 100.0, 120.0])
    # step 1: 120 -> 100, still fails; step 2: both 100s -> 20, passes
    step1 = np.r_[x[:-1], 100.0]
    assert abs(skewness(step1)) >= 2 and kurtosis(step1) >= 3.5
    step2 = np.r_[x[:-2], 20.0, 20.0]
    assert abs(skewness(step2)) < 2
    treated, plan = treat_outliers(x)
    np.testing.assert_array_equal(treated, step2)
    assert plan.n_winsorised == 2 and plan.flags()[-2:].tolist() == ["winhi", "winhi"]
    assert plan.flags()[-3] == ""


def test_log_when_five_winsorisations_are_not_enough():
    x = np.array([*range(1, 51), 500.0, 600, 700, 800, 900, 5000])
    treated, plan = treat_outliers(x)
    # COINr default (combine_treat = FALSE): log of the original values
    expected = np.log(x - 1 + 0.01 * (5000 - 1))
    np.testing.assert_allclose(treated, expected, rtol=1e-14)
    assert plan.log and not plan.winsorise and set(plan.flags()) == {"log"}
    combined, plan2 = treat_outliers(x, OutlierRule("coinr", combine=True))
    winsorised = np.r_[x[:50], [500.0] * 6]
    np.testing.assert_allclose(
        combined, np.log(winsorised - 1 + 0.01 * (500 - 1)), rtol=1e-14
    )
    assert plan2.n_winsorised == 5 and plan2.flags()[-1] == "winhi+log"


def test_frozen_plan_reproduces_the_nominal_treatment():
    rng = np.random.default_rng(4)
    for x in (
        np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0]),
        np.array([*range(1, 51), 500.0, 600, 700, 800, 900, 5000]),
        np.r_[rng.lognormal(0, 1.5, 30), np.nan],
    ):
        for rule in (OutlierRule("coinr"), OutlierRule("coinr", combine=True)):
            treated, plan = treat_outliers(x, rule)
            np.testing.assert_allclose(plan.apply(x[None, :])[0], treated, rtol=1e-14)


def test_rule_options():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
    treated, _ = treat_outliers(x, OutlierRule("none"))
    np.testing.assert_array_equal(treated, x)
    with pytest.raises(OptionError):
        OutlierRule("winsorise")
    with pytest.raises(SpecError, match="max_winsorised"):
        OutlierRule("coinr", max_winsorised=-1)
    assert OutlierRule.from_dict(OutlierRule("coinr").to_dict()) == OutlierRule("coinr")
