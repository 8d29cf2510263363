"""What a person sees on /fragilites, in Chromium: the map is drawn, controls change the map
and the URL, URLs restore views, invalid parameters show a notice, the CSV equals the export."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import MAP_LOCATIONS, MAP_TEXT, MAP_Z, hover_until, shot, wait_for_map

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

__all__ = ["MAP_LOCATIONS", "MAP_Z", "choose"]  # other browser tests import them from here


def choose(pg, control: str, label: str) -> None:
    """Pick an option of a control's dropdown by its visible label, as a person would."""
    pg.click(f"#control-{control} .Select-control, #control-{control} .dash-dropdown")
    pg.get_by_role("option", name=label, exact=True).click()


def test_map_is_drawn_with_banner_and_legend(live_server, page):
    page.goto(live_server + "/fragilites")
    wait_for_map(page)
    assert "Données de démonstration synthétiques" in page.inner_text("#synthetic-banner")
    assert page.locator("#legend .legend-class").count() == 5
    assert "non diffusé (n < 30, ou règle de divulgation)" in page.inner_text("#legend")
    assert len(page.evaluate(MAP_LOCATIONS)) == 101
    assert not page.errors
    shot(page, "fragilites")


def test_url_restores_view_and_control_changes_map_and_url(live_server, page):
    page.goto(
        live_server
        + "/fragilites?survey=citoyens&wave=2015&level=region&domain=emploi&stat=mean_score&classes=quantiles"
    )
    wait_for_map(page)
    assert "Emploi, chômage et insertion" in page.inner_text("#view-title")
    assert len(page.evaluate(MAP_LOCATIONS)) == 18
    before = page.get_attribute("#map", "data-values")
    choose(page, "domain", "· Logement")
    page.wait_for_function("() => document.querySelector('#view-title').innerText.includes('Logement')")
    page.wait_for_function(
        "(old) => { const m = document.getElementById('map'); return m.dataset.state === 'drawn' && m.dataset.values !== old; }",
        arg=before,
        timeout=20_000,
    )
    assert "domain=logement" in page.url and "level=region" in page.url
    wait_for_map(page)


def test_invalid_parameters_show_a_notice(live_server, page):
    page.goto(live_server + "/fragilites?level=arrondissement&domain=%3Cscript%3E")
    wait_for_map(page)
    text = page.inner_text("#notices")
    assert "arrondissement" in text and "<script>" in text
    assert len(page.evaluate(MAP_LOCATIONS)) == 101  # fell back to départements


def test_downloaded_csv_equals_export_command(live_server, page, demo_db):
    page.goto(live_server + "/fragilites?level=region&domain=sante&stat=priority_share&survey=citoyens&wave=2015")
    wait_for_map(page)
    with page.expect_download() as info:
        page.click("#download-csv")
    downloaded = Path(info.value.path()).read_bytes()
    cmd = [sys.executable, "-m", "observatory", "export", "fragility", "--level", "region", "--domain", "sante",
           "--statistic", "priority_share", "--survey", "citoyens", "--wave", "2015", "--db", str(demo_db)]  # fmt: skip
    exported = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True).stdout
    assert downloaded == exported
    assert len(pd.read_csv(io.BytesIO(downloaded))) == 18
    # the "API" link of the view returns the same rows
    page.wait_for_function("() => document.querySelector('#api-link').getAttribute('href').includes('domain=sante')")
    api = page.request.get(live_server + page.get_attribute("#api-link", "href") + "&format=csv").body()
    assert api == exported


def test_legend_class_of_each_territory_matches_map(live_server, page):
    page.goto(
        live_server
        + "/fragilites?level=departement&domain=securite&survey=citoyens&wave=2015&stat=mean_score&classes=jenks"
    )
    wait_for_map(page)
    classes = page.evaluate(
        "() => [...document.querySelectorAll('#legend .legend-class')].map(li => [+li.dataset.class, +li.dataset.low, +li.dataset.high])"
    )
    z = page.evaluate(MAP_Z)
    locs = page.evaluate(MAP_LOCATIONS)
    rows = page.evaluate(MAP_TEXT)
    assert len(classes) == 5
    checked = 0
    for loc, cls, text in zip(locs, z, rows, strict=True):
        if cls == 0:
            assert "Effectif insuffisant" in text
            continue
        value = float(text.split("Valeur : ")[1].split(" / 10")[0].replace(",", "."))
        low, high = classes[cls - 1][1], classes[cls - 1][2]
        assert low - 0.051 <= value <= high + 0.051, (loc, value, low, high)  # value shown to 1 decimal
        checked += 1
    assert checked > 90


def test_hover_names_the_territory_from_the_geometry_and_gives_the_ci(live_server, page):
    """The hover's name comes from the GeoJSON feature (not sent with each update), the rest from
    the statistics layer."""
    page.goto(live_server + "/fragilites?level=departement&domain=emploi&survey=citoyens&wave=2015")
    wait_for_map(page)
    text = hover_until(page, 0.6, 0.45, "IC 95 %")
    names = page.evaluate(MAP_LOCATIONS)
    code = text.split("(")[1].split(")")[0]
    assert code in names and "%{" not in text and "n = " in text and "<b>" not in text
