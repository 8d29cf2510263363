"""``python -m observatory export INDICATOR [filters]``: the tidy table of any view, as a file.

``python -m observatory export ranks INDICATOR [filters]``: the ranks of a level's territories
with their marginal and simultaneous 95 % confidence sets (:mod:`observatory.stats.rank_table`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from observatory.core.config import ENGINES, get_settings
from observatory.data.service import Observatory
from observatory.exports.export import (
    DIALECTS,
    FILE_FORMATS,
    LEVELS_FOR_EXPORT,
    METHODS,
    ExportRequest,
    export_file,
    rank_table,
    render,
    unknown_territories,
)
from observatory.stats import InvalidQuery
from observatory.stats.measures import MEASURES


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the process exit status."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m observatory", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export", help="write the tidy table of an indicator")
    p.add_argument(
        "indicator", choices=[*MEASURES, "ranks"], help="an indicator, or 'ranks INDICATOR': the ranks of a level"
    )
    p.add_argument("ranked", nargs="?", choices=list(MEASURES), help="with 'ranks': the indicator ranked")
    p.add_argument(
        "--wave",
        "--wave-from",
        type=int,
        dest="wave",
        help="the wave (default: the latest); with --wave-to, the first wave of the change",
    )
    p.add_argument(
        "--wave-to", type=int, help="export the change from --wave-from (default: the first wave) to this wave"
    )
    p.add_argument("--survey")
    p.add_argument("--level", choices=LEVELS_FOR_EXPORT, default="departement")
    p.add_argument("--domain", action="append", help="fragility: a domain, an espace or 'composite' (repeatable)")
    p.add_argument("--kind", action="append", help="partnerships: 'partner' or a kind (repeatable)")
    p.add_argument(
        "--measure", action="append", help="mayors: q4_oui, a Q4 answer or a Q8 role; innovation: alliances_innovation"
    )
    p.add_argument("--statistic", help="keep one statistic (mean_score, priority_share, share, share_among_partners)")
    p.add_argument("--size-class")
    p.add_argument("--territory", nargs="+", help="territory codes of the level")
    p.add_argument("--min-n", type=int)
    p.add_argument(
        "--method",
        choices=METHODS,
        default="direct",
        help="sae: small-area (model) estimates, --level epci only: estimate, se (root MSE), CI, gamma, status",
    )
    p.add_argument("--format", choices=FILE_FORMATS, default="csv", help="zip: CSV + datapackage.json")
    p.add_argument("--dialect", choices=DIALECTS, default="plain", help="excel-fr: semicolons, decimal commas, BOM")
    p.add_argument("--db", type=Path, default=settings.db_path)
    p.add_argument("--engine", choices=ENGINES, default=settings.engine, help="pyspark: Spark on the Parquet tree")
    p.add_argument("--parquet", help="pyspark: the Parquet tree, a folder or s3a://... (default: beside the database)")
    p.add_argument("--spark-master", default=settings.spark_master, help="pyspark: local[N] or a cluster's URL")
    p.add_argument("--out", type=Path, help="output file (default: standard output)")
    args = parser.parse_args(argv)

    if args.engine == "duckdb" and not args.db.exists():
        print(f"error: {args.db}: no database; run 'python -m etl build' first", file=sys.stderr)
        return 2
    ranks = args.indicator == "ranks"
    if ranks and (args.ranked is None or args.wave_to is not None or args.territory or args.format == "zip"):
        print("error: export ranks INDICATOR [filters]: one wave, a whole level, not zip", file=sys.stderr)
        return 2
    measures = args.domain or args.kind or args.measure
    req = ExportRequest(
        indicator=args.ranked if ranks else args.indicator,
        wave=args.wave,
        survey=args.survey,
        level=args.level,
        measures=tuple(measures) if measures else None,
        statistic=args.statistic,
        size_class=args.size_class,
        territories=tuple(args.territory) if args.territory else None,
        min_n=args.min_n,
        wave_to=args.wave_to,
        method=args.method,
    )
    obs = Observatory(
        dataclasses.replace(
            settings,
            db_path=args.db,
            engine=args.engine,
            parquet=args.parquet or settings.parquet,
            spark_master=args.spark_master,
        )
    )
    unknown = unknown_territories(obs, req)
    if unknown:
        print(f"error: unknown territory code(s) at level {req.level}: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        data = (
            render(rank_table(obs, req), args.format, args.dialect)
            if ranks
            else export_file(obs, req, args.format, args.dialect)
        )
    except InvalidQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        args.out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
