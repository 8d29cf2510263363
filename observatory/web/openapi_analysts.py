"""The OpenAPI description of the analysts' endpoints: a portrait's findings, a level's ranks, zones.

Part of the document :func:`observatory.web.openapi.spec` assembles, from the same allow-lists as
the server (:mod:`observatory.web.api_findings`, :mod:`observatory.web.api_ranks`,
:mod:`observatory.web.api_zones`). The helpers every path uses (a query parameter, the ``Link``
header, an error answer) live here and :mod:`observatory.web.openapi` imports them.

Each schema is as loose as the server where the server is lenient (a zone's name: any text, the
server trims it; a multipart form: other fields ignored), so that a request the document calls
invalid is one the server refuses (schemathesis checks it).
"""

from __future__ import annotations

from observatory.core.config import Settings
from observatory.data.zones import MAX_CODES, MAX_NAME, zone_id
from observatory.exports.export import DIALECTS, INDICATOR_SURVEYS, MEASURE_PARAM, MEDIA_TYPES, METHODS
from observatory.exports.zones import ZONE_FORMATS
from observatory.stats.measures import MEASURES, STATISTICS
from observatory.views.portrait_findings import VERSUS

ERROR = {"$ref": "#/components/schemas/Error"}
NOT_FOUND = {"$ref": "#/components/schemas/NotFound"}
YEAR = {"type": "integer", "minimum": 1990, "maximum": 2100}
NUMBER = {"type": ["number", "null"]}
TEXT = {"type": ["string", "null"]}
RELIABILITY = {"type": "string", "enum": ["ok", "low", "suppressed"]}
SIGNIFICANCE = {"type": "string", "enum": ["above", "below", "increase", "decrease", "not_significant", "not_tested"]}
EXAMPLE_CODES = ("42095", "42207", "42218")  # Saint-Étienne, Saint-Chamond, Firminy: a zone the examples use
EXAMPLE_CSV = "code_insee\n42218\n42207\n42095\n"
LINK_HEADER = {
    "description": 'The next page, when there is one: <URL>; rel="next" (an absolute URL, on '
    "OBSERVATORY_PUBLIC_URL when the server sets it).",
    "schema": {"type": "string"},
}


def param(name: str, schema: dict, description: str, multi: bool = False) -> dict:
    """A query parameter (``multi``: repeatable, ``name=a&name=b``)."""
    p = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if multi:
        p["schema"] = {"type": "array", "items": schema}
        p["style"] = "form"
        p["explode"] = True
    return p


def path_param(name: str, schema: dict, description: str, example: str) -> dict:
    """A parameter of the path, with an example that names something that exists."""
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema,
            "example": example}  # fmt: skip


def error(description: str) -> dict:
    """An error answer: JSON naming the parameter (:func:`observatory.web.api_http.error_response`)."""
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def not_found(description: str) -> dict:
    """A 404: JSON with an ``error`` (a zone's names the parameter; an unknown path lists the endpoints)."""
    return {"description": description, "content": {"application/json": {"schema": NOT_FOUND}}}


def files(formats: tuple[str, ...], json_schema: str) -> dict:
    """The content of an answer in several formats: JSON by its schema, the others as binary files."""
    return {
        MEDIA_TYPES[f].split(";")[0]: {
            "schema": {"$ref": f"#/components/schemas/{json_schema}"}
            if f == "json"
            else {"type": "string", "format": "binary"}
        }
        for f in formats
    }


# --- /findings/{territory} -------------------------------------------------------------------------


def findings_path() -> dict:
    territory = path_param(
        "territory",
        {"type": "string", "minLength": 1},
        "A territory's key, as in a profile's URL: a région 'reg-84', a département '42', an EPCI's SIREN, a "
        "commune's INSEE code (an arrondissement or a commune déléguée: its commune).",
        "42",
    )
    return {
        "get": {
            "summary": "Every test of a portrait's family, stated or not (Benjamini–Hochberg at 5 %)",
            "description": "The family's size, the procedure and, for each test: versus (france, parent, "
            "previous_wave), direction, indicator, survey, wave, measure, statistic, source (direct or model), the "
            "estimate and the reference with their intervals, the difference with its interval, n, reliability, "
            "the raw and adjusted p-values and whether the portrait states it.",
            "parameters": [territory],
            "responses": {
                "200": {
                    "description": "The family of tests.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Findings"}}},
                },
                "404": not_found("An unknown territory."),
            },
        }
    }


