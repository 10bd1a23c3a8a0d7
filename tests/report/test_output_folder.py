"""The output folder of a build: refused before any work when an input of the build lies in it
(real paths compared, so links and relative paths count) or when it holds files that no
build wrote or that changed since; outputs of the previous build that the new one does not
write go with it, so the folder always matches its manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main
from mics_toolkit.errors import OutputError
from mics_toolkit.report.output_folder import check_output_folder

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "examples" / "kz_mics"

WEIGHTING = """
weighting:
  - file: hh
    totals: {totals}
    method: raking
"""


def _fails(args, capsys) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _totals(path: Path) -> Path:
    lines = ["variable,level,total"] + [f"HH6,{k},{v}" for k, v in ((1, 250000.0),
                                                                   (2, 160000.0))]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built_report(small_example_survey, example_report_spec, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("built_report")
    spec = example_report_spec(folder / "spec", small_example_survey)
    mt.build_report(spec, folder / "out")
    return folder / "out"


# ---------------------------------------------------------------------- inputs in --out
def test_totals_named_like_an_output_is_refused(small_example_survey, example_report_spec,
                                               tmp_path, capsys):
    out = tmp_path / "out"
    totals = _totals(out / "report_estimates.csv")
    before = totals.read_bytes()
    spec = example_report_spec(tmp_path / "spec", small_example_survey)
    spec.write_text(spec.read_text(encoding="utf-8") + WEIGHTING.format(totals=totals),
                    encoding="utf-8")
    line = _fails(["build", str(spec), "--out", str(out), "--quiet"], capsys)
    assert f"the build reads {totals} (totals of weighting[0])" in line
    with pytest.raises(OutputError) as caught:
        mt.build_report(spec, out)
    assert caught.value.path == str(totals)
    assert totals.read_bytes() == before and _snapshot(out) == {totals.name: before}


def test_spec_saved_as_the_manifest_of_its_out_is_refused(small_example_survey,
                                                          example_report_spec, tmp_path,
                                                          capsys):
    out = tmp_path / "out"
    spec = example_report_spec(out, small_example_survey, name="manifest.json")
    before = spec.read_bytes()
    line = _fails(["build", str(spec), "--out", str(out), "--quiet"], capsys)
    assert f"the build reads {spec} (report spec)" in line
    assert _snapshot(out) == {"manifest.json": before}


def test_relative_and_linked_paths_are_compared_as_real_paths(small_example_survey,
                                                              example_report_spec, tmp_path,
                                                              monkeypatch):
    spec = example_report_spec(tmp_path / "project", small_example_survey)
    (tmp_path / "link").symlink_to(tmp_path / "project")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=r"report\.yaml \(report spec\)") as caught:
        mt.build_report(spec, "link")
    assert caught.value.path == str(spec)
    # a survey file linked from the survey folder into --out
    out = tmp_path / "out"
    out.mkdir()
    survey = tmp_path / "survey"
    survey.mkdir()
    for path in small_example_survey.iterdir():
        target = out / path.name if path.name == "wm.sav" else path
        if target != path:
            shutil.copy(path, target)
        (survey / path.name).symlink_to(target)
    with pytest.raises(OutputError, match=r"wm\.sav \(survey folder\) \(through ") as caught:
        mt.build_report(spec, "out", survey=survey)
    assert caught.value.path == str(out / "wm.sav")
    assert (out / "wm.sav").read_bytes() == (small_example_survey / "wm.sav").read_bytes()


def test_an_output_folder_inside_the_survey_folder_is_allowed(small_example_survey,
                                                              example_report_spec, tmp_path):
    survey = tmp_path / "survey"
    shutil.copytree(small_example_survey, survey)
    spec = example_report_spec(tmp_path / "spec", survey)
    build = mt.build_report(spec, survey / "report")
    assert build.outputs["report.xlsx"] == survey / "report" / "report.xlsx"
    mt.build_report(spec, survey / "report")  # the survey folder now holds the report folder


def _index_spec(folder: Path, objective: Path) -> Path:
    text = (EXAMPLE / "index.yaml").read_text(encoding="utf-8")
    assert "file: objective.csv" in text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.yaml"
    path.write_text(text.replace("file: objective.csv", f"file: {objective}"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["indicators.csv", "league.csv", "objective.csv"])
def test_objective_table_in_the_index_out_is_refused(small_example_survey, tmp_path, capsys,
                                                     name):
    out = tmp_path / "out"
    out.mkdir()
    objective = out / name
    shutil.copy(EXAMPLE / "objective.csv", objective)
    before = objective.read_bytes()
    spec = _index_spec(tmp_path / "spec", objective)
    line = _fails(["index", str(spec), "--out", str(out), "--survey", str(small_example_survey),
                   "--replicates", "20", "--no-charts", "--quiet"], capsys)
    assert f"the build reads {objective} (objective table)" in line
    assert _snapshot(out) == {name: before}


# ---------------------------------------------------------------------- files no build wrote
def test_files_no_build_wrote_are_kept_and_the_build_refused(built_report,
                                                             small_example_survey,
                                                             example_report_spec, tmp_path,
                                                             capsys):
    out = tmp_path / "out"
    shutil.copytree(built_report, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = _snapshot(out)
    spec = example_report_spec(tmp_path / "spec", small_example_survey,
                               build_date="2025-01-01")
    line = _fails(["build", str(spec), "--out", str(out), "--quiet"], capsys)
    assert "holds notes.txt, which no build wrote" in line
    assert _snapshot(out) == before
    (out / "notes.txt").unlink()
    mt.build_report(spec, out)
    assert json.loads((out / "manifest.json").read_text())["build_date"] == "2025-01-01"


def test_an_output_changed_since_its_build_is_kept(built_report, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built_report, out)
    with (out / "report_estimates.csv").open("a", encoding="utf-8") as handle:
        handle.write("my own line\n")
    before = _snapshot(out)
    with pytest.raises(OutputError, match="report_estimates.csv changed since the build") as e:
        check_output_folder(out, {})
    assert e.value.path == str(out / "report_estimates.csv")
    assert _snapshot(out) == before


def test_a_folder_without_a_manifest_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.xlsx").write_bytes(b"older tool")
    with pytest.raises(OutputError, match="holds report.xlsx, which no build wrote"):
        check_output_folder(out, {})
    (out / "report.xlsx").unlink()
    (out / "manifest.json").write_text("not json", encoding="utf-8")
    with pytest.raises(OutputError, match="holds manifest.json, which no build wrote"):
        check_output_folder(out, {})


def test_outputs_the_new_build_does_not_write_go_with_the_old_build(small_example_survey,
                                                                    tmp_path):
    out = tmp_path / "index"
    index_spec = EXAMPLE / "index.yaml"
    first = mt.build_index_report(index_spec, out, survey=small_example_survey, replicates=20)
    assert {"league.png", "domains.png"} <= {f.name for f in first.files}
    second = mt.build_index_report(index_spec, out, survey=small_example_survey, replicates=20,
                                   charts=False, sensitivity=False)
    names = {p.name for p in out.iterdir()}
    assert names == {f.name for f in second.files} == set(second.manifest["outputs"]) | {
        "manifest.json"}
    assert not any(n.endswith(".png") or n.startswith("sensitivity") for n in names)
