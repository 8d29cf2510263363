"""``GET /api/v1/findings/<territory>``: every test of a portrait's family, stated or not.

The portrait states a difference only when it survives Benjamini–Hochberg at 5 % over every test
it could state (:func:`observatory.views.portrait.key_findings`). This answer gives the family whole,
so that an analyst can check each statement and see what was not said: its size, the procedure,
and for each test the fields of the downloads (:func:`~observatory.views.findings_blocks.finding_record`):
versus (france, parent, previous_wave), direction, indicator, survey, wave, measure, statistic, source
(direct or model), the estimate and its interval, the reference and its interval, the difference with
its interval where there is one, n, reliability, the raw and adjusted p-values; and ``stated``.
"""

from __future__ import annotations

import math

from flask import Blueprint, Response, jsonify

from observatory.core import reference as ref
from observatory.views import portrait
from observatory.views.findings_blocks import finding_record

PREFIX = "/api/v1"


def _number(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def blueprint(obs) -> Blueprint:
    """The findings route on one data interface."""
    bp = Blueprint("api_findings", __name__, url_prefix=PREFIX)

    @bp.route("/findings/<key>")
    def findings(key: str) -> Response:
        from observatory.views import profile as pv

        t = pv.resolve(obs, key)
        if t is None:
            resp = jsonify({"error": "unknown territory", "territory": str(key)[:40]})
            resp.status_code = 404
            return resp
        kf = pv.profile_model(obs, t)[1].findings
        tests = [
            {
                **{k: _number(v) if isinstance(v, float) else v for k, v in finding_record(f).items()},
                "source": "model" if f.source.startswith("model") else f.source,
                "stated": kf.is_stated(f),
                "contradicts_parent": f.source == "model_contradicted",
                "parent_unreliable": f.source == "model_unchecked",
            }
            for f in kf.tests
        ]
        resp = jsonify(
            {
                "territory": {
                    "key": ref.territory_key(t.level, t.code),
                    "level": t.level,
                    "code": t.code,
                    "name": t.name,
                },
                "data_version": obs.db.version,
                "family_size": kf.family,
                "stated": kf.stated,
                "procedure": kf.procedure,
                "false_discovery_rate": portrait.FDR,
                "synthetic": obs.is_synthetic(),
                "tests": tests,
            }
        )
        resp.headers["Cache-Control"] = "public, max-age=300"
        return resp

    return bp
