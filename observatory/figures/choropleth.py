"""The choropleth map: what MapLibre needs to colour a level's vector tiles, as plain data.

The map pages draw with MapLibre GL JS (``assets/map.js``) from the vector tiles of
``/tiles/<level>/...`` (:mod:`observatory.data.tiles`): the geometry never travels with the values. A view is
:func:`map_data`, a dict aligned on the territories' codes (class, opacity, tooltip), which the
browser applies with ``setFeatureState``: a recolour is a repaint, not a new GeoJSON. Colours are
discrete classes; suppressed territories are grey (class "effectif insuffisant"), low-reliability
ones faded. The colour of each territory is its class on the legend: both come from
:func:`observatory.core.classify.class_of`.

:func:`draw_map` (a plotly figure dict) remains for the small multiples below some maps.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core.classify import class_of
from observatory.core.reference import MAX_ZOOM

SUPPRESSED_COLOUR = "#9e9e9e"
INITIATIVES_COLOUR = "#7b3294"  # the markers of real initiatives, and their legend entry
OPACITY = {"ok": 0.95, "low": 0.4, "suppressed": 0.55}
# ColorBrewer sequential palettes, colour-blind safe (colorbrewer2.org), 5 classes.
PALETTES: dict[str, list[str]] = {
    "fragility": ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    "practice": ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
}
# Diverging palettes for changes between waves (6 classes, centred on 0; ColorBrewer RdBu and
# PuOr): more fragility is red, more practice purple; decreases blue / orange.
CHANGE_PALETTES: dict[str, list[str]] = {
    "fragility": ["#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b"],
    "practice": ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"],
}
# Map view (lon, lat, zoom) that shows mainland France, Corsica and the overseas insets.
FRANCE_VIEW = {"center": {"lon": 0.4, "lat": 46.2}, "zoom": 4.7}
FRANCE_BOUNDS = (-8.0, 41.3, 9.6, 51.1)  # west, south, east, north with the insets (bounds.json, rounded out)
FRANCE_SPAN_DEGREES = 19.5  # longitude span of the map with its insets (bounds.json, rounded up)
LEGEND_WIDTH_PX = 330
# Name and code from the GeoJSON feature, then the territory's text (value, CI, n... or why not).
HOVER = "<b>%{properties.name}</b> (%{location})<br>%{text}<extra></extra>"  # the legend beside the map on wide screens (assets/style.css)


def zoom_for(viewport_width: int | None) -> float:
    """A zoom that fits the national map in the map panel of a screen this wide.

    MapLibre draws the world 512 × 2^zoom pixels wide.
    """
    if not viewport_width:
        return FRANCE_VIEW["zoom"]
    panel = viewport_width - (LEGEND_WIDTH_PX if viewport_width > 800 else 40)
    return round(min(FRANCE_VIEW["zoom"], math.log2(max(panel, 200) * 360 / (FRANCE_SPAN_DEGREES * 512))), 2)


def palette(name: str, k: int) -> list[str]:
    """K colours of a palette (k ≤ 5), spread over its range."""
    colours = PALETTES[name]
    if k >= len(colours):
        return colours[:k] if k == len(colours) else colours
    idx = np.round(np.linspace(0, len(colours) - 1, k)).astype(int)
    return [colours[i] for i in idx]


def colourscale(colours: list[str]) -> list[list]:
    """A stepped colourscale: z = 0 is the suppressed grey, z = i + 1 is class i."""
    steps = [SUPPRESSED_COLOUR, *colours]
    n = len(steps)
    scale = []
    for i, c in enumerate(steps):
        scale += [[i / n, c], [(i + 1) / n, c]]
    return scale


def map_arrays(frame: pd.DataFrame, upper_bounds: list[float]) -> dict[str, list]:
    """Z (class + 1, 0 when suppressed), opacity and hover text of each territory."""
    cls = class_of(frame["estimate"].to_numpy(float), upper_bounds)
    suppressed = (frame["reliability"] == "suppressed").to_numpy()
    z = np.where(suppressed | (cls < 0), 0, cls + 1)
    if "opacity" in frame:  # a change map fades the non-significant changes
        opacity = frame["opacity"].to_numpy(float)
    else:
        opacity = frame["reliability"].map(OPACITY).fillna(OPACITY["suppressed"]).to_numpy(float)
    return {
        "locations": frame["territory_code"].tolist(),
        "z": z.astype(int).tolist(),
        "opacity": opacity.round(2).tolist(),
        "text": frame["hover"].tolist(),
    }


def draw_map(
    frame: pd.DataFrame,
    upper_bounds: list[float],
    colours: list[str],
    geo_url: str,
    map_style: str = "white-bg",
    selected: str | None = None,
    revision: str = "",
    viewport_width: int | None = None,
    lang: str = "fr",
) -> dict:
    """The figure dict: one choroplethmap trace (+ an outline trace for the selected territory).

    ``frame`` holds territory_code, estimate, reliability and a preformatted ``hover`` text.
    """
    arrays = map_arrays(frame, upper_bounds)
    trace = {
        "type": "choroplethmap",
        "geojson": geo_url,
        "featureidkey": "id",
        "locations": arrays["locations"],
        "z": arrays["z"],
        "zmin": -0.5,
        "zmax": len(colours) + 0.5,
        "colorscale": colourscale(colours),
        "showscale": False,
        "marker": {"opacity": arrays["opacity"], "line": {"width": 0.4, "color": "#ffffff"}},
        "text": arrays["text"],
        "hovertemplate": HOVER,
        "name": "",
    }
    data = [trace]
    if selected and selected in set(arrays["locations"]):
        data.append(
            {
                "type": "choroplethmap",
                "geojson": geo_url,
                "featureidkey": "id",
                "locations": [selected],
                "z": [0],
                "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                "showscale": False,
                "marker": {"line": {"width": 3, "color": "#111111"}},
                "hoverinfo": "skip",
                "name": "selection",
            }
        )
    layout = {
        "map": {"style": map_style, "center": FRANCE_VIEW["center"], "zoom": zoom_for(viewport_width)},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "uirevision": revision,
        "showlegend": False,
        "paper_bgcolor": "#ffffff",
        "dragmode": "pan",
        "separators": i18n.plotly_separators(lang),
    }
    return {"data": data, "layout": layout}


def tiles_url(level: str, version: str) -> str:
    """The vector tiles' URL template of a level (the data version makes a new build's URL new)."""
    return f"/tiles/{level}/{{z}}/{{x}}/{{y}}.pbf?v={version}"


def map_spec(level: str, version: str, viewport_width: int | None = None) -> dict:
    """What MapLibre needs before any value: the level's tiles and the national view.

    It is in the page's layout, so that the tiles load while the server computes the values.
    """
    return {
        "level": level,
        "tiles": tiles_url(level, version),
        "maxzoom": MAX_ZOOM.get(level, 8),
        "center": [FRANCE_VIEW["center"]["lon"], FRANCE_VIEW["center"]["lat"]],
        "zoom": zoom_for(viewport_width),
        "bounds": list(FRANCE_BOUNDS),  # the browser fits these in the map's own size
    }


def tooltip_texts(frame: pd.DataFrame) -> list[str]:
    """Each territory's tooltip: "<b>name</b> (code)", then its text (value, CI, n... or why not)."""
    return [
        f"<b>{name}</b> ({code})<br>{text}"
        for name, code, text in zip(
            frame["territory_name"].tolist(), frame["territory_code"].tolist(), frame["hover"].tolist(), strict=True
        )
    ]


