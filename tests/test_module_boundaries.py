"""The rules of the house, checked on every module of ``observatory/`` and ``etl/`` (as owid/etl does).

Every import counts, lazy ones included (an import inside a function is a dependency too). The
packages are layers, bottom to top: ``core`` (vocabulary, settings, formatting) ← ``stats`` ←
``data`` (the read-only data interface) ← ``figures`` and ``views`` ← ``exports`` ← ``web`` (Flask
routes) and ``ui`` (Dash) ← the app factory and the entry points. What is checked:

- every module of the app is in a layer, or is one of the four on top;
- each layer imports only the layers below it (``LAYERS``), and no circle between modules;
- no Dash and no Flask below ``web`` and ``ui``; no plotly outside ``figures``, ``web`` and ``ui`` (``web``
  receives the Dash app, for its CSP hashes and its page shell, but imports nothing of ``ui``);
- the app imports ``etl`` from ``observatory/startup.py`` only (the first start);
- ``etl`` imports only core, stats and the Spark reader;
- the export and the data package do not import each other (the file formats live in ``formats``);
- no module over 400 lines and no function over McCabe complexity 15 (ruff's C901, configured in
  ``pyproject.toml``), with no exception list.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("observatory", "etl")

# The packages by layer, bottom to top, and what each may import of the project (besides itself).
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "stats": {"core"},
    "data": {"core", "stats"},
    "figures": {"core"},
    "views": {"core", "stats", "data", "figures"},
    "exports": {"core", "stats", "data", "figures", "views"},
    "web": {"core", "stats", "data", "figures", "views", "exports"},
    "ui": {"core", "stats", "data", "figures", "views", "exports"},
}
TOP = {"observatory", "observatory.__main__", "observatory.app_factory", "observatory.startup"}
CORE = {"observatory.core"}


def layer(name: str) -> str | None:
    """The layer of a module of ``observatory`` (None for the app factory and the entry points)."""
    parts = name.split(".")
    return parts[1] if parts[0] == "observatory" and len(parts) > 1 and parts[1] in LAYERS else None


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
    assert len(MODULES) > 60 and "observatory.stats.engine" in GRAPH["observatory.data.service"]


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


def test_every_module_of_the_app_is_in_a_layer_or_on_top():
    loose = {n for n in MODULES if n.startswith("observatory") and n not in TOP and layer(n) not in LAYERS}
    assert loose == set()


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory") and n not in TOP))
def test_each_layer_imports_only_the_layers_below(name):
    own = layer(name)
    allowed = LAYERS[own] | {own}
    above = {m for m in GRAPH[name] if m.startswith("observatory") and layer(m) not in allowed}
    assert above == set(), f"{name} ({own}) imports {sorted(above)}"


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if layer(n) in {"core", "stats", "figures", "views", "data"})
)
def test_below_the_web_no_dash_and_no_flask(name):
    assert not EXTERNAL[name] & {"dash", "flask"}


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if layer(n) in {"core", "stats", "data", "views", "exports"})
)
def test_no_plotly_below_the_figures(name):
    assert "plotly" not in EXTERNAL[name]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("observatory")))
def test_the_app_imports_the_etl_only_at_first_start(name):
    etl = {m for m in GRAPH[name] if m.startswith("etl")}
    assert not etl or name == "observatory.startup", etl


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("etl")))
def test_the_etl_imports_only_core_stats_and_the_spark_reader(name):
    allowed = {"observatory.core", "observatory.stats", "observatory.data.spark_db"}
    assert {m for m in GRAPH[name] if m.startswith("observatory") and not within(m, allowed)} == set()
    assert not EXTERNAL[name] & {"dash", "flask", "plotly"}


def test_datapackage_does_not_import_export():
    assert "observatory.exports.export" not in GRAPH["observatory.exports.datapackage"]


def test_both_render_through_formats():
    assert "observatory.exports.formats" in GRAPH["observatory.exports.datapackage"]
    assert "observatory.exports.formats" in GRAPH["observatory.exports.export"]


MAX_LINES = 400


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_400_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)}: {lines} lines"


def test_no_function_over_complexity_15():
    """ruff's C901 at the threshold of ``pyproject.toml``; it must be set there, and nothing may pass it."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "max-complexity = 15" in config and '"C90"' in config
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "C901", "--output-format", "concise", *PROJECT, "app.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
