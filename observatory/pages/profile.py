"""``/territoire/<code>``: a territory's profile.

Identity, every indicator against its parent and France with CIs and significance, its
sub-territories, a download and a permalink.
"""

from __future__ import annotations

from dash import dash_table, dcc, html

from observatory import i18n
from observatory import reference as ref
from observatory.figures.choropleth import FRANCE_VIEW
from observatory.figures.compare import dotplot
from observatory.pages.registry import territory_key
from observatory.service import Observatory
from observatory.views import profile as pv

PROFILE_DOWNLOAD = "profile-download"
PROFILE_CSV = "profile-csv"
PROFILE_XLSX = "profile-xlsx"
PROFILE_ZIP = "profile-zip"
PROFILE_KEY = "profile-key"


def _link(level: str, code: str, name: str) -> dcc.Link:
    return dcc.Link(name, href=f"/territoire/{territory_key(level, code)}")


def locator(t: pv.Territory) -> dict:
    """A small national map: régions in grey, the territory's point marked."""
    region = next((c for lv, c, _ in t.parents if lv == "region"), t.code if t.level == "region" else None)
    data = [
        {
            "type": "choroplethmap",
            "geojson": "/geo/region.geojson",
            "featureidkey": "id",
            "locations": [region] if region else [],
            "z": [1],
            "colorscale": [[0, "#c6dbef"], [1, "#c6dbef"]],
            "showscale": False,
            "marker": {"line": {"width": 1, "color": "#2c7fb8"}},
            "hoverinfo": "skip",
        }
    ]
    if t.lon is not None:
        data.append(
            {
                "type": "scattermap",
                "lon": [t.lon],
                "lat": [t.lat],
                "mode": "markers",
                "marker": {"size": 12, "color": "#d95f02"},
                "text": [t.name],
                "hoverinfo": "text",
            }
        )
    return {
        "data": data,
        "layout": {
            "map": {"style": "white-bg", "center": FRANCE_VIEW["center"], "zoom": 3.6},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "height": 260,
            "showlegend": False,
        },
    }


def identity(t: pv.Territory, lang: str) -> html.Div:
    """Name, level, parents with links, population, area, density."""
    fr = lang == "fr"
    facts = [
        html.Dt("Échelon" if fr else "Level"),
        html.Dd(ref.label(t.level, lang)),
        html.Dt("Code INSEE" if fr else "INSEE code"),
        html.Dd(t.code),
        html.Dt("Population municipale" if fr else "Population"),
        html.Dd(i18n.number(t.population, 0, lang)),
    ]
    if t.area_km2:
        facts += [
            html.Dt("Superficie" if fr else "Area"),
            html.Dd(f"{i18n.number(t.area_km2, 1, lang)} km²"),
            html.Dt("Densité" if fr else "Density"),
            html.Dd(f"{i18n.number(t.population / t.area_km2, 0, lang)} hab./km²"),
        ]
    if t.parents:
        links: list = []
        for level, code, name in t.parents:
            links += [_link(level, code, name), f" ({ref.label(level, lang).lower()}) "]
        facts += [html.Dt("Appartient à" if fr else "Part of"), html.Dd(links)]
    return html.Dl(facts, className="facts")