def map_data(
    frame: pd.DataFrame,
    upper_bounds: list[float],
    colours: list[str],
    spec: dict,
    selected: str | None = None,
    initiatives: list[dict] | None = None,
) -> dict:
    """The values MapLibre applies to the tiles: one entry per territory, aligned on ``codes``.

    ``colour`` is the class colour (the suppressed grey when suppressed or unclassified),
    ``opacity`` faded for low reliability (or a non-significant change), ``model`` marks cells
    estimated by a model (hatched; a ``model`` column, absent today, sets it). ``id`` identifies
    the values: the page's ``#map`` carries it in ``data-values`` once they are drawn.
    """
    arrays = map_arrays(frame, upper_bounds)
    steps = [SUPPRESSED_COLOUR, *colours]
    model = frame["model"].fillna(False).astype(bool).tolist() if "model" in frame else []
    data = {
        **spec,
        "codes": arrays["locations"],
        "colour": [steps[z] if z < len(steps) else SUPPRESSED_COLOUR for z in arrays["z"]],
        "opacity": arrays["opacity"],
        "model": model,
        "tooltips": tooltip_texts(frame),
        "selected": selected if selected in set(arrays["locations"]) else None,
        "initiatives": initiatives or [],
    }
    digest = hashlib.sha256(
        json.dumps([data["level"], data["codes"], data["colour"], data["opacity"], model, data["selected"],
                    data["initiatives"], data["tooltips"]], ensure_ascii=False).encode()
    )  # fmt: skip
    data["id"] = digest.hexdigest()[:12]
    return data


def initiative_points(points: pd.DataFrame, lang: str) -> list[dict]:
    """The real initiatives (from the source documents) as map points, with their tooltip."""
    del lang  # the tooltip's words are the source's own
    return [
        {"lon": round(float(lon), 4), "lat": round(float(lat), 4), "text": f"<b>{n}</b><br>{t} ({lv})"}
        for n, t, lv, lon, lat in zip(
            points["name"], points["territory"], points["level"], points["lon"], points["lat"], strict=True
        )
    ]
