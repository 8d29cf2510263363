"""Read-only access to the observatory database through Ibis.

The app never writes: it opens the database read-only, and reopens it when the ETL has swapped
in a new file (a load replaces the file atomically), so that new data are served without a
restart. DuckDB connections are not safe to share between threads, hence the lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import ibis
import pandas as pd

T = TypeVar("T")
DUCKDB_MEMORY = os.environ.get("OBSERVATORY_DUCKDB_MEMORY", "2GB")


class Database:
    """A read-only handle on the database file, reopened when the file is replaced."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._con = None
        self._stamp: tuple[int, int] | None = None
        self._meta: dict[str, str] = {}

    def _file_stamp(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return (st.st_ino, st.st_mtime_ns)

    def _ensure(self) -> None:
        stamp = self._file_stamp()
        if self._con is None or stamp != self._stamp:
            if self._con is not None:
                self._con.disconnect()
            self._con = ibis.duckdb.connect(str(self.path), read_only=True)
            # DuckDB's buffer pool defaults to 80 % of RAM; a read-only web worker needs far less.
            self._con.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            self._stamp = stamp
            self._meta = dict(self._con.raw_sql("SELECT key, value FROM meta").fetchall())

    def run(self, fn: Callable[[ibis.BaseBackend], T]) -> T:
        """Call ``fn(backend)`` under the lock, on a connection to the current file."""
        with self._lock:
            self._ensure()
            return fn(self._con)

    def table(self, name: str):
        """An Ibis table of the current connection (use inside :meth:`run`)."""
        with self._lock:
            self._ensure()
            return self._con.table(name)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A parameterised SQL query (values bound, never formatted in) as a DataFrame."""
        with self._lock:
            self._ensure()
            cur = self._con.con.cursor()
            try:
                return cur.execute(sql, params or []).df()
            finally:
                cur.close()

    @property
    def meta(self) -> dict[str, str]:
        """The ``meta`` table of the current file."""
        with self._lock:
            self._ensure()
            return dict(self._meta)

    @property
    def version(self) -> str:
        """The data version: changes whenever a load changes the data."""
        return self.meta.get("data_version", "empty")
