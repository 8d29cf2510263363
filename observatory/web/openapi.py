"""The OpenAPI 3 description of ``/api/v1/``, built from the same allow-lists as the server.

The tables, territories and reference lists are described here; a portrait's findings, a level's
ranks and the zones in :mod:`observatory.web.openapi_analysts`. Every route the server registers
under ``/api/v1`` is in the document, every documented path is a route
(``tests/api/test_openapi_routes.py``), and the server answers as described (schemathesis).
"""

from __future__ import annotations

from observatory.core import reference as ref
from observatory.core.config import get_settings
from observatory.exports.export import INDICATOR_SURVEYS, MEDIA_TYPES
from observatory.stats.measures import MEASURES, STATISTICS
from observatory.web.api_params import API_LEVELS  # the levels the API takes, defined with its checks
from observatory.web.api_zonings import openapi_paths as zoning_paths
from observatory.web.openapi_analysts import ANALYST_SCHEMAS, LINK_HEADER, analyst_paths, param

LEVELS = list(API_LEVELS)
SIZE_CLASSES = [c.code for items in ref.SIZE_CLASSES.values() for c in items]


PAGING = (
    "JSON answers hold at most {cap} rows (OBSERVATORY_API_MAX_ROWS): a larger table comes in pages, "
    "in a stable order (measure, statistic, territory code); follow 'next' (or the Link header, "
    'rel="next"), an absolute URL, until it is null. CSV is the bulk download: without page or '
    "page_size it streams the whole table. Parquet and ZIP give the whole table too; XLSX up to {cap} rows. Any format but ZIP "
    "can be paged. A request's DuckDB work is limited to {seconds:g} s (OBSERVATORY_API_TIME_LIMIT). "
    "Past a bound the answer is HTTP 400 saying how to ask for less (filter, page, or use CSV)."
)


def _table_path(indicator: str, measure_param: str, max_rows: int, seconds: float) -> dict:
    surveys = list(INDICATOR_SURVEYS[indicator])
    year = {"type": "integer", "minimum": 1990, "maximum": 2100}
    params = [
        param("wave", year, "Survey wave (year); default: the latest. With wave_to: the first wave of the change."),
        param("wave_from", year, "First wave of a change (same as wave); needs wave_to."),
        param(
            "wave_to",
            year,
            "Second wave: the table becomes the change from wave_from (default: the first wave) to wave_to, "
            "with its standard error (independent samples), 95 % CI and z-test.",
        ),
        param(
            "survey",
            {"type": "string", "enum": surveys},
            "Survey (type of actor): one of those asked the indicator's questions; any other: HTTP 400.",
        ),
        param("level", {"type": "string", "enum": LEVELS, "default": "departement"}, "Territorial level."),
        param(
            measure_param,
            {"type": "string", "enum": list(MEASURES[indicator])},
            "Measures to keep (repeatable).",
            multi=True,
        ),
        param("statistic", {"type": "string", "enum": list(STATISTICS[indicator])}, "Keep one statistic."),
        param("size_class", {"type": "string", "enum": SIZE_CLASSES}, "Restrict to a size class of the survey."),
        param(
            "territory",
            {"type": "string", "pattern": "^[0-9A-Za-z_]{1,12}$"},
            "Territory codes of the level (repeatable).",
            multi=True,
        ),
        param("min_n", {"type": "integer", "minimum": 1, "maximum": 100000}, "Suppression threshold (default 30)."),
        param(
            "method",
            {"type": "string", "enum": ["direct", "sae"], "default": "direct"},
            "direct: survey estimates (the default). sae: small-area estimates of an area-level model (scores: "
            "Fay–Herriot EBLUP; shares: binomial logit-normal; covariates: région, log density or its spline, "
            "log population, EPCI nature), benchmarked to each reliable département (else the rest of the "
            "région), with level=epci only, one wave, all sizes: estimate, se (root MSE), 95 % CI from the MSE, n, "
            "gamma (the survey's share in the estimate), sae_status (model, model_adjusted, synthetic, no_data, "
            "no_covariates), link, design, benchmark_group, benchmark_shift; no significance test. Any other "
            "level, wave_to or size_class with sae: HTTP 400.",
        ),
        param("format", {"type": "string", "enum": list(MEDIA_TYPES)}, "Response format (also by Accept header)."),
        param("dialect", {"type": "string", "enum": ["plain", "excel-fr"]}, "CSV dialect."),
        param(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": max_rows, "default": max_rows},
            "Rows per page (JSON is always paged; a file format only with page or page_size).",
        ),
        param(
            "page",
            {"type": "integer", "minimum": 1, "maximum": 10_000_000, "default": 1},
            "Page number, from 1; past the last page: HTTP 400. Not with format=zip.",
        ),
    ]
    content = {
        MEDIA_TYPES[f].split(";")[0]: {
            "schema": {"$ref": "#/components/schemas/Table"} if f == "json" else {"type": "string", "format": "binary"}
        }
        for f in MEDIA_TYPES
    }
    return {
        "get": {
            "summary": f"Estimates of the {indicator} indicator: one row per territory × measure × statistic",
            "description": PAGING.format(cap=max_rows, seconds=seconds),
            "parameters": params,
            "responses": {
                "200": {
                    "description": "The tidy table, or a page of it (suppressed cells have no value).",
                    "headers": {"Link": LINK_HEADER},
                    "content": content,
                },
                "304": {"description": "Not modified (ETag)."},
                "400": {
                    "description": "Invalid parameter, a page past the last, a table too large for the format, "
                    "or over the time limit.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "404": {
                    "description": "A territory code that names no territory of the level (the error lists them).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "503": {
                    "description": "Server busy (a whole-level file export past the heavy slots): retry after Retry-After."
                },
            },
        }
    }


