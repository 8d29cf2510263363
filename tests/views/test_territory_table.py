"""A profile's lookups of one territory: read and finalised at once, the same answer as any lookup.

The profile asks one territory's cells indicator by indicator and wave by wave; the engine reads
all of them in one query and slices them (``StatsEngine._from_territory_table``). The answer must
be the one a lookup of several territories gives for that territory, cell for cell: values, CIs,
tests, reliability, order, on every stored query and at two minimum sizes.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.measures import MEASURES

pytestmark = pytest.mark.db

# (level, territory, another territory of the level: the lookup of both is the reference path)
CASES = [
    ("commune", "42218", "42207"),
    ("epci", "244200770", "200046977"),
    ("departement", "23", "42"),
    ("region", "84", "11"),
]


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.mark.parametrize(("level", "code", "other"), CASES)
@pytest.mark.parametrize("min_n", [30, 100])
def test_one_territory_equals_its_rows_of_a_lookup_of_two(obs, level, code, other, min_n):
    queries = obs.stats._stored_queries(obs.db.version)
    assert len(queries) >= 10  # every survey's waves of every indicator
    for indicator, survey, wave in queries:
        q = Query(indicator, wave, survey, level)
        one = obs.stats.estimate(q, min_n, territories=(code,))
        both = obs.stats.estimate(q, min_n, territories=(code, other))
        mine = both[both["territory_code"] == code].reset_index(drop=True)
        assert len(one) == len(mine) > 0, (indicator, survey, wave)
        pd.testing.assert_frame_equal(one, mine, check_dtype=False)


def test_the_measures_of_a_query_come_in_its_order(obs):
    measures = MEASURES["fragility"][:3][::-1]
    q = Query("fragility", obs.waves("citoyens")[-1], "citoyens", "departement", measures)
    one = obs.stats.estimate(q, 30, territories=("42",))
    assert list(dict.fromkeys(one["measure"])) == list(measures)
    both = obs.stats.estimate(q, 30, territories=("42", "23"))
    pd.testing.assert_frame_equal(one, both[both["territory_code"] == "42"].reset_index(drop=True), check_dtype=False)


def test_a_code_that_is_no_territory_of_the_level_has_no_rows(obs):
    q = Query("fragility", obs.waves("citoyens")[-1], "citoyens", "departement")
    assert obs.stats.estimate(q, 30, territories=("99",)).empty
