"""Rank sets computed at load (``rank_sets``, etl/ranks.py) are the sets computed on demand.

The on-demand path is the reference: :func:`observatory.stats.rank_table.rank_rows` on an export's
table (what the API computed before the sets were stored), and the portrait's own computation
from its level's reliable cells (the path a database without the table takes).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports import export
from observatory.stats.rank_table import RANK_COLUMNS, rank_rows
from observatory.views import profile as pv

pytestmark = pytest.mark.db
SETS = ["rank", "rank_low", "rank_high", "simultaneous_low", "simultaneous_high", "peers", "peers_total"]


def _obs(db: Path, **settings) -> Observatory:
    return Observatory(dataclasses.replace(get_settings(), db_path=db, geo_dir=db.parent / "geo", **settings))


@pytest.fixture(scope="module")
def obs(demo_db):
    return _obs(demo_db)


class Unstored(Observatory):
    """The same data as if the database had no ``rank_sets`` (a database built before it)."""

    def stored_ranks(self, level, territory=None, **cell):
        return None


@pytest.fixture(scope="module")
def unstored(demo_db):
    return Unstored(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def test_the_build_stores_every_levels_sets(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        levels = dict(con.execute("SELECT level || '/' || method, count(*) FROM rank_sets GROUP BY 1").fetchall())
        bad = con.execute(
            "SELECT count(*) FROM rank_sets WHERE NOT (rank_low <= rank AND rank <= rank_high "
            "AND simultaneous_low <= rank_low AND rank_high <= simultaneous_high AND rank_high <= peers)"
        ).fetchone()[0]
    assert {"region/direct", "departement/direct", "epci/direct", "epci/sae"} <= set(levels)
    assert bad == 0  # every set holds its rank, and the simultaneous one holds the marginal one


@pytest.mark.parametrize(
    "indicator,survey,level,method,statistic",
    [
        ("fragility", "citoyens", "departement", "direct", "mean_score"),
        ("partnerships", "entreprises", "region", "direct", "share_among_partners"),
        ("fragility", "citoyens", "commune", "direct", "mean_score"),
        ("mayors", "elus", "epci", "sae", "share"),
    ],
)
def test_stored_sets_are_the_sets_computed_on_demand(obs, indicator, survey, level, method, statistic):
    req = export.ExportRequest(indicator=indicator, survey=survey, level=level, method=method, statistic=statistic)
    wave = obs.waves(survey)[-1]
    assert export._stored_ranks(obs, req, survey, wave, obs.settings.min_n) is not None  # read from the store
    stored = export.rank_table(obs, req)
    computed = rank_rows(export.export_table(obs, req), method)
    assert list(stored.columns) == list(RANK_COLUMNS) and len(stored) > 0
    keys = ["measure", "statistic", "territory_code"]
    a = stored.sort_values(keys, ignore_index=True)
    b = computed.sort_values(keys, ignore_index=True)
    assert a[keys].equals(b[keys])
    for column in SETS:
        assert (a[column].astype(int) == b[column].astype(int)).all(), column
    assert (a["estimate"] - b["estimate"]).abs().max() < 1e-12
    assert (a["territory_name"] == b["territory_name"]).all()


@pytest.mark.parametrize(
    "statistic,wave", [(None, None), ("priority_share", None), ("mean_score", 2015)], ids=["all", "other", "old"]
)
def test_cells_the_portraits_do_not_show_are_computed_on_demand(obs, statistic, wave):
    """Stored: the portraits' cells at each survey's latest wave; any other request is computed."""
    req = export.ExportRequest(indicator="fragility", survey="citoyens", level="region", statistic=statistic, wave=wave)
    assert export._stored_ranks(obs, req, "citoyens", wave or obs.waves("citoyens")[-1], obs.settings.min_n) is None
    ranked = export.rank_table(obs, req)
    assert len(ranked) and set(ranked["statistic"]) == ({statistic} if statistic else {"mean_score", "priority_share"})


@pytest.mark.parametrize("key", ["reg-84", "42", "244200770", "200067189", "13055"])
def test_portrait_ranks_read_from_the_store_are_those_it_computes(obs, unstored, key):
    t = pv.resolve(obs, key)
    stored = pv.territory_ranks(obs, t)
    computed = pv.territory_ranks(unstored, t)
    keys = ["survey", "measure", "statistic"]
    a = stored.sort_values(keys, ignore_index=True)
    b = computed.sort_values(keys, ignore_index=True)
    assert len(a) == len(b)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_another_suppression_threshold_computes_its_ranks(demo_db):
    """Stored sets hold for the default min_n only: which cells a territory inside would single out
    (observatory.stats.finalize.nested) depends on it; any other threshold ranks on demand."""
    assert _obs(demo_db, min_n=150).stored_ranks("departement", "42") is None
    assert _obs(demo_db, min_n=50).stored_ranks("departement", "42") is None
    assert _obs(demo_db, min_n=30).stored_ranks("departement", "42") is not None


def test_one_epcis_model_rows_are_its_rows_of_the_whole_level(obs):
    """The profile reads its EPCI's model rows alone; an EPCI without covariates stays 'no_covariates'."""
    epcis = obs.territories("epci")
    mayotte = epcis.loc[epcis["region_code"] == "06", "code"].iloc[0]
    level = obs.sae("citoyens", obs.waves("citoyens")[-1], "fragility")
    for code in ("244200770", mayotte):
        alone = obs.sae("citoyens", obs.waves("citoyens")[-1], "fragility", territories=(code,))
        whole = level[level["territory_code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, whole, check_dtype=False)
    assert set(obs.sae("citoyens", obs.waves("citoyens")[-1], "fragility", territories=(mayotte,))["sae_status"]) == {
        "no_covariates"
    }
