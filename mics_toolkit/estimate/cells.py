"""Cells: the (domain, PSU) pairs of a domain partition and the sums of row products over them.

A domain partition (the ``by`` variables) gives each row a domain code (-1 outside every
domain). Its cells are the (domain, PSU) pairs holding rows, found once per partition and
kept by the engine (:mod:`mics_toolkit.estimate.cache`). When every PSU lies in a single
domain (area and region in a survey stratified by them, or no ``by`` at all) the cells are
PSUs and the cell sums of a request's products are its PSU sums, computed once per request
and shared by every such partition; otherwise one ``bincount`` per product runs over the rows.
Everything a statistic needs from the data reaches it as cell sums: the stratified variance
works on cells, replicate totals multiply them by PSU factors, and the sums scale out (they
add across chunks of rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mics_toolkit.design import Design
from mics_toolkit.estimate.cache import engine_cache
from mics_toolkit.estimate.products import RowProducts

__all__ = ["Partition", "cell_sums", "partition_of"]

# Largest domains x PSUs grid for which cells are found with a dense bincount.
DENSE_CELL_LIMIT = 4_000_000


@dataclass(frozen=True, eq=False)
class Partition:
    """The (domain, PSU) cells of a domain partition.

    Attributes
    ----------
    domain : numpy.ndarray
        Domain of each row (-1 outside every domain), read-only.
    n_domains : int
        G.
    cell_domain, cell_psu : numpy.ndarray, shape (C,)
        Domain and PSU of each cell holding rows, PSU-major.
    row_cell : numpy.ndarray or None
        Cell of each row (C for rows outside every domain); None when every PSU lies in one
        domain, where the cells are PSUs.
    n_psu : int
        P, the number of PSUs of the design.
    """

    domain: np.ndarray
    n_domains: int
    cell_domain: np.ndarray
    cell_psu: np.ndarray
    row_cell: np.ndarray | None
    n_psu: int

    @property
    def n_cells(self) -> int:
        """Number of cells C."""
        return len(self.cell_domain)

    def by_domain(self, cell_values: np.ndarray) -> np.ndarray:
        """Sum a (C, K) array of cell values to a (G, K) array of domain values."""
        out = np.empty((self.n_domains, cell_values.shape[1]))
        for k in range(cell_values.shape[1]):
            out[:, k] = np.bincount(self.cell_domain, weights=cell_values[:, k],
                                    minlength=self.n_domains)
        return out

    def dense(self, cell_values: np.ndarray) -> np.ndarray:
        """A (C, K) array of cell values as a (P, G K) array of PSU values, column
        ``g K + k`` (0 for PSUs without rows of domain g)."""
        n_vars = cell_values.shape[1]
        out = np.zeros((self.n_psu, self.n_domains * n_vars))
        columns = self.cell_domain[:, None] * n_vars + np.arange(n_vars)[None, :]
        out[self.cell_psu[:, None], columns] = cell_values
        return out


def partition_of(design: Design, domain: np.ndarray, n_domains: int) -> Partition:
    """The cells of the partition ``domain`` (codes ``0 .. n_domains - 1``, -1 outside).

    The cells of a read-only domain array (a cached ``by`` partition) are kept by the engine
    for the last few partitions.
    """
    kept = engine_cache(design).partitions
    token = (id(domain), n_domains) if not domain.flags.writeable else None
    if token is not None:
        hit = kept.get(token)
        if hit is not None and hit.domain is domain:
            return hit
    psu = design.psu_index
    n_psu = design.n_psu_total
    if domain is engine_cache(design).all_rows:  # one domain of every row: the cells are PSUs
        partition = Partition(domain, 1, np.zeros(n_psu, dtype=np.intp),
                              np.arange(n_psu, dtype=np.intp), None, n_psu)
        kept.put(token, partition)
        return partition
    owner = np.full(n_psu, -2, dtype=np.intp)
    owner[psu] = domain
    if np.array_equal(owner[psu], domain):
        # every PSU lies in a single domain (or in none): the cells are PSUs
        cell_psu = np.flatnonzero(owner >= 0)
        partition = Partition(domain, n_domains, owner[cell_psu], cell_psu, None, n_psu)
    else:
        inside = domain >= 0
        everywhere = bool(inside.all())
        key = psu.astype(np.int64)  # becomes the (PSU, domain) key, then the cell, in place
        key *= n_domains
        key += domain
        key_inside = key if everywhere else key[inside]
        grid = n_domains * n_psu
        if grid <= max(DENSE_CELL_LIMIT, 4 * len(key_inside)):
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
            n_psu,
        )
    if token is not None:
        kept.put(token, partition)
    return partition


def cell_sums(
    design: Design, partition: Partition, products: RowProducts
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cell sums (C, m) of the products and, for a proportion that sums its codes, (C, L) of
    ``w 1[y = l]``."""
    columns = products.columns
    if partition.row_cell is None:
        sums, levels = _psu_sums(design, partition, products)
        return sums[partition.cell_psu], (None if levels is None
                                          else levels[partition.cell_psu])
    n_cells = partition.n_cells
    row_cell = partition.row_cell
    sums = np.empty((n_cells, len(columns)))
    for j, column in enumerate(columns):
        sums[:, j] = np.bincount(row_cell, weights=column, minlength=n_cells + 1)[:n_cells]
    levels = None
    if products.levels is not None and not products.level_columns:
        levels = level_sums(row_cell, products.analysed_codes(), design.weights, n_cells + 1,
                            products.n_columns)[:n_cells]
    return sums, levels


def _psu_sums(design: Design, partition: Partition, products: RowProducts):
    """PSU sums of the products (and category sums), computed once per products object and
    shared by every PSU-level partition of a call (kept with the unfiltered products)."""
    found = products.psu_sums
    if found:
        return found[0]
    columns = products.columns
    psu = design.psu_index
    n_psu = design.n_psu_total
    sums = np.empty((n_psu, len(columns)))
    for j, column in enumerate(columns):
        sums[:, j] = np.bincount(psu, weights=column, minlength=n_psu)
    levels = None
    if products.levels is not None and not products.level_columns:
        levels = level_sums(psu, products.analysed_codes(), design.weights, n_psu,
                            products.n_columns)
    found.append((sums, levels))
    return sums, levels


def level_sums(group, codes, weights, n_groups, n_levels) -> np.ndarray:
    """``sum w 1[code = l]`` per group and category in one pass (codes -1 left out)."""
    ok = codes >= 0
    if ok.all():
        key, w = group * n_levels + codes, weights
    else:
        key, w = group[ok] * n_levels + codes[ok], weights[ok]
    return np.bincount(key, weights=w, minlength=n_groups * n_levels).reshape(
        n_groups, n_levels
    )
