"""The HTTP API under ``/api/v1/``: the same tables as the export command and the pages.

Every parameter is checked against an allow-list; an invalid one gets HTTP 400 with a JSON body
naming it and its allowed values, never a 500 or a stack trace. Responses carry an ETag and
Last-Modified tied to the data version, and are cached by their arguments (the statistics layer).

The ETag is computed from the data version and the request, not from the bytes, so that every
worker and replica gives the same one without building the answer. It is strong (the bytes are
the same everywhere: sums are deterministic, see :mod:`observatory.data.db`) except for XLSX and ZIP,
whose files record when they were written (weak: same content, not the same bytes). A format
chosen by the ``Accept`` header is announced with ``Vary: Accept`` for caches on the way.

Every answer is bounded, like Datasette's. JSON holds at most ``OBSERVATORY_API_MAX_ROWS`` rows: a
larger table comes in pages (``page_size``, ``page``), each naming the whole table's ``total``
and the ``next`` page's URL (also in a ``Link`` header). CSV, the bulk download, streams the whole
table in chunks; Parquet and ZIP give it whole; XLSX, slow to write, holds at most the same rows as
JSON. Any format but ZIP can be paged; so is the list of territories (a level's, or a search's
matches). ``next`` and ``Link`` are absolute URLs: on ``OBSERVATORY_PUBLIC_URL`` when set, else
on the request's own scheme and host. A request's DuckDB work stops at
``OBSERVATORY_API_TIME_LIMIT`` seconds. Past a bound the answer is HTTP 400 saying how to ask for
less, never a 500.

Whole-level work (a file written in memory: XLSX, ZIP, Parquet; or every commune, with no
``territory`` filter) runs in one of the process's few heavy slots (:mod:`observatory.web.heavy`):
past them, HTTP 503 with ``Retry-After`` and a JSON body, so that it never starves the cheap
requests.

This module builds the blueprint (its time limit and error handlers) and mounts it. The routes
live by resource: :mod:`~observatory.web.api_tables` (the indicators' tables),
:mod:`~observatory.web.api_ranks`, :mod:`~observatory.web.api_territories`,
:mod:`~observatory.web.api_reference` (domains, waves, meta) and :mod:`~observatory.web.api_findings`; the
parameters' checks in :mod:`~observatory.web.api_params`, what every answer shares (errors, links,
ETag) in :mod:`~observatory.web.api_http`.
"""

from __future__ import annotations

import contextlib

from dash.exceptions import DashException
from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from observatory.data.db import QueryTimeout
from observatory.data.service import Observatory
from observatory.exports.export import MEASURE_PARAM
from observatory.stats import InvalidQuery
from observatory.web import api_findings
from observatory.web.api_http import CACHE_SECONDS, PREFIX, error_response, not_found
from observatory.web.api_params import ACCEPT, COMMON_PARAMS, MAX_PAGE, MAX_TERRITORIES, TERRITORY_CODE, BadParameter
from observatory.web.api_ranks import register_ranks
from observatory.web.api_reference import register_reference
from observatory.web.api_tables import HEAVY_FORMATS, TIMESTAMPED_FORMATS, register_tables
from observatory.web.api_territories import MAX_QUERY, TERRITORY_PARAMS, register_territories
from observatory.web.api_zones import register_zones
from observatory.web.api_zonings import register_zonings
from observatory.web.callback_guard import (
    MALFORMED_ERRORS,
    bad_request,
    is_callback_request,
    register_callback_guard,
    where,
)
from observatory.web.openapi import spec

# The names other modules and the tests import from here; each lives in the module of its part.
__all__ = [
    "ACCEPT",
    "CACHE_SECONDS",
    "COMMON_PARAMS",
    "HEAVY_FORMATS",
    "MAX_PAGE",
    "MAX_QUERY",
    "MAX_TERRITORIES",
    "PREFIX",
    "TERRITORY_CODE",
    "TERRITORY_PARAMS",
    "TIMESTAMPED_FORMATS",
    "BadParameter",
    "blueprint",
    "register_api",
]


def blueprint(obs: Observatory) -> Blueprint:
    """The API's routes on one data interface."""
    bp = Blueprint("api", __name__, url_prefix=PREFIX)

    @bp.before_request
    def start_time_limit():
        # Every query of the request (the ETag's data version included) within one time limit.
        g.api_time_limit = contextlib.ExitStack()
        g.api_time_limit.enter_context(obs.db.time_limit(obs.settings.api_time_limit))

    bp.teardown_request(end_time_limit)
    bp.register_error_handler(BadParameter, bad_parameter)
    bp.register_error_handler(InvalidQuery, bad_parameter)
    bp.register_error_handler(QueryTimeout, timed_out)
    register_tables(bp, obs)
    register_ranks(bp, obs)
    register_territories(bp, obs)
    register_reference(bp, obs)
    bp.add_url_rule("/openapi.json", view_func=openapi)
    bp.add_url_rule("/<path:rest>", view_func=anything_else)
    return bp


def end_time_limit(_exc: BaseException | None) -> None:
    """Close the request's time limit (:func:`blueprint` opens it)."""
    stack = g.pop("api_time_limit", None)
    if stack is not None:
        stack.close()


def bad_parameter(exc: BadParameter | InvalidQuery) -> Response:
    """HTTP 400 naming the parameter that cannot be used and its allowed values."""
    return error_response(exc.param, exc.value, exc.allowed)


def timed_out(exc: QueryTimeout) -> Response:
    """HTTP 400 saying how to ask for less work."""
    param = MEASURE_PARAM.get((request.view_args or {}).get("indicator", ""), "level")
    return error_response(
        param,
        ",".join(request.args.getlist(param)) or "(all)",
        f"less work: a few {param} values, some territory codes or a coarser level, or smaller pages (page_size)",
        message=f"the request took longer than the time limit ({exc.seconds:g} s)",
    )


def openapi() -> Response:
    """The API's OpenAPI description."""
    return jsonify(spec())


def anything_else(rest: str) -> Response:
    """Any other path under the prefix: 404 listing the endpoints."""
    return not_found(rest)


def register_api(server: Flask, obs: Observatory) -> None:
    """Mount the API, and make any error under it JSON without a stack trace.

    Callback requests are checked before Dash reads them (:mod:`observatory.web.callback_guard`).
    """
    server.register_blueprint(blueprint(obs))
    server.register_blueprint(api_findings.blueprint(obs))
    register_zones(server, obs)
    register_zonings(server, obs)
    register_callback_guard(server)

    @server.errorhandler(Exception)
    def any_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        malformed = isinstance(exc, DashException) or (isinstance(exc, MALFORMED_ERRORS) and is_callback_request())
        if malformed:  # a callback request that names no callback or that Dash or a callback cannot read
            server.logger.warning("bad callback request: %r at %s", exc, where(exc))
            return bad_request()
        server.logger.exception("unhandled error")
        if request.path.startswith(PREFIX):
            resp = jsonify({"error": "internal error"})
            resp.status_code = 500
            return resp
        return Response("Erreur interne / internal error", status=500, mimetype="text/plain")
