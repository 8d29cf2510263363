"""``/api/v1/zones``: store a zone (JSON, CSV body, CSV upload), read it back, read its figures.

On the whole app (the API blueprint and its catch-all mounted first, as in production) with the
zones' routes added by ``register_zones``, definitions in a temporary folder.
"""

from __future__ import annotations

import io
import re

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.db

EXPECTED_COLUMNS = [
    "indicator", "wave", "survey", "level", "size_class", "min_n", "territory_code", "territory_name", "measure",
    "statistic", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "reliability", "significance", "p_value",
    "refused_reason", "refused_fr", "refused_en", "synthetic",
]  # fmt: skip


@pytest.fixture(scope="module")
def client(demo_db, tmp_path_factory):
    """The whole app (its API registers the zones' routes), zones kept in a temporary folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATORY_DB", str(demo_db))
        mp.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
        mp.setenv("OBSERVATORY_ZONES_DIR", str(tmp_path_factory.mktemp("zones")))
        from observatory import create_app

        yield create_app().server.test_client()


@pytest.fixture(scope="module")
def dep42(demo_db) -> list[str]:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute("SELECT code FROM territories WHERE level = 'commune' AND departement_code = '42'")
        return [r[0] for r in rows.fetchall()]


def post(client, codes, name=None):
    return client.post("/api/v1/zones", json={"codes": codes, **({"name": name} if name else {})})


def test_post_then_get_the_definition(client):
    r = post(client, ["42218", "42207", "75001"], "Deux villes et Paris")
    assert r.status_code == 201
    body = r.get_json()
    assert re.fullmatch(r"[0-9a-f]{12}", body["id"]) and body["communes"] == 3
    assert body["api"].endswith(f"/api/v1/zones/{body['id']}") and r.headers["Location"] == body["api"]
    assert body["url"].endswith(f"/zone/{body['id']}")
    assert client.get(f"/zone/{body['id']}").status_code == 200  # the page exists: no link to a 404
    assert client.get("/zone/000000000000").status_code == 404 and client.get("/zone").status_code == 200
    assert body["notes"] == [{"input": "75001", "read_as": "postal_code", "communes": ["75056"]}]
    again = post(client, ["75056", "42207", "42218"])  # the same communes: the same zone, not a new one
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    got = client.get(f"/api/v1/zones/{body['id']}")
    assert got.status_code == 200
    assert got.get_json()["codes"] == ["42207", "42218", "75056"] and got.get_json()["name"] == "Deux villes et Paris"
    listing = client.get(f"/api/v1/zones/{body['id']}?format=csv")
    assert listing.mimetype == "text/csv"
    assert listing.get_data(as_text=True).splitlines()[0] == "commune_code,commune_name"
    assert "42218,Saint-Étienne" in listing.get_data(as_text=True)


def test_a_csv_body_and_a_csv_upload(client):
    body = "\ufeffcode_insee;nom\n42218;Saint-Étienne\n\n42207;Saint-Chamond\n"
    r = client.post("/api/v1/zones?name=Deux%20villes", data=body.encode(), content_type="text/csv")
    assert r.status_code in (200, 201) and r.get_json()["communes"] == 2 and r.get_json()["name"] == "Deux villes"
    upload = {"file": (io.BytesIO(b"42218\n42207\n42279\n"), "zone.csv"), "name": "Trois"}
    r = client.post("/api/v1/zones", data=upload, content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["communes"] == 3 and r.get_json()["name"] == "Trois"


def test_the_zones_table_has_the_columns_of_the_other_tables(client, dep42):
    zid = post(client, dep42, "Loire").get_json()["id"]
    r = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&wave=2019")
    assert r.status_code == 200
    rows = pd.DataFrame(r.get_json()["rows"])
    assert list(rows.columns) == EXPECTED_COLUMNS
    assert set(rows["level"]) == {"zone"} and set(rows["territory_code"]) == {zid}
    # The zone of a département's communes is that département, as the API publishes it.
    published = pd.DataFrame(
        client.get("/api/v1/fragility?level=departement&territory=42&survey=citoyens&wave=2019").get_json()["rows"]
    )
    assert list(rows["measure"]) == list(published["measure"]) and len(rows) == r.get_json()["total"]
    for col in ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value"):
        pd.testing.assert_series_equal(
            rows[col].astype(float), published[col].astype(float), rtol=1e-9, check_names=False
        )
    csv = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&wave=2019&format=csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    table = pd.read_csv(io.BytesIO(csv.data), dtype={"territory_code": str})
    assert list(table.columns) == EXPECTED_COLUMNS and len(table) == len(rows)
    again = client.get(
        f"/api/v1/zones/{zid}/fragility?survey=citoyens&wave=2019", headers={"If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304


def test_refused_cells_say_why_and_show_no_value(client, dep42, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        village = con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = '42' "
            "GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
        ).fetchone()[0]
    zid = post(client, [c for c in dep42 if c != village]).get_json()["id"]
    rows = pd.DataFrame(
        client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&wave=2019&domain=emploi").get_json()["rows"]
    )
    row = rows[rows.statistic == "mean_score"].iloc[0]
    assert row["refused_reason"] == "territory:departement:42" and "(département 42)" in row["refused_fr"]
    assert pd.isna(row["estimate"]) and pd.isna(row["n"]) and row["reliability"] == "suppressed"
    csv = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&wave=2019&domain=emploi&format=csv")
    line = pd.read_csv(io.BytesIO(csv.data)).iloc[0]
    assert pd.isna(line["estimate"]) and line["refused_reason"] == "territory:departement:42"


def test_pages(client, dep42):
    zid = post(client, dep42).get_json()["id"]
    r = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&page_size=15")
    body = r.get_json()
    assert body["count"] == 15 and body["truncated"] and body["total"] == 40 and "page=2" in body["next"]
    assert r.headers["Link"].startswith("<http")
    last = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&page_size=15&page=3").get_json()
    assert last["count"] == 10 and not last["truncated"] and last["next"] is None
    assert client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&page_size=15&page=4").status_code == 400


@pytest.mark.parametrize(
    "kwargs,param",
    [
        ({"json": {"codes": ["42218", "99999", "ABC12"]}}, "codes"),
        ({"json": {"codes": []}}, "codes"),
        ({"json": {"codes": "42218"}}, "codes"),
        ({"json": ["42218"]}, "codes"),
        ({"json": {"codes": ["42218"], "colour": "red"}}, "colour"),
        ({"json": {"codes": ["42218"], "name": "x" * 500}}, "name"),
        ({"json": {"codes": ["42218'; DROP TABLE respondents; --"]}}, "codes"),
        ({"data": b"42218", "content_type": "application/xml"}, "Content-Type"),
        ({"data": {}, "content_type": "multipart/form-data"}, "file"),
    ],
)
def test_bad_posts_get_400_naming_the_parameter(client, kwargs, param):
    r = client.post("/api/v1/zones", **kwargs)
    assert r.status_code == 400
    assert r.get_json()["parameter"] == param and r.get_json()["allowed"]
    if param == "codes" and "99999" in str(kwargs):
        assert "99999" in r.get_json()["value"] and "ABC12" in r.get_json()["value"]


@pytest.mark.parametrize(
    "query,param",
    [
        ("survey=elus", "survey"),
        ("wave=1789", "wave"),
        ("wave=2016", "wave"),
        ("min_n=5", "min_n"),
        ("domain=chomage", "measure"),
        ("statistic=share", "statistic"),
        ("format=zip", "format"),
        ("level=commune", "level"),
        ("page=0", "page"),
    ],
)
def test_bad_table_parameters_get_400_naming_them(client, query, param):
    zid = post(client, ["42218", "42207"]).get_json()["id"]
    r = client.get(f"/api/v1/zones/{zid}/fragility?survey=citoyens&{query}")
    if param == "survey":
        r = client.get(f"/api/v1/zones/{zid}/fragility?{query}")
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["parameter"] == param


def test_unknown_zone_or_indicator_is_404_naming_it(client):
    for zid in ("0123456789ab", "nothing-here", "..%2F..%2Fetc"):
        r = client.get(f"/api/v1/zones/{zid}/fragility")
        assert r.status_code == 404 and "Traceback" not in r.get_data(as_text=True)
        if "%" not in zid:  # a decoded slash makes another path: the API's own 404
            assert r.get_json()["parameter"] == "zone", zid
        assert client.get(f"/api/v1/zones/{zid}").status_code == 404
    assert client.get("/api/v1/zones/0123456789ab").get_json()["value"] == "0123456789ab"
    zid = post(client, ["42218"]).get_json()["id"]
    r = client.get(f"/api/v1/zones/{zid}/weather")
    assert r.status_code == 404 and r.get_json()["parameter"] == "indicator"


@pytest.mark.slow
def test_a_zone_has_its_printable_portrait(client):
    zid = post(client, ["42218", "42207"], "Saint-Étienne et Saint-Chamond").get_json()["id"]
    r = client.get(f"/zone/{zid}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data[:5] == b"%PDF-"
    assert client.get("/zone/000000000000.pdf").status_code == 404


def test_a_zones_blocks_can_be_embedded(client):
    zid = post(client, ["42218", "42207", "69123"], "Deux métropoles").get_json()["id"]
    found = client.get(f"/embed/zone/{zid}?block=key-findings")
    assert found.status_code == 200 and "comparaisons (taux de fausses découvertes contrôlé à 5 %)" in found.text
    assert "frame-ancestors" in found.headers.get("Content-Security-Policy", "")
    tables = client.get(f"/embed/zone/{zid}?block=citoyens&lang=en")
    assert tables.status_code == 200 and "<table" in tables.text and "Rest of France" in tables.text
    assert client.get(f"/embed/zone/{zid}?block=nothing").status_code == 404
    assert client.get("/embed/zone/000000000000").status_code == 404
