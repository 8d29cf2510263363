"""Is the database there and whole? Checked when the app starts, and on ``/healthz`` (:mod:`observatory.web.health`).

At start (:func:`require_database`) a missing, damaged or foreign file stops the app with a
sentence that names the file and the command to run, instead of a server that starts and then
answers 500 on every page. ``/healthz`` gives a load balancer the same verdict while the app
runs (200 with the data version, or 503 with the reason), and the worker's pid (which process of
which replica answered).

Only a table that is really missing may mean "a database built before that table": any other
error reading the catalogue propagates (:meth:`~observatory.data.db.ReadOnlyData.has_table`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from observatory.core.reference import SCHEMA_VERSION

# The tables every page reads; ``estimates`` and ``sae_estimates`` may be missing (computed on
# demand for a database built before them).
REQUIRED_TABLES: tuple[str, ...] = (
    "meta", "territories", "commune_aliases", "postal_codes", "vocabulary", "published_figures",
    "initiatives", "initiative_places", "datasets", "respondents", "fragility", "partnerships",
    "mayors", "mayor_roles", "opinions",
)  # fmt: skip
PATH = re.compile(r"(/[^/\s\"']+)+")
BUILD_HINT = (
    "python -m etl build   (ou / or: python app.py, qui la construit au premier démarrage / builds it on first start)"
)


class DataUnavailable(RuntimeError):
    """The data cannot be read (missing, damaged, or of another schema): a 503, never a 500."""


# What a damaged, truncated or vanished database raises (a file replaced by a load is not one of
# them: the app reopens it); a request's own faults and time limits are answered elsewhere.
UNAVAILABLE: tuple[type[Exception], ...] = (
    DataUnavailable, duckdb.IOException, duckdb.CatalogException, duckdb.InternalException, duckdb.FatalException,
)  # fmt: skip


@dataclass(frozen=True)
class Health:
    """What the check found: ``problems`` empty when the data can be served."""

    location: str
    data_version: str | None = None
    schema_version: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(db, location: str) -> Health:
    """Read the database's catalogue and ``meta``: what is missing or wrong, in sentences."""
    try:
        tables = db.tables()
        meta = db.meta if "meta" in tables else {}
    except Exception as exc:  # noqa: BLE001 (any failure to read it is the answer)
        return Health(location, problems=[f"{location}: illisible / unreadable ({type(exc).__name__}: {exc})"])
    problems = []
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        problems.append(f"{location}: tables manquantes / missing tables: {', '.join(missing)}")
    schema = meta.get("schema_version")
    if "meta" in tables and schema != SCHEMA_VERSION:
        problems.append(
            f"{location}: version de schéma / schema version {schema!r}, attendue / expected {SCHEMA_VERSION!r}"
        )
    version = meta.get("data_version")
    if "meta" in tables and not version:
        problems.append(f"{location}: pas de version des données / no data_version in meta")
    return Health(location, version, schema, problems)


def require_database(db, location: str) -> Health:
    """The check at start: raise :class:`SystemExit` with the reasons and the command to run."""
    health = check(db, location)
    if not health.ok:
        lines = "\n".join(f"  - {p}" for p in health.problems)
        raise SystemExit(
            "Base de données inutilisable : l'application ne démarre pas / "
            f"the database cannot be served: the app does not start.\n{lines}\n"
            f"  Reconstruire / rebuild: {BUILD_HINT}\n"
            "  (une base mal placée / a database elsewhere: OBSERVATORY_DB=/chemin/observatory.duckdb)"
        )
    return health
