"""A live app on the demo database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

# True when MapLibre is idle with the current values painted (assets/map.js's hooks on #map).
MAP_DRAWN = """() => {
  const m = document.getElementById('map');
  return !!m && m.dataset.state === 'drawn' && parseInt(m.dataset.count || '0', 10) > 0;
}"""
# The values the map painted (figures/choropleth.py:map_data): codes, colour, opacity, tooltips...
MAP_DATA = "() => window.observatoryMap.current()"
MAP_LOCATIONS = "() => window.observatoryMap.current().codes"
MAP_TEXT = "() => window.observatoryMap.current().tooltips"
# Each territory's legend class as painted: 1 + the index of its colour among the legend's
# class swatches, 0 for the grey of suppressed cells.
MAP_Z = """() => {
  const sw = [...document.querySelectorAll('#legend .legend-class .swatch')].map(s => getComputedStyle(s).backgroundColor);
  const rgb = h => { const n = parseInt(h.slice(1), 16); return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`; };
  return window.observatoryMap.current().colour.map(c => sw.indexOf(rgb(c)) + 1);
}"""
TOOLTIP = "() => { const t = document.querySelector('#map .map-tooltip'); return t && t.style.display !== 'none' ? t.innerText : ''; }"


def hover_until(pg, fraction_x: float, fraction_y: float, contains: str, timeout: float = 20_000) -> str:
    """Move the mouse over the map (fractions of its box) until the tooltip holds ``contains``."""
    pg.locator("#map").scroll_into_view_if_needed()  # as a person would, when controls push it down
    box = pg.locator("#map").bounding_box()
    pg.mouse.move(box["x"] + box["width"] * fraction_x - 3, box["y"] + box["height"] * fraction_y)
    pg.mouse.move(box["x"] + box["width"] * fraction_x, box["y"] + box["height"] * fraction_y)
    pg.wait_for_function(f"() => ({TOOLTIP})().includes({contains!r})", timeout=timeout)
    return pg.evaluate(TOOLTIP)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


@pytest.fixture
def other_site(tmp_path):
    """Another origin (another port) serving the files of ``tmp_path``: an embed's host page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# axe-core's moderate rules the pages pass too (audit E19), beside every serious or critical rule:
# one footer and one banner landmark, all content in landmarks, landmarks named apart (MapLibre's
# canvases are "region" landmarks), no skipped heading level.
AXE_MODERATE = (
    "landmark-no-duplicate-contentinfo", "landmark-no-duplicate-banner", "landmark-no-duplicate-main",
    "landmark-one-main", "landmark-unique", "region", "heading-order", "page-has-heading-one",
)  # fmt: skip


def axe_violations(pg) -> list:
    """axe-core's serious and critical violations, and those of the moderate rules above (axe-core
    is injected from the axe-playwright-python package: nothing is fetched)."""
    results = Axe().run(pg)
    bad = [
        v for v in results.response["violations"] if v["impact"] in ("serious", "critical") or v["id"] in AXE_MODERATE
    ]
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]


def wait_for_map(pg, timeout: float = 60_000) -> None:
    """Wait until the map is really drawn (not only the div present)."""
    pg.wait_for_function(MAP_DRAWN, timeout=timeout)


def shot(pg, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def drawn_svgs(pg, selector: str) -> list:
    """The SVG pictures of the ``<img>`` matching ``selector`` (charts drawn on the server), parsed.

    Each is an ElementTree root: its marks carry ``data-series``, ``data-measure``, ``data-estimate``.
    """
    import base64
    from xml.etree import ElementTree

    sources = pg.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('src'))")
    return [ElementTree.fromstring(base64.b64decode(s.split(",", 1)[1])) for s in sources if s]


def svg_texts(svg, css_class: str | None = None) -> list[str]:
    """The texts of an SVG picture (those of class ``css_class`` only, if given)."""
    ns = "{http://www.w3.org/2000/svg}"
    return [e.text or "" for e in svg.iter(f"{ns}text") if css_class is None or e.get("class") == css_class]
