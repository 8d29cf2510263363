"""``python -m observatory export INDICATOR [filters]``: the tidy table of any view, as a file.

``python -m observatory export ranks INDICATOR [filters]``: the ranks of a level's territories
with their marginal and simultaneous 95 % confidence sets (:mod:`observatory.stats.rank_table`).

``python -m observatory export INDICATOR --zone codes.csv [--zone-name NAME] [filters]``: the table of
a zone of one's own (any set of communes: a CSV of one column of INSEE or postal codes), the same
file as ``GET /api/v1/zones/<id>/INDICATOR``. The zone is stored as the API stores it (its id and
page, ``/zone/<id>``, are printed on standard error), so that it counts as published for the
differencing guard; unknown codes: exit status 2 naming them, no zone stored and no file written.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from observatory.core.config import ENGINES, Settings, get_settings
from observatory.data.service import Observatory
from observatory.data.zones import ZoneError, ZoneStore, csv_codes, resolve_codes, zones_folder
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
from observatory.exports.zones import ZONE_FORMATS, checked_zone_request, zone_export
from observatory.stats import InvalidQuery
from observatory.stats.measures import MEASURES

DEFAULT_LEVEL = "departement"


def parser(settings: Settings) -> argparse.ArgumentParser:
    """The command line's arguments (defaults from the settings)."""
    parser = argparse.ArgumentParser(prog="python -m observatory", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "export",
        help="write the tidy table of an indicator (of a level, its ranks, or a zone of communes)",
        description="Write the tidy table of an indicator: of a level's territories, their ranks ('ranks "
        "INDICATOR'), or a zone of one's own (--zone codes.csv: any set of communes).",
    )
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
    p.add_argument("--level", choices=LEVELS_FOR_EXPORT, help=f"the level (default: {DEFAULT_LEVEL}; not with --zone)")
    p.add_argument("--domain", action="append", help="fragility: a domain, an espace or 'composite' (repeatable)")
    p.add_argument("--kind", action="append", help="partnerships: 'partner' or a kind (repeatable)")
    p.add_argument(
        "--measure", action="append", help="mayors: q4_oui, a Q4 answer or a Q8 role; innovation: alliances_innovation"
    )
    p.add_argument("--statistic", help="keep one statistic (mean_score, priority_share, share, share_among_partners)")
    p.add_argument("--size-class")
    p.add_argument("--territory", nargs="+", help="territory codes of the level")
    p.add_argument("--min-n", type=int, help="suppression threshold (with --zone: never below the server's)")
    p.add_argument(
        "--method",
        choices=METHODS,
        default="direct",
        help="sae: small-area (model) estimates, --level epci only: estimate, se (root MSE), CI, gamma, status",
    )
    p.add_argument(
        "--zone",
        type=Path,
        metavar="CODES.CSV",
        help="the table of a zone of one's own: a CSV of one column of commune codes (INSEE codes; postal codes, "
        "arrondissements and communes déléguées read as their communes), a header line allowed. The columns of "
        "GET /api/v1/zones/<id>/INDICATOR (the other tables' and refused_reason, refused_fr, refused_en). The zone "
        "is stored (OBSERVATORY_ZONES_DIR) and counts as published for the differencing guard; its id and page "
        "(/zone/<id>) are printed on standard error. Unknown codes: exit status 2, nothing written. Formats: "
        + ", ".join(ZONE_FORMATS),
    )
    p.add_argument("--zone-name", metavar="NAME", help="with --zone: the zone's name (kept with its first definition)")
    p.add_argument("--format", choices=FILE_FORMATS, default="csv", help="zip: CSV + datapackage.json")
    p.add_argument("--dialect", choices=DIALECTS, default="plain", help="excel-fr: semicolons, decimal commas, BOM")
    p.add_argument("--db", type=Path, default=settings.db_path)
    p.add_argument("--engine", choices=ENGINES, default=settings.engine, help="pyspark: Spark on the Parquet tree")
    p.add_argument("--parquet", help="pyspark: the Parquet tree, a folder or s3a://... (default: beside the database)")
    p.add_argument("--spark-master", default=settings.spark_master, help="pyspark: local[N] or a cluster's URL")
    p.add_argument("--out", type=Path, help="output file (default: standard output)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the process exit status."""
    settings = get_settings()
    args = parser(settings).parse_args(argv)

    if args.engine == "duckdb" and not args.db.exists():
        print(f"error: {args.db}: no database; run 'python -m etl build' first", file=sys.stderr)
        return 2
    ranks = args.indicator == "ranks"
    if ranks and (args.ranked is None or args.wave_to is not None or args.territory or args.format == "zip"):
        print("error: export ranks INDICATOR [filters]: one wave, a whole level, not zip", file=sys.stderr)
        return 2
    req = _request(args, args.ranked if ranks else args.indicator)
    obs = _observatory(settings, args)
    if args.zone is not None:
        return export_zone(obs, args, req)
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
    _write(args.out, data)
    return 0


def _request(args: argparse.Namespace, indicator: str) -> ExportRequest:
    measures = args.domain or args.kind or args.measure
    return ExportRequest(
        indicator=indicator,
        wave=args.wave,
        survey=args.survey,
        level=args.level or DEFAULT_LEVEL,
        measures=tuple(measures) if measures else None,
        statistic=args.statistic,
        size_class=args.size_class,
        territories=tuple(args.territory) if args.territory else None,
        min_n=args.min_n,
        wave_to=args.wave_to,
        method=args.method,
    )


def _observatory(settings: Settings, args: argparse.Namespace) -> Observatory:
    return Observatory(
        dataclasses.replace(
            settings,
            db_path=args.db,
            engine=args.engine,
            parquet=args.parquet or settings.parquet,
            spark_master=args.spark_master,
        )
    )


def _write(out: Path | None, data: bytes) -> None:
    if out:
        out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


def export_zone(obs: Observatory, args: argparse.Namespace, req: ExportRequest) -> int:
    """``export INDICATOR --zone codes.csv``: check, resolve, store the zone, write its table.

    Nothing is stored nor written unless every code names communes and every filter is valid.
    """
    if args.indicator == "ranks" or args.level is not None or args.format not in ZONE_FORMATS:
        print(
            f"error: export INDICATOR --zone CODES.CSV: no ranks, no --level, --format {'|'.join(ZONE_FORMATS)}",
            file=sys.stderr,
        )
        return 2
    try:
        codes = csv_codes(args.zone.read_bytes())
    except OSError as exc:
        print(f"error: {args.zone}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        survey, wave, min_n = checked_zone_request(obs, req)
        resolution = resolve_codes(obs, codes)
        store = ZoneStore(zones_folder(obs.settings))
        zone, new = store.save(resolution.codes, args.zone_name)
    except InvalidQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ZoneError as exc:
        print(f"error: {args.zone}: {exc.param} {exc.value}: {exc.allowed}; nothing stored or written", file=sys.stderr)
        return 2
    data = render(zone_export(obs, store, zone, req, survey, wave, min_n), args.format, args.dialect)
    _write(args.out, data)
    for note in resolution.notes:
        print(f"note: {note['input']} read as {note['read_as']}: {', '.join(note['communes'])}", file=sys.stderr)
    base = obs.settings.public_url or ""
    print(
        f"zone {zone.id} ({len(zone.codes)} communes{', ' + repr(zone.name) if zone.name else ''}; "
        f"{'stored' if new else 'stored before'}): page {base}/zone/{zone.id}, API {base}/api/v1/zones/{zone.id}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
