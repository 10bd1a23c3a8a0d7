"""Comparisons of domains (design.compare, mt.contrast), of rounds (mt.compare_rounds) and the
design-based tests (design.chisq, design.ttest), against R survey 4.1-1
(tests/golden_comparisons) on Taylor, calibrated and replicate designs, with hand-computed
cases and bad input."""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import LinkError, MicsWarning, OptionError, VariableError
from mics_toolkit.estimate.contrasts import CONTRAST_COLUMNS

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden_comparisons"
RELATIVE_TOLERANCE = 1e-8
# R's lincom p-value (Davies' algorithm) is accurate to 1e-7; the same probability with
# Davies at 1e-11 is "p_value_accurate", which ours matches to RELATIVE_TOLERANCE
DAVIES_ACCURACY = 1e-7


def _import(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loader = _import("golden_comparisons_loader", GOLDEN_DIR / "loader.py")
GOLDEN, METADATA = loader.load_golden()


@cache
def _data(name: str) -> pd.DataFrame:
    return loader.read_data(name)


def _strat():
    return mt.SurveyDesign(_data("apistrat"), weight="pw", strata="stype", fpc="fpc")


def _clus1():
    return mt.SurveyDesign(_data("apiclus1"), weight="pw", psu="dnum", fpc="fpc")


def _clus2():
    return mt.SurveyDesign(_data("apiclus2"), weight="pw", psu="dnum")


def _nested():
    return mt.SurveyDesign(_data("nested"), weight="w", strata="stratum", psu="psu", nest=True)


def _cal():
    return _clus1().calibrate({"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069})


def _jk1():
    return _clus1().replicate("jk1")


def _jkn():
    return _nested().replicate("jkn")


def _rounds():
    result = mt.compare_rounds(_strat().mean("api00", by="stype"),
                               _clus1().mean("api00", by="stype"))
    result.insert(0, "contrast", result["stype"].astype(str))
    return result


def _ttest(design, *args, **kwargs):
    result = design().ttest(*args, **kwargs)
    return result.assign(contrast="mean" if result["contrast"].iat[0] == "mean"
                         else "second - first")


CONTRAST_CASES = {
    "strat_mean_awards": lambda: _strat().compare("mean", "api00", by="awards",
                                                  pairs=[("Yes", "No")]),
    "strat_mean_awards_ratio": lambda: _strat().compare("mean", "api00", by="awards",
                                                        pairs=[("Yes", "No")], kind="ratio"),
    "clus1_mean_stype": lambda: _clus1().compare("mean", "api00", by="stype"),
    "clus1_mean_stype_ratio": lambda: _clus1().compare(
        "mean", "api00", by="stype", pairs=[("H", "E"), ("M", "E"), ("M", "H")], kind="ratio"),
    "clus1_prop_stype": lambda: _clus1().compare("proportion", "sch_wide", by="stype",
                                                 level="Yes"),
    "clus1_prop_stype_ratio": lambda: _clus1().compare(
        "proportion", "sch_wide", by="stype", level="Yes", pairs=[("E", "H")], kind="ratio"),
    "clus1_total_stype": lambda: _clus1().compare("total", "enroll", by="stype"),
    "clus1_ratio_stype": lambda: _clus1().compare("ratio", ("api00", "api99"), by="stype"),
    "clus1_mean_stype_subset": lambda: _clus1().compare("mean", "api00", by="stype",
                                                        where="sch_wide == 'Yes'"),
    "clus2_mean_na_stype": lambda: _clus2().compare("mean", "enroll", by="stype"),
    "nested_mean_grp": lambda: _nested().compare("mean", "y", by="grp"),
    "nested_mean_area_ratio": lambda: _nested().compare("mean", "y", by="area",
                                                        pairs=[(2, 1)], kind="ratio"),
    "cal_mean_awards": lambda: _cal().compare("mean", "api00", by="awards",
                                              pairs=[("Yes", "No")]),
    "cal_mean_awards_ratio": lambda: _cal().compare("mean", "api00", by="awards",
                                                    pairs=[("Yes", "No")], kind="ratio"),
    "jk1_mean_stype": lambda: _jk1().compare("mean", "api00", by="stype"),
    "jk1_mean_stype_ratio": lambda: _jk1().compare(
        "mean", "api00", by="stype", pairs=[("H", "E"), ("M", "E"), ("M", "H")], kind="ratio"),
    "jk1_prop_stype": lambda: _jk1().compare("proportion", "sch_wide", by="stype",
                                             level="Yes"),
    "jkn_mean_grp": lambda: _jkn().compare("mean", "y", by="grp"),
    "rounds_mean_stype": _rounds,
}

CHISQ_CASES = {
    "clus1_sch_wide_stype": (_clus1, "sch_wide", "stype", {}),
    "clus1_sch_wide_awards_subset": (_clus1, "sch_wide", "awards",
                                     {"where": "stype != 'H'", "df": "domain"}),
    "clus1_stype_yr_rnd_empty": (_clus1, "stype", "yr_rnd", {}),
    "strat_yr_rnd_awards": (_strat, "yr_rnd", "awards", {}),
    "strat_stype_yr_rnd": (_strat, "stype", "yr_rnd", {}),
    "clus2_stype_yr_rnd_empty": (_clus2, "stype", "yr_rnd", {}),
    "nested_grp_x": (_nested, "grp", "x", {}),
    "cal_sch_wide_stype": (_cal, "sch_wide", "stype", {}),
    "jk1_sch_wide_stype": (_jk1, "sch_wide", "stype", {}),
    "jk1_stype_yr_rnd_empty": (_jk1, "stype", "yr_rnd", {}),
    "jkn_grp_area": (_jkn, "grp", "area", {}),
}

TTEST_CASES = {
    "clus1_one_sample": lambda: _ttest(_clus1, "api00"),
    "clus1_two_groups": lambda: _ttest(_clus1, "api00", by="sch_wide"),
    "clus1_two_groups_subset": lambda: _ttest(_clus1, "api00", by="sch_wide",
                                              where="stype == 'E'", df="domain"),
    "clus1_one_sample_subset": lambda: _ttest(_clus1, "api00", where="stype == 'E'",
                                              df="domain"),
    "strat_two_groups": lambda: _ttest(_strat, "api00", by="yr_rnd"),
    "strat_one_sample": lambda: _ttest(_strat, "enroll"),
    "nested_two_groups_na": lambda: _ttest(_nested, "y", by="area", df="domain"),
    "cal_two_groups": lambda: _ttest(_cal, "api00", by="sch_wide"),
    "jk1_two_groups": lambda: _ttest(_jk1, "api00", by="sch_wide"),
    "jk1_one_sample": lambda: _ttest(_jk1, "api00"),
    "jkn_two_groups_na": lambda: _ttest(_jkn, "y", by="area", df="domain"),
}


def _golden(case: str) -> pd.DataFrame:
    rows = GOLDEN[GOLDEN["case"] == case]
    assert len(rows), f"no golden values for {case}"
    return rows


def _close(ours: float, theirs: float, what: str, tolerance=RELATIVE_TOLERANCE) -> None:
    if math.isnan(theirs):
        assert math.isnan(ours), f"{what}: R gives NaN, ours {ours}"
        return
    assert ours == pytest.approx(theirs, rel=tolerance, abs=1e-300), what


def test_golden_file_is_r_survey_4_1_1():
    assert METADATA["survey"] == "4.1.1"
    assert set(GOLDEN["case"]) == set(CONTRAST_CASES) | set(CHISQ_CASES) | set(TTEST_CASES)


@pytest.mark.parametrize("case", sorted(CONTRAST_CASES))
def test_compare_matches_r_svycontrast(case):
    result = CONTRAST_CASES[case]()
    golden = _golden(case)
    assert list(result.columns[-len(CONTRAST_COLUMNS) + 1:]) == list(CONTRAST_COLUMNS[1:])
    ours = result.set_index("contrast")
    assert sorted(ours.index) == sorted(set(golden["contrast"]))
    for row in golden.itertuples():
        _close(float(ours.at[row.contrast, row.quantity]), row.value,
               f"{case} {row.contrast} {row.quantity}")


@pytest.mark.parametrize("case", sorted(CHISQ_CASES))
@pytest.mark.parametrize("statistic", ["F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint"])
def test_chisq_matches_r_svychisq(case, statistic):
    design, row, column, options = CHISQ_CASES[case]
    golden = _golden(case)
    golden = golden[golden["contrast"] == statistic].set_index("quantity")["value"]
    if "error" in golden.index:
        if statistic in ("Wald", "adjWald"):
            with pytest.raises(OptionError, match="singular"):
                design().chisq(row, column, statistic=statistic, **options)
            return
        # R fails on the complex eigenvalues of a nonsymmetric Delta (rounding); we take
        # their real parts, as R's own "lincom" does, and the saddlepoint stays close to
        # the exact probability
        exact = _golden(case).set_index(["contrast", "quantity"])["value"]
        ours = design().chisq(row, column, statistic=statistic, **options)["p_value"].iat[0]
        assert ours == pytest.approx(exact[("lincom", "p_value_accurate")], abs=5e-3)
        return
    result = design().chisq(row, column, statistic=statistic, **options)
    assert list(result.columns) == ["test", "statistic", "df_num", "df_den", "p_value"]
    assert result["test"].iat[0] == statistic
    ours = result.iloc[0]
    for quantity in ("statistic", "df_num", "df_den"):
        _close(float(ours[quantity]), golden[quantity], f"{case} {statistic} {quantity}")
    if statistic == "lincom":
        # ours is exact to about 1e-13, Davies' at 1e-11 to 1e-11 (absolute)
        accurate = golden["p_value_accurate"]
        assert abs(ours["p_value"] - accurate) <= max(RELATIVE_TOLERANCE * accurate, 1e-11)
        assert abs(ours["p_value"] - golden["p_value"]) < DAVIES_ACCURACY
    else:
        _close(float(ours["p_value"]), golden["p_value"], f"{case} {statistic} p_value")


def test_chisq_design_df_is_r_nu():
    """R's svychisq counts every PSU of the design, even the all-zero-weight PSU of `nested`
    that degf() leaves out; so does chisq."""
    for case, (design, row, column, options) in CHISQ_CASES.items():
        nu = _golden(case).set_index("quantity")["value"]["nu"]
        ours = design().chisq(row, column, **options).attrs["mics"]["design_df"]
        assert ours == nu, case


@pytest.mark.parametrize("case", sorted(TTEST_CASES))
def test_ttest_matches_r_svyttest(case):
    result = TTEST_CASES[case]()
    golden = _golden(case)
    ours = result.set_index("contrast")
    for row in golden.itertuples():
        _close(float(ours.at[row.contrast, row.quantity]), row.value,
               f"{case} {row.quantity}")


# ------------------------------------------------------------------ hand-computed cases
def test_contrast_is_the_linear_combination_of_the_covariance():
    design = _clus1()
    result = design.mean("api00", by="stype")
    covariance = design.covariance(result)
    out = mt.contrast(result, covariance, {"E - M": {"E": 1, "M": -1},
                                           "average": {"E": 0.5, "H": 0.25, "M": 0.25}})
    weights = np.array([[1.0, 0.0, -1.0], [0.5, 0.25, 0.25]])
    estimate = weights @ result["estimate"].to_numpy()
    se = np.sqrt(np.diag(weights @ covariance.to_numpy() @ weights.T))
    np.testing.assert_allclose(out["estimate"], estimate, rtol=1e-12)
    np.testing.assert_allclose(out["se"], se, rtol=1e-12)
    assert list(out.columns) == list(CONTRAST_COLUMNS)
    assert list(out["contrast"]) == ["E - M", "average"]
    # the difference is the negative of compare's "M - E"
    compared = design.compare("mean", "api00", by="stype").set_index("contrast")
    assert out["estimate"].iat[0] == pytest.approx(-compared.at["M - E", "estimate"], rel=1e-12)
    assert out["se"].iat[0] == pytest.approx(compared.at["M - E", "se"], rel=1e-12)


def test_compare_of_a_proportion_without_level_compares_every_category():
    design = _clus1()
    result = design.compare("proportion", "sch_wide", by="stype", pairs=[("H", "E")])
    assert list(result.columns) == ["level", *CONTRAST_COLUMNS]
    assert list(result["level"]) == ["No", "Yes"]
    # the two categories' differences are opposite
    assert result["estimate"].iat[0] == pytest.approx(-result["estimate"].iat[1], rel=1e-12)
    assert result["se"].iat[0] == pytest.approx(result["se"].iat[1], rel=1e-10)


def test_compare_with_several_by_variables_names_domains_by_tuples():
    design = _clus1()
    result = design.compare("mean", "api00", by=["stype", "sch_wide"],
                            pairs=[(("E", "Yes"), ("E", "No"))])
    assert list(result["contrast"]) == ["(E, Yes) - (E, No)"]
    means = design.mean("api00", by=["stype", "sch_wide"]).set_index(["stype", "sch_wide"])
    expected = means.at[("E", "Yes"), "estimate"] - means.at[("E", "No"), "estimate"]
    assert result["estimate"].iat[0] == pytest.approx(expected, rel=1e-12)


def test_compare_with_normal_intervals_uses_normal_p_values():
    design = _clus1()
    result = design.compare("mean", "api00", by="stype", ci="normal", confidence=0.9)
    from scipy import stats

    t = result["estimate"] / result["se"]
    np.testing.assert_allclose(result["p_value"], 2 * stats.norm.sf(np.abs(t)), rtol=1e-12)
    np.testing.assert_allclose(result["ci_upper"] - result["estimate"],
                               stats.norm.ppf(0.95) * result["se"], rtol=1e-12)


def test_compare_rounds_is_the_sum_of_variances_with_summed_df():
    first = _strat().mean("api00", by="stype")
    second = _clus1().mean("api00", by="stype")
    result = mt.compare_rounds(first, second)
    np.testing.assert_allclose(result["estimate"], second["estimate"] - first["estimate"],
                               rtol=1e-12)
    np.testing.assert_allclose(result["se"], np.hypot(first["se"], second["se"]), rtol=1e-12)
    np.testing.assert_allclose(result["df"], first["df"] + second["df"])
    assert list(result.columns) == ["stype", "estimate_first", "estimate_second",
                                    *CONTRAST_COLUMNS[1:]]
    assert "independent" in result.attrs["mics"]["variance"]


def test_compare_rounds_carries_old_regions_through_a_crosswalk():
    from mics_toolkit.index import RegionCrosswalk

    first = pd.DataFrame({"region": ["North", "South"], "estimate": [0.4, 0.6],
                          "se": [0.03, 0.04], "df": [20.0, 20.0]})
    second = pd.DataFrame({"region": ["North", "Abai", "South"],
                           "estimate": [0.45, 0.5, 0.62], "se": [0.02, 0.05, 0.03],
                           "df": [30.0, 30.0, 30.0]})
    walk = RegionCrosswalk([("North", "North", 3), ("North", "Abai", 1), ("South", "South")])
    result = mt.compare_rounds(first, second, crosswalk=walk).set_index("region")
    # Abai was part of North: it takes North's value and SE
    assert result.at["Abai", "estimate_first"] == pytest.approx(0.4)
    assert result.at["Abai", "estimate"] == pytest.approx(0.1)
    assert result.at["Abai", "se"] == pytest.approx(math.hypot(0.03, 0.05))
    assert result.at["South", "df"] == 50.0
    with pytest.warns(MicsWarning, match="Abai"):
        unmatched = mt.compare_rounds(first, second)
    assert np.isnan(unmatched.set_index("region").at["Abai", "estimate"])
    with pytest.raises(LinkError):
        mt.compare_rounds(first.assign(region=["North", "East"]), second, crosswalk=walk)


def test_ttest_two_groups_is_compare_with_one_df_less():
    design = _clus1()
    test = design.ttest("api00", by="sch_wide")
    compared = design.compare("mean", "api00", by="sch_wide").iloc[0]
    assert test["difference"].iat[0] == pytest.approx(compared["estimate"], rel=1e-12)
    assert test["se"].iat[0] == pytest.approx(compared["se"], rel=1e-12)
    assert test["df"].iat[0] == compared["df"] - 1
    assert list(test.columns) == ["contrast", "difference", "se", "ci_lower", "ci_upper", "t",
                                  "df", "p_value"]


def test_chisq_results_do_not_depend_on_row_order_or_weight_scale():
    frame = _data("apiclus1")
    base = _clus1().chisq("sch_wide", "stype", statistic="F")
    shuffled = frame.sample(frac=1.0, random_state=3).assign(pw=lambda f: f["pw"] * 7.5)
    other = mt.SurveyDesign(shuffled, weight="pw", psu="dnum", fpc="fpc").chisq("sch_wide",
                                                                                 "stype")
    for column in ("statistic", "df_num", "df_den", "p_value"):
        assert other[column].iat[0] == pytest.approx(base[column].iat[0], rel=1e-10)


# ------------------------------------------------------------------ bad input
def test_ttest_with_one_group_is_an_option_error():
    with pytest.raises(OptionError, match="exactly two groups.*1 among") as caught:
        _clus1().ttest("api00", by="sch_wide", where="sch_wide == 'Yes'")
    assert caught.value.option == "by"
    with pytest.raises(OptionError, match="has 3"):
        _clus1().ttest("api00", by="stype")


def test_chisq_with_a_zero_margin_names_the_category():
    frame = _data("apiclus1").copy()
    frame.loc[frame["stype"] == "H", "pw"] = 0.0
    design = mt.SurveyDesign(frame, weight="pw", psu="dnum")
    with pytest.raises(VariableError, match="zero margin: 'stype' = H") as caught:
        design.chisq("sch_wide", "stype")
    assert caught.value.variable == "stype"


def test_chisq_of_a_variable_with_one_category_is_a_variable_error():
    with pytest.raises(VariableError, match="1 category"):
        _clus1().chisq("sch_wide", "stype", where="stype == 'E' and sch_wide == 'Yes'")


def test_chisq_rejects_an_unknown_statistic_and_variable():
    with pytest.raises(OptionError, match="'F'"):
        _clus1().chisq("sch_wide", "stype", statistic="f")
    with pytest.raises(VariableError, match="stipe"):
        _clus1().chisq("sch_wide", "stipe")


def test_unknown_pairs_and_levels_are_named():
    design = _clus1()
    with pytest.raises(OptionError, match="'X'.*E, H, M") as caught:
        design.compare("mean", "api00", by="stype", pairs=[("E", "X")])
    assert caught.value.value == ["X"]
    with pytest.raises(OptionError, match="level='Maybe'.*No, Yes"):
        design.compare("proportion", "sch_wide", by="stype", level="Maybe")
    with pytest.raises(OptionError, match="kind="):
        design.compare("mean", "api00", by="stype", kind="gap")
    with pytest.raises(OptionError, match="needs by="):
        design.compare("mean", "api00", by=None)


def test_contrast_weights_naming_missing_rows_are_named():
    design = _clus1()
    result = design.mean("api00", by="stype")
    with pytest.raises(OptionError, match="row\\(s\\) X.*E, H, M"):
        mt.contrast(result, design.covariance(result), {"bad": {"E": 1, "X": -1}})
    with pytest.raises(OptionError, match="3 rows"):
        mt.contrast(result, np.eye(2), {"E": {"E": 1}})
