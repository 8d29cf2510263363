"""How to read the small-area model's diagnostics: the numbers as shown and a sentence each.

One copy of each reading, for the diagnostics page (:mod:`observatory.views.model_diagnostics`)
and anything else that states them: the model chosen (:func:`model_rows`), the shape of the
standardised residuals and random effects against the normal the model assumes
(:func:`shape_reading`, thresholds :data:`SKEW_MILD` … :data:`KURTOSIS_BAND`), what each statistic
means (:func:`shape_explanations`, as emdi's users asked), and Brown's test, conservative
(:func:`brown`, :func:`brown_explanation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from observatory.core import i18n
from observatory.stats.finalize import ALPHA
from observatory.stats.sae_diagnostics import CORRELATION_N, PUBLISHED_N

# Readings of a standardised distribution against the normal the model assumes.
SKEW_MILD, SKEW_MARKED = 0.5, 1.0  # |skewness| below: symmetric; above: markedly asymmetric
KURTOSIS_NORMAL, KURTOSIS_BAND = 3.0, 1.0  # a normal's kurtosis, and the band read as "close to it"


@dataclass(frozen=True)
class Shape:
    """The shape of one standardised distribution (residuals or random effects) and its reading."""

    key: str  # "residuals" or "effects"
    label: str
    skewness: float
    kurtosis: float
    shapiro_p: float
    reading: str


@dataclass(frozen=True)
class Brown:
    """Brown's test of the model against the published direct figures."""

    w: float
    df: int
    p: float
    reading: str


def _sig(x: object, lang: str, digits: int = 3) -> str:
    """A number with ``digits`` significant digits in the language's form ('0,00436', '1 865')."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return "—"
    x = float(x)
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return i18n.number(x, min(decimals, 8), lang)


def number(x: object, lang: str, decimals: int = 2) -> str:
    """A statistic as shown ('−0,03', '2,99'), '—' when missing."""
    if x is None or pd.isna(x):
        return "—"
    return i18n.number(float(x), decimals, lang).replace("-", "−")


def model_rows(row: dict, lang: str) -> list[tuple[str, str]]:
    """The model chosen, as (label, value) pairs: link, design with both AICs, σ²ᵤ, R² and more."""
    fr = lang == "fr"
    logit = row.get("link") == "logit"
    link = (
        ("logit (proportions : modèle binomial logit-normal)" if fr else "logit (shares: binomial logit-normal model)")
        if logit
        else ("identité (notes : modèle de Fay–Herriot)" if fr else "identity (scores: Fay–Herriot model)")
    )
    designs = {
        "linear": ("linéaire (log de la densité)", "linear (log density)"),
        "spline": ("spline naturelle du log de la densité", "natural spline of log density"),
    }
    design = designs.get(row.get("design"), (str(row.get("design")), str(row.get("design"))))[0 if fr else 1]
    chosen = " (retenu)" if fr else " (chosen)"
    adjusted = bool(row.get("adjusted"))
    out = [
        ("Lien" if fr else "Link", link),
        ("Covariables" if fr else "Covariates", design + (" — plus petit AIC" if fr else " — lowest AIC")),
        ("AIC, plan linéaire" if fr else "AIC, linear design", _sig(row.get("aic_linear"), lang, 6) + (chosen if row.get("design") == "linear" else "")),
        ("AIC, plan spline" if fr else "AIC, spline design", _sig(row.get("aic_spline"), lang, 6) + (chosen if row.get("design") == "spline" else "")),
        ("σ²ᵤ (variance entre EPCI, utilisée)" if fr else "σ²ᵤ (between-EPCI variance, used)", _sig(row.get("sigma2_u"), lang)),
        ("σ²ᵤ du REML" if fr else "σ²ᵤ from REML", _sig(row.get("sigma2_reml"), lang)),
        (
            "Ajusté (REML de Li et Lahiri)" if fr else "Adjusted (Li and Lahiri's REML)",
            ("oui : le REML donnait 0" if fr else "yes: REML gave 0") if adjusted else ("non" if fr else "no"),
        ),
        ("R² des covariables" if fr else "R² of the covariates", _sig(row.get("r2"), lang, 2)),
        (
            f"Corrélation directe – modèle (EPCI avec n ≥ {CORRELATION_N})" if fr else f"Direct – model correlation (EPCIs with n ≥ {CORRELATION_N})",
            f"{_sig(row.get('correlation'), lang, 2)} ({_count(row.get('correlation_areas'))} EPCI{'' if fr else 's'})",
        ),
        ("EPCI avec des répondants" if fr else "EPCIs with respondents", _count(row.get("areas"))),
        ("EPCI calés sur un chiffre direct (benchmarking)" if fr else "EPCIs benchmarked to a direct figure", _count(row.get("benchmarked_areas"))),
    ]  # fmt: skip
    if logit:
        out += [
            ("Effet de plan (proportions)" if fr else "Design effect (shares)", _sig(row.get("design_effect"), lang)),
            ("Itérations (PQL)" if fr else "Iterations (PQL)", _count(row.get("iterations"))),
        ]
    return out


def _count(x: object) -> str:
    return "—" if x is None or pd.isna(x) else str(int(x))


def shape_reading(skewness: float, kurtosis: float, shapiro_p: float, lang: str) -> str:
    """This distribution's reading: symmetry, tails and the normality test, in words."""
    fr = lang == "fr"
    if any(pd.isna(x) for x in (skewness, kurtosis, shapiro_p)):
        return "Trop peu de valeurs pour juger." if fr else "Too few values to judge."
    if abs(skewness) < SKEW_MILD:
        symmetry = "à peu près symétrique" if fr else "roughly symmetric"
    elif abs(skewness) < SKEW_MARKED:
        symmetry = "modérément asymétrique" if fr else "moderately skewed"
    else:
        symmetry = "nettement asymétrique" if fr else "markedly skewed"
    if abs(kurtosis - KURTOSIS_NORMAL) <= KURTOSIS_BAND:
        tails = "queues proches d'une loi normale" if fr else "tails close to a normal's"
    elif kurtosis > KURTOSIS_NORMAL:
        tails = (
            "queues épaisses (plus d'EPCI extrêmes que sous une loi normale)"
            if fr
            else "heavy tails (more extreme EPCIs than under a normal)"
        )
    else:
        tails = "queues minces" if fr else "light tails"
    p = i18n.p_equals(shapiro_p, lang)
    if shapiro_p < ALPHA:
        test = f"normalité rejetée ({p})" if fr else f"normality rejected ({p})"
    else:
        test = f"normalité non rejetée ({p})" if fr else f"normality not rejected ({p})"
    return f"{symmetry[0].upper()}{symmetry[1:]}, {tails}, {test}."


