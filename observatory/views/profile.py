"""A territory's profile: the view model every renderer reads, computed once per territory.

Identity, and every indicator for the territory, its parent and France, each with its CI, n,
reliability and significance; the portrait at the top (key findings and ranks); the trend charts.
Pure functions of the :class:`~observatory.data.service.Observatory`; no Dash.

Here: the cached view models (:func:`profile_model`, :func:`trend_blocks`), the territory's ranks,
and the tables of the findings and ranks (the downloads). The parts live beside it, and every
public name stays importable from here:

- :mod:`~observatory.views.profile_territory`: the territory, its parents, children and names;
- :mod:`~observatory.views.profile_rows`: the indicator rows, comparison tables, peers, changes
  and the small-area model's rows;
- :mod:`~observatory.views.profile_table`: a block's table as shown;
- :mod:`~observatory.views.profile_trends`: the trend charts;
- :mod:`~observatory.views.profile_initiatives`: the initiatives.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory.core.reference import MODEL_LEVEL
from observatory.data.service import Observatory
from observatory.stats.sae import MODEL_STATUSES
from observatory.views import portrait
from observatory.views.findings_blocks import finding_record, findings_block
from observatory.views.profile_initiatives import NATIONAL, initiatives
from observatory.views.profile_rows import (
    BLOCKS,
    block_cells,
    change_rows,
    comparison_table,
    indicator_rows,
    loaded_blocks,
    model_comparison,
    model_epci,
    model_peer_rows,
    model_rows,
    peer_rows,
    survey_model,
    survey_tables,
    with_parent_test,
)
from observatory.views.profile_table import (
    TableView,
    column_decimals,
    family_verdicts,
    suppressed_note,
    table_view,
    with_family_verdicts,
)
from observatory.views.profile_territory import (
    CHILD_LEVELS,
    PARENT_LEVEL,
    SHORT_LEVELS,
    Territory,
    children,
    level_name,
    parent_label,
    parent_name,
    parent_of,
    resolve,
)
from observatory.views.profile_trends import TREND_MEASURES, TrendBlock, build_trend_blocks, trend_title

__all__ = [
    "BLOCKS",
    "CHILD_LEVELS",
    "NATIONAL",
    "PARENT_LEVEL",
    "PROFILE_CACHE",
    "RANKED_COLUMNS",
    "SHORT_LEVELS",
    "TREND_MEASURES",
    "Portrait",
    "TableView",
    "Territory",
    "TrendBlock",
    "change_rows",
    "children",
    "column_decimals",
    "comparison_table",
    "findings_table",
    "indicator_rows",
    "initiatives",
    "level_name",
    "model_comparison",
    "model_epci",
    "model_peer_rows",
    "model_rows",
    "parent_label",
    "parent_name",
    "parent_of",
    "peer_rows",
    "portrait_of",
    "profile_model",
    "ranks_table",
    "resolve",
    "suppressed_note",
    "survey_model",
    "survey_tables",
    "table_view",
    "family_verdicts",
    "with_family_verdicts",
    "territory_ranks",
    "trend_blocks",
    "trend_title",
    "with_parent_test",
]


@dataclass(frozen=True)
class Portrait:
    """What the top of a profile says: the key findings and the ranks they quote."""

    findings: portrait.KeyFindings
    ranks: pd.DataFrame


PROFILE_CACHE = 32  # territories whose view model one app keeps (each a few hundred rows)


def profile_model(obs: Observatory, t: Territory) -> tuple[pd.DataFrame, Portrait]:
    """The profile's indicator rows and portrait, computed once per territory and data version.

    Read by the page, the downloads, the PDF, the embeds and the findings API: one computation
    (seconds: every peer's rank set, the model, the changes), kept per app in an LRU. The frames
    are shared: callers copy before changing them (``assign``, never in place).
    """
    cache = obs.view_cache("profile", PROFILE_CACHE)
    key = (obs.db.version, obs.settings.min_n, t.level, t.code)

    def make() -> tuple[pd.DataFrame, Portrait]:
        rows = indicator_rows(obs, t)
        return rows, portrait_of(obs, t, rows)

    return cache.get(key, make)


def portrait_of(obs: Observatory, t: Territory, rows: pd.DataFrame | None = None) -> Portrait:
    """The key findings and ranks of a territory (``rows``: its :func:`indicator_rows`, if read)."""
    rows = indicator_rows(obs, t) if rows is None else rows
    ranked = territory_ranks(obs, t)
    findings = portrait.key_findings(rows, change_rows(obs, t), ranked, model_rows(obs, t, rows))
    return Portrait(findings, ranked)


def trend_blocks(obs: Observatory, t: Territory) -> list[TrendBlock]:
    """Every trend chart of the profile: each survey with several waves, each block's measures.

    Computed once per territory and data version (the page, the PDF and the downloads read them).
    """
    key = (obs.db.version, obs.settings.min_n, t.level, t.code)
    return obs.view_cache("trends", PROFILE_CACHE).get(key, lambda: build_trend_blocks(obs, t))


RANKED_COLUMNS = ["survey", "measure", "statistic", "rank", "rank_low", "rank_high", "peers", "peers_total", "method"]


def territory_ranks(obs: Observatory, t: Territory) -> pd.DataFrame:
    """The territory's rank in each of the blocks' cells at the latest wave, with its marginal 95 % set.

    Read from the sets stored at load (``rank_sets``); computed from its level's reliable cells
    when the database has none. An EPCI whose direct cell is not ranked is ranked among every
    modelled EPCI by the small-area model (``method`` "sae").
    """
    stored = obs.stored_ranks(t.level, t.code)
    if stored is not None:
        ranked = _from_stored(obs, stored)
        return portrait.joint_sets(ranked, _level_peers(obs, t.level), t.code)
    direct = peer_rows(obs, t).assign(method="direct")
    ranked = portrait.ranks(direct, t.code, len(obs.territories(t.level))).assign(method="direct")
    peers = [direct]
    if t.level == MODEL_LEVEL:  # ranked among every EPCI by the model where its direct cell is not ranked
        modelled = model_peer_rows(obs)
        if modelled is not None:
            ranked = _direct_first(ranked, portrait.model_ranks(modelled, t.code))
            peers.append(modelled[modelled["sae_status"].isin(MODEL_STATUSES)].assign(method="sae"))
    ranked = ranked[RANKED_COLUMNS].reset_index(drop=True)
    return portrait.joint_sets(ranked, pd.concat(peers, ignore_index=True), t.code)


def _level_peers(obs: Observatory, level: str) -> pd.DataFrame:
    """Every stored rank row of a level's blocks' cells at the latest wave: the peers of the joint sets.

    Read once per level and data version (an EPCI's 100,000 model rows are one query, not one per visit).
    """

    def read() -> pd.DataFrame:
        stored = obs.stored_ranks(level)
        frames = [
            block_cells(
                stored[
                    (stored["indicator"] == indicator)
                    & (stored["survey"] == survey)
                    & (stored["wave"] == obs.waves(survey)[-1])
                ],
                statistic,
            )[["survey", "measure", "statistic", "method", "territory_code", "estimate", "se"]]
            for _block, indicator, survey, statistic in loaded_blocks(obs)
        ]
        return pd.concat(frames, ignore_index=True)

    return obs.view_cache("rank_peers", 4).get((obs.db.version, obs.settings.min_n, level), read)


def _direct_first(direct: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """The direct ranks, and the model's where the cell has no direct rank."""
    keys = ["survey", "measure", "statistic"]
    seen = set(map(tuple, direct[keys].to_numpy())) if len(direct) else set()
    model = model[[tuple(k) not in seen for k in model[keys].to_numpy()]]
    return pd.concat([direct, model], ignore_index=True) if len(model) else direct


def _from_stored(obs: Observatory, stored: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for _block, indicator, survey, statistic in loaded_blocks(obs):
        cell = stored[
            (stored["indicator"] == indicator)
            & (stored["survey"] == survey)
            & (stored["wave"] == obs.waves(survey)[-1])
        ]
        frames.append(block_cells(cell, statistic))
    ranked = pd.concat(frames, ignore_index=True) if frames else stored.iloc[:0]
    direct, model = ranked[ranked["method"] == "direct"], ranked[ranked["method"] == "sae"]
    model = model.assign(peers_total=model["peers"])  # the model ranks every modelled EPCI: no other peer
    out = _direct_first(direct, model)[RANKED_COLUMNS].reset_index(drop=True)
    return out.astype({c: "int64" for c in ("rank", "rank_low", "rank_high", "peers", "peers_total")})


def findings_table(p: Portrait, t: Territory) -> pd.DataFrame:
    """The key findings as a table (the downloads): one row per statement shown, in both languages.

    The sentences are the page's and the PDF's (:func:`~observatory.views.findings_blocks.findings_block`):
    a cell stated against both rests the same way is one row, its parent test in the ``also_*`` columns.
    """
    names = {"france": "France", "parent": parent_name(t) or "", "previous_wave": ""}
    said = {
        lang: findings_block(p.findings, t.name, t.level, parent_label(t, lang), lang).statements()
        for lang in ("fr", "en")
    }
    rows = [
        {
            "block": "key_findings",
            "territory_code": t.code,
            "territory_name": t.name,
            **finding_record(f),
            "versus_name": names[f.versus],
            "family_size": p.findings.family,
            "procedure": p.findings.procedure,
            "rank": f.rank.rank if f.rank else None,
            "rank_low": f.rank.low if f.rank else None,
            "rank_high": f.rank.high if f.rank else None,
            "peers": f.rank.peers if f.rank else None,
            "peers_total": f.rank.peers_total if f.rank else None,
            "rank_method": "mogstad-romano-shaikh-wilhelm-marginal" if f.rank else None,
            "also_versus": s.joint.versus if s.joint else None,
            "also_p_value": s.joint.p_value if s.joint else None,
            "also_p_adjusted": s.joint.p_adjusted if s.joint else None,
            "also_reference": s.joint.reference if s.joint else None,
            "text_fr": s.text,
            "text_en": en.text,
        }
        for s, en in zip(said["fr"], said["en"], strict=True)
        for f in (s.finding,)
    ]
    return pd.DataFrame(rows)


def ranks_table(p: Portrait, t: Territory) -> pd.DataFrame:
    """The ranks shown in the profile's tables (the downloads)."""
    return p.ranks.assign(
        block="rangs",
        territory_code=t.code,
        level=t.level,
        draws=portrait.RANK_DRAWS,
        rank_method="mogstad-romano-shaikh-wilhelm-marginal",
        joint_method="holm-bonferroni-over-the-tables-rows",  # joint_low, joint_high: what the tables show
    )
