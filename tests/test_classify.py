"""Quantile and equal-interval classes equal mapclassify's (the independent reference)."""

from __future__ import annotations

import warnings

import mapclassify
import numpy as np
import pytest

from observatory.core.classify import equal_interval_bins, quantile_bins


def samples():
    rng = np.random.default_rng(11)
    yield rng.normal(5, 2, 101)
    yield rng.uniform(0, 1, 35_000)
    yield np.round(rng.uniform(0, 10, 500))  # many ties: classes collapse
    yield np.array([1.0, 1.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("k", [2, 3, 5, 6, 7])
def test_same_bins_as_mapclassify(k):
    for v in samples():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when ties collapse classes
            expected_q = mapclassify.Quantiles(v, k=k).bins
            expected_e = mapclassify.EqualInterval(v, k=k).bins
        np.testing.assert_allclose(quantile_bins(v, k), expected_q, rtol=0, atol=1e-12)
        np.testing.assert_allclose(equal_interval_bins(v, k), expected_e, rtol=0, atol=1e-12)