# --- /ranks/<indicator> ----------------------------------------------------------------------------


def ranks_path(indicator: str, levels: list[str], size_classes: list[str]) -> dict:
    params = [
        param("survey", {"type": "string", "enum": list(INDICATOR_SURVEYS[indicator])}, "Survey (default: the "
              "indicator's first)."),
        param("wave", YEAR, "Survey wave (year); default: the latest. Ranks are of one wave."),
        param("level", {"type": "string", "enum": levels, "default": "departement"}, "The level ranked, whole."),
        param(MEASURE_PARAM[indicator], {"type": "string", "enum": list(MEASURES[indicator])},
              "Measures to rank (repeatable).", multi=True),
        param("statistic", {"type": "string", "enum": list(STATISTICS[indicator])}, "Keep one statistic."),
        param("size_class", {"type": "string", "enum": size_classes}, "Restrict to a size class of the survey."),
        param("min_n", {"type": "integer", "minimum": 1, "maximum": 100000}, "Suppression threshold: peers are "
              "the reliable cells."),
        param("method", {"type": "string", "enum": list(METHODS), "default": "direct"}, "sae: every modelled "
              "EPCI ranked by the small-area model (its root MSE as standard error), level=epci only."),
        param("format", {"type": "string", "enum": ["json", "csv", "parquet", "xlsx"]}, "Response format (also "
              "by Accept header); zip: HTTP 400."),
        param("dialect", {"type": "string", "enum": list(DIALECTS)}, "CSV dialect."),
    ]  # fmt: skip
    return {
        "get": {
            "summary": f"Ranks of a level's territories on the {indicator} indicator, with 95 % confidence sets",
            "description": "For every ranked territory: rank (1 = the highest estimate), rank_low/rank_high (the "
            "marginal set of Mogstad, Romano, Shaikh & Wilhelm 2024: for one territory's sentence), "
            "simultaneous_low/simultaneous_high (every rank of the table at once), peers (the territories ranked) "
            "and peers_total. No territory filter, no wave_to (HTTP 400).",
            "parameters": params,
            "responses": {
                "200": {"description": "The ranks.", "content": files(("json", "csv", "parquet", "xlsx"), "RankTable")},
                "400": error("Invalid parameter, or over the time limit."),
            },
        }
    }


# --- /zones ----------------------------------------------------------------------------------------

ZONE_PATH = "/api/v1/zones"


def zone_paths(settings: Settings) -> dict:
    """The zones' four kinds of path: store, definition, and one table per indicator."""
    example = zone_id(EXAMPLE_CODES)
    zone = path_param("zone", {"type": "string", "pattern": "^[0-9a-f]{12}$"}, "A zone's id (12 hex digits), as "
                      "POST answers it.", example)  # fmt: skip
    paths = {ZONE_PATH: {"post": _create_zone()}, f"{ZONE_PATH}/{{zone}}": {"get": _zone_definition(zone)}}
    for indicator in MEASURES:
        paths[f"{ZONE_PATH}/{{zone}}/{indicator}"] = {"get": _zone_table(zone, indicator, settings)}
    return paths


def _create_zone() -> dict:
    json_body = {"$ref": "#/components/schemas/ZoneRequest"}
    created = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ZoneCreated"}}},
        "headers": {"Location": {"description": "The zone's API URL.", "schema": {"type": "string"},
                                 "required": True}},
    }  # fmt: skip
    return {
        "summary": "Store a zone of communes (any set): answers its id, its page and its API URL",
        "description": "INSEE commune codes; postal codes (every commune they serve), arrondissements and communes "
        "déléguées (their commune) and codes that lost a leading zero are read as communes, said in notes. The id "
        "is a hash of the sorted codes: the same communes make the same zone (200), whatever the name. Unknown "
        "codes: HTTP 400 naming them. A stored zone counts as published for the differencing guard of the zones "
        "stored after it.",
        "parameters": [
            param("name", {"type": "string"}, f"With a CSV body: the zone's name (at most {MAX_NAME} characters).")
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": json_body,
                    "example": {"codes": list(EXAMPLE_CODES), "name": "Saint-Étienne et voisines"},
                },
                "text/csv": {"schema": {"type": "string"}, "example": EXAMPLE_CSV},
                "text/plain": {"schema": {"type": "string"}, "example": EXAMPLE_CSV},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}, "name": {"type": "string"}},
                        "required": ["file"],
                    }
                },
            },
            "description": "A JSON object, or a CSV of one column of codes (comma, semicolon or tab; a header line "
            "allowed): the body itself (text/csv, text/plain) or an upload (multipart/form-data, field 'file').",
        },
        "responses": {
            "201": {"description": "Stored.", **created},
            "200": {"description": "The same communes were stored before: that zone.", **created},
            "400": error("Unknown codes (named), no codes, too many, a name too long, or an unknown field."),
        },
    }


