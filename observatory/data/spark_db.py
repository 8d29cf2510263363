"""Read-only access to the observatory's Parquet tree through Apache Spark (``OBSERVATORY_ENGINE=pyspark``).

:class:`SparkDatabase` has the interface of :class:`observatory.data.db.Database`: the statistics layer's
Ibis expressions run unchanged on ``ibis.pyspark.connect(session)``, and the few SQL queries of
the app (reference tables, with ``?`` parameters) run as Spark SQL with bound parameters. Every
table of the tree written by ``python -m etl parquet`` is registered as a temporary view; a local
tree swapped in by a new load is noticed (its folder changes) and registered again.

The session is local (``local[N]``: Spark inside this process, on N cores, no network beyond the
loopback) or a cluster's master URL. Nothing is downloaded: extra jars (hadoop-aws for s3a://)
are the deployment's, through ``spark-defaults.conf`` (see the README, Scaling out).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import ibis
import pandas as pd

from observatory.core.config import local_path
from observatory.data.db import ReadOnlyData

LOG_CONFIG = Path(__file__).resolve().parent / "spark-log4j2.properties"
LOCAL_BROADCAST_BYTES = 128 * 1024 * 1024  # Spark's default, 10 MB, is sized for shipping over a network
LOCAL_DIRECT_RESULT_BYTES = 100 * 1024 * 1024  # below spark.rpc.message.maxSize (128 MB)


def local_cores(master: str) -> int | None:
    """The cores of a local master (``local``, ``local[4]``, ``local[*]``); None for a cluster."""
    found = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())
    if found is None:
        return None
    n = found.group(1)
    return 1 if n is None else (os.cpu_count() or 1) if n == "*" else max(1, int(n))


def spark_session(master: str = "local[2]", app_name: str = "observatory"):
    """A Spark session (the existing one if this process has one), with quiet logs and UTC times."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        # Results come back to pandas through Arrow (without it, row by row through Py4J).
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
    )
    cores = local_cores(master)
    if cores is not None:
        # Small data on a few local cores: as many shuffle partitions as cores, and no adaptive
        # execution, whose stage-by-stage planning costs more than it saves here (0.5 s against
        # 1.3 s for the départements' 16 domains, measured on 2 cores). One JVM: the respondents
        # of a wave are broadcast to the answers rather than both shuffled (×20: 3.4 s against 7.7 s).
        builder = (
            builder.config("spark.sql.shuffle.partitions", str(cores))
            .config("spark.sql.autoBroadcastJoinThreshold", str(LOCAL_BROADCAST_BYTES))
            .config("spark.default.parallelism", str(cores))
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.ui.enabled", "false")
            # The estimates batch brings per-commune moments back to the driver (up to ~40 MB a
            # scan): sent directly rather than parked in the block manager, where under memory
            # pressure they were evicted before being read ("TaskResultLost", seen on 2 cores).
            .config("spark.task.maxDirectResultSize", str(LOCAL_DIRECT_RESULT_BYTES))
            .config("spark.driver.memory", "2g")
            # Local mode talks to itself only: never bind or advertise another interface.
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def table_names(location: str, session) -> list[str]:
    """The tables of a Parquet tree: its sub-folders (listed through Hadoop, so any file system)."""
    jvm = session.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration())
    names = [status.getPath().getName() for status in fs.listStatus(path) if status.isDirectory()]
    return sorted(n for n in names if not n.startswith((".", "_")))


def register_parquet(session, location: str) -> list[str]:
    """Register every table of the tree at ``location`` as a temporary view of ``session``."""
    root = location.rstrip("/")
    names = table_names(root, session)
    if not names:
        raise FileNotFoundError(f"{location}: no Parquet tables; run 'python -m etl parquet' first")
    for name in names:
        path = f"{root}/{name}"
        # basePath: the survey / wave folders are partition columns of the table.
        session.read.option("basePath", path).parquet(path).createOrReplaceTempView(name)
    return names


def connect(location: str, master: str = "local[2]", session=None) -> ibis.BaseBackend:
    """An Ibis PySpark backend on the Parquet tree at ``location`` (its tables as views)."""
    session = session or spark_session(master)
    register_parquet(session, location)
    return ibis.pyspark.connect(session)


