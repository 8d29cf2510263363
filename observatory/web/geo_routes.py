"""``/geo/<level>.geojson`` and ``/tiles/<level>/<z>/<x>/<y>.pbf``: the geometry of a level.

The map pages draw vector tiles (:mod:`observatory.data.tiles`), cut on a tile's first request and kept on
disk (in the geometry folder's ``tiles/`` when it exists and is writable, else in this user's
temporary folder),
keyed by the GeoJSON they come from: a new build's geometry gets new tiles, and the first start
pays nothing for them. Tiles are served gzipped with a week's browser cache and an ETag. A tile the
cache cannot keep (a full disk) is served from memory, with a warning in the log.

The figures reference these URLs instead of embedding the geometry, so a control change sends
only the colours. Each file is gzipped once (beside the original) and served with
``Content-Encoding: gzip`` to clients that accept it, with a long browser cache.

The ETL writes the ``.gz`` copies with the GeoJSON. When one is missing or stale, the first
request writes it, atomically (several workers or replicas may race on the same shared folder)
and readable by all (a front server may serve the folder itself); when the data folder is
read-only, into this user's temporary folder instead.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask, Response, abort, request, send_file

from observatory.core.files import write_gzip
from observatory.core.reference import LEVEL_CODES
from observatory.data.tiles import LevelTiles, valid_tile

CACHE_SECONDS = 7 * 24 * 3600
MAX_TILE_INDEX = 10_000  # z, x and y beyond this are not tiles (and not worth parsing)
log = logging.getLogger(__name__)


def gzipped(path: Path) -> Path:
    """The fresh ``.gz`` copy of a file: beside it, or in a temporary folder if that is read-only."""
    gz = path.with_name(path.name + ".gz")
    if _fresh(gz, path):
        return gz
    try:
        return write_gzip(path, gz)
    except OSError:  # a read-only data folder
        folder = hashlib.sha256(str(path.parent.resolve()).encode()).hexdigest()[:16]
        cached = Path(tempfile.gettempdir()) / f"observatory-geo-{os.getuid()}" / folder / gz.name
        if _fresh(cached, path):
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        return write_gzip(path, cached)


def _fresh(gz: Path, path: Path) -> bool:
    return gz.exists() and gz.stat().st_mtime >= path.stat().st_mtime


def register_geo_routes(server: Flask, geo_dir: Path) -> None:
    """Add the geometry routes (GeoJSON and vector tiles) to the Flask server."""
    register_tile_routes(server, geo_dir)

    @server.route("/geo/<level>.geojson")
    def geojson(level: str) -> Response:
        if level not in LEVEL_CODES:
            abort(404)
        path = geo_dir / f"{level}.geojson"
        if not path.exists():
            abort(404)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            resp = send_file(gzipped(path), mimetype="application/geo+json", conditional=True, max_age=CACHE_SECONDS)
            resp.headers["Content-Encoding"] = "gzip"
        else:
            resp = send_file(path, mimetype="application/geo+json", conditional=True, max_age=CACHE_SECONDS)
        resp.headers["Vary"] = "Accept-Encoding"
        return resp


class TileCache:
    """Tiles of every level, cut once and kept on disk; one per app (no module-global state)."""

    def __init__(self, geo_dir: Path):
        """Tiles of the GeoJSON files in ``geo_dir``."""
        self.geo_dir = geo_dir
        self.levels: dict[tuple[str, str], LevelTiles] = {}
        self.lock = threading.Lock()

    def key(self, level: str) -> str | None:
        """A digest of the level's GeoJSON (path, size, mtime): the tiles' version; None if missing."""
        path = self.geo_dir / f"{level}.geojson"
        try:
            st = path.stat()
        except OSError:
            return None
        return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]

    def folder(self, key: str) -> Path:
        """Where tiles of this version live.

        The geometry folder's ``tiles/`` if someone made it (a deployment that keeps them across
        reboots), else this user's temporary folder. A version's folder is made on its first
        tile, and then the older versions of the same geometry folder are removed (each version
        records the folder it was cut from in a ``source`` file).
        """
        kept = self.geo_dir / "tiles"
        if kept.is_dir() and os.access(kept, os.W_OK):
            parent = kept
        else:
            parent = Path(tempfile.gettempdir()) / f"observatory-tiles-{os.getuid()}"
        here = parent / key
        if not here.is_dir():
            here.mkdir(parents=True, exist_ok=True)
            source = str(self.geo_dir.resolve())
            (here / "source").write_text(source)
            remove_old_versions(parent, key, source)
        return here

    def source(self, level: str, key: str) -> LevelTiles:
        """The level's projected, indexed geometry, loaded on its first tile."""
        with self.lock:  # tiles are requested several at a time: load the GeoJSON once
            if (level, key) not in self.levels:
                self.levels = {k: v for k, v in self.levels.items() if k[0] != level}
                self.levels[(level, key)] = LevelTiles(self.geo_dir / f"{level}.geojson")
            return self.levels[(level, key)]

    def modified(self, level: str) -> float | None:
        """When the level's GeoJSON was written: the tiles' ``Last-Modified``, the same on every replica.

        Not the tile file's own time: replicas sharing a cache may each cut the same tile, a second
        apart, and a client must not see two dates for one version.
        """
        try:
            return (self.geo_dir / f"{level}.geojson").stat().st_mtime
        except OSError:
            return None

    def tile(self, level: str, z: int, x: int, y: int) -> tuple[Path | bytes, str] | None:
        """The gzipped tile (its file, cut and written atomically if not yet on disk) and its ETag.

        When the cache cannot keep it (a full disk), the tile's bytes, with a warning in the log:
        served from memory rather than left as a hole in the map.
        """
        key = self.key(level)
        if key is None:
            return None
        etag = f"{key}-{level}-{z}-{x}-{y}"
        path = self.folder(key) / level / str(z) / str(x) / f"{y}.pbf.gz"
        if path.exists():
            return path, etag
        data = self.source(level, key).tile(z, x, y)
        try:
            write_atomically(path, data)
        except OSError as exc:
            log.warning("tile cache: %s not written (%s); served from memory", path, exc)
            return data, etag
        return path, etag


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (readable by all) through a temporary file: no reader sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_old_versions(parent: Path, key: str, source: str, max_age: float = 30 * 24 * 3600) -> list[Path]:
    """Remove the older tile versions in ``parent``; returns what was removed.

    Those cut from the same geometry folder as ``key``, and any version not written to for
    ``max_age`` seconds (another folder's, or one made before versions recorded their source):
    a version removed while still in use is only cut again.
    """
    removed = []
    now = time.time()
    for other in parent.iterdir():
        if other.name == key or not other.is_dir():
            continue
        try:
            same = (other / "source").read_text() == source
        except OSError:
            same = False
        try:
            stale = now - other.stat().st_mtime > max_age
        except OSError:
            continue
        if same or stale:
            shutil.rmtree(other, ignore_errors=True)
            removed.append(other)
    return removed


