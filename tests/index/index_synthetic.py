"""Synthetic data of the index tests: a small survey with correlated indicators, an objective
table and an index spec over them (imported by conftest.py and the test modules)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_survey(
    n_regions: int = 6,
    psus_per_stratum: int = 6,
    households: int = 12,
    correlation: float = 0.6,
    seed: int = 7,
    spread: float = 0.5,
) -> pd.DataFrame:
    """Households in regions x 2 areas (strata) x PSUs, with three 0/1 indicators and a
    0-10 score that share a household effect (correlated) and a PSU effect (clustered);
    ``spread`` is the SD of the regions' levels on the latent scale."""
    rng = np.random.default_rng(seed)
    rows = []
    psu = 0
    for region in range(1, n_regions + 1):
        level = rng.normal(0, spread)
        for area in (1, 2):
            for _ in range(psus_per_stratum):
                psu += 1
                cluster = rng.normal(0, 0.4)
                for household in range(households):
                    rows.append((region, region * 10 + area, psu, household, level, cluster))
    frame = pd.DataFrame(rows, columns=["HH7", "stratum", "HH1", "HH2", "level", "cluster"])
    n = len(frame)
    shared = rng.normal(size=n)
    latent = []
    for _ in range(3):
        own = rng.normal(size=n)
        latent.append(np.sqrt(correlation) * shared + np.sqrt(1 - correlation) * own)
    base = frame["level"] + frame["cluster"]
    frame["happy"] = (base + latent[0] > 0.2).astype(float)
    frame["better"] = (base + latent[1] > 0.6).astype(float)
    frame["safe"] = np.where(rng.random(n) < 0.05, np.nan, (base + latent[2] > -0.3).astype(float))
    frame["ladder"] = np.clip(np.round(6 + 1.5 * (base + latent[0])), 0, 10)
    frame["age"] = rng.integers(10, 18, size=n)
    frame["weight"] = rng.uniform(0.5, 1.5, size=n)
    return frame.drop(columns=["level", "cluster"])


def make_objective(regions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Objective indicators (mortality per 1,000, a poverty rate) with SEs for mortality."""
    rng = np.random.default_rng(3)
    index = pd.Index(list(regions), name="region")
    values = pd.DataFrame(
        {"mortality": rng.uniform(5, 20, len(index)), "poverty": rng.uniform(0.05, 0.4, len(index))},
        index=index,
    )
    se = pd.DataFrame({"mortality": np.full(len(index), 0.8)}, index=index)
    return values, se


SPEC = {
    "name": "Test index",
    "groups": [
        {"id": "CWI"},
        {"id": "child", "parent": "CWI", "weight": 2},
        {"id": "family", "parent": "CWI"},
    ],
    "indicators": [
        {"id": "happy", "parent": "child", "source": "survey", "numerator": "happy == 1"},
        {"id": "better", "parent": "child", "source": "survey", "numerator": "better == 1"},
        {"id": "safe", "parent": "family", "source": "survey", "numerator": "safe == 1"},
        {"id": "mortality", "parent": "family", "source": "objective", "direction": -1,
         "normalisation": {"method": "goalposts", "goalposts": [0, 30]}},
        {"id": "poverty", "parent": "family", "source": "objective", "direction": -1,
         "normalisation": {"method": "goalposts", "goalposts": [0, 0.5]}},
    ],
}