def parquet_reader(folder: Path):
    """An in-memory DuckDB connection with a view on every table of the Parquet tree at ``folder``.

    The survey tables (and ``estimates``) are partitioned Hive-style by survey and wave: the
    partition values come back as columns, ``wave`` as an integer.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")
    for table in sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        pattern = str(folder / table / "**" / "*.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)")
    return con


class SparkDatabase(ReadOnlyData):
    """The :class:`~observatory.data.db.Database` interface on a Parquet tree, through Spark."""

    def __init__(self, location: str, master: str = "local[2]", session=None):
        super().__init__()
        self.location = str(location)
        self.master = master
        self._session = session
        self._reader_con = None
        self._reader_stamp: tuple[int, int] | None = None

    @property
    def session(self):
        """The Spark session (started on first use: it takes seconds)."""
        with self._lock:
            if self._session is None:
                self._session = spark_session(self.master)
            return self._session

    def _tree_stamp(self) -> tuple[int, int] | None:
        """A local tree's identity, which a new load's swap changes; None for remote storage."""
        folder = local_path(self.location)
        if folder is None:
            return None
        st = os.stat(folder)
        return (st.st_ino, st.st_mtime_ns)

    def _ensure(self) -> None:
        stamp = self._tree_stamp()
        if stamp is None:  # object storage: connect once (refresh() registers a new load)
            if self._con is None:
                self._spark()
                meta = self.session.table("meta").toPandas()
                self._meta = dict(zip(meta["key"], meta["value"], strict=True))
            return
        if self._meta and stamp == self._stamp:
            return
        # A new tree: Spark's views are of the previous one; the meta come from the DuckDB reader
        # (no Spark job: the session starts only when something must be computed).
        self._con = None
        self._stamp = stamp
        cur = self._reader()
        try:
            self._meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        finally:
            cur.close()

    def _spark(self) -> ibis.BaseBackend:
        """The Ibis backend on Spark, its views registered on the current tree (started on first use)."""
        if self._con is None:
            self._con = connect(self.location, self.master, self.session)
        return self._con

    def run(self, fn):
        """Call ``fn(backend)`` on Spark, under the lock (what the stored estimates cannot answer)."""
        with self._connected():
            return fn(self._spark())

    def table(self, name: str):
        """An Ibis table of the Spark backend (use inside :meth:`run`)."""
        with self._connected():
            return self._spark().table(name)

    def _reader(self):
        """The DuckDB reader of a local tree (renewed when a load swaps the tree in); None if remote."""
        folder = local_path(self.location)
        if folder is None or not folder.is_dir():
            return None
        with self._lock:
            stamp = self._tree_stamp()
            if self._reader_con is None or stamp != self._reader_stamp:
                self._reader_con = parquet_reader(folder)
                self._reader_stamp = stamp
            return self._reader_con.cursor()

    def tables(self) -> set[str]:
        if self._reader() is not None:
            return super().tables()
        return {t.name for t in self.session.catalog.listTables()}

    def _close(self) -> None:
        # The Spark session is left alone (a JVM of its own); the DuckDB reader is closed.
        if self._reader_con is not None:
            self._reader_con.close()
        self._reader_con, self._reader_stamp, self._meta = None, None, {}

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A parameterised SQL query (``?`` markers, values bound) as a DataFrame.

        On a local tree it is answered by DuckDB over the Parquet (the reference tables and the
        ``estimates`` the batch computed on Spark): a request never waits on a Spark job for what
        was stored. Spark computes only what is not (:meth:`run`: pairwise tests, groups). A tree
        on object storage, which DuckDB cannot reach offline, is queried with Spark SQL.
        """
        cur = self._reader()
        if cur is not None:
            try:
                return cur.execute(sql, params or []).df()
            finally:
                cur.close()
        with self._lock:
            self._ensure()
            self._spark()
            return self.session.sql(sql, args=list(params) if params else None).toPandas()


__all__ = ["SparkDatabase", "connect", "parquet_reader", "register_parquet", "spark_session"]
