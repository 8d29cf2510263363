"""The map legend.

Classes with their colours and ranges, the distribution of territories over them, and the two
uncertainty entries (faded = low reliability or, on a change map, not significant; grey = too few
respondents). The counts add up to the number of territories: a class counts the territories
drawn in its full colour, the faded entry those drawn faded (whatever their class), the grey entry
the suppressed ones. Each swatch looks like what the map draws.

The small-area model's map (E16) says "modèle" in the legend itself, where the map image takes
it from: the method line, a hatched entry (every coloured EPCI is a model's), no "low reliability"
entry (no model figure is faded), a grey entry that says why an EPCI has no model figure (no
covariates, not too few respondents), and a link to the model's diagnostics.
"""

from __future__ import annotations

from dash import dcc, html

from observatory.core import i18n
from observatory.figures.choropleth import INITIATIVES_COLOUR, OPACITY, SUPPRESSED_COLOUR
from observatory.views.mapview import MUTED, MapView


def legend(
    view: MapView,
    colours: list[str],
    min_n: int,
    lang: str,
    frozen: bool,
    initiatives: bool = False,
    diagnostics: str | None = None,
) -> list:
    """Legend children; each class row carries ``data-class`` (and its range and counts) for tests.

    With ``initiatives``, an entry for the layer of real initiatives drawn over the map; with
    ``diagnostics`` (the model's map), a link to the model's diagnostics page at this address.
    """
    modelled = is_model(view)
    entries = view.legend()
    counts = view.counts()
    total = max((e["count"] + e["faded"] for e in entries), default=1) or 1
    labels = class_labels(entries, view.statistic, lang, change=bool(view.change))
    rows = []
    for e, colour, label in zip(entries, colours, labels, strict=False):
        rows.append(
            html.Li(
                [
                    html.Span(className="swatch", style={"background": colour}),
                    html.Span(label, className="range"),
                    html.Span(
                        [
                            html.Span(className="bar-fill", style={"width": f"{100 * e['count'] / total:.0f}%"}),
                            html.Span(
                                className="bar-fill faded-part",
                                style={"width": f"{100 * e['faded'] / total:.0f}%", "background": colour},
                            ),
                        ],
                        className="bar",
                        title=_bar_title(e, lang),
                    ),
                    html.Span(i18n.count(e["count"], lang), className="count"),
                ],
                className="legend-class",
                **{
                    "data-class": str(e["class"]),
                    "data-high": repr(e["high"]),
                    "data-low": repr(e["low"]),
                    "data-count": str(e["count"]),
                    "data-faded": str(e["faded"]),
                },
            )
        )
    faded_opacity = MUTED if view.change else OPACITY["low"]
    faded_text = i18n.t("change_muted", lang) if view.change else i18n.t("low_legend", lang)
    faded = html.Li(
        [
            html.Span(className="swatch", style={"background": _strip(colours), "opacity": faded_opacity}),
            html.Span(faded_text, className="range"),
            html.Span(i18n.count(counts["faded"], lang), className="count"),
        ],
        className="legend-low",
        **{"data-count": str(counts["faded"])},
    )
    suppressed_text = model_suppressed_text(view, lang) if modelled else i18n.t("suppressed_legend", lang, min_n=min_n)
    suppressed = html.Li(
        [
            html.Span(
                className="swatch hatched", style={"background": SUPPRESSED_COLOUR, "opacity": OPACITY["suppressed"]}
            ),
            html.Span(suppressed_text, className="range"),
            html.Span(i18n.count(counts["suppressed"], lang), className="count"),
        ],
        className="legend-suppressed",
        **{"data-count": str(counts["suppressed"])},
    )
    extra = [_model_entry(view, lang)] if modelled else [faded]  # no model figure is faded
    return [
        html.H2(i18n.t("legend", lang), className="legend-title"),
        html.P(_method(view, lang, frozen), className="legend-method"),
        *[html.P(note, className="legend-note") for note in _notes(view, counts, lang)],
        html.Ul(rows, className="legend-classes"),
        html.Ul([*extra, suppressed, *([_initiatives_entry(lang)] if initiatives else [])], className="legend-extra"),
        html.P(
            i18n.t("legend_total", lang, n=i18n.count(counts["total"], lang)),
            className="legend-total",
            **{"data-total": str(counts["total"])},
        ),
        *([_diagnostics_link(diagnostics, lang)] if diagnostics and modelled else []),
    ]


def is_model(view: MapView) -> bool:
    """Whether the map shows the small-area model's figures (some row marked ``model``)."""
    return "model" in view.rows and bool(view.rows["model"].fillna(False).astype(bool).any())


# Why an EPCI has no model figure, by status (observatory.stats.sae.STATUSES).
MODEL_GAPS: dict[str, tuple[str, str]] = {
    "no_covariates": ("pas de covariables", "no covariates"),
    "no_data": ("trop peu d'EPCI avec des répondants", "too few EPCIs with respondents"),
}


