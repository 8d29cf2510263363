"""Pairwise significance between territories of any level.

Two territories that share no respondent are independent samples: z = (R_a − R_b) / √(V_a + V_b).
When they overlap (a commune and its département, an EPCI straddling a département border), the
inner one is compared with the rest of the other (without the inner one's respondents), so that
the two samples stay disjoint; ``basis`` says which side was reduced.

A page that shows many such tests at once adjusts their p-values for multiple testing with
:func:`holm` (Holm–Bonferroni step-down, which controls the family-wise error rate under any
dependence between the tests: they share territories, so they are not independent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.stats.engine import GROUPS_LEVEL, Query, StatsEngine
from observatory.stats.finalize import Z95, decide, z_test

Territory = tuple[str, str]  # (level, code)


def pairwise(
    engine: StatsEngine,
    base: Query,
    estimates: dict[Territory, pd.DataFrame],
    overlaps: dict[frozenset, Territory],
    min_n: int = ref.DEFAULT_MIN_N,
) -> pd.DataFrame:
    """Every pair's difference with its 95 % CI, p-value and verdict, per measure and statistic.

    The verdict here is each test's own at 5 %; :func:`adjust_family` redoes it on the
    Holm-adjusted p-values of a family of tests.

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
            shown = (ea["reliability"] != "suppressed") & (eb["reliability"] != "suppressed")
            p, verdict = z_test(diff.to_numpy(float), se.to_numpy(float), "a_higher", "b_higher", shown.to_numpy())
            testable = verdict != "not_tested"
            frame = pd.DataFrame(
                {
                    "territory_a": f"{a[0]}:{a[1]}",
                    "territory_b": f"{b[0]}:{b[1]}",
                    "basis": basis,
                    "difference": diff.where(testable),
                    "se_difference": se.where(testable),
                    "ci_low": (diff - Z95 * se).where(testable),
                    "ci_high": (diff + Z95 * se).where(testable),
                    "p_value": pd.Series(p, index=diff.index),
                    "verdict": verdict,
                }
            )
            rows.append(frame.reset_index())
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _sorted_finite(p_values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The p-values as floats, an output of NaNs of their shape, and the finite ones' positions sorted."""
    p = np.asarray(p_values, dtype=float)
    finite = np.flatnonzero(np.isfinite(p))
    return p, np.full(p.shape, np.nan), finite[np.argsort(p[finite], kind="stable")]


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (step-up), in the order given.

    With the m finite p-values sorted, p(1) ≤ … ≤ p(m), the adjusted value of p(i) is
    min over j ≥ i of min(1, m · p(j) / j): stating the tests whose adjusted value is below q keeps
    the expected share of false statements among those made below q (Benjamini & Hochberg 1995;
    valid under positive regression dependence, Benjamini & Yekutieli 2001, as for the correlated
    domains of one respondent). When no difference is real, any statement is a false one: the
    chance of stating anything at all is then below q too. Missing values (tests not performed)
    stay missing and do not count in m.
    """
    p, out, order = _sorted_finite(p_values)
    m = len(order)
    scaled = p[order] * m / np.arange(1, m + 1)
    # Never below the raw value: p·m/m can come out one ulp under p in floating point.
    out[order] = np.maximum(p[order], np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1]))
    return out


def holm(p_values) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values, in the order given.

    With the m finite p-values sorted, p(1) ≤ … ≤ p(m), the adjusted value of p(i) is
    max over j ≤ i of min(1, (m − j + 1) · p(j)): rejecting where it is below α keeps the
    probability of any false rejection in the family below α. Missing values (tests not
    performed) stay missing and do not count in m.

    Args:
        p_values: raw p-values (NaN for a test not performed).

    Returns:
        The adjusted p-values, same length and order.
    """
    p, out, order = _sorted_finite(p_values)
    m = len(order)
    steps = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out


def adjust_family(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with ``p_holm`` over all their tests as one family, and the verdict on it.

    Args:
        pairs: rows of :func:`pairwise` (any subset: the family is exactly these rows).

    Returns:
        A copy with ``p_holm`` and ``verdict`` recomputed at 5 % on ``p_holm`` (untested rows
        keep ``not_tested``).
    """
    if pairs.empty:
        return pairs.assign(p_holm=pd.Series(dtype=float))
    adjusted, verdict = decide(
        holm(pairs["p_value"].to_numpy()), pairs["difference"].to_numpy(), "a_higher", "b_higher"
    )
    out = pairs.copy()
    out.insert(out.columns.get_loc("p_value") + 1, "p_holm", adjusted)
    out["verdict"] = verdict
    return out
