"""The comparison page in Chromium: adding a territory keeps the chosen view (even while the new
view is still being computed), the pairwise table gives the difference, its CI, p and Holm's p,
downloads are disabled below two territories, a phone shows no horizontal overflow and a usable
dot plot, axe-core finds no serious violation; the methodology page explains Holm and the
demonstration sample's design."""

from __future__ import annotations

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

URL = "/comparer?territories=42,13,reg-84"
CHART = "#compare-chart .js-plotly-plot"
PAGE_RENDER = "page.children"  # the router's output, in the body of its callback request


def cells(page, column: str) -> list[str]:
    if column == "measure":  # one row header per measure, over its group of pairs (rowspan)
        return page.evaluate(
            """() => [...document.querySelectorAll('#compare-pairs tbody')]
                .flatMap(b => Array(b.rows.length).fill(b.querySelector('th').innerText))"""
        )
    return page.locator(f"#compare-pairs td[data-dash-column='{column}']").all_inner_texts()


def test_adding_a_territory_keeps_the_view_chosen_while_the_page_renders(live_server, page):
    page.goto(live_server + URL + "&view=fragilite-citoyens")
    page.wait_for_selector(CHART, timeout=60_000)
    # Hold the router's answer to the tab click: the URL has the new view at once, the page (and
    # its compare-state store) only once the view is computed, which takes seconds when uncached.
    held = []

    def hold_render(route):
        if PAGE_RENDER in (route.request.post_data or "") and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_render)
    page.click(".tabs a:has-text('Fragilités — entreprises')")
    page.wait_for_function("() => location.search.includes('view=fragilite-entreprises')")
    deadline = time.monotonic() + 20
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, "the router's request was not seen"
    page.fill("#compare-add", "Lyon")
    hit = page.locator("#compare-add-results .search-hit", has_text="Lyon — commune").first
    hit.wait_for(timeout=30_000)
    assert hit.get_attribute("href") == "/comparer?territories=42,13,reg-84,69123&view=fragilite-entreprises"
    held[0].continue_()
    page.unroute("**/_dash-update-component*")
    page.wait_for_selector(".tabs .active:has-text('Fragilités — entreprises')", timeout=60_000)
    # and once the page is there, the usual way
    page.fill("#compare-add", "Lyon")
    page.locator("#compare-add-results .search-hit", has_text="Lyon — commune").first.click()
    page.wait_for_function("() => document.querySelectorAll('.chip').length === 4", timeout=60_000)
    assert page.url.endswith("/comparer?territories=42,13,reg-84,69123&view=fragilite-entreprises")
    assert page.inner_text(".tabs .active") == "Fragilités — entreprises"


def test_pairwise_table_gives_difference_ci_raw_and_holm_p(live_server, page):
    page.goto(live_server + URL + "&view=fragilite-citoyens")
    page.wait_for_selector("#compare-pairs td", timeout=60_000)
    headers = page.locator("#compare-pairs th").all_inner_texts()
    assert any("Différence a − b, IC à 95 % (note sur 10)" in h for h in headers)
    assert any("p ajustée (Holm)" in h for h in headers)
    assert "60 tests" in page.inner_text(".pairwise-note") and "Holm" in page.inner_text(".pairwise-note")
    measures, pairs = cells(page, "measure"), cells(page, "pair")
    # the first measure's three pairs, a before b in the URL's order
    assert measures[:3] == ["Emploi, chômage et insertion"] * 3
    assert [re.split(r" [<>≈]", p)[0] for p in pairs[:3]] == ["Loire", "Loire", "Bouches-du-Rhône"]
    assert pairs[1].endswith("(vs Auvergne-Rhône-Alpes hors Loire)")  # the nested pair
    signed = r"[+−±]\d+,\d{2,}"
    for d in cells(page, "difference"):
        assert re.fullmatch(rf"{signed} \[{signed} ; {signed}\]", d), d
    p_values, holm = cells(page, "p_value"), cells(page, "p_holm")
    assert p_values and len(holm) == len(p_values)

    def number(text: str) -> float:
        return 0.0 if text.startswith("<") else float(text.replace(",", "."))

    for raw, adjusted in zip(p_values, holm, strict=True):
        # a no-break space: the value never splits; a fourth decimal just below 0,05 ("0,0497")
        p_text = r"<\u00a00,001|[01],\d{3}|0,049\d"
        assert re.fullmatch(p_text, raw) and re.fullmatch(p_text, adjusted)
        assert number(adjusted) >= number(raw)
    # the verdict is the adjusted one: "n.s." wherever the adjusted p is not below 0.05
    for pair, adjusted in zip(pairs, holm, strict=True):
        assert ("≈ (n.s.)" in pair) == (number(adjusted) >= 0.05), (pair, adjusted)


def test_downloads_disabled_below_two_territories(live_server, page):
    for lang, reason in (("", "au moins deux territoires"), ("&lang=en", "at least two territories")):
        page.goto(live_server + "/comparer?territories=42" + lang)
        page.wait_for_selector(".chip")
        for button in ("#compare-csv", "#compare-xlsx", "#compare-zip"):
            assert page.is_disabled(button)
            assert reason in page.get_attribute(button, "title")
    page.goto(live_server + "/comparer?territories=42,13")
    page.wait_for_selector(CHART, timeout=60_000)
    assert page.is_enabled("#compare-csv") and page.get_attribute("#compare-csv", "title") is None


def test_phone_no_overflow_readable_dot_plot_and_title_not_covered(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(live_server + "/comparer?territories=42,13,reg-84,69123,200046977,29&view=fragilite-citoyens")
        phone.wait_for_selector(CHART, timeout=60_000)
        phone.wait_for_selector("#compare-table td", timeout=60_000)
        phone.wait_for_load_state("networkidle")  # every panel rendered before the page is measured
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        size = phone.evaluate(f"() => document.querySelector('{CHART}')._fullLayout._size")
        # the plot area (where the CIs are) keeps most of the width, not the labels
        assert size["w"] >= 0.5 * (size["w"] + size["l"] + size["r"]), size
        phone.tap(CHART)
        title = phone.locator("#compare-chart .gtitle").bounding_box()
        bar = phone.locator("#compare-chart .modebar").bounding_box()
        overlaps = bar is not None and not (
            bar["x"] + bar["width"] <= title["x"]
            or title["x"] + title["width"] <= bar["x"]
            or bar["y"] + bar["height"] <= title["y"]
            or title["y"] + title["height"] <= bar["y"]
        )
        assert not overlaps, (bar, title)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["", "&lang=en"])
def test_no_serious_accessibility_violation(live_server, page, lang):
    page.goto(live_server + URL + lang)
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_selector("#compare-pairs td", timeout=60_000)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


def test_methodology_explains_holm_and_the_sample_design(live_server, page):
    for lang, words in (
        ("", ("ajustées par la méthode de Holm", "tous les tests de la page", "allocation fixe")),
        ("?lang=en", ("adjusted by Holm's method", "every test on the page", "fixed allocation")),
    ):
        page.goto(live_server + "/methodologie" + lang)
        page.wait_for_selector("#domains-table")
        page.wait_for_load_state("networkidle")  # the texts are Markdown, rendered by an async chunk
        text = page.inner_text(".methodology")
        for w in words:
            assert w in text, w
