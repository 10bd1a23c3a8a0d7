"""The estimation kernel: many estimates over many domain partitions from cell sums of row products.

Every estimate of the package is a ratio of weighted totals in a domain (a mean has denominator
1, a proportion is the mean of a 0/1 indicator, a total has no denominator). For a request
(one variable and an estimator) this module keeps, on the design, the row products whose sums
over a (domain, PSU) cell give everything an estimate needs:

* mean, total: ``w y``, ``w``, ``1`` (valid-row count) and ``w (y - c)^2``;
* ratio: ``w y``, ``w x``, ``w``, ``1``, ``w e^2``, ``w e x`` and ``w x^2`` with ``e = y - c x``;
* proportion: ``w``, ``1`` and ``w 1[y = l]`` for every category l (up to 12 categories; with
  more, the category sums come from the codes in one pass);

each set to 0 where the row's value is missing (or ``where`` is false), plus ``1[w > 0]`` when
some valid row has weight 0 (for ``n_unweighted``). ``c`` is a centring constant per request
(the overall mean or ratio) that keeps the sums of squares accurate.

A domain partition (the ``by`` variables) assigns each row a domain; its cells are the
(domain, PSU) pairs holding rows, found once per partition and kept on the design. When every
PSU lies in a single domain (area and region in a survey stratified by them, or no ``by`` at
all) the cell sums are the PSU sums of the products, computed once per request and shared by
every such partition. Otherwise one ``bincount`` per product runs over the rows.

From the cell sums: the estimate, the PSU scores of Binder's linearisation
(:mod:`mics_toolkit.estimate.scores`), their stratified variance
(:mod:`mics_toolkit.estimate.variance`) for all requests of a partition at once, and the
simple-random-sampling variance of the design effect from the sums of squares,

    sum_g w (y - R_g x)^2 = S_ee - 2 d S_ex + d^2 S_xx,   d = R_g - c,

with ``x = 1`` for means and totals. Where this cancels more than four digits (a domain whose
mean is far from ``c`` relative to its spread, or a constant variable) the residuals are summed
again exactly over the rows.

Designs with weight adjustments (calibration, raking, post-stratification) need the row-level
residuals of their variance and use :class:`~mics_toolkit.estimate.scores.RowValues` instead;
replicate designs multiply the cell totals of :func:`~mics_toolkit.estimate.scores.cell_totals`
by their replicate factors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.errors import VariableError
from mics_toolkit.estimate.scores import CellTotals, ratio_scores, total_scores
from mics_toolkit.estimate.variance import stratified_variance

__all__ = [
    "Partition",
    "Request",
    "RequestArrays",
    "RowProducts",
    "analysed_products",
    "degrees_of_freedom",
    "estimate_partition",
    "numeric_column",
    "partition_of",
    "row_products",
]

# Largest domains x PSUs grid for which cells are found with a dense bincount.
_DENSE_CELL_LIMIT = 4_000_000
# Proportions with at most this many categories keep one product per category; more
# categories are summed from the codes in one pass.
_LEVEL_COLUMNS = 12
# Row products and partitions kept on a design.
_PRODUCT_CACHE_SIZE = 16
_PRODUCT_CACHE_BYTES = 256 * 2**20  # at most this much memory in products per design
_PARTITION_CACHE_SIZE = 16
# Sums of squares that cancel below this fraction of their terms are recomputed exactly.
_CANCELLATION = 1e-4
# Residuals smaller than this, relative to the values, are rounding noise.
_ROUNDING = 1e-12


@dataclass(frozen=True)
class Request:
    """One requested estimate: the estimator ``kind`` (``"mean"``, ``"total"``, ``"ratio"`` or
    ``"proportion"``) of ``variable`` (over ``denominator`` for a ratio)."""

    kind: str
    variable: str
    denominator: str | None = None

    @property
    def label(self) -> str:
        """The variable as shown in results: ``"y"``, or ``"y/x"`` for a ratio."""
        return self.variable if self.denominator is None else f"{self.variable}/{self.denominator}"


@dataclass(frozen=True)
class RowProducts:
    """The row products of one request (see the module docstring).

    Attributes
    ----------
    request : Request
    columns : numpy.ndarray, shape (m, N)
        The products, one contiguous row each, in the order of ``names``.
    names : tuple of str
        ``"a"`` (``w y``), ``"b"`` (``w x``, ratios only), ``"w"``, ``"n"``, ``"p"`` (rows of
        positive weight, only when some valid row has weight 0), ``"s"`` (``w e^2``), and for
        ratios ``"sx"`` (``w e x``) and ``"xx"`` (``w x^2``).
    codes : numpy.ndarray or None
        Category codes of a proportion with many categories (-1 where missing); a proportion
        with few categories keeps products ``"l0"``, ``"l1"``, ... (``w 1[y = l]``) instead.
    levels : numpy.ndarray or None
        The categories of a proportion.
    shift : float
        The centring constant ``c``.
    """

    request: Request
    columns: np.ndarray
    names: tuple[str, ...]
    codes: np.ndarray | None = None
    levels: np.ndarray | None = None
    shift: float = 0.0
    _psu_sums: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_columns(self) -> int:
        """K, the number of estimates per domain (categories of a proportion, else 1)."""
        return 1 if self.levels is None else max(len(self.levels), 1)

    def restrict(self, mask: np.ndarray) -> RowProducts:
        """These products on the rows where ``mask`` is true (0 elsewhere; not kept)."""
        return RowProducts(
            request=self.request,
            columns=self.columns * mask,
            names=self.names,
            codes=None if self.codes is None else np.where(mask, self.codes, -1),
            levels=self.levels,
            shift=self.shift,
        )

    def position(self, name: str) -> int | None:
        """Row of product ``name`` in ``columns``, None when it is not kept."""
        return self.names.index(name) if name in self.names else None


def numeric_column(design: Design, variable: str, kind: str) -> np.ndarray:
    """Column ``variable`` as float64 (NaN missing); VariableError when it is not numeric."""
    values = design.numeric(variable)
    if values is None:
        where = f" in {design.source}" if design.source else ""
        raise VariableError(
            f"cannot take the {kind} of {variable!r}{where}: it is not numeric "
            f"(dtype {design.frame[variable].dtype}); use proportion() for a categorical "
            "variable",
            variable=variable,
            file=design.source,
        )
    return values


def row_products(design: Design, request: Request) -> RowProducts:
    """The row products of ``request`` on ``design`` (kept on the design for later calls).

    Raises
    ------
    VariableError
        A variable is unknown (close names suggested) or, except for a proportion, not
        numeric.
    """
    cache = design._cache.setdefault("row_products", {})
    hit = cache.get(request)
    if hit is not None:
        return hit
    w = design.weights
    # the products are written in place into one (m, N) array: few large temporaries
    if request.kind == "proportion":
        codes, levels = design.codes(request.variable, role="analysis")
        valid = codes >= 0
        few = len(levels) <= _LEVEL_COLUMNS  # one product per category, summed like the others
        names = ["w", "n"] + ([f"l{k}" for k in range(len(levels))] if few else [])
        columns = _products_array(names, w, valid)
        np.multiply(w, valid, out=columns[0])
        columns[1] = valid
        if few:
            for k in range(len(levels)):
                np.multiply(w, codes == k, out=columns[2 + k])
            codes = None
        shift = 0.0
    else:
        y = numeric_column(design, request.variable, request.kind)
        valid = ~np.isnan(y)
        ratio = request.kind == "ratio"
        if ratio:
            x = numeric_column(design, request.denominator, request.kind)
            valid &= ~np.isnan(x)
        invalid = ~valid
        names = ["a", "b", "w", "n", "s", "sx", "xx"] if ratio else ["a", "w", "n", "s"]
        columns = _products_array(names, w, valid)
        row = dict(zip(names, columns, strict=False))
        np.multiply(w, y, out=row["a"])
        np.copyto(row["a"], 0.0, where=invalid)
        np.multiply(w, valid, out=row["w"])
        row["n"][:] = valid
        if ratio:
            np.multiply(w, x, out=row["b"])
            np.copyto(row["b"], 0.0, where=invalid)
            shift = _centre(row["a"].sum(), row["b"].sum())
            # e = y - c x; s = w e^2, sx = w e x, xx = w x^2 (0 where not valid)
            e = row["sx"]
            np.multiply(x, -shift, out=e)
            e += y
            np.multiply(e, e, out=row["s"])
            row["s"] *= row["w"]
            e *= row["b"]
            np.multiply(row["b"], x, out=row["xx"])
            for name in ("s", "sx", "xx"):
                np.copyto(row[name], 0.0, where=invalid)
        else:
            shift = _centre(row["a"].sum(), row["w"].sum())
            s = row["s"]
            np.subtract(y, shift, out=s)
            s *= s
            s *= row["w"]
            np.copyto(s, 0.0, where=invalid)
        codes = levels = None
    products = RowProducts(
        request=request,
        columns=columns,
        names=tuple(names),
        codes=codes,
        levels=levels,
        shift=shift,
    )
    # oldest first out, within a count and a memory budget (the newest is always kept)
    while cache and (
        len(cache) >= _PRODUCT_CACHE_SIZE
        or sum(p.columns.nbytes for p in cache.values()) + columns.nbytes > _PRODUCT_CACHE_BYTES
    ):
        cache.pop(next(iter(cache)))
    cache[request] = products
    return products


def _products_array(names: list[str], w: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """An (m, N) array for the products ``names``, plus a last row ``p`` (valid rows of positive
    weight) when some valid row has weight 0; ``names`` gets ``"p"`` appended then."""
    zero = w == 0
    positive = bool((valid & zero).any())
    columns = np.empty((len(names) + positive, len(w)))
    if positive:
        columns[-1] = valid & ~zero
        names.append("p")
    return columns


def _centre(numerator: float, denominator: float) -> float:
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = numerator / denominator
    return float(shift) if np.isfinite(shift) else 0.0


@dataclass(frozen=True)
class Partition:
    """The (domain, PSU) cells of a domain partition.

    Attributes
    ----------
    domain : numpy.ndarray
        Domain of each row (-1 outside every domain), read-only.
    n_domains : int
    cell_domain, cell_psu : numpy.ndarray, shape (C,)
        Domain and PSU of each cell holding rows, PSU-major.
    row_cell : numpy.ndarray or None
        Cell of each row (C for rows outside every domain); None when every PSU lies in one
        domain, where the cells are PSUs.
    """

    domain: np.ndarray
    n_domains: int
    cell_domain: np.ndarray
    cell_psu: np.ndarray
    row_cell: np.ndarray | None

    @property
    def n_cells(self) -> int:
        """Number of cells C."""
        return len(self.cell_domain)


def partition_of(design: Design, domain: np.ndarray, n_domains: int) -> Partition:
    """The cells of the partition ``domain`` (codes ``0 .. n_domains - 1``, -1 outside), kept
    on the design for the last few partitions (a table asks many variables over the same
    domains)."""
    cache = design._cache.setdefault("partitions", {})
    token = (id(domain), n_domains) if not domain.flags.writeable else None
    if token is not None:
        hit = cache.get(token)
        if hit is not None and hit.domain is domain:
            return hit
    psu = design.psu_index
    n_psu = design.n_psu_total
    owner = np.full(n_psu, -2, dtype=np.intp)
    owner[psu] = domain
    if np.array_equal(owner[psu], domain):
        # every PSU lies in a single domain (or in none): the cells are PSUs
        cell_psu = np.flatnonzero(owner >= 0)
        partition = Partition(domain, n_domains, owner[cell_psu], cell_psu, None)
    else:
        inside = domain >= 0
        everywhere = bool(inside.all())
        key = psu.astype(np.int64)  # becomes the (PSU, domain) key, then the cell, in place
        key *= n_domains
        key += domain
        key_inside = key if everywhere else key[inside]
        grid = n_domains * n_psu
        if grid <= max(_DENSE_CELL_LIMIT, 4 * len(key_inside)):
            present = np.bincount(key_inside, minlength=grid) > 0
            cell_key = np.flatnonzero(present)
            lookup = np.cumsum(present) - 1
            cell_of_inside = np.take(lookup, key_inside, out=key_inside)
        else:
            cell_key, cell_of_inside = np.unique(key_inside, return_inverse=True)
        n_cells = len(cell_key)
        if everywhere:
            row_cell = cell_of_inside.astype(np.intp, copy=False)
        else:
            row_cell = np.full(len(domain), n_cells, dtype=np.intp)
            row_cell[inside] = cell_of_inside
        partition = Partition(
            domain,
            n_domains,
            (cell_key % n_domains).astype(np.intp),
            (cell_key // n_domains).astype(np.intp),
            row_cell,
        )
    if token is not None:
        if len(cache) >= _PARTITION_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[token] = partition
    return partition


def _cell_sums(
    design: Design, partition: Partition, products: RowProducts
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cell sums (C, m) of the products and, for a proportion, (C, L) of ``w 1[y = l]``."""
    columns, codes = products.columns, products.codes
    n_levels = products.n_columns
    if partition.row_cell is None:
        psu_sums, psu_levels = _psu_sums(design, products)
        sums = psu_sums[partition.cell_psu]
        levels = None if psu_levels is None else psu_levels[partition.cell_psu]
        return sums, levels
    n_cells = partition.n_cells
    row_cell = partition.row_cell
    sums = np.empty((n_cells, len(columns)))
    for j, column in enumerate(columns):
        sums[:, j] = np.bincount(row_cell, weights=column, minlength=n_cells + 1)[:n_cells]
    levels = None
    if codes is not None:
        levels = _level_sums(row_cell, codes, design.weights, n_cells + 1, n_levels)[:n_cells]
    return sums, levels


