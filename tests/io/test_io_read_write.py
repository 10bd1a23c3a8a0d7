"""Round trips through .sav, .zsav and .dta, and the reader's options and errors."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mics_toolkit.errors import MicsWarning, OptionError, ReadError, VariableError
from mics_toolkit.io import SurveyData, UserMissing, read, write

FORMATS = ["sav", "zsav", "dta", "SAV", "DTA", "ZSAV"]


def _write(data: SurveyData, path) -> None:
    """Write, accepting the warning that Stata cannot declare user-missing values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MicsWarning)
        write(data, path)


@pytest.fixture
def sav_file(women, tmp_path):
    path = tmp_path / "wm.sav"
    write(women, path)
    return path


@pytest.fixture
def dta_file(women, tmp_path):
    path = tmp_path / "wm.dta"
    _write(women, path)
    return path


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_round_trip_values_and_labels(women, tmp_path, extension):
    path = tmp_path / f"wm.{extension}"
    _write(women, path)
    back = read(path, user_missing="keep")

    assert back.meta.file == str(path)
    assert back.meta.file_format == extension.lower()
    assert list(back.frame.columns) == list(women.frame.columns)
    for name in women.frame.columns:
        expected, got = women.frame[name], back.frame[name]
        if expected.dtype.kind in "if":
            np.testing.assert_array_equal(got.to_numpy(dtype=float), expected.to_numpy(dtype=float))
        else:
            assert got.tolist() == expected.tolist()
    assert back.meta.file_label == "MICS7 Қазақстан, әйелдер"
    assert back.meta.variable_labels == women.meta.variable_labels
    assert back.meta.value_labels == women.meta.value_labels
    assert back.labels("LS2")[98] == "Білмеймін"
    assert back.variable_label("LS1") == "Удовлетворенность жизнью"


@pytest.mark.parametrize("extension", ["sav", "zsav"])
def test_sav_round_trips_user_missing_values_and_ranges(women, tmp_path, extension):
    path = tmp_path / f"wm.{extension}"
    write(women, path)
    back = read(path, user_missing="keep")
    assert back.meta.user_missing["LS2"] == UserMissing(values=(99,))
    assert back.meta.user_missing["welevel"] == UserMissing(ranges=((7.0, 9.0),))
    assert set(back.meta.user_missing) == {"LS2", "welevel"}


def test_zsav_is_compressed(women, tmp_path):
    write(women, tmp_path / "wm.zsav")
    write(women, tmp_path / "wm.sav")
    assert (tmp_path / "wm.zsav").read_bytes()[:4] == b"$FL3"
    assert (tmp_path / "wm.sav").read_bytes()[:4] == b"$FL2"


def test_dta_value_labels_round_trip_but_user_missing_is_not_written(women, tmp_path):
    path = tmp_path / "wm.dta"
    with pytest.warns(MicsWarning, match="LS2, welevel"):
        write(women, path)
    back = read(path)
    assert back.meta.value_labels == women.meta.value_labels
    assert back.meta.user_missing == {}
    # without a declaration, 99 stays a value even with the default user_missing="missing"
    assert back.frame["LS2"].tolist()[:2] == [5.0, 99.0]


# --- defaults and options -----------------------------------------------------------------


def test_default_user_missing_become_nan_labelled_codes_stay(sav_file):
    data = read(sav_file)
    frame = data.frame
    # LS2: 99 declared -> NaN; 98 only labelled ("Білмеймін") -> stays
    assert frame["LS2"].isna().tolist() == [False, True, False, False, False, False, True, True]
    assert frame["LS2"].iloc[3] == 98
    # welevel: range 7-9 declared -> 8 and 9 NaN
    assert frame["welevel"].isna().tolist() == [False, False, True, True] + [False] * 4
    # LS1: 9 labelled "Жауап жоқ" but not declared -> stays
    assert frame["LS1"].tolist() == [1, 2, 3, 9, 1, 2, 5, 1]
    # declarations are still reported
    assert data.meta.user_missing["LS2"].values == (99,)


def test_user_missing_keep_keeps_codes(sav_file):
    frame = read(sav_file, user_missing="keep").frame
    assert frame["LS2"].tolist()[:2] == [5.0, 99.0]
    assert frame["welevel"].tolist() == [1, 2, 8, 9, 3, 0, 1, 2]


def test_special_codes_are_classified_from_labels(sav_file):
    meta = read(sav_file).meta
    assert meta.special_codes == {
        "LS2": {98: "dont_know", 99: "no_response"},
        "LS1": {9: "no_response"},
        "welevel": {9: "no_response"},
        "WB4": {95: "top_code"},
    }


