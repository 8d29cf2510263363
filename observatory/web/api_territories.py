"""``GET /api/v1/territories``: a level's territories by code, or a search's matches best first."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.web.api_http import cached, next_url, with_link
from observatory.web.api_params import MAX_PAGE, BadParameter, check_names, int_param
from observatory.web.paging import SEARCH_PAGE_SIZE, Page, records, territory_list

MAX_QUERY = 80
TERRITORY_PARAMS = {"q", "level", "page", "page_size", "limit"}  # limit: page_size's former name


def register_territories(bp: Blueprint, obs: Observatory) -> None:
    """The territories' route on one data interface."""

    @bp.route("/territories")
    def territories():
        return territories_answer(obs)


def territories_answer(obs: Observatory) -> Response:
    """A page of the territories, every parameter checked."""
    check_names(TERRITORY_PARAMS)
    level = request.args.get("level")
    if level is not None and level not in ref.LEVEL_CODES:
        raise BadParameter("level", level, ref.LEVEL_CODES)
    q = request.args.get("q")
    if q is not None and len(q) > MAX_QUERY:
        raise BadParameter("q", q, f"at most {MAX_QUERY} characters")
    paging = (int_param("page", 1, 1, MAX_PAGE), _territory_page_size(bool(q), obs.settings.api_max_rows))
    return cached(obs, lambda: _territories_response(obs, q or None, level, paging))


def _territories_response(obs: Observatory, q: str | None, level: str | None, paging: tuple[int, int]) -> Response:
    """A page of the territories: a search's matches best first, or a level's by code."""
    frame = territory_list(obs, q, level)
    page = Page(*paging, len(frame))
    if page.number > page.last:
        raise BadParameter("page", page.number, f"an integer from 1 to {page.last} (pages of {page.size} rows)")
    rows = records(frame.iloc[page.offset : page.offset + page.size])
    following = next_url(obs, page)
    body = {"rows": rows, "count": len(rows), "total": page.total, "truncated": page.has_next, "next": following}
    return with_link(jsonify(body), following)


def _territory_page_size(search: bool, max_rows: int) -> int:
    """Rows per page of territories: 20 for a search (the best matches), a whole page for a level."""
    if "limit" in request.args and "page_size" in request.args:
        raise BadParameter("limit", request.args["limit"], "page_size or limit (its former name), not both")
    name = "limit" if "limit" in request.args else "page_size"
    return int_param(name, SEARCH_PAGE_SIZE if search else max_rows, 1, max_rows)
