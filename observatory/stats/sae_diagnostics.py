"""The diagnostics of each small-area fit, as R's emdi gives them (Kreutzmann et al. 2019).

One row per modelled cell (table ``sae_diagnostics``), computed at load from the chosen fit:

- standardised realised residuals (yᵢ − η̂ᵢ)/√ψᵢ and standardised random effects ûᵢ/σ̂ᵤ, on the
  model's scale (the working logit for shares): skewness, kurtosis (3 for a normal) and the
  Shapiro–Wilk p-value of each;
- R² of the covariates: 1 − σ̂²ᵤ / σ̂²ᵤ,₀, σ̂²ᵤ,₀ the area variance of the same data with an
  intercept only (the share of the between-EPCI variance the covariates explain);
- Brown et al.'s (2001) test of the model against the direct estimates, on the EPCIs the direct
  figure is published for (n ≥ 30, non-zero variance): W = Σ (direct − model)² / (var + MSE),
  χ² with as many degrees of freedom as EPCIs; a small p-value says the model departs from the
  survey where the survey is informative;
- the correlation of direct and model estimates where n ≥ 10;
- the design chosen, both AICs, σ²ᵤ (REML and used), the design effect of shares, iterations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.stats import fayherriot

PUBLISHED_N = 30  # Brown's test: the EPCIs whose direct figure is published (min_n's default)
CORRELATION_N = 10
DIAGNOSTIC_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "measure", "statistic", "link", "design", "aic_linear", "aic_spline",
    "sigma2_u", "sigma2_reml", "adjusted", "design_effect", "iterations", "areas", "r2",
    "residual_skewness", "residual_kurtosis", "residual_shapiro_p",
    "effect_skewness", "effect_kurtosis", "effect_shapiro_p",
    "brown_w", "brown_df", "brown_p", "correlation", "correlation_areas", "benchmarked_areas",
)  # fmt: skip


def _shape(values: np.ndarray) -> tuple[float, float, float]:
    """Skewness, kurtosis (normal: 3) and the Shapiro–Wilk p-value (NaN below 3 values)."""
    from scipy import stats  # the load's diagnostics only: 47 MB a web worker never needs

    values = values[np.isfinite(values)]
    if len(values) < 3 or np.ptp(values) == 0:
        return np.nan, np.nan, np.nan
    sample = values if len(values) <= 5000 else values[:: int(np.ceil(len(values) / 5000))]
    return float(stats.skew(values)), float(stats.kurtosis(values, fisher=False)), float(stats.shapiro(sample).pvalue)


def of_cell(chosen, sampled: np.ndarray, n: np.ndarray, direct: np.ndarray, direct_var: np.ndarray, out: dict) -> dict:
    """The diagnostics of one cell's chosen fit (see the module), as a dict of scalars."""
    from scipy import stats  # as in _shape

    model = chosen.model
    x = chosen.x_all[sampled]
    residuals = (chosen.y - model.estimate) / np.sqrt(chosen.psi)
    effects = (model.estimate - x @ model.beta) / np.sqrt(model.sigma2_u)
    try:
        null = fayherriot.fit(chosen.y, chosen.psi, np.ones((len(chosen.y), 1)))
        r2 = float(np.clip(1 - model.sigma2_u / null.sigma2_u, 0, 1)) if null.sigma2_u > 0 else np.nan
    except (np.linalg.LinAlgError, ValueError):
        r2 = np.nan
    estimate, mse = out["estimate"], out["mse"]
    published = sampled & (n >= PUBLISHED_N) & (direct_var > 0) & np.isfinite(estimate)
    w = float(np.sum((direct[published] - estimate[published]) ** 2 / (direct_var[published] + mse[published])))
    df = int(published.sum())
    paired = sampled & (n >= CORRELATION_N) & np.isfinite(estimate)
    corr = float(np.corrcoef(direct[paired], estimate[paired])[0, 1]) if paired.sum() >= 3 else np.nan
    res, eff = _shape(residuals), _shape(effects)
    return {
        "design": chosen.name, "aic_linear": chosen.aics.get("linear", np.nan),
        "aic_spline": chosen.aics.get("spline", np.nan), "sigma2_u": model.sigma2_u,
        "sigma2_reml": model.sigma2_reml, "adjusted": bool(model.adjusted), "design_effect": chosen.design_effect,
        "iterations": int(chosen.iterations), "areas": int(sampled.sum()), "r2": r2,
        "residual_skewness": res[0], "residual_kurtosis": res[1], "residual_shapiro_p": res[2],
        "effect_skewness": eff[0], "effect_kurtosis": eff[1], "effect_shapiro_p": eff[2],
        "brown_w": w if df else np.nan, "brown_df": df, "brown_p": float(stats.chi2.sf(w, df)) if df else np.nan,
        "correlation": corr, "correlation_areas": int(paired.sum()),
    }  # fmt: skip


def table(rows: list[dict]) -> pd.DataFrame:
    """The ``sae_diagnostics`` table from the cells' dicts (columns :data:`DIAGNOSTIC_COLUMNS`)."""
    frame = pd.DataFrame(rows).reindex(columns=list(DIAGNOSTIC_COLUMNS))
    if len(frame):
        frame["wave"] = frame["wave"].astype("int64")
    return frame
