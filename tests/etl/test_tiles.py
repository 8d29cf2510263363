"""The map's vector tiles: each territory lands where the slippy-map formulas put it, only the
code travels, and the tile route answers 200/304/400/404 as it should (never 500)."""

from __future__ import annotations

import gzip
import json
import math

import mapbox_vector_tile
import pytest
import shapely

from observatory.data.tiles import EXTENT, LAYER, LevelTiles


def tile_of(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile (x, y) of a point: the OpenStreetMap wiki's formulas, written out here."""
    n = 2**z
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


@pytest.fixture(scope="module")
def geo_dir(demo_db):
    return demo_db.parent / "geo"


@pytest.fixture(scope="module")
def departements(geo_dir):
    return json.loads((geo_dir / "departement.geojson").read_text(encoding="utf-8"))["features"]


def decode(data: bytes) -> dict[str, shapely.Geometry]:
    layer = mapbox_vector_tile.decode(gzip.decompress(data), default_options={"y_coord_down": True})[LAYER]
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in layer["features"]}


@pytest.mark.parametrize("code", ["29", "2A", "75", "971", "974"])
def test_a_territory_lands_where_the_formulas_put_it(geo_dir, departements, code):
    feature = next(f for f in departements if f["properties"]["code"] == code)
    inside = shapely.geometry.shape(feature["geometry"]).representative_point()  # in lon/lat, inset included
    z = 6
    fx, fy = tile_of(inside.x, inside.y, z)
    x, y = int(fx), int(fy)
    shapes = decode(LevelTiles(geo_dir / "departement.geojson").tile(z, x, y))
    point = shapely.Point((fx - x) * EXTENT, (fy - y) * EXTENT)  # in tile units, rows downwards
    holders = [c for c, g in shapes.items() if g.buffer(2).contains(point)]
    assert holders == [code]


def test_tiles_hold_every_territory_once_and_only_the_code(geo_dir, departements):
    tiles = LevelTiles(geo_dir / "departement.geojson")
    seen: set[str] = set()
    for x in range(2**4):  # zoom 4: every tile that meets the map's box
        for y in range(2**4):
            data = gzip.decompress(tiles.tile(4, x, y))
            layer = mapbox_vector_tile.decode(data).get(LAYER, {"features": []})
            for f in layer["features"]:
                assert set(f["properties"]) == {"code"}  # names travel with the values, not the tiles
                seen.add(f["properties"]["code"])
    assert seen == {f["properties"]["code"] for f in departements}


def test_tile_route(demo_db, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_DB", str(demo_db))
    monkeypatch.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
    from observatory import create_app

    client = create_app().server.test_client()
    fx, fy = tile_of(2.35, 48.86, 5)  # Paris
    url = f"/tiles/departement/5/{int(fx)}/{int(fy)}.pbf?v=1"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "max-age" in first.headers["Cache-Control"] and first.headers["ETag"]
    assert "75" in decode(first.data)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for bad, status in [
        ("/tiles/arrondissement/5/16/11.pbf", 404),
        ("/tiles/departement/5/99/11.pbf", 404),
        ("/tiles/departement/30/1/1.pbf", 404),
        ("/tiles/departement/a/1/1.pbf", 400),
        ("/tiles/departement/5/-1/1.pbf", 400),
        ("/tiles/departement/5/1/123456789.pbf", 400),
    ]:
        assert client.get(bad).status_code == status, bad
