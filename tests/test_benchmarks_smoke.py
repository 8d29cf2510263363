"""The benchmark suite works (smoke mode: one run of every measure at scales ×1 and ×2).

It checks that every measure is produced with sane values, not how fast anything is: speed is
measured by ``python -m benchmarks`` and reported in benchmarks/results/, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# Two database builds, the naive app and a browser: 150 s on 2 cores, the largest single test. It
# runs in the exhaustive tier (bash tests/run.sh -m exhaustive), with the benchmarks themselves.
@pytest.mark.browser
@pytest.mark.exhaustive
def test_benchmark_suite_runs_in_quick_mode(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    keys = {row["key"] for row in results["rows"]}
    assert keys == {
        "stats_x1", "stats_x20", "load_x20", "nav_departement", "nav_epci", "nav_commune", "heap_commune",
        "change_departement", "change_commune", "bytes_departement", "bytes_commune", "memory",
    }  # fmt: skip
    by_key = {row["key"]: row for row in results["rows"]}
    for row in results["rows"]:
        assert row["ours"]["median"] > 0, row
    for key in ("nav_departement", "nav_commune", "change_departement", "change_commune"):
        assert by_key[key]["baseline"]["median"] > 0  # the naive app was measured in the same run
    # the naive figure embeds the geometry: it sends far more than our colour patch
    assert by_key["bytes_departement"]["baseline"]["median"] > by_key["bytes_departement"]["ours"]["median"]
    assert [g["scale"] for g in results["growth"]] == [1.0, 2.0]
    assert results["growth"][1]["input_rows"] > 1.8 * results["growth"][0]["input_rows"]
    assert "| measure | observatory | baseline |" in (tmp_path / "results.md").read_text()
