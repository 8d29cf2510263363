"""Screenshots of every page at desktop and phone width, drawn in Chromium.

They land in tests/artifacts/screenshots/; ``docs/update_screenshots.sh`` copies them to
docs/screenshots/ for the README. The test also checks that each page renders without a
JavaScript error and, for map pages, that the map is really drawn before the picture is taken.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import SHOTS, shot, wait_for_map
from tests.browser.folds import open_sections

pytestmark = pytest.mark.browser

PAGES = {
    "fragilites": ("/fragilites", True),
    "partenariats": ("/partenariats", True),
    "co-construction": ("/co-construction", True),
    "methodologie": ("/methodologie", False),
    "territoire": ("/territoire/42218", False),
    "comparer": ("/comparer?territories=42,13,reg-84&view=fragilite-citoyens", False),
    "fragilites-communes": ("/fragilites?survey=citoyens&level=commune&domain=emploi&stat=mean_score", True),
    "fragilites-cantons": ("/fragilites?survey=citoyens&level=canton&domain=composite&stat=mean_score", True),
    "innovation": ("/innovation?survey=citoyens&wave=2019&level=departement", True),
    "evolution": (
        "/fragilites?survey=citoyens&wave=2019&level=departement&domain=environnement&stat=mean_score&compare=2015",
        True,
    ),
}


# Every page at 1280 px; at 390 px the map page the README shows, the others in the exhaustive tier
# (the phone layout of every page is checked by tests/browser/test_phone_layout.py).
CASES = [(1280, name) for name in PAGES] + [
    pytest.param(390, name, marks=() if name == "fragilites" else pytest.mark.exhaustive, id=f"390-{name}")
    for name in PAGES
]


@pytest.mark.parametrize("width,name", CASES)
def test_screenshot(live_server, browser, name, width):
    path, has_map = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + path)
    if has_map:
        wait_for_map(page, timeout=90_000)
        # the panels below follow the map: wait for the ranking's bars and the table's rows
        page.wait_for_function(
            "() => { const r = document.querySelector('#ranking .js-plotly-plot');"
            " return r && r.data && r.data.length > 0 && document.querySelectorAll('#table tbody tr').length > 1; }",
            timeout=90_000,
        )
    else:
        page.wait_for_selector("h1", timeout=60_000)
        if path.startswith("/territoire/"):  # its detail sections are folded (audit E12): open them all
            open_sections(page)
        if "methodologie" not in path:  # a chart: plotly's, or the profile's drawn on the server
            page.wait_for_selector(".js-plotly-plot, img.dotplot", timeout=60_000)
    page.wait_for_load_state("networkidle")  # the panels' small maps and heat-map have their data
    out = shot(page, f"{name}{'' if width > 800 else '-mobile'}")
    assert not errors
    assert_shows(page, out, has_map)
    context.close()


def colours(png: bytes) -> tuple[int, float]:
    """How many distinct colours a picture has, and the share of its pixels that are not white."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels, axis=0)), float((pixels.min(axis=1) < 235).mean())


def assert_shows(page, out, has_map: bool) -> None:
    """What a person sees in the picture: a title, the synthetic-data notice, and a drawn map."""
    picture = Image.open(out)
    assert picture.width >= 390 and picture.height >= 600
    title = page.locator("h1").first
    assert title.is_visible() and len(title.inner_text().strip()) > 3
    assert "synthétique" in page.locator("body").inner_text().lower()  # the notice, on every page
    if has_map:  # the map's own pixels: many colours (classes, outlines), most of it not blank
        n_colours, inked = colours(page.locator("#map").screenshot())
        assert n_colours >= 8 and inked > 0.1, (n_colours, inked)  # (communes: mostly grey, suppressed)
    else:  # some chart or table drawn on the page
        n_colours, inked = colours(out.read_bytes())
        assert n_colours >= 8 and inked > 0.02, (n_colours, inked)


def test_screenshot_of_the_profile_trends(live_server, browser):
    """The profile's "change between waves" section alone (the full profile is very long)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/territoire/13")
    open_sections(page, "trends", timeout=90_000)  # folded by default (audit E12)
    page.wait_for_selector("#trends img.trend-panel", timeout=90_000)
    page.wait_for_function(  # the panels are loaded and laid out (pictures drawn on the server)
        "() => [...document.querySelectorAll('#trends img.trend-panel')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=60_000,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / "territoire-tendances.png"
    page.locator("#trends").screenshot(path=str(out))
    context.close()
    assert not errors
    n_colours, inked = colours(out.read_bytes())
    assert n_colours >= 8 and inked > 0.01, (n_colours, inked)  # thin lines and dots on white