def shapes(row: dict, lang: str) -> tuple[Shape, Shape]:
    """The residuals' and the random effects' shape, with their readings."""
    fr = lang == "fr"
    labels = {
        "residuals": ("Résidus standardisés", "Standardised residuals"),
        "effects": ("Effets aléatoires standardisés", "Standardised random effects"),
    }
    out = []
    for key, prefix in (("residuals", "residual"), ("effects", "effect")):
        s, k, p = (_float(row.get(f"{prefix}_{x}")) for x in ("skewness", "kurtosis", "shapiro_p"))
        out.append(Shape(key, labels[key][0 if fr else 1], s, k, p, shape_reading(s, k, p, lang)))
    return out[0], out[1]


def _float(x: object) -> float:
    return float(x) if x is not None and not pd.isna(x) else math.nan


def shape_explanations(logit: bool, lang: str) -> list[tuple[str, str]]:
    """One sentence on how to read each statistic of the shape table (emdi users asked for them)."""
    fr = lang == "fr"
    scale = (
        (
            " (sur l'échelle du modèle : le logit de travail pour une proportion)"
            if fr
            else " (on the model's scale: the working logit of a share)"
        )
        if logit
        else ""
    )
    if fr:
        return [
            ("Résidus", f"(directe − prédiction du modèle) / √ψ pour chaque EPCI avec répondants{scale} : ils vérifient l'hypothèse faite sur l'erreur d'échantillonnage."),
            ("Effets aléatoires", "ûᵢ / σ̂ᵤ : l'écart propre à chaque EPCI, que le modèle suppose normal ; des queues épaisses disent que quelques EPCI s'écartent beaucoup de la régression."),
            ("Asymétrie", f"0 pour une loi normale ; au-delà de ±{i18n.number(SKEW_MARKED, 0, lang)}, la distribution penche nettement d'un côté et l'hypothèse normale est douteuse."),
            ("Aplatissement (kurtosis)", "3 pour une loi normale ; au-dessus, les valeurs extrêmes sont plus fréquentes que le modèle ne le suppose (queues épaisses), au-dessous, moins."),
            ("Shapiro–Wilk p", "teste la normalité : une p-valeur sous 0,05 la rejette ; sur un millier d'EPCI, le test rejette des écarts minimes : lisez-le avec l'asymétrie et l'aplatissement."),
        ]  # fmt: skip
    return [
        ("Residuals", f"(direct − model prediction) / √ψ for each EPCI with respondents{scale}: they check the assumption made on the sampling error."),
        ("Random effects", "ûᵢ / σ̂ᵤ: each EPCI's own departure, which the model assumes normal; heavy tails say that a few EPCIs depart a lot from the regression."),
        ("Skewness", f"0 for a normal; beyond ±{i18n.number(SKEW_MARKED, 0, lang)}, the distribution leans clearly to one side and the normal assumption is doubtful."),
        ("Kurtosis", "3 for a normal; above, extreme values are more frequent than the model assumes (heavy tails), below, less."),
        ("Shapiro–Wilk p", "tests normality: a p-value below 0.05 rejects it; on a thousand EPCIs the test rejects tiny departures: read it with the skewness and kurtosis."),
    ]  # fmt: skip


