"""The methodology page's section on small-area estimation (issue 17), with its validation table.

The table is the project's own measurement: ``benchmarks/results/sae.json``, written by
``python -m benchmarks.sae``; without that file the section says how to produce it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from dash import dash_table, dcc, html

from observatory.core.config import PROJECT_ROOT
from observatory.views import model_diagnostics

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "sae.json"
OFFMODEL = PROJECT_ROOT / "benchmarks" / "results" / "sae_offmodel.json"
SURVEY_NAMES = {"citoyens": ("Citoyens", "Citizens"), "elus": ("Maires", "Mayors")}
MEASURE_NAMES = {
    "mid": ("proportion moyenne (≈ 34 %)", "middling share (≈ 34%)"),
    "rare": ("proportion rare (≈ 2 %)", "rare share (≈ 2%)"),
    "common": ("proportion fréquente (≈ 94 %)", "common share (≈ 94%)"),
    "score": ("note (0–10)", "score (0–10)"),
}
TARGET_NAMES = {
    "coverage ≥ 0.90 in every n band": ("Couverture ≥ 0,90 dans chaque tranche d'effectif", "Coverage ≥ 0.90 in every n band"),
    "coverage ≥ 0.90 in every density decile": ("Couverture ≥ 0,90 dans chaque décile de densité", "Coverage ≥ 0.90 in every density decile"),
    "RMSE model / direct ≤ 1.0 from 10 respondents": ("RMSE modèle / directe ≤ 1 dès 10 répondants", "RMSE model / direct ≤ 1.0 from 10 respondents"),
    "0 départements in disagreement": ("0 département en désaccord", "0 départements in disagreement"),
}  # fmt: skip

TEXT_FR = """
Une enquête ne donne directement un chiffre fiable qu'à partir d'une trentaine de répondants :
sur les données de démonstration, 126 EPCI sur 1 253 en ont 30 pour les citoyens, 73 pour les
entreprises, 1 pour les maires. Au niveau des EPCI, l'observatoire propose aussi une
**estimation sur petits domaines**, clairement signalée comme un **modèle**, avec son erreur
quadratique moyenne (EQM), comme le font les instituts statistiques pour les petites zones
(SAIPE du US Census, estimations locales modélisées de l'ONS, paquet R emdi).

**Notes (0–10) : modèle de Fay–Herriot.** L'estimation directe de chaque EPCI est la vraie valeur
plus une erreur d'échantillonnage de variance ψ ; la vraie valeur est une régression sur des
covariables plus un effet propre à l'EPCI, de variance σ²ᵤ (REML). L'estimation publiée est
γ × directe + (1 − γ) × régression, avec γ = σ²ᵤ / (σ²ᵤ + ψ) : **γ est la part de l'enquête** dans
le chiffre. ψ est lissée (ψ = k × s² / n effectif, k ajusté sur les grands EPCI) : la variance
directe d'un EPCI de trois répondants n'est que du bruit.

**Proportions : modèle binomial logit-normal.** Une proportion proche de 0 ou de 1 n'est pas
normale sur sa propre échelle : sur une vérité hors modèle, le modèle linéaire couvrait une
proportion rare 46 à 84 % du temps. Les « oui » de chaque EPCI suivent une loi binomiale sur son
effectif efficace (divisé par l'effet de plan de l'enquête), avec un effet normal de l'EPCI sur
l'échelle logit ; ajustement par quasi-vraisemblance pénalisée. Le retour aux proportions est
corrigé du biais (la moyenne de expit, par quadrature, et non expit de la moyenne) ; l'intervalle,
calculé sur l'échelle logit, reste dans \\[0, 1\\] et est asymétrique près des bornes.

**Covariables**, connues pour tous les EPCI sans réseau : la région, la densité (logarithme), la
population (logarithme) et la nature de l'EPCI (CC, CA, CU, métropole). Le biais se concentrait aux
extrêmes de densité : chaque indicateur choisit, par le critère d'Akaike (AIC), entre un effet
linéaire de la densité et une **spline naturelle** (5 nœuds) ; le choix et les deux AIC sont
publiés (colonne `design`, page de diagnostics). Les 5 EPCI de Mayotte, de population nulle dans
la source géographique, n'ont pas d'estimation.

**Calage sur les niveaux publiés.** Dans chaque département dont l'estimation directe est fiable
(au moins 100 répondants, erreur relative ≤ 30 %), la moyenne des EPCI pondérée par la population
(par le nombre de communes pour les maires) est égale à cette estimation ; ailleurs, les EPCI sont
calés sur le reste de leur région. Chaque EPCI bouge en proportion de son EQM : un chiffre précis
bouge peu. L'EQM compte ce déplacement (EQM + déplacement², Steorts et Ghosh 2013) et l'intervalle
est élargi d'autant. Colonnes `benchmark_group` (D23 : département 23 ; R75 : reste de la région
75) et `benchmark_shift`.

