"""Every page of the navigation, and the API's page, at a phone's width (390 px) in French and in
English: none is wider than the screen (audit E7: the methodology's tables, the API's addresses
and parameter tables), and every page of the navigation is within reach in the header (it wraps
onto a second line: a sideways strip hid half of them, with no cue)."""

from __future__ import annotations

import pytest

from observatory.ui.layout.shell import NAV
from observatory.ui.pages import registry
from tests.browser.conftest import SHOTS, wait_for_map

pytestmark = pytest.mark.browser

PAGES = [path for path, _key in NAV] + ["/api"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Each header link: its box, and whether it is what a tap at its centre reaches (not off-screen,
# clipped by a scrolling strip, or covered).
NAV_LINKS = """() => [...document.querySelectorAll('header .nav .nav-link')].map(a => {
  const r = a.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {text: a.innerText, left: r.left, right: r.right, reached: !!hit && (hit === a || a.contains(hit))};
})"""


# English in the exhaustive tier (CI time): the layout is the same, the words a little longer.
@pytest.mark.parametrize("lang", ["fr", pytest.param("en", marks=pytest.mark.exhaustive)])
def test_no_page_is_wider_than_a_phone_and_every_page_is_in_reach(live_server, browser, lang):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        for path in PAGES:
            page.goto(live_server + path + ("?lang=en" if lang == "en" else ""))
            if path in registry.PAGES:
                wait_for_map(page)
            page.wait_for_selector("h1", timeout=60_000)
            page.wait_for_load_state("networkidle")  # tables, charts and panels drawn
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            if path == "/api":  # a page of its own, without the app's navigation
                continue
            links = page.evaluate(NAV_LINKS)
            assert len(links) == len(NAV), (path, links)
            assert all(a["reached"] and a["left"] >= 0 and a["right"] <= 390 for a in links), (path, links)
            if path == "/methodologie":
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"phone-methodologie-{lang}.png"))  # the first screen
    finally:
        context.close()
