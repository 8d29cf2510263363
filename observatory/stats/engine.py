"""The statistics layer's entry point: every figure of the app, the API and the exports.

``StatsEngine.estimate`` returns one row per territory × measure × statistic with the estimate,
its standard error and 95 % CI, n, effective n, reliability and significance against the rest
of France. Territories without any respondent are reported (n = 0, suppressed), not dropped.
Results are cached by their arguments and the data version.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import ibis
import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.core.reference import LEVEL_COLUMNS, SURVEYS_OF  # read here by data.service and the tests
from observatory.stats import measures as ms
from observatory.stats import territory_table as tt
from observatory.stats.finalize import INNER_COLUMN, OUTPUT_COLUMNS, finalize, nested, z_test
from observatory.stats.precompute import BY_TERRITORY, RAW_COLUMNS, STORED_LEVELS, inner_counts
from observatory.stats.taylor import domain_estimates

PARENT_LEVELS = tuple(ref.PARENT_LEVEL)
GROUPS_LEVEL = "groups"
ALL_LEVELS: tuple[str, ...] = (ref.FRANCE_LEVEL, *LEVEL_COLUMNS, ref.SIZE_BAND_LEVEL, GROUPS_LEVEL)


class InvalidQuery(ValueError):
    """A parameter outside its allow-list; ``param`` names it and ``allowed`` lists the values."""

    def __init__(self, param: str, value: object, allowed: tuple | list):
        self.param, self.value, self.allowed = param, value, tuple(allowed)
        super().__init__(f"invalid {param}: {value!r}; allowed: {', '.join(map(str, allowed))}")


@dataclass(frozen=True)
class Query:
    """What to estimate; every identifier is checked against an allow-list by :meth:`check`."""

    indicator: str
    wave: int
    survey: str
    level: str
    measures: tuple[str, ...] | None = None
    size_class: str | None = None
    territories: tuple[str, ...] | None = None  # only these territories (the whole sample still counts)
    groups: tuple[tuple[str, str, str], ...] | None = None  # level "groups": (label, level, code), first match wins

    def check(self) -> Query:
        """Raise InvalidQuery for any identifier that is not allowed."""
        if self.indicator not in ms.INDICATORS:
            raise InvalidQuery("indicator", self.indicator, ms.INDICATORS)
        if self.survey not in SURVEYS_OF[self.indicator]:
            raise InvalidQuery("survey", self.survey, SURVEYS_OF[self.indicator])
        if self.level not in ALL_LEVELS:
            raise InvalidQuery("level", self.level, ALL_LEVELS)
        allowed = ms.MEASURES[self.indicator]
        for m in self.measures or ():
            if m not in allowed:
                raise InvalidQuery("measure", m, allowed)
        classes = tuple(c.code for c in ref.SIZE_CLASSES.get(self.survey, ()))
        if self.size_class is not None and self.size_class not in classes:
            raise InvalidQuery("size_class", self.size_class, classes)
        for _label, level, _code in self.groups or ():
            if level not in LEVEL_COLUMNS:
                raise InvalidQuery("level", level, tuple(LEVEL_COLUMNS))
        codes = list(self.territories or ()) + [c for _l, _v, c in self.groups or ()]
        for code in codes:
            if not isinstance(code, str) or not re.fullmatch(r"[0-9A-Za-z_]{1,12}", code):
                raise InvalidQuery("territory", code, ("INSEE codes of the level",))
        return self


# Text columns repeated on every row of a cached result: kept as categories (a communes table of
# all domains is 1.4 million rows: 300 MB as text, a fraction of it as categories).
CATEGORICAL = ("territory_code", "territory_name", "measure", "statistic", "indicator", "survey", "level", "size_class")


class DataSource(Protocol):
    """What the engine reads from: a read-only handle on the data.

    ``observatory.data.db.Database`` or ``observatory.data.spark_db.SparkDatabase``: the statistics depend on
    this protocol, not on the app's classes.
    """

    @property
    def version(self) -> str: ...

    def run(self, fn: Callable[[Any], Any]) -> Any: ...

    def table(self, name: str) -> Any: ...

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame: ...

    def lookup(self, sql: str, params: list | None = None) -> pd.DataFrame: ...

    def has_table(self, name: str) -> bool: ...


class StatsEngine:
    """Estimates from one database, cached per data version."""

    def __init__(self, db: DataSource, cache_size: int = 256, precomputed: bool = True):
        self.db = db
        # Read the ``estimates`` table the ETL wrote (a lookup) when it holds the query's cells;
        # precomputed=False always computes from the micro-data (the tests compare the two).
        self.precomputed = precomputed
        self._cached = functools.lru_cache(maxsize=cache_size)(self._compute)
        self._looked_up = functools.lru_cache(maxsize=64)(self._compute)
        self._has_estimates = functools.lru_cache(maxsize=4)(self._load_has_estimates)
        self._has_by_territory = functools.lru_cache(maxsize=4)(
            lambda version: self.db.has_table(BY_TERRITORY)  # version: the cache key only
        )
        # A profile asks one territory's cells indicator by indicator and wave by wave (about a
        # hundred lookups): they are read and finalised at once, one query per territory.
        self._territory_table = functools.lru_cache(maxsize=tt.TERRITORY_TABLES)(self._load_territory_table)
        self._stored_queries = functools.lru_cache(maxsize=4)(self._load_stored_queries)
        # One query per level and data version (on Spark, each query is a job).
        self._territory_names = functools.lru_cache(maxsize=8)(self._load_territory_names)

    def estimate(
        self,
        query: Query,
        min_n: int = ref.DEFAULT_MIN_N,
        territories: tuple[str, ...] | None = None,
        measures: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The tidy table of the query (see the module docstring).

        ``territories`` and ``measures`` keep only some rows of the (cached) query result before
        the CIs and tests are computed: a map of one domain over 35,000 communes does not pay for
        the 20 others.
        """
        query.check()
        version = self.db.version
        kept = tuple(m for m in query.measures or ms.MEASURES[query.indicator] if not measures or m in measures)
        one = territories or query.territories
        if self._storable(version, query) and kept and one and len(one) == 1 and query.size_class is None:
            return self._from_territory_table(version, query, min_n, one[0], kept)
        if self._storable(version, query) and kept:
            # A lookup of the stored table, the filters in its SQL: a few rows per call, cached
            # small (every domain of the communes, cached whole, held 1.4 million rows per query).
            narrowed = dataclasses.replace(query, measures=kept, territories=territories or query.territories)
            raw = self._looked_up(version, narrowed)
        else:
            raw = self._cached(version, query)
            if territories:
                raw = raw[raw["territory_code"].isin(territories)]
            if measures:
                raw = raw[raw["measure"].isin(measures)]
        is_share = raw["statistic"].to_numpy() != "mean_score"
        out = finalize(raw, is_share, min_n)[list(OUTPUT_COLUMNS)].reset_index(drop=True)
        for col in CATEGORICAL:  # stored as categories in the cache (memory); handed out as text
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = _decategorise(out[col])
        return out

    def waves(self, survey: str | None = None) -> list[int]:
        """The waves loaded, newest last (for one survey if given)."""
        sql = "SELECT DISTINCT wave FROM datasets" + (" WHERE survey = ?" if survey else "") + " ORDER BY wave"
        return [int(w) for w in self.db.query(sql, [survey] if survey else [])["wave"]]

    def _compute(self, version: str, q: Query) -> pd.DataFrame:
        measures = q.measures or ms.MEASURES[q.indicator]
        frame = self._stored(version, q, measures)
        if frame is None:  # not enumerable in advance (groups), or no estimates table: on demand
            frame = self.db.run(lambda con: self._execute(con, q, measures))
        return self._with_all_territories(frame, q, measures)

    def _load_has_estimates(self, version: str) -> bool:
        del version
        # Only a missing table means an older database; a failed read propagates, uncached.
        return self.db.has_table("estimates")

    def _storable(self, version: str, q: Query) -> bool:
        """Whether the ``estimates`` table holds the query's cells."""
        return self.precomputed and not q.groups and q.level in STORED_LEVELS and self._has_estimates(version)

    def _stored(self, version: str, q: Query, measures: tuple[str, ...]) -> pd.DataFrame | None:
        """The query's raw cells from the ``estimates`` table, or None when it cannot answer."""
        if not self._storable(version, q):
            return None
        where = ["indicator = ?", "survey = ?", "wave = ?", "level = ?"]
        params: list = [q.indicator, q.survey, int(q.wave), q.level]
        if q.size_class is None:
            where.append("size_class IS NULL")
        else:
            where.append("size_class = ?")
            params.append(q.size_class)
        if q.measures:
            where.append(f"measure IN ({', '.join('?' for _ in measures)})")
            params += list(measures)
        if q.territories:
            where.append(f"territory_code IN ({', '.join('?' for _ in q.territories)})")
            params += list(q.territories)
        columns = "territory_code AS territory, measure, statistic, " + ", ".join((*RAW_COLUMNS, INNER_COLUMN))
        return self.db.lookup(f"SELECT {columns} FROM estimates WHERE {' AND '.join(where)}", params)

    def _load_stored_queries(self, version: str) -> list[tuple[str, str, int]]:
        """The (indicator, survey, wave) of the stored table: those France has (every one)."""
        del version  # part of the cache key only
        sql = "SELECT DISTINCT indicator, survey, wave FROM estimates WHERE level = ? ORDER BY ALL"
        return [(i, s, int(w)) for i, s, w in self.db.lookup(sql, [ref.FRANCE_LEVEL]).itertuples(index=False)]

    def _load_territory_table(self, version: str, level: str, code: str, min_n: int) -> dict:
        """Every stored cell of one territory (all sizes), finalised, by (indicator, survey, wave).

        One query and one :func:`finalize` for the ~800 cells of every indicator, survey and wave
        (:func:`observatory.stats.territory_table.territory_table`).
        """
        keys = "indicator, survey, wave, measure, statistic, "
        if self._has_by_territory(version):  # the copy sorted by territory: one row group read
            sql = f"SELECT {keys}{', '.join((*RAW_COLUMNS, INNER_COLUMN))} FROM {BY_TERRITORY} WHERE level = ? AND territory_code = ?"
        else:
            sql = f"SELECT {keys}{', '.join((*RAW_COLUMNS, INNER_COLUMN))} FROM estimates WHERE level = ? AND territory_code = ? "
            sql += "AND size_class IS NULL"
        cells = self.db.lookup(sql, [level, code])
        names = self._names_of(level, (code,))
        name = names["territory_name"].iloc[0] if len(names) else None
        return tt.territory_table(cells, level, code, name, self._stored_queries(version), min_n)

    def _from_territory_table(self, version: str, q: Query, min_n: int, code: str, kept: tuple[str, ...]):
        """A one-territory query's table, taken from the territory's (in the order of ``kept``)."""
        return tt.slice_of(self._territory_table(version, q.level, code, min_n), q.indicator, q.survey, q.wave, kept)

    def vs_parent(
        self, query: Query, min_n: int = ref.DEFAULT_MIN_N, territories: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """Each territory of a level against the rest of its parent (département, or région).

        From the stored complements: ``territory_code, measure, statistic, n_rest_parent,
        estimate_rest_parent, se_rest_parent, p_value_parent, vs_parent`` (above, below,
        not_significant, not_tested). The same z-test as :func:`observatory.stats.pairwise.pairwise` on the (territory, rest of
        parent) pair; None when the database has no stored complements (compute it on demand then).
        """
        query.check()
        if not self.precomputed or query.level not in PARENT_LEVELS or not self._has_estimates(self.db.version):
            return None
        where = "indicator = ? AND survey = ? AND wave = ? AND level = ?"
        params: list = [query.indicator, query.survey, int(query.wave), query.level]
        table = "estimates"
        if (
            territories
            and len(territories) == 1
            and query.size_class is None
            and self._has_by_territory(self.db.version)
        ):
            table = BY_TERRITORY  # one territory (a profile): its row group of the copy, not the maps' table
        else:
            where += " AND size_class IS NULL" if query.size_class is None else " AND size_class = ?"
            params += [] if query.size_class is None else [query.size_class]
        if territories:
            where += f" AND territory_code IN ({', '.join('?' for _ in territories)})"
            params += list(territories)
        rows = self.db.lookup(
            "SELECT territory_code, measure, statistic, n, estimate, var, n_rest_parent, estimate_rest_parent, "
            f"var_rest_parent, {INNER_COLUMN} FROM {table} WHERE {where}",
            params,
        )
        return parent_test(rows, min_n)

    def _execute(self, con: ibis.BaseBackend, q: Query, measures: tuple[str, ...]) -> pd.DataFrame:
        r = con.table("respondents")
        r = r.filter((r.wave == q.wave) & (r.survey == q.survey))
        if q.level == ref.FRANCE_LEVEL:
            territory = ibis.literal(ref.FRANCE_CODE)
        elif q.level == ref.SIZE_BAND_LEVEL:
            r, territory = self._with_size_band(con, r)
        elif q.level == GROUPS_LEVEL:
            # Disjoint groups: a respondent belongs to the first group that contains it.
            territory = ibis.cases(
                *[(r[LEVEL_COLUMNS[lv]] == code, label) for label, lv, code in q.groups or ()],
                else_=ibis.null("string"),
            )
        else:
            territory = r[LEVEL_COLUMNS[q.level]]
        if q.territories:
            # Respondents elsewhere keep their place in the strata and in the rest of France.
            territory = ibis.ifelse(territory.isin(list(q.territories)), territory, ibis.null("string"))
        # One stratum per survey × wave when the data give none.
        stratum = r.stratum.fill_null("__all__")
        respondents = r.select("respondent_id", "size_class", stratum=stratum, weight=r.weight, territory=territory)
        values = self._values(con, q, measures)
        if q.size_class is not None:
            keep = respondents.filter(respondents.size_class == q.size_class).select("respondent_id")
            values = values.semi_join(keep, "respondent_id")
        expr = domain_estimates(values, respondents.drop("size_class"))
        inner = None if q.level == GROUPS_LEVEL else inner_counts(r, values, q.level)
        frame = con.execute(expr)
        return (
            frame
            if inner is None
            else frame.merge(con.execute(inner), on=["territory", "measure", "statistic"], how="left")
        )

    @staticmethod
    def _with_size_band(con: ibis.BaseBackend, r):
        """Respondents with the population band of their commune as the 'territory'."""
        t = con.table("territories")
        pop = t.filter(t.level == "commune").select(commune_code=t.code, population=t.population)
        r = r.join(pop, "commune_code")
        band = ibis.cases(*[(r.population.between(lo, hi), item.code) for item, lo, hi in ref.SIZE_BANDS])
        return r, band

    @staticmethod
    def _values(con: ibis.BaseBackend, q: Query, measures: tuple[str, ...]):
        return ms.indicator_values(con, q.indicator, q.survey, q.wave, measures)

    def _load_territory_names(self, version: str, level: str) -> pd.DataFrame:
        del version  # part of the cache key only
        return self.db.query(
            "SELECT code AS territory_code, name AS territory_name FROM territories WHERE level = ? ORDER BY code",
            [level],
        )

    def _names_of(self, level: str, codes: tuple[str, ...] | None) -> pd.DataFrame:
        """``territory_code, territory_name`` of a level's territories (only ``codes`` if given)."""
        if level == ref.FRANCE_LEVEL:
            terr = pd.DataFrame({"territory_code": [ref.FRANCE_CODE], "territory_name": ["France"]})
        elif level == ref.SIZE_BAND_LEVEL:
            terr = pd.DataFrame(
                {
                    "territory_code": [b.code for b, _, _ in ref.SIZE_BANDS],
                    "territory_name": [b.fr for b, _, _ in ref.SIZE_BANDS],
                }
            )
        else:
            terr = self._territory_names(self.db.version, level)
        return terr[terr["territory_code"].isin(codes)] if codes else terr

    def _with_all_territories(self, frame: pd.DataFrame, q: Query, measures: tuple[str, ...]) -> pd.DataFrame:
        if q.level == GROUPS_LEVEL:
            terr = pd.DataFrame(
                {"territory_code": [g[0] for g in q.groups or ()], "territory_name": [g[0] for g in q.groups or ()]}
            )
            terr = terr[terr["territory_code"].isin(q.territories)] if q.territories else terr
        else:
            terr = self._names_of(q.level, q.territories)
            if len(terr) <= tt.FEW_TERRITORIES:
                return tt.few_territories(frame, terr, q.indicator, q.wave, q.survey, q.level, q.size_class, measures)
        stats = ms.STATISTICS[q.indicator]
        grid = pd.DataFrame(
            [(m, s) for m in measures for s in stats if not (s == "share_among_partners" and m == ref.PARTNER.code)],
            columns=["measure", "statistic"],
        )
        full = terr.merge(grid, how="cross")
        frame = frame.rename(columns={"territory": "territory_code"})
        out = full.merge(frame, on=["territory_code", "measure", "statistic"], how="left")
        out["n"] = out["n"].fillna(0)
        out = out.assign(indicator=q.indicator, wave=q.wave, survey=q.survey, level=q.level, size_class=q.size_class)
        order = {m: i for i, m in enumerate(measures)}
        out["_o"] = out["measure"].map(order)
        out = out.sort_values(["_o", "statistic", "territory_code"]).drop(columns="_o").reset_index(drop=True)
        return out.astype({col: "category" for col in CATEGORICAL})


def parent_test(rows: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The z-test of each territory against the rest of its parent, from raw cells (see vs_parent)."""
    est, rest = rows["estimate"].to_numpy(float), rows["estimate_rest_parent"].to_numpy(float)
    se = np.sqrt(np.clip(rows["var"].to_numpy(float), 0, None))
    se_rest = np.sqrt(np.clip(rows["var_rest_parent"].to_numpy(float), 0, None))
    n_rest = rows["n_rest_parent"].fillna(0).to_numpy(float)
    shown = n_rest >= min_n
    testable = shown & (rows["n"].to_numpy(float) >= min_n) & ~nested(rows, min_n)  # a suppressed cell: no test
    p, verdict = z_test(est - rest, np.sqrt(se**2 + se_rest**2), testable=testable)
    return pd.DataFrame(
        {
            "territory_code": rows["territory_code"].astype(str).to_numpy(),
            "measure": rows["measure"].astype(str).to_numpy(),
            "statistic": rows["statistic"].astype(str).to_numpy(),
            "n_rest_parent": n_rest.astype("int64"),
            "estimate_rest_parent": np.where(shown, rest, np.nan),
            "se_rest_parent": np.where(shown, se_rest, np.nan),
            "p_value_parent": p,
            "vs_parent": verdict,
        }
    )


def _decategorise(col: pd.Series) -> pd.Series:
    """A categorical column back to text (None stays None), by indexing its categories."""
    codes = col.cat.codes.to_numpy()
    if col.name == "size_class" or (codes < 0).any():
        return col.astype(object).where(codes >= 0, None)
    return pd.Series(col.cat.categories.astype("str").take(codes), index=col.index, name=col.name)


__all__ = ["ALL_LEVELS", "InvalidQuery", "OUTPUT_COLUMNS", "Query", "StatsEngine"]
