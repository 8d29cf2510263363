"""Read-only access to the observatory database through Ibis.

The app never writes: it opens the database read-only, and reopens it when the ETL has swapped
in a new file (a load replaces the file atomically), so that new data are served without a
restart. DuckDB connections are not safe to share between threads, hence the lock.

Several processes (gunicorn workers, replicas on other machines) may read the same file: each
spills to its own temporary folder, never beside the database (the data folder may be read-only
and is shared), and sums on one thread, so that every process computes the same bits: DuckDB's
parallel aggregation adds floats in an order that varies between runs (last-digit differences).
A connection is never carried across a fork (``gunicorn --preload``): every open handle is closed
just before any ``os.fork`` (:func:`os.register_at_fork`), so the parent and the child each open
their own when they next read. Closing matters: DuckDB keeps one instance per file and process,
and a child that inherited the parent's would reconnect to it, on the file the parent had opened,
however often a load replaced that file since (and its workers crashed at the first swap).

DuckDB has no statement timeout: :meth:`ReadOnlyData.time_limit` bounds a thread's queries by
waiting for the connection only until a deadline and by interrupting (``con.interrupt()``, from a
timer thread) a query still running at it; both raise :class:`QueryTimeout`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb
import ibis
import pandas as pd

T = TypeVar("T")
DUCKDB_MEMORY = os.environ.get("OBSERVATORY_DUCKDB_MEMORY", "2GB")
# 1: deterministic float sums (identical answers from every process); parallelism comes from the
# web workers. Measured on 2 cores busy with other work: 16 domains × départements took the same
# time as with 2 threads (0.21 s at ×1, 1.4 s at ×20); an idle machine may favour 2 for one request.
DUCKDB_THREADS = int(os.environ.get("OBSERVATORY_DUCKDB_THREADS", "1"))
# Parent of each process's spill folder (DuckDB's default, '<db>.tmp', is in the data folder).
DUCKDB_TEMP = os.environ.get("OBSERVATORY_DUCKDB_TEMP", tempfile.gettempdir())
INTERRUPT_EVERY = 0.02  # seconds between two interrupts of a query past its time limit


def spill_folder() -> Path:
    """This process's own DuckDB spill folder (created by DuckDB only if a query spills)."""
    return Path(DUCKDB_TEMP) / f"observatory-duckdb-{os.getpid()}"


