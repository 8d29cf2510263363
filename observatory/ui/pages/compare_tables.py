"""The comparison page's legend, model note and tables (estimates, pairwise differences)."""

from __future__ import annotations

from itertools import groupby

import pandas as pd
from dash import dcc, html

from observatory.core import i18n
from observatory.figures.compare import SeriesStyle, marker_icon
from observatory.views import comparison as cmp


def legend(series: list[tuple[str, str]], styles: dict[str, SeriesStyle], modelled: set[str], lang: str) -> html.Ul:
    """Each territory's marker (colour and symbol), once, above every chart of the page."""
    items = [
        html.Li(
            [html.Img(src=marker_icon(styles[key], key in modelled), alt="", width=14, height=14), name],
            className="legend-item",
            **{"data-key": key, "data-colour": styles[key].colour, "data-symbol": styles[key].symbol},
        )
        for key, name in series
    ]
    label = "Légende des graphiques" if lang == "fr" else "Charts' legend"
    return html.Ul(items, id="compare-legend", className="compare-legend", **{"aria-label": label})


def model_note(territories: list, by_model: set[str], lang: str) -> html.P:
    """What the model's columns are, and that they are never tested."""
    fr = lang == "fr"
    names = ", ".join(t.name for t in territories if cmp.key_of(t) in by_model)
    text = (
        f"Estimation sur petits domaines (modèle) pour {names} : l'intervalle vient de l'erreur quadratique "
        "moyenne du modèle et γ est la part de l'enquête dans l'estimation. Ces chiffres ne sont testés contre "
        "aucun autre ni suivis entre vagues : les tests deux à deux ne portent que sur des estimations directes."
        if fr
        else f"Small-area estimation (model) for {names}: the interval comes from the model's mean squared error "
        "and γ is the survey's share in the estimate. These figures are tested against none other nor followed "
        "across waves: the pairwise tests apply between direct estimates only."
    )
    return html.P(
        text, id="compare-model-note", className="pairwise-note", **{"data-model": ",".join(sorted(by_model))}
    )


def scrolling(table: html.Table, label: str, tall: bool = False) -> html.Div:
    """A table in its own box, which a phone scrolls sideways (and a long table downwards)."""
    return html.Div(
        table,
        className="table-scroll tall" if tall else "table-scroll",
        tabIndex="0",  # a scrolling region must be reachable with the keyboard
        role="region",
        **{"aria-label": label},
    )


def estimates_table(records: list[dict], headers: dict[str, str], modelled: set[str], lang: str) -> html.Div:
    """One row per measure, one column per territory: the estimate, its CI and n (or why none).

    A model's column reads apart from the direct ones (``col-model``: italic on a pale green).
    Cells carry ``data-dash-column`` (the territory's key), the hook the DataTable gave them.
    """
    fr = lang == "fr"

    def column(key: str) -> str:
        return "col-model" if key in modelled else "col-direct"

    head = html.Thead(
        html.Tr(
            [html.Th("Mesure" if fr else "Measure", scope="col")]
            + [html.Th(name, scope="col", className=column(k)) for k, name in headers.items()]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [html.Th(r["measure"], scope="row")]
                + [html.Td(r[k], className=column(k), **{"data-dash-column": k}) for k in headers]
            )
            for r in records
        ]
    )
    caption = "Estimations, IC à 95 % et effectifs" if fr else "Estimates, 95% CIs and sample sizes"
    return scrolling(
        html.Table([html.Caption(caption), head, body], id="compare-table", className="profile-table compare-table"),
        caption,
    )


def model_cell(r, lang: str) -> str:
    """A model estimate in the table: '6,3 / 10 [5,5 – 7,1] modèle, n=11, γ=0,26', or why there is none."""
    if r.reliability == "suppressed" or pd.isna(r.estimate):
        return r.status_fr if lang == "fr" else r.status_en
    value = i18n.value(r.estimate, r.statistic, lang, r.ci_low, r.ci_high)
    interval = i18n.interval(r.ci_low, r.ci_high, r.statistic, lang)
    return f"{value} [{interval}] {i18n.t('model', lang)}, n={int(r.n)}, γ={i18n.number(r.gamma, 2, lang)}"


