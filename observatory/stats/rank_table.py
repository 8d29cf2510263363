"""The ranks of a whole level: stored at load (``rank_sets``), served to analysts and the portraits.

For every (measure, statistic) of a level's tidy table (an export's, :func:`observatory.exports.export.export_table`,
with its filters, checks and suppression; or the stored estimates, :mod:`etl.ranks`), each
ranked territory's rank (1 = the highest estimate), its marginal 95 % confidence set (the set for
one territory's sentence) and its simultaneous one (every rank of the table at once: what a
ranking or a table of ranks needs), by :mod:`observatory.stats.ranks`:

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

STORED_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "level", "method", "measure", "statistic", "territory_code", "estimate", "se",
    "rank", "rank_low", "rank_high", "simultaneous_low", "simultaneous_high", "peers", "peers_total",
)  # fmt: skip
RANK_COLUMNS: tuple[str, ...] = (
    "territory_code", "territory_name", "survey", "wave", "indicator", "measure", "statistic", "method",
    "estimate", "se", "rank", "rank_low", "rank_high", "simultaneous_low", "simultaneous_high", "peers",
    "peers_total",
)  # fmt: skip
STORED_LEVELS = ("region", "departement", "epci", "canton", "commune")  # the levels whose sets are stored at load
SIMULATED_UP_TO = 150  # peers beyond which the sets come from Holm's step-down (p² pairs × draws)


def stored_valid_for(min_n: int) -> bool:
    """Whether the stored sets (``rank_sets``, :mod:`etl.ranks`) hold for suppression threshold ``min_n``.

    A ranked cell is reliable, so it has at least ``LOW_N`` respondents; but which territories a
    nested one's figure would single out depends on ``min_n`` (:func:`observatory.stats.finalize.nested`):
    the stored sets are those of the default threshold only.
    """
    from observatory.core.reference import DEFAULT_MIN_N

    return min_n == DEFAULT_MIN_N


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


def cell_sets(est: np.ndarray, se: np.ndarray, method: str = "direct") -> dict[str, np.ndarray]:
    """Every territory's rank, marginal and simultaneous 95 % sets in one cell (arrays, in input order).

    Simulated critical values (Mogstad et al.) for direct estimates up to :data:`SIMULATED_UP_TO`
    peers; Holm's step-down beyond, and for the model's estimates (correlated errors).
    """
    if method != "sae" and len(est) <= SIMULATED_UP_TO:
        marginal, joint = rank_sets.marginal_all(est, se), rank_sets.simultaneous(est, se)
    else:
        marginal, joint = rank_sets.marginal_holm_all(est, se), rank_sets.simultaneous_holm(est, se)
    return {
        "rank": np.array([r.rank for r in marginal], dtype=int),
        "rank_low": np.array([r.low for r in marginal], dtype=int),
        "rank_high": np.array([r.high for r in marginal], dtype=int),
        "simultaneous_low": np.array([r.low for r in joint], dtype=int),
        "simultaneous_high": np.array([r.high for r in joint], dtype=int),
    }


def _cell_ranks(ranked: pd.DataFrame, total: int, method: str) -> pd.DataFrame:
    est, se = ranked["estimate"].to_numpy(float), ranked["se"].to_numpy(float)
    sets = cell_sets(est, se, method)
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
            **sets,
            "peers": len(est),
            "peers_total": total,
        }
    )
