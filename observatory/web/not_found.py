"""Soft 404s made real: an address the app does not know answers HTTP 404, with the friendly page.

Dash serves its page shell for every path (its catch-all route), so an unknown page or territory
answered 200 with a "page not found" drawn in the browser: search engines and link checkers took
it for a page. Here the catch-all's request is checked first: a path that is no page of the app,
or a profile of no territory, gets the same shell with status 404 (the browser still draws the
friendly page). ``/territoire/<unknown>.pdf`` gets it too, not the server's bare 404.

The app factory hands over the pages' paths and their canonical form (the Dash pages' registry):
the web layer imports nothing of the Dash pages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from dash import Dash
from flask import Response, request

from observatory.data.zones import ZoneStore, zones_folder
from observatory.views import model_diagnostics
from observatory.views import profile as pv

CATCH_ALL = {"/", "/<path:path>"}  # Dash's page routes (the shell for any path)
APP_PATHS = {"/methodologie", "/comparer", "/zone", model_diagnostics.PATH}


def known(obs, path: str, pages: Collection[str], canonical: Callable[[str], str]) -> bool:
    """Whether the app has a page at ``path`` (a map page, a profile of a real territory, …)."""
    page = canonical(path)
    if page in pages or page in APP_PATHS:
        return True
    if page.startswith("/territoire/"):
        return pv.resolve(obs, page.split("/", 2)[2]) is not None
    if page.startswith("/zone/"):  # a stored zone's portrait
        return ZoneStore(zones_folder(obs.settings)).get(page.split("/", 2)[2]) is not None
    return False


def page(app: Dash) -> Response:
    """The app's shell with status 404: the browser draws the friendly not-found page."""
    return Response(app.index(), status=404, mimetype="text/html")


def register_not_found(app: Dash, obs, pages: Collection[str], canonical: Callable[[str], str]) -> None:
    """Answer 404 for the catch-all's unknown paths (call before the other routes' hooks).

    ``pages`` are the map pages' paths and ``canonical`` gives a request's page path (without a
    trailing slash or the ``/embed`` prefix).
    """

    @app.server.before_request
    def unknown_page():
        rule = request.url_rule
        if (
            request.method == "GET"
            and rule is not None
            and rule.rule in CATCH_ALL
            and not known(obs, request.path, pages, canonical)
        ):
            return page(app)
        return None
