"""URL ⇄ values of a map page without Dash: round trips, fall-backs with notices, and no
``compare`` parameter in the link when the map shows levels."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs

import pytest

from observatory.core.config import get_settings
from observatory.core.urlstate import ViewState
from observatory.data.service import Observatory
from observatory.ui.pages import registry
from observatory.views import mapspec


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.mark.parametrize("path", list(registry.PAGES))
def test_values_to_url_to_values_round_trip(obs, path):
    page = registry.PAGES[path]
    values, notices = mapspec.resolve(obs, page, "?level=region")
    assert notices == [] and values["level"] == "region"
    state = ViewState(True, (1.0, 2.0), True, "84")
    search = mapspec.url_search(values, "en", state)
    query = parse_qs(search.lstrip("?"))
    assert query["lang"] == ["en"] and query["selected"] == ["84"] and query["freeze"] == ["1"]
    assert "compare" not in query  # levels, not a change: no compare in the link
    again, more = mapspec.resolve(obs, page, search)
    assert more == [] and again == values


def test_compare_is_allowed_only_with_another_wave_of_the_survey(obs):
    page = registry.PAGES["/fragilites"]
    values, notices = mapspec.resolve(obs, page, "?survey=citoyens&wave=2019&compare=2015")
    assert values["compare"] == "2015" and notices == []
    assert "compare=2015" in mapspec.url_search(values, "fr")
    values, notices = mapspec.resolve(obs, page, "?survey=citoyens&wave=2019&compare=2019")
    assert values["compare"] == mapspec.NO_COMPARE and [n.param for n in notices] == ["compare"]


def test_resolve_values_falls_back_on_invalid_controls(obs):
    page = registry.PAGES["/fragilites"]
    values = mapspec.resolve_values(obs, page, {"level": "arrondissement", "domain": "emploi", "survey": "citoyens"})
    assert values["level"] == "departement" and values["domain"] == "emploi"


def test_views_never_import_pages_nor_dash():
    import ast
    from pathlib import Path

    folder = Path(mapspec.__file__).parent
    for name in ("mapspec.py", "pageview.py", "mapview.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        imported = [
            n.module if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom | ast.Import)
            for a in n.names
        ]
        assert not [m for m in imported if m and (m.startswith("observatory.ui.pages") or m.split(".")[0] == "dash")]


def test_etl_imports_no_web_module():
    import ast
    from pathlib import Path

    web = (
        "flask",
        "dash",
        "observatory.web.geo_routes",
        "observatory.web.api",
        "observatory.ui.callbacks",
        "observatory.ui.pages",
    )
    for path in (Path(mapspec.__file__).parents[2] / "etl").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [node.module] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not [n for n in names if n and n.startswith(web)], (path.name, names)
