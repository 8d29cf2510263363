"""The comparison page with the small-area model (issue 26, audit E4): the option, the model's
columns labelled "modèle" and drawn with open markers, the sentence that the pairwise tests apply
between direct cells only, one sentence instead of a table when nothing is tested, and the method
kept by every link of the page."""

from __future__ import annotations

import dataclasses

import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui.pages import compare
from observatory.views import comparison as cmp
from tests.views.test_profile import find, tables, texts

SMALL = "200067189,200044014"  # CC Creuse Sud Ouest (11 citizens), CC Creuse Grand Sud (6)


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def test_the_page_labels_the_model_and_says_the_tests_are_direct_only(obs):
    page, notices = compare.layout(obs, f"?territories={SMALL}&view=fragilite-citoyens&method=sae", "fr")
    assert notices == []
    [nav] = find(page, lambda c: getattr(c, "id", None) == "compare-method")
    assert getattr(nav, "data-method") == "sae"
    [note] = find(page, lambda c: getattr(c, "id", None) == "compare-model-note")
    assert getattr(note, "data-model") == "200044014,200067189"
    assert "ne portent que sur des estimations directes" in note.children
    estimates = next(t for t in tables(page) if t[0][0] == "Mesure" and len(t[0]) == 3)
    assert estimates[0][1:] == ["Creuse Sud Ouest (modèle)", "Communauté de communes Creuse Grand Sud (modèle)"]
    assert all("modèle, n=" in cell and "γ=" in cell for row in estimates[1:] for cell in row[1:])
    assert not any("Effectif insuffisant" in t for t in texts(page))
    [none] = find(page, lambda c: getattr(c, "id", None) == "compare-pairs-none")  # one sentence, no table
    assert "Aucun test sur cette page" in texts(none)[0] and not find(
        page, lambda c: getattr(c, "id", None) == "compare-pairs"
    )
    assert not find(page, lambda c: getattr(c, "id", None) == "compare-trend")  # no model across waves
    [chart] = find(page, lambda c: getattr(c, "id", None) == "compare-chart")
    symbols = [d["marker"]["symbol"] for d in chart.figure["data"]]
    assert all(s.endswith("-open") for s in symbols)  # drawn apart from a survey's estimates
    # every link of the page keeps the method (tabs, chips, suggestions)
    links = [c.href for c in find(page, lambda c: type(c).__name__ == "Link" and "/comparer?" in (c.href or ""))]
    assert links and all("method=sae" in h for h in links if "method=" in h)
    assert sum("method=sae" in h for h in links) >= len(cmp.VIEWS)


def test_the_method_is_offered_only_with_an_epci_and_checked(obs):
    page, notices = compare.layout(obs, "?territories=42,13&method=sae", "en")
    [nav] = find(page, lambda c: getattr(c, "id", None) == "compare-method")
    assert "for EPCIs (none here)" in " ".join(texts(nav))  # greyed, with the reason
    assert notices == [] and not find(page, lambda c: getattr(c, "id", None) == "compare-model-note")
    _page, notices = compare.layout(obs, f"?territories={SMALL}&method=bayes", "fr")
    assert notices == ["Estimation inconnue / unknown estimation : « bayes » → direct"]
    assert compare.href(["42", "13"], "maires", "fr") == "/comparer?territories=42,13&view=maires"
    assert compare.current(obs, f"?territories={SMALL}&method=sae")["method"] == "sae"


def test_with_direct_territories_the_trend_shows_them_only(obs):
    page, _ = compare.layout(obs, "?territories=200067189,42&view=fragilite-citoyens&method=sae", "fr")
    [trend] = find(page, lambda c: getattr(c, "id", None) == "compare-trend")
    names = {d.get("name") for d in trend.figure["data"]}  # (the page's legend names them, not the chart's)
    assert "Loire" in names and not any("Creuse" in str(n) for n in names)
