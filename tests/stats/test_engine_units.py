"""The test against the rest of the parent, on cells made by hand: its threshold, its direction,
what it leaves untested; and the one z-test every comparison shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from observatory.stats.engine import parent_test
from observatory.stats.finalize import ALPHA, decide, z_test
from observatory.stats.pairwise import adjust_family, holm


def cells(diffs: list[float], se: float = 0.1, n: int = 200, n_rest: int = 2000) -> pd.DataFrame:
    """One cell per difference: the territory at 5 + diff, the rest of its parent at 5, both with SE ``se``."""
    k = len(diffs)
    return pd.DataFrame(
        {
            "territory_code": [f"T{i}" for i in range(k)],
            "measure": "emploi",
            "statistic": "mean_score",
            "estimate": 5 + np.array(diffs),
            "var": se**2,
            "n": n,
            "estimate_rest_parent": 5.0,
            "var_rest_parent": se**2,
            "n_rest_parent": n_rest,
        }
    )


def test_the_parent_test_is_at_five_percent_two_sided():
    se = 0.1
    sd = np.sqrt(2) * se
    # z = 1.5 (p 0.13), 1.8 (p 0.07), 2.2 (p 0.028), -2.2, 3.5
    z = np.array([1.5, 1.8, 2.2, -2.2, 3.5])
    out = parent_test(cells(list(z * sd), se=se), min_n=30)
    expected_p = 2 * stats.norm.sf(np.abs(z))  # scipy's normal, not the code's
    np.testing.assert_allclose(out["p_value_parent"], expected_p, rtol=1e-10)
    assert list(out["vs_parent"]) == ["not_significant", "not_significant", "above", "below", "above"]


def test_the_parent_test_needs_min_n_on_both_sides():
    out = parent_test(cells([1.0], n=20), min_n=30)
    assert out["vs_parent"].iloc[0] == "not_tested" and np.isnan(out["p_value_parent"].iloc[0])
    out = parent_test(cells([1.0], n_rest=10), min_n=30)
    assert out["vs_parent"].iloc[0] == "not_tested" and np.isnan(out["estimate_rest_parent"].iloc[0])


@pytest.mark.parametrize("p_target", [0.01, 0.049, 0.051, 0.2])
def test_the_shared_z_test_decides_at_alpha(p_target):
    z = stats.norm.isf(p_target / 2)
    p, verdict = z_test(np.array([z, -z]), np.array([1.0, 1.0]), "up", "down")
    np.testing.assert_allclose(p, [p_target, p_target], rtol=1e-9)
    expected = ["up", "down"] if p_target < ALPHA else ["not_significant"] * 2
    assert list(verdict) == expected


def test_the_shared_z_test_false_positive_rate_is_five_percent_under_the_null():
    rng = np.random.default_rng(3)
    diff = rng.normal(0, 0.3, 200_000)  # no difference in truth, SE known
    _p, verdict = z_test(diff, np.full(diff.size, 0.3))
    rate = (verdict != "not_significant").mean()
    assert abs(rate - 0.05) < 0.003, rate  # 0.05 ± 3 standard errors of a proportion on 200,000


def test_untested_rows_have_no_p_value_and_say_so():
    diff, se = np.array([3.0, 3.0, 3.0, 0.1]), np.array([1.0, 1.0, np.nan, 1.0])
    p, verdict = z_test(diff, se, "up", "down", testable=np.array([True, False, True, True]))
    assert list(verdict) == ["up", "not_tested", "not_tested", "not_significant"]
    assert np.isfinite(p[[0, 3]]).all() and np.isnan(p[[1, 2]]).all()


def test_every_verdict_is_the_one_decision_rule():
    """The family's verdict on adjusted p-values and the z-test's on raw ones: one rule, at ALPHA."""
    p = np.array([0.01, ALPHA, 0.2, np.nan, 0.001])
    diff = np.array([-1.0, 2.0, 3.0, 1.0, 0.5])
    adjusted, verdict = decide(p, diff, "a_higher", "b_higher")
    assert list(verdict) == ["b_higher", "not_significant", "not_significant", "not_tested", "a_higher"]
    np.testing.assert_array_equal(adjusted, p)
    pairs = pd.DataFrame({"difference": diff, "p_value": p, "verdict": "x"})
    family = adjust_family(pairs)
    np.testing.assert_array_equal(family["verdict"], decide(holm(p), diff, "a_higher", "b_higher")[1])
