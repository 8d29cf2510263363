"""``/partenariats``: how much companies and associations practise partnerships, by territory."""

from __future__ import annotations

from dash import dcc

from observatory.core import reference as ref
from observatory.core.i18n import colon, t
from observatory.core.urlstate import Param
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.ui.pages.mappage import Control, MapPage, level_options, method_param

KINDS = (ref.PARTNER.code, *ref.KIND_CODES)
ALL_SIZES = "all"
# "Parmi" (base) applies to the kinds of partnership only: the partner rate is a share of all
# respondents. For it, base is left out of the URL ("") or is "all" (the model's diagnostics link
# there with base=all, which says the same thing); "partners" gets a notice (audit E17).
NOT_APPLICABLE = ""
BASES = ("partners", "all")


def base_applies(kind: str) -> bool:
    """Whether "among partners / among all respondents" means anything for ``kind``."""
    return kind != ref.PARTNER.code


def _surveys(obs: Observatory) -> tuple[str, ...]:
    present = set(obs.datasets()["survey"])
    return tuple(s for s in ref.PARTNERSHIP_SURVEYS if s in present) or ref.PARTNERSHIP_SURVEYS


def params(obs: Observatory, given: dict[str, str]) -> list[Param]:
    """URL parameters; waves and size classes depend on the survey chosen."""
    surveys = _surveys(obs)
    survey = given.get("survey") if given.get("survey") in surveys else surveys[0]
    waves = tuple(str(w) for w in obs.waves(survey)) or ("2015",)
    wave = given.get("wave") if given.get("wave") in waves else waves[-1]
    # A size class without any respondent in this wave is not offered (its map would be all grey).
    sizes = (ALL_SIZES, *obs.size_classes_with_respondents(survey, int(wave)))
    kind = given.get("kind") if given.get("kind") in KINDS else ref.PARTNER.code
    base = (
        Param("base", BASES, "partners")
        if base_applies(kind)
        else Param("base", (NOT_APPLICABLE, "all"), NOT_APPLICABLE)
    )
    return [
        Param("survey", surveys, surveys[0]),
        Param("wave", waves, waves[-1]),
        Param("level", ref.LEVEL_CODES, obs.default_level(survey, int(wave))),
        Param("kind", KINDS, ref.PARTNER.code),
        base,
        Param("size_class", sizes, ALL_SIZES),
        method_param(),
    ]


def statistic_of(values: dict[str, str]) -> str:
    """'share' for the partner rate; a kind among partners (PHARE's convention) or among all."""
    if not base_applies(values["kind"]) or values["base"] == "all":
        return "share"
    return "share_among_partners"


def query(values: dict[str, str]) -> tuple[Query, str, str]:
    """All partnership measures at the level, restricted to a size class if chosen."""
    size = None if values["size_class"] == ALL_SIZES else values["size_class"]
    q = Query("partnerships", int(values["wave"]), values["survey"], values["level"], size_class=size)
    return q, values["kind"], statistic_of(values)


def base_control(values: dict[str, str], lang: str) -> Control:
    """The "Parmi / Among" control: no choosable option (the page disables it) for the partner rate."""
    fr = lang == "fr"
    label = "Parmi" if fr else "Among"
    if base_applies(values["kind"]):
        return Control(
            "base",
            label,
            [
                ("partners", "les partenaires" if fr else "partners"),
                ("all", "tous les répondants" if fr else "all respondents"),
            ],
        )
    na = "sans objet (tous les répondants)" if fr else "not applicable (all respondents)"
    options = [(NOT_APPLICABLE, na), ("all", na)]
    return Control("base", label, options, frozenset(v for v, _label in options))


def controls(obs: Observatory, values: dict[str, str], lang: str) -> list[Control]:
    """Survey, wave, level, kind, base and size class."""
    fr = lang == "fr"
    present = set(obs.size_classes_with_respondents(values["survey"], int(values["wave"])))
    none = " — aucun répondant dans cette vague" if fr else " — no respondent in this wave"
    sizes = [(ALL_SIZES, "Toutes" if fr else "All")] + [
        (c.code, (c.fr if fr else c.en) + ("" if c.code in present else none))
        for c in ref.SIZE_CLASSES[values["survey"]]
    ]
    empty = frozenset(c.code for c in ref.SIZE_CLASSES[values["survey"]] if c.code not in present)
    return [
        Control("survey", t("survey", lang), [(s, ref.label(s, lang)) for s in _surveys(obs)]),
        Control("wave", t("wave", lang), [(str(w), str(w)) for w in obs.waves(values["survey"])]),
        Control("level", t("level", lang), level_options(lang)),
        Control("kind", "Partenariat" if fr else "Partnership", [(k, ref.label(k, lang)) for k in KINDS]),
        base_control(values, lang),
        Control("size_class", "Taille" if fr else "Size", sizes, empty),
    ]


def title(values: dict[str, str], lang: str) -> str:
    """E.g. 'Partenariats : Mécénat, parmi les partenaires — Entreprises, PME (10 à 249 salariés), 2015'."""
    fr = lang == "fr"
    head = "Partenariats" if fr else "Partnerships"
    among = ""
    if statistic_of(values) == "share_among_partners":
        among = ", parmi les partenaires" if fr else ", among partners"
    size = "" if values["size_class"] == ALL_SIZES else f", {ref.label(values['size_class'], lang)}"
    return (
        f"{head}{colon(lang)}{ref.label(values['kind'], lang)}{among} — "
        f"{ref.label(values['survey'], lang)}{size}, {values['wave']}"
    )


def extras(obs: Observatory, pv, lang: str, width: int | None) -> list:
    """The panels below the map (see observatory.views.extras)."""
    from observatory.views import extras as panels

    return [dcc.Graph(figure=fig, config={"displaylogo": False}) for fig in panels.partnership_panels(obs, pv, lang)]


PAGE = MapPage(
    path="/partenariats",
    palette="practice",
    indicator="partnerships",
    params=params,
    query=query,
    controls=controls,
    title=title,
    extras=extras,
)
