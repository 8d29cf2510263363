"""From estimates and variances to what is shown: CI, effective n, reliability, significance.

Vectorised over all cells at once (numpy), after the database has done the sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
LOW_N = 100  # below this many respondents a cell is "low" reliability
MAX_RSE = 0.30  # relative standard error above which a cell is "low" reliability
ALPHA = 0.05

RELIABILITY = ("ok", "low", "suppressed")
# The most respondents of a territory of a finer level wholly inside a territory, per cell (NaN: none;
# :func:`observatory.stats.precompute.with_inner_counts`). A territory whose respondents are those
# of one inside it but for fewer than min_n is not shown: the difference of the two published
# figures would isolate those few (the zones' rule, observatory/stats/zone_guard.py, between levels).
INNER_COLUMN = "n_inner"
SIGNIFICANCE = ("above", "below", "not_significant", "not_tested")
VALUE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value")
# The columns of every estimates table the statistics layer hands out (StatsEngine.estimate).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "level", "size_class", "territory_code", "territory_name",
    "measure", "statistic", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "reliability",
    "significance", "p_value", "estimate_rest",
)  # fmt: skip


def decide(
    p: np.ndarray, diff: np.ndarray, higher: str = "above", lower: str = "below", testable: np.ndarray | bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The verdicts at :data:`ALPHA` of tests, from their p-values and the signs of their differences.

    Returns the p-values of the tests made (NaN elsewhere) and their verdicts: ``higher``,
    ``lower`` or ``not_significant``; ``not_tested`` where ``testable`` is False (a side below
    ``min_n``, a suppressed cell) or the p-value is not a number.
    """
    p, diff = np.asarray(p, dtype=float), np.asarray(diff, dtype=float)
    tested = np.asarray(testable, dtype=bool) & np.isfinite(p)
    verdict = np.where(p < ALPHA, np.where(diff > 0, higher, lower), "not_significant")
    return np.where(tested, p, np.nan), np.where(tested, verdict, "not_tested")


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """The two-sided normal p-value of a z statistic, 2Φ(−|z|): the one formula of every test."""
    return 2 * ndtr(-np.abs(z))


def z_test(
    diff: np.ndarray, se: np.ndarray, higher: str = "above", lower: str = "below", testable: np.ndarray | bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The one z-test of the observatory: a difference against its standard error, two-sided.

    Returns the p-values and the verdicts of :func:`decide`. Every test against a reference (the
    rest of France, the rest of the parent, the previous wave, another territory) goes through it.
    """
    diff = np.asarray(diff, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = two_sided_p(diff / np.asarray(se, dtype=float))
    return decide(p, diff, higher, lower, testable)


def _logit_ci(p: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CI of a proportion on the logit scale (it stays inside [0, 1])."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.log(p / (1 - p))
        half = Z95 * se / (p * (1 - p))
        lo = expit(lp - half)  # no overflow warning for a tiny SE
        hi = expit(lp + half)
    return lo, hi


def _wilson_ci(p: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval with the effective n, for p = 0 or 1 where the logit is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = Z95**2
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))  # exact bounds at the edges
    hi = np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


def nested(cells: pd.DataFrame, min_n: int) -> np.ndarray:
    """Where a territory's respondents are those of a shown territory inside it but for 1 to min_n − 1.

    The largest territory inside gives the smallest difference: if it is not shown (fewer than
    ``min_n``), no smaller one is. False for cells without :data:`INNER_COLUMN` (on-demand cells).
    """
    if INNER_COLUMN not in cells:
        return np.zeros(len(cells), dtype=bool)
    n = cells["n"].to_numpy(float)
    inner = cells[INNER_COLUMN].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return (inner >= min_n) & (n - inner > 0) & (n - inner < min_n)


def finalize(cells: pd.DataFrame, is_share: np.ndarray, min_n: int) -> pd.DataFrame:
    """Add se, CI, n_eff, reliability, significance and p-value; blank suppressed cells.

    ``cells`` has n, sum_w, sum_w2, estimate, var, n_rest, estimate_rest, var_rest (n may be 0
    for territories without respondents, the other columns then NaN), and for stored cells
    :data:`INNER_COLUMN` (suppressed by :func:`nested` too).
    """
    out = cells.copy()
    est = out["estimate"].to_numpy(float)
    se = np.sqrt(np.clip(out["var"].to_numpy(float), 0, None))
    n = out["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = out["sum_w"].to_numpy(float) ** 2 / out["sum_w2"].to_numpy(float)
    lo, hi = est - Z95 * se, est + Z95 * se
    share = np.asarray(is_share, dtype=bool)
    interior = share & (est > 0) & (est < 1) & (se > 0)
    llo, lhi = _logit_ci(est, se)
    wlo, whi = _wilson_ci(est, n_eff)
    edge = share & ~interior
    lo = np.where(interior, llo, np.where(edge, wlo, lo))
    hi = np.where(interior, lhi, np.where(edge, whi, hi))

    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.where(est != 0, se / np.abs(est), np.inf)
    suppressed = ~(n >= min_n) | nested(out, min_n)
    low = (n < LOW_N) | (rse > MAX_RSE)
    out["reliability"] = np.where(suppressed, "suppressed", np.where(low, "low", "ok"))

    se_rest = np.sqrt(np.clip(out["var_rest"].to_numpy(float), 0, None))
    diff = est - out["estimate_rest"].to_numpy(float)
    testable = ~suppressed & (out["n_rest"].to_numpy(float) >= min_n)
    p_value, out["significance"] = z_test(diff, np.sqrt(se**2 + se_rest**2), testable=testable)
    out["se"], out["ci_low"], out["ci_high"], out["n_eff"], out["p_value"] = se, lo, hi, n_eff, p_value
    for col in VALUE_COLUMNS:
        out[col] = out[col].where(~suppressed, np.nan)
    out["n"] = out["n"].astype("int64")
    return out
