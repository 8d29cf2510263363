"""A load reaches a running production server: no connection crosses a fork, no worker crashes,
every worker serves the new data version within seconds, no request after the swap fails.

The deploy test runs the project's own configuration (``gunicorn -c deploy/gunicorn.conf.py``,
``preload_app = True``, two workers) as real processes, and ``python -m etl load`` as another.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import requests

from observatory.data.db import Database
from tests.conftest import random_survey, write_dataset
from tests.replicas import start_replica, stop_replica, wait_ready

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _version_db(path: Path, version: str) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('data_version', ?)", [version])
    con.close()


def test_a_forked_child_reads_the_file_that_is_there_not_the_one_its_parent_opened(tmp_path):
    path = tmp_path / "observatory.duckdb"
    _version_db(path, "A")
    _version_db(tmp_path / "new.duckdb", "B")
    db = Database(path)
    assert db.version == "A"  # the parent has the file open, as the gunicorn master after warm()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a load swaps the file in, then the child reads
        try:
            os.replace(tmp_path / "new.duckdb", path)
            os.write(write, db.version.encode())
        finally:
            os._exit(0)
    os.close(write)
    seen = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert seen == "B"
    assert db.version == "B"  # and the parent, reopened after the fork, too


@pytest.fixture
def served_db(survey_db, tmp_path) -> Path:
    db = tmp_path / "data" / "observatory.duckdb"
    db.parent.mkdir()
    shutil.copy(survey_db, db)
    return db


def _poll(url: str, stop: threading.Event, seen: list, errors: list) -> None:
    # A new connection per request: with keep-alive, a connection stays with the worker that
    # accepted it, and four of them can all land on one worker (seen on CI).
    while not stop.is_set():
        t = time.monotonic()
        try:
            r = requests.get(url + "/healthz", timeout=30, headers={"Connection": "close"})
            body = r.json()
            seen.append((t, r.status_code, body.get("pid"), body.get("data_version")))
            if r.status_code != 200:
                errors.append((t, r.status_code, r.text[:200]))
        except requests.RequestException as exc:
            errors.append((t, None, repr(exc)))
        time.sleep(0.02)


def test_a_load_during_traffic_reaches_every_production_worker(served_db, tmp_path):
    replica = start_replica("deploy", served_db, served_db.parent / "geo", tmp_path / "run", config=GUNICORN_CONF)
    stop, seen, errors = threading.Event(), [], []
    pollers = [threading.Thread(target=_poll, args=(replica.url, stop, seen, errors)) for _ in range(4)]
    try:
        wait_ready(replica)
        first = requests.get(replica.url + "/healthz", timeout=30).json()["data_version"]
        for t in pollers:
            t.start()
        deadline = time.monotonic() + 60
        while len({p for _t, _s, p, _v in seen}) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # both workers answered the old version first
        workers = {p for _t, _s, p, _v in seen}
        assert len(workers) == 2, seen[-5:]

        tables = random_survey(seed=11)  # the same waves, other answers: a new data version
        dataset = write_dataset(tables, tmp_path / "dataset")
        done = subprocess.run(
            [sys.executable, "-m", "etl", "load", str(dataset), "--db", str(served_db), "--replace", "--no-parquet"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        swapped = time.monotonic()
        assert done.returncode == 0, done.stderr
        with duckdb.connect(str(served_db), read_only=True) as con:
            new = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0]
        assert new != first
        # Every worker serves the new version within a few seconds of the swap.
        latest: dict[int, tuple[float, str]] = {}
        while time.monotonic() < swapped + 15:
            latest = {}
            for t, _status, pid, version in list(seen):
                latest[pid] = (t, version)
            if all(v == new and t > swapped for t, v in latest.values()) and workers <= set(latest):
                break
            time.sleep(0.1)
        stop.set()
        for t in pollers:
            t.join()
        assert {pid: v for pid, (_t, v) in latest.items()} == dict.fromkeys(workers, new)
        first_new = {p: min(t for t, _s, q, v in seen if q == p and v == new) for p in workers}
        print(f"every worker on the new version {max(first_new.values()) - swapped:.2f} s after the load ended")
        # No request that arrived after the swap failed; no worker was replaced (none crashed).
        assert not [e for e in errors if e[0] >= swapped], errors
        assert {p for t, _s, p, _v in seen if t > swapped} == workers
    finally:
        stop.set()
        for t in pollers:
            if t.is_alive():
                t.join()
        log = stop_replica(replica)
    assert "SIGSEGV" not in log and "was sent" not in log and "Traceback" not in log, log[-3000:]
