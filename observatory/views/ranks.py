"""The ranks of a whole level for analysts: ``GET /api/v1/ranks/<indicator>`` and ``export ranks``.

For every (measure, statistic) of an export's table (:func:`observatory.export.export_table`, so
the same filters, checks and suppression), each ranked territory's rank (1 = the highest
estimate), its marginal 95 % confidence set (the set for one territory's sentence) and its
simultaneous one (every rank of the table at once: what a ranking or a table of ranks needs), by
:mod:`observatory.stats.ranks`:

- direct estimates: the territories whose cell is reliable are ranked (``peers``, of
  ``peers_total``); the sets of Mogstad, Romano, Shaikh & Wilhelm (2024) from simulated critical
  values up to :data:`SIMULATED_UP_TO` peers, Holm's step-down beyond (valid, deterministic,
  cheaper, a little wider);
- ``method=sae`` (EPCIs): every modelled EPCI is ranked on the small-area model's estimates with
  their root MSE; Holm's step-down (the model's errors are correlated: Holm holds under any
  dependence).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.stats import ranks as rank_sets
from observatory.stats.sae import MODEL_STATUSES

RANK_COLUMNS: tuple[str, ...] = (
    "territory_code", "territory_name", "survey", "wave", "indicator", "measure", "statistic", "method",
    "estimate", "se", "rank", "rank_low", "rank_high", "simultaneous_low", "simultaneous_high", "peers",
    "peers_total",
)  # fmt: skip
SIMULATED_UP_TO = 150  # peers beyond which the sets come from Holm's step-down (p² pairs × draws)


def rank_rows(table: pd.DataFrame, method: str = "direct") -> pd.DataFrame:
    """The ranks of every ranked territory of ``table`` (an export's tidy table), columns RANK_COLUMNS."""
    keys = ["measure", "statistic"]
    frames = []
    for (_measure, _statistic), cell in table.groupby(keys, sort=False, observed=True):
        if method == "sae":
            ranked = cell[cell["sae_status"].isin(MODEL_STATUSES) & cell["estimate"].notna() & cell["se"].notna()]
        else:
            ranked = cell[(cell["reliability"] == "ok") & cell["estimate"].notna() & cell["se"].notna()]
        if ranked.empty:
            continue
        frames.append(_cell_ranks(ranked, len(cell), method))
    if not frames:
        return pd.DataFrame(columns=list(RANK_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["measure", "statistic", "rank", "territory_code"], ignore_index=True)[list(RANK_COLUMNS)]


def _cell_ranks(ranked: pd.DataFrame, total: int, method: str) -> pd.DataFrame:
    est, se = ranked["estimate"].to_numpy(float), ranked["se"].to_numpy(float)
    simulated = method != "sae" and len(est) <= SIMULATED_UP_TO
    if simulated:
        marginal = [rank_sets.marginal(est, se, k) for k in range(len(est))]
        joint = rank_sets.simultaneous(est, se)
    else:
        marginal = [rank_sets.marginal_holm(est, se, k) for k in range(len(est))]
        joint = rank_sets.simultaneous_holm(est, se)
    first = ranked.iloc[0]
    return pd.DataFrame(
        {
            "territory_code": ranked["territory_code"].astype(str).to_numpy(),
            "territory_name": ranked["territory_name"].to_numpy() if "territory_name" in ranked else None,
            "survey": first.get("survey"),
            "wave": first.get("wave"),
            "indicator": first.get("indicator"),
            "measure": ranked["measure"].astype(str).to_numpy(),
            "statistic": ranked["statistic"].astype(str).to_numpy(),
            "method": method,
            "estimate": est,
            "se": se,
            "rank": np.array([r.rank for r in marginal]),
            "rank_low": np.array([r.low for r in marginal]),
            "rank_high": np.array([r.high for r in marginal]),
            "simultaneous_low": np.array([r.low for r in joint]),
            "simultaneous_high": np.array([r.high for r in joint]),
            "peers": len(est),
            "peers_total": total,
        }
    )
