"""The place search on the real geography (the demo database): what people type, what they mean.

Each query is one a person would type into the search box: the official name, the name without
its small words ("communaute de communes pays dunois"), the usual abbreviations (CC, CA, CU, ME,
st, ste), no accents, a typographic apostrophe, a municipal arrondissement ("Lyon 3e"), a code or
a postal code. The expected territory is the one a person means (the INSEE or SIREN code checked
in the database by hand); where the query is ambiguous (five communes are named Saint-Denis), the
territory meant must be among the first three results, else it must come first.

``python -m pytest tests/test_search_queries.py -q -s`` prints the share found first and in the
first three.
"""

from __future__ import annotations

import dataclasses

import pytest

from observatory.core.config import get_settings
from observatory.data.search import TerritoryIndex
from observatory.data.service import Observatory

FIRST, TOP3 = 1, 3
# query, level, code, the rank it must have at worst
QUERIES: list[tuple[str, str, str, int]] = [
    # communes: official names, no accents, no hyphens, a missing article or small word
    ("lyon", "commune", "69123", FIRST),
    ("St-Étienne", "commune", "42218", FIRST),
    ("st etienne", "commune", "42218", FIRST),
    ("ste foy les lyon", "commune", "69202", FIRST),
    ("sainte foy lyon", "commune", "69202", FIRST),
    ("les sables d'olonne", "commune", "85194", FIRST),
    ("sables d olonne", "commune", "85194", FIRST),
    ("sables olonne", "commune", "85194", FIRST),
    ("mans", "commune", "72181", FIRST),
    ("chalons en champagne", "commune", "51108", FIRST),
    ("chalons champagne", "commune", "51108", FIRST),
    ("roche sur yon", "commune", "85191", FIRST),
    ("puy en velay", "commune", "43157", FIRST),
    ("boulogne billancourt", "commune", "92012", FIRST),
    ("evry courcouronnes", "commune", "91228", FIRST),
    ("ile saint denis", "commune", "93039", FIRST),
    ("l’hay les roses", "commune", "94038", FIRST),  # the typographic apostrophe of phones
    ("gueret", "commune", "23096", FIRST),
    ("saint denis", "commune", "93066", TOP3),  # five communes: La Réunion's, then Seine-Saint-Denis's
    # municipal arrondissements: the commune they belong to
    ("Lyon 3e", "commune", "69123", FIRST),
    ("lyon 3eme arrondissement", "commune", "69123", FIRST),
    ("paris 15e", "commune", "75056", FIRST),
    ("marseille 1er", "commune", "13055", FIRST),
    # codes and postal codes
    ("2A004", "commune", "2A004", FIRST),
    ("69003", "commune", "69123", FIRST),
    ("42000", "commune", "42218", FIRST),
    ("13001", "commune", "13001", TOP3),  # Aix's INSEE code and Marseille 1er's postal code
    ("200034825", "epci", "200034825", FIRST),
    # EPCIs: official names, without their small words, abbreviated
    ("communaute de communes du pays dunois", "epci", "242320109", FIRST),
    ("communaute de communes pays dunois", "epci", "242320109", FIRST),
    ("cc pays dunois", "epci", "242320109", FIRST),
    ("CC du Pays Dunois", "epci", "242320109", FIRST),
    ("pays dunois", "epci", "242320109", FIRST),
    ("cc dunois", "epci", "241800424", FIRST),
    ("CA grand gueret", "epci", "200034825", FIRST),
    ("grand gueret", "epci", "200034825", FIRST),
    ("agglo grand gueret", "epci", "200034825", FIRST),
    ("ca la rochelle", "epci", "241700434", FIRST),
    ("CU le havre", "epci", "200084952", FIRST),
    ("metropole de lyon", "epci", "200046977", FIRST),
    ("metropole lyon", "epci", "200046977", FIRST),
    ("ME lille", "epci", "200093201", FIRST),
    ("metropole europeenne lille", "epci", "200093201", FIRST),
    ("toulouse metropole", "epci", "243100518", FIRST),
    ("metropole strasbourg", "epci", "246700488", FIRST),  # Eurométropole de Strasbourg
    ("grand paris", "epci", "200054781", FIRST),
    ("coeur de savoie", "epci", "200041010", FIRST),  # Cœur: the ligature typed as two letters
    ("cc coeur savoie", "epci", "200041010", FIRST),
    # départements
    ("creuse", "departement", "23", FIRST),
    ("cotes d armor", "departement", "22", FIRST),
    ("cotes armor", "departement", "22", FIRST),
    ("bouches du rhone", "departement", "13", FIRST),
    ("bouches rhone", "departement", "13", FIRST),
    ("seine st denis", "departement", "93", FIRST),
    ("val d'oise", "departement", "95", FIRST),
    ("corse du sud", "departement", "2A", FIRST),
    ("2a", "departement", "2A", FIRST),
    ("974", "departement", "974", FIRST),
    # régions
    ("reg-84", "region", "84", FIRST),
    ("auvergne rhone alpes", "region", "84", FIRST),
    ("ile de france", "region", "11", FIRST),
    ("pays de la loire", "region", "52", FIRST),
    ("pays loire", "region", "52", FIRST),
    ("provence alpes cote d'azur", "region", "93", FIRST),
    ("la reunion", "region", "04", FIRST),
    ("hauts de france", "region", "32", FIRST),
]


@pytest.fixture(scope="module")
def index(demo_db) -> TerritoryIndex:
    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))
    return obs._index(obs.db.version)


def rank(index: TerritoryIndex, query: str, level: str, code: str) -> int | None:
    """The rank (from 1) of a territory among a query's first ten results; None when absent."""
    hits = [(h.level, h.code) for h in index.search(query, limit=10)]
    return hits.index((level, code)) + 1 if (level, code) in hits else None


def test_the_set_is_large_and_varied() -> None:
    assert len(QUERIES) >= 40
    assert {level for _q, level, _c, _r in QUERIES} == {"commune", "epci", "departement", "region"}
    assert len({q for q, *_ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("query,level,code,worst", QUERIES, ids=[q for q, *_ in QUERIES])
def test_people_find_what_they_mean(index: TerritoryIndex, query: str, level: str, code: str, worst: int) -> None:
    found = rank(index, query, level, code)
    assert found is not None and found <= worst, (query, found, [h.name for h in index.search(query, limit=5)])


def test_share_found(index: TerritoryIndex, capsys) -> None:
    ranks = [rank(index, q, level, code) for q, level, code, _worst in QUERIES]
    first = sum(r == 1 for r in ranks) / len(ranks)
    top3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
    with capsys.disabled():
        print(f"\nsearch test set: {len(ranks)} queries, first {first:.0%}, in the first three {top3:.0%}")
    assert top3 == 1
