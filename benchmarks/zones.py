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

``--bulk N``: instead, ``N`` random zones at once (:mod:`etl.zones`, what ``python -m etl zones``
runs; each zone 5 to 200 communes of one random département), on the numpy path and with the moments
summed by Spark (``--spark-master``, default local[2]); writes ``<out>/zones_bulk.md`` and ``.json``.
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


def random_zones(zm, n: int, seed: int = 28) -> list:
    """``n`` zones of 5 to 200 communes of one random département each."""
    from etl.zones import BulkZone

    rng = np.random.default_rng(seed)
    deps = zm.dep_of_commune
    by_dep = [np.flatnonzero(deps == d) for d in range(int(deps.max()) + 1)]
    by_dep = [c for c in by_dep if len(c) >= 5]
    zones = []
    for i in range(n):
        pool = by_dep[int(rng.integers(len(by_dep)))]
        size = int(rng.integers(5, min(200, len(pool)) + 1))
        zones.append(BulkZone(f"z{i}", np.sort(rng.choice(pool, size, replace=False))))
    return zones


def bulk(db: Path, n: int, engines: list[str], master: str) -> dict:
    """The time of ``n`` random zones on each engine (the answers read once, before)."""
    from etl.zones import bulk_cells, load_moments, territory_names
    from observatory.core.config import get_settings

    t0 = time.perf_counter()
    zm = load_moments(db)
    out = {"zones": n, "answers_read_s": time.perf_counter() - t0, "engines": {}}
    zones = random_zones(zm, n)
    out["communes_per_zone"] = float(np.mean([len(z.communes) for z in zones]))
    names, min_n = territory_names(db), get_settings().min_n
    for engine in engines:
        session, started = None, time.perf_counter()
        if engine == "pyspark":
            from observatory.data.spark_db import spark_session

            session = spark_session(master)
        start = time.perf_counter()
        table = bulk_cells(zm, zones, min_n, engine, session, names)
        seconds = time.perf_counter() - start
        refused = int(table["refused_reason"].notna().sum())
        out["engines"][engine] = {"seconds": seconds, "session_s": start - started, "rows": len(table),
                                  "refused_cells": refused, "master": master if session else None}  # fmt: skip
        if session is not None:
            session.stop()
        print(f"{engine}: {n} zones in {seconds:.1f} s", flush=True)
    return out


def bulk_markdown(results: dict) -> str:
    r = results["bulk"]
    lines = [
        f"# {r['zones']:,} zones in bulk — {results['date']}".replace(",", " "),
        "",
        f"Machine: {results['machine']}. Database `{results['db']}`. `python -m etl zones` "
        f"({r['communes_per_zone']:.0f} communes per zone on average, one random département each; the "
        f"answers read once in {r['answers_read_s']:.1f} s, not counted below).",
        "",
        "| engine | zones' cells, guarded (s) | per zone (ms) | Spark session start (s) | rows | refused cells |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for engine, e in r["engines"].items():
        lines.append(
            f"| {engine}{' ' + e['master'] if e['master'] else ''} | {e['seconds']:.1f} | "
            f"{1000 * e['seconds'] / r['zones']:.1f} | {e['session_s']:.1f} | {e['rows']:,} | {e['refused_cells']:,} |"
        )
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
    parser.add_argument("--bulk", type=int, help="N random zones at once (python -m etl zones) instead")
    parser.add_argument("--engines", default="duckdb,pyspark", help="with --bulk: the engines, comma-separated")
    parser.add_argument("--spark-master", default="local[2]")
    args = parser.parse_args(argv)
    if args.bulk:
        results = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
            f"{platform.python_implementation()} {platform.python_version()}",
            "db": str(args.db),
            "bulk": bulk(args.db, args.bulk, args.engines.split(","), args.spark_master),
        }
        text = bulk_markdown(results)
        write_results(args.out, "zones_bulk", results, text)
        print(text)
        return 0
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
