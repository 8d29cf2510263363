"""Crafted requests get a 400, or the app's defaults, never a 500 or a trace (issue 23).

The cases of the reliability audit (reference/reliability_2026-12.md, D7) sent to the demo app:
tiles with Unicode digits, callback bodies of the wrong JSON shape, the search callback given a
non-string, forged profile and comparison state. Also the leftovers D8 (a malformed initiative
date shows as written) and D13 (a tile the cache cannot keep is served from memory).
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import shutil

import pytest
import requests
from flask import Flask

from observatory.ui.callbacks import UNREADABLE_QUERY
from observatory.ui.pages.profile import source_date
from observatory.web import geo_routes

CALLBACK = "/_dash-update-component"
ROUTE_OUTPUT = "..header.children...synthetic-banner.children...notices.children...page.children...footer.children.."
CLERMONT = {"level": "commune", "code": "63113", "lang": "fr"}
# The fragility page's controls, as the map callback receives them (benchmarks/locustfile.py).
CONTROLS = {"survey": "citoyens", "wave": "2019", "level": "departement", "domain": "emploi",
            "stat": "mean_score", "compare": "none", "classes": "quantiles"}  # fmt: skip


def dependency(cid: str, prop: str, value: object) -> dict:
    return {"id": cid, "property": prop, "value": value}


def body(output: str, inputs: list[dict], state: list[dict] | None = None, changed: str | None = None) -> dict:
    """A callback request as the renderer sends it (one output, or several as ``..a.b...c.d..``)."""
    parts = [p.rsplit(".", 1) for p in output.strip(".").split("...")]
    outputs = [{"id": cid, "property": prop} for cid, prop in parts]
    first = inputs[0]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [changed or f"{first['id']}.{first['property']}"],
    }


def search(value: object) -> dict:
    return body(
        "place-search-results.children", [dependency("place-search", "value", value)], [dependency("url", "search", "")]
    )


def route(pathname: object, query: object) -> dict:
    return body(ROUTE_OUTPUT, [dependency("url", "pathname", pathname), dependency("url", "search", query)])


def trends(key: object, viewport: object = None) -> dict:
    return body(
        "profile-trends.children", [dependency("profile-key", "data", key)], [dependency("viewport", "data", viewport)]
    )


def profile_download(key: object, button: str = "profile-csv") -> dict:
    clicks = [
        dependency(b, "n_clicks", 1 if b == button else None) for b in ("profile-csv", "profile-xlsx", "profile-zip")
    ]
    return body("profile-download.data", clicks, [dependency("profile-key", "data", key)], f"{button}.n_clicks")


def compare_add(text: object, query: object) -> dict:
    return body(
        "compare-add-results.children", [dependency("compare-add", "value", text)], [dependency("url", "search", query)]
    )


def compare_download(query: object, button: str = "compare-csv") -> dict:
    clicks = [
        dependency(b, "n_clicks", 1 if b == button else None) for b in ("compare-csv", "compare-xlsx", "compare-zip")
    ]
    return body("compare-download.data", clicks, [dependency("url", "search", query)], f"{button}.n_clicks")


def post(base: str, payload: dict) -> requests.Response:
    r = requests.post(base + CALLBACK, json=payload, timeout=120)
    assert r.status_code < 500, (r.status_code, r.text[:200])
    assert "Traceback" not in r.text
    return r


def response(r: requests.Response) -> dict:
    """The outputs a callback answered ({} when it updated nothing)."""
    return {} if r.status_code == 204 else r.json()["response"]


# 1. Tiles


@pytest.mark.parametrize("tile", ["²/0/0", "0/¹/0", "0/0/²", "٢/0/0", "０/0/0"])
def test_tile_with_unicode_digits_is_a_bad_request(live_server, tile):
    r = requests.get(f"{live_server}/tiles/departement/{tile}.pbf", timeout=60)
    assert r.status_code == 400
    assert "Traceback" not in r.text


def test_tile_with_ascii_digits_is_served(live_server):
    r = requests.get(f"{live_server}/tiles/departement/0/0/0.pbf", timeout=120)
    assert r.status_code == 200 and r.content


# 2. Callback bodies of the wrong shape

DEEP = "[" * 100_000 + "]" * 100_000
WRONG_SHAPES = {
    "null": "null",
    "array": "[]",
    "number": "5",
    "string": '"x"',
    "empty object": "{}",
    "output a number": json.dumps({**search("x"), "output": 5}),
    "outputs a string": json.dumps({**search("x"), "outputs": "x"}),
    "outputs numbers": json.dumps({**search("x"), "outputs": [1, 2]}),
    "inputs a number": json.dumps({**search("x"), "inputs": 5}),
    "inputs numbers": json.dumps({**search("x"), "inputs": [1, 2]}),
    "inputs strings": json.dumps({**search("x"), "inputs": ["a"]}),
    "input without property": json.dumps({**search("x"), "inputs": [{"id": "place-search"}]}),
    "input id a number": json.dumps({**search("x"), "inputs": [{"id": 5, "property": "value"}]}),
    "state a number": json.dumps({**search("x"), "state": 5}),
    "state an object": json.dumps({**search("x"), "state": {"id": "url"}}),
    "changedPropIds a number": json.dumps({**search("x"), "changedPropIds": 5}),
    "changedPropIds lists": json.dumps({**search("x"), "changedPropIds": [["x"]]}),
    "100,000-deep JSON": DEEP,
    "deep JSON in a value": json.dumps(search("x")).replace('"value": "x"', '"value": ' + DEEP),
}


@pytest.mark.parametrize("name", list(WRONG_SHAPES))
def test_callback_body_of_the_wrong_shape_is_a_bad_request(live_server, name):
    r = requests.post(
        live_server + CALLBACK, data=WRONG_SHAPES[name], headers={"Content-Type": "application/json"}, timeout=60
    )
    assert r.status_code == 400, (r.status_code, r.text[:200])
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    "data", [b"{", b"", b'{"output": "\xff\xfe"}'], ids=["malformed JSON", "empty", "invalid UTF-8"]
)
def test_unreadable_callback_body_is_a_bad_request(live_server, data):
    r = requests.post(live_server + CALLBACK, data=data, headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 400 and "Traceback" not in r.text


def test_real_callback_bodies_pass_the_check(live_server):
    """The check refuses no body the renderer sends: a search, and the map's pattern-matching controls."""
    hits = response(post(live_server, search("Lyon")))["place-search-results"]["children"]
    assert any("Lyon" in json.dumps(h) for h in hits)
    deps = requests.get(live_server + "/_dash-dependencies", timeout=60).json()
    output = next(d["output"] for d in deps if "map-data.data" in d["output"])
    outputs = []
    for part in output.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):  # one entry per control on the page
            outputs.append([{"id": {"name": k, "type": "control"}, "property": prop} for k in CONTROLS])
        else:
            outputs.append({"id": cid, "property": prop})
    payload = {
        "output": output,
        "outputs": outputs,
        "inputs": [
            [{"id": {"name": k, "type": "control"}, "property": "value", "value": v} for k, v in CONTROLS.items()],
            dependency("control-freeze", "n_clicks", None),
            dependency("control-initiatives", "n_clicks", None),
            dependency("map-click", "data", None),
        ],
        "state": [
            dependency("url", "pathname", "/fragilites"),
            dependency("url", "search", ""),
            dependency("breaks-store", "data", None),
            dependency("viewport", "data", {"width": "x"}),  # a forged width: the default layout
        ],
        "changedPropIds": ['{"name":"domain","type":"control"}.value'],
    }
    r = post(live_server, payload)
    assert r.status_code == 200 and "map-data" in response(r)


