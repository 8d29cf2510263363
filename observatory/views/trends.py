"""Estimates across waves for the trend charts of the profile, comparison and innovation pages.

For each series (a territory, its parent, France...) and each wave of a survey, the estimates
of the statistics layer with their CIs, and the change from the previous wave with its test
(:mod:`observatory.stats.change`). Pure functions of the Observatory; no Dash.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.change import compare_waves

Scope = tuple[str, str, str, str | None]  # (series key, label, level, code; None for France)


def series_rows(
    obs: Observatory,
    indicator: str,
    survey: str,
    scopes: list[Scope],
    keep: Callable[[pd.DataFrame], pd.DataFrame],
    measures: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per series × wave × measure kept, with the change since the previous wave.

    The estimate comes with its CI, n and reliability; ``change``, ``change_low``, ``change_high``
    and ``change_significance`` are empty at the first wave or when suppressed.
    """
    frames = []
    for key, label, level, code in scopes:
        previous = None
        for wave in obs.waves(survey):
            if level == ref.FRANCE_LEVEL:
                table = obs.estimate(Query(indicator, wave, survey, level, measures))
            elif level == "commune":  # one commune: do not compute (and cache) the 35,000 others
                table = obs.estimate(Query(indicator, wave, survey, level, measures, territories=(code,)))
            else:  # whole levels: the same cached tables as the maps and the profiles
                table = obs.estimate(Query(indicator, wave, survey, level, measures), territories=(code,))
            table = keep(table)
            if measures:
                table = table[table["measure"].isin(measures)]
            out = table.assign(series=key, series_label=label)
            if previous is not None:
                ch = compare_waves(previous, table).set_index(["measure", "statistic"])
                idx = pd.MultiIndex.from_frame(out[["measure", "statistic"]])
                out = out.assign(
                    change=ch["difference"].reindex(idx).to_numpy(),
                    change_low=ch["ci_low"].reindex(idx).to_numpy(),
                    change_high=ch["ci_high"].reindex(idx).to_numpy(),
                    change_significance=ch["significance"].reindex(idx).to_numpy(),
                    previous_wave=previous["wave"].iloc[0] if len(previous) else None,
                )
            frames.append(out)
            previous = table
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def published_points(obs: Observatory, survey: str, indicator: str | None = None) -> pd.DataFrame:
    """PHARE / IMPACT's national figures of a survey (all size classes), at their own waves.

    The statistic is the one of the app (``share_among_partners`` for kinds among partners).
    """
    pub = obs.published_figures()
    pub = pub[(pub["survey"] == survey) & pub["region_code"].isna() & pub["size_class"].isna()]
    if indicator is not None:
        pub = pub[pub["indicator"] == indicator]
    stat = pub["statistic"].where(pub["base"] != "partners", "share_among_partners")
    return pub.assign(statistic=stat)[["measure", "statistic", "wave", "value", "code"]]


def keep_statistic(statistic: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A filter keeping one statistic, or PHARE's partnership convention when ``statistic`` is ''."""

    def keep(table: pd.DataFrame) -> pd.DataFrame:
        if statistic:
            return table[table["statistic"] == statistic]
        return table[(table["measure"] == ref.PARTNER.code) | (table["statistic"] == "share_among_partners")]

    return keep


def national_innovation_figure(obs: Observatory, lang: str) -> dict:
    """France's "alliances are a source of innovation" for each survey that asked it, across waves."""
    from observatory.figures.trend import trend_figure

    present = set(obs.datasets()["survey"])
    frames, published = [], []
    for survey in ref.INNOVATION_SURVEYS:
        if survey not in present:
            continue
        scope = [(survey, f"France — {ref.label(survey, lang).lower()}", ref.FRANCE_LEVEL, None)]
        frames.append(series_rows(obs, "innovation", survey, scope, keep_statistic("share")))
        published.append(published_points(obs, survey, "innovation").assign(series=survey))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    pub = pd.concat(published, ignore_index=True) if published else pd.DataFrame()
    fr = lang == "fr"
    title = (
        "France : évolution entre vagues, avec IC à 95 % (◆ chiffres publiés)"
        if fr
        else "France: change between waves, with 95% CI (◆ published figures)"
    )
    return trend_figure(rows, pub, {ref.INNOVATION.code: ref.label(ref.INNOVATION.code, lang)}, "share", lang, title)
