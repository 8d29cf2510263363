"""The small-area model's EPCI map in Chromium: drawn over every EPCI with covariates, hatched,
titled as a model, with the model's tooltip (interval from the MSE, γ, status, no test), the
legend's hatching entry, a map image that says "modèle" (audit E16) and the link to the model's
diagnostics; the method control greyed away from the EPCI level."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import MAP_DATA, hover_until, shot, wait_for_map

pytestmark = pytest.mark.browser

LAYERS = "() => window.observatoryMap.map().getStyle().layers.map(l => l.id)"


def test_epci_model_map_is_drawn_hatched_and_labelled(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&wave=2019&level=epci&domain=emploi&method=sae")
    wait_for_map(page)
    data = page.evaluate(MAP_DATA)
    hatched = sum(bool(m) for m in data["model"])
    assert hatched > 1200  # every EPCI with covariates, not the 126 with 30 respondents
    assert "hatch" in page.evaluate(LAYERS)
    assert "(modèle)" in page.inner_text("h1, h2, .map-title")
    assert "Hachuré" in page.inner_text("#legend")
    text = hover_until(page, 0.45, 0.45, "γ")
    assert "erreur quadratique moyenne" in text and "pas de test" in text
    shot(page, "fragilites-epci-modele")
    # E16: the legend and the map image say "modèle"; the grey entry says why (no covariates)
    legend = page.inner_text("#legend")
    assert "estimation par modèle" in page.inner_text("#legend .legend-method")
    assert "pas de covariables" in legend and "non diffusé (n <" not in legend and "estompé" not in legend
    with page.expect_download():
        page.click("#map-image")
    page.wait_for_function("() => document.querySelector('#map-image').dataset.lastExport")
    lines = json.loads(page.get_attribute("#map-image", "data-last-export"))["lines"]
    drawn = "\n".join(lines)
    assert "Hachuré : estimation par modèle" in drawn and "estimation par modèle (petits" in drawn
    assert any(line.startswith("sans estimation par modèle (pas de covariables)") for line in lines)  # never cut
    assert "non diffusé (n <" not in drawn
    link = page.get_attribute("#sae-diagnostics-link", "href")
    assert link.startswith("/modele/diagnostics?survey=citoyens&wave=2019&indicator=fragility&measure=emploi")
    assert not page.errors


def test_model_is_greyed_away_from_the_epci_level(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=departement&method=sae")
    wait_for_map(page)
    assert "n'est pas une valeur possible" in page.inner_text("body")
    data = page.evaluate(MAP_DATA)
    assert not any(data["model"])


def test_map_pages_offer_the_embed_code_of_the_view_shown(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=epci&domain=emploi&method=sae")
    wait_for_map(page)
    page.click(".embed-snippet summary")
    page.wait_for_function("() => document.getElementById('map-embed-code').innerText.includes('/embed/fragilites?')")
    code = page.inner_text("#map-embed-code")
    src = code.split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert "method=sae" in src and "level=epci" in src
    embedded = page.context.new_page()
    embedded.goto(src)
    wait_for_map(embedded)  # the embed draws the same view
    assert "(modèle)" in embedded.inner_text("body")
    embedded.close()
