"""Data never lost: a load killed midway leaves the previous database intact and usable, and the
app keeps serving the previous data during a load, then the new data after the swap, unrestarted."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import load_dataset
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats import Query
from tests.conftest import random_survey, write_dataset
from tests.etl.test_contract import digest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory) -> Path:
    """A dataset large enough that its load takes a few seconds (Parquet, 40,000 respondents)."""
    tables = random_survey(seed=5, n=40_000)
    for t in tables.values():  # a new wave, so it adds to the loaded one
        if "wave" in t:
            t["wave"] = 2021
    return write_dataset(tables, tmp_path_factory.mktemp("big") / "dataset", fmt="parquet")


@pytest.fixture
def loaded_db(survey_db, tmp_path) -> Path:
    db = tmp_path / "observatory.duckdb"
    shutil.copy(survey_db, db)
    return db


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["lecture / reading", "validation", "écriture / writing"])
def test_load_killed_midway_leaves_the_previous_database_intact(loaded_db, big_dataset, stage):
    before = digest(loaded_db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(big_dataset), "--db", str(loaded_db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in proc.stdout:  # progress lines: kill as soon as the stage starts
        seen.append(line)
        if stage in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"the load ended before '{stage}': {''.join(seen)}"
    assert digest(loaded_db) == before
    with duckdb.connect(str(loaded_db), read_only=True) as con:  # usable
        assert con.execute("SELECT count(*) FROM datasets WHERE wave = 2021").fetchall()[0][0] == 0
    # the next load cleans what the killed one left and succeeds
    report = load_dataset(big_dataset, loaded_db)
    assert report.rows > 100_000
    assert not list(loaded_db.parent.glob("*.tmp*"))


def test_app_serves_previous_data_during_a_load_then_the_new_data(loaded_db, big_dataset):
    obs = Observatory(dataclasses.replace(get_settings(), db_path=loaded_db, geo_dir=loaded_db.parent / "geo"))
    query = Query("fragility", 2015, "citoyens", "region")
    old_version = obs.db.version
    old = obs.estimate(query)
    assert obs.waves("citoyens") == [2015]
    errors, answers = [], []
    done = threading.Event()

    def load():
        try:
            load_dataset(big_dataset, loaded_db)
        finally:
            done.set()

    thread = threading.Thread(target=load)
    thread.start()
    while not done.is_set():  # the app keeps answering, from one version or the other, never failing
        try:
            # Two reads, not one snapshot: kept only when the version is the same on both sides of
            # the waves' read (the swap may fall between them).
            before = obs.db.version
            waves = obs.waves("citoyens")
            if obs.db.version == before:
                answers.append((before, waves))
        except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
            errors.append(repr(exc))
    thread.join()
    assert not errors
    assert all(w == [2015] for v, w in answers if v == old_version)
    assert obs.db.version != old_version  # picked up without a restart
    assert obs.waves("citoyens") == [2015, 2021]
    # the 2015 figures did not move (to float summation order: DuckDB sums in parallel)
    pd.testing.assert_frame_equal(obs.estimate(query), old, rtol=1e-12, atol=1e-15)
    assert len(obs.estimate(Query("fragility", 2021, "citoyens", "region"))) > 0
