"""The API's request parameters, each checked against an allow-list (:mod:`observatory.web.api`).

A parameter that cannot be used raises :class:`BadParameter`, which the blueprint answers with
HTTP 400 and a JSON body naming the parameter and its allowed values.
"""

from __future__ import annotations

import re

from flask import request

from observatory.exports.export import DIALECTS, MEASURE_PARAM, MEDIA_TYPES, METHODS, SAE_LEVEL, ExportRequest
from observatory.stats.engine import ALL_LEVELS, GROUPS_LEVEL

API_LEVELS = tuple(level for level in ALL_LEVELS if level != GROUPS_LEVEL)  # the levels the API answers

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
TERRITORY_CODE = re.compile(r"[0-9A-Za-z_]{1,12}")
MAX_PAGE = 10_000_000


class BadParameter(ValueError):
    """A request parameter that cannot be used."""

    def __init__(self, param: str, value: object, allowed: tuple | list | str):
        self.param, self.value, self.allowed = param, value, allowed
        super().__init__(param)


def int_param(name: str, default: int | None = None, low: int = 1, high: int = 10_000) -> int | None:
    """The integer parameter ``name`` between ``low`` and ``high``; ``default`` when absent."""
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


def file_format() -> str:
    """``format``, or else the best match of the ``Accept`` header (JSON by default)."""
    fmt = request.args.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(list(ACCEPT))
        return ACCEPT.get(best or "", "json") if request.accept_mimetypes.provided else "json"
    if fmt not in MEDIA_TYPES:
        raise BadParameter("format", fmt, tuple(MEDIA_TYPES))
    return fmt


def dialect() -> str:
    """``dialect``: the CSV flavour (plain by default)."""
    value = request.args.get("dialect", "plain")
    if value not in DIALECTS:
        raise BadParameter("dialect", value, DIALECTS)
    return value


def check_names(allowed: set[str], lists: set[str] | frozenset[str] = frozenset()) -> None:
    """Every parameter is known, and given once unless it takes several values (``lists``)."""
    for name in request.args:
        if name not in allowed:
            raise BadParameter(name, request.args.get(name), sorted(allowed))
        if name not in lists and len(request.args.getlist(name)) > 1:  # which one would count?
            raise BadParameter(name, ",".join(request.args.getlist(name)), "one value (given more than once)")


def table_request(indicator: str) -> ExportRequest:
    """The table an indicator's request asks for, every parameter checked."""
    # measures and territory codes: the parameters that take several values
    check_names(COMMON_PARAMS | {MEASURE_PARAM[indicator]}, {MEASURE_PARAM[indicator], "territory"})
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
    wave, wave_from = int_param("wave", None, 1990, 2100), int_param("wave_from", None, 1990, 2100)
    if wave is not None and wave_from is not None and wave != wave_from:
        raise BadParameter("wave_from", wave_from, "the same as wave, or one of them only")
    wave_to = int_param("wave_to", None, 1990, 2100)
    if wave_from is not None and wave_to is None:
        raise BadParameter("wave_to", None, "a wave: wave_from needs wave_to (the change between two waves)")
    method = estimation_method(level, wave_to)
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
        min_n=int_param("min_n", None, 1, 100_000),
        method=method,
    )


def estimation_method(level: str, wave_to: int | None) -> str:
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


def paging(fmt: str, max_rows: int) -> tuple[int, int] | None:
    """(page number, page size) when the answer is a page: always in JSON, in files when asked."""
    asked = "page" in request.args or "page_size" in request.args
    size = int_param("page_size", max_rows, 1, max_rows)
    number = int_param("page", 1, 1, MAX_PAGE)
    if asked and fmt == "zip":
        raise BadParameter("format", fmt, "a whole table: filter it, or page it as json, csv, parquet or xlsx")
    return (number, size) if asked or fmt == "json" else None
