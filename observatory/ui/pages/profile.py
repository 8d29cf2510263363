"""``/territoire/<code>``: a territory's profile.

The key findings first, then the identity, its sub-territories, a download and a permalink; then
the detail sections (a reading guide, every indicator against its parent and France with CIs and
significance, the small-area model, the trends, the initiatives), each folded under a line of
counts (audit E12). This module holds the page's ids and its assembly; each section is built in a
``profile_*`` module beside it (findings, identity, sections, trends, initiatives), whose public
names are re-exported here; the folds and the reading guide are ``profile_folds`` and ``profile_guide``.
"""

from __future__ import annotations

from dash import dcc, html

from observatory.data.service import Observatory
from observatory.ui.layout import snippets
from observatory.ui.pages import profile_folds as folds
from observatory.ui.pages.profile_findings import key_findings
from observatory.ui.pages.profile_guide import guide
from observatory.ui.pages.profile_identity import (
    compare_links,
    identity,
    locator,
    locator_alt,
    locator_svg,
    sub_territories,
)
from observatory.ui.pages.profile_initiatives import ISO_DATE, KIND_LABELS, MONTHS, initiatives_section, source_date
from observatory.ui.pages.profile_sections import (
    dotplot,
    indicator_sections,
    model_section,
    table_block,
    with_published,
)
from observatory.ui.pages.profile_trends import PROFILE_TRENDS, series_legend, trend_blocks, trend_section
from observatory.ui.pages.registry import territory_key
from observatory.views import profile as pv

__all__ = [
    "ISO_DATE",
    "KIND_LABELS",
    "LAYOUT_CACHE",
    "MONTHS",
    "PROFILE_CSV",
    "PROFILE_DOWNLOAD",
    "PROFILE_KEY",
    "PROFILE_TRENDS",
    "PROFILE_XLSX",
    "PROFILE_ZIP",
    "actions",
    "compare_links",
    "dotplot",
    "identity",
    "indicator_sections",
    "initiatives_section",
    "key_findings",
    "layout",
    "locator",
    "locator_alt",
    "locator_svg",
    "model_section",
    "not_found",
    "series_legend",
    "source_date",
    "stored_territory",
    "sub_territories",
    "table_block",
    "trend_blocks",
    "trend_section",
    "with_published",
]

PROFILE_DOWNLOAD = "profile-download"
PROFILE_CSV = "profile-csv"
PROFILE_XLSX = "profile-xlsx"
PROFILE_ZIP = "profile-zip"
PROFILE_KEY = "profile-key"


def stored_territory(obs: Observatory, key: object) -> pv.Territory | None:
    """The territory of a profile's store (``{"level", "code", "lang"}``); None for a forged or malformed one."""
    if not isinstance(key, dict):
        return None
    level, code = key.get("level"), key.get("code")
    if not isinstance(level, str) or not isinstance(code, str):
        return None
    t = pv.resolve(obs, territory_key(level, code))
    return t if t is not None and t.level == level else None


LAYOUT_CACHE = 16  # rendered profiles one app keeps (each a few hundred kB of pictures)


def layout(obs: Observatory, key: str, lang: str) -> html.Div:
    """The profile page, or a not-found message with a hint to use the search.

    Rendered once per territory, language and data version (an LRU per app): the pictures are
    drawn once, and a second visit costs only the page's serialisation.
    """
    t = pv.resolve(obs, key)
    if t is None:
        return not_found(key, lang)
    cache_key = (obs.db.version, obs.settings.min_n, t.level, t.code, lang)
    return obs.view_cache("profile_layout", LAYOUT_CACHE).get(cache_key, lambda: _layout(obs, t, lang))


def not_found(key: str, lang: str) -> html.Div:
    """The profile of a territory that does not exist: say so, and point to the search."""
    fr = lang == "fr"
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


def _layout(obs: Observatory, t: pv.Territory, lang: str) -> html.Div:
    """The key findings first, then what the territory is, then the detail sections, each folded (E12)."""
    key = territory_key(t.level, t.code)
    rows, p = pv.profile_model(obs, t)
    return html.Div(
        [
            dcc.Store(id=PROFILE_KEY, data={"level": t.level, "code": t.code, "lang": lang}),
            html.H1(t.name, id="profile-title"),
            key_findings(p, t, lang),
            html.Div(
                [
                    html.Div([identity(t, lang), *sub_territories(obs, t, lang)], className="profile-identity"),
                    locator(obs, t, lang),
                ],
                className="profile-head",
            ),
            actions(key, lang),
            compare_links(obs, t, lang),
            snippets.snippet_block(f"/embed/territoire/{key}", {"block": "key-findings", "lang": lang}, lang),
            folds.expand_all(lang),
            guide(obs.settings.min_n, lang),
            *indicator_sections(obs, t, lang, rows, p.ranks, findings=p.findings),
            *([section] if (section := model_section(obs, t, lang)) is not None else []),
            trend_section(obs, t, lang, p.findings),
            initiatives_section(obs, t, lang),
        ],
        className="profile",
        # the territory of the page: assets/profile.js opens a section named in the address only
        # once this page (not the previous one, still shown) is drawn
        **{"data-territory": key},
    )


def actions(key: str, lang: str) -> html.Div:
    """The download buttons (CSV, XLSX, ZIP), the printable portrait and the permalink."""
    fr = lang == "fr"
    permalink = f"/territoire/{key}"
    suffix = "" if fr else "?lang=en"
    return html.Div(
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
            html.A(
                "Portrait imprimable (PDF)" if fr else "Printable portrait (PDF)",
                href=f"{permalink}.pdf{suffix}",
                className="button secondary",
                id="profile-pdf",
            ),
            dcc.Download(id=PROFILE_DOWNLOAD),
            html.Span(
                ["Lien permanent : " if fr else "Permalink: ", dcc.Link(permalink, href=permalink + suffix)],
                className="permalink",
            ),
        ],
        className="actions",
    )
