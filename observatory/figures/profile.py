"""The profile's locator map, an SVG drawn on the server from the GeoJSON files (no Dash, no database).

France, the parent outlined and the territory filled (a commune: a dot). The profile's charts
are in :mod:`observatory.figures.svg_charts`.
"""

from __future__ import annotations

import functools
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

REGION_FILL = "#e3e3e3"
TERRITORY_FILL = "#d95f02"  # the territory's colour in the profile's charts (Dark2)
PARENT_LINE = "#222222"


LOCATOR_SVG_WIDTH = 320  # px; France with its insets is about as wide as tall


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
