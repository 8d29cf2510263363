"""The profile's layout (audit E12), without a browser: the key findings first and open, then every
detail section closed under a title and a line of counts, every id the outside checks use kept.

The counts are checked against what the sections hold when opened (their tables' rows, their
pictures, their lists) and against the portrait's family of tests (each test's own ``stated``
verdict), not against the code that writes the line.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from dash import html

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui.pages import profile as page
from observatory.views import profile as pv
from observatory.views.portrait import KeyFindings

EXPAND_ALL = "profile-expand-all"  # the "Tout déplier" button (assets/profile.js reads it)
PROFILES = ("42218", "244200770", "42", "reg-84")  # Saint-Étienne, its métropole, the Loire, its région
BLOCKS = {"block-fragilite": "fragility", "block-partenariats": "partnerships", "block-maires": "mayors",
          "block-innovation": "innovation"}  # fmt: skip
DETAIL = {*BLOCKS, "trends", "initiatives"}  # the sections of every profile (and block-model for an EPCI's)
# ids that outside checks (tests, embeds' users, the PDF's links) read
KEPT_IDS = {"profile-title", "key-findings", "profile-pdf", "profile-compare", "locator", "profile-trends", *DETAIL}


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def walk(component):
    """Every component of a Dash tree, in document order."""
    if isinstance(component, list | tuple):
        for c in component:
            yield from walk(c)
    elif hasattr(component, "to_plotly_json"):
        yield component
        yield from walk(getattr(component, "children", None))


def text(component) -> str:
    """The text of a component and its descendants."""
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return "".join(text(c) for c in component)
    return text(getattr(component, "children", None) or "")


def sections(layout) -> dict[str, html.Section]:
    return {s.id: s for s in walk(layout) if isinstance(s, html.Section) and s.id in DETAIL | {"block-model"}}


def classes(component) -> str:
    return getattr(component, "className", None) or ""


def fold_line(section) -> str:
    return next(c.children for c in walk(section) if "fold-line" in classes(c).split())


def number(line: str, word: str) -> int:
    """The count before ``word`` in a fold's line ('60\u00a0mesures' → 60)."""
    return int(re.search(rf"(\d+)\u00a0{word}", line)[1])


@pytest.mark.parametrize("key", PROFILES)
def test_key_findings_first_then_every_detail_section_closed(obs, key):
    layout = page.layout(obs, key, "fr")
    children = layout.children
    ids = [getattr(c, "id", None) for c in children]
    assert ids.index("profile-title") + 1 == ids.index("key-findings")  # the answer right under the title
    assert not any(isinstance(c, html.Details) for c in walk(children[ids.index("key-findings")]))  # never folded
    found = sections(layout)
    assert DETAIL <= set(found)
    assert ("block-model" in found) == (key in ("42218", "244200770"))  # a commune shows its EPCI's model
    for sid, section in found.items():
        assert ids.index(sid) > ids.index("key-findings"), sid
        details = section.children
        assert isinstance(details, html.Details) and not getattr(details, "open", None), sid  # closed
        summary = details.children[0]
        assert isinstance(summary, html.Summary), sid
        assert any(isinstance(c, html.H2) for c in summary.children), sid  # its title
        assert fold_line(section).strip(), sid  # and what it holds
    assert KEPT_IDS <= {getattr(c, "id", None) for c in walk(layout)}
    button = next(c for c in walk(layout) if getattr(c, "id", None) == EXPAND_ALL)
    assert button.children == "Tout déplier" and getattr(button, "aria-expanded") == "false"
    bar = next(i for i, c in enumerate(children) if EXPAND_ALL in {getattr(x, "id", None) for x in walk(c)})
    assert bar < min(ids.index(s) for s in found)


@pytest.mark.parametrize("key", ["42", "244200770", "42218"])
def test_fold_lines_count_what_the_sections_show(obs, key):
    layout = page.layout(obs, key, "fr")
    found = sections(layout)
    kf = pv.profile_model(obs, pv.resolve(obs, key))[1].findings
    stated = [f for f in kf.tests if KeyFindings.is_stated(f)]
    for sid, indicator in BLOCKS.items():
        line = fold_line(found[sid])
        rows = [r for r in walk(found[sid]) if isinstance(r, html.Tr) and classes(r).startswith("reliability-")]
        assert number(line, "mesures?") == len(rows), (sid, line)
        assert number(line, "fiables?") == sum(classes(r) == "reliability-ok" for r in rows), (sid, line)
        cells = {
            (f.survey, f.measure, f.statistic)
            for f in stated
            if f.indicator == indicator and f.versus != "previous_wave"
        }
        assert number(line, "écarts? significatifs?") == len(cells), (sid, line)
        captions = [text(c) for c in walk(found[sid]) if isinstance(c, html.Caption)]
        assert line.split("·")[0].strip().lower() == ", ".join(c.split(",")[0] for c in captions).lower(), (sid, line)
    trends = fold_line(found["trends"])
    panels = [c for c in walk(found["trends"]) if isinstance(c, html.Img)]
    assert number(trends, "graphiques?") == len(panels) > 0
    changed = {(f.survey, f.measure, f.statistic) for f in stated if f.versus == "previous_wave"}
    assert number(trends, "évolutions? significatives?") == len(changed)
    initiatives = fold_line(found["initiatives"])
    items = [c for c in walk(found["initiatives"]) if isinstance(c, html.Li)]
    local = [c for c in walk(found["initiatives"]) if isinstance(c, html.Ul) and "local" in classes(c)]
    own = len(local[0].children) if local else 0
    assert number(initiatives, "initiatives? du territoire") == own
    assert number(initiatives, "programmes? nationa") == len(items) - own
    if "block-model" in found:
        model = fold_line(found["block-model"])
        body = next(c for c in walk(found["block-model"]) if isinstance(c, html.Tbody))
        assert number(model, "mesures?") == len(body.children)


def test_english_profile_folds_in_english(obs):
    layout = page.layout(obs, "42", "en")
    button = next(c for c in walk(layout) if getattr(c, "id", None) == EXPAND_ALL)
    assert button.children == "Expand all" and getattr(button, "data-close-label") == "Collapse all"
    line = fold_line(sections(layout)["block-fragilite"])
    assert re.fullmatch(
        r"Citizens, companies, associations\s· \d+\u00a0measures, \d+\u00a0reliable\s· \d+\u00a0significant differences?",
        line,
    ), line
    assert "mesure" not in line and "écart" not in line


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (0, "0\u00a0écart", "0\u00a0differences"),
        (1, "1\u00a0écart", "1\u00a0difference"),
        (2, "2\u00a0écarts", "2\u00a0differences"),
    ],
)
def test_counts_agree_with_their_noun_in_each_language(n, fr, en):
    """French takes the singular for 0 and 1, English only for 1."""
    from observatory.ui.pages import profile_folds as folds

    assert folds.counted(n, "écart", "écarts", "difference", "differences", "fr") == fr
    assert folds.counted(n, "écart", "écarts", "difference", "differences", "en") == en
