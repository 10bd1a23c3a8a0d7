"""Published DHS sampling errors (model dataset, tables B.2-B.8) reproduced with the engine.

One test per published row (indicator x domain, e.g. ``men-Urban-Want no more children``):
the engine's ``proportion`` (category 1) or ``mean`` on the definitions of
:mod:`dhs_indicators`, with the design ``weight = v005 / 1e6, strata = v023, psu = v021``
(men: ``mv``), ``where`` = the indicator's universe, ``by`` = area or region for the domain
tables, and ``ci="mics"`` (R -+ 2 SE, the published limits). Published values come from
``<project root>/../shared/reference/dhs-model/published_sampling_errors.csv`` through the
``reference_dir`` fixture, which skips when that folder is absent.

Tolerance rule (the published tables print 3 decimals and integer counts):

* ``R, SE, SE/R, R - 2SE, R + 2SE``: ``|ours - published| <= 0.0005`` (+1e-9 for binary
  floating point), i.e. the published value is our full-precision value rounded to 3 decimals.
  ``SE/R`` printed "na" (SE = 0) is not compared.
* ``N`` (unweighted) equal; ``WN`` (weighted) ``|ours - published| <= 0.5``.
* ``DEFT``: the published DEFT is not Kish's. DHS divides the design variance ``V`` by
  ``V_srs = (s2_w + V) / n`` with ``s2_w = sum w (y - R)^2 / sum w`` (the population variance
  estimated without the bias of ``R^2``), where Kish (the engine, R ``deff="replace"``) uses
  ``V_srs = s2_w / (n - 1)``. So the published value is
  ``deft * sqrt(n / (n - 1 + deft^2))`` of the engine's ``deft`` and ``n_unweighted``,
  compared with the same 3-decimal rule; it is about 0.1-0.5% below Kish, and up to 2.4% for
  the very clustered "accepting attitudes" rows (DEFT 5-7). A published "na" (SE = 0) must be
  NaN.
* :data:`KNOWN_DEVIATIONS` lists the few values that miss the rule by less than two units of the
  printed last digit, with the reason; they are compared with ``|diff| <= 0.002``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import dhs_indicators as di
import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt

ROWS = di.published_rows()

PRINTED = 0.0005 + 1e-9
"""Half a unit of the printed third decimal (plus float slack)."""

WIDENED = 0.002
"""Tolerance of a :data:`KNOWN_DEVIATIONS` value: within 2 units of the last printed digit."""

_CEB_40_49 = (
    "the published limits of 'Children ever born to women age 40-49' imply an R about 0.0004 "
    "lower than this women's file gives (R and SE still round to the printed values): a small "
    "data difference between the published run and the file, which moves DEFT too"
)
KNOWN_DEVIATIONS: dict[str, dict[str, str]] = {
    "women-Urban-Children ever born to women age 40-49": {
        "ci_upper": f"ours 5.4827 vs 5.482; {_CEB_40_49}",
        "deft": f"ours 1.9900 vs 1.989; {_CEB_40_49}",
    },
    "women-Region 4-Children ever born to women age 40-49": {
        "ci_lower": f"ours 5.6226 vs 5.622; {_CEB_40_49}",
        "deft": f"ours 1.4594 vs 1.461; {_CEB_40_49}",
    },
    "men-Region 4-Want to delay birth at least 2 years": {
        "deft": "ours 1.3274 vs 1.328, unexplained: 133 of the 136 published DEFTs compared "
        "match the DHS convention to the printed digit, the other two are the CEB 40-49 rows",
    },
}

_COMPARED = {
    # engine column: published column
    "estimate": "R",
    "se": "SE",
    "cv": "SE_over_R",
    "ci_lower": "R_minus_2SE",
    "ci_upper": "R_plus_2SE",
}


def dhs_deft(deft: float, n: float) -> float:
    """DHS's published DEFT from the Kish DEFT and the domain's unweighted n.

    Kish: ``deft^2 = V / (s2_w / (n - 1))``; DHS: ``DEFT^2 = V / ((s2_w + V) / n)``. With
    ``s2_w = V (n - 1) / deft^2`` this gives ``DEFT^2 = n deft^2 / (n - 1 + deft^2)``.
    """
    return deft * math.sqrt(n / (n - 1 + deft**2))


@pytest.fixture(scope="session")
def published(reference_dir) -> pd.DataFrame:
    """The published rows, indexed by (population, domain, indicator)."""
    path = reference_dir / "dhs-model" / "published_sampling_errors.csv"
    frame = pd.read_csv(path, na_values=["na"])
    return frame.set_index(["population", "domain", "indicator"]).sort_index()


@pytest.fixture(scope="session")
def dhs_estimate(reference_dir) -> Callable[[di.PublishedRow], pd.Series]:
    """A function giving the engine's result row for a published row (results cached)."""
    pytest.importorskip("pyreadr", reason="pyreadr (test dependency) reads zzir.rda")
    designs = {}
    for key, spec in di.FILES.items():
        frame = di.analysis_frame(key, reference_dir)
        designs[key] = mt.SurveyDesign(frame, weight=di.WEIGHT, strata=spec.strata,
                                       psu=spec.psu)
    cache: dict[tuple, pd.DataFrame] = {}

    def estimate(row: di.PublishedRow) -> pd.Series:
        indicator, domain = row.indicator, row.domain
        spec = di.FILES[indicator.file]
        by = None if domain.variable is None else getattr(spec, domain.variable)
        key = (indicator.file, indicator.key, by)
        if key not in cache:
            design = designs[indicator.file]
            method = design.proportion if indicator.estimator == "proportion" else design.mean
            cache[key] = method(indicator.key, by=by, where=indicator.where(), ci="mics")
        result = cache[key]
        if by is not None:
            result = result[result[by] == domain.code]
        if indicator.estimator == "proportion":
            result = result[result["level"] == 1]
        assert len(result) == 1, f"expected one result row for {row.id}, got\n{result}"
        return result.iloc[0]

    return estimate


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_published_row(row: di.PublishedRow, published, dhs_estimate):
    expected = published.loc[(row.population, row.domain.name, row.indicator.name)]
    ours = dhs_estimate(row)
    known = KNOWN_DEVIATIONS.get(row.id, {})
    problems = []

    def compare(field: str, value: float, target: float) -> None:
        tolerance = WIDENED if field in known else PRINTED
        if not abs(value - target) <= tolerance:
            problems.append(
                f"{field}: ours {value:.6f}, published {target:.3f} "
                f"(|diff| {abs(value - target):.6f} > {tolerance:g})"
            )

    for field, column in _COMPARED.items():
        target = float(expected[column])
        if column == "SE_over_R" and np.isnan(target):
            continue
        compare(field, float(ours[field]), target)

    if int(ours["n_unweighted"]) != int(expected["N_unweighted"]):
        problems.append(
            f"n_unweighted: ours {int(ours['n_unweighted'])}, "
            f"published {int(expected['N_unweighted'])}"
        )
    if not abs(float(ours["n_weighted"]) - float(expected["WN_weighted"])) <= 0.5:
        problems.append(
            f"n_weighted: ours {float(ours['n_weighted']):.3f}, "
            f"published {int(expected['WN_weighted'])}"
        )

    target_deft = float(expected["DEFT"])
    if np.isnan(target_deft):
        if not np.isnan(float(ours["deft"])):
            problems.append(f"deft: ours {float(ours['deft']):.6f}, published na")
    else:
        compare("deft", dhs_deft(float(ours["deft"]), float(ours["n_unweighted"])),
                target_deft)

    assert not problems, f"{row.id}:\n  " + "\n  ".join(problems)


