"""The sentence above a map page's table: what the view shows, the national figure, PHARE's own.

One for a map of levels (:func:`summary`: how many territories are reliable, faded or
suppressed, as the legend counts them) and one for a map of change between two waves
(:func:`change_summary`: how many significant increases and decreases).
"""

from __future__ import annotations

from observatory.core import i18n
from observatory.views.pageview_compute import PageView
from observatory.views.pageview_table import MAX_TABLE_ROWS


def summary(pv: PageView, lang: str, synthetic: bool) -> str:
    """One sentence: how many territories are reliable, the national estimate, the published one.

    The counts are the legend's (full colour, faded, grey), so the two never contradict each other.
    """
    if pv.change:
        return change_summary(pv, lang, synthetic)
    rows = pv.view.rows
    counts = rows["reliability"].value_counts()
    n_ok, n_low, n_sup = (int(counts.get(k, 0)) for k in ("ok", "low", "suppressed"))
    fr = lang == "fr"
    c = i18n.colon(lang)
    modelled = "model" in rows and bool(rows["model"].any())
    total = i18n.plural(len(rows), "territoire" if fr else "territory", "territoires" if fr else "territories", lang)
    ok, low = i18n.count(n_ok, lang), i18n.count(n_low, lang)
    if modelled and fr:  # a model's figures are not "reliable" cells of the survey: say what they are
        head = (
            f"{total}{c}{ok} estimés par le modèle "
            f"(hachurés, avec l'erreur quadratique moyenne), {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)}."
        )
    elif modelled:
        head = (
            f"{total}{c}{ok} estimated by the model "
            f"(hatched, with the mean squared error), {i18n.count(n_sup, lang)} suppressed."
        )
    elif fr:
        head = (
            f"{total}{c}{i18n.plural(n_ok, 'fiable', 'fiables', lang)}, "
            f"{low} de fiabilité faible, {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)}."
        )
    else:
        head = f"{total}{c}{ok} reliable, {low} of low reliability, {i18n.count(n_sup, lang)} suppressed."
    parts = [head]
    if len(pv.national) and pv.national.iloc[0]["reliability"] != "suppressed":
        r = pv.national.iloc[0]
        label = "Estimation France" if fr else "Estimate for France"
        if synthetic:
            label += " (données synthétiques)" if fr else " (synthetic data)"
        parts.append(
            f"{label}{c}{i18n.value(r.estimate, pv.statistic, lang, r.ci_low, r.ci_high)} "
            f"({i18n.t('ci95', lang)} {i18n.interval(r.ci_low, r.ci_high, pv.statistic, lang)}), n = {i18n.number(r.n, 0, lang)}."
        )
    if len(rows) > MAX_TABLE_ROWS:
        parts.append(
            "Le tableau ci-dessous liste les territoires diffusés ; les téléchargements les contiennent tous."
            if fr
            else "The table below lists the published territories; the downloads hold them all."
        )
    for p in pv.published.itertuples():
        shown = i18n.value(p.value, pv.statistic if pv.statistic != "share_among_partners" else "share", lang)
        parts.append(
            f"Chiffre publié par PHARE ({p.wave}){c}{shown}."
            if fr
            else f"Figure published by PHARE ({p.wave}){c}{shown}."
        )
    return " ".join(parts)


def change_summary(pv: PageView, lang: str, synthetic: bool) -> str:
    """Counts of significant increases and decreases, the national change, the published figures.

    A significant change of low reliability is drawn faded: the sentence says how many, so that
    "13 significant increases" never announces what the map does not show.
    """
    a, b = pv.change
    rows = pv.view.rows
    shown = rows[rows["reliability"] != "suppressed"]
    ups = shown["significance"] == "increase"
    downs = shown["significance"] == "decrease"
    low = shown["reliability"] == "low"
    n_up, n_down = int(ups.sum()), int(downs.sum())
    faded_signif = int(((ups | downs) & low).sum())
    flat = len(shown) - n_up - n_down
    fr = lang == "fr"
    c = i18n.colon(lang)
    n_sup = len(rows) - len(shown)
    comparable, total, faded, unchanged, suppressed = (
        i18n.count(x, lang) for x in (len(shown), len(rows), faded_signif, flat, n_sup)
    )
    if fr:
        head = (
            f"Évolution {a} → {b} (deux échantillons indépendants, test à 5 %){c}"
            f"{comparable} territoires comparables sur {total} — "
            f"{i18n.plural(n_up, 'hausse significative', 'hausses significatives', lang)} et "
            f"{i18n.plural(n_down, 'baisse significative', 'baisses significatives', lang)}"
            + (f" (dont {faded} de fiabilité faible, estompées)" if faded_signif else "")
            + f", {unchanged} sans changement significatif ; {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)} "
            "(effectif insuffisant à l'une des vagues)."
        )
    else:
        head = (
            f"Change {a} → {b} (two independent samples, 5% test){c}{comparable} comparable territories of "
            f"{total} — {i18n.plural(n_up, 'significant increase', 'significant increases', lang)} and "
            f"{i18n.plural(n_down, 'significant decrease', 'significant decreases', lang)}"
            + (f" ({faded} of them of low reliability, faded)" if faded_signif else "")
            + f", {unchanged} without significant change; {suppressed} suppressed (too few respondents at either wave)."
        )
    parts = [head]
    if len(pv.national) and pv.national.iloc[0]["reliability"] != "suppressed":
        r = pv.national.iloc[0]
        label = "France" + ((" (données synthétiques)" if fr else " (synthetic data)") if synthetic else "")
        parts.append(
            f"{label}{c}{i18n.value(r.estimate_from, pv.statistic, lang)} → "
            f"{i18n.value(r.estimate_to, pv.statistic, lang)}, {i18n.signed(r.difference, pv.statistic, lang)} "
            f"({i18n.t('ci95', lang)} {i18n.signed_interval(r.ci_low, r.ci_high, pv.statistic, lang)}), "
            f"{i18n.t(r.significance, lang)}."
        )
    published = pv.published[pv.published["wave"].isin([a, b])].sort_values("wave")
    if len(published):
        stat = pv.statistic if pv.statistic != "share_among_partners" else "share"
        shown_pub = ", ".join(f"{i18n.value(p.value, stat, lang)} ({p.wave})" for p in published.itertuples())
        parts.append(f"Chiffres publiés{c}{shown_pub}." if fr else f"Published figures{c}{shown_pub}.")
    if len(rows) > MAX_TABLE_ROWS:
        parts.append(
            "Le tableau ci-dessous liste les territoires diffusés ; les téléchargements les contiennent tous."
            if fr
            else "The table below lists the published territories; the downloads hold them all."
        )
    return " ".join(parts)
