"""The legend: classes that never overlap, counts that add up, swatches that look like the map."""

from __future__ import annotations

import numpy as np
from dash import html

from observatory.figures.choropleth import OPACITY, palette
from observatory.ui.layout.legend import class_labels, legend
from observatory.views.mapview import build_map_view
from tests.views.test_mapview import table


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, list | tuple):
        for c in children:
            yield from _walk(c)
    elif isinstance(children, str):
        yield children
    elif children is not None:
        yield from _walk(children)


def test_integer_share_classes_never_share_a_label_bound():
    # bounds that round to the same whole percent must get a decimal, and later classes start at ">"
    entries = [
        {"low": 0.6105, "high": 0.6149},
        {"low": 0.6149, "high": 0.6201},
        {"low": 0.6201, "high": 0.65},
    ]
    labels = class_labels(entries, "share", "fr")
    assert labels[0].startswith("61,")
    assert all(lbl.startswith("> ") for lbl in labels[1:])
    shown = [lbl.replace("> ", "").replace("\u202f%", "").split(" – ") for lbl in labels]
    bounds = [b for pair in shown for b in pair]
    assert len({bounds[1], bounds[3], bounds[5]}) == 3  # every upper bound reads differently


def test_legend_counts_add_up_and_faded_swatch_shows_every_class_colour():
    rel = ["ok"] * 20 + ["low"] * 5 + ["suppressed"] * 3
    est = list(np.linspace(0.2, 0.6, 25)) + [np.nan] * 3
    v = build_map_view(table(est, rel), "m", "share", "quantiles", 30, "fr")
    colours = palette("practice", len(v.upper_bounds))
    nodes = list(_walk(html.Div(legend(v, colours, 30, "fr", False))))
    count = lambda cls: sum(int(getattr(n, "data-count", 0) or 0) for n in nodes if getattr(n, "className", "") == cls)  # noqa: E731
    assert count("legend-class") + count("legend-low") + count("legend-suppressed") == 28
    faded = next(n for n in nodes if getattr(n, "className", "") == "legend-low")
    swatch = faded.children[0]
    assert all(c in swatch.style["background"] for c in colours)
    assert swatch.style["opacity"] == OPACITY["low"]


def test_no_cell_means_no_reliability_warning_but_a_plain_sentence():
    v = build_map_view(table([np.nan] * 5, ["suppressed"] * 5), "m", "share", "quantiles", 30, "fr")
    nodes = list(_walk(html.Div(legend(v, [], 30, "fr", False))))
    notes = [n.children for n in nodes if getattr(n, "className", "") == "legend-note"]
    assert notes == ["Aucune cellule diffusée à cet échelon : chaque territoire a trop peu de répondants."]


def model_view(lang: str = "fr"):
    """A small-area model map: 20 EPCIs estimated by the model, 2 without covariates (Mayotte's)."""
    est = list(np.linspace(5.0, 7.0, 20)) + [np.nan] * 2
    rel = ["ok"] * 20 + ["suppressed"] * 2
    rows = table(est, rel, "mean_score").assign(
        model=[True] * 20 + [False] * 2, sae_status=["model"] * 20 + ["no_covariates"] * 2
    )
    return build_map_view(rows, "m", "mean_score", "quantiles", 30, lang)


def test_the_model_map_legend_says_model_where_the_map_image_reads_it():
    # E16: the PNG export reads the legend's method line and its entries (assets/mappage.js)
    v = model_view()
    colours = palette("fragility", len(v.upper_bounds))
    href = "/modele/diagnostics?survey=citoyens&wave=2019&indicator=fragility&measure=m&statistic=mean_score"
    nodes = list(_walk(html.Div(legend(v, colours, 30, "fr", False, diagnostics=href))))
    by_class = {getattr(n, "className", None): n for n in nodes if not isinstance(n, str)}
    assert "estimation par modèle" in by_class["legend-method"].children
    hatched = by_class["legend-model"]
    assert hatched.children[0].className == "swatch model-hatch"
    assert hatched.children[1].children == "Hachuré : estimation par modèle"
    assert getattr(hatched, "data-model-count") == "20"
    # the grey entry says why there is no model figure (no covariates), not "n < 30"
    suppressed = by_class["legend-suppressed"]
    assert suppressed.children[1].children == "sans estimation par modèle (pas de covariables)"
    assert "non diffusé (n <" not in str(html.Div(legend(v, colours, 30, "fr", False)).to_plotly_json())
    assert "legend-low" not in by_class  # no model figure is faded
    # the counts still add up to the territories (the hatched entry is not one of them)
    counted = sum(int(getattr(n, "data-count", 0) or 0) for n in nodes if not isinstance(n, str))
    assert counted == 22
    assert by_class["legend-link"].children.href == href
    english = str(html.Div(legend(model_view("en"), colours, 30, "en", False)).to_plotly_json())
    assert "no model estimate (no covariates)" in english and "Hatched: model estimate" in english


def test_a_direct_map_has_no_model_entry_nor_diagnostics_link():
    rel = ["ok"] * 20 + ["low"] * 5 + ["suppressed"] * 3
    est = list(np.linspace(0.2, 0.6, 25)) + [np.nan] * 3
    v = build_map_view(table(est, rel), "m", "share", "quantiles", 30, "fr")
    nodes = list(_walk(html.Div(legend(v, palette("practice", 5), 30, "fr", False, diagnostics="/x"))))
    classes = {getattr(n, "className", None) for n in nodes if not isinstance(n, str)}
    assert "legend-model" not in classes and "legend-link" not in classes and "legend-low" in classes
