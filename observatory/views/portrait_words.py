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
    """'9 écarts significatifs sur 108 comparaisons : en moyenne, au plus 5 % des écarts retenus…'."""
    if lang == "fr":
        return (
            f"{kf.stated} écart{'s' if kf.stated > 1 else ''} significatif{'s' if kf.stated > 1 else ''} sur "
            f"{kf.family} comparaison{'s' if kf.family > 1 else ''} : en moyenne, au plus {FDR:.0%} des écarts "
            "ainsi retenus seraient dus au hasard (procédure de Benjamini–Hochberg)"
        ).replace("%", " %")
    return (
        f"{kf.stated} significant difference{'s' if kf.stated != 1 else ''} out of {kf.family} "
        f"comparison{'s' if kf.family != 1 else ''}: on average, at most {FDR:.0%} of the differences so "
        "retained would be due to chance (Benjamini–Hochberg procedure)"
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


def finding_text(
    f: Finding, reference_name: str, level: str, lang: str, joint: tuple[Finding, str] | None = None
) -> str:
    """A statement in plain words, with the values, their intervals, n, reliability and rank.

    ``reference_name``: 'France', or the parent's name. ``joint``: the parent's statement on the
    same cell, the same way, and the parent's name: one sentence says both comparisons.
    """
    fr = lang == "fr"
    if f.versus == "previous_wave":
        return _change_text(f, lang)
    words = (MODEL_WORDS if f.source == "model" else DIRECTION_WORDS)[f.direction][0 if fr else 1]
    compared = f"{words} {_versus(f, reference_name, lang)}"
    if joint:
        compared += f" {'et' if fr else 'and than'} {_versus(joint[0], joint[1], lang)}"
    if f.source == "model":
        tail = (
            f"estimation du modèle sur petits domaines (n = {f.n} répondants), test z avec l'erreur du modèle"
            if fr
            else f"small-area model estimate (n = {f.n} respondents), z-test with the model's error"
        )
    else:
        tail = _reliability(f, lang)
    own = _value_ci(f.estimate, f.ci_low, f.ci_high, f.statistic, lang)
    rank = ""
    if f.rank:
        r = f.rank
        rank = (" ; " if fr else "; ") + rank_text(r.rank, r.low, r.high, r.peers, level, lang, r.peers_total, r.model)
    return f"{measure_name(f, lang)}{i18n.colon(lang)}{own}, {compared}, {meaning(f, lang)} — {tail}{rank}."


def _reliability(f: Finding, lang: str) -> str:
    reliability = i18n.t(f.reliability, lang)
    return f"fiabilité {reliability}, n = {f.n}" if lang == "fr" else f"{reliability} reliability, n = {f.n}"


def _versus(f: Finding, reference_name: str, lang: str) -> str:
    """'au reste de la France (7,3 / 10 [7,2 – 7,4], écart +0,98 [+0,76 ; +1,20])': what it was tested against."""
    stat = f.statistic
    if lang == "fr":
        name = "la France" if reference_name == "France" else reference_name
        target = with_a_rest(name) if f.rest else with_a(name)
    else:
        target = f"the rest of {reference_name}" if f.rest else reference_name
    other = _value_ci(f.reference, f.reference_low, f.reference_high, stat, lang)
    gap = ""
    if f.rest and f.difference is not None:
        interval = i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)
        gap = f", {'écart' if lang == 'fr' else 'difference'} {i18n.signed(f.difference, stat, lang)} {interval}"
    return f"{target} ({other}{gap})"


def _change_text(f: Finding, lang: str) -> str:
    """A change since the previous wave: its direction, size with its interval, and both waves' values."""
    fr, stat = lang == "fr", f.statistic
    change = f"{i18n.signed(f.difference, stat, lang)} {i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)}"
    words = DIRECTION_WORDS[f.direction][0 if fr else 1]
    since = f"depuis {f.wave_from}" if fr else f"since {f.wave_from}"
    values = f"{i18n.value(f.reference, stat, lang)} → {i18n.value(f.estimate, stat, lang)}"
    return (
        f"{measure_name(f, lang)}{i18n.colon(lang)}{words} {since}, {change} ({values}), "
        f"{meaning(f, lang)} — {_reliability(f, lang)}."
    )


def headline(kf: KeyFindings, name: str, parent: str | None, lang: str) -> str:
    """One sentence: of the indicators reliable enough to compare, how many differ from each rest, each way.

    'Loire : sur 63 indicateurs assez fiables pour être comparés au reste de la France, 20 en
    diffèrent significativement (14 au-dessus, 6 en dessous) ; sur 63 comparés au reste de la
    région (Auvergne-Rhône-Alpes), 17 (14 au-dessus, 3 en dessous).'
    """
    fr = lang == "fr"
    parts = []
    for versus, label in (("france", "France"), ("parent", parent)):
        tested = kf.tested.get(versus, 0) + kf.modelled.get(versus, 0)
        if not label or not tested:
            continue
        found = kf.findings.get(versus, [])
        above = sum(f.direction == "above" for f in found)
        parts.append(_headline_part(tested, above, len(found) - above, label, not parts, lang))
    if not parts:
        return (
            f"{name}{i18n.colon(lang)}aucune estimation assez fiable pour une comparaison."
            if fr
            else f"{name}{i18n.colon(lang)}no estimate reliable enough for a comparison."
        )
    return f"{name}{i18n.colon(lang)}{(' ; ' if fr else '; ').join(parts)}."


def _headline_part(tested: int, above: int, below: int, label: str, first: bool, lang: str) -> str:
    """'sur 63 indicateurs assez fiables pour être comparés au reste de la France, 20 en diffèrent (…)'."""
    n = above + below
    ways = [(above, "au-dessus", "higher"), (below, "en dessous", "lower")]
    if lang == "fr":
        rest = with_a_rest("la France" if label == "France" else label)
        plural = "s" if tested > 1 else ""
        lead = f"indicateur{plural} assez fiable{plural} pour être comparé{plural}" if first else f"comparé{plural}"
        counts = ", ".join(f"{k} {word}" for k, word, _en in ways if k)
        differ = "en diffèrent" if n > 1 else "en diffère"
        said = f"{n} {differ} significativement ({counts})" if n else "aucun n'en diffère significativement"
        return f"sur {tested} {lead} {rest}, {said}"
    lead = "indicators reliable enough to compare with" if first else "compared with"
    counts = ", ".join(f"{k} {word}" for k, _fr, word in ways if k)
    said = f"{n} differ{'s' if n == 1 else ''} significantly ({counts})" if n else "none differs significantly"
    return f"of {tested} {lead} the rest of {label}, {said}"


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
