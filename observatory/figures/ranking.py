"""Ranked territories with their 95 % confidence intervals, as a plain figure dict."""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n

MAX_ROWS = 25


def empty_figure(message: str) -> dict:
    """A figure with no axes, only a sentence (no chart of nothing with meaningless axes)."""
    return {
        "data": [],
        "layout": {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": 80,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "annotations": [
                {
                    "text": message,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 0.5,
                    "xanchor": "left",
                    "font": {"size": 14, "color": "#5b6472"},
                }
            ],  # fmt: skip
        },
    }


def draw_ranking(
    rows: pd.DataFrame,
    statistic: str,
    lang: str,
    selected: str | None = None,
    colour: str = "#2c7fb8",
    change: bool = False,
    decrease_colour: str = "#2166ac",
) -> dict:
    """Dot plot of the highest estimates (reliable and low cells; suppressed ones have no value).

    With ``change``, the estimates are changes between two waves: the largest changes either way
    (ranked by their size), increases in ``colour`` and decreases in ``decrease_colour``.
    """
    published = rows[rows["reliability"] != "suppressed"]
    fr = lang == "fr"
    if published.empty:
        return empty_figure(
            "Aucune valeur diffusée à cet échelon : trop peu de répondants partout."
            if fr
            else "No published value at this level: too few respondents everywhere."
        )
    if change:
        # By size, the largest change first (at the top), increases and decreases together: sorted
        # by signed value, the largest decrease came last (E8).
        order = published["estimate"].abs().sort_values(ascending=False, kind="stable").index
        shown = published.loc[order].head(MAX_ROWS)
    else:
        shown = published.sort_values("estimate", ascending=False).head(MAX_ROWS)
    if selected and selected not in set(shown["territory_code"]):
        extra = published[published["territory_code"] == selected]
        shown = pd.concat([shown, extra])
    shown = shown.iloc[::-1]  # plotly draws the first category at the bottom
    scale = i18n.scale_of(statistic)
    est = shown["estimate"] * scale
    names = [f"{n} ({c})" for n, c in zip(shown["territory_name"], shown["territory_code"], strict=True)]
    if change:
        base = [colour if e > 0 else decrease_colour for e in shown["estimate"]]
    else:
        base = [colour] * len(shown)
    colours = ["#111111" if c == selected else b for c, b in zip(shown["territory_code"], base, strict=True)]
    opacity = [1.0 if r == "ok" else 0.4 for r in shown["reliability"]]
    fmt, fmt_ci = (i18n.signed, i18n.signed_interval) if change else (i18n.value, i18n.interval)
    hover = [
        f"{n}<br>{fmt(e, statistic, lang, lo, hi) if not change else fmt(e, statistic, lang)} [{fmt_ci(lo, hi, statistic, lang)}]<br>n = {i18n.number(k, 0, lang)}"
        for n, e, lo, hi, k in zip(names, shown["estimate"], shown["ci_low"], shown["ci_high"], shown["n"], strict=True)
    ]
    if change:
        opacity = [1.0 if r == "ok" and s in ("increase", "decrease") else 0.4
                   for r, s in zip(shown["reliability"], shown["significance"], strict=True)]  # fmt: skip
        unit = "points" if statistic != "mean_score" else "/ 10"
        ups, downs = int((shown["estimate"] > 0).sum()), int((shown["estimate"] < 0).sum())
        title = (
            f"Les {len(shown)} plus fortes évolutions, en valeur absolue ({ups} hausses, {downs} baisses), "
            f"avec leur IC à 95 % ({unit})"
            if fr
            else f"The {len(shown)} largest changes either way ({ups} increases, {downs} decreases), "
            f"with their 95% CI ({unit})"
        )
    else:
        unit = "/ 10" if statistic == "mean_score" else "%"
        title = (
            f"Les {len(shown)} valeurs les plus élevées, avec leur IC à 95 % ({unit})"
            if fr
            else f"The {len(shown)} highest values, with their 95% CI ({unit})"
        )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": est.round(3).tolist(),
                "y": names,
                "marker": {"color": colours, "opacity": opacity, "size": 8},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": ((shown["ci_high"] - shown["estimate"]) * scale).round(3).tolist(),
                    "arrayminus": ((shown["estimate"] - shown["ci_low"]) * scale).round(3).tolist(),
                    "color": "#555555",
                    "thickness": 1.2,
                },
                "text": hover,
                "hovertemplate": "%{text}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": max(220, 22 * len(shown) + 80),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
            "yaxis": {"automargin": True},
            "xaxis": {
                "zeroline": change,
                "zerolinecolor": "#444444",
                "separatethousands": True,
            },
            "separators": i18n.plotly_separators(lang),
            "showlegend": False,
        },
    }
