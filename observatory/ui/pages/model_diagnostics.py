"""``/modele/diagnostics?survey=&wave=&indicator=&measure=&statistic=``: the EPCI model's diagnostics.

One modelled cell per view, as R's emdi shows them (the model chosen, the shape of residuals and
random effects, Brown's test, direct against model, the CVs by respondent band), each with how to
read it. Everything comes from :mod:`observatory.views.model_diagnostics`; the charts from
:mod:`observatory.figures.diagnostics`. Controls choose another cell (the callback writes the URL,
the router draws the page again); an invalid parameter falls back with a notice.

Hooks for tests: ``#sae-diagnostics`` carries the cell (``data-survey`` … ``data-statistic``),
the model (``data-link``, ``data-design``, ``data-adjusted``, ``data-r2``), Brown's test
(``data-brown-w``, ``data-brown-df``, ``data-brown-p``) and ``data-points`` (the scatter's EPCIs);
the charts are ``#sae-diagnostics-scatter`` and ``#sae-diagnostics-cv``.
"""

from __future__ import annotations

import math

from dash import dcc, html

from observatory.core import i18n
from observatory.core.urlstate import notice_texts
from observatory.data.service import Observatory
from observatory.figures.diagnostics import cv_boxes, direct_model_scatter
from observatory.ui import ids
from observatory.views import model_diagnostics as md
from observatory.views import model_readings as readings

CONTROL_TYPE = "diag-control"  # pattern-matching ids {"type": CONTROL_TYPE, "name": <URL parameter>}


def layout(obs: Observatory, search: str | None, lang: str) -> tuple[html.Div, list[str]]:
    """The page and its notices (an invalid parameter falls back to the nearest modelled cell)."""
    fr = lang == "fr"
    heading = html.H1("Diagnostics du modèle sur petits domaines" if fr else "Small-area model diagnostics")
    cell, notices = md.resolve(obs, search)
    texts = notice_texts(notices, lang, md.describe(lang))
    if cell is None:
        empty = (
            "Cette base a été construite avant le modèle : pas de diagnostics ('python -m etl estimates' les ajoute)."
            if fr
            else "This database was built before the model: no diagnostics ('python -m etl estimates' adds them)."
        )
        return html.Div([heading, html.P(empty)], id=ids.SAE_DIAGNOSTICS, className="sae-diagnostics"), texts
    view = md.diagnostics_view(obs, cell, lang)
    d = view.diagnostics
    hooks = {
        **{f"data-{k}": v for k, v in cell.params().items()},
        "data-link": str(d.get("link")),
        "data-design": str(d.get("design")),
        "data-adjusted": "true" if d.get("adjusted") else "false",
        "data-r2": _repr(d.get("r2")),
        "data-brown-w": _repr(view.brown.w),
        "data-brown-df": str(view.brown.df),
        "data-brown-p": _repr(view.brown.p),
        "data-points": str(len(view.points)),
    }
    page = html.Div(
        [
            heading,
            html.P(view.title, className="summary diagnostics-cell"),
            intro(cell, lang),
            controls(obs, cell, lang),
            model_section(view, lang),
            shape_section(view, lang),
            brown_section(view, lang),
            scatter_section(view, lang),
            cv_section(view, lang),
        ],
        id=ids.SAE_DIAGNOSTICS,
        className="sae-diagnostics",
        **hooks,
    )
    return page, texts


def _repr(x: object) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


def intro(cell: md.Cell, lang: str) -> html.P:
    """What the page is, with the links to the model's map and to the methodology."""
    fr = lang == "fr"
    keep = "?lang=en" if lang == "en" else ""
    text = (
        "Les diagnostics de l'estimation sur petits domaines des EPCI pour cette cellule, comme les donne le "
        "paquet R emdi : le modèle retenu, la forme de ses résidus et de ses effets aléatoires, le test de Brown, "
        "les estimations directes contre celles du modèle et les coefficients de variation. Ils sont calculés au "
        "chargement des données, sur les mêmes estimations que la carte. "
        if fr
        else "The diagnostics of the EPCIs' small-area estimation for this cell, as R's emdi package gives them: the "
        "model chosen, the shape of its residuals and random effects, Brown's test, the direct estimates against the "
        "model's and the coefficients of variation. They are computed when the data are loaded, on the estimates the "
        "map shows. "
    )
    return html.P(
        [
            text,
            dcc.Link("Carte du modèle" if fr else "The model's map", href=md.map_href(cell, lang), id="sae-map-link"),
            " · ",
            dcc.Link("Méthodologie" if fr else "Methodology", href="/methodologie" + keep),
        ],
        className="note",
    )


