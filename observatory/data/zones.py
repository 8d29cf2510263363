"""Zones of one's own: their definitions, kept outside the read-only database, and their figures.

A zone is a set of communes. Its id is a short hash of its sorted INSEE codes, so that the same
communes always make the same zone (and the same URL); its definition (codes, the name a user gave
it, when it was first stored) is a JSON file in a writable folder (:func:`zones_folder`), written
once and never changed: the first definition of an id stays, whoever stores the same communes next.
Files are written atomically (a temporary file, then a hard link, which fails if the id exists), so
that concurrent workers never see half a file nor overwrite each other.

The codes a user gives are resolved here (:func:`resolve_codes`): an INSEE commune code; the code of a
municipal arrondissement or a commune déléguée (its commune); a postal code (every commune it
serves, said so); a code that lost its leading zero in a spreadsheet ("1001" for "01001", said so).
Anything else is refused with the codes named.

The figures (:func:`zone_table`) come from :mod:`observatory.stats.zones`, with every zone stored
before this one counting as published for the differencing guard.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.core.config import Settings
from observatory.core.lru import LRU
from observatory.data.service import Observatory
from observatory.stats import zones as zs
from observatory.stats.zone_tests import published_rests

ID_LENGTH = 12  # hex digits of the SHA-256 of the codes: 48 bits, no collision among millions of zones
ZONE_ID = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
CODE = re.compile(r"[0-9A-Za-z]{1,10}")
MAX_CODES = 40_000  # more than France's communes (about 35,000): a zone of all of them is allowed
MAX_NAME = 120  # characters of a zone's name
CACHED_TABLES = 64  # zones whose figures are kept per process


class ZoneError(ValueError):
    """A zone that cannot be stored: ``param`` names what is wrong, ``value`` and ``allowed`` say how."""

    def __init__(self, param: str, value: object, allowed: str):
        self.param, self.value, self.allowed = param, value, allowed
        super().__init__(f"invalid {param}: {value!r}; {allowed}")


@dataclass(frozen=True)
class ZoneDefinition:
    """A stored zone: its id, its communes (sorted INSEE codes), its name and when it was stored."""

    id: str
    codes: tuple[str, ...]
    name: str | None
    created: str  # ISO 8601, UTC, microseconds: the order in which zones were stored

    def as_json(self) -> dict:
        """The definition as stored and as the API gives it."""
        return {"id": self.id, "name": self.name, "created": self.created, "codes": list(self.codes)}

    def stored_before(self, other: ZoneDefinition) -> bool:
        """Whether this zone was stored before ``other`` (ties broken by id: a total order)."""
        return (self.created, self.id) < (other.created, other.id)


@dataclass(frozen=True)
class Resolution:
    """The communes of a list of codes, and how the codes that were not INSEE codes were read."""

    codes: tuple[str, ...]
    notes: tuple[dict, ...] = ()


def zone_id(codes: Iterable[str]) -> str:
    """The id of a set of communes: the start of the SHA-256 of their sorted codes, one a line."""
    return hashlib.sha256("\n".join(sorted(set(codes))).encode()).hexdigest()[:ID_LENGTH]


def zones_folder(settings: Settings) -> Path:
    """Where zone definitions are kept.

    ``settings.zones_dir`` (OBSERVATORY_ZONES_DIR), else ``<cache_dir>/zones``, else this user's
    temporary folder. Never the data folder: it is read-only and replaced by each load.
    """
    if settings.zones_dir is not None:
        return Path(settings.zones_dir)
    if settings.cache_dir is not None:
        return Path(settings.cache_dir) / "zones"
    return Path(tempfile.gettempdir()) / f"observatory-zones-{os.getuid()}"


def clean_name(name: object) -> str | None:
    """A zone's name as given, without control characters, or None; ZoneError if not text or too long."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise ZoneError("name", name, "text (or nothing)")
    text = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(text) > MAX_NAME:
        raise ZoneError("name", text[:40] + "…", f"at most {MAX_NAME} characters")
    return text or None


# Zones one folder keeps: each new zone's guard counts every zone stored before (0.03 s per
# thousand once their counts are cached: benchmarks/results/zones.md), and a flood of POSTs must
# not fill the disk. Past it, a new zone is refused with the reason; a stored one is still served.
MAX_ZONES = 10_000


