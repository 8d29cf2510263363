"""The comparison page reads beyond two territories (issue 27, audit E9, E11, E15).

Each territory keeps one colour and one symbol in every chart and in the legend, which comes
before the charts; a row's points are dodged; the tables are the app's HTML tables; a 7th or a
repeated territory is said; the CSV download carries the pairwise differences and ``synthetic``;
chips have no nested parentheses; French charts use decimal commas.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os

import pandas as pd
import pytest

from observatory.core import i18n
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.export import comparison_csv, comparison_tables
from observatory.figures import compare as figures
from observatory.ui.pages import compare
from observatory.views import comparison as cmp

MIXED = "42,13,reg-84"  # Loire, Bouches-du-Rhône, Auvergne-Rhône-Alpes (audit E9)
SIX = "01,02,03,04,05,06"
KEYS = ["42", "13", "reg-84"]


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.fixture(scope="module")
def mixed(obs):
    return compare.layout(obs, f"?territories={MIXED}&view=fragilite-citoyens", "fr")[0]


def find(component, predicate) -> list:
    if isinstance(component, list | tuple):
        return [f for c in component for f in find(c, predicate)]
    if component is None or not hasattr(component, "to_plotly_json"):
        return []
    own = [component] if predicate(component) else []
    return own + find(getattr(component, "children", None), predicate)


def by_id(page, cid: str):
    [found] = find(page, lambda c: getattr(c, "id", None) == cid)
    return found


def text(component) -> str:
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(text(c) for c in component)
    return text(getattr(component, "children", None)) if hasattr(component, "to_plotly_json") else ""


def contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def base_symbol(symbol: str) -> str:
    return symbol.removesuffix("-open")


# 1. One colour and one symbol per territory, in every chart and in the legend


def test_each_territory_keeps_its_colour_and_symbol_in_every_chart(mixed):
    legend = {getattr(li, "data-key"): li for li in by_id(mixed, "compare-legend").children}
    assert list(legend) == KEYS  # the URL's order
    dots = {t["legendgroup"]: t for t in by_id(mixed, "compare-chart").figure["data"]}
    trend = by_id(mixed, "compare-trend").figure["data"]
    for i, key in enumerate(KEYS):
        colour, symbol = figures.COLOURS[i], figures.SYMBOLS[i]
        assert (getattr(legend[key], "data-colour"), getattr(legend[key], "data-symbol")) == (colour, symbol)
        assert dots[key]["marker"]["color"] == colour and dots[key]["marker"]["symbol"] == symbol
        assert dots[key]["error_x"]["color"] == colour
        panels = [t for t in trend if t.get("legendgroup") == key]
        assert len(panels) == 20  # every measure's panel
        for t in panels:
            assert t["marker"]["color"] == colour and t["error_y"]["color"] == colour
            assert {base_symbol(s) for s in t["marker"]["symbol"]} == {symbol}
    assert len(set(figures.COLOURS)) == len(set(figures.SYMBOLS)) == cmp.MAX_TERRITORIES


def test_the_palette_is_contrasted_and_not_the_published_figures_black():
    assert all(contrast_with_white(c) >= 3 for c in figures.COLOURS)  # WCAG 1.4.11, graphical objects
    assert "diamond" not in figures.SYMBOLS and all(c.lower() not in ("#000000", "#111111") for c in figures.COLOURS)


def test_a_models_series_keeps_its_colour_with_open_markers(obs):
    page, _ = compare.layout(obs, "?territories=42,200067189&method=sae", "fr")
    legend = by_id(page, "compare-legend").children
    dots = by_id(page, "compare-chart").figure["data"]
    assert [t["marker"]["symbol"] for t in dots] == ["circle", "square-open"]
    assert [t["marker"]["color"] for t in dots] == list(figures.COLOURS[:2])
    # the legend's icon is open too (white inside)
    icon = base64.b64decode(legend[1].children[0].src.split(",", 1)[1]).decode()
    assert 'fill="#ffffff"' in icon and figures.COLOURS[1] in icon


# 2. The legend before the charts


def test_the_legend_comes_before_every_chart(mixed):
    order = [
        c.id
        for c in find(mixed, lambda c: getattr(c, "id", None) in ("compare-legend", "compare-chart", "compare-trend"))
    ]
    assert order == ["compare-legend", "compare-chart", "compare-trend"]
    assert [text(li) for li in by_id(mixed, "compare-legend").children] == [
        "Loire",
        "Bouches-du-Rhône",
        "Auvergne-Rhône-Alpes",
    ]
    # no second legend under the charts: the page's one names the territories
    assert by_id(mixed, "compare-chart").figure["layout"]["showlegend"] is False
    trend = by_id(mixed, "compare-trend").figure["data"]
    assert not [t for t in trend if t.get("showlegend") and t.get("legendgroup") in KEYS]


# 3. No overlap


def test_six_territories_points_are_dodged_within_each_row(obs):
    page, _ = compare.layout(obs, f"?territories={SIX}", "fr")
    figure = by_id(page, "compare-chart").figure
    data, layout = figure["data"], figure["layout"]
    rows = len(layout["yaxis"]["tickvals"])
    assert len(data) == 6 and rows == 20
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    for r in range(rows):
        ys = sorted(t["y"][r] for t in data)
        assert all(abs(y - r) < 0.5 for y in ys)  # within the measure's row
        gaps_px = [(b - a) * plot_px / rows for a, b in zip(ys, ys[1:], strict=False)]
        assert min(gaps_px) >= 9, gaps_px  # a marker's size apart: the CIs never sit on one line


# 4. Tables in the app's style


@pytest.mark.parametrize("cid", ["compare-table", "compare-pairs"])
def test_tables_are_the_apps_html_tables(mixed, cid):
    assert not find(mixed, lambda c: type(c).__name__ == "DataTable")  # DataTable's cells are monospace
    table = by_id(mixed, cid)
    assert type(table).__name__ == "Table" and "profile-table" in table.className.split()
    [box] = find(mixed, lambda c: "table-scroll" in (getattr(c, "className", "") or "") and c.children is table)
    assert box.role == "region" and box.tabIndex == "0"


def test_the_pairwise_table_groups_the_pairs_by_measure(mixed):
    bodies = [c for c in by_id(mixed, "compare-pairs").children if type(c).__name__ == "Tbody"]
    assert len(bodies) == 20 and all(len(b.children) == 3 for b in bodies)  # 3 pairs per measure
    first = bodies[0].children[0].children[0]
    assert (first.scope, first.rowSpan, text(first)) == ("rowgroup", 3, "Emploi, chômage et insertion")


# 5. Over-limit and duplicate input said


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "On compare 6 territoires au plus. Territoire non retenu : Ardèche (07)."),
        ("en", "At most 6 territories are compared. Not added: Ardèche (07)."),
    ],
)
def test_a_seventh_territory_is_refused_with_a_notice(obs, lang, expected):
    search = f"?territories={SIX},07" + ("&lang=en" if lang == "en" else "")
    page, notices = compare.layout(obs, search, lang)
    assert notices == [expected]
    assert [getattr(li, "data-key") for li in by_id(page, "compare-legend").children] == SIX.split(",")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "Territoire en double, gardé une seule fois : Loire."),
        ("en", "Duplicate territory, kept once: Loire."),
    ],
)
def test_a_duplicate_is_collapsed_with_a_notice(obs, lang, expected):
    page, notices = compare.layout(obs, "?territories=42,42" + ("&lang=en" if lang == "en" else ""), lang)
    assert notices == [expected]
    assert len(find(page, lambda c: getattr(c, "className", None) == "chip")) == 1


def test_notices_name_every_dropped_key_once_and_the_plurals_agree(obs):
    tail = ",".join(f"{d:02d}" for d in range(10, 40))  # past the 12 keys looked up: named as given
    parsed = cmp.parse_request(obs, f"42,42,13,13,{SIX},07,07,08,{tail}")
    assert [t.code for t in parsed.territories] == ["42", "13", "01", "02", "03", "04"]
    assert [t.name for t in parsed.duplicates] == ["Loire", "Bouches-du-Rhône"]
    assert parsed.over_limit[:5] == ["Hautes-Alpes (05)", "Alpes-Maritimes (06)", "Ardèche (07)", "08", "10"]
    assert len(parsed.over_limit) == 3 + 1 + 30  # Ardèche once
    fr, en = cmp.input_notices(parsed, "fr"), cmp.input_notices(parsed, "en")
    assert fr[0].startswith("On compare 6 territoires au plus. Territoires non retenus : Hautes-Alpes (05), ")
    assert fr[0].endswith(", 11 et 28 autres.") and en[0].endswith(", 11 and 28 more.")
    assert fr[1] == "Territoires en double, gardés une seule fois : Loire, Bouches-du-Rhône."
    assert en[1] == "Duplicate territories, kept once: Loire, Bouches-du-Rhône."
    # parse_keys, which the exports use, keeps the same six
    assert cmp.parse_keys(obs, f"42,42,13,13,{SIX},07") == (parsed.territories, [])


def test_a_p_just_below_five_percent_never_reads_as_0_050():
    # every pair is now on the page (no 30-row pages): Holm's p = 0.0497 beside a significant
    # verdict read "0,050"
    assert [cmp.p_text(p, "fr") for p in (0.049736, 0.0494, 0.05, 0.0504)] == ["0,0497", "0,049", "0,050", "0,050"]
    assert cmp.p_text(0.049736, "en") == "0.0497"


# 6. The CSV carries the pairwise differences and `synthetic`


def test_the_comparison_csv_has_the_differences_and_synthetic(obs):
    tables = comparison_tables(obs, KEYS, "fragilite-citoyens")
    csv = pd.read_csv(io.BytesIO(comparison_csv(tables).pipe(lambda t: t.to_csv(index=False).encode())))
    assert csv["row_type"].value_counts().to_dict() == {"estimate": 60, "difference": 60}
    assert {"difference", "ci_low", "ci_high", "p_value", "p_holm", "verdict", "synthetic"} <= set(csv.columns)
    assert csv["synthetic"].all() and (csv["indicator"] == "fragility").all()
    differences = csv[csv["row_type"] == "difference"].reset_index(drop=True)
    pairs = tables["pairwise"]
    for column in ("difference", "ci_low", "ci_high", "p_value", "p_holm"):
        assert differences[column].to_numpy() == pytest.approx(pairs[column].to_numpy(), nan_ok=True)
    assert tables["estimates"]["synthetic"].all() and tables["pairwise"]["synthetic"].all()  # XLSX and ZIP too


def test_the_download_button_sends_that_csv(demo_db):
    os.environ["OBSERVATORY_DB"] = str(demo_db)
    os.environ["OBSERVATORY_GEO_DIR"] = str(demo_db.parent / "geo")
    from observatory import create_app

    client = create_app().server.test_client()
    clicks = [
        {"id": b, "property": "n_clicks", "value": 1 if b == "compare-csv" else None}
        for b in ("compare-csv", "compare-xlsx", "compare-zip")
    ]
    payload = {
        "output": "compare-download.data",
        "outputs": {"id": "compare-download", "property": "data"},
        "inputs": clicks,
        "state": [{"id": "url", "property": "search", "value": f"?territories={MIXED}"}],
        "changedPropIds": ["compare-csv.n_clicks"],
    }
    r = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
    sent = r.get_json()["response"]["compare-download"]["data"]
    assert sent["filename"] == "observatoire_comparaison_fragilite-citoyens.csv"
    csv = pd.read_csv(io.BytesIO(base64.b64decode(sent["content"])))
    assert set(csv["row_type"]) == {"estimate", "difference"}
    assert {"territory_a", "territory_b", "difference", "p_holm", "synthetic"} <= set(csv.columns)


# 7. and 8. Wording and numbers


def test_chips_have_no_nested_parentheses(obs):
    page, _ = compare.layout(obs, "?territories=200067189,42,reg-84", "fr")
    chips = [text(c) for c in find(page, lambda c: getattr(c, "className", None) == "chip")]
    assert chips[0].startswith("Creuse Sud Ouest (intercommunalité)")
    assert chips[1].startswith("Loire (département)") and chips[2].startswith("Auvergne-Rhône-Alpes (région)")
    assert not any("((" in c or "))" in c or "(epci)" in c.lower() for c in chips)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_charts_use_the_languages_decimal_mark(obs, lang):
    page, _ = compare.layout(obs, f"?territories={MIXED}" + ("&lang=en" if lang == "en" else ""), lang)
    for cid in ("compare-chart", "compare-trend"):
        assert by_id(page, cid).figure["layout"]["separators"] == i18n.plotly_separators(lang)
    assert i18n.plotly_separators("fr")[0] == "," and i18n.plotly_separators("en")[0] == "."
