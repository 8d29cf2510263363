"""Dot plot of several estimates per measure with their 95 % CIs (territory, parent, France…)."""

from __future__ import annotations

import textwrap

import pandas as pd

from observatory import i18n

SERIES_COLOURS = ["#d95f02", "#1b9e77", "#555555", "#7570b3", "#e7298a", "#66a61e"]  # Dark2, colour-blind safe
ROW_PX = 26  # height of a one-line measure row (px)
LINE_PX = 15  # each further line of a wrapped label (12 px tick font)


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
) -> dict:
    """Markers with CI whiskers, one series per (key, name) of ``series``.

    The series of ``modelled`` keys (small-area model estimates) are drawn apart: open markers and
    paler whiskers with wider caps, so that a model's interval never reads as a survey's.

    Args:
        frame: one row per measure and columns estimate_<key>, ci_low_<key>, ci_high_<key>,
            n_<key>; suppressed values are NaN and not drawn.
        series: the (key, name) of each series, in drawing order.
        labels: measure code → label.
        statistic: the statistic shown (scores out of 10, or shares shown in %).
        title: the chart title.
        lang: 'fr' or 'en'.
        wrap: break measure labels into lines of at most this many characters, so that the
            labels leave the plot area most of a phone's width (None: one line each).
        modelled: the keys whose estimates are a model's.
    """
    scale = 1.0 if statistic == "mean_score" else 100.0
    names = [labels.get(m, m) for m in frame["measure"]]
    rows = [wrapped(r, wrap) for r in names]
    lines = max((r.count("<br>") + 1 for r in rows), default=1)
    data = []
    for i, (key, name) in enumerate(series):
        est = frame.get(f"estimate_{key}")
        if est is None:
            continue
        lo, hi, n = frame[f"ci_low_{key}"], frame[f"ci_high_{key}"], frame[f"n_{key}"]
        hover = [
            f"{name}<br>{r}<br>{i18n.value(e, statistic, lang, a, b)} [{i18n.interval(a, b, statistic, lang)}], n = {0 if pd.isna(k) else int(k)}"
            for r, e, a, b, k in zip(names, est, lo, hi, n, strict=True)
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": (est * scale).round(3).tolist(),
                "y": rows,
                "marker": {
                    "color": SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    "size": 10 if key in modelled else 9,
                    "symbol": ["circle", "diamond", "square"][i % 3] + ("-open" if key in modelled else ""),
                    **({"line": {"width": 2}} if key in modelled else {}),
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": ((hi - est) * scale).round(3).tolist(),
                    "arrayminus": ((est - lo) * scale).round(3).tolist(),
                    "thickness": 1.2,
                    "width": 6 if key in modelled else 3,
                    **({"color": SERIES_COLOURS[i % len(SERIES_COLOURS)] + "99"} if key in modelled else {}),
                },
                "hovertext": hover,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "offsetgroup": key,
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": max(260, (ROW_PX + LINE_PX * (lines - 1)) * len(rows) + 120),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis": {"ticksuffix": "" if statistic == "mean_score" else " %"},
            "legend": {"orientation": "h", "y": -0.06, "yanchor": "top"},
            "scattermode": "group",
        },
    }