**Statuts.** *Modèle* : enquête et covariables, avec γ et n à côté. *Modèle, variance ajustée* : le
REML estime σ²ᵤ = 0 (aucun écart entre EPCI détecté au-delà des covariables) ; σ²ᵤ est alors celle,
toujours positive, du REML ajusté de Li et Lahiri, pour ne jamais publier d'intervalles trop
étroits. *Synthétique* : covariables seules, l'EPCI n'a aucun répondant.

**EQM.** Prasad–Rao, forme de Datta–Lahiri pour le REML : g1 + g2 + 2 g3 (sur l'échelle logit pour
les proportions, ramenée aux proportions par quadrature), plus le déplacement de calage.

**Les maires** ne sont qu'un à trois par EPCI : leur part γ dans le chiffre d'un EPCI est faible
et l'estimation est surtout celle des covariables, calée sur la région. Sur la vérité hors modèle,
les intervalles couvrent 90 à 95 % du temps dans toutes les tranches d'effectif sauf la tranche
30–99 (un seul EPCI) ; le tableau ci-dessous dit où le modèle échoue encore.

Pas de test « significativement au-dessus de la France » ni d'évolution entre vagues sur ces
estimations : ces tests ne sont pas valides pour des estimations de modèle.

**Pourquoi pas les communes.** Mesuré sur des échantillons répétés, le même modèle au niveau des
communes donne des intervalles qui ne couvrent la vraie valeur que 84 à 88 % du temps (au lieu de
95 %), et un biais de 4,6 points pour les communes sans répondant (extrapolation vers les petites
communes). Ce n'est pas publiable : la fiche d'une commune montre l'estimation de son EPCI,
indiquée comme telle.

**Validation.** Deux bancs d'essai reproductibles. `python -m benchmarks.sae` tire la vérité du
modèle ajusté lui-même (une borne haute, premier tableau). `python -m benchmarks.sae_offmodel`
construit une vérité qui **n'a pas** la forme du modèle (effets non linéaires de la densité et de
la population, effets d'EPCI à queues lourdes, proportions rares et fréquentes) sur les vrais
répondants des citoyens 2019 et des maires 2024, réponses retirées à chaque réplique (second
tableau : les cibles, avec le pire cas mesuré).
"""

TEXT_EN = """
A survey gives a reliable direct figure only from about thirty respondents: on the demonstration
data, 126 of 1,253 EPCIs have 30 citizens, 73 have 30 companies, 1 has 30 mayors. At the EPCI
level, the observatory also offers a **small-area estimate**, clearly labelled as a **model**,
with its mean squared error (MSE), as statistics offices do for small areas (the US Census
Bureau's SAIPE, ONS's model-based local estimates, R's emdi package).

**Scores (0–10): the Fay–Herriot model.** Each EPCI's direct estimate is the true value plus a
sampling error of variance ψ; the true value is a regression on covariates plus an effect of the
EPCI's own, of variance σ²ᵤ (REML). The published estimate is γ × direct + (1 − γ) × regression,
with γ = σ²ᵤ / (σ²ᵤ + ψ): **γ is the survey's share** in the figure. ψ is smoothed (ψ = k × s² /
effective n, k fitted on the larger EPCIs): the direct variance of an EPCI with three respondents
is noise.

**Shares: a binomial logit-normal model.** A share near 0 or 1 is not normal on its own scale: on
an off-model truth, the linear model covered a rare share 46 to 84% of the time. Each EPCI's
"yes" answers are binomial on its effective sample (divided by the survey's design effect), with
a normal EPCI effect on the logit scale, fitted by penalised quasi-likelihood. The way back to a
share is bias-corrected (the mean of expit, by quadrature, not expit of the mean); the interval,
computed on the logit scale, stays inside \\[0, 1\\] and is asymmetric near the bounds.

**Covariates**, known offline for every EPCI: the région, density (log), population (log) and the
EPCI's nature (CC, CA, CU, métropole). The bias sat at the density extremes: each indicator
chooses, by Akaike's criterion (AIC), between a linear density term and a **natural spline**
(5 knots); the choice and both AICs are published (column `design`, diagnostics page). Mayotte's 5
EPCIs, with population 0 in the geography source, get no estimate.

**Benchmarked to the published levels.** Within every département whose direct estimate is
reliable (at least 100 respondents, relative error ≤ 30%), the population-weighted mean of the
EPCIs (communes-weighted for the mayors) equals that estimate; elsewhere, the EPCIs are
benchmarked to the rest of their région. Each EPCI moves in proportion to its MSE: a precise
figure moves little. The MSE counts the move (MSE + shift², Steorts and Ghosh 2013) and the
interval widens accordingly. Columns `benchmark_group` (D23: département 23; R75: the rest of
région 75) and `benchmark_shift`.

**Statuses.** *Model*: survey and covariates, with γ and n beside. *Model, adjusted variance*:
REML estimates σ²ᵤ = 0 (no variation between EPCIs detected beyond the covariates); σ²ᵤ is then Li
and Lahiri's adjusted REML, always positive, so that no interval is too narrow. *Synthetic*:
covariates only, the EPCI has no respondent.

**MSE.** Prasad–Rao, in Datta and Lahiri's REML form: g1 + g2 + 2 g3 (on the logit scale for
shares, brought back by quadrature), plus the benchmark's shift.

