"""A territory's profile, from the statistics layer.

Identity, and every indicator for the territory, its parent and France, each with its CI, n,
reliability and significance.

Pure functions of the :class:`~observatory.service.Observatory`; no Dash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from observatory import i18n, portrait
from observatory import reference as ref
from observatory.service import Observatory
from observatory.stats import Query, sae
from observatory.stats.engine import GROUPS_LEVEL
from observatory.stats.pairwise import pairwise
from observatory.views import trends

PARENT_LEVEL = {"commune": "departement", "epci": "departement", "departement": "region"}
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
    level, code = _level_of_key(key)
    if level == "commune":
        code = obs.commune_alias(code)
    r = obs.territory(level, code) if level else None
    if r is None:
        return None
    parents = []
    for plevel, col in (("epci", "epci_code"), ("departement", "departement_code"), ("region", "region_code")):
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
    """(level, code) from the shape of a URL key: 'reg-84', 9 digits (EPCI), 5 (commune), 2-3 (département)."""
    if key.lower().startswith("reg-"):
        return "region", key[4:]
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
                    by_scope[scope] = _keep(g, statistic)
                    continue
                # A lookup of the territory's own cells in the estimates table (the whole sample
                # still counts in its variance and its test against the rest of France).
                table = obs.estimate(Query(indicator, wave, survey, level, territories=codes))
                by_scope[scope] = _keep(table, statistic)
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


def parent_name(t: Territory) -> str | None:
    """The name of the territory the profile compares with (the parent of :func:`parent_of`)."""
    parent = parent_of(t)
    return next((name for level, code, name in t.parents if parent == (level, code)), None)


def parent_label(t: Territory, lang: str) -> str | None:
    """The parent as the key findings name it: 'département (Loire)' in French, 'Loire' in English."""
    parent, name = parent_of(t), parent_name(t)
    return portrait.reference_label(parent[0], name, lang) if parent and name else None


# --- the tables, as shown ------------------------------------------------------------------------
SHORT_LEVELS = {
    "commune": ("commune", "municipality"),
    "epci": ("intercommunalité", "intercommunality"),
    "departement": ("département", "département"),
    "region": ("région", "region"),
}


def level_name(level: str, lang: str) -> str:
    """A level in lower case and without the acronym, as written after a name: 'Loire (département)'."""
    fr, en = SHORT_LEVELS.get(level, (level, level))
    return fr if lang == "fr" else en


@dataclass(frozen=True)
class TableView:
    """A block's table as shown.

    Column (id, header) pairs, one dict of texts per row, and the one line that says why some
    values are not shown (None when all are).
    """

    columns: list[tuple[str, str]]
    records: list[dict[str, str]]
    suppressed_note: str | None


def table_view(
    table: pd.DataFrame,
    labels: dict[str, str],
    statistic: str,
    t: Territory,
    min_n: int,
    lang: str,
    ranks: pd.DataFrame | None = None,
    model: pd.DataFrame | None = None,
) -> TableView:
    """The texts of a :func:`comparison_table`: every value with its 95 % CI, n and reliability.

    A suppressed cell shows "—", and the reason is said once, above the table, with the
    configured threshold ``min_n``. With ``ranks`` (the survey's :func:`portrait.ranks`), a
    column gives the rank among the level's reliable cells and its 95 % interval. With ``model``
    (the survey's rows of :func:`model_comparison`: an EPCI, or a commune's EPCI), a column gives
    the small-area model's estimate and interval, labelled as the model's. When no cell of the
    territory can be shown, its columns and its n go: the note says so first, and what the other
    columns are (the model, the parent, France), never the parent's values beside the territory's n.
    """
    fr = lang == "fr"
    modelled = _model_values(model, statistic, lang)
    ranked = {} if ranks is None else {(r.measure, r.statistic): r for r in ranks.itertuples()}
    digits = {scope: column_decimals(table, scope, statistic) for scope in ("territory", "parent", "france")}
    among = " (parmi les partenaires)" if fr else " (among partners)"
    dash = "—"
    records = []
    for r in table.itertuples():
        suppressed = r.reliability == "suppressed"
        records.append(
            {
                "measure": labels.get(r.measure, r.measure) + (among if r.statistic == "share_among_partners" else ""),
                "territory": dash if suppressed else _with_ci(r, "territory", statistic, lang, digits["territory"]),
                "n": str(int(r.n_territory)) if pd.notna(r.n_territory) else "0",
                "reliability": i18n.t(r.reliability, lang) if isinstance(r.reliability, str) else "",
                "parent": _with_ci(r, "parent", statistic, lang, digits["parent"]),
                "france": _with_ci(r, "france", statistic, lang, digits["france"]),
                "vs_parent": _verdict(getattr(r, "vs_parent", None), suppressed, lang),
                "significance": _verdict(r.significance, suppressed, lang),
                "rank": _rank_cell(ranked.get((r.measure, r.statistic)), lang),
                "model": modelled.get((r.measure, r.statistic), dash),
                "status": r.reliability if isinstance(r.reliability, str) else "",
            }
        )
    parent = parent_name(t)
    ci = "IC 95 %" if fr else "95% CI"
    columns = [
        ("measure", "Mesure" if fr else "Measure"),
        ("territory", f"{t.name} [{ci}]"),
        ("n", "n"),
        ("reliability", "Fiabilité" if fr else "Reliability"),
        *([("model", _model_header(model, ci, lang))] if modelled else []),
        *([("parent", f"{parent} [{ci}]")] if parent and "estimate_parent" in table else []),
        ("france", f"France [{ci}]"),
        *([("vs_parent", "vs reste du territoire parent" if fr else "vs rest of the parent")] if parent else []),
        ("significance", "vs reste de la France" if fr else "vs rest of France"),
        *(
            [
                (
                    "rank",
                    f"Rang [IC 95 %] parmi les {_plural(t.level, lang)}"
                    if fr
                    else f"Rank [95% CI] among {_plural(t.level, lang)}",
                )
            ]
            if ranked
            else []
        ),
    ]
    note = suppressed_note(table, min_n, lang)
    if records and all(r["status"] == "suppressed" for r in records):
        # nothing to show for the territory: its columns (and its n) go, and the note says what is left
        gone = ("territory", "n", "reliability", "vs_parent", "significance", "rank")
        columns = [c for c in columns if c[0] not in gone]
        note = _thin_note(table, t, min_n, model if modelled else None, lang)
    return TableView(columns, records, note)


def _model_values(model: pd.DataFrame | None, statistic: str, lang: str) -> dict[tuple[str, str], str]:
    """'6,1 / 10 [5,7 – 6,5]' of each (measure, statistic) the model estimates (no other)."""
    if model is None or model.empty:
        return {}
    out = {}
    shown = model[model["sae_status"].isin(sae.MODEL_STATUSES) & model["model_estimate"].notna()]
    needs = [
        i18n.decimals_for(statistic, lo, hi)
        for lo, hi in zip(shown["model_ci_low"], shown["model_ci_high"], strict=True)
    ]
    d = max(needs) if needs else None  # one precision for the column
    for r in shown.itertuples(index=False):
        lo, hi = r.model_ci_low, r.model_ci_high
        out[(r.measure, r.statistic)] = (
            f"{i18n.value(r.model_estimate, r.statistic, lang, lo, hi, d)} [{i18n.interval(lo, hi, r.statistic, lang, d)}]"
        )
    return out


def _model_header(model: pd.DataFrame, ci: str, lang: str) -> str:
    name = model["epci_name"].iloc[0]
    return f"{name} — modèle [{ci}]" if lang == "fr" else f"{name} — model [{ci}]"


def _thin_note(table: pd.DataFrame, t: Territory, min_n: int, model: pd.DataFrame | None, lang: str) -> str:
    """What a table shows when the survey cannot estimate the territory at all."""
    counts = ", ".join(str(v) for v in sorted(set(table["n_territory"].fillna(0).astype(int))))
    parent = parent_name(t)
    if lang == "fr":
        text = f"{t.name} : trop peu de répondants pour une estimation directe (n = {counts} < {min_n}). "
        if model is not None:
            text += f"La colonne « modèle » est l'estimation sur petits domaines de {model['epci_name'].iloc[0]}. "
        return text + (
            f"{parent} et la France sont là pour comparaison." if parent else "La France est là pour comparaison."
        )
    text = f"{t.name}: too few respondents for a direct estimate (n = {counts} < {min_n}). "
    if model is not None:
        text += f"The 'model' column is the small-area estimate of {model['epci_name'].iloc[0]}. "
    return text + (f"{parent} and France are shown for comparison." if parent else "France is shown for comparison.")


def _plural(level: str, lang: str) -> str:
    return portrait.LEVEL_PLURALS.get(level, (level, level))[0 if lang == "fr" else 1]


def _rank_cell(r: object, lang: str) -> str:
    """'12e / 101 [5e – 24e]'; '—' for a cell without a rank (not reliable).

    'incertain (2e – 80e) / 101' when the confidence set spans more than half the peers.
    """
    if r is None:
        return "—"
    o = portrait.ordinal
    model = (" (modèle)" if lang == "fr" else " (model)") if getattr(r, "method", "direct") == "sae" else ""
    if r.rank_high - r.rank_low + 1 > r.peers / 2:
        word = "incertain" if lang == "fr" else "uncertain"
        return f"{word} ({o(r.rank_low, lang)} – {o(r.rank_high, lang)}) / {r.peers}{model}"
    return f"{o(r.rank, lang)} / {r.peers} [{o(r.rank_low, lang)} – {o(r.rank_high, lang)}]{model}"


def suppressed_note(table: pd.DataFrame, min_n: int, lang: str) -> str | None:
    """One line for a table's suppressed cells: 'n = 23 < 30 répondants dans ce territoire'."""
    n = table.loc[table["reliability"] == "suppressed", "n_territory"].fillna(0).astype(int)
    if n.empty:
        return None
    counts = ", ".join(str(v) for v in sorted(set(n)))
    if lang == "fr":
        return (
            f"Effectif insuffisant : valeurs non diffusées (—), n = {counts} < {min_n} répondants dans ce territoire."
        )
    return f"Too few respondents: values not shown (—), n = {counts} < {min_n} respondents in this territory."


def column_decimals(table: pd.DataFrame, scope: str, statistic: str) -> int | None:
    """One precision for a column: the finest any of its shown rows needs (E15: never "6,70" above "6,5")."""
    lows, highs = table.get(f"ci_low_{scope}"), table.get(f"ci_high_{scope}")
    if lows is None or highs is None:
        return None
    shown = table["reliability"] != "suppressed" if scope == "territory" else pd.Series(True, index=table.index)
    needs = [
        i18n.decimals_for(statistic, lo, hi)
        for lo, hi, keep in zip(lows, highs, shown, strict=True)
        if keep and pd.notna(lo) and pd.notna(hi)
    ]
    return max(needs) if needs else None


def _with_ci(r: object, scope: str, statistic: str, lang: str, decimals: int | None = None) -> str:
    est = getattr(r, f"estimate_{scope}", None)
    if est is None or pd.isna(est):
        return "—"
    lo, hi = getattr(r, f"ci_low_{scope}"), getattr(r, f"ci_high_{scope}")
    return f"{i18n.value(est, statistic, lang, lo, hi, decimals)} [{i18n.interval(lo, hi, statistic, lang, decimals)}]"


def _verdict(verdict: object, suppressed: bool, lang: str) -> str:
    if suppressed or not isinstance(verdict, str):
        return "—"
    return i18n.t(verdict, lang)


# --- trends --------------------------------------------------------------------------------------
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


def trend_blocks(obs: Observatory, t: Territory) -> list[TrendBlock]:
    """Every trend chart of the profile: each survey with several waves, each block's measures.

    Computed once per territory and data version (the page, the PDF and the downloads read them).
    """
    key = (obs.db.version, obs.settings.min_n, t.level, t.code)
    return obs.view_cache("trends", PROFILE_CACHE).get(key, lambda: _trend_blocks(obs, t))


def _trend_blocks(obs: Observatory, t: Territory) -> list[TrendBlock]:
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


# --- initiatives ---------------------------------------------------------------------------------
NATIONAL = "france"  # initiative_places.level of the programmes coded at the national level


def initiatives(obs: Observatory, t: Territory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The territory's own initiatives, and apart the national programmes open to it.

    Own: located in the territory, in its sub-territories or in its parents. Each row has
    ``source_title``, ``source_publisher`` and ``source_date``, never the source's file name.
    """
    rows = obs.initiatives(t.level, t.code, [(lv, c) for lv, c, _ in t.parents])
    if rows.empty:
        return rows, rows
    rows = rows.assign(
        source_title=[_source_title(r) for r in rows.itertuples()],
        source_publisher=rows["source_publisher"].fillna("") if "source_publisher" in rows else "",
        source_date=rows["source_date"].fillna("") if "source_date" in rows else "",
    )
    national = rows["level"] == NATIONAL
    return rows[~national].reset_index(drop=True), rows[national].reset_index(drop=True)


def _source_title(r: object) -> str:
    """The source's title.

    On a database built before the catalogue had one, the description in parentheses after the
    file name ('003_….txt (Les 20 premières…)').
    """
    title = getattr(r, "source_title", None)
    if isinstance(title, str) and title:
        return title
    match = re.search(r"\((.+)\)\s*$", r.source_document or "")
    return match.group(1) if match else ""


# --- key findings and ranks (observatory.portrait) -----------------------------------------------
def _blocks(obs: Observatory):
    """(block, indicator, survey, statistic kept) of each loaded survey of the profile's blocks."""
    present = set(obs.datasets()["survey"])
    for block, indicator, surveys, statistic in BLOCKS:
        for survey in surveys:
            if survey in present:
                yield block, indicator, survey, statistic


def peer_rows(obs: Observatory, t: Territory) -> pd.DataFrame:
    """Every reliable cell of the territory's level at the latest wave: the peers of its ranks.

    Communes and EPCIs: only the territories with enough respondents for a reliable cell are read
    (``LOW_N``, the reliability rule's threshold), not the whole level (35,000 communes).
    """
    from observatory.stats.finalize import LOW_N

    frames = []
    for block, indicator, survey, statistic in _blocks(obs):
        wave = obs.waves(survey)[-1]
        codes = None
        if t.level in ("commune", "epci"):
            counts = obs.respondent_counts(survey, wave, t.level)
            codes = tuple(counts[counts >= LOW_N].index.astype(str))
            if t.code not in codes:
                continue  # the territory itself has no reliable cell: no rank
        table = obs.estimate(Query(indicator, wave, survey, t.level, territories=codes))
        kept = _keep(table, statistic)
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
    for _block, indicator, survey, statistic in _blocks(obs):
        model = _keep(obs.sae(survey, obs.waves(survey)[-1], indicator), statistic)
        frames.append(model[["survey", "territory_code", "measure", "statistic", "estimate", "se", "sae_status"]])
    return pd.concat(frames, ignore_index=True) if frames else None


def change_rows(obs: Observatory, t: Territory) -> pd.DataFrame | None:
    """The territory's change since the previous wave of each survey, for each block's cells."""
    frames = []
    for _block, indicator, survey, statistic in _blocks(obs):
        waves = obs.waves(survey)
        if len(waves) < 2:
            continue
        # the code in the query: a lookup of the territory's cells, not of its whole level
        changed = obs.change(Query(indicator, waves[-2], survey, t.level, territories=(t.code,)), waves[-1])
        frames.append(_keep(changed, statistic))
    return pd.concat(frames, ignore_index=True) if frames else None


def model_rows(obs: Observatory, t: Territory, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The small-area model's estimates of an EPCI's cells whose direct estimate is not reliable.

    From ``Observatory.sae`` (the Fay–Herriot model, observatory/stats/sae.py), status ``model``
    only (not the synthetic estimates of EPCIs without respondents, nor ``model_adjusted`` where the
    covariates explain everything). Communes are not modelled (the methodology page says why):
    None for them, as for an observatory without the model.
    """
    if t.level != "epci" or not hasattr(obs, "sae") or rows is None or rows.empty:
        return None
    terr = rows[rows["scope"] == "territory"]
    keys = zip(terr["survey"], terr["measure"], terr["statistic"], strict=True)
    direct_ok = {k for k, rel in zip(keys, terr["reliability"], strict=True) if rel == "ok"}
    frames = []
    for _block, indicator, survey, statistic in _blocks(obs):
        model = _keep(obs.sae(survey, obs.waves(survey)[-1], indicator, territories=(t.code,)), statistic)
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
    if t.level == "epci":
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
    for block, indicator, survey, statistic in _blocks(obs):
        wave = obs.waves(survey)[-1]
        model = _keep(obs.sae(survey, wave, indicator, territories=(epci[0],)), statistic)
        if model.empty:
            continue
        direct = _keep(obs.estimate(Query(indicator, wave, survey, "epci", territories=(epci[0],))), statistic)
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


RANKED_COLUMNS = ["survey", "measure", "statistic", "rank", "rank_low", "rank_high", "peers", "peers_total", "method"]


def territory_ranks(obs: Observatory, t: Territory) -> pd.DataFrame:
    """The territory's rank in each of the blocks' cells at the latest wave, with its marginal 95 % set.

    Read from the sets stored at load (``rank_sets``); computed from its level's reliable cells
    when the database has none. An EPCI whose direct cell is not ranked is ranked among every
    modelled EPCI by the small-area model (``method`` "sae").
    """
    stored = obs.stored_ranks(t.level, t.code)
    if stored is not None:
        return _from_stored(obs, stored)
    ranked = portrait.ranks(peer_rows(obs, t), t.code, len(obs.territories(t.level))).assign(method="direct")
    if t.level == "epci":  # ranked among every EPCI by the model where its direct cell is not ranked
        modelled = model_peer_rows(obs)
        if modelled is not None:
            ranked = _direct_first(ranked, portrait.model_ranks(modelled, t.code))
    return ranked[RANKED_COLUMNS].reset_index(drop=True)


def _direct_first(direct: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """The direct ranks, and the model's where the cell has no direct rank."""
    keys = ["survey", "measure", "statistic"]
    seen = set(map(tuple, direct[keys].to_numpy())) if len(direct) else set()
    model = model[[tuple(k) not in seen for k in model[keys].to_numpy()]]
    return pd.concat([direct, model], ignore_index=True) if len(model) else direct


def _from_stored(obs: Observatory, stored: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for _block, indicator, survey, statistic in _blocks(obs):
        cell = stored[
            (stored["indicator"] == indicator)
            & (stored["survey"] == survey)
            & (stored["wave"] == obs.waves(survey)[-1])
        ]
        frames.append(_keep(cell, statistic))
    ranked = pd.concat(frames, ignore_index=True) if frames else stored.iloc[:0]
    direct, model = ranked[ranked["method"] == "direct"], ranked[ranked["method"] == "sae"]
    model = model.assign(peers_total=model["peers"])  # the model ranks every modelled EPCI: no other peer
    out = _direct_first(direct, model)[RANKED_COLUMNS].reset_index(drop=True)
    return out.astype({c: "int64" for c in ("rank", "rank_low", "rank_high", "peers", "peers_total")})


def findings_table(p: Portrait, t: Territory) -> pd.DataFrame:
    """The key findings as a table (the downloads): one row per statement shown, in both languages."""
    names = {"france": "France", "parent": parent_name(t) or "", "previous_wave": ""}
    labels = {lang: {**names, "parent": parent_label(t, lang) or ""} for lang in ("fr", "en")}
    rows = [
        {
            "block": "key_findings",
            "territory_code": t.code,
            "territory_name": t.name,
            "versus": f.versus,
            "versus_name": names[f.versus],
            "direction": f.direction,
            "indicator": f.indicator,
            "survey": f.survey,
            "wave": f.wave,
            "wave_from": f.wave_from,
            "measure": f.measure,
            "statistic": f.statistic,
            "estimate": f.estimate,
            "ci_low": f.ci_low,
            "ci_high": f.ci_high,
            "reference": f.reference,
            "reference_ci_low": f.reference_low,
            "reference_ci_high": f.reference_high,
            "difference": f.difference,
            "difference_ci_low": f.difference_low,
            "difference_ci_high": f.difference_high,
            "n": f.n,
            "reliability": f.reliability,
            "p_value": f.p_value,
            "p_adjusted": f.p_adjusted,
            "family_size": p.findings.family,
            "procedure": p.findings.procedure,
            "source": f.source,
            "rank": f.rank.rank if f.rank else None,
            "rank_low": f.rank.low if f.rank else None,
            "rank_high": f.rank.high if f.rank else None,
            "peers": f.rank.peers if f.rank else None,
            "peers_total": f.rank.peers_total if f.rank else None,
            "rank_method": "mogstad-romano-shaikh-wilhelm-marginal" if f.rank else None,
            "text_fr": portrait.finding_text(f, labels["fr"][f.versus], t.level, "fr"),
            "text_en": portrait.finding_text(f, labels["en"][f.versus], t.level, "en"),
        }
        for f in p.findings.all_shown()
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
    )
