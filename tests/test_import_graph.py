"""The package's import graph: no cycle, and the layers of docs/architecture.md.

Every module under urbangeo/ is parsed with ``ast``; every ``import`` and ``from ... import``
counts, at module level, inside functions and under ``if TYPE_CHECKING:`` alike (an import
moved into a function to dodge a cycle is still a cycle). Relative imports are resolved;
``from package import name`` counts as an import of ``package.name`` when that is a module,
else of ``package``. Importing ``urbangeo.a.b`` is not counted as importing ``urbangeo.a``
(Python runs the package's ``__init__`` too, but every module would otherwise depend on
``urbangeo/__init__.py``, which imports everything). Imports by name at run time
(``importlib.import_module``, used only by the package's lazy attributes and the QGIS
provider) are not seen.

Layers (docs/architecture.md): front ends (the packages ``urbangeo.cli``, ``urbangeo.qgis``) > wings
(``accessibility``, ``subsidence``, ``landuse``) > core (the modules directly in
``urbangeo/`` except ``__init__`` and ``__main__``). A wing never imports a front
end; the core never imports a wing or a front end; a wing imports another wing only
through :data:`ALLOWED_WING_IMPORTS`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import urbangeo

PACKAGE = Path(urbangeo.__file__).resolve().parent
WINGS = ("urbangeo.accessibility", "urbangeo.subsidence", "urbangeo.landuse")
FRONT_ENDS = ("urbangeo.cli", "urbangeo.qgis")

#: The one exception to "no wing imports another wing" in docs/architecture.md: subsidence.parks
#: may call the public accessibility package for park service areas (never its private modules).
ALLOWED_WING_IMPORTS = {
    ("urbangeo.subsidence.parks", "urbangeo.accessibility"),
}

#: Imports that break a rule today and are being fixed elsewhere in issue 13, as
#: (importer, imported). Each one must still exist and still break a rule (lie on a cycle or
#: cross a layer): once it is fixed, the test fails until the entry is removed here.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def _resolve(base: str, names: list[str], modules: dict[str, Path]) -> set[str]:
    """Modules imported by ``from base import names`` (``base`` absolute)."""
    out = set()
    for name in names:
        if f"{base}.{name}" in modules:
            out.add(f"{base}.{name}")
        elif base in modules:
            out.add(base)
    return out


def _imports(name: str, modules: dict[str, Path]) -> set[str]:
    """urbangeo modules that ``name`` imports anywhere in its source."""
    tree = ast.parse(modules[name].read_text(encoding="utf-8"), filename=str(modules[name]))
    package = name.split(".") if _is_package(name, modules) else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                while target and target not in modules:  # import urbangeo.a.b.func-like paths
                    target = target.rpartition(".")[0]
                if target.startswith("urbangeo"):
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                keep = len(package) - (node.level - 1)
                assert keep > 0, f"{name}: relative import beyond the package: {ast.unparse(node)}"
                base = ".".join(package[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base == "urbangeo" or base.startswith("urbangeo."):
                found |= _resolve(base, [a.name for a in node.names], modules)
    found.discard(name)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, modules) for name in modules}


def _edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, targets in graph.items() for b in targets}


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (each holds a cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan; the package has < 200 modules, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(set(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return components


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle path (first module repeated at the end) per strongly connected component."""
    return [_cycle_path(graph, comp) for comp in _components(graph)]


def _cycle_path(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    """A shortest cycle through the alphabetically first module of a strongly connected component."""
    start = min(comp)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & comp):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle through {start} in {sorted(comp)}")  # pragma: no cover


def _kind(name: str) -> str:
    if name in ("urbangeo", "urbangeo.__main__"):
        return "top"
    if any(name == f or name.startswith(f + ".") for f in FRONT_ENDS):
        return "front end"
    if any(name == w or name.startswith(w + ".") for w in WINGS):
        return "wing"
    return "core"


def _wing(name: str) -> str:
    return next(w for w in WINGS if name == w or name.startswith(w + "."))


