"""Which page answers which path, and the not-found page."""

from __future__ import annotations

from dash import dcc, html

from observatory.core.reference import territory_key  # noqa: F401  (re-exported for the pages)
from observatory.ui.pages import coconstruction, fragility, innovation, partnerships
from observatory.ui.pages.mappage import MapPage

PAGES: dict[str, MapPage] = {
    p.path: p for p in (fragility.PAGE, partnerships.PAGE, coconstruction.PAGE, innovation.PAGE)
}
DEFAULT_PATH = "/fragilites"


def canonical(pathname: str | None) -> str:
    """The page path without trailing slash; '/' is the default page."""
    path = (pathname or "/").rstrip("/") or "/"
    path = path.removeprefix("/embed") or "/"  # an embedded map view is its page (observatory.web.embed)
    return DEFAULT_PATH if path == "/" else path


def not_found(pathname: str, lang: str) -> html.Div:
    """A friendly page for an unknown path (never an error page)."""
    text = "Cette page n'existe pas." if lang == "fr" else "This page does not exist."
    return html.Div(
        [html.H1("404"), html.P(f"{text} ({pathname[:80]})"), dcc.Link("Fragilités", href=DEFAULT_PATH)],
        className="not-found",
    )
