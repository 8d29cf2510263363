"""Every link of the pages in English keeps ``lang=en`` (issue 27, E5): the profile's parents,
sub-territories and methodology link, the comparison's chips and tabs."""

from __future__ import annotations

import dataclasses

import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui.pages import compare, profile


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def internal_links(component) -> list[str]:
    """The href of every link of a Dash tree that stays on the site's pages."""
    out = []
    props = component.to_plotly_json()["props"] if hasattr(component, "to_plotly_json") else {}
    href = props.get("href")
    if isinstance(href, str) and href.startswith("/") and not href.startswith(("/api/v1", "/assets")):
        out.append(href)
    children = props.get("children")
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            out += internal_links(child)
    return out


@pytest.mark.parametrize("key", ["42", "42218", "244200770", "reg-84"])
def test_every_profile_link_keeps_english(obs, key):
    links = internal_links(profile.layout(obs, key, "en"))
    assert len(links) > 3
    assert [h for h in links if "lang=en" not in h] == []
    assert any(h.startswith("/territoire/") for h in links)  # parents and sub-territories are there


def test_every_comparison_link_keeps_english(obs):
    page, _notices = compare.layout(obs, "?territories=42,13,reg-84&lang=en", "en")
    links = internal_links(page)
    assert len(links) > 3 and [h for h in links if "lang=en" not in h] == []


def test_french_links_stay_plain(obs):
    links = internal_links(profile.layout(obs, "42", "fr"))
    assert links and [h for h in links if "lang=" in h] == []
