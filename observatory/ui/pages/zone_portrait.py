"""``/zone/<id>``: a zone's portrait, laid out from :func:`observatory.views.zone.zone_portrait`.

Its name, communes and respondents; the downloads (the list of communes, each table, from the API);
the key findings under the false-discovery control; one table per indicator of the latest wave of
each survey (estimate, CI, n, effective n, reliability, test against the rest of France; a refused
cell shows its reason and no value). An unknown id is a friendly notice, never an error.

Test hooks: ``#zone-portrait`` (``data-zone-id``, ``data-communes``), ``#key-findings``
(``data-family-size``, ``data-stated``), ``li.finding`` (``data-*``: the test's figures), each
table row ``tr[data-measure][data-statistic]``.
"""

from __future__ import annotations

from html import escape as html_escape

from dash import dcc, html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.core.reference import territory_key
from observatory.data.service import Observatory
from observatory.exports import zone_pdf
from observatory.ui.layout import snippets
from observatory.views import zone as zv
from observatory.views import zone_findings as zf

SIGNIFICANCE = zv.SIGNIFICANCE
LISTED = 500  # communes listed as links (the CSV has them all)


def layout(obs: Observatory, zone_id: str, lang: str) -> html.Div:
    """The portrait of a stored zone, or a notice for an unknown one."""
    p = zv.zone_portrait(obs, zv.store_of(obs), zone_id[:40])
    if p is None:
        return not_found(zone_id, lang)
    fr = lang == "fr"
    return html.Div(
        [
            html.H1(p.name, id="zone-title"),
            _summary(p, lang),
            _actions(p, lang),
            snippets.snippet_block(f"/embed/zone/{p.zone.id}", {"block": "key-findings", "lang": lang}, lang),
            key_findings(p, lang),
            *[_survey_section(p, block, lang) for block in p.surveys],
            _communes(p, lang),
            html.P(
                [
                    "Méthode : " if fr else "Method: ",
                    dcc.Link(
                        "zones sur mesure et contrôle de la divulgation"
                        if fr
                        else "custom zones and disclosure control",
                        href="/methodologie" + ("" if fr else "?lang=en"),
                    ),
                    ".",
                ],
                className="note",
            ),
        ],
        id="zone-portrait",
        className="profile zone-portrait",
        **{"data-zone-id": p.zone.id, "data-communes": str(len(p.zone.codes))},
    )


def not_found(zone_id: str, lang: str) -> html.Div:
    """An id that names no stored zone: say so, and point to the builder."""
    fr = lang == "fr"
    return html.Div(
        [
            html.H1("Zone introuvable" if fr else "Zone not found"),
            html.P(
                f"Aucune zone enregistrée ne porte l'identifiant « {zone_id[:40]} »."
                if fr
                else f"No stored zone has the id '{zone_id[:40]}'."
            ),
            dcc.Link("Construire une zone" if fr else "Build a zone", href="/zone" + ("" if fr else "?lang=en")),
        ],
        className="not-found",
        id="zone-not-found",
    )


def _summary(p: zv.ZonePortrait, lang: str) -> html.Div:
    fr = lang == "fr"
    n = len(p.zone.codes)
    deps = ", ".join(f"{name} ({code})" for code, name in p.departements.items())
    facts = [
        ("Communes" if fr else "Municipalities", i18n.count(n, lang)),
        ("Départements", deps or "—"),
    ]
    for block in p.surveys:
        if block.respondents is not None:
            shown = i18n.count(block.respondents, lang)
        elif block.refused:
            shown = "non diffusé (règle de divulgation)" if fr else "not published (disclosure rule)"
        else:
            shown = f"moins de {p.min_n}" if fr else f"fewer than {p.min_n}"
        facts.append(
            (
                (f"Répondants {block.wave}" if fr else f"Respondents {block.wave}")
                + f" — {ref.label(block.survey, lang).lower()}",
                shown,
            )
        )
    return html.Dl(
        [item for term, value in facts for item in (html.Dt(term), html.Dd(value))],
        className="facts zone-facts",
    )


def _actions(p: zv.ZonePortrait, lang: str) -> html.Div:
    fr = lang == "fr"
    keep = "" if fr else "?lang=en"
    permalink = f"/zone/{p.zone.id}"
    return html.Div(
        [
            html.A(
                "Liste des communes (CSV)" if fr else "List of municipalities (CSV)",
                href=p.definition_csv(),
                className="button",
                id="zone-communes-csv",
                download=f"zone_{p.zone.id}.csv",
            ),
            html.A(
                "Portrait imprimable (PDF)" if fr else "Printable portrait (PDF)",
                href=f"/zone/{p.zone.id}.pdf" + keep,
                className="button secondary",
                id="zone-pdf",
            ),
            dcc.Link(
                "Modifier cette zone" if fr else "Change this zone",
                href=f"/zone?from={p.zone.id}" + ("" if fr else "&lang=en"),
                className="button secondary",
            ),
            html.Span(
                ["Lien permanent : " if fr else "Permalink: ", dcc.Link(permalink, href=permalink + keep)],
                className="permalink",
            ),
        ],
        className="actions",
    )


