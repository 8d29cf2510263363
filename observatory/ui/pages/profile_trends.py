"""The profile's "change between waves" section: per survey, a legend and a panel per measure."""

from __future__ import annotations

from dash import html

from observatory.data.service import Observatory
from observatory.figures import svg_charts
from observatory.ui.pages import profile_folds as folds
from observatory.views import profile as pv
from observatory.views import trend_panels

PROFILE_TRENDS = "profile-trends"  # the trend panels (a test hook)


def trend_section(obs: Observatory, t: pv.Territory, lang: str, findings=None) -> html.Section:
    """The "change between waves" section, folded: for each survey with several waves, one panel per measure.

    Its line counts the panels and the changes the key findings state (``findings``).
    """
    drawn = trend_panels.trend_panels(obs, t, lang)
    panels = html.Div(trend_blocks(drawn, lang), id=PROFILE_TRENDS)
    content = [html.P(trend_panels.trend_note(lang), className="note"), panels]
    count = sum(len(tp.panels) for tp in drawn)
    return folds.fold("trends", trend_panels.trend_title(lang), folds.trend_line(count, findings, lang), content)


def trend_blocks(drawn: list[trend_panels.TrendPanels], lang: str) -> list:
    """For each survey with several waves: its title, its legend and a panel per measure (SVG images).

    The panels are drawn once for the page and the PDF (:func:`observatory.views.trend_panels.trend_panels`).
    """
    out = [_survey(tp) for tp in drawn]
    return out or [html.P(trend_panels.no_trend_note(lang), className="note")]


def _survey(tp: trend_panels.TrendPanels) -> html.Div:
    images = [
        html.Img(src=svg_charts.data_uri(p.svg), alt=p.label, className="trend-panel", **{"data-measure": p.measure})
        for p in tp.panels
    ]
    return html.Div(
        [html.H3(tp.title), series_legend(list(tp.series)), html.Div(images, className="trend-panels")],
        className="trend",
        **{"data-survey": tp.survey},
    )


def series_legend(series: list[tuple[str, str]]) -> html.Ul:
    """The series' names beside their colours (the same colours in every chart of the profile)."""
    return html.Ul(
        [
            html.Li(
                [html.Span(className=f"swatch swatch-{key}", **{"aria-hidden": "true"}), name],
                **{"data-series": key},
            )
            for key, name in series
        ],
        className="series-legend",
    )
