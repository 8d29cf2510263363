"""A territory's profile, from the statistics layer.

Identity, and every indicator for the territory, its parent and France, each with its CI, n,
reliability and significance.

Pure functions of the :class:`~observatory.service.Observatory`; no Dash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from observatory import reference as ref
from observatory.service import Observatory
from observatory.stats import Query
from observatory.stats.engine import GROUPS_LEVEL
from observatory.stats.pairwise import pairwise

PARENT_LEVEL = {"commune": "departement", "epci": "departement", "departement": "region"}
PARENT_COLUMN = {"departement": "departement_code", "region": "region_code"}
CHILD_LEVELS = {"region": ("departement",), "departement": ("epci", "commune"), "epci": ("commune",)}
BLOCKS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # (block, indicator, surveys, statistic kept)
    ("fragilite", "fragility", ("citoyens", "entreprises", "associations"), "mean_score"),
    ("partenariats", "partnerships", ref.PARTNERSHIP_SURVEYS, ""),
    ("maires", "mayors", ("elus",), "share"),
    ("innovation", "innovation", ref.INNOVATION_SURVEYS, "share"),
)
# The measures of each block drawn in the trend charts (the profile's table has them all).
TREND_MEASURES: dict[str, tuple[str, ...]] = {
    "fragilite": (*ref.DOMAIN_CODES, ref.COMPOSITE.code),
    "partenariats": (ref.PARTNER.code, *ref.KIND_CODES),
    "maires": (ref.Q4_OUI.code,),
    "innovation": (ref.INNOVATION.code,),
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

    Keys: 'reg-84', a département, an EPCI SIREN, a commune (communes déléguées and
    arrondissements lead to their commune).
    """
    key = (key or "").strip()[:20]
    if not re.fullmatch(r"[0-9A-Za-z-]{1,20}", key):
        return None
    level, code = None, key.upper()
    if key.lower().startswith("reg-"):
        level, code = "region", key[4:]
    elif re.fullmatch(r"\d{9}", key):
        level = "epci"
    elif len(key) == 5:
        level = "commune"
        alias = obs.db.query("SELECT commune_code FROM commune_aliases WHERE code = ?", [code])
        code = alias["commune_code"].iloc[0] if len(alias) else code
    elif len(key) in (2, 3):
        level = "departement"
    if level is None:
        return None
    rows = obs.db.query("SELECT * FROM territories WHERE level = ? AND code = ?", [level, code])
    if rows.empty:
        return None
    r = rows.iloc[0]
    parents = []
    for plevel, col in (("epci", "epci_code"), ("departement", "departement_code"), ("region", "region_code")):
        pcode = r[col]
        if isinstance(pcode, str) and plevel != level:
            p = obs.db.query("SELECT name FROM territories WHERE level = ? AND code = ?", [plevel, pcode])
            if len(p):
                parents.append((plevel, pcode, p["name"].iloc[0]))
    area = float(r["area_km2"]) if pd.notna(r["area_km2"]) else None
    lon = float(r["map_lon"]) if pd.notna(r["map_lon"]) else None
    lat = float(r["map_lat"]) if pd.notna(r["map_lat"]) else None
    return Territory(level, code, r["name"], int(r["population"] or 0), area, parents, lon, lat)


def children(obs: Observatory, t: Territory, limit: int = 40) -> dict[str, tuple[pd.DataFrame, int]]:
    """Sub-territories by level: the most populated ``limit`` ones, and how many there are."""
    out = {}
    col = {"region": "region_code", "departement": "departement_code", "epci": "epci_code"}.get(t.level)
    for level in CHILD_LEVELS.get(t.level, ()):
        rows = obs.db.query(
            f"SELECT code, name, population FROM territories WHERE level = ? AND {col} = ? ORDER BY population DESC",
            [level, t.code],
        )
        out[level] = (rows.head(limit), len(rows))
    return out


def parent_of(t: Territory) -> tuple[str, str] | None:
    """The (level, code) the profile compares with, besides France."""
    plevel = PARENT_LEVEL.get(t.level)
    for level, code, _name in t.parents:
        if level == plevel:
            return level, code
    return None


