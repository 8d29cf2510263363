"""The rules of the house, checked on every module of ``observatory/`` and ``etl/`` (as owid/etl does).

Every import counts, lazy ones included (an import inside a function is a dependency too). The
layers, bottom to top: core (vocabulary, settings, formatting) ← stats ← the data interface ←
views and figures ← exports ← web routes and Dash pages ← the app factory. What is checked:

- no circle between modules;
- core imports nothing of the project but core;
- stats imports only core and stats (the data handle is a Protocol, ``stats.engine.DataSource``);
- figures import only core and figures;
- views import no Dash, no Flask, nothing of the pages, the web routes or the exports;
- the app imports ``etl`` from ``observatory/startup.py`` only (the first start);
- ``etl`` imports only core, stats and the Spark reader;
- export.py and datapackage.py do not import each other (the file formats live in formats.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("observatory", "etl")

CORE = {
    "observatory.config", "observatory.reference", "observatory.i18n", "observatory.classify",
    "observatory.urlstate", "observatory.lru", "observatory.files",
}  # fmt: skip
UI_AND_WEB = {
    "observatory.pages", "observatory.layout", "observatory.callbacks", "observatory.callback_guard",
    "observatory.api", "observatory.api_findings", "observatory.apidoc", "observatory.openapi",
    "observatory.paging", "observatory.embed", "observatory.geo_routes", "observatory.security",
    "observatory.memory", "observatory.app_factory", "observatory.health", "observatory.heavy",
    "observatory.ids", "observatory.not_found",
    "observatory.api_http", "observatory.api_params", "observatory.api_ranks", "observatory.api_reference",
    "observatory.api_tables", "observatory.api_territories",
    "observatory.callbacks_compare", "observatory.callbacks_diagnostics", "observatory.callbacks_inputs",
    "observatory.callbacks_map", "observatory.callbacks_profile", "observatory.callbacks_search",
}  # fmt: skip
EXPORTS = {
    "observatory.export", "observatory.export_columns", "observatory.export_tables", "observatory.datapackage",
    "observatory.datapackage_fields", "observatory.formats", "observatory.pdf",
}  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for top in PROJECT:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imported(name: str) -> set[str]:
    """Every module of the project (or outside package) that ``name`` imports, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


GRAPH = {name: {m for m in imported(name) if m in MODULES} for name in MODULES}
EXTERNAL = {name: {m.split(".")[0] for m in imported(name) if m.split(".")[0] not in PROJECT} for name in MODULES}


def within(name: str, group: set[str]) -> bool:
    return any(name == g or name.startswith(g + ".") for g in group)


def test_the_graph_is_read():
    assert len(MODULES) > 60 and "observatory.stats.engine" in GRAPH["observatory.service"]


def test_no_circle_between_modules():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if within(n, CORE)))
def test_core_imports_nothing_of_the_project_but_core(name):
    assert {m for m in GRAPH[name] if not within(m, CORE)} == set()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory.stats")))
def test_stats_import_only_core_and_stats(name):
    assert {m for m in GRAPH[name] if not (within(m, CORE) or m.startswith("observatory.stats"))} == set()
    assert not EXTERNAL[name] & {"dash", "flask", "plotly"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory.figures")))
def test_figures_import_only_core_and_figures(name):
    assert {m for m in GRAPH[name] if not (within(m, CORE) or m.startswith("observatory.figures"))} == set()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory.views")))
def test_views_are_pure_view_models(name):
    assert not EXTERNAL[name] & {"dash", "flask"}
    assert {m for m in GRAPH[name] if within(m, UI_AND_WEB | EXPORTS)} == set()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory")))
def test_the_app_imports_the_etl_only_at_first_start(name):
    etl = {m for m in GRAPH[name] if m.startswith("etl")}
    assert not etl or name == "observatory.startup", etl


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("etl")))
def test_the_etl_imports_only_core_stats_and_the_spark_reader(name):
    allowed = CORE | {"observatory.stats", "observatory.spark_db"}
    assert {m for m in GRAPH[name] if m.startswith("observatory") and not within(m, allowed)} == set()
    assert not EXTERNAL[name] & {"dash", "flask", "plotly"}


def test_datapackage_does_not_import_export():
    assert "observatory.export" not in GRAPH["observatory.datapackage"]


def test_both_render_through_formats():
    assert "observatory.formats" in GRAPH["observatory.datapackage"]
    assert "observatory.formats" in GRAPH["observatory.export"]
