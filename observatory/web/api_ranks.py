"""``GET /api/v1/ranks/<indicator>``: every ranked territory's rank, with its confidence sets."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from observatory.data.service import Observatory
from observatory.exports.export import MEDIA_TYPES, rank_table, render
from observatory.stats.measures import MEASURES
from observatory.web.api_http import not_found
from observatory.web.api_params import BadParameter, dialect, file_format, table_request


def register_ranks(bp: Blueprint, obs: Observatory) -> None:
    """The ranks' route on one data interface."""

    @bp.route("/ranks/<indicator>")
    def ranks(indicator: str):
        """Every ranked territory's rank with its marginal and simultaneous 95 % confidence sets."""
        return ranks_answer(obs, indicator)


def ranks_answer(obs: Observatory, indicator: str) -> Response:
    """The ranks of a wave's estimates at a whole level, as JSON or a file."""
    if indicator not in MEASURES:
        return not_found(indicator)
    req = table_request(indicator)
    if req.wave_to is not None:
        raise BadParameter("wave_to", req.wave_to, "one wave: ranks are of a wave's estimates")
    if req.territories:
        raise BadParameter("territory", ",".join(req.territories), "ranks are of a whole level: no territory")
    fmt = file_format()
    chosen_dialect = dialect()
    if fmt == "zip":
        raise BadParameter("format", fmt, "json, csv, parquet or xlsx")
    table = rank_table(obs, req)
    if fmt != "json":
        resp = Response(render(table, fmt, chosen_dialect), mimetype=MEDIA_TYPES[fmt])
        resp.headers["Content-Disposition"] = f"attachment; filename=observatoire_rangs_{indicator}.{fmt}"
        return resp
    rows = json.loads(table.to_json(orient="records", double_precision=10))
    return _json(
        {
            "indicator": indicator, "method": req.method, "level": req.level, "total": len(rows),
            "data_version": obs.db.version, "synthetic": obs.is_synthetic(), "confidence": 0.95,
            "sets": "rank_low/rank_high: marginal (one territory); simultaneous_low/high: every rank at once",
            "rows": rows,
        }
    )  # fmt: skip


def _json(payload: dict) -> Response:  # the columns in their documented order (jsonify sorts keys)
    return Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")
