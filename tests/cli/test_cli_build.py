"""``mics build``: the example report spec end to end on the example survey at scale 0.05.

The workbook is read back with openpyxl and checked against the tidy table (values, number
formats, the markers "( )", "*", "-" and the footnotes); a rebuild gives the same bytes; bad
inputs exit with status 2 and one line naming the culprit, and leave no half-written files.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from mics_toolkit.cli.main import main
from mics_toolkit.cli.progress import ProgressBar
from mics_toolkit.errors import OutputError, ReadError, SpecError
from mics_toolkit.report import file_sha256
from mics_toolkit.report.build import build_report
from mics_toolkit.report.spec import load_report_spec

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SPEC = PROJECT_ROOT / "examples" / "kz_mics" / "report.yaml"
OUTPUTS = ("report.xlsx", "report_estimates.csv", "report_estimates.parquet", "report_gaps.csv",
           "report_gaps.parquet", "manifest.json")
HEADER_ROW = 4


@pytest.fixture(scope="module")
def small_survey(small_example_survey) -> Path:
    """The example survey at scale 0.05 (the session's, read only)."""
    return small_example_survey


def spec_text(survey: Path, *, estimates: str = "catalogue") -> str:
    """The example spec on the small survey; at 80 clusters a stratum of ch has one PSU with
    children, so the lonely PSU rule is 'adjust'."""
    text = EXAMPLE_SPEC.read_text(encoding="utf-8")
    for old, new in (
        ("survey: ../../build/kz_mics", f"survey: {survey.as_posix()}"),
        ("lonely_psu: fail", "lonely_psu: adjust"),
        ("estimates: catalogue", f"estimates: {estimates}"),
    ):
        assert old in text
        text = text.replace(old, new)
    return text


def write_spec(folder: Path, text: str, name: str = "report.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def spec_path(small_survey, tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec"), spec_text(small_survey))


