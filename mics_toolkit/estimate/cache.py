"""The estimation engine's cache: what it keeps about a design between calls.

A table asks many variables over the same domains, and an analyst asks one variable over many
domains; the engine keeps, per design, the domain partitions of ``by`` variables, the cells of
the last partitions, the row products of the last requests (within a memory budget), the rows
of the last variables asked for quantiles sorted by value, and the design-only parts of a
calibrated variance. The cache belongs to the engine: it is created here on first use, is
reachable only through :func:`engine_cache`, and is dropped with its design (a weak
reference), so no design field is ever written by estimation.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["EngineCache", "Recent", "engine_cache"]

Value = TypeVar("Value")

# Partitions and row products kept per design.
PARTITIONS_KEPT = 16
PRODUCTS_KEPT = 16
PRODUCT_BYTES_KEPT = 256 * 2**20  # at most this much memory in row products per design
VALUE_ROWS_KEPT = 8  # variables whose rows sorted by value are kept per design (quantiles)


class Recent(Generic[Value]):
    """The most recently stored values, oldest out first, within a count and a byte budget.

    Parameters
    ----------
    size : int
        Values kept at most.
    budget : int, optional
        Sum of ``nbytes(value)`` kept at most (the newest value is always kept).
    nbytes : callable, optional
        Memory of a value, for the budget.
    """

    def __init__(self, size: int, budget: int | None = None,
                 nbytes: Callable[[Any], int] | None = None) -> None:
        self.size = size
        self.budget = budget
        self.nbytes = nbytes
        self._items: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable) -> Value | None:
        """The value stored under ``key``, or None."""
        return self._items.get(key)

    def put(self, key: Hashable, value: Value) -> Value:
        """Store ``value`` under ``key``, dropping the oldest values beyond the limits."""
        items = self._items
        items.pop(key, None)
        while items and (len(items) >= self.size or self._over_budget(value)):
            items.popitem(last=False)
        items[key] = value
        return value

    def _over_budget(self, value: Value) -> bool:
        if self.budget is None or self.nbytes is None:
            return False
        used = sum(self.nbytes(v) for v in self._items.values())
        return used + self.nbytes(value) > self.budget

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def values(self) -> list[Value]:
        """The values kept, oldest first."""
        return list(self._items.values())


@dataclass(eq=False)
class EngineCache:
    """What the engine keeps about one design.

    Attributes
    ----------
    domains : dict
        ``by`` names -> (read-only domain code of each row, table of domain values).
    all_rows : numpy.ndarray or None
        The one-domain partition (every row in domain 0), read-only.
    partitions : Recent
        Cells of the last domain partitions, keyed by the identity of their read-only
        domain array (:func:`mics_toolkit.estimate.cells.partition_of`).
    products : Recent
        Row products of the last requests (:func:`mics_toolkit.estimate.products.row_products`),
        within :data:`PRODUCT_BYTES_KEPT`.
    value_rows : Recent
        The rows of the last variables asked for quantiles, sorted by value
        (:mod:`mics_toolkit.estimate.quantiles`), within :data:`PRODUCT_BYTES_KEPT`.
    calibration : object or None
        Design-only parts of the calibrated variance
        (:mod:`mics_toolkit.estimate.calibrated_variance`).
    degrees_of_freedom : int or None
        The design degrees of freedom of a replicate design (rank of its weights minus 1).
    """

    domains: dict = field(default_factory=dict)
    all_rows: Any = None
    partitions: Recent = field(default_factory=lambda: Recent(PARTITIONS_KEPT))
    products: Recent = field(
        default_factory=lambda: Recent(PRODUCTS_KEPT, PRODUCT_BYTES_KEPT,
                                       lambda products: products.nbytes)
    )
    value_rows: Recent = field(
        default_factory=lambda: Recent(VALUE_ROWS_KEPT, PRODUCT_BYTES_KEPT,
                                       lambda rows: rows.nbytes)
    )
    calibration: Any = None
    degrees_of_freedom: int | None = None


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def engine_cache(design: object) -> EngineCache:
    """The engine's cache of ``design`` (created on first use, dropped with the design)."""
    cache = _CACHES.get(design)
    if cache is None:
        with _LOCK:
            cache = _CACHES.get(design)
            if cache is None:
                cache = EngineCache()
                _CACHES[design] = cache
    return cache
