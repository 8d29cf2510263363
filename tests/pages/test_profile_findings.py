"""The key findings on the profile page and in the PDF (and the embeds) say the same things.

Both lay out one description (observatory/views/findings_blocks.py): here the page's Dash
components and the PDF's HTML are read back, element by element, from a hand-made portrait whose
findings are worked out in tests/views/test_findings_blocks.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from observatory.exports import pdf
from observatory.ui.pages.profile_findings import key_findings
from observatory.views import portrait
from observatory.views import profile as pv
from tests.views.portrait_rows import CELLS, LOW_ONLY, rows

FINISTERE = pv.Territory("departement", "29", "Finistère", 915_090, None, [("region", "53", "Bretagne")], None, None)
SHOWN = ("h2", "h3", "p", "li")


def page_elements(component) -> list[tuple[str, str, dict]]:
    """(tag, text, data-* attributes) of the page's headings, paragraphs and items, in document order."""
    children = getattr(component, "children", None)
    children = children if isinstance(children, list) else [children]
    if type(component).__name__.lower() in SHOWN:
        text = "".join(c if isinstance(c, str) else str(getattr(c, "children", "")) for c in children)
        return [(type(component).__name__.lower(), text, _data(component))]
    return [e for c in children if hasattr(c, "children") for e in page_elements(c)]


def _data(component) -> dict:
    return {k: v for k, v in vars(component).items() if k.startswith("data-")}


class Elements(HTMLParser):
    """(tag, text, data-* attributes) of an HTML fragment's headings, paragraphs and items, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[tuple[str, str, dict]] = []
        self.open: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag in SHOWN:
            self.open = [tag, "", {k: v for k, v in attrs if k.startswith("data-")}]

    def handle_data(self, data):
        if self.open:
            self.open[1] += data

    def handle_endtag(self, tag):
        if self.open and tag == self.open[0]:
            self.out.append(tuple(self.open))
            self.open = None


def pdf_elements(fragment: str) -> list[tuple[str, str, dict]]:
    parser = Elements()
    parser.feed(fragment)
    return parser.out


@pytest.mark.parametrize("cells", [CELLS, LOW_ONLY], ids=["joint statement", "nothing reliable"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_and_the_pdf_say_the_same_things(cells, lang):
    p = pv.Portrait(portrait.key_findings(rows(cells), None, None), pd.DataFrame())
    on_page = page_elements(key_findings(p, FINISTERE, lang))
    on_paper = pdf_elements(pdf.findings_html(p, FINISTERE, lang))
    # everything but the method's last words (a link to the methodology on the page only)
    assert on_page[:-1] == on_paper[:-1]
    assert on_page[-1][1].startswith(on_paper[-1][1].removesuffix("."))
    # the low-reliability cells' apparent differences are said in both (the PDF omitted them)
    apparent = "à confirmer" if lang == "fr" else "to be confirmed"
    assert any(apparent in text and tag == "p" for tag, text, _data in on_paper)


def test_the_statements_carry_their_figures_in_both():
    p = pv.Portrait(portrait.key_findings(rows(CELLS), None, None), pd.DataFrame())
    items = [e for e in pdf_elements(pdf.findings_html(p, FINISTERE, "fr")) if e[0] == "li"]
    assert [(d["data-measure"], d["data-versus"]) for _t, _text, d in items] == [
        ("emploi", "france"),
        ("sante", "parent"),
    ]
    assert items[0][2]["data-also-versus"] == "parent"


def test_the_page_says_a_cell_different_from_both_rests_once():
    """Emploi differs from the rest of France and of Bretagne the same way: one sentence, not two."""
    p = pv.Portrait(portrait.key_findings(rows(CELLS), None, None), pd.DataFrame())
    items = [e for e in page_elements(key_findings(p, FINISTERE, "fr")) if e[0] == "li"]
    emploi = [text for _tag, text, data in items if data["data-measure"] == "emploi"]
    assert len(emploi) == 1
    assert "reste de la France" in emploi[0] and "reste de la région (Bretagne)" in emploi[0]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_gives_the_apparent_differences_as_a_middle_ground(lang):
    """Nothing reliable (every cell of low reliability): no statement, and the apparent differences to confirm."""
    p = pv.Portrait(portrait.key_findings(rows(LOW_ONLY), None, None), pd.DataFrame())
    elements = page_elements(key_findings(p, FINISTERE, lang))
    assert not [e for e in elements if e[0] in ("li", "h3")]
    [middle] = [text for tag, text, _d in elements if tag == "p" and ("confirm" in text)]
    assert ("2 avec le reste de la France" if lang == "fr" else "2 with the rest of France") in middle
