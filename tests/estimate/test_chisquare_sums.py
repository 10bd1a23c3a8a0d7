"""The distribution of a linear combination of chi-squares (estimate/chisquare_sums.py):
exact where the answer is known in closed form, the two exact methods agree, and the
root finder is R's uniroot."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mics_toolkit.estimate.chisquare_sums import (
    _imhof_upper,
    brent_root,
    chisquare_sum_upper,
    f_sum_upper,
    satterthwaite_upper,
)


@pytest.mark.parametrize("x", [0.5, 3.0, 11.0, 40.0])
def test_equal_weights_are_a_scaled_chi_square(x):
    weights = np.full(4, 1.7)
    expected = stats.chi2.sf(x / 1.7, 4)
    for method in ("satterthwaite", "integration"):
        assert chisquare_sum_upper(x, weights, method) == pytest.approx(expected, rel=1e-9)


def test_f_sum_with_equal_weights_is_an_f_distribution():
    # sum_j a chi2_1 / (chi2_ddf / ddf) with k equal weights is a F_{k, ddf} scaled by a
    x, a, k, ddf = 9.0, 2.0, 3, 25.0
    expected = stats.f.sf(x / (a * k), k, ddf)
    assert f_sum_upper(x, np.full(k, a), ddf, "integration") == pytest.approx(expected,
                                                                             rel=1e-8)
    assert satterthwaite_upper(x, np.full(k, a), ddf) == pytest.approx(expected, rel=1e-12)


def test_exact_f_sum_matches_davies():
    # R: CompQuadForm::davies(0, c(a, -x / 37.3), c(1, 1, 1, 1, 37), acc = 1e-11)$Qq, the
    # probability of survey's pFsum(x, rep(1, 4), a, ddf = 37.3, method = "integration")
    weights = np.array([1.7, 0.9, 0.4, 2.3])
    expected = {2.0: 0.7909121897800484, 9.5: 0.16144597901452062,
                20.0: 0.019190261102293049}
    for x, value in expected.items():
        assert f_sum_upper(x, weights, 37.3, "integration") == pytest.approx(value, rel=1e-8)
        assert _imhof_upper(0.0, np.append(weights, -x / 37.3),
                            np.append(np.ones(4), 37.0)) == pytest.approx(value, rel=1e-8)


def test_saddlepoint_matches_r_survey():
    # R survey 4.1-1: pchisqsum(x, rep(1, 4), c(1.7, 0.9, 0.4, 2.3), lower.tail = FALSE,
    # method = "saddlepoint") and pFsum(..., ddf = 37.3, method = "saddlepoint")
    weights = np.array([1.7, 0.9, 0.4, 2.3])
    assert chisquare_sum_upper(9.5, weights, "saddlepoint") == pytest.approx(
        0.13698784310859424, rel=1e-12)
    assert f_sum_upper(9.5, weights, 37.3, "saddlepoint") == pytest.approx(
        0.1589824994291113, rel=1e-12)


def test_brent_root_finds_roots_to_its_tolerance():
    root = brent_root(lambda z: z**3 - 2.0, 0.0, 3.0, tol=1e-12)
    assert root == pytest.approx(2 ** (1 / 3), abs=1e-11)
    with pytest.raises(ValueError):
        brent_root(lambda z: z**2 + 1.0, -1.0, 1.0, tol=1e-8)
