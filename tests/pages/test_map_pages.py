"""The map pages' specs: titles that name the statistic, empty classes not offered, notices in words."""

from __future__ import annotations

import dataclasses

import pytest

from observatory.core.config import get_settings
from observatory.core.urlstate import notice_texts, parse, raw_values
from observatory.data.service import Observatory
from observatory.ui.pages import mappage, registry
from observatory.views import mapspec


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
    values, notices = values_of(obs, "/fragilites", "?level=arrondissement")
    [text] = notice_texts(notices, "fr", mappage.describe(page, obs, values, "fr"))
    assert "« Échelon »" in text and "« Département »" in text and "level" not in text
    assert notice_texts(values_of(obs, "/fragilites", "?level=region")[1], "fr") == []


def test_nested_parentheses_are_gone_from_titles(obs):
    page = registry.PAGES["/partenariats"]
    values, _ = values_of(obs, "/partenariats", "?survey=entreprises&size_class=pme")
    title = mappage.view_title(page, values, "fr")
    assert "((" not in title and "))" not in title and "Entreprises, PME" in title


def _component(tree, component_id):
    """The component of a Dash layout with this id (depth first), or None."""
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        found = _component(child, component_id)
        if found is not None:
            return found
    return None


def test_among_partners_does_not_apply_to_the_partner_rate(obs):
    """E17: « Parmi » means nothing for "Au moins un partenariat" (a share of all respondents): the
    control is disabled and says why; a link that sets it gets a notice; the page's own links
    leave it out, and a kind of partnership finds PHARE's "among partners" again."""
    page = registry.PAGES["/partenariats"]
    values, notices = mapspec.resolve(obs, page, "?survey=entreprises&kind=partner&base=partners")
    assert values["base"] == "" and [n.param for n in notices] == ["base"]
    [text] = notice_texts(notices, "fr", mappage.describe(page, obs, values, "fr"))
    assert "« Parmi »" in text and "sans objet" in text
    assert page.query(values)[2] == "share" and "base=" not in mapspec.url_search(values, "fr")
    base = next(c for c in mappage.all_controls(page, obs, values, "fr") if c.name == "base")
    assert mappage.inapplicable(base)
    layout = mappage.layout(page, obs, values, "fr")
    assert _component(layout, {"type": "control", "name": "base"}).disabled is True
    assert "Au moins un partenariat" in _component(layout, "control-base").title
    assert "At least one partnership" in _component(mappage.layout(page, obs, values, "en"), "control-base").title
    # base=all says what the partner rate is (the model's diagnostics link so): no notice
    assert mapspec.resolve(obs, page, "?survey=entreprises&kind=partner&base=all")[1] == []
    kinds, notices = mapspec.resolve(obs, page, "?survey=entreprises&kind=mecenat")
    assert notices == [] and kinds["base"] == "partners" and page.query(kinds)[2] == "share_among_partners"
    base = next(c for c in mappage.all_controls(page, obs, kinds, "fr") if c.name == "base")
    assert not mappage.inapplicable(base)
    assert _component(mappage.layout(page, obs, kinds, "fr"), {"type": "control", "name": "base"}).disabled is False
