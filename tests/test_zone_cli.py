"""``python -m observatory export INDICATOR --zone codes.csv``: the API's file for the same zone.

The command and the app share one folder of zone definitions (OBSERVATORY_ZONES_DIR, a temporary
one): a zone the command stores is the API's zone (same id, same file, byte for byte), and it counts
as published for the guard of the zones stored after it. Unknown codes and invalid filters exit
with status 2, naming what is wrong, with nothing stored and no file written.
"""

from __future__ import annotations

import io
import re

import duckdb
import pandas as pd
import pytest

from observatory.__main__ import main

pytestmark = pytest.mark.db

ID = re.compile(r"zone ([0-9a-f]{12}) ")


@pytest.fixture(scope="module")
def zones_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("zones")


@pytest.fixture(scope="module")
def client(demo_db, zones_dir):
    """The whole app; the command run in this module reads the same environment (same zones folder)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBSERVATORY_DB", str(demo_db))
        mp.setenv("OBSERVATORY_GEO_DIR", str(demo_db.parent / "geo"))
        mp.setenv("OBSERVATORY_ZONES_DIR", str(zones_dir))
        mp.delenv("OBSERVATORY_ENGINE", raising=False)
        mp.delenv("OBSERVATORY_MIN_N", raising=False)
        from observatory import create_app

        yield create_app().server.test_client()


@pytest.fixture(scope="module")
def dep42(demo_db) -> list[str]:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute("SELECT code FROM territories WHERE level = 'commune' AND departement_code = '42'")
        return sorted(r[0] for r in rows.fetchall())


def run(capsys, *argv: str) -> tuple[int, str]:
    """The command's exit status and standard error."""
    capsys.readouterr()
    status = main(["export", *argv])
    return status, capsys.readouterr().err


def codes_file(tmp_path, codes: list[str], header: str | None = "code_insee") -> str:
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(([header] if header else []) + codes) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "indicator,args,query",
    [
        ("fragility", ["--survey", "citoyens", "--wave", "2019"], "survey=citoyens&wave=2019"),
        # the other mixes of filters, dialect and threshold: before a release (CI's 20 minutes)
        pytest.param(
            "fragility",
            ["--domain", "emploi", "--domain", "composite"],
            "domain=emploi&domain=composite",
            marks=pytest.mark.exhaustive,
        ),
        pytest.param(
            "partnerships",
            ["--survey", "associations", "--dialect", "excel-fr"],
            "survey=associations&dialect=excel-fr",
            marks=pytest.mark.exhaustive,
        ),
        pytest.param(
            "mayors",
            ["--statistic", "share", "--min-n", "40"],
            "statistic=share&min_n=40",
            marks=pytest.mark.exhaustive,
        ),
    ],  # fmt: skip
)
def test_the_file_is_the_apis_csv(client, demo_db, tmp_path, capsys, indicator, args, query):
    out = tmp_path / "zone.csv"
    # A CSV as a spreadsheet writes it: a header, a postal code (Paris), codes of one département.
    codes = codes_file(tmp_path, ["42218", "42207", "42095", "75001"])
    status, err = run(capsys, indicator, "--zone", codes, "--zone-name", "Trois villes et Paris", "--db", str(demo_db),
                      *args, "--out", str(out))  # fmt: skip
    assert status == 0, err
    zid = ID.search(err).group(1)
    assert f"/zone/{zid}" in err and "75001 read as postal_code: 75056" in err
    api = client.get(f"/api/v1/zones/{zid}/{indicator}?{query}&format=csv")
    assert api.status_code == 200, api.get_data(as_text=True)
    assert out.read_bytes() == api.data
    table = pd.read_csv(io.BytesIO(out.read_bytes()), sep=";" if "excel-fr" in args else ",")
    assert len(table) and set(table["level"]) == {"zone"} and "refused_reason" in table.columns
    definition = client.get(f"/api/v1/zones/{zid}").get_json()  # stored: the API knows it
    assert definition["codes"] == ["42095", "42207", "42218", "75056"]
    assert definition["name"] == "Trois villes et Paris"


