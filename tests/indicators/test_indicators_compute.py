"""Computing indicators on a tiny survey: values against direct weighted means, the design
against a SurveyDesign built by hand, missing-answer treatments, weight expressions, ratios,
the tidy frame, and bad input (unknown variable with file:line, wrong expression types)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import SpecError, VariableError
from mics_toolkit.indicators import (
    ESTIMATE_COLUMNS,
    TOTAL,
    compute_indicators,
    estimate_indicator,
    load_indicator_file,
    parse_indicators,
    prepare_indicators,
)

LABEL = {"en": "A", "ru": "Б", "kk": "Ә"}


def spec(**fields):
    """One IndicatorSpec from keyword fields (plain dict, no file)."""
    body = {"id": "T.1", "label": LABEL, **fields}
    (result,) = parse_indicators({"indicators": [body]})
    return result


def women(folder):
    frame = mt.read(folder / "wm.sav").frame
    households = mt.read(folder / "hh.sav").frame
    return frame.merge(households[["HH1", "HH2", "HH6", "stratum", "PSU"]], on=["HH1", "HH2"])


def weighted_mean(values, weights):
    return float(np.sum(values * weights) / np.sum(weights))


def test_mean_excludes_no_response_and_matches_a_direct_computation(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    result = estimate_indicator(
        survey, spec(file="wm", type="mean", variable="LS2", missing="exclude")
    )
    wm = women(tiny_folder)
    keep = (wm["WM17"] == 1) & (wm["LS2"] != 99)
    expected = weighted_mean(wm.loc[keep, "LS2"], wm.loc[keep, "wmweight"])
    assert result["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert result["indicator"].iloc[0] == "T.1"
    assert list(result.columns) == ["indicator", *mt.RESULT_COLUMNS]
    assert result["n_unweighted"].iloc[0] == int((keep & (wm["wmweight"] > 0)).sum())


def test_design_matches_a_survey_design_built_by_hand(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    result = estimate_indicator(
        survey, spec(file="wm", type="mean", variable="LS2", missing="exclude"), by="HH6"
    )
    wm = women(tiny_folder)
    wm["y"] = wm["LS2"].where(wm["LS2"] != 99)
    design = mt.SurveyDesign(wm, weight="wmweight", strata="stratum", psu="PSU")
    expected = design.mean("y", by="HH6", where=(wm["WM17"] == 1).to_numpy())
    for column in mt.RESULT_COLUMNS:
        np.testing.assert_allclose(result[column], expected[column], rtol=1e-12)
    np.testing.assert_array_equal(result["HH6"], expected["HH6"])


@pytest.mark.parametrize(
    ("missing", "keep_codes"),
    [("in_denominator", (1, 2, 3, 4, 9)), ("exclude", (1, 2, 3, 4))],
)
def test_missing_answers_stay_or_leave_the_denominator(tiny_folder, missing, keep_codes):
    survey = mt.open_survey(tiny_folder)
    result = estimate_indicator(
        survey,
        spec(file="wm", type="percentage", numerator="LS1 in [1, 2]", missing=missing),
    )
    wm = women(tiny_folder)
    keep = (wm["WM17"] == 1) & wm["LS1"].isin(keep_codes)
    y = wm.loc[keep, "LS1"].isin([1, 2]).astype(float)
    expected = weighted_mean(y, wm.loc[keep, "wmweight"])
    assert result["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert 0 < result["ci_lower"].iloc[0] < expected < result["ci_upper"].iloc[0]


def test_dk_by_label_and_extra_missing_codes(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    wm = women(tiny_folder)
    done = wm["WM17"] == 1
    result = estimate_indicator(
        survey, spec(file="wm", type="percentage", numerator="LS3 == 1", missing="exclude")
    )
    keep = done & (wm["LS3"] != 8)  # 8 is labelled "DK"
    expected = weighted_mean((wm.loc[keep, "LS3"] == 1).astype(float), wm.loc[keep, "wmweight"])
    assert result["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)
    result = estimate_indicator(
        survey,
        spec(file="wm", type="mean", variable="LS2", missing="exclude",
             missing_codes={"LS2": [0, 10]}),
    )
    keep = done & ~wm["LS2"].isin([0, 10, 99])
    expected = weighted_mean(wm.loc[keep, "LS2"], wm.loc[keep, "wmweight"])
    assert result["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_weight_expression_and_ratio(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    hh = mt.read(tiny_folder / "hh.sav").frame
    done = hh["HH46"] == 1
    result = estimate_indicator(
        survey,
        spec(file="hh", type="percentage", numerator="WS1 in [11, 14]",
             missing="in_denominator", weight="hhweight * HH48"),
        by="HH7",
    )
    w = (hh["hhweight"] * hh["HH48"]).where(done)
    for _, row in result.iterrows():
        rows = done & (hh["HH7"] == row["HH7"])
        expected = weighted_mean(hh.loc[rows, "WS1"].isin([11, 14]), w[rows])
        assert row["estimate"] == pytest.approx(expected, rel=1e-12)
    assert result.attrs["mics"]["weight"] == "hhweight * HH48"
    size = estimate_indicator(
        survey,
        spec(file="hh", type="ratio", numerator="HH48", denominator="1", missing="exclude"),
    )
    expected = weighted_mean(hh.loc[done, "HH48"], hh.loc[done, "hhweight"])
    assert size["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_attribute_nobody_has_gives_zero(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    result = estimate_indicator(
        survey, spec(file="hh", type="percentage", numerator="WS1 == 51",
                     missing="in_denominator"), by="HH6"
    )
    np.testing.assert_array_equal(result["estimate"], [0.0, 0.0])
    assert list(result.columns) == ["indicator", "HH6", *mt.RESULT_COLUMNS]


def test_compute_indicators_gives_the_tidy_frame(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    specs = parse_indicators(
        {
            "defaults": {"file": "wm", "label": LABEL, "breakdowns": ["HH6", "windex5"]},
            "indicators": [
                {"id": "A", "type": "mean", "variable": "LS2", "missing": "exclude"},
                {"id": "B", "type": "percentage", "numerator": "LS1 == 1",
                 "missing": "in_denominator", "breakdowns": ["HH7"]},
            ],
        }
    )
    messages = []
    tidy = compute_indicators(
        survey, specs, progress=lambda done, total, text: messages.append((done, total, text))
    )
    assert tuple(tidy.columns) == ESTIMATE_COLUMNS
    assert tidy["indicator"].tolist()[0] == "A"
    order = {
        name: list(dict.fromkeys(group["breakdown"]))
        for name, group in tidy.groupby("indicator", sort=False)
    }
    assert order == {"A": [TOTAL, "HH6", "windex5"], "B": [TOTAL, "HH7"]}
    total = tidy[(tidy["indicator"] == "B") & (tidy["breakdown"] == TOTAL)]
    assert len(total) == 1 and total["category"].iloc[0] == TOTAL
    by_area = tidy[(tidy["indicator"] == "A") & (tidy["breakdown"] == "HH6")]
    assert by_area["category"].tolist() == ["1", "2"]  # the canonical text keys
    assert messages[-1][:2] == (5, 5)
    common = compute_indicators(survey, specs, breakdowns=["HH6"], total=False)
    assert set(common["breakdown"]) == {"HH6"}
    per_id = compute_indicators(survey, specs, breakdowns={"B": ["windex5"]})
    assert set(per_id.loc[per_id["indicator"] == "B", "breakdown"]) == {TOTAL, "windex5"}
    assert set(per_id.loc[per_id["indicator"] == "A", "breakdown"]) == {TOTAL, "HH6", "windex5"}


def test_prepared_indicators_share_a_design(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    specs = parse_indicators(
        {
            "defaults": {"file": "wm", "label": LABEL},
            "indicators": [
                {"id": "A", "type": "mean", "variable": "LS2", "missing": "exclude"},
                {"id": "B", "type": "percentage", "numerator": "LS1 == 1",
                 "missing": "in_denominator"},
                {"id": "C", "type": "percentage", "numerator": "LS1 == 1",
                 "missing": "in_denominator", "weight": "wmweight * 2"},
            ],
        }
    )
    prepared = prepare_indicators(survey, specs, breakdowns=["HH7"])
    assert prepared["A"].design is prepared["B"].design
    assert prepared["C"].design is not prepared["A"].design
    assert "HH7" in prepared["A"].design.frame.columns
    a, c = prepared["B"].estimate(), prepared["C"].estimate()
    assert a["estimate"].iloc[0] == pytest.approx(c["estimate"].iloc[0], rel=1e-12)


def write_spec(tmp_path, body: str):
    path = tmp_path / "specs.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    (result,) = load_indicator_file(path)
    return result, path


def test_unknown_variable_in_an_expression_names_file_line_and_key(tiny_folder, tmp_path):
    bad, path = write_spec(
        tmp_path,
        """\
        indicators:
          - id: EQ.10b
            label: {en: A, ru: Б, kk: Ә}
            file: wm
            type: percentage
            universe: WB4 <= 24
            numerator: LS1 in [1, 2] or LS7 == 1
            missing: in_denominator
        """,
    )
    survey = mt.open_survey(tiny_folder)
    with pytest.raises(SpecError) as caught:
        estimate_indicator(survey, bad)
    error = caught.value
    assert (error.file, error.line, error.key) == (str(path), 7, "numerator")
    assert str(error).startswith(f"{path}:7: key 'numerator': unknown variable 'LS7'")
    assert "did you mean LS3, LS2, LS1?" in str(error)


def test_unknown_breakdown_of_a_spec_and_of_the_caller(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    with pytest.raises(SpecError, match="key 'breakdowns': unknown variable 'HH77'"):
        estimate_indicator(
            survey, spec(file="wm", type="mean", variable="LS2", missing="exclude",
                         breakdowns=["HH77"])
        )
    with pytest.raises(VariableError, match="breakdown 'welevel' is not in wm.sav"):
        estimate_indicator(
            survey, spec(file="wm", type="mean", variable="LS2", missing="exclude"),
            by="welevel",
        )


def test_unknown_file_and_absent_file(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    with pytest.raises(SpecError, match="key 'file': 'wmm' is not a file.*did you mean wm"):
        estimate_indicator(survey, spec(file="wmm", type="mean", variable="LS2",
                                        missing="exclude"))
    with pytest.raises(mt.ReadError, match="'ch' is missing"):
        estimate_indicator(survey, spec(file="ch", type="mean", variable="LS2",
                                        missing="exclude"))


def test_expressions_of_the_wrong_type(tiny_folder):
    survey = mt.open_survey(tiny_folder)
    with pytest.raises(SpecError, match="key 'universe': where= must be a condition"):
        estimate_indicator(survey, spec(file="wm", type="mean", variable="LS2",
                                        universe="WB4 + 1", missing="exclude"))
    with pytest.raises(SpecError, match="key 'numerator': the numerator of a percentage"):
        estimate_indicator(survey, spec(file="wm", type="percentage", numerator="LS1",
                                        missing="exclude"))
    with pytest.raises(SpecError, match="key 'missing_codes'"):
        estimate_indicator(survey, spec(file="wm", type="mean", variable="LS2",
                                        missing="exclude", missing_codes={"LS1": [9]}))
    with pytest.raises(SpecError, match="given twice"):
        one = spec(file="wm", type="mean", variable="LS2", missing="exclude")
        prepare_indicators(survey, [one, one])
