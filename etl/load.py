"""Atomic load of a dataset folder into the database.

Load inputs (read every file as text), process (validate, type, resolve territories), save
(copy the database aside, insert, swap it in with ``os.replace``). Any error before the swap
removes the copy: the previous database is never touched, and readers keep their view of it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.atomic import check_free_space, exclusive, temp_path_beside, work_folder
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


__all__ = ["ContractError", "LoadReport", "Problem", "load_dataset", "load_into"]
