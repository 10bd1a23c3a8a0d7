"""The writer: formats, what it stores, atomic replacement and its errors."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import OutputError
from mics_toolkit.io import Metadata, SurveyData, read, write


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_returns_the_path_and_accepts_a_dataframe_with_meta(tmp_path):
    frame = pd.DataFrame({"HH6": [1, 2, 2], "wmweight": [0.5, 1.0, 1.5]})
    meta = Metadata(variable_labels={"HH6": "Тип местности"}, value_labels={"HH6": {1: "Қала"}})
    written = write(frame, tmp_path / "plain.sav", meta=meta, file_label="Файл")
    assert written == tmp_path / "plain.sav"
    back = read(written)
    assert back.meta.file_label == "Файл"
    assert back.meta.variable_labels == {"HH6": "Тип местности"}
    assert back.meta.value_labels == {"HH6": {1: "Қала"}}
    assert back.frame["wmweight"].tolist() == [0.5, 1.0, 1.5]


def test_plain_dataframe_without_meta(tmp_path):
    frame = pd.DataFrame({"x": [1.0, np.nan], "s": ["Алматы", None]})
    for extension in ("sav", "dta"):
        back = read(write(frame, tmp_path / f"plain.{extension}"))
        assert back.frame["x"].isna().tolist() == [False, True]
        assert back.frame["s"].iloc[0] == "Алматы"
        assert back.meta.variable_labels == {}


def test_existing_file_is_replaced(women, tmp_path):
    path = tmp_path / "wm.sav"
    path.write_bytes(b"old contents")
    write(women, path)
    assert len(read(path).frame) == 8
    assert _leftovers(tmp_path) == []


def test_new_file_gets_ordinary_permissions(women, tmp_path):
    path = write(women, tmp_path / "wm.sav")
    mode = stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_replaced_file_keeps_its_permissions(women, tmp_path):
    path = tmp_path / "wm.sav"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write(women, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_integer_columns_get_an_integer_spss_format(women, tmp_path):
    import pyreadstat

    path = write(women, tmp_path / "wm.sav")
    _, raw = pyreadstat.read_sav(path, metadataonly=True)
    assert raw.original_variable_types["HH1"] == "F1.0"
    assert raw.original_variable_types["WB4"] == "F2.0"
    assert raw.original_variable_types["wmweight"] != "F1.0"


def test_directory_path(women, tmp_path):
    folder = tmp_path / "out.sav"
    folder.mkdir()
    with pytest.raises(OutputError, match="directory") as caught:
        write(women, folder)
    assert caught.value.path == str(folder)
    assert isinstance(caught.value, OSError)


def test_missing_folder(women, tmp_path):
    path = tmp_path / "no" / "such" / "wm.sav"
    with pytest.raises(OutputError, match="does not exist") as caught:
        write(women, path)
    assert caught.value.path == str(path)


def test_unknown_extension(women, tmp_path):
    with pytest.raises(OutputError, match="extension"):
        write(women, tmp_path / "wm.csv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(women, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            write(women, folder / "wm.sav")
    finally:
        folder.chmod(0o700)


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "wm.dta"
    path.write_bytes(b"previous version")
    frame = pd.DataFrame({"LS2": [1.0, 2.5]})
    meta = Metadata(value_labels={"LS2": {2.5: "two and a half"}})
    with pytest.raises(OutputError, match="non-integer") as caught:
        write(frame, path, meta=meta)
    assert caught.value.path == str(path)
    assert path.read_bytes() == b"previous version"
    assert _leftovers(tmp_path) == []


def test_pyreadstat_failure_is_an_output_error_and_cleans_up(tmp_path):
    path = tmp_path / "bad.dta"
    frame = pd.DataFrame({"1 not a stata name": [1.0]})
    with pytest.raises(OutputError) as caught:
        write(frame, path)
    assert str(path) in str(caught.value)
    assert not path.exists()
    assert _leftovers(tmp_path) == []


def test_stata_value_labels_on_strings_are_rejected(tmp_path):
    frame = pd.DataFrame({"region": ["a", "b"]})
    meta = Metadata(value_labels={"region": {"a": "Астана"}})
    with pytest.raises(OutputError, match="not numeric"):
        write(SurveyData(frame, meta), tmp_path / "wm.dta")
    assert list(tmp_path.iterdir()) == []


def test_non_string_column_names_are_rejected(tmp_path):
    with pytest.raises(OutputError, match="not a string"):
        write(pd.DataFrame({0: [1.0]}), tmp_path / "wm.sav")


def test_writing_does_not_modify_the_input(women, tmp_path):
    before = women.frame.copy()
    write(women, tmp_path / "wm.sav")
    pd.testing.assert_frame_equal(women.frame, before)


def test_unwritable_folder_simulated(women, tmp_path, monkeypatch):
    """The same path as above, reachable when the tests run as root."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="not writable") as caught:
        write(women, tmp_path / "wm.sav")
    assert caught.value.path == str(tmp_path / "wm.sav")