def controls(obs: Observatory, cell: md.Cell, lang: str) -> html.Div:
    """One dropdown per parameter of the cell; a choice rewrites the URL (callbacks.choose_cell)."""
    values = cell.params()
    return html.Div(
        [
            html.Div(
                [
                    html.Label(md.control_label(name, lang), htmlFor=f"diag-{name}", className="control-label"),
                    dcc.Dropdown(
                        id={"type": CONTROL_TYPE, "name": name},
                        options=[{"value": v, "label": label} for v, label in choices],
                        value=values[name],
                        clearable=False,
                        searchable=False,
                        className="control-dropdown",
                    ),
                ],
                className="control",
                id=f"diag-{name}",
            )
            for name, choices in md.options(obs, cell, lang).items()
        ],
        className="diagnostics-controls",
    )


def _table(rows: list[list], head: list[str] | None = None, table_id: str | None = None, caption: str | None = None):
    body = [html.Tr([html.Th(r[0], scope="row"), *(html.Td(c) for c in r[1:])]) for r in rows]
    parts = [html.Caption(caption)] if caption else []
    if head:
        parts.append(html.Thead(html.Tr([html.Th(h, scope="col") for h in head])))
    parts.append(html.Tbody(body))
    return html.Div(html.Table(parts, className="diagnostics-table", id=table_id), className="table-scroll")


def model_section(view: md.DiagnosticsView, lang: str) -> html.Section:
    """The model chosen: link, design and both AICs, σ²ᵤ, adjusted or not, R²."""
    fr = lang == "fr"
    return html.Section(
        [
            html.H2("Le modèle retenu" if fr else "The model chosen"),
            _table([[label, value] for label, value in view.model], table_id="sae-diagnostics-model"),
            html.P(
                "Le plan de covariables de plus petit AIC est retenu pour chaque cellule. R² : la part de la variance "
                "entre EPCI que les covariables expliquent (1 − σ²ᵤ / σ²ᵤ du modèle sans covariable)."
                if fr
                else "Each cell keeps the design of covariates with the lowest AIC. R²: the share of the variance "
                "between EPCIs the covariates explain (1 − σ²ᵤ / σ²ᵤ of the model without covariates).",
                className="note",
            ),
        ]
    )


def shape_section(view: md.DiagnosticsView, lang: str) -> html.Section:
    """Skewness, kurtosis and Shapiro–Wilk p of residuals and random effects, and how to read them."""
    fr = lang == "fr"
    head = ["Distribution", "Asymétrie" if fr else "Skewness", "Aplatissement" if fr else "Kurtosis", "Shapiro–Wilk p"]
    head.append("Lecture" if fr else "Reading")
    rows = [
        [
            s.label,
            readings.number(s.skewness, lang),
            readings.number(s.kurtosis, lang),
            i18n.p_value(s.shapiro_p, lang),
            s.reading,
        ]
        for s in view.shapes
    ]
    logit = view.diagnostics.get("link") == "logit"
    return html.Section(
        [
            html.H2("Résidus et effets aléatoires" if fr else "Residuals and random effects"),
            _table(rows, head, "sae-diagnostics-shape"),
            html.Ul(
                [
                    html.Li([html.Strong(term), i18n.colon(lang), sentence])
                    for term, sentence in readings.shape_explanations(logit, lang)
                ],
                className="note diagnostics-how",
            ),
        ]
    )


