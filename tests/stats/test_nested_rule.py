"""The disclosure rule between nested territories: no figure that another one inside it would single out.

A canton-ou-ville (or an EPCI, a département, a région) whose respondents are those of a shown
territory inside it but for fewer than ``min_n`` is suppressed, or the difference of the two shown
figures would isolate those few respondents. Checked on hand-made cells (the rule), on a random
sample against counts made in pandas (the stored largest inner count), and on the demonstration
data against counts made in SQL from the respondents (what the maps and the API show), for the
stored cells and the on-demand engine alike.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.stats import precompute
from observatory.stats.finalize import INNER_COLUMN, finalize, nested
from tests.stats.test_taylor_formulas import COMMUNES, base_cells


def test_the_rule_on_hand_made_cells():
    cells = pd.DataFrame(
        {
            "n": [60, 60, 60, 60, 20, 60],
            INNER_COLUMN: [45, 29, 60, 30, 10, np.nan],
            "sum_w": 1.0,
            "sum_w2": 1.0,
            "estimate": 5.0,
            "var": 0.1,
            "n_rest": 500,
            "estimate_rest": 5.0,
            "var_rest": 0.1,
        }  # fmt: skip
    )
    # 60 − 45 = 15: singled out; inner 29 not shown; the same respondents; 60 − 30 = 30: not few;
    # too few anyway; nothing inside.
    assert list(nested(cells, 30)) == [True, False, False, False, False, False]
    out = finalize(cells, np.zeros(len(cells), dtype=bool), 30)
    assert list(out["reliability"]) == ["suppressed", "low", "low", "low", "suppressed", "low"]
    assert np.isnan(out.loc[0, "estimate"]) and out.loc[0, "significance"] == "not_tested"
    assert list(nested(cells, 50)) == [False] * 6  # at 50 the inner 45 is not shown: nothing to subtract
    assert not nested(cells.drop(columns=INNER_COLUMN), 30).any()  # cells without the column: on demand


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondents over the hand-made communes (cantons K1–K3, C6 in none), answers to two measures."""
    rng = np.random.default_rng(28)
    columns = ["commune_code", "epci_code", "canton_code", "departement_code", "region_code", "band"]
    geo = pd.DataFrame(COMMUNES, columns=columns)
    n = 700
    resp = geo.iloc[rng.choice(len(geo), n, p=[0.3, 0.05, 0.1, 0.2, 0.05, 0.2, 0.1])].reset_index(drop=True)
    resp["respondent_id"] = [f"r{i}" for i in range(n)]
    resp["stratum"] = rng.choice(["S1", "S2"], n)
    resp["weight"] = rng.lognormal(0, 0.5, n)
    score = pd.DataFrame({"respondent_id": resp["respondent_id"], "measure": "score", "statistic": "mean_score"})
    score["y"] = rng.integers(0, 11, n).astype(float)
    asked = resp[rng.random(n) < 0.4]
    flag = pd.DataFrame({"respondent_id": asked["respondent_id"], "measure": "flag", "statistic": "share"})
    flag["y"] = (rng.random(len(asked)) < 0.3).astype(float)
    return resp, pd.concat([score, flag], ignore_index=True)


OUTER = {"canton": ("commune",), "epci": ("commune",), "departement": ("commune", "canton"), "region": ("departement",)}
COLUMN = {"commune": "commune_code", "canton": "canton_code", "epci": "epci_code", "departement": "departement_code",
          "region": "region_code"}  # fmt: skip


def test_the_stored_inner_count_is_the_largest_territory_inside(sample):
    resp, values = sample
    stored = precompute._estimates(*base_cells(resp, values))
    answered = values.merge(resp, on="respondent_id")
    checked = 0
    for level, inners in OUTER.items():
        for (code, measure), part in answered.groupby([COLUMN[level], "measure"]):
            expected = max(part.groupby(COLUMN[inner]).size().max() for inner in inners)
            row = stored[(stored.level == level) & (stored.territory_code == code) & (stored.measure == measure)]
            assert row[INNER_COLUMN].iloc[0] == expected, (level, code, measure)
            checked += 1
    assert checked >= 14
    # Levels with nothing inside carry nothing.
    assert stored.loc[stored.level.isin(["commune", "france", "taille_commune"]), INNER_COLUMN].isna().all()


def _shown_pairs(con, survey: str, wave: int, outer: str, inner: str) -> pd.DataFrame:
    """(outer territory, inner territory, their respondents answering on employment), from the answers."""
    oc, ic = COLUMN[outer], COLUMN[inner]
    return con.execute(
        f"WITH a AS (SELECT r.{oc} AS outer_code, r.{ic} AS inner_code FROM respondents r JOIN fragility f "
        "USING (respondent_id, survey, wave) WHERE r.survey = ? AND r.wave = ? AND f.domain = 'emploi' "
        f"AND r.{oc} IS NOT NULL AND r.{ic} IS NOT NULL) "
        ", c AS (SELECT outer_code, inner_code, count(*) AS n_inner FROM a GROUP BY outer_code, inner_code) "
        "SELECT *, sum(n_inner) OVER (PARTITION BY outer_code) AS n_outer FROM c",
        [survey, wave],
    ).df()


@pytest.mark.parametrize("precomputed", [True, False], ids=["stored", "on-demand"])
@pytest.mark.parametrize(("outer", "inner"), [("canton", "commune"), ("epci", "commune")])
def test_no_shown_figure_is_a_shown_inner_one_but_a_few(demo_db, outer, inner, precomputed):
    from observatory.data.db import Database
    from observatory.stats import StatsEngine
    from observatory.stats.engine import Query

    with duckdb.connect(str(demo_db), read_only=True) as con:
        pairs = _shown_pairs(con, "citoyens", 2019, outer, inner)
    engine = StatsEngine(Database(demo_db), precomputed=precomputed)
    table = engine.estimate(Query("fragility", 2019, "citoyens", outer, measures=("emploi",)), 30)
    emploi = table[table["statistic"] == "mean_score"].set_index("territory_code")
    shown = set(emploi.index[emploi["reliability"] != "suppressed"])
    risky = pairs[(pairs.n_inner >= 30) & (pairs.n_outer - pairs.n_inner > 0) & (pairs.n_outer - pairs.n_inner < 30)]
    assert len(risky) > 0  # the demonstration data have such pairs: the rule has work to do
    assert not shown & set(risky.outer_code)
    # And only those are suppressed beyond the count rule: n ≥ 30 and no such inner territory is shown.
    big = set(emploi.index[emploi["n"] >= 30])
    assert big - shown == set(risky.outer_code) & big