@pytest.mark.parametrize("extension", ["sav", "dta"])
def test_special_codes_missing_turns_only_missing_categories_into_nan(women, tmp_path, extension):
    path = tmp_path / f"wm.{extension}"
    _write(women, path)
    frame = read(path, user_missing="keep", special_codes="missing").frame
    assert frame["LS2"].isna().tolist() == [False, True, False, True, False, False, True, True]
    assert frame["LS1"].isna().sum() == 1
    assert frame["welevel"].tolist()[3] != frame["welevel"].tolist()[3]  # 9 -> NaN
    assert frame["welevel"].iloc[2] == 8  # 8 is unlabelled: stays with user_missing="keep"
    # the top code 95 is a value
    assert (frame["WB4"] == 95).sum() == 2


def test_special_code_overrides(sav_file):
    data = read(
        sav_file,
        special_codes="missing",
        special_code_overrides={
            "WB4": {95: None},
            "LS2": {98: None, 10: "top_code"},
            "HH6": {2: "not_applicable"},
        },
    )
    assert data.meta.special_codes["LS2"] == {99: "no_response", 10: "top_code"}
    assert "WB4" not in data.meta.special_codes
    assert data.meta.special_codes["HH6"] == {2: "not_applicable"}
    assert data.frame["LS2"].iloc[3] == 98  # un-classified, kept
    assert data.frame["HH6"].isna().sum() == 4


def test_overrides_for_a_variable_not_read_are_checked_against_the_file(sav_file):
    data = read(sav_file, columns=["LS2"], special_code_overrides={"WB4": {95: None}})
    assert list(data.meta.special_codes) == ["LS2"]


def test_override_unknown_variable_suggests_close_names(sav_file):
    with pytest.raises(VariableError, match="ls2") as caught:
        read(sav_file, special_code_overrides={"ls2": {99: None}})
    assert caught.value.variable == "ls2"
    assert caught.value.close_matches[0] == "LS2"
    assert caught.value.file == str(sav_file)


def test_override_unknown_category_is_rejected(sav_file):
    with pytest.raises(OptionError, match="'no_response'"):
        read(sav_file, special_code_overrides={"LS2": {99: "refused"}})


@pytest.mark.parametrize(
    ("option", "value"),
    [("user_missing", "drop"), ("special_codes", "nan"), ("user_missing", True)],
)
def test_bad_option_values_are_rejected(sav_file, option, value):
    with pytest.raises(OptionError, match=option):
        read(sav_file, **{option: value})


# --- columns= -----------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["sav_file", "dta_file"])
def test_columns_reads_only_those_columns_in_the_order_given(request, fixture):
    path = request.getfixturevalue(fixture)
    data = read(path, columns=["LS2", "HH1", "region"])
    assert list(data.frame.columns) == ["LS2", "HH1", "region"]
    assert len(data.frame) == 8
    assert set(data.meta.variable_labels) == {"LS2", "HH1", "region"}
    assert set(data.meta.value_labels) == {"LS2"}
    assert set(data.meta.special_codes) == {"LS2"}


def test_columns_accepts_a_single_name(sav_file):
    assert list(read(sav_file, columns="HH6").frame.columns) == ["HH6"]


@pytest.mark.parametrize("fixture", ["sav_file", "dta_file"])
def test_unknown_column_names_file_and_suggests(request, fixture):
    path = request.getfixturevalue(fixture)
    with pytest.raises(VariableError) as caught:
        read(path, columns=["HH1", "hh6", "nonsense"])
    error = caught.value
    assert error.variable == "hh6"
    assert error.file == str(path)
    assert error.close_matches[0] == "HH6"
    message = str(error)
    assert str(path) in message and "HH6" in message and "nonsense" in message
    assert isinstance(error, LookupError)


def test_empty_columns_is_rejected(sav_file):
    with pytest.raises(ValueError, match="columns"):
        read(sav_file, columns=[])


# --- bad files ----------------------------------------------------------------------------


def _assert_read_error(path, fragment: str = "") -> ReadError:
    with pytest.raises(ReadError) as caught:
        read(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, OSError)
    return caught.value


def test_missing_file(tmp_path):
    _assert_read_error(tmp_path / "absent.sav", "does not exist")


def test_directory(tmp_path):
    folder = tmp_path / "folder.sav"
    folder.mkdir()
    _assert_read_error(folder, "directory")


@pytest.mark.parametrize("name", ["data.csv", "data", "data.sav.bak"])
def test_unknown_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"HH1,HH2\n1,2\n")
    _assert_read_error(path, "extension")


@pytest.mark.parametrize("extension", ["sav", "zsav", "dta"])
def test_random_bytes(tmp_path, extension):
    path = tmp_path / f"noise.{extension}"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 2000, dtype=np.uint8).tobytes())
    _assert_read_error(path)


@pytest.mark.parametrize("extension", ["sav", "zsav", "dta"])
def test_empty_file(tmp_path, extension):
    path = tmp_path / f"empty.{extension}"
    path.write_bytes(b"")
    _assert_read_error(path)


