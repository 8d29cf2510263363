"""The head of the profile: identity, sub-territories, the locator map and the links to compare."""

from __future__ import annotations

from dash import dcc, html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures import profile as figures
from observatory.figures import svg_charts
from observatory.ui.pages.registry import territory_key
from observatory.views import portrait
from observatory.views import profile as pv
from observatory.views.comparison import similar


def _link(level: str, code: str, name: str, lang: str) -> dcc.Link:
    """A profile link that keeps the page's language (issue 27, E5)."""
    return dcc.Link(name, href=f"/territoire/{territory_key(level, code)}" + ("?lang=en" if lang == "en" else ""))


# What a territory's code is: an EPCI's is its SIREN; a canton-ou-ville's is the observatory's
# (INSEE's canton code, or "V" and its city's INSEE code: etl/cantons.py).
CODE_WORDS = {"epci": ("Code SIREN", "SIREN code"), "canton": ("Code du canton", "Canton code")}


def identity(t: pv.Territory, lang: str) -> html.Div:
    """Name, level, parents with links, population, area, density."""
    fr = lang == "fr"
    facts = [
        html.Dt("Échelon" if fr else "Level"),
        html.Dd(ref.label(t.level, lang)),
        html.Dt(CODE_WORDS.get(t.level, ("Code INSEE", "INSEE code"))[0 if fr else 1]),
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
            links += [*([" · "] if links else []), _link(level, code, name, lang), f" ({pv.level_name(level, lang)})"]
        facts += [html.Dt("Appartient à" if fr else "Part of"), html.Dd(links, className="parents")]
    return html.Dl(facts, className="facts")


def sub_territories(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """Lists of sub-territories with links."""
    out = []
    for level, (rows, total) in pv.children(obs, t).items():
        plural = portrait.LEVEL_PLURALS.get(level, (level, level))[0 if lang == "fr" else 1]
        head = f"{plural[:1].upper()}{plural[1:]} : {i18n.count(total, lang)}"
        if lang != "fr":
            head = head.replace(" :", ":")
        items = [html.Li(_link(level, r.code, r.name, lang)) for r in rows.itertuples()]
        more = (
            []
            if total <= len(rows)
            else [html.Li(f"… {total - len(rows)} autres" if lang == "fr" else f"… {total - len(rows)} more")]
        )
        out.append(html.Details([html.Summary(head), html.Ul(items + more, className="children")]))
    return out


def locator_svg(obs: Observatory, t: pv.Territory, lang: str) -> str:
    """The locator as SVG: France's régions (overseas in insets), the parent outlined, the territory filled."""
    point = (t.lon, t.lat) if t.lon is not None and t.lat is not None else None
    return figures.locator_svg(obs.settings.geo_dir, (t.level, t.code), pv.parent_of(t), point, locator_alt(t, lang))


def locator_alt(t: pv.Territory, lang: str) -> str:
    """The locator's text: where the territory is, in words."""
    parent = pv.parent_name(t)
    if lang == "fr":
        inside = f" dans {parent} (contour noir)" if parent else ""
        return f"Carte de situation : {t.name} (en orange){inside}, en France avec l'outre-mer en encarts."
    inside = f" in {parent} (black outline)" if parent else ""
    return f"Locator map: {t.name} (orange){inside}, in France with the overseas régions in insets."


def locator(obs: Observatory, t: pv.Territory, lang: str = "fr") -> html.Img:
    """The locator map as an image (drawn on the server: light, no map library, prints well)."""
    alt = locator_alt(t, lang)
    return html.Img(src=svg_charts.data_uri(locator_svg(obs, t, lang)), alt=alt, className="locator", id="locator")


def compare_links(obs: Observatory, t: pv.Territory, lang: str) -> html.P:
    """'Comparer avec : son parent · des territoires comparables' (links to the comparison page)."""
    fr = lang == "fr"
    suffix = "" if fr else "&lang=en"
    key = territory_key(t.level, t.code)
    others = [(lv, code, name) for lv, code, name in t.parents[:1]]
    others += [(r.level, r.code, r.name) for r in similar(obs, t, 3).itertuples()]
    links: list = []
    for level, code, name in others:
        href = f"/comparer?territories={key},{territory_key(level, code)}{suffix}"
        links += [*([" · "] if links else []), dcc.Link(name, href=href)]
    if not links:
        return html.P()
    everyone = ",".join([key, *(territory_key(lv, c) for lv, c, _ in others)])
    links += [
        " · ",
        dcc.Link("tous ensemble" if fr else "all together", href=f"/comparer?territories={everyone}{suffix}"),
    ]
    return html.P(
        [("Comparer avec : " if fr else "Compare with: "), *links], className="compare-links", id="profile-compare"
    )
