"""Every module imports only from its own package or from packages to its left in the data
flow (style.md section 1): errors, expr/specfile, io -> design -> estimate -> indicators ->
tables | index -> report -> cli. tables and index are siblings and never import each other;
expr and specfile sit at the bottom beside io and import neither io nor each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mics_toolkit"

# rank of each top-level part; a module may import parts of lower or equal rank only
RANK = {
    "errors": 0,
    "expr": 1,
    "specfile": 1,
    "io": 1,
    "design": 2,
    "estimate": 3,
    "indicators": 4,
    "tables": 5,
    "index": 5,
    "report": 6,
    "cli": 7,
    "__init__": 8,
}
SIBLINGS = {("tables", "index"), ("index", "tables"), ("io", "expr"), ("expr", "io"),
            ("expr", "specfile"), ("specfile", "expr"), ("specfile", "io")}


def _part(module_path: Path) -> str:
    relative = module_path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imports(module_path: Path) -> list[str]:
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n == "mics_toolkit" or n.startswith("mics_toolkit.")]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_left_only(module):
    part = _part(module)
    assert part in RANK, f"unknown top-level part {part!r}: add it to RANK"
    for name in _imports(module):
        pieces = name.split(".")
        if len(pieces) == 1:
            assert part == "__init__", f"{module} imports the package root"
            continue
        target = pieces[1]
        if target == part:
            continue
        assert (part, target) not in SIBLINGS, f"{module} imports its sibling {target}"
        assert RANK[target] <= RANK[part], f"{module} imports {name}, a layer to its right"


def test_no_grab_bag_modules():
    banned = {"utils.py", "helpers.py", "common.py", "misc.py"}
    assert not [p for p in MODULES if p.name in banned]
