"""``python -m etl parquet``: the database's tables as Parquet, for engines other than DuckDB (Spark).

Load inputs (the DuckDB database, read-only) / process (nothing: the same rows and types) / save
(one folder per table; the survey tables partitioned Hive-style by survey and wave,
``<table>/survey=citoyens/wave=2019/part-0.parquet``, every other table as ``<table>/part-0.parquet``).
Every survey table carries ``survey`` and ``wave`` itself (``opinions`` too: it links to the
respondents by ``(wave, survey, respondent_id)``), so no join is needed to partition them.

The whole tree is written into a temporary folder beside the target and swapped in by two renames:
a failed or killed write leaves the previous Parquet untouched (the leftovers are removed by the
next write). Readers that list the folder during the swap's instant may see it missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from etl.atomic import exclusive
from etl.schema import SURVEY_TABLES
from observatory.stats.precompute import BY_TERRITORY

PARTITION_COLUMNS = ("survey", "wave")
FILE_NAME = "part-{i}"  # DuckDB's FILENAME_PATTERN: part-0.parquet, part-1.parquet...

Progress = Callable[[str], None]


def default_parquet_dir(db_path: Path) -> Path:
    """Where the ETL writes the Parquet of a database: ``parquet/`` beside it."""
    return db_path.parent / "parquet"


def write_parquet(
    db_path: Path,
    out_dir: Path,
    progress: Progress | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[2]",
    spark=None,
) -> dict[str, int]:
    """Write every table of ``db_path`` under ``out_dir`` (replaced atomically); rows per table.

    With ``engine="pyspark"`` the ``estimates`` table and its ``rank_sets`` are not copied from the
    database but computed on Spark from the tree being written (:mod:`etl.spark_estimates`), before
    the swap: the batch engine computes the cells and their ranks, the web tier reads them.
    """
    say = progress or (lambda _msg: None)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(db_path):
        for stale in out_dir.parent.glob(out_dir.name + ".*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", suffix=".tmp", dir=out_dir.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the app (or a Spark worker) must read it
        try:
            say(f"Parquet → {out_dir}")
            with duckdb.connect(str(db_path), read_only=True) as con:
                skip = {"estimates", "rank_sets"} if engine == "pyspark" else set()  # computed on Spark below
                rows = {table: _copy(con, table, tmp / table) for table in _tables(con) if table not in skip}
            if engine == "pyspark":
                from etl.spark_estimates import build_estimates_parquet

                rows["estimates"] = build_estimates_parquet(tmp, spark_master, say, spark)
                rows["rank_sets"] = _count(tmp / "rank_sets")
            _swap(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return rows


def _count(folder: Path) -> int:
    """The rows of a table written in the tree."""
    pattern = str(folder / "**" / "*.parquet").replace("'", "''")
    with duckdb.connect(":memory:") as con:
        return int(con.execute(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchone()[0])


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables to copy, but the estimates' copy sorted by territory.

    That copy serves DuckDB's lookups only: Spark, which may recompute ``estimates``, reads them
    from there, and would otherwise read a stale copy.
    """
    names = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in names if name != BY_TERRITORY]


def _copy(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> int:
    """One table into ``folder``; survey tables partitioned unless empty (no partition to write)."""
    folder.mkdir()
    (count,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    if table in SURVEY_TABLES and count:
        target, options = folder, f", PARTITION_BY ({', '.join(PARTITION_COLUMNS)}), FILENAME_PATTERN '{FILE_NAME}'"
    else:
        # An empty survey table is one file with the full schema, so that readers still find it.
        target, options = folder / (FILE_NAME.format(i=0) + ".parquet"), ""
    path = str(target).replace("'", "''")
    con.execute(f"COPY \"{table}\" TO '{path}' (FORMAT PARQUET{options})")
    return int(count)


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target`` (a folder cannot be renamed over a non-empty one)."""
    if not target.exists():
        os.rename(new, target)
        return
    old = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.old.tmp")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["PARTITION_COLUMNS", "default_parquet_dir", "write_parquet"]
