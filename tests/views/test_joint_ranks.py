"""The ranks a profile's tables show together cover every true rank at once (≥ 95 %), on a known truth.

Each table row's marginal set covers its own rank 95 % of the time; K of them side by side cover
all K ranks far less often. :func:`portrait.joint_sets` (Holm at 1 − 0.05/K per row, widened to the
marginal set) must cover them all jointly in at least 95 % of replicates, whatever ties the rows.
Measured here on a known truth: K cells of p peers, the rows' errors correlated (the same
respondents answer every question), 400 replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from observatory.stats import ranks as rank_sets
from observatory.views import portrait

K, P, REPLICATES = 12, 40, 400
CODES = np.array([f"t{i:02d}" for i in range(P)])


def truth(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The hardest truth for a rank set: half the peers tied with the territory, the others spread.

    A set misses the true rank when it declares a tied peer surely above or below: each marginal set
    does so in about 5 % of samples, so that K of them miss at least once far more often.
    """
    theta = np.sort(rng.normal(0, 1, (K, P)), axis=1)
    theta[:, P // 4 : 3 * P // 4] = theta[:, [P // 2]]  # the middle half tied with the target (P // 2)
    se = rng.uniform(0.05, 0.3, (K, P))
    return theta, se


def replicate(theta, se, rng, target: int, rho: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sample: every peer's K estimates, errors correlated ``rho`` across the K cells of a territory."""
    common = rng.standard_normal(P)
    z = np.sqrt(rho) * common[None, :] + np.sqrt(1 - rho) * rng.standard_normal((K, P))
    est = theta + z * se
    peers = pd.DataFrame(
        {
            "survey": "s",
            "measure": np.repeat([f"m{k}" for k in range(K)], P),
            "statistic": "share",
            "method": "direct",
            "territory_code": np.tile(CODES, K),
            "estimate": est.ravel(),
            "se": se.ravel(),
        }
    )
    rows = []
    for k in range(K):
        r = rank_sets.marginal_holm(est[k], se[k], target)
        rows.append(("s", f"m{k}", "share", r.rank, r.low, r.high, r.peers, r.peers, "direct"))
    ranked = pd.DataFrame(rows, columns=[*portrait_columns()])
    return ranked, peers


def portrait_columns() -> list[str]:
    return ["survey", "measure", "statistic", "rank", "rank_low", "rank_high", "peers", "peers_total", "method"]


def true_ranks(theta: np.ndarray, target: int) -> np.ndarray:
    return 1 + (theta > theta[:, [target]]).sum(axis=1)


def test_the_joint_sets_cover_every_rank_at_once_at_least_95_percent():
    rng = np.random.default_rng(20261206)
    theta, se = truth(rng)
    target = P // 2  # a territory in the middle: the hardest to rank
    truth_k = true_ranks(theta, target)
    joint_cover, marginal_cover = 0, 0
    for _ in range(REPLICATES):
        ranked, peers = replicate(theta, se, rng, target)
        out = portrait.joint_sets(ranked, peers, CODES[target])
        joint_cover += bool(((out["joint_low"] <= truth_k) & (truth_k <= out["joint_high"])).all())
        marginal_cover += bool(((out["rank_low"] <= truth_k) & (truth_k <= out["rank_high"])).all())
    joint, marginal = joint_cover / REPLICATES, marginal_cover / REPLICATES
    assert joint >= 0.95, f"joint coverage {joint:.3f}"
    # the marginal sets side by side do not hold jointly as often: what the joint sets are for
    assert marginal < joint


def test_joint_sets_contain_the_marginal_sets_and_say_their_level():
    rng = np.random.default_rng(7)
    theta, se = truth(rng)
    ranked, peers = replicate(theta, se, rng, 3)
    out = portrait.joint_sets(ranked, peers, CODES[3])
    assert (out["joint_low"] <= out["rank_low"]).all() and (out["rank_high"] <= out["joint_high"]).all()
    assert out["joint_level"].iloc[0] == pytest.approx(1 - 0.05 / K)
    assert (out["joint_low"] < out["rank_low"]).any() or (out["joint_high"] > out["rank_high"]).any()


def test_a_row_without_its_peers_gets_the_whole_level():
    ranked = pd.DataFrame([("s", "m0", "share", 3, 2, 5, 10, 10, "direct")], columns=portrait_columns())
    out = portrait.joint_sets(ranked, ranked.iloc[:0].assign(territory_code=[], estimate=[], se=[]), "x")
    assert out[["joint_low", "joint_high"]].iloc[0].tolist() == [1, 10]
