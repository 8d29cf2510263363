"""The profile's "how to read it" fold: intervals, reliability, tests, ranks and the model, in five lines.

What a council officer needs before the tables (audit E2, E12: the rank's direction and the tables'
tests were explained on the methodology page only). The thresholds are the reliability rule's own.
"""

from __future__ import annotations

from dash import dcc, html

from observatory.stats.finalize import LOW_N, MAX_RSE
from observatory.ui.pages import profile_folds as folds

GUIDE = "profile-guide"  # the section's id


def guide(min_n: int, lang: str) -> html.Section:
    """The closed "Comment lire ce profil / How to read this profile" section (``min_n``: the suppression threshold)."""
    fr = lang == "fr"
    rse = f"{MAX_RSE:.0%}".replace("%", " %" if fr else "%")
    if fr:
        points = [
            "Chaque valeur est suivie de son intervalle de confiance à 95 % [bas – haut] ; n est le nombre "
            "de répondants du territoire.",
            f"Fiabilité : « bonne » ; « faible » sous {LOW_N} répondants ou quand l'erreur type dépasse {rse} "
            f"de l'estimation (valeur en italique, point évidé) ; « non diffusé » (—) sous {min_n} répondants, "
            f"ou quand un territoire qu'il contient a les mêmes répondants à moins de {min_n} près.",
            "Tous les tests du portrait (chaque mesure fiable contre le reste de la France, contre le reste du "
            "territoire parent, et contre la vague précédente) forment une famille, soumise au contrôle des "
            "fausses découvertes (Benjamini–Hochberg à 5 %) : les colonnes « vs reste… » des tableaux et "
            "l'essentiel, en haut, ne disent « significativement » que ce qui y résiste. Une mesure de fiabilité "
            "faible n'est pas testée.",
            "Rang : 1er = valeur la plus élevée (pour une fragilité, la fragilité perçue la plus forte), parmi "
            "les territoires du même échelon dont l'estimation est fiable ; entre crochets, un ensemble de "
            "confiance simultané : tous les rangs des tableaux sont couverts à la fois dans au moins 95 % des "
            "cas (l'essentiel donne, pour un seul rang, l'ensemble à 95 % de ce rang, plus étroit) ; "
            "« incertain » quand il couvre plus de la moitié de ces territoires.",
            "« Modèle » : l'estimation sur petits domaines d'une intercommunalité, qui combine l'enquête et "
            "une prédiction par les caractéristiques du territoire (γ : la part de l'enquête) ; son intervalle "
            "compte l'erreur du modèle.",
        ]
        more = ["Le détail des méthodes : la page ", dcc.Link("Méthodologie", href="/methodologie"), "."]
        title, line = "Comment lire ce profil", "Intervalles, fiabilité, tests, rangs et modèle en cinq points"
    else:
        points = [
            "Each value is followed by its 95% confidence interval [low – high]; n is the number of "
            "respondents in the territory.",
            f"Reliability: 'good'; 'low' under {LOW_N} respondents or when the standard error exceeds {rse} "
            f"of the estimate (value in italics, open point); 'suppressed' (—) under {min_n} respondents, or "
            f"when a territory inside it has the same respondents but for fewer than {min_n}.",
            "All the portrait's tests (each reliable measure against the rest of France, the rest of the parent "
            "and the previous wave) form one family under false-discovery control (Benjamini–Hochberg at 5%): "
            "the tables' 'vs rest…' columns and the key findings, at the top, say 'significantly' only of what "
            "survives it. A measure of low reliability is not tested.",
            "Rank: 1st = highest value (for a fragility, the strongest perceived fragility), among the "
            "territories of the same level with a reliable estimate; in brackets, a simultaneous confidence "
            "set: all the tables' ranks are covered at once at least 95% of the time (the key findings give, "
            "for a single rank, that rank's own 95% set, narrower); 'uncertain' when it spans more than half "
            "of those territories.",
            "'Model': an intercommunality's small-area estimate, combining the survey with a prediction from "
            "the territory's characteristics (γ: the survey's share); its interval counts the model's error.",
        ]
        more = ["The methods in detail: the ", dcc.Link("Methodology", href="/methodologie?lang=en"), " page."]
        title, line = "How to read this profile", "Intervals, reliability, tests, ranks and the model in five points"
    content = [html.Ul([html.Li(p) for p in points], className="guide"), html.P(more, className="note")]
    return folds.fold(GUIDE, title, line, content)
