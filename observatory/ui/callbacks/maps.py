"""The map pages' callbacks: the map view, the panels below it, the downloads and the selection.

A change of the controls redraws the map first (``update_map``); the ranking, the table and the
extra panels follow once MapLibre has drawn it (``update_panels``).
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from observatory.core.i18n import colon
from observatory.core.urlstate import language, view_state
from observatory.data.service import Observatory
from observatory.exports.export import api_url, download_request, export_file, export_table, filename, render
from observatory.ui import ids
from observatory.ui.callbacks.inputs import clicked, text, width
from observatory.ui.layout.legend import legend
from observatory.ui.pages import mappage, registry
from observatory.views import mapspec, model, pageview

CONTROLS = {"type": "control", "name": ALL}


def register_map_callbacks(app: Dash, obs: Observatory) -> None:
    """The map view, its panels, the drill-down from the heatmap, the iframe code and the downloads."""
    caches = pageview.PageCaches()  # this app's computed views (never a module global)

    @app.callback(
        Output(ids.MAP_DATA, "data"),
        Output(ids.LEGEND, "children"),
        Output(ids.TITLE, "children"),
        Output(ids.SUMMARY, "children"),
        Output(ids.BREAKS_STORE, "data"),
        Output(ids.URL, "search"),
        Output(ids.FREEZE, "aria-pressed"),
        Output(ids.INITIATIVES_TOGGLE, "aria-pressed"),
        Output(ids.API_LINK, "href"),
        Output(ids.API_LINK, "children"),
        Output(ids.MAP_META, "data"),
        Output(CONTROLS, "options"),
        Output(CONTROLS, "value"),
        Input(CONTROLS, "value"),
        Input(ids.FREEZE, "n_clicks"),
        Input(ids.INITIATIVES_TOGGLE, "n_clicks"),
        Input(ids.MAP_CLICK, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        State(ids.BREAKS_STORE, "data"),
        State(ids.VIEWPORT, "data"),
    )
    def update_map(control_values, freeze_clicks, initiative_clicks, click, pathname, search, store, viewport):
        """The map and what must change with it; the panels below follow (update_panels)."""
        return map_outputs(
            caches, obs, control_values, freeze_clicks, initiative_clicks, click, pathname, search, store, viewport
        )

    # MapLibre (assets/map.js) starts from the layout's spec and paints each new set of values.
    app.clientside_callback(
        ClientsideFunction("observatoryMap", "render"),
        Output(ids.MAP_APPLIED, "data"),
        Input(ids.MAP_SPEC, "data"),
        Input(ids.MAP_DATA, "data"),
    )
    # The panels below the map wait until MapLibre has drawn it (at most 8 s): on two cores, with
    # WebGL in software, drawing them at the same time would delay the map the person looks at.
    app.clientside_callback(
        ClientsideFunction("observatoryMap", "panelsAfterMap"),
        Output(ids.PANELS_GO, "data"),
        Input(ids.MAP_META, "data"),
    )

    @app.callback(
        Output(ids.RANKING_PANEL, "children"),
        Output(ids.TABLE, "columns"),
        Output(ids.TABLE, "data"),
        Output(ids.SELECTED, "children"),
        Output(ids.EXTRAS, "children"),
        Output(ids.TABLE, "style_data_conditional"),
        Input(ids.PANELS_GO, "data"),
        State(ids.URL, "pathname"),
    )
    def update_panels(meta, pathname):
        """Ranking, table, selection and the page's extra panels, once the map has been sent."""
        return panel_outputs(caches, obs, meta, pathname)

    @app.callback(
        Output({"type": "control", "name": "domain"}, "value"),
        Input(ids.HEATMAP, "clickData"),
        prevent_initial_call=True,
    )
    def drill_down(click):
        point = (click or {}).get("points", [{}])[0]
        return point.get("customdata") or no_update

    register_map_clientside(app)

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.DOWNLOAD_CSV, "n_clicks"),
        Input(ids.DOWNLOAD_EXCEL, "n_clicks"),
        Input(ids.DOWNLOAD_XLSX, "n_clicks"),
        Input(ids.DOWNLOAD_ZIP, "n_clicks"),
        State(CONTROLS, "value"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def download(_csv, _excel, _xlsx, _zip, control_values, pathname):
        return map_download(obs, control_values, pathname)


def register_map_clientside(app: Dash) -> None:
    """The map view's iframe code, and the controls none of whose options may be chosen."""
    # The map view's iframe code (layout/snippets.py), its address from the URL the map callback
    # keeps in step with the controls.
    app.clientside_callback(
        """function(search, path, code) {
            var esc = function (s) { return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;'); };
            var src = window.location.origin + '/embed' + (path || '') + (search || '');
            return (code || '').replace(/src="[^"]*"/, function () { return 'src="' + esc(src) + '"'; });
        }""",
        Output(ids.MAP_EMBED_CODE, "children"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        State(ids.MAP_EMBED_CODE, "children"),
    )
    # A control none of whose options may be chosen is disabled (mappage.inapplicable, audit E17).
    app.clientside_callback(
        """function(options) {
            return options.map(function (o) { return o.length > 0 && o.every(function (x) { return x.disabled; }); });
        }""",
        Output(CONTROLS, "disabled"),
        Input(CONTROLS, "options"),
    )


def map_outputs(
    caches: pageview.PageCaches,
    obs: Observatory,
    control_values,
    freeze_clicks,
    initiative_clicks,
    click,
    pathname,
    search,
    store,
    viewport,
) -> tuple:
    """The outputs of ``update_map``: the map's data and everything that changes with it."""
    pathname, search = text(pathname), text(search)
    page = registry.PAGES.get(registry.canonical(pathname))
    if page is None:
        return (no_update,) * 11 + ([no_update] * len(control_values),) * 2
    lang = language(search)
    names = [i["id"]["name"] for i in ctx.inputs_list[0]]
    given = dict(zip(names, control_values, strict=True))
    code = clicked(click) if ctx.triggered_id == ids.MAP_CLICK else None
    freeze, show_initiatives = bool((freeze_clicks or 0) % 2), bool((initiative_clicks or 0) % 2)
    up = pageview.map_update(
        caches, obs, page, given, lang, view_state(search), store, freeze, show_initiatives, code, width(viewport)
    )
    url = api_url(download_request(page, up.values))
    # The options of a control depend on the others (the waves of the survey chosen...): send
    # them again, and the values actually used (a wave the new survey lacks falls back).
    return (
        up.pv.map_data,
        legend(
            up.pv.view,
            up.pv.colours,
            obs.settings.min_n,
            lang,
            bool(up.frozen),
            show_initiatives,
            model.diagnostics_href(up.values, up.pv.query, up.pv.measure, up.pv.statistic, lang),
        ),
        mappage.view_title(page, up.values, lang),
        pageview.summary(up.pv, lang, obs.is_synthetic(up.values.get("survey"))),
        up.store,
        up.search if up.search != (search or "") else no_update,
        "true" if freeze else "false",
        "true" if show_initiatives else "false",
        url,
        "API" + colon(lang) + url,
        up.meta,
        [up.options.get(n, no_update) for n in names],
        [up.values[n] if n in up.values and up.values[n] != given.get(n) else no_update for n in names],
    )


def panel_outputs(caches: pageview.PageCaches, obs: Observatory, meta, pathname) -> tuple:
    """The outputs of ``update_panels``: ranking, table, selection and the page's extra panels."""
    page = registry.PAGES.get(registry.canonical(text(pathname)))
    if page is None or not meta or meta.get("path") != page.path:
        return (no_update,) * 6
    lang, selected = meta["lang"], meta["selected"]
    args = (meta["values"], lang, meta["frozen"], selected, meta["width"], meta["initiatives"])
    pv = pageview.compute_cached(caches, obs, page, *args)
    columns, records = pageview.table_rows(pv, lang)
    return (
        mappage.ranking_graph(pv.ranking),
        columns,
        records,
        selection(pv, selected, lang),
        pageview.extras_cached(caches, obs, page, pv, meta["values"], lang, meta["width"]),
        pageview.table_highlight(selected),
    )


def map_download(obs: Observatory, control_values, pathname):
    """The file of the map view's table, in the format of the button clicked."""
    page = registry.PAGES.get(registry.canonical(text(pathname)))
    if page is None:
        return no_update
    names = [i["id"]["name"] for i in ctx.states_list[0]]
    values = mapspec.resolve_values(obs, page, dict(zip(names, control_values, strict=True)))
    req = download_request(page, values)
    if ctx.triggered_id in (ids.DOWNLOAD_ZIP, ids.DOWNLOAD_XLSX):  # the API's renderers, as files
        fmt = "zip" if ctx.triggered_id == ids.DOWNLOAD_ZIP else "xlsx"
        return dcc.send_bytes(export_file(obs, req, fmt), filename(req, fmt))
    dialect = "excel-fr" if ctx.triggered_id == ids.DOWNLOAD_EXCEL else "plain"
    data = render(export_table(obs, req), "csv", dialect)
    name = filename(req, "csv").replace(".csv", "_excel-fr.csv" if dialect == "excel-fr" else ".csv")
    return dcc.send_bytes(data, name)


def selection(pv: pageview.PageView, selected: str | None, lang: str) -> list:
    """The selected territory's name, with a link to its profile."""
    if not selected:
        return []
    row = pv.view.rows[pv.view.rows["territory_code"] == selected]
    if row.empty:
        return []
    r = row.iloc[0]
    label = "Territoire sélectionné" if lang == "fr" else "Selected territory"
    link = "Voir son profil" if lang == "fr" else "See its profile"
    return [
        html.Strong(f"{label} : {r.territory_name} ({r.territory_code}) "),
        dcc.Link(link, href=f"/territoire/{registry.territory_key(pv.query.level, selected)}"),
    ]
