"""Side-by-side comparison of 2 to 6 territories of any level, with pairwise significance.

Pure functions of the :class:`~observatory.service.Observatory`; no Dash.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory import reference as ref
from observatory.service import Observatory
from observatory.stats import Query
from observatory.stats.engine import LEVEL_COLUMNS
from observatory.stats.pairwise import pairwise
from observatory.views.profile import Territory, resolve

MAX_TERRITORIES = 6
VIEWS: dict[str, tuple[str, str, str]] = {
    # view code: (indicator, survey, statistic kept)
    "fragilite-citoyens": ("fragility", "citoyens", "mean_score"),
    "fragilite-entreprises": ("fragility", "entreprises", "mean_score"),
    "fragilite-associations": ("fragility", "associations", "mean_score"),
    "partenariats-entreprises": ("partnerships", "entreprises", ""),
    "partenariats-associations": ("partnerships", "associations", ""),
    "maires": ("mayors", "elus", "share"),
    "innovation-citoyens": ("innovation", "citoyens", "share"),
    "innovation-elus": ("innovation", "elus", "share"),
}


def parse_keys(obs: Observatory, raw: str | None) -> tuple[list[Territory], list[str]]:
    """Territories of a ``territories=`` parameter, and the keys that match no territory.

    Keys are comma-separated profile keys; duplicates are dropped; at most six are kept.
    """
    found, unknown = [], []
    for key in [k.strip() for k in (raw or "").split(",") if k.strip()][: MAX_TERRITORIES * 2]:
        t = resolve(obs, key)
        if t is None:
            unknown.append(key[:40])
        elif (t.level, t.code) not in {(x.level, x.code) for x in found} and len(found) < MAX_TERRITORIES:
            found.append(t)
    return found, unknown


def key_of(t: Territory) -> str:
    """The key of a territory in URLs."""
    return ref.territory_key(t.level, t.code)


def key_of_code(level_code: str) -> str:
    """'region:84' → 'reg-84', 'departement:42' → '42' (the pairwise table's ids → URL keys)."""
    level, _, code = level_code.partition(":")
    return ref.territory_key(level, code)


def _condition(level: str, code: str) -> tuple[str, str]:
    column = "code" if level == "commune" else LEVEL_COLUMNS[level]
    return f"{column} = ?", code


def overlaps(obs: Observatory, territories: list[Territory]) -> dict[frozenset, tuple[str, str]]:
    """For each pair sharing communes, the inner one (the less populated)."""
    out = {}
    for i, a in enumerate(territories):
        for b in territories[i + 1 :]:
            ca, va = _condition(a.level, a.code)
            cb, vb = _condition(b.level, b.code)
            shared = obs.db.query(
                f"SELECT count(*) AS n FROM territories WHERE level = 'commune' AND {ca} AND {cb}", [va, vb]
            )
            if int(shared["n"].iloc[0]) > 0:
                inner = a if a.population <= b.population else b
                out[frozenset(((a.level, a.code), (b.level, b.code)))] = (inner.level, inner.code)
    return out


def compare(obs: Observatory, territories: list[Territory], view: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(estimates, pairwise): one row per territory × measure, and one per pair × measure."""
    indicator, survey, statistic = VIEWS[view]
    waves = obs.waves(survey)
    if not waves or len(territories) < 1:
        return pd.DataFrame(), pd.DataFrame()
    wave = waves[-1]
    estimates = {}
    for t in territories:
        e = obs.estimate(Query(indicator, wave, survey, t.level, territories=(t.code,)))
        e = _keep(e, statistic)
        estimates[(t.level, t.code)] = e.assign(territory_key=key_of(t), territory_label=t.name)
    table = pd.concat(estimates.values(), ignore_index=True)
    base = Query(indicator, wave, survey, "groups")
    pairs = pairwise(
        obs.stats, base, {k: v for k, v in estimates.items()}, overlaps(obs, territories), obs.settings.min_n
    )
    if len(pairs):
        pairs = pairs[
            pairs.set_index(["measure", "statistic"]).index.isin(table.set_index(["measure", "statistic"]).index)
        ]
    return table, pairs.reset_index(drop=True)


def _keep(table: pd.DataFrame, statistic: str) -> pd.DataFrame:
    if statistic:
        return table[table["statistic"] == statistic]
    return table[(table["measure"] == ref.PARTNER.code) | (table["statistic"] == "share_among_partners")]


def similar(obs: Observatory, t: Territory, k: int = 5) -> pd.DataFrame:
    """The k territories of the same level most like ``t`` in population, density and région."""
    terr = obs.territories(t.level)
    terr = terr[(terr["code"] != t.code) & (terr["population"] > 0) & terr["area_km2"].notna()]
    if terr.empty or not t.area_km2:
        return terr.head(0)
    logpop = np.log(terr["population"])
    logdens = np.log(terr["population"] / terr["area_km2"])
    d_pop = (logpop - np.log(max(t.population, 1))) / logpop.std()
    d_dens = (logdens - np.log(max(t.population, 1) / t.area_km2)) / logdens.std()
    region = next((c for lv, c, _ in t.parents if lv == "region"), t.code if t.level == "region" else None)
    other_region = (terr["region_code"] != region).astype(float) if t.level != "region" else 0.0
    distance = np.sqrt(d_pop**2 + d_dens**2) + 0.5 * other_region
    return terr.assign(distance=distance).nsmallest(k, "distance")
