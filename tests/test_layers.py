"""Every module imports only from its own package or from packages to its left in the data
flow (style.md section 1): errors, expr/specfile, io -> design -> estimate -> indicators ->
tables | index -> report -> cli. tables and index are siblings and never import each other;
expr and specfile sit at the bottom beside io and import neither io nor each other. Absolute
and relative imports count, at module level and inside functions, and no module reaches
itself again through its imports (no import loop, hidden or not)."""

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
    "__main__": 8,
}
SIBLINGS = {("tables", "index"), ("index", "tables"), ("io", "expr"), ("expr", "io"),
            ("expr", "specfile"), ("specfile", "expr"), ("specfile", "io")}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = ("mics_toolkit", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _target(name: str) -> str:
    """The module a dotted name means: a module file or a package."""
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    if (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative /
                                                             "__init__.py").exists():
        return name
    return name.rsplit(".", 1)[0]


def _imports(module_path: Path, own: str | None = None) -> list[str]:
    """The package's modules imported by ``module_path`` (module ``own``, by default its
    name in the package): absolute and relative, at module level and inside functions;
    ``from package import name`` counts as ``package.name`` when that is a module."""
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    own = own or _module_name(module_path)
    package = own if _is_package(module_path) else own.rsplit(".", 1)[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source != "mics_toolkit" and not source.startswith("mics_toolkit."):
                continue
            for alias in node.names:
                names.append(_target(f"{source}.{alias.name}"))
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names
                         if alias.name == "mics_toolkit" or alias.name.startswith("mics_toolkit."))
    return names


def _part(module_path: Path) -> str:
    relative = module_path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_left_only(module):
    part = _part(module)
    assert part in RANK, f"unknown top-level part {part!r}: add it to RANK"
    for name in _imports(module):
        pieces = name.split(".")
        if len(pieces) == 1:
            assert part in ("__init__", "__main__"), f"{module} imports the package root"
            continue
        target = pieces[1]
        if target == part:
            continue
        assert (part, target) not in SIBLINGS, f"{module} imports its sibling {target}"
        assert RANK[target] <= RANK[part], f"{module} imports {name}, a layer to its right"


def test_no_import_loops():
    graph = {_module_name(path): set(_imports(path)) for path in MODULES}
    # a package's __init__ is reached whenever one of its modules is imported
    for name in list(graph):
        pieces = name.split(".")
        for depth in range(1, len(pieces)):
            parent = ".".join(pieces[:depth])
            if parent in graph and parent != name:
                graph[name].add(parent)
    loops = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if target == name or _is_ancestor(target, name):
                continue  # a module's own package is being imported already
            if state.get(target) == 1:
                loops.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not loops, "import loops:\n" + "\n".join(loops)


def _is_ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_relative_and_function_level_imports_are_seen(tmp_path):
    names = _imports(PACKAGE / "estimate" / "engine.py")
    assert "mics_toolkit.estimate.ratios" in names and "mics_toolkit.design" in names
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..report import excel\n    from . import cells\n")
    names = _imports(probe, own="mics_toolkit.estimate.probe")
    assert names == ["mics_toolkit.report.excel", "mics_toolkit.estimate.cells"]


def test_no_grab_bag_modules():
    banned = {"utils.py", "helpers.py", "common.py", "misc.py"}
    assert not [p for p in MODULES if p.name in banned]


def test_engine_caches_are_written_only_in_estimate():
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        if _part(path) != "estimate":
            assert "engine_cache" not in text, f"{path} reaches into the engine's cache"
        if path != PACKAGE / "design" / "design.py":
            assert "_memo" not in text, f"{path} writes the design's own memo"


def test_input_errors_are_project_exceptions():
    # builtins are kept for bugs (an internal numerical step that cannot fail on valid data);
    # every problem of a caller's input raises a MicsError subclass, which the command line
    # prints as one line with exit status 2
    allowed = {("estimate/chisquare_sums.py", "ValueError"),
               ("estimate/scores.py", "ValueError"),  # a statistic's module misusing it
               ("estimate/replicate_variance.py", "ValueError"),
               ("design/replicates.py", "ValueError")}
    found = []
    for path in MODULES:
        relative = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", None)
                if name in ("TypeError", "ValueError", "KeyError", "IndexError"):
                    if (relative, name) not in allowed:
                        found.append(f"{relative}:{node.lineno} {name}")
    assert not found, found
