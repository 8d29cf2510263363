"""E10 (UX audit 2026-12b): what an analyst's script trips over in the API.

- ``next`` and ``Link`` are absolute URLs, on OBSERVATORY_PUBLIC_URL when set, else on the
  request's own scheme, host and mount point;
- ``/api/v1/territories`` pages like the tables (total, truncated, next, page_size, page), so that
  every level, the 34,875 communes included, can be listed;
- an indicator asked of a survey that was not asked its questions (the mayors and fragility) is a
  400 naming the parameter and the accepted surveys, as the pages refuse it; the CLI exits 2;
- what already held: an unknown territory is a 404 naming the code, a repeated parameter a 400.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.web.api import TERRITORY_PARAMS, register_api
from observatory.web.openapi import spec

PUBLIC = "https://observatoire.example.org"


def make_client(demo_db, **settings):
    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo", **settings))
    server = Flask(__name__)
    register_api(server, obs)
    return server.test_client(), obs


@pytest.fixture(scope="module")
def api(demo_db):
    return make_client(demo_db, public_url=None)


@pytest.fixture(scope="module")
def public_api(demo_db):
    return make_client(demo_db, public_url=PUBLIC)[0]


def every_page(client, url: str, base_url: str = "http://localhost") -> list:
    """Every page from ``url``, following 'next' (the test client takes a mount point apart)."""
    out = []
    while url:
        r = client.get(url.removeprefix(base_url), base_url=base_url)
        assert r.status_code == 200, r.get_data(as_text=True)
        out.append(r)
        url = r.get_json()["next"]
    return out


# --- absolute links ---------------------------------------------------------------------------------
def test_next_is_on_the_public_url_when_set(public_api):
    r = public_api.get("/api/v1/fragility?level=region&domain=emploi&page_size=5", base_url="http://10.0.0.7:8050")
    following = r.get_json()["next"]
    assert following.startswith(PUBLIC + "/api/v1/fragility?")
    assert parse_qsl(urlsplit(following).query) == [
        ("level", "region"), ("domain", "emploi"), ("page_size", "5"), ("page", "2")
    ]  # fmt: skip
    assert r.headers["Link"] == f'<{following}>; rel="next"'


@pytest.mark.parametrize(
    "base_url", ["https://obs.example.net", "http://localhost:8050", "https://example.org/observatoire"]
)
def test_next_is_on_the_request_host_without_public_url(api, base_url):
    # The scheme and host as the WSGI server reports them (gunicorn behind the reference nginx:
    # X-Forwarded-Proto from the proxy, Host passed on), and the app's mount point if any.
    client, _obs = api
    r = client.get("/api/v1/fragility?level=region&page_size=5", base_url=base_url)
    following = r.get_json()["next"]
    assert following.startswith(base_url + "/api/v1/fragility?") and following.endswith("&page=2")
    assert r.headers["Link"] == f'<{following}>; rel="next"'
    # a script follows it as it is, to the last page
    pages = every_page(client, following, base_url=base_url)
    assert pages[-1].get_json()["next"] is None and "Link" not in pages[-1].headers


def test_the_etag_follows_the_links(api):
    client, _obs = api
    url = "/api/v1/fragility?level=region&page_size=5"
    a = client.get(url, base_url="https://a.example.org")
    b = client.get(url, base_url="https://b.example.org")
    assert a.headers["ETag"] != b.headers["ETag"]  # not the same bytes
    again = client.get(url, base_url="https://a.example.org", headers={"If-None-Match": a.headers["ETag"]})
    assert again.status_code == 304


# --- /territories in pages ----------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["region", "departement", "epci", "commune"])
def test_every_level_can_be_listed(api, level):
    client, obs = api
    expected = list(obs.territories(level)["code"])
    pages = every_page(client, f"/api/v1/territories?level={level}")
    codes = [row["code"] for page in pages for row in page.get_json()["rows"]]
    assert codes == expected  # every territory once, by code
    first = pages[0].get_json()
    assert first["total"] == len(expected) and first["count"] == min(len(expected), 10_000)
    assert first["truncated"] is (len(expected) > 10_000)
    if level == "commune":
        assert len(pages) == 4 and first["next"].startswith("http://localhost/api/v1/territories?")


def test_a_short_page_says_what_is_missing(api):
    client, _obs = api
    # The audit's case: 500 EPCIs of 1,253 with no hint. The old name 'limit' still works.
    for url in ("/api/v1/territories?level=epci&limit=500", "/api/v1/territories?level=epci&page_size=500"):
        body = client.get(url).get_json()
        assert (body["count"], body["total"], body["truncated"]) == (500, 1253, True)
        assert body["next"].endswith("&page=2")
    last = client.get("/api/v1/territories?level=epci&page_size=500&page=3").get_json()
    assert (last["count"], last["truncated"], last["next"]) == (253, False, None)


def test_a_search_is_paged_too(api):
    client, obs = api
    body = client.get("/api/v1/territories?q=saint").get_json()
    assert body["count"] == 20 and body["total"] == obs.search_with_total("saint").total
    second = client.get(body["next"]).get_json()
    assert not {r["code"] for r in body["rows"]} & {r["code"] for r in second["rows"]}
    communes = client.get("/api/v1/territories?q=saint&level=commune&page_size=5").get_json()
    assert communes["total"] < body["total"] and {r["level"] for r in communes["rows"]} == {"commune"}
    assert [r["code"] for r in client.get("/api/v1/territories?q=lyon%203e").get_json()["rows"]][:1] == ["69123"]


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/v1/territories?level=region&page=3", "page"),
        ("/api/v1/territories?level=region&page_size=0", "page_size"),
        ("/api/v1/territories?level=region&page_size=10001", "page_size"),
        ("/api/v1/territories?level=epci&limit=5&page_size=5", "limit"),
        ("/api/v1/territories?level=region&offset=10", "offset"),
        ("/api/v1/territories?level=region&level=commune", "level"),
    ],
)
def test_territory_paging_refusals_name_the_parameter(api, url, param):
    r = api[0].get(url)
    assert r.status_code == 400 and r.get_json()["parameter"] == param and r.get_json()["allowed"]


def test_the_spec_lists_the_territories_parameters():
    names = {p["name"] for p in spec()["paths"]["/api/v1/territories"]["get"]["parameters"]}
    assert names == TERRITORY_PARAMS


# --- a survey the indicator was not asked of ------------------------------------------------------------
@pytest.mark.parametrize(
    "indicator,survey,accepted",
    [
        ("fragility", "elus", ["citoyens", "entreprises", "associations"]),
        ("mayors", "citoyens", ["elus"]),
        ("innovation", "entreprises", ["citoyens", "elus"]),
        ("partnerships", "elus", ["entreprises", "associations"]),
    ],
)
def test_a_survey_not_asked_the_questions_is_refused(api, indicator, survey, accepted):
    client, _obs = api
    for fmt in ("json", "csv"):
        r = client.get(f"/api/v1/{indicator}?level=region&survey={survey}&format={fmt}")
        assert r.status_code == 400, (indicator, survey, fmt)
        body = r.get_json()
        assert (body["parameter"], body["value"], body["allowed"]) == ("survey", survey, accepted)
    # the spec says so too
    params = spec()["paths"][f"/api/v1/{indicator}"]["get"]["parameters"]
    assert next(p for p in params if p["name"] == "survey")["schema"]["enum"] == accepted


def test_the_surveys_asked_still_answer(api):
    client, _obs = api
    for url in ("/api/v1/fragility?level=region&survey=associations", "/api/v1/innovation?level=region&survey=elus"):
        body = client.get(url).get_json()
        assert body["count"] > 0 and any(row["n"] > 0 for row in body["rows"]), url


def test_the_export_command_refuses_it_with_exit_2(demo_db, capsys):
    from observatory.__main__ import main

    assert main(["export", "fragility", "--survey", "elus", "--level", "region", "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert "survey" in err and "'elus'" in err and "citoyens" in err


# --- what already held ----------------------------------------------------------------------------------
def test_unknown_codes_and_repeated_parameters_still_refused(api, demo_db, capsys):
    client, _obs = api
    for url, code in (
        ("/api/v1/fragility?level=commune&territory=99999", "99999"),
        ("/api/v1/fragility?level=commune&territory=42", "42"),  # a département's code at the commune level
    ):
        r = client.get(url)
        assert r.status_code == 404 and r.get_json()["value"] == code and r.get_json()["parameter"] == "territory"
    r = client.get("/api/v1/fragility?level=region&level=commune")
    assert r.status_code == 400 and r.get_json()["parameter"] == "level"
    from observatory.__main__ import main

    assert main(["export", "fragility", "--level", "commune", "--territory", "99999", "--db", str(demo_db)]) == 2
    assert "99999" in capsys.readouterr().err
