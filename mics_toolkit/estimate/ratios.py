"""The ratio family: means, proportions, totals and ratios of weighted totals, as scores.

Every estimate here is a ratio ``R = Y / X`` of two weighted totals in a domain (a mean has
``x = 1``, a proportion is the mean of ``1[y = l]``) or a total ``Y``. From the cell sums
``A_c = sum w a`` and ``B_c = sum w b`` of a request's row products
(:mod:`mics_toolkit.estimate.products`, :mod:`mics_toolkit.estimate.cells`):

* ratio: ``R_g = Y_g / X_g`` and the cell score ``z_c = (A_c - R_g B_c) / X_g`` (Binder 1983);
* total: ``Y_g`` and ``z_c = A_c``.

The design effect compares with the variance under simple random sampling with replacement of
the domain's own n (Kish 1965; R survey ``deff="replace"``), with ``n`` the domain's rows of
positive weight, ``W = sum w`` and residuals ``e = y - R x``:

    V_srs(ratio) = W * sum(w e^2) / ((n - 1) * X^2),   V_srs(total) = W * sum(w (y - ybar)^2) / (n - 1)

(a proportion has ``sum(w e^2) = W p (1 - p)`` exactly, so ``V_srs = p (1 - p) / (n - 1)``).
The sums of squares come from the cell sums of the centred products,
``sum_g w (y - R_g x)^2 = S_ee - 2 d S_ex + d^2 S_xx`` with ``d = R_g - c``; where this cancels
more than four digits (a domain whose mean is far from ``c`` relative to its spread, or a
constant variable) the residuals are summed again exactly over the rows. ``DEFF`` is NaN when
``n < 2`` or ``V_srs == 0``. R's default ``deff=TRUE`` (without replacement) is not offered:
with normalised weights the "population size" equals n and it breaks.
"""

from __future__ import annotations

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.estimate.cells import Partition, cell_sums
from mics_toolkit.estimate.products import RowProducts
from mics_toolkit.estimate.replicate_variance import replicate_totals
from mics_toolkit.estimate.scores import ReplicateUnits, Scores

__all__ = ["ratio_scores"]

# Sums of squares that cancel below this fraction of their terms are recomputed exactly.
_CANCELLATION = 1e-4
# Residuals smaller than this, relative to the values, are rounding noise.
_ROUNDING = 1e-12


def ratio_scores(design: Design, partition: Partition, products: RowProducts) -> Scores:
    """Estimates and scores of one request of the ratio family in every domain of
    ``partition``, from its row products (restricted to ``where`` already).

    Parameters
    ----------
    design : Design
        The design the products and the partition belong to.
    partition : Partition
    products : RowProducts

    Returns
    -------
    Scores
        ``K`` = 1, or the number of categories of a proportion.
    """
    sums, level_sums = cell_sums(design, partition, products)
    kind = products.request.kind
    col = products.position
    n_vars = products.n_columns
    count = sums[:, col("n")]
    positive = count if col("p") is None else sums[:, col("p")]
    weight = sums[:, [col("w")]]
    if kind == "proportion":
        if level_sums is None:
            first = col("l0")
            level_sums = (sums[:, first:first + n_vars] if first is not None
                          else np.zeros((len(sums), n_vars)))
        numerator, denominator = level_sums, weight
    else:
        numerator = sums[:, [col("a")]]
        denominator = sums[:, [col("b")]] if kind == "ratio" else weight
    y = partition.by_domain(numerator)
    x = partition.by_domain(denominator)
    domain = partition.cell_domain
    if kind == "total":
        estimate, scores = y, numerator
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate = y / x
            scores = (numerator - estimate[domain] * denominator) / x[domain]
    n_valid = np.rint(count).astype(np.int64)[:, None]
    n_positive = np.rint(positive).astype(np.int64)[:, None]
    if n_vars > 1:
        n_valid = np.repeat(n_valid, n_vars, axis=1)
        n_positive = np.repeat(n_positive, n_vars, axis=1)
    positive_total = partition.by_domain(n_positive[:, :1])
    weight_total = x if kind != "ratio" else partition.by_domain(weight)
    if n_vars > 1:
        weight_total = np.repeat(weight_total[:, :1], n_vars, axis=1)
        positive_total = np.repeat(positive_total, n_vars, axis=1)
    srs = _srs_variance(design, partition, products, sums, estimate, weight_total,
                        positive_total)
    empty = partition.by_domain(n_valid[:, :1]) == 0
    # a zero denominator (or weights that are all zero) leaves the estimate undefined: NaN,
    # never inf
    if kind == "total":  # a total over zero weights is 0, but say so
        undefined = (weight_total[:, 0] == 0) & ~empty[:, 0]
        estimate = np.where(empty, np.nan, estimate)
    else:
        undefined = (x[:, 0] == 0) & ~empty[:, 0]
        estimate = np.where(empty | undefined[:, None], np.nan, estimate)

    def projection(basis, row_factor: np.ndarray) -> np.ndarray:
        return _projection(partition, products, basis, row_factor, estimate, x)

    def replicates(units: ReplicateUnits) -> np.ndarray:
        return _replicates(design, partition, products, units, numerator, denominator)

    return Scores(
        partition=partition,
        estimate=estimate,
        cell_scores=scores,
        n_valid=n_valid,
        n_positive=n_positive,
        weight_total=weight_total,
        srs=srs,
        levels=products.levels,
        projection=projection,
        replicates=replicates,
        used_rows=products.valid,
        totals=(numerator, denominator),
        undefined=undefined,
    )


