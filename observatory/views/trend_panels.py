"""The profile's trend panels, drawn once for every renderer (the page and the PDF wrap them).

For each survey with several waves: its title, the series of its legend and one server-drawn SVG
panel per measure (:func:`observatory.figures.svg_charts.trend_panels`), and the note on how to
read them. Pure functions of the cached :func:`observatory.views.profile.trend_blocks`.
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures import svg_charts
from observatory.views import profile as pv


@dataclass(frozen=True)
class TrendPanel:
    """One measure across the waves: its name and its picture (an SVG document)."""

    measure: str
    label: str
    svg: str


@dataclass(frozen=True)
class TrendPanels:
    """A survey's panels: its title, its legend's series (key, name) and a panel per measure."""

    survey: str
    title: str
    series: tuple[tuple[str, str], ...]
    panels: tuple[TrendPanel, ...]


def trend_panels(obs: Observatory, t: pv.Territory, lang: str) -> list[TrendPanels]:
    """For each survey with several waves (and something to draw): its title, legend and panels."""
    out = []
    for tb in pv.trend_blocks(obs, t):
        labels = {m: ref.label(m, lang) for m in tb.measures}
        drawn = svg_charts.trend_panels(tb.rows, tb.published, labels, tb.statistic or "share", lang)
        if not drawn:
            continue
        series = list(dict.fromkeys(zip(tb.rows["series"], tb.rows["series_label"], strict=True)))
        if len(tb.published):
            published = "Chiffre publié (PHARE / IMPACT)" if lang == "fr" else "Published figure (PHARE / IMPACT)"
            series.append(("published", published))
        panels = tuple(TrendPanel(m, labels[m], svg) for m, svg in drawn)
        out.append(TrendPanels(tb.survey, pv.trend_title(tb, lang), tuple(series), panels))
    return out


def trend_title(lang: str) -> str:
    """The section's title: 'Évolution entre vagues'."""
    return i18n.t("trend_title", lang)


def trend_note(lang: str) -> str:
    """How to read the panels (their colours are in each survey's legend)."""
    if lang == "fr":
        return (
            "Chaque point est l'estimation d'une vague avec son intervalle de confiance à 95 % (points, pas de "
            "ligne : les vagues sont espacées de plusieurs années). Points évidés : fiabilité faible. Losanges "
            "noirs : chiffres nationaux publiés. Les évolutions significatives sont dans l'essentiel, en haut."
        )
    return (
        "Each point is one wave's estimate with its 95% confidence interval (points, not lines: waves are "
        "years apart). Open points: low reliability. Black diamonds: published national figures. The "
        "significant changes are in the key findings, at the top."
    )


def no_trend_note(lang: str) -> str:
    """What the section says when no survey has several waves."""
    return "Une seule vague par enquête." if lang == "fr" else "One wave per survey."
