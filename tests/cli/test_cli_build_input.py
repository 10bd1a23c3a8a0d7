"""``mics build`` on survey files it did not make: a breakdown stored as text in one file and
as codes in another, a weight stored as text, and one file in two formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = PROJECT_ROOT / "examples" / "kz_mics" / "report.yaml"


@pytest.fixture(scope="module")
def small_survey(small_example_survey) -> Path:
    """The example survey at scale 0.05 (the session's, read only)."""
    return small_example_survey


def _copy(survey: Path, folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(survey, data)
    return data


def _spec(survey: Path, folder: Path) -> Path:
    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    for old, new in (
        ("survey: ../../build/kz_mics", f"survey: {survey.as_posix()}"),
        ("lonely_psu: fail", "lonely_psu: adjust"),
    ):
        assert old in text
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _rewrite(path: Path, change) -> None:
    data = mt.read(path, user_missing="keep")
    frame, meta = change(data.frame.copy(), data.meta)
    path.unlink()
    mt.write(frame, path, meta=meta)


def test_breakdown_stored_as_text_in_one_file_exits_2_naming_both(small_survey, tmp_path, capsys):
    # today: every wm table by region shows "-" while report_estimates.csv has the estimates
    survey = _copy(small_survey, tmp_path)

    def region_as_text(frame, meta):
        labels = meta.value_labels["HH7"]
        frame["HH7"] = frame["HH7"].map(lambda code: labels[int(code)])
        value_labels = {k: v for k, v in meta.value_labels.items() if k != "HH7"}
        return frame, mt.Metadata(variable_labels=meta.variable_labels, value_labels=value_labels)

    _rewrite(survey / "wm.sav", region_as_text)
    out = tmp_path / "out"
    assert main(["build", str(_spec(survey, tmp_path)), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "variable 'HH7' is text in wm.sav but numbers in hh.sav" in err
    assert len(err.strip().splitlines()) == 1
    assert not (out / "report.xlsx").exists()


def test_weight_stored_as_text_is_converted_with_a_warning(small_survey, tmp_path, capsys):
    # today: converted silently, while mics estimate rejects it
    survey = _copy(small_survey, tmp_path)
    _rewrite(survey / "wm.sav", lambda frame, meta: (
        frame.assign(wmweight=frame["wmweight"].map(repr)), meta))
    spec = _spec(survey, tmp_path)
    assert main(["build", str(spec), "--out", str(tmp_path / "text"), "--quiet"]) == 0
    err = capsys.readouterr().err
    n_women = len(pd.read_spss(small_survey / "wm.sav", usecols=["wmweight"]))
    assert (
        f"warning: weight variable 'wmweight' in {survey / 'wm.sav'} is stored as text; its "
        f"{n_women} values were read as numbers" in err
    )
    reference = _spec(small_survey, tmp_path / "reference_spec")
    assert main(["build", str(reference), "--out", str(tmp_path / "numbers"), "--quiet"]) == 0
    text = pd.read_csv(tmp_path / "text" / "report_estimates.csv")
    numbers = pd.read_csv(tmp_path / "numbers" / "report_estimates.csv")
    pd.testing.assert_frame_equal(text, numbers)


def test_file_in_two_formats_exits_2_naming_both(small_survey, tmp_path, capsys):
    survey = _copy(small_survey, tmp_path)
    shutil.copy(survey / "hl.sav", survey / "hl.zsav")
    assert main(["build", str(_spec(survey, tmp_path)), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "hl.sav, hl.zsav" in err and str(survey) in err
