"""Synthetic MICS-sized women's file for the core benchmark.

This module holds the deterministic generator of a women's (``wm``) file with MICS6 variable
names and codes: a stratified two-stage design (20 regions x urban/rural = 40 strata, 1,200
clusters numbered nationwide in ``HH1``), normalised weights (``wmweight`` sums to the number of
completed interviews and is 0 for the others), background variables (``HH6``, ``HH7``,
``windex5``, ``welevel``, ``WB4``, ``WAGE``), the indicator source variables used by the
benchmark (life satisfaction ``LS2``/``LS3``/``LS4``, marital status ``MA1``, age at first union
``WAGEM``, contraceptive use ``CP2``) with MICS special codes (99 "No response", 8 "DK") and
structural missing values (``NaN`` where a question was not asked), and by default 200 filler
variables so that reading only the needed columns of the file matters. Cluster effects are
built in so that design effects are of the size seen in real surveys (about 1.2 to 3).

Run as a script to write the file as SPSS ``.sav`` with value labels::

    python benchmarks/synthetic_women.py --rows 100000 --out benchmarks/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

N_REGIONS = 20
N_PSUS = 1200
N_FILLER = 200
DEFAULT_SEED = 20240611
#: Bumped whenever the generator's output changes, so cached files are not reused.
GENERATOR_VERSION = 2

#: Columns the benchmark workload needs (design, breakdowns, indicator sources).
NEEDED_COLUMNS = [
    "HH1",
    "stratum",
    "wmweight",
    "HH6",
    "HH7",
    "windex5",
    "welevel",
    "WAGE",
    "LS2",
    "LS3",
    "LS4",
    "MA1",
    "CP2",
    "WAGEM",
]

_FILLER_PREFIXES = ["MT", "DV", "VT", "UN", "HA", "TA", "AF", "SB", "MN", "CM"]

VALUE_LABELS = {
    "HH6": {1: "Urban", 2: "Rural"},
    "HH7": {r: f"Region {r:02d}" for r in range(1, N_REGIONS + 1)},
    "windex5": {1: "Poorest", 2: "Second", 3: "Middle", 4: "Fourth", 5: "Richest"},
    "welevel": {
        0: "Pre-primary or none",
        1: "Primary",
        2: "Lower secondary",
        3: "Upper secondary or higher",
        9: "Missing/DK",
    },
    "WAGE": {1: "15-19", 2: "20-24", 3: "25-29", 4: "30-34", 5: "35-39", 6: "40-44", 7: "45-49"},
    "WM17": {
        1: "Completed",
        2: "Not at home",
        3: "Refused",
        4: "Partly completed",
        5: "Incapacitated",
        6: "Other",
    },
    "LS2": {0: "Worst possible life", 10: "Best possible life", 99: "No response"},
    "LS3": {1: "Improved", 2: "More or less the same", 3: "Worsened", 8: "DK", 9: "No response"},
    "LS4": {1: "Better", 2: "More or less the same", 3: "Worse", 8: "DK", 9: "No response"},
    "MA1": {1: "Yes, currently married", 2: "Yes, living with a man", 3: "No, not in union"},
    "CP2": {1: "Yes", 2: "No", 9: "No response"},
}

COLUMN_LABELS = {
    "HH1": "Cluster number",
    "HH2": "Household number",
    "LN": "Line number",
    "HH6": "Area",
    "HH7": "Region",
    "stratum": "Stratum",
    "windex5": "Wealth index quintile",
    "welevel": "Education",
    "WB4": "Age of woman",
    "WAGE": "Age",
    "wmweight": "Women's sample weight",
    "WM17": "Result of woman's interview",
    "LS2": "Ladder of life: present",
    "LS3": "Life compared to one year ago",
    "LS4": "Life in one year",
    "MA1": "Currently married or living with a man",
    "WAGEM": "Age at first marriage/union",
    "CP2": "Currently using a method to avoid pregnancy",
}


def _allocate(rng: np.random.Generator, total: int, n_groups: int, minimum: int) -> np.ndarray:
    """Split ``total`` units into ``n_groups`` counts of at least ``minimum`` each."""
    shares = rng.dirichlet(np.full(n_groups, 6.0))
    return minimum + rng.multinomial(total - minimum * n_groups, shares)


def make_women(
    n_rows: int = 100_000,
    seed: int = DEFAULT_SEED,
    n_psus: int = N_PSUS,
    n_filler: int = N_FILLER,
) -> pd.DataFrame:
    """Build a synthetic MICS6 women's file.

    Parameters
    ----------
    n_rows : int
        Number of women listed (rows), completed or not.
    seed : int
        Seed of the ``numpy.random.Generator``; the same seed gives the same frame.
    n_psus : int
        Number of clusters (PSUs), spread over 40 strata with at least 8 in each.
    n_filler : int
        Number of filler variables (small integer codes) appended after the real ones.

    Returns
    -------
    pandas.DataFrame
        One row per woman, sorted by ``HH1, HH2, LN``, with float64 columns ``HH1`` (cluster,
        unique nationwide, = PSU), ``HH2``, ``LN``, ``HH6`` (1 urban, 2 rural), ``HH7``
        (region 1-20), ``stratum`` (1-40, region x area), ``windex5`` (1-5), ``welevel``
        (0-3, 9 missing/DK), ``WB4`` (age 15-49), ``WAGE`` (age group 1-7), ``WM17`` (1
        completed), ``wmweight`` (normalised; 0 unless completed), ``LS2`` (0-10, 99 no
        response), ``LS3``, ``LS4`` (1-3, 8 DK, 9 no response), ``MA1`` (1-3), ``WAGEM``
        (age at first union, NaN if never in union), ``CP2`` (1 yes, 2 no, 9 no response; NaN
        unless in union), then the filler variables. Questions are NaN for women whose
        interview was not completed.

    Notes
    -----
    Each cluster draws a latent level per outcome, ``u_psu ~ N(0, 1)``, that shifts the
    outcomes of all its women; with about 83 women per cluster the loadings give design
    effects of about 1.2 to 3 for the whole sample and less for domains that cut across
    clusters (age, education). Base weights differ between strata (disproportionate
    allocation) and a little between clusters; a non-response adjustment within the cluster
    follows, then normalisation: ``wmweight = w * n_completed / sum(w)``.
    """
    rng = np.random.default_rng(seed)
    n_strata = 2 * N_REGIONS
    if n_rows < n_psus:
        raise ValueError(f"n_rows ({n_rows}) must be at least n_psus ({n_psus})")

    # Design: PSUs per stratum (region x area), rows per PSU.
    psus_per_stratum = _allocate(rng, n_psus, n_strata, minimum=8)
    psu_stratum = np.repeat(np.arange(1, n_strata + 1), psus_per_stratum)
    psu_region = (psu_stratum + 1) // 2
    psu_area = 2 - (psu_stratum % 2)  # odd stratum urban (1), even rural (2)
    rows_per_psu = 1 + rng.multinomial(n_rows - n_psus, rng.dirichlet(np.full(n_psus, 30.0)))

    stratum_base_weight = rng.lognormal(0.0, 0.45, n_strata)
    psu_weight = stratum_base_weight[psu_stratum - 1] * rng.lognormal(0.0, 0.12, n_psus)
    psu_wealth = rng.normal(0.0, 1.0, n_psus) + np.where(psu_area == 1, 0.8, -0.5)
    region_effect = rng.normal(0.0, 0.35, N_REGIONS)
    psu_u = rng.normal(0.0, 1.0, (4, n_psus))
    psu_response = rng.uniform(0.88, 0.99, n_psus)

    psu = np.repeat(np.arange(n_psus), rows_per_psu)
    n = psu.size
    hh1 = psu + 1.0
    stratum = psu_stratum[psu].astype(float)
    region = psu_region[psu]
    area = psu_area[psu]

    # Households and line numbers inside the cluster.
    new_household = rng.uniform(size=n) < 0.75
    first_of_psu = np.r_[True, psu[1:] != psu[:-1]]
    new_household |= first_of_psu
    household_run = np.cumsum(new_household)
    hh2 = household_run - household_run[np.flatnonzero(first_of_psu)][psu] + 1
    position = np.arange(n) - np.flatnonzero(new_household)[household_run - 1]
    line = 2 + position + rng.integers(0, 3, household_run[-1])[household_run - 1]

    # Background characteristics.
    age_share = 1.4 - 0.02 * np.arange(35)
    age = 15 + rng.choice(35, n, p=age_share / age_share.sum())
    age_group = (age - 15) // 5 + 1
    wealth_latent = 0.75 * psu_wealth[psu] + 0.65 * rng.normal(size=n)
    cuts = np.quantile(wealth_latent, [0.2, 0.4, 0.6, 0.8])
    windex5 = 1 + np.searchsorted(cuts, wealth_latent)
    education_latent = 0.9 * wealth_latent - 0.02 * (age - 30) + rng.normal(size=n)
    welevel = np.searchsorted(np.quantile(education_latent, [0.1, 0.35, 0.7]), education_latent)
    welevel = np.where(rng.uniform(size=n) < 0.003, 9, welevel)

    completed = rng.uniform(size=n) < psu_response[psu]
    wm17 = np.where(completed, 1, rng.choice([2, 3, 4, 5, 6], n, p=[0.5, 0.2, 0.1, 0.1, 0.1]))

    # Weights: base x within-cluster non-response adjustment, then normalised.
    n_listed = np.bincount(psu, minlength=n_psus)
    n_done = np.bincount(psu, weights=completed, minlength=n_psus)
    adjustment = np.divide(n_listed, n_done, out=np.zeros(n_psus), where=n_done > 0)
    weight = np.where(completed, (psu_weight * adjustment)[psu], 0.0)
    weight *= completed.sum() / weight.sum()

    # Life satisfaction: ladder 0-10 (99 no response), LS3 and LS4.
    ladder = (
        5.6
        + 0.15 * (windex5 - 3)
        + region_effect[region - 1]
        + 0.2 * psu_u[0, psu]
        - 0.015 * (age - 30)
        + rng.normal(0.0, 2.0, n)
    )
    ls2 = np.clip(np.rint(ladder), 0, 10)
    ls2 = np.where(rng.uniform(size=n) < 0.006, 99.0, ls2)
    better = 0.3 + 0.12 * (windex5 - 3) + 0.5 * region_effect[region - 1] + 0.25 * psu_u[1, psu]
    ls3 = np.where(rng.uniform(size=n) < _expit(better + rng.normal(0, 1, n)), 1.0, 2.0)
    ls3 = np.where(rng.uniform(size=n) < 0.12, 3.0, ls3)
    ls4 = np.where(rng.uniform(size=n) < _expit(better + 0.4 - 0.02 * (age - 30)), 1.0, 2.0)
    ls4 = np.where(rng.uniform(size=n) < 0.06, 3.0, ls4)
    dk = rng.uniform(size=(2, n))
    ls3 = np.where(dk[0] < 0.015, 8.0, np.where(dk[0] > 0.997, 9.0, ls3))
    ls4 = np.where(dk[1] < 0.04, 8.0, np.where(dk[1] > 0.997, 9.0, ls4))

    # Marriage, age at first union and contraceptive use (asked of women in union).
    ever_union = rng.uniform(size=n) < _expit(-3.0 + 0.22 * (age - 15) - 0.2 * (welevel % 9))
    first_union = 15 + rng.gamma(2.0, 2.5, n) + 0.6 * (welevel % 9) + 0.3 * psu_u[2, psu]
    wagem = np.where(ever_union, np.minimum(np.floor(first_union), age), np.nan)
    in_union = ever_union & (rng.uniform(size=n) < 0.9)
    ma1 = np.where(in_union, np.where(rng.uniform(size=n) < 0.85, 1, 2), 3)
    use = _expit(-0.1 + 0.15 * (windex5 - 3) + 0.35 * psu_u[3, psu] - 0.03 * np.abs(age - 32))
    cp2 = np.where(rng.uniform(size=n) < use, 1.0, 2.0)
    cp2 = np.where(rng.uniform(size=n) < 0.004, 9.0, cp2)
    cp2 = np.where(in_union, cp2, np.nan)

    not_done = ~completed
    frame = {
        "HH1": hh1,
        "HH2": hh2.astype(float),
        "LN": line.astype(float),
        "HH6": area.astype(float),
        "HH7": region.astype(float),
        "stratum": stratum,
        "windex5": windex5.astype(float),
        "welevel": welevel.astype(float),
        "WB4": age.astype(float),
        "WAGE": age_group.astype(float),
        "WM17": wm17.astype(float),
        "wmweight": weight,
    }
    for name, values in [
        ("LS2", ls2),
        ("LS3", ls3),
        ("LS4", ls4),
        ("MA1", ma1.astype(float)),
        ("WAGEM", wagem),
        ("CP2", cp2),
    ]:
        frame[name] = np.where(not_done, np.nan, values)

    filler = rng.integers(1, 6, size=(n, n_filler)).astype(float)
    filler[rng.uniform(size=(n, n_filler)) < 0.01] = 9.0
    filler[not_done] = np.nan
    names = [f"{_FILLER_PREFIXES[k % 10]}{k // 10 + 1}" for k in range(n_filler)]
    data = pd.DataFrame(frame)
    return pd.concat([data, pd.DataFrame(filler, columns=names)], axis=1)


def _expit(x: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def data_path(folder: Path, n_rows: int, seed: int = DEFAULT_SEED) -> Path:
    """Cache file name of the ``.sav`` file for ``n_rows``, ``seed`` and the generator version."""
    return Path(folder) / f"wm_synthetic_{n_rows}_{seed}_v{GENERATOR_VERSION}.sav"


def write_sav(data: pd.DataFrame, path: Path) -> Path:
    """Write ``data`` to ``path`` as SPSS ``.sav`` with MICS value and variable labels.

    Filler variables get the labels 1-5 "Code k" and 9 "No response". The file is written
    to a temporary name first and renamed, so an interrupted run leaves no partial file.
    """
    import pyreadstat

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    filler_labels = {k: f"Code {k}" for k in range(1, 6)} | {9: "No response"}
    value_labels = {
        name: VALUE_LABELS.get(name, filler_labels)
        for name in data.columns
        if name in VALUE_LABELS or name not in COLUMN_LABELS
    }
    value_labels.pop("wmweight", None)
    labels = [COLUMN_LABELS.get(name, f"Filler variable {name}") for name in data.columns]
    temporary = path.with_suffix(".sav.part")
    pyreadstat.write_sav(
        data,
        str(temporary),
        column_labels=labels,
        variable_value_labels=value_labels,
        file_label="Synthetic MICS6 women's file (benchmark)",
    )
    temporary.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the file and write it as ``.sav`` into a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="number of rows (women)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "data",
        help="folder of the .sav file (default benchmarks/data)",
    )
    args = parser.parse_args(argv)
    path = write_sav(make_women(args.rows, args.seed), data_path(args.out, args.rows, args.seed))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
