"""The cantons-ou-villes from a zoning table written by hand: each commune in one unit, none silently.

The real geography's partition is checked in tests/test_geography.py (slow tier).
"""

from __future__ import annotations

import pandas as pd
import pytest

from etl.cantons import COLUMNS, canton_units, of

# (canton, commune): the city C1 is divided between cantons K1 and K2, which hold V1 and V2 whole;
# K3 holds the commune nouvelle N1, divided with K4, which also holds a fraction of C1: one unit of
# four cantons. K5 is a canton as it is. C9 is in no canton.
PAIRS = [
    ("K1", "C1"), ("K1", "V1"), ("K2", "C1"), ("K2", "V2"), ("K3", "N1"), ("K4", "N1"), ("K4", "C1"),
    ("K5", "W1"), ("K5", "W2"),
]  # fmt: skip
COMMUNES = pd.DataFrame(
    {"name": ["Ville", "Nouvelle", "A", "B", "C", "D", "E"], "population": [90_000, 8_000, 10, 20, 30, 40, 50]},
    index=["C1", "N1", "V1", "V2", "W1", "W2", "C9"],
)


def zoning() -> pd.DataFrame:
    rows = pd.DataFrame(PAIRS, columns=["zoning_code", "commune_code"])
    constituency = pd.DataFrame({"zoning_code": ["01-01"], "commune_code": ["C9"], "kind": "circonscription"})
    rows = rows.assign(kind="canton", zoning_name="Canton " + rows["zoning_code"], departement_code="01")
    return pd.concat([rows, constituency.assign(zoning_name="1re", departement_code="01")], ignore_index=True)


def test_every_commune_of_a_canton_is_in_one_unit_and_divided_ones_group_their_cantons():
    units = canton_units(zoning(), COMMUNES)
    assert list(units.columns) == list(COLUMNS)
    assert units["commune_code"].is_unique
    assert set(units["commune_code"]) == {"C1", "N1", "V1", "V2", "W1", "W2"}  # C9: in no canton
    unit_of = units.set_index("commune_code")
    grouped = {"C1", "N1", "V1", "V2"}
    assert set(unit_of.loc[list(grouped), "canton_code"]) == {"VC1"}  # named after the largest divided city
    assert unit_of.loc["C1", "canton_name"] == "Cantons de Ville"
    assert (unit_of.loc[list(grouped), "cantons"] == 4).all()
    assert set(unit_of.loc[["W1", "W2"], "canton_code"]) == {"K5"} and unit_of.loc["W1", "canton_name"] == "Canton K5"
    assert (unit_of.loc[["W1", "W2"], "cantons"] == 1).all()


@pytest.mark.parametrize(
    ("city", "said"),
    [("Saint-Étienne", "de Saint-Étienne"), ("Le Mans", "du Mans"), ("Les Abymes", "des Abymes"),
     ("La Rochelle", "de La Rochelle"), ("Angers", "d'Angers"), ("Évry-Courcouronnes", "d'Évry-Courcouronnes")],
)  # fmt: skip
def test_a_grouped_unit_is_named_after_its_city_as_french_says_it(city, said):
    assert of(city) == said


def test_without_divided_communes_each_canton_is_a_unit():
    plain = zoning()
    plain = plain[~plain["commune_code"].isin(["C1", "N1"])]
    units = canton_units(plain, COMMUNES)
    assert dict(zip(units["commune_code"], units["canton_code"], strict=True)) == {
        "V1": "K1", "V2": "K2", "W1": "K5", "W2": "K5",
    }  # fmt: skip
