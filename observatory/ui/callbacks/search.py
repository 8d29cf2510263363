"""The place search in the header: options as the user types; a choice opens the profile."""

from __future__ import annotations

from dash import Dash, Input, Output, State, dcc, html

from observatory.core.urlstate import language
from observatory.data.search import hit_label, more_results_text
from observatory.data.service import Observatory
from observatory.ui import ids
from observatory.ui.callbacks.inputs import text
from observatory.ui.pages import registry
from observatory.views import zone_builder as zb


def register_search_callbacks(app: Dash, obs: Observatory) -> None:
    """The place search in the header: options as the user types; a choice opens the profile."""

    @app.callback(Output(ids.SEARCH_RESULTS, "children"), Input(ids.SEARCH, "value"), State(ids.URL, "search"))
    def search_results(typed, search):
        return search_items(obs, typed, search)


def search_items(obs: Observatory, typed: object, search: object) -> list:
    """The list items of the territories matching ``typed``, and a line saying how many more."""
    if not isinstance(typed, str) or not typed.strip():
        return []
    lang = language(text(search))
    found = obs.search_with_total(typed, limit=10)
    zonings = zoning_items(obs, typed, lang) if len(typed.strip()) >= 3 else []
    if not found.hits and not zonings:
        empty = "Aucun territoire trouvé" if lang == "fr" else "No territory found"
        return [html.Li(empty, className="search-empty")]
    keep = "?lang=en" if lang == "en" else ""
    items = [
        html.Li(
            dcc.Link(
                search_label(h, lang),
                href=f"/territoire/{registry.territory_key(h.level, h.code)}{keep}",
                className="search-hit",
            )
        )
        for h in found.hits
    ]
    more = found.total - len(found.hits)
    if more > 0:  # a line, not a link, last: the keyboard navigation (assets/search.js) stops before it
        return [*items, html.Li(more_results_text(more, lang), className="search-more")]
    return items + zonings  # the cantons and constituencies once the territories are all listed


ZONINGS_SHOWN = 3  # cantons and constituencies listed after the territories


def zoning_items(obs: Observatory, typed: str, lang: str) -> list:
    """The cantons and constituencies matching ``typed``: each opens the zone builder with its communes.

    Not a canton that is a territory of the canton level as it is (its profile is listed above): only
    those grouped into a canton-ou-ville with a divided city ("Canton de Saint-Étienne-1").
    """
    keep = "&lang=en" if lang == "en" else ""
    out = []
    profiled = set(obs.territories("canton")["code"])
    hits = [h for h in zb.zoning_hits(obs, typed, 4 * ZONINGS_SHOWN) if h.level != "canton" or h.code not in profiled]
    for h in hits[:ZONINGS_SHOWN]:
        label = f"{h.name}{f' ({h.parent})' if h.parent else ''} — zone"
        href = f"/zone?zoning={h.level}:{h.code}{keep}"
        out.append(html.Li(dcc.Link(label, href=href, className="search-hit search-zoning")))
    return out


def search_label(hit, lang: str = "fr") -> str:
    """'Le Havre — commune 76351, Seine-Maritime (76) · 170 147 hab.' (see search.hit_label)."""
    return hit_label(hit, lang)
