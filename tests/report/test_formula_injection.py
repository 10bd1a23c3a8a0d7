"""Text from data and specs that looks like a formula (value labels, region names, titles,
indicator labels, notes) stays text in every workbook and is neutralised in every CSV file:
the report (workbook and tidy CSV), the index (workbook and CSV tables) and
``mics estimate --out`` (xlsx and CSV). Numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from report_synthetic import make_info
from tables_synthetic import AREA, SPEC, TOTAL

import mics_toolkit as mt
from mics_toolkit.cli.main import main
from mics_toolkit.index import (
    IndexSpec,
    ObjectiveTable,
    assess_uncertainty,
    build_index,
    link_data,
    sensitivity_analysis,
    survey_totals,
)
from mics_toolkit.report import BuildInfo, csv_bytes, table_csv_bytes, tidy_frame, write_report
from mics_toolkit.report.index_outputs import write_index_outputs
from mics_toolkit.report.text_safety import csv_field, csv_safe
from mics_toolkit.tables import Breakdown, build_table

HOSTILE = ['=HYPERLINK("http://example.com/x","click")', "+1", "-2", "@SUM(A1)"]
NEUTRALISED = ["'" + text for text in HOSTILE]


def _workbook_texts(path_or_bytes) -> dict[str, list]:
    """Every text cell of a workbook: value -> list of cells holding it."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = openpyxl.load_workbook(source)
    found: dict[str, list] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found.setdefault(cell.value, []).append(cell)
    return found


def _assert_no_formula(path: Path) -> None:
    """No cell of the workbook is a formula: none read back as one, no <f> element."""
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                content = archive.read(name)
                assert b"<f>" not in content and b"<f " not in content, name


def _assert_texts(path: Path, texts) -> None:
    """Each text is in the workbook, every cell holding it a string cell with the quote
    prefix (text for Excel even when edited)."""
    found = _workbook_texts(path)
    for text in texts:
        assert text in found, text
        for cell in found[text]:
            assert cell.data_type == "s", (cell.parent.title, cell.coordinate)
            assert cell.quotePrefix, (cell.parent.title, cell.coordinate)


def _csv_fields(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [field for row in csv.reader(handle) for field in row]


def _assert_csv_neutralised(path: Path) -> None:
    fields = _csv_fields(path)
    for text, safe in zip(HOSTILE, NEUTRALISED, strict=True):
        assert text not in fields, (path.name, text)
        assert safe in fields, (path.name, safe)


# ---------------------------------------------------------------------- the rule
def test_csv_field_rule():
    assert [csv_field(t) for t in HOSTILE] == NEUTRALISED
    assert csv_field("\tcmd") == "'\tcmd" and csv_field("\r=1") == "'\r=1"
    assert [csv_field(v) for v in ("15-19", "Urban", "", "0 cases")] == ["15-19", "Urban", "",
                                                                          "0 cases"]
    assert csv_field(-2.5) == -2.5 and csv_field(-3) == -3 and csv_field(None) is None


def test_csv_safe_changes_text_only():
    frame = pd.DataFrame({
        "region": pd.Series(["North", "-2"], dtype="str"),
        "level": pd.Categorical(["@x", "ok"]),
        "mixed": pd.Series([-1.5, "+1"], dtype=object),
        "estimate": [-0.25, -1e-9],
        "n_unweighted": [-1, 3],
        "=name": [True, False],
    })
    safe = csv_safe(frame)
    assert safe["region"].tolist() == ["North", "'-2"]
    assert safe["level"].tolist() == ["'@x", "ok"]
    assert safe["mixed"].tolist() == [-1.5, "'+1"]
    assert list(safe.columns) == ["region", "level", "mixed", "estimate", "n_unweighted",
                                  "'=name"]
    assert safe["estimate"].tolist() == [-0.25, -1e-9]
    assert frame["region"].tolist() == ["North", "-2"]  # the caller's frame is not changed
    text = table_csv_bytes(frame).decode()
    assert text.splitlines()[1] == "North,'@x,-1.5,-0.25,-1,True"
    plain = pd.DataFrame({"region": ["North"], "estimate": [-0.5]})
    assert csv_safe(plain) is plain
    assert table_csv_bytes(plain) == plain.to_csv(index=False, lineterminator="\n").encode()


# ---------------------------------------------------------------------- report
@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory, estimates):
    region = Breakdown("HH7", {"en": "@Region"},
                       {1: HOSTILE[0], 2: HOSTILE[1], 3: HOSTILE[2], 4: HOSTILE[3], 5: "Fifth"})
    spec = dataclasses.replace(SPEC, title={"en": "=Title"}, rows=[TOTAL, AREA, region])
    tables = [build_table(spec, estimates, lang="en")]
    folder = tmp_path_factory.mktemp("hostile_report")
    info = make_info(title="+Report", conventions={"note": "-negative"})
    written = write_report(folder, tables=tables, estimates=estimates, info=info,
                           breakdowns=[TOTAL, AREA, region], notes=["=1+1"])
    return written, estimates, region


