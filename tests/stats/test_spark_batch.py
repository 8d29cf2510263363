"""Spark as the batch engine: the ETL computes the estimates on Spark, the web tier only reads them.

- ``write_parquet(engine="pyspark")`` (what ``python -m etl parquet`` does with
  ``OBSERVATORY_ENGINE=pyspark``) writes an ``estimates`` table computed on Spark from the tree;
  it equals the DuckDB-built table of the same database, every cell, to 1e-9.
- On the demonstration data, the Spark-built cells of every indicator's main survey equal the
  stored DuckDB cells to 1e-9 (the whole table was checked once by hand: 3.86 M cells, 4e-13).
- The web tier on that tree (``SparkDatabase``) answers the pages' queries without one Spark job:
  its estimates equal those of the DuckDB file.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.parquet import write_parquet
from observatory.data.db import Database
from observatory.data.spark_db import SparkDatabase, connect
from observatory.stats import Query, StatsEngine
from observatory.stats.precompute import PARENT_COLUMNS, RAW_COLUMNS, survey_estimates

pytestmark = pytest.mark.spark

KEYS = ["indicator", "survey", "wave", "level", "size_class", "measure", "statistic", "territory_code"]
TOLERANCE = 1e-9


def assert_same_cells(duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """Same cells (keys) and the same numbers, relative to max(1, |x|)."""
    duck, spark = (f.assign(size_class=f["size_class"].fillna("")) for f in (duck, spark))
    assert len(duck) > 0
    merged = duck.merge(spark, on=KEYS, how="outer", suffixes=("_duck", "_spark"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged["_merge"].value_counts().to_dict()
    for col in (*RAW_COLUMNS, *PARENT_COLUMNS):
        d, s = merged[f"{col}_duck"].to_numpy(float), merged[f"{col}_spark"].to_numpy(float)
        assert (np.isnan(d) == np.isnan(s)).all(), col
        assert np.nanmax(np.abs(d - s) / np.maximum(1.0, np.abs(d)), initial=0.0) <= TOLERANCE, col


def stored(db_path, where: str = "", params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(f"SELECT * FROM estimates {where}", params or []).df()


@pytest.fixture(scope="module")
def spark_tree(survey_db, spark, tmp_path_factory):
    tree = tmp_path_factory.mktemp("spark-batch") / "parquet"
    said: list[str] = []
    rows = write_parquet(survey_db, tree, progress=said.append, engine="pyspark", spark=spark)
    assert rows["estimates"] > 0
    assert any("Spark" in line for line in said), said  # computed on Spark, not copied from the file
    return tree


def test_spark_built_table_equals_duckdb_built(survey_db, spark_tree):
    pattern = str(spark_tree / "estimates" / "**" / "*.parquet")
    spark_table = duckdb.sql(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)").df()
    # Partitioned like the survey tables, by survey and wave.
    assert {p.name.split("=")[0] for p in (spark_tree / "estimates").iterdir()} == {"survey"}
    assert_same_cells(stored(survey_db), spark_table)


def test_web_tier_reads_the_batch_without_spark_jobs(survey_db, spark_tree, spark, monkeypatch):
    db = SparkDatabase(str(spark_tree), session=spark)

    def no_spark(*_a, **_k):
        raise AssertionError("a request waited on a Spark job")

    monkeypatch.setattr(SparkDatabase, "_spark", no_spark)
    monkeypatch.setattr(spark, "sql", no_spark)
    web, duck = StatsEngine(db), StatsEngine(Database(survey_db))
    assert web.waves() == duck.waves()
    for level in ("region", "departement", "epci"):
        q = Query("fragility", duck.waves()[-1], "citoyens", level)
        ours, expected = web.estimate(q), duck.estimate(q)
        assert len(ours) == len(expected) > 0
        pd.testing.assert_frame_equal(ours, expected, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)


MAIN = (("fragility", "citoyens"), ("partnerships", "entreprises"), ("mayors", "elus"), ("innovation", "citoyens"))


@pytest.mark.parametrize(("indicator", "survey"), MAIN)
def test_demo_spark_cells_equal_stored(demo_db, demo_parquet, spark, indicator, survey):
    wave = int(duckdb.connect(str(demo_db), read_only=True).execute(
        "SELECT max(wave) FROM datasets WHERE survey = ?", [survey]).fetchone()[0])  # fmt: skip
    cells = survey_estimates(connect(str(demo_parquet), session=spark), indicator, survey, wave)
    cells = cells[cells["n"] > 0].assign(size_class=lambda f: f["size_class"].replace("", None))
    expected = stored(demo_db, "WHERE indicator = ? AND survey = ? AND wave = ?", [indicator, survey, wave])
    assert_same_cells(expected, cells)


def test_spark_batch_ranks_its_own_estimates(survey_db, spark_tree, spark, monkeypatch):
    """The batch writes the rank sets of the estimates it computed (the load's computation, on
    Spark's cells): the same rows and sets as the database's, read by the web tier without a job."""
    pattern = str(spark_tree / "rank_sets" / "**" / "*.parquet")
    ours = duckdb.sql(f"SELECT * FROM read_parquet('{pattern}')").df()
    with duckdb.connect(str(survey_db), read_only=True) as con:
        duck = con.execute("SELECT * FROM rank_sets").df()
    keys = ["indicator", "survey", "wave", "level", "method", "measure", "statistic", "territory_code"]
    merged = duck.merge(ours, on=keys, how="outer", suffixes=("_duck", "_spark"), indicator=True)
    assert len(duck) > 0 and (merged["_merge"] == "both").all()
    for col in ("rank", "rank_low", "rank_high", "simultaneous_low", "simultaneous_high", "peers", "peers_total"):
        assert (merged[f"{col}_duck"] == merged[f"{col}_spark"]).all(), col
    for col in ("estimate", "se"):
        np.testing.assert_allclose(merged[f"{col}_spark"], merged[f"{col}_duck"], rtol=TOLERANCE, atol=TOLERANCE)
    db = SparkDatabase(str(spark_tree), session=spark)

    def no_spark(*_a, **_k):
        raise AssertionError("a request waited on a Spark job")

    monkeypatch.setattr(SparkDatabase, "_spark", no_spark)
    assert db.has_table("rank_sets")
    assert len(db.lookup("SELECT * FROM rank_sets WHERE level = ?", ["departement"])) > 0
