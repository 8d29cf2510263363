"""Numbers and words as a person reads them in Chromium (audit E15): decimal commas on a French
chart's colour bar, and a map image named after its whole title, never cut mid-word."""

from __future__ import annotations

import re
import unicodedata

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

# The heat-map's colour bar tick labels (its title, "/10", apart).
COLOUR_BAR_TICKS = """() => [...document.querySelectorAll('#heatmap g.colorbar text')]
    .filter(t => !t.closest('.cbtitle')).map(t => t.textContent)"""


def colour_bar_ticks(page) -> list[str]:
    page.wait_for_function(f"() => ({COLOUR_BAR_TICKS})().length > 2", timeout=60_000)
    return page.evaluate(COLOUR_BAR_TICKS)


@pytest.mark.parametrize("lang,mark,other", [("fr", ",", "."), ("en", ".", ",")])
def test_the_heat_map_colour_bar_uses_the_languages_decimal_mark(live_server, page, lang, mark, other):
    page.goto(live_server + f"/fragilites?level=region&domain=composite&stat=mean_score&lang={lang}")
    ticks = colour_bar_ticks(page)
    decimals = [t for t in ticks if re.fullmatch(r"\d+\D\d+", t)]
    assert decimals, ticks  # mean scores out of 10 over a few points: ticks at halves or tenths
    assert all(mark in t and other not in t for t in decimals), ticks


def slug(title: str) -> str:
    """The title as mappage.js writes it in the file name: no accents, lower case, words joined by '-'."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def test_the_map_image_is_named_after_the_whole_title(live_server, page):
    # a long title (128 characters once written as a file name): it was cut at 80, mid-word
    page.goto(live_server + "/fragilites?level=region&domain=composite&stat=priority_share&compare=2015")
    wait_for_map(page)
    title = page.inner_text("#view-title")
    assert len(slug(title)) > 100, title
    with page.expect_download() as info:
        page.click("#map-image")
    assert info.value.suggested_filename == f"carte_{slug(title)}.png"