def test_report_workbook_keeps_hostile_labels_as_text(hostile_report):
    written = hostile_report[0]
    _assert_no_formula(written["report.xlsx"])
    _assert_texts(written["report.xlsx"], [*HOSTILE, "=Title", "@Region", "+Report", "=1+1",
                                           "-negative"])
    sheet = openpyxl.load_workbook(written["report.xlsx"])["EQ.1"]
    numbers = [c for row in sheet.iter_rows(min_row=6) for c in row[1:]
               if isinstance(c.value, float)]
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_report_csv_neutralises_labels_but_not_numbers(hostile_report):
    written, estimates, region = hostile_report
    _assert_csv_neutralised(written["report_estimates.csv"])
    back = pd.read_csv(written["report_estimates.csv"], dtype={"category": str})
    labels = back.loc[back["breakdown"] == "HH7", "label"].tolist()
    assert set(NEUTRALISED) <= set(labels)
    tidy = tidy_frame(estimates, breakdowns=[TOTAL, AREA, region])
    np.testing.assert_array_equal(back["estimate"].to_numpy(), tidy["estimate"].to_numpy())
    # the Parquet file is not opened by spreadsheets: its text is kept as it is
    parquet = pd.read_parquet(written["report_estimates.parquet"])
    assert set(HOSTILE) <= set(parquet["label"])


def test_tidy_csv_with_negative_estimates_is_unchanged(estimates):
    shifted = estimates.assign(estimate=estimates["estimate"] - 10.0,
                               ci_lower=estimates["ci_lower"] - 10.0)
    tidy = tidy_frame(shifted, breakdowns=[TOTAL, AREA])
    assert (tidy["estimate"] < 0).all()
    expected = tidy.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")
    assert csv_bytes(tidy) == expected


# ---------------------------------------------------------------------- index
INDEX_REGIONS = {1: HOSTILE[0], 2: HOSTILE[1], 3: HOSTILE[2], 4: HOSTILE[3], 5: "Centre",
                 6: "Capital"}
INDEX_SPEC = {
    "name": "=Index",
    "groups": [
        {"id": "CWI", "label": "+Index"},
        {"id": "child", "parent": "CWI", "label": "-Child"},
        {"id": "family", "parent": "CWI", "label": "@Family"},
    ],
    "indicators": [
        {"id": "happy", "parent": "child", "source": "survey", "numerator": "happy == 1"},
        {"id": "mortality", "parent": "family", "source": "objective", "direction": -1,
         "normalisation": {"method": "goalposts", "goalposts": [0, 30]}},
    ],
    "uncertainty": {"replicates": 40, "seed": 5},
    "sensitivity": [
        {"name": "sampling", "kind": "sampling"},
        {"name": "=aggregation", "kind": "aggregation", "targets": ["CWI"],
         "alternatives": ["arithmetic", "geometric"]},
    ],
}


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    rng = np.random.default_rng(9)
    psu = np.repeat(np.arange(1, 37), 10)
    region = (psu - 1) % 6 + 1
    frame = pd.DataFrame({
        "HH1": psu, "stratum": (psu - 1) // 9 + 1, "HH7": region,
        "weight": rng.uniform(0.5, 1.5, psu.size),
        "happy": (rng.normal(size=psu.size) + 0.3 * region > 0.8).astype(float),
    })
    spec = IndexSpec.from_dict(INDEX_SPEC)
    design = mt.SurveyDesign(frame, weight="weight", strata="stratum", psu="HH1")
    totals = survey_totals(design, spec.survey_definitions(), region="HH7",
                           region_labels=INDEX_REGIONS)
    names = list(INDEX_REGIONS.values())
    values = pd.DataFrame({"mortality": [12.0, 20.0, 8.0, 15.0, 10.0, 6.0]}, index=names)
    data = link_data(spec, survey=totals, objective=ObjectiveTable(values))
    result = build_index(spec, data)
    uncertainty = assess_uncertainty(spec, data)
    sensitivity = sensitivity_analysis(spec, data, n=6, seed=3, replicates=20)
    info = BuildInfo(build_date="2024-09-15", title="=Index", versions={"mics-toolkit": "0"})
    folder = tmp_path_factory.mktemp("hostile_index")
    labels = {"CWI": "+Index", "child": "-Child", "family": "@Family"}
    return write_index_outputs(folder, result, uncertainty, data, sensitivity, info=info,
                               labels=labels, charts=False)


