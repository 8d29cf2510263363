"""The statistics on Spark (Ibis's PySpark backend, Parquet) equal those on DuckDB.

Every indicator with all its measures, at every level, at the first and the last wave of the
demonstration sample, and the change between them; the indicators' other surveys at one level;
filtered queries (size class, territories, groups, commune size bands). The same Ibis expressions
run on both engines: estimates and standard errors agree to 1e-9, and counts, reliability,
suppression and significance exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from observatory.data.db import Database
from observatory.data.spark_db import SparkDatabase
from observatory.stats import Query, StatsEngine
from observatory.stats.change import compare_waves
from observatory.stats.engine import SURVEYS_OF

pytestmark = pytest.mark.spark

LEVELS = ("france", "region", "departement", "epci", "commune")
MAIN_SURVEY = {"fragility": "citoyens", "partnerships": "entreprises", "mayors": "elus", "innovation": "citoyens"}
OTHER_SURVEYS = [(i, s) for i, surveys in SURVEYS_OF.items() for s in surveys if s != MAIN_SURVEY[i]]
TOLERANCE = 1e-9
EXACT = ("territory_code", "territory_name", "measure", "statistic", "n", "reliability", "significance")
NUMERIC = ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value", "estimate_rest")
CHANGE_EXACT = ("territory_code", "measure", "statistic", "n_from", "n_to", "reliability", "significance")
CHANGE_NUMERIC = ("estimate_from", "estimate_to", "difference", "se", "ci_low", "ci_high", "p_value")


@pytest.fixture(scope="module")
def engines(demo_db, demo_parquet, spark) -> tuple[StatsEngine, StatsEngine]:
    # Both engines compute from the micro-data: the parity of the estimators, not of two lookups.
    return (
        StatsEngine(Database(demo_db), precomputed=False),
        StatsEngine(SparkDatabase(str(demo_parquet), session=spark), precomputed=False),
    )


def assert_same(duck: pd.DataFrame, spark: pd.DataFrame, exact: tuple, numeric: tuple) -> None:
    assert list(spark.columns) == list(duck.columns)
    assert len(spark) == len(duck) > 0
    for col in exact:
        assert spark[col].tolist() == duck[col].tolist(), col
    for col in numeric:
        d, s = duck[col].to_numpy(float), spark[col].to_numpy(float)
        assert (np.isnan(d) == np.isnan(s)).all(), col
        scale = np.maximum(1.0, np.abs(d))  # n_eff is in the thousands: compare it relatively
        assert np.nanmax(np.abs(d - s) / scale, initial=0.0) <= TOLERANCE, col


# The commune level of the two largest surveys takes 70 of the file's 120 s on 2 cores: it runs in
# the exhaustive tier (-m exhaustive); the other surveys' commune level stays in every run.
SLOW = {("fragility", "commune"), ("partnerships", "commune")}
CASES = [
    pytest.param(i, level, marks=[pytest.mark.exhaustive] if (i, level) in SLOW else [], id=f"{i}-{level}")
    for i in MAIN_SURVEY
    for level in LEVELS
]


@pytest.mark.parametrize(("indicator", "level"), CASES)
def test_estimates_and_change_agree(engines, indicator, level):
    duck, spark = engines
    survey = MAIN_SURVEY[indicator]
    assert spark.waves(survey) == duck.waves(survey)
    waves = duck.waves(survey)
    first, last = waves[0], waves[-1]
    tables = {}
    for wave in (first, last):
        q = Query(indicator, wave, survey, level)
        tables[wave] = duck.estimate(q), spark.estimate(q)
        assert_same(*tables[wave], EXACT, NUMERIC)
    change_duck = compare_waves(tables[first][0], tables[last][0])
    change_spark = compare_waves(tables[first][1], tables[last][1])
    assert_same(change_duck, change_spark, CHANGE_EXACT, CHANGE_NUMERIC)


@pytest.mark.parametrize(("indicator", "survey"), OTHER_SURVEYS)
def test_other_surveys_agree(engines, indicator, survey):
    duck, spark = engines
    q = Query(indicator, duck.waves(survey)[-1], survey, "departement")
    assert_same(duck.estimate(q), spark.estimate(q), EXACT, NUMERIC)


@pytest.mark.parametrize(
    "query",
    [
        Query("partnerships", 2020, "entreprises", "region", size_class="pme"),
        Query("fragility", 2019, "citoyens", "taille_commune", ("emploi", "vital", "composite")),
        Query("mayors", 2024, "elus", "departement", territories=("42", "69", "2A")),
        Query(
            "innovation", 2019, "citoyens", "groups", groups=(("inner", "departement", "42"), ("outer", "region", "84"))
        ),
    ],
    ids=["size_class", "size_band", "territories", "groups"],
)
def test_filtered_queries_agree(engines, query):
    duck, spark = engines
    assert_same(duck.estimate(query), spark.estimate(query), EXACT, NUMERIC)