def test_parquet_and_standard_output(client, demo_db, tmp_path, capsys, dep42):
    out = tmp_path / "zone.parquet"
    codes = codes_file(tmp_path, dep42[:40], header=None)
    status, err = run(capsys, "innovation", "--zone", codes, "--format", "parquet", "--db", str(demo_db),
                      "--out", str(out))  # fmt: skip
    assert status == 0, err
    zid = ID.search(err).group(1)
    api = client.get(f"/api/v1/zones/{zid}/innovation?format=parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(io.BytesIO(api.data)))
    main(["export", "innovation", "--zone", codes, "--db", str(demo_db)])  # no --out: the CSV on stdout
    assert capsys.readouterr().out.encode() == client.get(f"/api/v1/zones/{zid}/innovation?format=csv").data


def test_a_zone_stored_by_the_command_counts_for_the_guard(client, demo_db, tmp_path, capsys, dep42):
    half = [c for c in dep42 if c < "42150"]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        village = con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = '42' "
            "AND r.commune_code >= '42150' GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
        ).fetchone()[0]
    status, err = run(capsys, "fragility", "--zone", codes_file(tmp_path, half), "--db", str(demo_db),
                      "--out", str(tmp_path / "half.csv"))  # fmt: skip
    assert status == 0, err
    first = ID.search(err).group(1)
    second = client.post("/api/v1/zones", json={"codes": [*half, village]}).get_json()["id"]
    rows = client.get(f"/api/v1/zones/{second}/fragility?survey=citoyens&wave=2019&domain=emploi").get_json()["rows"]
    row = next(r for r in rows if r["statistic"] == "mean_score")
    assert row["refused_reason"] == f"zone:zone:{first}" and row["estimate"] is None


def test_unknown_codes_fail_cleanly(client, demo_db, tmp_path, capsys, zones_dir):
    before = sorted(zones_dir.iterdir())
    out = tmp_path / "never.csv"
    codes = codes_file(tmp_path, ["42218", "99999", "ABC12"])
    status, err = run(capsys, "fragility", "--zone", codes, "--db", str(demo_db), "--out", str(out))
    assert status == 2
    assert "99999" in err and "ABC12" in err and "42218" not in err and "Traceback" not in err
    assert not out.exists() and sorted(zones_dir.iterdir()) == before


@pytest.mark.parametrize(
    "args,words",
    [
        (["--survey", "elus"], "survey"),
        (["--min-n", "5"], "min_n"),
        (["--wave", "1789"], "wave"),
        (["--domain", "chomage"], "chomage"),
        (["--level", "region"], "--level"),
        (["--format", "zip"], "--format"),
        (["--territory", "42"], "territory"),
        (["--wave-to", "2019"], "wave_to"),
    ],
)
def test_invalid_filters_exit_2_and_store_nothing(client, demo_db, tmp_path, capsys, zones_dir, args, words):
    before = sorted(zones_dir.iterdir())
    out = tmp_path / "never.csv"
    codes = codes_file(tmp_path, ["42218", "42207", "01001"])
    status, err = run(capsys, "fragility", "--zone", codes, *args, "--db", str(demo_db), "--out", str(out))
    assert status == 2 and words in err, err
    assert not out.exists() and sorted(zones_dir.iterdir()) == before


def test_a_missing_file_exits_2(demo_db, tmp_path, capsys):
    status, err = run(capsys, "fragility", "--zone", str(tmp_path / "nothing.csv"), "--db", str(demo_db))
    assert status == 2 and "nothing.csv" in err


def test_help_documents_zones(capsys):
    with pytest.raises(SystemExit) as done:
        main(["export", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("--zone CODES.CSV", "--zone-name NAME", "/api/v1/zones/<id>/INDICATOR", "/zone/<id>", "status 2"):
        assert words in text, words
