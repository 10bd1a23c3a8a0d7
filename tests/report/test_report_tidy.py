"""Tidy CSV and Parquet, the manifest and the whole report folder: contents, determinism,
atomic writes and output errors."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from report_synthetic import BREAKDOWNS, make_info

from mics_toolkit.errors import OutputError, ReadError, SpecError
from mics_toolkit.estimate import RESULT_COLUMNS
from mics_toolkit.report import (
    MANIFEST_NAME,
    TIDY_COLUMNS,
    BuildInfo,
    bytes_sha256,
    csv_bytes,
    file_sha256,
    manifest_bytes,
    package_versions,
    parquet_bytes,
    tidy_frame,
    write_csv,
    write_manifest,
    write_parquet,
    write_report,
)

OUTPUTS = ["report.xlsx", "report_estimates.csv", "report_estimates.parquet", MANIFEST_NAME]


@pytest.fixture(scope="module")
def tidy(estimates) -> pd.DataFrame:
    return tidy_frame(estimates, breakdowns=BREAKDOWNS)


def test_tidy_columns_labels_and_flags(tidy, estimates):
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert tidy["n_unweighted"].dtype == np.int64
    for name in RESULT_COLUMNS:
        np.testing.assert_array_equal(tidy[name], estimates[name])  # full precision
    region = tidy.loc[(tidy["indicator"] == "EQ.10") & (tidy["breakdown"] == "HH7")]
    assert region["label"].tolist() == [f"Region {c}" for c in range(1, 6)]
    assert region["flags"].tolist() == ["", "", "25-49", "25-49", "<25"]
    assert tidy["label"].iloc[0] == "Total"
    russian = tidy_frame(estimates, breakdowns=BREAKDOWNS, lang="ru")
    assert russian["label"].iloc[:3].tolist() == ["Всего", "Город", "Село"]
    assert tidy_frame(estimates)["label"].iloc[1] == ""  # no breakdowns given: no labels


def test_csv_round_trip_and_determinism(tidy):
    data = csv_bytes(tidy)
    assert data == csv_bytes(tidy.copy())
    assert data.startswith(b"indicator,breakdown,category,label,estimate,")
    assert b"\r\n" not in data
    back = pd.read_csv(io.BytesIO(data), dtype={"category": str}, keep_default_na=False)
    np.testing.assert_array_equal(back["estimate"].to_numpy(), tidy["estimate"].to_numpy())
    assert back["flags"].tolist() == tidy["flags"].tolist()


def test_parquet_round_trip_and_determinism(tidy):
    data = parquet_bytes(tidy)
    assert data == parquet_bytes(tidy.copy())
    table = pq.read_table(io.BytesIO(data))
    assert table.column_names == list(TIDY_COLUMNS)
    assert b"pandas" not in (table.schema.metadata or {})
    assert str(table.schema.field("n_unweighted").type) == "int64"
    back = table.to_pandas()
    np.testing.assert_array_equal(back["se"].to_numpy(), tidy["se"].to_numpy())
    assert back["category"].tolist() == tidy["category"].tolist()


def test_writers_are_atomic_and_check_paths(tmp_path, tidy):
    assert write_csv(tidy, tmp_path / "t.csv").read_bytes() == csv_bytes(tidy)
    assert write_parquet(tidy, tmp_path / "t.parquet").read_bytes() == parquet_bytes(tidy)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(OutputError) as error:
        write_csv(tidy, tmp_path / "dir.csv")
    assert error.value.path == str(tmp_path / "dir.csv")
    with pytest.raises(OutputError):
        write_parquet(tidy, tmp_path / "missing" / "t.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.csv", "t.csv", "t.parquet"]


def test_report_folder_and_manifest(report, info):
    assert list(report) == OUTPUTS
    manifest = json.loads(report[MANIFEST_NAME].read_text(encoding="utf-8"))
    text = report[MANIFEST_NAME].read_text(encoding="utf-8")
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    for name in OUTPUTS[:-1]:
        assert manifest["outputs"][name]["sha256"] == file_sha256(report[name])
        assert manifest["outputs"][name]["bytes"] == report[name].stat().st_size
    assert manifest["inputs"]["wm.sav"] == {"sha256": "a" * 64}
    assert manifest["spec_sha256"] == "9" * 64
    assert manifest["build_date"] == "2024-06-30"
    assert manifest["design"]["wm"]["psu"] == "HH1"
    assert manifest["conventions"]["df"] == "design"
    assert manifest["format"] == "mics_toolkit manifest 1"


def test_report_rebuild_is_byte_identical(tmp_path, report, estimates, tables, info):
    again = write_report(tmp_path / "again", tables=tables, estimates=estimates, info=info,
                         breakdowns=BREAKDOWNS, notes=__import__("report_synthetic").NOTES)
    for name in OUTPUTS:
        assert again[name].read_bytes() == report[name].read_bytes(), name


def test_bad_destination_writes_nothing(tmp_path, estimates, tables, info):
    (tmp_path / "report.xlsx").mkdir()
    with pytest.raises(OutputError) as error:
        write_report(tmp_path, tables=tables, estimates=estimates, info=info)
    assert error.value.path == str(tmp_path / "report.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    a_file = tmp_path / "plain"
    a_file.write_text("x")
    with pytest.raises(OutputError) as error:
        write_report(a_file, tables=tables, estimates=estimates, info=info)
    assert error.value.path == str(a_file)


def test_report_creates_its_folder_and_can_skip_parquet(tmp_path, estimates, tables, info):
    written = write_report(tmp_path / "new" / "build", tables=tables, estimates=estimates,
                           info=info, parquet=False, name="kz")
    assert list(written) == ["kz.xlsx", "kz_estimates.csv", MANIFEST_NAME]


def test_build_info_checks_and_hashes(tmp_path):
    with pytest.raises(SpecError) as error:
        make_info(build_date="yesterday")
    assert error.value.key == "build_date"
    assert make_info(build_date="2024-06-30T12:00:00+05:00").build_datetime.hour == 7
    versions = package_versions()
    assert {"python", "mics-toolkit", "numpy", "pandas", "openpyxl"} <= set(versions)
    assert BuildInfo("2024-01-01").versions == versions
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == bytes_sha256(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    with pytest.raises(ReadError) as error:
        file_sha256(tmp_path / "absent")
    assert error.value.path == str(tmp_path / "absent")


def test_write_manifest_hashes_files(tmp_path, info):
    output = tmp_path / "a.csv"
    output.write_bytes(b"x,y\n")
    path = write_manifest(tmp_path / "manifest.json", info, {"a.csv": output})
    assert path.read_bytes() == manifest_bytes(info, {"a.csv": b"x,y\n"})
    with pytest.raises(ReadError):
        write_manifest(tmp_path / "m2.json", info, {"b.csv": tmp_path / "absent.csv"})
    with pytest.raises(OutputError):
        write_manifest(tmp_path, info, {})


# ---------------------------------------------------------------------- the tidy gaps table
def test_tidy_gaps_frame_labels_flags_and_bytes():
    from mics_toolkit.indicators import GAP_COLUMNS
    from mics_toolkit.report.tidy import (
        GAP_TIDY_COLUMNS,
        gaps_csv_bytes,
        gaps_parquet_bytes,
        tidy_gaps_frame,
    )

    gaps = pd.DataFrame({
        "indicator": ["EQ.10", "EQ.9"], "breakdown": ["HH6", "HH6"],
        "kind": ["difference", "ratio"], "first": ["1", "2"], "second": ["2", "7"],
        "contrast": ["1 - 2", "2 / 7"], "estimate": [0.05, 1.2], "se": [0.01, 0.3],
        "ci_lower": [0.03, 0.6], "ci_upper": [0.07, 1.8], "df": [10.0, 10.0],
        "statistic": [5.0, 0.67], "p_value": [0.0005, 0.05], "n_unweighted": [30, 300],
    })[list(GAP_COLUMNS)]
    tidy = tidy_gaps_frame(gaps, breakdowns=BREAKDOWNS, lang="ru")
    assert list(tidy.columns) == list(GAP_TIDY_COLUMNS)
    assert tidy["label"].tolist() == ["Разница: Город - Село", "Отношение: Село / 7"]
    assert tidy["significant"].tolist() == [True, False]  # p = 0.05 is not below 0.05
    assert tidy["flags"].tolist() == ["25-49", ""]
    text = gaps_csv_bytes(tidy).decode("utf-8").splitlines()
    assert text[0] == ",".join(GAP_TIDY_COLUMNS)
    assert text[1].startswith("EQ.10,HH6,difference,1,2,1 - 2,Разница: Город - Село,0.05,")
    table = pq.read_table(io.BytesIO(gaps_parquet_bytes(tidy)))
    assert table.schema.field("significant").type == "bool"
    assert table.column("estimate").to_pylist() == [0.05, 1.2]
    assert gaps_parquet_bytes(tidy) == gaps_parquet_bytes(tidy_gaps_frame(gaps,
                                                                          breakdowns=BREAKDOWNS,
                                                                          lang="ru"))
    with pytest.raises(ValueError, match="not a tidy gaps frame"):
        gaps_csv_bytes(gaps)
