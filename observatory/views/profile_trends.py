"""The profile's trend charts: each survey with several waves, for the territory, its parent and France.

What each chart draws (:class:`TrendBlock`: the rows across waves and the published points) and
its title. Pure functions of the :class:`~observatory.data.service.Observatory`; the cached
:func:`observatory.views.profile.trend_blocks` is what the page, the PDF and the downloads read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.stats.blocks import BLOCKS
from observatory.views import trends
from observatory.views.profile_territory import Territory, parent_name, parent_of

# The measures of each block drawn in the trend charts (the profile's table has them all).
TREND_MEASURES: dict[str, tuple[str, ...]] = {
    "fragilite": (*ref.DOMAIN_CODES, ref.COMPOSITE.code),
    "partenariats": (ref.PARTNER.code, *ref.KIND_CODES),
    "maires": (ref.Q4_OUI.code,),
    "innovation": (ref.INNOVATION.code,),
}


@dataclass(frozen=True)
class TrendBlock:
    """The rows of one trend chart: a survey's indicator across waves (territory, parent, France)."""

    block: str
    indicator: str
    survey: str
    statistic: str
    measures: tuple[str, ...]
    rows: pd.DataFrame
    published: pd.DataFrame


def trend_title(tb: TrendBlock, lang: str) -> str:
    """A trend block's title: the survey and the statistic (partnerships: the kinds among partners)."""
    title = f"{ref.label(tb.survey, lang)} — {i18n.t(tb.statistic or 'share', lang)}"
    if not tb.statistic:
        title += " (types : parmi les partenaires)" if lang == "fr" else " (kinds: among partners)"
    return title


def build_trend_blocks(obs: Observatory, t: Territory) -> list[TrendBlock]:
    """Every trend chart of the profile: each survey with several waves, each block's measures (uncached)."""
    parent, name = parent_of(t), parent_name(t)
    scopes = [("territory", t.name, t.level, t.code)]
    if parent and name:
        scopes.append(("parent", name, parent[0], parent[1]))
    scopes.append(("france", "France", ref.FRANCE_LEVEL, None))
    present = set(obs.datasets()["survey"])
    out = []
    for block, indicator, surveys, statistic in BLOCKS:
        measures = TREND_MEASURES[block]
        keep = trends.keep_statistic(statistic)
        for survey in surveys:
            if survey not in present or len(obs.waves(survey)) < 2:
                continue
            rows = trends.series_rows(obs, indicator, survey, scopes, keep, measures)
            published = keep(trends.published_points(obs, survey, indicator))
            out.append(TrendBlock(block, indicator, survey, statistic, measures, rows, published))
    return out
