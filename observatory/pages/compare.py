"""``/comparer?territories=CODE,CODE,...&view=``: 2 to 6 territories side by side.

Every estimate with its CI, whether each pair differs significantly (tested), a dot plot and a
table, comparable territories as one-click additions, and downloads.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dash_table, dcc, html

from observatory import i18n
from observatory import reference as ref
from observatory.figures.compare import dotplot
from observatory.service import Observatory
from observatory.urlstate import raw_values
from observatory.views import comparison as cmp

COMPARE_ADD = "compare-add"
COMPARE_ADD_RESULTS = "compare-add-results"
COMPARE_STATE = "compare-state"
COMPARE_CSV = "compare-csv"
COMPARE_XLSX = "compare-xlsx"
COMPARE_ZIP = "compare-zip"
COMPARE_DOWNLOAD = "compare-download"
VIEW_LABELS = {
    "fragilite-citoyens": ("Fragilités — citoyens", "Fragilities — citizens"),
    "fragilite-entreprises": ("Fragilités — entreprises", "Fragilities — companies"),
    "fragilite-associations": ("Fragilités — associations", "Fragilities — associations"),
    "partenariats-entreprises": ("Partenariats — entreprises", "Partnerships — companies"),
    "partenariats-associations": ("Partenariats — associations", "Partnerships — associations"),
    "maires": ("Co-construction — maires", "Co-construction — mayors"),
    "innovation-citoyens": ("Innovation — citoyens", "Innovation — citizens"),
    "innovation-elus": ("Innovation — maires", "Innovation — mayors"),
}
VERDICT = {
    "a_higher": (">", ">"),
    "b_higher": ("<", "<"),
    "not_significant": ("≈ (n.s.)", "≈ (n.s.)"),
    "not_tested": ("non testé", "not tested"),
}


def href(keys: list[str], view: str, lang: str) -> str:
    """The comparison URL of a list of territory keys."""
    params = {"territories": ",".join(keys), "view": view}
    if lang == "en":
        params["lang"] = "en"
    return "/comparer?" + urlencode(params, safe=",")


def state(obs: Observatory, search: str | None) -> tuple[list, str, list[str]]:
    """Territories, view and notices of a comparison URL."""
    raw = raw_values(search)
    territories, unknown = cmp.parse_keys(obs, raw.get("territories"))
    view = raw.get("view") if raw.get("view") in cmp.VIEWS else "fragilite-citoyens"
    notices = [f"Territoire inconnu / unknown territory : « {k} »" for k in unknown]
    if raw.get("view") and raw.get("view") not in cmp.VIEWS:
        notices.append(f"Vue inconnue / unknown view : « {raw['view'][:40]} » → {view}")
    return territories, view, notices


def layout(obs: Observatory, search: str | None, lang: str) -> tuple[html.Div, list[str]]:
    """The page and its notices."""
    fr = lang == "fr"
    territories, view, notices = state(obs, search)
    keys = [cmp.key_of(t) for t in territories]
    chips = [
        html.Li(
            [
                dcc.Link(t.name, href=f"/territoire/{cmp.key_of(t)}"),
                f" ({ref.label(t.level, lang).lower()}) ",
                dcc.Link(
                    "✕",
                    href=href([k for k in keys if k != cmp.key_of(t)], view, lang),
                    className="remove",
                    title="Retirer" if fr else "Remove",
                ),
            ],
            className="chip",
        )
        for t in territories
    ]
    tabs = [
        dcc.Link(
            VIEW_LABELS[v][0 if fr else 1],
            href=href(keys, v, lang),
            className="nav-link active" if v == view else "nav-link",
        )
        for v in cmp.VIEWS
    ]
    add = html.Div(
        [
            html.Label(
                "Ajouter un territoire" if fr else "Add a territory", htmlFor=COMPARE_ADD, className="control-label"
            ),
            dcc.Input(id=COMPARE_ADD, type="search", debounce=0.25, autoComplete="off", className="search-input"),
            html.Ul(id=COMPARE_ADD_RESULTS, className="search-results"),
        ],
        className="search-box compare-add",
    )
    suggestions = []
    if territories and len(territories) < cmp.MAX_TERRITORIES:
        sim = cmp.similar(obs, territories[0])
        links = []
        for r in sim.itertuples():
            key = f"reg-{r.code}" if r.level == "region" else r.code
            if key not in keys:
                links += [dcc.Link(f"+ {r.name}", href=href([*keys, key], view, lang), className="suggestion"), " "]
        if links:
            suggestions = [
                html.P(
                    [
                        ("Territoires comparables à " if fr else "Territories comparable to ")
                        + territories[0].name
                        + " : ",
                        *links,
                    ]
                )
            ]
    body: list = []
    if len(territories) < 2:
        body.append(
            html.P(
                "Choisissez au moins deux territoires (2 à 6)." if fr else "Choose at least two territories (2 to 6)."
            )
        )
    else:
        body += results(obs, territories, view, lang)
    page = html.Div(
        [
            dcc.Store(id=COMPARE_STATE, data={"keys": keys, "view": view, "lang": lang}),
            html.H1("Comparer des territoires" if fr else "Compare territories"),
            html.Ul(chips, className="chips"),
            add,
            *suggestions,
            html.Nav(tabs, className="nav tabs"),
            html.Div(
                [
                    html.Button("Télécharger (CSV)" if fr else "Download (CSV)", id=COMPARE_CSV, className="button"),
                    html.Button("XLSX", id=COMPARE_XLSX, className="button secondary"),
                    html.Button(
                        "ZIP avec description (datapackage)" if fr else "ZIP with description (datapackage)",
                        id=COMPARE_ZIP,
                        className="button secondary",
                    ),
                    dcc.Download(id=COMPARE_DOWNLOAD),
                ],
                className="actions",
            ),
            *body,
        ],
        className="compare",
    )
    return page, notices


def trend_graph(obs: Observatory, territories: list, view: str, measures: list, labels: dict, lang: str) -> list:
    """The territories' estimates across the survey's waves (nothing when it has one wave)."""
    from observatory.figures.trend import trend_figure
    from observatory.views import trends

    indicator, survey, statistic = cmp.VIEWS[view]
    if len(obs.waves(survey)) < 2:
        return []
    measures = measures[:20]
    scopes = [(cmp.key_of(t), t.name, t.level, t.code) for t in territories]
    keep = trends.keep_statistic(statistic)
    rows = trends.series_rows(obs, indicator, survey, scopes, keep, tuple(measures))
    published = keep(trends.published_points(obs, survey, indicator))
    fr = lang == "fr"
    title = VIEW_LABELS[view][0 if fr else 1] + (
        " : évolution entre vagues (IC à 95 %)" if fr else ": change between waves (95% CI)"
    )
    figure = trend_figure(rows, published, {m: labels[m] for m in measures}, statistic or "share", lang, title)
    return [dcc.Graph(id="compare-trend", figure=figure, config={"displaylogo": False}, className="trend")]


def results(obs: Observatory, territories: list, view: str, lang: str) -> list:
    """The dot plot, the estimates table and the pairwise table."""
    fr = lang == "fr"
    table, pairs = cmp.compare(obs, territories, view)
    _indicator, _survey, statistic = cmp.VIEWS[view]
    stat = statistic or "share"
    wide = table.pivot_table(
        index="measure",
        columns="territory_key",
        values=["estimate", "ci_low", "ci_high", "n"],
        aggfunc="first",
        sort=False,
    )
    wide.columns = [f"{v}_{k}" for v, k in wide.columns]
    wide = wide.reset_index()
    order = {m: i for i, m in enumerate(table["measure"].drop_duplicates())}
    wide = wide.sort_values("measure", key=lambda s: s.map(order))
    labels = {m: ref.label(m, lang) for m in wide["measure"]}
    series = [(cmp.key_of(t), t.name) for t in territories]
    waves = obs.waves(cmp.VIEWS[view][1])
    wave = f", {waves[-1]}" if waves else ""
    title = VIEW_LABELS[view][0 if fr else 1] + wave + (" (IC à 95 %)" if fr else " (95% CI)")
    figure = dotplot(wide, series, labels, stat, title, lang)
    records = []
    for m in wide["measure"]:
        row = {"measure": labels[m]}
        for t in territories:
            r = table[(table["measure"] == m) & (table["territory_key"] == cmp.key_of(t))].iloc[0]
            row[cmp.key_of(t)] = (
                i18n.t("too_few", lang, n=int(r.n), min_n=obs.settings.min_n)
                if r.reliability == "suppressed"
                else f"{i18n.value(r.estimate, r.statistic, lang)} [{i18n.interval(r.ci_low, r.ci_high, r.statistic, lang)}] n={int(r.n)}"
            )
        records.append(row)
    names = {cmp.key_of(t): t.name for t in territories}
    pair_records = []
    for p in pairs.itertuples():
        a, b = (names.get(cmp.key_of_code(x), x) for x in (p.territory_a, p.territory_b))
        basis = {
            "rest_of_b": f" (vs {b} hors {a})" if fr else f" (vs {b} without {a})",
            "rest_of_a": f" ({a} hors {b})" if fr else f" ({a} without {b})",
        }.get(p.basis, "")
        pair_records.append(
            {
                "measure": labels.get(p.measure, p.measure),
                "pair": f"{a} {VERDICT[p.verdict][0 if fr else 1]} {b}{basis}",
                "p_value": ""
                if p.p_value != p.p_value
                else ("< 0,001" if fr else "< 0.001")
                if p.p_value < 0.001
                else i18n.number(p.p_value, 3, lang),
            }
        )
    cell = {"textAlign": "left", "fontFamily": "inherit", "fontSize": 13, "whiteSpace": "normal", "height": "auto"}
    return [
        dcc.Graph(id="compare-chart", figure=figure, config={"displaylogo": False}),
        *trend_graph(obs, territories, view, list(wide["measure"]), labels, lang),
        dash_table.DataTable(
            id="compare-table",
            data=records,
            columns=[{"id": "measure", "name": "Mesure" if fr else "Measure"}]
            + [{"id": k, "name": n} for k, n in names.items()],
            style_cell=cell,
            style_header={"fontWeight": "600"},
        ),
        html.H2("Différences deux à deux (test à 5 %)" if fr else "Pairwise differences (5% test)"),
        dash_table.DataTable(
            id="compare-pairs",
            data=pair_records,
            columns=[
                {"id": "measure", "name": "Mesure" if fr else "Measure"},
                {"id": "pair", "name": "Comparaison" if fr else "Comparison"},
                {"id": "p_value", "name": "p"},
            ],
            style_cell=cell,
            sort_action="native",
            page_size=30,
        ),
    ]
