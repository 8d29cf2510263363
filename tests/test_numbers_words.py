"""Numbers and words as a French reader expects them (audit E15), outside the profile and compare pages.

Decimal commas on every plotly figure (axes, colour bars, d3 formats in hovers: ``layout.separators``),
thousands separators in counts, one p-value format, the legend's frozen classes as a state, no
nested parentheses in the methodology's prose. The PNG name is checked in a browser
(tests/browser/test_numbers_words.py), as are the ticks a person reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from dash import html

from observatory.core import i18n
from observatory.figures.charts import bars_with_ci, heatmap, stacked_100
from observatory.figures.choropleth import draw_map, palette
from observatory.figures.diagnostics import cv_boxes, direct_model_scatter
from observatory.figures.ranking import draw_ranking
from observatory.figures.trend import trend_figure
from observatory.stats import Query
from observatory.ui.layout.legend import legend
from observatory.views import pageview
from observatory.views.mapview import build_map_view, change_hover, hover_text
from tests.views.test_mapview import table

NNBSP = "\u202f"  # the narrow no-break space of i18n.number's thousands


def _estimates(k: int = 3) -> pd.DataFrame:
    est = pd.Series(np.linspace(0.55, 0.65, k))
    return pd.DataFrame(
        {
            "label": [f"L{i}" for i in range(k)],
            "territory_code": [f"{i:02d}" for i in range(k)],
            "territory_name": [f"T{i}" for i in range(k)],
            "estimate": est,
            "ci_low": est - 0.02,
            "ci_high": est + 0.02,
            "n": 1500,
            "reliability": "ok",
            "significance": "not_significant",
        }
    )


def _trend_rows() -> pd.DataFrame:
    rows = []
    for wave, est in ((2015, 0.62), (2019, 0.66)):
        rows.append(
            {"series": "fr", "series_label": "France", "wave": wave, "measure": "m", "estimate": est,
             "ci_low": est - 0.01, "ci_high": est + 0.01, "n": 12000, "reliability": "ok"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _figures(lang: str) -> dict[str, dict]:
    """One figure of every builder outside the profile and compare pages."""
    frame = _estimates()
    matrix = pd.DataFrame({"a": [6.1, 6.5], "b": [7.0, None]}, index=["T0 (00)", "T1 (01)"]) / 10
    text = matrix.astype(str)
    shares = pd.DataFrame({"oui": [0.6, 0.4], "non": [0.4, 0.6]}, index=["A", "B"])
    points = pd.DataFrame(
        {"territory_name": ["E1", "E2"], "n": [1200, 8], "band": ["b1", "b2"], "band_label": ["≥ 100", "1–9"],
         "direct": [0.41, 0.35], "model": [0.40, 0.37], "gamma": [0.9, 0.2]}
    )  # fmt: skip
    bands = pd.DataFrame(
        {"label": ["1–9", "≥ 100"], **{f"{k}_areas": [3, 3] for k in ("direct", "model")},
         **{f"{k}_q{q}": [0.1 * q / 50, 0.05 * q / 50] for k in ("direct", "model") for q in (10, 25, 50, 75, 90)}}
    )  # fmt: skip
    view = build_map_view(table([0.2, 0.3, 0.4, 0.5, 0.6, 0.7], ["ok"] * 6), "m", "share", "quantiles", 30, lang)
    return {
        "heatmap": heatmap(matrix, text, ["a", "b"], "mean_score", "t", lang),
        "bars_with_ci": bars_with_ci(frame, "label", "share", "t", lang),
        "stacked_100": stacked_100(shares, ["#000", "#fff"], "t", lang),
        "trend": trend_figure(_trend_rows(), pd.DataFrame(), {"m": "M"}, "share", lang, "t"),
        "trend_empty": trend_figure(_trend_rows().iloc[:0], pd.DataFrame(), {"m": "M"}, "share", lang, "t"),
        "ranking": draw_ranking(frame, "mean_score", lang),
        "scatter": direct_model_scatter(points, "share", lang, "t"),
        "cv_boxes": cv_boxes(bands, lang, "t"),
        "small_map": draw_map(view.rows, view.upper_bounds, palette("practice", 5), "/geo/x", lang=lang),
    }


@pytest.mark.parametrize("lang,expected", [("fr", "," + NNBSP), ("en", ".,")])
def test_every_figure_has_the_languages_separators(lang, expected):
    # plotly applies them to axis ticks, colour bars and d3 formats in hover templates ("%{x:.0f}")
    for name, fig in _figures(lang).items():
        assert fig["layout"].get("separators") == expected, name


def test_counts_have_thousands_separators():
    assert i18n.count(34875, "fr") == f"34{NNBSP}875" and i18n.count(34875, "en") == "34,875"
    assert i18n.plural(1253, "territoire", "territoires", "fr") == f"1{NNBSP}253 territoires"
    assert i18n.plural(1253, "territory", "territories", "en") == "1,253 territories"
    assert i18n.plural(1, "territoire", "territoires") == "1 territoire"


def _page_view(view, lang: str) -> pageview.PageView:
    empty = pd.DataFrame()
    return pageview.PageView(Query("fragility", 2019, "citoyens", "epci"), "m", view.statistic, view, [], {}, {},
                             empty, empty, {}, lang=lang)  # fmt: skip


@pytest.mark.parametrize(
    "lang,expected", [("fr", f"1{NNBSP}253 territoires : 1{NNBSP}200 fiables"), ("en", "1,253 territories: 1,200")]
)
def test_the_summary_writes_counts_with_separators(lang, expected):
    rel = ["ok"] * 1200 + ["low"] * 50 + ["suppressed"] * 3
    est = list(np.linspace(0.2, 0.6, 1250)) + [np.nan] * 3
    view = build_map_view(table(est, rel), "m", "share", "quantiles", 30, lang)
    assert pageview.summary(_page_view(view, lang), lang, True).startswith(expected)


def _texts(node):
    if isinstance(node, str):
        yield node
        return
    children = getattr(node, "children", node if isinstance(node, list | tuple) else None)
    for c in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        yield from _texts(c)


def _legend_text(lang: str, frozen: bool, k: int = 1253) -> str:
    rel = ["ok"] * (k - 3) + ["suppressed"] * 3
    view = build_map_view(
        table(list(np.linspace(0.2, 0.6, k - 3)) + [np.nan] * 3, rel), "m", "share", "quantiles", 30, lang
    )
    return " | ".join(_texts(html.Div(legend(view, palette("practice", 5), 30, lang, frozen))))


@pytest.mark.parametrize("lang,state", [("fr", "classes figées"), ("en", "classes frozen")])
def test_the_legend_says_the_classes_are_frozen_as_a_state(lang, state):
    text = _legend_text(lang, frozen=True)
    assert f"· {state}" in text
    assert "figer" not in text.lower() and "freeze" not in text.lower()  # the button's verb, not a state
    assert state not in _legend_text(lang, frozen=False)


def test_the_legend_total_has_a_thousands_separator():
    assert f"Total : 1{NNBSP}253 territoires" in _legend_text("fr", frozen=False)
    assert "Total: 1,253 territories" in _legend_text("en", frozen=False)


@pytest.mark.parametrize(
    "p,fr,en",
    [(0.0, "<\u00a00,001", "<\u00a00.001"), (0.00049, "<\u00a00,001", "<\u00a00.001"), (0.012, "0,012", "0.012"),
     (0.43, "0,430", "0.430"), (np.nan, "—", "—"), (None, "—", "—"), (pd.NA, "—", "—")],
)  # fmt: skip
def test_one_p_value_format(p, fr, en):
    assert i18n.p_value(p, "fr") == fr and i18n.p_value(p, "en") == en


def test_the_map_tooltips_never_show_p_equal_zero():
    t = table([0.3, 0.5], ["ok", "ok"]).assign(significance="above", p_value=[1e-6, 0.0123])
    tips = hover_text(t, "share", 30, "fr")
    assert "(p\u00a0<\u00a00,001)" in tips[0] and "p = 0,000" not in tips[0]
    assert "(p = 0,012)" in tips[1]
    change = t.assign(wave_from=2015, wave_to=2019, n_from=[1500, 40], n_to=[2100, 45], estimate_from=0.3,
                      estimate_to=0.4, significance="increase")  # fmt: skip
    tips = change_hover(change, "share", 30, "fr")
    assert "(p\u00a0<\u00a00,001)" in tips[0] and f"(n = 1{NNBSP}500)" in tips[0]


def _nested(text: str) -> bool:
    depth = 0
    for ch in text:
        depth = depth + 1 if ch == "(" else max(0, depth - 1) if ch == ")" else depth
        if depth > 1:
            return True
    return False


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_nested_parentheses_in_the_methodology(lang):
    from observatory.ui.pages import methodology

    prose = methodology.TEXT_FR + methodology.RANKS_FR if lang == "fr" else methodology.TEXT_EN + methodology.RANKS_EN
    paragraphs = [p for p in re.split(r"\n\s*\n", prose) if _nested(p.replace("\n", " "))]
    assert paragraphs == []
