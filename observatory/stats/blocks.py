"""The portrait's blocks: which cells of which surveys each block of a profile shows.

One copy of the rule, read by the profile (its tables, ranks and findings) and by the ETL, which
stores at load the rank sets of exactly these cells (:mod:`etl.ranks`); the others are computed
on demand.
"""

from __future__ import annotations

import pandas as pd

from observatory.core import reference as ref

BLOCKS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # (block, indicator, surveys, statistic kept)
    ("fragilite", "fragility", ("citoyens", "entreprises", "associations"), "mean_score"),
    ("partenariats", "partnerships", ref.PARTNERSHIP_SURVEYS, ""),
    ("maires", "mayors", ("elus",), "share"),
    ("innovation", "innovation", ref.INNOVATION_SURVEYS, "share"),
)


def block_cells(table: pd.DataFrame, statistic: str) -> pd.DataFrame:
    """The cells of ``table`` a block keeps: its ``statistic``, or (none) the partnerships' cells."""
    if statistic:
        return table[table["statistic"] == statistic]
    # partnerships: the partner rate, and the kinds among partners (PHARE's convention)
    return table[(table["measure"] == ref.PARTNER.code) | (table["statistic"] == "share_among_partners")]


def portrait_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` (indicator, survey, measure, statistic columns) that some block shows."""
    parts = []
    for _block, indicator, surveys, statistic in BLOCKS:
        rows = table[(table["indicator"] == indicator) & table["survey"].isin(surveys)]
        parts.append(block_cells(rows, statistic))
    return pd.concat(parts) if parts else table.iloc[:0]


def is_portrait_cell(indicator: str, survey: str, measure: str, statistic: str | None) -> bool:
    """Whether one cell is one a block shows (``statistic`` None: not a single cell)."""
    if statistic is None:
        return False
    row = pd.DataFrame({"indicator": [indicator], "survey": [survey], "measure": [measure], "statistic": [statistic]})
    return len(portrait_cells(row)) == 1
