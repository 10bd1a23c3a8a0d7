"""``mics index``: the example index spec end to end on the synthetic survey at scale 0.05,
outputs against the library's result frames, byte-identical rebuilds, and bad specs whose
errors name file:line and the key (exit status 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mics_toolkit.cli.main import main
from mics_toolkit.errors import LinkError, SpecError
from mics_toolkit.index import assess_uncertainty, build_index
from mics_toolkit.index.yaml_spec import load_index_data, load_index_spec
from mics_toolkit.indicators import estimate_indicator, load_catalogue
from mics_toolkit.io import open_survey

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT_ROOT / "examples" / "kz_mics"
REPLICATES = "200"
OUTPUTS = {
    "index.xlsx", "league.csv", "domain_scores.csv", "scores.csv", "ranks.csv", "pairwise.csv",
    "pairwise_probability.csv", "indicators.csv", "framework.csv", "treatment.csv",
    "sensitivity_ranks.csv", "sensitivity_sobol.csv", "sensitivity_region_sobol.csv",
    "league.png", "domains.png", "manifest.json",
}


@pytest.fixture(scope="module")
def survey_folder(small_example_survey) -> Path:
    """The example survey at scale 0.05 (the session's, read only)."""
    return small_example_survey


@pytest.fixture(scope="module")
def built(survey_folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("index") / "out"
    code = main(["index", str(EXAMPLE / "index.yaml"), "--out", str(out), "--survey",
                 str(survey_folder), "--replicates", REPLICATES, "--quiet"])
    assert code == 0
    return out


def _spec_copy(tmp_path: Path, edit=None) -> Path:
    """The example spec and objective table copied to tmp_path, text edited by ``edit``."""
    text = (EXAMPLE / "index.yaml").read_text(encoding="utf-8")
    if edit is not None:
        text = edit(text)
    shutil.copy(EXAMPLE / "objective.csv", tmp_path / "objective.csv")
    path = tmp_path / "index.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


def _fails(capsys, spec: Path, *extra: str) -> str:
    code = main(["index", str(spec), "--out", str(spec.parent / "out"), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("mics index: error: ") and "\n" not in err
    return err


# ---------------------------------------------------------------------- end to end
def test_example_writes_every_output(built):
    assert {p.name for p in built.iterdir()} == OUTPUTS
    assert (built / "league.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_outputs_match_the_library(built, survey_folder):
    index_file = load_index_spec(EXAMPLE / "index.yaml")
    inputs = load_index_data(index_file, survey=survey_folder)
    result = build_index(index_file.spec, inputs.data)
    uncertainty = assess_uncertainty(index_file.spec, inputs.data, replicates=int(REPLICATES))
    league = pd.read_csv(built / "league.csv")
    pd.testing.assert_frame_equal(league, uncertainty.league, check_dtype=False)
    scores = pd.read_csv(built / "scores.csv")
    pd.testing.assert_frame_equal(scores, uncertainty.scores, check_dtype=False)
    domains = pd.read_csv(built / "domain_scores.csv").set_index("region")
    expected = result.scores.loc[domains.index]
    pd.testing.assert_frame_equal(domains.drop(columns="rank"), expected, check_dtype=False,
                                  check_names=False)
    # the workbook holds the same numbers
    sheet = openpyxl.load_workbook(built / "index.xlsx")["League table"]
    header = [c.value for c in sheet[4]]
    assert len(header) == len(uncertainty.league.columns)
    assert header[:6] == ["Rank", "Region", "Score", "Standard error", "Lower bound (95%)",
                          "Upper bound (95%)"]
    first = [c.value for c in sheet[5]]
    row = uncertainty.league.iloc[0]
    assert first[1] == row["region"] and first[2] == pytest.approx(row["estimate"], rel=1e-15)
    assert sheet.cell(5, header.index("Upper bound (95%)") + 1).number_format == "0.0"


def test_survey_values_are_the_catalogue_estimates(built, survey_folder):
    indicators = pd.read_csv(built / "indicators.csv")
    happiness = indicators[indicators["indicator"] == "happiness"].set_index("region")
    survey = open_survey(survey_folder)
    direct = estimate_indicator(survey, load_catalogue()["EQ.10b"], by="HH7",
                                lonely_psu="adjust")
    labels = survey.metadata("wm").value_labels["HH7"]
    direct_by_name = dict(zip(direct["HH7"].map(labels), direct["estimate"], strict=True))
    for region, value in happiness["value"].items():
        assert value == pytest.approx(direct_by_name[region], rel=1e-12)
    assert set(happiness["source"]) == {"survey"} and set(happiness["kind"]) == {"proportion"}


def test_rebuild_is_byte_identical(built, survey_folder, tmp_path, capsys):
    again = tmp_path / "again"
    code = main(["index", str(EXAMPLE / "index.yaml"), "--out", str(again), "--survey",
                 str(survey_folder), "--replicates", REPLICATES])
    assert code == 0
    captured = capsys.readouterr()
    assert "100% bootstrap" in captured.err  # progress on stderr
    assert "100% sensitivity" in captured.err
    assert "pairs of regions differ significantly" in captured.out
    assert "Astana city" in captured.out
    for path in built.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_engine_options_and_no_charts(survey_folder, tmp_path):
    out = tmp_path / "mc"
    code = main(["index", str(EXAMPLE / "index.yaml"), "--out", str(out), "--survey",
                 str(survey_folder), "--engine", "montecarlo", "--replicates", "50", "--seed",
                 "7", "--no-sensitivity", "--no-charts", "--quiet"])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert not any(n.endswith(".png") or n.startswith("sensitivity") for n in names)
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"uncertainty.engine": "montecarlo"' in manifest
    assert '"uncertainty.seed": "7"' in manifest
    assert '"uncertainty.replicates": "50"' in manifest


# ---------------------------------------------------------------------- bad specs
def test_unknown_catalogue_id_suggests_close_ids(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace("catalogue: EQ.9b", "catalogue: EQ.9c"))
    err = _fails(capsys, spec)
    line = _line_of(spec, "catalogue: EQ.9c")
    assert f"{spec}:{line}: key 'indicators[0].catalogue'" in err
    assert "EQ.9c" in err and "EQ.9b" in err  # did you mean ...


def test_a_median_of_the_catalogue_is_refused_with_its_line(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace("catalogue: EQ.9b",
                                                    "catalogue: EQ.9b.median"))
    err = _fails(capsys, spec)
    line = _line_of(spec, "catalogue: EQ.9b.median")
    assert f"{spec}:{line}: key 'indicators[0].catalogue'" in err
    assert "is a median" in err and "percentage, mean, ratio" in err


def test_cycle_in_the_hierarchy(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace(
        "{id: CWI, label: Child Well-being Index}",
        "{id: CWI, label: Child Well-being Index}\n  - {id: loop_a, parent: loop_b}\n"
        "  - {id: loop_b, parent: loop_a}"))
    err = _fails(capsys, spec)
    assert "cycle" in err and "loop_a" in err and "loop_b" in err
    assert f"{spec}:{_line_of(spec, 'id: loop_a')}: key 'groups[1]'" in err


def test_negative_weight(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace(
        "    parent: health\n    direction: -1\n    normalisation: {method: goalposts, "
        "goalposts: [0, 20]}",
        "    parent: health\n    direction: -1\n    weight: -2\n    normalisation: "
        "{method: goalposts, goalposts: [0, 20]}"))
    err = _fails(capsys, spec)
    assert f"{spec}:{_line_of(spec, 'weight: -2')}: key 'indicators[4].weight'" in err
    assert "infant_mortality" in err and "-2" in err


def test_region_missing_from_the_survey_and_the_reverse(survey_folder, tmp_path, capsys):
    spec = _spec_copy(tmp_path)
    table = pd.read_csv(tmp_path / "objective.csv")
    table["region"] = table["region"].replace({"Astana city": "Astana"})
    table.to_csv(tmp_path / "objective.csv", index=False)
    err = _fails(capsys, spec, "--survey", str(survey_folder))
    assert f"{spec}:{_line_of(spec, '  objective:')}: key 'data.objective'" in err
    assert "'Astana'" in err and "'Astana city'" in err
    index_file = load_index_spec(spec)
    with pytest.raises(LinkError) as caught:
        load_index_data(index_file, survey=survey_folder)
    assert set(caught.value.keys) == {"Astana", "Astana city"}


@pytest.mark.parametrize("bad", ["inf", "-inf"])
def test_infinite_objective_value(survey_folder, tmp_path, capsys, bad):
    spec = _spec_copy(tmp_path)
    text = (tmp_path / "objective.csv").read_text(encoding="utf-8")
    (tmp_path / "objective.csv").write_text(
        text.replace("Abai region,11.1,", f"Abai region,{bad},"), encoding="utf-8"
    )
    err = _fails(capsys, spec, "--survey", str(survey_folder), "--replicates", "20")
    assert f"{spec}:{_line_of(spec, '  objective:')}: key 'data.objective'" in err
    assert f"objective.csv: objective indicator 'infant_mortality' is {bad} in region " \
        "'Abai region'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("replicates", ["1000000000", "1"])
def test_replicates_option_outside_the_limit(survey_folder, tmp_path, capsys, replicates):
    spec = _spec_copy(tmp_path)
    err = _fails(capsys, spec, "--survey", str(survey_folder), "--replicates", replicates)
    assert err == (f"mics index: error: replicates={replicates} must be a whole number from 2 "
                   "to 100,000")
    assert not (tmp_path / "out").exists()


def test_objective_column_missing(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace("- id: child_poverty", "- id: child_povrty"))
    index_file = load_index_spec(spec)
    with pytest.raises(SpecError) as caught:
        index_file.read_objective()
    assert caught.value.line == _line_of(spec, "id: child_povrty")
    assert "child_poverty" in str(caught.value)  # close names


@pytest.mark.parametrize(
    ("old", "new", "fragment", "key"),
    [
        ("uncertainty:\n  engine: bootstrap", "uncertainty:\n  engine: boot", "engine: boot",
         "uncertainty.engine"),
        ("  replicates: 1000", "  replicats: 1000", "replicats", "uncertainty.replicats"),
        ("lonely_psu: adjust", "lonely_psu: adjusted", "lonely_psu", "data.lonely_psu"),
        ("aggregation: arithmetic", "agregation: arithmetic", "agregation", "agregation"),
        ("      targets: [CWI]", "      targets: [CWX]", "targets: [CWX]",
         "sensitivity.sources[2]"),
        ("    catalogue: EQ.10b", "    catalogue: EQ.10b\n    numerator: LS1 == 1",
         "numerator: LS1", "indicators[1].numerator"),
    ],
)
def test_bad_keys_are_located(tmp_path, capsys, old, new, fragment, key):
    spec = _spec_copy(tmp_path, lambda t: t.replace(old, new))
    err = _fails(capsys, spec)
    assert f"{spec}:{_line_of(spec, fragment)}: key '{key}" in err


def test_missing_survey_folder(tmp_path, capsys):
    spec = _spec_copy(tmp_path)
    err = _fails(capsys, spec, "--survey", str(tmp_path / "nowhere"))
    assert "nowhere" in err and "does not exist" in err
    spec = _spec_copy(tmp_path, lambda t: t.replace("../../build/kz_mics", "no_survey_here"))
    err = _fails(capsys, spec)
    assert f"{spec}:{_line_of(spec, 'no_survey_here')}: key 'data.survey'" in err


def test_invalid_yaml_and_missing_file(tmp_path, capsys):
    spec = _spec_copy(tmp_path, lambda t: t.replace("groups:\n", "groups:\n  - [unclosed\n"))
    err = _fails(capsys, spec)
    assert "not valid YAML" in err and f"{spec}:" in err
    err = _fails(capsys, tmp_path / "absent.yaml")
    assert "absent.yaml" in err and "does not exist" in err


def test_spec_records_catalogue_and_labels():
    index_file = load_index_spec(EXAMPLE / "index.yaml")
    spec = index_file.spec
    happiness = spec.indicator("happiness")
    assert happiness.catalogue == "EQ.10b" and happiness.label.startswith("Happiness")
    assert index_file.catalogue["violent_discipline"].files == ("ch", "fs")
    assert index_file.data.objective.file == EXAMPLE / "objective.csv"
    assert index_file.sensitivity_n == 100 and index_file.sensitivity_method == "sobol"
    assert index_file.build_date == "2024-09-15"
    assert np.isclose(spec.uncertainty.level, 0.95)