class QueryTimeout(RuntimeError):
    """Queries that ran out of their time limit (interrupted, or left waiting for the connection)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"the database work took longer than {seconds:g} s")


@contextlib.contextmanager
def interrupt_at(deadline: tuple[float, float] | None, interrupt: Callable[[], None]) -> Iterator[None]:
    """Call ``interrupt`` if the block still runs at ``deadline`` (monotonic time, limit in s).

    The interrupted query's error becomes :class:`QueryTimeout`. Past the deadline, ``interrupt``
    is called again every few milliseconds: an interrupt that arrives between two statements (while
    Ibis compiles, say) is lost. It is never called once the block has ended (a flag under a lock),
    so that it never stops the next query on the connection.
    """
    if deadline is None:
        yield
        return
    if deadline[0] <= time.monotonic():
        raise QueryTimeout(deadline[1])
    guard, done = threading.Lock(), threading.Event()
    fired = threading.Event()

    def watch() -> None:
        if done.wait(deadline[0] - time.monotonic()):
            return
        while True:
            with guard:
                if done.is_set():
                    return
                fired.set()
                interrupt()
            if done.wait(INTERRUPT_EVERY):
                return

    threading.Thread(target=watch, name="query-time-limit", daemon=True).start()
    try:
        yield
    except duckdb.InterruptException as exc:
        if fired.is_set():
            raise QueryTimeout(deadline[1]) from exc
        raise
    finally:
        with guard:
            done.set()


_OPEN_HANDLES: weakref.WeakSet = weakref.WeakSet()
FORK_WAIT = 10.0  # seconds a fork waits for a handle's running query before closing it anyway


def _release_before_fork() -> None:
    """Close every open handle of this process (called by ``os.fork`` before it forks)."""
    for handle in list(_OPEN_HANDLES):
        handle.release(wait=FORK_WAIT)


os.register_at_fork(before=_release_before_fork)


class ReadOnlyData:
    """What every engine's handle shares: a lock, a renewable connection, the ``meta`` table.

    Subclasses define ``_ensure``: (re)connect when the data were replaced, and read ``meta``;
    and, if they can stop a running query, ``_interrupt`` and ``interruptible = True`` (see
    :meth:`time_limit`).
    """

    interruptible = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._con = None
        self._stamp: tuple | None = None
        self._meta: dict[str, str] = {}
        self._limits = threading.local()  # each thread (web request) its own deadline
        _OPEN_HANDLES.add(self)

    def release(self, wait: float = -1) -> None:
        """Close the connection (the next read opens a new one): before a fork, or to free the file.

        ``wait``: seconds to wait for a query running in another thread (-1: as long as it takes).
        """
        if not self._lock.acquire(timeout=wait):  # never close under a running query
            warnings.warn("a database handle stayed open: a query ran past the wait", RuntimeWarning, stacklevel=2)
            return
        try:
            self._close()
            self._con, self._stamp = None, None
        finally:
            self._lock.release()

    def _close(self) -> None:
        """Close this engine's connections."""
        if self._con is not None:
            self._con.disconnect()

    def _ensure(self) -> None:
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Stop the running query."""
        raise NotImplementedError

    @contextlib.contextmanager
    def time_limit(self, seconds: float | None) -> Iterator[None]:
        """Within the block, this thread's queries may take ``seconds`` in all, waiting included.

        Past it, the query running is interrupted, or the wait for the connection given up: both
        raise :class:`QueryTimeout`. Work outside the database (pandas) is not counted. On an
        engine that cannot interrupt a query (Spark: its jobs are the cluster's to bound), no limit.
        """
        previous = getattr(self._limits, "deadline", None)
        limited = seconds is not None and self.interruptible
        self._limits.deadline = (time.monotonic() + seconds, seconds) if limited else None
        try:
            yield
        finally:
            self._limits.deadline = previous

    @contextlib.contextmanager
    def _connected(self) -> Iterator[tuple[float, float] | None]:
        """The lock held and the connection current; yields this thread's deadline (or None)."""
        deadline = getattr(self._limits, "deadline", None)
        wait = -1 if deadline is None else max(0.0, deadline[0] - time.monotonic())
        if not self._lock.acquire(timeout=wait):
            raise QueryTimeout(deadline[1])
        try:
            self._ensure()
            yield deadline
        finally:
            self._lock.release()

    def run(self, fn: Callable[[ibis.BaseBackend], T]) -> T:
        """Call ``fn(backend)`` under the lock, on a connection to the current data."""
        with self._connected() as deadline, interrupt_at(deadline, self._interrupt):
            return fn(self._con)

    def table(self, name: str):
        """An Ibis table of the current connection (use inside :meth:`run`)."""
        with self._connected():
            return self._con.table(name)

    def lookup(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query of the stored estimates (``estimates`` table): the engine's own, by default.

        Engines whose queries are jobs (Spark) answer it from a faster reader of the same cells.
        """
        return self.query(sql, params)

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def tables(self) -> set[str]:
        """The names of the tables (and views) of the current data; errors propagate."""
        return set(self.query("SELECT table_name FROM information_schema.tables")["table_name"])

    def has_table(self, name: str) -> bool:
        """Whether the current data have a table: False only when it is really missing.

        A database built before a table existed is answered from the micro-data; any other error
        (a timed-out or failed read) propagates and is never mistaken for "no table".
        """
        return name in self.tables()

    @property
    def meta(self) -> dict[str, str]:
        """The ``meta`` table of the current data."""
        with self._connected():
            return dict(self._meta)

    @property
    def version(self) -> str:
        """The data version: changes whenever a load changes the data."""
        return self.meta.get("data_version", "empty")


class Database(ReadOnlyData):
    """A read-only handle on the database file, reopened when the file is replaced."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)

    def _file_stamp(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return (st.st_ino, st.st_mtime_ns)

    def _ensure(self) -> None:
        stamp = self._file_stamp()
        if self._con is None or stamp != self._stamp:
            if self._con is not None:
                self._con.disconnect()  # DuckDB would hand the next connect the same (old) instance
                self._con = None
            self._con = ibis.duckdb.connect(str(self.path), read_only=True)
            # Set after connecting (the same options at connect time would clash with any other
            # connection of this process to the file). DuckDB's buffer pool defaults to 80 % of
            # RAM; a read-only web worker needs far less.
            self._con.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            self._con.raw_sql(f"SET threads = {DUCKDB_THREADS:d}")
            self._con.raw_sql("SET temp_directory = '{}'".format(str(spill_folder()).replace("'", "''")))
            self._stamp = stamp
            try:
                self._meta = dict(self._con.raw_sql("SELECT key, value FROM meta").fetchall())
            except duckdb.CatalogException:  # no meta table: not a database of ours (see health.py)
                self._meta = {}

    interruptible = True

    def _interrupt(self) -> None:
        self._con.con.interrupt()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A parameterised SQL query (values bound, never formatted in) as a DataFrame."""
        with self._connected() as deadline:
            cur = self._con.con.cursor()
            try:
                with interrupt_at(deadline, cur.interrupt):  # the cursor is a connection of its own
                    return cur.execute(sql, params or []).df()
            finally:
                cur.close()
