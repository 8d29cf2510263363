"""The panels below each map, as figure dicts computed from the statistics layer.

- fragilités: territory × measure heat-map (drill-down: composite → espaces → domains), and small
  multiples of the map by survey on a shared scale;
- partenariats: the rate by size class and the four kinds, with CIs and PHARE's published figures;
- co-construction: Q4 answers as 100 % stacked bars by territory and by commune size, Q8 roles.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.core.classify import breaks
from observatory.data.service import Observatory
from observatory.figures.charts import bars_with_ci, heatmap, stacked_100
from observatory.figures.choropleth import draw_map, palette
from observatory.stats import Query
from observatory.views.mapview import build_map_view
from observatory.views.pageview import PageView


def collation_key(text: str) -> str:
    """Sort key ignoring accents and case, as a French reader sorts ('Île' with the I)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def wave_words(pv: PageView, lang: str) -> str:
    """'vague 2019' — and, under a change map, that the panel shows the levels of that wave."""
    fr = lang == "fr"
    if pv.change:
        return f"niveaux de la vague {pv.query.wave}" if fr else f"levels of the {pv.query.wave} wave"
    return f"vague {pv.query.wave}" if fr else f"{pv.query.wave} wave"


MAX_HEATMAP_ROWS = 110  # above this (EPCI, communes) the most-surveyed territories are shown
SMALL_MULTIPLE_SURVEYS = ("citoyens", "entreprises", "associations")


def heatmap_columns(measure: str) -> list[str]:
    """Drill-down: the composite shows the espaces, an espace its domains, a domain all 16."""
    if measure == ref.COMPOSITE.code:
        return [ref.COMPOSITE.code, *ref.ESPACE_CODES]
    if measure in ref.ESPACE_CODES:
        return [measure, *ref.domains_of_espace(measure)]
    return list(ref.DOMAIN_CODES)


def fragility_heatmap(obs: Observatory, pv: PageView, lang: str) -> dict:
    """Territories × measures of the drill-down level, suppressed cells blank."""
    cols = heatmap_columns(pv.measure)
    counts = pv.view.rows.set_index("territory_code")["n"]  # respondents (all answer every domain)
    keep = None if len(counts) <= MAX_HEATMAP_ROWS else tuple(counts.nlargest(50).index)
    table = obs.estimate(pv.query, territories=keep, measures=tuple(cols))
    t = table[table["statistic"] == pv.statistic]
    t = t.assign(row=t["territory_name"] + " (" + t["territory_code"] + ")")
    order = sorted(t["row"].unique(), key=collation_key)  # Île-de-France with the I, not after Provence
    matrix = t.pivot(index="row", columns="measure", values="estimate").reindex(order)[cols]
    hover = (
        t.assign(
            h=[
                f"{r.row}<br>{ref.label(r.measure, lang)}<br>"
                + (
                    i18n.suppressed(int(r.n), obs.settings.min_n, lang)
                    if r.reliability == "suppressed"
                    else f"{i18n.value(r.estimate, pv.statistic, lang, r.ci_low, r.ci_high)} [{i18n.interval(r.ci_low, r.ci_high, pv.statistic, lang)}], n = {i18n.number(r.n, 0, lang)}"
                )
                for r in t.itertuples()
            ]
        )
        .pivot(index="row", columns="measure", values="h")
        .reindex(order)[cols]
    )
    fr = lang == "fr"
    title = (
        f"Tous les domaines par territoire, {wave_words(pv, lang)} (cliquez une colonne pour l'afficher)"
        if fr
        else f"All domains by territory, {wave_words(pv, lang)} (click a column to map it)"
    )
    if len(counts) > MAX_HEATMAP_ROWS:
        title += " — 50 territoires les plus enquêtés" if fr else " — the 50 most surveyed territories"
    labels = [ref.label(c, lang) for c in cols]
    fig = heatmap(matrix, hover, labels, pv.statistic, title, lang)
    fig["data"][0]["customdata"] = [cols] * len(matrix)
    return fig


