"""The charts drawn on the server (figures/svg_charts.py): what each picture shows, read back from its SVG."""

from __future__ import annotations

from xml.etree import ElementTree

import pandas as pd
import pytest

from observatory.figures import svg_charts

NS = "{http://www.w3.org/2000/svg}"


def marks(svg: str) -> list[dict]:
    root = ElementTree.fromstring(svg)
    return [dict(e.attrib, tag=e.tag.removeprefix(NS)) for e in root.iter() if e.get("data-series")]


def texts(svg: str, css_class: str) -> list[str]:
    return [e.text for e in ElementTree.fromstring(svg).iter(f"{NS}text") if e.get("class") == css_class]


@pytest.mark.parametrize(
    "value,step,lang,expected",
    [(5.5, 0.5, "fr", "5,5"), (5.5, 0.5, "en", "5.5"), (40.0, 10, "fr", "40"), (6.25, 0.25, "fr", "6,25"),
     (1250.0, 250, "fr", "1\u202f250"), (0.1, 0.1, "fr", "0,1")],
)  # fmt: skip
def test_tick_labels_follow_the_language_and_the_step(value, step, lang, expected):
    assert svg_charts.tick_text(value, step, lang) == expected


def table(reliability=("ok", "low", "suppressed")) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": ["a", "b", "c"],
            "reliability": list(reliability),
            "estimate_territory": [0.40, 0.50, 0.60],
            "ci_low_territory": [0.35, 0.40, 0.40],
            "ci_high_territory": [0.45, 0.60, 0.80],
            "estimate_france": [0.42, 0.44, 0.46],
            "ci_low_france": [0.41, 0.43, 0.45],
            "ci_high_france": [0.43, 0.45, 0.47],
        }
    )


def test_dot_plot_draws_each_estimate_on_the_display_scale_and_hides_suppressed_cells():
    series = [("territory", "Loire"), ("france", "France")]
    rows, lo, hi = svg_charts.dotplot_rows(table(), {"a": "A", "b": "B", "c": "C"}, series, "share")
    svg = svg_charts.dotplot_svg(rows, series, "Titre", lo, hi, "fr", unit=" %")
    drawn = {(m["data-series"], m["data-measure"]): float(m["data-estimate"]) for m in marks(svg)}
    assert drawn[("territory", "a")] == pytest.approx(40.0) and drawn[("france", "c")] == pytest.approx(46.0)
    assert ("territory", "c") not in drawn  # suppressed: no value anywhere
    faded = {m["data-measure"] for m in marks(svg) if m["data-series"] == "territory" and m.get("opacity")}
    assert faded == {"b"}  # low reliability: an open, faded point
    assert all(t.endswith(" %") for t in texts(svg, "tick"))
    assert texts(svg, "legend") == ["Loire", "France"]


def test_dot_plot_intervals_span_the_ci():
    series = [("territory", "Loire")]
    rows, lo, hi = svg_charts.dotplot_rows(table(("ok", "ok", "ok")), {}, series, "share")
    root = ElementTree.fromstring(svg_charts.dotplot_svg(rows, series, "T", lo, hi, "fr"))
    lines = [e for e in root.iter(f"{NS}line") if e.get("y1") == e.get("y2") and e.get("stroke") != "#e3e3e3"]
    widths = sorted(float(e.get("x2")) - float(e.get("x1")) for e in lines)
    assert len(widths) == 3 and widths[0] < widths[1] < widths[2]  # CIs of 10, 20 and 40 points


def trend_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": ["territory", "territory", "france", "france", "territory"],
            "series_label": ["Loire", "Loire", "France", "France", "Loire"],
            "wave": [2015, 2019, 2015, 2019, 2019],
            "measure": ["m", "m", "m", "m", "other"],
            "estimate": [6.1, 6.4, 6.0, 6.2, 1.0],
            "ci_low": [5.9, 6.2, 5.95, 6.15, 0.9],
            "ci_high": [6.3, 6.6, 6.05, 6.25, 1.1],
            "reliability": ["ok", "low", "ok", "ok", "ok"],
        }
    )


def test_trend_panel_puts_each_point_at_its_wave_with_its_ci_and_published_figures_as_diamonds():
    published = pd.DataFrame({"measure": ["m"], "wave": [2019], "value": [6.3]})
    svg = svg_charts.trend_panel_svg(trend_rows(), published, "m", "Logement", "mean_score", "fr", [2015, 2019])
    drawn = {(m["data-series"], int(m["data-wave"])): (m["tag"], float(m["data-estimate"])) for m in marks(svg)}
    assert drawn == {
        ("territory", 2015): ("circle", 6.1), ("territory", 2019): ("circle", 6.4),
        ("france", 2015): ("circle", 6.0), ("france", 2019): ("circle", 6.2), ("published", 2019): ("path", 6.3),
    }  # fmt: skip
    root = ElementTree.fromstring(svg)
    x = {
        (m.get("data-series"), m.get("data-wave")): float(m.get("cx"))
        for m in root.iter(f"{NS}circle")
        if m.get("data-series")
    }
    assert x[("territory", "2015")] < x[("territory", "2019")]  # waves left to right
    assert x[("territory", "2019")] != x[("france", "2019")]  # series apart: their CIs do not overlap
    assert any("," in t for t in texts(svg, "tick"))  # French decimal comma on the axis


def test_trend_panel_without_a_measure_draws_its_title_only():
    svg = svg_charts.trend_panel_svg(trend_rows(), pd.DataFrame(), "absent", "Absent", "share", "fr")
    assert not marks(svg) and "Absent" in svg


def element(attributes: str) -> dict:
    return ElementTree.fromstring("<m " + attributes + "/>").attrib


def test_every_mark_says_what_it_shows_in_one_format():
    """Dot plots, trend points and published diamonds write their data-* attributes alike (one helper)."""
    quoted = 'a&"b'
    assert element(svg_charts.mark_attributes("france", quoted, 46.0, 2019)) == {
        "data-series": "france", "data-measure": quoted, "data-wave": "2019", "data-estimate": "46",
    }  # fmt: skip
    assert "data-wave" not in element(svg_charts.mark_attributes("parent", "a", 0.5))
    series = [("territory", "Loire"), ("france", "France")]
    rows, lo, hi = svg_charts.dotplot_rows(table(), {}, series, "share")
    published = pd.DataFrame({"measure": ["m"], "wave": [2019], "value": [6.3]})
    drawn = marks(svg_charts.dotplot_svg(rows, series, "T", lo, hi, "fr")) + marks(
        svg_charts.trend_panel_svg(trend_rows(), published, "m", "M", "mean_score", "fr", [2015, 2019])
    )
    assert {m["data-series"] for m in drawn} == {"territory", "france", "published"}
    for m in drawn:
        data = {k: v for k, v in m.items() if k.startswith("data-")}
        wave = int(data["data-wave"]) if "data-wave" in data else None
        estimate = float(data["data-estimate"])
        assert data == element(svg_charts.mark_attributes(data["data-series"], data["data-measure"], estimate, wave))
