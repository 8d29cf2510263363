"""The input contract: each kind of bad input is refused with file, row and column named, and
the database is left exactly as it was; the good variants (CSV dialects, XLSX, Parquet) load."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.contract import ContractError
from etl.load import load_dataset
from tests.conftest import random_survey, write_dataset

ROOT = Path(__file__).resolve().parents[2]


def digest(db: Path) -> str:
    """Checksum of the database file and of every table's content."""
    h = hashlib.sha256(db.read_bytes())
    with duckdb.connect(str(db), read_only=True) as con:
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            h.update(repr(con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()).encode())
    return h.hexdigest()


@pytest.fixture
def tables():
    return random_survey(seed=3, n=300)


def refuse(tables, db: Path, tmp_path: Path, **kw) -> ContractError:
    """Load a broken dataset; assert it is refused and the database is unchanged."""
    before = digest(db)
    folder = write_dataset(tables, tmp_path / "bad", **kw)
    with pytest.raises(ContractError) as info:
        load_dataset(folder, db)
    assert digest(db) == before
    assert not list(db.parent.glob("*.tmp")), "a temporary database was left behind"
    return info.value


def only(err: ContractError, file: str, column: str):
    hits = [p for p in err.problems if p.file == file and p.column == column]
    assert hits, f"no problem on {file}:{column} in {err}"
    return hits[0]


def test_missing_column(tables, mini_db, tmp_path):
    tables["respondents"] = tables["respondents"].drop(columns=["weight"])
    err = refuse(tables, mini_db, tmp_path)
    p = only(err, "respondents.csv", "weight")
    assert "missing required column" in p.message and p.rows == [1]


def test_unknown_column(tables, mini_db, tmp_path):
    tables["fragility"]["note"] = 1
    err = refuse(tables, mini_db, tmp_path)
    assert "unknown column" in only(err, "fragility.csv", "note").message


def test_unknown_commune_codes_reports_several_rows(tables, mini_db, tmp_path):
    r = tables["respondents"]
    r.loc[[4, 9, 17], "commune_code"] = ["99999", "2A00X", "1001"]
    err = refuse(tables, mini_db, tmp_path)
    p = only(err, "respondents.csv", "commune_code")
    assert p.rows == [6, 11, 19]  # header is row 1
    assert p.values == ["99999", "2A00X", "1001"]
    assert "unknown commune code" in str(err)


def test_commune_deleguee_and_arrondissement_codes_are_accepted(tables, mini_db, tmp_path):
    tables["respondents"].loc[0, "commune_code"] = "75101"
    load_dataset(write_dataset(tables, tmp_path / "ok"), mini_db)
    with duckdb.connect(str(mini_db), read_only=True) as con:
        row = con.execute(
            "SELECT commune_code, departement_code FROM respondents WHERE respondent_id = 'R00000'"
        ).fetchall()[0]
    assert row == ("75056", "75")


def test_unknown_domain(tables, mini_db, tmp_path):
    tables["fragility"].loc[2, "domain"] = "chomage"
    p = only(refuse(tables, mini_db, tmp_path), "fragility.csv", "domain")
    assert p.rows == [4] and p.values == ["chomage"]


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "", "inf"])
def test_bad_weights(tables, mini_db, tmp_path, bad):
    tables["respondents"]["weight"] = tables["respondents"]["weight"].astype(str)
    tables["respondents"].loc[5, "weight"] = bad
    p = only(refuse(tables, mini_db, tmp_path), "respondents.csv", "weight")
    assert p.rows == [7]


def test_scores_out_of_range(tables, mini_db, tmp_path):
    tables["fragility"]["score"] = tables["fragility"]["score"].astype(str)
    tables["fragility"].loc[[0, 1], "score"] = ["11", "7.5"]
    p = only(refuse(tables, mini_db, tmp_path), "fragility.csv", "score")
    assert p.rows == [2, 3] and p.count == 2


def test_duplicate_respondent_ids(tables, mini_db, tmp_path):
    r = tables["respondents"]
    r.loc[10, "respondent_id"] = r.loc[3, "respondent_id"]
    p = only(refuse(tables, mini_db, tmp_path), "respondents.csv", "respondent_id")
    assert "duplicate" in p.message and p.rows == [5, 12]


def test_answers_for_unknown_respondents(tables, mini_db, tmp_path):
    tables["fragility"].loc[0, "respondent_id"] = "NOPE"
    p = only(refuse(tables, mini_db, tmp_path), "fragility.csv", "respondent_id")
    assert p.values == ["NOPE"] and p.rows == [2]


def test_kind_set_while_partner_is_zero(tables, mini_db, tmp_path):
    part = tables["partnerships"]
    i = part.index[part.partner == 0][0]
    part.loc[i, "mecenat"] = 1
    p = only(refuse(tables, mini_db, tmp_path), "partnerships.csv", "partner")
    assert "partner is 0" in p.message and p.rows == [i + 2]


