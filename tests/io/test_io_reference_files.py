"""Reading real files nobody on the project wrote: Stata's nhanes2 and the DHS model men's recode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.cli.main import main
from mics_toolkit.errors import ReadError, VariableError
from mics_toolkit.io import describe, read, read_metadata


@pytest.fixture(scope="module")
def nhanes2_path(reference_dir):
    path = reference_dir / "nhanes2" / "nhanes2.dta"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def men_path(reference_dir):
    path = reference_dir / "dhs-model" / "ZZMR61FL.DTA"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def nhanes2(nhanes2_path):
    return read(nhanes2_path)


@pytest.fixture(scope="module")
def men(men_path):
    return read(men_path)


def test_nhanes2_shape_labels_and_types(nhanes2):
    frame, meta = nhanes2.frame, nhanes2.meta
    assert frame.shape == (10351, 58)
    assert meta.file_format == "dta"
    assert meta.variable_labels["strata"] == "stratum identifier, 1-32"
    assert meta.variable_labels["psu"] == "primary sampling unit, 1 or 2"
    assert meta.variable_labels["sex"] == "1=male, 2=female"
    assert meta.value_labels["region"] == {1: "NE", 2: "MW", 3: "S", 4: "W"}
    assert meta.value_labels["sex"] == {1: "Male", 2: "Female"}
    assert meta.value_labels["agegrp"][6] == "70+"
    # every column is numeric: Stata integer columns with missing values are float64
    assert all(dtype.kind in "if" for dtype in frame.dtypes)
    assert frame["highlead"].dtype == np.float64
    assert int(frame["highlead"].isna().sum()) == 5403
    assert frame["strata"].nunique() == 31 and frame["psu"].nunique() == 2
    assert int(frame["finalwgt"].sum()) == 117_157_513


def test_nhanes2_top_code_and_other_are_classified(nhanes2):
    assert nhanes2.meta.special_codes == {"agegrp": {6: "top_code"}, "race": {3: "other"}}


def test_nhanes2_columns(nhanes2_path, nhanes2):
    subset = read(nhanes2_path, columns=["finalwgt", "strata", "psu", "region"])
    assert list(subset.frame.columns) == ["finalwgt", "strata", "psu", "region"]
    assert subset.frame.equals(nhanes2.frame[["finalwgt", "strata", "psu", "region"]])
    assert set(subset.meta.value_labels) == {"region"}


def test_men_recode_shape_and_design_variables(men):
    frame, meta = men.frame, men.meta
    assert frame.shape == (3621, 526)
    for name in ("mv005", "mv021", "mv023"):
        assert name in frame.columns
        assert frame[name].notna().all()
    assert meta.variable_labels["mv005"] == "men's sample weight (6 decimals)"
    assert meta.variable_labels["mv021"] == "primary sampling unit"
    assert meta.value_labels["mv023"][1] == "region 1 - urban"
    assert len(meta.value_labels["mv023"]) == 8
    assert frame["mv023"].nunique() == 8
    assert meta.value_labels["mv025"] == {1: "urban", 2: "rural"}
    assert frame["mcaseid"].iloc[0].strip() == "1  2  3"
    numeric = [c for c in frame.columns if c not in ("mcaseid", "mv000")]
    assert all(frame[c].dtype.kind in "if" for c in numeric)


def test_men_recode_special_codes(men):
    codes = men.meta.special_codes
    assert codes["mv527"] == {
        199: "no_response",
        299: "no_response",
        399: "no_response",
        499: "no_response",
        995: "non_numeric",  # 'within last 4 weeks', above every measured value
        996: "non_numeric",  # 'before last birth'
        997: "inconsistent",
        998: "dont_know",
    }
    assert codes["mv613"] == {96: "non_numeric", 98: "dont_know"}  # ideal number of children
    assert codes["mv525"] == {96: "non_numeric", 97: "inconsistent", 98: "dont_know"}
    assert codes["mv853a"] == {95: "top_code", 98: "dont_know"}
    assert "mv015" not in codes or 4 not in codes["mv015"]  # 4 "refused" is a result code
    table = describe(men).set_index("name")
    # age at circumcision: 95 "during childhood <5 years" is not an age
    assert table.loc["mv483a", "special_codes"] == "95=non_numeric (1681); 98=dont_know (672)"


def test_men_recode_columns_and_case_suggestion(men_path):
    subset = read(men_path, columns=["mv005", "mv021", "mv023", "mv012"])
    assert subset.frame.shape == (3621, 4)
    with pytest.raises(VariableError) as caught:
        read(men_path, columns=["MV005"])
    assert caught.value.close_matches[0] == "mv005"
    assert str(men_path) in str(caught.value)


def test_read_metadata_only(men_path):
    names, n_rows, meta = read_metadata(men_path)
    assert len(names) == 526 and n_rows == 3621
    assert meta.value_labels["mv025"] == {1: "urban", 2: "rural"}


@pytest.mark.parametrize("which", ["nhanes2_path", "men_path"])
def test_reference_files_are_not_modified(request, which):
    path = request.getfixturevalue(which)
    before = (path.stat().st_mtime_ns, path.stat().st_size, path.read_bytes())
    read(path, columns=[read_metadata(path)[0][0]])
    read(path, special_codes="missing", user_missing="keep")
    after = (path.stat().st_mtime_ns, path.stat().st_size, path.read_bytes())
    assert after == before


def test_truncated_reference_file(men_path, tmp_path):
    from mics_toolkit.errors import ReadError

    payload = men_path.read_bytes()
    bad = tmp_path / "ZZMR61FL.DTA"
    bad.write_bytes(payload[: len(payload) // 3])
    with pytest.raises(ReadError) as caught:
        read(bad)
    assert caught.value.path == str(bad)


def test_truncated_in_its_value_labels_is_a_read_error(men_path, tmp_path):
    # today the first 99% of the file reads without an error and without its last labels
    payload = men_path.read_bytes()
    bad = tmp_path / "ZZMR61FL.DTA"
    bad.write_bytes(payload[: len(payload) * 99 // 100])
    for how in (read, read_metadata):
        with pytest.raises(ReadError) as caught:
            how(bad)
        assert caught.value.path == str(bad)
        assert f"cannot read {bad}: the file is truncated or damaged" in str(caught.value)


def _published_men_ideal(reference_dir):
    table = pd.read_csv(reference_dir / "dhs-model" / "published_sampling_errors.csv")
    row = table[
        (table["table"] == "B.2")
        & (table["population"] == "MEN")
        & (table["indicator"] == "Ideal number of children")
    ]
    assert len(row) == 1
    return row.iloc[0]


MEN_IDEAL = ["--strata", "mv023", "--psu", "mv021", "--mean", "mv613", "--where", "mv012 < 50"]


def test_dhs_ideal_number_of_children_warns_about_code_96(men_path, capsys):
    # today: 8.169 (SE 0.567) printed without a word; 96 is "non-numeric response"
    assert main(["estimate", str(men_path), "--weight", "mv005", *MEN_IDEAL]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: the mean of 'mv613' includes special codes classified from its value labels: "
        "96 'non-numeric response' (non_numeric): 131 rows." in err
    )


@pytest.mark.parametrize("weight", ["mv005", "mv005 / 1e6"])
def test_dhs_ideal_number_of_children_matches_the_published_table(
    men_path, reference_dir, tmp_path, capsys, weight
):
    published = _published_men_ideal(reference_dir)
    out = tmp_path / "ideal.csv"
    code = main(["estimate", str(men_path), "--weight", weight, *MEN_IDEAL,
                 "--special-codes", "missing", "--out", str(out)])
    assert code == 0
    assert "special codes" not in capsys.readouterr().err
    row = pd.read_csv(out).iloc[0]
    assert abs(row["estimate"] - published["R"]) <= 0.0005 + 1e-9
    assert abs(row["se"] - published["SE"]) <= 0.0005 + 1e-9
    assert row["n_unweighted"] == published["N_unweighted"]
    if weight == "mv005 / 1e6":
        assert abs(row["n_weighted"] - published["WN_weighted"]) <= 0.5
