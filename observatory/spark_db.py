"""Read-only access to the observatory's Parquet tree through Apache Spark (``OBSERVATORY_ENGINE=pyspark``).

:class:`SparkDatabase` has the interface of :class:`observatory.db.Database`: the statistics layer's
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

from observatory.config import local_path
from observatory.db import ReadOnlyData

LOG_CONFIG = Path(__file__).resolve().parent / "spark-log4j2.properties"
LOCAL_BROADCAST_BYTES = 128 * 1024 * 1024  # Spark's default, 10 MB, is sized for shipping over a network


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


class SparkDatabase(ReadOnlyData):
    """The :class:`~observatory.db.Database` interface on a Parquet tree, through Spark."""

    def __init__(self, location: str, master: str = "local[2]", session=None):
        super().__init__()
        self.location = str(location)
        self.master = master
        self._session = session

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
        if self._con is None or stamp != self._stamp:
            self._con = connect(self.location, self.master, self.session)
            self._stamp = stamp
            meta = self.session.table("meta").toPandas()
            self._meta = dict(zip(meta["key"], meta["value"], strict=True))

    def refresh(self) -> None:
        """Register the tables again (for object storage, where a new load cannot be noticed)."""
        with self._lock:
            self._con = None
            self._ensure()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A parameterised Spark SQL query (``?`` markers, values bound) as a DataFrame."""
        with self._lock:
            self._ensure()
            return self.session.sql(sql, args=list(params) if params else None).toPandas()


__all__ = ["SparkDatabase", "connect", "register_parquet", "spark_session"]
