"""Zones on the demonstration database: a département's communes give the département's figures;
the guard refuses "a département minus a village" and a zone a village away from a stored zone,
and accepts a zone far from any published set; definitions are stored once, codes resolved.

The estimate against samplics and the guard against a brute-force one: tests/stats/test_zone_stats.py.
The API: tests/api/test_zones_api.py.
"""

from __future__ import annotations

import dataclasses
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data import zones as dz
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats import zones as zs

pytestmark = pytest.mark.db

COMPARED = ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value", "estimate_rest")


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.fixture(scope="module")
def zm(obs) -> zs.ZoneMoments:
    return dz.zone_moments(obs)


def communes_of(demo_db, where: str, params: list) -> list[str]:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(f"SELECT code FROM territories WHERE level = 'commune' AND {where}", params).fetchall()
        ]


def answers(demo_db, survey: str, wave: int, domain: str) -> pd.DataFrame:
    """Citizens' answers to one fragility domain, with their commune (straight from the tables)."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute(
            "SELECT r.commune_code, r.departement_code, count(*) AS n FROM respondents r JOIN fragility f "
            "USING (respondent_id, survey, wave) WHERE r.survey = ? AND r.wave = ? AND f.domain = ? GROUP BY ALL",
            [survey, wave, domain],
        ).df()


@pytest.mark.parametrize("dep", ["23", "42"])
def test_a_departements_communes_give_its_published_figures(obs, zm, demo_db, dep):
    cells = zs.zone_cells(zm, zm.commune_index(communes_of(demo_db, "departement_code = ?", [dep])), min_n=30)
    assert cells["refused_reason"].isna().all()  # equal to a territory: nothing new to refuse
    compared = 0
    for (indicator, survey, wave), ours in cells.groupby(["indicator", "survey", "wave"], sort=False):
        published = obs.stats.estimate(Query(indicator, int(wave), survey, "departement"), 30, territories=(dep,))
        ours = ours.reset_index(drop=True)
        assert list(ours["measure"]) == list(published["measure"])
        assert list(ours["statistic"]) == list(published["statistic"])
        np.testing.assert_array_equal(ours["n"].to_numpy(int), published["n"].to_numpy(int))
        for col in COMPARED:
            np.testing.assert_allclose(ours[col].to_numpy(float), published[col].to_numpy(float), rtol=1e-9,
                                       atol=1e-12, equal_nan=True, err_msg=f"{indicator} {survey} {wave} {col}")  # fmt: skip
        assert list(ours["reliability"]) == list(published["reliability"])
        assert list(ours["significance"]) == list(published["significance"])
        compared += len(ours)
    assert compared > 250  # every indicator of every survey and wave


def test_a_departement_minus_a_village_is_refused_and_says_why(zm, demo_db):
    wave = 2019
    counts = answers(demo_db, "citoyens", wave, "emploi")
    village = counts[(counts.departement_code == "42")].sort_values(["n", "commune_code"]).iloc[0]
    assert 0 < village.n < 30
    zone = [c for c in communes_of(demo_db, "departement_code = ?", ["42"]) if c != village.commune_code]
    cells = zs.zone_cells(zm, zm.commune_index(zone), min_n=30)
    row = cells[(cells.survey == "citoyens") & (cells.wave == wave) & (cells.measure == "emploi")].iloc[0]
    assert row["refused_reason"] == "territory:departement:42"
    assert "Département 42" in row["refused_fr"] and "moins de 30 répondants" in row["refused_fr"]
    assert "fewer than 30 respondents" in row["refused_en"]
    assert row["reliability"] == "suppressed" and np.isnan(row["estimate"]) and pd.isna(row["n"])
    assert row["significance"] == "not_tested"


def far_zone(demo_db, size: int = 500) -> list[str]:
    """Every 12th commune with a citizen, France-wide: no territory is near it."""
    counts = answers(demo_db, "citoyens", 2019, "emploi").sort_values("commune_code")
    return list(counts["commune_code"].iloc[::12][:size])


def test_a_zone_far_from_every_published_territory_is_shown(zm, demo_db):
    zone = far_zone(demo_db)
    assert len(zone) == 500
    cells = zs.zone_cells(zm, zm.commune_index(zone), min_n=30)
    assert cells["refused_reason"].isna().all()
    shown = cells[cells.reliability != "suppressed"]
    assert len(shown) > 250 and shown["estimate"].notna().all()


def test_a_zone_a_village_away_from_a_stored_zone_is_refused(obs, demo_db, tmp_path):
    store = dz.ZoneStore(tmp_path / "zones")
    first, _new = store.save(far_zone(demo_db), "Zone A")
    counts = answers(demo_db, "citoyens", 2019, "emploi")
    village = counts[~counts.commune_code.isin(first.codes)].sort_values(["n", "commune_code"]).iloc[0]
    second, _new = store.save([*first.codes, village.commune_code], "Zone A + un village")
    later = dz.zone_table(obs, store, second)
    row = later[(later.survey == "citoyens") & (later.wave == 2019) & (later.measure == "emploi")].iloc[0]
    assert row["refused_reason"] == f"zone:zone:{first.id}"
    assert first.id in row["refused_fr"] and np.isnan(row["estimate"])
    earlier = dz.zone_table(obs, store, first)  # stored first: the later zone does not count for it
    assert earlier["refused_reason"].isna().all()


def test_a_definition_is_stored_once_under_the_hash_of_its_codes(tmp_path):
    store = dz.ZoneStore(tmp_path / "zones")
    made, new = store.save(["42218", "42207", "42218"], "  Saint-Étienne et Saint-Chamond\x07 ")
    again, new_again = store.save(["42207", "42218"], "another name")
    assert new and not new_again and again == made
    assert made.codes == ("42207", "42218") and made.name == "Saint-Étienne et Saint-Chamond"
    import hashlib

    assert made.id == hashlib.sha256(b"42207\n42218").hexdigest()[:12]
    on_disk = json.loads((tmp_path / "zones" / f"{made.id}.json").read_text(encoding="utf-8"))
    assert on_disk["codes"] == ["42207", "42218"] and on_disk["name"] == made.name
    assert dz.ZoneStore(tmp_path / "zones").get(made.id) == made  # read back by another process
    assert store.get("../../etc/passwd") is None and store.get("0" * 12) is None
    assert list((tmp_path / "zones").iterdir()) == [tmp_path / "zones" / f"{made.id}.json"]  # no leftovers


def test_codes_are_resolved_and_unknown_ones_named(obs):
    got = dz.resolve_codes(obs, ["42218", "69381", "75001", "1001", " 2a004 "])
    assert set(got.codes) >= {"42218", "69123", "75056", "01001", "2A004"}
    how = {n["input"]: n["read_as"] for n in got.notes}
    assert how == {"69381": "commune_alias", "75001": "postal_code", "1001": "leading_zero"}
    with pytest.raises(dz.ZoneError) as err:
        dz.resolve_codes(obs, ["42218", "99999", "ZZZ"])
    assert err.value.param == "codes" and "99999" in err.value.value and "ZZZ" in err.value.value
    for bad in ([], ["42218; DROP TABLE"], [None], [{"code": 1}]):
        with pytest.raises(dz.ZoneError):
            dz.resolve_codes(obs, bad)


@pytest.mark.parametrize(("lang", "words"), [("fr", "moins de 17 répondants"), ("en", "fewer than 17 respondents")])
def test_the_methodology_page_states_the_disclosure_rule_with_the_configured_minimum(demo_db, lang, words):
    from observatory.ui.pages import methodology

    settings = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo", min_n=17)
    page = methodology.layout(Observatory(settings), lang)
    (section,) = [c for c in page.children if getattr(c, "id", None) == "zones-method"]
    assert words in section.children and "/api/v1/zones" in section.children


def test_a_refusal_names_the_territory_it_is_close_to(obs, demo_db, tmp_path):
    """The API's table: « Loire (département 42) », the name read from the geography, not the code alone."""
    counts = answers(demo_db, "citoyens", 2019, "emploi")
    village = counts[(counts.departement_code == "42")].sort_values(["n", "commune_code"]).iloc[0]
    zone = [c for c in communes_of(demo_db, "departement_code = ?", ["42"]) if c != village.commune_code]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (name,) = con.execute("SELECT name FROM territories WHERE level = 'departement' AND code = '42'").fetchone()
    store = dz.ZoneStore(tmp_path)  # nothing stored: only territories count
    definition = dz.ZoneDefinition("test-names", tuple(sorted(zone)), None, "2026-12-06")
    table = dz.zone_table(obs, store, definition)
    row = table[(table.survey == "citoyens") & (table.wave == 2019) & (table.measure == "emploi")].iloc[0]
    assert f"« {name} (département 42) »" in row["refused_fr"]
    assert f"“{name} (département 42)”" in row["refused_en"] or f"“{name} (departement 42)”" in row["refused_en"]


