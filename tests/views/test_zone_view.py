"""The zone's view models: the key findings under Benjamini–Hochberg (a hand-made family), the
builder's steps (codes pasted, a CSV uploaded, a map click or box, a territory) and the portrait of
a stored zone on the demonstration database (its tables, respondents, refusals, unknown ids)."""

from __future__ import annotations

import base64
import dataclasses

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data import zones as dz
from observatory.data.service import Observatory
from observatory.stats.pairwise import benjamini_hochberg
from observatory.views import zone as zv
from observatory.views import zone_builder as zb
from observatory.views import zone_findings as zf

KEYS = ("indicator", "survey", "wave", "measure", "statistic")


def cell(measure, p, reliability="ok", estimate=6.0, rest=5.0, se=0.2, significance=None):
    direction = significance or (("above" if estimate > rest else "below") if p < 0.05 else "not_significant")
    return {
        "indicator": "fragility", "survey": "citoyens", "wave": 2019, "measure": measure,
        "statistic": "mean_score", "estimate": estimate, "se": se, "ci_low": estimate - 0.4,
        "ci_high": estimate + 0.4, "n": 400, "reliability": reliability, "significance": direction,
        "p_value": p, "estimate_rest": rest,
    }  # fmt: skip


P_FRANCE = [0.0001, 0.004, 0.03, 0.2, 0.6]  # BH over 7 tests (with the two below): 3 survive at 5 %
P_DEP = [0.01, 0.5]


def family() -> zf.ZoneFindings:
    measures = ["emploi", "logement", "sante", "mobilite", "securite"]
    cells = pd.DataFrame([cell(m, p) for m, p in zip(measures, P_FRANCE, strict=True)])
    cells = pd.concat(
        [cells, pd.DataFrame([cell("jeunesse", 0.0001, "low"), cell("handicap", np.nan, "suppressed", np.nan)])],
        ignore_index=True,
    )
    deps = pd.DataFrame(
        {
            **{k: [cells.iloc[0][k]] * 2 for k in KEYS},
            "measure": ["emploi", "logement"],
            "departement_code": ["42", "42"],
            "n_inside": [300, 300],
            "n_rest": [800, 800],
            "estimate_rest": [7.0, 6.1],
            "se_rest": [0.3, 0.3],
            "difference": [-1.0, -0.1],
            "se_difference": [0.36, 0.36],
            "p_value": P_DEP,
            "significance": ["below", "not_significant"],
        }
    )
    return zf.zone_findings(cells, np.full(len(cells), 0.05), deps)


def test_the_family_is_every_reliable_test_and_bh_decides_what_is_stated():
    found = family()
    assert found.family == len(P_FRANCE) + len(P_DEP)  # the low and the suppressed cells are not in it
    expected = benjamini_hochberg(P_FRANCE + P_DEP)
    adjusted = {(f.departement, f.measure): f.p_adjusted for f in found.tests}
    assert adjusted[(None, "sante")] == pytest.approx(expected[2])
    assert adjusted[("42", "emploi")] == pytest.approx(expected[5])
    stated = {(f.departement, f.measure) for f in found.stated()}
    assert stated == {(None, "emploi"), (None, "logement"), ("42", "emploi")}  # 0.03 · 7 / 4 > 0.05
    assert found.low == 1  # the low-reliability difference is counted, never stated
    assert [d for d, _ in found.groups()] == [None, "42"]


def test_a_statement_gives_both_values_the_difference_and_the_departement():
    found = family()
    names = {"42": "Loire"}
    dep = next(f for f in found.stated() if f.departement == "42")
    assert dep.reference == 7.0 and dep.difference == pytest.approx(-1.0) and dep.rest
    fr = zf.statement(dep, names, "fr")
    assert "au reste du département (Loire)" in fr and "écart −1,00" in fr and "fragilité perçue moins forte" in fr
    en = zf.statement(dep, names, "en")
    assert "the rest of Loire" in en and "difference −1.00" in en
    assert zf.heading("42", names, "fr") == "Par rapport au reste du département Loire (42)"
    france = next(f for f in found.stated() if f.departement is None)
    assert "au reste de la France" in zf.statement(france, names, "fr")


