"""``mics estimate`` on inputs it did not make: special codes, weight expressions, weights
stored as text, and a file the reader would crash on."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main


@pytest.fixture
def men_file(tmp_path):
    rng = np.random.default_rng(11)
    n = 200
    ideal = rng.integers(0, 9, n).astype(float)
    ideal[:12] = 96  # "non-numeric response"
    ideal[12:15] = 97  # "inconsistent"
    frame = pd.DataFrame(
        {
            "stratum": np.repeat([1, 2], n // 2),
            "cluster": np.repeat(np.arange(1, 21), n // 20),
            "mv005": rng.integers(500_000, 1_500_000, n).astype(float),
            "ideal": ideal,
        }
    )
    meta = mt.Metadata(
        value_labels={"ideal": {96: "non-numeric response", 97: "inconsistent", 98: "don't know"}}
    )
    path = tmp_path / "mn.sav"
    mt.write(frame, path, meta=meta)
    return path, frame


def _estimate(path, *options):
    return main(["estimate", str(path), "--strata", "stratum", "--psu", "cluster",
                 "--mean", "ideal", *options])


def test_an_average_of_special_codes_warns_with_codes_and_counts(men_file, capsys):
    path, _ = men_file
    assert _estimate(path, "--weight", "mv005") == 0
    err = capsys.readouterr().err
    assert "warning: the mean of 'ideal' includes special codes" in err
    assert "96 'non-numeric response' (non_numeric): 12 rows" in err
    assert "97 'inconsistent' (inconsistent): 3 rows" in err


def test_special_codes_missing_leaves_them_out(men_file, tmp_path, capsys):
    path, frame = men_file
    out = tmp_path / "table.csv"
    assert _estimate(path, "--weight", "mv005", "--special-codes", "missing",
                     "--out", str(out)) == 0
    assert "special codes" not in capsys.readouterr().err
    answers = frame.assign(ideal=frame["ideal"].where(frame["ideal"] < 96))
    expected = mt.SurveyDesign(answers, weight="mv005", strata="stratum", psu="cluster"
                               ).mean("ideal")
    table = pd.read_csv(out)
    np.testing.assert_allclose(table["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(table["se"], expected["se"], rtol=1e-12)
    assert table["n_unweighted"].tolist() == [185]


def test_weight_expression_is_evaluated_into_the_weight(men_file, tmp_path):
    path, frame = men_file
    out = tmp_path / "table.csv"
    assert _estimate(path, "--weight", "mv005 / 1e6", "--special-codes", "missing",
                     "--out", str(out)) == 0
    answers = frame.assign(ideal=frame["ideal"].where(frame["ideal"] < 96),
                           w=frame["mv005"] / 1e6)
    expected = mt.SurveyDesign(answers, weight="w", strata="stratum", psu="cluster"
                               ).mean("ideal")
    table = pd.read_csv(out)
    np.testing.assert_allclose(table["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(table["se"], expected["se"], rtol=1e-12)
    np.testing.assert_allclose(table["n_weighted"], answers["w"][answers["ideal"].notna()].sum())


def test_weight_expression_errors_exit_2(men_file, capsys):
    path, _ = men_file
    assert _estimate(path, "--weight", "mv005 /") == 2
    err = capsys.readouterr().err
    assert "mv005 /" in err and "Traceback" not in err
    assert _estimate(path, "--weight", "mv05 / 1e6") == 2
    err = capsys.readouterr().err
    assert "'mv05'" in err and "mv005" in err


def test_reads_only_the_variables_of_the_weight_expression(men_file):
    from mics_toolkit.cli.estimate import needed_columns
    from mics_toolkit.cli.main import build_parser

    path, _ = men_file
    args = build_parser().parse_args(["estimate", str(path), "--weight", "mv005 / 1e6",
                                      "--mean", "ideal"])
    assert needed_columns(args) == ["mv005", "ideal"]


@pytest.fixture
def text_weight_file(tmp_path):
    frame = pd.DataFrame(
        {
            "cluster": [1, 1, 2, 2, 3, 3],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "w": ["1.5", "0.5", "1", "2", "1", "1"],
        }
    )
    path = tmp_path / "text_weight.sav"
    mt.write(frame, path)
    return path, frame


def test_weight_stored_as_numeric_text_is_converted_with_a_warning(
    text_weight_file, tmp_path, capsys
):
    # today: "weight variable 'w' ... is not numeric", while mics build converts it silently
    path, frame = text_weight_file
    out = tmp_path / "table.csv"
    assert main(["estimate", str(path), "--weight", "w", "--psu", "cluster", "--mean", "y",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"weight variable 'w' in {path} is stored as text; its 6 values were read" in err
    expected = np.average(frame["y"], weights=frame["w"].astype(float))
    assert pd.read_csv(out)["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_weight_stored_as_text_that_is_not_numbers_exits_2(text_weight_file, tmp_path, capsys):
    _, frame = text_weight_file
    path = tmp_path / "bad_weight.sav"
    mt.write(frame.assign(w=["1.5", "x", "1", "", "one", "1"]), path)
    assert main(["estimate", str(path), "--weight", "w", "--psu", "cluster", "--mean", "y"]) == 2
    err = capsys.readouterr().err
    assert "weight variable 'w'" in err and str(path) in err
    assert "2 of its 6 values are not numbers (e.g. 'x', 'one')" in err
    assert "Traceback" not in err


def test_a_file_the_reader_crashes_on_exits_2_with_one_line(tmp_path):
    good = tmp_path / "good.sav"
    frame = pd.DataFrame({"HH1": [1.0, 2, 3, 4, 5, 6], "LS2": [5.0, 99, 7, 98, 10, 0],
                          "name": ["a", "bb", "ccc", "d", "e", "f"]})
    pyreadstat.write_sav(frame, good, column_labels=["c", "ladder", "name"],
                         variable_value_labels={"LS2": {0: "Worst", 10: "Best", 98: "DK",
                                                        99: "No response"}})
    data = bytearray(good.read_bytes())
    data[180] = 0xFF  # the type field of the first variable record: signal 11 in the reader
    bad = tmp_path / "bad.sav"
    bad.write_bytes(bytes(data))
    run = subprocess.run(
        [sys.executable, "-m", "mics_toolkit.cli.main", "estimate", str(bad), "--weight", "HH1",
         "--mean", "LS2"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.startswith(f"mics estimate: error: cannot read {bad}: the SPSS/Stata "
                                 "reader crashed on it (signal 11, SIGSEGV)")
    assert len(run.stderr.strip().splitlines()) == 1