def _layer_problem(importer: str, imported: str) -> str | None:
    """Why ``importer`` must not import ``imported``, or None."""
    a, b = _kind(importer), _kind(imported)
    if a == "core" and b in ("wing", "front end"):
        return f"the core never imports a {b}"
    if a == "wing" and b == "front end":
        return "a wing never imports a front end"
    if (a == "wing" and b == "wing" and _wing(importer) != _wing(imported)
            and (importer, imported) not in ALLOWED_WING_IMPORTS):
        return f"a wing imports another wing only as docs/architecture.md allows ({sorted(ALLOWED_WING_IMPORTS)})"
    return None


def _show(edges: set[tuple[str, str]]) -> str:
    return "\n".join(f"  {a} -> {b}" for a, b in sorted(edges))


def test_the_graph_is_read(graph):
    """The parser sees absolute, relative, function-level and package imports."""
    assert len(graph) > 40
    edges = _edges(graph)
    assert ("urbangeo.io", "urbangeo._schema") in edges  # from . import _postgis, _schema
    assert ("urbangeo._postgis", "urbangeo._schema") in edges
    assert ("urbangeo.landuse.screening", "urbangeo.landuse._dispatch") in edges
    assert ("urbangeo.landuse.screening", "urbangeo.crs") in edges  # from ..crs import ...
    assert all(b in graph for _a, b in edges)


def test_no_import_cycle(graph):
    pruned = {a: {b for b in targets if (a, b) not in KNOWN_VIOLATIONS} for a, targets in graph.items()}
    cycles = _cycles(pruned)
    assert not cycles, "import cycles among urbangeo modules (make the imports go one way):\n" + "\n".join(
        "  " + " -> ".join(c) for c in cycles
    )


def test_layers(graph):
    bad = {
        (a, b): why
        for a, b in _edges(graph)
        if (why := _layer_problem(a, b)) is not None and (a, b) not in KNOWN_VIOLATIONS
    }
    assert not bad, "imports against the layers of docs/architecture.md:\n" + "\n".join(
        f"  {a} -> {b}: {why}" for (a, b), why in sorted(bad.items())
    )


def test_known_violations_are_still_needed(graph):
    edges = _edges(graph)
    # an import a -> b lies on a cycle when a and b are in one strongly connected component
    on_cycle = {(a, b) for a, b in edges if any(a in c and b in c for c in _components(graph))}
    gone = {e for e in KNOWN_VIOLATIONS if e not in edges}
    fixed = {e for e in KNOWN_VIOLATIONS - gone if _layer_problem(*e) is None and e not in on_cycle}
    assert not gone, "KNOWN_VIOLATIONS lists imports that no longer exist; remove them:\n" + _show(gone)
    assert not fixed, "KNOWN_VIOLATIONS lists imports that break no rule any more; remove them:\n" + _show(fixed)


def test_allowed_wing_imports_are_real(graph):
    """An allowed exception that nobody uses any more should be removed from the list (and the docs)."""
    unused = ALLOWED_WING_IMPORTS - _edges(graph)
    assert not unused, "ALLOWED_WING_IMPORTS lists imports that no longer exist:\n" + _show(unused)


def test_the_rules_themselves():
    """The checks flag what they should on small made-up cases."""
    assert _layer_problem("urbangeo.crs", "urbangeo.landuse.codes") == "the core never imports a wing"
    assert _layer_problem("urbangeo.io", "urbangeo.cli") == "the core never imports a front end"
    assert _layer_problem("urbangeo.landuse.screening", "urbangeo.qgis.provider") == "a wing never imports a front end"
    assert _layer_problem("urbangeo.subsidence.parks", "urbangeo.accessibility") is None  # the allowed exception
    assert _layer_problem("urbangeo.subsidence.parks", "urbangeo.accessibility.snapping") is not None  # private
    assert _layer_problem("urbangeo.subsidence.pim", "urbangeo.accessibility") is not None
    assert _layer_problem("urbangeo.cli", "urbangeo.landuse") is None
    assert _layer_problem("urbangeo.cli.landuse", "urbangeo.landuse") is None  # a module of the cli package
    assert _layer_problem("urbangeo.landuse.blocks", "urbangeo.cli._run") == "a wing never imports a front end"
    assert _layer_problem("urbangeo.landuse.blocks", "urbangeo.landuse._dispatch") is None
    made_up = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert _cycles(made_up) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
