"""Bounded answers of the API: pages of a table, computed from the measures they span only.

The statistics layer orders every table by measure (in the request's order), statistic, then
territory code, and gives every territory of the level a row (n = 0 when nobody answered). So the
number of rows of each measure is known before computing anything, and a page of rows needs only
the one or two measures it overlaps: the first page of the communes table (1.4 million rows over
21 measures) computes one measure, not 21. CSV is streamed in chunks instead of being paged.

The territories are listed in pages too: a level's by code, or a search's matches best first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.exports.export import ExportRequest, export_table, render
from observatory.stats import InvalidQuery
from observatory.stats.measures import MEASURES, STATISTICS

# Excel's sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
# Rows per streamed CSV chunk: a few MB, written in a fraction of a second.
CSV_CHUNK_ROWS = 20_000
# A search's first page: the best matches, as the search box shows them (a level's: a whole page).
SEARCH_PAGE_SIZE = 20
# More than France's territories (about 36,300): a search's every match.
ALL_MATCHES = 100_000
TERRITORY_COLUMNS: tuple[str, ...] = (
    "level", "code", "name", "region_code", "departement_code", "epci_code", "canton_code", "population", "area_km2",
)  # fmt: skip
SEARCH_COLUMNS: tuple[str, ...] = ("level", "code", "name", "parent", "population")


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of ``size`` rows of a table of ``total`` rows."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        """The number of the last page (1 for an empty table)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        """Whether rows follow this page."""
        return self.offset + self.size < self.total


def rows_per_measure(obs: Observatory, req: ExportRequest) -> list[tuple[str, int]]:
    """Each measure of a request with its number of rows, in the table's order, computing nothing.

    Mirrors the statistics layer's grid (``StatsEngine._with_all_territories``): every territory of
    the level × every statistic of the indicator, but for "share among partners" of the partner
    kind itself; the tests check it against the computed tables.
    """
    allowed = MEASURES.get(req.indicator, ())
    for measure in req.measures or ():
        if measure not in allowed:  # before paging: a page may not span the unknown measure
            raise InvalidQuery("measure", measure, allowed)
    statistics = [s for s in STATISTICS.get(req.indicator, ()) if req.statistic in (None, s)]
    territories = territory_count(obs, req)
    return [
        (m, territories * sum(not (s == "share_among_partners" and m == ref.PARTNER.code) for s in statistics))
        for m in req.measures or allowed
    ]


def territory_count(obs: Observatory, req: ExportRequest) -> int:
    """How many territories a request's table has a row for."""
    if req.level == ref.FRANCE_LEVEL:
        codes = {ref.FRANCE_CODE}
    elif req.level == ref.SIZE_BAND_LEVEL:
        codes = {band.code for band, _lo, _hi in ref.SIZE_BANDS}
    else:
        codes = set(obs.territories(req.level)["code"])
    return len(codes & set(req.territories)) if req.territories else len(codes)


def page_table(obs: Observatory, req: ExportRequest, page: Page, counts: list[tuple[str, int]]) -> pd.DataFrame:
    """The rows of one page: the table of the measures the page overlaps, sliced.

    ``counts`` is :func:`rows_per_measure` of the request.
    """
    start, stop = page.offset, page.offset + page.size
    spanned: list[str] = []
    before = seen = 0
    for measure, n in counts:
        if seen + n <= start:
            before += n
        elif seen < stop:
            spanned.append(measure)
        seen += n
    # An empty table still goes through export_table, which checks the survey, wave and filters.
    measures = tuple(spanned) or tuple(m for m, _n in counts[:1]) or None
    table = export_table(obs, dataclasses.replace(req, measures=measures))
    return table.iloc[start - before : stop - before].reset_index(drop=True)


def territory_list(obs: Observatory, q: str | None, level: str | None) -> pd.DataFrame:
    """The territories ``/territories`` lists, in a stable order.

    The matches of ``q`` best first (at ``level`` if given), or every territory of ``level``
    (default: the régions) by code.
    """
    if q:
        hits = [h for h in obs.search_with_total(q, limit=ALL_MATCHES).hits if level is None or h.level == level]
        return pd.DataFrame([dataclasses.astuple(h) for h in hits], columns=list(SEARCH_COLUMNS))
    return obs.territories(level or "region")[list(TERRITORY_COLUMNS)]


def records(frame: pd.DataFrame) -> list[dict]:
    """A frame's rows as JSON-ready dicts (a missing value as None)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def csv_chunks(table: pd.DataFrame, dialect: str = "plain", rows: int = CSV_CHUNK_ROWS) -> Iterator[bytes]:
    """The CSV of a table in chunks: the same bytes as ``render(table, "csv", dialect)``."""
    for first in range(0, max(len(table), 1), rows):
        data = render(table.iloc[first : first + rows], "csv", dialect)
        # Each chunk is rendered whole; after the first, its header line (and BOM) is dropped.
        yield data if first == 0 else data.split(b"\n", 1)[1]