@pytest.fixture(scope="module")
def built(spec_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "report"
    assert main(["build", str(spec_path), "--out", str(out), "--quiet"]) == 0
    return out


def test_outputs_written(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(OUTPUTS)


def test_rebuild_is_byte_identical(spec_path, built, tmp_path):
    again = tmp_path / "again"
    assert main(["build", str(spec_path), "--out", str(again), "--quiet"]) == 0
    for name in OUTPUTS:
        assert (again / name).read_bytes() == (built / name).read_bytes(), name


def test_sheets(workbook):
    spec = load_report_spec(EXAMPLE_SPEC)
    tables = [t.id for t in spec.tables]
    n_domains = 1 + 2 + 20  # total, urban/rural, regions
    expected = ["Contents", *tables, *(f"SE.{i}" for i in range(1, n_domains + 1)),
                "Notes", "Metadata"]
    assert workbook.sheetnames == expected


def _sheet_rows(sheet):
    """(group heading, label, [cells of the value columns]) for every body row: from the
    "Total" row under the (one- or two-level) header to the first footnote."""
    out, heading, body = [], None, False
    for row in sheet.iter_rows(min_row=HEADER_ROW):
        label = row[0].value
        body = body or label == "Total"
        if not body:
            continue
        if label is None or str(label).startswith(("[", "(")):
            break
        cells = list(row[1:])
        if all(c.value is None for c in cells):
            heading = label
            continue
        out.append((heading, label, cells))
    return out


@pytest.fixture(scope="module")
def workbook(built):
    return openpyxl.load_workbook(built / "report.xlsx")


@pytest.fixture(scope="module")
def tidy_lookup(built):
    tidy = pd.read_csv(built / "report_estimates.csv", dtype={"category": str})
    return {(r.indicator, r.breakdown, r.category): r for r in tidy.itertuples()}


@pytest.fixture(scope="module")
def gaps_lookup(built):
    gaps = pd.read_csv(built / "report_gaps.csv", dtype={"first": str, "second": str},
                       keep_default_na=False)
    return {(r.indicator, r.label): r for r in gaps.itertuples()}


def _check_gap_row(spec, table, label, cells, gaps_lookup):
    """A gap row: each percentage, mean and ratio column holds the tidy gap (percentage
    points for percentages), with the dagger where p < 0.05; medians show na."""
    checked = 0
    for column, cell in zip(table.columns, cells, strict=True):
        kind = spec.catalogue[column.indicator].type
        if column.count:
            assert cell.value is None
            continue
        if kind not in ("percentage", "mean", "ratio"):
            assert cell.value == "na"
            continue
        gap = gaps_lookup[(column.indicator, label)]
        scale = 100.0 if kind == "percentage" and gap.kind == "difference" else 1.0
        assert cell.value == pytest.approx(gap.estimate * scale, rel=1e-12)
        decimals = "0.00" if gap.kind == "ratio" else "0.0"
        mark = '"\u2020"' if gap.p_value < 0.05 else ""
        assert gap.significant == (gap.p_value < 0.05)
        expected = f"{decimals}{mark};-{decimals}{mark}" if mark else decimals
        assert cell.number_format == expected
        checked += 1
    return checked


@pytest.mark.parametrize("table_id", ["EQ.1", "EQ.2", "PR.1", "WS.1", "LN.1"])
def test_table_cells_match_tidy_table(workbook, tidy_lookup, gaps_lookup, table_id):
    spec = load_report_spec(EXAMPLE_SPEC)
    table = next(t for t in spec.tables if t.id == table_id)
    lookup = tidy_lookup
    sheet = workbook[table_id]
    # the group headings and labels come from the spec's breakdowns, in order
    by_title = {spec.breakdowns[r].title["en"]: spec.breakdowns[r] for r in table.rows}
    seen_flags: set[str] = set()
    rows = _sheet_rows(sheet)
    assert rows[0][1] == "Total"
    n_gaps = 0
    for heading, label, cells in rows:
        if heading is None:
            breakdown, category = "total", "total"
        else:
            item = by_title[heading]
            codes = {v["en"]: str(k) for k, v in item.categories.items()}
            if label not in codes:
                n_gaps += _check_gap_row(spec, table, label, cells, gaps_lookup)
                continue
            breakdown, category = item.variable, codes[label]
        for column, cell in zip(table.columns, cells, strict=True):
            kind = spec.catalogue[column.indicator].type
            found = lookup.get((column.indicator, breakdown, category))
            if column.count:
                expected = 0 if found is None else (
                    found.n_weighted if column.weighted else found.n_unweighted)
                assert cell.value == pytest.approx(expected, rel=1e-12, abs=1e-9)
                assert cell.number_format == "#,##0"
                continue
            flag = "0 cases" if found is None or found.n_unweighted == 0 else (
                found.flags if isinstance(found.flags, str) else "")
            seen_flags.add(flag)
            if flag == "0 cases":
                assert cell.value == "-"
            elif flag == "<25":
                assert cell.value == "*"
            else:
                scale = 100.0 if kind == "percentage" else 1.0
                assert cell.value == pytest.approx(found.estimate * scale, rel=1e-12)
                assert cell.number_format == ("(0.0);(-0.0)" if flag == "25-49" else "0.0")
    assert n_gaps == 3 * len(table.gaps)  # three columns of means and percentages
    footnotes = [c.value for c in sheet["A"] if isinstance(c.value, str)]
    assert any(f.startswith("[1] MICS indicator") for f in footnotes)
    assert any(f.startswith("\u2020 Significant at the 5% level") for f in footnotes) == bool(
        table.gaps)
    assert any(f.startswith("( )") for f in footnotes) == ("25-49" in seen_flags)
    assert any(f.startswith("(*)") for f in footnotes) == ("<25" in seen_flags)
    assert any(f.startswith("- denotes") for f in footnotes) == ("0 cases" in seen_flags)


def test_distribution_table_rows_sum_to_100(workbook, tidy_lookup):
    """EQ.3: a column per answer (the value labels of LS1, no response included), each cell
    the tidy share x 100 of its row's domain, a Total of 100.0 and the weighted number."""
    spec = load_report_spec(EXAMPLE_SPEC)
    table = next(t for t in spec.tables if t.id == "EQ.3")
    sheet = workbook["EQ.3"]
    header = [c.value for c in sheet[HEADER_ROW + 1]][1:]
    assert header[:6] == ["Very happy", "Somewhat happy", "Neither happy nor unhappy",
                          "Somewhat unhappy", "Very unhappy", "No response"]
    assert sheet.cell(row=HEADER_ROW, column=8).value == "Total"
    assert sheet.cell(row=HEADER_ROW, column=9).value == "Number of women age 15-49 years"
    by_title = {spec.breakdowns[r].title["en"]: spec.breakdowns[r] for r in table.rows}
    rows = _sheet_rows(sheet)
    assert len(rows) == sum(len(by_title[h].categories) for h in by_title if h != "Total") + 1
    for heading, label, cells in rows:
        if heading is None:
            breakdown, category = "total", "total"
        else:
            item = by_title[heading]
            codes = {v["en"]: str(k) for k, v in item.categories.items()}
            breakdown, category = item.variable, codes[label]
        values = [c.value for c in cells]
        found = [tidy_lookup.get((f"EQ.10.distribution={code}", breakdown, category))
                 for code in (1, 2, 3, 4, 5, 9)]
        present = [f for f in found if f is not None]
        if not present or present[0].n_unweighted < 25:
            assert set(values[:7]) <= {"-", "*"}
            continue
        shares = [0.0 if f is None else f.estimate * 100 for f in found]
        assert values[:6] == pytest.approx(shares, rel=1e-12, abs=1e-12)
        assert values[6] == pytest.approx(100.0, rel=1e-12)
        assert sum(values[:6]) == pytest.approx(100.0, rel=1e-12)
        assert values[7] == pytest.approx(present[0].n_weighted, rel=1e-12)
        parentheses = present[0].n_unweighted < 50
        assert {c.number_format for c in cells[:7]} == {
            "(0.0);(-0.0)" if parentheses else "0.0"}


def test_markers_occur_on_the_small_survey(built):
    tidy = pd.read_csv(built / "report_estimates.csv", keep_default_na=False)
    assert {"25-49", "<25"} <= set(tidy["flags"])


def test_metadata_and_manifest_record_inputs_and_conventions(built, workbook, small_survey,
                                                           spec_path):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    spec = load_report_spec(spec_path)
    assert manifest["build_date"] == "2024-12-01"
    assert manifest["spec_sha256"] == spec.sha256
    assert manifest["conventions"]["lonely_psu"] == "adjust"
    for name in ("hh.sav", "wm.sav", "ch.sav", "fs.sav", "hl.sav", "mn.sav"):
        assert manifest["inputs"][name]["sha256"] == file_sha256(small_survey / name)
    assert manifest["design"]["wm"]["weight"] == "wmweight"
    assert "hhweight * HH48" in " ".join(manifest["design"]["hh"])
    for name in OUTPUTS[:-1]:
        assert manifest["outputs"][name]["sha256"] == file_sha256(built / name)
    sheet = workbook["Metadata"]
    values = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert spec.sha256 in values and file_sha256(small_survey / "wm.sav") in values
    assert "adjust" in values


def test_reads_only_needed_columns(small_survey, tmp_path, monkeypatch):
    import mics_toolkit.io.fileset as fileset

    read_columns: dict[str, set[str]] = {}
    original = fileset.read

    def spy(path, columns=None, **kwargs):
        assert columns is not None, f"{path} read whole"
        read_columns.setdefault(Path(path).stem, set()).update(columns)
        return original(path, columns=columns, **kwargs)

    monkeypatch.setattr(fileset, "read", spy)
    spec = write_spec(tmp_path, spec_text(small_survey, estimates="tables"))
    build_report(spec, tmp_path / "out")
    assert not {"wscore", "HC11", "HHSEX"} & read_columns["hh"]
    assert not {"MT4", "MT9"} & read_columns["wm"]
    assert not {"CAGE", "UCD5"} & read_columns["ch"]
    assert {"LS1", "LS2", "wmweight"} <= read_columns["wm"]


def test_progress_reaches_the_end(small_survey, tmp_path):
    calls = []
    spec = write_spec(tmp_path, spec_text(small_survey, estimates="tables"))
    result = build_report(spec, tmp_path / "out", progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls] == list(range(1, len(calls) + 1))
    assert {c[1] for c in calls} == {len(calls)}
    assert set(result.timings) == {"open", "read", "estimate", "tables", "write", "total"}


def test_language_option(small_survey, tmp_path, capsys):
    spec = write_spec(tmp_path, spec_text(small_survey, estimates="tables"))
    assert main(["build", str(spec), "--out", str(tmp_path / "ru"), "--lang", "ru"]) == 0
    err = capsys.readouterr().err
    assert "100%" in err and "mics build:" in err
    workbook = openpyxl.load_workbook(tmp_path / "ru" / "report.xlsx")
    assert workbook["EQ.1"]["A1"].value.startswith("Таблица EQ.1")
    assert "Содержание" in workbook.sheetnames


# ------------------------------------------------------------------ bad input


def _fails(args, capsys) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_missing_file_in_the_set(small_survey, tmp_path, capsys):
    survey = tmp_path / "survey"
    survey.mkdir()
    for path in small_survey.iterdir():
        if path.name != "wm.sav":
            os.symlink(path, survey / path.name)
    spec = write_spec(tmp_path, spec_text(small_survey, estimates="tables"))
    line = _fails(["build", str(spec), "--out", str(tmp_path / "out"), "--survey", str(survey),
                   "--quiet"], capsys)
    assert "'wm' is missing" in line and str(survey) in line
    assert not (tmp_path / "out").exists()
    with pytest.raises(ReadError):
        build_report(spec, tmp_path / "out", survey=survey)


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_unknown_indicator_id(small_survey, tmp_path, capsys):
    text = spec_text(small_survey).replace("- indicator: EQ.10b", "- indicator: EQ.10x", 1)
    spec = write_spec(tmp_path, text)
    line = _fails(["build", str(spec), "--out", str(tmp_path / "out")], capsys)
    where = f"{spec}:{_line_of(text, 'EQ.10x')}"
    assert where in line
    assert "key 'tables[0].columns[2].indicator'" in line and "EQ.10b" in line
    with pytest.raises(SpecError) as caught:
        load_report_spec(spec)
    assert caught.value.line == _line_of(text, "EQ.10x")
    assert caught.value.key == "tables[0].columns[2].indicator"


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("lonely_psu: adjust", "lonely_psu: sometimes", "options.lonely_psu"),
        ("    rows: [total, area, region, head_education, wealth]",
         "    rows: [total, area, region, head_educaton, wealth]", "tables[4].rows[3]"),
        ("    subtitle:\n      en: \"Percentage of household",
         "    subtitel:\n      en: \"Percentage of household", "tables[4].subtitel"),
        ("build_date: 2024-12-01", "build_date: soon", "build_date"),
    ],
)
def test_schema_error_names_file_line_and_key(small_survey, tmp_path, capsys, old, new, key):
    text = spec_text(small_survey)
    assert old in text
    text = text.replace(old, new, 1)
    spec = write_spec(tmp_path, text)
    line = _fails(["build", str(spec), "--out", str(tmp_path / "out")], capsys)
    expected_line = _line_of(text, new.splitlines()[0].strip())
    assert f"{spec}:{expected_line}: key '{key}'" in line


