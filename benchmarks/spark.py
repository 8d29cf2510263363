"""The statistics on Spark (local[2], Parquet) against DuckDB, at sample scales ×1 and ×20.

Usage: ``python -m benchmarks.spark [--runs 5] [--scales 1,20] [--out benchmarks/results]``;
``--quick`` runs once at scales ×1 and ×2 (the smoke test's mode). Writes ``<out>/spark.md`` and
``<out>/spark.json``.

Measured, for the query of ``benchmarks/run.py`` (fragility, all 16 domains × départements, one
survey and wave, empty caches each run):
- DuckDB: the observatory's usual engine on the database file;
- Spark: the same statistics layer on ``ibis.pyspark`` over the Parquet tree, its first query on
  the data (the JVM's first at ×1) and then warm runs;
- the Spark session's start (a JVM), registering the Parquet tables, and the Parquet writing
  (``python -m etl parquet``: what it adds to a load).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import write_results
from benchmarks.run import ROOT, build_scales, stat

EXPECTED_ROWS = 16 * 101 * 2  # 16 domains × 101 départements × (mean_score, priority_share)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure_scale(db: Path, session, runs: int) -> dict:
    """Parquet writing, then the statistics on DuckDB and on Spark, for one database."""
    from etl.parquet import write_parquet
    from observatory.core import reference as ref
    from observatory.core.config import get_settings
    from observatory.data.service import Observatory
    from observatory.data.spark_db import SparkDatabase
    from observatory.stats import Query

    parquet = db.parent / "parquet"
    parquet_s, rows = timed(lambda: write_parquet(db, parquet))
    # Computed from the micro-data on both engines (the stored estimates would make both lookups).
    settings = dataclasses.replace(get_settings(), db_path=db, geo_dir=db.parent / "geo", precomputed=False)
    query = Query("fragility", 2015, "citoyens", "departement", tuple(ref.DOMAIN_CODES))

    def run_once(obs: Observatory) -> float:
        elapsed, table = timed(lambda: obs.estimate(query))
        assert len(table) == EXPECTED_ROWS, len(table)
        return elapsed

    duck = []
    for _ in range(runs):
        obs = Observatory(settings)
        _ = obs.db.meta  # open the file: not part of the statistics
        duck.append(run_once(obs))
    sdb = SparkDatabase(str(parquet), session=session)
    register_s, _ = timed(lambda: sdb.meta)  # the tables registered as views, meta read
    first = run_once(Observatory(settings, db=sdb))
    warm = [run_once(Observatory(settings, db=sdb)) for _ in range(runs)]  # a new engine: empty caches
    batch_spark, batch_duck = estimates_batch(db, parquet)
    return {
        "batch_spark_s": batch_spark,
        "batch_duckdb_s": batch_duck,
        "parquet_rows": sum(rows.values()),
        "parquet_s": parquet_s,
        "parquet_mb": sum(p.stat().st_size for p in parquet.rglob("*.parquet")) / 1e6,
        "register_s": register_s,
        "duckdb": stat(duck),
        "spark_first_s": first,
        "spark_warm": stat(warm),
    }


def estimates_batch(db: Path, parquet: Path) -> tuple[float, float]:
    """Seconds of the whole estimates batch, as an operator runs it, once each (minutes at ×20).

    Spark: ``OBSERVATORY_ENGINE=pyspark python -m etl parquet`` in its own process (JVM start,
    the tables copied, the estimates computed on Spark and written, the tree swapped in).
    DuckDB: ``python -m etl estimates`` on a copy of the database (computed and stored, swapped in).
    """
    import os
    import shutil
    import subprocess

    out = parquet.parent / "parquet-spark-batch"
    env = {**os.environ, "OBSERVATORY_ENGINE": "pyspark"}
    cmd = [sys.executable, "-m", "etl", "parquet", "--db", str(db), "--out", str(out)]
    spark_s, _ = timed(lambda: subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True))
    shutil.rmtree(out, ignore_errors=True)
    copy = db.with_name("estimates-copy.duckdb")
    shutil.copy2(db, copy)
    cmd = [sys.executable, "-m", "etl", "estimates", "--db", str(copy)]
    duck_s, _ = timed(lambda: subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True))
    copy.unlink()
    return spark_s, duck_s


def markdown(results: dict) -> str:
    lines = [
        f"# Spark benchmark — {results['date']}",
        "",
        f"Machine: {results['machine']}; load average at the start {results['load_average']}.",
        f"Spark {results['spark_version']}, master `{results['master']}`. Runs per measure: {results['runs']}.",
        "Query: fragility, 16 domains × départements, one survey and wave, empty caches (medians, min–max).",
        "",
        f"Spark session start (JVM): {results['session_start_s']:.1f} s.",
        "",
        "| scale | input rows | DuckDB | Spark, warm | Spark, first query | ratio | tables registered | "
        "Parquet written | Parquet size | DuckDB load (without Parquet) | estimates batch, Spark (`etl parquet`) | "
        "estimates batch, DuckDB (`python -m etl estimates`) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in results["scales"]:
        d, w = s["duckdb"], s["spark_warm"]
        lines.append(
            f"| ×{s['scale']:g} | {s['input_rows']:,} | {d['median']:.2f} s ({d['min']:.2f}–{d['max']:.2f}) | "
            f"{w['median']:.2f} s ({w['min']:.2f}–{w['max']:.2f}) | {s['spark_first_s']:.1f} s | "
            f"{w['median'] / d['median']:.1f}× | {s['register_s']:.1f} s | {s['parquet_s']:.1f} s | "
            f"{s['parquet_mb']:.0f} MB | {s['load_s']:.1f} s | {s['batch_spark_s']:.1f} s | {s['batch_duckdb_s']:.1f} s |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", default="1,20")
    parser.add_argument("--quick", action="store_true", help="smoke mode: one run, scales ×1 and ×2")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    scales = [1.0, 2.0] if args.quick else [float(s) for s in args.scales.split(",")]
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="obs-spark-bench-") as tmp:
        dbs, growth = build_scales(Path(tmp), scales)
        from observatory.data.spark_db import spark_session

        master = "local[2]"
        session_start_s, session = timed(lambda: spark_session(master))
        rows = []
        for g in growth:
            row = {**g, **measure_scale(dbs[g["scale"]], session, runs)}
            rows.append(row)
            print(
                f"×{g['scale']:g}: DuckDB {row['duckdb']['median']:.2f} s, Spark warm {row['spark_warm']['median']:.2f} s,"
                f" first {row['spark_first_s']:.1f} s; Parquet {row['parquet_s']:.1f} s",
                flush=True,
            )
        version = session.version
        session.stop()
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "load_average": load_average,
        "spark_version": version,
        "master": master,
        "runs": runs,
        "quick": args.quick,
        "session_start_s": session_start_s,
        "scales": rows,
    }
    text = markdown(results)
    write_results(args.out, "spark", results, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
