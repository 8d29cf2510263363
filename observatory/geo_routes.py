"""``/geo/<level>.geojson``: the simplified geometry of a level, served once and cached.

The figures reference these URLs instead of embedding the geometry, so a control change sends
only the colours. Each file is gzipped once (beside the original) and served with
``Content-Encoding: gzip`` to clients that accept it, with a long browser cache.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

from flask import Flask, Response, abort, request, send_file

from observatory.reference import LEVEL_CODES

CACHE_SECONDS = 7 * 24 * 3600


def gzipped(path: Path) -> Path:
    """The ``.gz`` copy of a file, written atomically if missing or older than the file."""
    gz = path.with_name(path.name + ".gz")
    if not gz.exists() or gz.stat().st_mtime < path.stat().st_mtime:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".gz.tmp")
        with (
            os.fdopen(fd, "wb") as raw,
            path.open("rb") as src,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out,
        ):
            shutil.copyfileobj(src, out)
        os.replace(tmp, gz)
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
