"""The comparison page in Chromium (issue 27, audit E9): a 7th or a repeated territory is said in a
notice, the legend is above the charts and each territory is painted in its legend colour in both
charts, and the tables are in the page's font (not DataTable's monospace)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHART = "#compare-chart .js-plotly-plot"
TREND = "#compare-trend .js-plotly-plot"
SEVEN = "/comparer?territories=01,02,03,04,05,06,07"


def rgb(colour: str) -> str:
    n = int(colour[1:], 16)
    return f"rgb({n >> 16}, {(n >> 8) & 255}, {n & 255})"


@pytest.mark.parametrize(
    ("lang", "words"),
    [  # English: the same notice, worded in tests/test_compare_readability.py; here in the exhaustive tier
        ("", "Territoire non retenu : Ardèche (07)."),
        pytest.param("&lang=en", "Not added: Ardèche (07).", marks=pytest.mark.exhaustive),
    ],
)
def test_a_seventh_territory_is_refused_with_a_visible_notice(live_server, page, lang, words):
    page.goto(live_server + SEVEN + lang)
    page.wait_for_selector(CHART, timeout=90_000)
    notice = page.locator(".notice", has_text=words)
    assert notice.is_visible()
    assert page.locator(".chip").count() == 6 and "Ardèche" not in page.inner_text(".chips")
    assert page.locator("#compare-legend li").count() == 6
    assert not page.errors


def test_a_repeated_territory_is_kept_once_with_a_notice(live_server, page):
    page.goto(live_server + "/comparer?territories=42,42,13")
    page.wait_for_selector(CHART, timeout=60_000)
    assert page.locator(".notice", has_text="Territoire en double, gardé une seule fois : Loire.").is_visible()
    assert [c.split(" (")[0] for c in page.locator(".chip").all_inner_texts()] == ["Loire", "Bouches-du-Rhône"]


def test_the_legend_is_above_the_charts_and_their_colours(live_server, page):
    page.goto(live_server + "/comparer?territories=42,13,reg-84&view=fragilite-citoyens")
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_selector(TREND, timeout=60_000)
    legend = page.locator("#compare-legend").bounding_box()
    for chart in (CHART, TREND):
        assert legend["y"] + legend["height"] <= page.locator(chart).bounding_box()["y"]
    items = page.evaluate(
        "() => [...document.querySelectorAll('#compare-legend li')].map(li => [li.innerText.trim(), li.dataset.colour])"
    )
    assert [name for name, _c in items] == ["Loire", "Bouches-du-Rhône", "Auvergne-Rhône-Alpes"]
    # the points as painted: each territory's trace in its legend colour, in both charts
    painted = """sel => [...document.querySelectorAll(sel + ' .scatterlayer .trace')].map(t => {
        const p = t.querySelector('path.point'); return p ? p.style.fill : null; })"""
    dots = page.evaluate(painted, CHART)
    assert dots == [rgb(c) for _n, c in items]
    names = page.evaluate(f"() => document.querySelector('{TREND}').data.map(d => d.name)")
    trend = page.evaluate(painted, TREND)
    for name, colour in items:
        fills = {f for n, f in zip(names, trend, strict=True) if n == name and f}
        assert fills == {rgb(colour)}, (name, fills)
    assert not page.errors


def test_the_tables_are_in_the_pages_font(live_server, page):
    page.goto(live_server + "/comparer?territories=42,13")
    page.wait_for_selector("#compare-pairs td", timeout=60_000)
    fonts = page.evaluate(
        """() => ['body', '#compare-table td', '#compare-table th', '#compare-pairs td']
            .map(s => getComputedStyle(document.querySelector(s)).fontFamily)"""
    )
    assert all("monospace" not in f for f in fonts), fonts
    assert len(set(fonts)) == 1, fonts
