"""The HTTP API: the same numbers as the export command for every indicator and level, in every
format; HTTP 400 naming the parameter for invalid input; ETag caching; a spec that matches."""

from __future__ import annotations

import dataclasses
import io
import json

import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.export import ExportRequest, export_table

INJECTIONS = [
    "'; DROP TABLE respondents; --",
    "../../etc/passwd",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "%00",
    "é" * 300,
]


@pytest.fixture(scope="module")
def client(demo_db):
    import os

    os.environ["OBSERVATORY_DB"] = str(demo_db)
    os.environ["OBSERVATORY_GEO_DIR"] = str(demo_db.parent / "geo")
    from observatory import create_app

    return create_app().server.test_client()


def all_rows(client, url: str) -> list[dict]:
    """Every row of a table, page after page (communes: more than one JSON page)."""
    rows: list[dict] = []
    while url:
        r = client.get(url)
        assert r.status_code == 200
        rows += r.get_json()["rows"]
        url = r.get_json()["next"]
    return rows


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.mark.parametrize(
    "indicator,param,measure",
    [("fragility", "domain", "emploi"), ("partnerships", "kind", "mecenat"), ("mayors", "measure", "q4_oui")],
)
@pytest.mark.parametrize("level", ["france", "region", "departement", "epci", "commune"])
def test_api_equals_export(client, obs, indicator, param, measure, level):
    api = pd.DataFrame(all_rows(client, f"/api/v1/{indicator}?level={level}&{param}={measure}"))
    expected = export_table(obs, ExportRequest(indicator, level=level, measures=(measure,)))
    assert list(api.columns) == list(expected.columns)
    pd.testing.assert_series_equal(
        api["estimate"].astype(float), expected["estimate"].astype(float), rtol=1e-9, check_names=False
    )
    assert list(api["territory_code"]) == list(expected["territory_code"])
    assert list(api["reliability"]) == list(expected["reliability"])


@pytest.mark.parametrize(
    "fmt,reader",
    [
        ("csv", lambda b: pd.read_csv(io.BytesIO(b))),
        ("parquet", lambda b: pd.read_parquet(io.BytesIO(b))),
        ("xlsx", lambda b: pd.read_excel(io.BytesIO(b))),
    ],
)
def test_formats_and_accept_header(client, fmt, reader):
    base = "/api/v1/partnerships?level=region&kind=partner"
    ref = pd.DataFrame(client.get(base).get_json()["rows"])
    got = reader(client.get(base + f"&format={fmt}").data)
    pd.testing.assert_series_equal(
        got["estimate"].astype(float), ref["estimate"].astype(float), rtol=1e-9, check_names=False
    )
    by_header = client.get(base, headers={"Accept": "text/csv"})
    assert by_header.mimetype == "text/csv"
    # what curl and requests send: any type, so the default (JSON)
    assert client.get(base, headers={"Accept": "*/*"}).mimetype == "application/json"


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/v1/fragility?level=arrondissement", "level"),
        ("/api/v1/fragility?domain=chomage", "measure"),
        ("/api/v1/fragility?wave=abc", "wave"),
        ("/api/v1/fragility?wave=1789", "wave"),
        ("/api/v1/fragility?min_n=0", "min_n"),
        ("/api/v1/fragility?format=pdf", "format"),
        ("/api/v1/fragility?sql=select", "sql"),
        ("/api/v1/partnerships?survey=citoyens", "survey"),
        ("/api/v1/partnerships?size_class=employeur", "size_class"),
        ("/api/v1/mayors?statistic=mean_score", "statistic"),
        ("/api/v1/territories?level=pays", "level"),
    ],
)
def test_invalid_parameters_get_400_naming_them(client, url, param):
    r = client.get(url)
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == param and body["allowed"]
    assert "Traceback" not in r.get_data(as_text=True)


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    "param", ["level", "domain", "survey", "territory", "wave", "size_class", "statistic", "format"]
)
def test_injection_strings_never_500_nor_extra_data(client, param, value):
    r = client.get(
        "/api/v1/fragility", query_string={param: value, "level": "region"} if param != "level" else {param: value}
    )
    assert r.status_code in (200, 400)
    if r.status_code == 200:  # e.g. an unknown territory code: no rows, never other data
        assert r.get_json()["count"] == 0


