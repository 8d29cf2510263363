"""Rank confidence sets (observatory/stats/ranks.py) on a known truth and on a null: coverage of
each territory's true rank (marginal) and of all ranks at once (simultaneous), measured by
simulation; and the previous method (a parametric bootstrap of the ranks) measured beside it."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.stats import ranks
from observatory.views import portrait

P = 30
REPLICATES = 200
DRAWS = 500  # fewer than the app's 2,000: the critical value moves little, the test runs in seconds


@pytest.fixture(scope="module")
def truth():
    """30 territories: clusters of close values and some far apart, unequal sample sizes."""
    rng = np.random.default_rng(11)
    theta = np.concatenate(
        [np.full(8, 5.0), np.linspace(5.1, 5.6, 12), np.array([6.5, 6.6, 7.0]), rng.normal(4.5, 0.3, 7)]
    )
    se = rng.uniform(0.05, 0.3, P)
    return theta, se


def true_ranks(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best and worst rank each territory can have (ties: any order among equals)."""
    best = 1 + (theta[None, :] > theta[:, None]).sum(axis=1)
    worst = (theta[None, :] >= theta[:, None]).sum(axis=1)
    return best, worst


def covered(sets, best, worst) -> np.ndarray:
    """A set covers the true rank when it meets the true rank range (ties make a range)."""
    low = np.array([s.low for s in sets])
    high = np.array([s.high for s in sets])
    return (low <= worst) & (high >= best)


def test_marginal_sets_cover_every_territorys_true_rank(truth):
    theta, se = truth
    best, worst = true_ranks(theta)
    rng = np.random.default_rng(5)
    hits = np.zeros(P)
    old_hits = np.zeros(P)
    for r in range(REPLICATES):
        est = theta + se * rng.standard_normal(P)
        sets = [ranks.marginal(est, se, k, draws=DRAWS, seed=r) for k in range(P)]
        hits += covered(sets, best, worst)
        old = [portrait.bootstrap_rank_interval(est, se, k, draws=DRAWS, seed=r) for k in range(P)]
        old_hits += covered(old, best, worst)
    coverage, old_coverage = hits / REPLICATES, old_hits / REPLICATES
    # ≥ 95 % for each territory, up to the simulation's own error (3 binomial SEs at 200: 0.046)
    assert coverage.min() >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / REPLICATES), coverage
    assert coverage.mean() >= 0.95
    assert old_coverage.min() < 0.9  # the bootstrap of ranks, for the record: it under-covers
    print(
        f"marginal: worst {coverage.min():.3f}, mean {coverage.mean():.3f}; bootstrap: worst {old_coverage.min():.3f}"
    )


def test_simultaneous_sets_cover_all_ranks_at_once(truth):
    theta, se = truth
    best, worst = true_ranks(theta)
    rng = np.random.default_rng(6)
    joint = 0
    for r in range(REPLICATES):
        est = theta + se * rng.standard_normal(P)
        joint += covered(ranks.simultaneous(est, se, draws=DRAWS, seed=r), best, worst).all()
    assert joint / REPLICATES >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / REPLICATES), joint / REPLICATES
    print(f"simultaneous: joint coverage {joint / REPLICATES:.3f}")


def test_under_a_null_no_rank_is_claimed():
    rng = np.random.default_rng(8)
    se = np.full(20, 0.2)
    est = 5 + se * rng.standard_normal(20)  # every territory the same in truth
    sets = ranks.simultaneous(est, se)
    assert sum(s.low == 1 and s.high == 20 for s in sets) >= 18  # nothing can be told apart


def test_far_apart_territories_get_sharp_sets():
    est = np.array([9.0, 5.0, 1.0])
    se = np.array([0.1, 0.1, 0.1])
    assert [(s.rank, s.low, s.high) for s in ranks.simultaneous(est, se)] == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]
    assert (ranks.marginal(est, se, 1).low, ranks.marginal(est, se, 1).high) == (2, 2)


def test_the_set_always_holds_the_estimated_rank_and_is_stable():
    rng = np.random.default_rng(9)
    est, se = rng.normal(5, 1, 50), rng.uniform(0.1, 0.5, 50)
    for k in range(50):
        s = ranks.marginal(est, se, k)
        assert s.low <= s.rank <= s.high and s == ranks.marginal(est, se, k)  # fixed seed: the same set
    for s in ranks.simultaneous(est, se):
        assert s.low <= s.rank <= s.high
    # the simultaneous set is never sharper than the marginal one
    sim = ranks.simultaneous(est, se)
    for k in range(50):
        m = ranks.marginal(est, se, k)
        assert sim[k].low <= m.low and sim[k].high >= m.high


def test_holm_marginal_sets_cover_the_true_rank_under_dependence():
    """Holm's marginal sets (the EPCIs' model ranks) on a known truth with correlated errors, as a
    model's are (a shared regression error): the worst territory covered ≥ 95 % of the time."""
    rng = np.random.default_rng(7)
    p, reps = 60, 300
    truth = np.sort(rng.normal(0, 1, p))[::-1]
    se = rng.uniform(0.2, 0.8, p)
    true_rank = 1 + (truth[None, :] > truth[:, None]).sum(axis=1)
    covered = np.zeros(p)
    for _ in range(reps):
        shared = rng.normal(0, 0.3)  # one error common to every estimate (correlated errors)
        est = truth + shared + rng.normal(0, se)
        for k in range(p):
            r = ranks.marginal_holm(est, se, k)
            covered[k] += r.low <= true_rank[k] <= r.high
    assert covered.min() / reps >= 0.95, covered.min() / reps


def test_holm_marginal_set_is_at_least_as_wide_as_the_simulated_one():
    rng = np.random.default_rng(3)
    est, se = rng.normal(0, 1, 80), rng.uniform(0.1, 0.5, 80)
    for k in (0, 17, 79):
        holm_set, simulated = ranks.marginal_holm(est, se, k), ranks.marginal(est, se, k)
        assert holm_set.rank == simulated.rank
        assert holm_set.low <= simulated.low + 1 and holm_set.high >= simulated.high - 1


def test_holm_simultaneous_sets_cover_every_rank_jointly():
    """Holm's simultaneous sets (the model ranks of a level): on a known truth with a shared error,
    every territory's true rank inside its set at once in ≥ 95 % of replicates."""
    rng = np.random.default_rng(11)
    p, reps = 40, 300
    truth = rng.normal(0, 1, p)
    se = rng.uniform(0.2, 0.6, p)
    true_rank = 1 + (truth[None, :] > truth[:, None]).sum(axis=1)
    joint = 0
    for _ in range(reps):
        est = truth + rng.normal(0, 0.3) + rng.normal(0, se)
        sets = ranks.simultaneous_holm(est, se)
        joint += all(s.low <= r <= s.high for s, r in zip(sets, true_rank, strict=True))
    assert joint / reps >= 0.95, joint / reps
