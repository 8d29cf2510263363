"""The trend series' changes, computed for every series and wave at once, are each wave pair's change.

``views.trends.series_rows`` pairs every row with its series' row of the previous wave and runs the
one change test once; each of its changes must be what ``Observatory.change`` (two estimate tables,
one pair of waves) gives for that series, measure and statistic.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from observatory.core import reference as ref
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.views import trends

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.mark.parametrize(
    ("indicator", "survey"), [("fragility", "citoyens"), ("partnerships", "entreprises"), ("mayors", "elus")]
)
def test_each_change_is_its_wave_pairs_change(obs, indicator, survey):
    waves = obs.waves(survey)
    assert len(waves) >= 2
    scopes = [("t", "Loire", "departement", "42"), ("fr", "France", ref.FRANCE_LEVEL, None)]
    rows = trends.series_rows(obs, indicator, survey, scopes, lambda t: t)
    checked = 0
    for key, _label, level, code in scopes:
        for before, after in zip(waves, waves[1:], strict=False):
            q = Query(indicator, before, survey, level)
            ch = obs.change(q, after, territories=(code,) if code else None)
            mine = rows[(rows["series"] == key) & (rows["wave"] == after)]
            if mine.empty:  # a wave that did not ask the indicator
                assert ch["difference"].isna().all()
                continue
            assert set(mine["previous_wave"]) == {before}
            got = mine.set_index(["measure", "statistic"])
            want = ch.set_index(["measure", "statistic"]).reindex(got.index)
            np.testing.assert_allclose(got["change"], want["difference"], equal_nan=True)
            np.testing.assert_allclose(got["change_low"], want["ci_low"], equal_nan=True)
            np.testing.assert_allclose(got["change_high"], want["ci_high"], equal_nan=True)
            assert list(got["change_significance"]) == list(want["significance"])
            checked += int(want["difference"].notna().sum())
    assert checked >= 10  # real changes compared, not only empty cells


def test_the_first_wave_has_no_change(obs):
    rows = trends.series_rows(obs, "fragility", "elus", [("fr", "France", ref.FRANCE_LEVEL, None)], lambda t: t)
    first = rows[rows["wave"] == obs.waves("elus")[0]]
    assert len(first) and first[["change", "change_low", "change_high", "previous_wave"]].isna().all().all()
    assert pd.isna(first["change_significance"]).all()
