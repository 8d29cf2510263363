"""``/api/v1/zonings``: the cantons and legislative constituencies, each a zone of its communes (issue 28).

- ``GET /api/v1/zonings?kind=canton|circonscription&departement=42&format=json|csv``: the list (kind,
  code, name, departement, communes, split_communes).
- ``GET /api/v1/zonings/<kind>/<code>?format=json|csv``: one zoning's communes (code, name, share of
  its area inside, ``split``, ``zonings``: how many zonings of the kind hold it), and ``zone``: the
  id of the zone its communes make (:func:`observatory.data.zones.zone_id`), its page and whether it
  is stored yet.
- ``POST /api/v1/zonings/<kind>/<code>/zone``: store that zone, named after the zoning (201; 200
  when the same communes were stored before, as ``POST /api/v1/zones`` answers).

A bad kind or parameter is a 400 naming the allowed values; an unknown code a 404; never a 500.
A database built before the zonings existed answers empty lists and 404s.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Blueprint, Flask, Response, jsonify, request

from observatory.data import zonings as zn
from observatory.data.service import Observatory
from observatory.data.zones import ZoneError, ZoneStore, zone_id, zones_folder
from observatory.web.api_http import PREFIX, error_response, public_base
from observatory.web.api_params import BadParameter, check_names

ZONING_PREFIX = f"{PREFIX}/zonings"
FORMATS = ("json", "csv")
LIST_COLUMNS = ("kind", "code", "name", "departement", "communes", "split_communes")
COMMUNE_COLUMNS = ("commune_code", "commune_name", "share", "split", "zonings")


def register_zonings(server: Flask, obs: Observatory, folder: Path | None = None) -> None:
    """Mount the zonings' routes (``folder``: where zone definitions are kept, as for /api/v1/zones)."""
    store = ZoneStore(folder or zones_folder(obs.settings))
    bp = Blueprint("api_zonings", __name__, url_prefix=ZONING_PREFIX)
    for error in (BadParameter, ZoneError):
        bp.register_error_handler(error, lambda exc: error_response(exc.param, exc.value, exc.allowed))

    @bp.get("")
    def zoning_list():
        return list_answer(obs)

    @bp.get("/<kind>/<code>")
    def zoning_detail(kind: str, code: str):
        return detail_answer(obs, store, kind, code)

    @bp.post("/<kind>/<code>/zone")
    def zoning_zone(kind: str, code: str):
        return zone_answer(obs, store, kind, code)

    server.register_blueprint(bp)


def _kind(kind: str | None) -> str | None:
    if kind is not None and kind not in zn.KINDS:
        raise BadParameter("kind", kind, zn.KINDS)
    return kind


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise BadParameter("format", fmt, FORMATS)
    return fmt