def key_findings(p: zv.ZonePortrait, lang: str) -> html.Section:
    """What differs significantly, under Benjamini–Hochberg over the whole family of tests."""
    fr = lang == "fr"
    found = p.findings
    content: list = [html.H2("L'essentiel" if fr else "Key findings")]
    content.append(html.P(zf.family_sentence(found, lang) + ".", className="headline"))
    for departement, statements in found.groups():
        content.append(html.H3(zf.heading(departement, p.departements, lang)))
        items = [
            html.Li(zf.statement(f, p.departements, lang), className=f"finding {f.direction}", **_data(f))
            for f in statements[: zf.MAX_PER_GROUP]
        ]
        content.append(html.Ul(items, className="findings"))
        if len(statements) > zf.MAX_PER_GROUP:
            more = len(statements) - zf.MAX_PER_GROUP
            content.append(html.P(_more(more, departement is None, lang), className="note more"))
    if apparent := zf.apparent(found, lang):
        content.append(html.P(apparent, className="note apparent"))
    content.append(
        html.P(
            "Estimations directes de l'enquête, comparées au reste de la France, au reste de chaque "
            f"département où la zone compte au moins {p.min_n} répondants et à la vague précédente ; toutes les comparaisons ensemble sous contrôle du taux de fausses "
            "découvertes à 5 % (Benjamini–Hochberg). La colonne « Reste de la France » des tableaux donne la "
            "même décision ; une estimation de fiabilité faible n'y est pas testée."
            if fr
            else "Direct survey estimates, compared with the rest of France, the rest of each département "
            f"where the zone has at least {p.min_n} respondents and the previous wave; all comparisons together with the false-discovery "
            "rate controlled at 5% (Benjamini–Hochberg). The tables' 'Rest of France' column gives the same "
            "decision; an estimate of low reliability is not tested there.",
            className="note",
        )
    )
    return html.Section(
        content,
        id="key-findings",
        className="key-findings",
        **{"data-family-size": str(found.family), "data-stated": str(len(found.stated()))},
    )


def _more(n: int, in_tables: bool, lang: str) -> str:
    """The statements of a comparison not shown: counted (the tables show the tests against France)."""
    s = "s" if n > 1 else ""
    if lang == "fr":
        return f"… et {n} autre{s} écart{s} significatif{s}" + (" (voir les tableaux)." if in_tables else ".")
    return f"… and {n} more significant difference{s}" + (" (see the tables)." if in_tables else ".")


def _data(f: zf.ZoneFinding) -> dict[str, str]:
    data = {
        "data-versus": {"parent": "departement"}.get(f.versus, f.versus),  # france, departement, previous_wave
        "data-indicator": f.indicator,
        "data-survey": f.survey,
        "data-wave": str(f.wave),
        "data-measure": f.measure,
        "data-statistic": f.statistic,
        "data-direction": f.direction,
        "data-estimate": repr(f.estimate),
        "data-reference": repr(f.reference),
        "data-difference": repr(f.difference),
        "data-p-value": repr(f.p_value),
        "data-p-adjusted": repr(f.p_adjusted),
    }
    if f.departement is not None:
        data["data-departement"] = f.departement
    return data


def _survey_section(p: zv.ZonePortrait, block: zv.SurveyBlock, lang: str) -> html.Section:
    title = f"{ref.label(block.survey, lang)} — {block.wave}"
    return html.Section(
        [html.H2(title), *[_table(p, t, lang) for t in block.tables]],
        className="zone-survey",
        id=f"zone-{block.survey}",
    )


def _table(p: zv.ZonePortrait, t: zv.IndicatorTable, lang: str) -> html.Div:
    """A table as the PDF and the embeds draw it (:func:`observatory.exports.zone_pdf.table_html`).

    One component holding the table's HTML: as Dash components, the ~200 rows of a zone's tables
    took the browser 1.5 s to draw (the renderer walks every component of a new page).
    """
    fr = lang == "fr"
    caption = zone_pdf.table_caption(t, lang)
    return html.Div(
        [
            html.Div(
                dcc.Markdown(zone_pdf.table_html(p, t, lang), dangerously_allow_html=True),
                className="table-scroll",
                tabIndex="0",
                role="region",
                **{"aria-label": caption},
            ),
            html.A(
                "Ce tableau (CSV)" if fr else "This table (CSV)",
                href=t.csv_url(p.zone.id),
                className="zone-table-csv",
                download=f"zone_{p.zone.id}_{t.indicator}_{t.survey}_{t.wave}.csv",
            ),
        ],
        className="zone-table",
    )


def _communes(p: zv.ZonePortrait, lang: str) -> html.Details:
    fr = lang == "fr"
    keep = "" if fr else "?lang=en"
    rows = p.communes.head(LISTED)
    # One component holding the list as HTML: 500 list items as Dash components took the browser
    # 2.4 s to draw (the renderer walks every component of a new page), this takes a few ms.
    items = "".join(
        f'<li><a href="/territoire/{territory_key("commune", r.code)}{keep}">{html_escape(r.name)} ({r.code})</a></li>'
        for r in rows.itertuples(index=False)
    )
    links = dcc.Markdown(f'<ul class="children zone-communes">{items}</ul>', dangerously_allow_html=True)
    more = len(p.communes) - len(rows)
    n = len(p.communes)
    return html.Details(
        [
            html.Summary(f"Les {n} communes de la zone" if fr else f"The zone's {n} municipalities"),
            links,
            *(
                [html.P(f"… et {more} autres (voir le CSV)." if fr else f"… and {more} more (see the CSV).")]
                if more > 0
                else []
            ),
        ],
        className="zone-communes-block",
        id="zone-communes",
    )
