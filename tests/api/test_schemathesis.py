"""Property-based tests of the API against its own OpenAPI description (schemathesis).

Schemathesis generates valid and invalid requests for every operation of ``/api/v1/openapi.json``
and sends them over HTTP to a live server: the server must never fail (no 500), answer only with
documented status codes, content types and headers, return JSON matching its schemas, and reject
data the spec says is invalid.

``POST /api/v1/zones`` is fuzzed like the rest, on a server of this module whose zones are kept in a
temporary folder (OBSERVATORY_ZONES_DIR), never in the shared default: at most ``max_examples``
zones are stored, and removed with the folder. The document's examples (the zone of
:data:`~observatory.web.openapi_analysts.EXAMPLE_CODES`) are stored first, so that the zones' GET
operations are exercised on a zone that exists as well as on unknown ids. A rank request is given
one measure when it names none (:func:`one_measure`): the whole level's sets of every measure take
seconds each, and fuzzing sends hundreds of requests.
"""

from __future__ import annotations

import threading

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import allow_header_conformance, positive_data_acceptance, unsupported_method
from werkzeug.serving import make_server

from observatory.exports.export import MEASURE_PARAM
from observatory.stats.measures import MEASURES
from observatory.web.openapi import spec
from observatory.web.openapi_analysts import EXAMPLE_CODES

schema = schemathesis.openapi.from_dict(spec())


@pytest.fixture(scope="module")
def api_server(demo_db, tmp_path_factory):
    """The whole app over HTTP, its zones in a temporary folder with the document's example zone stored."""
    from tests.conftest import _free_port

    zones = tmp_path_factory.mktemp("zones")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATORY_DB", str(demo_db))
        mp.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
        mp.setenv("OBSERVATORY_ZONES_DIR", str(zones))
        from observatory import create_app
        from observatory.data.zones import ZoneStore

        ZoneStore(zones).save(EXAMPLE_CODES, "Saint-Étienne et voisines")
        app = create_app()
        server = make_server("127.0.0.1", _free_port(), app.server, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", zones
        server.shutdown()


POST_ONLY = ("/api/v1/zones", "/api/v1/zonings/{kind}/{code}/zone")  # paths the document gives a POST only


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_spec(case, api_server):
    # Every parameter is checked alone by the spec, but some combinations are refused with a 400
    # that OpenAPI cannot describe (a size class belongs to one survey; a wave must be loaded for
    # the survey; codes must name communes): "schema-valid request rejected" is therefore not a
    # failure here. Every other check (no 5xx, documented statuses, content types and headers, JSON
    # schemas, negative data rejected) applies.
    excluded = [positive_data_acceptance]
    if "/ranks/" in case.path:
        one_measure(case)
    if case.path in POST_ONLY:
        # The API's GET rules /api/v1/<indicator> and /api/v1/<path:rest> match this path too: a GET
        # there is the API's JSON 404 listing the endpoints (not a 405), and OPTIONS answers "Allow:
        # GET, HEAD, OPTIONS, POST". The document rightly has no GET; the server would need a GET
        # rule answering 405 for the first, and no catch-all for the second.
        excluded += [allow_header_conformance, unsupported_method]
    case.call_and_validate(base_url=api_server[0], excluded_checks=excluded, timeout=60)


def one_measure(case) -> None:
    """A rank request asks for one measure at least (the first of the indicator's when it asks none).

    A whole indicator's ranks at the EPCI level with the model (16 domains and the espaces, two
    statistics, 1,253 EPCIs) take 4 to 12 s on 2 busy cores; one measure, under a second. The ranks'
    parameters are fuzzed as the others are, with a bounded amount of work per request.
    """
    indicator = case.path.rsplit("/", 1)[1]
    name = MEASURE_PARAM[indicator]
    query = dict(case.query or {})
    if name not in query:
        query[name] = [MEASURES[indicator][0]]
        case.query = query


def test_fuzzing_stores_zones_in_its_own_folder_only(api_server):
    # Runs after the fuzzing (file order): the posts stored some zones, at most the examples tried.
    stored = list(api_server[1].glob("*.json"))
    assert 1 <= len(stored) <= 200


def test_the_example_zone_answers(api_server):
    base, _zones = api_server
    item = spec()["paths"]["/api/v1/zones/{zone}/fragility"]["get"]
    zone = next(p for p in item["parameters"] if p["name"] == "zone")["example"]
    r = requests.get(f"{base}/api/v1/zones/{zone}/fragility?survey=citoyens", timeout=60)
    assert r.status_code == 200 and r.json()["rows"] and r.json()["rows"][0]["territory_code"] == zone


def test_served_spec_is_the_one_tested(api_server):
    assert requests.get(api_server[0] + "/api/v1/openapi.json", timeout=10).json() == spec()


def test_a_bad_name_is_refused_for_a_known_zone_too(api_server):
    url = api_server[0] + "/api/v1/zones"
    requests.post(url, json={"codes": list(EXAMPLE_CODES)}, timeout=30)
    assert requests.post(url, json={"codes": list(EXAMPLE_CODES), "name": {}}, timeout=30).status_code == 400