def small_multiples(
    obs: Observatory, pv: PageView, lang: str, viewport_width: int | None = None
) -> list[tuple[str, dict]]:
    """The same measure mapped for each survey, on one scale computed on all reliable cells."""
    present = set(obs.datasets()["survey"])
    views = []
    for survey in SMALL_MULTIPLE_SURVEYS:
        if survey not in present:
            continue
        waves = obs.waves(survey)
        wave = pv.query.wave if pv.query.wave in waves else waves[-1]
        q = Query("fragility", wave, survey, pv.query.level)  # all domains: one cached query per survey
        v = build_map_view(
            obs.estimate(q, measures=(pv.measure,)), pv.measure, pv.statistic, "quantiles", obs.settings.min_n, lang
        )
        views.append((survey, wave, v))
    pooled = np.concatenate(
        [v.rows.loc[v.rows["reliability"] == "ok", "estimate"].to_numpy(float) for _, _, v in views]
    )
    shared = breaks(pooled, pv.view.method)
    colours = palette("fragility", max(len(shared), 1))
    url = f"/geo/{pv.query.level}.geojson?v={obs.db.version}"
    width = (viewport_width or 1280) // 3 if (viewport_width or 1280) > 800 else viewport_width
    out = []
    for survey, wave, v in views:
        fig = draw_map(
            v.rows,
            shared,
            colours,
            url,
            obs.settings.map_style,
            revision="sm" + pv.query.level,
            viewport_width=width,
            lang=lang,
        )
        out.append((f"{ref.label(survey, lang)} ({wave})", fig))
    return out


def partnership_panels(obs: Observatory, pv: PageView, lang: str) -> list[dict]:
    """Rate by size class (national) and the four kinds (national), with published figures."""
    fr = lang == "fr"
    q = pv.query
    panels = []
    rows = []
    for cls in ref.SIZE_CLASSES[q.survey]:
        t = obs.estimate(Query("partnerships", q.wave, q.survey, ref.FRANCE_LEVEL, (ref.PARTNER.code,), cls.code))
        if t["n"].iloc[0] > 0:
            rows.append(t.iloc[0].to_dict() | {"label": cls.fr if fr else cls.en, "size_class": cls.code})
    if rows:
        frame = pd.DataFrame(rows)
        pub = obs.published_figures()
        pub = pub[
            (pub["survey"] == q.survey)
            & (pub["measure"] == ref.PARTNER.code)
            & pub["size_class"].notna()
            & pub["region_code"].isna()
        ]
        ref_rows = pd.DataFrame(
            {
                "label": [frame.set_index("size_class")["label"].get(s) for s in pub["size_class"]],
                "value": pub["value"].to_numpy(),
                "name": [f"PHARE {w} (publié)" if fr else f"PHARE {w} (published)" for w in pub["wave"]],
            }
        ).dropna()
        title = (
            f"Part des répondants ayant au moins un partenariat, par taille (France, {wave_words(pv, lang)})"
            if fr
            else f"Share with at least one partnership, by size (France, {wave_words(pv, lang)})"
        )
        panels.append(bars_with_ci(frame, "label", "share", title, lang, ref_rows))
    size = q.size_class
    kinds = obs.estimate(Query("partnerships", q.wave, q.survey, ref.FRANCE_LEVEL, ref.KIND_CODES, size))
    kinds = kinds[kinds["statistic"] == "share_among_partners"].assign(
        label=lambda d: [ref.label(m, lang) for m in d["measure"]]
    )
    pub = obs.published_figures()
    pub = pub[(pub["survey"] == q.survey) & (pub["base"] == "partners") & pub["region_code"].isna() & (size is None)]
    ref_rows = pd.DataFrame(
        {
            "label": [ref.label(m, lang) for m in pub["measure"]],
            "value": pub["value"].to_numpy(),
            "name": [f"PHARE {w} (publié)" if fr else f"PHARE {w} (published)" for w in pub["wave"]],
        }
    )
    title = (
        f"Les quatre formes de partenariat, parmi les partenaires (France, {wave_words(pv, lang)})"
        if fr
        else f"The four kinds of partnership, among partners (France, {wave_words(pv, lang)})"
    )
    panels.append(bars_with_ci(kinds, "label", "share", title, lang, ref_rows))
    return panels


