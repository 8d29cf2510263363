"""Heavy answers: only a few rendered at once, and kept on disk when they are deterministic.

A PDF portrait costs 2 to 15 s of CPU, a whole-level export seconds more. Unbounded, 20 PDFs took
every thread of both workers and cheap requests (pages, tiles, the API) waited over 120 s
(reliability audit, D4). So, in each web process:

- **A pool of ``OBSERVATORY_HEAVY_SLOTS`` renderings** (default 1). A request past it waits
  :data:`WAIT_SECONDS` at most, then gets HTTP 503 with ``Retry-After``; and no more requests
  wait than there are slots (the next ones get 503 at once). Heavy work thus holds at most twice
  ``heavy_slots`` threads, the waiting ones for 2 s at most; the others stay for cheap requests.
- **A disk cache** for the answers that depend only on the code, the data version and the
  request (the PDF portraits): ``<cache_dir>/<kind>/<code and data version>/<key digest>``,
  written atomically (temporary file, then ``os.replace``). A cached answer is a file read, taking
  no slot. Concurrent requests for the same answer wait for one rendering: a lock per key in the
  process, and an ``flock`` on a lock file per key across worker processes. The first rendering
  for a new data (or code) version removes the older versions' folders.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Flask, Response, jsonify

from observatory.core.config import Settings

WAIT_SECONDS = 2.0  # longest wait for a slot, or for the same answer rendered by another request
RETRY_AFTER = 10  # seconds, told to a client refused: about one PDF rendering on a busy 2-core machine
MIN_FREE_BYTES = 1 << 30  # below this free space on its disk, the cache stops writing (answers still served)
POLL_SECONDS = 0.05  # how often a wait for another process's lock file looks again
EXTENSION = "observatory.web.heavy"  # the app's HeavyWork in ``Flask.extensions``
BUSY_FR = "Serveur occupé : réessayez dans quelques secondes."
BUSY_EN = "Server busy: please retry in a few seconds."

log = logging.getLogger(__name__)


class Busy(RuntimeError):
    """Every heavy slot of this process is taken (and the wait is over): answer 503."""


def default_cache_dir() -> Path:
    """This user's cache folder in the temporary folder, beside the tile cache."""
    return Path(tempfile.gettempdir()) / f"observatory-cache-{os.getuid()}"


