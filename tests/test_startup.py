"""First start: progress at least every few seconds, the URL to open, and a clear message (not a
traceback) when the Spark engine is chosen without pyspark installed.

The heartbeat is checked with short intervals and fake slow steps (sleeps), not a real build.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
import time

import pytest

from etl import build as build_module
from etl.build import heartbeat
from observatory import startup
from observatory.core.config import PROJECT_ROOT, get_settings

BEAT = "en cours / still working"


def test_a_silent_step_gets_a_heartbeat_with_its_elapsed_time():
    said: list[tuple[float, str]] = []
    start = time.monotonic()
    with heartbeat(lambda m: said.append((time.monotonic() - start, m)), every=0.1) as say:
        say("géographie : territoires / geography: territories")
        time.sleep(0.55)  # the slow, silent step
        say("base de données / database")
    beats = [(t, m) for t, m in said if BEAT in m]
    assert len(beats) >= 3
    assert all(m.startswith("  … géographie : territoires / geography: territories (") for _t, m in beats)
    times = [t for t, _m in said]
    # never silent much past the interval (0.55 s without the heartbeat; slack for a busy machine)
    assert max(b - a for a, b in itertools.pairwise(times)) < 0.35
    assert said[-1][1] == "base de données / database"  # nothing after the block


def test_no_heartbeat_while_the_steps_talk():
    said: list[str] = []
    with heartbeat(said.append, every=0.2) as say:
        for i in range(25):
            say(f"step {i}")
            time.sleep(0.02)
    assert said == [f"step {i}" for i in range(25)]


def test_the_build_keeps_talking_during_a_slow_silent_step(monkeypatch, tmp_path):
    def slow_territories(_cantons):
        time.sleep(0.5)
        raise RuntimeError("stop here: the rest of the build is not under test")

    monkeypatch.setattr(build_module.geography, "build_territories", slow_territories)
    monkeypatch.setattr(build_module.cantons, "partition", lambda: None)
    monkeypatch.setattr(build_module, "HEARTBEAT_SECONDS", 0.1)
    said: list[str] = []
    with pytest.raises(RuntimeError, match="stop here"):
        build_module.build(tmp_path / "observatory.duckdb", tmp_path / "geo", seed=1, say=said.append)
    assert said[0] == "géographie : territoires / geography: territories"
    assert sum(m.startswith("  … géographie : territoires") and BEAT in m for m in said) >= 3


def test_the_end_says_which_page_to_open():
    settings = dataclasses.replace(get_settings(), host="127.0.0.1", port=8050)
    assert "http://127.0.0.1:8050/fragilites" in startup.open_message(settings)
    everywhere = dataclasses.replace(settings, host="0.0.0.0", port=8071)
    assert "http://127.0.0.1:8071/fragilites" in startup.open_message(everywhere)


def test_spark_engine_without_pyspark_names_the_requirements(monkeypatch):
    settings = dataclasses.replace(get_settings(), engine="pyspark")
    monkeypatch.setattr(startup.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit) as exc:
        startup.require_engine(settings)
    assert "pip install -r requirements-spark.txt" in str(exc.value.code)
    assert startup.missing_engine(dataclasses.replace(settings, engine="duckdb")) is None


def test_the_app_exits_with_the_message_not_a_traceback(tmp_path):
    # pyspark hidden as if not installed (a None entry in sys.modules: find_spec gives None).
    code = "import sys; sys.modules['pyspark'] = None; import app"
    env = {
        **os.environ,
        "OBSERVATORY_ENGINE": "pyspark",
        "OBSERVATORY_DB": str(tmp_path / "none.duckdb"),
        "OBSERVATORY_PARQUET": str(tmp_path / "parquet"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "pip install -r requirements-spark.txt" in done.stderr
    assert "Traceback" not in done.stderr
