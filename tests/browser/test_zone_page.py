"""The zone pages in Chromium: a zone built by clicking communes on the map (and a shift-drag box),
by pasting codes and by uploading a CSV, then computed; its portrait shows the zone's figures, the
same as the API's. An unknown zone is a friendly notice.

The zones the test stores go to the session's own folder (the live_server fixture sets OBSERVATORY_ZONES_DIR).
"""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.browser.conftest import axe_violations, shot

pytestmark = pytest.mark.browser

MAP_READY = """() => { const m = document.getElementById('zone-map');
  return !!m && m.dataset.state === 'drawn' && !!window.observatoryZoneMap && !!window.observatoryZoneMap.map(); }"""
COUNT = "() => document.getElementById('zone-selected').dataset.count"
# The map has painted the selection the list shows.
PAINTED = """() => { const m = document.getElementById('zone-map'), s = document.getElementById('zone-selected');
  return m.dataset.state === 'drawn' && m.dataset.selected === s.dataset.count; }"""


def commune_points(demo_db, codes: list[str]) -> dict[str, tuple[float, float]]:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute(
            "SELECT code, map_lon, map_lat FROM territories WHERE level = 'commune' AND list_contains(?, code)", [codes]
        ).fetchall()
    return {code: (lon, lat) for code, lon, lat in rows}


def centre_on(pg, lon: float, lat: float, zoom: float = 11) -> dict:
    """Centre the map on a point, wait until it is drawn there, and give the point's page coordinates."""
    pg.evaluate(
        """([lon, lat, zoom]) => new Promise(done => { const m = window.observatoryZoneMap.map();
             m.once('idle', () => done(true)); m.jumpTo({center: [lon, lat], zoom: zoom}); })""",
        [lon, lat, zoom],
    )
    return pg.evaluate(
        """([lon, lat]) => { const m = window.observatoryZoneMap.map(), p = m.project([lon, lat]),
             r = m.getCanvas().getBoundingClientRect(); return {x: r.left + p.x, y: r.top + p.y}; }""",
        [lon, lat],
    )


def wait_count(pg, expected: int | str) -> None:
    pg.wait_for_function(f"() => ({COUNT})() === {str(expected)!r}", timeout=30_000)
    pg.wait_for_function(PAINTED, timeout=30_000)


def test_build_a_zone_on_the_map_and_from_codes_then_see_its_portrait(live_server, page, demo_db):
    points = commune_points(demo_db, ["42218", "42207"])
    page.goto(live_server + "/zone")
    page.wait_for_function(MAP_READY, timeout=60_000)
    assert page.evaluate(COUNT) == "0"

    # a click adds a commune, a second click removes it
    at = centre_on(page, *points["42218"])
    page.mouse.click(at["x"], at["y"])
    wait_count(page, 1)
    assert "Saint-Étienne (42218)" in page.inner_text("#zone-selected")
    page.mouse.click(at["x"], at["y"])
    wait_count(page, 0)
    page.mouse.click(at["x"], at["y"])
    wait_count(page, 1)
    at = centre_on(page, *points["42207"])
    page.mouse.click(at["x"], at["y"])
    wait_count(page, 2)
    assert "Saint-Chamond (42207)" in page.inner_text("#zone-selected")

    # shift + drag: the communes inside the box are added (zoomed out: a box of about 30 km)
    at = centre_on(page, *points["42207"], zoom=9)
    page.keyboard.down("Shift")
    page.mouse.move(at["x"] - 60, at["y"] - 60)
    page.mouse.down()
    page.mouse.move(at["x"] + 60, at["y"] + 60, steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_function(f"() => parseInt(({COUNT})(), 10) > 10", timeout=30_000)
    page.wait_for_function(PAINTED, timeout=30_000)
    boxed = int(page.evaluate(COUNT))

    # codes pasted: an arrondissement, a postal code and an unknown code, each said
    page.fill("#zone-codes", "69381\n75001\n99999")
    page.click("#zone-codes-add")
    wait_count(page, boxed + 2)
    said = page.inner_text("#zone-messages")
    assert "Code postal 75001" in said and "69381" in said and "99999" in said
    assert "Lyon (69123)" in page.inner_text("#zone-selected")

    # a CSV of one column, with a header
    page.set_input_files(
        "#zone-upload input[type=file]",
        files=[{"name": "codes.csv", "mimeType": "text/csv", "buffer": b"code_insee\n01001\n"}],
    )
    wait_count(page, boxed + 3)
    assert "L'Abergement-Clémenciat (01001)" in page.inner_text("#zone-selected")
    page.fill("#zone-name", "Zone du test")
    shot(page, "zone-builder")
    assert axe_violations(page) == []

    page.click("#zone-submit")
    page.wait_for_selector("#zone-portrait", timeout=60_000)
    zone_id = re.fullmatch(r".*/zone/([0-9a-f]{12})", page.url).group(1)
    portrait = page.locator("#zone-portrait")
    assert portrait.get_attribute("data-zone-id") == zone_id
    assert portrait.get_attribute("data-communes") == str(boxed + 3)
    assert page.inner_text("#zone-title") == "Zone du test"
    assert int(page.get_attribute("#key-findings", "data-family-size")) > 0
    assert "comparaisons (taux de fausses découvertes contrôlé à 5 %)" in page.inner_text("#key-findings")

    # the figures shown are the API's
    api = page.request.get(live_server + f"/api/v1/zones/{zone_id}/fragility?survey=citoyens&wave=2019&format=json")
    assert api.ok, api.text()
    rows = api.json()["rows"]
    emploi = next(r for r in rows if r["measure"] == "emploi" and r["statistic"] == "mean_score")
    assert emploi["n"] > 100
    shown = page.locator('#zone-citoyens tr[data-measure="emploi"][data-statistic="mean_score"]').first.inner_text()
    assert str(emploi["n"]) in shown and f"{emploi['estimate']:.1f}".replace(".", ",") in shown
    assert page.locator('#zone-portrait a[href="/api/v1/zones/' + zone_id + '?format=csv"]').count() == 1
    shot(page, "zone-portrait")
    assert axe_violations(page) == []
    assert not page.errors, page.errors


def test_an_unknown_zone_is_a_friendly_notice(live_server, page):
    page.goto(live_server + "/zone/0123456789ab?lang=en")
    page.wait_for_selector("#zone-not-found", timeout=60_000)
    assert "Zone not found" in page.inner_text("#zone-not-found")
    assert not page.errors, page.errors
