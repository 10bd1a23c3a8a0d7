"""``mics build`` with a ``weighting`` step: designs calibrated to population totals from a CSV.

On the example survey at scale 0.05 (lonely PSU rule 'adjust'): raking the household design
makes the weighted number of households by region and by area equal the totals; each estimate
equals ``SurveyDesign(...).calibrate(...)`` followed by the same estimator; ``weight:`` limits
the step to the designs of that weight; the manifest and the metadata sheet record the totals
file's SHA-256 and the step; bad steps give located SpecErrors or a ReadError naming the path.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main
from mics_toolkit.errors import ReadError, SpecError
from mics_toolkit.report import file_sha256
from mics_toolkit.report.build import build_report
from mics_toolkit.report.spec import WEIGHTING_METHODS, load_report_spec

REGION_TOTALS = {k: 1000.0 * (k + 10) for k in range(1, 21)}  # sum 410,000
AREA_TOTALS = {1: 250_000.0, 2: 160_000.0}

SPEC = """\
title: Weighting test
survey: {survey}
build_date: 2024-12-01
options:
  lonely_psu: adjust
breakdowns:
  area:
    variable: HH6
    title: Area
    categories: {{1: Urban, 2: Rural}}
  region:
    variable: HH7
    title: Region
tables:
  - id: HC.1
    title: Households
    rows: [total, area, region]
    columns:
      - indicator: HC.internet
      - count: HC.internet
      - indicator: WS.1
{weighting}"""

STEP = """\
weighting:
  - file: hh
    totals: {totals}
    method: {method}
{extra}"""


@pytest.fixture(scope="module")
def small_survey(small_example_survey) -> Path:
    """The example survey at scale 0.05 (the session's, read only)."""
    return small_example_survey


def write_totals(path: Path, margins: dict, numeric: dict | None = None) -> Path:
    lines = ["variable,level,total"]
    for variable, counts in margins.items():
        lines += [f"{variable},{level},{float(count)!r}" for level, count in counts.items()]
    for variable, total in (numeric or {}).items():
        lines.append(f"{variable},,{total}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_spec(folder: Path, survey: Path, *, method: str = "raking", totals: str =
               "totals_hh.csv", extra: str = "", weighting: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if weighting is None:
        weighting = STEP.format(totals=totals, method=method, extra=extra)
    text = SPEC.format(survey=survey.as_posix(), weighting=weighting)
    path = folder / "report.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


@pytest.fixture(scope="module")
def raked(small_survey, tmp_path_factory):
    folder = tmp_path_factory.mktemp("raked")
    totals = write_totals(folder / "totals_hh.csv", {"HH7": REGION_TOTALS, "HH6": AREA_TOTALS})
    spec = write_spec(folder, small_survey, extra="    weight: hhweight\n")
    result = build_report(spec, folder / "out")
    return result, folder / "out", totals


@pytest.fixture(scope="module")
def unweighted(small_survey, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unweighted")
    spec = write_spec(folder, small_survey, weighting="")
    return build_report(spec, folder / "out").estimates


def rows(estimates: pd.DataFrame, indicator: str, breakdown: str) -> pd.DataFrame:
    out = estimates[(estimates["indicator"] == indicator) & (estimates["breakdown"] == breakdown)]
    return out.reset_index(drop=True)


def direct_design(survey_folder: Path) -> tuple[mt.SurveyDesign, pd.DataFrame]:
    survey = mt.open_survey(survey_folder)
    frame = survey.data("hh", ["HH6", "HH7", "HH46", "HC13", "hhweight", "stratum", "PSU"]).frame
    frame = frame.assign(internet=(frame["HC13"] == 1).astype(float))
    design = mt.SurveyDesign(frame, "hhweight", strata="stratum", psu="PSU",
                             lonely_psu="adjust")
    return design, frame


# ------------------------------------------------------------------ the weighted build


def test_weighted_counts_equal_the_totals(raked):
    estimates = raked[0].estimates
    by_region = rows(estimates, "HC.internet", "HH7")
    assert by_region["category"].astype(float).tolist() == [float(k) for k in REGION_TOTALS]
    np.testing.assert_allclose(by_region["n_weighted"], list(REGION_TOTALS.values()), rtol=1e-8)
    by_area = rows(estimates, "HC.internet", "HH6")
    np.testing.assert_allclose(by_area["n_weighted"], list(AREA_TOTALS.values()), rtol=1e-8)
    total = rows(estimates, "HC.internet", "total")
    assert total["n_weighted"].iloc[0] == pytest.approx(sum(REGION_TOTALS.values()), rel=1e-8)


def test_workbook_count_column_shows_the_totals(raked):
    sheet = openpyxl.load_workbook(raked[1] / "report.xlsx")["HC.1"]
    values = [row[2].value for row in sheet.iter_rows() if row[0].value == "Total"]
    assert values and values[0] == pytest.approx(sum(REGION_TOTALS.values()), rel=1e-8)


def test_estimates_equal_the_calibrated_design(raked, small_survey):
    estimates, _, totals = raked
    design, frame = direct_design(small_survey)
    calibrated = design.calibrate(mt.read_totals(totals), method="raking")
    completed = (frame["HH46"] == 1).to_numpy()
    for by, breakdown in ((None, "total"), ("HH7", "HH7"), ("HH6", "HH6")):
        expected = calibrated.proportion("internet", by=by, where=completed, ci_method="logit")
        expected = expected[expected["level"] == 1].reset_index(drop=True)
        found = rows(estimates.estimates, "HC.internet", breakdown)
        for column in ("estimate", "se", "ci_lower", "ci_upper", "deff", "n_weighted"):
            np.testing.assert_allclose(found[column].to_numpy(dtype=float),
                                       expected[column].to_numpy(dtype=float), rtol=1e-10,
                                       err_msg=f"{column} by {breakdown}")
        np.testing.assert_array_equal(found["n_unweighted"], expected["n_unweighted"])


def test_weight_limits_the_step(raked, unweighted):
    """WS.1 (weight hhweight * HH48) is not adjusted by a step for weight hhweight;
    HC.internet is."""
    estimates = raked[0].estimates
    pd.testing.assert_frame_equal(rows(estimates, "WS.1", "HH7"), rows(unweighted, "WS.1", "HH7"))
    assert not np.allclose(rows(estimates, "HC.internet", "HH7")["estimate"],
                           rows(unweighted, "HC.internet", "HH7")["estimate"])


def test_manifest_and_metadata_record_the_step(raked):
    _, out, totals = raked
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    digest = file_sha256(totals)
    assert manifest["inputs"]["totals_hh.csv"]["sha256"] == digest
    step = manifest["conventions"]["weighting"]
    assert "raking" in step and "totals_hh.csv" in step and "HH7, HH6" in step
    assert "weight hhweight" in step
    sheet = openpyxl.load_workbook(out / "report.xlsx")["Metadata"]
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert digest in values and step in values


def test_unweighted_build_records_no_step(unweighted, small_survey, tmp_path):
    spec = write_spec(tmp_path, small_survey, weighting="")
    assert load_report_spec(spec).weighting == ()


@pytest.mark.parametrize(("method", "extra"), [("linear", "    bounds: [0.5, 2.0]\n"),
                                               ("logit", "    bounds: [0.2, 5]\n")])
def test_bounded_calibration_matches_the_engine(small_survey, tmp_path, method, extra):
    # totals near the sample's own so that the bounds leave room
    design, frame = direct_design(small_survey)
    completed = (frame["HH46"] == 1).to_numpy()
    sums = frame[completed].groupby("HH6")["hhweight"].sum()
    area = {1: sums[1.0] * 0.9, 2: sums[2.0] * 1.2}
    totals = write_totals(tmp_path / "totals_hh.csv", {"HH6": area})
    spec = write_spec(tmp_path, small_survey, method=method,
                      extra=extra + "    weight: hhweight\n")
    estimates = build_report(spec, tmp_path / "out").estimates
    step = load_report_spec(spec).weighting[0]
    calibrated = design.calibrate(mt.read_totals(totals), method=method, bounds=step.bounds)
    expected = calibrated.proportion("internet", by="HH7", where=completed)
    expected = expected[expected["level"] == 1].reset_index(drop=True)
    found = rows(estimates, "HC.internet", "HH7")
    for column in ("estimate", "se", "n_weighted"):
        np.testing.assert_allclose(found[column], expected[column], rtol=1e-10)
    np.testing.assert_allclose(rows(estimates, "HC.internet", "HH6")["n_weighted"],
                               list(area.values()), rtol=1e-8)


@pytest.mark.parametrize("method", ["rake", "poststratify"])
def test_rake_and_poststratify(small_survey, tmp_path, method):
    margins = {"HH7": REGION_TOTALS} if method == "poststratify" else {
        "HH7": REGION_TOTALS, "HH6": AREA_TOTALS}
    totals = write_totals(tmp_path / "totals_hh.csv", margins)
    spec = write_spec(tmp_path, small_survey, method=method, extra="    weight: hhweight\n")
    estimates = build_report(spec, tmp_path / "out").estimates
    design, frame = direct_design(small_survey)
    figures = mt.read_totals(totals)
    adjusted = (design.rake(figures) if method == "rake"
                else design.poststratify("HH7", figures["HH7"]))
    completed = (frame["HH46"] == 1).to_numpy()
    expected = adjusted.proportion("internet", by="HH7", where=completed)
    expected = expected[expected["level"] == 1].reset_index(drop=True)
    found = rows(estimates, "HC.internet", "HH7")
    for column in ("estimate", "se", "n_weighted"):
        np.testing.assert_allclose(found[column], expected[column], rtol=1e-10)
    np.testing.assert_allclose(found["n_weighted"], list(REGION_TOTALS.values()), rtol=1e-8)


# ------------------------------------------------------------------ bad steps


def _spec_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_report_spec(path)
    return caught.value


@pytest.fixture
def totals_file(tmp_path) -> Path:
    return write_totals(tmp_path / "totals_hh.csv", {"HH7": REGION_TOTALS})


def test_unknown_file(small_survey, tmp_path, totals_file):
    weighting = STEP.format(totals="totals_hh.csv", method="raking", extra="").replace(
        "file: hh", "file: hx")
    spec = write_spec(tmp_path, small_survey, weighting=weighting)
    error = _spec_error(spec)
    assert error.key == "weighting[0].file" and error.line == line_of(spec, "file: hx")
    assert f"{spec}:{error.line}: key 'weighting[0].file'" in str(error)
    assert "'hx'" in str(error) and "hh" in str(error)


def test_missing_totals_file(small_survey, tmp_path, capsys):
    spec = write_spec(tmp_path, small_survey, totals="no_such_totals.csv")
    with pytest.raises(ReadError) as caught:
        load_report_spec(spec)
    missing = tmp_path / "no_such_totals.csv"
    assert caught.value.path == str(missing)
    assert str(missing) in str(caught.value)
    assert main(["build", str(spec), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(missing) in err[0]
    assert not (tmp_path / "out").exists()


def test_bad_method_lists_the_valid_ones(small_survey, tmp_path, totals_file):
    spec = write_spec(tmp_path, small_survey, method="calibrate")
    error = _spec_error(spec)
    assert error.key == "weighting[0].method" and error.line == line_of(spec, "method:")
    assert "'calibrate'" in str(error)
    assert ", ".join(WEIGHTING_METHODS) in str(error)
    assert WEIGHTING_METHODS == ("linear", "raking", "logit", "poststratify", "rake")


@pytest.mark.parametrize(
    ("method", "extra", "key", "fragment"),
    [
        ("logit", "", "weighting[0].bounds", "needs bounds"),
        ("linear", "    bounds: [1.5, 2.0]\n", "weighting[0].bounds", "lower < 1 < upper"),
        ("linear", "    bounds: 2\n", "weighting[0].bounds", "lower < 1 < upper"),
        ("logit", "    bounds: [0.5, null]\n", "weighting[0].bounds", "finite for logit"),
        ("rake", "    bounds: [0.5, 2.0]\n", "weighting[0].bounds", "bounds apply to"),
        ("raking", "    trim: 3\n", "weighting[0].trim", "unknown key 'trim'"),
    ],
)
def test_bad_step(small_survey, tmp_path, totals_file, method, extra, key, fragment):
    spec = write_spec(tmp_path, small_survey, method=method, extra=extra)
    error = _spec_error(spec)
    assert error.key == key and fragment in str(error)
    assert str(error).startswith(f"{spec}:{error.line}: key '{key}'")


def test_poststratify_takes_one_categorical_variable(small_survey, tmp_path):
    write_totals(tmp_path / "totals_hh.csv", {"HH7": REGION_TOTALS, "HH6": AREA_TOTALS})
    spec = write_spec(tmp_path, small_survey, method="poststratify")
    assert "one variable" in str(_spec_error(spec))
    write_totals(tmp_path / "totals_hh.csv", {}, numeric={"HH48": 1_000_000})
    spec = write_spec(tmp_path, small_survey, method="rake")
    error = _spec_error(spec)
    assert "'HH48'" in str(error) and error.key == "weighting[0].method"


def test_variable_not_in_the_file(small_survey, tmp_path):
    write_totals(tmp_path / "totals_hh.csv", {"HH77": REGION_TOTALS})
    spec = write_spec(tmp_path, small_survey)
    load_report_spec(spec)  # the survey is needed to know its variables
    with pytest.raises(SpecError) as caught:
        build_report(spec, tmp_path / "out")
    error = caught.value
    assert error.key == "weighting[0].totals" and error.line == line_of(spec, "- file: hh")
    assert "'HH77'" in str(error) and "HH7" in str(error)
    assert not (tmp_path / "out").exists()


def test_step_adjusting_nothing(small_survey, tmp_path, totals_file):
    spec = write_spec(tmp_path, small_survey, extra="    weight: wmweight\n")
    with pytest.raises(SpecError, match="adjusts no indicator") as caught:
        build_report(spec, tmp_path / "out")
    assert caught.value.key == "weighting[0]"


def test_totals_that_do_not_fit_the_sample(small_survey, tmp_path):
    write_totals(tmp_path / "totals_hh.csv", {"HH7": {**REGION_TOTALS, 21: 5000.0}})
    spec = write_spec(tmp_path, small_survey, extra="    weight: hhweight\n")
    with pytest.raises(mt.CalibrationError, match="21"):
        build_report(spec, tmp_path / "out")
