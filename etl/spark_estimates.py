"""The ``estimates`` table computed on Spark, for a Parquet tree (``OBSERVATORY_ENGINE=pyspark``).

Load inputs (the survey tables of a Parquet tree, through Spark) / process (the same Ibis
expressions and numpy estimator as on DuckDB, :mod:`observatory.stats.precompute`: the scan of the
answers runs on Spark, the sums of its per-commune moments in the driver; the rank sets of those
estimates, as the load computes them) / save (``estimates/`` in the tree, partitioned Hive-style by
survey and wave like the survey tables, and ``rank_sets/``).

Called by :func:`etl.parquet.write_parquet` on the tree it is about to swap in, so that the web
tier reads the new data and their estimates together (DuckDB over this Parquet: a lookup, never a
Spark job during a request).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from etl.ranks import rank_sets_table
from observatory.data.spark_db import connect, spark_session
from observatory.stats.precompute import TABLE_COLUMNS, all_estimates

Progress = Callable[[str], None]
PARTITIONS = ("survey", "wave")


def spark_estimates(location: str, master: str = "local[2]", say: Progress | None = None, session=None) -> pd.DataFrame:
    """Every stored cell of the Parquet tree at ``location``, computed on Spark."""
    report = say or (lambda _m: None)
    backend = connect(location, master, session or spark_session(master))
    return all_estimates(backend, report)


def write_estimates_parquet(table: pd.DataFrame, folder: Path) -> int:
    """Write the estimates under ``folder`` (created), partitioned by survey and wave; rows written."""
    folder.mkdir(parents=True, exist_ok=False)
    with duckdb.connect(":memory:") as con:
        con.register("estimates_frame", table[list(TABLE_COLUMNS)])
        path = str(folder).replace("'", "''")
        columns = ", ".join(TABLE_COLUMNS)
        if table.empty:  # no partition to write: one file with the schema, so that readers find it
            con.execute(f"COPY (SELECT {columns} FROM estimates_frame) TO '{path}/part-0.parquet' (FORMAT PARQUET)")
            return 0
        con.execute(
            f"COPY (SELECT {columns} FROM estimates_frame ORDER BY indicator, level, size_class NULLS FIRST, "
            f"measure, statistic, territory_code) TO '{path}' "
            f"(FORMAT PARQUET, PARTITION_BY ({', '.join(PARTITIONS)}), FILENAME_PATTERN 'part-{{i}}')"
        )
    return len(table)


def build_estimates_parquet(tree: Path, master: str = "local[2]", say: Progress | None = None, session=None) -> int:
    """Compute the tree's estimates on Spark and write them into it as ``estimates/``; cells stored."""
    report = say or (lambda _m: None)
    start = time.perf_counter()
    table = spark_estimates(str(tree), master, report, session)
    cells = write_estimates_parquet(table, Path(tree) / "estimates")
    report(f"estimations (Spark) : {cells:,} cellules en {time.perf_counter() - start:.1f} s".replace(",", " "))
    write_rank_sets_parquet(table, Path(tree), report)
    return cells


def write_rank_sets_parquet(table: pd.DataFrame, tree: Path, say: Progress | None = None) -> int:
    """The rank sets of the Spark-computed estimates, as ``rank_sets/`` in the tree (replacing the copy).

    The same computation as the load's (:func:`etl.ranks.rank_sets_table`, in the driver: the cells
    are the Spark job's result), on the tree's small-area table (the database's model, copied) and
    its territories' counts: the web tier reads the ranks of the very estimates it shows.
    """
    report = say or (lambda _m: None)
    start = time.perf_counter()
    with duckdb.connect(":memory:") as con:
        territories = str(tree / "territories" / "**" / "*.parquet").replace("'", "''")
        totals = dict(
            con.execute(f"SELECT level, count(*) FROM read_parquet('{territories}') GROUP BY level").fetchall()
        )
        model = None
        if (tree / "sae_estimates").is_dir():
            sae = str(tree / "sae_estimates" / "**" / "*.parquet").replace("'", "''")
            model = con.execute(f"SELECT * FROM read_parquet('{sae}')").df()
        ranked = rank_sets_table(table, model, {k: int(v) for k, v in totals.items()})
        ranked["wave"] = ranked["wave"].astype("int64") if len(ranked) else ranked["wave"]
        folder = tree / "rank_sets"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        con.register("rank_frame", ranked)
        path = str(folder / "part-0.parquet").replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM rank_frame ORDER BY level, territory_code, indicator, survey, wave, method, "
            f"measure, statistic) TO '{path}' (FORMAT PARQUET)"
        )
    report(f"rangs (Spark) : {len(ranked):,} lignes en {time.perf_counter() - start:.1f} s".replace(",", " "))
    return len(ranked)


__all__ = ["build_estimates_parquet", "spark_estimates", "write_estimates_parquet", "write_rank_sets_parquet"]
