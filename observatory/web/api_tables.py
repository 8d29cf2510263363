"""``GET /api/v1/<indicator>``: an indicator's table (fragility, partnerships, mayors, innovation).

JSON comes in pages of at most ``OBSERVATORY_API_MAX_ROWS`` rows; CSV streams the whole table;
Parquet and ZIP give it whole; XLSX holds at most a page's rows. Whole-level work runs in one of
the process's heavy slots (:mod:`observatory.web.heavy`).
"""

from __future__ import annotations

import contextlib
import json

from flask import Blueprint, Response, current_app, jsonify, request

from observatory.data.service import Observatory
from observatory.exports.export import (
    MEDIA_TYPES,
    ExportRequest,
    export_file,
    export_table,
    render,
    unknown_territories,
)
from observatory.stats.measures import MEASURES
from observatory.web import heavy
from observatory.web.api_http import PREFIX, cached, next_url, not_found, with_link
from observatory.web.api_params import BadParameter, dialect, file_format, paging, table_request
from observatory.web.paging import EXCEL_MAX_ROWS, Page, csv_chunks, page_table, rows_per_measure

TIMESTAMPED_FORMATS = {"xlsx", "zip"}  # their bytes record the time they were written
HEAVY_FORMATS = {"xlsx", "zip", "parquet"}  # written whole in memory (XLSX: about 4,000 rows a second)


def register_tables(bp: Blueprint, obs: Observatory) -> None:
    """The indicator tables' route on one data interface."""

    @bp.route("/<indicator>")
    def indicator_table(indicator: str):
        return table_answer(obs, indicator)


def table_answer(obs: Observatory, indicator: str) -> Response:
    """An indicator's table, or the error saying why not."""
    if indicator not in MEASURES:
        return not_found(indicator)
    req = table_request(indicator)
    unknown = unknown_territories(obs, req)
    if unknown:
        return _unknown_territories(req, unknown)
    fmt = file_format()
    chosen_dialect = dialect()
    pages = paging(fmt, obs.settings.api_max_rows)
    slot = heavy.of(current_app, obs.settings).slot if _heavy(req, fmt) else contextlib.nullcontext

    def build() -> Response:
        with slot():  # (a 304 builds nothing and takes no slot)
            resp = _table_response(obs, req, fmt, chosen_dialect, pages)
        if fmt != "json":
            resp.headers["Content-Disposition"] = f"attachment; filename=observatoire_{indicator}.{fmt}"
        return resp

    try:
        return cached(obs, build, weak=fmt in TIMESTAMPED_FORMATS, negotiated="format" not in request.args)
    except heavy.Busy:  # raised before cached adds its cache headers: the 503 is never cached
        return heavy.busy_response(api=True)


def _unknown_territories(req: ExportRequest, unknown: list[str]) -> Response:
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
    following = next_url(obs, page)
    if fmt == "json":
        body = json.loads(render(table, "json"))  # the export's JSON (rows, count), with the page's links
        body.update(total=total, truncated=page.has_next, next=following)
        resp = Response(json.dumps(body, ensure_ascii=False), mimetype=mimetype)
    else:
        resp = Response(render(table, fmt, dialect), mimetype=mimetype)
    return with_link(resp, following)


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
