"""One territory's every stored cell, finalised at once: what a profile reads (pure functions).

A profile asks one territory's cells indicator by indicator and wave by wave, about a hundred
lookups; each built alone (a query, a grid, merges, :func:`finalize`) cost 20–30 ms. The engine reads
the territory's stored cells in one query and hands them here: one grid, one :func:`finalize`, and
each lookup is then a slice. The rows, columns and order are those of
:meth:`observatory.stats.engine.StatsEngine._with_all_territories` (checked cell for cell by
``tests/views/test_territory_table.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.stats import measures as ms
from observatory.stats.finalize import INNER_COLUMN, OUTPUT_COLUMNS, finalize
from observatory.stats.precompute import RAW_COLUMNS

TERRITORY_TABLES = 24  # territories whose every cell is kept finalised (a profile's, its parent's, France)
FEW_TERRITORIES = 50  # a lookup of at most this many territories is built directly (no merges)
KEYS = ["indicator", "survey", "wave", "measure", "statistic"]


def cells_of(indicator: str, measures: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (measure, statistic) cells of a query, in the tables' order (statistics alphabetical)."""
    stats = sorted(ms.STATISTICS[indicator])
    return [(m, s) for m in measures for s in stats if not (s == "share_among_partners" and m == ref.PARTNER.code)]


def few_territories(
    frame: pd.DataFrame,
    terr: pd.DataFrame,
    indicator: str,
    wave: int,
    survey: str,
    level: str,
    size_class: str | None,
    measures: tuple[str, ...],
) -> pd.DataFrame:
    """Raw cells of a few territories on the full grid (a cell the frame lacks has n = 0), built directly.

    ``frame``: ``territory, measure, statistic`` and the raw columns; ``terr``: ``territory_code,
    territory_name`` of the territories wanted. The merges and categories that suit a whole level
    cost ~20 ms a lookup.
    """
    codes = sorted(terr["territory_code"])
    names = dict(zip(terr["territory_code"], terr["territory_name"], strict=True))
    rows = [(c, names[c], m, s) for m, s in cells_of(indicator, measures) for c in codes]
    out = pd.DataFrame(rows, columns=["territory_code", "territory_name", "measure", "statistic"])
    keys = ["territory", "measure", "statistic"]
    values = frame.set_index(keys).reindex(pd.MultiIndex.from_frame(out[["territory_code", "measure", "statistic"]]))
    for col in values.columns:
        out[col] = values[col].to_numpy()
    out["n"] = out["n"].fillna(0)
    return out.assign(indicator=indicator, wave=wave, survey=survey, level=level, size_class=size_class)


def territory_table(
    cells: pd.DataFrame,
    level: str,
    code: str,
    name: str | None,
    queries: list[tuple[str, str, int]],
    min_n: int,
) -> dict[tuple[str, str, int], pd.DataFrame]:
    """Every cell of one territory, finalised, by (indicator, survey, wave).

    ``cells``: the territory's stored raw cells (``indicator, survey, wave, measure, statistic`` and
    the raw columns, all sizes); ``queries``: every stored (indicator, survey, wave); ``name`` None:
    not a territory of the level (no rows, as for any lookup).
    """
    grid = pd.DataFrame(
        [(i, s, w, m, st) for i, s, w in queries for m, st in cells_of(i, ms.MEASURES[i])], columns=KEYS
    )
    values = cells.astype({"wave": "int64"}).set_index(KEYS).reindex(pd.MultiIndex.from_frame(grid))
    raw = grid.assign(
        territory_code=code,
        territory_name=name,
        level=level,
        size_class=None,
        **{col: values[col].to_numpy() for col in RAW_COLUMNS},
        **({INNER_COLUMN: values[INNER_COLUMN].to_numpy()} if INNER_COLUMN in values else {}),
    )
    raw["n"] = raw["n"].fillna(0)
    if name is None:
        raw = raw.iloc[:0]
    out = finalize(raw, raw["statistic"].to_numpy() != "mean_score", min_n)[list(OUTPUT_COLUMNS)]
    return {key: part.reset_index(drop=True) for key, part in out.groupby(["indicator", "survey", "wave"])}


def slice_of(
    tables: dict[tuple[str, str, int], pd.DataFrame], indicator: str, survey: str, wave: int, kept: tuple[str, ...]
) -> pd.DataFrame:
    """One (indicator, survey, wave) of a territory's tables, its measures ``kept`` in that order."""
    part = tables.get((indicator, survey, int(wave)))
    if part is None:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    if kept == ms.MEASURES[indicator]:
        return part.copy()  # (a copy: the caller may change it, the cache keeps its own)
    out = part[part["measure"].isin(kept)]
    order = {m: i for i, m in enumerate(kept)}
    rank = out["measure"].map(order).to_numpy() * len(out) + np.arange(len(out))
    return out.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
