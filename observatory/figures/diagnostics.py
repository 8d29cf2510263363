"""The small-area model's diagnostic charts, as emdi draws them: direct against model, and CVs.

Plain plotly dicts from the view model's frames (:mod:`observatory.views.model_diagnostics`):

- :func:`direct_model_scatter`: each EPCI with respondents, its direct estimate against the
  model's, coloured by respondent band, with the line y = x (on it, the model keeps the survey's
  figure; the farther a small EPCI lies from it, the more the model moved it);
- :func:`cv_boxes`: the CV of direct and model estimates by respondent band, boxes drawn from
  the quantiles the view model computed (10 %, quartiles, median, 90 %).
"""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n

# Sequential blues, light (few respondents) to dark (many): the bands 1–9 … ≥ 100.
BAND_COLOURS: tuple[str, ...] = ("#9ecae1", "#4292c6", "#08519c", "#08306b")
DIRECT_COLOUR, MODEL_COLOUR = "#d95f02", "#1b9e77"  # the comparison page's first two series (Dark2)


def direct_model_scatter(points: pd.DataFrame, statistic: str, lang: str, title: str) -> dict:
    """Model estimate (y) against direct estimate (x), one trace per respondent band.

    Args:
        points: the view model's scatter points (territory_name, n, band and its label, direct,
            model, gamma).
        statistic: the cell's statistic (scores drawn out of 10, shares in %).
        lang: 'fr' or 'en'.
        title: the chart title.
    """
    fr = lang == "fr"
    scale = i18n.scale_of(statistic)
    unit = "" if statistic == "mean_score" else " %"
    data = []
    bands = [b for b in dict.fromkeys(points["band"]) if isinstance(b, str)]
    for i, band in enumerate(bands):
        inside = points[points["band"] == band]
        hover = [
            f"{r.territory_name}<br>n = {i18n.count(r.n, lang)}<br>{'directe' if fr else 'direct'}{i18n.colon(lang)}"
            f"{i18n.value(r.direct, statistic, lang)}<br>{'modèle' if fr else 'model'}{i18n.colon(lang)}"
            f"{i18n.value(r.model, statistic, lang)}<br>γ = {i18n.number(r.gamma, 2, lang)}"
            for r in inside.itertuples(index=False)
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": inside["band_label"].iloc[0],
                "x": (inside["direct"] * scale).round(4).tolist(),
                "y": (inside["model"] * scale).round(4).tolist(),
                "marker": {"color": BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)], "size": 6, "opacity": 0.8},
                "hovertext": hover,
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    low, high = _range(points, scale)
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "y = x",
            "x": [low, high],
            "y": [low, high],
            "line": {"color": "#5b6472", "dash": "dash", "width": 1},
            "hoverinfo": "skip",
        }
    )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": 460,
            "margin": {"l": 60, "r": 10, "t": 50, "b": 50},
            "xaxis": {
                "title": {"text": ("Estimation directe (enquête)" if fr else "Direct estimate (survey)") + unit},
                "range": [low, high],
                "constrain": "domain",  # square: the plot narrows rather than the range widen
            },
            "yaxis": {
                "title": {"text": ("Estimation par modèle" if fr else "Model estimate") + unit},
                "range": [low, high],
                "scaleanchor": "x",
            },
            "legend": {"title": {"text": "Répondants" if fr else "Respondents"}},
            "separators": i18n.plotly_separators(lang),
        },
    }


def _range(points: pd.DataFrame, scale: float) -> tuple[float, float]:
    """A common range of both axes, a little wider than the values (the line y = x runs across it)."""
    values = pd.concat([points["direct"], points["model"]]).dropna() * scale
    if values.empty:
        return 0.0, scale * (10.0 if scale == 1.0 else 1.0)
    low, high = float(values.min()), float(values.max())
    pad = 0.03 * (high - low) or 0.5
    return round(low - pad, 4), round(high + pad, 4)


def cv_boxes(bands: pd.DataFrame, lang: str, title: str) -> dict:
    """Boxes of the CV (%) of direct and model estimates by respondent band, side by side.

    Args:
        bands: the view model's CV table (band label, and for direct and model the 10, 25, 50, 75 and
            90 % quantiles; NaN where a band has no CV).
        lang: 'fr' or 'en'.
        title: the chart title.
    """
    fr = lang == "fr"
    labels = bands["label"].tolist()
    data = []
    for kind, name, colour in (
        ("direct", "Directe (enquête)" if fr else "Direct (survey)", DIRECT_COLOUR),
        ("model", "Modèle" if fr else "Model", MODEL_COLOUR),
    ):
        has = bands[f"{kind}_areas"] > 0
        data.append(
            {
                "type": "box",
                "name": name,
                "x": [label for label, ok in zip(labels, has, strict=True) if ok],
                **{
                    key: bands.loc[has, f"{kind}_q{q}"].round(3).tolist()
                    for key, q in (("lowerfence", 10), ("q1", 25), ("median", 50), ("q3", 75), ("upperfence", 90))
                },
                "marker": {"color": colour},
                "line": {"color": colour},
                "fillcolor": colour + "55",
                "hoverinfo": "y",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "height": 380,
            "boxmode": "group",
            "margin": {"l": 60, "r": 10, "t": 50, "b": 50},
            "xaxis": {
                "title": {"text": "Répondants de l'EPCI" if fr else "Respondents in the EPCI"},
                "type": "category",
                "categoryorder": "array",
                "categoryarray": labels,
            },
            "yaxis": {"title": {"text": "CV (%)"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.2},
            "separators": i18n.plotly_separators(lang),
        },
    }