@dataclass
class ZoneStore:
    """The zone definitions of one folder; each file read once (definitions never change)."""

    folder: Path
    limit: int = MAX_ZONES
    _known: dict[str, ZoneDefinition] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def save(self, codes: Iterable[str], name: str | None = None) -> tuple[ZoneDefinition, bool]:
        """Store a zone of these (resolved) communes: (its definition, whether it is new)."""
        name = clean_name(name)  # a bad name is refused for a known zone too (it keeps its first name)
        sorted_codes = tuple(sorted(set(codes)))
        zid = zone_id(sorted_codes)
        existing = self.get(zid)
        if existing is not None:
            return self._same(existing, sorted_codes), False
        stored = sum(1 for _ in self.folder.glob("*.json")) if self.folder.is_dir() else 0
        if stored >= self.limit:
            raise ZoneError(
                "zones", stored, f"this server keeps at most {self.limit:,} zones; the same communes give a zone "
                "already stored (its id), or ask the server's administrator".replace(",", " ")
            )  # fmt: skip
        created = datetime.now(UTC).isoformat(timespec="microseconds")
        definition = ZoneDefinition(zid, sorted_codes, name, created)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # in a shared /tmp, this user's only
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{zid}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(definition.as_json(), out, ensure_ascii=False)
            os.chmod(tmp, 0o644)
            os.link(tmp, self._path(zid))  # fails if another process stored the same id first
        except FileExistsError:
            return self._same(self.get(zid), sorted_codes), False
        finally:
            Path(tmp).unlink(missing_ok=True)
        with self._lock:
            self._known[zid] = definition
        return definition, True

    def get(self, zid: str) -> ZoneDefinition | None:
        """The definition of a zone id, or None (an id that is not one: None, no file touched)."""
        if not ZONE_ID.fullmatch(zid or ""):
            return None
        with self._lock:
            if zid in self._known:
                return self._known[zid]
        path = self._path(zid)
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        definition = ZoneDefinition(raw["id"], tuple(raw["codes"]), raw.get("name"), raw["created"])
        with self._lock:
            self._known[zid] = definition
        return definition

    def all(self) -> list[ZoneDefinition]:
        """Every stored zone, in the order they were stored."""
        if not self.folder.is_dir():
            return []
        ids = [p.stem for p in self.folder.glob("*.json") if ZONE_ID.fullmatch(p.stem)]
        found = [d for d in (self.get(z) for z in ids) if d is not None]
        return sorted(found, key=lambda d: (d.created, d.id))

    def before(self, zone: ZoneDefinition) -> list[ZoneDefinition]:
        """The zones stored before ``zone``: for it, they are published."""
        return [d for d in self.all() if d.stored_before(zone)]

    def _path(self, zid: str) -> Path:
        return self.folder / f"{zid}.json"

    @staticmethod
    def _same(definition: ZoneDefinition | None, codes: tuple[str, ...]) -> ZoneDefinition:
        if definition is None or definition.codes != codes:  # 48 bits: never seen, but never silent
            raise ZoneError("codes", len(codes), "another zone has this id; add or remove a commune")
        return definition


# --- resolving the codes a user gives --------------------------------------------------------------