def model_suppressed_text(view: MapView, lang: str) -> str:
    """The grey entry of the model's map: 'sans estimation par modèle (pas de covariables)'."""
    rows = view.rows
    gaps = rows.loc[~rows["model"].fillna(False).astype(bool), "sae_status"] if "sae_status" in rows else []
    why = [MODEL_GAPS[s][0 if lang == "fr" else 1] for s in MODEL_GAPS if s in set(gaps)]
    text = i18n.t("sae_none", lang).lower() if lang == "en" else "sans estimation par modèle"
    return f"{text} ({(' ou ' if lang == 'fr' else ' or ').join(why)})" if why else text


def _model_entry(view: MapView, lang: str) -> html.Li:
    """The hatched entry: every coloured EPCI is a model's estimate (the map image draws it too)."""
    n = int(view.rows["model"].fillna(False).astype(bool).sum())
    return html.Li(
        [
            html.Span(className="swatch model-hatch"),
            html.Span(i18n.t("sae_legend", lang), className="range"),
            html.Span(i18n.count(n, lang), className="count"),
        ],
        className="legend-model",
        **{"data-model-count": str(n)},  # not data-count: the counts of the other entries add up to the total
    )


def _diagnostics_link(href: str, lang: str) -> html.P:
    return html.P(
        dcc.Link(i18n.t("sae_diagnostics_link", lang), href=href, id="sae-diagnostics-link"),
        className="legend-link",
    )


def _initiatives_entry(lang: str) -> html.Li:
    return html.Li(
        [
            html.Span(className="swatch dot", style={"background": INITIATIVES_COLOUR}),
            html.Span(i18n.t("initiatives_legend", lang), className="range"),
            html.Span("", className="count"),
        ],
        className="legend-initiatives",
    )


def _method(view: MapView, lang: str, frozen: bool) -> str:
    if view.change:
        a, b = view.change
        unit = "" if view.statistic == "mean_score" else (" (points de %)" if lang == "fr" else " (percentage points)")
        return f"{i18n.t('change_classes', lang)}{unit} · {a} → {b}"
    unit = " (/10)" if view.statistic == "mean_score" else " (%)"
    model = " · " + i18n.t("sae_legend_method", lang) if is_model(view) else ""
    return i18n.t(view.method, lang) + unit + model + (" · " + i18n.t("frozen", lang) if frozen else "")


def _notes(view: MapView, counts: dict[str, int], lang: str) -> list[str]:
    """Why the classes are what they are, when they are not computed on reliable cells."""
    if is_model(view):
        return []  # the hatched entry says it (an entry of the list, so that the map image has it)
    if view.breaks_basis == "none":
        return [i18n.t("no_published_cell", lang, min_n="")]
    if view.breaks_basis == "low":
        n_ok = int((view.rows["reliability"] == "ok").sum())
        published = counts["total"] - counts["suppressed"]
        return [i18n.t("breaks_on_low", lang, ok=i18n.count(n_ok, lang), published=i18n.count(published, lang))]
    return []


def _bar_title(entry: dict, lang: str) -> str:
    full, faded = i18n.count(entry["count"], lang), i18n.count(entry["faded"], lang)
    if lang == "fr":
        return f"{full} en couleur pleine, {faded} estompé{'s' if entry['faded'] > 1 else ''}"
    return f"{full} in full colour, {faded} faded"


def _strip(colours: list[str]) -> str:
    """A swatch showing every class colour: faded cells keep their class's colour, paler."""
    if not colours:
        return "#999999"
    if len(colours) == 1:
        return colours[0]
    stops = ", ".join(
        f"{c} {100 * i / len(colours):.0f}% {100 * (i + 1) / len(colours):.0f}%" for i, c in enumerate(colours)
    )
    return f"linear-gradient(90deg, {stops})"


def class_labels(entries: list[dict], statistic: str, lang: str, change: bool = False) -> list[str]:
    """The range of each class, never overlapping: 'a – b', then '> b – c' (classes are ]b, c]).

    The bounds get the decimals that keep them distinct (at least 2 for scores, 0 for % and 1 for
    points of change).
    """
    if not entries:
        return []
    scale = i18n.scale_of(statistic)
    base = (2 if statistic == "mean_score" else 1) if change else (2 if statistic == "mean_score" else 0)
    bounds = [entries[0]["low"], *(e["high"] for e in entries)]
    d = i18n.distinct_decimals([scale * b for b in bounds], base)
    unit = ""
    if statistic != "mean_score":
        unit = {("fr", False): "\u202f%", ("en", False): "%", ("fr", True): "\u202fpts", ("en", True): " pts"}[
            (lang if lang == "en" else "fr", change)
        ]

    def show(x: float) -> str:
        if not change:
            return i18n.number(scale * x, d, lang)
        rounded_zero = round(abs(scale * x), d) == 0
        return ("±" if rounded_zero else "+" if x > 0 else "−") + i18n.number(abs(scale * x), d, lang)

    out = []
    for i, e in enumerate(entries):
        if change and i == 0:
            out.append(f"≤ {show(e['high'])}{unit}")
        elif i == 0:
            out.append(f"{show(e['low'])} – {show(e['high'])}{unit}")
        else:
            out.append(f"> {show(e['low'])} – {show(e['high'])}{unit}")
    return out