def _psu_sums(design, products):
    """PSU sums of the products (and category sums), computed once and kept on ``products``."""
    if "psu" in products._psu_sums:
        return products._psu_sums["psu"]
    columns, codes = products.columns, products.codes
    psu = design.psu_index
    n_psu = design.n_psu_total
    sums = np.empty((n_psu, len(columns)))
    for j, column in enumerate(columns):
        sums[:, j] = np.bincount(psu, weights=column, minlength=n_psu)
    levels = None
    if codes is not None:
        levels = _level_sums(psu, codes, design.weights, n_psu, products.n_columns)
    products._psu_sums["psu"] = (sums, levels)
    return sums, levels


def _level_sums(group, codes, weights, n_groups, n_levels) -> np.ndarray:
    """``sum w 1[code = l]`` per group and category in one pass (codes -1 left out)."""
    ok = codes >= 0
    if ok.all():
        key, w = group * n_levels + codes, weights
    else:
        key, w = group[ok] * n_levels + codes[ok], weights[ok]
    return np.bincount(key, weights=w, minlength=n_groups * n_levels).reshape(
        n_groups, n_levels
    )


@dataclass(frozen=True)
class RequestArrays:
    """The (G, K) arrays of one request over one partition, ready for the result frame."""

    request: Request
    levels: np.ndarray | None
    estimate: np.ndarray
    variance: np.ndarray
    srs: np.ndarray
    dof: np.ndarray
    n_positive: np.ndarray
    weight_total: np.ndarray