def _zone_definition(zone: dict) -> dict:
    return {
        "summary": "A zone's definition: its communes, name and when it was stored",
        "parameters": [
            zone,
            param(
                "format",
                {"type": "string", "enum": ["json", "csv"]},
                "csv: the communes, commune_code and commune_name, one a line.",
            ),
        ],
        "responses": {
            "200": {
                "description": "The definition.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ZoneDefinition"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "400": error("Invalid parameter."),
            "404": not_found("An unknown zone (or indicator)."),
        },
    }


def _zone_table(zone: dict, indicator: str, settings: Settings) -> dict:
    cap, min_n = settings.api_max_rows, settings.min_n
    params = [
        zone,
        param("survey", {"type": "string", "enum": list(INDICATOR_SURVEYS[indicator])}, "Survey."),
        param("wave", YEAR, "Survey wave (year); default: the latest."),
        param(MEASURE_PARAM[indicator], {"type": "string", "enum": list(MEASURES[indicator])},
              "Measures to keep (repeatable).", multi=True),
        param("statistic", {"type": "string", "enum": list(STATISTICS[indicator])}, "Keep one statistic."),
        param("min_n", {"type": "integer", "minimum": min_n, "maximum": 100000},
              f"Suppression threshold: may be raised, never below the server's ({min_n})."),
        param("format", {"type": "string", "enum": list(ZONE_FORMATS)}, "Response format (also by Accept header)."),
        param("dialect", {"type": "string", "enum": list(DIALECTS)}, "CSV dialect."),
        param("page_size", {"type": "integer", "minimum": 1, "maximum": cap, "default": cap},
              "Rows per page (JSON is always paged; a file format only with page or page_size)."),
        param("page", {"type": "integer", "minimum": 1, "maximum": 10_000_000, "default": 1},
              "Page number, from 1; past the last page: HTTP 400."),
    ]  # fmt: skip
    return {
        "summary": f"A zone's {indicator} cells, re-estimated from its communes' respondents",
        "description": "The columns of the other tables (level 'zone', the zone's id and name), each cell's "
        "estimate with its Taylor variance, 95 % CI, n, effective n, reliability and test against the rest of "
        "France, plus refused_reason, refused_fr and refused_en: a cell whose respondents differ from a published "
        "territory's, or from a zone stored before, by fewer than the server's min_n is refused and has no value. "
        "The same file as `python -m observatory export INDICATOR --zone codes.csv`.",
        "parameters": params,
        "responses": {
            "200": {
                "description": "The zone's table, or a page of it.",
                "headers": {"Link": LINK_HEADER},
                "content": files(ZONE_FORMATS, "ZoneTable"),
            },
            "304": {"description": "Not modified (ETag)."},
            "400": error("Invalid parameter, or a page past the last."),
            "404": not_found("An unknown zone (or indicator)."),
        },
    }


def analyst_paths(settings: Settings, levels: list[str], size_classes: list[str]) -> dict:
    """Every path of this module, in the document's order."""
    paths = {"/api/v1/findings/{territory}": findings_path()}
    paths |= {f"/api/v1/ranks/{i}": ranks_path(i, levels, size_classes) for i in MEASURES}
    return paths | zone_paths(settings)


# --- schemas ---------------------------------------------------------------------------------------


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


_FINDING = _object(
    {
        "versus": {"type": "string", "enum": list(VERSUS)}, "direction": {"type": "string"},
        "indicator": {"type": "string"}, "survey": {"type": "string"}, "wave": {"type": "integer"},
        "wave_from": {"type": ["integer", "null"]}, "measure": {"type": "string"}, "statistic": {"type": "string"},
        "estimate": NUMBER, "ci_low": NUMBER, "ci_high": NUMBER, "reference": NUMBER, "reference_ci_low": NUMBER,
        "reference_ci_high": NUMBER, "difference": NUMBER, "difference_ci_low": NUMBER, "difference_ci_high": NUMBER,
        "n": {"type": ["integer", "null"]}, "reliability": {"type": "string"}, "p_value": NUMBER,
        "p_adjusted": NUMBER, "source": {"type": "string", "enum": ["direct", "model"]}, "stated": {"type": "boolean"},
        "contradicts_parent": {"type": "boolean"}, "parent_unreliable": {"type": "boolean"},
    }
)  # fmt: skip
_RANK = _object(
    {
        "territory_code": {"type": "string"}, "territory_name": TEXT, "survey": {"type": "string"},
        "wave": {"type": "integer"}, "indicator": {"type": "string"}, "measure": {"type": "string"},
        "statistic": {"type": "string"}, "method": {"type": "string", "enum": list(METHODS)}, "estimate": NUMBER,
        "se": NUMBER, "rank": {"type": "integer"}, "rank_low": {"type": "integer"}, "rank_high": {"type": "integer"},
        "simultaneous_low": {"type": "integer"}, "simultaneous_high": {"type": "integer"},
        "peers": {"type": "integer"}, "peers_total": {"type": "integer"},
    }
)  # fmt: skip
_ZONE_ROW = _object(
    {
        "indicator": {"type": "string"}, "wave": {"type": "integer"}, "survey": {"type": "string"},
        "level": {"type": "string", "enum": ["zone"]}, "size_class": {"type": "null"}, "min_n": {"type": "integer"},
        "territory_code": {"type": "string"}, "territory_name": {"type": "string"}, "measure": {"type": "string"},
        "statistic": {"type": "string"}, "estimate": NUMBER, "se": NUMBER, "ci_low": NUMBER, "ci_high": NUMBER,
        "n": {"type": ["integer", "null"]}, "n_eff": NUMBER, "reliability": RELIABILITY,
        "significance": SIGNIFICANCE, "p_value": NUMBER, "refused_reason": TEXT, "refused_fr": TEXT,
        "refused_en": TEXT, "synthetic": {"type": "boolean"},
    }
)  # fmt: skip
_NOTE = _object({"input": {"type": "string"}, "read_as": {"type": "string"},
                 "communes": {"type": "array", "items": {"type": "string"}}})  # fmt: skip
_ZONE = {
    "id": {"type": "string", "pattern": "^[0-9a-f]{12}$"}, "name": TEXT, "created": {"type": "string"},
    "communes": {"type": "integer", "minimum": 1}, "api": {"type": "string"}, "url": {"type": "string"},
}  # fmt: skip
PAGE = {
    "count": {"type": "integer", "description": "Rows in this page."},
    "total": {"type": "integer", "description": "Rows in the whole table."},
    "truncated": {"type": "boolean", "description": "Whether rows follow this page."},
    "next": {"type": ["string", "null"], "description": "The next page's URL; null on the last."},
}

ANALYST_SCHEMAS = {
    "Findings": _object(
        {
            "territory": _object(
                {
                    "key": {"type": "string"},
                    "level": {"type": "string"},
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                }
            ),
            "data_version": {"type": "string"},
            "family_size": {"type": "integer"},
            "stated": {"type": "integer"},
            "procedure": {"type": "string"},
            "false_discovery_rate": {"type": "number"},
            "synthetic": {"type": "boolean"},
            "tests": {"type": "array", "items": _FINDING},
        }
    ),
    "NotFound": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
    "RankTable": _object(
        {
            "indicator": {"type": "string"},
            "method": {"type": "string"},
            "level": {"type": "string"},
            "total": {"type": "integer"},
            "data_version": {"type": "string"},
            "synthetic": {"type": "boolean"},
            "confidence": {"type": "number"},
            "sets": {"type": "string"},
            "rows": {"type": "array", "items": _RANK},
        }
    ),
    "ZoneRequest": {
        "type": "object",
        "properties": {
            "codes": {
                "type": "array",
                "items": {"type": ["string", "integer"]},
                "minItems": 1,
                "maxItems": MAX_CODES,
                "description": "INSEE commune codes, postal codes (their communes), arrondissements and "
                "communes déléguées (their commune).",
            },
            "name": {
                "type": ["string", "null"],
                "description": f"The zone's name (at most {MAX_NAME} characters); a known zone keeps its first name.",
            },
        },
        "required": ["codes"],
        "additionalProperties": False,
    },
    "ZoneCreated": _object({**_ZONE, "notes": {"type": "array", "items": _NOTE}}),
    "ZoneDefinition": _object({**_ZONE, "codes": {"type": "array", "items": {"type": "string"}}}),
    "ZoneTable": _object({"rows": {"type": "array", "items": _ZONE_ROW}, **PAGE}),
}