def sub_territories(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """Lists of sub-territories with links."""
    out = []
    for level, (rows, total) in pv.children(obs, t).items():
        head = f"{ref.label(level, lang)} ({total})"
        items = [html.Li(_link(level, r.code, r.name)) for r in rows.itertuples()]
        more = (
            []
            if total <= len(rows)
            else [html.Li(f"… {total - len(rows)} autres" if lang == "fr" else f"… {total - len(rows)} more")]
        )
        out.append(html.Details([html.Summary(head), html.Ul(items + more, className="children")]))
    return out


def indicator_sections(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """For each block and survey: a dot plot (territory, parent, France) and a table."""
    fr = lang == "fr"
    rows = pv.indicator_rows(obs, t)
    parent = pv.parent_of(t)
    parent_name = next((n for lv, c, n in t.parents if parent and (lv, c) == parent), None)
    series = [("territory", t.name)] + ([("parent", parent_name)] if parent_name else []) + [("france", "France")]
    titles = {
        "fragilite": ("Fragilités perçues", "Perceived fragilities"),
        "partenariats": ("Partenariats", "Partnerships"),
        "maires": ("Co-construction (maires)", "Co-construction (mayors)"),
        "innovation": ("Les alliances, source d'innovation", "Alliances as a source of innovation"),
    }
    out = []
    for block, _indicator, surveys, statistic in pv.BLOCKS:
        section = [html.H2(titles[block][0 if fr else 1])]
        for survey in surveys:
            table = pv.comparison_table(rows, block, survey) if len(rows) else None
            if table is None or table.empty:
                continue
            labels = {m: ref.label(m, lang) for m in table["measure"]}
            stat = statistic or "share"
            title = f"{ref.label(survey, lang)}, {obs.waves(survey)[-1]} — {i18n.t(stat, lang)}"
            section.append(
                dcc.Graph(
                    figure=dotplot(*_with_reference(obs, table, series, survey, lang), labels, stat, title, lang),
                    config={"displaylogo": False},
                )
            )
            section.append(_table(table, labels, stat, t, lang))
        out.append(html.Section(section, className="profile-block"))
    return out


def _with_reference(obs: Observatory, table, series: list, survey: str, lang: str):
    plotted, extra = with_published(obs, table, survey, lang)
    return plotted, series + extra


def with_published(obs: Observatory, table, survey: str, lang: str):
    """Add the national figures PHARE / IMPACT published for the wave shown, if any.

    Figures of other waves are not set beside these estimates: the trend charts show them at
    their own waves.
    """
    pub = obs.published_figures()
    waves = set(table["wave"]) if "wave" in table else {obs.waves(survey)[-1]}
    pub = pub[
        (pub["survey"] == survey) & pub["region_code"].isna() & pub["size_class"].isna() & pub["wave"].isin(waves)
    ]
    if pub.empty:
        return table, []
    stat = pub["statistic"].where(pub["base"] != "partners", "share_among_partners")
    values = dict(zip(zip(pub["measure"], stat, strict=True), pub["value"], strict=True))
    keys = list(zip(table["measure"], table["statistic"], strict=True))
    published = [values.get(k) for k in keys]
    if all(v is None for v in published):
        return table, []
    out = table.assign(
        estimate_published=published, ci_low_published=published, ci_high_published=published, n_published=None
    )
    out[["estimate_published", "ci_low_published", "ci_high_published"]] = out[
        ["estimate_published", "ci_low_published", "ci_high_published"]
    ].astype(float)
    waves = sorted({int(w) for w in pub["wave"]})
    name = (
        f"PHARE {', '.join(map(str, waves))} (publié)"
        if lang == "fr"
        else f"PHARE {', '.join(map(str, waves))} (published)"
    )
    return out, [("published", name)]


def _table(table, labels: dict[str, str], statistic: str, t: pv.Territory, lang: str) -> dash_table.DataTable:
    fr = lang == "fr"
    records = []
    for r in table.itertuples():
        why = ""
        if r.reliability == "suppressed":
            why = i18n.t("too_few", lang, n=int(r.n_territory or 0), min_n=30)
        records.append(
            {
                "measure": labels.get(r.measure, r.measure)
                + (" (parmi les partenaires)" if r.statistic == "share_among_partners" and fr else ""),
                "territory": why
                or f"{i18n.value(r.estimate_territory, statistic, lang)} [{i18n.interval(r.ci_low_territory, r.ci_high_territory, statistic, lang)}]",
                "n": int(r.n_territory or 0),
                "parent": i18n.value(getattr(r, "estimate_parent", None), statistic, lang),
                "france": i18n.value(r.estimate_france, statistic, lang),
                "significance": i18n.t(r.significance, lang) if isinstance(r.significance, str) else "",
                "vs_parent": i18n.t(r.vs_parent, lang) if isinstance(getattr(r, "vs_parent", None), str) else "",
            }
        )
    columns = [
        ("measure", "Mesure" if fr else "Measure"),
        ("territory", f"{t.name} [IC 95 %]" if fr else f"{t.name} [95% CI]"),
        ("n", "n"),
        ("parent", "Territoire parent" if fr else "Parent"),
        ("france", "France"),
        ("vs_parent", "vs reste du territoire parent" if fr else "vs rest of the parent"),
        ("significance", "vs reste de la France" if fr else "vs rest of France"),
    ]
    return dash_table.DataTable(
        data=records,
        columns=[{"id": c, "name": n} for c, n in columns],
        style_cell={
            "textAlign": "left",
            "fontFamily": "inherit",
            "fontSize": 13,
            "whiteSpace": "normal",
            "height": "auto",
        },
        style_header={"fontWeight": "600"},
    )


def trend_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """For each survey with several waves: the trend of each indicator (territory, parent, France)."""
    from observatory.figures.trend import trend_figure
    from observatory.views import trends

    fr = lang == "fr"
    parent = pv.parent_of(t)
    parent_name = next((n for lv, c, n in t.parents if parent and (lv, c) == parent), None)
    scopes = [("territory", t.name, t.level, t.code)]
    if parent and parent_name:
        scopes.append(("parent", parent_name, parent[0], parent[1]))
    scopes.append(("france", "France", ref.FRANCE_LEVEL, None))
    present = set(obs.datasets()["survey"])
    graphs = []
    for block, indicator, surveys, statistic in pv.BLOCKS:
        measures = pv.TREND_MEASURES[block]
        for survey in surveys:
            if survey not in present or len(obs.waves(survey)) < 2:
                continue
            keep = trends.keep_statistic(statistic)
            rows = trends.series_rows(obs, indicator, survey, scopes, keep, measures)
            stat = statistic or "share"  # partnerships: the partner rate, and the kinds among partners
            labels = {m: ref.label(m, lang) for m in measures}
            title = f"{ref.label(survey, lang)} — {i18n.t(stat, lang)}"
            if not statistic:
                title += " (types : parmi les partenaires)" if fr else " (kinds: among partners)"
            published = keep(trends.published_points(obs, survey, indicator))
            figure = trend_figure(rows, published, labels, stat, lang, title)
            graphs.append(dcc.Graph(figure=figure, config={"displaylogo": False}, className="trend"))
    if not graphs:
        return html.Section([], className="profile-block", id="trends")
    intro = (
        "Chaque point est l'estimation d'une vague avec son intervalle de confiance à 95 % (points, pas de "
        "ligne : les vagues sont espacées de plusieurs années). Le survol donne l'évolution depuis la vague "
        "précédente et si elle est significative. Losanges noirs : chiffres nationaux publiés."
        if fr
        else "Each point is one wave's estimate with its 95% confidence interval (points, not lines: waves "
        "are years apart). Hover for the change since the previous wave and whether it is significant. "
        "Black diamonds: published national figures."
    )
    return html.Section(
        [html.H2(i18n.t("trend_title", lang)), html.P(intro, className="note"), *graphs],
        className="profile-block",
        id="trends",
    )


KIND_LABELS = {
    "label_territoire": ("Label « Territoire French Impact »", "'Territoire French Impact' label"),
    "pionnier_co_construction": ("Pionnier de la co-construction", "Co-construction pioneer"),
    "laureat_innovation_sociale": (
        "Lauréat innovation sociale (Nouvelle-Aquitaine)",
        "Social-innovation laureate (Nouvelle-Aquitaine)",
    ),
    "entrepreneuriat_territoire": ("Entrepreneuriat de territoire", "Territorial entrepreneurship"),
    "fabrique_initiatives": ("Fabrique à initiatives", "Fabrique à initiatives"),
    "autre": ("Autre initiative", "Other initiative"),
}


def initiatives_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """Real initiatives from the source documents located here, below or above (never synthetic)."""
    fr = lang == "fr"
    rows = obs.initiatives(t.level, t.code, [(lv, c) for lv, c, _ in t.parents])
    head = html.H2("Initiatives du territoire (données réelles)" if fr else "Initiatives in the territory (real data)")
    if rows.empty:
        return html.Section(
            [head, html.P("Aucune initiative du catalogue ici." if fr else "No catalogued initiative here.")]
        )
    items = []
    for r in rows.itertuples():
        kind = KIND_LABELS.get(r.kind, (r.kind, r.kind))[0 if fr else 1]
        details = [html.Strong(r.name), f" — {kind}", html.Br(), r.description_fr if fr else r.description_en]
        if r.role:
            details += [html.Br(), ("Rôle : " if fr else "Role: ") + r.role.replace(";", ", ")]
        if r.actors:
            details += [html.Br(), ("Acteurs : " if fr else "Actors: ") + r.actors.replace(";", ", ")]
        if r.figures:
            details += [html.Br(), ("Chiffres : " if fr else "Figures: ") + r.figures.replace(";", ", ")]
        details += [html.Br(), html.Small(("Source : " if fr else "Source: ") + r.source_document)]
        items.append(html.Li(details, className="initiative"))
    return html.Section([head, html.Ul(items, className="initiatives")], className="profile-block", id="initiatives")


def layout(obs: Observatory, key: str, lang: str) -> html.Div:
    """The profile page, or a not-found message with a hint to use the search."""
    fr = lang == "fr"
    t = pv.resolve(obs, key)
    if t is None:
        return html.Div(
            [
                html.H1("Territoire introuvable" if fr else "Territory not found"),
                html.P(
                    f"Aucun territoire ne correspond à « {key[:40]} ». Utilisez la recherche en haut de la page."
                    if fr
                    else f"No territory matches '{key[:40]}'. Use the search at the top of the page."
                ),
            ],
            className="not-found",
        )
    permalink = f"/territoire/{territory_key(t.level, t.code)}"
    return html.Div(
        [
            dcc.Store(id=PROFILE_KEY, data={"level": t.level, "code": t.code}),
            html.H1(t.name, id="profile-title"),
            html.Div(
                [
                    html.Div([identity(t, lang), *sub_territories(obs, t, lang)], className="profile-identity"),
                    dcc.Graph(figure=locator(t), config={"displayModeBar": False}, className="locator"),
                ],
                className="profile-head",
            ),
            html.Div(
                [
                    html.Button(
                        "Télécharger le profil (CSV)" if fr else "Download the profile (CSV)",
                        id=PROFILE_CSV,
                        className="button",
                    ),
                    html.Button(
                        "Profil (XLSX, une feuille par bloc)" if fr else "Profile (XLSX, one sheet per block)",
                        id=PROFILE_XLSX,
                        className="button secondary",
                    ),
                    html.Button(
                        "ZIP avec description (datapackage)" if fr else "ZIP with description (datapackage)",
                        id=PROFILE_ZIP,
                        className="button secondary",
                    ),
                    dcc.Download(id=PROFILE_DOWNLOAD),
                    html.Span(
                        ["Lien permanent : " if fr else "Permalink: ", dcc.Link(permalink, href=permalink)],
                        className="permalink",
                    ),
                ],
                className="actions",
            ),
            *indicator_sections(obs, t, lang),
            trend_section(obs, t, lang),
            initiatives_section(obs, t, lang),
        ],
        className="profile",
    )
