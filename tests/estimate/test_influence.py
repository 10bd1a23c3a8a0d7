"""Statistics given by their row influence values (estimate.scores.influence_scores) get the
same variances from the engine as the ratio family: a mean written as influence values
equals design.mean on Taylor, calibrated and replicate designs, by domain, with its
covariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.estimate.engine import analysis_of, score_statistics
from mics_toolkit.estimate.options import Options
from mics_toolkit.estimate.scores import influence_scores


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 900
    psu = np.sort(rng.integers(0, 30, n))
    return pd.DataFrame({
        "psu": psu, "stratum": psu // 5, "w": rng.uniform(0.5, 2, n),
        "y": rng.normal(3, 1, n) + psu % 3, "g": rng.integers(0, 3, n),
        "region": psu % 3,
    })


def _mean_scores(design, by):
    """The domain means of y as influence values: z_i = w_i (y_i - R_g) / W_g."""
    base, _ = analysis_of(design)
    frame = base.frame
    y, w = frame["y"].to_numpy(), base.weights
    domain = frame[by].to_numpy().astype(np.intp)
    n_domains = domain.max() + 1
    totals = np.bincount(domain, weights=w * y, minlength=n_domains)
    weights = np.bincount(domain, weights=w, minlength=n_domains)
    mean = totals / weights
    influence = (w * (y - mean[domain]) / weights[domain])[:, None]

    def replicates(units):
        matrix = (units.weights[base.psu_index] * w[:, None] if units.by_psu
                  else units.weights)
        t = np.vstack([np.bincount(domain, weights=matrix[:, r] * y, minlength=n_domains)
                       for r in range(matrix.shape[1])]).T
        x = np.vstack([np.bincount(domain, weights=matrix[:, r], minlength=n_domains)
                       for r in range(matrix.shape[1])]).T
        return (t / x)[:, None, :]

    return influence_scores(base, influence, mean[:, None], replicates, domain=domain,
                            n_domains=n_domains, used=np.ones(len(y), dtype=bool))


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn", "bootstrap"])
@pytest.mark.parametrize("by", ["g", "region"])
def test_influence_values_give_the_estimators_variance(kind, by):
    design = mt.SurveyDesign(_frame(), weight="w", strata="stratum", psu="psu")
    if kind == "poststratified":
        design = design.poststratify("g", {0: 300, 1: 300, 2: 300})
    elif kind != "taylor":
        design = design.replicate(kind, **({"replicates": 50, "seed": 3}
                                           if kind == "bootstrap" else {}))
    scores = _mean_scores(design, by)
    [statistics] = score_statistics(design, [scores], Options())
    expected = design.mean("y", by=by)
    for column in ("estimate", "se", "df", "n_unweighted", "n_weighted"):
        np.testing.assert_allclose(statistics[column][:, 0], expected[column], rtol=1e-10,
                                   err_msg=column)
    _, method = analysis_of(design)
    np.testing.assert_allclose(method.covariance([scores]),
                               design.covariance(expected).to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["taylor", "poststratified", "jkn"])
def test_grouped_influence_values_give_the_same_scores_as_the_row_values(kind):
    # z_ik = factor_i * values[group_i, k]: the engine's sums without the (N, K) values
    from mics_toolkit.estimate.scores import GroupedInfluence

    design = mt.SurveyDesign(_frame(), weight="w", strata="stratum", psu="psu")
    if kind == "poststratified":
        design = design.poststratify("g", {0: 300, 1: 300, 2: 300})
    elif kind == "jkn":
        design = design.replicate("jkn")
    base, method = analysis_of(design)
    rng = np.random.default_rng(8)
    n = base.n_rows
    group = rng.integers(0, 40, n)
    factor = base.weights * (rng.uniform(size=n) > 0.2)  # some rows out (factor 0)
    values = rng.normal(size=(40, 3))
    grouped = GroupedInfluence(group, factor, values)
    rows = factor[:, None] * values[group]
    np.testing.assert_array_equal(grouped.row_values(), rows)
    # the same values held only on the rows of nonzero factor
    held = np.flatnonzero(factor)
    on_rows = GroupedInfluence(group[held], factor[held], values, rows=held, n_rows=n)
    np.testing.assert_array_equal(on_rows.row_values(), rows)
    domain = base.frame["region"].to_numpy().astype(np.intp)
    domain[::7] = -1  # rows outside every domain, some of them used

    for domains in ({"domain": domain, "n_domains": 3}, {}):
        n_domains = domains.get("n_domains", 1)

        def replicates(units, n_domains=n_domains):
            return np.zeros((n_domains, 3, units.weights.shape[1]))

        made = [influence_scores(base, z, np.zeros((n_domains, 3)), replicates, **domains)
                for z in (rows, grouped, on_rows)]
        for other in made[1:]:
            np.testing.assert_allclose(other.cell_scores, made[0].cell_scores, rtol=1e-13,
                                       atol=1e-13)
            np.testing.assert_array_equal(other.used_rows(), made[0].used_rows())
            np.testing.assert_array_equal(other.n_valid, made[0].n_valid)
            np.testing.assert_array_equal(other.n_positive, made[0].n_positive)
            np.testing.assert_array_equal(other.weight_total, made[0].weight_total)
            np.testing.assert_allclose(method.covariance([other]),
                                       method.covariance([made[0]]), rtol=1e-12, atol=1e-15)
        assert np.count_nonzero(made[0].cell_scores) > 0
        assert made[0].n_valid[:, 0].sum() == (len(held) if not domains
                                         else np.count_nonzero(factor * (domain >= 0)))
    with pytest.raises(ValueError, match="give no used="):
        influence_scores(base, on_rows, np.zeros((1, 3)), None, used=factor > 0)
