"""The rows a profile reads: every indicator of the territory, its parent and France, and their tables.

The blocks of the profile and the cells each keeps; the indicator rows with the tests against the
rest of France and of the parent; each survey's comparison table; the peers of the ranks; the
changes since the previous wave; the small-area model's rows. Pure functions of the
:class:`~observatory.data.service.Observatory`, no SQL; re-exported by :mod:`observatory.views.profile`.
"""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.blocks import BLOCKS, block_cells
from observatory.stats.engine import GROUPS_LEVEL
from observatory.stats.pairwise import pairwise
from observatory.views.profile_territory import Territory, parent_of


def loaded_blocks(obs: Observatory):
    """(block, indicator, survey, statistic kept) of each loaded survey of the profile's blocks."""
    present = set(obs.datasets()["survey"])
    for block, indicator, surveys, statistic in BLOCKS:
        for survey in surveys:
            if survey in present:
                yield block, indicator, survey, statistic


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
            stored = obs.stats.vs_parent(Query(indicator, wave, survey, t.level), obs.settings.min_n, (t.code,))
            for scope, level, codes in scopes:
                if scope == "territory" and parent and stored is None:
                    # No stored complements (an older database): the groups query (territory, rest
                    # of parent) holds the territory's estimates too, and with_parent_test reuses it.
                    q = Query(
                        indicator, wave, survey, GROUPS_LEVEL, groups=(("inner", t.level, t.code), ("outer", *parent))
                    )
                    g = obs.estimate(q)
                    g = g[g["territory_code"] == "inner"].assign(
                        territory_code=t.code, territory_name=t.name, level=t.level
                    )
                    by_scope[scope] = block_cells(g, statistic)
                    continue
                # A lookup of the territory's own cells in the estimates table (the whole sample
                # still counts in its variance and its test against the rest of France).
                table = obs.estimate(Query(indicator, wave, survey, level, territories=codes))
                by_scope[scope] = block_cells(table, statistic)
            if parent and stored is not None:
                stored = stored.set_index(["measure", "statistic"])
                terr = by_scope["territory"]
                keys = pd.MultiIndex.from_frame(terr[["measure", "statistic"]].astype(str))
                by_scope["territory"] = terr.assign(
                    vs_parent=stored["vs_parent"].reindex(keys).fillna("not_tested").to_numpy(),
                    p_value_parent=stored["p_value_parent"].reindex(keys).to_numpy(),
                    estimate_rest_parent=stored["estimate_rest_parent"].reindex(keys).to_numpy(),
                )
            elif parent:
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


def survey_tables(
    obs: Observatory, rows: pd.DataFrame, block: str, surveys: tuple[str, ...], statistic: str, lang: str
):
    """Each survey of a block with data: (survey, comparison table, measure labels, statistic, title).

    What the page and the PDF both draw, one dot plot and one table per survey.
    """
    for survey in surveys:
        table = comparison_table(rows, block, survey) if len(rows) else None
        if table is None or table.empty:
            continue
        labels = {m: ref.label(m, lang) for m in table["measure"]}
        stat = statistic or "share"
        title = f"{ref.label(survey, lang)}, {obs.waves(survey)[-1]} — {i18n.t(stat, lang)}"
        yield survey, table, labels, stat, title


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


def peer_rows(obs: Observatory, t: Territory) -> pd.DataFrame:
    """Every reliable cell of the territory's level at the latest wave: the peers of its ranks.

    Communes and EPCIs: only the territories with enough respondents for a reliable cell are read
    (``LOW_N``, the reliability rule's threshold), not the whole level (35,000 communes).
    """
    from observatory.stats.finalize import LOW_N

    frames = []
    for block, indicator, survey, statistic in loaded_blocks(obs):
        wave = obs.waves(survey)[-1]
        codes = None
        if t.level in ("commune", "canton", "epci"):
            counts = obs.respondent_counts(survey, wave, t.level)
            codes = tuple(counts[counts >= LOW_N].index.astype(str))
            if t.code not in codes:
                continue  # the territory itself has no reliable cell: no rank
        table = obs.estimate(Query(indicator, wave, survey, t.level, territories=codes))
        kept = block_cells(table, statistic)
        frames.append(kept[kept["reliability"] == "ok"].assign(block=block))
    if not frames:
        return pd.DataFrame(
            columns=["survey", "territory_code", "measure", "statistic", "estimate", "se", "reliability"]
        )
    return pd.concat(frames, ignore_index=True)


