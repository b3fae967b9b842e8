"""The layout is the architecture: imports go one way (ways in → domain → core → checker/reports), nothing
imports in a cycle, and the ways in (routes, web, cli, jobs) never call each other. Every import counts,
including those inside functions, so a cycle cannot hide in a lazy import."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "checker", "reports")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or "test_" in path.name:
                continue
            found[_module_name(path)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` refers to (a module, or the package holding an imported name)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved and resolved != name and not name.startswith(resolved + "."):
                    graph[name].add(resolved)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    assert _cycles(import_graph()) == []


def _room(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "api":
        return parts[0]
    return "api." + parts[1] if len(parts) > 1 else "api"


# What each room may import (besides itself). api.app is the composition root: it wires everything.
ALLOWED = {
    "checker": {"checker"},
    "reports": {"reports", "checker"},
    "api.core": {"api.core", "checker"},
    "api.domain": {"api.domain", "api.core", "checker", "reports"},
    "api.http": {"api.http", "api.domain", "api.core", "checker"},
    "api.routes": {"api.routes", "api.http", "api.domain", "api.core", "checker", "reports"},
    "api.web": {"api.web", "api.http", "api.domain", "api.core", "checker", "reports"},
    "api.jobs": {"api.jobs", "api.domain", "api.core", "checker"},
    # The CLI starts the service and its workers: it may reach the composition root and the job back ends.
    "api.cli": {"api.cli", "api.app", "api.jobs", "api.http", "api.domain", "api.core", "checker", "reports"},
}


def test_each_room_imports_only_what_lies_beneath_it():
    graph = import_graph()
    wrong = []
    for module, targets in sorted(graph.items()):
        room = _room(module)
        if room in ("api", "api.app"):
            continue
        for target in sorted(targets):
            if _room(target) not in ALLOWED[room]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_api_root_holds_only_the_composition_root():
    assert sorted(p.name for p in (ROOT / "api").glob("*.py")) == ["__init__.py", "app.py"]