def test_the_family_sentence_says_how_many_out_of_how_many():
    found = family()
    assert zf.family_sentence(found, "fr") == (
        "3 écarts significatifs sur 7 comparaisons (taux de fausses découvertes contrôlé à 5 %)"
    )
    assert zf.family_sentence(found, "en") == (
        "3 significant differences out of 7 comparisons (false discovery rate controlled at 5%)"
    )
    assert zf.family_sentence(zf.ZoneFindings(), "fr").startswith("Aucune comparaison possible")
    one = zf.ZoneFindings(family().tests[:1])
    assert zf.family_sentence(one, "fr").startswith("1 écart significatif sur 1 comparaison (")


# --- the builder's steps -----------------------------------------------------------------------------


def test_pasted_and_uploaded_codes_are_read():
    assert zb.split_codes("42218\n42207, 69001;  '01001' ") == ["42218", "42207", "69001", "01001"]
    assert zb.split_codes(None) == []
    csv = "code_insee;nom\n42218;Saint-Étienne\n\n42207;Saint-Chamond\n".encode()
    url = "data:text/csv;base64," + base64.b64encode(csv).decode()
    assert zb.upload_codes(url) == ["42218", "42207"]
    assert zb.upload_codes("data:text/csv;base64," + base64.b64encode("1001\n2A004\n".encode("latin-1")).decode()) == [
        "1001",
        "2A004",
    ]
    assert zb.upload_codes(None) == [] and zb.upload_codes("garbage") == []


def test_selection_steps():
    assert zb.toggle(("42218",), "42207") == ("42207", "42218")
    assert zb.toggle(("42207", "42218"), "42218") == ("42207",)
    assert zb.add(("42218",), ["01001", "42218"]) == ("01001", "42218")
    assert zb.clean_selection(["42218", 5, "x;y", "01001", "42218"]) == ("01001", "42218")
    assert zb.clean_selection("42218") == ()


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def test_a_map_click_toggles_and_a_box_adds(obs):
    one = zb.map_click(obs, (), {"codes": ["42218"], "mode": "toggle"})
    assert one == ("42218",)
    assert zb.map_click(obs, one, {"codes": ["42218"], "mode": "toggle"}) == ()
    assert zb.map_click(obs, one, {"codes": ["42207", "42218", "99999"], "mode": "add"}) == ("42207", "42218")
    assert zb.map_click(obs, one, {"codes": "42207"}) == one  # malformed: nothing changes


def test_codes_are_resolved_with_messages_and_unknown_ones_named(obs):
    got, said = zb.add_codes(obs, ("42218",), ["42218", "75001", "69381", "1001", "99999", "é"])
    assert got == ("01001", "42218", "69123", "75056")
    texts = [m.text("fr") for m in said]
    assert texts[0] == "3 communes ajoutées."
    assert any("Code postal 75001" in t for t in texts)
    assert any(t.startswith("69381 : arrondissement") for t in texts)
    assert any("zéro initial" in t for t in texts)
    refused = [m for m in said if m.kind == "error"]
    assert len(refused) == 1 and "99999" in refused[0].fr and "é" in refused[0].fr
    assert "99999" in refused[0].text("en")
    same, said = zb.add_codes(obs, (), ["ZZZ1", "99999"])
    assert same == () and [m.kind for m in said] == ["info", "error"]