def model_peer_rows(obs: Observatory) -> pd.DataFrame | None:
    """Every EPCI's small-area rows of the blocks' cells at the latest wave (the model ranks' peers)."""
    if not hasattr(obs, "sae"):
        return None
    frames = []
    for _block, indicator, survey, statistic in loaded_blocks(obs):
        model = block_cells(obs.sae(survey, obs.waves(survey)[-1], indicator), statistic)
        frames.append(model[["survey", "territory_code", "measure", "statistic", "estimate", "se", "sae_status"]])
    return pd.concat(frames, ignore_index=True) if frames else None


def change_rows(obs: Observatory, t: Territory) -> pd.DataFrame | None:
    """The territory's change since the previous wave of each survey, for each block's cells."""
    frames = []
    for _block, indicator, survey, statistic in loaded_blocks(obs):
        waves = obs.waves(survey)
        if len(waves) < 2:
            continue
        # the code in the query: a lookup of the territory's cells, not of its whole level
        changed = obs.change(Query(indicator, waves[-2], survey, t.level, territories=(t.code,)), waves[-1])
        frames.append(block_cells(changed, statistic))
    return pd.concat(frames, ignore_index=True) if frames else None


def model_rows(obs: Observatory, t: Territory, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The small-area model's estimates of an EPCI's cells whose direct estimate is not reliable.

    From ``Observatory.sae`` (the Fay–Herriot model, observatory/stats/sae.py), status ``model``
    only (not the synthetic estimates of EPCIs without respondents, nor ``model_adjusted`` where the
    covariates explain everything). Communes are not modelled (the methodology page says why):
    None for them, as for an observatory without the model.
    """
    if t.level != ref.MODEL_LEVEL or not hasattr(obs, "sae") or rows is None or rows.empty:
        return None
    terr = rows[rows["scope"] == "territory"]
    keys = zip(terr["survey"], terr["measure"], terr["statistic"], strict=True)
    direct_ok = {k for k, rel in zip(keys, terr["reliability"], strict=True) if rel == "ok"}
    frames = []
    for _block, indicator, survey, statistic in loaded_blocks(obs):
        model = block_cells(obs.sae(survey, obs.waves(survey)[-1], indicator, territories=(t.code,)), statistic)
        model = model[(model["sae_status"] == "model") & model["estimate"].notna()]
        keys = list(zip(model["survey"], model["measure"], model["statistic"], strict=True))
        frames.append(model[[k not in direct_ok for k in keys]])
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def model_epci(t: Territory) -> tuple[str, str] | None:
    """The EPCI whose small-area estimates a profile shows: the EPCI itself, or a commune's EPCI.

    Communes are not modelled (methodology page): a commune's profile shows its EPCI's model,
    labelled as such. None for départements and régions (their direct estimates suffice).
    """
    if t.level == ref.MODEL_LEVEL:
        return t.code, t.name
    if t.level == "commune":
        return next(((code, name) for level, code, name in t.parents if level == "epci"), None)
    return None


def model_comparison(obs: Observatory, t: Territory) -> pd.DataFrame | None:
    """Direct and model estimates of the profile's EPCI side by side, one row per cell of the blocks.

    Columns: block, survey, measure, statistic, the direct estimate (estimate, ci_low, ci_high, n,
    reliability; no value when suppressed) and the model's (model_estimate, model_ci_low,
    model_ci_high from the MSE, gamma, sae_status, status_fr, status_en). None without the model.
    """
    epci = model_epci(t)
    if epci is None or not hasattr(obs, "sae"):
        return None
    frames = []
    for block, indicator, survey, statistic in loaded_blocks(obs):
        wave = obs.waves(survey)[-1]
        model = block_cells(obs.sae(survey, wave, indicator, territories=(epci[0],)), statistic)
        if model.empty:
            continue
        direct = block_cells(
            obs.estimate(Query(indicator, wave, survey, ref.MODEL_LEVEL, territories=(epci[0],))), statistic
        )
        keys = ["measure", "statistic"]
        merged = direct[[*keys, "estimate", "ci_low", "ci_high", "n", "reliability"]].merge(
            model[[*keys, "estimate", "ci_low", "ci_high", "gamma", "sae_status", "status_fr", "status_en"]].rename(
                columns={"estimate": "model_estimate", "ci_low": "model_ci_low", "ci_high": "model_ci_high"}
            ),
            on=keys,
            how="inner",
        )
        frames.append(merged.assign(block=block, survey=survey, wave=wave, epci_code=epci[0], epci_name=epci[1]))
    return pd.concat(frames, ignore_index=True) if frames else None


def survey_model(model: pd.DataFrame | None, survey: str) -> pd.DataFrame | None:
    """The rows of :func:`model_comparison` of one survey (None without the model)."""
    if model is None or model.empty:
        return None
    part = model[model["survey"] == survey]
    return part if len(part) else None
