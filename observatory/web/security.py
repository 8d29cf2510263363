"""HTTP security headers on every response, and a limit on request bodies.

The Content-Security-Policy is one the app really works with (tested in Chromium).

The policy allows only this server's own scripts plus the hashes of Dash's inline scripts (the
renderer's start-up and the clientside callbacks), inline styles (React sets style attributes),
``data:``/``blob:`` images, and ``blob:`` workers (MapLibre draws in a worker). Nothing is loaded
from another origin and no page may frame the app, except the embeds (``/embed/…``), whose
``frame-ancestors`` is ``EMBED_FRAME_ANCESTORS``.
"""

from __future__ import annotations

from dash import Dash
from flask import Response, request

MAX_REQUEST_BYTES = 1_000_000  # callbacks send the controls' values: a few kB; uploads: none
EMBED_PREFIX = "/embed/"
EMBED_FRAME_ANCESTORS = "*"  # the embeds are meant for any site's pages; set a list of origins to restrict


def policy(app: Dash, frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy header's value for this app."""
    hashes = " ".join(app.csp_hashes())  # already quoted: 'sha256-...'
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {hashes}",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def register_security(app: Dash) -> None:
    """Add the headers to every response of the app's server (call after the callbacks exist)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    csp: list[str] = []

    @server.after_request
    def security_headers(resp: Response) -> Response:
        if not csp:  # computed once, when every inline script is known
            csp.extend([policy(app), policy(app, EMBED_FRAME_ANCESTORS)])
        embed = request.path.startswith(EMBED_PREFIX)
        resp.headers.setdefault("Content-Security-Policy", csp[1] if embed else csp[0])
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        if not embed:  # X-Frame-Options has no "any site": the embeds rely on frame-ancestors alone
            resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return resp
