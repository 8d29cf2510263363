"""The estimates' copy sorted by territory: the same cells, and what a profile reads from it.

A profile reads one territory's cells; the copy holds every cell over all sizes, sorted by
(level, territory), so that DuckDB reads one row group of it instead of scanning half the
estimates table. Checked: the copy equals the estimates table's cells over all sizes, row for
row; the engine answers the same from it as from the estimates table; Spark's tree leaves it out.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.precompute import BY_TERRITORY, BY_TERRITORY_KEYS, PARENT_COLUMNS, RAW_COLUMNS

pytestmark = pytest.mark.db
COLUMNS = [*BY_TERRITORY_KEYS, *RAW_COLUMNS, *PARENT_COLUMNS]


def test_the_copy_holds_the_estimates_cells_over_all_sizes(demo_db):
    cols = ", ".join(COLUMNS)
    # the same multiset of rows: their count and the sum of their hashes (a missing, extra or changed
    # row moves the sum; a full EXCEPT ALL of 2.2 M rows took 7 s)
    digest = f"count(*), sum(hash({cols})::HUGEINT)"
    with duckdb.connect(str(demo_db), read_only=True) as con:
        ours = con.execute(f"SELECT {digest} FROM {BY_TERRITORY}").fetchone()
        theirs = con.execute(f"SELECT {digest} FROM estimates WHERE size_class IS NULL").fetchone()
        missing, extra = (0, 0) if ours == theirs else (ours, theirs)
        # sorted by territory: one territory's rows are contiguous, so that a lookup reads one row group
        runs = con.execute(
            f"SELECT count(*) FROM (SELECT level, territory_code, lag(territory_code) OVER () AS before, "
            f"lag(level) OVER () AS level_before FROM {BY_TERRITORY}) "
            "WHERE before IS NOT NULL AND (level, territory_code) < (level_before, before)"
        ).fetchone()[0]
    assert (missing, extra, runs) == (0, 0, 0)


@pytest.fixture(scope="module")
def both(demo_db):
    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db))
    plain = Observatory(dataclasses.replace(get_settings(), db_path=demo_db))
    plain.stats._has_by_territory = lambda version: False  # the estimates table only, as before the copy
    return obs, plain


@pytest.mark.parametrize(
    ("level", "code"), [("commune", "42218"), ("epci", "244200770"), ("departement", "42"), ("region", "84")]
)
def test_the_engine_answers_the_same_from_the_copy(both, level, code):
    obs, plain = both
    assert obs.stats._has_by_territory(obs.db.version)
    for indicator, survey in (("fragility", "citoyens"), ("partnerships", "entreprises")):
        for wave in obs.waves(survey):
            q = Query(indicator, wave, survey, level, territories=(code,))
            pd.testing.assert_frame_equal(obs.estimate(q), plain.estimate(q))
            if level != "region":
                pd.testing.assert_frame_equal(
                    obs.stats.vs_parent(q, 30, (code,)).reset_index(drop=True),
                    plain.stats.vs_parent(q, 30, (code,)).reset_index(drop=True),
                )


def test_spark_tree_leaves_the_copy_out(demo_db, tmp_path):
    from etl.parquet import _tables

    with duckdb.connect(str(demo_db), read_only=True) as con:
        tables = _tables(con)
    assert "estimates" in tables and BY_TERRITORY not in tables
