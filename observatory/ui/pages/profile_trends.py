"""The profile's "change between waves" section: per survey, a legend and a panel per measure."""

from __future__ import annotations

from dash import html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures import svg_charts
from observatory.views import profile as pv

PROFILE_TRENDS = "profile-trends"  # the trend panels (a test hook)


def trend_section(obs: Observatory, t: pv.Territory, lang: str) -> html.Section:
    """The "change between waves" section: for each survey with several waves, one panel per measure."""
    fr = lang == "fr"
    intro = (
        "Chaque point est l'estimation d'une vague avec son intervalle de confiance à 95 % (points, pas de "
        "ligne : les vagues sont espacées de plusieurs années). Points évidés : fiabilité faible. Losanges "
        "noirs : chiffres nationaux publiés. Les évolutions significatives sont dans l'essentiel, en haut."
        if fr
        else "Each point is one wave's estimate with its 95% confidence interval (points, not lines: waves "
        "are years apart). Open points: low reliability. Black diamonds: published national figures. The "
        "significant changes are in the key findings, at the top."
    )
    return html.Section(
        html.Details(
            [
                html.Summary(html.H2(i18n.t("trend_title", lang))),
                html.P(intro, className="note"),
                html.Div(trend_blocks(obs, t, lang), id=PROFILE_TRENDS),
            ],
            open=True,
        ),
        className="profile-block",
        id="trends",
    )


def trend_blocks(obs: Observatory, t: pv.Territory, lang: str) -> list:
    """For each survey with several waves: its title, its legend and a panel per measure (SVG images)."""
    fr = lang == "fr"
    out = []
    for tb in pv.trend_blocks(obs, t):
        labels = {m: ref.label(m, lang) for m in tb.measures}
        drawn = svg_charts.trend_panels(tb.rows, tb.published, labels, tb.statistic or "share", lang)
        if not drawn:
            continue
        panels = [
            html.Img(src=svg_charts.data_uri(svg), alt=labels[m], className="trend-panel", **{"data-measure": m})
            for m, svg in drawn
        ]
        series = list(dict.fromkeys(zip(tb.rows["series"], tb.rows["series_label"], strict=True)))
        if len(tb.published):
            series.append(
                ("published", "Chiffre publié (PHARE / IMPACT)" if fr else "Published figure (PHARE / IMPACT)")
            )
        out.append(
            html.Div(
                [html.H3(pv.trend_title(tb, lang)), series_legend(series), html.Div(panels, className="trend-panels")],
                className="trend",
                **{"data-survey": tb.survey},
            )
        )
    return out or [html.P("Une seule vague par enquête." if fr else "One wave per survey.", className="note")]


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
