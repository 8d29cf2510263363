"""The model diagnostics page (issue 26): its hooks carry the stored diagnostics, its sections
(model chosen, shape with how to read it, Brown's test said conservative, scatter, CVs), French and
English; a bad parameter gives a notice, never an error; the app serves the address, its router
draws the page and a control's choice rewrites the URL."""

from __future__ import annotations

import dataclasses

import pytest

from observatory import create_app
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui.pages import model_diagnostics as page
from observatory.views import model_diagnostics as md
from tests.test_crafted_input import ROUTE_OUTPUT, body, dependency
from tests.views.test_profile import find, tables, texts

CELL = "?survey=citoyens&wave=2019&indicator=fragility&measure=logement&statistic=mean_score"


@pytest.fixture(scope="module")
def settings(demo_db):
    return dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo")


@pytest.fixture(scope="module")
def obs(settings):
    return Observatory(settings)


def by_id(layout, cid: str):
    [found] = find(layout, lambda c: getattr(c, "id", None) == cid)
    return found


def test_the_page_carries_the_stored_diagnostics(obs):
    layout, notices = page.layout(obs, CELL, "fr")
    assert notices == []
    stored = obs.sae_diagnostics().set_index(["survey", "wave", "indicator", "measure", "statistic"])
    row = stored.loc[("citoyens", 2019, "fragility", "logement", "mean_score")]
    root = by_id(layout, "sae-diagnostics")
    hooks = {k: getattr(root, k) for k in dir(root) if k.startswith("data-")}
    assert hooks["data-measure"] == "logement" and hooks["data-wave"] == "2019"
    assert hooks["data-link"] == row.link and hooks["data-design"] == row.design
    assert float(hooks["data-brown-p"]) == row.brown_p and float(hooks["data-brown-w"]) == row.brown_w
    assert int(hooks["data-brown-df"]) == row.brown_df
    assert int(hooks["data-points"]) == row.areas
    assert getattr(by_id(layout, "sae-diagnostics-brown"), "data-brown-p") == hooks["data-brown-p"]
    text = " ".join(texts(layout))
    for words in ("Le modèle retenu", "AIC, plan spline", "σ²ᵤ", "R² des covariables", "Résidus standardisés",
                  "Aplatissement", "Shapiro–Wilk p", "3 pour une loi normale", "Test de Brown", "conservateur",
                  "Directe contre modèle", "Coefficient de variation"):  # fmt: skip
        assert words in text, words
    shape = next(t for t in tables(layout) if t[0][1:4] == ["Asymétrie", "Aplatissement", "Shapiro–Wilk p"])
    assert [r[0] for r in shape[1:]] == ["Résidus standardisés", "Effets aléatoires standardisés"]
    cv = next(t for t in tables(layout) if t[0][0] == "Répondants")
    assert [r[0] for r in cv[1:]] == ["n = 0", "n = 1–9", "n = 10–29", "n = 30–99", "n ≥ 100"]
    assert by_id(layout, "sae-diagnostics-scatter").figure["data"][-1]["name"] == "y = x"
    assert by_id(layout, "sae-diagnostics-cv").figure["data"][0]["type"] == "box"
    assert by_id(layout, "sae-map-link").href == md.map_href(
        md.Cell("citoyens", 2019, "fragility", "logement", "mean_score")
    )


def test_english(obs):
    layout, _ = page.layout(obs, CELL + "&lang=en", "en")
    text = " ".join(texts(layout))
    assert "Small-area model diagnostics" in text and "Perceived fragility: Housing" in text
    assert "The test is conservative" in text and "Brown" in text
    assert "lang=en" in by_id(layout, "sae-map-link").href


@pytest.mark.parametrize(
    "search", ["?survey=martiens", "?wave=1789&measure=<b>x</b>", "?statistic=" + "x" * 5000, "?indicator=&measure="]
)
def test_a_bad_parameter_gives_a_notice_and_the_nearest_cell(obs, search):
    layout, notices = page.layout(obs, search, "fr")
    assert notices and all("n'est pas une valeur possible" in n for n in notices)
    assert by_id(layout, "sae-diagnostics-scatter").figure["data"]  # still a page, never an error


@pytest.fixture(scope="module")
def app(settings):
    return create_app(settings)


def test_the_app_serves_the_page_and_its_router_draws_it(app):
    client = app.server.test_client()
    assert client.get(md.PATH).status_code == 200 and client.get(md.PATH + CELL).status_code == 200
    assert client.get("/modele/nimportequoi").status_code == 404
    request = body(ROUTE_OUTPUT, [dependency("url", "pathname", md.PATH), dependency("url", "search", "?wave=x")])
    answer = client.post("/_dash-update-component", json=request)
    assert answer.status_code == 200
    out = answer.get_json()["response"]
    assert "sae-diagnostics" in str(out["page"]) and "n'est pas une valeur possible" in str(out["notices"])


def test_a_control_choice_rewrites_the_url(app):
    [output] = [k for k in app.callback_map if k.startswith("url.search@")]  # the diagnostics' controls
    names = ("survey", "wave", "indicator", "measure", "statistic")
    chosen = dict(zip(names, ("citoyens", "2019", "fragility", "emploi", "mean_score"), strict=True))
    controls = [{"id": {"type": page.CONTROL_TYPE, "name": n}, "property": "value", "value": chosen[n]} for n in names]
    request = {
        "output": output,
        "outputs": {"id": "url", "property": "search"},
        "inputs": [controls],
        "state": [dependency("url", "search", CELL + "&lang=en")],
        "changedPropIds": ['{"name":"measure","type":"diag-control"}.value'],
    }
    answer = app.server.test_client().post("/_dash-update-component", json=request)
    assert answer.status_code == 200
    search = answer.get_json()["response"]["url"]["search"]
    assert search == "?survey=citoyens&wave=2019&indicator=fragility&measure=emploi&statistic=mean_score&lang=en"
