"""The synthetic Kazakhstan MICS example survey (``examples/kz_mics/generate.py``).

Most checks run on a small version (``scale=0.05``, about 80 clusters); one fixture builds the
full-size survey in memory (about 0.3 s) for the structural checks, design effects and the
small-domain counts the table rules need.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OptionError, OutputError
from mics_toolkit.io import classify_value_labels

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT_ROOT / "examples" / "kz_mics" / "generate.py"
SMALL = 0.05

KEYS = {
    "hh": ["HH1", "HH2"],
    "hl": ["HH1", "HH2", "HL1"],
    "wm": ["HH1", "HH2", "LN"],
    "mn": ["HH1", "HH2", "LN"],
    "ch": ["HH1", "HH2", "LN"],
    "fs": ["HH1", "HH2"],
}
RESULT = {"hh": "HH46", "wm": "WM17", "mn": "MWM17", "ch": "UF17", "fs": "FS17"}
WEIGHT = {"hh": "hhweight", "wm": "wmweight", "mn": "mnweight", "ch": "chweight", "fs": "fshweight"}
BACKGROUND = ["HH6", "HH7", "stratum", "PSU", "windex5", "helevel", "ethnicity"]


@pytest.fixture(scope="module")
def kz():
    """The generator module, loaded from its path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("kz_mics_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small(kz):
    return kz.generate(scale=SMALL)


@pytest.fixture(scope="module")
def full(kz):
    return kz.generate()


@pytest.fixture(scope="module")
def written(kz, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kz_small")
    return kz.write_survey(folder, scale=SMALL)


def _frames(data):
    return {name: survey.frame for name, survey in data.items()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- determinism ------------------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_metadata(kz, small):
    again = kz.generate(scale=SMALL)
    for name in kz.FILES:
        pd.testing.assert_frame_equal(again[name].frame, small[name].frame)
        assert again[name].meta == small[name].meta


def test_another_seed_gives_other_values_with_the_same_design(kz, small):
    other = kz.generate(seed=kz.DEFAULT_SEED + 1, scale=SMALL)
    assert list(other["wm"].frame.columns) == list(small["wm"].frame.columns)
    assert other["hh"].frame.shape == small["hh"].frame.shape  # 20 households per cluster
    assert not other["hh"].frame["HH2"].equals(small["hh"].frame["HH2"])
    assert not other["wm"].frame.equals(small["wm"].frame)


def test_same_arguments_give_byte_identical_files(kz, written, tmp_path):
    second = kz.write_survey(tmp_path, scale=SMALL)
    for name in (*kz.FILES, "labels", "manifest"):
        assert _sha256(second[name]) == _sha256(written[name]), name


def test_files_are_all_float64_and_sorted_by_keys(small):
    for name, frame in _frames(small).items():
        assert set(frame.dtypes) == {np.dtype("float64")}, name
        keys = frame[KEYS[name]]
        assert keys.equals(keys.sort_values(KEYS[name], ignore_index=True)), name


# ---- design and structure ---------------------------------------------------------------


def test_full_size_design(kz, full):
    hh = full["hh"].frame
    assert len(hh) == 24_000
    assert hh["HH1"].nunique() == 1_200
    assert hh.groupby("HH1").size().eq(20).all()
    assert hh["stratum"].nunique() == 37
    assert hh["HH7"].nunique() == 20
    assert (hh["PSU"] == hh["HH1"]).all()
    # every cluster in one stratum; strata nested in regions; cities urban only
    assert hh.groupby("HH1")["stratum"].nunique().eq(1).all()
    assert hh.groupby("stratum")[["HH7", "HH6"]].nunique().eq(1).all().all()
    areas = hh.groupby("HH7")["HH6"].unique()
    assert all(set(areas[code]) == {1.0} for code in (18, 19, 20))
    assert all(set(areas[code]) == {1.0, 2.0} for code in range(1, 18))
    # the small region
    assert hh.loc[hh["HH7"] == 16, "HH1"].nunique() == 8
    assert set(full["wm"].frame.columns) >= {"LS1", "LS2", "LS3", "LS4", "WB4", "MT10"}


def test_small_scale_keeps_two_clusters_per_stratum(small):
    hh = small["hh"].frame
    per_stratum = hh.groupby("stratum")["HH1"].nunique()
    assert len(per_stratum) == 37
    assert per_stratum.min() >= 2
    assert 74 <= hh["HH1"].nunique() <= 100


@pytest.mark.parametrize("name", ["hh", "hl", "wm", "mn", "ch", "fs"])
def test_keys_are_unique(small, name):
    frame = small[name].frame
    assert not frame.duplicated(KEYS[name]).any()
    assert frame[KEYS[name]].notna().all().all()


def test_person_files_link_to_the_household_listing(small):
    f = _frames(small)
    hh, hl = f["hh"], f["hl"]
    completed = hh.loc[hh["HH46"] == 1, ["HH1", "HH2"]]
    # hl lists exactly the members of completed households, HH48 of them
    listed = hl.groupby(["HH1", "HH2"]).size().rename("n").reset_index()
    merged = completed.merge(listed, how="outer", on=["HH1", "HH2"], indicator=True)
    assert (merged["_merge"] == "both").all()
    sizes = hh.loc[hh["HH46"] == 1].merge(listed, on=["HH1", "HH2"])
    assert (sizes["HH48"] == sizes["n"]).all()
    lines = hl.rename(columns={"HL1": "LN"})[["HH1", "HH2", "LN", "HL4", "HL6"]]
    for name, sex, low, high in (
        ("wm", 2, 15, 49),
        ("mn", 1, 15, 49),
        ("ch", None, 0, 4),
        ("fs", None, 5, 17),
    ):
        person = f[name].merge(lines, on=["HH1", "HH2", "LN"], how="left", validate="1:1")
        assert person["HL6"].between(low, high).all(), name
        if sex is not None:
            assert (person["HL4"] == sex).all(), name
    # counts of eligible people match the person files
    household = hh.loc[hh["HH46"] == 1].set_index(["HH1", "HH2"])
    women = f["wm"].groupby(["HH1", "HH2"]).size()
    assert (household["HH49"].loc[women.index] == women).all()
    assert household["HH49"].sum() == len(f["wm"])
    assert household["HH51"].sum() == len(f["ch"])
    assert (household["HH52"] > 0).sum() == len(f["fs"])
    # men are interviewed in the households in even positions of each cluster's sample
    position = hh.assign(position=hh.groupby("HH1").cumcount() + 1)
    men = f["mn"].merge(position[["HH1", "HH2", "position"]], on=["HH1", "HH2"])
    assert (men["position"] % 2 == 0).all()
    eligible = hl[(hl["HL4"] == 1) & hl["HL6"].between(15, 49)].merge(
        position[["HH1", "HH2", "position"]], on=["HH1", "HH2"]
    )
    assert (eligible["position"] % 2 == 0).sum() == len(f["mn"])


def test_mother_or_caretaker_lines_and_mother_education(small):
    f = _frames(small)
    hl = f["hl"]
    members = hl.set_index(["HH1", "HH2", "HL1"])
    for name, column in (("ch", "UF4"), ("fs", "FS4")):
        frame = f[name]
        linked = frame[frame[column] != 90]
        index = pd.MultiIndex.from_arrays([linked["HH1"], linked["HH2"], linked[column]])
        assert index.isin(members.index).all(), name
        caretaker = members.loc[index]
        assert (caretaker["HL6"].to_numpy() >= 15).all(), name
        education = caretaker["ED5A"].to_numpy()
        expected = np.where(np.isin(education, (8, 9)) | np.isnan(education), 9, education)
        np.testing.assert_array_equal(linked["melevel"].to_numpy(), expected)
    # the mother/caretaker line of a child is HL20 of the child in the listing
    child = f["ch"].merge(hl, left_on=["HH1", "HH2", "LN"], right_on=["HH1", "HH2", "HL1"])
    assert (child["UF4"] == child["HL20"]).all()
    assert (f["fs"].loc[f["fs"]["FS4"] == 90, "CB3"].between(15, 17)).all()


def test_emancipated_children_exist_at_full_size(full):
    fs = full["fs"].frame
    assert 20 <= (fs["FS4"] == 90).sum() <= 300
    assert (fs.loc[fs["FS4"] == 90, "melevel"] == 9).all()


def test_background_variables_are_those_of_the_household(small):
    f = _frames(small)
    hh = f["hh"].loc[f["hh"]["HH46"] == 1].set_index(["HH1", "HH2"])
    for name in ("hl", "wm", "mn", "ch", "fs"):
        frame = f[name].set_index(["HH1", "HH2"])
        assert set(BACKGROUND) <= set(frame.columns), name
        expected = hh.loc[frame.index, BACKGROUND]
        pd.testing.assert_frame_equal(frame[BACKGROUND], expected, check_names=False, obj=name)


# ---- weights and non-response -------------------------------------------------------------


@pytest.mark.parametrize("name", ["hh", "wm", "mn", "ch", "fs"])
def test_weights_are_normalised_and_zero_for_non_response(small, name):
    frame = small[name].frame
    completed = frame[RESULT[name]] == 1
    weight = frame[WEIGHT[name]]
    assert weight.sum() == pytest.approx(completed.sum(), rel=1e-12)
    assert (weight[~completed] == 0).all()
    assert (weight[completed] > 0).all()
    assert (~completed).sum() > 0, "the file should hold non-response rows"


def test_fsweight_is_fshweight_times_hh52_and_hl_carries_hhweight(small):
    fs = small["fs"].frame
    np.testing.assert_allclose(fs["fsweight"], fs["fshweight"] * fs["HH52"], rtol=0, atol=0)
    assert fs["fsweight"].sum() > (fs["FS17"] == 1).sum()  # not normalised, as in MICS6
    hh = small["hh"].frame.set_index(["HH1", "HH2"])["hhweight"]
    hl = small["hl"].frame
    np.testing.assert_array_equal(
        hl["hhweight"].to_numpy(), hh.loc[pd.MultiIndex.from_frame(hl[["HH1", "HH2"]])].to_numpy()
    )


@pytest.mark.parametrize(
    ("name", "questions"),
    [
        ("hh", ["WS1", "WS11", "HC13", "windex5", "HH48"]),
        ("wm", ["LS1", "LS2", "MT9", "WB4", "DV1A"]),
        ("mn", ["MLS2", "MMT9", "MWB4"]),
        ("ch", ["BR1", "EC1", "UCD5"]),
        ("fs", ["CL1A", "CL7", "FCD5"]),
    ],
)
def test_non_response_rows_have_no_answers(small, name, questions):
    frame = small[name].frame
    not_done = frame[RESULT[name]] != 1
    assert frame.loc[not_done, questions].isna().all().all()
    assert frame.loc[~not_done, questions[0]].notna().any()


# ---- reading back, labels, special codes, user-missing -------------------------------------


def test_every_file_reads_back_identically(kz, small, written):
    for name in kz.FILES:
        back = mt.read(written[name], user_missing="keep")
        pd.testing.assert_frame_equal(back.frame, small[name].frame, check_dtype=False)
        assert back.meta.variable_labels == small[name].meta.variable_labels
        assert back.meta.value_labels == small[name].meta.value_labels
        assert back.meta.special_codes == small[name].meta.special_codes
        assert back.meta.file_label.startswith("Kazakhstan MICS, synthetic example")


def test_every_variable_is_labelled(kz, small):
    coded = {"HH6", "HH7", "stratum", "windex5", "WS1", "LS1", "LS2", "BR1", "FS4", "FL28"}
    for name in kz.FILES:
        meta = small[name].meta
        assert set(meta.variable_labels) == set(small[name].frame.columns), name
        for variable in coded & set(small[name].frame.columns):
            assert meta.value_labels[variable], (name, variable)
    assert small["hh"].meta.value_labels["HH7"][16] == "Ulytau region"
    assert small["hh"].meta.value_labels["stratum"][37] == "Shymkent city - Urban"


def test_user_missing_declared_in_ch_only(written):
    ch_kept = mt.read(written["ch"], user_missing="keep")
    declared = ch_kept.meta.user_missing
    assert declared["BR1"].values == (8, 9)
    assert declared["UCD2A"].values == (8, 9)
    assert declared["melevel"].values == (9,)
    assert (
        np.isin(ch_kept.frame["EC6"], (8, 9)).any() or np.isin(ch_kept.frame["UCD2D"], (8, 9)).any()
    )
    ch_default = mt.read(written["ch"])
    for variable, um in declared.items():
        assert not np.isin(ch_default.frame[variable], um.values).any(), variable
    assert ch_default.frame["BR1"].isna().sum() >= ch_kept.frame["BR1"].isna().sum()
    for name in ("hh", "hl", "wm", "mn", "fs"):
        assert mt.read(written[name], columns=["HH1"]).meta.user_missing == {}, name


def test_labelled_special_codes_stay_values_and_are_classified(written):
    wm = mt.read(written["wm"])
    assert wm.meta.special_codes["LS2"] == {99: "no_response"}
    assert wm.meta.special_codes["LS3"] == {8: "dont_know", 9: "no_response"}
    assert wm.meta.special_codes["welevel"] == {9: "no_response"}
    assert (wm.frame["LS2"] == 99).any()
    hl = mt.read(written["hl"], columns=["HL6"])
    assert hl.meta.special_codes["HL6"] == {95: "top_code", 98: "dont_know"}
    ch = mt.read(written["ch"], columns=["EC1"])
    assert ch.meta.special_codes["EC1"] == {10: "top_code"}
    hh = mt.read(written["hh"], columns=["WS4", "WS1", "EU1"])
    assert hh.meta.special_codes["WS4"] == {998: "dont_know"}
    assert hh.meta.special_codes["WS1"] == {96: "other", 99: "no_response"}
    assert 9 not in hh.meta.special_codes["EU1"]  # 9 is "Three stone stove/open fire"


def test_mean_of_a_ladder_with_no_response_codes_warns(written):
    wm = mt.read(written["wm"], columns=["HH1", "stratum", "wmweight", "LS2", "WM17"])
    design = mt.SurveyDesign(wm, "wmweight", strata="stratum", psu="HH1")
    with pytest.warns(mt.SpecialCodeWarning):
        design.mean("LS2", where="WM17 == 1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mt.SpecialCodeWarning)
        design.mean("LS2", where="WM17 == 1 and LS2 <= 10")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_russian_and_kazakh_labels_classify_the_same_special_codes(kz, small, language):
    translated = kz.generate(scale=SMALL, language=language)
    for name in kz.FILES:
        meta, english = translated[name].meta, small[name].meta
        pd.testing.assert_frame_equal(translated[name].frame, small[name].frame)
        assert set(meta.value_labels) == set(english.value_labels)
        assert meta.special_codes == english.special_codes, name
        assert meta.user_missing == english.user_missing, name
        for variable, labels in meta.value_labels.items():
            assert classify_value_labels(labels) == english.special_codes.get(variable, {})
    region = translated["hh"].meta.value_labels["HH7"][16]
    assert region == {"ru": "Улытауская область", "kk": "Ұлытау облысы"}[language]


def test_labels_json_has_three_languages_for_every_variable(kz, small, written):
    labels = json.loads(written["labels"].read_text(encoding="utf-8"))
    assert labels["languages"] == ["en", "ru", "kk"]
    for name in kz.FILES:
        assert set(labels["files"][name]) == {"en", "ru", "kk"}
        for variable in small[name].frame.columns:
            entry = labels["variables"][variable]
            assert all(entry["label"][lang] for lang in ("en", "ru", "kk")), variable
            english = small[name].meta.value_labels.get(variable, {})
            assert {int(c): t["en"] for c, t in entry.get("values", {}).items()} == english


# ---- estimates ------------------------------------------------------------------------------


def _design(frame: pd.DataFrame, weight: str) -> mt.SurveyDesign:
    return mt.SurveyDesign(frame, weight, strata="stratum", psu="HH1")


def test_clustered_indicators_have_design_effects_above_one(full):
    hh = full["hh"].frame.assign(piped=lambda d: (d["WS1"] == 11).astype(float))
    piped = _design(hh, "hhweight").mean("piped", where="HH46 == 1")
    assert 2.0 < piped["deff"].iloc[0] < 8.0
    wm = full["wm"].frame
    ladder = _design(wm, "wmweight").mean("LS2", where="WM17 == 1 and LS2 <= 10")
    assert 1.2 < ladder["deff"].iloc[0] < 4.0
    assert 6.0 < ladder["estimate"].iloc[0] < 8.5


def test_regions_differ_so_an_index_has_something_to_rank(full):
    wm = full["wm"].frame
    by_region = _design(wm, "wmweight").mean("LS2", by="HH7", where="WM17 == 1 and LS2 <= 10")
    assert len(by_region) == 20
    spread = by_region["estimate"].max() - by_region["estimate"].min()
    assert spread > 4 * by_region["se"].median()


def test_indicators_of_one_household_are_correlated(full):
    women = full["wm"].frame.query("WM17 == 1 and LS2 <= 10")
    men = full["mn"].frame.query("MWM17 == 1 and MLS2 <= 10")
    pairs = (
        women.groupby(["HH1", "HH2"])["LS2"]
        .mean()
        .to_frame()
        .join(men.groupby(["HH1", "HH2"])["MLS2"].mean(), how="inner")
    )
    assert len(pairs) > 1000
    assert pairs["LS2"].corr(pairs["MLS2"]) > 0.15


def test_small_region_triggers_the_small_sample_rules(full):
    wm = full["wm"].frame
    mn = full["mn"].frame
    ch = full["ch"].frame.assign(ece=lambda d: (d["UB8"] == 1).astype(float))
    young_women = _design(wm, "wmweight").mean("LS2", by="HH7", where="WM17 == 1 and WB4 <= 24")
    young_men = _design(mn, "mnweight").mean("MLS2", by="HH7", where="MWM17 == 1 and MWB4 <= 24")
    ece = _design(ch, "chweight").mean("ece", by="HH7", where="UF17 == 1 and CAGE >= 36")
    ulytau = {
        "women 15-24": young_women.set_index("HH7").loc[16, "n_unweighted"],
        "men 15-24": young_men.set_index("HH7").loc[16, "n_unweighted"],
        "children 36-59 months": ece.set_index("HH7").loc[16, "n_unweighted"],
    }
    assert 25 <= ulytau["women 15-24"] <= 49, ulytau
    assert 25 <= ulytau["children 36-59 months"] <= 49, ulytau
    assert ulytau["men 15-24"] < 25, ulytau
    # every other region is large enough for a plain figure
    others = young_women[young_women["HH7"] != 16]["n_unweighted"]
    assert (others >= 50).all()


# ---- cache, command line, bad arguments --------------------------------------------------------


def test_load_or_generate_reuses_a_matching_copy(kz, tmp_path, monkeypatch):
    folder = kz.load_or_generate(tmp_path / "cache", scale=SMALL)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == kz.DEFAULT_SEED and manifest["version"] == kz.GENERATOR_VERSION
    assert manifest["files"]["wm.sav"]["rows"] == len(
        mt.read(folder / "wm.sav", columns=["HH1"]).frame
    )

    calls = []
    real = kz.write_survey
    monkeypatch.setattr(kz, "write_survey", lambda *a, **k: calls.append(k) or real(*a, **k))
    assert kz.load_or_generate(folder, scale=SMALL) == folder
    assert calls == []
    kz.load_or_generate(folder, scale=SMALL, seed=7)  # another seed: regenerated
    assert len(calls) == 1
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["seed"] == 7
    with (folder / "fs.sav").open("r+b") as handle:  # a damaged file: regenerated
        handle.seek(500)
        handle.write(b"\x00\x01\x02")
    kz.load_or_generate(folder, scale=SMALL, seed=7)
    assert len(calls) == 2
    (folder / "ch.sav").unlink()
    kz.load_or_generate(folder, scale=SMALL, seed=7)
    assert len(calls) == 3 and (folder / "ch.sav").is_file()


def test_command_line_writes_the_files(kz, tmp_path, capsys):
    assert kz.main(["--out", str(tmp_path / "cli"), "--scale", str(SMALL), "--lang", "kk"]) == 0
    printed = capsys.readouterr().out
    assert "wm.sav" in printed and "labels in kk" in printed
    wm = mt.read(tmp_path / "cli" / "wm.sav", columns=["HH7"])
    assert wm.meta.value_labels["HH7"][19] == "Алматы қаласы"


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        ({"language": "de"}, "language"),
        ({"scale": 0}, "scale"),
        ({"scale": 10.0}, "scale"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments_raise_option_error(kz, arguments, option):
    with pytest.raises(OptionError) as caught:
        kz.generate(**arguments)
    assert caught.value.option == option


def test_output_folder_that_is_a_file_raises_output_error(kz, tmp_path):
    target = tmp_path / "not_a_folder"
    target.write_text("x")
    with pytest.raises(OutputError) as caught:
        kz.write_survey(target, scale=SMALL)
    assert caught.value.path == str(target)