**Mayors** are one to three per EPCI: their share γ in an EPCI's figure is small and the estimate
is mostly the covariates', benchmarked to the région. On the off-model truth, the intervals cover
90 to 95% of the time in every band of respondents but the 30–99 band (a single EPCI); the table
below says where the model still fails.

No "significantly above France" test and no change between waves on these estimates: such tests
are not valid for model-based estimates.

**Why not communes.** Measured on replicate samples, the same model at the commune level gives
intervals that cover the true value only 84 to 88% of the time (instead of 95%), and a 4.6-point
bias for communes without respondents (extrapolation to small communes). That is not publishable:
a commune's profile shows its EPCI's estimate, labelled as such.

**Validation.** Two benchmarks anyone can rerun. `python -m benchmarks.sae` draws the truth from
the fitted model itself (an upper bound, first table). `python -m benchmarks.sae_offmodel` builds a
truth that is **not** the model's shape (non-linear effects of density and population, heavy-tailed
EPCI effects, rare and common shares) on the real respondents of the citizens' 2019 and mayors'
2024 waves, answers redrawn in every replicate (second table: the targets, with the worst case
measured).
"""

# The benchmark's cells, named in French (its JSON names them in English).
LABELS_FR = {
    "fragility": "Note « logement » des citoyens (0–10)",
    "partnerships": "Entreprises ayant un partenariat (proportion)",
    "mayors": "Maires : Q4 « oui » (proportion)",
}
COLUMNS = ("label", "group", "areas", "direct_rmse", "direct_coverage", "model_rmse", "model_coverage")
HEADERS = {
    "fr": ("Indicateur", "EPCI", "EPCI par réplique", "RMSE directe", "Couverture directe (95 %)", "RMSE modèle",
           "Couverture modèle (95 %)"),
    "en": ("Indicator", "EPCIs", "EPCIs per replicate", "Direct RMSE", "Direct coverage (95%)", "Model RMSE",
           "Model coverage (95%)"),
}  # fmt: skip


@functools.lru_cache(maxsize=2)
def _results(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def validation_rows(results: dict, lang: str) -> list[dict]:
    """One row per indicator × group of EPCIs (by respondents), numbers formatted for ``lang``."""
    decimal = "," if lang == "fr" else "."

    def number(value: float | None, digits: int) -> str:
        return "—" if value is None else f"{value:.{digits}f}".replace(".", decimal)

    def percent(value: float | None) -> str:
        if value is None:
            return "—"
        return f"{100 * value:.0f}\u00a0%" if lang == "fr" else f"{100 * value:.0f}%"

    rows = []
    for cell in results["validation"]:
        for group, g in cell["groups"].items():
            rows.append(
                {
                    "label": LABELS_FR.get(cell["indicator"], cell["label"]) if lang == "fr" else cell["label"],
                    "group": "tous" if group == "all" and lang == "fr" else group,
                    "areas": f"{g['areas_per_replicate']:.0f}",
                    "direct_rmse": number(g["direct_rmse"], 3),
                    "direct_coverage": percent(g["direct_coverage"]),
                    "model_rmse": number(g["model_rmse"], 3),
                    "model_coverage": percent(g["model_coverage"]),
                }
            )
    return rows


def offmodel_rows(results: dict, lang: str) -> list[dict]:
    """The off-model benchmark's targets for the published (benchmarked) model, one row each."""
    en = lang == "en"
    decimal = "." if en else ","
    rows = []
    for survey, block in results["surveys"].items():
        for t in block["targets"]:
            if t["variant"] != "benchmarked":
                continue
            value = t["measured"]
            shown = "—" if value is None else (f"{value:.0f}" if float(value).is_integer() and value > 1.5
                                                else f"{value:.3f}".replace(".", decimal))  # fmt: skip
            verdict = {True: ("atteinte", "met"), False: ("manquée", "missed"), None: ("sans objet", "n/a")}[t["pass"]]
            rows.append({
                "survey": SURVEY_NAMES.get(survey, (survey, survey))[en],
                "measure": MEASURE_NAMES.get(t["measure"], (t["measure"], t["measure"]))[en],
                "target": TARGET_NAMES.get(t["target"], (t["target"], t["target"]))[en],
                "measured": f"{shown} ({t['where']})" if t["where"] else shown,
                "verdict": verdict[en],
            })  # fmt: skip
    return rows


