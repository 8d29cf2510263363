"""Command line of the ETL: ``python -m etl build | load DIR | estimates | geometry | sample --out DIR | parquet``.

And ``python -m etl zones ZONES.CSV --out RESULTS.CSV``: the cells of many zones at once (:mod:`etl.zones`).
"""

from __future__ import annotations

import argparse
import errno
import sys
import time
from pathlib import Path

import duckdb

from etl.atomic import InsufficientSpace
from etl.build import build, communes_for_sample, rebuild_geometry
from etl.contract import ContractError
from etl.estimates import rewrite_estimates
from etl.load import load_dataset
from etl.parquet import default_parquet_dir, write_parquet
from etl.sample import generate_sample, write_sample
from etl.zones import ZonesInputError
from etl.zones import run as run_zones
from observatory.core.config import ENGINES, Settings, get_settings


def _progress(start: float):
    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", flush=True)

    return say


def parquet_dir(settings: Settings, db_path: Path) -> Path:
    """Where the Parquet of ``db_path`` goes: OBSERVATORY_PARQUET if a folder, else beside the database.

    The ETL writes on this machine only: a tree meant for object storage is written beside the
    database, then copied to the bucket (see the README, Scaling out).
    """
    if db_path == settings.db_path and settings.parquet_dir is not None:
        return settings.parquet_dir
    return default_parquet_dir(db_path)


def _write_parquet(settings: Settings, db_path: Path, say) -> None:
    folder = parquet_dir(settings, db_path)
    rows = write_parquet(db_path, folder, progress=say, engine=settings.engine, spark_master=settings.spark_master)
    total = f"{sum(rows.values()):,}".replace(",", " ")
    say(f"Parquet : {len(rows)} tables, {total} lignes / rows → {folder}")


