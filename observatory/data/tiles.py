"""Mapbox vector tiles of a level's map geometry, cut from the GeoJSON the ETL writes.

The web map (MapLibre) draws the territories from these tiles: a national view loads a couple of
tiles instead of the whole GeoJSON, and only the INSEE code travels in them (names are sent once
with the values). The GeoJSON already holds the overseas départements in their insets, so the
tiles do too.

A tile is cut on demand (:class:`LevelTiles`), in tile units: the territories whose box meets
the tile (plus a small buffer, so that no seam shows between tiles), clipped, simplified to about
one tile unit (an eighth of a pixel at 512 px tiles: the gaps simplification may open between
neighbours are invisible), encoded and gzipped. The app caches the bytes on disk
(:mod:`observatory.web.geo_routes`).
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import shapely

from observatory.core.reference import MAX_ZOOM

EXTENT = 4096  # tile units per tile side (the Mapbox vector tile default)
LAYER = "territories"  # the source-layer name the map's style reads
BUFFER = 16  # tile units drawn beyond each edge, so that clipped outlines meet without seams
# Deepest zoom cut per level; MapLibre over-zooms beyond. The GeoJSON is simplified to
# 0.004-0.012° (etl/geography.py): one 512 px tile pixel at zoom 8 is 0.0027°, finer than that.
MERCATOR_MAX_LAT = 85.0511287798  # the Web Mercator square's edge (degrees)


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator in world units: x and y in [0, 1], y growing southwards (as tile rows do)."""
    lat = np.clip(lat, -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
    x = (lon + 180.0) / 360.0
    y = (1.0 - np.log(np.tan(np.radians(lat)) + 1.0 / np.cos(np.radians(lat))) / math.pi) / 2.0
    return x, y


def _project(coords: np.ndarray) -> np.ndarray:
    x, y = mercator(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def valid_tile(level: str, z: int, x: int, y: int) -> bool:
    """Whether (z, x, y) names a tile of this level (zoom within its range, x and y on the grid)."""
    return level in MAX_ZOOM and 0 <= z <= MAX_ZOOM[level] and 0 <= x < 2**z and 0 <= y < 2**z


class LevelTiles:
    """The territories of one level, projected and indexed, ready to cut tiles from.

    Loading a GeoJSON costs about a second for the communes: one instance per level and
    database, kept by the app (not a module global).
    """

    def __init__(self, geojson: Path):
        """Read ``geojson`` (features with ``properties.code``) and index its geometries."""
        features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
        self.codes = [f["properties"]["code"] for f in features]
        shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
        self.shapes = shapely.transform(shapes, _project)
        self.tree = shapely.STRtree(self.shapes)

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The gzipped vector tile (z, x, y): layer ``territories``, property ``code`` only."""
        n = 2**z
        pad = BUFFER / EXTENT
        box = shapely.box((x - pad) / n, (y - pad) / n, (x + 1 + pad) / n, (y + 1 + pad) / n)
        hits = self.tree.query(box, predicate="intersects")
        features = []
        if len(hits):
            # World units → tile units, y up as the encoder expects (it flips to rows itself).
            def to_tile(c: np.ndarray) -> np.ndarray:
                return np.column_stack([(c[:, 0] * n - x) * EXTENT, (y + 1 - c[:, 1] * n) * EXTENT])

            lo, hi = -BUFFER, EXTENT + BUFFER
            local = shapely.transform(self.shapes[hits], to_tile)
            clipped = shapely.clip_by_rect(local, lo, lo, hi, hi)
            simple = shapely.simplify(clipped, 1.0, preserve_topology=True)
            for i, geom in zip(hits, simple, strict=True):
                if geom is None or geom.is_empty or geom.area < 0.5:
                    continue
                features.append({"geometry": geom, "properties": {"code": self.codes[i]}})
        # No validity repair: rounding to tile units can make an island touch its coast, and the
        # encoder's make_valid then drops the whole territory; MapLibre fills such rings fine.
        data = mapbox_vector_tile.encode([{"name": LAYER, "features": features}], default_options={"extents": EXTENT})
        return gzip.compress(data, compresslevel=6, mtime=0)