def analysed_products(
    design: Design, requests: list[Request], mask: np.ndarray | None = None
) -> list[RowProducts]:
    """The row products of the requests, restricted to the rows where ``mask`` is true (the
    products multiplied by the mask, once for all the partitions of a call)."""
    products = [row_products(design, request) for request in requests]
    if mask is None:
        return products
    return [p.restrict(mask) for p in products]


def estimate_partition(
    design: Design,
    partition: Partition,
    products: list[RowProducts],
    mask: np.ndarray | None = None,
    df_rule: str = "design",
) -> list[RequestArrays]:
    """Estimates, variances, SRS variances, df and counts of every request in every domain of
    ``partition``, from the products of :func:`analysed_products` (``mask`` is the filter they
    were restricted with); one stratified variance for all requests."""
    pieces = []
    for product in products:
        request = product.request
        sums, level_sums = _cell_sums(design, partition, product)
        cells = _cell_totals(partition, product, sums, level_sums)
        pieces.append((request, product, cells, sums))
    if not pieces:
        return []
    estimates, scores = [], []
    for request, _, cells, _ in pieces:
        estimate, score = (total_scores if request.kind == "total" else ratio_scores)(cells)
        estimates.append(estimate)
        scores.append(score)
    joined = _join_cells(partition, [piece[2] for piece in pieces])
    variances = np.hsplit(
        stratified_variance(design, joined, np.hstack(scores)),
        np.cumsum([s.shape[1] for s in scores])[:-1],
    )
    out = []
    for (request, products, cells, sums), estimate, variance in zip(
        pieces, estimates, variances, strict=True
    ):
        n_positive = cells.by_domain(cells.n_positive)
        weight_total = cells.weight_total
        srs = _srs_variance(design, partition, products, sums, estimate, weight_total,
                            n_positive, mask)
        empty = cells.by_domain(cells.n_valid) == 0
        out.append(
            RequestArrays(
                request=request,
                levels=products.levels,
                estimate=np.where(empty, np.nan, estimate),
                variance=np.where(empty, np.nan, variance),
                srs=srs,
                dof=degrees_of_freedom(design, cells, df_rule, estimate.shape),
                n_positive=n_positive,
                weight_total=weight_total,
            )
        )
    return out


