"""Every cell the app can show, computed once when the data are loaded: the ``estimates`` table.

For each survey, wave and indicator, one scan of the data (an Ibis expression, on DuckDB or Spark)
gives every level (France, région, département, EPCI, commune, commune-size band), every size class
of the survey (and all sizes), every measure and statistic: the raw cells of
:func:`observatory.stats.taylor.domain_estimates` (n, Σw, Σw², estimate, variance, and the rest of
France's n, estimate and variance). The reliability rule and ``min_n`` are applied when reading
(:func:`observatory.stats.finalize.finalize`), so changing them needs no recompute.

The same scan gives each territory's complement **within its parent** (a commune or an EPCI in its
département, a département in its région): the levels are stacked a second time with the parent as
the universe of the complement (``domain_estimates`` takes the complement within the rows that
share its keys), and a territory counted only where it lies inside its parent (an EPCI straddling
two départements is compared with the rest of its main département, as the on-demand pairwise test
does). That is the profile's "vs the rest of the parent" test, stored beside the rest of France.

Cells with no respondent are not stored; the readers add them back as n = 0.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.stats import measures as ms

STORED_LEVELS: tuple[str, ...] = (
    ref.FRANCE_LEVEL, "region", "departement", "epci", "commune", ref.SIZE_BAND_LEVEL,
)  # fmt: skip
PARENT_LEVEL: dict[str, str] = {"commune": "departement", "epci": "departement", "departement": "region"}
COLUMN: dict[str, str] = {
    "region": "region_code",
    "departement": "departement_code",
    "epci": "epci_code",
    "commune": "commune_code",
}
ALL_SIZES = ""  # the size key of the cells over every size class
RAW_COLUMNS: tuple[str, ...] = (
    "n", "sum_w", "sum_w2", "estimate", "var", "n_rest", "estimate_rest", "var_rest",
)  # fmt: skip
PARENT_COLUMNS: tuple[str, ...] = ("n_rest_parent", "estimate_rest_parent", "var_rest_parent")
TABLE_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "level", "size_class", "territory_code", "measure", "statistic",
    *RAW_COLUMNS, *PARENT_COLUMNS,
)  # fmt: skip
SURVEYS_OF: dict[str, tuple[str, ...]] = {
    "fragility": ("citoyens", "entreprises", "associations", "elus"),
    "partnerships": ref.PARTNERSHIP_SURVEYS,
    "mayors": ("elus",),
    "innovation": ref.INNOVATION_SURVEYS,
}


def values_of(con: ibis.BaseBackend, indicator: str, survey: str, wave: int) -> ir.Table:
    """Every measure of an indicator, one row per respondent and measure (see :mod:`measures`)."""

    def of(table: str) -> ir.Table:
        t = con.table(table)
        return t.filter((t.wave == wave) & (t.survey == survey))

    everything = ms.MEASURES[indicator]
    if indicator == "fragility":
        return ms.fragility_values(of("fragility"), everything)
    if indicator == "partnerships":
        return ms.partnership_values(of("partnerships"), everything)
    if indicator == "innovation":
        return ms.innovation_values(of("opinions"), everything)
    return ms.mayor_values(of("mayors"), of("mayor_roles"), everything)


GEO = ("commune_code", "epci_code", "departement_code", "region_code")
SUMS = ("n", "sw", "swy", "sw2", "sw2y", "sw2y2")


def base_cells(con: ibis.BaseBackend, r: ir.Table, values: ir.Table, survey: str) -> ir.Table:
    """Moments per stratum, commune (with its parents), size class and measure: one scan of the answers.

    Every size class of the survey gets its own cells, and ``ALL_SIZES`` the cells over all of them.
    """
    resp = r.select(
        "respondent_id", *GEO, stratum=r.stratum.fill_null("__all__"), weight=r.weight,
        own_size=r.size_class.fill_null(ALL_SIZES),
    )  # fmt: skip
    x = values.join(resp, "respondent_id")
    w, y = x.weight, x.y
    fine = x.group_by(["stratum", *GEO, "own_size", "measure", "statistic"]).aggregate(
        n=x.count(), sw=w.sum(), swy=(w * y).sum(), sw2=(w * w).sum(), sw2y=(w * w * y).sum(),
        sw2y2=(w * w * y * y).sum(),
    )  # fmt: skip
    classes = [c.code for c in ref.SIZE_CLASSES.get(survey, ())]
    every = fine.group_by(["stratum", *GEO, "measure", "statistic"]).aggregate(
        **{m: fine[m].sum() for m in SUMS}
    ).mutate(size_class=ibis.literal(ALL_SIZES))  # fmt: skip
    parts = [every]
    if classes:
        own = fine.filter(fine.own_size.isin(classes))
        parts.append(own.mutate(size_class=own.own_size).drop("own_size"))
    cells = parts[0]
    for part in parts[1:]:
        cells = cells.union(part.select(*cells.columns))
    # The commune's population band, and the main département of its EPCI (the EPCI's parent).
    t = con.table("territories")
    band = ibis.cases(*[(t.population.between(lo, hi), item.code) for item, lo, hi in ref.SIZE_BANDS])
    communes = t.filter(t.level == "commune").select(commune_code=t.code, band=band)
    epcis = t.filter(t.level == "epci").select(epci_code=t.code, epci_parent=t.departement_code)
    cells = cells.left_join(communes, "commune_code").drop("commune_code_right")
    return cells.left_join(epcis, "epci_code").drop("epci_code_right")


PASSES: tuple[tuple[str, str, str | None], ...] = (
    # (level stored, territory column of the base cells, universe column; None: France)
    (ref.FRANCE_LEVEL, "_france", None),
    ("region", "region_code", None),
    ("departement", "departement_code", None),
    ("epci", "epci_code", None),
    ("commune", "commune_code", None),
    (ref.SIZE_BAND_LEVEL, "band", None),
    # The complement within the parent: a territory counted only where it lies inside its parent.
    ("commune", "commune_code", "departement_code"),
    ("epci", "_epci_inside", "departement_code"),
    ("departement", "departement_code", "region_code"),
)


def _group(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids of rows by several non-negative integer codes: (ids, first row of each group).

    A hash pass (``pd.factorize``), not a sort: groups are numbered in order of appearance, which
    nothing downstream depends on (the table is sorted at the end). 1.7× faster than ``np.unique``
    on the largest survey.
    """
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = key * (int(c.max(initial=0)) + 2) + (c.astype(np.int64) + 1)
    ids, uniques = pd.factorize(key)
    first = np.empty(len(uniques), np.int64)
    # Written from the last row to the first: each group keeps its first row.
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)
    return ids, first


