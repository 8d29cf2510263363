"""The key findings of a département profile in Chromium, each statement checked against the
API's figures (estimate, interval, direction and significance, reference value), and the embed
of a profile block framed by another page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS
from tests.browser.folds import open_sections

pytestmark = pytest.mark.browser


def shot_path(name: str):
    """Where a screenshot of the first screen goes (tests/artifacts/screenshots/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


MEASURE_PARAM = {"fragility": "domain", "partnerships": "kind", "mayors": "measure", "innovation": "measure"}


def _api_row(page, live_server: str, f: dict, level: str, code: str, change: bool = False) -> dict:
    params = {
        "level": level, "territory": code, "survey": f["survey"], "statistic": f["statistic"],
        MEASURE_PARAM[f["indicator"]]: f["measure"],
    }  # fmt: skip
    if change:
        params |= {"wave_from": f["waveFrom"], "wave_to": f["wave"]}
    else:
        params["wave"] = f["wave"]
    r = page.request.get(live_server + f"/api/v1/{f['indicator']}", params=params)
    assert r.ok, r.text()
    rows = r.json()["rows"]
    assert len(rows) == 1, (params, rows)
    return rows[0]


def test_key_findings_match_the_api(live_server, page):
    page.goto(live_server + "/territoire/42")
    page.wait_for_selector("#key-findings .finding", timeout=60_000)
    # the block is the first thing under the title
    first = page.evaluate("document.querySelector('#profile-title').nextElementSibling.id")
    assert first == "key-findings"
    findings = page.eval_on_selector_all("#key-findings li.finding", "els => els.map(e => ({...e.dataset}))")
    texts = page.eval_on_selector_all("#key-findings li.finding", "els => els.map(e => e.innerText)")
    versus = {f["versus"] for f in findings}
    assert versus == {"france", "parent", "previous_wave"}, versus  # Loire has all three kinds
    parent_values: dict = {}
    for f, text in zip(findings, texts, strict=True):
        assert f["reliability"] == "ok"
        if f["versus"] == "previous_wave":
            row = _api_row(page, live_server, f, "departement", "42", change=True)
            assert row["significance"] == f["direction"] and row["reliability"] == "ok"
            assert row["difference"] == pytest.approx(float(f["difference"]), rel=1e-9)
            assert row["estimate_from"] == pytest.approx(float(f["reference"]), rel=1e-9)
            assert ("hausse" if f["direction"] == "increase" else "baisse") in text
            continue
        row = _api_row(page, live_server, f, "departement", "42")
        assert row["estimate"] == pytest.approx(float(f["estimate"]), rel=1e-9)
        assert row["ci_low"] == pytest.approx(float(f["ciLow"]), rel=1e-9)
        assert row["ci_high"] == pytest.approx(float(f["ciHigh"]), rel=1e-9)
        assert row["reliability"] == "ok"
        word = "supérieur" if f["direction"] == "above" else "inférieur"
        assert word in text
        if f["versus"] == "france":
            # the API's test is against the rest of France: the same verdict
            assert row["significance"] == f["direction"]
            assert row["p_value"] == pytest.approx(float(f["pValue"]), abs=1e-9)  # the API rounds p
            # The reference is the rest of France (what was tested): France as a whole mixes the
            # territory and that rest, so its estimate lies between the two.
            national = _api_row(page, live_server, f, "france", "FR")["estimate"]
            low, high = sorted((float(f["reference"]), float(f["estimate"])))
            assert low <= national <= high
            assert "reste de la France" in text
        else:
            # the parent (Auvergne-Rhône-Alpes) mixes the territory and the rest of it: its estimate
            # lies between the territory's and the rest's (the reference), on the stated side
            key = (f["survey"], f["measure"], f["statistic"])
            if key not in parent_values:
                parent_values[key] = _api_row(page, live_server, f, "region", "84")["estimate"]
            low, high = sorted((float(f["reference"]), float(f["estimate"])))
            assert low <= parent_values[key] <= high
            assert (float(f["estimate"]) > parent_values[key]) == (f["direction"] == "above")
            assert "reste de la région" in text
            assert "Auvergne-Rhône-Alpes" in text
    assert not page.errors


def test_profile_block_embeds_in_another_site(live_server, page, other_site):
    """A page of another origin shows the embed in a frame, and not the profile page itself."""
    folder, origin = other_site
    (folder / "host.html").write_text(
        f'<iframe id="embed" src="{live_server}/embed/territoire/42?block=key-findings" width="600" height="500">'
        f'</iframe><iframe id="page" src="{live_server}/territoire/42" width="600" height="300"></iframe>',
        encoding="utf-8",
    )
    page.goto(origin + "/host.html")
    frame = page.frame_locator("#embed")
    frame.locator("h1").wait_for(timeout=30_000)
    assert frame.locator("h1").inner_text() == "Loire"
    assert frame.locator("ul.findings li").count() >= 3
    # the app's own pages refuse to be framed (frame-ancestors 'none'): no title in that frame
    page.wait_for_timeout(1500)
    assert page.frame_locator("#page").locator("#profile-title").count() == 0


PROFILES = {"42218": "commune", "244200770": "epci", "42": "departement", "reg-84": "region"}


def test_profiles_and_a_comparison_on_a_phone_and_a_desktop(live_server, browser):
    """At 390 px nothing widens the page (key findings, embed code, tables) and the key findings
    start on the first screen; the screenshots (phone and desktop, top of the page) are the
    README's."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        for key, level in PROFILES.items():
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(live_server + f"/territoire/{key}")
            page.wait_for_selector("#key-findings", timeout=60_000)
            open_sections(page)  # folded by default (audit E12); open, nothing may widen the page
            page.wait_for_selector(".profile-block img.dotplot", timeout=60_000)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, key
            top = page.evaluate("document.querySelector('#key-findings').getBoundingClientRect().top")
            assert top < 844, key  # the answer is on the first screen
            assert page.locator("#profile-pdf").get_attribute("href") == f"/territoire/{key}.pdf"
            page.screenshot(path=str(shot_path(f"p19_profile_{level}_phone")))
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(shot_path(f"p19_profile_{level}_desktop")))
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server + "/comparer?territories=42,13,reg-84")
        page.wait_for_selector(".compare .js-plotly-plot", timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_embedded_map_view_shows_map_legend_and_notice_only(live_server, page):
    page.goto(live_server + "/embed/fragilites?level=departement&domain=emploi")
    page.wait_for_function(
        "() => { const m = document.getElementById('map'); return !!m && m.dataset.state === 'drawn'; }",
        timeout=90_000,
    )
    assert page.locator("body.embed").count() == 1
    assert page.locator(".legend").is_visible() and page.locator("#page-title, h1").first.is_visible()
    assert page.locator(".banner").is_visible()  # the synthetic-data notice
    assert "Géographie" in page.inner_text(".footer")  # the sources
    for hidden in (".header", ".controls", "#table"):
        assert not page.locator(hidden).first.is_visible(), hidden
    back = page.get_attribute("a.embed-back", "href")
    assert back == "/fragilites?level=departement&domain=emploi"
    page.screenshot(path=str(shot_path("p19_embed_fragilites")))
    assert not page.errors
