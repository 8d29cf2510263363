"""The portrait in words: the key findings, the headline and the family of tests, in French and English.

What a direction means in the indicator's own terms, the measure's name, each finding's sentence
(with its values, intervals, n, reliability and rank), and the prepositions of the French
('de la France', 'au département (Loire)'). Pure functions; re-exported by :mod:`observatory.views.portrait`.
"""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.views.portrait_findings import FDR, Finding, KeyFindings
from observatory.views.portrait_ranks import rank_text

MODEL_WORDS = {"above": ("supérieur", "higher than"), "below": ("inférieur", "lower than")}
DIRECTION_WORDS = {
    "above": ("significativement supérieur", "significantly higher than"),
    "below": ("significativement inférieur", "significantly lower than"),
    "increase": ("hausse significative", "significant increase"),
    "decrease": ("baisse significative", "significant decrease"),
}


ACTORS = {
    "citoyens": ("de citoyens", "citizens"),
    "entreprises": ("d'entreprises", "companies"),
    "associations": ("d'associations", "associations"),
    "elus": ("de maires", "mayors"),
}


def family_text(kf: KeyFindings, lang: str) -> str:
    """'9 écarts significatifs sur 108 comparaisons (taux de fausses découvertes contrôlé à 5 %)'."""
    if lang == "fr":
        return (
            f"{kf.stated} écart{'s' if kf.stated > 1 else ''} significatif{'s' if kf.stated > 1 else ''} sur "
            f"{kf.family} comparaison{'s' if kf.family > 1 else ''} (taux de fausses découvertes contrôlé à "
            f"{FDR:.0%}, procédure de Benjamini–Hochberg)".replace("%", " %")
        )
    return (
        f"{kf.stated} significant difference{'s' if kf.stated != 1 else ''} out of {kf.family} "
        f"comparison{'s' if kf.family != 1 else ''} (false-discovery rate controlled at {FDR:.0%}, "
        "Benjamini–Hochberg procedure)"
    )


def meaning(f: Finding, lang: str) -> str:
    """What the direction means in the indicator's own terms (higher is not better or worse by itself).

    A higher fragility score or share is more *perceived fragility*; a higher partnership share,
    more actors practising it; a higher share of an answer, more respondents giving it.
    """
    fr = lang == "fr"
    up = f.direction in ("above", "increase")
    if f.indicator == "fragility":
        if f.statistic == "priority_share":
            return (
                ("plus" if up else "moins") + " de répondants jugeant ce domaine fragile"
                if fr
                else ("more" if up else "fewer") + " respondents rating this domain a priority fragility"
            )
        if f.versus == "previous_wave":
            return (
                "fragilité perçue " + ("en hausse" if up else "en baisse")
                if fr
                else "perceived fragility " + ("up" if up else "down")
            )
        return (
            "fragilité perçue " + ("plus forte" if up else "moins forte")
            if fr
            else ("more" if up else "less") + " perceived fragility"
        )
    who_fr, who_en = ACTORS.get(f.survey, ("de répondants", "respondents"))
    if f.indicator == "partnerships":
        what_fr = "partenaires" if f.measure == ref.PARTNER.code else "qui la pratiquent"
        what_en = "in partnership" if f.measure == ref.PARTNER.code else "practising it"
        return (
            f"{'plus' if up else 'moins'} {who_fr} {what_fr}"
            if fr
            else f"{'more' if up else 'fewer'} {who_en} {what_en}"
        )
    return (
        f"{'plus' if up else 'moins'} {who_fr} de cet avis"
        if fr
        else f"{'more' if up else 'fewer'} {who_en} of this view"
    )


def measure_name(f: Finding, lang: str) -> str:
    """'Emploi (citoyens, 2019)': the measure, its survey and wave."""
    among = (
        (" parmi les partenaires" if lang == "fr" else " among partners")
        if f.statistic == "share_among_partners"
        else ""
    )
    return f"{ref.label(f.measure, lang)}{among} ({ref.label(f.survey, lang).lower()}, {f.wave})"


def _value_ci(est: float | None, lo: float | None, hi: float | None, statistic: str, lang: str) -> str:
    if est is None:
        return "—"
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return i18n.value(est, statistic, lang)
    return f"{i18n.value(est, statistic, lang, lo, hi)} [{i18n.interval(lo, hi, statistic, lang)}]"