def _json_path(summary: str, params: list | None = None, schema: str | None = None) -> dict:
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    if schema:
        ok = {
            "description": "A page of the list.",
            "headers": {"Link": LINK_HEADER},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    return {
        "get": {
            "summary": summary,
            "parameters": params or [],
            "responses": {
                "200": ok,
                "304": {"description": "Not modified (ETag)."},
                "400": {
                    "description": "Invalid parameter.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    }


def _territories_path(max_rows: int) -> dict:
    page_size = {"type": "integer", "minimum": 1, "maximum": max_rows}
    path = _json_path(
        "Search or list territories",
        [
            param(
                "q",
                {"type": "string", "maxLength": 80},
                "Name (small words and accents optional; CC, CA, CU, ME, st, ste understood; 'Lyon 3e' for an "
                "arrondissement's commune), INSEE code, 'reg-' and a région's code, EPCI SIREN or postal code. "
                "Without q: every territory of the level, by code.",
            ),
            param(
                "level",
                {"type": "string", "enum": list(ref.LEVEL_CODES)},
                "Level (without q, default: region; with q, default: every level).",
            ),
            param(
                "page_size",
                page_size,
                f"Rows per page (default: 20 with q, the best matches; {max_rows} without).",
            ),
            param(
                "page",
                {"type": "integer", "minimum": 1, "maximum": 10_000_000, "default": 1},
                "Page number, from 1; past the last page: HTTP 400.",
            ),
            {**param("limit", page_size, "page_size's former name (not with page_size)."), "deprecated": True},
        ],
        schema="TerritoryList",
    )
    path["get"]["description"] = (
        f"Pages of at most {max_rows} rows, like the tables: total, truncated and next (an absolute URL, "
        "also in the Link header) say what follows, so that every level, communes included, can be listed. "
        "Search rows: level, code, name, parent, population; level rows: level, code, name, region_code, "
        "departement_code, epci_code, population, area_km2."
    )
    return path


def spec() -> dict:
    """The OpenAPI document (its bounds are the settings')."""
    settings = get_settings()
    cap, seconds = settings.api_max_rows, settings.api_time_limit
    row = {
        "type": "object",
        "properties": {
            "indicator": {"type": "string"}, "wave": {"type": "integer"}, "survey": {"type": "string"},
            "level": {"type": "string"}, "size_class": {"type": ["string", "null"]}, "min_n": {"type": "integer"},
            "territory_code": {"type": "string"}, "territory_name": {"type": "string"}, "measure": {"type": "string"},
            "statistic": {"type": "string"}, "estimate": {"type": ["number", "null"]}, "se": {"type": ["number", "null"]},
            "ci_low": {"type": ["number", "null"]}, "ci_high": {"type": ["number", "null"]}, "n": {"type": "integer"},
            "n_eff": {"type": ["number", "null"]}, "reliability": {"type": "string", "enum": ["ok", "low", "suppressed"]},
            "significance": {"type": "string", "enum": ["above", "below", "increase", "decrease", "not_significant", "not_tested"]},
            "p_value": {"type": ["number", "null"]}, "synthetic": {"type": "boolean"},
            "wave_from": {"type": "integer"}, "wave_to": {"type": "integer"},
            "estimate_from": {"type": ["number", "null"]}, "estimate_to": {"type": ["number", "null"]},
            "difference": {"type": ["number", "null"]}, "n_from": {"type": "integer"}, "n_to": {"type": "integer"},
            "reliability_from": {"type": "string", "enum": ["ok", "low", "suppressed"]},
            "reliability_to": {"type": "string", "enum": ["ok", "low", "suppressed"]},
            "method": {"type": "string", "enum": ["sae"]}, "gamma": {"type": ["number", "null"]},
            "sae_status": {"type": "string", "enum": ["model", "model_adjusted", "synthetic", "no_data", "no_covariates"]},
            "link": {"type": ["string", "null"], "enum": ["identity", "logit", None]},
            "design": {"type": ["string", "null"], "enum": ["linear", "spline", None]},
            "benchmark_group": {"type": ["string", "null"]}, "benchmark_shift": {"type": ["number", "null"]},
        },
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Observatoire des fragilités et des partenariats — API",
            "version": "1",
            "description": "Survey estimates with 95 % CI, n, reliability and significance. The demonstration data are synthetic, not PHARE results.",
            "license": {"name": "GPL-3.0", "identifier": "GPL-3.0-only"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/fragility": _table_path("fragility", "domain", cap, seconds),
            "/api/v1/partnerships": _table_path("partnerships", "kind", cap, seconds),
            "/api/v1/mayors": _table_path("mayors", "measure", cap, seconds),
            "/api/v1/innovation": _table_path("innovation", "measure", cap, seconds),
            "/api/v1/territories": _territories_path(cap),
            "/api/v1/domains": _json_path("The 16 fragility domains"),
            "/api/v1/waves": _json_path("Loaded waves by survey"),
            "/api/v1/meta": _json_path("Data version, synthetic or not, sources"),
            **analyst_paths(settings, LEVELS, SIZE_CLASSES),
            **zoning_paths(),
            "/api/v1/openapi.json": _json_path("This document (OpenAPI 3.1)"),
        },
        "components": {
            "schemas": {
                "Table": {
                    "type": "object",
                    "properties": {
                        "rows": {"type": "array", "items": row},
                        "count": {"type": "integer", "description": "Rows in this page."},
                        "total": {"type": "integer", "description": "Rows in the whole table."},
                        "truncated": {"type": "boolean", "description": "Whether rows follow this page."},
                        "next": {"type": ["string", "null"], "description": "The next page's URL; null on the last."},
                    },
                    "required": ["rows", "count", "total", "truncated", "next"],
                },
                "TerritoryList": {
                    "type": "object",
                    "properties": {
                        "rows": {"type": "array", "items": {"type": "object", "required": ["level", "code", "name"]}},
                        "count": {"type": "integer", "description": "Rows in this page."},
                        "total": {"type": "integer", "description": "Territories listed or matched in all."},
                        "truncated": {"type": "boolean", "description": "Whether rows follow this page."},
                        "next": {"type": ["string", "null"], "description": "The next page's URL; null on the last."},
                    },
                    "required": ["rows", "count", "total", "truncated", "next"],
                },
                **ANALYST_SCHEMAS,
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "parameter": {"type": "string"},
                        "value": {"type": "string"},
                        "allowed": {},
                    },
                    "required": ["error", "parameter"],
                },
            }
        },
    }