def brown_section(view: md.DiagnosticsView, lang: str) -> html.Section:
    """Brown's test: W, df, p, this cell's reading and why it is conservative."""
    fr = lang == "fr"
    b = view.brown
    rows = [
        ["W", readings.number(b.w, lang)],
        ["ddl" if fr else "df", str(b.df)],
        ["p", i18n.p_value(b.p, lang)],
    ]
    return html.Section(
        [
            html.H2("Test de Brown (modèle contre enquête)" if fr else "Brown's test (model against survey)"),
            _table(rows, table_id="sae-diagnostics-brown-table"),
            html.P(b.reading, className="diagnostics-reading"),
            html.P(readings.brown_explanation(lang), className="note"),
        ],
        id="sae-diagnostics-brown",
        **{"data-brown-p": _repr(b.p), "data-brown-df": str(b.df)},
    )


def scatter_section(view: md.DiagnosticsView, lang: str) -> html.Section:
    """Direct against model for every EPCI with respondents."""
    fr = lang == "fr"
    title = "Estimation directe et estimation par modèle" if fr else "Direct and model estimates"
    figure = direct_model_scatter(view.points, view.cell.statistic, lang, title)
    points = i18n.count(len(view.points), lang)
    return html.Section(
        [
            html.H2("Directe contre modèle" if fr else "Direct against model"),
            html.P(
                f"Chaque point est un des {points} EPCI avec des répondants, coloré selon leur nombre. "
                "Sur la diagonale, le modèle garde le chiffre de l'enquête ; un petit EPCI (peu de répondants, γ "
                "petit) en est loin : le modèle l'a ramené vers la prédiction de ses covariables."
                if fr
                else f"Each point is one of the {points} EPCIs with respondents, coloured by how many. "
                "On the diagonal, the model keeps the survey's figure; a small EPCI (few respondents, small γ) lies "
                "far from it: the model moved it towards its covariates' prediction.",
                className="note",
            ),
            dcc.Graph(id=ids.SAE_SCATTER, figure=figure, config={"displaylogo": False}),
        ]
    )


def cv_section(view: md.DiagnosticsView, lang: str) -> html.Section:
    """The CV of direct and model estimates by respondent band: chart and table."""
    fr = lang == "fr"
    title = "Coefficient de variation par tranche de répondants" if fr else "Coefficient of variation by respondents"
    head = [
        "Répondants" if fr else "Respondents",
        "EPCI",
        "CV direct médian" if fr else "Median direct CV",
        "CV du modèle médian" if fr else "Median model CV",
    ]
    rows = [
        [
            r.label,
            str(r.areas),
            _percent(r.direct_q50, lang),
            _percent(r.model_q50, lang),
        ]
        for r in view.bands.itertuples(index=False)
    ]
    zero, zeros = view.zero_variance, i18n.count(view.zero_variance, lang)
    note = (
        "Boîtes : quartiles et médiane ; moustaches : 10 % et 90 % des EPCI. CV direct : √variance / estimation de "
        "l'enquête (aucun pour un EPCI sans répondant"
        + (
            f", ni pour les {zeros} EPCI dont la variance directe est nulle, leurs répondants ayant tous"
            if zero
            else ""
        )
        + (" répondu pareil" if zero else "")
        + ") ; CV du modèle : √EQM / estimation."
        if fr
        else "Boxes: quartiles and median; whiskers: 10% and 90% of the EPCIs. Direct CV: the survey's √variance / "
        "estimate (none for an EPCI without respondents"
        + (
            f", nor for the {zeros} EPCIs whose direct variance is 0, their respondents all answering alike"
            if zero
            else ""
        )
        + "); model CV: √MSE / estimate."
    )
    return html.Section(
        [
            html.H2(title),
            dcc.Graph(id=ids.SAE_CV, figure=cv_boxes(view.bands, lang, title), config={"displaylogo": False}),
            _table(rows[:], head, "sae-diagnostics-cv-table"),
            html.P(note, className="note"),
        ]
    )


def _percent(x: float, lang: str) -> str:
    if x is None or math.isnan(x):
        return "—"
    return i18n.number(x, 1, lang) + ("\u202f%" if lang == "fr" else "%")
