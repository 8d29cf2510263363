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

import ibis
import ibis.expr.types as ir
import pandas as pd

from observatory import reference as ref
from observatory.stats import measures as ms
from observatory.stats.taylor import estimates_from_cells

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
_SOURCE = {"fragility": "fragility", "partnerships": "partnerships", "mayors": "mayors", "innovation": "opinions"}


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


LEVEL_KEYS = ["level", "universe", "size_class", "measure", "statistic"]


def level_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The base cells summed to every level, with France and then the parent as universe.

    Moments add up, so this is a sum over the communes of each territory (pandas, on cells whose
    number depends on the territories and measures, not on the respondents). In the parent passes
    a territory is counted only where it lies inside its parent.
    """
    inside_epci = cells["epci_code"].where(cells["epci_parent"] == cells["departement_code"])
    passes = [
        (ref.FRANCE_LEVEL, ref.FRANCE_CODE, ref.FRANCE_CODE),
        ("region", cells["region_code"], ref.FRANCE_CODE),
        ("departement", cells["departement_code"], ref.FRANCE_CODE),
        ("epci", cells["epci_code"], ref.FRANCE_CODE),
        ("commune", cells["commune_code"], ref.FRANCE_CODE),
        (ref.SIZE_BAND_LEVEL, cells["band"], ref.FRANCE_CODE),
        ("commune>departement", cells["commune_code"], cells["departement_code"]),
        ("epci>departement", inside_epci, cells["departement_code"]),
        ("departement>region", cells["departement_code"], cells["region_code"]),
    ]
    parts = []
    for level, territory, universe in passes:
        frame = cells[["stratum", "size_class", "measure", "statistic", *SUMS]].assign(
            territory=territory, level=level, universe=universe
        )
        keys = ["stratum", "territory", *LEVEL_KEYS]
        parts.append(frame.groupby(keys, dropna=False, sort=False, observed=True)[list(SUMS)].sum().reset_index())
    out = pd.concat(parts, ignore_index=True)
    out["territory"] = out["territory"].astype(object).where(out["territory"].notna(), None)
    return out.astype({"n": "int64"})


def survey_estimates(con: ibis.BaseBackend, indicator: str, survey: str, wave: int) -> pd.DataFrame:
    """The raw cells of one indicator for one survey's wave, every level and size class.

    Three steps: one scan of the answers into per-commune moments (in the database), their sums
    to every level (pandas), and the estimator on those cells (in the database again, through the
    same Ibis expression as the on-demand engine's).
    """
    r = con.table("respondents")
    r = r.filter((r.wave == wave) & (r.survey == survey))
    values = values_of(con, indicator, survey, wave)
    cells = level_cells(con.execute(base_cells(con, r, values, survey)))
    # The keys travel as integer codes (hashing and grouping ints is much faster), decoded after.
    text = ["stratum", "territory", *LEVEL_KEYS]
    codes, labels = {}, {}
    for column in text:
        codes[column], labels[column] = pd.factorize(cells[column], use_na_sentinel=True)
    coded = cells.assign(**{c: codes[c] for c in text})
    coded["territory"] = coded["territory"].astype("float64").where(coded["territory"] >= 0)  # null stays null
    schema = {"stratum": "int64", "territory": "float64", **dict.fromkeys(LEVEL_KEYS, "int64"), "n": "int64",
              **dict.fromkeys(SUMS[1:], "float64")}  # fmt: skip
    strata = pd.DataFrame({"stratum": range(len(labels["stratum"]))})
    sized = r.select(stratum=r.stratum.fill_null("__all__"))
    sizes = con.execute(sized.group_by("stratum").aggregate(n_h=sized.count()))
    sizes["stratum"] = pd.Index(labels["stratum"]).get_indexer(sizes["stratum"])
    sizes = strata.merge(sizes[sizes["stratum"] >= 0], on="stratum")
    expr = estimates_from_cells(
        ibis.memtable(coded[list(schema)], schema=schema),
        ibis.memtable(sizes, schema={"stratum": "int64", "n_h": "int64"}),
        keys=tuple(LEVEL_KEYS),
    )
    frame = con.execute(expr)
    # The parent passes' rest, beside each territory's cell (on the integer codes: a fast merge).
    levels = pd.Index(labels["level"])
    child = {i: levels.get_loc(name.split(">")[0]) for i, name in enumerate(levels) if ">" in name}
    frame["territory"] = frame["territory"].astype("int64")
    frame = _with_parent_rest(frame, child)
    for column in ("territory_code", "level", "size_class", "measure", "statistic"):
        source = "territory" if column == "territory_code" else column
        frame[column] = pd.Index(labels[source]).take(frame[column].astype("int64").to_numpy())
    return frame.assign(indicator=indicator, survey=survey, wave=int(wave))


def _with_parent_rest(frame: pd.DataFrame, child: dict[int, int]) -> pd.DataFrame:
    """France-universe cells, with the complement within the parent (from the parent passes) beside.

    ``child`` maps each parent pass's level code to its territories' level code.
    """
    frame = frame.rename(columns={"territory": "territory_code"})
    parent_pass = frame["level"].isin(list(child))
    cells = frame[~parent_pass].drop(columns="universe")
    rest = frame[parent_pass]
    rest = rest.assign(level=rest["level"].map(child))
    names = {c: f"{c}_parent" for c in ("n_rest", "estimate_rest", "var_rest")}
    keys = ["level", "size_class", "territory_code", "measure", "statistic"]
    rest = rest[[*keys, *names]].rename(columns=names)
    return cells.merge(rest, on=keys, how="left", validate="one_to_one")


def all_estimates(con: ibis.BaseBackend, progress=None) -> pd.DataFrame:
    """The whole ``estimates`` table of a database: every survey and wave loaded, every indicator."""
    say = progress or (lambda _m: None)
    datasets = con.table("datasets").select("survey", "wave").execute()
    frames = []
    for survey, wave in sorted(datasets.itertuples(index=False, name=None)):
        for indicator, surveys in SURVEYS_OF.items():
            if survey not in surveys:
                continue
            source = con.table(_SOURCE[indicator])
            if source.filter((source.wave == wave) & (source.survey == survey)).count().execute() == 0:
                continue
            say(f"estimations / estimates: {indicator}, {survey} {wave}")
            frames.append(survey_estimates(con, indicator, survey, int(wave)))
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
