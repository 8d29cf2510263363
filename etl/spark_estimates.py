"""The ``estimates`` table computed on Spark, for a Parquet tree (``OBSERVATORY_ENGINE=pyspark``).

Load inputs (the survey tables of a Parquet tree, through Spark) / process (the same Ibis
expressions and numpy estimator as on DuckDB, :mod:`observatory.stats.precompute`: the scan of the
answers runs on Spark, the sums of its per-commune moments in the driver) / save (``estimates/``
in the tree, partitioned Hive-style by survey and wave like the survey tables).

Called by :func:`etl.parquet.write_parquet` on the tree it is about to swap in, so that the web
tier reads the new data and their estimates together (DuckDB over this Parquet: a lookup, never a
Spark job during a request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

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
    return cells


__all__ = ["build_estimates_parquet", "spark_estimates", "write_estimates_parquet"]
