"""``/geo/<level>.geojson``: the simplified geometry of a level, served once and cached.

The figures reference these URLs instead of embedding the geometry, so a control change sends
only the colours. Each file is gzipped once (beside the original) and served with
``Content-Encoding: gzip`` to clients that accept it, with a long browser cache.

The ETL writes the ``.gz`` copies with the GeoJSON. When one is missing or stale, the first
request writes it, atomically (several workers or replicas may race on the same shared folder)
and readable by all (a front server may serve the folder itself); when the data folder is
read-only, into this user's temporary folder instead.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from flask import Flask, Response, abort, request, send_file

from observatory.reference import LEVEL_CODES

CACHE_SECONDS = 7 * 24 * 3600


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


def write_gzip(path: Path, gz: Path) -> Path:
    """Write ``gz`` atomically (temporary file + rename), mode 0644, with no timestamp inside."""
    fd, tmp = tempfile.mkstemp(dir=gz.parent, prefix=f".{gz.name}.", suffix=".tmp")
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            path.open("rb") as src,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out,
        ):
            shutil.copyfileobj(src, out)
        os.chmod(tmp, 0o644)  # mkstemp makes it private to this user
        os.replace(tmp, gz)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return gz


def register_geo_routes(server: Flask, geo_dir: Path) -> None:
    """Add the geometry route to the Flask server."""

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
