"""First start: build the database (geography + demonstration sample) when it does not exist."""

from __future__ import annotations

import sys
import time

from observatory.config import Settings


def ensure_database(settings: Settings) -> None:
    """Run ``python -m etl build`` in-process, with a visible progress display, if needed."""
    if settings.db_path.exists() and (settings.geo_dir / "departement.geojson").exists():
        return
    from etl.build import build

    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    say("Première exécution : construction de la base / first start: building the database")
    build(settings.db_path, settings.geo_dir, seed=settings.sample_seed, say=say)
