"""The ``mics`` command line: inspect and estimate on files the tests write, errors as exit 2."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main


@pytest.fixture
def survey_file(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "stratum": np.repeat([1, 2], n // 2),
            "HH1": np.repeat(np.arange(1, 21), n // 20),
            "wmweight": rng.uniform(0.5, 1.5, n),
            "HH6": rng.integers(1, 3, n),
            "LS2": rng.integers(0, 11, n).astype(float),
            "WB4": rng.integers(15, 50, n),
            "filler": rng.normal(size=n),
        }
    )
    frame.loc[:5, "LS2"] = 99
    meta = mt.Metadata(
        variable_labels={"LS2": "Ладder of life", "HH6": "Area"},
        value_labels={"HH6": {1: "Urban", 2: "Rural"}, "LS2": {99: "No response"}},
    )
    path = tmp_path / "wm.sav"
    mt.write(frame, path, meta=meta)
    return path, frame


def test_inspect_lists_variables(survey_file, capsys):
    path, _ = survey_file
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "400 rows, 7 variables" in out
    assert "Ладder of life" in out and "1=Urban" in out and "no_response" in out


def test_estimate_prints_labelled_table_and_matches_api(survey_file, capsys):
    path, frame = survey_file
    code = main(["estimate", str(path), "--weight", "wmweight", "--strata", "stratum",
                 "--psu", "HH1", "--mean", "LS2", "--by", "HH6", "--where",
                 "LS2 != 99 and WB4 <= 24"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Urban" in out and "Rural" in out
    expected = mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="HH1").mean(
        "LS2", by="HH6", where="LS2 != 99 and WB4 <= 24")
    assert f"{expected['estimate'].iloc[0]:.6f}" in out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_estimate_writes_file(survey_file, tmp_path, suffix, capsys):
    path, frame = survey_file
    out = tmp_path / f"table{suffix}"
    code = main(["estimate", str(path), "--weight", "wmweight", "--strata", "stratum",
                 "--psu", "HH1", "--proportion", "HH6", "--ci", "mics", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out) if suffix == ".csv" else pd.read_excel(out)
    expected = mt.SurveyDesign(frame, weight="wmweight", strata="stratum", psu="HH1"
                               ).proportion("HH6", ci="mics")
    np.testing.assert_allclose(table["se"], expected["se"], rtol=1e-12)
    assert table["level"].tolist() == ["Urban", "Rural"]
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(out)["estimates"]
        assert isinstance(sheet["C2"].value, float)  # numbers stay numbers
    assert list(tmp_path.glob(".*tmp*")) == []


def test_errors_exit_2_with_message(survey_file, tmp_path, capsys):
    path, _ = survey_file
    assert main(["estimate", str(path), "--weight", "wmweigt", "--mean", "LS2"]) == 2
    err = capsys.readouterr().err
    assert "wmweigt" in err and "wmweight" in err and "Traceback" not in err
    assert main(["inspect", str(tmp_path / "absent.sav")]) == 2
    assert "absent.sav" in capsys.readouterr().err
    assert main(["estimate", str(path), "--weight", "wmweight", "--mean", "LS2",
                 "--out", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err
    assert main(["estimate", str(path), "--weight", "wmweight", "--mean", "LS2",
                 "--where", "LS2 >"]) == 2
    assert "LS2 >" in capsys.readouterr().err


def test_estimate_reads_only_needed_columns(survey_file):
    from mics_toolkit.cli.estimate import needed_columns
    from mics_toolkit.cli.main import build_parser

    path, _ = survey_file
    args = build_parser().parse_args(["estimate", str(path), "--weight", "wmweight", "--psu",
                                      "HH1", "--mean", "LS2", "--where", "WB4 <= 24"])
    assert needed_columns(args) == ["wmweight", "HH1", "LS2", "WB4"]
