"""The territory of a profile: who it is, its parents and children, and how they are named.

:class:`Territory` from a profile URL key (:func:`resolve`), the parent it is compared with, its
sub-territories, and the names of levels and parents as the profile writes them. Pure functions
of the :class:`~observatory.data.service.Observatory`; re-exported by :mod:`observatory.views.profile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from observatory.core.reference import PARENT_LEVEL
from observatory.data.service import Observatory
from observatory.views import portrait

CHILD_LEVELS = {
    "region": ("departement",), "departement": ("epci", "canton", "commune"), "epci": ("commune",), "canton": ("commune",),
}  # fmt: skip
SHORT_LEVELS = {
    "commune": ("commune", "municipality"),
    "epci": ("intercommunalité", "intercommunality"),
    "canton": ("canton", "canton"),
    "departement": ("département", "département"),
    "region": ("région", "region"),
}


@dataclass(frozen=True)
class Territory:
    """Identity of a territory, from the real geography."""

    level: str
    code: str
    name: str
    population: int
    area_km2: float | None
    parents: list[tuple[str, str, str]]  # (level, code, name), nearest first
    lon: float | None
    lat: float | None


def resolve(obs: Observatory, key: str) -> Territory | None:
    """The territory of a profile URL key, or None when unknown.

    Keys: 'reg-84', a département, an EPCI SIREN, 'can-4205' (a canton-ou-ville), a commune
    (communes déléguées and arrondissements lead to their commune).
    """
    key = (key or "").strip()[:20]
    if not re.fullmatch(r"[0-9A-Za-z-]{1,20}", key):
        return None
    level, code = _level_of_key(key)
    if level == "commune":
        code = obs.commune_alias(code)
    r = obs.territory(level, code) if level else None
    if r is None:
        return None
    parents = []
    chain = (
        ("canton", "canton_code"),
        ("epci", "epci_code"),
        ("departement", "departement_code"),
        ("region", "region_code"),
    )
    for plevel, col in chain:
        pcode = r[col]
        if isinstance(pcode, str) and plevel != level:
            p = obs.territory(plevel, pcode)
            if p is not None:
                parents.append((plevel, pcode, p["name"]))
    return Territory(
        level,
        code,
        r["name"],
        int(r["population"] or 0),
        _float(r["area_km2"]),
        parents,
        _float(r["map_lon"]),
        _float(r["map_lat"]),
    )


def _level_of_key(key: str) -> tuple[str | None, str]:
    """(level, code) from the shape of a URL key: 'reg-84', 'can-4205', 9 digits (EPCI), 5 (commune), 2-3 (département)."""
    if key.lower().startswith("reg-"):
        return "region", key[4:]
    if key.lower().startswith("can-"):
        return "canton", key[4:].upper()
    if re.fullmatch(r"\d{9}", key):
        return "epci", key
    if len(key) == 5:
        return "commune", key.upper()
    if len(key) in (2, 3):
        return "departement", key.upper()
    return None, key


def _float(x: object) -> float | None:
    return float(x) if pd.notna(x) else None


def children(obs: Observatory, t: Territory, limit: int = 40) -> dict[str, tuple[pd.DataFrame, int]]:
    """Sub-territories by level: the most populated ``limit`` ones, and how many there are."""
    out = {}
    for level in CHILD_LEVELS.get(t.level, ()):
        rows = obs.children(t.level, t.code, level)[["code", "name", "population"]]
        out[level] = (rows.head(limit), len(rows))
    return out


def parent_of(t: Territory) -> tuple[str, str] | None:
    """The (level, code) the profile compares with, besides France."""
    plevel = PARENT_LEVEL.get(t.level)
    for level, code, _name in t.parents:
        if level == plevel:
            return level, code
    return None


def parent_name(t: Territory) -> str | None:
    """The name of the territory the profile compares with (the parent of :func:`parent_of`)."""
    parent = parent_of(t)
    return next((name for level, code, name in t.parents if parent == (level, code)), None)


def parent_label(t: Territory, lang: str) -> str | None:
    """The parent as the key findings name it: 'département (Loire)' in French, 'Loire' in English."""
    parent, name = parent_of(t), parent_name(t)
    return portrait.reference_label(parent[0], name, lang) if parent and name else None


def level_name(level: str, lang: str) -> str:
    """A level in lower case and without the acronym, as written after a name: 'Loire (département)'."""
    fr, en = SHORT_LEVELS.get(level, (level, level))
    return fr if lang == "fr" else en
