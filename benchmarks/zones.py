"""Zones of one's own (issue 28): a zone of 500 communes, every indicator of every survey and wave.

Usage: ``python -m benchmarks.zones [--runs 5] [--db PATH] [--baseline-runs 1] [--out benchmarks/results]``;
``--quick``: one run of each measure, no baseline. Writes ``<out>/zones.md`` and ``<out>/zones.json``
(median, min and max of each measure, every run).

In one process on the database (no HTTP server: the server's own work, not the network's):

- **answers read**: :func:`observatory.data.zones.zone_moments`, what the first zone request after a
  new data version pays (afterwards kept in memory);
- **statistics, 500 communes**: every cell of every indicator, survey and wave of a zone, guarded
  (:func:`observatory.stats.zones.zone_cells`), for a contiguous zone (the Loire's communes and the
  first of Haute-Loire's) and a scattered one (every 12th commune with a citizen, France-wide);
- **API, 500 communes**: ``POST /api/v1/zones`` then ``GET /api/v1/zones/<id>/<indicator>`` of every
  indicator, survey and wave (18 tables), in JSON (the API's default) and in CSV, through Flask's
  test client, the zone's figures computed afresh each run;
- **with 1,000 stored zones**: the scattered zone checked against 1,000 zones stored before it
  (random sets of 50 to 500 communes); the first run counts their respondents, later runs reuse them;
- **baseline**: the same zone through the engine's ``groups`` level (a label repeated over the
  zone's communes), one database query per indicator, survey and wave.

Target (issue 28): a zone of 500 communes, every indicator of every survey and wave, ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks import write_results

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5  # seconds (issue 28)
STORED = 1000  # zones stored before the one measured


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def zones_of(obs) -> dict[str, list[str]]:
    """The two zones of 500 communes measured."""
    communes = obs.territories("commune")
    contiguous = communes[communes["departement_code"].isin(["42", "43"])].sort_values("code")["code"]
    counts = obs.respondent_counts("citoyens", obs.waves("citoyens")[-1], "commune")
    scattered = counts[counts > 0].sort_index().index[::12]
    return {"contiguous": list(contiguous[:500]), "scattered": list(scattered[:500])}


def measure(obs, runs: int, baseline_runs: int) -> dict:
    """Every measure on one data interface."""
    from flask import Flask

    from observatory.data import zones as dz
    from observatory.stats import zones as zs
    from observatory.web.api_zones import register_zones

    zones = zones_of(obs)
    out: dict = {}
    loads = []
    for _ in range(max(1, min(runs, 3))):
        obs.view_cache("zone_moments", 1).items.clear()
        loads.append(timed(lambda: dz.zone_moments(obs)))
    out["answers read (once per data version)"] = summary(loads)
    zm = dz.zone_moments(obs)
    for name, codes in zones.items():
        idx = zm.commune_index(codes)
        out[f"statistics, 500 communes ({name})"] = summary(
            [timed(lambda idx=idx: zs.zone_cells(zm, idx, obs.settings.min_n)) for _ in range(runs)]
        )
    with tempfile.TemporaryDirectory(prefix="obs-bench-zones-") as tmp:
        app = Flask("bench")
        register_zones(app, obs, Path(tmp))
        client = app.test_client()
        combos = obs.stats._stored_queries(obs.db.version)

        def api(fmt: str) -> None:
            obs.view_cache("zone_tables", dz.CACHED_TABLES).items.clear()
            zid = client.post("/api/v1/zones", json={"codes": zones["contiguous"]}).get_json()["id"]
            for indicator, survey, wave in combos:
                r = client.get(f"/api/v1/zones/{zid}/{indicator}?survey={survey}&wave={wave}&format={fmt}")
                assert r.status_code == 200, r.get_data(as_text=True)

        for fmt in ("json", "csv"):
            name = f"API, 500 communes: POST + {len(combos)} tables in {fmt.upper()} (contiguous)"
            out[name] = summary([timed(lambda fmt=fmt: api(fmt)) for _ in range(runs)])
    rng = np.random.default_rng(28)
    universe = zm.communes.to_numpy()
    prior = [
        zs.PriorZone(f"{k:012x}", zm.commune_index(rng.choice(universe, rng.integers(50, 500), replace=False)))
        for k in range(STORED)
    ]
    idx = zm.commune_index(zones["scattered"])
    stored = [timed(lambda: zs.zone_cells(zm, idx, obs.settings.min_n, prior=prior)) for _ in range(runs + 1)]
    out[f"statistics with {STORED:,} stored zones, first (their counts)"] = summary(stored[:1])
    out[f"statistics with {STORED:,} stored zones, next runs"] = summary(stored[1:] or stored)
    if baseline_runs:
        out["baseline: the engine's groups level (contiguous)"] = summary(
            [timed(lambda: groups_route(obs, zones["contiguous"], combos)) for _ in range(baseline_runs)]
        )
    return out


def groups_route(obs, codes: list[str], combos) -> None:
    """The zone through the engine's ``groups`` level: one query per indicator, survey and wave."""
    from observatory.stats import Query
    from observatory.stats.engine import GROUPS_LEVEL

    groups = tuple(("zone", "commune", c) for c in codes)
    obs.stats._cached.cache_clear()
    for indicator, survey, wave in combos:
        obs.stats.estimate(Query(indicator, wave, survey, GROUPS_LEVEL, groups=groups), obs.settings.min_n)


def markdown(results: dict) -> str:
    lines = [
        f"# Zones of 500 communes — {results['date']}",
        "",
        f"Machine: {results['machine']}. Database `{results['db']}`. Runs per measure: {results['runs']}; "
        "median (min–max), seconds of the server's own work (in process, no network).",
        "",
        "| measure | median | min | max | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, r in results["measures"].items():
        counted = name.startswith(("statistics, 500", "API"))
        target = f"≤ {TARGET:g} s" if counted else "—"
        met = ("yes" if r["median"] <= TARGET else "**no**") if counted else "—"
        lines.append(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {target} | {met} |")
    lines += [
        "",
        "Target (issue 28): a zone of 500 communes, every indicator of every survey and wave, ≤ 0.5 s server "
        "time. The answers are read once per data version and process (the first row), then kept in memory.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.zones", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke mode: one run of each measure, no baseline")
    parser.add_argument(
        "--db", type=Path, default=Path(os.environ.get("OBSERVATORY_DB", ROOT / "data" / "observatory.duckdb"))
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    from observatory.core.config import get_settings
    from observatory.data.service import Observatory

    obs = Observatory(dataclasses.replace(get_settings(), db_path=args.db, geo_dir=args.db.parent / "geo"))
    runs = 1 if args.quick else args.runs
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
        f"{platform.python_implementation()} {platform.python_version()}",
        "db": str(args.db),
        "runs": runs,
        "measures": measure(obs, runs, 0 if args.quick else args.baseline_runs),
    }
    text = markdown(results)
    write_results(args.out, "zones", results, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
