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
from observatory.stats import taylor
from observatory.stats.finalize import INNER_COLUMN

STORED_LEVELS: tuple[str, ...] = (
    ref.FRANCE_LEVEL, "region", "departement", "epci", "canton", "commune", ref.SIZE_BAND_LEVEL,
)  # fmt: skip
ALL_SIZES = ""  # the size key of the cells over every size class
RAW_COLUMNS: tuple[str, ...] = (
    "n", "sum_w", "sum_w2", "estimate", "var", "n_rest", "estimate_rest", "var_rest",
)  # fmt: skip
PARENT_COLUMNS: tuple[str, ...] = ("n_rest_parent", "estimate_rest_parent", "var_rest_parent")
TABLE_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "level", "size_class", "territory_code", "measure", "statistic",
    *RAW_COLUMNS, *PARENT_COLUMNS, INNER_COLUMN,
)  # fmt: skip
# (inner level, outer level): the outer territories wholly made of inner ones, whose cells count the
# largest inner one's respondents (INNER_COLUMN). Not the EPCIs in a département: some straddle two.
NESTING: tuple[tuple[str, str], ...] = (
    ("commune", "canton"), ("commune", "epci"), ("commune", "departement"), ("canton", "departement"),
    ("departement", "region"),
)  # fmt: skip
GEO = ("commune_code", "epci_code", "canton_code", "departement_code", "region_code")
# A copy of the cells over every size (``size_class`` NULL), sorted by territory: a profile reads one
# territory's ~800 cells from one row group of it (3 ms, 10 MB of DuckDB's buffer), where the
# estimates table, sorted for the maps (one indicator, every territory), is scanned half through
# (20–290 ms, 160 MB of buffer kept by every worker); with the complements of the rest of the parent,
# for the profile's test against it. About 70 MB more on disk for the demonstration data.
BY_TERRITORY = "estimates_by_territory"
BY_TERRITORY_KEYS: tuple[str, ...] = ("level", "territory_code", "indicator", "survey", "wave", "measure", "statistic")


def base_cells(con: ibis.BaseBackend, r: ir.Table, values: ir.Table, survey: str) -> ir.Table:
    """Moments per stratum, commune (with its parents), size class and measure: one scan of the answers.

    Every size class of the survey gets its own cells, and ``ALL_SIZES`` the cells over all of them.
    """
    resp = r.select(
        "respondent_id", *GEO, stratum=r.stratum.fill_null("__all__"), weight=r.weight,
        own_size=r.size_class.fill_null(ALL_SIZES),
    )  # fmt: skip
    x = values.join(resp, "respondent_id")
    fine = x.group_by(["stratum", *GEO, "own_size", "measure", "statistic"]).aggregate(**taylor.moments(x))
    classes = [c.code for c in ref.SIZE_CLASSES.get(survey, ())]
    every = fine.group_by(["stratum", *GEO, "measure", "statistic"]).aggregate(
        **{m: fine[m].sum() for m in taylor.MOMENTS}
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
    ("canton", "canton_code", None),
    ("commune", "commune_code", None),
    (ref.SIZE_BAND_LEVEL, "band", None),
    # The complement within the parent: a territory counted only where it lies inside its parent.
    ("commune", "commune_code", ref.LEVEL_COLUMNS[ref.PARENT_LEVEL["commune"]]),
    ("epci", "_epci_inside", ref.LEVEL_COLUMNS[ref.PARENT_LEVEL["epci"]]),
    ("canton", "canton_code", ref.LEVEL_COLUMNS[ref.PARENT_LEVEL["canton"]]),
    ("departement", "departement_code", ref.LEVEL_COLUMNS[ref.PARENT_LEVEL["departement"]]),
)
# Each pass within a parent → the pass of the same level within France, whose cells it completes.
PARENT_PASSES: dict[int, int] = {
    i: next(j for j, (lv, _c, w) in enumerate(PASSES) if lv == level and w is None)
    for i, (level, _column, within) in enumerate(PASSES)
    if within is not None
}
# The keys of the base cells coded by factorisation, and the columns they code.
CODED = {"stratum": "stratum", "size": "size_class", "measure": "measure", "statistic": "statistic"}
# The keys of a cell, a territory's cells (a domain), and the universe of its complement.
CELL_KEYS = ("pass", "universe", "size", "measure", "statistic", "stratum", "territory")
STRATUM_KEYS = ("pass", "universe", "size", "measure", "statistic", "stratum")
DOMAIN_KEYS = ("pass", "universe", "size", "measure", "statistic", "territory")
UNIVERSE_KEYS = ("pass", "universe", "size", "measure", "statistic")


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


