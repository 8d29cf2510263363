"""All the app's callbacks, registered in one place.

Each one unpacks its inputs, calls the view layer (:mod:`observatory.views`) and returns;
no figure is computed here. This module holds the router and what every page shares; each page's
callbacks live in their own module (``callbacks_map``, ``callbacks_profile``, ``callbacks_compare``,
``callbacks_search``, ``callbacks_diagnostics``), registered by :func:`register_callbacks`.
"""

from __future__ import annotations

from dash import Dash, Input, Output, ctx, no_update

from observatory.core.urlstate import language, notice_texts, view_state
from observatory.data.service import Observatory
from observatory.ui import ids
from observatory.ui.callbacks.compare import register_compare_callbacks
from observatory.ui.callbacks.diagnostics import register_diagnostics_callbacks
from observatory.ui.callbacks.inputs import text
from observatory.ui.callbacks.maps import CONTROLS, register_map_callbacks
from observatory.ui.callbacks.profile import register_profile_callbacks
from observatory.ui.callbacks.search import register_search_callbacks, search_label
from observatory.ui.callbacks.zone import register_zone_callbacks
from observatory.ui.layout import shell
from observatory.ui.pages import compare, mappage, methodology, profile, registry
from observatory.ui.pages import model_diagnostics as diagnostics_page
from observatory.ui.pages import zone as zone_page
from observatory.views import mapspec, model_diagnostics

# The names other modules and the tests import from here; each page's live in its own module.
__all__ = [
    "CONTROLS",
    "UNREADABLE_QUERY",
    "register_callbacks",
    "register_compare_callbacks",
    "register_diagnostics_callbacks",
    "register_map_callbacks",
    "register_profile_callbacks",
    "register_search_callbacks",
    "register_zone_callbacks",
    "search_label",
]

UNREADABLE_QUERY = "Adresse illisible / unreadable address : valeurs par défaut / defaults shown"


def register_callbacks(app: Dash, obs: Observatory) -> None:
    """Register the router and every page's callbacks."""
    register_profile_callbacks(app, obs)
    register_compare_callbacks(app, obs)
    register_search_callbacks(app, obs)
    register_diagnostics_callbacks(app, obs)
    register_zone_callbacks(app, obs)

    @app.callback(
        Output("header", "children"),
        Output(ids.BANNER, "children"),
        Output(ids.NOTICES, "children"),
        Output(ids.PAGE, "children"),
        Output("footer", "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def route(pathname: str | None, search: str | None):
        return page_outputs(obs, pathname, search)

    register_map_callbacks(app, obs)
    # The screen's size, read at each new page: the map and its panels are drawn for it.
    app.clientside_callback(
        "function(_) { return {width: window.innerWidth, height: window.innerHeight}; }",
        Output(ids.VIEWPORT, "data"),
        Input(ids.URL, "pathname"),
    )


def page_outputs(obs: Observatory, pathname: object, search: object) -> tuple:
    """The router's outputs: the header, the banner, the notices, the page of the URL and the footer."""
    unreadable = search is not None and text(search) is None
    pathname, search = text(pathname), text(search)
    lang = language(search)
    path = registry.canonical(pathname)
    page = registry.PAGES.get(path)
    if page is not None and ctx.triggered_id == ids.URL and "url.pathname" not in ctx.triggered_prop_ids:
        # A map page writes its own state into the query string: don't rebuild it for that.
        return (no_update,) * 5
    content, notices = _content(obs, page, path, pathname, search, lang)
    return (
        shell.header(path, search or "", lang),
        shell.banner(obs.is_synthetic(), lang),
        shell.notices([*([UNREADABLE_QUERY] if unreadable else []), *notices]),
        content,
        shell.footer(lang, obs.db.version),
    )


def _content(obs: Observatory, page, path: str, pathname: str | None, search: str | None, lang: str):
    """The page of ``path`` and the notices about its address (values replaced by defaults...)."""
    notices: list[str] = []
    if page is not None:
        values, replaced = mapspec.resolve(obs, page, search)
        notices = notice_texts(replaced, lang, mappage.describe(page, obs, values, lang))
        content = mappage.layout(page, obs, values, lang, view_state(search))
    elif path == "/methodologie":
        content = methodology.layout(obs, lang)
    elif path == "/comparer":
        content, notices = compare.layout(obs, search, lang)
    elif path == model_diagnostics.PATH:
        content, notices = diagnostics_page.layout(obs, search, lang)
    elif path.startswith("/territoire/"):
        content = profile.layout(obs, path.split("/", 2)[2], lang)
    elif path == "/zone" or path.startswith("/zone/"):
        content = zone_page.layout(obs, path, search, lang)
    else:
        content = registry.not_found(pathname or "", lang)
    return content, notices
