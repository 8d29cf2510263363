"""Every map page in Chromium: opens from a URL with its map really drawn, a control changes the
map and the URL, invalid parameters show a notice, a click selects a territory, English works,
and axe-core finds no serious or critical accessibility violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import MAP_LOCATIONS, MAP_TEXT, MAP_Z, axe_violations, wait_for_map
from tests.browser.test_fragility_page import choose

pytestmark = pytest.mark.browser

# The code the selection outline is drawn around (MapLibre's "selection" layer), or null.
SELECTION_OUTLINE = """() => { const m = window.observatoryMap.map();
  if (!m || !m.getLayer('selection') || m.getLayoutProperty('selection', 'visibility') === 'none') return null;
  return m.getFilter('selection')[2]; }"""

PAGES = {
    "/fragilites": (
        "?survey=citoyens&level=region&domain=emploi",
        "domain",
        "· Santé et accès aux soins",
        "domain=sante",
    ),
    "/partenariats": ("?survey=entreprises&level=region&kind=partner", "kind", "Mécénat", "kind=mecenat"),
    "/co-construction": (
        "?level=region&measure=q4_oui",
        "measure",
        "Q8 (rôle) : Par la commande publique",
        "measure=commande_publique",
    ),
    "/innovation": ("?survey=citoyens&level=region", "survey", "Maires et élus", "survey=elus"),
}


@pytest.mark.parametrize("path", list(PAGES))
def test_page_opens_from_url_and_control_changes_map_and_url(live_server, page, path):
    search, control, label, expected = PAGES[path]
    page.goto(live_server + path + search)
    wait_for_map(page)
    assert len(page.evaluate(MAP_LOCATIONS)) == 18
    before = (
        page.inner_text("#view-title"),
        page.evaluate(MAP_TEXT),
    )
    choose(page, control, label)
    page.wait_for_function(f"() => location.search.includes('{expected}')", timeout=20_000)
    page.wait_for_function(
        "(old) => document.querySelector('#view-title').innerText !== old", arg=before[0], timeout=20_000
    )
    after = page.evaluate(MAP_TEXT)
    assert after != before[1]
    wait_for_map(page)
    # the URL restores the same view in a new page
    url = page.url
    page.goto(url)
    wait_for_map(page)
    assert page.evaluate(MAP_TEXT) == after
    assert not page.errors


# Each page's default level is the finest where most territories have 100 respondents (the
# demonstration sample: ~200 citizens per département, ~40 mayors, ~120 companies): départements
# for the citizens' surveys, régions for the companies' and the mayors'.
DEFAULT_TERRITORIES = {"/fragilites": 101, "/partenariats": 18, "/co-construction": 18, "/innovation": 101}


@pytest.mark.parametrize("path", list(PAGES))
def test_invalid_parameters_notice(live_server, page, path):
    page.goto(live_server + path + "?level=arrondissement&wave=abc%27%3B%20DROP%20TABLE%20respondents")
    wait_for_map(page)
    notices = page.inner_text("#notices")
    assert "arrondissement" in notices and "DROP TABLE" in notices
    assert "« Échelon »" in notices and "level" not in notices  # in words, not internal codes
    assert len(page.evaluate(MAP_LOCATIONS)) == DEFAULT_TERRITORIES[path]


@pytest.mark.parametrize("path", list(PAGES))
def test_a_partial_url_shows_no_notice(live_server, page, path):
    page.goto(live_server + path + "?level=region")
    wait_for_map(page)
    assert page.inner_text("#notices").strip() == ""


# The name of each MapLibre canvas (the map's, then the small maps' below it).
CANVAS_NAMES = "() => [...document.querySelectorAll('canvas.maplibregl-canvas')].map(c => c.getAttribute('aria-label'))"


@pytest.mark.parametrize("path", list(PAGES))
def test_no_serious_accessibility_violation(live_server, page, path):
    """Nor one of the moderate rules of AXE_MODERATE (audit E19); every map is named apart, in French."""
    page.goto(live_server + path)
    wait_for_map(page)
    page.wait_for_selector("#table tbody tr")  # the table and its pager are drawn too
    small_maps = 3 if path == "/fragilites" else 0  # the fragility page's maps by type of actor
    page.wait_for_function(  # drawn too, and named
        "(n) => document.querySelectorAll('.small-map canvas.maplibregl-canvas').length === n"
        f" && ({CANVAS_NAMES})().every(name => name && name !== 'Map')",
        arg=small_maps,
        timeout=30_000,
    )
    bad = axe_violations(page)
    assert not bad, bad
    names = page.evaluate(CANVAS_NAMES)
    assert len(set(names)) == len(names) == 1 + small_maps, names
    level = "département" if DEFAULT_TERRITORIES[path] == 101 else "région"
    assert names[0] == page.inner_text("#view-title").strip() + " — carte par " + level


def test_click_selects_a_territory(live_server, page):
    page.goto(live_server + "/fragilites?level=region&domain=emploi&survey=citoyens")
    wait_for_map(page)
    page.locator("#map").scroll_into_view_if_needed()  # the controls may push it below the fold
    box = page.locator("#map").bounding_box()
    # Centre of mainland France on the map: Centre-Val de Loire or a neighbour.
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.wait_for_selector("#selected-territory a", timeout=20_000)
    text = page.inner_text("#selected-territory")
    assert "Territoire sélectionné" in text
    href = page.get_attribute("#selected-territory a", "href")
    assert href.startswith("/territoire/reg-")
    outline = SELECTION_OUTLINE
    page.wait_for_function(f"() => ({outline})() === '{href.split('reg-')[1]}'")  # the outline is drawn
    # a second click moves the outline to the new territory (not a colour patch of the old figure)
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.3)  # Bretagne
    page.wait_for_function(
        "(old) => document.querySelector('#selected-territory a').getAttribute('href') !== old", arg=href
    )
    new = page.get_attribute("#selected-territory a", "href").split("reg-")[1]
    page.wait_for_function(f"() => ({outline})() === '{new}'")


def test_english_switch(live_server, page):
    page.goto(live_server + "/fragilites?level=region")
    wait_for_map(page)
    page.click("#lang-link")
    page.wait_for_function("() => location.search.includes('lang=en')")
    wait_for_map(page)
    assert "Synthetic demonstration data" in page.inner_text("#synthetic-banner")
    assert "Perceived fragility" in page.inner_text("#view-title")
    assert "Legend" in page.inner_text("#legend")
    assert "level=region" in page.url


def test_commune_map_is_drawn(live_server, page):
    page.goto(live_server + "/fragilites?level=commune&domain=emploi&survey=citoyens")
    wait_for_map(page, timeout=90_000)
    assert len(page.evaluate(MAP_LOCATIONS)) > 34_000
    z = page.evaluate(MAP_Z)
    assert 0 in z and max(z) >= 1  # most communes suppressed, a few coloured


def test_frozen_breaks_survive_a_filter_change(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=departement&domain=emploi&stat=mean_score")
    wait_for_map(page)
    legend = "() => [...document.querySelectorAll('#legend .legend-class')].map(li => li.dataset.high).join('|')"
    page.click("#control-freeze")
    page.wait_for_function("() => document.querySelector('#control-freeze').getAttribute('aria-pressed') === 'true'")
    frozen = page.evaluate(legend)
    choose(page, "survey", "Entreprises")
    page.wait_for_function("() => document.querySelector('#view-title').innerText.includes('Entreprises')")
    assert page.evaluate(legend) == frozen
    page.click("#control-freeze")  # unfreeze: classes follow the data again
    page.wait_for_function(f"(old) => {legend.replace('() => ', '')} !== old", arg=frozen)
