"""Confidence sets for ranks (Mogstad, Romano, Shaikh & Wilhelm 2024, *Review of Economic Studies*).

A rank is a statement about every peer at once: "3e sur 83" says that 2 peers are higher and 80
lower. The set of ranks compatible with the data is read from the pairwise differences: peer j is
*surely higher* than territory i when θ̂ⱼ − θ̂ᵢ exceeds c · σᵢⱼ, where σᵢⱼ = √(Σᵢᵢ + Σⱼⱼ − 2Σᵢⱼ)
and c is a critical value that holds for all the differences at once (the 95 % quantile of the
largest standardised difference of draws Z ~ N(0, Σ)); then

    rank_low = 1 + #{j surely higher},   rank_high = p − #{j surely lower}    (1 = the highest).

The Romano–Wolf step-down recomputes c over the differences not yet rejected until nothing new is
rejected: sharper sets, the same guarantee. The **marginal** set (one territory: the differences
with it) covers that territory's true rank with probability ≥ 95 %; the **simultaneous** sets (all
ordered pairs in one family) cover every territory's true rank at once with probability ≥ 95 %,
which is what a table of several ranks needs. A parametric bootstrap of the simulated ranks
(the previous method) has no such guarantee and covered as little as 14 % for some territories.

Port of csranks' ``csranks_marg`` and ``csranks_simul`` (two-sided, step-down), pure numpy; the
draws come from a fixed seed, so that a page gives the same set at every visit.

For a large peer set (an EPCI among the 1,248 modelled EPCIs) :func:`marginal_holm` takes Holm's
step-down over the p − 1 differences instead of simulated critical values: valid under any
dependence (so also for model estimates, whose errors are correlated through the regression),
deterministic, O(p log p), and nearly as sharp when p is large (Bonferroni's 3.9–4.0 against the
simulated maximum's 3.8 for p = 1,248).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DRAWS = 2000
SEED = 20_261_206
LEVEL = 0.95
CHUNK = 200_000  # pairs × draws handled at once for the simultaneous sets (memory)


@dataclass(frozen=True)
class RankSet:
    """A rank (1 = highest estimate) among ``peers`` and its confidence set [low, high]."""

    rank: int
    low: int
    high: int
    peers: int


def _draws(ses: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Z ~ N(0, diag(se²)): disjoint samples, independent sampling errors (draws × p)."""
    return np.random.default_rng(seed).standard_normal((draws, len(ses))) * ses


