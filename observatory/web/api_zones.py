"""``/api/v1/zones``: store a zone of communes, read its definition, read its figures.

- ``POST /api/v1/zones``: a JSON body ``{"codes": [...], "name": "..."}``, or a CSV of one column
  (the body itself, ``text/csv`` or ``text/plain``, the name in ``?name=``; or a form upload,
  field ``file``, the name in field ``name``). INSEE commune codes; postal codes, arrondissements and
  communes déléguées are read as their communes, and the answer says so (``notes``). Answers 201
  with the zone's id, its page's URL and its API URL (200 when the same communes were stored
  before: the id is a hash of the sorted codes). Unknown codes: 400 naming them.
- ``GET /api/v1/zones/<id>``: the definition (``format=csv``: the communes, one a line).
- ``GET /api/v1/zones/<id>/<indicator>?survey=&wave=&format=``: the zone's cells, with the columns
  of the other tables (:data:`EXPORT_COLUMNS`) and the guard's ``refused_reason``, ``refused_fr``,
  ``refused_en`` (a refused cell has no value). Parameters checked as the other tables' (400
  naming the parameter); ``min_n`` may be raised, never lowered below the server's; JSON in pages.

An unknown zone is a 404 naming it. Mounted with :func:`register_zones` beside the API blueprint.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
from flask import Blueprint, Flask, Response, jsonify, request

from observatory.data.service import Observatory
from observatory.data.zones import ZoneError, ZoneStore, csv_codes, resolve_codes, zones_folder
from observatory.exports.export import MEASURE_PARAM, MEDIA_TYPES, ExportRequest, checked, render
from observatory.exports.zones import ZONE_FORMATS, zone_export
from observatory.stats import InvalidQuery
from observatory.stats.measures import MEASURES
from observatory.web.api_http import PREFIX, cached, error_response, next_url, public_base, with_link
from observatory.web.api_params import BadParameter, check_names, dialect, file_format, int_param, paging
from observatory.web.paging import Page

ZONE_PREFIX = f"{PREFIX}/zones"
TABLE_PARAMS = {"survey", "wave", "statistic", "min_n", "format", "dialect", "page", "page_size"}
TABLE_FORMATS = ZONE_FORMATS
TEXT_TYPES = {"text/csv", "text/plain"}


def register_zones(server: Flask, obs: Observatory, folder: Path | None = None) -> None:
    """Mount the zones' routes on the server (``folder``: where definitions are kept, see zones_folder)."""
    store = ZoneStore(folder or zones_folder(obs.settings))
    bp = Blueprint("api_zones", __name__, url_prefix=ZONE_PREFIX)
    for error in (BadParameter, InvalidQuery, ZoneError):
        bp.register_error_handler(error, _bad_parameter)

    @bp.post("")
    def create_zone():
        return create_answer(obs, store)

    @bp.get("/<zone>")
    def zone_definition(zone: str):
        return definition_answer(obs, store, zone)

    @bp.get("/<zone>/<indicator>")
    def zone_indicator(zone: str, indicator: str):
        return table_answer(obs, store, zone, indicator)

    server.register_blueprint(bp)


def _bad_parameter(exc: BadParameter | InvalidQuery | ZoneError) -> Response:
    return error_response(exc.param, exc.value, exc.allowed)


def _unknown_zone(zone: str) -> Response:
    message = f"unknown zone {zone[:40]!r} / zone inconnue"
    return error_response("zone", zone, f"an id answered by POST {ZONE_PREFIX}", message, 404)


# --- POST: store a zone -----------------------------------------------------------------------------


def create_answer(obs: Observatory, store: ZoneStore) -> Response:
    """Resolve the codes posted, store the zone, answer its id and URLs (201, or 200 if known)."""
    codes, name = posted_codes()
    resolution = resolve_codes(obs, codes)
    definition, new = store.save(resolution.codes, name)
    base = public_base(obs)
    body = {
        "id": definition.id,
        "name": definition.name,
        "created": definition.created,
        "communes": len(definition.codes),
        "api": f"{base}{ZONE_PREFIX}/{definition.id}",
        "url": f"{base}/zone/{definition.id}",
        "notes": list(resolution.notes),
    }
    resp = jsonify(body)
    resp.status_code = 201 if new else 200
    resp.headers["Location"] = body["api"]
    return resp