def test_a_territorys_communes_are_added(obs, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (count,) = con.execute(
            "SELECT count(*) FROM territories WHERE level = 'commune' AND departement_code = '42'"
        ).fetchone()
    got, said = zb.add_territory(obs, ("42218",), "departement", "42")
    assert len(got) == count and "42218" in got
    assert said[0].fr.startswith(f"Loire (département 42) : {count} communes, dont {count - 1} ajoutées")
    assert zb.add_territory(obs, (), "departement", "00") == (
        (),
        [zb.Message("error", "Territoire inconnu.", "Unknown territory.")],
    )
    assert zb.territory_communes(obs, "canton", "42") == ()


# --- the portrait of a stored zone ---------------------------------------------------------------------


def test_the_portrait_of_a_stored_zone(obs, tmp_path):
    store = dz.ZoneStore(tmp_path)
    zone, _new = store.save(["42218", "42207", "69123"], "Deux métropoles")
    p = zv.zone_portrait(obs, store, zone.id)
    assert p.name == "Deux métropoles" and list(p.communes["code"]) == ["42207", "42218", "69123"]
    assert p.departements == {"42": "Loire", "69": "Rhône"}
    latest = zv.latest_waves(obs)
    assert [(b.survey, b.wave) for b in p.surveys] == list(latest.items())
    table = dz.zone_table(obs, store, zone)
    for block in p.surveys:
        for t in block.tables:
            expected = dz.zone_cells_of(table, t.indicator, block.survey, block.wave)
            pd.testing.assert_frame_equal(t.rows[list(expected.columns)], expected)
            model = t.rows["model_estimate"]  # the model's figure only where the survey's is not reliable
            assert model[t.rows["reliability"] == "ok"].isna().all()
            assert t.csv_url(zone.id) == (
                f"/api/v1/zones/{zone.id}/{t.indicator}?survey={block.survey}&wave={block.wave}&format=csv"
            )
    citizens = next(b for b in p.surveys if b.survey == "citoyens")
    shown = pd.concat([t.rows for t in citizens.tables])
    assert citizens.respondents == shown.loc[shown.reliability != "suppressed", "n"].max() > 100
    assert p.findings.family > 0 and all(f.reliability == "ok" for f in p.findings.tests)
    assert zv.zone_portrait(obs, store, "0123456789ab") is None
    assert zv.zone_portrait(obs, store, "../../etc/passwd") is None


def test_refused_cells_keep_their_reason_and_no_value(obs, demo_db, tmp_path):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        loire = [
            r[0]
            for r in con.execute(
                "SELECT code FROM territories WHERE level = 'commune' AND departement_code = '42'"
            ).fetchall()
        ]
        (village,) = con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = '42' "
            "GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
        ).fetchone()
    store = dz.ZoneStore(tmp_path)
    zone, _new = store.save([c for c in loire if c != village], "La Loire moins un village")
    p = zv.zone_portrait(obs, store, zone.id)
    citizens = next(b for b in p.surveys if b.survey == "citoyens")
    rows = next(t for t in citizens.tables if t.indicator == "fragility").rows
    refused = rows[rows["refused_reason"].notna()]
    assert len(refused) and refused["estimate"].isna().all() and refused["n"].isna().all()
    assert refused["refused_fr"].str.contains("moins de 30 répondants").all()
    assert not any(f.measure in set(refused["measure"]) and f.statistic in set(refused["statistic"])
                   and f.survey == "citoyens" for f in p.findings.tests)  # fmt: skip


def test_a_zone_without_a_departement_comparison_has_france_only(obs, tmp_path):
    """A small intercommunality (the Pays Dunois, Creuse): no département holds 30 of its respondents
    in a cell? Then the family is the tests against France only (and the page is drawn)."""
    store = dz.ZoneStore(tmp_path)
    zone, _new = store.save(zb.territory_communes(obs, "epci", "242320109"), "Pays Dunois")
    p = zv.zone_portrait(obs, store, zone.id)
    assert p is not None and p.departements == {"23": "Creuse"}
    assert all(f.departement is None for f in p.findings.tests)
    assert p.findings.family == len(p.findings.tests)


def test_a_zones_changes_are_its_departements_when_it_is_one(obs, demo_db, tmp_path):
    """The zone of a département's communes changes between waves as the département does (the
    engine's change table, read from the estimates), and its changes enter the family."""
    from observatory.stats import Query

    with duckdb.connect(str(demo_db), read_only=True) as con:
        codes = [
            r[0]
            for r in con.execute(
                "SELECT code FROM territories WHERE level = 'commune' AND departement_code = '23'"
            ).fetchall()
        ]
    store = dz.ZoneStore(tmp_path / "zones")
    zone, _new = store.save(codes, "Creuse")
    table = dz.zone_table(obs, store, zone)
    changes = zv.changes(table, obs)
    waves = obs.waves("entreprises")
    ours = changes[(changes.survey == "entreprises") & (changes.indicator == "fragility")].set_index(
        ["measure", "statistic"]
    )
    engine = obs.change(Query("fragility", waves[-2], "entreprises", "departement", territories=("23",)), waves[-1])
    engine = engine.set_index(["measure", "statistic"]).reindex(ours.index)
    shown = ours["reliability"] != "suppressed"  # the guard refuses the zone where the département is published
    assert shown.sum() > 5  # the same respondents as the département: nothing new, shown
    for col in ("difference", "se", "p_value"):
        np.testing.assert_allclose(ours.loc[shown, col], engine.loc[shown, col], rtol=1e-9, atol=1e-12)
    p = zv.zone_portrait(obs, store, zone.id)
    assert {f.versus for f in p.findings.tests} <= {"france", "parent", "previous_wave"}