def test_survey_that_does_not_match_the_file(tables, mini_db, tmp_path):
    r = tables["respondents"]
    citizen = r.respondent_id[r.survey == "citoyens"].iloc[0]
    tables["partnerships"].loc[len(tables["partnerships"])] = [citizen, 0, 0, 0, 0, 0]
    err = refuse(tables, mini_db, tmp_path)
    p = only(err, "partnerships.csv", "survey")
    assert "entreprises and associations" in p.message and citizen in p.values[0]


def test_invalid_survey_q4_q8_size_class(tables, mini_db, tmp_path):
    r = tables["respondents"]
    r.loc[0, "survey"] = "citizens"
    ent = r.index[r.survey == "entreprises"][0]
    r.loc[ent, "size_class"] = "employeur"
    tables["mayors"].loc[0, "q4"] = "oui"
    tables["mayors"].loc[1, "q8"] = "aucun_role;porter_politiquement"
    tables["mayors"].loc[2, "q8"] = "financer"
    err = refuse(tables, mini_db, tmp_path)
    only(err, "respondents.csv", "survey")
    assert only(err, "respondents.csv", "size_class").rows == [ent + 2]
    assert only(err, "mayors.csv", "q4").rows == [2]
    q8 = [p for p in err.problems if p.column == "q8"]
    assert {tuple(p.rows) for p in q8} == {(3,), (4,)}


def test_missing_respondents_file(tables, mini_db, tmp_path):
    del tables["respondents"]
    err = refuse(tables, mini_db, tmp_path)
    assert "missing file 'respondents'" in str(err)


def test_wave_already_loaded_needs_replace(tables, mini_db, tmp_path):
    folder = write_dataset(tables, tmp_path / "first")
    load_dataset(folder, mini_db)
    err = refuse(tables, mini_db, tmp_path)
    assert "already loaded" in str(err) and "--replace" in str(err)
    tables["respondents"]["weight"] = tables["respondents"]["weight"] * 2
    load_dataset(write_dataset(tables, tmp_path / "again"), mini_db, replace=True)
    with duckdb.connect(str(mini_db), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM respondents").fetchall()[0][0]
    assert n == len(tables["respondents"])  # replaced, not appended


def test_semicolon_decimal_comma_windows1252_and_bom(tables, mini_db, tmp_path):
    folder = tmp_path / "fr"
    write_dataset(tables, folder, sep=";", decimal=",", encoding="cp1252")
    r = tables["respondents"].copy()
    r["stratum"] = "Île-de-France é"  # non-ASCII survives the Windows-1252 transcoding
    r.to_csv(folder / "respondents.csv", sep=";", decimal=",", index=False, encoding="cp1252")
    tables["fragility"].to_csv(folder / "fragility.csv", index=False, encoding="utf-8-sig")
    load_dataset(folder, mini_db)
    with duckdb.connect(str(mini_db), read_only=True) as con:
        got = con.execute("SELECT sum(weight), min(stratum), count(*) FROM respondents").fetchall()[0]
        nf = con.execute("SELECT count(*) FROM fragility").fetchall()[0][0]
    assert got[0] == pytest.approx(r["weight"].sum(), rel=1e-9)
    assert got[1] == "Île-de-France é" and got[2] == len(r)
    assert nf == len(tables["fragility"])


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_xlsx_and_parquet(tables, mini_db, tmp_path, fmt):
    tables = {k: v.head(120) if k == "respondents" else v for k, v in tables.items()}
    ids = set(tables["respondents"].respondent_id)
    tables = {k: v[v.respondent_id.isin(ids)] for k, v in tables.items()}
    load_dataset(write_dataset(tables, tmp_path / fmt, fmt=fmt), mini_db)
    with duckdb.connect(str(mini_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 120


def test_xlsx_error_names_the_row(tables, mini_db, tmp_path):
    tables["respondents"].loc[2, "wave"] = 15
    err = refuse(tables, mini_db, tmp_path, fmt="xlsx")
    assert only(err, "respondents.xlsx", "wave").rows == [4]


def test_dataset_without_strata_loads(tables, mini_db, tmp_path):
    tables["respondents"] = tables["respondents"].drop(columns=["stratum", "size_class"])
    load_dataset(write_dataset(tables, tmp_path / "nostrata"), mini_db)
    with duckdb.connect(str(mini_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM respondents WHERE stratum IS NULL").fetchall()[0][0] == 300


def test_cli_exit_status_and_message(tables, mini_db, tmp_path):
    tables["respondents"].loc[0, "commune_code"] = "00000"
    folder = write_dataset(tables, tmp_path / "cli")
    before = digest(mini_db)
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(folder), "--db", str(mini_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "respondents.csv, column 'commune_code', row 2" in proc.stderr
    assert "database is unchanged" in proc.stderr
    assert digest(mini_db) == before


def test_header_only_and_empty_files(tables, mini_db, tmp_path):
    folder = write_dataset(tables, tmp_path / "empty")
    pd.DataFrame(columns=["respondent_id", "domain", "score"]).to_csv(folder / "fragility.csv", index=False)
    (folder / "mayors.csv").write_text("")
    before = digest(mini_db)
    with pytest.raises(ContractError) as info:
        load_dataset(folder, mini_db)
    assert "no data rows" in str(info.value) or "file is empty" in str(info.value)
    assert digest(mini_db) == before
