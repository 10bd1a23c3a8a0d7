"""The README's first Python example runs as written, on the synthetic survey that
``make demo`` writes to ``build/kz_mics`` (here the session's small copy of it)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def first_python_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_the_first_python_example_runs_as_written(small_example_survey, tmp_path, monkeypatch):
    code = first_python_example()
    assert 'mt.read("build/kz_mics/wm.sav"' in code
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "kz_mics").symlink_to(small_example_survey)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        exec(compile(code, "README.md", "exec"), namespace)
    design = namespace["design"]
    labelled = namespace["mt"].with_labels(design.mean("LS2", by="HH7", where="LS2 != 99"),
                                           design.meta)
    assert isinstance(labelled, pd.DataFrame) and labelled["HH7"].dtype != "int64"
