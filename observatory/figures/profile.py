"""The profile's own figures: the locator map, and the dot plots laid out for any screen width.

Figure dicts, built from plain values (no Dash, no database).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from observatory.figures.choropleth import FRANCE_SPAN_DEGREES, FRANCE_VIEW
from observatory.figures.compare import dotplot

LOCATOR_WIDTH_PX = 320  # the locator's box (assets/style.css .locator), for the zoom that shows France
LOCATOR_HEIGHT_PX = 260
REGION_FILL = "#e3e3e3"
TERRITORY_FILL = "#d95f02"  # the territory's colour in the profile's charts (Dark2)
PARENT_LINE = "#222222"
LABEL_CHARS = 26  # a dot plot's row labels are wrapped at this width (≈ 150 px at 11 px)


def locator_zoom(width_px: int = LOCATOR_WIDTH_PX) -> float:
    """The zoom at which France with its overseas insets fills a map ``width_px`` wide.

    MapLibre draws the world 512 × 2^zoom pixels wide.
    """
    return round(math.log2(width_px * 360 / (FRANCE_SPAN_DEGREES * 512)), 2)


def _shapes(level: str, codes: list[str], fill: str, line: str, width: float) -> dict:
    """One choropleth layer: the ``codes`` of a level's geometry in one colour."""
    return {
        "type": "choroplethmap",
        "geojson": f"/geo/{level}.geojson",
        "featureidkey": "id",
        "locations": codes,
        "z": [0] * len(codes),
        "colorscale": [[0, fill], [1, fill]],
        "showscale": False,
        "marker": {"line": {"width": width, "color": line}},
        "hoverinfo": "skip",
        "name": level,
    }


def locator(
    region_codes: list[str],
    territory: tuple[str, str],
    parent: tuple[str, str] | None,
    point: tuple[float, float] | None,
    name: str,
) -> dict:
    """A small map of France that locates a territory.

    Every région in light grey (the overseas ones in their insets), the parent outlined, the
    territory filled. A commune is a marked point: at a zoom that shows France it is about one
    pixel wide, and its shape would need the 3.6 MB (gzip) commune geometry; an EPCI's shape
    (0.6 MB, shared with the EPCI maps) is drawn and its point marked too.
    """
    level, code = territory
    data = [_shapes("region", region_codes, REGION_FILL, "#ffffff", 0.8)]
    if parent is not None:
        data.append(_shapes(parent[0], [parent[1]], "rgba(0,0,0,0)", PARENT_LINE, 1.6))
    if level != "commune":
        data.append(_shapes(level, [code], TERRITORY_FILL, TERRITORY_FILL, 1.0))
    if point is not None and level in ("commune", "epci"):
        data.append(
            {
                "type": "scattermap",
                "lon": [point[0]],
                "lat": [point[1]],
                "mode": "markers",
                "marker": {"size": 11, "color": TERRITORY_FILL},
                "text": [name],
                "hoverinfo": "text",
                "name": name,
            }
        )
    return {
        "data": data,
        "layout": {
            "map": {"style": "white-bg", "center": FRANCE_VIEW["center"], "zoom": locator_zoom()},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "height": LOCATOR_HEIGHT_PX,
            "showlegend": False,
        },
    }


def wrap(label: str, width: int = LABEL_CHARS) -> str:
    """A label on several lines (``<br>``) of at most ``width`` characters."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def profile_dotplot(
    frame: pd.DataFrame, series: list[tuple[str, str]], labels: dict[str, str], statistic: str, title: str, lang: str
) -> dict:
    """The comparison dot plot, laid out for a profile on any screen.

    Row labels wrapped so that they leave the plot most of a phone's width; the title and the
    legend above the plot, so that the x-axis ticks are never under the legend, even with one row.
    """
    figure = dotplot(frame, series, {m: wrap(v) for m, v in labels.items()}, statistic, title, lang)
    lines = sum(wrap(labels.get(m, m)).count("<br>") + 1 for m in frame["measure"])
    layout = figure["layout"]
    height = max(220, 15 * lines + 12 * len(frame) + 140)
    layout.update(
        {
            "title": {
                **layout["title"], "x": 0, "xref": "container", "xanchor": "left", "pad": {"t": 8, "l": 10},
                "y": 1, "yref": "container", "yanchor": "top",
            },
            # below the title (pixels from the top), never over the x-axis ticks; from the plot's
            # left edge: a legend placed against the figure's edge would push the plot aside
            "legend": {"orientation": "h", "x": 0, "xref": "paper", "y": 1 - 34 / height, "yref": "container",
                       "yanchor": "top"},
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 96, "b": 10},
        }
    )  # fmt: skip
    layout["yaxis"] = {**layout["yaxis"], "tickfont": {"size": 11}}
    layout["xaxis"] = {**layout["xaxis"], "automargin": True}
    return figure
