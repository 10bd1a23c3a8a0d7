"""Fixtures for the indicator tests: a tiny hand-made survey folder and the synthetic
Kazakhstan example survey at small scale (``examples/kz_mics/generate.py``, scale 0.05)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.io import Metadata

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT_ROOT / "examples" / "kz_mics" / "generate.py"
EXAMPLE_SCALE = 0.05


@pytest.fixture(scope="session")
def example_folder(tmp_path_factory) -> Path:
    """The example survey written at scale 0.05 (about 80 clusters), generated once."""
    if not GENERATOR.is_file():
        pytest.skip(f"the example survey generator {GENERATOR} is absent")
    spec = importlib.util.spec_from_file_location("kz_mics_generate_indicators", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("kz_mics_small")
    module.write_survey(folder, scale=EXAMPLE_SCALE)
    return folder


def tiny_frames() -> dict[str, pd.DataFrame]:
    """Households in 2 strata x 3 clusters, women with a ladder (99 no response), a
    happiness item (9 no response) and a DK code 8 declared only by label."""
    rng = np.random.default_rng(7)
    clusters = np.repeat(np.arange(1, 7), 4)
    hh = pd.DataFrame(
        {
            "HH1": clusters,
            "HH2": np.tile(np.arange(1, 5), 6),
            "HH6": np.where(clusters <= 3, 1, 2),
            "HH7": np.where(clusters % 2 == 0, 1, 2),
            "stratum": np.where(clusters <= 3, 1, 2),
            "PSU": clusters,
            "windex5": rng.integers(1, 6, clusters.size),
            "helevel": rng.integers(0, 4, clusters.size),
            "ethnicity": rng.integers(1, 3, clusters.size),
            "HH46": np.where(np.arange(clusters.size) % 7 == 3, 2, 1),
            "WS1": rng.choice([11, 14, 32, 81, 99], clusters.size),
        }
    )
    completed = hh["HH46"] == 1
    hh["HH48"] = np.where(completed, rng.integers(1, 7, clusters.size), np.nan)
    hh["hhweight"] = np.where(completed, rng.uniform(0.5, 1.5, clusters.size), 0.0)
    women = hh.loc[completed, ["HH1", "HH2"]].reset_index(drop=True)
    n = len(women)
    women["LN"] = 2
    women["WM17"] = np.where(np.arange(n) % 9 == 4, 2, 1)
    done = women["WM17"] == 1
    women["WB4"] = rng.integers(15, 50, n)
    women["LS1"] = np.where(done, rng.choice([1, 2, 3, 4, 9], n), np.nan)
    women["LS2"] = np.where(done, rng.choice([0, 3, 5, 7, 8, 10, 99], n), np.nan)
    women["LS3"] = np.where(done, rng.choice([1, 2, 3, 8], n), np.nan)
    women["wmweight"] = np.where(done, rng.uniform(0.5, 2.0, n), 0.0)
    return {"hh": hh, "wm": women}


TINY_META = {
    "wm": Metadata(
        value_labels={
            "LS1": {1: "Very happy", 2: "Somewhat happy", 9: "No response"},
            "LS2": {0: "Worst", 10: "Best", 99: "No response"},
            "LS3": {1: "Improved", 8: "DK"},
        }
    ),
    "hh": Metadata(value_labels={"WS1": {11: "Piped", 99: "No response"}}),
}


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    for name, frame in tiny_frames().items():
        mt.write(frame, tmp_path / f"{name}.sav", meta=TINY_META[name])
    return tmp_path
