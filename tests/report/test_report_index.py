"""Index outputs (report/index_outputs.py) on a small synthetic index: tables against the result
frames, the workbook read back with openpyxl, CSV read back with pandas, charts, manifest,
byte-identical rebuilds, and output errors."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OutputError
from mics_toolkit.index import (
    IndexSpec,
    ObjectiveTable,
    assess_uncertainty,
    build_index,
    link_data,
    sensitivity_analysis,
    survey_totals,
)
from mics_toolkit.report import BuildInfo
from mics_toolkit.report.index_outputs import (
    HEADER_ROW,
    domain_heatmap_png,
    index_outputs,
    index_tables,
    league_chart_png,
    write_index_outputs,
)

REGIONS = {1: "North", 2: "South", 3: "East", 4: "West", 5: "Centre", 6: "Capital"}
SPEC = {
    "name": "Test index",
    "groups": [
        {"id": "CWI", "label": "Test index"},
        {"id": "child", "parent": "CWI", "label": "Child"},
        {"id": "family", "parent": "CWI", "label": "Family"},
    ],
    "indicators": [
        {"id": "happy", "parent": "child", "source": "survey", "numerator": "happy == 1"},
        {"id": "safe", "parent": "child", "source": "survey", "numerator": "safe == 1"},
        {"id": "mortality", "parent": "family", "source": "objective", "direction": -1,
         "normalisation": {"method": "goalposts", "goalposts": [0, 30]}},
    ],
    "uncertainty": {"replicates": 60, "seed": 11},
    "sensitivity": [
        {"name": "sampling", "kind": "sampling"},
        {"name": "aggregation", "kind": "aggregation", "targets": ["CWI"],
         "alternatives": ["arithmetic", "geometric"]},
    ],
}
LABELS = {"CWI": "Test index", "child": "Child", "family": "Family"}


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    psu = np.repeat(np.arange(1, 37), 12)
    region = (psu - 1) % 6 + 1
    effect = rng.normal(0, 0.6, 36)[psu - 1] + 0.3 * region
    return pd.DataFrame({
        "HH1": psu,
        "stratum": (psu - 1) // 9 + 1,
        "HH7": region,
        "weight": rng.uniform(0.5, 1.5, psu.size),
        "happy": (rng.normal(size=psu.size) + effect > 0.8).astype(float),
        "safe": (rng.normal(size=psu.size) + 0.5 * effect > 0.2).astype(float),
    })


@pytest.fixture(scope="module")
def run():
    spec = IndexSpec.from_dict(SPEC)
    design = mt.SurveyDesign(_frame(), weight="weight", strata="stratum", psu="HH1")
    totals = survey_totals(design, spec.survey_definitions(), region="HH7",
                           region_labels=REGIONS)
    names = list(REGIONS.values())
    values = pd.DataFrame({"mortality": [12.0, 20.0, 8.0, 15.0, 10.0, 6.0]}, index=names)
    se = pd.DataFrame({"mortality": [1.0, 2.0, 1.0, 1.5, 1.0, 0.5]}, index=names)
    data = link_data(spec, survey=totals, objective=ObjectiveTable(values, se))
    result = build_index(spec, data)
    uncertainty = assess_uncertainty(spec, data)
    sensitivity = sensitivity_analysis(spec, data, n=8, seed=3, replicates=30)
    return result, uncertainty, data, sensitivity


@pytest.fixture(scope="module")
def info() -> BuildInfo:
    return BuildInfo(build_date="2024-09-15", title="Test index", spec_hash="abc",
                     inputs={"objective.csv": "0" * 64}, versions={"mics-toolkit": "0.1.0"})


@pytest.fixture(scope="module")
def written(run, info, tmp_path_factory):
    result, uncertainty, data, sensitivity = run
    folder = tmp_path_factory.mktemp("index_outputs") / "out"
    return write_index_outputs(folder, result, uncertainty, data, sensitivity, info=info,
                               labels=LABELS)


def test_tables_are_the_result_frames(run):
    result, uncertainty, data, sensitivity = run
    tables = index_tables(result, uncertainty, data, sensitivity, labels=LABELS)
    pd.testing.assert_frame_equal(tables["league"], uncertainty.league)
    pd.testing.assert_frame_equal(tables["scores"], uncertainty.scores)
    pd.testing.assert_frame_equal(tables["sensitivity_sobol"], sensitivity.sobol)
    domains = tables["domain_scores"]
    assert list(domains.columns) == ["rank", "region", "CWI", "child", "family"]
    assert list(domains["region"]) == list(uncertainty.league["region"])
    assert domains["rank"].is_monotonic_increasing
    indicators = tables["indicators"]
    assert len(indicators) == 6 * 3
    north = indicators[indicators["region"] == "North"].set_index("indicator")
    assert north.loc["happy", "value"] == result.values.loc["North", "happy"]
    assert north.loc["mortality", "se"] == 1.0 and north.loc["mortality", "source"] == "objective"
    assert north.loc["happy", "kind"] == "proportion"
    assert tables["framework"]["label"].tolist()[:3] == ["Test index", "Child", "Family"]


def test_every_file_is_written_with_a_manifest(written):
    names = list(written)
    assert names[0] == "index.xlsx" and names[-1] == "manifest.json"
    assert {"league.png", "domains.png", "league.csv", "sensitivity_sobol.csv"} <= set(names)
    manifest = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    for name, path in written.items():
        if name != "manifest.json":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert manifest["outputs"][name]["sha256"] == digest
    assert manifest["build_date"] == "2024-09-15"
    assert manifest["conventions"]["uncertainty.engine"] == "bootstrap"
    assert manifest["conventions"]["uncertainty.seed"] == "11"
    assert "matplotlib" in manifest["versions"]


def test_csv_files_read_back_as_the_tables(run, written):
    result, uncertainty, data, sensitivity = run
    tables = index_tables(result, uncertainty, data, sensitivity, labels=LABELS)
    for name in ("league", "scores", "ranks", "domain_scores", "indicators",
                 "sensitivity_ranks"):
        back = pd.read_csv(written[f"{name}.csv"], keep_default_na=True)
        expected = tables[name]
        assert list(back.columns) == list(expected.columns), name
        for column in expected.columns:
            if pd.api.types.is_float_dtype(expected[column]):
                np.testing.assert_array_equal(back[column].to_numpy(dtype=float),
                                              expected[column].to_numpy(dtype=float))
            else:
                shown = ["" if pd.isna(v) else str(v) for v in back[column]]
                assert shown == expected[column].astype(str).tolist(), (name, column)
    pairwise = pd.read_csv(written["pairwise.csv"]).set_index("region")
    assert pairwise.to_numpy(dtype=bool).tolist() == uncertainty.pairwise.to_numpy().tolist()


LEAGUE_HEADERS = ["Rank", "Region", "Score", "Standard error", "Lower bound (95%)",
                  "Upper bound (95%)", "Median rank", "Rank interval (90%): from",
                  "Rank interval (90%): to", "Probability of top third",
                  "Probability of bottom third", "Third"]


def test_workbook_sheets_values_and_formats(run, written):
    uncertainty = run[1]
    workbook = openpyxl.load_workbook(written["index.xlsx"])
    assert workbook.sheetnames == ["Explanation", "League table", "Domain scores", "Scores",
                                   "Ranks", "Pairwise", "Indicators", "Framework",
                                   "Sensitivity", "Sobol indices", "Metadata"]
    league = workbook["League table"]
    header = [c.value for c in league[HEADER_ROW]]
    assert header == LEAGUE_HEADERS
    columns = list(uncertainty.league.columns)
    for i, row in enumerate(uncertainty.league.itertuples(index=False), start=HEADER_ROW + 1):
        cells = {name: league.cell(i, j + 1) for j, name in enumerate(columns)}
        assert cells["region"].value == row.region
        assert cells["estimate"].value == pytest.approx(row.estimate, rel=1e-15)
        assert cells["p_top"].value == pytest.approx(row.p_top, rel=1e-15)
        assert cells["estimate"].number_format == "0.0"
        assert cells["p_top"].number_format == "0.00"
        assert cells["rank"].number_format == "0"
        assert cells["third"].value == f"{row.third} third"
    assert "95%" in league["A2"].value and "60 replicates" in league["A2"].value
    top = league.cell(HEADER_ROW + 1, 1).fill.start_color.rgb
    bottom = league.cell(HEADER_ROW + 6, 1).fill.start_color.rgb
    assert top != bottom
    pairwise = workbook["Pairwise"]
    assert [c.value for c in pairwise[HEADER_ROW]] == ["Region", *REGIONS.values()]
    different = uncertainty.pairwise.to_numpy(dtype=bool)
    for r in range(6):
        for c in range(6):
            cell = pairwise.cell(HEADER_ROW + 1 + r, 2 + c)
            assert (cell.fill.fill_type == "solid") == bool(different[r, c])
            if r != c:
                assert cell.value == pytest.approx(
                    uncertainty.pairwise_probability.iloc[r, c], rel=1e-15)
    domains = workbook["Domain scores"]
    assert [c.value for c in domains[HEADER_ROW]] == ["Rank", "Region", "Test index", "Child",
                                                      "Family"]
    assert domains.cell(HEADER_ROW + 1, 3).number_format == "0.0"
    scores = workbook["Scores"]
    assert [c.value for c in scores[HEADER_ROW]][:3] == ["Region", "Group", "Score"]
    assert scores.cell(HEADER_ROW + 1, 2).value == "Test index"  # the label of node CWI
    metadata = {(r[0], r[1]): r[2] for r in workbook["Metadata"].iter_rows(
        min_row=4, values_only=True)}
    assert metadata[("build", "build date")] == "2024-09-15"
    assert metadata[("conventions", "uncertainty.replicates")] == "60"
    assert workbook.properties.created.isoformat().startswith("2024-09-15")


def test_workbook_zip_has_fixed_dates(written):
    with zipfile.ZipFile(written["index.xlsx"]) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_rebuild_gives_identical_bytes(run, info, written, tmp_path):
    result, uncertainty, data, sensitivity = run
    again = write_index_outputs(tmp_path / "again", result, uncertainty, data, sensitivity,
                                info=info, labels=LABELS)
    assert list(again) == list(written)
    for name, path in written.items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_charts_are_png_without_software_stamp(run, written):
    for name in ("league.png", "domains.png"):
        content = written[name].read_bytes()
        assert content[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"Software" not in content and b"matplotlib" not in content
    assert league_chart_png(run[1]) == league_chart_png(run[1])


def test_heat_map_with_a_missing_score():
    tables = {"domain_scores": pd.DataFrame({
        "rank": [1.0, 2.0, np.nan], "region": ["A", "B", "C"], "CWI": [60.0, 50.0, np.nan],
        "child": [70.0, 40.0, 55.0], "family": [50.0, 60.0, np.nan]})}
    content = domain_heatmap_png(tables, ["child", "family"], labels={"child": "Child"})
    assert content[:8] == b"\x89PNG\r\n\x1a\n"


def test_options_leave_out_charts_and_csv(run, info):
    result, uncertainty, data, _ = run
    outputs = index_outputs(result, uncertainty, data, info=info, charts=False, csv=False)
    assert list(outputs) == ["index.xlsx", "manifest.json"]
    workbook = openpyxl.load_workbook(io.BytesIO(outputs["index.xlsx"]))
    assert "Sensitivity" not in workbook.sheetnames
    assert "Sobol indices" not in workbook.sheetnames
    manifest = json.loads(outputs["manifest.json"])
    assert "matplotlib" not in manifest["versions"]


def test_output_folder_that_is_a_file(run, info, tmp_path):
    result, uncertainty, data, _ = run
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_index_outputs(target, result, uncertainty, data, info=info, charts=False)
    assert caught.value.path == str(target)
    assert target.read_text(encoding="utf-8") == "x"


def test_language_of_the_workbook_and_charts(run, info):
    result, uncertainty, data, sensitivity = run
    english = index_outputs(result, uncertainty, data, sensitivity, info=info, labels=LABELS)
    kazakh = index_outputs(result, uncertainty, data, sensitivity, info=info, labels=LABELS,
                           lang="kk")
    book = openpyxl.load_workbook(io.BytesIO(kazakh["index.xlsx"]))
    assert book.sheetnames == ["Түсіндірме", "Рейтинг", "Домендер бойынша балл", "Балдар",
                               "Рангтер", "Жұптық салыстыру", "Индикаторлар", "Құрылым",
                               "Сезімталдық", "Соболь индекстері", "Метадеректер"]
    league = book["Рейтинг"]
    assert [c.value for c in league[HEADER_ROW]][:3] == ["Ранг", "Өңір", "Балл"]
    assert league.cell(HEADER_ROW + 1, 12).value == "жоғарғы үштен бір"
    assert json.loads(kazakh["manifest.json"])["lang"] == "kk"
    assert json.loads(english["manifest.json"])["lang"] == "en"
    for name in english:
        if name.endswith(".csv"):
            assert kazakh[name] == english[name], name
    assert kazakh["league.png"] != english["league.png"]  # translated axis label and legend
    with pytest.raises(mt.errors.OptionError):
        index_outputs(result, uncertainty, data, info=info, charts=False, lang="de")


def test_probability_headers_name_the_top_group(run, info):
    import dataclasses

    from mics_toolkit.report.index_outputs import index_sheets

    result, uncertainty, data, sensitivity = run
    tables = index_tables(result, uncertainty, data, sensitivity, labels=LABELS)
    sheets = {s.name: s for s in index_sheets(tables, info=info, uncertainty=uncertainty)}
    assert sheets["League table"].headers["p_top"] == "Probability of top third"
    one = dataclasses.replace(uncertainty, settings={**uncertainty.settings, "top": 1})
    sheets = {s.name: s for s in index_sheets(tables, info=info, uncertainty=one)}
    assert sheets["League table"].headers["p_top"] == "Probability of top 1"
    assert sheets["Ranks"].headers["p_bottom"] == "Probability of bottom 1"
    assert sheets["League table"].key_columns == 2
