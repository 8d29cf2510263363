"""``/innovation``: who sees alliances (partnerships) as a source of innovation, by territory.

One 0/1 item asked to citizens (PHARE 2015, IMPACT 2019) and to mayors (PHARE 2016, IMPACT 2020
and 2024). Below the map, the national trend across waves with the published figures.
"""

from __future__ import annotations

from dash import dcc

from observatory.core import reference as ref
from observatory.core.i18n import t
from observatory.core.urlstate import Param
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.ui.pages.mappage import Control, MapPage, level_options, method_param


def _surveys(obs: Observatory) -> tuple[str, ...]:
    present = set(obs.datasets()["survey"])
    return tuple(s for s in ref.INNOVATION_SURVEYS if s in present) or ref.INNOVATION_SURVEYS


def params(obs: Observatory, given: dict[str, str]) -> list[Param]:
    """URL parameters; the waves offered depend on the survey chosen."""
    surveys = _surveys(obs)
    survey = given.get("survey") if given.get("survey") in surveys else surveys[0]
    waves = tuple(str(w) for w in obs.waves(survey)) or ("2015",)
    wave = given.get("wave") if given.get("wave") in waves else waves[-1]
    return [
        Param("survey", surveys, surveys[0]),
        Param("wave", waves, waves[-1]),
        Param("level", ref.LEVEL_CODES, obs.default_level(survey, int(wave))),
        method_param(),
    ]


def query(values: dict[str, str]) -> tuple[Query, str, str]:
    """The innovation item at the level."""
    q = Query("innovation", int(values["wave"]), values["survey"], values["level"])
    return q, ref.INNOVATION.code, "share"


def controls(obs: Observatory, values: dict[str, str], lang: str) -> list[Control]:
    """Survey, wave and level."""
    return [
        Control("survey", t("survey", lang), [(s, ref.label(s, lang)) for s in _surveys(obs)]),
        Control("wave", t("wave", lang), [(str(w), str(w)) for w in obs.waves(values["survey"])]),
        Control("level", t("level", lang), level_options(lang)),
    ]


def title(values: dict[str, str], lang: str) -> str:
    """E.g. 'Les alliances sont source d'innovation — citoyens, 2019'."""
    return f"{ref.label(ref.INNOVATION.code, lang)} — {ref.label(values['survey'], lang).lower()}, {values['wave']}"


def extras(obs: Observatory, pv, lang: str, width: int | None) -> list:
    """The national trend of the item for each survey that asked it, with the published figures."""
    from observatory.views import trends

    return [dcc.Graph(figure=trends.national_innovation_figure(obs, lang), config={"displaylogo": False})]


PAGE = MapPage(
    path="/innovation",
    palette="practice",
    indicator="innovation",
    params=params,
    query=query,
    controls=controls,
    title=title,
    extras=extras,
)
