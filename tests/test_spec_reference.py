"""``docs/specs.md`` documents every key the spec checkers accept (report specs, index specs and
the index methods' parameters), and the README links to it: the keys are read from the
checkers' source, so a key added to a checker without a line in the reference fails here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "specs.md"

# modules whose check.mapping(...) calls list the keys of report and index specs
CHECKED = ("mics_toolkit.report.spec", "mics_toolkit.index.yaml_spec", "mics_toolkit.index.spec")
# modules whose from_dict checks the keys of an index method by hand
METHODS = ("mics_toolkit.index.normalise", "mics_toolkit.index.aggregate",
           "mics_toolkit.index.missing", "mics_toolkit.index.outliers")


def _strings(node: ast.AST, module, scope: dict[str, ast.AST], owner: str | None) -> set[str]:
    """The keys an ``allowed`` argument names: a literal tuple, a module constant, a class
    attribute (``cls._FIELDS``), a local assignment, either side of a conditional, or a
    starred ``_PARAMETERS[...]`` (every method's parameters)."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else set()
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_strings(e, module, scope, owner) for e in node.elts))
    if isinstance(node, ast.Starred) and isinstance(node.value, ast.Subscript):
        table = getattr(module, node.value.value.id)
        return {key for keys in table.values() for key in keys}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, module, scope, owner) | _strings(node.orelse, module, scope,
                                                                    owner)
    if isinstance(node, ast.Name):
        if node.id in scope:
            return _strings(scope[node.id], module, scope, owner)
        return set(getattr(module, node.id))
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return set(getattr(getattr(module, owner), node.attr))
    raise AssertionError(f"{module.__name__}: cannot read the keys of {ast.dump(node)}")


def _functions(tree: ast.Module):
    """(function, name of its class or None) for every function of a module."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield item, node.name


def accepted_keys() -> set[str]:
    keys: set[str] = set()
    for name in CHECKED + METHODS:
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for function, owner in _functions(tree):
            scope = {target.id: node.value for node in ast.walk(function)
                     if isinstance(node, ast.Assign) for target in node.targets
                     if isinstance(target, ast.Name)}
            for node in ast.walk(function):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "mapping" and len(node.args) >= 3
                        and not (isinstance(node.args[2], ast.Constant)
                                 and node.args[2].value is None)):
                    keys |= _strings(node.args[2], module, scope, owner)
                if name in METHODS and function.name == "from_dict":
                    if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.NotIn):
                        keys |= _strings(node.comparators[0], module, scope, owner)
    return keys


def test_the_keys_are_read_from_the_checkers():
    keys = accepted_keys()
    # a sample from each level: report top level, columns, weighting; index file, data,
    # indicators, uncertainty, sensitivity sources; method parameters
    assert {"title", "survey_config", "not_applicable", "weighted", "bounds", "region_labels",
            "se_suffix", "n_boot", "treat_outliers", "rank_level", "perturbation",
            "goalposts", "min_available", "kurtosis_threshold", "groups"} <= keys


@pytest.mark.parametrize("key", sorted(accepted_keys()))
def test_every_accepted_key_is_documented(key):
    assert f"`{key}`" in REFERENCE.read_text(encoding="utf-8"), (
        f"docs/specs.md does not document the key {key!r}")


def test_the_readme_links_the_reference():
    assert "(docs/specs.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
