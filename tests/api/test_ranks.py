"""``GET /api/v1/ranks/<indicator>`` and ``python -m observatory export ranks`` (issue 25).

Every ranked territory's rank, its marginal and its simultaneous 95 % sets; the rank is checked
against the API's own estimates table (1 + the peers strictly above), the sets' nesting (the
simultaneous set contains the marginal one), the peers (the reliable cells, or every modelled
EPCI with method=sae) and the 400s.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from flask import Flask

from observatory.__main__ import main
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats.rank_table import RANK_COLUMNS
from observatory.web.api import register_api


@pytest.fixture(scope="module")
def client(demo_db):
    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))
    server = Flask(__name__)
    register_api(server, obs)
    return server.test_client()


def test_ranks_of_the_departements_agree_with_the_estimates_and_nest(client):
    url = "/api/v1/ranks/fragility?level=departement&domain=emploi&statistic=mean_score"
    body = client.get(url).get_json()
    table = client.get("/api/v1/fragility?level=departement&domain=emploi&statistic=mean_score").get_json()
    reliable = [r for r in table["rows"] if r["reliability"] == "ok"]
    assert body["total"] == len(reliable) > 50 and body["method"] == "direct"
    estimates = {r["territory_code"]: r["estimate"] for r in reliable}
    for row in body["rows"]:
        assert row["rank"] == 1 + sum(e > estimates[row["territory_code"]] for e in estimates.values())
        assert row["simultaneous_low"] <= row["rank_low"] <= row["rank"] <= row["rank_high"] <= row["simultaneous_high"]
        assert row["peers"] == len(reliable) and row["peers_total"] == len(table["rows"])
    assert list(body["rows"][0]) == list(RANK_COLUMNS)


def test_model_ranks_rank_every_modelled_epci(client):
    body = client.get("/api/v1/ranks/mayors?level=epci&measure=q4_oui&method=sae").get_json()
    assert body["method"] == "sae" and body["total"] > 1200
    assert {r["peers"] for r in body["rows"]} == {body["total"]}
    assert all(
        r["simultaneous_low"] <= r["rank_low"] and r["rank_high"] <= r["simultaneous_high"] for r in body["rows"]
    )


@pytest.mark.parametrize(
    "query",
    [
        "method=sae&level=departement",  # the model is the EPCIs'
        "wave_from=2015&wave_to=2019&survey=citoyens",  # ranks are of one wave
        "territory=42",  # a whole level
        "format=zip",
        "domain=nope",
    ],
)
def test_bad_rank_requests_are_400s(client, query):
    r = client.get(f"/api/v1/ranks/fragility?{query}")
    assert r.status_code == 400, r.get_data(as_text=True)[:200]
    assert client.get("/api/v1/ranks/nope").status_code == 404


def test_cli_export_ranks(demo_db, tmp_path):
    out = tmp_path / "ranks.csv"
    args = ["export", "ranks", "fragility", "--level", "region", "--domain", "logement", "--db", str(demo_db)]
    assert main([*args, "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows and list(rows[0]) == list(RANK_COLUMNS)
    assert sorted(int(r["rank"]) for r in rows if r["statistic"] == "mean_score")[0] == 1
    assert main(["export", "ranks", "--db", str(demo_db)]) == 2