@pytest.mark.parametrize("extension", ["sav", "zsav", "dta"])
def test_truncated_real_file(women, tmp_path, extension):
    good = tmp_path / f"good.{extension}"
    _write(women, good)
    payload = good.read_bytes()
    bad = tmp_path / f"truncated.{extension}"
    bad.write_bytes(payload[: len(payload) // 2])
    _assert_read_error(bad)
    with pytest.raises(ReadError):
        read(bad, columns=["HH1"])


# --- inputs untouched, encoding, Stata specifics ------------------------------------------


@pytest.mark.parametrize("fixture", ["sav_file", "dta_file"])
def test_reading_never_modifies_the_file(request, fixture):
    path = request.getfixturevalue(fixture)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read(path)
    read(path, columns=["LS2"], user_missing="keep", special_codes="missing")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_encoding_is_passed_to_pyreadstat(tmp_path):
    # Stata 13 (dta 117) files do not record their encoding; pyreadstat writes UTF-8 bytes
    path = tmp_path / "old.dta"
    frame = pd.DataFrame({"HH6": [1.0, 2.0]})
    pyreadstat.write_dta(
        frame,
        path,
        version=13,
        column_labels={"HH6": "Өмірге қанағаттану"},
        variable_value_labels={"HH6": {1: "Қала", 2: "Ауыл"}},
    )
    data = read(path, encoding="utf-8")
    assert data.meta.variable_labels == {"HH6": "Өмірге қанағаттану"}
    assert data.meta.value_labels == {"HH6": {1: "Қала", 2: "Ауыл"}}
    assert data.meta.encoding == "utf-8"
    # without it pyreadstat decodes with Stata 13's default and fails on the value labels;
    # the error says to pass encoding=
    with pytest.raises(ReadError, match="encoding="):
        read(path)
    with pytest.raises(ReadError, match="no-such-encoding") as caught:
        read(path, encoding="no-such-encoding")
    assert caught.value.path == str(path)


def test_encoding_on_a_utf8_sav(sav_file):
    data = read(sav_file, encoding="utf-8")
    assert data.meta.variable_labels["LS2"] == "Өмірге қанағаттану"
    assert read(sav_file).meta.encoding == "UTF-8"


def test_stata_extended_missing_values_are_nan_and_reported(tmp_path):
    path = tmp_path / "extended.dta"
    frame = pd.DataFrame({"LS2": pd.Series([3.0, "a", 99.0, "b", np.nan], dtype=object)})
    pyreadstat.write_dta(
        frame,
        path,
        missing_user_values={"LS2": ["a", "b"]},
        variable_value_labels={"LS2": {99: "No response", "a": "Не применимо"}},
    )
    for option in ("missing", "keep"):
        data = read(path, user_missing=option)
        values = data.frame["LS2"]
        assert values.dtype == np.float64
        assert values.isna().tolist() == [False, True, False, True, True]
        declared = data.meta.user_missing["LS2"]
        assert declared.extended == {".a": "Не применимо", ".b": ""}
        assert declared.values == () and declared.ranges == ()
        # the extended value's label is not an ordinary value label
        assert data.meta.value_labels == {"LS2": {99: "No response"}}
        assert data.meta.special_codes == {"LS2": {99: "no_response"}}


def test_stata_integer_columns_with_missing_values_become_float(tmp_path):
    path = tmp_path / "ints.dta"
    frame = pd.DataFrame(
        {"HH1": np.array([1, 2, 3], dtype=np.int16), "LS3": pd.array([1, None, 2], dtype="Int8")}
    )
    pyreadstat.write_dta(frame, path)
    data = read(path)
    assert data.frame["LS3"].dtype == np.float64
    assert data.frame["LS3"].isna().tolist() == [False, True, False]
    assert data.frame["HH1"].dtype.kind in "if"


def test_spss_string_user_missing(tmp_path):
    path = tmp_path / "strings.sav"
    frame = pd.DataFrame({"code": ["A", "X", "B", "Z"]})
    pyreadstat.write_sav(
        frame,
        path,
        missing_ranges={"code": ["X", "Z"]},
        variable_value_labels={"code": {"X": "Нет ответа"}},
    )
    data = read(path)
    assert data.frame["code"].isna().tolist() == [False, True, False, True]
    assert data.meta.user_missing["code"].values == ("X", "Z")
    assert data.meta.special_codes == {"code": {"X": "no_response"}}
    kept = read(path, user_missing="keep", special_codes="missing")
    assert kept.frame["code"].isna().tolist() == [False, True, False, False]


# --- property: numeric values survive a round trip exactly --------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=arrays(
        np.float64,
        st.integers(1, 30),
        elements=st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False) | st.just(np.nan),
    ),
    extension=st.sampled_from(["sav", "zsav", "dta"]),
)
def test_numeric_values_round_trip_exactly(tmp_path, values, extension):
    path = tmp_path / f"values.{extension}"
    write(pd.DataFrame({"x": values}), path)
    back = read(path).frame["x"].to_numpy(dtype=float)
    np.testing.assert_array_equal(back, values)
