"""The one rule for weights stored as text: numbers converted with a warning, anything else an
error naming the variable and the count."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import TextWeightWarning, WeightError
from mics_toolkit.io import weight_from_text


def test_numeric_weights_are_returned_as_they_are():
    series = pd.Series([0.5, 1.5, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert weight_from_text(series, "wmweight") is series


@pytest.mark.parametrize("dtype", [object, "str"])
def test_text_of_numbers_becomes_numbers_with_a_warning(dtype):
    series = pd.Series([" 1.25", "0", "1e-3", None, "", "2"], dtype=dtype, index=[5, 6, 7, 8, 9, 10])
    with pytest.warns(TextWeightWarning) as caught:
        out = weight_from_text(series, "hhweight", file="hh.sav")
    assert str(caught[0].message) == (
        "weight variable 'hhweight' in hh.sav is stored as text; its 4 values were read as numbers"
    )
    assert out.dtype == np.float64 and list(out.index) == [5, 6, 7, 8, 9, 10]
    np.testing.assert_array_equal(out, [1.25, 0.0, 0.001, np.nan, np.nan, 2.0])


def test_text_that_is_not_numbers_is_a_weight_error_with_the_count():
    series = pd.Series(["1.0", "1,5", "abc", "abc", "NA?", "x", "2"])
    with pytest.raises(WeightError) as caught:
        weight_from_text(series, "wmweight", file="wm.sav")
    error = caught.value
    assert error.variable == "wmweight" and error.n_bad == 5
    assert str(error).startswith(
        "weight variable 'wmweight' in wm.sav is stored as text and 5 of its 7 values are not "
        "numbers (e.g. '1,5', 'abc', 'NA?', ...)"
    )
