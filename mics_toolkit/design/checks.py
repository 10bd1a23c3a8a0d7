"""Validation of the columns that define a sample design.

Each function checks one design column (weight, strata, PSU, fpc) of a data frame and either
returns its values as a clean numpy array or raises the project's exception naming the variable,
the data source and the offending rows or codes. Used by :class:`mics_toolkit.design.Design`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mics_toolkit.errors import DesignError, VariableError, WeightError, close_matches

__all__ = [
    "check_column",
    "check_fpc",
    "check_nesting",
    "check_weights",
    "describe_codes",
    "numeric_values",
    "small_integer_codes",
]


def describe_codes(codes, limit: int = 10) -> str:
    """Format a list of codes for a message: the first ``limit`` and a count of the rest."""
    codes = list(codes)
    shown = ", ".join(str(c) for c in codes[:limit])
    if len(codes) > limit:
        shown += f" ... ({len(codes) - limit} more)"
    return shown


def check_column(frame: pd.DataFrame, name: str, *, role: str, source: str | None) -> None:
    """Raise :class:`VariableError` if ``name`` is not a column of ``frame``.

    The message names the role (weight, strata ...), the data source and close names.
    """
    if not isinstance(name, str):
        raise VariableError(
            f"the {role} variable must be given as a column name (a string), not {name!r}",
            variable=str(name),
            file=source,
        )
    if name in frame.columns:
        return
    matches = close_matches(name, [str(c) for c in frame.columns])
    hint = f"; did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
    where = f" in {source}" if source else ""
    raise VariableError(
        f"{role} variable {name!r} not found{where}{hint}",
        variable=name,
        file=source,
        close_matches=matches,
    )


def numeric_values(series: pd.Series) -> np.ndarray | None:
    """Return ``series`` as a float64 array with NaN for missing, or None if not numeric."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return None
    return series.to_numpy(dtype="float64", na_value=np.nan)


def check_weights(frame: pd.DataFrame, name: str, *, source: str | None) -> np.ndarray:
    """Return the weight column as float64, rejecting non-numeric, missing, infinite or
    negative values with a :class:`WeightError` that counts the bad rows.

    Zero weights are allowed: MICS files carry non-responding units with weight 0, and those
    rows keep their PSUs in the design.
    """
    check_column(frame, name, role="weight", source=source)
    values = numeric_values(frame[name])
    where = f" in {source}" if source else ""
    if values is None:
        raise WeightError(
            f"weight variable {name!r}{where} is not numeric (dtype {frame[name].dtype})",
            variable=name,
            n_bad=len(frame),
        )
    if np.isfinite(values.sum()) and values.min() >= 0:  # the common case, in two passes
        return values
    problems = []
    n_bad = 0
    for label, mask in (
        ("missing", np.isnan(values)),
        ("infinite", np.isinf(values)),
        ("negative", values < 0),
    ):
        count = int(mask.sum())
        if count:
            rows = np.flatnonzero(mask)[:5]
            problems.append(f"{count} {label} (first rows: {describe_codes(rows.tolist(), 5)})")
            n_bad += count
    if problems:
        raise WeightError(
            f"weight variable {name!r}{where} has bad values: {'; '.join(problems)}. "
            "Weights must be finite and non-negative; give non-responding units weight 0 "
            "or exclude them with where=.",
            variable=name,
            n_bad=n_bad,
        )
    return values


def check_codes(frame: pd.DataFrame, name: str, *, role: str, source: str | None):
    """Return integer codes (0..k-1, sorted by value) and the unique values of a design column.

    Missing values are rejected with a :class:`DesignError` counting them.
    """
    check_column(frame, name, role=role, source=source)
    series = frame[name]
    found = small_integer_codes(series)  # codes -1 where missing
    if found is not None and found[0].min() >= 0:
        return found
    missing = found[0] < 0 if found is not None else series.isna().to_numpy()
    if missing.any():
        where = f" in {source}" if source else ""
        raise DesignError(
            f"{role} variable {name!r}{where} is missing on {int(missing.sum())} rows "
            f"(first rows: {describe_codes(np.flatnonzero(missing)[:5].tolist(), 5)}); "
            "every row needs a design code",
            codes=[],
        )
    if found is not None:
        return found
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.intp), np.asarray(uniques)


