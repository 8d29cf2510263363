"""All the app's callbacks, registered in one place.

Each one unpacks its inputs, calls the view layer (:mod:`observatory.views`) and returns;
no figure is computed here.
"""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from observatory import ids
from observatory.datapackage import package, slug
from observatory.export import (
    api_url,
    comparison_csv,
    comparison_tables,
    download_request,
    export_file,
    export_table,
    filename,
    profile_tables,
    render,
    render_profile,
)
from observatory.i18n import colon
from observatory.layout import shell, snippets
from observatory.layout.legend import legend
from observatory.pages import compare, mappage, methodology, profile, registry
from observatory.pages import model_diagnostics as diagnostics_page
from observatory.search import hit_label, more_results_text
from observatory.service import Observatory
from observatory.urlstate import language, notice_texts, view_state
from observatory.views import mapspec, model, model_diagnostics, pageview

CONTROLS = {"type": "control", "name": ALL}
UNREADABLE_QUERY = "Adresse illisible / unreadable address : valeurs par défaut / defaults shown"


def register_callbacks(app: Dash, obs: Observatory) -> None:
    """Register the router, the map-view, the download and the selection callbacks."""
    caches = pageview.PageCaches()  # this app's computed views (never a module global)
    register_profile_callbacks(app, obs)
    register_compare_callbacks(app, obs)
    register_search_callbacks(app, obs)
    register_diagnostics_callbacks(app, obs)

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
        unreadable = search is not None and _text(search) is None
        pathname, search = _text(pathname), _text(search)
        lang = language(search)
        path = registry.canonical(pathname)
        page = registry.PAGES.get(path)
        if page is not None and ctx.triggered_id == ids.URL and "url.pathname" not in ctx.triggered_prop_ids:
            # A map page writes its own state into the query string: don't rebuild it for that.
            return (no_update,) * 5
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
        else:
            content = registry.not_found(pathname or "", lang)
        return (
            shell.header(path, search or "", lang),
            shell.banner(obs.is_synthetic(), lang),
            shell.notices([*([UNREADABLE_QUERY] if unreadable else []), *notices]),
            content,
            shell.footer(lang, obs.db.version),
        )

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
        pathname, search = _text(pathname), _text(search)
        page = registry.PAGES.get(registry.canonical(pathname))
        if page is None:
            return (no_update,) * 11 + ([no_update] * len(control_values),) * 2
        lang = language(search)
        names = [i["id"]["name"] for i in ctx.inputs_list[0]]
        given = dict(zip(names, control_values, strict=True))
        clicked = _clicked(click) if ctx.triggered_id == ids.MAP_CLICK else None
        freeze, show_initiatives = bool((freeze_clicks or 0) % 2), bool((initiative_clicks or 0) % 2)
        width = _width(viewport)
        up = pageview.map_update(
            caches, obs, page, given, lang, view_state(search), store, freeze, show_initiatives, clicked, width
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
        page = registry.PAGES.get(registry.canonical(_text(pathname)))
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
            _selection(pv, selected, lang),
            pageview.extras_cached(caches, obs, page, pv, meta["values"], lang, meta["width"]),
            pageview.table_highlight(selected),
        )

    @app.callback(
        Output({"type": "control", "name": "domain"}, "value"),
        Input(ids.HEATMAP, "clickData"),
        prevent_initial_call=True,
    )
    def drill_down(click):
        point = (click or {}).get("points", [{}])[0]
        return point.get("customdata") or no_update

    # A profile's iframe code: its relative address made absolute on the host the visitor uses.
    app.clientside_callback(
        """function(_, code) {
            return (code || '').replace('src="/', 'src="' + window.location.origin + '/');
        }""",
        Output(snippets.SNIPPET_CODE, "children"),
        Input(profile.PROFILE_KEY, "data"),
        State(snippets.SNIPPET_CODE, "children"),
    )
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
    app.clientside_callback(
        "function(_) { return {width: window.innerWidth, height: window.innerHeight}; }",
        Output(ids.VIEWPORT, "data"),
        Input(ids.URL, "pathname"),
    )

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
        page = registry.PAGES.get(registry.canonical(_text(pathname)))
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


def register_search_callbacks(app: Dash, obs: Observatory) -> None:
    """The place search in the header: options as the user types; a choice opens the profile."""

    @app.callback(Output(ids.SEARCH_RESULTS, "children"), Input(ids.SEARCH, "value"), State(ids.URL, "search"))
    def search_results(text, search):
        if not isinstance(text, str) or not text.strip():
            return []
        lang = language(_text(search))
        found = obs.search_with_total(text, limit=10)
        if not found.hits:
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
        if more > 0:  # a line, not a link: the keyboard navigation (assets/search.js) skips it
            items.append(html.Li(more_results_text(more, lang), className="search-more"))
        return items


def search_label(hit, lang: str = "fr") -> str:
    """'Le Havre — commune 76351, Seine-Maritime (76) · 170 147 hab.' (see search.hit_label)."""
    return hit_label(hit, lang)


