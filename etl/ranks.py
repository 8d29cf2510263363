"""``rank_sets``: every ranked territory's rank and 95 % confidence sets, written with the estimates.

Load inputs (the estimates and small-area tables just computed, the territories' counts) /
process (for every cell the portraits show, :mod:`observatory.stats.blocks`, at each survey's
latest wave — the others are computed on demand; at every level: the territories whose direct estimate is reliable, ranked
with their marginal and simultaneous sets; and every modelled EPCI on the small-area model's
estimates: :mod:`observatory.stats.rank_table`) / save (the ``rank_sets`` table, in the database
being written, before the load swaps it in). The portraits, the API's ranks and the exports read
it instead of computing a level's sets at each request.

Reliability does not depend on the suppression threshold ``min_n`` for the cells ranked: a
reliable cell has at least ``LOW_N`` (100) respondents, above any ``min_n`` up to 100; an app run
with a larger ``min_n`` computes its ranks on demand (:func:`observatory.stats.rank_table.stored_valid_for`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import duckdb
import numpy as np
import pandas as pd

from observatory.core.reference import DEFAULT_MIN_N
from observatory.stats.blocks import portrait_cells
from observatory.stats.finalize import INNER_COLUMN, LOW_N, finalize, nested
from observatory.stats.rank_table import STORED_COLUMNS, STORED_LEVELS, cell_sets
from observatory.stats.sae import MODEL_STATUSES

Progress = Callable[[str], None]
CELL = ["indicator", "survey", "wave", "level", "measure", "statistic"]
WORKERS = 2  # threads computing the cells' sets (2 cores)


def rank_sets_table(estimates: pd.DataFrame, model: pd.DataFrame | None, totals: dict[str, int]) -> pd.DataFrame:
    """Every ranked territory of every cell, columns STORED_COLUMNS.

    ``estimates``: the estimates table (raw columns); ``model``: the small-area table (SAE_COLUMNS),
    or None; ``totals``: the number of territories of each level (``peers_total``).
    """
    estimates = portrait_cells(latest_waves(estimates))
    direct = estimates[
        estimates["level"].isin(STORED_LEVELS) & estimates["size_class"].isna() & (estimates["n"] >= LOW_N)
    ]
    # Not the cells a territory inside would single out (at the default threshold, as the maps show them).
    direct = direct[~nested(direct, DEFAULT_MIN_N)].drop(columns=INNER_COLUMN, errors="ignore")
    shown = finalize(direct, direct["statistic"].to_numpy() != "mean_score", LOW_N)
    frames = [_ranked(shown[(shown["reliability"] == "ok") & shown["estimate"].notna()], "direct", totals)]
    if model is not None and len(model):
        model = portrait_cells(latest_waves(model))
        modelled = model[model["sae_status"].isin(MODEL_STATUSES) & model["estimate"].notna()]
        frames.append(_ranked(modelled.assign(level="epci"), "sae", totals))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in STORED_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(STORED_COLUMNS)]


def _ranked(rows: pd.DataFrame, method: str, totals: dict[str, int]) -> pd.DataFrame:
    rows = rows[rows["se"].notna()]
    cells = list(rows.groupby(CELL, sort=False, observed=True))
    with ThreadPoolExecutor(WORKERS) as pool:  # numpy's sorts and draws release the GIL
        sets = list(
            pool.map(
                lambda kc: cell_sets(kc[1]["estimate"].to_numpy(float), kc[1]["se"].to_numpy(float), method), cells
            )
        )
    out = [
        pd.DataFrame(
            {
                "indicator": indicator,
                "survey": survey,
                "wave": int(wave),
                "level": level,
                "method": method,
                "measure": measure,
                "statistic": statistic,
                "territory_code": cell["territory_code"].astype(str).to_numpy(),
                "estimate": cell["estimate"].to_numpy(float),
                "se": cell["se"].to_numpy(float),
                **found,
                "peers": len(cell),
                "peers_total": totals.get(level, len(cell)),
            }
        )  # fmt: skip
        for ((indicator, survey, wave, level, measure, statistic), cell), found in zip(cells, sets, strict=True)
    ]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def latest_waves(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of each survey's latest wave (what the portraits rank; other waves: on demand)."""
    if table.empty:
        return table
    latest = table.groupby("survey")["wave"].transform("max")
    return table[table["wave"] == latest]


def write_rank_sets(
    con: duckdb.DuckDBPyConnection, estimates: pd.DataFrame, model: pd.DataFrame | None, say: Progress | None = None
) -> int:
    """Compute and store ``rank_sets`` in the database ``con`` writes to (replacing any).

    Returns:
        The number of ranked rows stored.
    """
    report = say or (lambda _m: None)
    start = time.perf_counter()
    totals = dict(con.execute("SELECT level, count(*) FROM territories GROUP BY level").fetchall())
    table = rank_sets_table(estimates, model, {k: int(v) for k, v in totals.items()})
    table["wave"] = table["wave"].astype(np.int64) if len(table) else table["wave"]
    con.register("rank_frame", table)
    try:
        con.execute("DROP TABLE IF EXISTS rank_sets")
        con.execute(
            f"CREATE TABLE rank_sets AS SELECT {', '.join(STORED_COLUMNS)} FROM rank_frame "
            "ORDER BY level, territory_code, indicator, survey, wave, method, measure, statistic"
        )
    finally:
        con.unregister("rank_frame")
    seconds = time.perf_counter() - start
    report(f"rangs : {len(table):,} lignes en {seconds:.1f} s / rank sets".replace(",", " "))
    return len(table)
