"""A zone's figure from the small-area model: its EPCIs' model estimates, weighted by its communes' population.

The model estimates EPCIs (communes are not modelled: a commune's figure is its EPCI's). A zone's
model figure is the population-weighted mean of the model estimates of the EPCIs its communes
belong to, each weighted by the population of the zone's communes in it:

    θ̃_Z = Σₑ wₑ θ̃ₑ,   wₑ = population of the zone's communes in EPCI e / population of the zone.

Its error: the EPCIs' model errors are correlated (they share the regression's coefficients and
the benchmarking to the départements), and the covariance of those errors is not stored. The
interval uses the bound that holds whatever the correlation (Cauchy–Schwarz):
√MSE(θ̃_Z) ≤ Σₑ wₑ √MSEₑ, which is exact when the errors are perfectly correlated and otherwise
wider than the truth — conservative, never understated. The figure assumes, as the commune's profile
does, that the part of an EPCI inside the zone is like the whole EPCI: it is labelled as the
model's, with the EPCIs it comes from, and shown only where the zone's own survey estimate is not
reliable. A cell is left blank unless every EPCI of the zone has a model figure for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.data.service import Observatory
from observatory.stats.finalize import Z95
from observatory.stats.sae import MODEL_STATUSES

MODEL_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "measure", "statistic", "model_estimate", "model_ci_low", "model_ci_high",
    "model_rmse_bound", "model_epcis",
)  # fmt: skip
SHARES = ("share", "priority_share", "share_among_partners")  # statistics bounded by [0, 1]


def epci_weights(obs: Observatory, codes: tuple[str, ...]) -> pd.Series:
    """Each EPCI's weight in the zone: the population of the zone's communes in it, over the zone's."""
    communes = obs.territories("commune").set_index("code").reindex(list(codes))
    pop = communes["population"].fillna(0).astype(float)
    by_epci = pop.groupby(communes["epci_code"]).sum()
    total = by_epci.sum()
    return by_epci / total if total > 0 else by_epci.iloc[:0]


def zone_model(obs: Observatory, codes: tuple[str, ...], cells: list[tuple[str, str, int]]) -> pd.DataFrame:
    """The zone's model figure in every cell of the (indicator, survey, wave) ``cells`` where it has one.

    Columns :data:`MODEL_COLUMNS`; ``model_epcis`` is the number of EPCIs combined.
    """
    weights = epci_weights(obs, codes)
    if weights.empty or not hasattr(obs, "sae"):
        return pd.DataFrame(columns=list(MODEL_COLUMNS))
    frames = []
    for indicator, survey, wave in cells:
        model = obs.sae(survey, wave, indicator, territories=tuple(weights.index))
        model = model[model["sae_status"].isin(MODEL_STATUSES) & model["estimate"].notna() & model["se"].notna()]
        frames.append(_combine(model, weights).assign(indicator=indicator, survey=survey, wave=wave))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(MODEL_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(MODEL_COLUMNS)]


def _combine(model: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Per (measure, statistic): the weighted estimate and the bound, where every EPCI of the zone has one."""
    rows = []
    for (measure, statistic), part in model.groupby(["measure", "statistic"], sort=False):
        part = part.set_index("territory_code").reindex(weights.index)
        if part["estimate"].isna().any():
            continue  # an EPCI of the zone without a model figure: no figure for the zone
        w = weights.to_numpy(float)
        estimate = float(w @ part["estimate"].to_numpy(float))
        bound = float(w @ part["se"].to_numpy(float))
        low, high = estimate - Z95 * bound, estimate + Z95 * bound
        if statistic in SHARES:
            low, high = max(low, 0.0), min(high, 1.0)
        rows.append((measure, statistic, estimate, low, high, bound, int(np.count_nonzero(w))))
    columns = ["measure", "statistic", "model_estimate", "model_ci_low", "model_ci_high", "model_rmse_bound"]
    return pd.DataFrame(rows, columns=[*columns, "model_epcis"])
