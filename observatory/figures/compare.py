"""The comparison's figures: a dot plot of 2 to 6 territories per measure with their 95 % CIs.

Each territory keeps one colour and one marker symbol (:func:`series_styles`, in the URL's
order) in every chart of the page: the dot plot, the trend panels (:func:`restyle_trend`) and
the page's legend (:func:`marker_icon`).
"""

from __future__ import annotations

import base64
import math
import textwrap
from dataclasses import dataclass

import pandas as pd

from observatory.core import i18n

# Okabe & Ito's blue, vermillion, bluish green and reddish purple, then an indigo and a brown (Tol):
# each at least 3:1 against white (WCAG 1.4.11) and, under simulated protan-, deutan- and tritanopia
# (Machado 2009), every pair at least ΔE 17 apart. No black: the trend panels' published figures are
# black diamonds.
COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#56330F")
SYMBOLS: tuple[str, ...] = ("circle", "square", "triangle-up", "triangle-down", "star", "cross")
ROW_PX = 26  # height of a one-line measure row (px)
LINE_PX = 15  # each further line of a wrapped label (12 px tick font)
SLOT_PX = 11  # vertical distance between two territories' points within a row (px): markers are 9 px
BAND_COLOUR = "#f3f5f8"  # every other measure row, so that a row's dodged points read together


@dataclass(frozen=True)
class SeriesStyle:
    """How one territory is drawn everywhere on the page."""

    colour: str
    symbol: str


def series_styles(keys: list[str]) -> dict[str, SeriesStyle]:
    """Each key's colour and symbol, by its position (the URL's order)."""
    return {key: SeriesStyle(COLOURS[i % len(COLOURS)], SYMBOLS[i % len(SYMBOLS)]) for i, key in enumerate(keys)}


def wrapped(label: str, width: int | None) -> str:
    """A tick label broken into lines of at most ``width`` characters (plotly's ``<br>``)."""
    if not width or len(label) <= width:
        return label
    return "<br>".join(textwrap.wrap(label, width, break_long_words=False))


def dotplot(
    frame: pd.DataFrame,
    series: list[tuple[str, str]],
    labels: dict[str, str],
    statistic: str,
    title: str,
    lang: str,
    wrap: int | None = None,
    modelled: set[str] | frozenset[str] = frozenset(),
    styles: dict[str, SeriesStyle] | None = None,
) -> dict:
    """Markers with CI whiskers, one series per (key, name) of ``series``, dodged within each row.

    Each measure is a row; within it the series are offset vertically (:data:`SLOT_PX` apart, the
    row as tall as needed), so that six territories' points and CIs never sit on one line. The
    chart has no legend of its own: the page shows one above all its charts (:func:`marker_icon`).
    The series of ``modelled`` keys (small-area model estimates) are drawn apart: open markers and
    paler whiskers with wider caps, so that a model's interval never reads as a survey's.

    Args:
        frame: one row per measure and columns estimate_<key>, ci_low_<key>, ci_high_<key>,
            n_<key>; suppressed values are NaN and not drawn.
        series: the (key, name) of each series, in drawing order.
        labels: measure code → label.
        statistic: the statistic shown (scores out of 10, or shares shown in %).
        title: the chart title.
        lang: 'fr' or 'en' (the hover texts, and the axis' decimal mark).
        wrap: break measure labels into lines of at most this many characters, so that the
            labels leave the plot area most of a phone's width (None: one line each).
        modelled: the keys whose estimates are a model's.
        styles: each key's colour and symbol (default: :func:`series_styles` of ``series``).
    """
    styles = styles or series_styles([key for key, _name in series])
    scale = 1.0 if statistic == "mean_score" else 100.0
    names = [labels.get(m, m) for m in frame["measure"]]
    rows = [wrapped(r, wrap) for r in names]
    lines = max((r.count("<br>") + 1 for r in rows), default=1)
    row_px = max(ROW_PX + LINE_PX * (lines - 1), SLOT_PX * len(series) + 8)
    data = []
    for i, (key, name) in enumerate(series):
        est = frame.get(f"estimate_{key}")
        if est is None:
            continue
        style, model = styles[key], key in modelled
        lo, hi, n = frame[f"ci_low_{key}"], frame[f"ci_high_{key}"], frame[f"n_{key}"]
        hover = [
            f"{name}<br>{r}<br>{i18n.value(e, statistic, lang, a, b)} [{i18n.interval(a, b, statistic, lang)}], n = {0 if pd.isna(k) else int(k)}"
            for r, e, a, b, k in zip(names, est, lo, hi, n, strict=True)
        ]
        offset = (i - (len(series) - 1) / 2) * SLOT_PX / row_px  # in rows
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "legendgroup": key,
                "x": (est * scale).round(3).tolist(),
                "y": [round(r + offset, 4) for r in range(len(rows))],
                "marker": {
                    "color": style.colour,
                    "size": 10 if model else 9,
                    "symbol": style.symbol + ("-open" if model else ""),
                    **({"line": {"width": 2}} if model else {}),
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": ((hi - est) * scale).round(3).tolist(),
                    "arrayminus": ((est - lo) * scale).round(3).tolist(),
                    "thickness": 1.2,
                    "width": 6 if model else 3,
                    "color": style.colour + ("99" if model else ""),
                },
                "hovertext": hover,
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    bands = [
        {
            "type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": r - 0.5, "y1": r + 0.5,
            "fillcolor": BAND_COLOUR, "line": {"width": 0}, "layer": "below",
        }
        for r in range(1, len(rows), 2)
    ]  # fmt: skip
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": max(200, row_px * len(rows) + 90),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
            "yaxis": {
                "tickmode": "array",
                "tickvals": list(range(len(rows))),
                "ticktext": rows,
                "range": [len(rows) - 0.5, -0.5],  # the first measure on top
                "showgrid": False,
                "zeroline": False,
                "automargin": True,
            },
            "xaxis": {"ticksuffix": "" if statistic == "mean_score" else " %"},
            "shapes": bands,
            "showlegend": False,
            "hovermode": "closest",
            "separators": i18n.plotly_separators(lang),  # "4,5", not "4.5"
        },
    }


