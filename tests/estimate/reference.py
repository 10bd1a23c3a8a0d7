"""A row-level reference for the engine's tests: the textbook formulas, written out directly.

Each estimate is computed domain by domain from the rows: the ratio ``R = sum w y / sum w x``
(or the total ``sum w y``), the row scores ``z_i = w_i (y_i - R x_i) / X`` (``w_i y_i``), their
PSU totals over every PSU of the design, and the stratified with-replacement variance
``sum_h c_h sum_p (z_p - zbar_h)^2`` with R survey 4.1-1's lonely-PSU rules; the SRS variance of
the design effect from the two-pass residuals; df as PSUs minus strata. No code is shared with
the package, so the engine is checked against an independent derivation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _domains(frame: pd.DataFrame, by) -> tuple[np.ndarray, pd.DataFrame]:
    names = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if not names:
        return np.zeros(len(frame), dtype=int), pd.DataFrame(index=range(1))
    keys = frame[names]
    complete = keys.notna().all(axis=1).to_numpy()
    table = keys[complete].drop_duplicates().sort_values(names).reset_index(drop=True)
    lookup = {tuple(row): g for g, row in enumerate(table.itertuples(index=False))}
    domain = np.array([lookup.get(tuple(row), -1) if ok else -1
                       for row, ok in zip(keys.itertuples(index=False), complete,
                                          strict=True)])
    return domain, table


def reference(frame, *, weight, strata, psu, kind, variable, denominator=None, by=None,
              where=None, lonely_psu="remove", df="design") -> pd.DataFrame:
    """estimate, se, deff, df, n_unweighted, n_weighted per domain (and level)."""
    w = frame[weight].to_numpy(float)
    stratum = pd.factorize(frame[strata], sort=True)[0]
    unit = pd.factorize(pd.Series(list(zip(stratum, frame[psu], strict=True))), sort=True)[0]
    n_units = unit.max() + 1
    unit_stratum = np.zeros(n_units, dtype=int)
    unit_stratum[unit] = stratum
    n_h = np.bincount(unit_stratum)
    inside = np.ones(len(frame), dtype=bool) if where is None else np.asarray(where, bool)
    domain, table = _domains(frame, by)
    if kind == "proportion":
        values = frame[variable]
        levels = np.sort(values.dropna().unique())
        targets = [(values == level).astype(float).where(values.notna()).to_numpy()
                   for level in levels]
        x_all = np.ones(len(frame))
    else:
        levels = [None]
        targets = [frame[variable].to_numpy(float)]
        x_all = frame[denominator].to_numpy(float) if denominator else np.ones(len(frame))
    rows = []
    for g in range(len(table)):
        for level, y_all in zip(levels, targets, strict=True):
            valid = (domain == g) & inside & ~np.isnan(y_all) & ~np.isnan(x_all)
            y, x, wv = np.where(valid, y_all, 0.0), np.where(valid, x_all, 0.0), w * valid
            n = int(((w > 0) & valid).sum())
            total_y, total_x, total_w = (wv * y).sum(), (wv * x).sum(), wv.sum()
            if kind == "total":
                estimate = total_y
                z = wv * y
                mean = total_y / total_w if total_w else np.nan
                squares = (wv * (y - mean) ** 2)[valid].sum()
                srs = total_w * squares / (n - 1) if n > 1 else np.nan
            else:
                estimate = total_y / total_x if total_x else np.nan
                z = wv * (y - estimate * x) / total_x if total_x else np.full(len(w), np.nan)
                squares = (wv * (y - estimate * x) ** 2)[valid].sum()
                srs = total_w * squares / ((n - 1) * total_x**2) if n > 1 else np.nan
            z_unit = np.bincount(unit, weights=z, minlength=n_units)
            variance, strata_present, strata_ok = 0.0, 0, 0
            held = np.bincount(unit_stratum[unit[valid]], minlength=len(n_h)) > 0
            for h in range(len(n_h)):
                zh = z_unit[unit_stratum == h]
                if n_h[h] == 1:
                    strata_present += held[h]
                    if lonely_psu == "adjust":
                        variance += zh[0] ** 2
                    continue
                strata_present += held[h]
                strata_ok += held[h]
                variance += n_h[h] / (n_h[h] - 1) * ((zh - zh.mean()) ** 2).sum()
            if lonely_psu == "average" and (n_h == 1).any():
                variance *= strata_present / strata_ok
            if not valid.any():
                estimate = variance = np.nan
            positive = (w > 0) if df == "design" else ((w > 0) & valid)
            used = np.unique(unit[positive])
            dof = len(used) - len(np.unique(unit_stratum[used]))
            row = dict(table.iloc[g]) if len(table.columns) else {}
            if level is not None:
                row["level"] = level
            row.update(estimate=estimate, se=np.sqrt(variance),
                       deff=variance / srs if srs and srs > 0 else np.nan, df=float(dof),
                       n_unweighted=n, n_weighted=total_w)
            rows.append(row)
    return pd.DataFrame(rows)
