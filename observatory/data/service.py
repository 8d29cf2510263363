"""The one data interface the pages receive: statistics, territories, reference figures, meta.

Pages and callbacks call these methods and never build SQL; every number they show comes from
:class:`observatory.stats.StatsEngine`. The data come from the DuckDB file, or with
``OBSERVATORY_ENGINE=pyspark`` from the Parquet tree through Spark: the same Ibis expressions and
SQL run on either (see :func:`open_database`).
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.core.config import Settings
from observatory.core.lru import LRU
from observatory.data.db import Database
from observatory.stats import InvalidQuery, Query, StatsEngine

if TYPE_CHECKING:
    from observatory.data.search import Hit, SearchResult, TerritoryIndex
    from observatory.data.spark_db import SparkDatabase


def open_database(settings: Settings) -> Database | SparkDatabase:
    """The read-only data handle the settings choose: the DuckDB file, or Spark on the Parquet tree."""
    if settings.engine == "pyspark":
        from observatory.data.spark_db import SparkDatabase  # pyspark is imported only when chosen

        return SparkDatabase(settings.parquet_location, settings.spark_master)
    return Database(settings.db_path)


class Observatory:
    """Statistics and reference data of one database, for the app, the API and the exports."""

    def __init__(self, settings: Settings, db: Database | SparkDatabase | None = None):
        self.settings = settings
        self.db = db or open_database(settings)
        self.stats = StatsEngine(self.db, precomputed=settings.precomputed)
        self._territories = functools.lru_cache(maxsize=8)(self._load_territories)
        self._datasets = functools.lru_cache(maxsize=4)(self._load_datasets)
        self._index = functools.lru_cache(maxsize=2)(self._load_index)
        self._aliases = functools.lru_cache(maxsize=2)(self._load_aliases)
        self._shared = functools.lru_cache(maxsize=256)(self._load_shares_communes)
        self._respondent_counts = functools.lru_cache(maxsize=64)(self._load_respondent_counts)
        self._sae = functools.lru_cache(maxsize=32)(self._load_sae)
        self._sae_cells = functools.lru_cache(maxsize=2)(self._load_sae_cells)
        self._sae_diagnostics = functools.lru_cache(maxsize=2)(self._load_sae_diagnostics)
        self._has_rank_sets = functools.lru_cache(maxsize=2)(self._load_has_rank_sets)
        self._view_caches: dict[str, LRU] = {}
        self._view_caches_lock = threading.Lock()

    def view_cache(self, name: str, size: int) -> LRU:
        """A cache of this app's view models (the profiles'), created on first use; keys say the version."""
        with self._view_caches_lock:
            return self._view_caches.setdefault(name, LRU(size))

    def warm(self) -> None:
        """Check the data and read what every first request needs (called once when the app starts).

        Raises :class:`SystemExit` with the reasons when the database is missing, damaged or of
        another schema (see :mod:`observatory.data.health`). Without warming, the first visitor pays
        for the database backend's import and connection, the datasets and the territory lists
        (0.25 s of a 0.45 s first API answer, measured). Under ``gunicorn --preload`` this runs in
        the master: its connection is closed before each worker is forked (observatory/data/db.py).
        """
        from observatory.data.health import require_database

        require_database(self.db, self.location)
        self.datasets()
        for level in ("region", "departement"):
            self.territories(level)

    @property
    def location(self) -> str:
        """Where the data are read from, for messages."""
        if self.settings.engine == "pyspark":
            return self.settings.parquet_location
        return str(self.settings.db_path)

    # --- estimates ------------------------------------------------------------------------------
    def estimate(
        self,
        query: Query,
        min_n: int | None = None,
        territories: tuple[str, ...] | None = None,
        measures: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The statistics layer's tidy table for a query (see StatsEngine.estimate)."""
        return self.stats.estimate(query, self.settings.min_n if min_n is None else min_n, territories, measures)

    def change(
        self,
        query: Query,
        wave_to: int,
        min_n: int | None = None,
        territories: tuple[str, ...] | None = None,
        measures: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The change of every cell of a query from its wave to ``wave_to`` (see stats.change)."""
        from observatory.stats.change import change

        return change(
            self.stats, query, wave_to, self.settings.min_n if min_n is None else min_n, territories, measures
        )

    def sae(
        self,
        survey: str,
        wave: int,
        indicator: str,
        measure: str | None = None,
        statistic: str | None = None,
        territories: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """The small-area (model) estimates of every EPCI for one survey's wave and indicator.

        One row per EPCI × measure × statistic (the same grid and order as the direct EPCI table:
        measure, statistic, code), from the ``sae_estimates`` table the ETL writes (computed here,
        once per data version, for a database built before it). Columns: indicator, wave, survey,
        level, territory_code, territory_name, measure, statistic, estimate, se (root MSE), mse,
        ci_low, ci_high (95 %, from the MSE), n, gamma (the survey's share in the estimate),
        sae_status (model, model_adjusted, synthetic, no_data, no_covariates), status_fr, status_en
        (labels of the status), direct_estimate, direct_se, sigma2_u, method ("sae"). No test
        against the rest of France: it is not valid for model-based estimates.
        """
        from observatory.stats.measures import STATISTICS

        Query(indicator, int(wave), survey, ref.MODEL_LEVEL, (measure,) if measure else None).check()
        if statistic is not None and statistic not in STATISTICS[indicator]:
            raise InvalidQuery("statistic", statistic, STATISTICS[indicator])
        if int(wave) not in self.waves(survey):
            raise InvalidQuery("wave", wave, tuple(self.waves(survey)))
        if territories and len(territories) <= 8:  # a profile's EPCI: its rows only, no level read
            rows = self._load_sae(self.db.version, indicator, survey, int(wave), tuple(territories))
        else:
            rows = self._sae(self.db.version, indicator, survey, int(wave))
        keep = np.ones(len(rows), dtype=bool)
        for column, wanted in (("measure", measure), ("statistic", statistic)):
            if wanted is not None:
                keep &= (rows[column] == wanted).to_numpy()
        if territories:
            keep &= rows["territory_code"].isin(territories).to_numpy()
        return rows[keep].reset_index(drop=True)

    def _load_sae(
        self, version: str, indicator: str, survey: str, wave: int, territories: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        del version
        from observatory.stats import sae
        from observatory.stats.measures import MEASURES, STATISTICS

        key = "indicator = ? AND survey = ? AND wave = ?"
        params: list = [indicator, survey, wave]
        epcis = self.territories("epci")[["code", "name"]]
        if territories:
            key += f" AND territory_code IN ({', '.join('?' for _ in territories)})"
            params += list(territories)
            epcis = epcis[epcis["code"].isin(territories)]
        modelled = None
        every_cell = self._sae_cells(self.db.version)
        if every_cell is not None:
            stored = self.db.query(f"SELECT * FROM sae_estimates WHERE {key}", params)
            if territories:  # the cells modelled for any EPCI: "no covariates" for the others
                modelled = {(m, s) for i, v, w, m, s in every_cell if (i, v, w) == (indicator, survey, wave)}
        else:  # a database built before the table: no model ('python -m etl estimates' adds it)
            stored = pd.DataFrame(columns=list(sae.SAE_COLUMNS))
        # The direct table's grid: every statistic of each measure but the partners' share among
        # partners (see StatsEngine._with_all_territories).
        grid = [
            (m, s)
            for m in MEASURES[indicator]
            for s in sorted(STATISTICS[indicator])
            if not (s == "share_among_partners" and m == ref.PARTNER.code)
        ]
        return sae.published_rows(stored, epcis, grid, modelled).assign(indicator=indicator, survey=survey, wave=wave)

    def _load_sae_cells(self, version: str) -> set[tuple[str, str, int, str, str]] | None:
        """Every modelled cell (indicator, survey, wave, measure, statistic); None without the table."""
        del version  # part of the cache key
        if not self.db.has_table("sae_estimates"):
            return None
        cells = self.db.query("SELECT DISTINCT indicator, survey, wave, measure, statistic FROM sae_estimates")
        return {(i, v, int(w), m, s) for i, v, w, m, s in cells.itertuples(index=False)}

    def sae_diagnostics(self) -> pd.DataFrame:
        """The diagnostics of every modelled cell: the ``sae_diagnostics`` table the ETL writes.

        One row per indicator × survey × wave × measure × statistic, columns
        :data:`observatory.stats.sae_diagnostics.DIAGNOSTIC_COLUMNS` (link, design and both AICs,
        σ²ᵤ, R², the residuals' and random effects' shape, Brown's test...). Empty, with those
        columns, for a database built before the table. A few hundred rows: read whole, once per
        data version.
        """
        return self._sae_diagnostics(self.db.version)

    def _load_sae_diagnostics(self, version: str) -> pd.DataFrame:
        del version
        from observatory.stats.sae_diagnostics import DIAGNOSTIC_COLUMNS

        if not self.db.has_table("sae_diagnostics"):
            return pd.DataFrame(columns=list(DIAGNOSTIC_COLUMNS))
        rows = self.db.query("SELECT * FROM sae_diagnostics ORDER BY indicator, survey, wave, measure, statistic")
        # A table written before a column existed: that column stays empty.
        return rows.reindex(columns=list(DIAGNOSTIC_COLUMNS))

    def stored_ranks(self, level: str, territory: str | None = None, **cell: object) -> pd.DataFrame | None:
        """Rank sets stored at load (``rank_sets``, :mod:`etl.ranks`): a territory's, or a cell's rows.

        ``cell``: equalities on the table's columns (indicator, survey, wave, method, measure,
        statistic). None when the database has no such table (built before it, or read by Spark)
        or when the app's ``min_n`` is above what the stored sets hold: the caller computes them.
        """
        from observatory.stats.rank_table import STORED_COLUMNS, stored_valid_for

        if not stored_valid_for(self.settings.min_n) or not self._has_rank_sets(self.db.version):
            return None
        where, params = ["level = ?"], [level]
        if territory is not None:
            where.append("territory_code = ?")
            params.append(territory)
        for column, value in cell.items():
            if column not in STORED_COLUMNS:
                raise ValueError(f"rank_sets has no column {column!r}")
            where.append(f"{column} = ?")
            params.append(value)
        return self.db.lookup(f"SELECT * FROM rank_sets WHERE {' AND '.join(where)}", params)

    def _load_has_rank_sets(self, version: str) -> bool:
        del version  # part of the cache key
        return self.db.has_table("rank_sets")  # on Spark, the tree's: computed by the batch with its estimates

    # --- reference data -------------------------------------------------------------------------
    def territories(self, level: str) -> pd.DataFrame:
        """code, name, parents, population, area of every territory of a level."""
        return self._territories(self.db.version, level)

    def _load_territories(self, version: str, level: str) -> pd.DataFrame:
        del version
        return self.db.query("SELECT * FROM territories WHERE level = ? ORDER BY code", [level])

    # --- one territory, for the profiles (lookups in the cached frames: no query per parent) -----
    def territory(self, level: str, code: str) -> pd.Series | None:
        """The row of one territory (code, name, parents' codes, population, area, map position)."""
        frame = self.territories(level)
        rows = frame[frame["code"] == code]
        return rows.iloc[0] if len(rows) else None

    def commune_alias(self, code: str) -> str:
        """The commune a code leads to: itself, or the commune of a commune déléguée or arrondissement."""
        return self._aliases(self.db.version).get(code, code)

    def _load_aliases(self, version: str) -> dict[str, str]:
        del version
        rows = self.db.query("SELECT code, commune_code FROM commune_aliases")
        return dict(zip(rows["code"], rows["commune_code"], strict=True))

    def children(self, level: str, code: str, child_level: str) -> pd.DataFrame:
        """The territories of ``child_level`` inside one territory, the most populated first."""
        column = ref.LEVEL_COLUMNS[level]
        frame = self.territories(child_level)
        inside = frame[frame[column] == code]
        return inside.sort_values(["population", "code"], ascending=[False, True]).reset_index(drop=True)

    def shares_communes(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        """Whether two territories (level, code) have at least one commune in common.

        A commune and its département, or an EPCI straddling a département border: their
        respondents overlap, so a pairwise test must compare one with the rest of the other.
        """
        first, second = sorted((a, b))  # symmetric: one cache entry per pair
        return self._shared(self.db.version, first, second)

    def _load_shares_communes(self, version: str, a: tuple[str, str], b: tuple[str, str]) -> bool:
        del version
        from observatory.stats.engine import LEVEL_COLUMNS

        # Identifiers come from the allow-list (a commune is matched on its own code).
        ca, cb = ("code" if lv == "commune" else LEVEL_COLUMNS[lv] for lv, _ in (a, b))
        shared = self.db.query(
            f"SELECT count(*) AS n FROM territories WHERE level = 'commune' AND {ca} = ? AND {cb} = ?",
            [a[1], b[1]],
        )
        return int(shared["n"].iloc[0]) > 0

    def datasets(self) -> pd.DataFrame:
        """The loaded waves: wave, survey, name, source, synthetic, respondents."""
        return self._datasets(self.db.version)

    def _load_datasets(self, version: str) -> pd.DataFrame:
        del version
        return self.db.query("SELECT * FROM datasets ORDER BY survey, wave")

    def waves(self, survey: str) -> list[int]:
        """Waves loaded for a survey, oldest first."""
        d = self.datasets()
        return sorted(int(w) for w in d.loc[d["survey"] == survey, "wave"])

    def is_synthetic(self, survey: str | None = None) -> bool:
        """Whether any loaded data (of a survey) are synthetic."""
        d = self.datasets()
        if survey is not None:
            d = d[d["survey"] == survey]
        return bool(d["synthetic"].any()) if len(d) else False

    def published_figures(self) -> pd.DataFrame:
        """The figures PHARE published, with their sources."""
        return self.db.query("SELECT * FROM published_figures ORDER BY code")

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        """Territories matching a name, INSEE code or postal code (see observatory.data.search)."""
        return self._index(self.db.version).search(text, limit)

    def search_with_total(self, text: str, limit: int = 10) -> SearchResult:
        """The first ``limit`` territories matching ``text`` and how many matched in all."""
        return self._index(self.db.version).search_with_total(text, limit)

    def _load_index(self, version: str) -> TerritoryIndex:
        del version
        from observatory.data.search import TerritoryIndex

        territories = self.db.query(
            "SELECT level, code, name, departement_code, region_code, population FROM territories"
        )
        return TerritoryIndex(territories, self.db.query("SELECT postal_code, commune_code FROM postal_codes"))

    def initiatives(self, level: str, code: str, parents: list[tuple[str, str]]) -> pd.DataFrame:
        """Real initiatives located in a territory, in its sub-territories or in its parents."""
        places = [(level, code), *parents, ("france", "FR")]
        match = " OR ".join("(p.level = ? AND p.code = ?)" for _ in places)
        params = [v for pair in places for v in pair] + ([code] if level != "commune" else [])
        # Places inside: a commune has none; initiative_places carries no canton, but its communes.
        inside = {"commune": "", "canton": " OR p.code IN (SELECT code FROM territories WHERE canton_code = ?)"}
        inside = inside.get(level, f" OR p.{ref.LEVEL_COLUMNS[level]} = ?")
        return self.db.query(
            "SELECT i.*, min(CASE WHEN p.level = ? AND p.code = ? THEN 0 ELSE 1 END) AS here "
            f"FROM initiatives i JOIN initiative_places p USING (initiative_id) WHERE {match}{inside} "
            "GROUP BY ALL ORDER BY here, i.kind, i.name",
            [level, code, *params],
        )

    def initiative_points(self) -> pd.DataFrame:
        """Each initiative's places as map points (positions on the map, overseas in their insets)."""
        return self.db.query(
            "SELECT i.name, i.kind, i.source_document, p.level, p.code, t.name AS territory, t.map_lon AS lon, t.map_lat AS lat "
            "FROM initiatives i JOIN initiative_places p USING (initiative_id) "
            "JOIN territories t ON t.level = p.level AND t.code = p.code WHERE t.map_lon IS NOT NULL ORDER BY i.name"
        )

    # --- defaults derived from the data -----------------------------------------------------------
    def respondent_counts(self, survey: str, wave: int, level: str) -> pd.Series:
        """Respondents of a survey's wave in each territory of a level (territories without any: 0)."""
        return self._respondent_counts(self.db.version, survey, int(wave), level)

    def _load_respondent_counts(self, version: str, survey: str, wave: int, level: str) -> pd.Series:
        del version
        from observatory.stats.engine import LEVEL_COLUMNS

        column = LEVEL_COLUMNS[level]  # an allow-listed identifier, never user text
        counts = self.db.query(
            f"SELECT {column} AS code, count(*) AS n FROM respondents WHERE survey = ? AND wave = ? GROUP BY 1",
            [survey, wave],
        )
        codes = self.territories(level)["code"]
        return counts.set_index("code")["n"].reindex(codes, fill_value=0).astype("int64")

    def default_level(self, survey: str, wave: int | None = None) -> str:
        """The finest level at which most territories have enough respondents for a reliable cell.

        "Enough" is the reliability rule's own threshold (``LOW_N`` respondents; below it a cell is
        at best of low reliability): the mayors' survey, a few dozen per département, opens at the
        région level; the citizens' at the département level. Derived from the data, never set
        per survey.
        """
        from observatory.stats.finalize import LOW_N

        waves = self.waves(survey)
        if not waves:
            return "region"
        wave = wave if wave in waves else waves[-1]
        for level in ("commune", "epci", "departement"):
            counts = self.respondent_counts(survey, wave, level)
            if len(counts) and (counts >= LOW_N).mean() > 0.5:
                return level
        return "region"

    def size_classes_with_respondents(self, survey: str, wave: int) -> tuple[str, ...]:
        """The size classes of a survey's wave that have at least one respondent."""
        rows = self.db.query(
            "SELECT DISTINCT size_class FROM respondents WHERE survey = ? AND wave = ? AND size_class IS NOT NULL",
            [survey, int(wave)],
        )
        return tuple(sorted(rows["size_class"]))
