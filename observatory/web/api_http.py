"""What every answer of the API shares: errors, links to the next page, ETag and cache headers.

The ETag is computed from the data version and the request, not from the bytes (see
:mod:`observatory.web.api`), so that every worker and replica gives the same one without building
the answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, jsonify, request

from observatory.data.service import Observatory
from observatory.stats.measures import MEASURES
from observatory.web.paging import Page

PREFIX = "/api/v1"
CACHE_SECONDS = 300


def error_response(param: str, value: object, allowed, message: str | None = None, status: int = 400) -> Response:
    """HTTP 400 (or ``status``: 404 for an unknown id) naming the parameter, its value and what it may be."""
    body = {
        "error": message or f"invalid parameter '{param}'",
        "parameter": param,
        "value": str(value)[:100],
        "allowed": list(allowed) if not isinstance(allowed, str) else allowed,
    }
    resp = jsonify(body)
    resp.status_code = status
    return resp


def not_found(path: str) -> Response:
    """HTTP 404 listing the endpoints."""
    resp = jsonify(
        {
            "error": "not found",
            "path": str(path)[:100],
            "endpoints": [
                f"{PREFIX}/{e}"
                for e in (
                    *MEASURES,
                    "territories",
                    "ranks",
                    "findings",
                    "zones",
                    "domains",
                    "waves",
                    "meta",
                    "openapi.json",
                )
            ],
        }
    )
    resp.status_code = 404
    return resp


def with_link(resp: Response, following: str | None) -> Response:
    """``resp`` with a ``Link`` header to the next page, if there is one."""
    if following:
        resp.headers["Link"] = f'<{following}>; rel="next"'
    return resp


def public_base(obs: Observatory) -> str:
    """The site's address the links of an answer start with ('https://observatoire.example.org').

    OBSERVATORY_PUBLIC_URL when set; else the request's own scheme, host and mount point, as the
    WSGI server gives them: behind the reference proxy, nginx passes the Host and gunicorn takes
    the scheme from X-Forwarded-Proto for the proxy's address only (``forwarded_allow_ips``).
    """
    return obs.settings.public_url or request.url_root.rstrip("/")


def next_url(obs: Observatory, page: Page) -> str | None:
    """The absolute URL of the page after ``page`` (every other parameter kept, in its order)."""
    if not page.has_next:
        return None
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return f"{public_base(obs)}{request.path}?{urlencode([*params, ('page', str(page.number + 1))])}"


def _etag(obs: Observatory) -> str:
    # The base URL too: the links in the answer start with it.
    key = (
        f"{obs.db.version}|{public_base(obs)}|{request.path}|{sorted(request.args.items(multi=True))}"
        f"|{request.headers.get('Accept', '')}"
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def cached(obs: Observatory, build: Callable[[], Response], weak: bool = False, negotiated: bool = False) -> Response:
    """304 when the client has this version; else the response with ETag and cache headers.

    ``weak``: the same content may come as different bytes; ``negotiated``: the format was
    chosen by the Accept header.
    """
    etag = _etag(obs)
    if request.if_none_match.contains_weak(etag):
        resp = Response(status=304)
    else:
        resp = build()
    resp.set_etag(etag, weak=weak)
    if negotiated:
        resp.vary.add("Accept")
    resp.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    loaded = obs.db.meta.get("loaded_at")
    if loaded:
        resp.last_modified = datetime.fromisoformat(loaded)
    return resp