def test_the_rest_of_a_departement_published_by_a_stored_zone_counts_as_published(obs, zm, demo_db, tmp_path):
    """A stored zone's portrait publishes the rest of each of its départements (its test against it):
    "that rest minus a village" is refused like "a département minus a village"."""
    store = dz.ZoneStore(tmp_path / "zones")
    loire = sorted(communes_of(demo_db, "departement_code = ?", ["42"]))
    stored, _new = store.save(loire[::2], "Une Loire sur deux")
    rest = [c for c in loire if c not in set(stored.codes)]
    counts = answers(demo_db, "citoyens", 2019, "emploi")
    village = counts[counts.commune_code.isin(rest)].sort_values(["n", "commune_code"]).iloc[0]
    zone, _new = store.save([c for c in rest if c != village.commune_code], "Le reste, sans un village")
    table = dz.zone_table(obs, store, zone)
    row = table[(table.survey == "citoyens") & (table.wave == 2019) & (table.measure == "emploi")].iloc[0]
    assert row["refused_reason"] == f"zone:zone:{stored.id}-42" and np.isnan(row["estimate"])
    # without the rests, only the stored zone itself counts: the same cell would have been shown
    prior = [zs.PriorZone(stored.id, zm.commune_index(stored.codes))]
    unguarded = zs.zone_cells(zm, zm.commune_index(zone.codes), 30, 30, prior)
    cell = unguarded[(unguarded.survey == "citoyens") & (unguarded.wave == 2019) & (unguarded.measure == "emploi")]
    assert cell["refused_reason"].isna().all() and cell["estimate"].notna().all()


def test_the_store_keeps_at_most_its_limit_and_says_so(tmp_path):
    store = dz.ZoneStore(tmp_path / "zones", limit=2)
    first, _ = store.save(["42218"])
    store.save(["42207"])
    with pytest.raises(dz.ZoneError, match="at most 2 zones"):
        store.save(["69123"])
    assert store.save(["42218"]) == (first, False)  # a stored zone is still found
    assert len(list((tmp_path / "zones").glob("*.json"))) == 2
