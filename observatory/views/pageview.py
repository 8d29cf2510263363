"""Everything a map page shows for one state of its controls, computed without Dash callbacks.

The callbacks only unpack inputs, call :func:`map_update` (or :func:`compute`) and return its
parts; this is what the unit tests exercise without a browser. Computed views are cached per app
(:class:`PageCaches`), without the selection: a click re-outlines, it does not recompute.

The parts live beside it and are importable from here: the view itself
(:mod:`observatory.views.pageview_compute`), its sentences (:mod:`observatory.views.pageview_summary`)
and its data table (:mod:`observatory.views.pageview_table`).
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory.core.lru import LRU
from observatory.core.urlstate import ViewState
from observatory.data.service import Observatory
from observatory.views import mapspec
from observatory.views.mapspec import MapPage
from observatory.views.pageview_compute import PageView, compute, compute_view, published_reference, select
from observatory.views.pageview_summary import change_summary, summary
from observatory.views.pageview_table import MAX_TABLE_ROWS, change_table_rows, table_highlight, table_rows

__all__ = [
    "MAX_TABLE_ROWS", "MapUpdate", "PageCaches", "PageView", "change_summary", "change_table_rows", "compute",
    "compute_cached", "compute_view", "extras_cached", "freeze_key", "map_update", "published_reference", "select",
    "summary", "table_highlight", "table_rows",
]  # fmt: skip


class PageCaches:
    """The map pages' computed views and extra panels, remembered: one per app, not per module.

    The map callback and the panels callback share a view; a communes view holds 35,000 hover
    texts, so only a few are kept.
    """

    def __init__(self, views: int = 6, extras: int = 12):
        """Keep ``views`` computed views and ``extras`` sets of extra panels."""
        self.views = LRU(views)
        self.extras = LRU(extras)


def _key(obs: Observatory, page: MapPage, values: dict, lang: str, *rest) -> tuple:
    """A hashable key: data version, page, controls, language and the other arguments."""
    hashable = tuple(tuple(x) if isinstance(x, list) else x for x in rest)
    return (obs.db.version, page.path, tuple(sorted(values.items())), lang, *hashable)


def compute_cached(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    selected: str | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """:func:`compute`, remembered without the selection (a click does not rebuild the hover texts)."""
    key = _key(obs, page, values, lang, frozen, viewport_width, initiatives)
    base = cache.views.get(key, lambda: compute_view(obs, page, values, lang, frozen, viewport_width, initiatives))
    return select(base, selected)


def extras_cached(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    pv: PageView,
    values: dict[str, str],
    lang: str,
    width: int | None,
) -> list:
    """The page's extra panels, remembered by the view's controls (not the selection)."""
    key = (*_key(obs, page, values, lang), width, tuple(pv.view.upper_bounds))
    return cache.extras.get(key, lambda: page.extras(obs, pv, lang, width))


# --- one control change on a map page --------------------------------------------------------------
@dataclass
class MapUpdate:
    """What the map callback returns, named after its outputs; the legend is built from ``pv``."""

    pv: PageView
    values: dict[str, str]
    store: dict  # the frozen breaks per indicator and statistic (the breaks store)
    state: ViewState  # freeze, breaks, layer and selection: the URL's part beyond the controls
    search: str  # the view's query string
    options: dict[str, list[dict]]  # every control's options for these values
    frozen: list[float] | None
    meta: dict  # what the panels callback needs once the map is drawn


def freeze_key(page: MapPage, values: dict[str, str]) -> str:
    """Which frozen breaks apply: per indicator and statistic; a change map's never mix with levels'."""
    key = f"{page.indicator}|{values.get('stat') or values.get('base') or 'share'}"
    if values.get("compare", mapspec.NO_COMPARE) != mapspec.NO_COMPARE:
        key += "|change"
    return key


def map_update(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    given: dict[str, str],
    lang: str,
    linked: ViewState,
    store: dict | None,
    freeze: bool,
    initiatives: bool,
    clicked: str | None,
    width: int | None,
) -> MapUpdate:
    """The map page after a control change, a toggle or a click.

    Args:
        cache: The app's view caches.
        obs: The data interface.
        page: The map page.
        given: The controls' values as the browser sent them (invalid ones fall back).
        lang: The page's language.
        linked: The state the URL was opened with (frozen breaks, selection).
        store: The frozen breaks kept in the browser, per :func:`freeze_key`.
        freeze: Whether the classes are frozen.
        initiatives: Whether the initiatives layer is shown.
        clicked: The territory just clicked, if the click triggered the update.
        width: The browser's viewport width.
    """
    values = mapspec.resolve_values(obs, page, given)
    key = freeze_key(page, values)
    store = dict(store or {})
    frozen = (store.get(key) or (list(linked.breaks) if linked.breaks else None)) if freeze else None
    selected = clicked if clicked is not None else linked.selected  # any other change keeps it (it is in the link)
    pv = compute_cached(cache, obs, page, values, lang, frozen, selected, width, initiatives)
    if pv.map_data["selected"] is None:  # not a territory of this view
        selected = None
    if freeze and not frozen:
        store[key] = pv.view.upper_bounds
    elif not freeze:
        store.pop(key, None)
    bounds = tuple(frozen or pv.view.upper_bounds) if freeze else None
    state = ViewState(freeze, bounds, initiatives, selected)
    options = {c.name: c.option_dicts() for c in mapspec.all_controls(page, obs, values, lang)}
    meta = {
        "path": page.path,
        "map_id": pv.map_data["id"],
        "values": values,
        "lang": lang,
        "frozen": frozen,
        "selected": selected,
        "width": width,
        "initiatives": initiatives,
    }
    return MapUpdate(pv, values, store, state, mapspec.url_search(values, lang, state), options, frozen, meta)
