"""The ETL's atomic writes: one command at a time per database, temporary copies beside it.

Every command that writes (``build``, ``load``, ``estimates``, ``parquet``) takes the lock of
:func:`exclusive`, writes aside (a temporary file from :func:`temp_path_beside`, a work folder
from :func:`work_folder`) and swaps its result in with one rename. Holding the lock, what killed
commands left behind is removed (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Progress = Callable[[str], None]


def temp_path_beside(path: Path) -> Path:
    """A fresh temporary file name in the same folder (so that os.replace is atomic)."""
    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(name)
    return Path(name)


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
