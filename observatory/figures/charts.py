"""Chart figures beside the maps, as plain dicts: heat-map, bars with CIs, 100 % stacked bars."""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n

FONT = {"family": "system-ui, sans-serif", "size": 12}


def heatmap(
    matrix: pd.DataFrame, text: pd.DataFrame, columns: list[str], statistic: str, title: str, lang: str
) -> dict:
    """Territories (rows) × measures (columns); suppressed cells are blank (None)."""
    scale = 1.0 if statistic == "mean_score" else 100.0
    z = (matrix * scale).round(2)
    return {
        "data": [
            {
                "type": "heatmap",
                "z": z.astype(object).where(z.notna(), None).values.tolist(),
                "x": columns,
                "y": list(matrix.index),
                "text": text.values.tolist(),
                "hovertemplate": "%{text}<extra></extra>",
                "colorscale": [[0, "#ffffb2"], [0.25, "#fecc5c"], [0.5, "#fd8d3c"], [0.75, "#f03b20"], [1, "#bd0026"]],
                "colorbar": {"thickness": 12, "title": {"text": "/10" if statistic == "mean_score" else "%"}},
                "xgap": 1,
                "ygap": 1,
            }
        ],
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": max(300, 16 * len(matrix) + 160),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
            "xaxis": {"side": "bottom", "tickangle": -30, "automargin": True},
            "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 10}},
            "font": FONT,
            "separators": i18n.plotly_separators(lang),  # the colour bar's ticks: "6,5", not "6.5"
        },
    }


def bars_with_ci(
    frame: pd.DataFrame,
    label_col: str,
    statistic: str,
    title: str,
    lang: str,
    reference: pd.DataFrame | None = None,
    colour: str = "#2c7fb8",
) -> dict:
    """Horizontal bars with 95 % CI whiskers.

    Published figures are drawn as diamonds (``reference`` has label_col, value, name).
    """
    scale = 1.0 if statistic == "mean_score" else 100.0
    shown = frame[frame["reliability"] != "suppressed"]
    hover = [
        f"{lbl}<br>{i18n.value(e, statistic, lang, lo, hi)} [{i18n.interval(lo, hi, statistic, lang)}]<br>n = {i18n.number(n, 0, lang)}"
        for lbl, e, lo, hi, n in zip(
            shown[label_col], shown["estimate"], shown["ci_low"], shown["ci_high"], shown["n"], strict=True
        )
    ]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": shown[label_col].tolist(),
            "x": (shown["estimate"] * scale).round(2).tolist(),
            "marker": {"color": colour, "opacity": [1.0 if r == "ok" else 0.45 for r in shown["reliability"]]},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": ((shown["ci_high"] - shown["estimate"]) * scale).round(2).tolist(),
                "arrayminus": ((shown["estimate"] - shown["ci_low"]) * scale).round(2).tolist(),
                "color": "#333",
            },
            "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "name": "Estimation" if lang == "fr" else "Estimate",
        }
    ]
    if reference is not None and len(reference):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "y": reference[label_col].tolist(),
                "x": (reference["value"] * scale).round(2).tolist(),
                "marker": {"symbol": "diamond", "size": 12, "color": "#111", "line": {"color": "#fff", "width": 1}},
                "name": reference["name"].iloc[0],
                "text": reference["name"].tolist(),
                "hovertemplate": "%{text}" + i18n.colon(lang) + "%{x}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": max(220, 40 * len(shown) + 110),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis": {"ticksuffix": "" if statistic == "mean_score" else " %", "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.15},
            "font": FONT,
            "separators": i18n.plotly_separators(lang),
            "showlegend": reference is not None and len(reference) > 0,
        },
    }


def stacked_100(
    shares: pd.DataFrame, colours: list[str], title: str, lang: str, opacity: list[float] | None = None
) -> dict:
    """100 % stacked horizontal bars: rows are territories, columns answers (shares summing to 1).

    ``opacity`` (one per row) fades the rows of low reliability, as the maps do.
    """
    data = []
    c = i18n.colon(lang)
    for answer, colour in zip(shares.columns, colours, strict=False):
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": list(shares.index),
                "x": (shares[answer] * 100).round(1).tolist(),
                "name": answer,
                "marker": {"color": colour, **({"opacity": opacity} if opacity else {})},
                "hovertemplate": "%{y} — " + answer + c + "%{x:.0f} %<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "barmode": "stack",
            "height": max(260, 24 * len(shares) + 170),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 60},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis": {"range": [0, 100], "ticksuffix": " %"},
            "legend": {"orientation": "h", "y": -0.08, "yanchor": "top", "x": 0, "traceorder": "normal"},
            "font": FONT,
            "separators": i18n.plotly_separators(lang),
        },
    }
