"""Typed settings read from the environment, each with a default and a line of help.

See ``.env.example`` for the list. Nothing secret lives in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from observatory.core import reference as ref

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENGINES: tuple[str, ...] = ("duckdb", "pyspark")
Number = TypeVar("Number", int, float)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """The observatory's settings; build with :func:`get_settings`."""

    db_path: Path
    """OBSERVATORY_DB: the DuckDB database the app reads and the ETL writes."""
    geo_dir: Path
    """OBSERVATORY_GEO_DIR: folder of the per-level GeoJSON files built by the ETL."""
    host: str
    """OBSERVATORY_HOST: address the app binds to (loopback by default)."""
    port: int
    """OBSERVATORY_PORT: port the app listens on."""
    debug: bool
    """OBSERVATORY_DEBUG: Dash debug mode (never in production)."""
    min_n: int
    """OBSERVATORY_MIN_N: cells with fewer respondents are suppressed everywhere."""
    map_style: str
    """OBSERVATORY_MAP_STYLE: MapLibre base style; 'white-bg' works offline."""
    sample_seed: int
    """OBSERVATORY_SAMPLE_SEED: seed of the synthetic demonstration sample."""
    engine: str
    """OBSERVATORY_ENGINE: where the statistics run: 'duckdb' (the database file) or 'pyspark' (Spark on Parquet)."""
    parquet: str | None
    """OBSERVATORY_PARQUET: the Parquet tree Spark reads: a folder or a URL such as s3a://bucket/observatory
    (None: ``parquet/`` beside the database)."""
    spark_master: str
    """OBSERVATORY_SPARK_MASTER: the Spark master: local[N] (in-process) or a cluster (spark://host:7077...)."""
    api_max_rows: int
    """OBSERVATORY_API_MAX_ROWS: most rows in one JSON or XLSX answer of the API (larger tables are paged)."""
    api_time_limit: float
    """OBSERVATORY_API_TIME_LIMIT: seconds an API request may spend on its DuckDB queries (waiting included)."""
    public_url: str | None = None
    """OBSERVATORY_PUBLIC_URL: the site's public base URL (https://observatoire.example.org), used in
    permalinks that leave the site (PDF, embeds, API ``next`` links); None: the request's own host,
    acceptable in development only."""
    heavy_slots: int = 1
    """OBSERVATORY_HEAVY_SLOTS: heavy renderings (PDF portraits, whole-level exports) one web process
    runs at once; a request past them waits briefly, then gets 503 with Retry-After."""
    cache_dir: Path | None = None
    """OBSERVATORY_CACHE_DIR: where deterministic heavy answers (PDFs) are kept per data version
    (None: this user's temporary folder, beside the tile cache)."""
    zones_dir: Path | None = None
    """OBSERVATORY_ZONES_DIR: where custom zones' definitions are kept (writable, shared by every
    worker and replica; None: ``<cache_dir>/zones``, or this user's temporary folder)."""
    precomputed: bool = True
    """OBSERVATORY_PRECOMPUTED: read the estimates table written at load (1, the default), or compute
    every figure from the micro-data on request (0: the benchmarks' baseline, the engine before it)."""

    @property
    def parquet_location(self) -> str:
        """Where the Parquet tree is: OBSERVATORY_PARQUET, or ``parquet/`` beside the database."""
        return self.parquet or str(self.db_path.parent / "parquet")

    @property
    def parquet_dir(self) -> Path | None:
        """The Parquet folder when it is on this machine (None for an object-storage URL)."""
        return local_path(self.parquet_location)


def local_path(location: str) -> Path | None:
    """The folder a location names on this machine (a path or ``file://``); None for a URL."""
    if location.startswith("file://"):
        return Path(location.removeprefix("file://"))
    return None if "://" in location else Path(location)


def get_settings() -> Settings:
    """Read the settings from the environment (call it where needed; it is cheap)."""
    db_path = Path(_env("OBSERVATORY_DB", str(PROJECT_ROOT / "data" / "observatory.duckdb")))
    engine = _env("OBSERVATORY_ENGINE", "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"OBSERVATORY_ENGINE={engine!r}; allowed: {', '.join(ENGINES)}")
    return Settings(
        db_path=db_path,
        geo_dir=Path(_env("OBSERVATORY_GEO_DIR", str(db_path.parent / "geo"))),
        host=_env("OBSERVATORY_HOST", "127.0.0.1"),
        port=int(_env("OBSERVATORY_PORT", "8050")),
        debug=_env("OBSERVATORY_DEBUG", "0").lower() in {"1", "true", "yes"},
        min_n=int(_env("OBSERVATORY_MIN_N", str(ref.DEFAULT_MIN_N))),
        map_style=_env("OBSERVATORY_MAP_STYLE", "white-bg"),
        sample_seed=int(_env("OBSERVATORY_SAMPLE_SEED", "2015")),
        engine=engine,
        parquet=_env("OBSERVATORY_PARQUET", "") or None,
        spark_master=_env("OBSERVATORY_SPARK_MASTER", "local[2]"),
        api_max_rows=_positive("OBSERVATORY_API_MAX_ROWS", int(_env("OBSERVATORY_API_MAX_ROWS", "10000"))),
        api_time_limit=_positive("OBSERVATORY_API_TIME_LIMIT", float(_env("OBSERVATORY_API_TIME_LIMIT", "15"))),
        public_url=_env("OBSERVATORY_PUBLIC_URL", "").strip().rstrip("/") or None,
        heavy_slots=_positive("OBSERVATORY_HEAVY_SLOTS", int(_env("OBSERVATORY_HEAVY_SLOTS", "1"))),
        cache_dir=Path(_env("OBSERVATORY_CACHE_DIR", "")) if _env("OBSERVATORY_CACHE_DIR", "") else None,
        zones_dir=Path(_env("OBSERVATORY_ZONES_DIR", "")) if _env("OBSERVATORY_ZONES_DIR", "") else None,
        precomputed=_env("OBSERVATORY_PRECOMPUTED", "1").lower() not in {"0", "false", "no"},
    )


def _positive(name: str, value: Number) -> Number:
    if value <= 0:
        raise ValueError(f"{name}={value!r}; it must be positive")
    return value