def test_etag_and_not_modified(client):
    r = client.get("/api/v1/fragility?level=region&domain=sante")
    assert r.headers["ETag"] and "max-age" in r.headers["Cache-Control"] and r.headers["Last-Modified"]
    again = client.get("/api/v1/fragility?level=region&domain=sante", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/fragility?level=region&domain=emploi")
    assert other.headers["ETag"] != r.headers["ETag"]
    # a front server that gzips weakens the ETag (nginx does): the client sends it back weak
    weak = client.get(
        "/api/v1/fragility?level=region&domain=sante", headers={"If-None-Match": "W/" + r.headers["ETag"]}
    )
    assert weak.status_code == 304


def test_format_chosen_by_accept_varies_on_accept(client):
    url = "/api/v1/fragility?level=region&domain=sante"
    by_accept = client.get(url, headers={"Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv" and "Accept" in by_accept.vary
    assert "Accept" in client.get(url, headers={"Accept": "text/csv", "If-None-Match": by_accept.headers["ETag"]}).vary
    assert "Accept" not in client.get(url + "&format=csv").vary  # the URL says it all


def test_files_that_record_their_writing_time_have_a_weak_etag(client):
    url = "/api/v1/fragility?level=region&domain=sante&format="
    for fmt, weak in (("csv", False), ("json", False), ("parquet", False), ("xlsx", True), ("zip", True)):
        r = client.get(url + fmt)
        assert r.status_code == 200 and r.get_etag()[1] is weak, fmt


def test_reference_endpoints(client):
    assert len(client.get("/api/v1/domains").get_json()["rows"]) == 16
    waves = client.get("/api/v1/waves").get_json()["rows"]
    assert {w["survey"] for w in waves} == {"citoyens", "entreprises", "associations", "elus"}
    meta = client.get("/api/v1/meta").get_json()
    assert meta["synthetic"] is True and meta["data_version"]
    hits = client.get("/api/v1/territories?q=42000").get_json()["rows"]
    assert hits[0]["code"] == "42218"
    assert client.get("/api/v1/nothing").status_code == 404


def test_spec_lists_every_parameter_the_server_accepts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    from observatory.exports.export import MEASURE_PARAM
    from observatory.web.api import COMMON_PARAMS

    for indicator, measure_param in MEASURE_PARAM.items():
        names = {p["name"] for p in spec["paths"][f"/api/v1/{indicator}"]["get"]["parameters"]}
        assert names == COMMON_PARAMS | {measure_param}
    json.dumps(spec)


def test_an_unknown_territory_is_a_404_naming_the_code(client):
    r = client.get("/api/v1/fragility?level=region&territory=99&territory=84")
    assert r.status_code == 404 and r.get_json()["value"] == "99" and r.get_json()["parameter"] == "territory"
    r = client.get("/api/v1/fragility?level=commune&territory=75101&domain=emploi")  # an arrondissement
    assert r.status_code == 404 and r.get_json()["value"] == "75101 → 75056"
    assert client.get("/api/v1/fragility?level=region&territory=84").status_code == 200


def test_a_repeated_parameter_is_a_400(client):
    r = client.get("/api/v1/fragility?level=region&level=departement")
    assert r.status_code == 400 and r.get_json()["parameter"] == "level"
    assert "more than once" in r.get_json()["allowed"]
    # the parameters that take several values still do
    assert client.get("/api/v1/fragility?level=region&domain=emploi&domain=sante").status_code == 200


def test_the_export_command_exits_2_naming_an_unknown_code(demo_db, capsys):
    from observatory.__main__ import main

    assert main(["export", "fragility", "--level", "region", "--territory", "99", "--db", str(demo_db)]) == 2
    assert "99" in capsys.readouterr().err
