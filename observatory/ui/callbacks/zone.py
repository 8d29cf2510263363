"""The zone builder's callbacks (``/zone``): thin, each calls :mod:`observatory.views.zone_builder`.

- the selection: a map click or box, codes pasted or uploaded, a territory's communes, a remove
  button, "remove all" → the new selection, its list and the messages;
- the territory search (territories, cantons and constituencies) → buttons adding their communes;
- "Compute the zone" → the zone stored (:meth:`observatory.data.zones.ZoneStore.save`) and its
  portrait opened (``/zone/<id>``);
- the map (assets/zone.js) paints the selection.
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from observatory.core.urlstate import language
from observatory.data.service import Observatory
from observatory.data.zones import ZoneError
from observatory.ui import ids
from observatory.ui.callbacks.inputs import text
from observatory.ui.pages import zone as page
from observatory.views import zone as zv
from observatory.views import zone_builder as zb

TERRITORY_HITS = 8  # territories offered for a search


def register_zone_callbacks(app: Dash, obs: Observatory) -> None:
    """The builder's selection, its territory search, its submit button and its map."""

    @app.callback(
        Output(page.SELECTION, "data"),
        Output(page.SELECTED, "children"),
        Output(page.SELECTED, "data-count"),
        Output(page.MESSAGES, "children"),
        Input(page.MAP_CLICK, "data"),
        Input(page.CODES_ADD, "n_clicks"),
        Input(page.UPLOAD, "contents"),
        Input({"type": page.ADD_TERRITORY, "level": ALL, "code": ALL}, "n_clicks"),
        Input({"type": page.REMOVE, "code": ALL}, "n_clicks"),
        Input(page.CLEAR, "n_clicks"),
        State(page.CODES, "value"),
        State(page.SELECTION, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def update_selection(click, _add, upload, _territory, _remove, _clear, codes, selection, search):
        lang = language(text(search))
        before = zb.clean_selection(selection)
        after, said = selection_after(obs, before, ctx.triggered_id, _triggered_value(), click, codes, upload)
        if after is None:
            return no_update, no_update, no_update, no_update
        return list(after), page.selected_children(obs, after, lang), str(len(after)), page.messages(said, lang)

    @app.callback(
        Output(page.TERRITORY_RESULTS, "children"),
        Input(page.TERRITORY, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def find_territory(query, search):
        query = text(query)
        if not query or not query.strip():
            return []
        query = query.strip()[:80]
        hits = obs.search(query, TERRITORY_HITS) + zb.zoning_hits(obs, query, TERRITORY_HITS)
        return page.territory_results(hits, language(text(search)))

    @app.callback(
        Output(ids.URL, "pathname"),
        Output(page.SUBMIT_MESSAGE, "children"),
        Input(page.SUBMIT, "n_clicks"),
        State(page.SELECTION, "data"),
        State(page.NAME, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def submit(n_clicks, selection, name, search):
        if not n_clicks:
            return no_update, no_update
        return submitted(obs, selection, name, language(text(search)))

    app.clientside_callback(
        ClientsideFunction("observatoryZone", "render"),
        Output(page.MAP_APPLIED, "data"),
        Input(page.MAP_SPEC, "data"),
        Input(page.SELECTION, "data"),
    )


def submitted(obs: Observatory, selection: object, name: object, lang: str) -> tuple:
    """Store the zone chosen and answer its portrait's path; or no path and a message saying why not."""
    codes = zb.clean_selection(selection, zb.commune_codes(obs))
    if not codes:
        said = zb.Message("error", "Choisissez au moins une commune.", "Choose at least one municipality.")
        return no_update, page.messages([said], lang)
    try:
        zone, _new = zv.store_of(obs).save(codes, text(name))
    except ZoneError as err:
        return no_update, page.messages([zb.Message("error", str(err), str(err))], lang)
    return f"/zone/{zone.id}", []


def _triggered_value() -> object:
    """The new value of the input that fired (None when a button was only added to the page)."""
    return ctx.triggered[0]["value"] if ctx.triggered else None


def selection_after(obs, before, trigger, value, click, codes, upload):
    """The selection after one action and its messages; (None, []) when nothing happened.

    ``trigger`` is the id of the input that fired, ``value`` its new value: a pattern-matched
    button only added to the page fires with no clicks, and is no action.
    """
    if trigger is None or value in (None, 0):
        return None, []
    if trigger == page.MAP_CLICK:
        return zb.map_click(obs, before, click), []
    if trigger == page.CODES_ADD:
        return zb.add_codes(obs, before, zb.split_codes(codes))
    if trigger == page.UPLOAD:
        return zb.add_codes(obs, before, zb.upload_codes(upload))
    if trigger == page.CLEAR:
        return (), []
    if isinstance(trigger, dict) and trigger.get("type") == page.REMOVE:
        return tuple(c for c in before if c != trigger.get("code")), []
    if isinstance(trigger, dict) and trigger.get("type") == page.ADD_TERRITORY:
        return zb.add_territory(obs, before, str(trigger.get("level")), str(trigger.get("code")))
    return None, []
