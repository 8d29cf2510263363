"""Pairwise tests between territories: independent when disjoint; nested ones compared with the
rest of the larger territory, which must equal a direct test against that rest."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from observatory.stats import Query, StatsEngine
from observatory.stats.pairwise import pairwise
from tests.conftest import ENGINES, stats_engine


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, survey_db, tmp_path_factory) -> StatsEngine:
    return stats_engine(request, survey_db, tmp_path_factory)


def one(engine, level, code):
    t = engine.estimate(Query("fragility", 2015, "citoyens", level, ("emploi",), territories=(code,)), min_n=10)
    return t[t.statistic == "mean_score"]


def test_disjoint_pair_is_a_two_sample_z_test(engine):
    a, b = one(engine, "departement", "01"), one(engine, "departement", "69")
    out = pairwise(
        engine,
        Query("fragility", 2015, "citoyens", "groups", ("emploi",)),
        {("departement", "01"): a, ("departement", "69"): b},
        {},
        10,
    )
    row = out[out.statistic == "mean_score"].iloc[0]
    z = (a.estimate.iloc[0] - b.estimate.iloc[0]) / np.hypot(a.se.iloc[0], b.se.iloc[0])
    assert row.basis == "both"
    assert row.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)


def test_nested_pair_is_the_inner_against_the_rest_of_the_outer(engine):
    """Région 84 of the mini database is départements 01 and 69: département 01 against the
    rest of 84 is département 01 against département 69."""
    dep, reg = one(engine, "departement", "01"), one(engine, "region", "84")
    out = pairwise(
        engine,
        Query("fragility", 2015, "citoyens", "groups", ("emploi",)),
        {("departement", "01"): dep, ("region", "84"): reg},
        {frozenset({("departement", "01"), ("region", "84")}): ("departement", "01")},
        10,
    )
    row = out[out.statistic == "mean_score"].iloc[0]
    other = one(engine, "departement", "69")
    assert row.basis == "rest_of_b"
    assert row.difference == pytest.approx(dep.estimate.iloc[0] - other.estimate.iloc[0], abs=1e-12)
    assert row.se_difference == pytest.approx(np.hypot(dep.se.iloc[0], other.se.iloc[0]), rel=1e-9)
