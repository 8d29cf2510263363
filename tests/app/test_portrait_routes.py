"""The printable portrait and the embeds over HTTP: the embeds may be framed by any site (their own
frame-ancestors, no X-Frame-Options), the rest of the app stays unframeable; the PDF has pages
that are not blank and extractable text with the title, key findings, method, notice, version and
permalink."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def client(demo_db):
    import os

    os.environ["OBSERVATORY_DB"] = str(demo_db)
    os.environ["OBSERVATORY_GEO_DIR"] = str(demo_db.parent / "geo")
    from observatory import create_app

    return create_app().server.test_client()


def _csp(resp) -> dict[str, str]:
    parts = [p.strip().split(" ", 1) for p in resp.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize(
    "path",
    [
        "/embed/fragilites?level=departement&domain=emploi",
        "/embed/territoire/42?block=key-findings",
        "/embed/territoire/244200770?block=fragilite",
        "/embed/territoire/42218?block=locator&lang=en",
    ],
)
def test_embeds_may_be_framed(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert _csp(resp)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in resp.headers
    assert _csp(resp)["script-src"].startswith("'self'")  # the rest of the policy is the app's


def test_embedded_map_is_the_page_marked_as_an_embed_with_a_link_back(client):
    text = client.get("/embed/fragilites?level=departement&domain=emploi").get_data(as_text=True)
    assert '<body class="embed">' in text and 'href="/fragilites?level=departement&amp;domain=emploi"' in text
    assert client.get("/embed/pas-une-page").status_code == 404
    assert client.get("/embed/territoire/42?block=nimporte").status_code == 400
    assert client.get("/embed/territoire/99999?block=locator").status_code == 404


def test_profile_block_embed_has_source_notice_and_link(client):
    text = client.get("/embed/territoire/42?block=key-findings").get_data(as_text=True)
    assert "Loire" in text and "L'essentiel" in text.replace("&#x27;", "'")
    assert "ne sont pas des résultats de PHARE" in text  # the demo data are synthetic
    assert "Source" in text or "Géographie" in text
    assert 'href="/territoire/42"' in text


@pytest.mark.parametrize("path", ["/fragilites", "/territoire/42", "/territoire/nowhere.pdf", "/api/v1/meta"])
def test_the_rest_stays_unframeable(client, path):
    resp = client.get(path)
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert _csp(resp)["frame-ancestors"] == "'none'"


def _pages(pdf: Path, tmp_path: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(tmp_path.glob("page-*.png"))]


@pytest.mark.parametrize("key,title", [("42", "Loire"), ("42218", "Saint-Étienne")])
def test_pdf_portrait(client, demo_db, tmp_path, key, title):
    resp = client.get(f"/territoire/{key}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["X-Frame-Options"] == "DENY"
    pdf = tmp_path / "portrait.pdf"
    pdf.write_bytes(resp.data)
    pages = _pages(pdf, tmp_path)
    assert 2 <= len(pages) <= 12
    if key == "42":  # the README shows the first page
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "70",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(SHOTS / "p19_portrait_pdf"),
            ],
            check=True,
        )
    for image in pages:
        assert (image < 200).mean() > 0.005  # ink on every page: none is blank
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert f"Portrait de territoire — {title}" in text
    assert "L'essentiel" in text and "Méthode et sources" in text
    assert "ne sont pas des résultats de PHARE" in text
    assert f"/territoire/{key}" in text  # the permalink
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        version = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
    assert str(version)[:12] in text


def test_pdf_in_english_and_unknown_territory(client, tmp_path):
    resp = client.get("/territoire/reg-84.pdf?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = tmp_path / "en.pdf"
    pdf.write_bytes(resp.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Territory portrait — Auvergne-Rhône-Alpes" in text
    assert "Key findings" in text and "Method and sources" in text
    assert "these figures are not PHARE results" in text
    assert "/territoire/reg-84?lang=en" in text  # the permalink keeps the language
    for french in ("L'essentiel", "Méthode et sources", "Portrait de territoire", "Édité le"):
        assert french not in text
    assert client.get("/territoire/nowhere.pdf").status_code == 404


def test_profile_page_offers_the_pdf_and_the_embed(client):
    from plotly.utils import PlotlyJSONEncoder

    from observatory.ui.pages import profile

    page = profile.layout(client.application.config["OBSERVATORY"], "42", "en")
    layout = json.dumps(page, cls=PlotlyJSONEncoder)
    assert "/territoire/42.pdf?lang=en" in layout
    assert "/embed/territoire/42?block=key-findings" in layout and "<iframe" in layout


def _items(component) -> list:
    """Every key-finding statement (its data-* props) of a Dash layout."""
    found = []
    props = getattr(component, "__dict__", {})
    if str(props.get("className", "")).startswith("finding "):
        found.append(props)
    children = props.get("children")
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "__dict__"):
            found += _items(child)
    return found


def test_profile_downloads_hold_the_key_findings_and_ranks_shown(client):
    from observatory.exports.export import profile_tables
    from observatory.ui.pages import profile

    obs = client.application.config["OBSERVATORY"]
    tables = profile_tables(obs, "departement", "42")
    shown = _items(profile.layout(obs, "42", "fr"))
    findings = tables["essentiel"]
    assert len(shown) == len(findings) > 0
    for item, row in zip(shown, findings.itertuples(), strict=True):
        assert (item["data-measure"], item["data-versus"], item["data-direction"]) == (
            row.measure,
            row.versus,
            row.direction,
        )
        assert float(item["data-estimate"]) == row.estimate
        assert item["children"] == row.text_fr  # the very sentence of the page
    ranks = tables["rangs"]
    assert {"rank", "rank_low", "rank_high", "peers"} <= set(ranks.columns) and len(ranks) > 20
    assert (
        (ranks["rank_low"] <= ranks["rank"]) & (ranks["rank"] <= ranks["rank_high"])
        | (ranks["rank_low"] <= ranks["rank_high"])
    ).all()


def test_findings_api_gives_the_whole_family_and_what_the_page_states(client):
    from observatory.ui.pages import profile

    body = client.get("/api/v1/findings/42").get_json()
    assert body["procedure"] == "benjamini-hochberg" and body["false_discovery_rate"] == 0.05
    tests = body["tests"]
    assert body["family_size"] == len(tests) > 50
    assert body["stated"] == sum(t["stated"] for t in tests) > 0
    for t in tests:  # stated exactly when the adjusted p-value is below 5 %, pointing one way
        assert t["p_adjusted"] >= t["p_value"]
        assert t["stated"] == (
            t["p_adjusted"] < 0.05 and t["direction"] != "not_significant" and not t["contradicts_parent"]
        )
    # Benjamini–Hochberg recomputed here from the raw p-values
    p = sorted(t["p_value"] for t in tests)
    m = len(p)
    passing = [k for k in range(1, m + 1) if p[k - 1] <= 0.05 * k / m]
    assert body["stated"] == (max(passing) if passing else 0) - sum(
        1
        for t in tests
        if t["p_adjusted"] < 0.05
        and (t["direction"] == "not_significant" or t["contradicts_parent"] or t["parent_unreliable"])
    )
    # the page's block says the same numbers
    obs = client.application.config["OBSERVATORY"]
    section = profile.layout(obs, "42", "fr")
    block = _find(section, "key-findings")
    assert block is not None
    assert getattr(block, "data-family-size") == str(body["family_size"])
    assert getattr(block, "data-stated") == str(body["stated"])
    assert client.get("/api/v1/findings/nowhere").status_code == 404


def _find(component, wanted: str):
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "children") or hasattr(child, "id"):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None
