"""describe(): one row per variable for `mics inspect`."""

from __future__ import annotations

import pandas as pd

from mics_toolkit.io import DESCRIBE_COLUMNS, describe, read, write


def test_describe_a_file_read_back(women, tmp_path):
    data = read(write(women, tmp_path / "wm.sav"), user_missing="keep")
    table = describe(data).set_index("name")
    assert list(table.reset_index().columns) == list(DESCRIBE_COLUMNS)
    assert list(table.index) == list(women.frame.columns)

    ls2 = table.loc["LS2"]
    assert ls2["label"] == "Өмірге қанағаттану"
    assert ls2["type"] == "numeric"
    assert ls2["n_missing"] == 1
    assert ls2["n_distinct"] == 6
    assert ls2["n_value_labels"] == 4
    assert ls2["value_labels"] == "0=Ең нашар; 10=Ең жақсы; 98=Білмеймін; 99=Нет ответа"
    assert ls2["user_missing"] == "99"
    assert ls2["special_codes"] == "98=dont_know (1); 99=no_response (2)"

    assert table.loc["welevel", "user_missing"] == "7 thru 9"
    assert table.loc["WB4", "special_codes"] == "95=top_code (2)"
    assert table.loc["region", "type"] == "string"
    assert table.loc["wmweight", "label"] == "Women's sample weight"
    assert table["n_missing"].dtype == "int64"


def test_describe_counts_after_user_missing_became_nan(women, tmp_path):
    data = read(write(women, tmp_path / "wm.sav"))
    table = describe(data).set_index("name")
    assert table.loc["LS2", "n_missing"] == 3
    assert table.loc["LS2", "special_codes"] == "98=dont_know (1); 99=no_response (0)"


def test_describe_a_plain_dataframe_and_long_label_lists():
    frame = pd.DataFrame(
        {"x": [1, 2, 2], "when": pd.to_datetime(["2024-01-01"] * 3), "flag": [True, False, True]}
    )
    table = describe(frame)
    assert table["type"].tolist() == ["numeric", "datetime", "boolean"]
    assert table["label"].tolist() == ["", "", ""]
    assert table.loc[0, "n_distinct"] == 2

    from mics_toolkit.io import Metadata

    meta = Metadata(value_labels={"x": {i: f"L{i}" for i in range(10)}})
    summary = describe(frame, meta=meta, max_labels=2).loc[0, "value_labels"]
    assert summary == "0=L0; 1=L1; ... (10 labels)"