def _csv(rows: list[list], header: tuple[str, ...], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    resp = Response(out.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}.csv"
    return resp


def list_answer(obs: Observatory) -> Response:
    """The cantons and constituencies (of a kind, of a département)."""
    check_names({"kind", "departement", "format"})
    kind = _kind(request.args.get("kind"))
    departement = request.args.get("departement")
    fmt = _format()
    if departement is not None:
        known = set(obs.territories("departement")["code"])
        if departement.upper() not in known:
            raise BadParameter("departement", departement, sorted(known))
        departement = departement.upper()
    found = zn.zonings(obs, kind, departement)
    if fmt == "csv":
        rows = [[z.as_json()[c] for c in LIST_COLUMNS] for z in found]
        return _csv(rows, LIST_COLUMNS, f"zonings_{kind or 'all'}_{departement or 'fr'}")
    return jsonify({"total": len(found), "zonings": [z.as_json() for z in found]})


def _unknown(kind: str, code: str) -> Response:
    message = f"unknown {kind} {code[:40]!r} / {zn.KIND_WORDS[kind][0]} inconnu(e)"
    return error_response("code", code, f"a code listed by GET {ZONING_PREFIX}?kind={kind}", message, 404)


def _zone_links(obs: Observatory, store: ZoneStore, codes: tuple[str, ...]) -> dict:
    zid = zone_id(codes)
    base = public_base(obs)
    return {
        "id": zid,
        "url": f"{base}/zone/{zid}",
        "api": f"{base}{PREFIX}/zones/{zid}",
        "stored": store.get(zid) is not None,
    }


def detail_answer(obs: Observatory, store: ZoneStore, kind: str, code: str) -> Response:
    """One zoning, its communes and the zone they make."""
    check_names({"format"})
    _kind(kind)
    fmt = _format()
    rows = zn.zoning_communes(obs, kind, code)
    if rows.empty:
        return _unknown(kind, code)
    if fmt == "csv":
        table = rows.loc[:, list(COMMUNE_COLUMNS)].astype(object)
        table = table.where(table.notna(), None)
        return _csv(table.to_numpy().tolist(), COMMUNE_COLUMNS, f"{kind}_{code}")
    described = zn.zoning(obs, kind, code)
    communes = [
        {
            "code": r.commune_code,
            "name": r.commune_name,
            "share": None if r.share != r.share or r.share is None else round(float(r.share), 4),
            "split": bool(r.split),
            "zonings": int(r.zonings),
        }
        for r in rows.itertuples(index=False)
    ]
    codes = tuple(sorted(rows["commune_code"]))
    body = described.as_json() | {"communes_list": communes, "zone": _zone_links(obs, store, codes)}
    return jsonify(body)


def zone_answer(obs: Observatory, store: ZoneStore, kind: str, code: str) -> Response:
    """Store the zone of a zoning's communes, named after it: 201, or 200 when it was stored before."""
    _kind(kind)
    described = zn.zoning(obs, kind, code)
    if described is None:
        return _unknown(kind, code)
    definition, new = store.save(zn.codes_of(obs, kind, code), described.name)
    links = _zone_links(obs, store, definition.codes)
    body = {
        "id": definition.id,
        "name": definition.name,
        "created": definition.created,
        "communes": len(definition.codes),
        "api": links["api"],
        "url": links["url"],
        "zoning": described.as_json(),
    }
    resp = jsonify(body)
    resp.status_code = 201 if new else 200
    resp.headers["Location"] = body["api"]
    return resp


# --- the OpenAPI description of these routes (merged into observatory.web.openapi.spec's paths) -------

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_NOT_FOUND = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}}}
_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}
_KIND_PATH = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(zn.KINDS)},
              "description": "canton or circonscription (legislative constituency)", "example": "canton"}  # fmt: skip
_CODE_PATH = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "the canton's INSEE code (4205) or the constituency's (42-01)", "example": "4205"}  # fmt: skip
_FORMAT = {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": list(FORMATS)},
           "description": "json (the default) or csv"}  # fmt: skip


def openapi_paths() -> dict:
    """The paths of ``/api/v1/zonings`` for the API's OpenAPI document."""
    both = {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}
    return {
        ZONING_PREFIX: {
            "get": {
                "summary": "Cantons and legislative constituencies (each a zone of its communes)",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "description": "canton or circonscription",
                        "schema": {"type": "string", "enum": list(zn.KINDS)},
                    },  # fmt: skip
                    {
                        "name": "departement",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "a département's code (42, 2A, 974)",
                    },  # fmt: skip
                    _FORMAT,
                ],
                "responses": {
                    "200": {"description": "the list", "content": both},
                    "400": {"description": "bad", **_ERROR},
                },
            }
        },
        f"{ZONING_PREFIX}/{{kind}}/{{code}}": {
            "get": {
                "summary": "A zoning's communes (share, split) and the zone they make",
                "parameters": [_KIND_PATH, _CODE_PATH, _FORMAT],
                "responses": {
                    "200": {"description": "its communes", "content": both},
                    "400": {"description": "a bad kind or parameter", **_ERROR},
                    "404": {"description": "an unknown code", **_NOT_FOUND},
                },
            }
        },
        f"{ZONING_PREFIX}/{{kind}}/{{code}}/zone": {
            "post": {
                "summary": "Store the zone of a zoning's communes, named after it",
                "parameters": [_KIND_PATH, _CODE_PATH],
                "responses": {
                    "201": {"description": "stored", **_OBJECT},
                    "200": {"description": "stored before", **_OBJECT},
                    "400": {"description": "a bad kind", **_ERROR},
                    "404": {"description": "an unknown code", **_NOT_FOUND},
                },
            }
        },
    }