def check_nesting(
    stratum: np.ndarray,
    psu: np.ndarray,
    psu_values: np.ndarray,
    *,
    psu_name: str,
    strata_name: str,
    source: str | None,
) -> np.ndarray:
    """The stratum of each PSU (codes ``psu`` and ``stratum`` 0.. of every row, every PSU
    code present); :class:`DesignError` when a PSU code appears in more than one stratum."""
    n_psu = len(psu_values)
    n_strata = int(stratum.max()) + 1 if len(stratum) else 0
    if n_psu * n_strata <= max(4 * len(psu), 1 << 20):  # the (PSU, stratum) pairs that occur
        pairs = np.zeros((n_psu, n_strata), dtype=bool)
        key = psu * n_strata
        key += stratum
        pairs.reshape(-1)[key] = True
        if np.count_nonzero(pairs) == n_psu:  # one stratum for each PSU
            return np.argmax(pairs, axis=1)
    first = np.empty(n_psu, dtype=np.intp)
    first[psu] = stratum
    repeated = np.unique(psu[stratum != first[psu]])
    if repeated.size:
        where = f" in {source}" if source else ""
        codes = psu_values[repeated].tolist()
        raise DesignError(
            f"{len(codes)} PSU codes of {psu_name!r}{where} appear in more than one stratum of "
            f"{strata_name!r}: {describe_codes(codes)}. If PSUs are numbered within each stratum, "
            "pass nest=True; otherwise the PSU or stratum codes are wrong.",
            codes=codes,
        )
    return first


def check_fpc(
    frame: pd.DataFrame,
    name: str,
    stratum: np.ndarray,
    n_psu: np.ndarray,
    stratum_values: np.ndarray,
    *,
    source: str | None,
) -> np.ndarray:
    """Return, per stratum, the finite population correction ``1 - f_h``.

    The column holds either the number of PSUs in the stratum population (values > 1) or the
    first-stage sampling fraction (values in (0, 1]), as R's ``svydesign(fpc=)`` accepts.
    It must be constant within strata; a population count below the sampled PSU count is an
    error.
    """
    check_column(frame, name, role="fpc", source=source)
    values = numeric_values(frame[name])
    where = f" in {source}" if source else ""
    if values is None or np.isnan(values).any() or (values <= 0).any():
        raise DesignError(
            f"fpc variable {name!r}{where} must be positive numbers without missing values",
            codes=[],
        )
    n_strata = len(n_psu)
    low = np.full(n_strata, np.inf)
    high = np.full(n_strata, -np.inf)
    np.minimum.at(low, stratum, values)
    np.maximum.at(high, stratum, values)
    varying = np.flatnonzero(~np.isclose(low, high, rtol=1e-12, atol=0))
    if varying.size:
        raise DesignError(
            f"fpc variable {name!r}{where} varies within strata "
            f"{describe_codes(stratum_values[varying].tolist())}; it must be constant per stratum",
            codes=stratum_values[varying].tolist(),
        )
    fraction = low <= 1
    if fraction.any() and not fraction.all():
        raise DesignError(
            f"fpc variable {name!r}{where} mixes sampling fractions (<= 1) and population "
            "counts (> 1); use one kind for all strata",
            codes=[],
        )
    if fraction.all():
        return 1.0 - low
    too_small = np.flatnonzero(low < n_psu)
    if too_small.size:
        raise DesignError(
            f"fpc variable {name!r}{where} gives fewer population PSUs than sampled PSUs in strata "
            f"{describe_codes(stratum_values[too_small].tolist())}",
            codes=stratum_values[too_small].tolist(),
        )
    return (low - n_psu) / low


# Largest span of values coded by a lookup table rather than by sorting.
_SMALL_SPAN = 100_000


def small_integer_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize(series, sort=True)`` for a numpy integer or float column of whole numbers
    spanning a small range (survey codes), with a lookup table instead of a sort; None for
    any other column."""
    dtype = series.dtype
    if (not isinstance(dtype, np.dtype) or dtype.kind not in "iuf" or dtype == np.uint64
            or not len(series)):
        return None
    values = series.to_numpy()
    # fmin/fmax skip NaN; both are NaN only when every value is
    low, high = np.fmin.reduce(values), np.fmax.reduce(values)
    if dtype.kind in "iu":
        low, high = int(low), int(high)  # no wrap-around in high - low
    elif not (np.isfinite(low) and np.isfinite(high)):
        return None
    if high - low > _SMALL_SPAN:
        return None
    missing = None
    if dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            position = values.astype(np.intp)  # NaN becomes an arbitrary integer
        n_whole = np.count_nonzero(position == values)  # not where NaN
        if n_whole != len(values):
            missing = np.isnan(values)
            if n_whole + np.count_nonzero(missing) != len(values):
                return None  # fractions
    else:
        position = values.astype(np.intp)
    position -= int(low)
    if missing is not None:
        position[missing] = 0  # the lowest value, which occurs
    seen = np.zeros(int(high - low) + 1, dtype=bool)
    seen[position] = True  # a scatter: faster than counting on sorted codes
    if missing is None and seen.all():  # every value of the span occurs: the codes as they are
        codes = position
    else:
        codes = np.take(np.cumsum(seen) - 1, position, out=position)
    if missing is not None:
        codes[missing] = -1
    uniques = (np.flatnonzero(seen) + low).astype(dtype)
    return codes, uniques
