"""The profile's own figures: the dot plots laid out for any screen width, the locator map.

Figure dicts, built from plain values (no Dash, no database); and static SVG figures drawn on
the server from the GeoJSON files and the estimates (the locator, the PDF's dot plots).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from observatory.figures.compare import dotplot

REGION_FILL = "#e3e3e3"
TERRITORY_FILL = "#d95f02"  # the territory's colour in the profile's charts (Dark2)
PARENT_LINE = "#222222"
LABEL_CHARS = 26  # a dot plot's row labels are wrapped at this width (≈ 150 px at 11 px)


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


# --- static figures (SVG drawn on the server: the page's locator, the PDF's charts) -------------
LOCATOR_SVG_WIDTH = 320  # px; France with its insets is about as wide as tall
SVG_FONT = "DejaVu Sans, Arial, sans-serif"
SERIES_COLOURS = {"territory": TERRITORY_FILL, "parent": "#1b9e77", "france": "#555555", "published": "#000000"}


@functools.lru_cache(maxsize=8)
def _rings(path: str, mtime: float) -> dict[str, list[list[tuple[float, float]]]]:
    """The outer and inner rings of every feature of a GeoJSON file, by the feature's id."""
    del mtime  # part of the cache key: a rebuilt file is read again
    with open(path, encoding="utf-8") as f:
        collection = json.load(f)
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in collection["features"]:
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        out[str(feature.get("id"))] = [
            [(float(x), float(y)) for x, y, *_ in ring] for poly in polygons for ring in poly
        ]
    return out


def rings(geo_dir: Path, level: str) -> dict[str, list[list[tuple[float, float]]]]:
    """The rings of a level's geometry (``geo_dir/<level>.geojson``), cached while the file is unchanged."""
    path = Path(geo_dir) / f"{level}.geojson"
    return _rings(str(path), path.stat().st_mtime) if path.exists() else {}


@dataclass(frozen=True)
class Frame:
    """Longitude/latitude to SVG pixels: an equirectangular projection at the map's mid-latitude."""

    lon0: float
    lat1: float
    scale: float
    kx: float

    @classmethod
    def fit(cls, shapes: list[list[tuple[float, float]]], width: float) -> Frame:
        """The frame that fits ``shapes`` into ``width`` pixels."""
        xs = [x for ring in shapes for x, _ in ring]
        ys = [y for ring in shapes for _, y in ring]
        kx = math.cos(math.radians((min(ys) + max(ys)) / 2))  # a degree of longitude is shorter
        return cls(min(xs), max(ys), width / ((max(xs) - min(xs)) * kx), kx)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """A point's pixel position."""
        return (lon - self.lon0) * self.kx * self.scale, (self.lat1 - lat) * self.scale


def _path(frame: Frame, shape: list[list[tuple[float, float]]]) -> str:
    """An SVG path of rings, at 0.1 px (repeated points dropped: a light file)."""
    parts = []
    for ring in shape:
        points, last = [], None
        for lon, lat in ring:
            x, y = frame.xy(lon, lat)
            p = f"{x:.1f} {y:.1f}"
            if p != last:
                points.append(p)
                last = p
        if len(points) > 2:
            parts.append("M" + " L".join(points) + "Z")
    return "".join(parts)


def locator_svg(
    geo_dir: Path,
    territory: tuple[str, str],
    parent: tuple[str, str] | None,
    point: tuple[float, float] | None,
    title: str,
) -> str:
    """The locator as an SVG document: France's régions, the parent outlined, the territory filled.

    The overseas régions are in their insets (the geometry places them so). A commune is a dot
    (its shape would be a pixel at this scale); an EPCI is drawn and marked by a dot too.
    Each path carries ``data-level`` and ``data-code``.
    """
    regions = rings(geo_dir, "region")
    frame = Frame.fit([r for shape in regions.values() for r in shape], LOCATOR_SVG_WIDTH - 8)
    height = max(frame.xy(frame.lon0, min(y for s in regions.values() for r in s for _, y in r))[1], 1) + 8
    body = [
        f'<path d="{_path(frame, shape)}" fill="{REGION_FILL}" stroke="#ffffff" stroke-width="0.8" '
        f'data-level="region" data-code="{code}"/>'
        for code, shape in sorted(regions.items())
    ]
    level, code = territory
    if level != "commune":
        shape = rings(geo_dir, level).get(code)
        if shape:
            body.append(
                f'<path d="{_path(frame, shape)}" fill="{TERRITORY_FILL}" stroke="{TERRITORY_FILL}" stroke-width="0.6" '
                f'data-level="{level}" data-code="{code}" class="territory"/>'
            )
    if parent is not None:
        shape = rings(geo_dir, parent[0]).get(parent[1])
        if shape:
            body.append(
                f'<path d="{_path(frame, shape)}" fill="none" stroke="{PARENT_LINE}" stroke-width="1.6" '
                f'data-level="{parent[0]}" data-code="{parent[1]}" class="parent"/>'
            )
    if point is not None and level in ("commune", "epci"):
        x, y = frame.xy(*point)
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{TERRITORY_FILL}" stroke="#ffffff" stroke-width="1.5" '
            f'data-level="{level}" data-code="{code}" class="territory-point"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 {LOCATOR_SVG_WIDTH} {height:.0f}" '
        f'width="{LOCATOR_SVG_WIDTH}" height="{height:.0f}" role="img"><title>{html.escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URL (for an ``<img>``; the CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def dotplot_svg(
    rows: list[dict], series: list[tuple[str, str]], title: str, lo: float, hi: float, width: int = 640
) -> str:
    """A static dot plot: one row per measure, each series' estimate with its 95 % CI.

    ``rows``: dicts with ``label`` and, per series key, ``(estimate, ci_low, ci_high)`` or None.
    ``lo``–``hi``: the x-axis range. For the PDF (no browser: the page's charts are plotly's).
    """
    left, right, row_h, top = 250, 16, 22, 46
    plot = width - left - right
    height = top + row_h * len(rows) + 30

    def x(v: float) -> float:
        return left + plot * (v - lo) / (hi - lo) if hi > lo else left

    out = [f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    lx = 0
    for key, name in series:  # the legend, one line under the title
        out.append(f'<circle cx="{lx + 5}" cy="30" r="4" fill="{SERIES_COLOURS.get(key, "#333")}"/>')
        out.append(f'<text x="{lx + 13}" y="34" font-size="10">{html.escape(name)}</text>')
        lx += 22 + 6 * len(name)
    for tick in _ticks(lo, hi):
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{height - 26}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 12}" font-size="9" text-anchor="middle">{tick:g}</text>')
    offsets = {key: (i - (len(series) - 1) / 2) * 5 for i, (key, _name) in enumerate(series)}
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        out.append(
            f'<text x="{left - 6}" y="{y + 3:.1f}" font-size="9.5" text-anchor="end">{html.escape(row["label"][:46])}</text>'
        )
        for key, _name in series:
            cell = row.get(key)
            if not cell or cell[0] is None or not math.isfinite(cell[0]):
                continue
            est, clo, chi = cell
            colour, yy = SERIES_COLOURS.get(key, "#333"), y + offsets[key]
            if clo is not None and chi is not None and math.isfinite(clo) and math.isfinite(chi):
                out.append(
                    f'<line x1="{x(clo):.1f}" x2="{x(chi):.1f}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="{colour}" stroke-width="1.5"/>'
                )
            out.append(f'<circle cx="{x(est):.1f}" cy="{yy:.1f}" r="3.2" fill="{colour}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{SVG_FONT}">' + "".join(out) + "</svg>"
    )


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values between ``lo`` and ``hi``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]
