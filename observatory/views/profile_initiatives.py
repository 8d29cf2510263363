"""The initiatives shown on a profile: the territory's own, and apart the national programmes open to it.

Pure functions of the :class:`~observatory.data.service.Observatory`; re-exported by
:mod:`observatory.views.profile`.
"""

from __future__ import annotations

import re

import pandas as pd

from observatory.data.service import Observatory
from observatory.views.profile_territory import Territory

NATIONAL = "france"  # initiative_places.level of the programmes coded at the national level


def initiatives(obs: Observatory, t: Territory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The territory's own initiatives, and apart the national programmes open to it.

    Own: located in the territory, in its sub-territories or in its parents. Each row has
    ``source_title``, ``source_publisher`` and ``source_date``, never the source's file name.
    """
    rows = obs.initiatives(t.level, t.code, [(lv, c) for lv, c, _ in t.parents])
    if rows.empty:
        return rows, rows
    rows = rows.assign(
        source_title=[_source_title(r) for r in rows.itertuples()],
        source_publisher=rows["source_publisher"].fillna("") if "source_publisher" in rows else "",
        source_date=rows["source_date"].fillna("") if "source_date" in rows else "",
    )
    national = rows["level"] == NATIONAL
    return rows[~national].reset_index(drop=True), rows[national].reset_index(drop=True)


def _source_title(r: object) -> str:
    """The source's title.

    On a database built before the catalogue had one, the description in parentheses after the
    file name ('003_….txt (Les 20 premières…)').
    """
    title = getattr(r, "source_title", None)
    if isinstance(title, str) and title:
        return title
    match = re.search(r"\((.+)\)\s*$", r.source_document or "")
    return match.group(1) if match else ""