def _group_sums(keys: dict[str, np.ndarray], by: tuple[str, ...], values: dict[str, np.ndarray]) -> dict:
    """Each row's group total of each of ``values``, the groups given by the ``by`` keys."""
    ids, first = _group(*(keys[k] for k in by))
    return {name: _sum(ids, v, len(first))[ids] for name, v in values.items()}


def survey_estimates(con: ibis.BaseBackend, indicator: str, survey: str, wave: int) -> pd.DataFrame:
    """The raw cells of one indicator for one survey's wave, every level and size class.

    One scan of the answers into per-commune moments, in the database (Ibis: DuckDB or Spark; the
    only step whose cost grows with the respondents); then, in numpy on those moments (whose number
    depends on territories and measures only), their sums to every level and the estimator of
    :mod:`observatory.stats.taylor`, its very formulas on numpy arrays. The tests check every
    stored cell against the on-demand Ibis engine.
    """
    r = con.table("respondents")
    r = r.filter((r.wave == wave) & (r.survey == survey))
    base = con.execute(base_cells(con, r, ms.indicator_values(con, indicator, survey, wave), survey))
    sizes = taylor.stratum_sizes(r.select(stratum=r.stratum.fill_null("__all__")))
    n_h = con.execute(sizes).set_index("stratum")["n_h"]
    if base.empty:  # this indicator was not asked in this survey's wave
        return empty_table()
    return _estimates(base, n_h).assign(indicator=indicator, survey=survey, wave=int(wave))


def _estimates(base: pd.DataFrame, n_h: pd.Series) -> pd.DataFrame:
    """The raw cells of every level from the base cells (:func:`base_cells`) and the stratum sizes."""
    base = base.assign(
        _france=ref.FRANCE_CODE,
        _epci_inside=base["epci_code"].where(base["epci_parent"] == base["departement_code"]),
    )
    # One factorisation of every place column at once (a hash pass, not one lookup per pass).
    geo = ["_france", *ref.LEVEL_COLUMNS.values(), "band", "_epci_inside"]
    stacked_codes, places = pd.factorize(pd.concat([base[c] for c in geo], ignore_index=True))
    code_of = dict(zip(geo, np.split(stacked_codes, len(geo)), strict=True))
    codes, labels = {}, {}
    for key, column in CODED.items():
        codes[key], labels[key] = pd.factorize(base[column])
    # Stack the passes: each a copy of the base cells with its territory and universe codes.
    rows, rep = len(base), len(PASSES)
    keys = {
        "pass": np.repeat(np.arange(rep), rows),
        "universe": np.concatenate([np.zeros(rows, np.int64) if u is None else code_of[u] for _l, _t, u in PASSES]),
        **{key: np.tile(c, rep) for key, c in codes.items()},
        "territory": np.concatenate([code_of[t] for _l, t, _u in PASSES]),  # -1: outside every territory
    }  # fmt: skip
    moments = {m: base[m].to_numpy(float) for m in taylor.MOMENTS}
    cells = _with_parent_rest(_domains(keys, moments, n_h.reindex(labels["stratum"]).to_numpy(float)))
    level_of = np.array([level for level, _t, _u in PASSES], dtype=object)
    frame = pd.DataFrame(
        {
            "level": level_of[cells["pass"].to_numpy()],
            "size_class": labels["size"].take(cells["size"].to_numpy()),
            "territory_code": pd.Index(places).take(cells["territory"].to_numpy()),
            "measure": labels["measure"].take(cells["measure"].to_numpy()),
            "statistic": labels["statistic"].take(cells["statistic"].to_numpy()),
            **{col: cells[col].to_numpy() for col in (*RAW_COLUMNS, *PARENT_COLUMNS)},
        }
    )
    return with_inner_counts(frame, base)


def inner_counts(r: ir.Table, values: ir.Table, level: str) -> ir.Table | None:
    """On demand: per territory of ``level`` and measure, the most respondents of a territory inside it.

    ``r``: the respondents of the wave; ``values``: their answers (respondent_id, measure, statistic).
    Columns territory, measure, statistic, :data:`INNER_COLUMN`; None when nothing nests in the level.
    The stored cells' :func:`with_inner_counts`, from the answers.
    """
    parts = []
    for inner in (i for i, outer in NESTING if outer == level):
        places = r.select("respondent_id", territory=r[ref.LEVEL_COLUMNS[level]], inner=r[ref.LEVEL_COLUMNS[inner]])
        x = values.join(places, "respondent_id")
        x = x.filter(x.territory.notnull() & x.inner.notnull())
        counts = x.group_by(["territory", "inner", "measure", "statistic"]).aggregate(n=x.count())
        parts.append(counts.group_by(["territory", "measure", "statistic"]).aggregate(m=counts.n.max()))
    if not parts:
        return None
    every = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    return every.group_by(["territory", "measure", "statistic"]).aggregate(**{INNER_COLUMN: every.m.max()})


