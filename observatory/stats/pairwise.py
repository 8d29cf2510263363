"""Pairwise significance between territories of any level.

Two territories that share no respondent are independent samples: z = (R_a − R_b) / √(V_a + V_b).
When they overlap (a commune and its département, an EPCI straddling a département border), the
inner one is compared with the rest of the other (without the inner one's respondents), so that
the two samples stay disjoint; ``basis`` says which side was reduced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from observatory.stats.engine import GROUPS_LEVEL, Query, StatsEngine
from observatory.stats.finalize import ALPHA

Territory = tuple[str, str]  # (level, code)


def pairwise(
    engine: StatsEngine,
    base: Query,
    estimates: dict[Territory, pd.DataFrame],
    overlaps: dict[frozenset, Territory],
    min_n: int = 30,
) -> pd.DataFrame:
    """Every pair's difference, z, p-value and verdict, per measure and statistic.

    Args:
        engine: the statistics engine.
        base: the indicator, wave, survey (and measures) to compare; its level is ignored.
        estimates: each territory's rows from the statistics layer (one per measure × statistic).
        overlaps: for each pair of territories sharing communes, the inner one (compared with the
            rest of the other).
        min_n: suppression threshold; a pair with a suppressed side is not tested.
    """
    keys = ["measure", "statistic"]
    rows = []
    territories = list(estimates)
    for i, a in enumerate(territories):
        for b in territories[i + 1 :]:
            ea, eb = estimates[a].set_index(keys), estimates[b].set_index(keys)
            basis = "both"
            inner = overlaps.get(frozenset((a, b)))
            if inner is not None:
                outer = b if inner == a else a
                groups = (("inner", *inner), ("outer", *outer))
                q = Query(
                    base.indicator, base.wave, base.survey, GROUPS_LEVEL, base.measures, base.size_class, groups=groups
                )
                g = engine.estimate(q, min_n)
                rest = g[g["territory_code"] == "outer"].set_index(keys)
                if inner == a:
                    eb, basis = rest, "rest_of_b"
                else:
                    ea, basis = rest, "rest_of_a"
            diff = ea["estimate"] - eb["estimate"]
            se = np.sqrt(ea["se"] ** 2 + eb["se"] ** 2)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = diff / se
            p = 2 * ndtr(-np.abs(z))
            testable = (ea["reliability"] != "suppressed") & (eb["reliability"] != "suppressed") & np.isfinite(p)
            verdict = np.where(
                ~testable,
                "not_tested",
                np.where(p < ALPHA, np.where(diff > 0, "a_higher", "b_higher"), "not_significant"),
            )
            frame = pd.DataFrame(
                {
                    "territory_a": f"{a[0]}:{a[1]}",
                    "territory_b": f"{b[0]}:{b[1]}",
                    "basis": basis,
                    "difference": diff.where(testable),
                    "se_difference": se.where(testable),
                    "p_value": pd.Series(p, index=diff.index).where(testable),
                    "verdict": verdict,
                }
            )
            rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
