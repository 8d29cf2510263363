"""Trend charts: estimates with their 95 % CIs at each survey wave, as small multiples.

Points with error bars, not lines: the waves are years apart and nothing is known between
them. The waves are evenly spaced categories (2015, 2019...), each series a little offset so
that the intervals do not overlap. Faded open points are of low reliability; a suppressed cell
has no point. Published national figures are black diamonds at their own waves. The hover of a
point gives the change since the series' previous wave, with its CI and test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from observatory.core import i18n

SERIES_COLOURS = ["#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
PUBLISHED_COLOUR = "#111111"


def _hover(r, statistic: str, lang: str) -> str:
    text = (
        f"<b>{r.series_label}</b>, {int(r.wave)}<br>"
        f"{i18n.value(r.estimate, statistic, lang, r.ci_low, r.ci_high)} [{i18n.t('ci95', lang)} "
        f"{i18n.interval(r.ci_low, r.ci_high, statistic, lang)}], n = {i18n.count(r.n, lang)}"
        f"<br>{i18n.t('reliability', lang)}{i18n.colon(lang)}{i18n.t(r.reliability, lang)}"
    )
    change = getattr(r, "change", None)
    if change is not None and not (isinstance(change, float) and math.isnan(change)):
        text += (
            f"<br>{i18n.t('change', lang)} {int(r.previous_wave)} → {int(r.wave)} : "
            f"{i18n.signed(change, statistic, lang)} {i18n.signed_interval(r.change_low, r.change_high, statistic, lang)}"
            f", {i18n.t(r.change_significance, lang)}"
        )
    return text


def trend_figure(
    rows: pd.DataFrame,
    published: pd.DataFrame,
    labels: dict[str, str],
    statistic: str,
    lang: str,
    title: str,
    columns: int = 4,
    title_chars: int = 34,
) -> dict:
    """Small multiples, one panel per measure of ``labels`` (in its order), as a figure dict.

    ``columns`` panels per row, each titled with at most ``title_chars`` characters (fewer and
    shorter on a phone, so that the panels' titles do not run into each other).

    ``rows``: series, series_label, wave, measure, estimate, ci_low, ci_high, n, reliability (and
    optionally the change columns of :func:`observatory.views.trends.series_rows`).
    ``published``: measure, wave, value (national figures), optional.
    """
    measures = [m for m in labels if len(rows) and m in set(rows["measure"])]
    if not measures:
        return {
            "data": [],
            "layout": {
                "height": 40,
                "xaxis": {"visible": False},
                "yaxis": {"visible": False},
                "separators": i18n.plotly_separators(lang),
            },
        }
    waves = sorted({int(w) for w in rows["wave"]} | ({int(w) for w in published["wave"]} if len(published) else set()))
    pos = {w: i for i, w in enumerate(waves)}
    series = list(dict.fromkeys(rows["series"]))
    colour = {s: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, s in enumerate(series)}
    width = 0.5 / max(len(series), 1)
    offset = {s: (i - (len(series) - 1) / 2) * width for i, s in enumerate(series)}
    ncol = min(columns, len(measures))
    nrow = math.ceil(len(measures) / ncol)
    scale = 1.0 if statistic == "mean_score" else 100.0
    gap_x, gap_y = 0.06, 0.5 / max(nrow, 1) * 0.35
    data, layout = [], {}
    for k, m in enumerate(measures):
        row, col = divmod(k, ncol)
        axis = "" if k == 0 else str(k + 1)
        x0 = col / ncol + (gap_x / 2 if col else 0)
        x1 = (col + 1) / ncol - (gap_x / 2 if col < ncol - 1 else 0)
        y1 = 1 - row / nrow - (gap_y if row else 0) * 0.5
        y0 = 1 - (row + 1) / nrow + gap_y
        layout[f"xaxis{axis}"] = {
            "domain": [x0, x1],
            "anchor": f"y{axis}",
            "tickvals": list(range(len(waves))),
            "ticktext": [str(w) for w in waves],
            "range": [-0.5, len(waves) - 0.5],
            "showgrid": False,
            "zeroline": False,
        }
        layout[f"yaxis{axis}"] = {"domain": [y0, y1], "anchor": f"x{axis}", "zeroline": False, "automargin": True}
        if statistic == "mean_score":
            layout[f"yaxis{axis}"]["ticksuffix"] = ""
        else:
            layout[f"yaxis{axis}"]["ticksuffix"] = " %"
        for s in series:
            part = rows[(rows["measure"] == m) & (rows["series"] == s) & (rows["reliability"] != "suppressed")]
            part = part.sort_values("wave")
            if part.empty:
                continue
            low = (part["reliability"] == "low").to_numpy()
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [pos[int(w)] + offset[s] for w in part["wave"]],
                    "y": (part["estimate"] * scale).round(3).tolist(),
                    "error_y": {
                        "type": "data",
                        "symmetric": False,
                        "array": ((part["ci_high"] - part["estimate"]) * scale).round(3).tolist(),
                        "arrayminus": ((part["estimate"] - part["ci_low"]) * scale).round(3).tolist(),
                        "color": colour[s],
                        "thickness": 1.3,
                        "width": 3,
                    },
                    "marker": {
                        "color": colour[s],
                        "size": 8,
                        "symbol": np.where(low, "circle-open", "circle").tolist(),
                        "opacity": np.where(low, 0.55, 1.0).tolist(),
                    },
                    "name": str(part["series_label"].iloc[0]),
                    "legendgroup": s,
                    "showlegend": k == 0,
                    "text": [_hover(r, statistic, lang) for r in part.itertuples()],
                    "hovertemplate": "%{text}<extra></extra>",
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                }
            )
        pub = published[published["measure"] == m] if len(published) else published
        if len(pub):
            name = "Chiffre publié (PHARE / IMPACT)" if lang == "fr" else "Published figure (PHARE / IMPACT)"
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [pos[int(w)] + (len(series) / 2 + 0.5) * width for w in pub["wave"]],
                    "y": (pub["value"] * scale).round(3).tolist(),
                    "marker": {"color": PUBLISHED_COLOUR, "size": 9, "symbol": "diamond"},
                    "name": name,
                    "legendgroup": "published",
                    "showlegend": not any(t.get("legendgroup") == "published" for t in data),
                    "text": [
                        f"{name}, {int(w)} : {i18n.value(v, statistic, lang)}"
                        for w, v in zip(pub["wave"], pub["value"], strict=True)
                    ],
                    "hovertemplate": "%{text}<extra></extra>",
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                }
            )
    title_lines = title.count("<br>") + 1
    top = 100 + 20 * title_lines  # the title, then the legend (two lines on a phone), then the panels
    height = top + 40 + 190 * nrow
    annotations = (
        []
        if len(measures) == 1
        else [  # one panel: the figure's title names it
            {
                "text": labels[m] if len(labels[m]) <= title_chars else labels[m][: title_chars - 1] + "…",
                "xref": "paper",
                "yref": "paper",
                "x": (layout["xaxis" + ("" if k == 0 else str(k + 1))]["domain"][0]),
                "y": layout["yaxis" + ("" if k == 0 else str(k + 1))]["domain"][1],
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
            for k, m in enumerate(measures)
        ]
    )
    layout.update(
        {
            "title": {
                "text": title,
                "font": {"size": 14},
                "x": 0,
                "xref": "paper",
                "y": 1,
                "yref": "container",
                "yanchor": "top",
                "pad": {"t": 8},
            },
            "height": height,
            "margin": {"l": 10, "r": 10, "t": top, "b": 30},
            # in pixels from the top, below the title and above the panels' own titles: on a phone
            # the legend takes two lines and must not run into either
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": 1 - (14 + 20 * title_lines) / height,
                "yref": "container",
                "yanchor": "top",
            },
            "annotations": annotations,
            "hovermode": "closest",
            "separators": i18n.plotly_separators(lang),  # the panels' ticks: "7,5", not "7.5"
        }
    )
    return {"data": data, "layout": layout}