def _cell_totals(partition, products, sums, level_sums) -> CellTotals:
    col = products.position
    n_vars = products.n_columns
    repeat = (lambda a: np.repeat(a[:, None], n_vars, axis=1)) if n_vars > 1 else (
        lambda a: a[:, None])
    n_valid = sums[:, col("n")]
    n_positive = n_valid if col("p") is None else sums[:, col("p")]
    weight = sums[:, col("w")]
    if products.request.kind == "proportion":
        if level_sums is None:
            first = col("l0")
            level_sums = sums[:, first:first + n_vars] if first is not None else np.zeros(
                (len(sums), n_vars))
        numerator = level_sums
        denominator = repeat(weight)
        weight_cells = None
    else:
        numerator = sums[:, [col("a")]]
        denominator = sums[:, [col("b")]] if col("b") is not None else weight[:, None]
        weight_cells = weight[:, None] if col("b") is not None else None
    return CellTotals(
        n_domains=partition.n_domains,
        cell_domain=partition.cell_domain,
        cell_psu=partition.cell_psu,
        numerator=numerator,
        denominator=denominator,
        n_valid=np.rint(repeat(n_valid)).astype(np.int64),
        n_positive=np.rint(repeat(n_positive)).astype(np.int64),
        row_cell=np.empty(0, dtype=np.intp),
        weight=weight_cells,
    )