@functools.cache
def code_version() -> str:
    """A digest of the package's source: a new release does not serve PDFs laid out by the old one.

    Computed once per process, and first when the app is created (``create_app``), so that the
    workers forked from a preloading master share the master's: computed lazily in each worker,
    a file changed between two workers' first PDFs gave them different digests, and each then
    removed the other's cached PDFs.
    """
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]  # the whole package, not this folder
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def usable_folder(folder: Path) -> Path | None:
    """``folder``, created if needed, when it is this user's and writable; None otherwise.

    In a shared temporary folder, another user could have made it first and planted answers.
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError as exc:
        log.warning("heavy answers are not cached: %s", exc)
        return None
    if st.st_uid != os.getuid() or not os.access(folder, os.W_OK):
        log.warning("heavy answers are not cached: %s is not this user's writable folder", folder)
        return None
    return folder


class HeavyWork:
    """The slots of one web process and its disk cache (None: no cache)."""

    def __init__(self, slots: int, folder: Path | None, wait: float = WAIT_SECONDS):
        self.wait = wait
        self.folder = folder
        self._slots = threading.BoundedSemaphore(slots)
        self._places = threading.BoundedSemaphore(2 * slots)  # the slots, and as many waiting
        self._keys: dict[str, list] = {}  # key -> [its lock, requests using it]
        self._guard = threading.Lock()
        self._code: str | None = None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Run the block in a slot, waiting ``wait`` seconds at most; else raise :class:`Busy`."""
        with self._place() as deadline, _acquired(self._slots, deadline):
            yield

    def cached(
        self, kind: str, version: str, key: tuple[str, ...], make: Callable[[], bytes], current: Callable[[], bool]
    ) -> bytes:
        """The answer ``key`` of ``kind`` for data ``version``: from the disk, or made in a slot.

        ``current()`` tells, once it is made, whether the data are still ``version``: else the
        answer (perhaps made from the newer data) is served but not kept under the old version.
        """
        if self.folder is None:
            with self.slot():
                return make()
        path = self._path(kind, version, key)
        data = _read(path)
        if data is not None:
            return data
        with self._place() as deadline, self._key_lock(str(path), deadline):
            with self._file_lock(path, deadline):
                data = _read(path)
                if data is not None:  # made meanwhile, by another thread or process
                    return data
                with _acquired(self._slots, deadline):
                    data = make()
                if current():
                    self._store(path, data)
        return data

    # --- waiting, bounded -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _place(self) -> Iterator[float]:
        """A place among the slots and waiting requests (none free: Busy at once); yields the deadline."""
        if not self._places.acquire(blocking=False):
            raise Busy
        try:
            yield time.monotonic() + self.wait
        finally:
            self._places.release()

    @contextlib.contextmanager
    def _key_lock(self, key: str, deadline: float) -> Iterator[None]:
        with self._guard:
            entry = self._keys.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with _acquired(entry[0], deadline):
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._keys[key]

    @contextlib.contextmanager
    def _file_lock(self, path: Path, deadline: float) -> Iterator[None]:
        """An ``flock`` on the key's lock file (other processes); without one if the folder fails."""
        try:
            fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:  # e.g. the folder removed by a newer version: render unlocked
            log.warning("no lock file for a heavy answer: %s", exc)
            fd = None
        if fd is None:
            yield
            return
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise Busy from None
                    time.sleep(POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # releases the lock

    # --- the disk ---------------------------------------------------------------------------------
    def _path(self, kind: str, version: str, key: tuple[str, ...]) -> Path:
        """The file of an answer; its version's folder created (and older ones removed) if new."""
        if self._code is None:
            self._code = code_version()
        assert self.folder is not None
        kind_dir = self.folder / kind
        here = kind_dir / _digest(self._code, version)[:24]
        name = _digest(*key)[:32] + "." + kind
        try:
            kind_dir.mkdir(parents=True, exist_ok=True)  # (again: a cleaner may empty /tmp)
            here.mkdir()
        except FileExistsError:
            return here / name
        except OSError as exc:
            log.warning("heavy answers are not cached: %s", exc)
            return here / name
        # A new version: the older ones will not be asked again. (A request still on the old data
        # during a swap may remove this one in turn: its answers are then made once more.)
        for old in kind_dir.iterdir():
            if old != here and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return here / name

    def _store(self, path: Path, data: bytes) -> None:
        """Write ``path`` atomically; on failure (full disk, folder removed) the answer is just not kept."""
        tmp = None
        try:
            if shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
                log.warning("heavy answer not cached: less than %d bytes free in %s", MIN_FREE_BYTES, path.parent)
                return
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("heavy answer not cached: %s", exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def _acquired(lock: threading.Lock | threading.Semaphore, deadline: float) -> Iterator[None]:
    if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise Busy
    try:
        yield
    finally:
        lock.release()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # not made yet, or removed with an older version
        return None


def of(server: Flask, settings: Settings) -> HeavyWork:
    """The app's heavy work (made on first use, in each worker process after the fork)."""
    work = server.extensions.get(EXTENSION)
    if work is None:
        folder = usable_folder(settings.cache_dir or default_cache_dir())
        work = server.extensions.setdefault(EXTENSION, HeavyWork(settings.heavy_slots, folder))
    return work


def busy_response(api: bool = False) -> Response:
    """HTTP 503 with ``Retry-After`` and a short bilingual text (JSON under the API)."""
    if api:
        resp = jsonify({"error": f"{BUSY_EN} / {BUSY_FR}", "retry_after": RETRY_AFTER})
    else:
        resp = Response(f"{BUSY_FR}\n{BUSY_EN}\n", mimetype="text/plain")
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    resp.headers["Cache-Control"] = "no-store"
    return resp
