"""A zone's table of one indicator, survey and wave: the API's and the export command's one copy.

``GET /api/v1/zones/<id>/<indicator>`` and ``python -m observatory export INDICATOR --zone codes.csv``
give the same rows and columns (:data:`ZONE_EXPORT_COLUMNS`: those of the other tables, then the
guard's ``refused_reason``, ``refused_fr``, ``refused_en``, then ``synthetic``), from
:func:`observatory.data.zones.zone_table`: every zone stored before this one counts as published.
"""

from __future__ import annotations

import pandas as pd

from observatory.data.service import Observatory
from observatory.data.zones import ZoneDefinition, ZoneStore, zone_cells_of, zone_table
from observatory.exports.columns import EXPORT_COLUMNS
from observatory.exports.export import ExportRequest, checked
from observatory.stats import InvalidQuery

__all__ = ["ZONE_EXPORT_COLUMNS", "ZONE_FORMATS", "checked_zone_request", "zone_export"]

ZONE_EXPORT_COLUMNS: tuple[str, ...] = (*EXPORT_COLUMNS, "refused_reason", "refused_fr", "refused_en", "synthetic")
ZONE_FORMATS: tuple[str, ...] = ("csv", "json", "parquet", "xlsx")  # no zip: a zone has no data package yet


def checked_zone_request(obs: Observatory, req: ExportRequest) -> tuple[str, int, int]:
    """The survey, wave and ``min_n`` of a zone's request; InvalidQuery on a bad one.

    Checked as the other tables' (:func:`observatory.exports.export.checked`); a zone's table has no
    level, territories, size class, change or model, and its ``min_n`` is never below the server's
    (the guard's threshold): a lower one would show what the guard protects.
    """
    for name, value in (
        ("territory", req.territories),
        ("size_class", req.size_class),
        ("wave_to", req.wave_to),
    ):
        if value is not None:
            raise InvalidQuery(name, value, ("nothing: a zone's table is of one wave, over all sizes",))
    if req.method != "direct":
        raise InvalidQuery("method", req.method, ("direct",))
    if req.min_n is not None and req.min_n < obs.settings.min_n:
        raise InvalidQuery("min_n", req.min_n, (f"an integer ≥ {obs.settings.min_n} (the server's threshold)",))
    return checked(obs, req)


def zone_export(
    obs: Observatory, store: ZoneStore, zone: ZoneDefinition, req: ExportRequest, survey: str, wave: int, min_n: int
) -> pd.DataFrame:
    """The rows of a zone's table for one request, with the export's columns and the guard's.

    ``survey``, ``wave`` and ``min_n`` as :func:`checked_zone_request` answers them; the measures in
    the order asked (each once), then the statistic asked if any.
    """
    table = zone_cells_of(zone_table(obs, store, zone, min_n), req.indicator, survey, wave)
    if req.measures:
        order = {m: i for i, m in enumerate(dict.fromkeys(req.measures))}
        table = table[table["measure"].isin(order)]
        table = table.iloc[table["measure"].map(order).argsort(kind="stable")]
    if req.statistic is not None:
        table = table[table["statistic"] == req.statistic]
    table = table.assign(size_class=None, min_n=min_n, synthetic=obs.is_synthetic(survey))
    return table[list(ZONE_EXPORT_COLUMNS)].reset_index(drop=True)
