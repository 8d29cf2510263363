"""First start: build the database (geography + demonstration sample) when it does not exist.

With ``OBSERVATORY_ENGINE=pyspark`` and a local Parquet folder, also write the Parquet if missing
(a tree on object storage is the deployment's to copy there).
"""

from __future__ import annotations

import sys
import time

from observatory.config import Settings


def ensure_database(settings: Settings) -> None:
    """Run ``python -m etl build`` (and ``parquet``) in-process, with a visible progress display, if needed."""
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    parquet = settings.parquet_dir
    has_geo = (settings.geo_dir / "departement.geojson").exists()
    if settings.engine == "pyspark":  # the app reads the Parquet only (the database, if any, to write it)
        has_data = parquet is None or (parquet / "meta").exists() or settings.db_path.exists()
    else:
        has_data = settings.db_path.exists()
    if not (has_geo and has_data):
        from etl.build import build

        say("Première exécution : construction de la base / first start: building the database")
        build(settings.db_path, settings.geo_dir, seed=settings.sample_seed, say=say)
    if settings.engine == "pyspark" and parquet is not None and not (parquet / "meta").exists():
        from etl.parquet import write_parquet

        write_parquet(settings.db_path, parquet, progress=say)
