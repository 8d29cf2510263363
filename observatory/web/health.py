"""``GET /healthz``, and a 503 rather than a 500 when the data cannot be read (the checks: :mod:`observatory.data.health`)."""

from __future__ import annotations

import os

from flask import Flask, Response, jsonify, request

from observatory.data.health import PATH, UNAVAILABLE, check


def register_health(server: Flask, db) -> None:
    """``GET /healthz``: 200 ``{"status": "ok", "data_version": …}``, or 503 with the problems.

    And a 503 that says the data are unavailable, not a 500, when a read fails on a damaged file.
    """

    @server.route("/healthz")
    def healthz():
        health = check(db, "base de données / database")  # no server path in a public answer
        body = {
            "status": "ok" if health.ok else "unavailable",
            "data_version": health.data_version,
            "schema_version": health.schema_version,
            "pid": os.getpid(),
        }
        if not health.ok:  # the reasons, without the server's paths
            body["problems"] = [PATH.sub("…", p) for p in health.problems]
        resp = jsonify(body)
        resp.status_code = 200 if health.ok else 503
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def unavailable(exc: Exception):
        server.logger.error("data unavailable: %s: %s", type(exc).__name__, exc)
        text = "Données momentanément indisponibles / data temporarily unavailable"
        if request.path.startswith("/api/"):
            resp = jsonify({"error": text})
        else:
            resp = Response(text, mimetype="text/plain")
        resp.status_code = 503
        resp.headers["Retry-After"] = "30"
        return resp

    for kind in UNAVAILABLE:
        server.register_error_handler(kind, unavailable)
