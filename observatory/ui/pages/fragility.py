"""``/fragilites``: perceived fragility across the 16 domains, by survey and territory."""

from __future__ import annotations

from dash import dcc, html

from observatory.core import reference as ref
from observatory.core.i18n import colon, t
from observatory.core.urlstate import Param
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.ui import ids
from observatory.ui.pages.mappage import Control, MapPage, level_options, method_param

SURVEYS = ("citoyens", "entreprises", "associations")
MEASURE_CODES = (ref.COMPOSITE.code, *ref.ESPACE_CODES, *ref.DOMAIN_CODES)
STATISTICS = ("mean_score", "priority_share")


def _surveys(obs: Observatory) -> tuple[str, ...]:
    present = set(obs.datasets()["survey"])
    return tuple(s for s in SURVEYS if s in present) or SURVEYS


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
        Param("domain", MEASURE_CODES, ref.COMPOSITE.code),
        Param("stat", STATISTICS, "mean_score"),
        method_param(),
    ]


def query(values: dict[str, str]) -> tuple[Query, str, str]:
    """The statistics query of the view: all fragility measures at the level (for the heat-map)."""
    q = Query("fragility", int(values["wave"]), values["survey"], values["level"])
    return q, values["domain"], values["stat"]


def measure_options(lang: str) -> list[tuple[str, str]]:
    """Composite, then each espace followed by its domains (indented)."""
    opts = [(ref.COMPOSITE.code, ref.label(ref.COMPOSITE.code, lang))]
    for e in ref.ESPACES:
        opts.append((e.code, ("Espace" if lang == "fr" else "Area") + colon(lang) + ref.label(e.code, lang)))
        opts += [(d, "· " + ref.label(d, lang)) for d in ref.domains_of_espace(e.code)]
    return opts


def controls(obs: Observatory, values: dict[str, str], lang: str) -> list[Control]:
    """Survey, wave, level, domain and statistic."""
    waves = [(str(w), str(w)) for w in obs.waves(values["survey"])]
    return [
        Control("survey", t("survey", lang), [(s, ref.label(s, lang)) for s in _surveys(obs)]),
        Control("wave", t("wave", lang), waves),
        Control("level", t("level", lang), level_options(lang)),
        Control("domain", t("domain", lang), measure_options(lang)),
        Control("stat", t("statistic", lang), [(s, t(s, lang)) for s in STATISTICS]),
    ]


def title(values: dict[str, str], lang: str) -> str:
    """E.g. 'Fragilité perçue : Emploi, chômage et insertion, note moyenne sur 10 — Citoyens, 2015'."""
    head = "Fragilité perçue" if lang == "fr" else "Perceived fragility"
    statistic = STAT_TITLES[values["stat"]][0 if lang == "fr" else 1]
    return (
        f"{head}{colon(lang)}{ref.label(values['domain'], lang)}, {statistic} — "
        f"{ref.label(values['survey'], lang)}, {values['wave']}"
    )


# The statistic in the title (the two statistics have different units: a map of one is not the other).
STAT_TITLES = {
    "mean_score": ("note moyenne sur 10", "mean score out of 10"),
    "priority_share": ("part la jugeant prioritaire (note ≥ 7)", "share rating it a priority (score ≥ 7)"),
}


def extras(obs: Observatory, pv, lang: str, width: int | None) -> list:
    """Heat-map of all domains (drill-down) and small multiples by survey on a shared scale."""
    from observatory.views import extras as panels

    fr = lang == "fr"
    out = [dcc.Graph(id=ids.HEATMAP, figure=panels.fragility_heatmap(obs, pv, lang), config={"displaylogo": False})]
    if pv.query.level == "commune":
        return out
    maps = panels.small_multiples(obs, pv, lang, width)
    out.append(html.H2("Par type d'acteur, sur une même échelle" if fr else "By type of actor, on one scale"))
    out.append(
        html.Div(
            [
                # data-map-label: the name assets/a11y.js gives the small map's canvas (MapLibre
                # names every map "Map", in English)
                html.Div(
                    [html.H3(name), dcc.Graph(figure=fig, className="small-map", config={"displayModeBar": False})],
                    className="small-multiple",
                    **{"data-map-label": ("Carte par type d'acteur : " if fr else "Map by type of actor: ") + name},
                )
                for name, fig in maps
            ],
            className="small-multiples",
        )
    )
    return out


PAGE = MapPage(
    path="/fragilites",
    palette="fragility",
    indicator="fragility",
    params=params,
    query=query,
    controls=controls,
    title=title,
    extras=extras,
)