def marginal(estimates, ses, target: int, draws: int = DRAWS, seed: int = SEED, level: float = LEVEL) -> RankSet:
    """The marginal confidence set of ``estimates[target]``'s rank (two-sided, step-down)."""

    def rejected_of(est: np.ndarray, se: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sigma = np.sqrt(se[others] ** 2 + se[target] ** 2)
        sigma = np.where(sigma > 0, sigma, np.finfo(float).tiny)
        t = (est[others] - est[target]) / sigma
        z = _draws(se, draws, seed)
        zt = np.abs((z[:, others] - z[:, [target]]) / sigma)  # draws × (p − 1)
        active = np.ones(len(others), dtype=bool)
        rejected = np.zeros(len(others), dtype=bool)
        while active.any():
            c = np.quantile(zt[:, active].max(axis=1), level)
            new = active & (np.abs(t) > c)
            if not new.any():
                break
            rejected |= new
            active &= ~new
        return t, rejected

    return _marginal(estimates, ses, target, rejected_of)


def marginal_holm(estimates, ses, target: int, level: float = LEVEL) -> RankSet:
    """The marginal confidence set of ``estimates[target]``'s rank by Holm's step-down.

    Each difference θ̂ⱼ − θ̂ᵢ gets its two-sided p-value against σᵢⱼ = √(seᵢ² + seⱼ²); peer j is
    surely above (or below) when its Holm-adjusted p-value is below 1 − ``level``.
    """

    def rejected_of(est: np.ndarray, se: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = _t(est[others] - est[target], np.sqrt(se[others] ** 2 + se[target] ** 2))
        return t, _holm_rejected(t, level)

    return _marginal(estimates, ses, target, rejected_of)


def _marginal(estimates, ses, target: int, rejected_of) -> RankSet:
    """A marginal set from the differences with the target that ``rejected_of`` finds sure."""
    est = np.asarray(estimates, float)
    se = np.clip(np.nan_to_num(np.asarray(ses, float)), 0, None)
    p = len(est)
    rank = 1 + int((est > est[target]).sum())
    others = np.flatnonzero(np.arange(p) != target)
    if len(others) == 0:
        return RankSet(1, 1, 1, 1)
    t, rejected = rejected_of(est, se, others)
    higher = int((rejected & (t > 0)).sum())
    lower = int((rejected & (t < 0)).sum())
    return RankSet(rank, 1 + higher, p - lower, p)


def simultaneous(estimates, ses, draws: int = DRAWS, seed: int = SEED, level: float = LEVEL) -> list[RankSet]:
    """Every territory's confidence set, jointly at ``level`` (all pairs one family, step-down)."""

    def rejected_of(est: np.ndarray, se: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sigma = np.sqrt(se[i] ** 2 + se[j] ** 2)
        sigma = np.where(sigma > 0, sigma, np.finfo(float).tiny)
        t = (est[i] - est[j]) / sigma  # > 0: i higher than j
        z = _draws(se, draws, seed)
        active = np.ones(len(i), dtype=bool)
        rejected = np.zeros(len(i), dtype=bool)
        while active.any():
            c = np.quantile(_max_abs(z, i[active], j[active], sigma[active]), level)
            new = active & (np.abs(t) > c)
            if not new.any():
                break
            rejected |= new
            active &= ~new
        return t, rejected

    return _simultaneous(estimates, ses, rejected_of)


def _simultaneous(estimates, ses, rejected_of) -> list[RankSet]:
    """Every territory's set from the pairs (i < j) that ``rejected_of`` finds sure."""
    est = np.asarray(estimates, float)
    se = np.clip(np.nan_to_num(np.asarray(ses, float)), 0, None)
    p = len(est)
    if p == 1:
        return [RankSet(1, 1, 1, 1)]
    i, j = np.triu_indices(p, k=1)
    t, rejected = rejected_of(est, se, i, j)
    higher_than = np.zeros(p, dtype=int)  # how many peers each territory is surely above
    lower_than = np.zeros(p, dtype=int)  # how many peers are surely above it
    np.add.at(higher_than, i[rejected & (t > 0)], 1)
    np.add.at(lower_than, j[rejected & (t > 0)], 1)
    np.add.at(higher_than, j[rejected & (t < 0)], 1)
    np.add.at(lower_than, i[rejected & (t < 0)], 1)
    ranks = 1 + (est[None, :] > est[:, None]).sum(axis=1)
    return [RankSet(int(ranks[k]), 1 + int(lower_than[k]), p - int(higher_than[k]), p) for k in range(p)]


def _max_abs(z: np.ndarray, i: np.ndarray, j: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Max over the pairs of |Zᵢ − Zⱼ| / σᵢⱼ, for each draw (in chunks of pairs)."""
    out = np.zeros(z.shape[0])
    step = max(1, CHUNK // z.shape[0])
    for start in range(0, len(i), step):
        sl = slice(start, start + step)
        out = np.maximum(out, (np.abs(z[:, i[sl]] - z[:, j[sl]]) / sigma[sl]).max(axis=1))
    return out


def simultaneous_holm(estimates, ses, level: float = LEVEL) -> list[RankSet]:
    """Every territory's confidence set, jointly at ``level``: Holm's step-down over all pairs.

    Valid under any dependence between the estimates (the small-area model's), deterministic, and
    O(p² log p): for the 1,248 modelled EPCIs, 777,000 pairs in well under a second.
    """

    def rejected_of(est: np.ndarray, se: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = _t(est[i] - est[j], np.sqrt(se[i] ** 2 + se[j] ** 2))
        return t, _holm_rejected(t, level)

    return _simultaneous(estimates, ses, rejected_of)


def _t(diff: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Standardised differences; a difference with no error is infinitely sure (0 stays 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sigma > 0, diff / sigma, np.sign(diff) * np.inf)


def _holm_rejected(t: np.ndarray, level: float) -> np.ndarray:
    """Which two-sided z-tests Holm's step-down rejects at 1 − ``level``.

    The one Holm of the project: :func:`observatory.stats.pairwise.holm`.
    """
    from scipy.special import ndtr

    from observatory.stats.pairwise import holm

    return holm(2 * ndtr(-np.abs(np.nan_to_num(t)))) < 1 - level