def test_output_path_is_an_existing_file(spec_path, tmp_path, capsys):
    target = tmp_path / "report"
    target.write_text("keep me")
    line = _fails(["build", str(spec_path), "--out", str(target)], capsys)
    assert str(target) in line and "is a file" in line
    assert target.read_text() == "keep me"


def test_output_path_not_writable(spec_path, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    line = _fails(["build", str(spec_path), "--out", str(blocker / "report")], capsys)
    assert "file.txt" in line
    with pytest.raises(OutputError):
        build_report(spec_path, blocker / "report")


def test_not_writable_folder_is_refused_before_work(spec_path, tmp_path, monkeypatch):
    import mics_toolkit.io.atomic as atomic

    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False)
    with pytest.raises(OutputError, match="not writable"):
        build_report(spec_path, tmp_path / "out")


def test_destination_is_a_directory_writes_nothing(small_survey, tmp_path, capsys):
    spec = write_spec(tmp_path, spec_text(small_survey, estimates="tables"))
    out = tmp_path / "out"
    (out / "report.xlsx").mkdir(parents=True)
    line = _fails(["build", str(spec), "--out", str(out), "--quiet"], capsys)
    assert "report.xlsx" in line and "directory" in line
    assert sorted(p.name for p in out.iterdir()) == ["report.xlsx"]


def test_progress_bar_lines():
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    for done in range(1, 21):
        bar(done, 20, f"step {done}")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # one per tenth, 0% to 100%
    assert lines[-1] == "[##########] 100% step 20"
