"""The index framework: indicators -> sub-domains -> domains -> index, as a validated tree.

:class:`Hierarchy` holds each node's parent and weight, checks the tree once in its
constructor (one root, known parents, no cycle, indicators only as leaves, every group with
children, weights finite and non-negative with a positive sum in each group) and derives
what the pipeline needs: the children of each group, the groups in bottom-up order (every
group after all of its children) and each node's level (indicators are level 1, a group is
one more than its highest child, so unbalanced trees are allowed).

Weights are relative within a group: the pipeline rescales the weights of a group's children
to sum to 1 (over the children with a value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mics_toolkit.errors import SpecError, close_matches

__all__ = ["Hierarchy"]


@dataclass(frozen=True)
class Hierarchy:
    """A tree of indicators (leaves) and groups (sub-domains, domains, the index).

    Parameters
    ----------
    parents : mapping of id -> parent id (None for the root)
        Every node of the tree: indicators and groups.
    indicators : sequence of str
        The ids that are indicators (leaves), in the order used for arrays.
    weights : mapping of id -> float, optional
        Weight of each node within its parent's group (default 1; the root's is unused).

    Attributes
    ----------
    root : str
    groups : tuple of str
        Group ids in bottom-up order (children before parents; the root last).
    children : dict of str -> tuple of str
        Children of each group, in the order the nodes were given.
    level : dict of str -> int
        1 for indicators; a group is one more than its highest child.

    Raises
    ------
    SpecError
        Two roots or none, an unknown parent (close ids suggested), a cycle (the message
        lists it), an indicator used as a parent, a group without children, or a negative,
        non-finite or all-zero weight; ``key`` names the node.

    Examples
    --------
    >>> tree = Hierarchy({"I": None, "D": "I", "a": "D", "b": "D"}, indicators=["a", "b"])
    >>> tree.groups, tree.children["D"], tree.level["I"]
    (('D', 'I'), ('a', 'b'), 3)
    """

    parents: Mapping[str, str | None]
    indicators: Sequence[str]
    weights: Mapping[str, float] | None = None

    root: str = field(init=False)
    groups: tuple[str, ...] = field(init=False)
    children: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    level: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        parents = dict(self.parents)
        indicators = tuple(self.indicators)
        weights = {node: 1.0 for node in parents}
        weights.update(dict(self.weights or {}))
        set_(self, "parents", parents)
        set_(self, "indicators", indicators)
        set_(self, "weights", weights)

        for node in indicators:
            if node not in parents:
                raise SpecError(f"indicator {node!r} has no place in the hierarchy", key=node)
        for node in weights:
            if node not in parents:
                raise SpecError(f"weight given for unknown node {node!r}", key=node)
        roots = [node for node, parent in parents.items() if parent is None]
        if len(roots) > 1:
            raise SpecError(
                f"the hierarchy has {len(roots)} roots ({', '.join(map(repr, roots))}); "
                "exactly one node (the index) has no parent",
                key=roots[1],
            )
        for node, parent in parents.items():
            if parent is not None and parent not in parents:
                matches = close_matches(str(parent), [str(p) for p in parents])
                hint = f"; close ids: {', '.join(matches)}" if matches else ""
                raise SpecError(
                    f"node {node!r} has parent {parent!r}, which is not a node of the "
                    f"hierarchy{hint}",
                    key=node,
                )
        cycle = _find_cycle(parents)
        if cycle:
            raise SpecError(
                f"the hierarchy has a cycle: {' -> '.join(cycle)}", key=cycle[0]
            )
        if not roots:  # pragma: no cover - no root implies a cycle, found above
            raise SpecError("the hierarchy has no root (a node without parent)")
        root = roots[0]

        children: dict[str, list[str]] = {node: [] for node in parents}
        for node, parent in parents.items():
            if parent is not None:
                children[parent].append(node)
        leaf_set = set(indicators)
        for node in indicators:
            if children[node]:
                raise SpecError(
                    f"indicator {node!r} is the parent of {', '.join(map(repr, children[node]))}"
                    "; only groups (sub-domains, domains, the index) have children",
                    key=node,
                )
        for node, kids in children.items():
            if node not in leaf_set and not kids:
                raise SpecError(
                    f"group {node!r} has no children: give it indicators or sub-groups, or "
                    "remove it",
                    key=node,
                )

        for node, weight in weights.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not math.isfinite(weight)
                or weight < 0
            ):
                raise SpecError(
                    f"the weight of {node!r} is {weight!r}; weights must be finite and >= 0",
                    key=node,
                )
            weights[node] = float(weight)
        for node, kids in children.items():
            if kids and sum(weights[k] for k in kids) <= 0:
                raise SpecError(
                    f"the weights of the children of {node!r} are all 0", key=node
                )

        level: dict[str, int] = {}

        def depth(node: str) -> int:
            if node not in level:
                kids = children[node]
                level[node] = 1 if not kids else 1 + max(depth(k) for k in kids)
            return level[node]

        depth(root)
        unreachable = [n for n in parents if n not in level]
        if unreachable:  # pragma: no cover - every node leads to the single root
            raise SpecError(f"nodes not under the root: {unreachable}", key=unreachable[0])
        groups = [n for n in parents if n not in leaf_set]
        groups.sort(key=lambda n: level[n])
        set_(self, "root", root)
        set_(self, "groups", tuple(groups))
        set_(self, "children", {n: tuple(k) for n, k in children.items() if n not in leaf_set})
        set_(self, "level", level)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Indicators then groups (bottom-up): the order of the pipeline's node arrays."""
        return self.indicators + self.groups

    def ancestors(self, node: str) -> tuple[str, ...]:
        """Parent, grandparent, ... up to the root."""
        out = []
        parent = self.parents[node]
        while parent is not None:
            out.append(parent)
            parent = self.parents[parent]
        return tuple(out)

    def leaves_under(self, node: str) -> tuple[str, ...]:
        """The indicators under ``node`` (itself for an indicator)."""
        if node not in self.children:
            return (node,)
        out: list[str] = []
        for child in self.children[node]:
            out.extend(self.leaves_under(child))
        return tuple(out)


def _find_cycle(parents: Mapping[str, str | None]) -> list[str]:
    """A cycle of the parent links as a list of ids (first id repeated last), or []."""
    state: dict[str, int] = {}
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parents.get(node)
        if node is not None and state.get(node) == 1:
            cycle = [*path[path.index(node):], node]
            return [str(n) for n in cycle]
        for n in path:
            state[n] = 2
    return []
