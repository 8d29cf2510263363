"""A zone against the rest of each département it lies in (observatory/stats/zone_tests.py).

On the small random survey (``survey_db``): the rest of the département's estimate, SE and the
test's p-value equal samplics' domain estimates over the same respondents (the département's
respondents outside the zone) to 1e-9, read from the raw tables. On the demonstration database:
the rest of a département that differs by a handful of respondents from a published set (the
Loire without Saint-Étienne, when the zone also holds a village) is never tested, and a
département where the zone has too few respondents is not a comparison.
"""

from __future__ import annotations

import dataclasses
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from observatory.core.config import get_settings
from observatory.data import zones as dz
from observatory.data.db import Database
from observatory.data.service import Observatory
from observatory.stats import zone_tests, zones
from tests.stats.test_zone_stats import CELLS, COMBOS, _resp, cell_values

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

ZONE = ("01001", "69123")  # one commune of the Ain (01) and one of the Rhône (69)
DEPARTEMENTS = {"01": ("01001", "01004"), "69": ("69123", "69001")}


@pytest.fixture(scope="module")
def zm(survey_db) -> zones.ZoneMoments:
    return Database(survey_db).run(lambda con: zones.load(con, COMBOS))


def samplics_domains(resp: pd.DataFrame, y: pd.Series, domain: np.ndarray, share: bool) -> dict:
    """samplics' estimate and SE of every domain (as in tests/stats/test_zone_stats.py)."""
    answered = resp["respondent_id"].isin(y.index).to_numpy()
    domain = np.where(answered, domain, "__out__")
    est = TaylorEstimator(PopParam.prop if share else PopParam.mean)
    est._degree_of_freedom = lambda *_a, **_k: setattr(est, "degree_of_freedom", np.inf)
    shift = 0.0 if share else 1.0  # samplics divides by the mean for its CV: y + 1, same SE
    values = resp["respondent_id"].map(y).fillna(0.0).to_numpy(float) + shift
    est.estimate(
        y=values,
        samp_weight=resp["weight"].to_numpy(float),
        stratum=resp["stratum"].to_numpy(object),
        psu=resp["respondent_id"].to_numpy(object),
        domain=domain,
    )
    out = {}
    for name in set(domain) - {"__out__"}:
        point, se = est.point_est[name], est.stderror[name]
        out[name] = {"estimate": point[1.0] if share else point - shift, "se": se[1.0] if share else se}
    return out


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: f"{c[1]}-{c[3]}-{c[4]}")
def test_the_rest_of_each_departement_equals_samplics(zm, survey_tables, cell):
    indicator, survey, wave, measure, statistic = cell
    communes = zm.commune_index(ZONE)
    zone = zones.zone_cells(zm, communes, min_n=1)
    tests = zone_tests.departement_tests(zm, communes, zone, min_n=1)
    assert set(tests["departement_code"]) == set(DEPARTEMENTS)
    resp = _resp(survey_tables, survey, wave)
    y = cell_values(survey_tables, *cell)
    domain = np.full(len(resp), "__none__", dtype=object)
    for dep, codes in DEPARTEMENTS.items():
        domain[resp["commune_code"].isin(codes).to_numpy()] = f"rest_{dep}"
    domain[resp["commune_code"].isin(ZONE).to_numpy()] = "zone"
    ref = samplics_domains(resp, y, domain, statistic != "mean_score")
    key = (tests.indicator == indicator) & (tests.survey == survey) & (tests.wave == wave)
    key &= (tests.measure == measure) & (tests.statistic == statistic)
    for dep in DEPARTEMENTS:
        row = tests[key & (tests.departement_code == dep)]
        assert len(row) == 1
        row = row.iloc[0]
        theirs = ref[f"rest_{dep}"]
        assert row["estimate_rest"] == pytest.approx(theirs["estimate"], abs=1e-9)
        assert row["se_rest"] == pytest.approx(theirs["se"], abs=1e-9)
        diff = ref["zone"]["estimate"] - theirs["estimate"]
        se = np.hypot(ref["zone"]["se"], theirs["se"])
        assert row["difference"] == pytest.approx(diff, abs=1e-9)
        assert row["se_difference"] == pytest.approx(se, abs=1e-9)
        assert row["p_value"] == pytest.approx(2 * norm.sf(abs(diff / se)), rel=1e-6, abs=1e-12)
        assert row["significance"] in ("above", "below", "not_significant")
        n_rest = resp["respondent_id"].isin(y.index)[domain == f"rest_{dep}"].sum()
        assert row["n_rest"] == n_rest


def test_the_rest_of_france_se_equals_samplics(zm, survey_tables):
    cell = CELLS[0]
    communes = zm.commune_index(ZONE)
    se_rest = zone_tests.france_rest_se(zm, communes)
    position = np.flatnonzero(
        np.logical_and.reduce([zm.cells[c].to_numpy() == v for c, v in zip(zm.cells.columns, cell, strict=True)])
    )[0]
    resp = _resp(survey_tables, cell[1], cell[2])
    inside = resp["commune_code"].isin(ZONE).to_numpy()
    ref = samplics_domains(resp, cell_values(survey_tables, *cell), np.where(inside, "zone", "rest"), False)
    assert se_rest[position] == pytest.approx(ref["rest"]["se"], abs=1e-9)


