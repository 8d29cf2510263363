"""export.py and datapackage.py do not import each other (the file formats live in formats.py)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "observatory"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_datapackage_does_not_import_export():
    assert "observatory.export" not in imported(ROOT / "datapackage.py")


def test_both_render_through_formats():
    assert "observatory.formats" in imported(ROOT / "datapackage.py")
    assert "observatory.formats" in imported(ROOT / "export.py")
