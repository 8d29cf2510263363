"""The key-findings block (observatory/views/findings_blocks.py), from hand-made estimate rows.

The rows are made by hand (tests/views/portrait_rows.py); what the block must say is worked out from them: which tests survive
Benjamini–Hochberg (computed by hand in each test's comment), which cell is stated against both
rests the same way, and how many low-reliability cells show an apparent difference (audit E12).
"""

from __future__ import annotations

import re

import pytest

from observatory.views import portrait
from observatory.views.findings_blocks import findings_block
from tests.views.portrait_rows import CELLS, LOW_ONLY, rows

PARENT = {"fr": "région (Bretagne)", "en": "Bretagne"}
JARGON = ("disjoint", "non retenue", "not stated here", "différence(s)", "difference(s)", "cellule", " cell")


def block(cells=CELLS, lang="fr"):
    kf = portrait.key_findings(rows(cells), None, None)
    return kf, findings_block(kf, "Finistère", "departement", PARENT[lang], lang)


def all_text(b) -> list[str]:
    return [b.headline, b.family, *(n.text for n in b.notes)] + [
        t for g in b.groups for t in (g.heading, *(s.text for s in g.statements), *(n.text for n in g.notes))
    ]


def test_a_cell_stated_against_both_rests_the_same_way_is_said_once():
    # Four reliable tests (emploi and sante, each against both rests): p 0.001, 0.002, 0.003, 0.5.
    # Benjamini–Hochberg at 5 % over 4: 0.001 ≤ 0.0125, 0.002 ≤ 0.025, 0.003 ≤ 0.0375 are stated.
    kf, b = block()
    assert kf.family == 4 and kf.stated == 3  # both tests of emploi stay in the family, each stated
    emploi = [t for t in kf.tests if t.measure == "emploi"]
    assert sorted(t.p_value for t in emploi) == [0.001, 0.002] and all(kf.is_stated(t) for t in emploi)
    said = [s for s in b.statements() if s.finding.measure == "emploi"]
    assert len(said) == 1  # not repeated under the parent's heading
    [s] = said
    assert (s.finding.versus, s.joint.versus) == ("france", "parent")
    assert s.text.count("Emploi") == 1
    assert "au reste de la France" in s.text and "au reste de la région (Bretagne)" in s.text
    assert s.attributes()["data-p-value"] == repr(0.001) and s.attributes()["data-also-p-value"] == repr(0.002)
    groups = {g.versus: g for g in b.groups}
    assert [s.finding.measure for s in groups["parent"].statements] == ["sante"]
    assert [f.measure for f in kf.shown("parent")] == ["sante"] and kf.more("parent") == 0
    _kf, en = block(lang="en")
    [s_en] = [s for s in en.statements() if s.finding.measure == "emploi"]
    assert "the rest of France" in s_en.text and "the rest of Bretagne" in s_en.text


def test_a_cell_stated_against_the_two_rests_in_opposite_ways_is_said_under_each():
    cells = [("emploi", 7.0, 200, "ok", ("above", 0.001), ("below", 0.002)), *CELLS[1:]]
    _kf, b = block(cells)
    groups = {g.versus: [s.finding.measure for s in g.statements] for g in b.groups}
    assert groups["france"] == ["emploi"] and groups["parent"] == ["emploi", "sante"]
    assert not any(s.joint for s in b.statements())


def test_a_parent_with_nothing_besides_the_joint_statements_says_so():
    cells = [CELLS[0], ("sante", 5.0, 200, "ok", ("not_significant", 0.5), ("not_significant", 0.4)), CELLS[2]]
    _kf, b = block(cells)
    parent = next(g for g in b.groups if g.versus == "parent")
    assert parent.statements == ()
    kinds = [n.kind for n in parent.notes]
    assert "besides" in kinds and "none" not in kinds  # it has one difference: said above, with France's
    assert "ci-dessus" in next(n.text for n in parent.notes if n.kind == "besides")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_block_speaks_plainly(lang):
    """Audit E12: no '95 % intervals disjoint', no 'différence(s) … non retenues ici', no bare 'sur 2'."""
    _kf, b = block(lang=lang)
    for text in all_text(b):
        assert not any(word in text for word in JARGON), text
    # the headline says what the count is: the reliable cells compared (emploi and sante)
    assert not re.search(r"(sur|of) \d+\s*[.;]", b.headline), b.headline
    compared = "sur 2 indicateurs assez fiables pour être comparés" if lang == "fr" else "of 2 indicators reliable"
    assert compared in b.headline
    # logement, of low reliability, differs from both rests: an apparent difference under each, to confirm
    apparent = [n.text for g in b.groups for n in g.notes if n.kind == "apparent"]
    assert len(apparent) == 2 and all(t.startswith("1 ") for t in apparent)
    assert all(("à confirmer" if lang == "fr" else "to be confirmed") in t for t in apparent)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_nothing_reliable_but_apparent_differences_is_a_middle_ground_not_a_finding(lang):
    kf, b = block(LOW_ONLY, lang)
    assert kf.stated == 0 and kf.family == 0
    assert b.statements() == [] and b.groups == ()  # nothing is stated
    [note] = b.notes
    assert note.kind == "apparent"
    if lang == "fr":  # two cells differ from the rest of France, one from the rest of the parent
        assert "2 avec le reste de la France" in note.text and "1 avec le reste de la région (Bretagne)" in note.text
        assert "à confirmer par une enquête plus large" in note.text and "pas des constats" in note.text
    else:
        assert "2 with the rest of France" in note.text and "1 with the rest of Bretagne" in note.text
        assert "to be confirmed by a larger survey" in note.text and "not findings" in note.text
    assert not b.family  # no family of tests to speak of


def test_no_parent_no_parent_group():
    kf = portrait.key_findings(rows(), None, None)
    b = findings_block(kf, "Bretagne", "region", None, "fr")
    assert [g.versus for g in b.groups] == ["france", "previous_wave"]
    assert not any(s.joint for s in b.statements())
