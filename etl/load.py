"""Atomic load of a dataset folder into the database.

Load inputs (read every file as text), process (validate, type, resolve territories), save
(copy the database aside, insert, swap it in with ``os.replace``). Any error before the swap
removes the copy: the previous database is never touched, and readers keep their view of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.contract import ContractError, Problem, SourceFile, find_files, read_sidecar, read_table
from etl.estimates import write_estimates
from etl.schema import SURVEY_TABLES
from etl.validate import clean_tables, existing_waves, validate

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load did."""

    waves: list[tuple[int, str, int]]  # (wave, survey, respondents)
    rows: int  # input rows read, all files together
    data_version: str


def _checksum(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def temp_path_beside(path: Path) -> Path:
    """A fresh temporary file name in the same folder (so that os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)
    return Path(name)


def load_dataset(folder: Path, db_path: Path, replace: bool = False, progress: Progress | None = None) -> LoadReport:
    """Validate ``folder`` against the contract and load it into ``db_path`` atomically.

    Raises:
        ContractError: the dataset breaks the contract; the database is untouched.
        FileNotFoundError: there is no database to load into (run ``python -m etl build``).
    """
    say = progress or (lambda _msg: None)
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no database; run 'python -m etl build' first")
    with exclusive(db_path, say):
        return load_into(folder, db_path, replace, say)


@contextlib.contextmanager
def exclusive(db_path: Path, say: Progress | None = None):
    """One ETL command at a time per database (a lock file beside it; the OS frees it if the process dies).

    A command that must wait says so, and for whom (the holder's pid and command, written in the
    lock file). Holding the lock, what killed commands left behind is removed safely: temporary
    copies of the database, and this machine's temporary folders of loads and builds whose
    process is gone.
    """
    lock = db_path.with_name(db_path.name + ".lock")
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            (say or _stderr)(
                f"en attente d'une autre commande / waiting for another ETL command ({holder}); verrou / lock: {lock}"
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(
                f"pid {os.getpid()}: {' '.join(sys.argv) or 'python'} (depuis / since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC)\n"
            )
            handle.flush()
            remove_leftovers(db_path)
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def work_folder(kind: str) -> tempfile.TemporaryDirectory:
    """A temporary folder for a load's or a build's work, named after this process (see below)."""
    return tempfile.TemporaryDirectory(prefix=f"{WORK_PREFIX}{kind}-{os.getpid()}-")


WORK_PREFIX = "observatory-etl-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_leftovers(db_path: Path) -> list[Path]:
    """What killed ETL commands left behind (call holding the lock): returns what was removed.

    Temporary copies of the database (``<db>.*.tmp`` and their ``.wal``), a killed build's
    ``sample.*`` folder beside it (older versions), and the work folders in the temporary folder
    (``observatory-etl-<kind>-<pid>-*``, and the older ``observatory-load-*``) whose process is gone.
    """
    removed: list[Path] = []
    for stale in db_path.parent.glob(db_path.name + ".*.tmp*"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    for pattern in ("sample.????????", "geo.*.tmp", "geo.*.old.tmp"):  # a killed build's folders
        for stale in db_path.parent.glob(pattern):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
    for stale in Path(tempfile.gettempdir()).glob(WORK_PREFIX + "*"):
        parts = stale.name.removeprefix(WORK_PREFIX).split("-")
        if len(parts) >= 2 and parts[1].isdigit() and not _alive(int(parts[1])):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    for stale in Path(tempfile.gettempdir()).glob("observatory-load-*"):  # before the pid was in the name
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    return removed


def check_free_space(db_path: Path, factor: float = 2.0) -> None:
    """Refuse to start a write that the disk cannot hold: about ``factor`` × the database is needed.

    A load copies the database, then grows the copy (the estimates) before the swap.
    """
    need = int(factor * db_path.stat().st_size) if db_path.exists() else 0
    free = shutil.disk_usage(db_path.parent).free
    if free < need:
        raise InsufficientSpace(db_path, need, free)


class InsufficientSpace(OSError):
    """Not enough free disk for a copy of the database and its growth."""

    def __init__(self, db_path: Path, need: int, free: int):
        self.need, self.free = need, free
        super().__init__(
            f"{db_path.parent}: {free / 1e6:,.0f} Mo libres / MB free, il en faut environ / about "
            f"{need / 1e6:,.0f} Mo / MB needed (≈ 2 × la base / the database)".replace(",", " ")
        )


def load_into(folder: Path, db_path: Path, replace: bool, say: Progress) -> LoadReport:
    """:func:`load_dataset` without the lock: for a caller that holds it (``build``)."""
    files = find_files(folder)
    sidecar = read_sidecar(folder)
    with work_folder("load") as workdir:
        work = duckdb.connect()
        try:
            work.execute("ATTACH ? AS base (READ_ONLY)", [str(db_path)])
            sources: dict[str, SourceFile] = {}
            rows = 0
            for table, path in files.items():
                say(f"lecture / reading {path.name}")
                sources[table] = read_table(work, table, path, Path(workdir))
                rows += work.execute(f"SELECT count(*) FROM raw_{table}").fetchall()[0][0]
            say("validation")
            problems = validate(work, sources)
            if not replace:
                problems += existing_waves(work, sources["respondents"].path.name)
            if problems:
                raise ContractError(problems)
            clean_tables(work, sources)
            work.execute("DETACH base")
            report = _save(work, db_path, sources, sidecar, _checksum(list(files.values())), rows, say)
        finally:
            work.close()
    return report


def _save(
    work: duckdb.DuckDBPyConnection,
    db_path: Path,
    sources: dict[str, SourceFile],
    sidecar: dict,
    checksum: str,
    rows: int,
    say: Progress,
) -> LoadReport:
    check_free_space(db_path)
    tmp = temp_path_beside(db_path)
    say("écriture / writing")
    try:
        shutil.copy2(db_path, tmp)
        work.execute("ATTACH ? AS target", [str(tmp)])
        waves = work.execute(
            "SELECT wave, survey, count(*) FROM clean_respondents GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        work.execute("BEGIN TRANSACTION")
        for table in SURVEY_TABLES:
            work.execute(
                f"DELETE FROM target.{table} WHERE (wave, survey) IN "
                "(SELECT DISTINCT (wave, survey) FROM clean_respondents)"
            )
            if work.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' AND table_name = ?",
                [f"clean_{table}"],
            ).fetchall()[0][0]:
                work.execute(f"INSERT INTO target.{table} BY NAME SELECT * FROM clean_{table}")
        now = datetime.now(UTC).replace(tzinfo=None)
        for wave, survey, count in waves:
            work.execute("DELETE FROM target.datasets WHERE wave = ? AND survey = ?", [wave, survey])
            work.execute(
                "INSERT INTO target.datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    wave,
                    survey,
                    str(sidecar.get("name", sources["respondents"].path.parent.name)),
                    str(sidecar.get("source", "")),
                    str(sidecar.get("licence", "")),
                    bool(sidecar.get("synthetic", False)),
                    checksum,
                    count,
                    now,
                ],
            )
        version = _data_version(work)
        work.execute("INSERT OR REPLACE INTO target.meta VALUES ('data_version', ?)", [version])
        work.execute("INSERT OR REPLACE INTO target.meta VALUES ('loaded_at', ?)", [now.isoformat()])
        work.execute("COMMIT")
        work.execute("DETACH target")
        # The estimates of the new data, in the same file: swapped in with them, or not at all.
        with duckdb.connect(str(tmp)) as target:
            write_estimates(target, say)
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    return LoadReport([(int(w), s, int(c)) for w, s, c in waves], rows, version)


def _data_version(work: duckdb.DuckDBPyConnection) -> str:
    """A hash of what the database holds: the checksums of every loaded wave."""
    rows = work.execute("SELECT wave, survey, checksum FROM target.datasets ORDER BY wave, survey").fetchall()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digest[:12]


__all__ = [
    "ContractError", "InsufficientSpace", "LoadReport", "Problem", "exclusive", "load_dataset", "load_into",
    "remove_leftovers", "temp_path_beside",
]  # fmt: skip
