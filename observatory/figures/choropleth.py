"""The choropleth map as a plain figure dict (plotly's validators cost seconds on communes).

The geometry is not embedded: the trace points at ``/geo/<level>.geojson``, served once,
compressed and cached by the browser. Colours are discrete classes; suppressed territories are
grey (class "effectif insuffisant"), low-reliability ones faded. The colour of each territory is
its class on the legend: both come from :func:`observatory.classify.class_of`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from observatory.classify import class_of

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


def colour_patch(figure: dict):
    """A ``dash.Patch`` turning the drawn map into ``figure`` when only colours and texts differ.

    Sent instead of the whole figure on a control change at the same level: the locations (and
    the geometry, which is never in the figure) stay in the browser.
    """
    from dash import Patch

    patch = Patch()
    trace = figure["data"][0]
    for key in ("z", "zmax", "colorscale", "text"):
        patch["data"][0][key] = trace[key]
    patch["data"][0]["marker"]["opacity"] = trace["marker"]["opacity"]
    return patch


def draw_map(
    frame: pd.DataFrame,
    upper_bounds: list[float],
    colours: list[str],
    geo_url: str,
    map_style: str = "white-bg",
    selected: str | None = None,
    revision: str = "",
    viewport_width: int | None = None,
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
    }
    return {"data": data, "layout": layout}


def initiatives_trace(points: pd.DataFrame, lang: str) -> dict:
    """Markers of the real initiatives (from the source documents), with their source in the hover."""
    text = [
        f"<b>{n}</b><br>{t} ({lv})"
        for n, t, lv in zip(points["name"], points["territory"], points["level"], strict=True)
    ]
    return {
        "type": "scattermap",
        "lon": points["lon"].round(4).tolist(),
        "lat": points["lat"].round(4).tolist(),
        "mode": "markers",
        "marker": {"size": 11, "color": INITIATIVES_COLOUR, "opacity": 0.9},
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "name": "initiatives",
    }