# --- the guard, on the demonstration data ------------------------------------------------------------


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def _village(demo_db) -> str:
    """A commune of the Loire with a few citizens answering on employment in 2019 (fewer than 30),
    outside Saint-Étienne Métropole."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute(
            "SELECT r.commune_code, count(*) AS n FROM respondents r JOIN fragility f "
            "USING (respondent_id, survey, wave) WHERE r.survey = 'citoyens' AND r.wave = 2019 "
            "AND f.domain = 'emploi' AND r.departement_code = '42' AND r.epci_code <> '244200770' "
            "GROUP BY ALL HAVING count(*) BETWEEN 3 AND 20 ORDER BY n DESC, commune_code LIMIT 1"
        ).fetchall()
    return rows[0][0]


def _emploi(frame: pd.DataFrame) -> pd.DataFrame:
    keep = (frame.survey == "citoyens") & (frame.wave == 2019) & (frame.measure == "emploi")
    return frame[keep & (frame.statistic == "mean_score")]


def test_the_rest_of_a_departement_a_village_away_from_a_published_set_is_not_tested(obs, demo_db):
    """Saint-Étienne Métropole, Lyon and a Loire village: the Loire without them is the published
    Loire without the Métropole less the village's few respondents; it is not tested (nor shown).
    Without the village, the rest of the Loire is that published set and the test is made."""
    zm = dz.zone_moments(obs)
    names = dz.name_of(obs)
    village = _village(demo_db)
    verdicts = {}
    # Saint-Étienne Métropole (SIREN 244200770), published with the rest of the Loire. Not the city
    # alone: the Loire without it and the Loire without the city's canton-ou-ville, both published,
    # differ by a few respondents of the suburbs, and the guard refuses the first as close to the second.
    saint_etienne = list(obs.children("epci", "244200770", "commune")["code"])
    for label, codes in (("with", [*saint_etienne, "69123", village]), ("without", [*saint_etienne, "69123"])):
        communes = zm.commune_index(codes)
        zone = zones.zone_cells(zm, communes, 30, names=names)
        assert _emploi(zone)["refused_reason"].isna().all()  # the zone itself is shown
        tests = _emploi(zone_tests.departement_tests(zm, communes, zone, 30, names=names))
        verdicts[label] = tests.set_index("departement_code")
    loire = verdicts["with"].loc["42"]
    assert loire["significance"] == "not_tested" and np.isnan(loire["estimate_rest"]) and loire["n_rest"] == 0
    assert verdicts["without"].loc["42", "significance"] in ("above", "below", "not_significant")
    assert verdicts["without"].loc["42", "estimate_rest"] > 0


def test_a_departement_with_few_of_the_zones_respondents_is_no_comparison(obs, demo_db):
    """Saint-Étienne and a village of the Ain: the Ain holds too few of the zone's respondents."""
    zm = dz.zone_moments(obs)
    communes = zm.commune_index(["42218", "01001"])
    zone = zones.zone_cells(zm, communes, 30)
    tests = zone_tests.departement_tests(zm, communes, zone, 30)
    assert set(tests["departement_code"]) == {"42"}
    kept, inside = zone_tests.zone_departements(zm, communes, 30)
    assert list(zm.families["departement"].codes[kept]) == ["42"] and (inside >= 30).any()


def test_the_rest_of_a_departement_a_village_away_from_a_stored_zones_rest_is_not_tested(obs, demo_db):
    """Zone A (Saint-Étienne, the Roannais, Lyon) publishes the Loire without them; zone B, A with a
    Loire village and Paris, is far from A, but its Loire rest is A's less the village: not tested
    once A is stored, tested when it is not."""
    zm = dz.zone_moments(obs)
    communes = obs.territories("commune")
    roannais = communes.loc[communes["code"] == "42187", "epci_code"].iloc[0]
    a = ["42218", "69123", *communes.loc[communes["epci_code"] == roannais, "code"]]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (village,) = con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = '42' "
            "AND NOT list_contains(?, r.commune_code) GROUP BY 1 HAVING count(*) BETWEEN 2 AND 20 ORDER BY 1 LIMIT 1",
            [a],
        ).fetchone()
    b = zm.commune_index([*a, village, "75056"])
    zone_b = zones.zone_cells(zm, b, 30)
    assert _emploi(zone_b)["refused_reason"].isna().all()
    prior_a = [zones.PriorZone("zone-a-test", zm.commune_index(a))]
    alone = _emploi(zone_tests.departement_tests(zm, b, zone_b, 30)).set_index("departement_code")
    after_a = _emploi(zone_tests.departement_tests(zm, b, zone_b, 30, prior=prior_a)).set_index("departement_code")
    assert alone.loc["42", "significance"] in ("above", "below", "not_significant")
    assert after_a.loc["42", "significance"] == "not_tested" and np.isnan(after_a.loc["42", "estimate_rest"])
