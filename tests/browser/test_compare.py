"""The comparison page in Chromium: three territories, pairwise significance, URL round trip."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_three_territories_with_pairwise_significance_round_trip(live_server, page):
    url = live_server + "/comparer?territories=42,13,reg-84&view=fragilite-citoyens"
    page.goto(url)
    page.wait_for_selector("#compare-chart .js-plotly-plot", timeout=60_000)
    assert page.locator(".chip").count() == 3
    traces = page.evaluate("() => document.querySelector('#compare-chart .js-plotly-plot').data.map(d => d.name)")
    assert traces == ["Loire", "Bouches-du-Rhône", "Auvergne-Rhône-Alpes"]
    page.wait_for_function(
        "() => (document.querySelector('#compare-pairs') || {}).innerText?.includes('hors Loire')", timeout=30_000
    )
    pairs = page.inner_text("#compare-pairs")
    assert "Loire" in pairs and "Bouches-du-Rhône" in pairs
    assert "hors Loire" in pairs  # the nested pair is tested against the rest of the région
    assert any(sign in pairs for sign in (" > ", " < "))  # at least one significant difference
    # remove a territory: the URL keeps the list
    page.click(".chip:has-text('Bouches-du-Rhône') .remove")
    page.wait_for_function("() => location.search.includes('territories=42,reg-84')")
    page.wait_for_function("() => document.querySelectorAll('.chip').length === 2")
    # add one from the search
    page.fill("#compare-add", "Finistère")
    page.locator("#compare-add-results .search-hit", has_text="Finistère").first.click()
    page.wait_for_function("() => location.search.includes('territories=42,reg-84,29')")
    page.wait_for_function("() => document.querySelectorAll('.chip').length === 3", timeout=60_000)
    page.wait_for_selector("#compare-chart .js-plotly-plot", timeout=60_000)
    page.goto(page.url)  # the URL restores the same comparison
    page.wait_for_selector("#compare-chart .js-plotly-plot", timeout=60_000)
    assert [c.split(" (")[0] for c in page.locator(".chip").all_inner_texts()] == [
        "Loire",
        "Auvergne-Rhône-Alpes",
        "Finistère",
    ]
    assert not page.errors
