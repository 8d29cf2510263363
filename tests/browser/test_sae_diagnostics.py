"""The small-area model where a person meets it, in Chromium (issue 26): the diagnostics page draws
its direct-against-model scatter and moves to another cell from its controls; the comparison page
offers the model for two small EPCIs, labelled "modèle", without any test."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

CELL = "/modele/diagnostics?survey=citoyens&wave=2019&indicator=fragility&measure=logement&statistic=mean_score"
SCATTER = "#sae-diagnostics-scatter .js-plotly-plot"
SMALL = "/comparer?territories=200067189,200044014&view=fragilite-citoyens"  # 11 and 6 citizens
CHART = "#compare-chart .js-plotly-plot"


def test_diagnostics_page_draws_the_scatter_and_moves_to_another_cell(live_server, page):
    page.goto(live_server + CELL)
    page.wait_for_selector(SCATTER, timeout=60_000)
    expected = int(page.get_attribute("#sae-diagnostics", "data-points"))
    assert expected > 1000  # every EPCI with respondents
    drawn = page.evaluate(f"() => document.querySelectorAll('{SCATTER} .scatterlayer .point').length")
    assert drawn == expected
    assert float(page.get_attribute("#sae-diagnostics", "data-brown-p")) >= 0
    assert page.locator("#sae-diagnostics-cv .js-plotly-plot .boxlayer .trace").count() == 2  # direct, model
    text = page.inner_text("#sae-diagnostics")
    assert "conservateur" in text and "3 pour une loi normale" in text
    shot(page, "modele-diagnostics")
    page.click("#diag-measure .dash-dropdown")
    page.get_by_role("option", name="Emploi, chômage et insertion", exact=True).click()
    page.wait_for_function("() => location.search.includes('measure=emploi')")
    page.wait_for_function("() => document.getElementById('sae-diagnostics').dataset.measure === 'emploi'")
    assert page.locator(SCATTER).count() == 1 and "Emploi" in page.inner_text(".diagnostics-cell")
    assert not page.errors


def test_comparison_offers_the_model_for_two_small_epcis(live_server, page):
    page.goto(live_server + SMALL)
    page.wait_for_selector("#compare-table td", timeout=60_000)
    assert "Effectif insuffisant" in page.inner_text("#compare-table")  # the survey alone: nothing
    page.click("#compare-method a:has-text('Estimation sur petits domaines (modèle)')")
    page.wait_for_function("() => location.search.includes('method=sae')")
    page.wait_for_function("() => document.getElementById('compare-method')?.dataset.method === 'sae'", timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)
    traces = page.evaluate(f"() => document.querySelector('{CHART}').data.map(d => [d.name, d.marker.symbol])")
    assert [name for name, _ in traces] == [
        "Creuse Sud Ouest (modèle)",
        "Communauté de communes Creuse Grand Sud (modèle)",
    ]
    assert all(symbol.endswith("-open") for _, symbol in traces)
    # every cell has a value with its interval, labelled as the model's; nothing is tested
    cells = page.locator("#compare-table td[data-dash-column='200067189']").all_inner_texts()
    assert cells and all(" modèle, n=11, γ=" in c for c in cells)
    assert "Effectif insuffisant" not in page.inner_text("#compare-table")
    assert "ne portent que sur des estimations directes" in page.inner_text("#compare-model-note")
    assert "Aucun test sur cette page" in page.inner_text("#compare-pairs-none")
    shot(page, "comparer-modele")
    assert not page.errors