def with_inner_counts(frame: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """The cells with :data:`INNER_COLUMN`: per cell, the most respondents of a territory inside (:data:`NESTING`).

    ``base``: the base cells (one row per commune at least), whose place columns say what lies in what.
    """
    keys = ["size_class", "measure", "statistic"]
    parts = []
    for inner, outer in NESTING:
        pairs = base[[ref.LEVEL_COLUMNS[inner], ref.LEVEL_COLUMNS[outer]]].dropna().drop_duplicates()
        pairs.columns = ["territory_code", "outer"]
        cells = frame.loc[frame["level"] == inner, [*keys, "territory_code", "n"]].merge(pairs, on="territory_code")
        largest = cells.groupby([*keys, "outer"], dropna=False, observed=True)["n"].max()
        parts.append(largest.reset_index().assign(level=outer))
    inner_n = pd.concat(parts).groupby(["level", *keys, "outer"], dropna=False, observed=True)["n"].max()
    inner_n = inner_n.rename(INNER_COLUMN).reset_index().rename(columns={"outer": "territory_code"})
    return frame.merge(inner_n, on=["level", *keys, "territory_code"], how="left")


def _domains(keys: dict[str, np.ndarray], moments: dict[str, np.ndarray], n_h: np.ndarray) -> pd.DataFrame:
    """The estimator of :mod:`observatory.stats.taylor` on the stacked base cells, per domain.

    ``keys`` are the base cells' keys stacked once per pass, ``moments`` their moments (once: the
    same for every pass); ``n_h`` the size of each stratum code. Sums into cells (stratum ×
    territory), their terms, the terms' sums per domain and per universe, then the ratios and
    variances of every domain inside a territory.
    """
    cell, first = _group(*(keys[k] for k in CELL_KEYS))
    rep = len(cell) // len(moments["n"])
    c = {name: _sum(cell, np.tile(v, rep), len(first)) for name, v in moments.items()}  # one stacked copy at a time
    ck = {name: arr[first] for name, arr in keys.items()}
    totals = _group_sums(ck, STRATUM_KEYS, {"sw": c["sw"], "swy": c["swy"]})  # the stratum's, for the cross terms
    nh = n_h[ck["stratum"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = taylor.cell_terms(c, taylor.stratum_factor(nh, taylor.NUMPY), nh, totals["sw"], totals["swy"])
    dom, dfirst = _group(*(ck[k] for k in DOMAIN_KEYS))
    d = {name: _sum(dom, v, len(dfirst)) for name, v in terms.items()}
    dk = {name: arr[dfirst] for name, arr in ck.items()}
    tot = _group_sums(dk, UNIVERSE_KEYS, {name: d[name] for name in taylor.TOTALS})
    keep = dk["territory"] >= 0
    d, tot, dk = ({name: v[keep] for name, v in x.items()} for x in (d, tot, dk))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = taylor.ratios(d, tot, taylor.NUMPY)
        v = taylor.variances(d, tot, r, taylor.NUMPY)
    return pd.DataFrame(
        {
            **{k: dk[k] for k in ("pass", "size", "measure", "statistic", "territory")},
            "n": d["n"].round().astype("int64"), "sum_w": d["sum_w"], "sum_w2": d["sum_w2"],
            "estimate": r["estimate"], "var": v["var"], "n_rest": r["n_rest"].round().astype("int64"),
            "estimate_rest": r["estimate_rest"], "var_rest": v["var_rest"],
        }
    )  # fmt: skip


def _with_parent_rest(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells of the passes within France, with the complement within the parent beside them."""
    parent = frame["pass"].isin(list(PARENT_PASSES)).to_numpy()
    cells, rest = frame[~parent], frame[parent]
    rest = rest.assign(**{"pass": rest["pass"].map(PARENT_PASSES)})
    names = dict(zip(("n_rest", "estimate_rest", "var_rest"), PARENT_COLUMNS, strict=True))
    link = ["pass", "size", "measure", "statistic", "territory"]
    return cells.merge(rest[[*link, *names]].rename(columns=names), on=link, how="left", validate="one_to_one")


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
        for indicator, surveys in ref.SURVEYS_OF.items()
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
