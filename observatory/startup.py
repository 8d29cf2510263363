"""First start: build the database (geography + demonstration sample) when it does not exist, never over one.

With ``OBSERVATORY_ENGINE=pyspark`` and a local Parquet folder, also write the Parquet if missing
(a tree on object storage is the deployment's to copy there). Before anything, check that the
chosen engine is installed (pyspark is an optional requirement), and at the end say which page
to open.
"""

from __future__ import annotations

import importlib.util
import sys
import time

from observatory.core.config import Settings

SPARK_REQUIREMENTS = "requirements-spark.txt"


def missing_engine(settings: Settings) -> str | None:
    """Why the chosen statistics engine cannot run here, or None when it can."""
    if settings.engine == "pyspark" and importlib.util.find_spec("pyspark") is None:
        return (
            "OBSERVATORY_ENGINE=pyspark : pyspark n'est pas installé / is not installed.\n"
            f"  pip install -r {SPARK_REQUIREMENTS}   (Spark demande aussi Java 17 / Spark also needs Java 17)\n"
            "  ou / or OBSERVATORY_ENGINE=duckdb (par défaut / the default)"
        )
    return None


def require_engine(settings: Settings) -> None:
    """Exit with a clear message, not a traceback, when the chosen engine is not installed."""
    message = missing_engine(settings)
    if message is not None:
        raise SystemExit(message)


def open_message(settings: Settings) -> str:
    """Which URL to open once the app serves (the address it listens on, the first page)."""
    from observatory.ui.pages.registry import DEFAULT_PATH

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104  (all interfaces: open it locally)
    host = f"[{host}]" if ":" in host else host
    return (
        f"Ouvrez / open http://{host}:{settings.port}{DEFAULT_PATH}  (Ctrl+C : arrêter / stop)\n"
        "Serveur de développement ; en production / development server; in production: "
        "gunicorn -c deploy/gunicorn.conf.py app:server"
    )


def ensure_database(settings: Settings) -> None:
    """First start: build what is missing, in-process, with a visible progress display.

    The database is built only when there is none: an existing one (the waves a user loaded) is
    never replaced. Missing geometry beside an existing database is rebuilt alone, from the
    package, when its folder can be made there; a geometry folder whose parent does not exist
    (``OBSERVATORY_GEO_DIR`` mistyped, a volume not mounted) stops the app with the path and the
    command to run.
    """
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    parquet = settings.parquet_dir
    has_geo = (settings.geo_dir / "departement.geojson").exists()
    if settings.engine == "pyspark":  # the app reads the Parquet only (the database, if any, to write it)
        has_data = parquet is None or (parquet / "meta").exists() or settings.db_path.exists()
    else:
        has_data = settings.db_path.exists()
    if not has_data:
        from etl.build import build

        say("Première exécution : construction de la base / first start: building the database")
        build(settings.db_path, settings.geo_dir, seed=settings.sample_seed, say=say)
    elif not has_geo:
        if not settings.geo_dir.parent.is_dir():
            raise SystemExit(missing_geometry(settings))
        from etl.build import rebuild_geometry

        say(
            f"Géométrie absente : reconstruction de la géométrie seule dans {settings.geo_dir} (la base n'est pas "
            "touchée) / geometry missing: rebuilding the geometry only (the database is not touched)"
        )
        rebuild_geometry(settings.geo_dir, say)
    if settings.engine == "pyspark" and parquet is not None and not (parquet / "meta").exists():
        from etl.build import heartbeat
        from etl.parquet import write_parquet

        with heartbeat(say) as beat:
            beat("Parquet (Spark)")
            write_parquet(settings.db_path, parquet, progress=beat)


def missing_geometry(settings: Settings) -> str:
    """Why the app does not start when the geometry folder cannot be there, and what to do."""
    return (
        f"Géométrie introuvable / geometry not found: {settings.geo_dir / 'departement.geojson'}\n"
        f"  Le dossier parent n'existe pas / its parent folder does not exist: {settings.geo_dir.parent}\n"
        "  Vérifiez OBSERVATORY_GEO_DIR (ou le volume monté) / check OBSERVATORY_GEO_DIR (or the mounted volume),\n"
        f"  ou reconstruisez la géométrie seule / or rebuild the geometry only: python -m etl geometry --geo-dir {settings.geo_dir}\n"
        f"  La base {settings.db_path} n'a pas été modifiée / the database was not changed."
    )