def _sum(ids: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(ids, weights=weights, minlength=size)


def survey_estimates(con: ibis.BaseBackend, indicator: str, survey: str, wave: int) -> pd.DataFrame:
    """The raw cells of one indicator for one survey's wave, every level and size class.

    One scan of the answers into per-commune moments, in the database (Ibis: DuckDB or Spark; the
    only step whose cost grows with the respondents); then, in numpy on those moments (whose number
    depends on territories and measures only), their sums to every level and the estimator of
    :func:`observatory.stats.taylor.estimates_from_cells`, the same formulas vectorised. The tests
    check every stored cell against the on-demand Ibis engine.
    """
    r = con.table("respondents")
    r = r.filter((r.wave == wave) & (r.survey == survey))
    base = con.execute(base_cells(con, r, values_of(con, indicator, survey, wave), survey))
    sized = r.select(stratum=r.stratum.fill_null("__all__"))
    n_h = con.execute(sized.group_by("stratum").aggregate(n_h=sized.count())).set_index("stratum")["n_h"]
    if base.empty:  # this indicator was not asked in this survey's wave
        return empty_table()
    return _estimates(base, n_h).assign(indicator=indicator, survey=survey, wave=int(wave))


def _estimates(base: pd.DataFrame, n_h: pd.Series) -> pd.DataFrame:
    base = base.assign(
        _france=ref.FRANCE_CODE,
        _epci_inside=base["epci_code"].where(base["epci_parent"] == base["departement_code"]),
    )
    # One factorisation of every place column at once (a hash pass, not one lookup per pass).
    geo = ["_france", *COLUMN.values(), "band", "_epci_inside"]
    stacked_codes, places = pd.factorize(pd.concat([base[c] for c in geo], ignore_index=True))
    place_index = pd.Index(places)
    code_of = dict(zip(geo, np.split(stacked_codes, len(geo)), strict=True))
    stratum_c, strata = pd.factorize(base["stratum"])
    size_c, sizes = pd.factorize(base["size_class"])
    measure_c, measures = pd.factorize(base["measure"])
    statistic_c, statistics = pd.factorize(base["statistic"])
    moments = {m: base[m].to_numpy(float) for m in SUMS}
    # Stack the passes: each a copy of the base cells with its territory and universe codes.
    territory, universe, pass_c = [], [], []
    for i, (_level, column, within) in enumerate(PASSES):
        territory.append(code_of[column])  # -1: outside every territory
        universe.append(np.zeros(len(base), np.int64) if within is None else code_of[within])
        pass_c.append(np.full(len(base), i))
    rep = len(PASSES)
    territory, universe, pass_c = (np.concatenate(x) for x in (territory, universe, pass_c))
    stratum, size, measure, statistic = (np.tile(x, rep) for x in (stratum_c, size_c, measure_c, statistic_c))
    # Cells of every (stratum, territory, keys): sums of the base cells of the territory's communes.
    cell, first = _group(pass_c, universe, size, measure, statistic, stratum, territory)
    m = len(first)
    c = {k: _sum(cell, np.tile(v, rep), m) for k, v in moments.items()}
    ck = {name: arr[first] for name, arr in (("pass", pass_c), ("universe", universe), ("size", size),
          ("measure", measure), ("statistic", statistic), ("stratum", stratum), ("territory", territory))}  # fmt: skip
    nh = n_h.reindex(strata).to_numpy(float)[ck["stratum"]]
    k = np.where(nh > 1, nh / np.where(nh > 1, nh - 1, 1), 0.0)
    q = k / nh
    # Stratum totals within the keys (universe included), for the cross terms.
    st, _ = _group(ck["pass"], ck["universe"], ck["size"], ck["measure"], ck["statistic"], ck["stratum"])
    t_sw = _sum(st, c["sw"], st.max() + 1)[st]
    t_swy = _sum(st, c["swy"], st.max() + 1)[st]
    dom, dfirst = _group(ck["pass"], ck["universe"], ck["size"], ck["measure"], ck["statistic"], ck["territory"])
    nd = len(dfirst)
    terms = {
        "n": c["n"], "sum_w": c["sw"], "sum_wy": c["swy"], "sum_w2": c["sw2"],
        "a2": k * c["sw2y2"], "a1": k * c["sw2y"], "a0": k * c["sw2"],
        "b2": q * c["swy"] ** 2, "b1": q * c["swy"] * c["sw"], "b0": q * c["sw"] ** 2,
        "e2": q * t_swy * c["swy"], "e1": q * (t_swy * c["sw"] + t_sw * c["swy"]), "e0": q * t_sw * c["sw"],
    }  # fmt: skip
    d = {name: _sum(dom, v, nd) for name, v in terms.items()}
    dk = {name: arr[dfirst] for name, arr in ck.items()}
    keys, _ = _group(dk["pass"], dk["universe"], dk["size"], dk["measure"], dk["statistic"])
    tot = {name: _sum(keys, d[name], keys.max() + 1)[keys] for name in
           ("n", "sum_w", "sum_wy", "a2", "a1", "a0", "e2", "e1", "e0")}  # fmt: skip
    keep = dk["territory"] >= 0
    d = {name: v[keep] for name, v in d.items()}
    tot = {name: v[keep] for name, v in tot.items()}
    dk = {name: v[keep] for name, v in dk.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        r = d["sum_wy"] / d["sum_w"]
        w_rest = tot["sum_w"] - d["sum_w"]
        rc = np.where(w_rest > 0, (tot["sum_wy"] - d["sum_wy"]) / w_rest, np.nan)

        def quad(p2, p1, p0, x):
            return p2 - 2 * x * p1 + x * x * p0

        inside = quad(d["a2"], d["a1"], d["a0"], r) - quad(d["b2"], d["b1"], d["b0"], r)
        all_strata = quad(tot["a2"], tot["a1"], tot["a0"], rc) - (tot["e2"] - rc * tot["e1"] + rc * rc * tot["e0"])
        rest_minus_total = (
            -quad(d["a2"], d["a1"], d["a0"], rc)
            - quad(d["b2"], d["b1"], d["b0"], rc)
            + 2 * (d["e2"] - rc * d["e1"] + rc * rc * d["e0"])
        )
        var_rest = np.where(w_rest > 0, (all_strata + rest_minus_total) / (w_rest * w_rest), np.nan)
    frame = pd.DataFrame(
        {
            "pass": dk["pass"], "size": dk["size"], "measure": dk["measure"], "statistic": dk["statistic"],
            "territory": dk["territory"], "n": d["n"].round().astype("int64"), "sum_w": d["sum_w"],
            "sum_w2": d["sum_w2"], "estimate": r, "var": inside / (d["sum_w"] * d["sum_w"]),
            "n_rest": (tot["n"] - d["n"]).round().astype("int64"), "estimate_rest": rc, "var_rest": var_rest,
        }
    )  # fmt: skip
    parent = frame["pass"].to_numpy() >= 6
    cells, rest = frame[~parent].copy(), frame[parent]
    level_of = np.array([level for level, _c, _u in PASSES], dtype=object)
    child = {6: 4, 7: 3, 8: 2}  # parent pass → the France pass of the same level
    rest = rest.assign(**{"pass": rest["pass"].map(child)})
    names = {"n_rest": "n_rest_parent", "estimate_rest": "estimate_rest_parent", "var_rest": "var_rest_parent"}
    link = ["pass", "size", "measure", "statistic", "territory"]
    cells = cells.merge(rest[[*link, *names]].rename(columns=names), on=link, how="left", validate="one_to_one")
    return pd.DataFrame(
        {
            "level": level_of[cells["pass"].to_numpy()],
            "size_class": sizes.take(cells["size"].to_numpy()),
            "territory_code": place_index.take(cells["territory"].to_numpy()),
            "measure": measures.take(cells["measure"].to_numpy()),
            "statistic": statistics.take(cells["statistic"].to_numpy()),
            **{col: cells[col].to_numpy() for col in (*RAW_COLUMNS, *PARENT_COLUMNS)},
        }
    )


def all_estimates(
    con: ibis.BaseBackend, progress=None, workers: int = 1, connect: Callable[[], ibis.BaseBackend] | None = None
) -> pd.DataFrame:
    """The whole ``estimates`` table of a database: every survey and wave loaded, every indicator.

    With ``workers`` > 1 and ``connect`` (a new connection to the same data per call: DuckDB
    cursors), the surveys' scans run in parallel threads (DuckDB and numpy release the GIL).
    """
    say = progress or (lambda _m: None)
    datasets = con.table("datasets").select("survey", "wave").execute()
    jobs = [
        (indicator, survey, int(wave))
        for survey, wave in sorted(datasets.itertuples(index=False, name=None))
        for indicator, surveys in SURVEYS_OF.items()
        if survey in surveys
    ]

    def run(job: tuple[str, str, int], backend: ibis.BaseBackend | None = None) -> pd.DataFrame:
        say(f"estimations / estimates: {job[0]}, {job[1]} {job[2]}")
        return survey_estimates(backend or connect(), *job)

    if workers > 1 and connect is not None:
        with ThreadPoolExecutor(workers) as pool:
            frames = list(pool.map(run, jobs))
    else:
        frames = [run(job, con) for job in jobs]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_table()
    out = pd.concat(frames, ignore_index=True)
    out["size_class"] = out["size_class"].where(out["size_class"] != ALL_SIZES, None)
    out = out[out["n"] > 0]
    order = ["indicator", "survey", "wave", "level", "size_class", "measure", "statistic", "territory_code"]
    return out.sort_values(order, na_position="first")[list(TABLE_COLUMNS)].reset_index(drop=True)


def empty_table() -> pd.DataFrame:
    """The estimates table with no row (a database without survey data)."""
    text = ("indicator", "survey", "level", "size_class", "territory_code", "measure", "statistic")
    dtypes = {c: "object" if c in text else "int64" if c in ("wave", "n", "n_rest", "n_rest_parent") else "float64"
              for c in TABLE_COLUMNS}  # fmt: skip
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
