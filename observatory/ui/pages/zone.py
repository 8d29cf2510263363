"""``/zone``: build a zone of communes; ``/zone/<id>``: its portrait (:mod:`.zone_portrait`).

The builder: a map of the communes (MapLibre over the commune vector tiles, assets/zone.js) where a
click adds or removes a commune and a shift-drag box adds those inside it; codes pasted or uploaded
(a CSV of one column); a territory's communes (search an EPCI, a département, a région, a canton, a
legislative constituency); the list of
the communes chosen, each with a remove button; a name; and the button that stores the zone and
opens its portrait. What each action does is :mod:`observatory.views.zone_builder`.

Test hooks (stable): ``#zone-builder``, ``#zone-map`` (``data-state`` "drawn" once MapLibre is idle
with the selection painted, ``data-selected`` how many communes it paints), ``#zone-codes``,
``#zone-upload``, ``#zone-selected`` (``data-count``), ``#zone-submit``.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import dcc, html

from observatory.data import zonings as zn
from observatory.data.service import Observatory
from observatory.figures.choropleth import map_spec
from observatory.ui.pages import zone_portrait
from observatory.views import zone as zv
from observatory.views import zone_builder as zb

BUILDER = "zone-builder"
MAP = "zone-map"
MAP_SPEC = "zone-map-spec"
MAP_CLICK = "zone-map-click"  # {codes, mode, at}: written by assets/zone.js (mode "toggle" or "add")
MAP_APPLIED = "zone-map-applied"
SELECTION = "zone-selection"  # the sorted codes chosen (the page's state)
CODES = "zone-codes"
CODES_ADD = "zone-codes-add"
UPLOAD = "zone-upload"
TERRITORY = "zone-territory"
TERRITORY_RESULTS = "zone-territory-results"
SELECTED = "zone-selected"
CLEAR = "zone-clear"
MESSAGES = "zone-messages"
NAME = "zone-name"
SUBMIT = "zone-submit"
SUBMIT_MESSAGE = "zone-submit-message"
ADD_TERRITORY = "zone-add-territory"  # pattern ids {"type": ADD_TERRITORY, "level": ..., "code": ...}
REMOVE = "zone-remove"  # pattern ids {"type": REMOVE, "code": ...}


def layout(obs: Observatory, path: str, search: str | None, lang: str) -> html.Div:
    """The builder at ``/zone``, the portrait at ``/zone/<id>`` (a friendly notice for an unknown id)."""
    rest = path.removeprefix("/zone").strip("/")
    if rest:
        return zone_portrait.layout(obs, rest, lang)
    params = parse_qs((search or "").lstrip("?"))
    start = params.get("from", [""])[0]
    zone = zv.store_of(obs).get(start) if start else None
    if zone is None and ":" in (zoning := params.get("zoning", [""])[0]):  # a canton or constituency (the search)
        kind, code = zoning.split(":", 1)
        rows = zn.zoning_communes(obs, kind, code[:20])
        if len(rows):
            return builder(obs, tuple(sorted(rows["commune_code"])), str(rows["zoning_name"].iloc[0]), lang)
    return builder(obs, zone.codes if zone else (), zone.name if zone else None, lang)


def builder(obs: Observatory, selection: tuple[str, ...], name: str | None, lang: str) -> html.Div:
    """The builder page, with a starting selection (an existing zone to change, or none)."""
    fr = lang == "fr"
    return html.Div(
        [
            html.H1("Construire une zone" if fr else "Build a zone"),
            html.P(
                "Choisissez des communes : sur la carte, par une liste de codes (INSEE ou postaux) ou à partir "
                "d'un territoire. Les chiffres de la zone sont ré-estimés à partir des réponses de ses communes, "
                "avec leur marge d'erreur."
                if fr
                else "Choose municipalities: on the map, from a list of codes (INSEE or postal) or from a "
                "territory. The zone's figures are re-estimated from the answers of its municipalities, with "
                "their margin of error.",
                className="note",
            ),
            html.Div(
                [
                    _map_panel(obs, lang),
                    html.Div([_inputs(lang), *_selection_panel(obs, selection, name, lang)], className="zone-side"),
                ],
                className="zone-builder-row",
            ),
            dcc.Store(id=SELECTION, data=list(selection)),
            dcc.Store(id=MAP_SPEC, data=map_spec("commune", obs.db.version)),
            dcc.Store(id=MAP_CLICK),
            dcc.Store(id=MAP_APPLIED),
        ],
        id=BUILDER,
        className="zone-builder",
    )


def _map_panel(obs: Observatory, lang: str) -> html.Div:
    fr = lang == "fr"
    return html.Div(
        [
            html.Div(
                id=MAP,
                className="zone-map",
                **{
                    "data-state": "loading",
                    "data-selected": "0",
                    "data-label": "Carte des communes : choisir les communes de la zone"
                    if fr
                    else "Map of municipalities: choose the zone's municipalities",
                },
            ),
            html.P(
                "Cliquez sur une commune pour l'ajouter ou la retirer ; Maj + glisser : ajouter les communes "
                "d'un rectangle. Zoomez avec la molette ou les boutons + et −."
                if fr
                else "Click a municipality to add or remove it; Shift + drag: add the municipalities inside a "
                "box. Zoom with the wheel or the + and − buttons.",
                className="note",
            ),
        ],
        className="zone-map-panel",
    )


def _inputs(lang: str) -> html.Div:
    """Codes to paste, a CSV to upload, a territory to start from."""
    fr = lang == "fr"
    return html.Div(
        [
            html.Label("À partir d'un territoire" if fr else "Start from a territory", htmlFor=TERRITORY),
            dcc.Input(
                id=TERRITORY,
                type="search",
                debounce=0.3,
                autoComplete="off",
                placeholder="EPCI, département, canton, circonscription, commune…"
                if fr
                else "EPCI, département, canton, constituency, municipality…",
                className="search-input",
            ),
            html.Ul(id=TERRITORY_RESULTS, className="zone-territory-results", **{"aria-live": "polite"}),
            html.Label(
                "Coller des codes (INSEE ou postaux, un par ligne)"
                if fr
                else "Paste codes (INSEE or postal, one a line)",
                htmlFor=CODES,
            ),
            dcc.Textarea(id=CODES, className="zone-codes", rows=4, placeholder="42218\n42207\n69001"),
            html.Div(
                [
                    html.Button("Ajouter ces codes" if fr else "Add these codes", id=CODES_ADD, className="button"),
                    dcc.Upload(
                        html.Span(
                            "… ou déposer un fichier CSV (une colonne)" if fr else "… or drop a CSV file (one column)"
                        ),
                        id=UPLOAD,
                        accept=".csv,.txt,text/csv,text/plain",
                        className="zone-upload",
                        max_size=zb.MAX_UPLOAD,
                    ),
                ],
                className="actions",
            ),
            html.Div(id=MESSAGES, className="zone-messages", role="status", **{"aria-live": "polite"}),
        ],
        className="zone-inputs",
    )


def _selection_panel(obs: Observatory, selection: tuple[str, ...], name: str | None, lang: str) -> list:
    fr = lang == "fr"
    return [
        html.H2("Communes choisies" if fr else "Chosen municipalities"),
        selected_list(obs, selection, lang),
        html.Button("Tout retirer" if fr else "Remove all", id=CLEAR, className="button secondary"),
        html.Label("Nom de la zone" if fr else "Name of the zone", htmlFor=NAME),
        dcc.Input(id=NAME, type="text", value=name or "", maxLength=120, className="zone-name"),
        html.Div(
            html.Button("Calculer la zone" if fr else "Compute the zone", id=SUBMIT, className="button"),
            className="actions",
        ),
        html.Div(id=SUBMIT_MESSAGE, className="zone-messages", role="status"),
    ]


def selected_list(obs: Observatory, selection: tuple[str, ...], lang: str) -> html.Div:
    """The block of the communes chosen (``data-count``: how many)."""
    return html.Div(selected_children(obs, selection, lang), id=SELECTED, **{"data-count": str(len(selection))})


def selected_children(obs: Observatory, selection: tuple[str, ...], lang: str) -> list:
    """How many communes are chosen, and the first :data:`MAX_LISTED` of them, each with a remove button."""
    fr = lang == "fr"
    rows = zb.selection_rows(obs, selection)
    items = [
        html.Li(
            [
                html.Span(f"{r.name} ({r.code})"),
                html.Button(
                    "×",
                    id={"type": REMOVE, "code": r.code},
                    className="zone-remove",
                    title=("Retirer " if fr else "Remove ") + r.name,
                    **{"aria-label": ("Retirer " if fr else "Remove ") + r.name},
                ),
            ]
        )
        for r in rows.itertuples(index=False)
    ]
    count = len(selection)
    head = f"{count} commune{'s' if count > 1 else ''}" if fr else f"{count} municipalit{'ies' if count != 1 else 'y'}"
    more = count - len(rows)
    return [
        html.P(head, className="zone-count"),
        html.Ul(items, className="zone-list"),
        *([html.P(f"… et {more} autres" if fr else f"… and {more} more", className="note")] if more > 0 else []),
    ]


def messages(items: list[zb.Message], lang: str) -> list:
    """The builder's messages as paragraphs (class: their kind)."""
    return [html.P(m.text(lang), className=f"zone-message {m.kind}") for m in items]


def territory_results(hits: list, lang: str) -> list:
    """The territories found, each a button adding its communes."""
    fr = lang == "fr"
    return [
        html.Li(
            html.Button(
                f"{h.name} ({zb.level_word(h.level, lang)} {h.code})" + (f" — {h.parent}" if h.parent else ""),
                id={"type": ADD_TERRITORY, "level": h.level, "code": h.code},
                className="button secondary",
                title="Ajouter ses communes" if fr else "Add its municipalities",
            )
        )
        for h in hits
    ]