def finding_text(f: Finding, reference_name: str, level: str, lang: str) -> str:
    """A statement in plain words, with the values, their intervals, n, reliability and rank.

    ``reference_name``: 'la France' / 'France', or the parent's name.
    """
    fr = lang == "fr"
    stat = f.statistic
    tail = ""
    if f.source != "model":
        reliability = i18n.t(f.reliability, lang)
        tail = f"fiabilité {reliability}, n = {f.n}" if fr else f"{reliability} reliability, n = {f.n}"
    if f.versus == "previous_wave":
        change = f"{i18n.signed(f.difference, stat, lang)} {i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)}"
        words = DIRECTION_WORDS[f.direction][0 if fr else 1]
        since = f"depuis {f.wave_from}" if fr else f"since {f.wave_from}"
        values = f"{i18n.value(f.reference, stat, lang)} → {i18n.value(f.estimate, stat, lang)}"
        return (
            f"{measure_name(f, lang)}{i18n.colon(lang)}{words} {since}, {change} ({values}), "
            f"{meaning(f, lang)} — {tail}."
        )
    words = (MODEL_WORDS if f.source == "model" else DIRECTION_WORDS)[f.direction][0 if fr else 1]
    if fr:
        name = "la France" if reference_name == "France" else reference_name
        words += " " + (with_a_rest(name) if f.rest else with_a(name))
    else:
        words += " " + (f"the rest of {reference_name}" if f.rest else reference_name)
    if f.source == "model":
        tail = (
            f"estimation du modèle sur petits domaines (n = {f.n} répondants), test z avec l'erreur du modèle"
            if fr
            else f"small-area model estimate (n = {f.n} respondents), z-test with the model's error"
        )
    own = _value_ci(f.estimate, f.ci_low, f.ci_high, stat, lang)
    other = _value_ci(f.reference, f.reference_low, f.reference_high, stat, lang)
    rank = (
        f" ; {rank_text(f.rank.rank, f.rank.low, f.rank.high, f.rank.peers, level, lang, f.rank.peers_total, f.rank.model)}"
        if f.rank
        else ""
    )
    if not fr and rank:
        rank = rank.replace(" ; ", "; ", 1)
    gap = ""
    if f.rest and f.difference is not None:
        interval = i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)
        gap = f", {'écart' if fr else 'difference'} {i18n.signed(f.difference, stat, lang)} {interval}"
    return f"{measure_name(f, lang)}{i18n.colon(lang)}{own}, {words} ({other}{gap}), {meaning(f, lang)} — {tail}{rank}."


def headline(kf: KeyFindings, name: str, parent: str | None, lang: str) -> str:
    """One sentence: how many reliable cells differ from France and from the parent, each way."""
    fr = lang == "fr"
    parts = []
    for versus, label in (("france", "la France" if fr else "France"), ("parent", parent)):
        if versus == "parent" and not parent:
            continue
        found = kf.findings.get(versus, [])
        above = sum(f.direction == "above" for f in found)
        below, tested = len(found) - above, kf.tested.get(versus, 0) + kf.modelled.get(versus, 0)
        if not tested:
            continue
        if fr:
            parts.append(f"{above} au-dessus et {below} en dessous {with_de(label)}, sur {tested}")
        else:
            parts.append(f"{above} above and {below} below {label}, of {tested}")
    if not parts:
        return (
            f"{name}{i18n.colon(lang)}aucune cellule assez fiable pour une comparaison (voir le détail ci-dessous)."
            if fr
            else f"{name}{i18n.colon(lang)}no cell reliable enough for a comparison (see the detail below)."
        )
    body = " ; ".join(parts) if fr else "; ".join(parts)
    lead = ", indicateurs significativement différents" if fr else ", indicators significantly different"
    return f"{name}{lead}{i18n.colon(lang)}{body}."


def with_de(name: str) -> str:
    """'de la France', 'du département (Loire)', 'de la région (Bretagne)'.

    A place name's own article is not known here ('la Loire'): names come after their level word
    (see :func:`reference_label`), which takes the article.
    """
    for word, prefix in (("département ", "du "), ("région ", "de la "), ("la France", "de ")):
        if name.startswith(word):
            return prefix + name
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÎ" else f"de {name}"


def with_a(name: str) -> str:
    """'à la France', 'au département (Loire)', 'à la région (Bretagne)'."""
    for word, prefix in (("département ", "au "), ("région ", "à la "), ("la France", "à ")):
        if name.startswith(word):
            return prefix + name
    return f"à {name}"


def with_a_rest(name: str) -> str:
    """'au reste de la France', 'au reste du département (Loire)', 'au reste de la région (Bretagne)'."""
    return "au reste " + with_de(name)


def reference_label(level: str, name: str, lang: str) -> str:
    """How a parent is named in the statements: 'département (Loire)' in French, 'Loire' in English."""
    if lang != "fr":
        return name
    word = {"departement": "département", "region": "région"}.get(level)
    return f"{word} ({name})" if word else name
