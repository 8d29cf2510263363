"""A live app on the demo database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

# True when MapLibre has loaded the map and rendered features of the choropleth.
MAP_DRAWN = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map) return false;
  const m = gd._fullLayout.map._subplot.map;
  return m.loaded() && m.queryRenderedFeatures().length > 0;
}"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


def wait_for_map(pg, timeout: float = 60_000) -> None:
    """Wait until the map is really drawn (not only the div present)."""
    pg.wait_for_function(MAP_DRAWN, timeout=timeout)


def shot(pg, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
