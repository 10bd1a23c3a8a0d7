"""The nominal index end to end on a small case computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mics_toolkit.errors import SpecError
from mics_toolkit.index import (
    IndexSpec,
    ObjectiveTable,
    SurveyEstimates,
    build_index,
    link_data,
)

REGIONS = ["A", "B", "C"]


def small_spec(**changes) -> IndexSpec:
    raw = {
        "name": "Small",
        "groups": [
            {"id": "I"},
            {"id": "D1", "parent": "I", "weight": 2},
            {"id": "D2", "parent": "I", "weight": 1},
        ],
        "indicators": [
            {"id": "p", "parent": "D1", "source": "survey"},
            {"id": "q", "parent": "D1", "source": "survey", "direction": -1, "weight": 3,
             "normalisation": {"method": "minmax"}},
            {"id": "m", "parent": "D2", "source": "objective"},
            {"id": "z", "parent": "D2", "source": "objective",
             "normalisation": {"method": "goalposts", "goalposts": [0, 10]}},
        ],
    }
    raw.update(changes)
    return IndexSpec.from_dict(raw)


def small_data(spec: IndexSpec, z=(5.0, np.nan, 8.0)):
    survey = SurveyEstimates(
        ["p", "q"], ["proportion", "mean"], REGIONS,
        estimate=[[0.2, 4.0], [0.5, 2.0], [0.8, 8.0]],
        se=[[0.02, 0.3], [0.03, 0.2], [0.02, 0.4]],
    )
    objective = ObjectiveTable(pd.DataFrame({"m": [10.0, 30.0, 20.0], "z": list(z)},
                                            index=REGIONS))
    return link_data(spec, survey, objective)


def test_index_by_hand():
    spec = small_spec()
    result = build_index(spec, small_data(spec))
    # p: goalposts (0, 1) x 100 (default for survey proportions): 20, 50, 80
    # q: lower is better, min-max of -q: (-q + 8) / 6 * 100: 66.67, 100, 0
    # m: min-max: 0, 100, 50
    # z: goalposts (0, 10) x 100: 50, missing, 80
    np.testing.assert_allclose(result.normalised["p"], [20, 50, 80], rtol=1e-14)
    np.testing.assert_allclose(result.normalised["q"], [400 / 6, 100, 0], rtol=1e-14)
    d1 = np.array([(20 + 3 * 400 / 6) / 4, (50 + 300) / 4, 80 / 4])
    d2 = np.array([(0 + 50) / 2, 100.0, (50 + 80) / 2])  # B: z drops out with its weight
    index = (2 * d1 + d2) / 3
    np.testing.assert_allclose(result.scores["D1"], d1, rtol=1e-14)
    np.testing.assert_allclose(result.scores["D2"], d2, rtol=1e-14)
    np.testing.assert_allclose(result.index, index, rtol=1e-14)
    assert list(result.scores.columns) == ["I", "D1", "D2"]
    assert result.ranks["I"].tolist() == [2.0, 1.0, 3.0]
    assert result.missing.loc["B", "z"] and result.missing.to_numpy().sum() == 1
    assert result.availability.loc["B", "D2"] == 0.5
    framework = result.framework.set_index("node")
    assert framework.loc["D1", "weight_in_group"] == pytest.approx(2 / 3)
    assert framework.loc["q", "weight_in_group"] == pytest.approx(0.75)
    assert framework.loc["p", "method"] == "goalposts"
    frames = result.to_frames()
    assert frames["scores"].columns[0] == "region"
    text = result.summary()
    assert "Small (I): 3 regions, 4 indicators, 3 groups" in text and "1 dropped out" in text


def test_imputation_flags_and_values():
    spec = small_spec(imputation={"method": "mean"})
    result = build_index(spec, small_data(spec))
    assert result.imputed.loc["B", "z"] and result.imputed.to_numpy().sum() == 1
    assert result.prepared.loc["B", "z"] == pytest.approx(6.5)  # mean of 5 and 8
    assert not result.missing.to_numpy().any()
    assert result.normalised.loc["B", "z"] == pytest.approx(65.0)


def test_outlier_treatment_is_reported():
    regions = [f"R{i}" for i in range(10)]
    spec = IndexSpec.from_dict({
        "groups": [{"id": "I"}],
        "indicators": [{"id": "x", "parent": "I", "source": "objective"},
                       {"id": "y", "parent": "I", "source": "objective",
                        "treat_outliers": False}],
        "outliers": {"method": "coinr"},
    })
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0]
    table = pd.DataFrame({"x": x, "y": x}, index=regions)
    result = build_index(spec, link_data(spec, objective=table))
    assert result.treated.loc["R9", "x"] == "winhi" and result.treated.loc["R9", "y"] == ""
    assert result.prepared.loc["R9", "x"] == 9.0
    row = result.treatment.set_index("indicator").loc["x"]
    assert row["treated"] and row["n_winsorised"] == 1 and row["winsorised"] == "R9"
    # after winsorising, the maximum region shares the top min-max score
    assert result.normalised.loc["R8", "x"] == result.normalised.loc["R9", "x"] == 100.0


def test_geometric_over_zero_names_the_culprit():
    spec = small_spec(aggregation={"method": "geometric"})
    with pytest.raises(SpecError, match=r"geometric mean of 'D1' needs positive values .*, but "
                                        r"'q' is 0 for region 'C'"):
        build_index(spec, small_data(spec))


def test_dist2ref_reference_must_be_a_region():
    spec = small_spec(normalisation={"method": "dist2ref", "reference": "Q"})
    with pytest.raises(SpecError, match="'Q', is not a region"):
        build_index(spec, small_data(spec))
