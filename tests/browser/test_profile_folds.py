"""The profile as a council officer reads it (audit E12), in Chromium: the key findings on the first
screen, then the detail sections folded, each under its title and a line of counts; openable one by
one, all at once ("Tout déplier"), by an address or a link naming one (#block-partenariats); all open
when printed; no accessibility violation folded.

The lines' counts are checked against what the opened section shows and against the API's family of
tests (``/api/v1/findings/<code>``, each test's ``stated``).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.browser.folds import SECTIONS_OPEN, open_sections

pytestmark = pytest.mark.browser

PROFILES = ("42218", "244200770", "42", "reg-84")  # Saint-Étienne, its métropole, the Loire, its région
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
# What lies below the key findings, folded: the identity, the downloads and a line per section. Open,
# it was 13,000–15,000 px on a desktop and 30,000–33,000 px on a phone (measured before the folds).
BELOW_FINDINGS = {1280: 1_500, 390: 2_600}  # px
SECTION_IDS = "() => [...document.querySelectorAll('.profile .profile-block')].map(s => s.id)"
VISIBLE = "(sel) => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility()).length"


def open_profile(page, base: str, path: str) -> None:
    page.goto(base + path)
    page.wait_for_selector("#key-findings", timeout=60_000)
    page.wait_for_selector(".profile-block", state="attached", timeout=60_000)


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280", "390"])
def test_key_findings_first_and_the_detail_folded(live_server, browser, device):
    context = browser.new_context(**device)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    width = device["viewport"]["width"]
    try:
        for key in PROFILES:
            open_profile(page, live_server, f"/territoire/{key}")
            findings = page.locator("#key-findings").bounding_box()
            assert page.locator("#key-findings").is_visible() and findings["y"] < 844, key  # on the first screen
            assert page.evaluate(SECTIONS_OPEN) and not any(page.evaluate(SECTIONS_OPEN)), key  # all folded
            sections = page.evaluate(SECTION_IDS)
            assert {"block-fragilite", "block-partenariats", "trends", "initiatives"} <= set(sections), key
            first = page.locator(f"#{sections[0]}").bounding_box()
            assert first["y"] > findings["y"] + findings["height"], key  # the detail comes after
            for selector in (".profile-block img.dotplot", "#trends img.trend-panel", ".profile-table"):
                assert page.evaluate(VISIBLE, selector) == 0, (key, selector)
            # each section says what it holds: a title and a line (of counts, for the data), on the screen
            for sid in sections:
                line = page.inner_text(f"#{sid} > details > summary .fold-line")
                assert page.inner_text(f"#{sid} > details > summary h2") and line, (key, sid)
                assert sid == "profile-guide" or re.search(r"\d", line), (key, sid, line)
            height = page.evaluate("document.documentElement.scrollHeight")
            below = height - (findings["y"] + findings["height"])
            assert below <= BELOW_FINDINGS[width], (key, width, height, below)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, key
        assert not errors
    finally:
        context.close()


def test_sections_open_one_by_one_and_all_at_once(live_server, page):
    open_profile(page, live_server, "/territoire/42")
    button = page.locator("#profile-expand-all")
    assert button.inner_text() == "Tout déplier" and button.get_attribute("aria-expanded") == "false"
    # one section, from the keyboard: its title takes the focus and Enter opens it alone
    page.focus("#block-fragilite > details > summary")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#block-fragilite > details').open")
    assert page.evaluate(VISIBLE, "#block-fragilite img.dotplot") >= 1
    assert sum(page.evaluate(SECTIONS_OPEN)) == 1
    assert page.evaluate(VISIBLE, "#trends img.trend-panel") == 0
    # all at once, and folded again
    button.click()
    page.wait_for_function(f"() => ({SECTIONS_OPEN})().every(Boolean)")
    assert button.inner_text() == "Tout replier" and button.get_attribute("aria-expanded") == "true"
    for selector in (".profile-block img.dotplot", "#trends img.trend-panel", "#initiatives .initiative"):
        assert page.evaluate(VISIBLE, selector) >= 1, selector
    button.click()
    page.wait_for_function(f"() => !({SECTIONS_OPEN})().some(Boolean)")
    assert button.inner_text() == "Tout déplier" and button.get_attribute("aria-expanded") == "false"
    assert not page.errors


def test_an_address_or_a_link_to_a_section_opens_it(live_server, page):
    open_profile(page, live_server, "/territoire/42#block-partenariats")
    page.wait_for_function("() => document.querySelector('#block-partenariats > details').open", timeout=20_000)
    top = page.evaluate("document.querySelector('#block-partenariats').getBoundingClientRect().top")
    assert -5 <= top <= 100  # scrolled to it
    assert page.evaluate(VISIBLE, "#block-partenariats .profile-table") >= 1
    assert sum(page.evaluate(SECTIONS_OPEN)) == 1
    # a link in the page to another section
    page.evaluate(
        "() => { const a = document.createElement('a'); a.href = '#initiatives'; a.id = 'to-initiatives';"
        " a.textContent = 'initiatives'; document.querySelector('#profile-title').append(a); }"
    )
    page.click("#to-initiatives")
    page.wait_for_function("() => document.querySelector('#initiatives > details').open", timeout=20_000)
    assert page.evaluate(VISIBLE, "#initiatives .initiative") >= 1
    # an address to something inside a section opens the section around it
    open_profile(page, live_server, "/territoire/13#profile-trends")
    page.wait_for_function("() => document.querySelector('#trends > details').open", timeout=20_000)
    assert not page.errors


def test_printing_shows_every_section_open(live_server, page):
    open_profile(page, live_server, "/territoire/42")
    page.emulate_media(media="print")  # the style sheet alone (Ctrl-P's preview)
    for selector in (".profile-block img.dotplot", "#trends img.trend-panel", "#initiatives .initiative"):
        assert page.evaluate(VISIBLE, selector) >= 1, selector
    assert not page.locator("#profile-expand-all").is_visible()
    page.emulate_media(media="screen")
    assert page.evaluate(VISIBLE, ".profile-block img.dotplot") == 0
    # the print events (what Chromium sends around Ctrl-P): open, then as the reader left them
    open_sections(page, "block-maires")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert all(page.evaluate(SECTIONS_OPEN))
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    ids = page.evaluate(SECTION_IDS)
    assert [sid for sid, is_open in zip(ids, page.evaluate(SECTIONS_OPEN), strict=True) if is_open] == ["block-maires"]
    assert not page.errors


INDICATORS = {"block-fragilite": "fragility", "block-partenariats": "partnerships", "block-maires": "mayors",
              "block-innovation": "innovation"}  # fmt: skip


@pytest.mark.parametrize("key", ["42", "244200770"])
def test_the_lines_count_what_the_sections_show(live_server, page, key):
    open_profile(page, live_server, f"/territoire/{key}")
    lines = {sid: page.inner_text(f"#{sid} > details > summary .fold-line") for sid in INDICATORS}
    lines["trends"] = page.inner_text("#trends > details > summary .fold-line")
    tests = page.request.get(f"{live_server}/api/v1/findings/{key}").json()["tests"]
    open_sections(page)

    def count(line: str, word: str) -> int:
        return int(re.search(rf"(\d+)\s{word}", line)[1])

    for sid, indicator in INDICATORS.items():
        rows = page.eval_on_selector_all(f"#{sid} .profile-table tbody tr", "els => els.map(e => e.className)")
        assert count(lines[sid], "mesures?") == len(rows), (sid, lines[sid])
        assert count(lines[sid], "fiables?") == rows.count("reliability-ok"), (sid, lines[sid])
        stated = {
            (t["survey"], t["measure"], t["statistic"])
            for t in tests
            if t["stated"] and t["indicator"] == indicator and t["versus"] in ("france", "parent")
        }
        assert count(lines[sid], "écarts? significatifs?") == len(stated), (sid, lines[sid])
    panels = page.locator("#trends img.trend-panel").count()
    changes = {
        (t["survey"], t["measure"], t["statistic"]) for t in tests if t["stated"] and t["versus"] == "previous_wave"
    }
    assert count(lines["trends"], "graphiques?") == panels > 0
    assert count(lines["trends"], "évolutions? significatives?") == len(changes)
    assert not page.errors


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280", "390"])
def test_folded_profile_has_no_accessibility_violation(live_server, browser, device):
    context = browser.new_context(**device)
    page = context.new_page()
    try:
        open_profile(page, live_server, "/territoire/244200770")
        bad = axe_violations(page)
    finally:
        context.close()
    assert not bad, bad


def test_english_profile_folds_in_english(live_server, page):
    open_profile(page, live_server, "/territoire/42?lang=en")
    assert page.inner_text("#profile-expand-all") == "Expand all"
    line = page.inner_text("#block-fragilite > details > summary .fold-line")
    assert "measures" in line and "reliable" in line and "mesure" not in line
    page.click("#profile-expand-all")
    page.wait_for_function("() => document.querySelector('#profile-expand-all').innerText === 'Collapse all'")
