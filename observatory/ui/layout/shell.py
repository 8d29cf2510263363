"""The frame of every page: header and navigation, synthetic-data banner, notices, footer."""

from __future__ import annotations

from dash import dcc, html

from observatory.core.i18n import t
from observatory.ui import ids

NAV: tuple[tuple[str, str], ...] = (
    ("/fragilites", "nav_fragility"),
    ("/partenariats", "nav_partnerships"),
    ("/co-construction", "nav_coconstruction"),
    ("/innovation", "nav_innovation"),
    ("/comparer", "nav_compare"),
    ("/zone", "nav_zones"),
    ("/methodologie", "nav_methodology"),
)


def layout() -> html.Div:
    """The static shell; the router fills the header links, banner and page."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dcc.Store(id=ids.BREAKS_STORE, storage_type="session"),
            dcc.Store(id=ids.VIEWPORT),
            # The synthetic-data banner is part of the page's banner landmark (axe: "region").
            html.Header(
                [html.Div(id="header", className="header"), html.Div(id=ids.BANNER, className="banner", role="note")],
                className="site-header",
            ),
            html.Div(id=ids.NOTICES, className="notices", role="status", **{"aria-live": "polite"}),
            html.Main(id=ids.PAGE, className="page"),
            html.Footer(id="footer", className="footer"),
        ],
        className="shell",
    )


def header(pathname: str, search: str, lang: str) -> list:
    """Title, navigation (current page marked) and the language switch."""
    keep = "?lang=en" if lang == "en" else ""
    links = [
        dcc.Link(
            t(key, lang),
            href=path + keep,
            className="nav-link active" if pathname.startswith(path) else "nav-link",
        )
        for path, key in NAV
    ]
    other = "fr" if lang == "en" else "en"
    switched = _with_lang(search, other)
    return [
        dcc.Link(t("app_title", lang), href="/" + keep, className="brand"),
        html.Nav(links, className="nav", **{"aria-label": "Navigation"}),
        search_box(lang),
        html.A(t("language_switch", lang), href=pathname + switched, id=ids.LANG_LINK, className="lang", lang=other),
    ]


def search_box(lang: str) -> html.Div:
    """The place search: a text field and the list of matching territories (links).

    assets/search.js moves through the results with the arrow keys and describes the field by the
    hidden keyboard hint (dcc.Input takes no aria attributes).
    """
    fr = lang == "fr"
    hint = (
        "Flèches haut et bas : parcourir les résultats ; Entrée : ouvrir ; Échap : fermer."
        if fr
        else "Up and down arrows: browse the results; Enter: open; Escape: close."
    )
    return html.Div(
        [
            html.Label(
                "Rechercher un territoire" if fr else "Find a territory",
                htmlFor=ids.SEARCH,
                className="visually-hidden",
            ),
            html.Span(hint, id=f"{ids.SEARCH}-hint", className="visually-hidden"),
            dcc.Input(
                id=ids.SEARCH,
                type="search",
                debounce=0.25,
                autoComplete="off",
                placeholder="Commune, EPCI, département, code postal…"
                if fr
                else "Municipality, EPCI, département, postal code…",
                className="search-input",
            ),
            html.Ul(
                id=ids.SEARCH_RESULTS,
                className="search-results",
                **{"aria-live": "polite", "aria-label": "Résultats" if fr else "Results"},
            ),
        ],
        className="search-box",
        role="search",
    )


def _with_lang(search: str, lang: str) -> str:
    from urllib.parse import parse_qsl, urlencode

    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != "lang"]
    if lang == "en":
        pairs.append(("lang", "en"))
    return "?" + urlencode(pairs) if pairs else ""


def banner(synthetic: bool, lang: str) -> list:
    """The synthetic-data banner (empty when only real data are loaded)."""
    if not synthetic:
        return []
    return [html.Strong("⚠ "), t("synthetic_banner", lang)]


def footer(lang: str, data_version: str) -> list:
    """Sources and licences, and the data version; the links keep the page's language."""
    keep = "?lang=en" if lang == "en" else ""
    return [
        html.P(t("footer_sources", lang)),
        html.P(
            [
                t("data_version", lang) + (" : " if lang == "fr" else ": "),
                html.Code(data_version),
                " · ",
                html.A(t("nav_methodology", lang), href="/methodologie" + keep),
                " · ",
                html.A(t("api_doc", lang), href="/api" + keep),
            ]
        ),
    ]


def notices(items: list[str]) -> list:
    """Notices about replaced URL parameters."""
    return [html.P(text, className="notice") for text in items]