def restyle_trend(figure: dict, styles: dict[str, SeriesStyle], lang: str) -> dict:
    """The trend panels (:func:`observatory.figures.trend.trend_figure`) in the page's colours.

    Each territory's points take its colour and symbol (open where the trend draws them open: low
    reliability), and leave the legend to the page's; the published figures keep their own entry.
    """
    for trace in figure.get("data", []):
        style = styles.get(trace.get("legendgroup"))
        if style is None:
            continue
        marker = trace.setdefault("marker", {})
        marker["color"] = style.colour
        symbols = marker.get("symbol", "circle")
        opened = [str(s).endswith("-open") for s in (symbols if isinstance(symbols, list) else [symbols])]
        marker["symbol"] = [style.symbol + ("-open" if o else "") for o in opened]
        trace.setdefault("error_y", {})["color"] = style.colour
        trace["showlegend"] = False
    figure.setdefault("layout", {})["separators"] = i18n.plotly_separators(lang)
    return figure


ICON_PX = 14


def _star(cx: float, cy: float, outer: float, inner: float) -> str:
    points = []
    for k in range(10):
        r, angle = (outer if k % 2 == 0 else inner), math.pi / 2 + k * math.pi / 5
        points.append(f"{cx + r * math.cos(angle):.2f},{cy - r * math.sin(angle):.2f}")
    return " ".join(points)


SHAPES = {  # each symbol of SYMBOLS as SVG in a 14 × 14 box, as plotly draws it
    "circle": '<circle cx="7" cy="7" r="5"',
    "square": '<rect x="2.5" y="2.5" width="9" height="9"',
    "triangle-up": '<polygon points="7,1.5 12.5,11.5 1.5,11.5"',
    "triangle-down": '<polygon points="1.5,2.5 12.5,2.5 7,12.5"',
    "star": f'<polygon points="{_star(7, 7.4, 6.3, 2.6)}"',
    "cross": '<polygon points="5,1.5 9,1.5 9,5 12.5,5 12.5,9 9,9 9,12.5 5,12.5 5,9 1.5,9 1.5,5 5,5"',
}


def marker_icon(style: SeriesStyle, open_: bool = False) -> str:
    """A territory's marker as a ``data:`` SVG image for the page's legend (open: a model's)."""
    paint = (
        f'fill="#ffffff" stroke="{style.colour}" stroke-width="1.8"'
        if open_
        else f'fill="{style.colour}" stroke="{style.colour}" stroke-width="0.5"'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{ICON_PX}" height="{ICON_PX}" viewBox="0 0 14 14">'
        f"{SHAPES[style.symbol]} {paint}/></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
