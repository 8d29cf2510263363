"""Embeddable views and the printable portrait's route (the snippet the pages offer: layout/snippets.py).

- ``/embed/<page>?<the page's own parameters>``: a map page (e.g.
  ``/embed/fragilites?level=departement&domain=emploi``) in a minimal shell: the app's own page
  (the page's layout and callbacks, whatever draws the map) with the body marked ``embed`` so
  that ``assets/embed.css`` keeps only the title, map, legend, source and notice, and a link back.
- ``/embed/territoire/<code>?block=<block>``: one block of a profile (key findings, locator, or
  an indicator block), drawn on the server (the PDF's fragments), with its source and notice.
- ``/territoire/<code>.pdf``: the printable portrait (:mod:`observatory.exports.pdf`), kept on disk per
  data version, language and public address, and rendered in one of the process's few heavy
  slots (:mod:`observatory.web.heavy`): past them, 503 with ``Retry-After``. Its permalink is on
  ``OBSERVATORY_PUBLIC_URL`` (the request's own host only when unset: development).
- ``/embed/zone/<id>?block=key-findings|<survey>``: a zone's key findings or one survey's tables.
- ``/zone/<id>.pdf``: a stored zone's printable portrait (:mod:`observatory.exports.zone_pdf`), kept
  and rendered the same way.

Only ``/embed/`` answers may be framed: :mod:`observatory.web.security` gives them their own
``frame-ancestors`` policy; the rest of the app stays unframeable.
"""

from __future__ import annotations

import html
import time

from dash import Dash
from flask import Flask, Response, abort, request

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.exports import pdf
from observatory.exports import zone_pdf as zone_pdf_doc
from observatory.figures import profile as figures
from observatory.figures import svg_charts
from observatory.views import profile as pv
from observatory.views import zone as zv
from observatory.web import heavy, not_found

EMBED_PREFIX = "/embed/"
# Posts the page's height to the snippet's frame (audit E6); a map view, a Dash page, has it already.
HEIGHT_SCRIPT = "/assets/embed.js"
BLOCKS = ("key-findings", "locator", "fragilite", "partenariats", "maires", "innovation")
SHELL_CSS = """body{font-family:system-ui,Arial,sans-serif;font-size:14px;color:#222;margin:8px;}
h1{font-size:1.1rem;margin:0 0 .4rem}h2{font-size:1rem}h3{font-size:.95rem;margin:.6rem 0 .2rem}
.note,.source{color:#555;font-size:.8rem}.notice{border:1px solid #b26b00;background:#fff4e0;padding:4px 6px}
table{border-collapse:collapse;font-size:.8rem}th,td{text-align:left;padding:2px 5px;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto}img{max-width:100%;height:auto}"""


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "fr"


def _shell(title: str, body: str, back: str, lang: str) -> str:
    fr = lang == "fr"
    link = f'<p class="source"><a href="{html.escape(back)}" target="_blank" rel="noopener">'
    link += ("Voir sur l'observatoire" if fr else "See it on the observatory") + "</a></p>"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{SHELL_CSS}</style></head>"
        f'<body class="embed"><main>{body}</main>{link}<script src="{HEIGHT_SCRIPT}"></script></body></html>'
    )


def profile_block(obs, key: str, block: str, lang: str) -> str | None:
    """The HTML page of one profile block, or None for an unknown territory."""
    t = pv.resolve(obs, key)
    if t is None:
        return None
    fr = lang == "fr"
    if block == "locator":
        point = (t.lon, t.lat) if t.lon is not None and t.lat is not None else None
        svg = figures.locator_svg(obs.settings.geo_dir, (t.level, t.code), pv.parent_of(t), point, t.name)
        body = f'<img src="{svg_charts.data_uri(svg)}" alt="{html.escape(t.name)}">'
    else:
        rows, p = pv.profile_model(obs, t)
        if block == "key-findings":
            body = pdf.findings_html(p, t, lang)
        else:
            body = f'<div class="scroll">{pdf.block_html(obs, t, block, lang, rows, p)}</div>'
    sources = html.escape(i18n.t("footer_sources", lang))
    back = f"/territoire/{ref.territory_key(t.level, t.code)}" + ("" if fr else "?lang=en")
    body = f'<h1>{html.escape(t.name)}</h1>{pdf.notice_html(obs, lang)}{body}<p class="source">{sources}</p>'
    return _shell(t.name, body, back, lang)


