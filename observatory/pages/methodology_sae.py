"""The methodology page's section on small-area estimation (issue 17), with its validation table.

The table is the project's own measurement: ``benchmarks/results/sae.json``, written by
``python -m benchmarks.sae``; without that file the section says how to produce it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from dash import dash_table, dcc, html

from observatory.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "sae.json"

TEXT_FR = """
Une enquête ne donne directement un chiffre fiable qu'à partir d'une trentaine de répondants :
sur les données de démonstration, 126 EPCI sur 1 253 en ont 30 pour les citoyens, 73 pour les
entreprises, 1 pour les maires. Au niveau des EPCI, l'observatoire propose aussi une
**estimation sur petits domaines**, clairement signalée comme un **modèle**, avec son erreur
quadratique moyenne (EQM), comme le font les instituts statistiques pour les petites zones
(SAIPE du US Census, estimations locales modélisées de l'ONS).

**Modèle.** Modèle de Fay–Herriot au niveau des zones : l'estimation directe de chaque EPCI est la
vraie valeur plus une erreur d'échantillonnage de variance ψ connue ; la vraie valeur est une
régression sur des covariables plus un effet propre à l'EPCI, de variance σ²ᵤ. L'estimation
publiée (EBLUP) est γ × directe + (1 − γ) × régression, avec γ = σ²ᵤ / (σ²ᵤ + ψ) : **γ est la part
de l'enquête** dans le chiffre. Un EPCI sans répondant reçoit l'estimation **synthétique**
(la régression seule). σ²ᵤ est estimé par maximum de vraisemblance restreinte (REML).

**Covariables**, connues pour tous les EPCI sans réseau : la région, le logarithme de la densité,
le logarithme de la population et la nature de l'EPCI (communauté de communes, d'agglomération,
urbaine, métropole). Les 5 EPCI de Mayotte, de population nulle dans la source géographique, n'en
ont pas et n'ont pas d'estimation.

**Lissage des variances.** La variance directe d'un EPCI de trois répondants n'est que du bruit
(nulle quand ils ont répondu pareil, ce qui donnerait tout le poids à l'enquête) ; utilisée telle
quelle, elle a biaisé une proportion de 11 points dans nos mesures. ψ est donc lissée par une
fonction de variance généralisée : ψ = k × s² / n effectif, où s² est la variance d'une réponse
(p(1 − p) pour une proportion, la variance des notes sinon) et k un effet de plan ajusté sur les
EPCI les plus grands.

**Erreur quadratique moyenne.** Prasad–Rao, dans la forme de Datta–Lahiri pour le REML :
g1 + g2 + 2 g3 (incertitude de l'effet de l'EPCI, de la régression et de σ²ᵤ) ; pour une
estimation synthétique, σ²ᵤ + la variance de la régression. L'intervalle est l'estimation ± 1,96 ×
√EQM, borné à \\[0, 1\\] pour une proportion et \\[0, 10\\] pour une note. Quand le REML estime σ²ᵤ = 0
(les covariables expliquent tout l'écart observé entre EPCI), les intervalles seraient ceux de
la régression, trop étroits : l'estimation utilise alors le REML ajusté de Li et Lahiri, toujours
positif, et porte le statut **« modèle seul »**.

Pas de test « significativement au-dessus de la France » ni d'évolution entre vagues sur ces
estimations : ces tests ne sont pas valides pour des estimations de modèle.

**Pourquoi pas les communes.** Mesuré sur des échantillons répétés, le même modèle au niveau des
communes donne des intervalles qui ne couvrent la vraie valeur que 84 à 88 % du temps (au lieu de
95 %), et un biais de 4,6 points pour les communes sans répondant (extrapolation vers les petites
communes). Ce n'est pas publiable : la fiche d'une commune montre l'estimation de son EPCI,
indiquée comme telle.

**Validation** (`python -m benchmarks.sae`) : vraie valeur tirée du modèle ajusté sur les données
de démonstration, échantillons répétés avec le nombre réel de répondants de chaque EPCI. La vraie
valeur suit les hypothèses du modèle : c'est une borne haute de ce qu'une vraie enquête montrera.
"""

TEXT_EN = """
A survey gives a reliable direct figure only from about thirty respondents: on the demonstration
data, 126 of 1,253 EPCIs have 30 citizens, 73 have 30 companies, 1 has 30 mayors. At the EPCI
level, the observatory also offers a **small-area estimate**, clearly labelled as a **model**,
with its mean squared error (MSE), as statistics offices do for small areas (the US Census
Bureau's SAIPE, ONS's model-based local estimates).

**Model.** Area-level Fay–Herriot model: each EPCI's direct estimate is the true value plus a
sampling error of known variance ψ; the true value is a regression on covariates plus an effect
of the EPCI's own, of variance σ²ᵤ. The published estimate (EBLUP) is γ × direct + (1 − γ) ×
regression, with γ = σ²ᵤ / (σ²ᵤ + ψ): **γ is the survey's share** in the figure. An EPCI without
any respondent gets the **synthetic** estimate (the regression alone). σ²ᵤ is estimated by
restricted maximum likelihood (REML).

**Covariates**, known offline for every EPCI: the région, the log of density, the log of
population and the EPCI's nature (communauté de communes, d'agglomération, urbaine, métropole).
Mayotte's 5 EPCIs, with population 0 in the geography source, have none and get no estimate.

**Variance smoothing.** The direct variance of an EPCI with three respondents is noise (zero when
they answered alike, which would give the survey full weight); used as is, it biased a share by
11 points in our measurements. ψ is therefore smoothed by a generalised variance function:
ψ = k × s² / effective n, where s² is the variance of one answer (p(1 − p) for a share, the
variance of the marks otherwise) and k a design effect fitted on the larger EPCIs.

**Mean squared error.** Prasad–Rao, in Datta and Lahiri's REML form: g1 + g2 + 2 g3 (uncertainty
of the EPCI's effect, of the regression and of σ²ᵤ); for a synthetic estimate, σ²ᵤ plus the
regression's variance. The interval is the estimate ± 1.96 × √MSE, clipped to \\[0, 1\\] for a share
and \\[0, 10\\] for a score. When REML estimates σ²ᵤ = 0 (the covariates explain all the variation
seen between EPCIs), the intervals would be the regression's, too narrow: the estimate then uses
Li and Lahiri's adjusted REML, always positive, and has the status **"model only"**.

No "significantly above France" test and no change between waves on these estimates: such tests
are not valid for model-based estimates.

**Why not communes.** Measured on replicate samples, the same model at the commune level gives
intervals that cover the true value only 84 to 88% of the time (instead of 95%), and a 4.6-point
bias for communes without respondents (extrapolation to small communes). That is not publishable:
a commune's profile shows its EPCI's estimate, labelled as such.

**Validation** (`python -m benchmarks.sae`): true values drawn from the model fitted on the
demonstration data, replicate samples with each EPCI's real number of respondents. The truth
follows the model's own assumptions: an upper bound on what a real survey will show.
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


def section(lang: str, path: Path = RESULTS) -> html.Div:
    """The section: title, text, the validation table and the fit time at load."""
    fr = lang != "en"
    results = _results(path)
    children: list = [
        html.H2("Estimation sur petits domaines" if fr else "Small-area estimation"),
        dcc.Markdown(TEXT_FR if fr else TEXT_EN),
    ]
    if results is None:
        children.append(
            html.P(
                "Tableau de validation absent : lancer python -m benchmarks.sae."
                if fr
                else "Validation table missing: run python -m benchmarks.sae."
            )
        )
        return html.Div(children, id="sae-methodology")
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
    return html.Div(children, id="sae-methodology")
