"""Self-describing ZIP exports: the CSV plus a Frictionless datapackage.json that validates, and
records the filters, method, reliability rule, data version, citation and synthetic status."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from frictionless import validate

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.datapackage import package
from observatory.exports.export import comparison_tables, profile_tables
from tests.app.test_export import run


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def unzip(data: bytes, into: Path) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(into)
    return json.loads((into / "datapackage.json").read_text(encoding="utf-8"))


def errors(path: Path) -> list[str]:
    report = validate(str(path))
    return [e.message for task in report.tasks for e in task.errors] + [e.message for e in report.errors]


def test_cli_zip_validates_and_describes_the_export(demo_db, tmp_path):
    args = ["fragility", "--level", "region", "--domain", "emploi", "--min-n", "50", "--survey", "citoyens"]
    zipped = run(demo_db, *args, "--format", "zip")
    assert zipped.returncode == 0, zipped.stderr
    desc = unzip(zipped.stdout, tmp_path)
    assert errors(tmp_path / "datapackage.json") == []

    # the CSV inside is the plain export, byte for byte
    plain = run(demo_db, *args).stdout
    assert (tmp_path / "data.csv").read_bytes() == plain

    meta = desc["observatoire"]
    assert meta["filters"]["level"] == "region"
    assert meta["filters"]["measures"] == ["emploi"]
    assert meta["filters"]["survey"] == "citoyens" and meta["filters"]["wave"] == 2019  # the latest wave
    assert meta["reliability_rule"]["min_n"] == 50
    assert meta["synthetic"] is True and "synthétiques" in meta["citation"]
    con = __import__("duckdb").connect(str(demo_db), read_only=True)
    version = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0]
    assert meta["data_version"] == version
    assert "Taylor" in meta["method"]["variance"]
    fields = {f["name"]: f for f in desc["resources"][0]["schema"]["fields"]}
    assert list(fields) == list(pd.read_csv(io.BytesIO(plain)).columns)
    assert fields["n"]["type"] == "integer" and fields["estimate"]["type"] == "number"
    assert fields["reliability"]["constraints"]["enum"] == ["ok", "low", "suppressed"]
    assert f"data version: {version}" in (tmp_path / "README.txt").read_text(encoding="utf-8")


def test_change_zip_validates_and_describes_the_change(demo_db, tmp_path):
    args = ["innovation", "--level", "region", "--survey", "elus", "--wave-from", "2016", "--wave-to", "2024"]
    zipped = run(demo_db, *args, "--format", "zip")
    assert zipped.returncode == 0, zipped.stderr
    desc = unzip(zipped.stdout, tmp_path)
    assert errors(tmp_path / "datapackage.json") == []
    assert "2016 → 2024" in desc["title"]
    fields = {f["name"]: f for f in desc["resources"][0]["schema"]["fields"]}
    assert {"wave_from", "wave_to", "estimate_from", "estimate_to", "difference", "n_from", "n_to"} <= set(fields)
    assert "second wave − first wave" in fields["difference"]["description"]
    assert "increase" in fields["significance"]["constraints"]["enum"]
    data = pd.read_csv(tmp_path / "data.csv")
    assert set(data["wave_from"]) == {2016} and set(data["wave_to"]) == {2024}
    shown = data[data.reliability != "suppressed"]
    assert (shown["difference"] - (shown["estimate_to"] - shown["estimate_from"])).abs().max() < 1e-9


def test_validation_catches_a_tampered_file(demo_db, tmp_path):
    """The schema is strict enough to fail: a bad reliability value or a text count are errors."""
    desc_dir = tmp_path / "pkg"
    unzip(run(demo_db, "mayors", "--level", "region", "--format", "zip").stdout, desc_dir)
    table = pd.read_csv(desc_dir / "data.csv", dtype=str)
    table.loc[0, "reliability"] = "excellent"
    table.loc[1, "n"] = "beaucoup"
    table.to_csv(desc_dir / "data.csv", index=False)
    found = " ".join(errors(desc_dir / "datapackage.json"))
    assert "excellent" in found and "beaucoup" in found


def test_api_zip_equals_cli_zip_data(client_and_db, tmp_path):
    client, demo_db = client_and_db
    r = client.get("/api/v1/partnerships?level=departement&kind=mecenat&format=zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    unzip(r.data, tmp_path)
    cli = run(demo_db, "partnerships", "--level", "departement", "--kind", "mecenat").stdout
    assert (tmp_path / "data.csv").read_bytes() == cli
    assert errors(tmp_path / "datapackage.json") == []


@pytest.fixture(scope="module")
def client_and_db(demo_db):
    import os

    os.environ["OBSERVATORY_DB"] = str(demo_db)
    os.environ["OBSERVATORY_GEO_DIR"] = str(demo_db.parent / "geo")
    from observatory import create_app

    return create_app().server.test_client(), demo_db


def test_profile_and_comparison_packages_validate(obs, tmp_path):
    tables = profile_tables(obs, "departement", "21")
    desc = unzip(package(obs, tables, "Profil Côte-d'Or", {"territory": "21"}), tmp_path / "profile")
    assert [r["name"] for r in desc["resources"]] == list(tables)
    assert errors(tmp_path / "profile" / "datapackage.json") == []

    comp = comparison_tables(obs, ["21", "25", "reg-27"], "fragilite-citoyens")
    desc = unzip(package(obs, comp, "Comparaison", {"territories": ["21", "25", "27"]}), tmp_path / "compare")
    assert {r["name"] for r in desc["resources"]} == {"estimates", "pairwise"}
    assert errors(tmp_path / "compare" / "datapackage.json") == []
    pairwise = pd.read_csv(tmp_path / "compare" / "pairwise.csv")
    assert {"territory_a", "territory_b", "difference", "se_difference", "verdict"} <= set(pairwise.columns)
