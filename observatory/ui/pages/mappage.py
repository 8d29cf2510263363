"""The Dash layout of the three map pages: controls, title, map with legend, panels.

What a page is (its parameters, controls, title, URL ⇄ values) is :mod:`observatory.views.mapspec`,
without Dash; its names are re-exported here for the page modules. Controls carry
pattern-matching ids ``{"type": "control", "name": <url parameter>}``, so one callback serves
every page.
"""

from __future__ import annotations

import json

from dash import dash_table, dcc, html

from observatory.core import reference as ref
from observatory.core.i18n import STRINGS, t
from observatory.core.urlstate import ViewState
from observatory.data.service import Observatory
from observatory.figures.choropleth import map_spec
from observatory.ui import ids
from observatory.ui.layout import snippets
from observatory.views.mapspec import (  # re-exported: the page modules import them from here
    NO_COMPARE,
    Control,
    MapPage,
    Options,
    all_controls,
    common_controls,
    compare_control,
    compare_param,
    describe,
    level_options,
    method_param,
    view_title,
)

__all__ = [
    "NO_COMPARE", "Control", "MapPage", "Options", "all_controls", "common_controls", "compare_control",
    "compare_param", "control_component", "describe", "inapplicable", "layout", "level_options", "map_labels",
    "method_param", "ranking_graph", "toggle_button", "view_title",
]  # fmt: skip


def inapplicable(c: Control) -> bool:
    """A control none of whose options may be chosen (« Parmi » for the partner rate): disabled.

    The callbacks keep ``disabled`` in step with the options they send (observatory/ui/callbacks/__init__.py).
    """
    return bool(c.options) and all(v in c.disabled for v, _label in c.options)


def control_component(c: Control, value: str, lang: str = "fr") -> html.Div:
    """A labelled dropdown (keyboard usable) for one control, with its help when it has one.

    The help (i18n ``control_help_<name>``) is the control's title and, through assets/a11y.js, the
    description of its focusable part: it says why a disabled control is disabled.
    """
    cid = {"type": "control", "name": c.name}
    key = f"control_help_{c.name}"
    help_text = t(key, lang) if key in STRINGS else None
    return html.Div(
        [
            html.Label(c.label, htmlFor=f"control-{c.name}", className="control-label"),
            dcc.Dropdown(
                id=cid,
                options=c.option_dicts(),
                value=value,
                clearable=False,
                searchable=False,
                disabled=inapplicable(c),
                className="control-dropdown",
            ),
            *(
                [html.Span(help_text, id=f"control-{c.name}-help", className="control-help visually-hidden")]
                if help_text
                else []
            ),
        ],
        className="control",
        id=f"control-{c.name}",
        **({"title": help_text} if help_text else {}),
        # As wide as its longest option allows (a truncated "Indice composit…" hides the choice).
        style={"flexBasis": f"{min(max((len(lbl) for _v, lbl in c.options), default=10), 46) + 4}ch"},
    )


def toggle_button(component_id: str, label_key: str, help_key: str, lang: str, pressed: bool = False) -> html.Button:
    """An on/off button (aria-pressed; the callbacks count its clicks: odd is on)."""
    return html.Button(
        t(label_key, lang),
        id=component_id,
        n_clicks=1 if pressed else 0,
        className="button toggle",
        title=t(help_key, lang),
        **{"aria-pressed": "true" if pressed else "false"},
    )


def map_labels(lang: str) -> dict[str, str]:
    """The end of the map's accessible name, by level ("carte par département"; key "": "Carte")."""
    fr = lang == "fr"
    by = "carte par " if fr else "map by "
    names = {lv.code: lv.fr if fr else lv.en for lv in ref.LEVELS}
    return {"": "Carte" if fr else "Map", **{k: by + n[:1].lower() + n[1:] for k, n in names.items()}}


def ranking_graph(figure: dict) -> dcc.Graph:
    """The ranking chart, mounted below the map once it is drawn (no tool bar over the title on phones)."""
    return dcc.Graph(id=ids.RANKING, figure=figure, config={"displaylogo": False, "displayModeBar": False})


