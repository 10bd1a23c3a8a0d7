"""Requests and their row products: what the engine sums over the cells of a partition.

A request is one estimator applied to one variable (``mean``, ``total``, ``proportion``) or to
a pair (``ratio``). Every such estimate is a ratio of weighted totals in a domain (a mean has
denominator 1, a proportion is the mean of a 0/1 indicator, a total has no denominator), so
its estimate, influence values, design effect and counts all come from sums, over the
(domain, PSU) cells, of a few row products, kept on the design per request:

* mean, total: ``a = w y``, ``w``, ``n`` (1 for a valid row) and ``s = w (y - c)^2``;
* ratio: ``a = w y``, ``b = w x``, ``w``, ``n``, ``s = w e^2``, ``sx = w e x`` and
  ``xx = w x^2`` with ``e = y - c x``;
* proportion: ``w``, ``n`` and ``l<k> = w 1[y = level k]`` for every category (up to
  :data:`LEVEL_COLUMNS` categories; with more, the category sums come from the codes in one
  pass);

each 0 where the row's value is missing, plus ``p = 1[w > 0]`` for valid rows when some valid
row has weight 0 (for ``n_unweighted``). ``c`` is a centring constant per request (the overall
mean or ratio) that keeps the sums of squares accurate. A ``where`` filter multiplies the
products once per call (:func:`analysed_products`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.errors import VariableError
from mics_toolkit.estimate.cache import engine_cache

__all__ = [
    "KINDS",
    "LEVEL_COLUMNS",
    "Request",
    "RowProducts",
    "ValuesRequest",
    "analysed_products",
    "numeric_column",
    "row_products",
]

KINDS: tuple[str, ...] = ("mean", "proportion", "total", "ratio")
"""The estimators of the ratio family, in the order :func:`~mics_toolkit.estimate.tabulate`
lists its requests."""

# Proportions with at most this many categories keep one product per category; more
# categories are summed from the codes in one pass.
LEVEL_COLUMNS = 12


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

    @property
    def variables(self) -> tuple[str, ...]:
        """The columns the request reads."""
        return (self.variable,) if self.denominator is None else (self.variable,
                                                                  self.denominator)


@dataclass(frozen=True, eq=False)
class ValuesRequest:
    """A mean or ratio of values given as arrays rather than columns (the survey indicators
    of an index, evaluated from expressions).

    Attributes
    ----------
    kind : {"mean", "ratio"}
    variable : str
        A name for the values (an indicator id).
    numerator : numpy.ndarray, shape (N,)
    valid : numpy.ndarray of bool, shape (N,)
        The rows that count (0 elsewhere, whatever the values).
    denominator : numpy.ndarray, shape (N,), optional
        For a ratio.
    """

    kind: str
    variable: str
    numerator: np.ndarray
    valid: np.ndarray
    denominator: np.ndarray | None = None

    @property
    def label(self) -> str:
        """The name of the values."""
        return self.variable

    @property
    def variables(self) -> tuple[str, ...]:
        """No columns: the values are given."""
        return ()


@dataclass(frozen=True, eq=False)
class RowProducts:
    """The row products of one request (see the module docstring).

    Attributes
    ----------
    request : Request
    columns : numpy.ndarray, shape (m, N)
        The products, one contiguous row each, in the order of ``names``.
    names : tuple of str
        ``"a"``, ``"b"`` (ratios only), ``"w"``, ``"n"``, ``"p"`` (only when some valid row has
        weight 0), ``"s"``, ``"sx"`` and ``"xx"`` (ratios only), or for a proportion ``"w"``,
        ``"n"``, ``"l0"``, ``"l1"``, ... .
    codes : numpy.ndarray or None
        Category codes of a proportion (-1 where missing), before any ``where`` filter: see
        :meth:`analysed_codes`.
    levels : numpy.ndarray or None
        The categories of a proportion.
    shift : float
        The centring constant ``c``.
    mask : numpy.ndarray or None
        The ``where`` filter the products were restricted with.
    values : tuple or None
        ``(y, x)`` of a :class:`ValuesRequest` (x None for a mean), whose values are not
        columns of the design.
    psu_sums : list
        Their PSU sums once computed (:func:`mics_toolkit.estimate.cells.cell_sums`).
    """

    request: Request
    columns: np.ndarray
    names: tuple[str, ...]
    codes: np.ndarray | None = None
    levels: np.ndarray | None = None
    shift: float = 0.0
    mask: np.ndarray | None = None
    values: tuple[np.ndarray, np.ndarray | None] | None = None
    psu_sums: list = field(default_factory=list, repr=False)

    @property
    def n_columns(self) -> int:
        """K, the number of estimates per domain (categories of a proportion, else 1)."""
        return 1 if self.levels is None else max(len(self.levels), 1)

    @property
    def level_columns(self) -> bool:
        """Whether a proportion keeps one product per category (else it sums its codes)."""
        return self.levels is not None and "l0" in self.names

    @property
    def nbytes(self) -> int:
        """Memory held by the products."""
        return self.columns.nbytes + (0 if self.codes is None else self.codes.nbytes)

    def restrict(self, mask: np.ndarray) -> RowProducts:
        """These products on the rows where ``mask`` is true (0 elsewhere; not kept)."""
        return RowProducts(
            request=self.request,
            columns=self.columns * mask,
            names=self.names,
            codes=self.codes,
            levels=self.levels,
            shift=self.shift,
            mask=mask,
            values=self.values,
        )

    def position(self, name: str) -> int | None:
        """Row of product ``name`` in ``columns``, None when it is not kept."""
        return self.names.index(name) if name in self.names else None

    def column(self, name: str) -> np.ndarray | None:
        """Product ``name`` (a row of ``columns``), None when it is not kept."""
        position = self.position(name)
        return None if position is None else self.columns[position]

    def analysed_codes(self) -> np.ndarray:
        """Category codes of a proportion, -1 where missing or outside ``where``."""
        if self.mask is None:
            return self.codes
        return np.where(self.mask, self.codes, -1)

    def valid(self) -> np.ndarray:
        """Whether each row counts for the request (a value, and inside ``where``)."""
        return self.column("n") > 0

    def positive(self) -> np.ndarray:
        """Valid rows of positive weight (those counted in ``n_unweighted``)."""
        return (self.column("p") if "p" in self.names else self.column("n")) > 0


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


def row_products(design: Design, request: Request | ValuesRequest) -> RowProducts:
    """The row products of ``request`` on ``design`` (those of a column request are kept by
    the engine for later calls).

    Raises
    ------
    VariableError
        A variable is unknown (close names suggested) or, except for a proportion, not
        numeric.
    """
    if isinstance(request, ValuesRequest):
        return _numeric_products(design.weights, request, request.numerator, request.valid,
                                 request.denominator, values=True)
    kept = engine_cache(design).products
    hit = kept.get(request)
    if hit is not None:
        return hit
    if request.kind == "proportion":
        products = _proportion_products(design, request)
    else:
        y = numeric_column(design, request.variable, request.kind)
        valid = ~np.isnan(y)
        x = None
        if request.kind == "ratio":
            x = numeric_column(design, request.denominator, request.kind)
            valid &= ~np.isnan(x)
        products = _numeric_products(design.weights, request, y, valid, x)
    return kept.put(request, products)


def _proportion_products(design: Design, request: Request) -> RowProducts:
    """``w``, ``n`` and ``w 1[y = l]`` per category (written in place into one array)."""
    w = design.weights
    codes, levels = design.codes(request.variable, role="analysis")
    valid = codes >= 0
    few = len(levels) <= LEVEL_COLUMNS  # one product per category, summed like the others
    names = ["w", "n"] + ([f"l{k}" for k in range(len(levels))] if few else [])
    columns = _products_array(names, w, valid)
    np.multiply(w, valid, out=columns[0])
    columns[1] = valid
    if few:
        for k in range(len(levels)):
            np.multiply(w, codes == k, out=columns[2 + k])
    return RowProducts(request=request, columns=columns, names=tuple(names), codes=codes,
                       levels=levels)


def _numeric_products(w: np.ndarray, request, y: np.ndarray, valid: np.ndarray,
                      x: np.ndarray | None, values: bool = False) -> RowProducts:
    """The products of a mean, total or ratio (``x`` given) of the values ``y`` on the
    ``valid`` rows, written in place into one (m, N) array: few large temporaries.
    ``values`` keeps ``y`` and ``x`` with the products (values that are not columns)."""
    ratio = x is not None
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
    return RowProducts(request=request, columns=columns, names=tuple(names), shift=shift,
                       values=(y, x) if values else None)


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


def analysed_products(
    design: Design, requests: list[Request | ValuesRequest], mask: np.ndarray | None = None
) -> list[RowProducts]:
    """The row products of the requests, restricted to the rows where ``mask`` is true (the
    products multiplied by the mask, once for all the partitions of a call)."""
    products = [row_products(design, request) for request in requests]
    if mask is None:
        return products
    return [p.restrict(mask) for p in products]
