"""The answers of every survey, wave and indicator arranged for zones, and a zone's raw cells.

A zone is one more domain of the whole sample of each survey and wave, exactly as a territory is
(:mod:`observatory.stats.taylor`): its respondents are those of its communes, the strata are the
survey's, and its estimate and linearised variance, with the rest of France's, are the same
formulas (``cell_terms``, ``ratios``, ``variances``), run on numpy arrays as the stored table does
(:mod:`observatory.stats.precompute`). Only the grouping differs: the answers are read once per data
version (:func:`load`: one row per respondent and cell, sorted by commune), and a zone's moments are
sums over its communes' rows, every cell of every survey and wave at once (:func:`raw_cells`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.core.lru import LRU
from observatory.stats import measures as ms
from observatory.stats import taylor
from observatory.stats.territory_table import cells_of

CELL_COLUMNS = ("indicator", "survey", "wave", "measure", "statistic")
ZONE_LEVEL = "zone"
NO_STRATUM = "__all__"  # one stratum per survey and wave when the data give none (as the engine)
EPCI_INSIDE = "epci_inside"  # an EPCI's communes inside its main département (its parent's test)
COUNTS_CACHE = 4096  # stored zones whose respondent counts per cell are kept (the guard's)


@dataclass(frozen=True)
class Family:
    """Published territories of one level, each a set of communes: the guard's reference sets.

    ``of_commune[i]`` is the territory (index into ``codes``) of commune ``i``, -1 for none;
    ``parent`` names the family of the territories' parents and ``parent_of`` each territory's
    parent (index into the parent family's codes) when the level is published "against the rest of
    its parent" (an EPCI counted inside its main département only).
    """

    level: str
    codes: np.ndarray
    of_commune: np.ndarray
    parent: str | None = None
    parent_of: np.ndarray | None = None


@dataclass(frozen=True)
class ZoneMoments:
    """The answers of every survey, wave and indicator, arranged for zones (see :func:`load`).

    ``cells`` lists the C cells (indicator, survey, wave, measure, statistic) in the tables' order.
    The answer rows (one per respondent and cell) are sorted by commune: those of commune ``i`` are
    ``offsets[i]:offsets[i + 1]``. Strata are numbered within each survey and wave (``block``).
    """

    cells: pd.DataFrame
    communes: pd.Index
    offsets: np.ndarray
    row_resp: np.ndarray
    row_cell: np.ndarray
    row_y: np.ndarray
    resp_weight: np.ndarray
    resp_stratum: np.ndarray
    cell_block: np.ndarray
    n_h: np.ndarray  # blocks × strata: the whole sample's stratum sizes
    stratum_sw: np.ndarray  # cells × strata: Σw and Σwy of each stratum (the cross terms)
    stratum_swy: np.ndarray
    totals: dict[str, np.ndarray]  # per cell, the sums of taylor.TOTALS over the whole sample
    families: dict[str, Family]
    family_n: dict[str, np.ndarray]  # cells × territories: respondents of each published territory
    dep_of_commune: np.ndarray
    counts_cache: LRU = field(default_factory=lambda: LRU(COUNTS_CACHE), compare=False, repr=False)

    @property
    def strata(self) -> int:
        """Strata slots per cell (the largest survey-wave's number of strata)."""
        return self.stratum_sw.shape[1]

    def commune_index(self, codes: Sequence[str]) -> np.ndarray:
        """The sorted positions of commune codes (unknown codes are left out: the caller checks them)."""
        idx = self.communes.get_indexer(list(codes))
        return np.unique(idx[idx >= 0])

    def rows_of(self, communes: np.ndarray) -> np.ndarray:
        """The answer rows of some communes (positions from :meth:`commune_index`)."""
        starts = self.offsets[communes]
        lengths = self.offsets[communes + 1] - starts
        if not lengths.sum():
            return np.zeros(0, dtype=np.int64)
        # Each commune's run of rows, concatenated without a Python loop.
        shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return shift + np.arange(int(lengths.sum()))

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """Respondents per cell among some answer rows."""
        return np.bincount(self.row_cell[rows], minlength=len(self.cells)).astype(np.int64)

    def zone_counts(self, key: str, communes: np.ndarray) -> np.ndarray:
        """Respondents per cell of a stored zone, kept by its key (a zone id names one set of communes)."""
        return self.counts_cache.get(key, lambda: self.counts(self.rows_of(communes)))


def raw_cells(zm: ZoneMoments, rows: np.ndarray) -> pd.DataFrame:
    """The raw cells (n, Σw, Σw², estimate, var and the rest of France's) of the domain of ``rows``.

    The zone's moments per (cell, stratum), then the terms of :func:`taylor.cell_terms` against
    the whole sample's stratum totals, summed per cell: the engine's computation for one territory.
    """
    cells, strata = len(zm.cells), zm.strata
    cell = zm.row_cell[rows].astype(np.int64)
    resp = zm.row_resp[rows]
    w, y = zm.resp_weight[resp], zm.row_y[rows]
    key = cell * strata + zm.resp_stratum[resp]
    size = cells * strata
    wy = w * y
    sums = {
        "n": np.bincount(key, minlength=size).astype(float),
        "sw": np.bincount(key, w, minlength=size),
        "swy": np.bincount(key, wy, minlength=size),
        "sw2": np.bincount(key, w * w, minlength=size),
        "sw2y": np.bincount(key, w * wy, minlength=size),
        "sw2y2": np.bincount(key, wy * wy, minlength=size),
    }
    present = np.flatnonzero(sums["n"])
    return raw_from_moments(zm, present, {name: v[present] for name, v in sums.items()})


def raw_from_moments(zm: ZoneMoments, present: np.ndarray, moments: dict[str, np.ndarray]) -> pd.DataFrame:
    """The raw cells from a domain's moments per (cell, stratum) key (``present``: the keys, ascending).

    The second half of :func:`raw_cells`, shared with the bulk zones (``etl/zones.py``), whose moments
    Spark may sum: the Taylor terms against the whole sample's stratum totals, summed per cell.
    """
    cells, strata = len(zm.cells), zm.strata
    of_cell, h = present // strata, present % strata
    n_h = zm.n_h[zm.cell_block[of_cell], h]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = taylor.cell_terms(
            moments,
            taylor.stratum_factor(n_h, taylor.NUMPY),
            n_h,
            zm.stratum_sw.ravel()[present],
            zm.stratum_swy.ravel()[present],
        )
        d = {name: np.bincount(of_cell, term, minlength=cells) for name, term in terms.items()}
        r = taylor.ratios(d, zm.totals, taylor.NUMPY)
        v = taylor.variances(d, zm.totals, r, taylor.NUMPY)
    out = zm.cells.copy()
    out["n"] = d["n"].round().astype("int64")
    out["sum_w"], out["sum_w2"], out["estimate"], out["var"] = d["sum_w"], d["sum_w2"], r["estimate"], v["var"]
    out["n_rest"] = np.rint(r["n_rest"]).astype("int64")
    out["estimate_rest"], out["var_rest"] = r["estimate_rest"], v["var_rest"]
    return out


# --- loading ---------------------------------------------------------------------------------------


def cell_grid(combos: Sequence[tuple[str, str, int]]) -> pd.DataFrame:
    """The cells of some (indicator, survey, wave), each in the engine's order of measures and statistics."""
    rows = [(i, s, int(w), m, st) for i, s, w in combos for m, st in _grid_of((i, s, w))]
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def load(con: ibis.BaseBackend, combos: Sequence[tuple[str, str, int]]) -> ZoneMoments:
    """Read the answers of ``combos`` (indicator, survey, wave) once: one query per survey-wave and indicator.

    Combinations without any answer (the mayors were not asked the fragility questions) are left out.
    """
    t = con.table("territories")
    geo = con.execute(
        t.filter(t.level.isin(["commune", "epci"])).select(
            "level", "code", "departement_code", "region_code", "epci_code", "canton_code", "population"
        )
    )
    communes = geo[geo["level"] == "commune"].sort_values("code").reset_index(drop=True)
    index = pd.Index(communes["code"].astype(str))
    blocks = sorted({(s, int(w)) for _i, s, w in combos})
    resp, values, kept = [], [], []
    wanted = {_combo(c) for c in combos}
    for b, (survey, wave) in enumerate(blocks):
        r = con.table("respondents")
        r = r.filter((r.survey == survey) & (r.wave == wave))
        r = r.mutate(rid=ibis.row_number().over(order_by=r.respondent_id))
        people = con.execute(r.select("rid", "commune_code", "weight", stratum=r.stratum.fill_null(NO_STRATUM)))
        people = people.sort_values("rid").reset_index(drop=True)
        offset = sum(len(p) for p in resp)
        resp.append(people.assign(block=b))
        for indicator, surveys in ref.SURVEYS_OF.items():
            if survey not in surveys or (indicator, survey, wave) not in wanted:
                continue
            frame = _values(con, r, indicator, survey, wave)
            if len(frame):
                kept.append((indicator, survey, wave))
                # The combination's cells follow those of the combinations kept before it.
                first = sum(len(_grid_of(c)) for c in kept[:-1])
                values.append(
                    (
                        frame["rid"].to_numpy(np.int64) + offset,
                        frame["cell"].to_numpy(np.int64) + first,
                        frame["y"].to_numpy(float),
                    )
                )
    cells = cell_grid(kept)
    people = pd.concat(resp, ignore_index=True)
    return _arrange(cells, index, communes, geo, people, values, blocks)


def _combo(c: tuple[str, str, int]) -> tuple[str, str, int]:
    return (c[0], c[1], int(c[2]))


def _grid_of(combo: tuple[str, str, int]) -> list[tuple[str, str]]:
    return cells_of(combo[0], ms.MEASURES[combo[0]])


def _values(con: ibis.BaseBackend, r, indicator: str, survey: str, wave: int) -> pd.DataFrame:
    """``rid, cell, y``: one row per respondent and cell of one indicator (cell: its place in the grid)."""
    grid = _grid_of((indicator, survey, wave))
    cells = ibis.memtable(
        {"measure": [m for m, _s in grid], "statistic": [s for _m, s in grid], "cell": list(range(len(grid)))}
    )
    v = ms.indicator_values(con, indicator, survey, wave)
    x = v.join(r.select("respondent_id", "rid"), "respondent_id").join(cells, ["measure", "statistic"])
    return con.execute(x.select("rid", "cell", "y"))


def _arrange(cells, index, communes, geo, people, values, blocks) -> ZoneMoments:
    """The arrays of :class:`ZoneMoments` from the fetched respondents and answers."""
    row_resp = np.concatenate([v[0] for v in values]).astype(np.int32) if values else np.zeros(0, np.int32)
    # A cell's number in two bytes when there are few (300 for the demonstration data: 8 MB less).
    cell_type = np.int16 if len(cells) < np.iinfo(np.int16).max else np.int32
    row_cell = np.concatenate([v[1] for v in values]).astype(cell_type) if values else np.zeros(0, cell_type)
    row_y = np.concatenate([v[2] for v in values]) if values else np.zeros(0)
    resp_commune = index.get_indexer(people["commune_code"].astype(object).fillna("").astype(str))
    stratum, n_h = _strata(people)
    block_of = {sw: b for b, sw in enumerate(blocks)}
    cell_block = np.array([block_of[(s, int(w))] for s, w in zip(cells["survey"], cells["wave"], strict=True)])
    cell_block = cell_block.astype(np.int64) if len(cells) else np.zeros(0, np.int64)
    weight = people["weight"].to_numpy(float)
    # Rows sorted by commune; the rows of respondents outside every commune count in the totals only.
    row_commune = resp_commune[row_resp] if len(row_resp) else np.zeros(0, np.int64)
    order = np.argsort(row_commune, kind="stable")
    inside = order[row_commune[order] >= 0]
    offsets = np.searchsorted(row_commune[inside], np.arange(len(index) + 1))
    totals, stratum_sw, stratum_swy = _totals(
        cells, n_h, cell_block, row_cell, stratum[row_resp], weight[row_resp], row_y
    )
    families, dep_of_commune = families_of(communes, geo)
    cell_commune = (row_cell, row_commune)
    family_n = {name: _family_counts(len(cells), cell_commune, fam) for name, fam in families.items()}
    return ZoneMoments(
        cells=cells, communes=index, offsets=offsets.astype(np.int64), row_resp=row_resp[inside],
        row_cell=row_cell[inside], row_y=row_y[inside], resp_weight=weight, resp_stratum=stratum,
        cell_block=cell_block, n_h=n_h, stratum_sw=stratum_sw, stratum_swy=stratum_swy, totals=totals,
        families=families, family_n=family_n, dep_of_commune=dep_of_commune,
    )  # fmt: skip


def _strata(people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each respondent's stratum, numbered within its survey-wave, and the strata's sizes (blocks × strata)."""
    stratum = np.zeros(len(people), dtype=np.int64)
    sizes = []
    for _block, part in people.groupby("block", sort=True):
        codes, labels = pd.factorize(part["stratum"].astype(str))
        stratum[part.index.to_numpy()] = codes
        sizes.append(np.bincount(codes, minlength=len(labels)).astype(float))
    n_h = np.zeros((len(sizes), max((len(s) for s in sizes), default=1)))
    for b, s in enumerate(sizes):
        n_h[b, : len(s)] = s
    return stratum, n_h


def _totals(cells, n_h, cell_block, row_cell, row_stratum, row_w, row_y):
    """The whole sample's sums per cell (taylor.TOTALS) and each stratum's Σw and Σwy per cell.

    The totals are linear in the (stratum, territory) moments (the a and e sums of
    :func:`taylor.cell_terms`), so the terms of the strata's totals give them.
    """
    size_c, strata = len(cells), n_h.shape[1]
    key = row_cell.astype(np.int64) * strata + row_stratum
    wy = row_w * row_y
    sums = {
        "n": np.bincount(key, minlength=size_c * strata).astype(float),
        "sw": np.bincount(key, row_w, minlength=size_c * strata),
        "swy": np.bincount(key, wy, minlength=size_c * strata),
        "sw2": np.bincount(key, row_w * row_w, minlength=size_c * strata),
        "sw2y": np.bincount(key, row_w * wy, minlength=size_c * strata),
        "sw2y2": np.bincount(key, wy * wy, minlength=size_c * strata),
    }
    hs = np.tile(np.arange(strata), size_c)
    nh = n_h[np.repeat(cell_block, strata), hs] if size_c else np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = taylor.cell_terms(sums, taylor.stratum_factor(nh, taylor.NUMPY), nh, sums["sw"], sums["swy"])
    totals = {}
    for name in taylor.TOTALS:
        term = np.where(sums["n"] > 0, terms[name], 0.0)
        totals[name] = term.reshape(size_c, strata).sum(axis=1)
    return totals, sums["sw"].reshape(size_c, strata), sums["swy"].reshape(size_c, strata)


def _family_counts(cells: int, cell_commune: tuple[np.ndarray, np.ndarray], fam: Family) -> np.ndarray:
    """Respondents of every territory of a family per cell (cells × territories)."""
    row_cell, row_commune = cell_commune
    k = len(fam.codes)
    of = np.where(row_commune >= 0, fam.of_commune[np.clip(row_commune, 0, None)], -1)
    keep = of >= 0
    key = row_cell[keep].astype(np.int64) * k + of[keep]
    return np.bincount(key, minlength=cells * k).reshape(cells, k)


def families_of(communes: pd.DataFrame, geo: pd.DataFrame) -> tuple[dict[str, Family], np.ndarray]:
    """The published levels as families of communes, and each commune's département (position).

    ``communes``: the communes of the territories table sorted by code (code, departement_code,
    region_code, epci_code, canton_code, population); ``geo`` also holds the EPCIs (their main
    département). A canton-ou-ville lies in one département: it is published against its rest as it is.
    """
    count = len(communes)

    def family(level: str, column: pd.Series) -> Family:
        codes, uniques = pd.factorize(column.astype(object), sort=True)
        return Family(level, np.asarray(uniques, dtype=object), codes.astype(np.int64))

    regions = family("region", communes["region_code"])
    deps = family("departement", communes["departement_code"])
    epcis = family("epci", communes["epci_code"])
    cantons = family("canton", communes["canton_code"])
    band = pd.Series(None, index=communes.index, dtype=object)
    for item, lo, hi in ref.SIZE_BANDS:
        band[communes["population"].between(lo, hi)] = item.code
    epci_rows = geo[geo["level"] == "epci"].set_index("code")["departement_code"]
    main_dep = epci_rows.reindex(epcis.codes).to_numpy(object)
    dep_index = pd.Index(deps.codes)
    region_of_dep = communes.groupby("departement_code")["region_code"].first().reindex(deps.codes)
    dep_of_canton = communes.groupby("canton_code")["departement_code"].first().reindex(cantons.codes)
    inside = np.where(
        (epcis.of_commune >= 0)
        & (communes["departement_code"].to_numpy(object) == main_dep[np.clip(epcis.of_commune, 0, None)]),
        epcis.of_commune,
        -1,
    )
    families = {
        ref.FRANCE_LEVEL: Family(
            ref.FRANCE_LEVEL, np.array([ref.FRANCE_CODE], dtype=object), np.zeros(count, np.int64)
        ),
        "region": regions,
        "departement": Family(
            "departement", deps.codes, deps.of_commune, "region", pd.Index(regions.codes).get_indexer(region_of_dep)
        ),
        "epci": epcis,
        "canton": Family(
            "canton", cantons.codes, cantons.of_commune, "departement", dep_index.get_indexer(dep_of_canton)
        ),
        EPCI_INSIDE: Family(EPCI_INSIDE, epcis.codes, inside, "departement", dep_index.get_indexer(main_dep)),
        ref.SIZE_BAND_LEVEL: family(ref.SIZE_BAND_LEVEL, band),
    }
    return families, deps.of_commune
