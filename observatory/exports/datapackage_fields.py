"""The Table Schema of every column the observatory exports: type, description, unit, allowed values.

:data:`FIELDS` describes each known column in French and English; :func:`field_schema` writes a
column's entry of a ``datapackage.json`` (:mod:`observatory.exports.datapackage`), guessing the type of a
column it does not know from the data.
"""

from __future__ import annotations

import pandas as pd

from observatory.stats.change import CHANGE_SIGNIFICANCE
from observatory.stats.finalize import RELIABILITY, SIGNIFICANCE
from observatory.stats.measures import INDICATORS

# The unit of se, CIs and the like: the estimate's, spelt out (a reader cannot guess "as estimate").
UNIT_AS_ESTIMATE = "same unit as estimate: score 0–10 for mean_score, proportion 0–1 otherwise"

# name: (Table Schema type, description, unit or None, allowed values or None)
FIELDS: dict[str, tuple[str, str, str | None, tuple[str, ...] | None]] = {
    "block": ("string", "Bloc du profil / profile block", None, None),
    "scope": (
        "string",
        "Portée : le territoire, son parent ou la France / the territory, its parent or France",
        None,
        ("territory", "parent", "france"),
    ),
    "territory_key": ("string", "Clé du territoire (niveau:code) / territory key (level:code)", None, None),
    "indicator": ("string", "Indicateur / indicator", None, INDICATORS),
    "wave": ("integer", "Vague d'enquête (année) / survey wave (year)", "year", None),
    "survey": ("string", "Enquête / survey", None, None),
    "level": ("string", "Niveau territorial / territorial level", None, None),
    "size_class": ("string", "Classe de taille (vide : toutes) / size class (empty: all)", None, None),
    "min_n": ("integer", "Seuil de suppression : répondants minimum / suppression threshold", "respondents", None),
    "territory_code": ("string", "Code officiel géographique (INSEE) / official code", None, None),
    "territory_name": ("string", "Nom du territoire / territory name", None, None),
    "measure": ("string", "Mesure (domaine, type de partenariat, réponse) / measure", None, None),
    "statistic": (
        "string",
        "Statistique : mean_score (note 0–10), priority_share, share, share_among_partners (proportions 0–1)",
        None,
        ("mean_score", "priority_share", "share", "share_among_partners"),
    ),
    "estimate": (
        "number",
        "Estimation pondérée (vide si supprimée) / weighted estimate (empty when suppressed)",
        "score 0–10 for mean_score, proportion 0–1 otherwise",
        None,
    ),
    "se": ("number", "Erreur type (linéarisation de Taylor) / standard error (Taylor)", UNIT_AS_ESTIMATE, None),
    "ci_low": ("number", "Borne basse de l'IC à 95 % / 95 % CI lower bound", UNIT_AS_ESTIMATE, None),
    "ci_high": ("number", "Borne haute de l'IC à 95 % / 95 % CI upper bound", UNIT_AS_ESTIMATE, None),
    "n": ("integer", "Répondants / respondents", "respondents", None),
    "n_eff": ("number", "Effectif effectif (Kish) / effective sample size (Kish)", "respondents", None),
    "reliability": ("string", "Fiabilité / reliability", None, RELIABILITY),
    "significance": (
        "string",
        "Différence avec le reste de la France, ou changement entre deux vagues (test z, 5 % ; dans un profil, "
        "la décision de la famille de tests du portrait, Benjamini–Hochberg à 5 %) / difference from the rest "
        "of France, or change between two waves (in a profile, the decision of the portrait's family of tests)",
        None,
        (*SIGNIFICANCE, *CHANGE_SIGNIFICANCE[:2]),
    ),
    "wave_from": ("integer", "Vague de départ (année) / first wave (year)", "year", None),
    "wave_to": ("integer", "Vague d'arrivée (année) / second wave (year)", "year", None),
    "estimate_from": ("number", "Estimation à la vague de départ / estimate at the first wave", UNIT_AS_ESTIMATE, None),
    "estimate_to": ("number", "Estimation à la vague d'arrivée / estimate at the second wave", UNIT_AS_ESTIMATE, None),
    "n_from": ("integer", "Répondants, vague de départ / respondents, first wave", "respondents", None),
    "n_to": ("integer", "Répondants, vague d'arrivée / respondents, second wave", "respondents", None),
    "reliability_from": ("string", "Fiabilité, vague de départ / reliability, first wave", None, RELIABILITY),
    "reliability_to": ("string", "Fiabilité, vague d'arrivée / reliability, second wave", None, RELIABILITY),
    "p_value": ("number", "p-valeur du test / test p-value", None, None),
    "p_holm": (
        "number",
        "p-valeur ajustée par la méthode de Holm sur tous les tests de la comparaison (toutes les paires × "
        "mesures de la vue) / Holm-adjusted p-value over every test of the comparison (all pairs × measures)",
        None,
        None,
    ),
    "territory_a": ("string", "Premier territoire (niveau:code) / first territory", None, None),
    "territory_b": ("string", "Second territoire (niveau:code) / second territory", None, None),
    "basis": (
        "string",
        "Base du test : both, ou le reste du territoire englobant ; model : un côté est une estimation par modèle, "
        "pas de test / test basis; model: a model estimate on one side, no test",
        None,
        ("both", "rest_of_a", "rest_of_b", "model"),
    ),
    "difference": (
        "number",
        "Différence a − b, ou vague d'arrivée − vague de départ (échantillons indépendants) / "
        "difference a − b, or second wave − first wave (independent samples)",
        "same unit as estimate: points out of 10 for mean_score, difference of proportions (0–1) otherwise",
        None,
    ),
    "se_difference": (
        "number",
        "Erreur type de la différence / standard error of the difference",
        UNIT_AS_ESTIMATE,
        None,
    ),
    "verdict": (
        "string",
        "Verdict du test à 5 % ; dans une comparaison, sur la p-valeur ajustée (p_holm) / "
        "5 % test verdict; in a comparison, on the adjusted p-value (p_holm)",
        None,
        ("a_higher", "b_higher", "not_significant", "not_tested"),
    ),
    "synthetic": (
        "boolean",
        "Données de démonstration synthétiques (pas des résultats PHARE) / synthetic demonstration data",
        None,
        None,
    ),
    # small-area estimates (method sae)
    "method": (
        "string",
        "Méthode : sae, estimation sur petits domaines (modèle de Fay–Herriot) ; direct, estimation directe de "
        "l'enquête (une comparaison peut mêler les deux) / small-area estimate (model), or direct survey estimate",
        None,
        ("direct", "sae"),
    ),
    "sae_status": (
        "string",
        "Statut du modèle : model (enquête et covariables), model_adjusted (idem, variance entre EPCI ajustée de "
        "Li–Lahiri car le REML l'estime nulle), synthetic (covariables seules : aucun répondant), no_data, "
        "no_covariates / model status",
        None,
        ("model", "model_adjusted", "synthetic", "no_data", "no_covariates"),
    ),
    "link": (
        "string",
        "Échelle du modèle : identity (notes, Fay–Herriot linéaire), logit (proportions, modèle binomial "
        "logit-normal) / the model's scale",
        None,
        ("identity", "logit"),
    ),
    "design": (
        "string",
        "Covariables retenues par l'AIC : linear (log densité linéaire), spline (spline naturelle de la log "
        "densité) / covariates chosen by AIC",
        None,
        ("linear", "spline"),
    ),
    "benchmark_group": (
        "string",
        "Calage : D<code> (département dont l'estimation directe est fiable), R<code> (reste de la région) ; vide : "
        "non calé / benchmark group",
        None,
        None,
    ),
    "benchmark_shift": (
        "number",
        "Déplacement dû au calage (compté dans l'EQM) / the benchmark's shift (counted in the MSE)",
        None,
        None,
    ),
    "gamma": (
        "number",
        "Part de l'enquête dans l'estimation, σ²ᵤ / (σ²ᵤ + ψ) (0 : synthétique) / the survey's share in the estimate",
        "proportion 0–1",
        None,
    ),
    # the profile's blocks (vs_parent), trends and initiatives
    "vs_parent": (
        "string",
        "Différence avec le reste du territoire parent, lignes du territoire : décision de la famille de tests "
        "du portrait (Benjamini–Hochberg à 5 %) / difference from the rest of the parent territory (territory "
        "rows): the decision of the portrait's family of tests",
        None,
        ("above", "below", "not_significant", "not_tested"),
    ),
    "previous_wave": ("integer", "Vague précédente (année) / previous wave (year)", "year", None),
    "change": (
        "number",
        "Évolution depuis la vague précédente / change since the previous wave",
        "same unit as estimate: points out of 10 for mean_score, difference of proportions (0–1) otherwise",
        None,
    ),
    "change_low": ("number", "Borne basse de l'IC à 95 % de l'évolution / change, 95 % CI low", "as change", None),
    "change_high": ("number", "Borne haute de l'IC à 95 % de l'évolution / change, 95 % CI high", "as change", None),
    "change_significance": (
        "string",
        "Évolution significative (test z, 5 %) / whether the change is significant",
        None,
        (*CHANGE_SIGNIFICANCE, "not_tested"),
    ),
    "initiative_id": ("string", "Identifiant de l'initiative / initiative id", None, None),
    "initiative_name": ("string", "Nom de l'initiative / initiative name", None, None),
    "initiative_kind": ("string", "Type d'initiative / kind of initiative", None, None),
    "initiative_level": (
        "string",
        "Niveau où l'initiative est codée (france : programme national) / level it is coded at",
        None,
        ("commune", "epci", "departement", "region", "france"),
    ),
    "initiative_scope": (
        "string",
        "local : dans le territoire, ses sous-territoires ou ses parents ; national : programme national / "
        "local, or a national programme",
        None,
        ("local", "national"),
    ),
    "description_fr": ("string", "Description (français)", None, None),
    "description_en": ("string", "Description (English)", None, None),
    "source_title": ("string", "Titre du document source / source document title", None, None),
    "source_publisher": ("string", "Auteur ou éditeur de la source / source author or publisher", None, None),
    "source_date": (
        "string",
        "Date de la source (AAAA, AAAA-MM ou AAAA-MM-JJ ; vide : non datée) / source date (ISO; empty: undated)",
        None,
        None,
    ),
}


def field_schema(name: str, series: pd.Series) -> dict:
    """The Table Schema field of column ``name`` (its description from :data:`FIELDS`, else its type)."""
    if name in FIELDS:
        kind, description, unit, allowed = FIELDS[name]
    elif pd.api.types.is_integer_dtype(series):
        kind, description, unit, allowed = "integer", name, None, None
    elif pd.api.types.is_numeric_dtype(series):
        kind, description, unit, allowed = "number", name, None, None
    else:
        kind, description, unit, allowed = "string", name, None, None
    field: dict = {"name": name, "type": kind, "description": description}
    if unit:
        field["unit"] = unit
    if allowed:
        field["constraints"] = {"enum": list(allowed)}
    if name in ("territory_code", "indicator", "wave", "level", "measure", "statistic", "n"):
        field.setdefault("constraints", {})["required"] = True
    return field
