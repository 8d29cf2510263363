"""Layout of the national map: overseas insets, and the GeoJSON files it is drawn from.

French statistical maps draw Guadeloupe, Martinique, Guyane, La Réunion and Mayotte in
small boxes beside the mainland, each at its own scale. This module holds the affine
transform of each overseas département; the geometry build applies it identically to
every level (communes, EPCI, départements, régions) so that borders still line up, and
other code can use :func:`inset_transform` to place markers consistently. It also turns
the simplified geometries into the compact GeoJSON the web map loads.
"""

from __future__ import annotations

import functools
import json
import math
import pathlib

import numpy as np
import pandas as pd
import shapely

from observatory.core.files import write_gzip

Affine = tuple[float, float, float, float, float, float]

# Per overseas département: (source lon, source lat, target lon, target lat, scale).
# The source point (WGS84 degrees) is the centre of the real territory's bounding box and
# lands on the target point; `scale` is the on-screen magnification. The targets stack
# the five boxes vertically in the Atlantic west of Brittany (lon about -8 to -6, lat
# 43.9 to 49.2), clear of the mainland (westernmost point Ouessant, lon -5.14) and of
# each other. Guyane is shrunk, the small islands enlarged, so that all are readable.
INSETS: dict[str, tuple[float, float, float, float, float]] = {
    "971": (-61.41, 16.17, -7.0, 48.86, 1.5),  # Guadeloupe
    "972": (-61.02, 14.64, -7.0, 47.96, 2.1),  # Martinique
    "973": (-53.11, 3.93, -7.0, 46.62, 0.63),  # Guyane
    "974": (55.53, -21.13, -7.0, 45.25, 1.9),  # La Réunion
    "976": (45.16, -12.82, -7.0, 44.29, 2.7),  # Mayotte
}

# Rounding passes before giving up on keeping shapes valid by leaving vertices unrounded.
_ROUNDING_ATTEMPTS = 5

# The area (minlon, minlat, maxlon, maxlat, degrees) that holds every inset box.
INSET_AREA: tuple[float, float, float, float] = (-9.0, 43.5, -5.5, 49.6)


def inset_transform(departement_code: str) -> Affine | None:
    """Return the affine transform that moves an overseas département into its inset.

    The maps are drawn in Web Mercator, which stretches north-south distances by
    1/cos(latitude); moving a tropical island to latitude 45° would stretch it, so the
    latitude scale is corrected by cos(target lat) / cos(source lat) to keep its shape.

    Args:
        departement_code: INSEE code of a département ("01", "2A", "971"...).

    Returns:
        The 6-tuple ``(a, b, d, e, xoff, yoff)`` of :func:`shapely.affinity.affine_transform`
        (x' = a·x + b·y + xoff, y' = d·x + e·y + yoff), or None for a mainland département.
    """
    params = INSETS.get(departement_code)
    if params is None:
        return None
    src_lon, src_lat, dst_lon, dst_lat, scale = params
    scale_y = scale * math.cos(math.radians(dst_lat)) / math.cos(math.radians(src_lat))
    return (scale, 0.0, 0.0, scale_y, dst_lon - scale * src_lon, dst_lat - scale_y * src_lat)


def apply_insets(geometries: np.ndarray, departement_codes: np.ndarray) -> np.ndarray:
    """Move the geometries of overseas départements into their inset boxes.

    Args:
        geometries: Array of shapely geometries (WGS84 lon/lat); points work too.
        departement_codes: Département code of each geometry, same length.

    Returns:
        A new array; mainland geometries are returned unchanged.
    """
    moved = np.array(geometries, dtype=object, copy=True)
    codes = np.asarray(departement_codes, dtype=object)
    for code in INSETS:
        mask = codes == code
        if mask.any():
            moved[mask] = _transform(moved[mask], inset_transform(code))
    return moved


def _transform(geometries: np.ndarray, affine: Affine) -> np.ndarray:
    """Apply a shapely-style affine 6-tuple to an array of geometries (vectorised)."""
    a, b, d, e, xoff, yoff = affine
    matrix = np.array([[a, d], [b, e]])
    return shapely.transform(geometries, lambda xy: xy @ matrix + (xoff, yoff))


def finish_for_map(geometries: np.ndarray, decimals: int) -> np.ndarray:
    """Round the coordinates without breaking shapes, orient rings as RFC 7946 says.

    Rounding can make two edges of a polygon cross. Repairing that polygon alone would
    add a vertex its neighbour lacks, so instead the vertices of such polygons are left
    unrounded, everywhere they occur: rounding stays a function of the coordinate, and
    neighbours keep identical shared edges.

    Args:
        geometries: Simplified polygons forming a coverage (lon/lat degrees).
        decimals: Decimals kept in the coordinates.

    Returns:
        Valid, non-empty polygons with counter-clockwise outer rings.

    Raises:
        ValueError: If a geometry is still invalid or empty.
    """
    kept = np.empty(0, dtype=complex)  # vertices left unrounded, as x + iy
    for _attempt in range(_ROUNDING_ATTEMPTS):
        rounding = functools.partial(_round_except, decimals=decimals, kept=kept)
        rounded = shapely.transform(geometries, rounding)
        invalid = ~shapely.is_valid(rounded)
        if not invalid.any():
            break
        coordinates = shapely.get_coordinates(geometries[invalid])
        kept = np.union1d(kept, coordinates[:, 0] + 1j * coordinates[:, 1])
    invalid = ~shapely.is_valid(rounded)
    # Last resort, not reached with the default tolerances.
    rounded[invalid] = shapely.make_valid(rounded[invalid], method="structure", keep_collapsed=False)
    rounded = shapely.orient_polygons(rounded, exterior_cw=False)
    if not shapely.is_valid(rounded).all() or shapely.is_empty(rounded).any():
        raise ValueError("a map geometry is invalid or empty after rounding")
    return rounded


def _round_except(xy: np.ndarray, decimals: int, kept: np.ndarray) -> np.ndarray:
    """Round an (n, 2) coordinate array, leaving the vertices listed in ``kept`` as is."""
    keep = np.isin(xy[:, 0] + 1j * xy[:, 1], kept)
    return np.where(keep[:, None], xy, np.round(xy, decimals))


def write_geojson(path: pathlib.Path, names: pd.Series, geometries: np.ndarray) -> pathlib.Path:
    """Write a compact FeatureCollection whose features have ``id`` = code, and its ``.gz`` copy.

    The app serves the ``.gz`` copy to browsers; writing it here lets the app run on a read-only
    data folder (several replicas share it).

    Args:
        path: File to write (UTF-8).
        names: Territory names indexed by code, aligned with ``geometries``.
        geometries: One geometry per territory.

    Returns:
        ``path``.
    """

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    features = [
        f'{{"type":"Feature","id":{dump(code)},'
        f'"properties":{dump({"code": code, "name": name})},"geometry":{geometry}}}'
        for code, name, geometry in zip(names.index, names, shapely.to_geojson(geometries), strict=True)
    ]
    text = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    path.write_text(text, encoding="utf-8")
    write_gzip(path, path.with_name(path.name + ".gz"))  # the app's writer: no timestamp inside, mode 0644
    return path
