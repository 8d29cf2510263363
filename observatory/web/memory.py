"""Keep a web process's resident memory close to what it holds (glibc's allocator, Linux).

A threaded server gives each thread its own malloc arena: memory freed by one request stays
reserved in its arena, and the process's RSS grows with the number of threads that ever ran,
not with what it keeps. Two arenas, and a trim of the free pages after requests (at most every
few seconds), bring the RSS of the app after every map page from 522 MB to about 400 MB
(measured, ``benchmarks/estimates.py``). Elsewhere than glibc, nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

from flask import Flask

M_ARENA_MAX = -8  # glibc's mallopt parameter number
ARENAS = 2
TRIM_EVERY_S = 5.0


def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 (glibc only)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap the malloc arenas (call before the server's threads start); False where not glibc."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, arenas))


def register_trim(server: Flask, every_s: float = TRIM_EVERY_S) -> None:
    """After a request, give free heap pages back to the system, at most every ``every_s`` seconds."""
    libc = _libc()
    if libc is None:
        return
    lock = threading.Lock()
    last = [0.0]

    @server.teardown_request
    def _trim(_exc: BaseException | None) -> None:
        now = time.monotonic()
        if now - last[0] < every_s or not lock.acquire(blocking=False):
            return
        try:
            last[0] = now
            libc.malloc_trim(0)
        finally:
            lock.release()