def test_rows_cover_both_files_and_all_domains():
    """At least 40 published rows per file, each file in all 7 published domains."""
    domains = {d.name for d in di.DOMAINS}
    assert len(domains) == 7
    for file in di.FILES:
        rows = [row for row in ROWS if row.indicator.file == file]
        assert len(rows) >= 40, f"only {len(rows)} rows reproduced from the {file}'s file"
        assert {row.domain.name for row in rows} == domains
    assert len({row.id for row in ROWS}) == len(ROWS), "duplicate test ids"


def test_every_published_indicator_is_reproduced_or_skipped(published):
    """Each published (population, indicator) is either reproduced once or skipped with a
    reason, and every reproduced row exists in the published file."""
    in_file = set(published.index.droplevel("domain"))
    reproduced = {(di.FILES[i.file].population, i.name) for i in di.INDICATORS}
    assert len(reproduced) == len(di.INDICATORS), "an indicator is defined twice"
    assert not reproduced & set(di.SKIPPED), "reproduced and skipped at once"
    assert in_file - reproduced - set(di.SKIPPED) == set(), "published but not accounted for"
    assert set(di.SKIPPED) - in_file == set(), "skipped names that are not published"
    for row in ROWS:
        assert (row.population, row.domain.name, row.indicator.name) in published.index, row.id


def test_known_deviations_name_existing_rows_and_fields():
    ids = {row.id for row in ROWS}
    fields = {*_COMPARED, "deft"}
    for row_id, deviations in KNOWN_DEVIATIONS.items():
        assert row_id in ids, row_id
        assert set(deviations) <= fields, deviations


def test_dhs_deft_is_below_kish():
    """The DHS convention equals Kish's DEFT at 1 and lies below it for DEFT > 1."""
    assert dhs_deft(1.0, 500) == pytest.approx(1.0)
    assert dhs_deft(2.0, 500) == pytest.approx(2.0 * math.sqrt(500 / 503))
    assert dhs_deft(2.0, 500) < 2.0