OFFMODEL_COLUMNS = ("survey", "measure", "target", "measured", "verdict")
OFFMODEL_HEADERS = {
    "fr": ("Enquête", "Mesure", "Cible", "Mesuré (pire cas)", "Cible"),
    "en": ("Survey", "Measure", "Target", "Measured (worst case)", "Target"),
}


def _offmodel_table(lang: str, path: Path) -> list:
    results = _results(path)
    fr = lang != "en"
    if results is None:
        return [html.P("Banc hors modèle absent : lancer python -m benchmarks.sae_offmodel." if fr
                       else "Off-model benchmark missing: run python -m benchmarks.sae_offmodel.")]  # fmt: skip
    header = OFFMODEL_HEADERS["fr" if fr else "en"]
    return [
        html.H3("Sur une vérité hors modèle" if fr else "On an off-model truth"),
        dash_table.DataTable(
            id="sae-offmodel-table",
            data=offmodel_rows(results, "fr" if fr else "en"),
            columns=[{"id": c, "name": n} for c, n in zip(OFFMODEL_COLUMNS, header, strict=True)],
            style_cell={"textAlign": "left", "fontFamily": "inherit", "whiteSpace": "normal", "height": "auto"},
            style_data_conditional=[{"if": {"filter_query": '{verdict} = "manquée" || {verdict} = "missed"'},
                                     "fontWeight": "bold"}],  # fmt: skip
        ),
        html.P(
            f"{len(results['seeds'])} graines × {results['replicates']} répliques, mesuré le {results['measured_at']}."
            if fr else
            f"{len(results['seeds'])} seeds × {results['replicates']} replicates, measured {results['measured_at']}."
        ),
    ]  # fmt: skip


def section(lang: str, path: Path = RESULTS, offmodel: Path = OFFMODEL) -> html.Div:
    """The section: title, text, the validation table and the fit time at load."""
    fr = lang != "en"
    results = _results(path)
    children: list = [
        html.H2("Estimation sur petits domaines" if fr else "Small-area estimation"),
        dcc.Markdown(TEXT_FR if fr else TEXT_EN),
        html.P(
            dcc.Link(
                "Diagnostics du modèle, indicateur par indicateur (résidus, test de Brown, directe contre modèle)"
                if fr
                else "The model's diagnostics, indicator by indicator (residuals, Brown's test, direct against model)",
                href=model_diagnostics.index_href("fr" if fr else "en"),
                id="sae-diagnostics-index-link",
            )
        ),
    ]
    if results is None:
        children.append(
            html.P(
                "Tableau de validation absent : lancer python -m benchmarks.sae."
                if fr
                else "Validation table missing: run python -m benchmarks.sae."
            )
        )
        return html.Div(children + _offmodel_table(lang, offmodel), id="sae-methodology")
    header = HEADERS["fr" if fr else "en"]
    children.append(
        dash_table.DataTable(
            id="sae-validation-table",
            data=validation_rows(results, "fr" if fr else "en"),
            columns=[{"id": c, "name": n} for c, n in zip(COLUMNS, header, strict=True)],
            style_cell={"textAlign": "left", "fontFamily": "inherit", "whiteSpace": "normal", "height": "auto"},
        )
    )
    timing = results["fit_time"]
    seconds = f"{timing['total_s']:.1f}".replace(".", "," if fr else ".")
    fits = sum(timing["fits"].values())
    children.append(
        html.P(
            f"{results['replicates']} répliques, mesuré le {results['measured_at']}. Ajustement de tous les "
            f"indicateurs au chargement : {fits} modèles en {seconds} s."
            if fr
            else f"{results['replicates']} replicates, measured {results['measured_at']}. Fitting every indicator "
            f"at load: {fits} models in {seconds} s."
        )
    )
    children += _offmodel_table(lang, offmodel)
    return html.Div(children, id="sae-methodology")
