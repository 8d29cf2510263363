"""Holm–Bonferroni adjustment of the comparison page's family of pairwise tests, checked against
statsmodels' ``multipletests(method="holm")`` and a hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from observatory.stats.pairwise import adjust_family, benjamini_hochberg, holm

P_VALUES = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 1.0])), min_size=1, max_size=40
)  # ties and the bounds are drawn often


def test_small_example_by_hand():
    # m = 4, sorted 0.01, 0.02, 0.03, 0.5: 4 × 0.01 = 0.04, 3 × 0.02 = 0.06, 2 × 0.03 = 0.06, 1 × 0.5
    assert holm([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])
    # the running maximum: 3 × 0.01 = 0.03, then 2 × 0.012 = 0.024 is raised to 0.03; min(1, …)
    assert holm([0.012, 0.01, 0.9]) == pytest.approx([0.03, 0.03, 0.9])
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])


@pytest.mark.slow
@settings(max_examples=15, deadline=None)  # 50 took 33 s of CI (statsmodels' Holm is slow); the
@given(P_VALUES)  # properties below run 50 examples, the hand-made ones pin the arithmetic
def test_matches_statsmodels(p):
    expected = multipletests(p, alpha=0.05, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(P_VALUES)
def test_properties(p):
    raw = np.array(p)
    adjusted = holm(raw)
    assert (adjusted >= raw - 1e-15).all() and (adjusted <= 1).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(adjusted[order]) >= -1e-15).all()  # same order as the raw p-values


def test_missing_tests_stay_missing_and_do_not_count():
    adjusted = holm([0.01, np.nan, 0.04])
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], multipletests([0.01, 0.04], method="holm")[1])
    assert np.isnan(holm([np.nan])).all() and len(holm([])) == 0


def test_family_verdict_is_on_the_adjusted_p_value():
    pairs = pd.DataFrame(
        {
            "measure": ["a", "b", "c", "d"],
            "difference": [0.2, -0.1, 0.3, np.nan],
            "p_value": [0.001, 0.03, 0.02, np.nan],
            "verdict": ["a_higher", "b_higher", "a_higher", "not_tested"],
        }
    )
    out = adjust_family(pairs)
    # m = 3: 3 × 0.001 = 0.003; 2 × 0.02 = 0.04; 1 × 0.03 = 0.03, raised to 0.04
    assert out["p_holm"].tolist()[:3] == pytest.approx([0.003, 0.04, 0.04])
    assert out["verdict"].tolist() == ["a_higher", "b_higher", "a_higher", "not_tested"]
    stricter = adjust_family(pairs.assign(p_value=[0.001, 0.03, 0.04, np.nan]))
    # 2 × 0.03 = 0.06 and 1 × 0.04, raised to 0.06: both no longer significant after adjustment
    assert stricter["verdict"].tolist() == ["a_higher", "not_significant", "not_significant", "not_tested"]
    assert list(out.columns).index("p_holm") == list(out.columns).index("p_value") + 1


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(P_VALUES)
def test_benjamini_hochberg_matches_statsmodels(p):
    """The portrait's false-discovery control, against statsmodels' ``fdr_bh``."""
    expected = multipletests(p, alpha=0.05, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12, atol=1e-15)


def test_benjamini_hochberg_by_hand_and_missing_tests():
    # m = 4 sorted 0.01, 0.02, 0.03, 0.5: 0.04, 0.04, 0.04, 0.5 (the running minimum from the top)
    assert benjamini_hochberg([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.04, 0.5, 0.04, 0.04])
    adjusted = benjamini_hochberg([0.01, np.nan, 0.04])  # a test not performed does not count
    assert np.isnan(adjusted[1]) and adjusted[[0, 2]] == pytest.approx([0.02, 0.04])
