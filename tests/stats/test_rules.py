"""Reliability and significance rules, on cases checked by hand."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from etl.load import load_dataset
from observatory.data.db import Database
from observatory.stats import InvalidQuery, Query, StatsEngine
from observatory.stats.finalize import finalize
from tests.conftest import write_dataset


@pytest.fixture
def hand_db(mini_db_template, tmp_path):
    """Citizens: 40 in Ain (01001) scoring 6, 8, 6, 8...; 60 in Corse-du-Sud (2A004) scoring 4, 6...;
    weights 1, one stratum, so every figure below can be worked out by hand."""
    n_a, n_b = 40, 60
    resp = pd.DataFrame(
        {
            "respondent_id": [f"A{i}" for i in range(n_a)] + [f"B{i}" for i in range(n_b)],
            "wave": 2015,
            "survey": "citoyens",
            "commune_code": ["01001"] * n_a + ["2A004"] * n_b,
            "weight": 1.0,
        }
    )
    scores = [6, 8] * (n_a // 2) + [4, 6] * (n_b // 2)
    frag = pd.DataFrame({"respondent_id": resp.respondent_id, "domain": "emploi", "score": scores})
    db = tmp_path / "hand.duckdb"
    shutil.copy(mini_db_template, db)
    load_dataset(write_dataset({"respondents": resp, "fragility": frag}, tmp_path / "ds"), db)
    return StatsEngine(Database(db))


def test_hand_checked_estimates_and_significance(hand_db):
    t = hand_db.estimate(Query("fragility", 2015, "citoyens", "departement", ("emploi",)), min_n=30)
    row = t[(t.statistic == "mean_score") & (t.territory_code == "01")].iloc[0]
    # Ain: mean 7; linearised variance = 100/99 · Σ(y − 7)² / 40² = 100/99 · 40 / 1600
    assert row.estimate == pytest.approx(7.0)
    assert row.se == pytest.approx(np.sqrt(100 / 99 * 40 / 1600), rel=1e-12)
    assert row.ci_low == pytest.approx(7.0 - 1.959964 * np.sqrt(100 / 99 * 40 / 1600), rel=1e-6)
    # rest of France = Corse-du-Sud: mean 5, variance 100/99 · 60 / 3600
    assert row.estimate_rest == pytest.approx(5.0)
    z = 2.0 / np.sqrt(100 / 99 * (40 / 1600 + 60 / 3600))
    assert z == pytest.approx(9.749, abs=1e-3)
    assert row.significance == "above" and row.p_value < 1e-15
    other = t[(t.statistic == "mean_score") & (t.territory_code == "2A")].iloc[0]
    assert other.significance == "below"
    # priority share (score ≥ 7): half of Ain, nobody in Corse-du-Sud
    share = t[(t.statistic == "priority_share") & (t.territory_code == "01")].iloc[0]
    assert share.estimate == pytest.approx(0.5)
    assert 0 < share.ci_low < 0.5 < share.ci_high < 1


def test_reliability_thresholds(hand_db):
    q = Query("fragility", 2015, "citoyens", "departement", ("emploi",))
    t = hand_db.estimate(q, min_n=41).set_index(["statistic", "territory_code"])
    assert t.loc[("mean_score", "01"), "reliability"] == "suppressed"  # n = 40 < 41
    assert t.loc[("mean_score", "2A"), "reliability"] == "low"  # n = 60 < 100
    t = hand_db.estimate(q, min_n=40).set_index(["statistic", "territory_code"])
    assert t.loc[("mean_score", "01"), "reliability"] == "low"  # n = 40 ≥ min_n but < 100
    # a share of 0 has an infinite relative standard error: low, never ok
    assert t.loc[("priority_share", "2A"), "reliability"] == "low"


def test_suppressed_cells_carry_no_value(hand_db):
    t = hand_db.estimate(Query("fragility", 2015, "citoyens", "departement", ("emploi",)), min_n=50)
    supp = t[t.territory_code == "01"]
    assert (supp.reliability == "suppressed").all()
    for col in ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value"):
        assert supp[col].isna().all(), col
    assert (supp.significance == "not_tested").all()
    assert (supp.n == 40).all()  # the respondent count is shown: it says why


def test_territories_without_respondents_are_reported(hand_db):
    t = hand_db.estimate(Query("fragility", 2015, "citoyens", "departement", ("emploi",)), min_n=30)
    empty = t[t.territory_code == "75"]
    assert len(empty) == 2 and (empty.n == 0).all() and (empty.reliability == "suppressed").all()
    communes = hand_db.estimate(Query("fragility", 2015, "citoyens", "commune", ("emploi",)), min_n=30)
    assert set(communes.territory_code) >= {"01001", "2A004", "75056", "97411"}


def test_france_level_is_not_tested(hand_db):
    t = hand_db.estimate(Query("fragility", 2015, "citoyens", "france", ("emploi",)))
    row = t[t.statistic == "mean_score"].iloc[0]
    assert row.estimate == pytest.approx((40 * 7 + 60 * 5) / 100)
    assert row.significance == "not_tested" and np.isnan(row.p_value)


@pytest.mark.parametrize(
    "query,param",
    [
        (Query("fragility", 2015, "citoyens", "arrondissement"), "level"),
        (Query("fragility", 2015, "citoyens", "region", ("chomage",)), "measure"),
        (Query("partnerships", 2015, "citoyens", "region"), "survey"),
        (Query("partnerships", 2015, "entreprises", "region", size_class="employeur"), "size_class"),
        (Query("sql", 2015, "citoyens", "region"), "indicator"),
    ],
)
def test_identifiers_outside_allow_lists_are_refused(hand_db, query, param):
    with pytest.raises(InvalidQuery) as info:
        hand_db.estimate(query)
    assert info.value.param == param and info.value.allowed


def test_logit_interval_stays_inside_unit_interval():
    cells = pd.DataFrame(
        {
            "n": [50, 50, 50],
            "sum_w": [50.0] * 3,
            "sum_w2": [50.0] * 3,
            "estimate": [0.02, 0.0, 1.0],
            "var": [0.02**2, 0.0, 0.0],
            "n_rest": [100] * 3,
            "estimate_rest": [0.1] * 3,
            "var_rest": [1e-4] * 3,
        }
    )
    out = finalize(cells, np.array([True, True, True]), 30)
    assert (out.ci_low >= 0).all() and (out.ci_high <= 1).all()
    assert out.ci_low[0] > 0 and out.ci_high[1] > 0 and out.ci_low[2] < 1
