"""Survey weights: diagnostics of any weight, and MICS weights built from the sample frame.

* :func:`weight_diagnostics` -- sum, range, coefficient of variation, Kish's design effect due
  to unequal weighting ``1 + CV^2``, effective sample size and the share of the total weight
  held by the largest 1% of the weights.
* :func:`mics_weights` -- the weights of a MICS survey from its sample-frame table (per cluster
  the measure of size, the households listed and selected; per stratum the clusters selected
  and the frame's total measure of size) and the interview results of the ``hh``, ``wm``,
  ``mn``, ``ch`` and ``fs`` files: design weights, household and individual non-response
  adjustments, and normalised weights ``hhweight``, ``wmweight``, ``mnweight``, ``chweight``,
  ``fshweight`` (and ``fsweight``), with the response-rate table of MICS table SR.1.1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mics_toolkit.design.checks import check_column, describe_codes, numeric_values
from mics_toolkit.errors import LinkError, MicsWarning, OptionError, WeightError, check_option

__all__ = [
    "ADJUSTMENT_LEVELS",
    "DIAGNOSTIC_COLUMNS",
    "INDIVIDUAL_QUESTIONNAIRES",
    "OCCUPIED_CODES",
    "RESULT_VARIABLES",
    "WEIGHT_NAMES",
    "MicsWeights",
    "mics_weights",
    "weight_diagnostics",
]

#: Columns of :func:`weight_diagnostics` after the ``by`` column.
DIAGNOSTIC_COLUMNS: tuple[str, ...] = (
    "n_rows", "n_positive", "n_zero", "sum", "min", "max", "mean", "cv", "kish_deff",
    "effective_n", "top1_share",
)

AdjustmentLevel = Literal["stratum", "cluster"]
ADJUSTMENT_LEVELS: tuple[str, ...] = ("stratum", "cluster")

#: Individual questionnaires, in the order of MICS table SR.1.1.
INDIVIDUAL_QUESTIONNAIRES: tuple[str, ...] = ("wm", "mn", "ch", "fs")

#: MICS6 result-of-interview variables of each file (1 = completed).
RESULT_VARIABLES: dict[str, str] = {
    "hh": "HH46", "wm": "WM17", "mn": "MWM17", "ch": "UF17", "fs": "FS17",
}

#: Normalised weight of each questionnaire (``fs`` also gets ``fsweight = HH52 * fshweight``).
WEIGHT_NAMES: dict[str, str] = {
    "hh": "hhweight", "wm": "wmweight", "mn": "mnweight", "ch": "chweight", "fs": "fshweight",
}

#: ``HH46`` codes of a household found occupied (MICS6 SR.1.1: completed, no competent
#: respondent at home, refused, dwelling not found).
OCCUPIED_CODES: tuple[int, ...] = (1, 2, 4, 7)


# --------------------------------------------------------------------------- diagnostics
def weight_diagnostics(weights, by=None) -> pd.DataFrame:
    """Diagnostics of a weight variable, overall or per group.

    Parameters
    ----------
    weights : array-like of float
        Non-negative weights (a design's ``weights``, or a column).
    by : array-like, optional
        A group per weight (e.g. the stratum or region column): one row per group.

    Returns
    -------
    pandas.DataFrame
        The ``by`` column (named after ``by`` when it is a Series, else ``"group"``) when
        given, then ``n_rows, n_positive, n_zero, sum, min, max, mean, cv, kish_deff,
        effective_n, top1_share``. The statistics are over the positive weights.

    Raises
    ------
    WeightError
        A weight is missing, infinite or negative.

    Notes
    -----
    With the n positive weights ``w``, ``W = sum(w)`` and ``wbar = W / n``:
    ``cv = sqrt(sum((w - wbar)^2) / n) / wbar``; ``kish_deff = 1 + cv^2 = n sum(w^2) / W^2``
    (Kish's design effect due to unequal weighting); ``effective_n = W^2 / sum(w^2) =
    n / kish_deff``; ``top1_share`` = the sum of the ``ceil(n / 100)`` largest weights over W.
    ``min`` is the smallest positive weight; zero weights are counted in ``n_zero``.

    References
    ----------
    Kish, L. (1965). Survey Sampling. Wiley, New York.

    Examples
    --------
    >>> weight_diagnostics([1.0, 1.0, 2.0, 0.0])[["n_positive", "kish_deff"]]
       n_positive  kish_deff
    0           3      1.125
    """
    w = np.asarray(weights, dtype=float).reshape(-1)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise WeightError(
            f"weights must be finite and non-negative; {int(bad.sum())} are not "
            f"(first positions: {describe_codes(np.flatnonzero(bad)[:5].tolist(), 5)})",
            n_bad=int(bad.sum()),
        )
    if by is None:
        return pd.DataFrame([_diagnostics(w)], columns=list(DIAGNOSTIC_COLUMNS))
    name = by.name if isinstance(by, pd.Series) and by.name is not None else "group"
    groups = pd.Series(np.asarray(by), copy=False)
    if len(groups) != len(w):
        raise OptionError(f"by has {len(groups)} values for {len(w)} weights", option="by",
                          value=len(groups), valid=())
    codes, uniques = pd.factorize(groups, sort=True)
    rows = [_diagnostics(w[codes == k]) for k in range(len(uniques))]
    out = pd.DataFrame(rows, columns=list(DIAGNOSTIC_COLUMNS))
    out.insert(0, str(name), np.asarray(uniques))
    return out


def _diagnostics(w: np.ndarray) -> list:
    positive = np.sort(w[w > 0])[::-1]
    n = positive.size
    if n == 0:
        return [w.size, 0, w.size, 0.0] + [math.nan] * 7
    total = float(positive.sum())
    mean = total / n
    squares = float(np.sum(positive**2))
    cv = math.sqrt(max(float(np.sum((positive - mean) ** 2)) / n, 0.0)) / mean
    top = positive[: math.ceil(n / 100)].sum() / total
    return [
        w.size, n, w.size - n, total, float(positive[-1]), float(positive[0]), mean, cv,
        n * squares / total**2, total**2 / squares, float(top),
    ]


# --------------------------------------------------------------------------- MICS weights
@dataclass(frozen=True, eq=False)
class MicsWeights:
    """MICS weights built by :func:`mics_weights`.

    Attributes
    ----------
    clusters : pandas.DataFrame
        One row per sample cluster: the cluster and stratum codes, ``size, listed,
        selected, n_clusters, size_total``, ``first_stage_probability``,
        ``second_stage_probability``, ``design_weight``; for the households
        ``hh_sampled, hh_occupied, hh_completed, hh_response_rate, hh_adjusted_weight,
        hhweight``; for each individual questionnaire q given (``wm``, ``mn``, ``ch``,
        ``fs``) ``q_eligible, q_completed, q_response_rate, q_adjusted_weight`` and the
        normalised weight (``wmweight``, ``mnweight``, ``chweight``, ``fshweight``).
        Response rates are those of the adjustment unit (the cluster's stratum, or the
        cluster), as fractions.
    response_rates : pandas.DataFrame
        MICS table SR.1.1 (unweighted counts, rates as fractions): columns ``group`` (the
        variable, or ``"Total"``), ``value``, ``hh_sampled, hh_occupied, hh_completed,
        hh_completion_rate, hh_response_rate``, then for each questionnaire q
        ``q_eligible, q_completed, q_response_rate, q_overall_response_rate``.
    adjustment : {"stratum", "cluster"}
        The unit of the non-response adjustments.
    cluster, results, completed_code, children
        The names and codes used (see :func:`mics_weights`).
    """

    clusters: pd.DataFrame
    response_rates: pd.DataFrame
    adjustment: str
    cluster: str
    results: Mapping[str, str]
    completed_code: object
    children: str

    def add_weights(self, data: pd.DataFrame, questionnaire: str) -> pd.DataFrame:
        """Return a copy of ``data`` (a MICS file) with its normalised weight added.

        Parameters
        ----------
        data : pandas.DataFrame
            The file, with the cluster column and, except for ``"hl"``, its result column.
        questionnaire : {"hh", "hl", "wm", "mn", "ch", "fs"}
            ``"hl"`` (household members of completed households) gets ``hhweight`` on every
            row; the others get their weight where the interview is completed and 0
            elsewhere; ``"fs"`` gets ``fshweight`` and ``fsweight = children * fshweight``.

        Raises
        ------
        VariableError
            A needed column is absent.
        LinkError
            A cluster of ``data`` is not in the sample frame.
        """
        check_option("questionnaire", questionnaire, ("hh", "hl", *INDIVIDUAL_QUESTIONNAIRES))
        base = "hh" if questionnaire in ("hh", "hl") else questionnaire
        name = WEIGHT_NAMES[base]
        if name not in self.clusters.columns:
            raise WeightError(f"no {name} was built: give the {base} file to mics_weights()")
        index = _cluster_index(self.clusters, self.cluster, data, questionnaire)
        weight = self.clusters[name].to_numpy()[index]
        if questionnaire != "hl":
            check_column(data, self.results[base], role="result", source=questionnaire)
            completed = (data[self.results[base]] == self.completed_code).to_numpy()
            weight = np.where(completed, weight, 0.0)
        out = data.copy(deep=False)
        out[name] = weight
        if questionnaire == "fs":
            check_column(data, self.children, role="children 5-17", source=questionnaire)
            children = numeric_values(data[self.children])
            out["fsweight"] = weight * np.nan_to_num(children, nan=0.0)
        return out

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``{"clusters": ..., "response_rates": ...}``."""
        return {"clusters": self.clusters, "response_rates": self.response_rates}

    def summary(self) -> str:
        """Plain-text summary: clusters, response rates and the weights built."""
        total = self.response_rates.iloc[0]
        lines = [
            f"MICS weights for {len(self.clusters)} clusters; non-response adjusted by "
            f"{self.adjustment}",
            f"households: {int(total.hh_completed)} completed of {int(total.hh_occupied)} "
            f"occupied (response rate {total.hh_response_rate:.4f})",
        ]
        for q in INDIVIDUAL_QUESTIONNAIRES:
            if f"{q}_eligible" in self.response_rates.columns:
                lines.append(
                    f"{q}: {int(total[f'{q}_completed'])} completed of "
                    f"{int(total[f'{q}_eligible'])} eligible (response rate "
                    f"{total[f'{q}_response_rate']:.4f})"
                )
        return "\n".join(lines)


def mics_weights(
    frame: pd.DataFrame,
    strata: pd.DataFrame,
    hh: pd.DataFrame,
    wm: pd.DataFrame | None = None,
    mn: pd.DataFrame | None = None,
    ch: pd.DataFrame | None = None,
    fs: pd.DataFrame | None = None,
    *,
    cluster: str = "HH1",
    stratum: str = "stratum",
    adjustment: AdjustmentLevel = "stratum",
    results: Mapping[str, str] | None = None,
    occupied_codes: Sequence = OCCUPIED_CODES,
    completed_code=1,
    children: str = "HH52",
    by: Sequence[str] | None = None,
) -> MicsWeights:
    """Build MICS weights from the sample frame and the interview results.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sample cluster: ``cluster`` and ``stratum`` codes, ``size`` (measure of
        size of the cluster in the frame, e.g. census households), ``listed`` (households
        found by the listing), ``selected`` (households selected). Optional
        ``men_subsample``: the fraction of the selected households given the men's
        questionnaire (default 1). Other columns may serve as ``by``.
    strata : pandas.DataFrame
        One row per stratum: ``stratum``, ``n_clusters`` (clusters selected) and
        ``size_total`` (total measure of size of the stratum in the frame).
    hh : pandas.DataFrame
        One row per selected household, with the cluster column and the result ``HH46``.
    wm, mn, ch, fs : pandas.DataFrame, optional
        One row per eligible woman, man, child under 5 and selected child 5-17 (the rows of
        the MICS files), with the cluster column and the results ``WM17``, ``MWM17``,
        ``UF17``, ``FS17``.
    cluster, stratum : str
        Names of the cluster and stratum columns.
    adjustment : {"stratum", "cluster"}
        Unit of the non-response adjustments: response rates by stratum (the MICS default)
        or by cluster.
    results : mapping, optional
        Result variable per file, overriding :data:`RESULT_VARIABLES`.
    occupied_codes : sequence
        Household results counted as occupied (default MICS6: 1, 2, 4, 7).
    completed_code
        Result code of a completed interview (1).
    children : str
        Column of the ``fs`` file with the number of children 5-17 in the household
        (``fsweight = children * fshweight``; used by :meth:`MicsWeights.add_weights`).
    by : sequence of str, optional
        Frame columns giving the rows of the response-rate table (e.g. ``["HH6", "HH7"]``);
        default the stratum.

    Returns
    -------
    MicsWeights

    Raises
    ------
    VariableError
        A needed column is absent.
    WeightError
        A frame value is missing, not positive, or gives a probability above 1.
    LinkError
        Duplicate clusters or strata, a stratum of the frame missing from ``strata``, or a
        record whose cluster is not in the frame.

    Warns
    -----
    MicsWarning
        An adjustment unit has eligible units but no completed interview: its weight is 0
        and its population is not represented (adjust by stratum, or merge clusters).

    Notes
    -----
    For cluster i of stratum h with ``n_h`` clusters selected, frame measure of size
    ``M_hi`` (stratum total ``M_h``), ``L_hi`` households listed and ``m_hi`` selected:
    ``P1 = n_h M_hi / M_h``, ``P2 = m_hi / L_hi`` and the design weight ``d = 1 / (P1 P2)``.
    Household response rate of unit u (stratum or cluster): ``RR_u = completed_u /
    occupied_u``; adjusted household weight ``a = d / RR_u``. For questionnaire q:
    ``RR_qu = completed_qu / eligible_qu`` and ``a_q = a / RR_qu`` (men also divide by
    ``men_subsample``). Normalised weight: ``a_q * n_q / sum(a_q)`` over the completed
    interviews, so the weights of the completed interviews sum to their number ``n_q``
    (MICS normalisation); incomplete interviews get 0. The SR.1.1 table gives per group
    ``hh_completion_rate = completed / sampled``, ``hh_response_rate = completed /
    occupied``, ``q_response_rate = completed / eligible`` and ``q_overall_response_rate =
    hh_response_rate * q_response_rate``.
    """
    check_option("adjustment", adjustment, ADJUSTMENT_LEVELS)
    result_names = {**RESULT_VARIABLES, **(results or {})}
    clusters = _frame_table(frame, strata, cluster, stratum)
    unit = clusters[stratum if adjustment == "stratum" else cluster].to_numpy()
    unit_codes, _ = pd.factorize(unit, sort=True)

    # households
    hh_index = _cluster_index(clusters, cluster, hh, "hh")
    check_column(hh, result_names["hh"], role="result", source="hh")
    outcome = hh[result_names["hh"]].to_numpy()
    n_clusters = len(clusters)
    sampled = np.bincount(hh_index, minlength=n_clusters)
    occupied = np.bincount(hh_index, weights=np.isin(outcome, list(occupied_codes)),
                           minlength=n_clusters)
    completed = np.bincount(hh_index, weights=outcome == completed_code, minlength=n_clusters)
    clusters["hh_sampled"] = sampled
    clusters["hh_occupied"] = occupied.astype(np.int64)
    clusters["hh_completed"] = completed.astype(np.int64)
    rate = _unit_rate(completed, occupied, unit_codes, "hh", clusters[cluster])
    clusters["hh_response_rate"] = rate
    household = _adjust(clusters["design_weight"].to_numpy(), rate)
    clusters["hh_adjusted_weight"] = household
    clusters["hhweight"] = _normalise(household, completed)

    files = {"wm": wm, "mn": mn, "ch": ch, "fs": fs}
    for q, data in files.items():
        if data is None:
            continue
        index = _cluster_index(clusters, cluster, data, q)
        check_column(data, result_names[q], role="result", source=q)
        done = (data[result_names[q]] == completed_code).to_numpy()
        eligible = np.bincount(index, minlength=n_clusters)
        finished = np.bincount(index, weights=done, minlength=n_clusters)
        clusters[f"{q}_eligible"] = eligible
        clusters[f"{q}_completed"] = finished.astype(np.int64)
        rate = _unit_rate(finished, eligible, unit_codes, q, clusters[cluster])
        clusters[f"{q}_response_rate"] = rate
        adjusted = _adjust(household, rate)
        if q == "mn" and "men_subsample" in clusters.columns:
            adjusted = adjusted / clusters["men_subsample"].to_numpy()
        clusters[f"{q}_adjusted_weight"] = adjusted
        clusters[WEIGHT_NAMES[q]] = _normalise(adjusted, finished)

    table = _response_table(clusters, by if by is not None else [stratum], files)
    return MicsWeights(
        clusters=clusters,
        response_rates=table,
        adjustment=adjustment,
        cluster=cluster,
        results=result_names,
        completed_code=completed_code,
        children=children,
    )


def _frame_table(frame: pd.DataFrame, strata: pd.DataFrame, cluster: str, stratum: str):
    for name in (cluster, stratum, "size", "listed", "selected"):
        check_column(frame, name, role="sample frame", source="frame")
    for name in (stratum, "n_clusters", "size_total"):
        check_column(strata, name, role="strata table", source="strata")
    for table, key, what in ((frame, cluster, "frame"), (strata, stratum, "strata")):
        repeated = table[key][table[key].duplicated()].unique().tolist()
        if repeated:
            raise LinkError(
                f"the {what} table repeats {key} {describe_codes(repeated)}; one row each",
                files=[what], keys=[key], count=len(repeated),
            )
    out = frame.copy()
    known = set(strata[stratum].tolist())
    unknown = sorted(set(out[stratum].tolist()) - known, key=str)
    if unknown:
        raise LinkError(
            f"strata {describe_codes(unknown)} of the frame are not in the strata table",
            files=["frame", "strata"], keys=[stratum], count=len(unknown),
        )
    out = out.merge(strata[[stratum, "n_clusters", "size_total"]], on=stratum, how="left",
                    validate="many_to_one")
    for name in ("size", "listed", "selected", "n_clusters", "size_total"):
        values = numeric_values(out[name])
        bad = np.ones(len(out), dtype=bool) if values is None else ~(values > 0)
        if bad.any():
            raise WeightError(
                f"{name} must be a positive number for every cluster; "
                f"{int(bad.sum())} are not (clusters "
                f"{describe_codes(out.loc[bad, cluster].tolist())})",
                variable=name, n_bad=int(bad.sum()),
            )
    if "men_subsample" in out.columns:
        share = numeric_values(out["men_subsample"])
        bad = np.ones(len(out), dtype=bool) if share is None else ~((share > 0) & (share <= 1))
        if bad.any():
            raise WeightError(
                f"men_subsample must be a fraction in (0, 1]; {int(bad.sum())} clusters are not",
                variable="men_subsample", n_bad=int(bad.sum()),
            )
    first = out["n_clusters"] * out["size"] / out["size_total"]
    second = out["selected"] / out["listed"]
    for name, probability in (("first-stage", first), ("second-stage", second)):
        bad = (probability > 1 + 1e-12).to_numpy()
        if bad.any():
            raise WeightError(
                f"the {name} selection probability exceeds 1 in clusters "
                f"{describe_codes(out.loc[bad, cluster].tolist())}: check size, size_total, "
                "n_clusters, listed and selected",
                variable="size" if name == "first-stage" else "selected",
                n_bad=int(bad.sum()),
            )
    out["first_stage_probability"] = first
    out["second_stage_probability"] = second
    out["design_weight"] = 1.0 / (first * second)
    return out


def _cluster_index(clusters: pd.DataFrame, cluster: str, data: pd.DataFrame, what: str):
    check_column(data, cluster, role="cluster", source=what)
    position = pd.Index(clusters[cluster]).get_indexer(data[cluster])
    unknown = position < 0
    if unknown.any():
        codes = pd.unique(data.loc[unknown, cluster]).tolist()
        raise LinkError(
            f"{int(unknown.sum())} records of {what} have a {cluster} not in the sample frame: "
            f"{describe_codes(codes)}",
            files=[what, "frame"], keys=[cluster], count=int(unknown.sum()),
        )
    return position


def _unit_rate(completed, eligible, unit_codes, what: str, cluster_codes) -> np.ndarray:
    """Response rate of each cluster's adjustment unit (NaN where the unit has none eligible)."""
    n_units = int(unit_codes.max()) + 1 if len(unit_codes) else 0
    done = np.bincount(unit_codes, weights=completed, minlength=n_units)
    base = np.bincount(unit_codes, weights=eligible, minlength=n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = done / base
    lost = (base > 0) & (done == 0)
    if lost.any():
        where = np.isin(unit_codes, np.flatnonzero(lost))
        warnings.warn(
            f"{what}: {int(lost.sum())} adjustment units have eligible units but no completed "
            f"interview (clusters {describe_codes(cluster_codes[where].tolist())}); their "
            "weight is 0 and their population is not represented. Adjust by stratum or merge "
            "clusters.",
            MicsWarning,
            stacklevel=3,
        )
    return rate[unit_codes]


def _adjust(weight: np.ndarray, rate: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate > 0, weight / rate, 0.0)


def _normalise(adjusted: np.ndarray, completed: np.ndarray) -> np.ndarray:
    """``adjusted * n / sum(adjusted * completed)``: completed interviews sum to n."""
    total = float(np.sum(adjusted * completed))
    n = float(np.sum(completed))
    if total <= 0:
        return np.zeros_like(adjusted)
    return adjusted * n / total


def _response_table(clusters: pd.DataFrame, by: Sequence[str], files: dict) -> pd.DataFrame:
    for name in by:
        check_column(clusters, name, role="response-rate group", source="frame")
    count_columns = ["hh_sampled", "hh_occupied", "hh_completed"]
    present = [q for q in INDIVIDUAL_QUESTIONNAIRES if files.get(q) is not None]
    for q in present:
        count_columns += [f"{q}_eligible", f"{q}_completed"]
    pieces = []
    total = clusters[count_columns].sum().to_frame().T
    total.insert(0, "value", "")
    total.insert(0, "group", "Total")
    pieces.append(total)
    for name in by:
        grouped = clusters.groupby(name, sort=True)[count_columns].sum().reset_index()
        grouped = grouped.rename(columns={name: "value"})
        grouped.insert(0, "group", name)
        pieces.append(grouped)
    table = pd.concat(pieces, ignore_index=True)
    table["value"] = table["value"].astype(object)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["hh_completion_rate"] = table["hh_completed"] / table["hh_sampled"]
        table["hh_response_rate"] = table["hh_completed"] / table["hh_occupied"]
        for q in present:
            table[f"{q}_response_rate"] = table[f"{q}_completed"] / table[f"{q}_eligible"]
            table[f"{q}_overall_response_rate"] = (
                table["hh_response_rate"] * table[f"{q}_response_rate"]
            )
    order = ["group", "value", "hh_sampled", "hh_occupied", "hh_completed",
             "hh_completion_rate", "hh_response_rate"]
    for q in present:
        order += [f"{q}_eligible", f"{q}_completed", f"{q}_response_rate",
                  f"{q}_overall_response_rate"]
    return table[order]
