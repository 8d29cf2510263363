"""The map legend.

Classes with their colours and ranges, the distribution of territories over them, and the two
uncertainty entries (faded = low reliability, grey = too few respondents).
"""

from __future__ import annotations

from dash import html

from observatory import i18n
from observatory.figures.choropleth import OPACITY, SUPPRESSED_COLOUR
from observatory.views.mapview import MapView


def legend(view: MapView, colours: list[str], min_n: int, lang: str, frozen: bool) -> list:
    """Legend children; each class row carries ``data-class`` for the legend/map agreement test."""
    entries = view.legend()
    total = max((e["count"] for e in entries), default=1) or 1
    rows = []
    for e, colour in zip(entries, colours, strict=False):
        if view.change and e["class"] == 0:  # the first class holds every larger decrease
            label = f"≤ {i18n.signed(e['high'], view.statistic, lang)}"
        elif view.change:
            label = change_range(e["low"], e["high"], view.statistic, lang)
        else:
            label = legend_range(e["low"], e["high"], view.statistic, lang)
        rows.append(
            html.Li(
                [
                    html.Span(className="swatch", style={"background": colour}),
                    html.Span(label, className="range"),
                    html.Span(
                        html.Span(className="bar-fill", style={"width": f"{100 * e['count'] / total:.0f}%"}),
                        className="bar",
                        title=f"{e['count']}",
                    ),
                    html.Span(str(e["count"]), className="count"),
                ],
                className="legend-class",
                **{"data-class": str(e["class"]), "data-high": repr(e["high"]), "data-low": repr(e["low"])},
            )
        )
    n_supp = int((view.rows["reliability"] == "suppressed").sum())
    n_low = int((view.rows["reliability"] == "low").sum())
    unit = " (/10)" if view.statistic == "mean_score" else " (%)"
    if view.change:
        a, b = view.change
        unit = "" if view.statistic == "mean_score" else (" (points de %)" if lang == "fr" else " (percentage points)")
        method = f"{i18n.t('change_classes', lang)}{unit} · {a} → {b}"
        muted = int(((view.rows["opacity"] < 0.5) & (view.rows["reliability"] != "suppressed")).sum())
        faded = html.Li(
            [
                html.Span(className="swatch", style={"background": colours[-1] if colours else "#999", "opacity": 0.3}),
                html.Span(i18n.t("change_muted", lang), className="range"),
                html.Span(str(muted), className="count"),
            ],
            className="legend-low",
        )
    else:
        method = i18n.t(view.method, lang) + unit + (" · " + i18n.t("freeze", lang).lower() if frozen else "")
        faded = html.Li(
            [
                html.Span(
                    className="swatch",
                    style={"background": colours[-1] if colours else "#999", "opacity": OPACITY["low"]},
                ),
                html.Span(i18n.t("low_legend", lang), className="range"),
                html.Span(str(n_low), className="count"),
            ],
            className="legend-low",
        )
    return [
        html.H2("Légende" if lang == "fr" else "Legend", className="legend-title"),
        html.P(method, className="legend-method"),
        *([html.P(i18n.t("breaks_on_low", lang), className="legend-note")] if view.breaks_basis == "low" else []),
        html.Ul(rows, className="legend-classes"),
        html.Ul(
            [
                faded,
                html.Li(
                    [
                        html.Span(className="swatch hatched", style={"background": SUPPRESSED_COLOUR}),
                        html.Span(i18n.t("suppressed_legend", lang, min_n=min_n), className="range"),
                        html.Span(str(n_supp), className="count"),
                    ],
                    className="legend-suppressed",
                ),
            ],
            className="legend-extra",
        ),
    ]


def legend_range(low: float, high: float, statistic: str, lang: str) -> str:
    """'5,52 – 5,71' for scores (two decimals: classes of scores are narrow), '33 – 41 %' for shares."""
    if statistic == "mean_score":
        return f"{i18n.number(low, 2, lang)} – {i18n.number(high, 2, lang)}"
    return i18n.interval(low, high, statistic, lang)


def change_range(low: float, high: float, statistic: str, lang: str) -> str:
    """'−4,0 – −2,0 pts' for shares, '+0,20 – +0,40' for scores."""
    first = i18n.signed(low, statistic, lang).replace("\u202fpts", "").replace(" pts", "")
    return f"{first} – {i18n.signed(high, statistic, lang)}"
