"""The territory profile in Chromium: the locator draws France and the territory, the page fits
a phone's width, sources are titled (never a file name), and axe-core finds no serious or
critical violation, on the four example profiles."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.etl.test_initiatives import geo

pytestmark = pytest.mark.browser

PROFILES = {"42218": "commune", "244200770": "epci", "42": "departement", "reg-84": "region"}

# The locator's layers as drawn by MapLibre: every région, and the features of the other layers.
LOCATOR_DRAWN = """() => {
  const gd = document.querySelector('.locator .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map) return null;
  const m = gd._fullLayout.map._subplot.map;
  if (!m.loaded()) return null;
  const features = m.queryRenderedFeatures();
  if (!features.length) return null;
  return {traces: gd.data.map(d => ({type: d.type, geojson: d.geojson || null, locations: d.locations || null})),
          drawn: features.length};
}"""


def open_profile(page, live_server, key: str) -> None:
    page.goto(live_server + f"/territoire/{key}")
    page.wait_for_selector("#profile-title", timeout=60_000)
    page.wait_for_selector(".profile-block .js-plotly-plot", timeout=60_000)


@pytest.mark.parametrize("key", list(PROFILES))
def test_locator_draws_all_regions_and_the_territory(live_server, page, key):
    open_profile(page, live_server, key)
    page.wait_for_function(LOCATOR_DRAWN, timeout=60_000)
    drawn = page.evaluate(LOCATOR_DRAWN)
    traces = drawn["traces"]
    regions = set(geo()["regions"]["code"])  # 18 régions, the 5 overseas ones in their insets
    assert traces[0]["geojson"].endswith("/geo/region.geojson") and set(traces[0]["locations"]) == regions
    level, code = PROFILES[key], key.removeprefix("reg-")
    if level == "commune":
        assert any(t["type"] == "scattermap" for t in traces)  # the commune's point
    else:
        assert any((t["geojson"] or "").endswith(f"/geo/{level}.geojson") and t["locations"] == [code] for t in traces)
    assert drawn["drawn"] >= len(regions)  # MapLibre really drew the régions
    assert not page.errors


def test_profile_fits_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for key in ("42218", "42"):
            open_profile(page, live_server, key)
            page.wait_for_selector("#trends .js-plotly-plot", timeout=90_000)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, key
            # the tables scroll inside their own box, reachable with the keyboard
            assert page.locator(".table-scroll[tabindex='0']").count() >= 4
            # no mode bar over the charts' titles
            assert page.locator(".profile .modebar").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("key", ["42218", "44109"])
def test_no_file_name_as_a_source(live_server, page, key):
    open_profile(page, live_server, key)
    page.wait_for_selector("#initiatives .initiative", timeout=60_000)
    text = page.inner_text(".profile")
    assert ".txt" not in text
    assert "Programmes nationaux accessibles à ce territoire" in text


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("key", list(PROFILES))
def test_no_serious_accessibility_violation(live_server, browser, key, width):
    """Also on a phone, where the tables scroll in their own box (which must take the focus)."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        open_profile(page, live_server, key)
        page.wait_for_selector("#trends .js-plotly-plot", timeout=90_000)
        results = Axe().run(page)
    finally:
        context.close()
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
