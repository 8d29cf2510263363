"""``/comparer?territories=CODE,CODE,...&view=&method=``: 2 to 6 territories side by side.

Every estimate with its CI, whether each pair differs significantly (tested), a dot plot and a
table, comparable territories as one-click additions, and downloads. With ``method=sae``
("estimation sur petits domaines (modèle)"), the EPCIs show the model's estimate and interval,
labelled "modèle" and drawn with open markers; pairs with a model side are not tested (the page
says so). Each territory keeps one colour and symbol in every chart, named once in a legend above
them; a 7th or a repeated territory of the URL is said in a notice. Hooks: ``#compare-method``
(``data-method``), ``#compare-model-note`` (``data-model``), the legend's items (``data-key``,
``data-colour``, ``data-symbol``), the tables' cells (``data-dash-column``: the column's id).

This module holds the page (ids, URL state, controls, assembly); the legend and the tables are
built in ``compare_tables``, whose public names are re-exported here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.core.urlstate import language, raw_values
from observatory.data.service import Observatory
from observatory.figures.compare import SeriesStyle, dotplot, restyle_trend, series_styles
from observatory.ui.pages.compare_tables import (
    PAIR_COLUMNS,
    estimates_table,
    legend,
    model_cell,
    model_note,
    pairwise_section,
    scrolling,
)
from observatory.views import comparison as cmp
from observatory.views.profile import level_name

__all__ = [
    "COMPARE_ADD",
    "COMPARE_ADD_RESULTS",
    "COMPARE_CSV",
    "COMPARE_DOWNLOAD",
    "COMPARE_XLSX",
    "COMPARE_ZIP",
    "LABEL_WRAP",
    "PAIR_COLUMNS",
    "VERDICT",
    "VIEW_LABELS",
    "current",
    "downloads",
    "estimates_table",
    "href",
    "layout",
    "legend",
    "method_choice",
    "model_cell",
    "model_note",
    "pairwise_section",
    "results",
    "scrolling",
    "state",
    "trend_graph",
]

COMPARE_ADD = "compare-add"
COMPARE_ADD_RESULTS = "compare-add-results"
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
VERDICT = cmp.VERDICT
LABEL_WRAP = 22  # characters per line of the dot plot's measure labels (a phone keeps a plot area)


def href(keys: list[str], view: str, lang: str, method: str = cmp.DIRECT) -> str:
    """The comparison URL of a list of territory keys (``method`` only when it is the model)."""
    params = {"territories": ",".join(keys), "view": view}
    if method == cmp.SAE:
        params["method"] = cmp.SAE
    if lang == "en":
        params["lang"] = "en"
    return "/comparer?" + urlencode(params, safe=",")


def state(obs: Observatory, search: str | None) -> tuple[list, str, list[str], str]:
    """Territories, view, notices and estimation method of a comparison URL."""
    raw = raw_values(search)
    parsed = cmp.parse_request(obs, raw.get("territories"))
    territories = parsed.territories
    view = raw.get("view") if raw.get("view") in cmp.VIEWS else "fragilite-citoyens"
    notices = [f"Territoire inconnu / unknown territory : « {k} »" for k in parsed.unknown]
    notices += cmp.input_notices(parsed, language(search))  # a 7th territory, or one given twice
    if raw.get("view") and raw.get("view") not in cmp.VIEWS:
        notices.append(f"Vue inconnue / unknown view : « {raw['view'][:40]} » → {view}")
    method = raw.get("method") if raw.get("method") in cmp.METHODS else cmp.DIRECT
    if raw.get("method") and raw.get("method") not in cmp.METHODS:
        notices.append(f"Estimation inconnue / unknown estimation : « {raw['method'][:40]} » → {method}")
    return territories, view, notices, method


def current(obs: Observatory, search: str | None) -> dict:
    """The comparison a URL asks for: its valid territory keys, view and language.

    The callbacks read this from the URL, which a tab or a chip link changes at once (a copy in
    the page would only change once the new page has been computed and sent: seconds for a view
    not yet cached).
    """
    territories, view, _notices, method = state(obs, search)
    return {"keys": [cmp.key_of(t) for t in territories], "view": view, "lang": language(search), "method": method}


def layout(obs: Observatory, search: str | None, lang: str) -> tuple[html.Div, list[str]]:
    """The page and its notices."""
    fr = lang == "fr"
    territories, view, notices, method = state(obs, search)
    keys = [cmp.key_of(t) for t in territories]
    chips = [
        html.Li(
            [
                dcc.Link(t.name, href=f"/territoire/{cmp.key_of(t)}" + ("?lang=en" if lang == "en" else "")),
                f" ({level_name(t.level, lang)}) ",  # 'intercommunalité', not '(intercommunalité (epci))'
                dcc.Link(
                    # the cross is hidden from screen readers, which read "Retirer Loire" instead
                    [
                        html.Span("✕", **{"aria-hidden": "true"}),
                        html.Span(f"Retirer {t.name}" if fr else f"Remove {t.name}", className="visually-hidden"),
                    ],
                    href=href([k for k in keys if k != cmp.key_of(t)], view, lang, method),
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
            href=href(keys, v, lang, method),
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
            key = ref.territory_key(r.level, r.code)
            if key not in keys:
                links += [
                    dcc.Link(f"+ {r.name}", href=href([*keys, key], view, lang, method), className="suggestion"),
                    " ",
                ]
        if links:
            suggestions = [
                html.P(
                    [
                        ("Territoires comparables à " if fr else "Territories comparable to ")
                        + territories[0].name
                        + (" : " if fr else ": "),
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
        body += results(obs, territories, view, lang, method)
    page = html.Div(
        [
            html.H1("Comparer des territoires" if fr else "Compare territories"),
            html.Ul(chips, className="chips"),
            add,
            *suggestions,
            html.Nav(tabs, className="nav tabs"),
            method_choice(territories, keys, view, lang, method),
            downloads(len(territories), lang),
            *body,
        ],
        className="compare",
    )
    return page, notices


def method_choice(territories: list, keys: list[str], view: str, lang: str, method: str) -> html.Nav:
    """Direct estimates, or the small-area model for the EPCIs (greyed, with why, without any EPCI)."""
    fr = lang == "fr"
    has_epci = any(t.level == cmp.MODEL_LEVEL for t in territories)
    labels = {cmp.DIRECT: i18n.t("direct_method", lang), cmp.SAE: i18n.t("sae_method", lang)}
    items: list = [html.Span(i18n.t("estimation", lang) + i18n.colon(lang), className="control-label")]
    for m in cmp.METHODS:
        if m == cmp.SAE and not has_epci:
            why = " — pour les EPCI (aucun ici)" if fr else " — for EPCIs (none here)"
            items.append(html.Span(labels[m] + why, className="nav-link disabled", **{"aria-disabled": "true"}))
            continue
        items.append(
            dcc.Link(
                labels[m],
                href=href(keys, view, lang, m),
                className="nav-link active" if m == method else "nav-link",
            )
        )
    return html.Nav(
        items,
        id="compare-method",
        className="nav tabs compare-method",
        **{"aria-label": i18n.t("estimation", lang), "data-method": method},
    )


def downloads(count: int, lang: str) -> html.Div:
    """The CSV, XLSX and ZIP buttons: disabled, with the reason as their title, below two territories."""
    fr = lang == "fr"
    off = count < 2
    why = (
        "Choisissez au moins deux territoires pour télécharger une comparaison"
        if fr
        else "Choose at least two territories to download a comparison"
    )
    common = {"disabled": off, "title": why if off else None}
    return html.Div(
        [
            html.Button("Télécharger (CSV)" if fr else "Download (CSV)", id=COMPARE_CSV, className="button", **common),
            html.Button("XLSX", id=COMPARE_XLSX, className="button secondary", **common),
            html.Button(
                "ZIP avec description (datapackage)" if fr else "ZIP with description (datapackage)",
                id=COMPARE_ZIP,
                className="button secondary",
                **common,
            ),
            dcc.Download(id=COMPARE_DOWNLOAD),
        ],
        className="actions",
    )


def trend_graph(
    obs: Observatory,
    territories: list,
    view: str,
    measures: list,
    labels: dict,
    lang: str,
    styles: dict[str, SeriesStyle],
) -> list:
    """The territories' estimates across the survey's waves (nothing with one wave or no territory)."""
    from observatory.figures.trend import trend_figure
    from observatory.views import trends

    indicator, survey, statistic = cmp.VIEWS[view]
    if len(obs.waves(survey)) < 2 or not territories:
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
    figure = restyle_trend(figure, styles, lang)  # each territory as in the dot plot and the legend
    return [dcc.Graph(id="compare-trend", figure=figure, config={"displaylogo": False}, className="trend")]


def results(obs: Observatory, territories: list, view: str, lang: str, method: str = cmp.DIRECT) -> list:
    """The legend, the dot plot, the trend panels, the estimates table and the pairwise table."""
    fr = lang == "fr"
    table, pairs = cmp.compare(obs, territories, view, method)
    by_model = {cmp.key_of(t) for t in cmp.modelled(territories, method)}
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
    model_word = i18n.t("model", lang)
    series = [(cmp.key_of(t), f"{t.name} ({model_word})" if cmp.key_of(t) in by_model else t.name) for t in territories]
    styles = series_styles([key for key, _name in series])  # one colour and symbol per territory, URL order
    waves = obs.waves(cmp.VIEWS[view][1])
    wave = f", {waves[-1]}" if waves else ""
    title = VIEW_LABELS[view][0 if fr else 1] + wave + (" (IC à 95 %)" if fr else " (95% CI)")
    figure = dotplot(wide, series, labels, stat, title, lang, wrap=LABEL_WRAP, modelled=by_model, styles=styles)
    records = []
    for m in wide["measure"]:
        row = {"measure": labels[m]}
        for t in territories:
            r = table[(table["measure"] == m) & (table["territory_key"] == cmp.key_of(t))].iloc[0]
            if cmp.key_of(t) in by_model:
                row[cmp.key_of(t)] = model_cell(r, lang)
            elif r.reliability == "suppressed":
                row[cmp.key_of(t)] = i18n.suppressed(int(r.n), obs.settings.min_n, lang)
            else:
                row[cmp.key_of(t)] = (
                    f"{i18n.value(r.estimate, r.statistic, lang, r.ci_low, r.ci_high)} "
                    f"[{i18n.interval(r.ci_low, r.ci_high, r.statistic, lang)}] n={int(r.n)}"
                )
        records.append(row)
    names = {cmp.key_of(t): t.name for t in territories}
    headers = dict(series)
    return [
        legend(series, styles, by_model, lang),
        *([model_note(territories, by_model, lang)] if by_model else []),
        dcc.Graph(id="compare-chart", figure=figure, config={"displaylogo": False}),
        # The change between waves is the survey's: a model's estimates are not followed across waves.
        *trend_graph(
            obs,
            [t for t in territories if cmp.key_of(t) not in by_model],
            view,
            list(wide["measure"]),
            labels,
            lang,
            styles,
        ),
        estimates_table(records, headers, by_model, lang),
        *pairwise_section(pairs, names, labels, view, lang, bool(by_model)),
    ]
