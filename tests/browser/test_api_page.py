"""The API's page for people, reached from the footer, and the ZIP download of a map view."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from frictionless import validate

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser


def test_footer_links_to_the_api_page_whose_examples_work(live_server, page):
    page.goto(live_server + "/partenariats")
    wait_for_map(page)
    page.click("#footer >> text=API (documentation)")
    page.wait_for_selector("h1")
    assert page.url.endswith("/api")
    text = page.inner_text("main")
    for path in ("/api/v1/fragility", "/api/v1/partnerships", "/api/v1/mayors", "/api/v1/territories"):
        assert f"GET {path}" in text
    assert "Données de démonstration synthétiques" in page.inner_text("body")  # the page is in the language of the link
    for link in page.eval_on_selector_all("main ul a", "els => els.map(e => e.getAttribute('href'))"):
        r = page.request.get(live_server + link)
        assert r.status == 200, link
    assert not page.errors


def test_zip_download_of_a_view_is_a_valid_data_package(live_server, page, tmp_path):
    page.goto(live_server + "/co-construction?level=region&measure=q4_oui")
    wait_for_map(page)
    with page.expect_download() as info:
        page.click("#download-zip")
    assert info.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(info.value.path()) as zf:
        zf.extractall(tmp_path)
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["observatoire"]["filters"]["level"] == "region"
    assert desc["observatoire"]["filters"]["measures"] == ["q4_oui"]
    assert validate(str(tmp_path / "datapackage.json")).valid
    assert len(Path(tmp_path / "data.csv").read_text(encoding="utf-8").splitlines()) == 19  # header + 18 régions


def test_xlsx_download_of_a_map_view_keeps_the_codes_and_the_rows_of_the_map(live_server, page):
    """E11: the map pages offer a workbook; its codes stay text ("01", not 1) and it holds the
    rows of the view, the same as the page's CSV."""
    import pandas as pd

    page.goto(live_server + "/fragilites?level=departement&domain=logement")
    wait_for_map(page)
    with page.expect_download() as info:
        page.click("#download-xlsx")
    assert info.value.suggested_filename.endswith(".xlsx")
    book = pd.read_excel(info.value.path(), sheet_name=None)
    table = next(iter(book.values()))
    assert "01" in set(table["territory_code"].astype(str)) and "2A" in set(table["territory_code"].astype(str))
    assert set(table["measure"]) == {"logement"} and table["territory_code"].nunique() == 101
    with page.expect_download() as info:
        page.click("#download-csv")
    csv = pd.read_csv(info.value.path(), dtype={"territory_code": str})
    assert sorted(csv["territory_code"]) == sorted(table["territory_code"].astype(str))
