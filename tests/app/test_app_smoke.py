"""The app builds on the demo database, registers its callbacks, and its view logic works
without a browser: every page state yields a map whose classes match its legend."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from observatory.core.classify import class_of
from observatory.core.config import get_settings
from observatory.core.urlstate import parse, raw_values
from observatory.data.service import Observatory
from observatory.figures.choropleth import SUPPRESSED_COLOUR
from observatory.ui.pages import registry
from observatory.views import pageview


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def test_app_builds_and_registers_callbacks(demo_db, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    from observatory import create_app

    app = create_app()
    outputs = " ".join(app.callback_map)
    for expected in ("page.children", "map-data.data", "download.data"):
        assert expected in outputs
    client = app.server.test_client()
    assert client.get("/fragilites").status_code == 200
    geo = client.get("/geo/departement.geojson", headers={"Accept-Encoding": "gzip"})
    assert geo.status_code == 200 and geo.headers["Content-Encoding"] == "gzip"
    assert "max-age" in geo.headers["Cache-Control"]
    for path in ("/geo/..%2F..%2Fetc%2Fpasswd.geojson", "/geo/../../etc/passwd.geojson"):
        assert b"root:" not in client.get(path).data  # never a file outside the geometry folder
    assert client.get("/geo/pays.geojson").status_code == 404


@pytest.mark.parametrize("path", list(registry.PAGES))
def test_view_classes_agree_with_legend(obs, path):
    page = registry.PAGES[path]
    values, notices = parse("", page.params(obs, {}))
    assert notices == []
    pv = pageview.compute(obs, page, values, "fr")
    rows = pv.view.rows
    # each territory's colour index on the map (0: the suppressed grey, i + 1: class i's colour)
    steps = [SUPPRESSED_COLOUR, *pv.colours]
    assert pv.map_data["codes"] == rows["territory_code"].tolist()
    z = np.array([steps.index(c) for c in pv.map_data["colour"]])
    legend = pv.view.legend()
    # each territory's colour index on the map is the legend class its value falls in
    for e in legend:
        inside = (
            (rows["estimate"] >= e["low"] - 1e-12)
            & (rows["estimate"] <= e["high"] + 1e-12)
            & (rows["reliability"] != "suppressed")
        )
        assert (z[inside.to_numpy()] >= 1).all()
    expected = np.where(
        rows["reliability"] == "suppressed", 0, class_of(rows["estimate"].to_numpy(), pv.view.upper_bounds) + 1
    )
    assert (z == expected).all()
    # the legend's counts add up to the number of territories: full colour per class, faded, grey
    counts = pv.view.counts()
    assert sum(e["count"] for e in legend) == counts["strong"] == int((rows["reliability"] == "ok").sum())
    assert sum(e["count"] + e["faded"] for e in legend) == int((rows["reliability"] != "suppressed").sum())
    assert counts["strong"] + counts["faded"] + counts["suppressed"] == len(rows)
    assert (z[(rows["reliability"] == "suppressed").to_numpy()] == 0).all()


def test_invalid_url_parameters_fall_back_with_notices(obs):
    page = registry.PAGES["/fragilites"]
    search = "?survey=martiens&level=arrondissement&domain=emploi&wave=1789"
    values, notices = parse(search, page.params(obs, raw_values(search)))
    assert values["survey"] == "citoyens" and values["level"] == "departement" and values["domain"] == "emploi"
    assert {n.param for n in notices} >= {"survey", "level", "wave"}
    assert "martiens" in " ".join(n.text("fr") for n in notices)


def test_suppressed_cells_have_no_value_in_hover_or_table(obs):
    page = registry.PAGES["/fragilites"]
    values, _ = parse("?level=commune&domain=emploi", page.params(obs, {}))
    pv = pageview.compute(obs, page, values, "fr")
    supp = pv.view.rows["reliability"] == "suppressed"
    assert supp.sum() > 30_000
    hovers = pv.view.rows.loc[supp, "hover"]
    assert hovers.str.contains("Effectif insuffisant").all() and not hovers.str.contains("/ 10").any()
    # communes: the table lists the published cells only (the downloads hold them all)
    _, records = pageview.table_rows(pv, "fr")
    assert len(records) == (~supp).sum() and all(r["estimate"] is not None for r in records)
    assert "les téléchargements les contiennent tous" in pageview.summary(pv, "fr", True)
    # départements: every row, suppressed ones (Mayotte, no respondent) without a value
    values, _ = parse("?level=departement&domain=emploi", page.params(obs, {}))
    pv = pageview.compute(obs, page, values, "fr")
    supp = pv.view.rows["reliability"] == "suppressed"
    _, records = pageview.table_rows(pv, "fr")
    assert len(records) == 101 and supp.sum() >= 1
    assert all(r["estimate"] is None and r["ci_low"] is None for r, s in zip(records, supp, strict=True) if s)