Q4_COLOURS = ["#1a9641", "#a6d96a", "#fdae61", "#d7191c", "#bdbdbd"]  # diverging, colour-blind safe


def q4_stacked(obs: Observatory, pv: PageView, lang: str) -> list:
    """Q4 answers by région and by commune size, as 100 % bars, and the Q8 roles.

    Each bar is labelled with its n; low-reliability rows are faded like on the map; territories
    whose answers are suppressed are listed under the chart rather than silently left out.
    Returns figures, and notes (strings) to show under them.
    """
    q = pv.query
    fr = lang == "fr"
    c = i18n.colon(lang)
    out: list = []
    for lvl, title in (
        ("region", "Q4 : réponses par région" if fr else "Q4: answers by region"),
        (ref.SIZE_BAND_LEVEL, "Q4 : réponses par taille de commune" if fr else "Q4: answers by commune size"),
    ):
        t = obs.estimate(Query("mayors", q.wave, "elus", lvl, ref.Q4_CODES))
        title = f"{title} ({wave_words(pv, lang)})"
        hidden = t[t["reliability"] == "suppressed"].drop_duplicates("territory_code")
        t = t[t["reliability"] != "suppressed"]
        if t.empty:
            continue
        first = t[t["measure"] == ref.Q4_CODES[0]].set_index("territory_name")
        shares = t.pivot(index="territory_name", columns="measure", values="estimate")[list(ref.Q4_CODES)]
        if lvl == ref.SIZE_BAND_LEVEL:
            shares = shares.reindex([b.fr for b, _, _ in ref.SIZE_BANDS]).dropna(how="all")
        else:
            shares = shares.sort_values(["oui_tout_a_fait"], ascending=False)
        n = first["n"].reindex(shares.index)
        low = first["reliability"].reindex(shares.index) == "low"
        names = list(shares.index)
        if lvl == ref.SIZE_BAND_LEVEL and not fr:
            english = {b.fr: b.en for b, _, _ in ref.SIZE_BANDS}
            names = [english[x] for x in names]
        faded = " · " + ("fiabilité faible" if fr else "low reliability")
        shares.index = [
            f"{name} (n = {i18n.count(k, lang)}{faded if is_low else ''})"
            for name, k, is_low in zip(names, n, low, strict=True)
        ]
        shares.columns = [ref.label(col, lang) for col in shares.columns]
        opacity = [0.45 if is_low else 1.0 for is_low in low]
        out.append(stacked_100(shares, Q4_COLOURS, title, lang, opacity))
        if len(hidden):
            listed = ", ".join(f"{r.territory_name} (n = {i18n.count(r.n, lang)})" for r in hidden.itertuples())
            out.append(
                f"Non diffusés (moins de {obs.settings.min_n} maires){c}{listed}."
                if fr
                else f"Suppressed (fewer than {obs.settings.min_n} mayors){c}{listed}."
            )
    roles = obs.estimate(Query("mayors", q.wave, "elus", ref.FRANCE_LEVEL, ref.Q8_CODES))
    roles = roles.assign(label=[ref.label(m, lang) for m in roles["measure"]]).sort_values("estimate", ascending=False)
    title = (
        f"Q8 : rôle des collectivités (réponses multiples, France, {wave_words(pv, lang)})"
        if fr
        else f"Q8: role of local authorities (multiple answers, France, {wave_words(pv, lang)})"
    )
    out.append(bars_with_ci(roles, "label", "share", title, lang))
    return out
