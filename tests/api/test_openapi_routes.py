"""The OpenAPI document and the server's routes name the same API.

Every route the Flask app registers under ``/api/v1`` (each of its methods, HEAD and OPTIONS aside)
is an operation of ``/api/v1/openapi.json``, and every operation of the document is a route that
answers (its example request gets neither a 404 nor a 405), so that the description can neither
miss an endpoint nor promise one. The only route left out is the API's catch-all, which answers a
JSON 404 listing the endpoints. Schemathesis checks the answers themselves
(``tests/api/test_schemathesis.py``).
"""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from observatory.web.openapi import spec
from observatory.web.openapi_analysts import EXAMPLE_CODES

CATCH_ALL = "api.anything_else"  # /api/v1/<path:rest>: the JSON 404 that lists the endpoints
IGNORED_METHODS = {"HEAD", "OPTIONS"}
METHODS = ("get", "post", "put", "patch", "delete")
# Routes whose description waits on a change elsewhere (remove each once documented; a test fails then).
# api_zonings.openapi_paths() can be merged into spec() once observatory/web/api_params.py stops
# importing API_LEVELS from observatory.web.openapi (otherwise: openapi → api_zonings → api_params →
# openapi, a circle, refused by tests/test_module_boundaries.py and by Python at import).
PENDING: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    """The whole app, zones in a temporary folder with the document's example zone stored."""
    zones = tmp_path_factory.mktemp("zones")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATORY_DB", str(demo_db))
        mp.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
        mp.setenv("OBSERVATORY_ZONES_DIR", str(zones))
        from observatory import create_app
        from observatory.data.zones import ZoneStore

        ZoneStore(zones).save(EXAMPLE_CODES)
        yield create_app().server


def operations(doc: dict) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation of the document."""
    return [(m, path, item[m]) for path, item in doc["paths"].items() for m in METHODS if m in item]


def example_path(path: str, op: dict) -> str:
    """The path with each ``{parameter}`` replaced by its example (or its first allowed value)."""
    values = {}
    for p in op.get("parameters", []):
        if p["in"] == "path":
            schema = p["schema"]
            values[p["name"]] = str(p.get("example") or (schema.get("enum") or ["x"])[0])
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def registered(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route under /api/v1 but the catch-all."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1"
        if rule.endpoint != CATCH_ALL
        for method in rule.methods - IGNORED_METHODS
    }


def documented(app) -> set[tuple[str, str]]:
    """(endpoint, method) that the document's operations reach, their path parameters filled in."""
    adapter = app.url_map.bind("localhost")
    found = set()
    for method, path, op in operations(spec()):
        endpoint, _args = adapter.match(example_path(path, op), method=method.upper())
        found.add((endpoint, method.upper()))
    return found


def test_every_route_under_api_v1_is_in_the_document(app):
    routes = registered(app)
    assert len(routes) >= 10 and ("api_zones.create_zone", "POST") in routes
    missing = routes - documented(app)
    assert {(e, m) for e, m in missing if not e.startswith(PENDING)} == set()


def test_pending_routes_are_still_missing(app):
    found = {e for e, _m in documented(app)}
    assert not [p for p in PENDING if any(e.startswith(p) for e in found)], "documented now: remove from PENDING"


def test_every_operation_of_the_document_is_a_route_that_answers(app):
    client = app.test_client()
    for method, path, op in operations(spec()):
        url = example_path(path, op)
        if method == "post" and "requestBody" in op:
            example = op["requestBody"]["content"]["application/json"]["example"]
            r = client.post(url, json=example)
        elif method == "post":  # a body-less POST (a zoning's zone: the path says which)
            r = client.post(url)
        else:
            r = client.open(url, method=method.upper())
        assert r.status_code not in (404, 405), (method, url, r.status_code)
        assert str(r.status_code) in op["responses"], (method, url, r.status_code)
    assert (CATCH_ALL, "GET") not in documented(app)


def test_the_catch_all_would_not_hide_a_missing_route(app):
    # The check above must be able to fail: a path the server does not know reaches the catch-all only.
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/api/v1/zones/c7ffa4228efb/fragility/more", method="GET")[0] == CATCH_ALL
    assert app.test_client().get("/api/v1/zones/c7ffa4228efb/fragility/more").status_code == 404


def test_the_document_is_valid_openapi_and_every_reference_resolves():
    doc = spec()
    validate(doc)
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(doc).replace("'", '"')))
    assert refs and refs <= set(doc["components"]["schemas"])


@pytest.mark.parametrize(
    "method,path,statuses",
    [
        ("get", "/api/v1/findings/{territory}", {"200", "404"}),
        ("get", "/api/v1/ranks/fragility", {"200", "400"}),
        ("post", "/api/v1/zones", {"200", "201", "400"}),
        ("get", "/api/v1/zones/{zone}", {"200", "400", "404"}),
        ("get", "/api/v1/zones/{zone}/mayors", {"200", "304", "400", "404"}),
    ],
)
def test_the_analysts_operations_say_their_answers(method, path, statuses):
    op = spec()["paths"][path][method]
    assert statuses <= set(op["responses"])
    ok = op["responses"]["201" if method == "post" else "200"]
    assert "application/json" in ok["content"]
    if method == "post":
        assert {"application/json", "text/csv", "multipart/form-data"} <= set(op["requestBody"]["content"])
        assert ok["headers"]["Location"]["required"]