def posted_codes() -> tuple[list, object]:
    """The codes and name of a POST: JSON, a CSV body or a CSV upload; BadParameter otherwise."""
    kind = request.mimetype
    if kind == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("codes"), list):
            raise BadParameter("codes", str(body)[:40], 'a JSON object {"codes": ["01001", ...], "name": "..."}')
        unknown = sorted(set(body) - {"codes", "name"})
        if unknown:
            raise BadParameter(unknown[0], body[unknown[0]], ["codes", "name"])
        return body["codes"], body.get("name")
    if kind == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadParameter("file", "(none)", "a CSV file of one column of codes, in the form field 'file'")
        return csv_codes(upload.read()), request.form.get("name")
    if kind in TEXT_TYPES:
        return csv_codes(request.get_data()), request.args.get("name")
    raise BadParameter(
        "Content-Type", kind or "(none)", ["application/json", "text/csv", "text/plain", "multipart/form-data"]
    )


# --- GET: a zone's definition, and its figures --------------------------------------------------------


def definition_answer(obs: Observatory, store: ZoneStore, zone: str) -> Response:
    """A zone's definition in JSON, or its communes in CSV."""
    check_names({"format"})
    definition = store.get(zone)
    if definition is None:
        return _unknown_zone(zone)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadParameter("format", fmt, ["json", "csv"])
    if fmt == "csv":
        names = obs.territories("commune").set_index("code")["name"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["commune_code", "commune_name"])
        writer.writerows((code, names.get(code, "")) for code in definition.codes)
        resp = Response(out.getvalue(), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f"attachment; filename=zone_{definition.id}.csv"
        return resp
    base = public_base(obs)
    body = definition.as_json() | {
        "communes": len(definition.codes),
        "api": f"{base}{ZONE_PREFIX}/{definition.id}",
        "url": f"{base}/zone/{definition.id}",
    }
    return jsonify(body)


def table_answer(obs: Observatory, store: ZoneStore, zone: str, indicator: str) -> Response:
    """A zone's cells of one indicator, survey and wave; every parameter checked."""
    definition = store.get(zone)
    if definition is None:
        return _unknown_zone(zone)
    if indicator not in MEASURES:
        resp = error_response("indicator", indicator, list(MEASURES), message=f"unknown indicator {indicator[:40]!r}")
        resp.status_code = 404
        return resp
    param = MEASURE_PARAM[indicator]
    check_names(TABLE_PARAMS | {param}, {param})
    measures = tuple(dict.fromkeys(request.args.getlist(param))) or None
    min_n = int_param("min_n", obs.settings.min_n, obs.settings.min_n, 100_000)
    req = ExportRequest(
        indicator=indicator,
        wave=int_param("wave", None, 1990, 2100),
        survey=request.args.get("survey"),
        measures=measures,
        statistic=request.args.get("statistic"),
        min_n=min_n,
    )
    survey, wave, min_n = checked(obs, req)
    fmt = file_format()
    if fmt not in TABLE_FORMATS:
        raise BadParameter("format", fmt, TABLE_FORMATS)
    chosen = dialect()
    pages = paging(fmt, obs.settings.api_max_rows)

    def build() -> Response:
        table = zone_export(obs, store, definition, req, survey, wave, min_n)
        return _table_response(obs, table, fmt, chosen, pages, f"zone_{definition.id}_{indicator}")

    return cached(obs, build, weak=fmt == "xlsx", negotiated="format" not in request.args)


def _table_response(obs: Observatory, table: pd.DataFrame, fmt: str, chosen: str, pages, filename: str) -> Response:
    """The table whole in a file, or one page of it (JSON always, files when asked)."""
    mimetype = MEDIA_TYPES[fmt].split(";")[0]
    if pages is None:
        resp = Response(render(table, fmt, chosen), mimetype=mimetype)
        resp.headers["Content-Disposition"] = f"attachment; filename={filename}.{fmt}"
        return resp
    page = Page(*pages, len(table))
    if page.number > page.last:
        raise BadParameter("page", page.number, f"an integer from 1 to {page.last} (pages of {page.size} rows)")
    rows = table.iloc[page.offset : page.offset + page.size]
    following = next_url(obs, page)
    if fmt == "json":
        body = json.loads(render(rows, "json"))
        body.update(total=page.total, truncated=page.has_next, next=following)
        resp = Response(json.dumps(body, ensure_ascii=False), mimetype=mimetype)
    else:
        resp = Response(render(rows, fmt, chosen), mimetype=mimetype)
    return with_link(resp, following)