def layout(
    page: MapPage, obs: Observatory, values: dict[str, str], lang: str, state: ViewState | None = None
) -> html.Div:
    """The page: controls, title, map with legend, ranking, table, downloads, page extras.

    On a phone the controls are folded behind a button, so that the map is on the first screen.
    """
    state = state or ViewState()
    controls = all_controls(page, obs, values, lang)
    return html.Div(
        [
            html.Button(
                t("map_settings", lang),
                id=ids.CONTROLS_TOGGLE,
                className="button secondary controls-toggle",
                **{"aria-expanded": "false", "aria-controls": ids.CONTROLS},
            ),
            html.Div(
                [control_component(c, values[c.name], lang) for c in controls],
                className="controls",
                id=ids.CONTROLS,
            ),
            html.Div(
                [
                    toggle_button(ids.FREEZE, "freeze", "freeze_help", lang, state.freeze),
                    toggle_button(
                        ids.INITIATIVES_TOGGLE, "initiatives_layer", "initiatives_help", lang, state.initiatives
                    ),
                    html.Button(t("download_csv", lang), id=ids.DOWNLOAD_CSV, className="button"),
                    html.Button(t("download_excel", lang), id=ids.DOWNLOAD_EXCEL, className="button secondary"),
                    html.Button(t("download_xlsx", lang), id=ids.DOWNLOAD_XLSX, className="button secondary"),
                    html.Button(
                        t("download_zip", lang),
                        id=ids.DOWNLOAD_ZIP,
                        className="button secondary",
                        title=t("download_zip_help", lang),
                    ),
                    html.Button(
                        t("map_image", lang),
                        id=ids.MAP_IMAGE,
                        className="button secondary",
                        title=t("map_image_help", lang),
                    ),
                    dcc.Download(id=ids.DOWNLOAD),
                    html.A(
                        "API",
                        id=ids.API_LINK,
                        href="/api/v1/openapi.json",
                        className="api-link",
                        title=t("api_link_help", lang),
                    ),
                ],
                className="actions",
            ),
            html.Details(
                [
                    html.Summary("Intégrer" if lang == "fr" else "Embed"),
                    html.P(
                        "Copiez ce code dans votre page : la carte telle qu'elle est affichée, avec sa légende, "
                        "sa source et l'avertissement, et un lien vers l'observatoire."
                        if lang == "fr"
                        else "Copy this code into your page: the map as shown, with its legend, source and notice, "
                        "and a link back to the observatory.",
                        className="note",
                    ),
                    # Its address follows the page's URL (every control), in the browser.
                    html.Pre(
                        html.Code(
                            snippets.snippet("/embed" + page.path, height=snippets.MAP_HEIGHT), id=ids.MAP_EMBED_CODE
                        ),
                        className="embed-code",
                        tabIndex="0",
                    ),
                ],
                className="embed-snippet",
            ),
            html.H1(view_title(page, values, lang), id=ids.TITLE),
            html.P(id=ids.SUMMARY, className="summary"),
            html.Div(
                [
                    html.Div(
                        [
                            # MapLibre draws here (assets/map.js); data-state says "drawn" once
                            # the current values are painted, data-values which ones. Its canvas
                            # is the map's landmark, named from the title and data-levels.
                            html.Div(
                                id=ids.MAP,
                                className="map",
                                **{
                                    "data-state": "loading",
                                    "data-levels": json.dumps(map_labels(lang), ensure_ascii=False),
                                    "data-describedby": f"{ids.MAP}-alt",
                                },
                            ),
                            html.P(t("map_alt", lang), id=f"{ids.MAP}-alt", className="visually-hidden"),
                            html.Div(t("map_loading", lang), className="map-loading", role="status"),
                        ],
                        className="map-panel",
                    ),
                    html.Aside(id=ids.LEGEND, className="legend", **{"aria-label": "Légende / Legend"}),
                ],
                className="map-row map-drawing",
                id=ids.MAP_ROW,
            ),
            dcc.Store(id=ids.MAP_SPEC, data=map_spec(page.query(values)[0].level, obs.db.version)),
            dcc.Store(id=ids.MAP_DATA),
            dcc.Store(id=ids.MAP_CLICK),
            dcc.Store(id=ids.MAP_APPLIED),
            dcc.Store(id=ids.MAP_META),
            dcc.Store(id=ids.PANELS_GO),
            html.Div(id=ids.SELECTED, className="selected"),
            # The ranking chart is mounted once the map is drawn: plotly.js stays off its path.
            html.Div(id=ids.RANKING_PANEL, className="ranking"),
            html.Div(id=ids.EXTRAS, className="extras"),
            dash_table.DataTable(
                id=ids.TABLE,
                sort_action="native",
                page_size=20,
                style_table={"overflowX": "auto"},
                style_cell={"fontFamily": "inherit", "fontSize": 14, "padding": "4px 8px"},
                style_header={"fontWeight": "600"},
                style_cell_conditional=[
                    {"if": {"column_id": c}, "textAlign": "left"}
                    for c in ("territory", "code", "reliability", "significance")
                ],
            ),
        ],
        className=f"map-page page-{page.indicator}",
    )
