"""The zone builder starts from a canton or a constituency: found by name or code, its communes added,
a commune divided between several of them added whole and said so (FR and EN).

The expected communes are read from the database's ``zoning_communes`` table; Saint-Étienne's six
cantons and Paris's eighteen constituencies are facts of the electoral map.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pytest

from observatory.core.config import get_settings
from observatory.data import zonings as zn
from observatory.data.service import Observatory
from observatory.ui.callbacks.zone import selection_after
from observatory.ui.pages import zone as page
from observatory.views import zone_builder as zb

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def stored(demo_db, kind: str, code: str) -> list[str]:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute(
            "SELECT commune_code FROM zoning_communes WHERE kind = ? AND zoning_code = ? ORDER BY 1", [kind, code]
        )
        return [r[0] for r in rows.fetchall()]


@pytest.mark.parametrize(
    ("query", "kind", "code"),
    [
        ("Saint-Étienne-2", "canton", "4215"),
        ("st etienne 2", "canton", "4215"),
        ("canton feurs", "canton", "4205"),
        ("4205", "canton", "4205"),
        ("42-01", "circonscription", "42-01"),
        ("1re circonscription loire", "circonscription", "42-01"),
    ],
)
def test_cantons_and_constituencies_are_found(obs, query, kind, code):
    hits = zb.zoning_hits(obs, query, 8)
    assert (kind, code) in [(h.level, h.code) for h in hits]
    hit = next(h for h in hits if (h.level, h.code) == (kind, code))
    assert hit.parent == "Loire"


def test_a_found_zoning_is_a_button_adding_its_communes(obs):
    hits = zb.zoning_hits(obs, "canton feurs", 8)
    buttons = page.territory_results(hits, "fr")
    first = buttons[0].children
    assert first.id == {"type": page.ADD_TERRITORY, "level": "canton", "code": "4205"}
    assert first.children == "Canton de Feurs (canton 4205) — Loire"
    english = page.territory_results(zb.zoning_hits(obs, "42-01", 8), "en")[0].children.children
    assert english.startswith("1re circonscription de la Loire (constituency 42-01)")


def test_a_cantons_communes_are_added_with_its_divided_commune_said(obs, demo_db):
    expected = stored(demo_db, "canton", "4215")
    got, said = zb.add_territory(obs, ("42094",), "canton", "4215")
    assert got == tuple(sorted({"42094", *expected})) and "42218" in got
    assert said[0].fr == f"Canton de Saint-Etienne-2 (4215) : {len(expected)} communes, dont {len(expected)} ajoutées."
    shared = [m for m in said if m.kind == "warning"]
    assert [m.fr for m in shared] == [
        "Saint-Étienne (42218) : commune partagée entre 6 cantons : toute la commune est comptée."
    ]
    assert (
        shared[0].en
        == "Saint-Étienne (42218): municipality shared between 6 cantons: the whole municipality is counted."
    )


def test_a_constituency_through_the_callback(obs, demo_db):
    trigger = {"type": page.ADD_TERRITORY, "level": "circonscription", "code": "75-01"}
    got, said = selection_after(obs, (), trigger, 1, None, None, None)
    assert got == ("75056",) == tuple(stored(demo_db, "circonscription", "75-01"))
    assert "commune partagée entre 18 circonscriptions" in said[1].fr
    assert "shared between 18 constituencies" in said[1].en


def test_a_whole_canton_says_nothing_of_division(obs, demo_db):
    got, said = zb.add_territory(obs, (), "canton", "4205")
    assert got == tuple(stored(demo_db, "canton", "4205")) and len(said) == 1 and said[0].kind == "info"


def test_unknown_zonings_are_refused(obs):
    unknown = [zb.Message("error", "Territoire inconnu.", "Unknown territory.")]
    assert zb.add_territory(obs, ("42218",), "canton", "0000") == (("42218",), unknown)
    assert zb.add_territory(obs, (), "circonscription", "99-01") == ((), unknown)
    assert zb.add_territory(obs, (), "pays", "4205") == ((), unknown)
    assert zn.find(obs, "") == [] and zn.find(obs, "zzzzqx") == []
