"""The Parquet copy of the database: layout, the same rows as DuckDB, atomic replacement, CLI."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import etl.parquet
from etl.__main__ import main as etl_main
from etl.load import load_dataset
from etl.parquet import write_parquet
from etl.schema import SURVEY_TABLES
from observatory.stats.precompute import BY_TERRITORY
from tests.conftest import random_survey, write_dataset


def _tables() -> dict[str, pd.DataFrame]:
    """The random survey (four surveys, waves 2015/2016) with the innovation item for citizens and mayors."""
    t = random_survey(11, n=600)
    r = t["respondents"]
    ids = r.loc[r.survey.isin(["citoyens", "elus"]), "respondent_id"]
    rng = np.random.default_rng(3)
    t["opinions"] = pd.DataFrame({"respondent_id": ids, "alliances_innovation": (rng.random(len(ids)) < 0.7) * 1})
    return t


@pytest.fixture
def loaded_db(mini_db, tmp_path):
    load_dataset(write_dataset(_tables(), tmp_path / "dataset"), mini_db)
    return mini_db


def _tables_of(db) -> list[str]:
    """The database's tables the tree holds: all but the estimates' copy sorted by territory."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    return sorted(n for (n,) in names if n != BY_TERRITORY)


def _read(folder, table: str) -> pd.DataFrame:
    files = sorted((folder / table).rglob("*.parquet"))
    with duckdb.connect() as con:
        return con.execute("SELECT * FROM read_parquet(?, hive_partitioning = true)", [[str(f) for f in files]]).df()


def test_layout_is_partitioned_by_survey_and_wave(loaded_db, tmp_path):
    out = tmp_path / "parquet"
    rows = write_parquet(loaded_db, out)
    assert sorted(rows) == _tables_of(loaded_db)  # every table, none forgotten
    assert sorted(p.name for p in out.iterdir()) == sorted(rows)
    for table in SURVEY_TABLES:
        files = sorted(str(p.relative_to(out / table)) for p in (out / table).rglob("*.parquet"))
        with duckdb.connect(str(loaded_db), read_only=True) as con:
            parts = con.execute(f"SELECT DISTINCT survey, wave FROM {table} ORDER BY ALL").fetchall()
        assert parts, table
        assert files == sorted(f"survey={s}/wave={w}/part-0.parquet" for s, w in parts), table
    assert (out / "opinions" / "survey=elus" / "wave=2016" / "part-0.parquet").exists()
    for table in ("territories", "meta", "datasets", "vocabulary"):
        assert [p.name for p in (out / table).iterdir()] == ["part-0.parquet"]


def test_rows_and_values_equal_the_database(loaded_db, tmp_path):
    out = tmp_path / "parquet"
    rows = write_parquet(loaded_db, out)
    with duckdb.connect(str(loaded_db), read_only=True) as con:
        for table in _tables_of(loaded_db):
            expected = con.execute(f"SELECT * FROM {table}").df()
            assert rows[table] == len(expected), table
            got = _read(out, table)[list(expected.columns)]
            if table in SURVEY_TABLES:
                got["wave"] = got["wave"].astype(expected["wave"].dtype)  # a folder name: read back as BIGINT
            keys = list(expected.columns)
            pd.testing.assert_frame_equal(
                got.sort_values(keys).reset_index(drop=True),
                expected.sort_values(keys).reset_index(drop=True),
                check_dtype=table not in SURVEY_TABLES,
            )


def test_empty_survey_table_is_one_file_with_its_schema(mini_db, tmp_path):
    tables = _tables()
    del tables["opinions"]
    load_dataset(write_dataset(tables, tmp_path / "dataset"), mini_db)
    out = tmp_path / "parquet"
    assert write_parquet(mini_db, out)["opinions"] == 0
    assert [p.name for p in (out / "opinions").iterdir()] == ["part-0.parquet"]
    assert list(_read(out, "opinions").columns) == ["wave", "survey", "respondent_id", "alliances_innovation"]


def test_a_failed_write_leaves_the_previous_parquet(loaded_db, tmp_path, monkeypatch):
    out = tmp_path / "parquet"
    write_parquet(loaded_db, out)
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    with duckdb.connect(str(loaded_db)) as con:  # new data, written before the failure if not atomic
        con.execute("DELETE FROM fragility WHERE domain = 'emploi'")
        con.execute("UPDATE meta SET value = 'changed' WHERE key = 'data_version'")
    real_copy = etl.parquet._copy

    def failing(con, table, folder):
        if table == "respondents":
            raise OSError("disk full")
        return real_copy(con, table, folder)

    monkeypatch.setattr(etl.parquet, "_copy", failing)
    with pytest.raises(OSError, match="disk full"):
        write_parquet(loaded_db, out)
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before
    assert not list(tmp_path.glob("parquet.*"))  # no temporary folder left


def test_leftovers_of_a_killed_write_are_removed(loaded_db, tmp_path):
    out = tmp_path / "parquet"
    (tmp_path / "parquet.abc123.tmp" / "fragility").mkdir(parents=True)  # as a killed write leaves it
    write_parquet(loaded_db, out)
    write_parquet(loaded_db, out)  # replaces a tree that exists
    assert not list(tmp_path.glob("parquet.*"))
    assert (out / "respondents").is_dir()


def test_cli_writes_parquet_after_a_load_and_on_demand(mini_db, tmp_path):
    folder = write_dataset(_tables(), tmp_path / "dataset")
    assert etl_main(["load", str(folder), "--db", str(mini_db), "--no-parquet"]) == 0
    assert not (mini_db.parent / "parquet").exists()
    assert etl_main(["parquet", "--db", str(mini_db), "--out", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "fragility").is_dir()
    assert etl_main(["load", str(folder), "--db", str(mini_db), "--replace"]) == 0
    beside = mini_db.parent / "parquet"
    assert len(_read(beside, "respondents")) == len(_tables()["respondents"])


def test_first_start_with_spark_writes_the_missing_parquet(loaded_db, tmp_path):
    import dataclasses

    from observatory.core.config import get_settings
    from observatory.startup import ensure_database

    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "departement.geojson").write_text("{}")  # the geometry is there: no build
    settings = dataclasses.replace(get_settings(), db_path=loaded_db, geo_dir=geo, engine="pyspark", parquet=None)
    ensure_database(settings)
    assert (tmp_path / "parquet" / "meta" / "part-0.parquet").exists()
    stamp = (tmp_path / "parquet").stat().st_ino
    ensure_database(settings)  # present: left alone
    assert (tmp_path / "parquet").stat().st_ino == stamp