PAIR_COLUMNS = ("pair", "difference", "p_value", "p_holm")


def pairwise_section(
    pairs: pd.DataFrame,
    names: dict[str, str],
    labels: dict[str, str],
    view: str,
    lang: str,
    model: bool = False,
) -> list:
    """The heading, the multiple-testing note and the table of pairwise differences.

    The table has one group of rows per measure (the measure once, in a row header over the
    group); a row whose difference is significant after Holm's adjustment is ``significant``.
    Without any test (every pair has a model side, or too few respondents), one sentence instead
    of a table of "not tested" rows.
    """
    fr = lang == "fr"
    tested = int(pairs["p_value"].notna().sum()) if len(pairs) else 0
    model_words = (
        (
            " Les tests ne portent que sur des estimations directes : une paire dont un côté est une estimation "
            "par modèle n'est pas testée, et n'entre pas dans la famille."
        )
        if fr
        else " The tests apply between direct estimates only: a pair with a model estimate on either side is not "
        "tested and is not part of the family."
    )
    model_words = model_words if model else ""
    method = dcc.Link("Méthodologie" if fr else "Methodology", href="/methodologie" + ("" if fr else "?lang=en"))
    heading = html.H2("Différences deux à deux" if fr else "Pairwise differences")
    if tested == 0:
        none = (
            "Aucun test sur cette page : aucune paire n'a deux estimations directes diffusées."
            if fr
            else "No test on this page: no pair has two published direct estimates."
        )
        return [heading, html.P([none + model_words, " ", method], className="pairwise-note", id="compare-pairs-none")]
    note = (
        f"Chaque ligne teste une différence (test z à 5 %). Les {tested} tests de cette page (toutes les paires "
        "× toutes les mesures de la vue) forment une seule famille : leurs p-valeurs sont ajustées par la "
        "méthode de Holm, et « > » ou « < » signifie significatif après ajustement (p ajustée < 0,05)."
        if fr
        else f"Each row tests one difference (z-test at 5%). The {tested} tests on this page (every pair × every "
        "measure of the view) form one family: their p-values are adjusted by Holm's method, and “>” or “<” "
        "means significant after adjustment (adjusted p < 0.05)."
    )
    unit = cmp.difference_unit(view, lang)
    titles = {
        "pair": "Comparaison (a, b)" if fr else "Comparison (a, b)",
        "difference": f"Différence a − b, IC à 95 % ({unit})" if fr else f"Difference a − b, 95% CI ({unit})",
        "p_value": "p",
        "p_holm": "p ajustée (Holm)" if fr else "adjusted p (Holm)",
    }
    head = html.Thead(
        html.Tr(
            [html.Th("Mesure" if fr else "Measure", scope="col")]
            + [html.Th(titles[c], scope="col") for c in PAIR_COLUMNS]
        )
    )
    rows = cmp.pair_rows(pairs, names, labels, lang)
    significant = pairs["verdict"].isin(["a_higher", "b_higher"]).tolist()
    # one group per measure, in the pairs' order (measure, then pair)
    groups = [
        (measure, list(group))
        for measure, group in groupby(zip(rows, significant, strict=True), key=lambda rs: rs[0]["measure"])
    ]
    bodies = [
        html.Tbody(
            [
                html.Tr(
                    ([html.Th(measure, scope="rowgroup", rowSpan=len(group))] if j == 0 else [])
                    + [html.Td(r[c], className=f"col-{c}", **{"data-dash-column": c}) for c in PAIR_COLUMNS],
                    className="significant" if sig else None,
                )
                for j, (r, sig) in enumerate(group)
            ]
        )
        for measure, group in groups
    ]
    caption = "Différences deux à deux, par mesure" if fr else "Pairwise differences, by measure"
    table = html.Table(
        [html.Caption(caption), head, *bodies], id="compare-pairs", className="profile-table compare-pairs"
    )
    return [
        heading,
        html.P([note + model_words, " ", method], className="pairwise-note"),
        scrolling(table, caption, True),
    ]
