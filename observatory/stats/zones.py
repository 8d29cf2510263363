"""Design-based estimates for a zone: any set of communes, every indicator of every survey and wave.

The estimate of a zone is that of any territory: the zone is a domain of the whole sample of each
survey and wave, its estimate, Taylor variance, CI, n, effective n, reliability and test against the
rest of France those of :mod:`observatory.stats.taylor` and :func:`observatory.stats.finalize.finalize`
(computed from the answers arranged by :mod:`observatory.stats.zone_moments`). What it may show is
decided by the same suppression rule and by the differencing guard
(:mod:`observatory.stats.zone_guard`): a refused cell keeps its reason and loses every value.

Why not the engine's ``groups`` level (a label repeated over the zone's communes, first match
wins)? It computes the right figure, but with one database query per indicator, survey and wave,
each a branch per commune, and one output row per entry (the same row 500 times): 9 to 23 s for
500 communes over every survey and wave on the demonstration data (2 busy cores). Here, once the
answers are read (2 to 4 s per data version and process), the same zone takes 20 to 40 ms
(benchmarks/results/zones.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from observatory.stats.finalize import VALUE_COLUMNS, finalize
from observatory.stats.zone_guard import Names, PriorZone, check
from observatory.stats.zone_moments import ZONE_LEVEL, ZoneMoments, load, raw_cells

__all__ = ["ZONE_COLUMNS", "ZONE_LEVEL", "PriorZone", "ZoneMoments", "guard_cells", "load", "zone_cells"]

ZONE_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "measure", "statistic", "estimate", "se", "ci_low", "ci_high", "n", "n_eff",
    "reliability", "significance", "p_value", "estimate_rest", "refused_reason", "refused_fr", "refused_en",
)  # fmt: skip


def zone_cells(
    zm: ZoneMoments,
    communes: np.ndarray,
    min_n: int,
    guard_n: int | None = None,
    prior: Sequence[PriorZone] = (),
    names: Names | None = None,
) -> pd.DataFrame:
    """Every cell of a zone, finalised and guarded (columns :data:`ZONE_COLUMNS`).

    Args:
        zm: the answers arranged for zones (:func:`load`).
        communes: the zone's communes, positions from :meth:`ZoneMoments.commune_index`.
        min_n: the suppression threshold of the answer (a cell with fewer respondents shows nothing).
        guard_n: the smallest difference from a published set of respondents (default ``min_n``):
            the server's threshold, whatever threshold a request asks for.
        prior: the zones stored before this one (they count as published).
        names: a territory's name from its level and code, for the refusals' sentences.

    Returns:
        One row per cell of ``zm.cells``. A refused cell is suppressed (reliability ``suppressed``)
        with every value and its n blank, and says why in ``refused_reason`` (kind:level:code, e.g.
        ``territory:departement:42``) and in ``refused_fr``, ``refused_en``.
    """
    rows = zm.rows_of(communes)
    return guard_cells(zm, communes, rows, raw_cells(zm, rows), min_n, guard_n, prior, names)


def guard_cells(
    zm: ZoneMoments,
    communes: np.ndarray,
    rows: np.ndarray,
    raw: pd.DataFrame,
    min_n: int,
    guard_n: int | None = None,
    prior: Sequence[PriorZone] = (),
    names: Names | None = None,
) -> pd.DataFrame:
    """A zone's raw cells finalised and guarded: the second half of :func:`zone_cells`.

    Shared with the bulk zones (``etl/zones.py``), whose raw cells Spark may compute.
    """
    out = finalize(raw, raw["statistic"].to_numpy() != "mean_score", min_n)
    shown = out["reliability"].to_numpy() != "suppressed"
    guard = check(zm, communes, rows, min_n if guard_n is None else guard_n, prior, shown, names)
    refused = guard["refused"].to_numpy()
    for col in (*VALUE_COLUMNS, "estimate_rest"):
        out[col] = out[col].where(~refused, np.nan)
    out["n"] = out["n"].astype("Int64").where(~refused, pd.NA)
    out.loc[refused, "reliability"] = "suppressed"
    out.loc[refused, "significance"] = "not_tested"
    for col in ("refused_reason", "refused_fr", "refused_en"):
        out[col] = guard[col].where(refused, None)
    return out[list(ZONE_COLUMNS)]