def main(argv: list[str] | None = None) -> int:
    """Run one ETL command; returns the process exit status.

    A failure (a dataset that breaks the contract, a full disk, a database error) ends with a
    sentence saying what happened and that the database is unchanged, never a traceback: every
    command writes aside and swaps its result in at the end, or not at all.
    """
    try:
        return _main(argv)
    except ContractError as exc:
        print("error: nothing was written; the database is unchanged.", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:
        space = isinstance(exc, InsufficientSpace) or getattr(exc, "errno", None) == errno.ENOSPC
        space = space or "No space left on device" in str(exc)
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(
            "  La base de données est inchangée / the database is unchanged"
            + (
                "; libérez de la place (≈ 2 × la base) / free some disk space (about twice the database)."
                if space
                else "."
            ),
            file=sys.stderr,
        )
        return 1


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the database: geography, reference tables, demonstration sample")
    p_build.add_argument("--db", type=Path, default=settings.db_path)
    p_build.add_argument("--seed", type=int, default=settings.sample_seed)
    p_build.add_argument("--scale", type=float, default=1.0, help="multiply the sample sizes")
    p_build.add_argument("--no-sample", action="store_true", help="geography and reference tables only")
    p_build.add_argument("--no-parquet", action="store_true", help="do not write the Parquet copy for Spark")
    p_geometry = sub.add_parser(
        "geometry", help="rebuild the geometry files only (OBSERVATORY_GEO_DIR); the database is not touched"
    )
    p_geometry.add_argument("--geo-dir", type=Path, default=settings.geo_dir)
    p_load = sub.add_parser("load", help="validate a dataset folder and load it atomically")
    p_load.add_argument("folder", type=Path)
    p_load.add_argument("--db", type=Path, default=settings.db_path)
    p_load.add_argument("--replace", action="store_true", help="replace waves already loaded")
    p_load.add_argument("--no-parquet", action="store_true", help="do not write the Parquet copy for Spark")
    p_parquet = sub.add_parser("parquet", help="write the database's tables as Parquet (partitioned by survey, wave)")
    p_parquet.add_argument("--db", type=Path, default=settings.db_path)
    p_parquet.add_argument(
        "--out", type=Path, help="target folder (default: OBSERVATORY_PARQUET or beside the database)"
    )
    p_estimates = sub.add_parser("estimates", help="recompute the estimates table (done by build and load)")
    p_estimates.add_argument("--db", type=Path, default=settings.db_path)
    p_sample = sub.add_parser("sample", help="write the synthetic demonstration dataset in the input contract")
    p_sample.add_argument("--out", type=Path, required=True)
    p_sample.add_argument("--seed", type=int, default=settings.sample_seed)
    p_sample.add_argument("--scale", type=float, default=1.0)
    p_sample.add_argument("--format", choices=["csv", "parquet"], default="parquet")
    p_sample.add_argument("--db", type=Path, default=settings.db_path, help="database holding the geography")
    p_zones = sub.add_parser(
        "zones", help="the cells of many zones at once (a CSV of zone_name, commune_code; Spark with --engine pyspark)"
    )
    p_zones.add_argument("zones", type=Path, help="CSV: zone_name, commune_code (a header line allowed)")
    p_zones.add_argument("--out", type=Path, required=True, help="the results: zone_name, communes, then the cells")
    p_zones.add_argument("--db", type=Path, default=settings.db_path)
    p_zones.add_argument("--min-n", type=int, default=settings.min_n, help="suppression threshold and the guard's")
    p_zones.add_argument("--engine", choices=ENGINES, default=settings.engine, help="pyspark: moments summed by Spark")
    p_zones.add_argument("--spark-master", default=settings.spark_master)
    return parser


def _main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    args = _parser(settings).parse_args(argv)
    return COMMANDS[args.command](args, settings, _progress(time.perf_counter()))


def _no_database(db: Path, first: str = "python -m etl build") -> bool:
    """Say so and return True when ``db`` does not exist (the command needs it)."""
    if db.exists():
        return False
    print(f"error: {db}: no database; run '{first}' first", file=sys.stderr)
    return True


def _build(args: argparse.Namespace, settings: Settings, say) -> int:
    geo_dir = settings.geo_dir if args.db == settings.db_path else args.db.parent / "geo"
    build(args.db, geo_dir, args.seed, args.scale, with_sample=not args.no_sample, say=say)
    if not args.no_parquet:
        _write_parquet(settings, args.db, say)
    return 0


def _geometry(args: argparse.Namespace, _settings: Settings, say) -> int:
    rebuild_geometry(args.geo_dir, say)
    say(f"géométrie / geometry → {args.geo_dir}")
    return 0


def _parquet(args: argparse.Namespace, settings: Settings, say) -> int:
    if _no_database(args.db):
        return 2
    rows = write_parquet(
        args.db,
        args.out or parquet_dir(settings, args.db),
        progress=say,
        engine=settings.engine,
        spark_master=settings.spark_master,
    )
    for table, n in rows.items():
        say(f"  {table}: {n:,}".replace(",", " "))
    return 0


def _estimates(args: argparse.Namespace, _settings: Settings, say) -> int:
    if _no_database(args.db):
        return 2
    rewrite_estimates(args.db, say)
    return 0


def _sample(args: argparse.Namespace, _settings: Settings, say) -> int:
    if _no_database(args.db, "python -m etl build --no-sample"):
        return 2
    tables = generate_sample(communes_for_sample(args.db), seed=args.seed, scale=args.scale)
    paths = write_sample(tables, args.out, fmt=args.format, seed=args.seed)
    rows = sum(len(t) for t in tables.values())
    say(f"{rows:,} rows written: " + ", ".join(p.name for p in paths))
    return 0


def _load(args: argparse.Namespace, settings: Settings, say) -> int:
    try:
        report = load_dataset(args.folder, args.db, replace=args.replace, progress=say)
    except ContractError as exc:
        print(f"error: the dataset {args.folder} was not loaded; the database is unchanged.", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for wave, survey, n in report.waves:
        say(f"loaded {survey} {wave}: {n} respondents")
    say(f"{report.rows:,} input rows; data version {report.data_version}")
    if not args.no_parquet:
        _write_parquet(settings, args.db, say)
    return 0


def _zones(args: argparse.Namespace, _settings: Settings, say) -> int:
    if _no_database(args.db):
        return 2
    try:
        run_zones(args.zones, args.db, args.out, args.min_n, args.engine, args.spark_master, say)
    except ZonesInputError as exc:
        print(f"error: {args.zones}: nothing written", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    return 0


# One handler per sub-command: (parsed arguments, settings, progress printer) → exit status.
COMMANDS = {
    "build": _build,
    "geometry": _geometry,
    "parquet": _parquet,
    "estimates": _estimates,
    "sample": _sample,
    "load": _load,
    "zones": _zones,
}


if __name__ == "__main__":
    sys.exit(main())
