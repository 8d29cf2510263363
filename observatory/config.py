"""Typed settings read from the environment, each with a default and a line of help.

See ``.env.example`` for the list. Nothing secret lives in code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    @property
    def data_dir(self) -> Path:
        """Folder holding the database."""
        return self.db_path.parent


def get_settings() -> Settings:
    """Read the settings from the environment (call it where needed; it is cheap)."""
    db_path = Path(_env("OBSERVATORY_DB", str(PROJECT_ROOT / "data" / "observatory.duckdb")))
    return Settings(
        db_path=db_path,
        geo_dir=Path(_env("OBSERVATORY_GEO_DIR", str(db_path.parent / "geo"))),
        host=_env("OBSERVATORY_HOST", "127.0.0.1"),
        port=int(_env("OBSERVATORY_PORT", "8050")),
        debug=_env("OBSERVATORY_DEBUG", "0").lower() in {"1", "true", "yes"},
        min_n=int(_env("OBSERVATORY_MIN_N", "30")),
        map_style=_env("OBSERVATORY_MAP_STYLE", "white-bg"),
        sample_seed=int(_env("OBSERVATORY_SAMPLE_SEED", "2015")),
    )
