"""``/co-construction``: what mayors say of co-construction.

The dynamic they report in their territory (Q4) and the roles they give local authorities (Q8).
"""

from __future__ import annotations

from dash import dcc, html

from observatory.core import reference as ref
from observatory.core.i18n import colon, t
from observatory.core.urlstate import Param
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.ui.pages.mappage import Control, MapPage, level_options, method_param

MEASURES = (ref.Q4_OUI.code, *ref.Q4_CODES, *ref.Q8_CODES)


def params(obs: Observatory, given: dict[str, str]) -> list[Param]:
    """URL parameters."""
    waves = tuple(str(w) for w in obs.waves("elus")) or ("2016",)
    wave = given.get("wave") if given.get("wave") in waves else waves[-1]
    return [
        Param("wave", waves, waves[-1]),
        Param("level", ref.LEVEL_CODES, obs.default_level("elus", int(wave))),
        Param("measure", MEASURES, ref.Q4_OUI.code),
        method_param(),
    ]


def query(values: dict[str, str]) -> tuple[Query, str, str]:
    """All mayors' measures at the level."""
    return Query("mayors", int(values["wave"]), "elus", values["level"]), values["measure"], "share"


def measure_options(lang: str) -> list[tuple[str, str]]:
    """Q4 'oui', each Q4 answer, each Q8 role."""
    q4 = ("Q4 (dynamique)" if lang == "fr" else "Q4 (dynamic)") + colon(lang)
    q8 = ("Q8 (rôle)" if lang == "fr" else "Q8 (role)") + colon(lang)
    return (
        [(ref.Q4_OUI.code, q4 + ref.label(ref.Q4_OUI.code, lang))]
        + [(c, q4 + ref.label(c, lang)) for c in ref.Q4_CODES]
        + [(c, q8 + ref.label(c, lang)) for c in ref.Q8_CODES]
    )


def controls(obs: Observatory, values: dict[str, str], lang: str) -> list[Control]:
    """Wave, level and measure."""
    return [
        Control("wave", t("wave", lang), [(str(w), str(w)) for w in obs.waves("elus")]),
        Control("level", t("level", lang), level_options(lang)),
        Control("measure", "Mesure" if lang == "fr" else "Measure", measure_options(lang)),
    ]


def title(values: dict[str, str], lang: str) -> str:
    """E.g. 'Co-construction : Oui (tout à fait + plutôt) — maires, 2016'."""
    who = "maires" if lang == "fr" else "mayors"
    return f"Co-construction{colon(lang)}{ref.label(values['measure'], lang)} — {who}, {values['wave']}"


def extras(obs: Observatory, pv, lang: str, width: int | None) -> list:
    """The panels below the map (see observatory.views.extras)."""
    from observatory.views import extras as panels

    return [
        html.P(item, className="note")
        if isinstance(item, str)
        else dcc.Graph(figure=item, config={"displaylogo": False})
        for item in panels.q4_stacked(obs, pv, lang)
    ]


PAGE = MapPage(
    path="/co-construction",
    palette="practice",
    indicator="mayors",
    params=params,
    query=query,
    controls=controls,
    title=title,
    extras=extras,
)