def register_compare_callbacks(app: Dash, obs: Observatory) -> None:
    """Adding a territory from the comparison page's search, and the comparison's downloads.

    Both read the comparison from the URL (:func:`compare.current`): a tab click changes the URL
    at once, while the page is only replaced once the new view has been computed; links built
    from the page in between dropped the chosen view.
    """

    @app.callback(
        Output(compare.COMPARE_ADD_RESULTS, "children"),
        Input(compare.COMPARE_ADD, "value"),
        State(ids.URL, "search"),
    )
    def add_results(text, search):
        if not isinstance(text, str) or not text.strip():
            return []
        current = compare.current(obs, _text(search))
        hits = obs.search(text, limit=8)
        return [
            html.Li(
                dcc.Link(
                    search_label(h),
                    href=compare.href(
                        [*current["keys"], registry.territory_key(h.level, h.code)],
                        current["view"],
                        current["lang"],
                        current["method"],
                    ),
                    className="search-hit",
                )
            )
            for h in hits
        ]

    @app.callback(
        Output(compare.COMPARE_DOWNLOAD, "data"),
        Input(compare.COMPARE_CSV, "n_clicks"),
        Input(compare.COMPARE_XLSX, "n_clicks"),
        Input(compare.COMPARE_ZIP, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def download_comparison(_csv, _xlsx, _zip, search):
        current = compare.current(obs, _text(search))
        if len(current["keys"]) < 2:
            return no_update
        tables = comparison_tables(obs, current["keys"], current["view"], current["method"])
        if ctx.triggered_id == compare.COMPARE_ZIP:
            title = f"Comparaison / comparison ({current['view']}) : {', '.join(current['keys'])}"
            filters = {"territories": current["keys"], "view": current["view"], "min_n": obs.settings.min_n}
            if current["method"] == "sae":
                filters["method"] = "sae"
            data = package(obs, {k: v for k, v in tables.items() if not v.empty}, title, filters)
            return dcc.send_bytes(data, f"observatoire_comparaison_{current['view']}.zip")
        fmt = "xlsx" if ctx.triggered_id == compare.COMPARE_XLSX else "csv"
        # the CSV: the estimates, then the pairwise differences (row_type), as the XLSX's two sheets
        data = render(comparison_csv(tables), "csv") if fmt == "csv" else render_profile(tables, "xlsx")
        return dcc.send_bytes(data, f"observatoire_comparaison_{current['view']}.{fmt}")


def register_diagnostics_callbacks(app: Dash, obs: Observatory) -> None:
    """The model diagnostics' controls: a choice writes the cell into the URL; the router draws it."""

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": diagnostics_page.CONTROL_TYPE, "name": ALL}, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def choose_cell(values, search):
        search = _text(search)
        names = [i["id"]["name"] for i in ctx.inputs_list[0]]
        cell = model_diagnostics.resolve_given(obs, dict(zip(names, values, strict=True)))
        if cell is None:
            return no_update
        href = model_diagnostics.cell_href(cell, language(search))
        new = href[href.index("?") :]
        return new if new != (search or "") else no_update


def register_profile_callbacks(app: Dash, obs: Observatory) -> None:
    """The profile's downloads: CSV, XLSX with one sheet per block, ZIP with one resource per block."""

    @app.callback(
        Output(profile.PROFILE_DOWNLOAD, "data"),
        Input(profile.PROFILE_CSV, "n_clicks"),
        Input(profile.PROFILE_XLSX, "n_clicks"),
        Input(profile.PROFILE_ZIP, "n_clicks"),
        State(profile.PROFILE_KEY, "data"),
        prevent_initial_call=True,
    )
    def download_profile(_csv, _xlsx, _zip, key):
        territory = profile.stored_territory(obs, key)
        if territory is None:
            return no_update
        level, code = territory.level, territory.code
        tables = profile_tables(obs, level, code)
        if ctx.triggered_id == profile.PROFILE_ZIP:
            name = tables[next(iter(tables))]
            label = name[name["scope"] == "territory"]["territory_name"].iloc[0] if len(name) else code
            title = f"Profil / profile : {label} ({level} {code})"
            filters = {"level": level, "territory": code, "min_n": obs.settings.min_n}
            data = package(obs, {slug(b): t for b, t in tables.items() if not t.empty}, title, filters)
            return dcc.send_bytes(data, f"observatoire_profil_{level}_{code}.zip")
        fmt = "xlsx" if ctx.triggered_id == profile.PROFILE_XLSX else "csv"
        data = render_profile(tables, fmt)
        return dcc.send_bytes(data, f"observatoire_profil_{level}_{code}.{fmt}")


def _text(value: object) -> str | None:
    """A callback's text value (a URL's path or query, a search box); None for any other type (a forged request)."""
    return value if isinstance(value, str) else None


def _width(viewport: object) -> int | None:
    """The screen width in the viewport store (``{"width", "height"}``, pixels); None when missing or not a number."""
    width = viewport.get("width") if isinstance(viewport, dict) else None
    return width if isinstance(width, int) and not isinstance(width, bool) else None


def _clicked(click: dict | None) -> str | None:
    code = (click or {}).get("code")
    return code if isinstance(code, str) and len(code) <= 12 else None


def _selection(pv: pageview.PageView, selected: str | None, lang: str):
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
