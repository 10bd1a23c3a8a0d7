"""The spec and its hierarchy: validation errors that name the item, defaults, round trips,
and linking data to a spec (regions and ids)."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from index_synthetic import SPEC

from mics_toolkit.errors import LinkError, SpecError
from mics_toolkit.index import (
    Hierarchy,
    IndexSpec,
    Normalisation,
    ObjectiveTable,
    SurveyEstimates,
    link_data,
)


def spec_with(**changes) -> dict:
    out = copy.deepcopy(SPEC)
    out.update(changes)
    return out


def test_hierarchy_order_children_levels():
    tree = Hierarchy(
        {"I": None, "D1": "I", "D2": "I", "S1": "D1", "a": "S1", "b": "S1", "c": "D2"},
        indicators=["a", "b", "c"],
        weights={"D1": 2.0},
    )
    assert tree.root == "I"
    assert tree.groups == ("D2", "S1", "D1", "I")
    assert tree.level == {"a": 1, "b": 1, "c": 1, "S1": 2, "D2": 2, "D1": 3, "I": 4}
    assert tree.children["I"] == ("D1", "D2")
    assert tree.leaves_under("D1") == ("a", "b")
    assert tree.ancestors("a") == ("S1", "D1", "I")
    assert tree.weights["D1"] == 2.0 and tree.weights["D2"] == 1.0


def test_cycle_is_named():
    with pytest.raises(SpecError, match=r"cycle: (A -> B -> A|B -> A -> B)"):
        Hierarchy({"I": None, "A": "B", "B": "A", "x": "A"}, indicators=["x"])


def test_cycle_in_a_spec():
    groups = [{"id": "CWI"}, {"id": "child", "parent": "family"},
              {"id": "family", "parent": "child"}]
    with pytest.raises(SpecError, match="cycle") as info:
        IndexSpec.from_dict(spec_with(groups=groups))
    assert info.value.key in ("groups[1]", "groups[2]")  # the entry of child or family


def test_negative_weight_named():
    raw = spec_with()
    raw["indicators"][1]["weight"] = -2
    with pytest.raises(SpecError, match="weight of 'better' is -2") as info:
        IndexSpec.from_dict(raw)
    assert info.value.key == "indicators[1].weight"
    with pytest.raises(SpecError, match="weight of 'D' is -1"):
        Hierarchy({"I": None, "D": "I", "a": "D"}, indicators=["a"], weights={"D": -1})


def test_unknown_parent_named_with_close_ids():
    raw = spec_with()
    raw["indicators"][0]["parent"] = "chlid"
    with pytest.raises(SpecError, match="parent 'chlid'.*close ids: child") as info:
        IndexSpec.from_dict(raw)
    assert info.value.key == "indicators[0]"  # the entry of 'happy'
    assert "'happy'" in str(info.value)


def test_other_tree_errors():
    with pytest.raises(SpecError, match="2 roots"):
        Hierarchy({"I": None, "J": None, "a": "I"}, indicators=["a"])
    with pytest.raises(SpecError, match="group 'E' has no children"):
        Hierarchy({"I": None, "E": "I", "a": "I"}, indicators=["a"])
    with pytest.raises(SpecError, match="indicator 'a' is the parent"):
        Hierarchy({"I": None, "a": "I", "b": "a"}, indicators=["a", "b"])
    with pytest.raises(SpecError, match="all 0"):
        Hierarchy({"I": None, "a": "I"}, indicators=["a"], weights={"a": 0})
    raw = spec_with()
    raw["indicators"][2]["id"] = "happy"
    with pytest.raises(SpecError, match="'happy' is used twice"):
        IndexSpec.from_dict(raw)


def test_from_dict_errors_carry_the_path():
    raw = spec_with()
    raw["indicators"][3]["normalisation"] = {"method": "goalposts"}
    with pytest.raises(SpecError, match="needs goalposts") as info:
        IndexSpec.from_dict(raw, file="index.yaml")
    assert info.value.key == "indicators[3].normalisation.goalposts"
    assert info.value.file == "index.yaml"
    raw = spec_with()
    raw["indicators"][0]["direction"] = 2
    with pytest.raises(SpecError) as info:
        IndexSpec.from_dict(raw)
    assert info.value.key == "indicators[0].direction"
    with pytest.raises(SpecError, match="unknown key 'colour'"):
        IndexSpec.from_dict(spec_with(colour="red"))
    raw = spec_with()
    raw["indicators"][0]["numerator"] = "happy =="
    with pytest.raises(SpecError, match="indicators\\[0\\]"):
        IndexSpec.from_dict(raw)
    raw = spec_with(uncertainty={"engine": "jackknife"})
    with pytest.raises(SpecError, match="jackknife") as info:
        IndexSpec.from_dict(raw)
    assert info.value.key == "uncertainty.engine"


def test_round_trip_and_defaults():
    spec = IndexSpec.from_dict(SPEC)
    again = IndexSpec.from_dict(spec.to_dict())
    assert again.to_dict() == spec.to_dict()
    assert spec.root == "CWI"
    # survey proportions default to goalposts 0-1 x 100, other indicators to min-max
    assert spec.normalisation_of("happy", "proportion") == Normalisation(
        "goalposts", goalposts=(0, 1)
    )
    assert spec.normalisation_of("happy", "mean") == Normalisation("minmax")
    assert spec.normalisation_of("mortality").method == "goalposts"
    assert spec.aggregation_of("CWI").method == "arithmetic"
    assert set(spec.survey_definitions()) == {"happy", "better", "safe"}


def test_sensitivity_targets_checked():
    raw = spec_with(sensitivity=[{"name": "agg", "kind": "aggregation",
                                  "alternatives": ["arithmetic", "geometric"],
                                  "targets": ["famly"]}])
    with pytest.raises(SpecError, match="'famly'"):
        IndexSpec.from_dict(raw)
    raw = spec_with(sensitivity=[{"name": "w", "kind": "weights", "alternatives": ["nominal"]}])
    with pytest.raises(SpecError, match="at least two"):
        IndexSpec.from_dict(raw)


def estimates(regions, ids=("happy", "better", "safe")) -> SurveyEstimates:
    shape = (len(regions), len(ids))
    return SurveyEstimates(ids, ["proportion"] * len(ids), regions,
                           np.full(shape, 0.5), np.full(shape, 0.05))


def objective_table(regions) -> ObjectiveTable:
    return ObjectiveTable(pd.DataFrame({"mortality": 10.0, "poverty": 0.2}, index=regions))


def test_link_regions_both_directions():
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(LinkError) as info:
        link_data(spec, estimates(["A", "B", "C"]), objective_table(["A", "B", "D"]))
    message = str(info.value)
    assert "in the objective table but not in the survey: 'D'" in message
    assert "in the survey but not in the objective table: 'C'" in message
    assert info.value.keys == ["D", "C"]
    with pytest.raises(LinkError, match="region_labels"):
        link_data(spec, estimates([1, 2]), objective_table(["A", "B"]))


def test_link_unknown_indicator_ids():
    spec = IndexSpec.from_dict(SPEC)
    with pytest.raises(SpecError, match="survey indicator 'safe' is not among") as info:
        link_data(spec, estimates(["A", "B"], ids=("happy", "better", "safety")),
                  objective_table(["A", "B"]))
    assert info.value.key == "safe" and "close ids: safety" in str(info.value)
    with pytest.raises(SpecError, match="objective indicator 'poverty'"):
        link_data(spec, estimates(["A", "B"]),
                  ObjectiveTable(pd.DataFrame({"mortality": [1.0, 2.0]}, index=["A", "B"])))
    with pytest.raises(SpecError, match="no objective table"):
        link_data(spec, estimates(["A", "B"]))


def test_link_refuses_an_infinite_survey_estimate():
    spec = IndexSpec.from_dict(SPEC)
    survey = estimates(["A", "B"])
    survey.estimate[1, 2] = np.inf  # 'safe' in region B
    with pytest.raises(LinkError) as info:
        link_data(spec, survey, objective_table(["A", "B"]))
    assert "survey indicator 'safe' is inf in region 'B'" in str(info.value)
    assert info.value.keys == ["safe", "B"] and info.value.count == 1
    survey.estimate[1, 2] = np.nan  # missing stays missing, for the imputation rule
    data = link_data(spec, survey, objective_table(["A", "B"]))
    assert np.isnan(data.values_frame().loc["B", "safe"])


def test_link_orders_values_by_survey_regions():
    spec = IndexSpec.from_dict(SPEC)
    objective = ObjectiveTable(pd.DataFrame({"mortality": [1.0, 2.0], "poverty": [0.1, 0.2]},
                                            index=["B", "A"]))
    data = link_data(spec, estimates(["A", "B"]), objective)
    assert data.regions == ("A", "B")
    assert data.values_frame().loc["A", "mortality"] == 2.0
    assert data.kinds == ("proportion",) * 3 + ("objective",) * 2


def test_index_imports_only_left_layers():
    # indicators is to the left of index; only the catalogue bridge and the YAML loader use it
    allowed = {"errors", "expr", "specfile", "io", "design", "estimate", "index", "indicators"}
    root = Path(__file__).resolve().parents[2] / "mics_toolkit" / "index"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("mics_toolkit."):
                    assert name.split(".")[1] in allowed, f"{path.name} imports {name}"