def csv_codes(data: bytes) -> list[str]:
    """The first column of a CSV (comma, semicolon or tab), without a header line and blank lines.

    A header is a first line whose first field has no digit (every INSEE or postal code has one).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    delimiter = max((",", ";", "\t"), key=lines[0].count)
    fields = [row[0].strip() if row else "" for row in csv.reader(lines, delimiter=delimiter)]
    if fields and not any(c.isdigit() for c in fields[0]):
        fields = fields[1:]
    return [f for f in fields if f]


def resolve_codes(obs: Observatory, raw: Iterable[object]) -> Resolution:
    """The communes of the codes a user gave; ZoneError naming the codes that are none.

    Each code, in this order: an INSEE commune code; an arrondissement's or a commune déléguée's
    code (its commune); a postal code (its communes); four digits, as a spreadsheet leaves "01001"
    (read with the zero back, then as above). The notes say how each code that was not an INSEE
    commune code was read.
    """
    tokens = [_token(c) for c in raw]
    if not tokens:
        raise ZoneError("codes", "(none)", "at least one INSEE commune code (or postal code)")
    if len(tokens) > MAX_CODES:
        raise ZoneError("codes", len(tokens), f"at most {MAX_CODES} codes")
    communes = set(obs.territories("commune")["code"])
    postal = _postal_codes(obs)
    found: set[str] = set()
    notes, unknown = [], []
    for token in dict.fromkeys(tokens):
        got, how = _read(obs, token, communes, postal)
        if not got:
            unknown.append(token)
            continue
        found.update(got)
        if how:
            notes.append({"input": token, "read_as": how, "communes": sorted(got)})
    if unknown:
        shown = ", ".join(unknown[:20]) + (f" … (+{len(unknown) - 20})" if len(unknown) > 20 else "")
        raise ZoneError("codes", shown, "INSEE commune codes or postal codes; these are neither")
    return Resolution(tuple(sorted(found)), tuple(notes))


def _token(code: object) -> str:
    if not isinstance(code, str | int) or isinstance(code, bool):
        raise ZoneError("codes", code, "a list of codes as text")
    text = str(code).strip().strip("\"'").upper()
    if not CODE.fullmatch(text):
        raise ZoneError("codes", text[:40], "codes of letters and digits (INSEE commune codes or postal codes)")
    return text


def _read(obs: Observatory, token: str, communes: set[str], postal: dict[str, list[str]]) -> tuple[list[str], str]:
    """The communes of one code and how it was read ('' for an INSEE commune code)."""
    if token in communes:
        return [token], ""
    alias = obs.commune_alias(token)
    if alias != token and alias in communes:
        return [alias], "commune_alias"
    if token in postal:
        return postal[token], "postal_code"
    if token.isdigit() and len(token) == 4:
        got, how = _read(obs, "0" + token, communes, postal)
        return got, ("leading_zero" + ("+" + how if how else "")) if got else ""
    return [], ""


def _postal_codes(obs: Observatory) -> dict[str, list[str]]:
    """Postal code → its communes (INSEE codes), read once per data version."""

    def load() -> dict[str, list[str]]:
        rows = obs.db.query("SELECT postal_code, commune_code FROM postal_codes ORDER BY postal_code, commune_code")
        return rows.groupby("postal_code")["commune_code"].apply(list).to_dict()

    return obs.view_cache("zone_postal_codes", 1).get(obs.db.version, load)


# --- the figures -----------------------------------------------------------------------------------


# The answers arranged for zones, per process rather than per app (the one exception to the apps'
# own caches): they are the data file's, keyed by its engine, place and version, never changed once
# read (2.7 s, ~70 MB), and several apps of one process on the same file (the tests') share them.
_MOMENTS = LRU(2)


def zone_moments(obs: Observatory) -> zs.ZoneMoments:
    """The answers arranged for zones, read once per data version (a few seconds, ~70 MB)."""

    def load() -> zs.ZoneMoments:
        datasets = obs.datasets()
        combos = [
            (indicator, survey, int(wave))
            for survey, wave in sorted(zip(datasets["survey"], datasets["wave"], strict=True))
            for indicator, surveys in ref.SURVEYS_OF.items()
            if survey in surveys
        ]
        return obs.db.run(lambda con: zs.load(con, combos))

    key = (obs.settings.engine, str(obs.settings.db_path), obs.settings.parquet, obs.db.version)
    return _MOMENTS.get(key, load)


def zone_table(obs: Observatory, store: ZoneStore, zone: ZoneDefinition, min_n: int | None = None) -> pd.DataFrame:
    """Every cell of a zone (every indicator, survey and wave), guarded; kept per data version.

    ``min_n``: the suppression threshold asked (the settings' by default); the guard always works
    at the settings' threshold, whatever a request asks. Columns: those of
    :data:`observatory.stats.zones.ZONE_COLUMNS`, with ``level`` ("zone"), ``territory_code`` (the
    zone's id) and ``territory_name`` (its name, or its id).
    """
    shown_n = obs.settings.min_n if min_n is None else min_n
    key = (obs.db.version, zone.id, shown_n, obs.settings.min_n)

    def compute() -> pd.DataFrame:
        zm = zone_moments(obs)
        prior = [zs.PriorZone(z.id, zm.commune_index(z.codes)) for z in store.before(zone)]
        prior += published_rests(zm, prior)  # their portraits' rests of each département: published too
        cells = zs.zone_cells(zm, zm.commune_index(zone.codes), shown_n, obs.settings.min_n, prior, name_of(obs))
        return cells.assign(level=zs.ZONE_LEVEL, territory_code=zone.id, territory_name=zone.name or zone.id)

    return obs.view_cache("zone_tables", CACHED_TABLES).get(key, compute)


def name_of(obs: Observatory):
    """A territory's name from its level and code (None when unknown), for the guard's sentences."""
    known: dict[str, dict[str, str]] = {}

    def name(level: str, code: str) -> str | None:
        if level not in known:  # (a size band is no territory: its code and label only)
            table = obs.territories(level)
            known[level] = dict(zip(table["code"], table["name"], strict=True))
        return known[level].get(code)

    return name


def zone_cells_of(table: pd.DataFrame, indicator: str, survey: str, wave: int) -> pd.DataFrame:
    """The rows of one indicator, survey and wave of a zone's table, in the tables' order."""
    keep = (table["indicator"] == indicator) & (table["survey"] == survey) & (table["wave"] == int(wave))
    return table[np.asarray(keep)].reset_index(drop=True)