# 3. Values of the wrong type in well-formed bodies: treated as missing


@pytest.mark.parametrize("value", [5, ["Lyon"], {"q": "Lyon"}, True], ids=["number", "list", "object", "boolean"])
def test_search_with_a_non_string_value_finds_nothing(live_server, value):
    r = post(live_server, search(value))
    assert r.status_code == 200
    assert response(r)["place-search-results"]["children"] == []


@pytest.mark.parametrize("pathname", [5, {"a": 1}, ["/comparer"]], ids=["number", "object", "list"])
def test_route_with_a_non_string_path_shows_the_default_page(live_server, pathname):
    r = post(live_server, route(pathname, ""))
    assert r.status_code == 200 and "page" in response(r)


@pytest.mark.parametrize("query", [5, {"territories": "63113"}], ids=["number", "object"])
def test_comparison_with_a_non_string_query_shows_its_defaults_and_a_notice(live_server, query):
    r = post(live_server, route("/comparer", query))
    assert r.status_code == 200
    assert UNREADABLE_QUERY in json.dumps(response(r)["notices"], ensure_ascii=False)
    assert "Comparer des territoires" in json.dumps(response(r)["page"], ensure_ascii=False)


FORGED_KEYS = {
    "unknown commune": {"level": "commune", "code": "99999", "lang": "fr"},
    "unknown level": {"level": "planet", "code": "01", "lang": "fr"},
    "level of another territory": {"level": "epci", "code": "63113", "lang": "fr"},
    "SQL": {"level": "commune", "code": "' OR 1=1--", "lang": "fr"},
    "string key": "63113",
    "list key": ["commune", "63113"],
    "level a list": {"level": ["commune"], "code": "63113"},
    "code a number": {"level": "commune", "code": 63113},
    "no code": {"level": "commune"},
}