def test_index_workbook_keeps_region_names_as_text(hostile_index):
    _assert_no_formula(hostile_index["index.xlsx"])
    _assert_texts(hostile_index["index.xlsx"], [*HOSTILE, "+Index", "-Child", "@Family",
                                                "=aggregation"])
    book = openpyxl.load_workbook(hostile_index["index.xlsx"])
    assert book["League table"]["A1"].value.startswith("=Index")
    assert book["League table"]["A1"].data_type == "s"
    pairwise = book["Pairwise"]
    assert [c.value for c in pairwise[4]][1:5] == HOSTILE  # region names as headers


def test_index_csv_files_neutralise_region_names(hostile_index):
    for name in ("league.csv", "scores.csv", "ranks.csv", "indicators.csv", "domain_scores.csv",
                 "sensitivity_ranks.csv", "pairwise.csv", "pairwise_probability.csv"):
        _assert_csv_neutralised(hostile_index[name])
    header = _csv_fields(hostile_index["pairwise.csv"])[:7]
    assert header == ["region", *NEUTRALISED, "Centre", "Capital"]
    framework = pd.read_csv(hostile_index["framework.csv"])
    assert framework["label"].tolist()[:3] == ["'+Index", "'-Child", "'@Family"]
    assert framework["direction"].dropna().tolist() == [1.0, -1.0]  # numbers, not neutralised
    sobol = pd.read_csv(hostile_index["sensitivity_sobol.csv"])
    assert sobol["source"].tolist() == ["sampling", "'=aggregation"]


# ---------------------------------------------------------------------- mics estimate
@pytest.fixture(scope="module")
def hostile_survey(tmp_path_factory) -> Path:
    rng = np.random.default_rng(4)
    n = 400
    frame = pd.DataFrame({
        "stratum": np.repeat([1, 2], n // 2),
        "HH1": np.repeat(np.arange(1, 21), n // 20),
        "wmweight": rng.uniform(0.5, 1.5, n),
        "HH7": rng.integers(1, 5, n),
        "change": rng.normal(-3.0, 1.0, n),
    })
    meta = mt.Metadata(value_labels={"HH7": dict(enumerate(HOSTILE, start=1))})
    path = tmp_path_factory.mktemp("hostile_survey") / "wm.sav"
    mt.write(frame, path, meta=meta)
    return path


def _estimate(path: Path, out: Path) -> int:
    return main(["estimate", str(path), "--weight", "wmweight", "--strata", "stratum",
                 "--psu", "HH1", "--mean", "change", "--by", "HH7", "--out", str(out)])


def test_estimate_workbook_keeps_labels_as_text_and_numbers_as_numbers(hostile_survey,
                                                                      tmp_path, capsys):
    out = tmp_path / "table.xlsx"
    assert _estimate(hostile_survey, out) == 0
    _assert_no_formula(out)
    sheet = openpyxl.load_workbook(out)["estimates"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["HH7", "estimate"]
    labels = [sheet.cell(row, 1) for row in range(2, 6)]
    assert [c.value for c in labels] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in labels)
    estimates = [sheet.cell(row, 2) for row in range(2, 6)]
    assert all(c.data_type == "n" and c.value < 0 for c in estimates)


def test_estimate_csv_neutralises_labels(hostile_survey, tmp_path, capsys):
    out = tmp_path / "table.csv"
    assert _estimate(hostile_survey, out) == 0
    back = pd.read_csv(out)
    assert back["HH7"].tolist() == NEUTRALISED
    assert (back["estimate"] < 0).all() and back["estimate"].dtype == np.float64


def test_estimate_workbook_is_byte_identical_on_rerun(hostile_survey, tmp_path, capsys):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert _estimate(hostile_survey, first) == 0
    assert _estimate(hostile_survey, second) == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:  # no clock: a fixed date, sorted entries
        core = archive.read("docProps/core.xml").decode()
        entries = archive.infolist()
    assert "1980-01-01T00:00:00Z" in core
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert [e.filename for e in entries] == sorted(e.filename for e in entries)
