"""The map pages' specs: titles that name the statistic, empty classes not offered, notices in words."""

from __future__ import annotations

import dataclasses

import pytest

from observatory.config import get_settings
from observatory.pages import mappage, registry
from observatory.service import Observatory
from observatory.urlstate import notice_texts, parse, raw_values


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def values_of(obs, path, search):
    page = registry.PAGES[path]
    return parse(search, page.params(obs, raw_values(search)))


def test_title_names_the_statistic(obs):
    page = registry.PAGES["/fragilites"]
    mean, _ = values_of(obs, "/fragilites", "?domain=emploi&stat=mean_score")
    share, _ = values_of(obs, "/fragilites", "?domain=emploi&stat=priority_share")
    assert mappage.view_title(page, mean, "fr") != mappage.view_title(page, share, "fr")
    assert "note moyenne" in mappage.view_title(page, mean, "fr")
    assert "priority" in mappage.view_title(page, share, "en")


def test_a_size_class_without_respondents_is_greyed_and_refused(obs):
    page = registry.PAGES["/partenariats"]
    values, notices = values_of(obs, "/partenariats", "?survey=entreprises&size_class=tpe")
    assert values["size_class"] == "all" and len(notices) == 1
    control = next(c for c in mappage.all_controls(page, obs, values, "fr") if c.name == "size_class")
    options = {o["value"]: o for o in control.option_dicts()}
    assert options["tpe"].get("disabled") is True and "aucun répondant" in options["tpe"]["label"]
    assert not options["pme"].get("disabled")


def test_notices_name_the_control_and_value_in_words(obs):
    page = registry.PAGES["/fragilites"]
    values, notices = values_of(obs, "/fragilites", "?level=canton")
    [text] = notice_texts(notices, "fr", mappage.describe(page, obs, values, "fr"))
    assert "« Échelon »" in text and "« Département »" in text and "level" not in text
    assert notice_texts(values_of(obs, "/fragilites", "?level=region")[1], "fr") == []


def test_nested_parentheses_are_gone_from_titles(obs):
    page = registry.PAGES["/partenariats"]
    values, _ = values_of(obs, "/partenariats", "?survey=entreprises&size_class=pme")
    title = mappage.view_title(page, values, "fr")
    assert "((" not in title and "))" not in title and "Entreprises, PME" in title