def brown(row: dict, lang: str) -> Brown:
    """Brown's test (W, df, p) and its reading."""
    fr = lang == "fr"
    w, p = _float(row.get("brown_w")), _float(row.get("brown_p"))
    df = 0 if row.get("brown_df") is None or pd.isna(row.get("brown_df")) else int(row["brown_df"])
    if df == 0 or pd.isna(p):
        reading = (
            f"Test impossible : aucun EPCI n'a de chiffre direct publié (n ≥ {PUBLISHED_N}) dans cette cellule."
            if fr
            else f"No test: no EPCI has a published direct figure (n ≥ {PUBLISHED_N}) in this cell."
        )
    elif p < ALPHA:
        reading = (
            f"Le modèle s'écarte des estimations directes publiées ({i18n.p_equals(p, lang)}) : à examiner avant d'utiliser ses chiffres."
            if fr
            else f"The model departs from the published direct estimates ({i18n.p_equals(p, lang)}): look into it before using its figures."
        )
    else:
        reading = (
            f"Aucun écart détecté entre le modèle et les estimations directes publiées ({i18n.p_equals(p, lang)})."
            if fr
            else f"No departure detected between the model and the published direct estimates ({i18n.p_equals(p, lang)})."
        )
    return Brown(w, df, p, reading)


def brown_explanation(lang: str) -> str:
    """How Brown's test is computed and why it is conservative."""
    if lang == "fr":
        return (
            f"W = Σ (directe − modèle)² / (variance directe + EQM du modèle), sur les EPCI dont le chiffre direct est "
            f"publié (n ≥ {PUBLISHED_N}), comparé à une loi du χ² à autant de degrés de liberté que d'EPCI. Une petite "
            "p-valeur dit que le modèle s'écarte de l'enquête là où elle est informative. Le test est conservateur : "
            "l'estimation par modèle contient l'estimation directe (sa part γ), les deux sont donc corrélées alors que "
            "le dénominateur additionne leurs variances ; W est plutôt petit et p plutôt grande. Une petite p est un "
            "signal sérieux ; une grande p ne prouve pas que le modèle est juste."
        )
    return (
        f"W = Σ (direct − model)² / (direct variance + model MSE), over the EPCIs whose direct figure is published "
        f"(n ≥ {PUBLISHED_N}), compared with a χ² distribution with as many degrees of freedom as EPCIs. A small "
        "p-value says the model departs from the survey where the survey is informative. The test is conservative: "
        "the model estimate contains the direct one (its share γ), so the two are correlated while the denominator "
        "adds their variances; W tends to be small and p large. A small p is a serious signal; a large p does not "
        "prove the model right."
    )
