"""The trend panels of the profile page and of the PDF: the same pictures, titles, legends and note.

Both wrap one function (observatory/views/trend_panels.py); here the page's Dash components and
the PDF's HTML are read back for the Loire (three surveys with several waves in the demo data).
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports import pdf
from observatory.ui.pages.profile_trends import trend_section
from observatory.views import profile as pv


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "children"):
            yield from walk(child)


def page_trends(section) -> tuple[str, list]:
    """The page's section: its note, and per trend block its title, legend names and panel pictures."""
    note = next(c.children for c in walk(section) if getattr(c, "className", None) == "note")
    blocks = []
    for div in walk(section):
        if getattr(div, "className", None) == "trend":
            parts = list(walk(div))
            blocks.append(
                (
                    next(c.children for c in parts if type(c).__name__ == "H3"),
                    [c.children[-1] for c in parts if type(c).__name__ == "Li"],
                    [c.src for c in parts if type(c).__name__ == "Img"],
                )
            )
    return note, blocks


class PdfTrends(HTMLParser):
    """The PDF's section: its note, and per trend block (in order) its title, legend names and pictures."""

    def __init__(self) -> None:
        super().__init__()
        self.note, self.surveys, self.tag, self.in_item = "", [], None, False

    def handle_starttag(self, tag, attrs):
        self.tag = tag
        if tag == "h3":
            self.surveys.append(["", [], []])
        elif tag == "img":
            self.surveys[-1][2].append(dict(attrs)["src"])
        elif tag == "li":
            self.surveys[-1][1].append("")
            self.in_item = True

    def handle_data(self, data):
        if self.tag == "p" and not self.surveys:
            self.note += data
        elif self.tag == "h3":
            self.surveys[-1][0] += data
        elif self.in_item:
            self.surveys[-1][1][-1] += data

    def handle_endtag(self, tag):
        self.tag = None
        self.in_item = self.in_item and tag != "li"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_pdf_draws_the_pages_trend_panels_with_their_legends(obs, lang):
    t = pv.resolve(obs, "42")
    note, on_page = page_trends(trend_section(obs, t, lang))
    parser = PdfTrends()
    parser.feed(pdf.trends_html(obs, t, lang))
    assert len(on_page) >= 3  # fragility of citizens, companies and associations, mayors…: several waves each
    assert parser.note == note  # one note on how to read the panels
    assert [tuple(s) for s in parser.surveys] == on_page  # titles, legends and pictures, in order
    # the legend names the territory, its parent and France (the PDF named colours in words instead)
    assert {"Loire", "Auvergne-Rhône-Alpes", "France"} <= set(parser.surveys[0][1])
