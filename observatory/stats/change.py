"""Change between two waves of a survey: is the difference real?

Each wave is an independent sample, estimated by :class:`~observatory.stats.engine.StatsEngine`
with its own CI. The change of a cell is the difference of its two estimates; with independent
samples its variance is the sum of the two variances, so

    difference = estimate(to) − estimate(from),   se = √(se(from)² + se(to)²),
    95 % CI = difference ± 1.96 se,   p = 2 Φ(−|difference / se|)   (Wald test).

A change is suppressed (no value anywhere) when either wave's cell is suppressed, and of low
reliability when either is of low reliability. Shares change in points (0.05 = 5 points).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.stats.engine import InvalidQuery, Query, StatsEngine
from observatory.stats.finalize import Z95, z_test

CHANGE_COLUMNS: tuple[str, ...] = (
    "indicator", "wave_from", "wave_to", "survey", "level", "size_class", "territory_code", "territory_name",
    "measure", "statistic", "estimate_from", "estimate_to", "difference", "se", "ci_low", "ci_high", "n_from",
    "n_to", "reliability_from", "reliability_to", "reliability", "significance", "p_value",
)  # fmt: skip
CHANGE_SIGNIFICANCE: tuple[str, ...] = ("increase", "decrease", "not_significant")
KEYS = ["territory_code", "measure", "statistic"]


def change(
    engine: StatsEngine,
    query: Query,
    wave_to: int,
    min_n: int = ref.DEFAULT_MIN_N,
    territories: tuple[str, ...] | None = None,
    measures: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The change of every cell of ``query`` from its wave to ``wave_to`` (see the module docstring)."""
    if wave_to == query.wave:
        raise InvalidQuery("wave_to", wave_to, ("a wave other than wave_from",))
    before = engine.estimate(query, min_n, territories, measures)
    after = engine.estimate(dataclasses.replace(query, wave=wave_to), min_n, territories, measures)
    return compare_waves(before, after)


def compare_waves(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The change table of two estimate tables of the same cells at two waves."""
    right = after[[*KEYS, "wave", "estimate", "se", "n", "reliability"]]
    m = before.merge(right, on=KEYS, how="inner", suffixes=("_from", "_to"), validate="one_to_one")
    est_from, est_to = m["estimate_from"].to_numpy(float), m["estimate_to"].to_numpy(float)
    diff = est_to - est_from
    se = np.sqrt(m["se_from"].to_numpy(float) ** 2 + m["se_to"].to_numpy(float) ** 2)
    rel_from, rel_to = m["reliability_from"].to_numpy(), m["reliability_to"].to_numpy()
    suppressed = (rel_from == "suppressed") | (rel_to == "suppressed")
    low = (rel_from == "low") | (rel_to == "low")
    p_value, signif = z_test(diff, se, "increase", "decrease", testable=~suppressed)
    out = pd.DataFrame(
        {
            "indicator": m["indicator"].to_numpy(),
            "wave_from": m["wave_from"].to_numpy(),
            "wave_to": m["wave_to"].to_numpy(),
            "survey": m["survey"].to_numpy(),
            "level": m["level"].to_numpy(),
            "size_class": m["size_class"].to_numpy(),
            "territory_code": m["territory_code"].to_numpy(),
            "territory_name": m["territory_name"].to_numpy(),
            "measure": m["measure"].to_numpy(),
            "statistic": m["statistic"].to_numpy(),
            "estimate_from": est_from,
            "estimate_to": est_to,
            "difference": np.where(suppressed, np.nan, diff),
            "se": np.where(suppressed, np.nan, se),
            "ci_low": np.where(suppressed, np.nan, diff - Z95 * se),
            "ci_high": np.where(suppressed, np.nan, diff + Z95 * se),
            "n_from": m["n_from"].to_numpy(),
            "n_to": m["n_to"].to_numpy(),
            "reliability_from": rel_from,
            "reliability_to": rel_to,
            "reliability": np.where(suppressed, "suppressed", np.where(low, "low", "ok")),
            "significance": signif,
            "p_value": p_value,
        }
    )
    return out[list(CHANGE_COLUMNS)]


__all__ = ["CHANGE_COLUMNS", "CHANGE_SIGNIFICANCE", "change", "compare_waves"]