def _srs_variance(design, partition, products, sums, estimate, weight_total,
                  n_positive) -> np.ndarray:
    """``V_srs`` of the design effect (see the module docstring), shape (G, K)."""
    kind = products.request.kind
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            # sum(w e^2) = W p (1 - p) exactly for a 0/1 indicator
            return np.where(n_positive > 1, estimate * (1 - estimate) / (n_positive - 1),
                            np.nan)
        domain_sums = {
            name: np.bincount(partition.cell_domain, weights=sums[:, j],
                              minlength=partition.n_domains)
            for j, name in enumerate(products.names)
        }
        w_total = weight_total[:, 0]
        ratio = estimate[:, 0] if kind != "total" else domain_sums["a"] / w_total
        d = ratio - products.shift
        if kind == "ratio":
            s_ex, s_xx, x_total = domain_sums["sx"], domain_sums["xx"], domain_sums["b"]
        else:
            s_ex = domain_sums["a"] - products.shift * w_total
            s_xx = x_total = w_total
        squares = domain_sums["s"] - 2 * d * s_ex + d * d * s_xx
        inaccurate = ~(squares >= _CANCELLATION * (domain_sums["s"] + d * d * s_xx))
        inaccurate &= np.isfinite(ratio)
        if inaccurate.any():
            squares = np.where(inaccurate, _exact_squares(design, partition, products, ratio),
                               squares)
        squares = np.where(squares <= _ROUNDING**2 * w_total * ratio**2, 0.0, squares)
        n = n_positive[:, 0]
        if kind == "total":
            srs = w_total * squares / (n - 1)
        else:
            srs = w_total * squares / ((n - 1) * x_total**2)
        return np.where(n > 1, srs, np.nan)[:, None]


def _exact_squares(design, partition, products, ratio) -> np.ndarray:
    """``sum w (y - R_g x)^2`` per domain, summed over the rows (the accurate two-pass form)."""
    y, x, valid = _raw_values(design, products)
    rows = valid & (partition.domain >= 0)
    g = partition.domain[rows]
    residual = y[rows] - ratio[g] * (1.0 if x is None else x[rows])
    return np.bincount(g, weights=design.weights[rows] * residual**2,
                       minlength=partition.n_domains)


def _raw_values(design, products) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The unweighted numerator and denominator values (None: 1) of a numeric request and
    whether each row is used (a value, and inside ``where``)."""
    if products.values is not None:
        y, x = products.values
        return y, x, products.valid()
    request = products.request
    y = design.numeric(request.variable)
    x = None if request.denominator is None else design.numeric(request.denominator)
    return y, x, products.valid()


def _projection(partition, products, basis, row_factor, estimate, x_total) -> np.ndarray:
    """``P = sum_i r_i m_i z_i`` per (domain, variable), shape (q, G K), for the row scores
    ``z_i = w_i (a_i - R_g b_i) / X_g`` (``w_i a_i`` for a total)."""
    n_domains = partition.n_domains
    n_vars = products.n_columns
    domain = partition.domain
    kind = products.request.kind
    used = products.valid() & (domain >= 0)
    weight = products.column("w")
    if kind == "proportion":
        codes = products.analysed_codes()
        rows = np.flatnonzero(used & (codes >= 0))
        key = domain[rows] * n_vars + codes[rows]
        numerator = basis.sums(key, n_domains * n_vars, (weight * row_factor)[rows], rows=rows)
    else:
        rows = np.flatnonzero(used)
        numerator = basis.sums(domain[rows], n_domains,
                               (products.column("a") * row_factor)[rows], rows=rows)
    if kind == "total":
        return numerator.T
    base_product = products.column("b") if kind == "ratio" else weight
    if kind == "proportion":
        rows = np.flatnonzero(used)
    base = basis.sums(domain[rows], n_domains, (base_product * row_factor)[rows], rows=rows)
    base = np.repeat(base, n_vars, axis=0)
    flat_x = np.repeat(x_total[:, :1], n_vars, axis=1).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        projection = (numerator - estimate.reshape(-1)[:, None] * base) / flat_x[:, None]
    return projection.T


def _replicates(design, partition, products, units, numerator, denominator) -> np.ndarray:
    """The estimates with each replicate's weights, shape (G, K, R): ratios of replicate
    totals. PSU factors multiply the cell totals; row weights multiply the rows' unweighted
    values (the replicate weights already hold the full-sample weight)."""
    n_vars = products.n_columns
    kind = products.request.kind
    if units.by_psu:
        unit, domain = partition.cell_psu, partition.cell_domain
        values = numerator if kind == "total" else np.hstack([numerator, denominator])
    else:
        used = products.valid() & (partition.domain >= 0)
        unit = np.flatnonzero(used)
        domain = partition.domain[unit]
        if kind == "proportion":
            codes = products.analysed_codes()[unit]
            top = np.zeros((unit.size, n_vars))
            top[np.flatnonzero(codes >= 0), codes[codes >= 0]] = 1.0
            bottom = np.ones((unit.size, 1))
        else:
            y, x, _ = _raw_values(design, products)
            top = y[unit][:, None]
            bottom = np.ones((unit.size, 1)) if x is None else x[unit][:, None]
        values = top if kind == "total" else np.hstack([top, bottom])
    totals = replicate_totals(units.weights, unit, domain, values, partition.n_domains)
    if kind == "total":
        return totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, :n_vars] / totals[:, n_vars:]
