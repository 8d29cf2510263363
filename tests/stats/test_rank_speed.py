"""The all-at-once rank sets (observatory/stats/ranks.py) against the territory-by-territory ones.

``marginal_all`` and ``marginal_holm_all`` must give the very sets of :func:`ranks.marginal` and
:func:`ranks.marginal_holm` called for each territory, and :func:`ranks.simultaneous` (pairs sorted
by |t|, suffix maxima) the sets of its previous step-down, copied below as the reference: on random
inputs with ties, zero or missing standard errors, identical estimates and fully separated ones.
Speed is measured by a script and reported with the change, not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest

from observatory.stats import ranks

SIZES = [1, 2, 5, 30, 83, 150]
KINDS = ["plain", "ties", "zero_se", "identical", "separated", "missing"]
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # differences over σ = tiny
DRAWS = 400  # fewer than the app's 2,000 to keep the reference loops short; the defaults are tested below


def inputs(p: int, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and standard errors of p territories, of one kind of awkwardness."""
    rng = np.random.default_rng(seed)
    est, se = rng.normal(50, 4, p), rng.uniform(0.2, 3, p)
    if kind == "ties":  # many equal estimates, some equal standard errors
        est, se = np.round(est), np.round(se, 1)
    elif kind == "zero_se":  # censuses and the like: no sampling error, some pairs with none at all
        est = np.round(est, 1)
        se[rng.random(p) < 0.4] = 0.0
    elif kind == "identical":
        est[:] = 42.0
    elif kind == "separated":  # every pair sure: the step-down ends with nothing left
        est, se = 10.0 * rng.permutation(p), np.full(p, 0.1)
    elif kind == "missing":  # missing standard errors count as 0
        se[rng.random(p) < 0.2] = np.nan
    return est, se


def simultaneous_before(estimates, ses, draws=ranks.DRAWS, seed=ranks.SEED, level=ranks.LEVEL):
    """The previous :func:`ranks.simultaneous`: each step's maximum recomputed over the active pairs."""

    def rejected_of(est, se, i, j):
        sigma = np.sqrt(se[i] ** 2 + se[j] ** 2)
        sigma = np.where(sigma > 0, sigma, np.finfo(float).tiny)
        t = (est[i] - est[j]) / sigma
        z = np.random.default_rng(seed).standard_normal((draws, len(se))) * se
        active = np.ones(len(i), dtype=bool)
        rejected = np.zeros(len(i), dtype=bool)
        while active.any():
            c = np.quantile(max_abs_before(z, i[active], j[active], sigma[active]), level)
            new = active & (np.abs(t) > c)
            if not new.any():
                break
            rejected |= new
            active &= ~new
        return t, rejected

    return ranks._simultaneous(estimates, ses, rejected_of)


def max_abs_before(z, i, j, sigma):
    out = np.zeros(z.shape[0])
    step = max(1, 200_000 // z.shape[0])
    for start in range(0, len(i), step):
        sl = slice(start, start + step)
        out = np.maximum(out, (np.abs(z[:, i[sl]] - z[:, j[sl]]) / sigma[sl]).max(axis=1))
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("p", SIZES)
def test_marginal_all_is_the_loop_of_marginal(p, kind):
    est, se = inputs(p, kind, seed=p)
    expected = [ranks.marginal(est, se, k, draws=DRAWS, seed=p) for k in range(p)]
    assert ranks.marginal_all(est, se, draws=DRAWS, seed=p) == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("p", [*SIZES, 1248])
def test_marginal_holm_all_is_the_loop_of_marginal_holm(p, kind):
    est, se = inputs(p, kind, seed=p + 1)
    assert ranks.marginal_holm_all(est, se) == [ranks.marginal_holm(est, se, k) for k in range(p)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("p", SIZES)
def test_simultaneous_is_the_previous_step_down(p, kind):
    est, se = inputs(p, kind, seed=p + 2)
    assert ranks.simultaneous(est, se, draws=DRAWS, seed=p) == simultaneous_before(est, se, draws=DRAWS, seed=p)


@pytest.mark.parametrize("p", [83, 150])
def test_the_app_defaults_give_the_same_sets(p):
    est, se = inputs(p, "ties", seed=7 * p)
    assert ranks.marginal_all(est, se) == [ranks.marginal(est, se, k) for k in range(p)]
    assert ranks.simultaneous(est, se) == simultaneous_before(est, se)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.99])
def test_other_levels_and_seeds_give_the_same_sets(level):
    est, se = inputs(40, "zero_se", seed=int(100 * level))
    seed = int(1000 * level)
    loop = [ranks.marginal(est, se, k, draws=DRAWS, seed=seed, level=level) for k in range(40)]
    assert ranks.marginal_all(est, se, draws=DRAWS, seed=seed, level=level) == loop
    holm = [ranks.marginal_holm(est, se, k, level=level) for k in range(40)]
    assert ranks.marginal_holm_all(est, se, level=level) == holm
    joint = simultaneous_before(est, se, draws=DRAWS, seed=seed, level=level)
    assert ranks.simultaneous(est, se, draws=DRAWS, seed=seed, level=level) == joint


def test_the_sets_are_not_all_trivial():
    """The cases above reject something: the equalities say more than [1, p] == [1, p]."""
    est, se = inputs(83, "plain", seed=83)
    sets = ranks.marginal_all(est, se, draws=DRAWS, seed=83)
    assert sum(s.high - s.low + 1 < 83 for s in sets) > 60
    assert all(s.low == s.high == s.rank for s in ranks.marginal_all(*inputs(30, "separated", seed=30)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("p", [*SIZES, 400])
def test_holms_rule_on_sorted_values_is_pairwise_holm(p, kind):
    """The rejections of the rank sets' Holm (a sort of the values) are those of the project's Holm
    (:func:`observatory.stats.pairwise.holm`, adjusted p-values through the permutation)."""
    from scipy.special import ndtr

    from observatory.stats.pairwise import holm

    est, se = inputs(p, kind, seed=p + 3)
    i, j = np.triu_indices(p, k=1)
    t = ranks._t(est[i] - est[j], np.sqrt(np.nan_to_num(se[i]) ** 2 + np.nan_to_num(se[j]) ** 2))
    for level in (0.95, 0.8):
        expected = holm(2 * ndtr(-np.abs(np.nan_to_num(t)))) < 1 - level
        assert (ranks._holm_rejected(t, level) == expected).all()
