"""Change over time in Chromium: a change map is drawn with a diverging legend centred on 0, its
hover gives the difference with its CI (the API's figure), the "compare with wave" control
switches a map to the change and back, and the profile and comparison pages show the trend of
each indicator with CIs and the published figures at their own waves."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.conftest import MAP_LOCATIONS, MAP_Z, drawn_svgs, hover_until, wait_for_map
from tests.browser.folds import open_sections
from tests.browser.test_fragility_page import choose

pytestmark = pytest.mark.browser

CHANGE_URL = "/fragilites?survey=citoyens&wave=2019&level=departement&domain=emploi&stat=mean_score&compare=2015"
TRACE = f"() => {{ const d = window.observatoryMap.current(); return {{z: ({MAP_Z})(), opacity: d.opacity, locations: d.codes}}; }}"


def _number(text: str) -> float:
    sign = -1.0 if text[0] == "−" else 1.0
    return sign * float(text[1:].replace("\u202f", "").replace(",", "."))


def test_change_map_draws_with_a_diverging_legend_and_the_hover_gives_the_change(live_server, page):
    page.goto(live_server + CHANGE_URL)
    wait_for_map(page)
    assert "évolution depuis 2015" in page.inner_text("#view-title")
    highs = page.locator("#legend .legend-class").evaluate_all("els => els.map(e => parseFloat(e.dataset.high))")
    assert len(highs) == 6 and highs[2] == 0
    assert highs[1] == pytest.approx(-highs[3]) and highs[0] == pytest.approx(-highs[4])
    assert "estompé" in page.inner_text("#legend")
    trace = page.evaluate(TRACE)
    assert len(trace["locations"]) == 101 and len(set(trace["z"])) >= 3
    assert {0.95, 0.3} <= set(trace["opacity"])  # significant changes strong, the others faded

    text = hover_until(page, 0.6, 0.45, "Évolution 2015").replace("\n", " ")
    code = text.split("(")[1].split(")")[0]
    found = re.search(r"Évolution 2015 → 2019 : ([+−±][\d,\u202f]+).*IC 95 % : \[([+−±][\d,]+) ; ([+−±][\d,]+)\]", text)
    assert found, text
    api = requests.get(
        live_server + "/api/v1/fragility",
        params={"level": "departement", "survey": "citoyens", "wave_from": 2015, "wave_to": 2019, "domain": "emploi",
                "statistic": "mean_score", "territory": code},
        timeout=60,
    ).json()["rows"][0]  # fmt: skip
    assert _number(found.group(1)) == pytest.approx(api["difference"], abs=0.006)
    assert _number(found.group(2)) == pytest.approx(api["ci_low"], abs=0.006)
    assert _number(found.group(3)) == pytest.approx(api["ci_high"], abs=0.006)
    strong = api["significance"] in ("increase", "decrease") and api["reliability"] == "ok"
    assert trace["opacity"][trace["locations"].index(code)] == (0.95 if strong else 0.3)
    assert "2015 :" in text and "2019 :" in text and "n = " in text
    # the table lists both waves and the change (the panels fill in after the map)
    page.wait_for_function("() => document.querySelectorAll('#table tbody tr').length > 1", timeout=30_000)
    assert "Évolution" in page.inner_text("#table") and "n 2015" in page.inner_text("#table")
    assert not page.errors


def test_compare_control_switches_to_the_change_and_back(live_server, page):
    page.goto(live_server + "/innovation?survey=citoyens&wave=2019&level=region&classes=quantiles")
    wait_for_map(page)
    levels = page.evaluate(TRACE)
    assert len(page.evaluate(MAP_LOCATIONS)) == 18 and "compare" not in page.url
    choose(page, "compare", "2015")
    page.wait_for_function("() => location.search.includes('compare=2015')", timeout=20_000)
    page.wait_for_function("() => document.querySelector('#view-title').innerText.includes('2015')", timeout=20_000)
    wait_for_map(page)
    change = page.evaluate(TRACE)
    assert change["z"] != levels["z"]
    assert "Chiffres publiés : 69" in page.inner_text("#view-summary") and "74" in page.inner_text("#view-summary")
    # a new survey offers its own waves: the mayors' 2024 wave, and the comparison follows
    choose(page, "survey", "Maires et élus")
    page.wait_for_function("() => location.search.includes('survey=elus')", timeout=20_000)
    page.wait_for_function("() => location.search.includes('wave=2024')", timeout=20_000)
    page.click("#control-wave .Select-control, #control-wave .dash-dropdown")
    page.get_by_role("option", name="2016", exact=True).wait_for(timeout=10_000)
    options = page.get_by_role("option").all_inner_texts()
    assert {"2016", "2020", "2024"} <= set(options)
    page.keyboard.press("Escape")
    choose(page, "compare", "— aucune (niveaux) —")
    page.wait_for_function("() => !location.search.includes('compare=')", timeout=20_000)
    wait_for_map(page)
    assert "évolution" not in page.inner_text("#view-title")
    assert not page.errors


def test_profile_shows_each_indicator_across_waves_with_cis_and_published_figures(live_server, page):
    """The trend panels are pictures drawn on the server: each mark is a point (never a line
    between waves) with its CI, at its wave; published national figures are diamonds."""
    page.goto(live_server + "/territoire/13")
    open_sections(page, "trends", timeout=90_000)  # folded by default (audit E12)
    page.wait_for_selector("#trends img.trend-panel", timeout=90_000)
    blocks = page.eval_on_selector_all(
        "#trends .trend", "els => els.map(e => [e.dataset.survey, e.querySelector('h3').innerText])"
    )
    titles = [title for _survey, title in blocks]
    assert any(t.startswith("Citoyens") for t in titles) and any(t.startswith("Maires") for t in titles)
    ns = "{http://www.w3.org/2000/svg}"
    for survey, _title in blocks:
        panels = drawn_svgs(page, f"#trends .trend[data-survey='{survey}'] img.trend-panel")
        assert panels, survey
        for svg in panels:
            points = [e for e in svg.iter(f"{ns}circle") if e.get("data-series")]
            lines = list(svg.iter(f"{ns}line"))
            assert points and not list(svg.iter(f"{ns}polyline"))  # points, never lines between waves
            # every point has its CI: a vertical segment through it
            for p in points:
                x = float(p.get("cx"))
                assert any(abs(float(seg.get("x1")) - x) < 0.05 and seg.get("x1") == seg.get("x2") for seg in lines)
        waves = {int(e.get("data-wave")) for svg in panels for e in svg.iter() if e.get("data-wave")}
        expected = {"citoyens": {2015, 2019}, "elus": {2016, 2020, 2024}}.get(survey)
        assert expected is None or waves == expected, survey
    legend = page.eval_on_selector_all(
        "#trends .trend[data-survey='citoyens'] .series-legend li", "els => els.map(e => e.innerText)"
    )
    assert {"Bouches-du-Rhône", "Provence-Alpes-Côte d'Azur", "France"} <= {t.strip() for t in legend}
    published = [
        e for svg in drawn_svgs(page, "#trends img.trend-panel") for e in svg.iter(f"{ns}path")
        if e.get("data-series") == "published"
    ]  # fmt: skip
    assert published  # the published national figures, at their own waves
    assert not page.errors


def test_comparison_shows_the_trend_of_each_territory(live_server, page):
    page.goto(live_server + "/comparer?territories=44,reg-93&view=innovation-citoyens")
    page.wait_for_selector("#compare-trend .js-plotly-plot", timeout=60_000)
    traces = page.evaluate(
        "() => document.querySelector('#compare-trend .js-plotly-plot').data.map(d => [d.name, d.x.length])"
    )
    names = dict(traces)
    assert names["Loire-Atlantique"] == 2 and names["Provence-Alpes-Côte d'Azur"] == 2
    assert names["Chiffre publié (PHARE / IMPACT)"] == 2  # 69 % in 2015, 74 % in 2019
    assert not page.errors