def register_tile_routes(server: Flask, geo_dir: Path) -> None:
    """Add ``/tiles/<level>/<z>/<x>/<y>.pbf`` (the map's vector tiles) to the Flask server."""
    cache = TileCache(geo_dir)

    @server.route("/tiles/<level>/<z>/<x>/<y>.pbf")
    def tile(level: str, z: str, x: str, y: str) -> Response:
        if level not in LEVEL_CODES:
            abort(404)
        # ASCII digits only: isdigit() also accepts '²', which int() refuses
        if not all(v.isascii() and v.isdigit() and len(v) <= 5 for v in (z, x, y)):
            abort(400)
        zi, xi, yi = int(z), int(x), int(y)
        if max(zi, xi, yi) > MAX_TILE_INDEX or not valid_tile(level, zi, xi, yi):
            abort(404)
        try:
            found = cache.tile(level, zi, xi, yi)
        except (OSError, ValueError, KeyError):  # an unreadable GeoJSON: no tile, not a server error
            found = None
        if found is None:
            abort(404)
        body, etag = found
        file = io.BytesIO(body) if isinstance(body, bytes) else body
        resp = send_file(
            file,
            mimetype="application/vnd.mapbox-vector-tile",
            etag=etag,
            max_age=CACHE_SECONDS,
            last_modified=cache.modified(level),
        )
        resp.headers["Content-Encoding"] = "gzip"  # every browser accepts it; MapLibre's fetch inflates it
        return resp
