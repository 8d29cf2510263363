"""Estimates across waves for the trend charts of the profile, comparison and innovation pages.

For each series (a territory, its parent, France...) and each wave of a survey, the estimates
of the statistics layer with their CIs, and the change from the previous wave with its test
(:mod:`observatory.stats.change`). Pure functions of the Observatory; no Dash.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
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
    waves = obs.waves(survey)
    frames = []
    for key, label, level, code in scopes:
        for wave in waves:
            table = keep(_estimate(obs, Query(indicator, wave, survey, level, measures), code))
            if measures:
                table = table[table["measure"].isin(measures)]
            frames.append(table.assign(series=key, series_label=label))
    if not frames:
        return pd.DataFrame()
    return _with_changes(pd.concat(frames, ignore_index=True), waves)


def _estimate(obs: Observatory, query: Query, code: str | None) -> pd.DataFrame:
    """A series' table at one wave: France, one commune, or one territory of a whole level."""
    if query.level == ref.FRANCE_LEVEL:
        return obs.estimate(query)
    if query.level == "commune":  # one commune: do not compute (and cache) the 35,000 others
        return obs.estimate(dataclasses.replace(query, territories=(code,)))
    return obs.estimate(query, territories=(code,))  # the same cached tables as the maps and the profiles


def _with_changes(rows: pd.DataFrame, waves: list[int]) -> pd.DataFrame:
    """Each row's change since its series' previous wave: one :func:`compare_waves` for all of them.

    Each row of a wave is paired with its series' row of the previous wave (the pair's key in
    ``territory_code``: series and wave), so that the test is the one of every change.
    """
    previous_of = dict(zip(waves[1:], waves[:-1], strict=True))
    if not previous_of:
        return rows
    if rows.empty:
        changes = ("change", "change_low", "change_high", "change_significance", "previous_wave")
        return rows.assign(**dict.fromkeys(changes, np.nan))
    wave = rows["wave"].astype(int)
    after = rows[wave.isin(previous_of.keys())]
    after = after.assign(territory_code=after["series"] + "|" + after["wave"].astype(int).astype(str))
    next_of = {v: k for k, v in previous_of.items()}
    before = rows[wave.isin(next_of.keys())]
    before = before.assign(territory_code=before["series"] + "|" + before["wave"].astype(int).map(next_of).astype(str))
    ch = compare_waves(before, after).set_index(["territory_code", "measure", "statistic"])
    key = pd.MultiIndex.from_arrays([rows["series"] + "|" + wave.astype(str), rows["measure"], rows["statistic"]])
    found = ch.reindex(key)
    later = wave.isin(previous_of.keys()).to_numpy()
    return rows.assign(
        change=found["difference"].to_numpy(),
        change_low=found["ci_low"].to_numpy(),
        change_high=found["ci_high"].to_numpy(),
        change_significance=found["significance"].to_numpy(),
        previous_wave=np.where(later, wave.map(previous_of).to_numpy(dtype=float), np.nan),
    )


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