def zone_block(obs, zone_id: str, block: str, lang: str) -> str | None:
    """The HTML page of one block of a zone's portrait (key findings, or a survey's tables), or None."""
    p = zv.zone_portrait(obs, zv.store_of(obs), zone_id[:40])
    if p is None:
        return None
    fr = lang == "fr"
    if block == "key-findings":
        body = zone_pdf_doc.findings_html(p, lang)
    else:
        surveys = {b.survey: b for b in p.surveys}
        if block not in surveys:
            return None
        tables = "".join(zone_pdf_doc.table_html(p, t, lang) for t in surveys[block].tables)
        body = f'<div class="scroll">{tables}</div>'
    sources = html.escape(i18n.t("footer_sources", lang))
    back = f"/zone/{p.zone.id}" + ("" if fr else "?lang=en")
    body = f'<h1>{html.escape(p.name)}</h1>{pdf.notice_html(obs, lang)}{body}<p class="source">{sources}</p>'
    return _shell(p.name, body, back, lang)


def map_page(app: Dash, page: str) -> str:
    """The app's own page for a map view, marked as an embed (assets/embed.css) with a link back."""
    lang = _lang()
    back = "/" + page + ("?" + request.query_string.decode("ascii", "replace") if request.query_string else "")
    text = "Voir sur l'observatoire" if lang == "fr" else "See it on the observatory"
    link = f'<a class="embed-back" href="{html.escape(back)}" target="_blank" rel="noopener">{text}</a>'
    index = app.index()
    return index.replace("<body>", f'<body class="embed">{link}', 1)


def register_embed_routes(app: Dash, obs, map_paths) -> None:
    """The routes of the embeds and of the PDF portrait (``map_paths``: the map pages' paths)."""
    server: Flask = app.server

    @server.route("/embed/territoire/<key>")
    def embed_profile_block(key: str):
        block = request.args.get("block", "key-findings")
        if block not in BLOCKS:
            abort(400, f"block: one of {', '.join(BLOCKS)}")
        page = profile_block(obs, key, block, _lang())
        if page is None:
            abort(404)
        return Response(page, mimetype="text/html")

    @server.route("/embed/<page>")
    def embed_map(page: str):
        if "/" + page not in map_paths:
            abort(404)
        return Response(map_page(app, page), mimetype="text/html")

    @server.route("/territoire/<key>.pdf")
    def portrait_pdf(key: str):

        t = pv.resolve(obs, key)
        if t is None:  # the friendly page, with its 404
            return not_found.page(app)
        start = time.perf_counter()
        lang, version = _lang(), obs.db.version
        # The Host header can be forged: it makes the permalink only in development (no public URL).
        base = obs.settings.public_url or request.host_url.rstrip("/")
        try:
            data = heavy.of(server, obs.settings).cached(
                "pdf",
                version,
                (ref.territory_key(t.level, t.code), lang, base),
                lambda: pdf.render(obs, t, lang, base),
                lambda: obs.db.version == version,
            )
        except heavy.Busy:
            return heavy.busy_response()
        resp = Response(data, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f'inline; filename="portrait_{t.level}_{t.code}.pdf"'
        resp.headers["Server-Timing"] = f"pdf;dur={1000 * (time.perf_counter() - start):.0f}"
        return resp

    @server.route("/embed/zone/<zone_id>")
    def embed_zone(zone_id: str):
        block = request.args.get("block", "key-findings")
        page = zone_block(obs, zone_id, block, _lang())
        if page is None:
            abort(404)
        return Response(page, mimetype="text/html")

    @server.route("/zone/<zone_id>.pdf")
    def zone_pdf(zone_id: str):
        p = zv.zone_portrait(obs, zv.store_of(obs), zone_id[:40])
        if p is None:  # the friendly page, with its 404
            return not_found.page(app)
        lang, version = _lang(), obs.db.version
        base = obs.settings.public_url or request.host_url.rstrip("/")
        try:
            data = heavy.of(server, obs.settings).cached(
                "pdf", version, ("zone", p.zone.id, lang, base), lambda: zone_pdf_doc.render(obs, p, lang, base),
                lambda: obs.db.version == version,
            )  # fmt: skip
        except heavy.Busy:
            return heavy.busy_response()
        resp = Response(data, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f'inline; filename="zone_{p.zone.id}.pdf"'
        return resp
