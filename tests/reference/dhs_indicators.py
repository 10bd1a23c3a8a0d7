"""Indicator definitions for the published DHS model-dataset sampling-error tables (B.2-B.8).

The DHS Program's fictitious "model" survey comes with a published appendix, "Estimates of
Sampling Errors", one table per domain (Total, Urban, Rural, Region 1-4). This module says, for
every published indicator that the two reference files can reproduce, which file it comes from,
its universe (a ``where`` expression of the engine's expression language), the analysis variable
(a 0/1 indicator for a proportion, a count for a mean) and the estimator. It also reads the two
files into analysis frames with numeric design columns, and lists the published rows left out
with the reason. The test module ``test_dhs_sampling_errors.py`` runs the engine on these
definitions and compares with ``published_sampling_errors.csv``.

Files (``<project root>/../shared/reference/dhs-model/``):

- ``zzir.rda``: women's recode subset (8,348 women 15-49, variables ``v000``-``v243`` plus the
  birth and sibling histories), an R data file whose factors carry the value labels; variables
  are therefore defined on labels ("urban", "no education", "yes").
- ``ZZMR61FL.DTA``: men's recode (3,621 men 15-59), Stata file with numeric codes; the
  published tables use men 15-49 (``mv012 < 50``), which every men's universe starts with.

Design (both files): weight ``v005 / 1e6`` (``mv005``), PSU ``v021`` (``mv021``), strata the
sample domain ``v023`` (``mv023``, region x urban/rural, 8 strata); Taylor linearisation with
the first stage treated as sampled with replacement; urban/rural and regions are domains of the
full design.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "DOMAINS",
    "FILES",
    "INDICATORS",
    "SKIPPED",
    "DomainSpec",
    "FileSpec",
    "Indicator",
    "PublishedRow",
    "analysis_frame",
    "published_rows",
]

FileKey = Literal["women", "men"]


@dataclass(frozen=True)
class FileSpec:
    """One reference file and its design.

    Attributes
    ----------
    key : {"women", "men"}
    path : str
        Path relative to the reference folder.
    population : str
        The ``population`` value of its rows in ``published_sampling_errors.csv``.
    weight_source : str
        The recode weight (6 implied decimals); the analysis frame holds ``w = weight / 1e6``.
    psu, strata, area, region : str
        Design and domain columns, numeric DHS codes in the analysis frame (area 1 urban,
        2 rural; region 1-4).
    base_universe : str or None
        Expression every universe of this file starts with (men: ages 15-49).
    """

    key: FileKey
    path: str
    population: str
    weight_source: str
    psu: str
    strata: str
    area: str
    region: str
    base_universe: str | None


FILES: dict[str, FileSpec] = {
    "women": FileSpec(
        key="women", path="dhs-model/zzir.rda", population="WOMEN", weight_source="v005",
        psu="v021", strata="v023", area="v025", region="v024", base_universe=None,
    ),
    "men": FileSpec(
        key="men", path="dhs-model/ZZMR61FL.DTA", population="MEN", weight_source="mv005",
        psu="mv021", strata="mv023", area="mv025", region="mv024", base_universe="mv012 < 50",
    ),
}

WEIGHT = "w"
"""Name of the weight column (``v005 / 1e6`` or ``mv005 / 1e6``) in the analysis frames."""


@dataclass(frozen=True)
class Indicator:
    """One published indicator.

    Attributes
    ----------
    key : str
        Column of the analysis variable in the analysis frame.
    file : {"women", "men"}
    name : str
        The indicator as printed in the published table (``indicator`` column of the CSV).
    universe : str or None
        ``where`` expression of the denominator population, in recode variables (the file's
        ``base_universe`` is added in front); None for every respondent.
    estimator : {"proportion", "mean"}
        ``"proportion"``: the share of ``variable == 1`` (the engine's ``proportion``, category
        1); ``"mean"``: the weighted mean of a count.
    definition : str
        The analysis variable in words, with the recode codes used.
    variable : callable
        Raw recode frame -> float Series (0/1 or a count; NaN puts the row outside the
        denominator).
    """

    key: str
    file: FileKey
    name: str
    universe: str | None
    estimator: Literal["proportion", "mean"]
    definition: str
    variable: Callable[[pd.DataFrame], pd.Series]

    def where(self) -> str | None:
        """The complete universe expression (base universe and the indicator's own)."""
        parts = [p for p in (FILES[self.file].base_universe, self.universe) if p]
        return " and ".join(parts) if parts else None


def _flag(condition: pd.Series) -> pd.Series:
    """A 0/1 float indicator; missing values of the source count as 0 (not having it)."""
    return condition.fillna(False).astype(float)


INDICATORS: tuple[Indicator, ...] = (
    # ---- women (zzir.rda: labelled factors) ----
    Indicator(
        "urban", "women", "Urban residence", None, "proportion",
        "v025 'type of place of residence' == 'urban'",
        lambda d: _flag(d["v025"] == "urban"),
    ),
    Indicator(
        "no_education", "women", "No education", None, "proportion",
        "v106 'highest educational level' == 'no education'",
        lambda d: _flag(d["v106"] == "no education"),
    ),
    Indicator(
        "secondary_plus", "women", "Secondary or higher education", None, "proportion",
        "v106 in ('secondary', 'higher')",
        lambda d: _flag(d["v106"].isin(["secondary", "higher"])),
    ),
    Indicator(
        "pregnant", "women", "Currently pregnant", None, "proportion",
        "v213 'currently pregnant' == 'yes' ('no or unsure' counts as not pregnant)",
        lambda d: _flag(d["v213"] == "yes"),
    ),
    Indicator(
        "ceb", "women", "Children ever born", None, "mean",
        "v201 total children ever born",
        lambda d: d["v201"].astype(float),
    ),
    Indicator(
        "surviving", "women", "Children surviving", None, "mean",
        "v218 number of living children (equal to v201 - v206 - v207 in this file)",
        lambda d: d["v218"].astype(float),
    ),
    Indicator(
        "ceb_40_49", "women", "Children ever born to women age 40-49", "v012 >= 40", "mean",
        "v201 total children ever born, women aged 40-49 (v012)",
        lambda d: d["v201"].astype(float),
    ),
    # ---- men 15-49 (ZZMR61FL.DTA: numeric codes) ----
    Indicator(
        "urban", "men", "Urban residence", None, "proportion",
        "mv025 == 1 (urban)",
        lambda d: _flag(d["mv025"] == 1),
    ),
    Indicator(
        "no_education", "men", "No education", None, "proportion",
        "mv106 == 0 (no education)",
        lambda d: _flag(d["mv106"] == 0),
    ),
    Indicator(
        "secondary_plus", "men", "Secondary or higher education", None, "proportion",
        "mv106 >= 2 (secondary or higher)",
        lambda d: _flag(d["mv106"] >= 2),
    ),
    Indicator(
        "never_married", "men", "Never married (in union)", None, "proportion",
        "mv501 == 0 (never in union)",
        lambda d: _flag(d["mv501"] == 0),
    ),
    Indicator(
        "in_union", "men", "Currently married (in union)", None, "proportion",
        "mv502 == 1 (currently in union: married or living with a woman)",
        lambda d: _flag(d["mv502"] == 1),
    ),
    Indicator(
        "sex_before_18", "men", "Had first sexual intercourse before age 18", "mv012 >= 25",
        "proportion",
        "mv531 (age at first sex, imputed) in 1..17; 0 'not had sex', 97 'inconsistent' and "
        "98 'don't know' count as no; men aged 25-49",
        lambda d: _flag(d["mv531"].between(1, 17)),
    ),
    Indicator(
        "want_no_more", "men", "Want no more children", "mv502 == 1", "proportion",
        "mv605 in (5 'wants no more', 6 'sterilized'); men currently in union; missing "
        "mv605 counts as no",
        lambda d: _flag(d["mv605"].isin([5, 6])),
    ),
    Indicator(
        "delay_2_years", "men", "Want to delay birth at least 2 years", "mv502 == 1",
        "proportion",
        "mv605 == 2 'wants after 2+ years'; men currently in union",
        lambda d: _flag(d["mv605"] == 2),
    ),
    Indicator(
        "ideal_number", "men", "Ideal number of children", None, "mean",
        "mv613 ideal number of children; 96 'non-numeric response' and missing are left out "
        "of the denominator",
        lambda d: d["mv613"].where(d["mv613"] < 96).astype(float),
    ),
    Indicator(
        "partners_2plus", "men", "Had 2+ sexual partners in past 12 months", None, "proportion",
        "mv766b (partners incl. spouse, last 12 months) in 2..98 (98 'don't know' counts as "
        "2+), or a 2nd most recent partner recorded (mv767b not missing: 3 men with mv766b "
        "missing)",
        lambda d: _flag(d["mv766b"].between(2, 98) | d["mv767b"].notna()),
    ),
    Indicator(
        "paid_sex", "men", "Had paid sex in past 12 months", None, "proportion",
        "mv793 == 1 (paid for sex in last 12 months); missing counts as no",
        lambda d: _flag(d["mv793"] == 1),
    ),
    Indicator(
        "hiv_test_12m", "men", "Had HIV test and received results in past 12 months", None,
        "proportion",
        "mv826a (months since most recent HIV test) < 12 and mv828 == 1 (received result)",
        lambda d: _flag((d["mv826a"] < 12) & (d["mv828"] == 1)),
    ),
    Indicator(
        "accepting", "men", "Accepting attitudes towards people with HIV", "mv751 == 1",
        "proportion",
        "all four: mv778 == 1 (would care for relative with AIDS), mv825 == 1 (would buy "
        "vegetables from vendor with HIV), mv779 == 1 (teacher with HIV may keep teaching), "
        "mv777 == 0 (would not keep a family member's HIV secret); 8 'don't know' counts as "
        "no; men who have heard of AIDS (mv751 == 1)",
        lambda d: _flag(
            (d["mv778"] == 1) & (d["mv825"] == 1) & (d["mv779"] == 1) & (d["mv777"] == 0)
        ),
    ),
)


@dataclass(frozen=True)
class DomainSpec:
    """A published table's domain: Total, or one value of area or region."""

    name: str
    variable: Literal["area", "region"] | None
    code: int | None


DOMAINS: tuple[DomainSpec, ...] = (
    DomainSpec("Total", None, None),
    DomainSpec("Urban", "area", 1),
    DomainSpec("Rural", "area", 2),
    *(DomainSpec(f"Region {k}", "region", k) for k in range(1, 5)),
)


@dataclass(frozen=True)
class PublishedRow:
    """One row of the published tables that the tests reproduce."""

    indicator: Indicator
    domain: DomainSpec

    @property
    def id(self) -> str:
        """Test id, e.g. ``"men-Urban-Want no more children"``."""
        return f"{self.indicator.file}-{self.domain.name}-{self.indicator.name}"

    @property
    def population(self) -> str:
        return FILES[self.indicator.file].population


def published_rows() -> list[PublishedRow]:
    """Every (indicator, domain) row reproduced: each indicator in each of the 7 domains."""
    return [PublishedRow(ind, dom) for ind in INDICATORS for dom in DOMAINS]


_NO_WOMEN_VARIABLES = (
    "needs women's recode variables that the zzir.rda subset does not carry (it stops at "
    "v243 plus the birth and sibling histories)"
)
_OTHER_FILES = "needs a births, children, household or biomarker file that is not provided"

SKIPPED: dict[tuple[str, str], str] = {
    **{("WOMEN", name): f"{_NO_WOMEN_VARIABLES}: {variables}" for name, variables in (
        ("Never married (never in union)", "v501/v502"),
        ("Currently married (in union)", "v501/v502"),
        ("Married before age 20", "v511"),
        ("Had first sexual intercourse before age 18", "v525/v531"),
        ("Currently using any method", "v312/v313"),
        ("Currently using a modern method", "v313"),
        ("Currently using a traditional method", "v313"),
        ("Currently using pill", "v312"),
        ("Currently using IUD", "v312"),
        ("Currently using condoms", "v312"),
        ("Currently using injectables", "v312"),
        ("Currently using female sterilization", "v312"),
        ("Currently using rhythm", "v312"),
        ("Currently using withdrawal", "v312"),
        ("Want no more children", "v605"),
        ("Want to delay birth at least 2 years", "v605"),
        ("Ideal number of children", "v613"),
        ("Has heard about HIV/AIDS", "v751"),
        ("Knows about condoms", "v754cp"),
        ("Knows about limiting partners", "v754dp"),
        ("Had HIV test and received results in past 12 months", "v826a/v828"),
        ("Accepting attitudes towards people with HIV", "v777/v778/v779/v825"),
        ("Ever experienced any physical violence since age 15", "d105 (domestic violence)"),
        ("Ever experienced any sexual violence", "d105 (domestic violence)"),
        ("Ever experienced any physical or sexual violence by husband/partner", "d105/d106"),
        ("Ever experienced any physical or sexual violence in the last 12 months", "d105/d106"),
        ("Prevalence of anemia (women)", "v457"),
        ("Body Mass Index (BMI) < 18.5", "v445"),
        ("Mothers received antenatal care for last birth", "m14/m2"),
    )},
    **{("WOMEN", name): _OTHER_FILES for name in (
        "Births with skilled attendant at delivery",
        "Had diarrhea in the last 2 weeks",
        "Treated with ORS",
        "Sought medical treatment for diarrhea",
        "Vaccination card seen",
        "Received BCG vaccination",
        "Received DPT vaccination (3 doses)",
        "Received polio vaccination (3 doses)",
        "Received measles vaccination",
        "Received all vaccinations",
        "Height-for-age (-2SD)",
        "Weight-for-height (-2SD)",
        "Weight-for-age (-2SD)",
        "Prevalence of anemia (children)",
        "HIV positive",
    )},
    **{("WOMEN", name): (
        "a rate from the birth history (present in zzir.rda) whose published SE is a "
        "jackknife, not the Taylor linearisation tested here"
    ) for name in (
        "Total fertility rate (3 years)",
        "Neonatal mortality rate (last 0-4 years)",
        "Post-neonatal mortality rate (last 0-4 years)",
        "Infant mortality rate (last 0-4 years)",
        "Child mortality rate (last 0-4 years)",
        "Under-five mortality rate (last 0-4 years)",
        "Neonatal mortality rate (last 0-9 years)",
        "Post-neonatal mortality rate (last 0-9 years)",
        "Infant mortality rate (last 0-9 years)",
        "Child mortality rate (last 0-9 years)",
        "Under-five mortality rate (last 0-9 years)",
    )},
    ("MEN", "HIV positive (15-49)"): "needs the HIV test results file (not provided)",
    ("MEN", "HIV positive (15-59)"): "needs the HIV test results file (not provided)",
    ("WOMEN AND MEN", "HIV positive (15-49)"): "needs the HIV test results file (not provided)",
}
"""Published indicators not reproduced, keyed by (population, indicator), with the reason."""


def _read_women(path: Path) -> pd.DataFrame:
    import pyreadr  # test-only dependency

    result = pyreadr.read_r(str(path))
    return next(iter(result.values()))


def _read_men(path: Path) -> pd.DataFrame:
    import pyreadstat

    frame, _ = pyreadstat.read_dta(str(path))
    return frame


def analysis_frame(file: FileKey, reference_dir: Path) -> pd.DataFrame:
    """Read one reference file and return the frame the engine is run on.

    Columns: the weight ``w`` (recode weight / 1e6); PSU, strata, area and region columns under
    their recode names with numeric DHS codes (women's factors are mapped: area urban 1 /
    rural 2, region 'region k' -> k, strata the 8 sample domains 1-8); the variables used by
    the universes (``v012``; ``mv012``, ``mv502``, ``mv751``); one column per indicator of the
    file, named by :attr:`Indicator.key`.
    """
    spec = FILES[file]
    path = Path(reference_dir) / spec.path
    raw = _read_women(path) if file == "women" else _read_men(path)
    columns: dict[str, pd.Series] = {
        WEIGHT: raw[spec.weight_source].astype(float) / 1e6,
        spec.psu: raw[spec.psu].astype(np.int64),
    }
    if file == "women":
        columns[spec.strata] = pd.Series(raw["v023"].cat.codes.astype(np.int64) + 1)
        columns[spec.area] = raw["v025"].map({"urban": 1, "rural": 2}).astype(np.int64)
        columns[spec.region] = (
            raw["v024"].astype(str).str.removeprefix("region ").astype(np.int64)
        )
        universe_columns = ("v012",)
    else:
        columns[spec.strata] = raw[spec.strata].astype(np.int64)
        columns[spec.area] = raw[spec.area].astype(np.int64)
        columns[spec.region] = raw[spec.region].astype(np.int64)
        universe_columns = ("mv012", "mv502", "mv751")
    for name in universe_columns:
        columns[name] = raw[name].astype(float)
    for indicator in INDICATORS:
        if indicator.file == file:
            columns[indicator.key] = indicator.variable(raw).astype(float)
    return pd.DataFrame(columns).reset_index(drop=True)
