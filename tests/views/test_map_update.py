"""The map callback's rules without Dash (views/pageview.map_update): frozen breaks per
indicator, the selection kept by a control change and dropped when not a territory of the view,
a click that only re-outlines (the cached view is not recomputed), and caches per app."""

from __future__ import annotations

import dataclasses

import pytest

from observatory.core.config import get_settings
from observatory.core.lru import LRU
from observatory.core.urlstate import ViewState
from observatory.data.service import Observatory
from observatory.ui.pages import registry
from observatory.views import pageview

PAGE = registry.PAGES["/fragilites"]
GIVEN = {"survey": "citoyens", "wave": "2019", "level": "region", "domain": "emploi", "stat": "mean_score"}


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def update(obs, cache, given=GIVEN, linked=None, store=None, freeze=False, clicked=None):
    linked = linked or ViewState()
    return pageview.map_update(cache, obs, PAGE, given, "fr", linked, store, freeze, False, clicked, 1280)


def test_freezing_keeps_the_breaks_and_a_change_map_has_its_own(obs):
    cache = pageview.PageCaches()
    first = update(obs, cache, freeze=True)
    key = "fragility|mean_score"
    assert first.store == {key: first.pv.view.upper_bounds} and first.state.breaks == tuple(first.store[key])
    other = update(obs, cache, {**GIVEN, "domain": "logement"}, store=first.store, freeze=True)
    assert other.pv.view.upper_bounds == first.store[key]  # another domain, the same classes
    change = update(obs, cache, {**GIVEN, "compare": "2015"}, store=first.store, freeze=True)
    assert set(change.store) == {key, key + "|change"}
    assert update(obs, cache, store=first.store).store == {}  # unfreezing forgets them


def test_selection_kept_by_a_change_dropped_when_not_in_the_view(obs):
    cache = pageview.PageCaches()
    kept = update(obs, cache, linked=ViewState(selected="84"))
    assert kept.state.selected == "84" and kept.pv.map_data["selected"] == "84" and "selected=84" in kept.search
    gone = update(obs, cache, {**GIVEN, "level": "epci"}, linked=ViewState(selected="84"))
    assert gone.state.selected is None and "selected" not in gone.search  # no EPCI has the code 84
    assert gone.meta["selected"] is None


def test_a_click_reoutlines_without_recomputing_the_view(obs, monkeypatch):
    cache = pageview.PageCaches()
    before = update(obs, cache)
    calls = []
    original = pageview.compute_view
    monkeypatch.setattr(pageview, "compute_view", lambda *a, **k: calls.append(a) or original(*a, **k))
    clicked = update(obs, cache, clicked="53")
    assert calls == []  # the cached view served the click
    assert clicked.pv.map_data["selected"] == "53" and clicked.pv.map_data["id"] != before.pv.map_data["id"]
    assert clicked.pv.map_data["colour"] == before.pv.map_data["colour"]
    assert clicked.meta["map_id"] == clicked.pv.map_data["id"]


def test_caches_belong_to_an_app():
    a, b = pageview.PageCaches(), pageview.PageCaches()
    assert a.views is not b.views
    lru = LRU(2)
    for k in "abc":
        lru.get(k, lambda k=k: k.upper())
    assert list(lru.items) == ["b", "c"]
    assert lru.get("b", lambda: "new") == "B"
