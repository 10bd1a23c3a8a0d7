"""The builds as library functions: ``mt.build_report`` and ``mt.build_index_report`` return a
frozen result listing every file written (path, size, SHA-256, as in ``manifest.json``) and
the manifest; the ``mics`` commands only parse arguments and call them; the index pipeline is
compiled once and the uncertainty replicates are drawn once per index build."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

import mics_toolkit as mt
from mics_toolkit.cli.main import main
from mics_toolkit.report.output_folder import OutputFile

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INDEX_SPEC = PROJECT_ROOT / "examples" / "kz_mics" / "index.yaml"
REPORT_OUTPUTS = ["report.xlsx", "report_estimates.csv", "report_estimates.parquet",
                  "report_gaps.csv", "report_gaps.parquet", "manifest.json"]


def _check_files(files, folder: Path, manifest: dict) -> None:
    """Every file listed is on disk with that size and SHA-256, the manifest lists the same,
    and the folder holds nothing else."""
    assert all(isinstance(f, OutputFile) for f in files)
    assert files[-1].name == "manifest.json"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in files)
    for f in files:
        assert f.path == folder / f.name
        data = f.path.read_bytes()
        assert f.size == len(data) > 0
        assert f.sha256 == hashlib.sha256(data).hexdigest()
        if f.name != "manifest.json":
            assert manifest["outputs"][f.name] == {"sha256": f.sha256, "bytes": f.size}
    assert set(manifest["outputs"]) == {f.name for f in files[:-1]}
    assert manifest == json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_build_report_is_exported_and_lists_what_it_wrote(small_example_survey,
                                                          example_report_spec, tmp_path):
    spec = example_report_spec(tmp_path / "spec", small_example_survey)
    calls = []
    build = mt.build_report(spec, tmp_path / "out", progress=lambda *a: calls.append(a))
    assert isinstance(build, mt.ReportBuild)
    assert [f.name for f in build.files] == REPORT_OUTPUTS
    _check_files(build.files, tmp_path / "out", build.manifest)
    assert build.manifest["build_date"] == "2024-12-01"
    assert build.outputs == {f.name: f.path for f in build.files}
    assert calls[-1][:2] == (len(calls), len(calls)) and calls[-1][2] == "wrote the report"
    with pytest.raises(dataclasses.FrozenInstanceError):
        build.files = ()


def test_a_build_in_one_process_writes_the_same_bytes_as_in_two(small_example_survey,
                                                                example_report_spec,
                                                                tmp_path, monkeypatch):
    """The build shares its estimates and its workbook with a forked process when the
    machine has two CPUs (``_WORKERS``); in one process every file is the same."""
    import mics_toolkit.indicators.compute as compute
    import mics_toolkit.report.build as build_module

    forks = []

    def counted(module):
        original = module.fork_call

        def fork_call(function):
            forks.append(module.__name__)
            return original(function)
        return fork_call

    monkeypatch.setattr(build_module, "fork_call", counted(build_module))
    monkeypatch.setattr(compute, "fork_call", counted(compute))
    spec = example_report_spec(tmp_path / "spec", small_example_survey)
    written, forked = {}, {}
    for workers in (1, 2):
        monkeypatch.setattr(build_module, "_WORKERS", workers)
        build = mt.build_report(spec, tmp_path / f"out{workers}")
        written[workers] = {f.name: f.path.read_bytes() for f in build.files}
        forked[workers], forks[:] = sorted(forks), []
    assert forked == {1: [], 2: ["mics_toolkit.indicators.compute", "mics_toolkit.report.build"]}
    assert list(written[1]) == REPORT_OUTPUTS
    assert written[1] == written[2]


def test_a_build_forks_no_worker_while_other_threads_run(small_example_survey,
                                                         example_report_spec, tmp_path,
                                                         monkeypatch):
    """In a process with other threads (a notebook's kernel) the build computes in its own
    process: a fork would copy only the calling thread."""
    import threading

    import mics_toolkit.indicators.compute as compute
    import mics_toolkit.report.build as build_module

    def refused(function):
        raise AssertionError("forked while another thread ran")

    monkeypatch.setattr(build_module, "_WORKERS", 2)
    monkeypatch.setattr(build_module, "fork_call", refused)
    monkeypatch.setattr(compute, "fork_call", refused)
    spec = example_report_spec(tmp_path / "spec", small_example_survey)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        build = mt.build_report(spec, tmp_path / "out")
    finally:
        stop.set()
        other.join()
    assert [f.name for f in build.files] == REPORT_OUTPUTS


def test_build_report_options_of_the_cli(small_example_survey, example_report_spec,
                                         tmp_path):
    from mics_toolkit.report.spec import load_report_spec

    elsewhere = tmp_path / "no_survey_here"
    spec = load_report_spec(example_report_spec(tmp_path / "spec", elsewhere))
    build = mt.build_report(spec, tmp_path / "ru", lang="ru", survey=small_example_survey)
    assert build.manifest["lang"] == "ru"
    import openpyxl

    workbook = openpyxl.load_workbook(build.outputs["report.xlsx"], read_only=True)
    assert "Содержание" in workbook.sheetnames


def test_build_index_report_is_exported_and_lists_what_it_wrote(small_example_survey,
                                                                tmp_path):
    build = mt.build_index_report(INDEX_SPEC, tmp_path / "index", survey=small_example_survey,
                                  replicates=40, charts=False, lang="kk")
    assert isinstance(build, mt.IndexBuild)
    _check_files(build.files, tmp_path / "index", build.manifest)
    names = [f.name for f in build.files]
    assert names[0] == "index.xlsx" and "league.csv" in names and "sensitivity_sobol.csv" in names
    assert not any(n.endswith(".png") for n in names)
    assert build.manifest["lang"] == "kk"
    assert build.manifest["conventions"]["uncertainty.replicates"] == "40"
    assert build.uncertainty.settings["replicates"] == 40
    assert build.sensitivity is not None and build.sensitivity.settings["replicates"] == 40
    with pytest.raises(dataclasses.FrozenInstanceError):
        build.sensitivity = None


@pytest.mark.parametrize(("options", "option"), [
    ({"replicates": 10**9}, "replicates"), ({"replicates": 1}, "replicates"),
    ({"engine": "jackknife"}, "engine"), ({"seed": -1}, "seed"),
])
def test_index_build_checks_its_options_before_reading_the_survey(tmp_path, monkeypatch,
                                                                   options, option):
    """An option out of range is reported at once: the survey (here absent) is not read."""
    import mics_toolkit.report.index_build as index_build

    def never(*args, **kwargs):
        raise AssertionError("the survey was read before the options were checked")

    monkeypatch.setattr(index_build, "load_index_data", never)
    with pytest.raises(mt.OptionError) as caught:
        mt.build_index_report(INDEX_SPEC, tmp_path / "index", survey=tmp_path / "nothing",
                              **options)
    assert caught.value.option == option


def test_index_build_compiles_once_and_draws_once(small_example_survey, tmp_path,
                                                  monkeypatch):
    import mics_toolkit.index.pipeline as pipeline
    import mics_toolkit.index.uncertainty as uncertainty

    compiled, drawn = [], []
    compile_ = pipeline.IndexPipeline.compile.__func__
    bootstrap = uncertainty.bootstrap_values

    def counting_compile(cls, spec, data):
        compiled.append(spec.root)
        return compile_(cls, spec, data)

    def counting_bootstrap(data, replicates, rng):
        drawn.append(replicates)
        yield from bootstrap(data, replicates, rng)

    monkeypatch.setattr(pipeline.IndexPipeline, "compile", classmethod(counting_compile))
    monkeypatch.setattr(uncertainty, "bootstrap_values", counting_bootstrap)
    build = mt.build_index_report(INDEX_SPEC, tmp_path / "index", survey=small_example_survey,
                                  replicates=30, charts=False)
    assert compiled == ["CWI"]
    assert drawn == [30]
    assert build.sensitivity.settings["engine"] == "bootstrap"
    assert build.sensitivity.settings["seed"] == build.uncertainty.settings["seed"]


def test_the_commands_call_the_library(monkeypatch, tmp_path, capsys):
    import mics_toolkit.report.build as report_build
    import mics_toolkit.report.index_build as index_build

    seen = {}

    class Result:
        files = ()

        @property
        def outputs(self):
            return {"report.xlsx": tmp_path / "report.xlsx"}

        def summary(self):
            return "summary"

    def fake_report(spec, out, **options):
        seen["build"] = (spec, out, options)
        return Result()

    def fake_index(spec, out, **options):
        seen["index"] = (spec, out, options)
        return dataclasses.make_dataclass("B", ["files", "uncertainty"])((), None)

    monkeypatch.setattr(report_build, "build_report", fake_report)
    monkeypatch.setattr(index_build, "build_index_report", fake_index)
    assert main(["build", "r.yaml", "--out", "o", "--lang", "kk", "--survey", "s",
                 "--quiet"]) == 0
    assert seen["build"][:2] == ("r.yaml", "o")
    assert seen["build"][2] == {"lang": "kk", "survey": "s", "progress": None}
    assert main(["index", "i.yaml", "--out", "x", "--engine", "delta", "--replicates", "9",
                 "--seed", "4", "--no-sensitivity", "--no-charts", "--quiet"]) == 0
    assert seen["index"] == ("i.yaml", "x", {
        "survey": None, "engine": "delta", "replicates": 9, "seed": 4, "sensitivity": False,
        "charts": False, "lang": "en", "progress": None})
    assert "wrote " in capsys.readouterr().out
