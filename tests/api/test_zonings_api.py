"""``/api/v1/zonings``: the cantons and constituencies listed, one with its communes, its zone stored.

On the whole app, zone definitions in a temporary folder. The expected values are read from the
database's ``zoning_communes`` table and from the electoral map (the Loire has 21 cantons and 6
constituencies), the zone id recomputed here from its definition (SHA-256 of the sorted codes).
"""

from __future__ import annotations

import hashlib
import io

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def client(demo_db, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATORY_DB", str(demo_db))
        mp.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
        mp.setenv("OBSERVATORY_ZONES_DIR", str(tmp_path_factory.mktemp("zones")))
        from observatory import create_app

        yield create_app().server.test_client()


@pytest.fixture(scope="module")
def stored(demo_db) -> pd.DataFrame:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute("SELECT * FROM zoning_communes").df()


def expected_id(codes) -> str:
    return hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()[:12]


def test_the_list_of_a_departement(client):
    r = client.get("/api/v1/zonings?kind=canton&departement=42")
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 21 and [z["code"] for z in body["zonings"]] == [f"42{i:02d}" for i in range(1, 22)]
    first = body["zonings"][0]
    assert set(first) == {"kind", "code", "name", "departement", "communes", "split_communes"}
    assert first["kind"] == "canton" and first["departement"] == "42" and first["communes"] > 0
    circos = client.get("/api/v1/zonings?kind=circonscription&departement=42").get_json()
    assert [z["code"] for z in circos["zonings"]] == [f"42-{i:02d}" for i in range(1, 7)]
    assert circos["zonings"][0]["name"] == "1re circonscription de la Loire"
    both = client.get("/api/v1/zonings?departement=42").get_json()
    assert both["total"] == 21 + 6


def test_the_list_in_csv(client):
    r = client.get("/api/v1/zonings?kind=circonscription&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    table = pd.read_csv(io.BytesIO(r.data), dtype=str)
    assert list(table.columns) == ["kind", "code", "name", "departement", "communes", "split_communes"]
    assert len(table) == 558 and "75-18" in set(table.code)


def test_a_canton_its_communes_and_its_zone(client, stored):
    r = client.get("/api/v1/zonings/canton/4214")
    assert r.status_code == 200
    body = r.get_json()
    assert body["name"] == "Canton de Saint-Etienne-1" and body["departement"] == "42"
    communes = {c["code"]: c for c in body["communes_list"]}
    assert communes["42218"]["split"] is True and communes["42218"]["share"] is None
    assert communes["42218"]["zonings"] == 6 and communes["42218"]["name"] == "Saint-Étienne"
    mine = stored[(stored.kind == "canton") & (stored.zoning_code == "4214")]
    assert sorted(communes) == sorted(mine.commune_code)
    assert body["zone"]["id"] == expected_id(mine.commune_code)
    assert body["zone"]["url"].endswith(f"/zone/{body['zone']['id']}") and body["zone"]["stored"] is False


def test_a_constituency_in_csv(client, stored):
    r = client.get("/api/v1/zonings/circonscription/42-01?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    table = pd.read_csv(io.BytesIO(r.data), dtype={"commune_code": str})
    assert list(table.columns) == ["commune_code", "commune_name", "share", "split", "zonings"]
    mine = stored[(stored.kind == "circonscription") & (stored.zoning_code == "42-01")]
    assert sorted(table.commune_code) == sorted(mine.commune_code)
    assert table.share.dropna().between(0, 1).all()


def test_storing_a_zonings_zone(client):
    r = client.post("/api/v1/zonings/canton/4205/zone")
    assert r.status_code == 201
    body = r.get_json()
    assert body["name"] == "Canton de Feurs" and r.headers["Location"] == body["api"]
    detail = client.get("/api/v1/zonings/canton/4205").get_json()
    assert detail["zone"]["id"] == body["id"] and detail["zone"]["stored"] is True
    definition = client.get(f"/api/v1/zones/{body['id']}").get_json()
    assert definition["name"] == "Canton de Feurs" and "42094" in definition["codes"]
    assert expected_id(definition["codes"]) == body["id"] and body["communes"] == detail["communes"]
    again = client.post("/api/v1/zonings/canton/4205/zone")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert client.get(f"/zone/{body['id']}").status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "param"),
    [
        ("/api/v1/zonings?kind=commune", 400, "kind"),
        ("/api/v1/zonings?departement=ZZ", 400, "departement"),
        ("/api/v1/zonings?format=xlsx", 400, "format"),
        ("/api/v1/zonings?colour=blue", 400, "colour"),
        ("/api/v1/zonings/arrondissement/4205", 400, "kind"),
        ("/api/v1/zonings/canton/9999", 404, "code"),
        ("/api/v1/zonings/circonscription/42-99", 404, "code"),
        ("/api/v1/zonings/canton/4205?format=pdf", 400, "format"),
    ],
)
def test_bad_requests_say_what_is_allowed(client, path, status, param):
    r = client.get(path)
    assert r.status_code == status
    body = r.get_json()
    assert body["parameter"] == param and body["allowed"]
    if param == "kind":
        assert body["allowed"] == ["canton", "circonscription"]


def test_posting_an_unknown_zoning(client):
    assert client.post("/api/v1/zonings/canton/0000/zone").status_code == 404
    assert client.post("/api/v1/zonings/pays/0101/zone").status_code == 400