def indicator_rows(obs: Observatory, t: Territory) -> pd.DataFrame:
    """Every indicator for the territory, its parent and France (latest wave of each survey).

    Columns: block, scope (territory | parent | france) and the statistics layer's columns.
    """
    parent = parent_of(t)
    frames = []
    present = set(obs.datasets()["survey"])
    for block, indicator, surveys, statistic in BLOCKS:
        for survey in surveys:
            if survey not in present:
                continue
            wave = obs.waves(survey)[-1]
            scopes = [("territory", t.level, (t.code,))]
            if parent:
                scopes.append(("parent", parent[0], (parent[1],)))
            scopes.append(("france", ref.FRANCE_LEVEL, None))
            by_scope = {}
            for scope, level, codes in scopes:
                if scope == "territory" and parent:
                    # The groups query (territory, rest of parent) holds the territory's estimates
                    # too, and with_parent_test reuses it from the cache: one query instead of two.
                    q = Query(
                        indicator, wave, survey, GROUPS_LEVEL, groups=(("inner", t.level, t.code), ("outer", *parent))
                    )
                    g = obs.estimate(q)
                    g = g[g["territory_code"] == "inner"].assign(
                        territory_code=t.code, territory_name=t.name, level=t.level
                    )
                    by_scope[scope] = _keep(g, statistic)
                    continue
                # Whole levels (not just this territory): the same cached table serves every
                # profile, and the map pages.
                table = obs.estimate(Query(indicator, wave, survey, level))
                by_scope[scope] = _keep(table[table["territory_code"].isin(codes)] if codes else table, statistic)
            if parent:
                by_scope["territory"] = with_parent_test(
                    obs, Query(indicator, wave, survey, t.level), t, parent, by_scope
                )
            frames += [table.assign(block=block, scope=scope) for scope, table in by_scope.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def comparison_table(rows: pd.DataFrame, block: str, survey: str) -> pd.DataFrame:
    """One row per measure: territory, parent and France side by side."""
    r = rows[(rows["block"] == block) & (rows["survey"] == survey)]
    wide = r.pivot_table(
        index=["measure", "statistic"],
        columns="scope",
        values=["estimate", "ci_low", "ci_high", "n"],
        aggfunc="first",
    )
    wide.columns = [f"{v}_{s}" for v, s in wide.columns]
    cols = ["reliability", "significance", "p_value"] + (["vs_parent"] if "vs_parent" in r else [])
    terr = r[r["scope"] == "territory"].set_index(["measure", "statistic"])[cols]
    out = wide.join(terr).reset_index()
    order = {m: i for i, m in enumerate(r["measure"].drop_duplicates())}
    return out.sort_values("measure", key=lambda s: s.map(order)).reset_index(drop=True)


def _keep(table: pd.DataFrame, statistic: str) -> pd.DataFrame:
    if statistic:
        return table[table["statistic"] == statistic]
    # partnerships: the partner rate, and the kinds among partners (PHARE's convention)
    return table[(table["measure"] == ref.PARTNER.code) | (table["statistic"] == "share_among_partners")]


def with_parent_test(
    obs: Observatory, base: Query, t: Territory, parent: tuple[str, str], by_scope: dict
) -> pd.DataFrame:
    """The territory's rows with ``vs_parent``: its test against the rest of its parent."""
    pairs = pairwise(
        obs.stats,
        base,
        {(t.level, t.code): by_scope["territory"], parent: by_scope["parent"]},
        {frozenset({(t.level, t.code), parent}): (t.level, t.code)},
        obs.settings.min_n,
    )
    verdict = pairs.set_index(["measure", "statistic"])["verdict"].map(
        {"a_higher": "above", "b_higher": "below", "not_significant": "not_significant", "not_tested": "not_tested"}
    )
    terr = by_scope["territory"]
    keys = pd.MultiIndex.from_frame(terr[["measure", "statistic"]])
    return terr.assign(vs_parent=verdict.reindex(keys).to_numpy())