@pytest.mark.parametrize("name", ["unknown commune", "string key"])
def test_profile_trends_are_no_callback_to_forge(live_server, name):
    """The trend panels are drawn with the page (server SVG): no callback serves them, and a
    request for the one that did is refused as any unknown callback is (400, not 500)."""
    for key in (FORGED_KEYS[name], CLERMONT):
        assert post(live_server, trends(key, {"width": 1280})).status_code == 400


@pytest.mark.parametrize("name", list(FORGED_KEYS))
@pytest.mark.parametrize("button", ["profile-csv", "profile-zip"])
def test_profile_download_of_a_forged_key_sends_nothing(live_server, name, button):
    r = post(live_server, profile_download(FORGED_KEYS[name], button))
    assert "profile-download" not in response(r)


def test_real_profile_download_still_works(live_server):
    r = post(live_server, profile_download(CLERMONT))
    assert response(r)["profile-download"]["data"]["filename"] == "observatoire_profil_commune_63113.csv"


NINETY_FIVE = "?territories=" + ",".join(f"{d:02d}" for d in range(1, 97) if d != 20)


@pytest.mark.parametrize(
    "payload",
    [
        compare_download(5),
        compare_download(["?territories=63113,69123"], "compare-zip"),
        compare_add("Lyon", 5),
        compare_add(5, "?territories=63113"),
        compare_add({"q": "Lyon"}, ""),
        compare_download(NINETY_FIVE),
        compare_add("Lyon", NINETY_FIVE),
        route("/comparer", NINETY_FIVE),
    ],
    ids=[
        "download, query a number",
        "download, query a list",
        "add, query a number",
        "add, text a number",
        "add, text an object",
        "download, 95 territories",
        "add, 95 territories",
        "page, 95 territories",
    ],
)
def test_forged_comparison_state(live_server, payload):
    post(live_server, payload)


def test_comparison_with_a_number_as_query_downloads_nothing(live_server):
    assert "compare-download" not in response(post(live_server, compare_download(5)))


# 4. D8: a malformed initiative date on a profile


@pytest.mark.parametrize("text", ["2019-13", "2019-02-30", "2019-00", "vers 2019", "2019/04", "٢٠١٩"])
def test_an_unparsable_source_date_shows_as_written(text):
    assert source_date(text, "fr") == source_date(text, "en") == text


@pytest.mark.parametrize(
    ("text", "fr", "en"),
    [
        ("2019", "2019", "2019"),
        ("2019-02", "février 2019", "February 2019"),
        ("2018-04-05", "5 avril 2018", "5 April 2018"),
        ("", "non daté", "undated"),
    ],
)
def test_source_dates_in_words(text, fr, en):
    assert (source_date(text, "fr"), source_date(text, "en")) == (fr, en)


# 5. D13: a tile the cache cannot keep


def test_a_tile_the_cache_cannot_write_is_served_from_memory(demo_db, tmp_path, monkeypatch, caplog):
    geo = tmp_path / "geo"
    (geo / "tiles").mkdir(parents=True)  # the cache's folder: nothing is written to the shared /tmp
    shutil.copy(demo_db.parent / "geo" / "departement.geojson", geo)

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    server = Flask(__name__)
    geo_routes.register_tile_routes(server, geo)
    client = server.test_client()
    kept = client.get("/tiles/departement/0/0/0.pbf")  # a tile written as usual, for comparison
    assert kept.status_code == 200
    monkeypatch.setattr(geo_routes, "write_atomically", disk_full)
    with caplog.at_level(logging.WARNING, logger="observatory.web.geo_routes"):
        r = client.get("/tiles/departement/1/1/0.pbf")
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(r.data)  # a real tile, not a hole in the map
    assert r.headers["ETag"]
    assert any("served from memory" in rec.getMessage() for rec in caplog.records)
    written = sorted(p.relative_to(geo / "tiles").parts[1:] for p in (geo / "tiles").rglob("*.pbf*"))
    assert written == [("departement", "0", "0", "0.pbf.gz")]  # and no temporary file left


def test_a_tiles_date_is_its_geometrys_not_when_a_replica_cut_it(demo_db, tmp_path):
    """Two replicas sharing a cache may each cut one tile a second apart: one date for one version."""
    geo = tmp_path / "geo"
    (geo / "tiles").mkdir(parents=True)
    shutil.copy(demo_db.parent / "geo" / "departement.geojson", geo)
    os.utime(geo / "departement.geojson", (1_700_000_000, 1_700_000_000))
    server = Flask(__name__)
    geo_routes.register_tile_routes(server, geo)
    client = server.test_client()
    first = client.get("/tiles/departement/0/0/0.pbf")
    (cut,) = (geo / "tiles").rglob("0.pbf.gz")
    os.utime(cut, (1_800_000_000, 1_800_000_000))  # rewritten later by another replica
    again = client.get("/tiles/departement/0/0/0.pbf")
    assert first.status_code == again.status_code == 200
    assert first.headers["Last-Modified"] == again.headers["Last-Modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
