"""The estimates table written at load equals the on-demand engine, cell for cell.

Every stored (indicator, survey, wave, level, size class) is read back through the lookup path of
:class:`~observatory.stats.StatsEngine` and compared with the same query computed from the
micro-data (``precomputed=False``), after the reliability rule: estimates, standard errors, CIs,
n, effective n, p-values, reliability and significance, to 1e-12 (standard errors of a variance
that cancels to zero on the variance scale, effective n relatively). The stored complement within the parent
is checked against the pairwise test's on-demand "rest of the parent". On the demonstration data
and on a second, smaller sample drawn with another seed (every level, communes for the mayors'
survey only: the demonstration data check all of them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from observatory.data.db import Database
from observatory.stats import Query, StatsEngine
from observatory.stats.engine import GROUPS_LEVEL

NUMBERS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value", "estimate_rest")
LABELS = ("n", "reliability", "significance")


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory) -> Path:
    """A second demonstration database: another seed, a fifth of the respondents."""
    from etl.build import build

    folder = tmp_path_factory.mktemp("seed7")
    build(folder / "observatory.duckdb", folder / "geo", seed=7, scale=0.2, say=lambda _m: None)
    return folder / "observatory.duckdb"


def stored_queries(db: Database) -> list[Query]:
    keys = db.query("SELECT DISTINCT indicator, survey, wave, level, size_class FROM estimates ORDER BY ALL")
    return [
        Query(
            r.indicator,
            int(r.wave),
            r.survey,
            r.level,
            size_class=r.size_class if isinstance(r.size_class, str) else None,
        )
        for r in keys.itertuples()
    ]


def compare(db_path: Path, min_n: int = 30, communes: bool = True, sample: int | None = None) -> dict[str, float]:
    """The largest difference of each number between the stored cells and the on-demand engine.

    ``sample``: that many stored queries drawn at random (a new draw each run, the seed printed
    in the failure), else every one.
    """
    lookup, demand = StatsEngine(Database(db_path)), StatsEngine(Database(db_path), precomputed=False)
    worst: dict[str, float] = dict.fromkeys(NUMBERS, 0.0)
    queries = stored_queries(lookup.db)
    assert len(queries) > 50
    if not communes:  # the commune level of the mayors' survey only (the others cost minutes)
        queries = [q for q in queries if q.level != "commune" or q.indicator == "mayors"]
    if sample is not None:
        seed = int(np.random.SeedSequence().entropy % 2**32)
        chosen = np.random.default_rng(seed).choice(len(queries), size=min(sample, len(queries)), replace=False)
        queries = [queries[i] for i in sorted(chosen)]
        worst["seed"] = seed
    for q in queries:
        a, b = lookup.estimate(q, min_n), demand.estimate(q, min_n)
        assert len(a) == len(b) and (a["territory_code"].to_numpy() == b["territory_code"].to_numpy()).all(), q
        for col in LABELS:
            assert (a[col].to_numpy() == b[col].to_numpy()).all(), (q, col)
        for col in NUMBERS:
            x, y = a[col].to_numpy(float), b[col].to_numpy(float)
            assert (np.isnan(x) == np.isnan(y)).all(), (q, col)
            if not np.isfinite(x).any():
                continue
            diff = np.abs(x - y)
            if col == "se":
                # A variance that cancels to ~0 (every answer equal) differs in its last bits, and the
                # square root magnifies that: compare those on the variance scale.
                diff = np.minimum(diff, np.abs(x**2 - y**2))
            elif col == "n_eff":
                diff = diff / np.maximum(np.abs(y), 1.0)  # thousands of respondents: relative
            worst[col] = max(worst[col], float(np.nanmax(diff)))
    return worst


# Every run checks a random sample of the stored queries, communes included (each query is a whole
# level of one indicator); the whole table, minutes of work, is checked on request:
# python -m pytest -m exhaustive tests/stats/test_estimates_table.py
SAMPLE = 20


def test_a_random_sample_of_stored_cells_equals_the_on_demand_engine(demo_db):
    worst = compare(demo_db, sample=SAMPLE)
    seed = worst.pop("seed")
    assert max(worst.values()) < 1e-12, (f"seed {seed}", worst)


@pytest.mark.exhaustive
@pytest.mark.parametrize("which", ["demo", "other_seed"])
def test_every_stored_cell_equals_the_on_demand_engine(which, demo_db, request):
    path = demo_db if which == "demo" else request.getfixturevalue("other_seed")
    worst = compare(path, communes=which == "demo")
    assert max(worst.values()) < 1e-12, worst


def test_min_n_is_applied_when_reading(demo_db):
    # the same stored cells serve another suppression threshold, with no recompute
    worst = compare_one(demo_db, Query("fragility", 2019, "citoyens", "epci"), min_n=5)
    assert worst < 1e-12


def compare_one(db_path: Path, q: Query, min_n: int) -> float:
    a = StatsEngine(Database(db_path)).estimate(q, min_n)
    b = StatsEngine(Database(db_path), precomputed=False).estimate(q, min_n)
    assert (a["reliability"] == b["reliability"]).all()
    assert (a["reliability"] != "suppressed").sum() > (b["n"] >= 30).sum()  # more cells published at 5
    x, y = a["se"].to_numpy(float), b["se"].to_numpy(float)
    return float(np.nanmax(np.minimum(np.abs(x - y), np.abs(x**2 - y**2))))  # as in compare()


@pytest.mark.parametrize(
    "level,code,parent_level,parent",
    [
        ("departement", "42", "region", "84"),
        ("commune", "42218", "departement", "42"),
        ("epci", "244200770", "departement", "42"),
        ("epci", "200070852", None, None),  # an EPCI across two départements: its main one
    ],
)
def test_stored_rest_of_parent_equals_the_on_demand_groups(demo_db, level, code, parent_level, parent):
    engine = StatsEngine(Database(demo_db), precomputed=False)
    if parent is None:
        row = engine.db.query("SELECT departement_code FROM territories WHERE level = ? AND code = ?", [level, code])
        parent_level, parent = "departement", row["departement_code"].iloc[0]
    groups = (("inner", level, code), ("outer", parent_level, parent))
    for survey, indicator in (("citoyens", "fragility"), ("entreprises", "partnerships")):
        wave = int(engine.db.query("SELECT max(wave) AS w FROM datasets WHERE survey = ?", [survey])["w"].iloc[0])
        g = engine.estimate(Query(indicator, wave, survey, GROUPS_LEVEL, groups=groups), 1)
        outer = g[g["territory_code"] == "outer"].set_index(["measure", "statistic"]).sort_index()
        stored = StatsEngine(Database(demo_db)).vs_parent(Query(indicator, wave, survey, level), 1, (code,))
        stored = stored.set_index(["measure", "statistic"]).reindex(outer.index)
        assert (stored["n_rest_parent"].to_numpy() == outer["n"].to_numpy()).all()
        assert np.allclose(stored["estimate_rest_parent"], outer["estimate"], atol=1e-12, rtol=0)
        assert np.allclose(stored["se_rest_parent"], outer["se"], atol=1e-12, rtol=0)


def test_a_database_without_the_table_is_computed_on_demand(mini_db):
    engine = StatsEngine(Database(mini_db))
    assert engine._stored(engine.db.version, Query("fragility", 2015, "citoyens", "region"), ("emploi",)) is None
