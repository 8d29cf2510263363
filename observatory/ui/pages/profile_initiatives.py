"""The profile's real initiatives (from the source documents), with their sources' dates in words."""

from __future__ import annotations

import datetime
import re

from dash import html

from observatory.data.service import Observatory
from observatory.ui.pages import profile_folds as folds
from observatory.views import profile as pv

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


MONTHS = (
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
     "novembre", "décembre"),
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"),
)  # fmt: skip


ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # '2019', '2019-02', '2018-04-05'


def source_date(date: str, lang: str) -> str:
    """An ISO date of a source, in words: '2019', 'février 2019', '5 avril 2018'; 'non daté' when empty.

    Text that is not an ISO year, year-month or date (a slip in the operator's file) is shown as written.
    """
    if not date:
        return "non daté" if lang == "fr" else "undated"
    match = ISO_DATE.fullmatch(date)
    try:
        day = datetime.date(*(int(p or 1) for p in match.groups())) if match else None
    except ValueError:  # a month 13, a 30 February
        day = None
    if match is None or day is None:
        return date
    months = MONTHS[0 if lang == "fr" else 1]
    if match[3]:
        return f"{day.day} {months[day.month - 1]} {day.year}"
    if match[2]:
        return f"{months[day.month - 1]} {day.year}"
    return str(day.year)


def _initiative(r, lang: str) -> html.Li:
    fr = lang == "fr"
    kind = KIND_LABELS.get(r.kind, (r.kind, r.kind))[0 if fr else 1]
    details = [html.Strong(r.name), f" — {kind}", html.Br(), r.description_fr if fr else r.description_en]
    if r.role:
        details += [html.Br(), ("Rôle : " if fr else "Role: ") + r.role.replace(";", ", ")]
    if r.actors:
        details += [html.Br(), ("Acteurs : " if fr else "Actors: ") + r.actors.replace(";", ", ")]
    if r.figures:
        details += [html.Br(), ("Chiffres : " if fr else "Figures: ") + r.figures.replace(";", ", ")]
    source = f"« {r.source_title} »" if fr else f"'{r.source_title}'"
    cited = ", ".join(p for p in (source, r.source_publisher, source_date(r.source_date, lang)) if p)
    details += [html.Br(), html.Small(("Source : " if fr else "Source: ") + cited, className="source")]
    return html.Li(details, className="initiative")


def initiatives_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """Real initiatives from the source documents (never synthetic), in a closed fold.

    The territory's own (located here, below or above it), and apart the national programmes
    open to it; the fold's line counts both.
    """
    fr = lang == "fr"
    own, national = pv.initiatives(obs, t)
    content: list = [html.H3("Initiatives du territoire" if fr else "Initiatives in the territory")]
    if own.empty:
        content.append(html.P("Aucune initiative du catalogue ici." if fr else "No catalogued initiative here."))
    else:
        content.append(html.Ul([_initiative(r, lang) for r in own.itertuples()], className="initiatives local"))
    if not national.empty:
        content += [
            html.H3("Programmes nationaux accessibles à ce territoire" if fr else "National programmes open to it"),
            html.Ul([_initiative(r, lang) for r in national.itertuples()], className="initiatives national"),
        ]
    line = folds.SEP.join(
        [
            folds.counted(
                len(own), "initiative du territoire", "initiatives du territoire", "initiative in the territory",
                "initiatives in the territory", lang,
            ),
            folds.counted(
                len(national), "programme national", "programmes nationaux", "national programme",
                "national programmes", lang,
            ),
        ]
    )  # fmt: skip
    title = "Initiatives (données réelles)" if fr else "Initiatives (real data)"
    return folds.fold("initiatives", title, line, content)