def _join_cells(partition: Partition, cells: list[CellTotals]) -> CellTotals:
    """The cells of several requests side by side (K columns each), for one variance pass."""
    if len(cells) == 1:
        return cells[0]
    return CellTotals(
        n_domains=partition.n_domains,
        cell_domain=partition.cell_domain,
        cell_psu=partition.cell_psu,
        numerator=np.hstack([c.numerator for c in cells]),
        denominator=np.hstack([c.denominator for c in cells]),
        n_valid=np.hstack([c.n_valid for c in cells]),
        n_positive=np.hstack([c.n_positive for c in cells]),
        row_cell=np.empty(0, dtype=np.intp),
    )


def _srs_variance(design, partition, products, sums, estimate, weight_total, n_positive,
                  mask) -> np.ndarray:
    """``V_srs`` of the design effect (:mod:`mics_toolkit.estimate.deff`), shape (G, K)."""
    kind = products.request.kind
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "proportion":
            # sum(w e^2) = W p (1 - p) exactly for a 0/1 indicator
            return np.where(n_positive > 1, estimate * (1 - estimate) / (n_positive - 1),
                            np.nan)
        sums = {
            name: np.bincount(partition.cell_domain, weights=sums[:, j],
                              minlength=partition.n_domains)
            for j, name in enumerate(products.names)
        }
        w_total = weight_total[:, 0]
        ratio = estimate[:, 0] if kind != "total" else sums["a"] / w_total
        d = ratio - products.shift
        if kind == "ratio":
            s_ex, s_xx, x_total = sums["sx"], sums["xx"], sums["b"]
        else:
            s_ex, s_xx, x_total = sums["a"] - products.shift * w_total, w_total, w_total
        squares = sums["s"] - 2 * d * s_ex + d * d * s_xx
        inaccurate = ~(squares >= _CANCELLATION * (sums["s"] + d * d * s_xx))
        inaccurate &= np.isfinite(ratio)
        if inaccurate.any():
            squares = np.where(
                inaccurate, _exact_squares(design, partition, products, ratio, mask), squares
            )
        squares = np.where(squares <= _ROUNDING**2 * w_total * ratio**2, 0.0, squares)
        n = n_positive[:, 0]
        if kind == "total":
            srs = w_total * squares / (n - 1)
        else:
            srs = w_total * squares / ((n - 1) * x_total**2)
        return np.where(n > 1, srs, np.nan)[:, None]


def _exact_squares(design, partition, products, ratio, mask) -> np.ndarray:
    """``sum w (y - R_g x)^2`` per domain, summed over the rows (the accurate two-pass form)."""
    request = products.request
    y = design.numeric(request.variable)
    valid = ~np.isnan(y)
    if request.denominator is not None:
        x = design.numeric(request.denominator)
        valid &= ~np.isnan(x)
    else:
        x = np.ones_like(y)
    domain = partition.domain
    if mask is not None:
        valid &= mask
    rows = valid & (domain >= 0)
    g = domain[rows]
    residual = y[rows] - ratio[g] * x[rows]
    return np.bincount(g, weights=design.weights[rows] * residual**2,
                       minlength=partition.n_domains)


def degrees_of_freedom(design: Design, cells: CellTotals, df_rule: str, shape) -> np.ndarray:
    """Degrees of freedom per (domain, variable): the design's (``"design"``), or PSUs minus
    strata among the domain's rows of positive weight (``"domain"``, R's ``degf()`` of the
    subset design)."""
    if df_rule == "design":
        return np.full(shape, float(design.degrees_of_freedom))
    n_domains, n_vars = shape
    out = np.empty(shape)
    cell_stratum = design.psu_stratum[cells.cell_psu]
    for k in range(n_vars):
        used = cells.n_positive[:, k] > 0
        n_psu = np.bincount(cells.cell_domain[used], minlength=n_domains)
        pairs = np.unique(cells.cell_domain[used] * design.n_strata + cell_stratum[used])
        n_strata = np.bincount(pairs // design.n_strata, minlength=n_domains)
        out[:, k] = n_psu - n_strata
    return out
