"""One view of a map page: the estimates for its controls, classified, drawn, with the selection.

:func:`compute_view` asks the statistics layer for the view's table (direct estimates, the
change between two waves, or the small-area model's EPCIs), classifies it and draws the map's
data and the ranking; :func:`select` re-outlines a territory without recomputing. The texts and
the table of a view are in :mod:`observatory.views.pageview_summary` and
:mod:`observatory.views.pageview_table`; the caches and the callback's rules in
:mod:`observatory.views.pageview`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures.choropleth import CHANGE_PALETTES, initiative_points, map_data, map_spec, palette
from observatory.figures.ranking import draw_ranking
from observatory.stats import Query
from observatory.views import model
from observatory.views.mapspec import MapPage, compare_wave
from observatory.views.mapview import MapView, build_change_view, build_map_view


@dataclass
class PageView:
    """The parts of one view of a map page."""

    query: Query
    measure: str
    statistic: str
    view: MapView
    colours: list[str]
    map_data: dict  # what MapLibre applies (figures.choropleth.map_data)
    ranking: dict
    national: pd.DataFrame
    published: pd.DataFrame
    spec: dict  # the level's tiles and view (figures.choropleth.map_spec)
    points: list[dict] | None = None  # the initiatives layer, when shown
    lang: str = "fr"
    selected: str | None = None

    @property
    def change(self) -> tuple[int, int] | None:
        """(wave from, wave to) when the view maps a change between two waves."""
        return self.view.change


def compute(
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    selected: str | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """Estimates for the view (from the statistics layer), classified and drawn, with the selection."""
    return select(compute_view(obs, page, values, lang, frozen, viewport_width, initiatives), selected)


def compute_view(
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """The view without a selection: what :class:`PageCaches` keeps."""
    query, measure, statistic = page.query(values)
    since = compare_wave(values)
    if since is not None:  # the change from the compared wave to the wave shown
        earlier = dataclasses.replace(query, wave=since)
        table = obs.change(earlier, query.wave, measures=(measure,))
        view = build_change_view(table, measure, statistic, obs.settings.min_n, lang)
        colours = CHANGE_PALETTES[page.palette][: max(len(view.upper_bounds), 1)]
    elif model.applies(values):  # the EPCI map of the small-area model (hatched, never tested)
        table = model.model_table(obs, query, measure, statistic)
        view = model.build_model_view(
            table, measure, statistic, values.get("classes", "quantiles"), obs.settings.min_n, lang, frozen
        )
        colours = palette(page.palette, max(len(view.upper_bounds), 1))
    else:
        table = obs.estimate(query, measures=(measure,))
        view = build_map_view(
            table, measure, statistic, values.get("classes", "quantiles"), obs.settings.min_n, lang, frozen
        )
        colours = palette(page.palette, max(len(view.upper_bounds), 1))
    spec = map_spec(query.level, obs.db.version, viewport_width)
    points = initiative_points(obs.initiative_points(), lang) if initiatives else None
    france = Query(query.indicator, query.wave, query.survey, ref.FRANCE_LEVEL, query.measures, query.size_class)
    if since is not None:
        national = obs.change(dataclasses.replace(france, wave=since), query.wave, measures=(measure,))
    else:  # all measures in one cached query, then keep this one
        national = obs.estimate(france, measures=(measure,))
    national = national[national["statistic"] == statistic]
    pv = PageView(
        query,
        measure,
        statistic,
        view,
        colours,
        {},
        {},
        national,
        published_reference(obs, query, measure, statistic),
        spec,
        points,
        lang,
    )
    return _drawn(pv, None)


def select(pv: PageView, selected: str | None) -> PageView:
    """The view with ``selected`` outlined on the map and marked in the ranking."""
    return pv if selected == pv.selected else _drawn(pv, selected)


def _drawn(pv: PageView, selected: str | None) -> PageView:
    rows = pv.view.rows
    return dataclasses.replace(
        pv,
        selected=selected,
        map_data=map_data(rows, pv.view.upper_bounds, pv.colours, pv.spec, selected, pv.points),
        ranking=draw_ranking(
            rows,
            pv.statistic,
            pv.lang,
            selected,
            pv.colours[-1],
            change=pv.change is not None,
            decrease_colour=pv.colours[0],
        ),
    )


def published_reference(obs: Observatory, query: Query, measure: str, statistic: str) -> pd.DataFrame:
    """PHARE's published national figure(s) for this measure, if any (any wave, national only)."""
    pub = obs.published_figures()
    base_stat = "share" if statistic == "share_among_partners" else statistic
    base = "partners" if statistic == "share_among_partners" else "all"
    keep = (
        (pub["survey"] == query.survey)
        & (pub["measure"] == measure)
        & (pub["statistic"] == base_stat)
        & (pub["base"] == base)
        & pub["region_code"].isna()
        & (pub["size_class"].fillna("") == (query.size_class or ""))
    )
    return pub[keep]
