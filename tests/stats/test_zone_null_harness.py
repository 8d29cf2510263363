"""The harness of benchmarks/zone_null.py: its random zones, and the permutation it reuses.

The zones must be valid sets of communes of the kind said, the same for a seed whatever the order
of the input rows; the permutation (:func:`benchmarks.portrait_null.permute`) must only move answers
between respondents of one survey and wave. On hand-made frames and the small survey database.
"""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from benchmarks.portrait_null import ANSWER_TABLES, permute
from benchmarks.zone_null import KINDS, SIZES, DrawnZone, draw_zones, zone_row
from observatory.views.zone_findings import ZoneFinding


def _geography() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three départements of 40, 150 and 300 communes, EPCIs of 10, cantons of 15, constituencies of 50."""
    rows = [
        (f"{d}{i:03d}", d, f"E{d}{i // 10:02d}")
        for d, size in (("01", 40), ("02", 150), ("03", 300))
        for i in range(size)
    ]
    communes = pd.DataFrame(rows, columns=["code", "departement_code", "epci_code"])
    zonings = pd.concat(
        [
            communes.assign(kind=kind, zoning_code=[f"{kind[:2]}{c[:2]}{int(c[2:]) // size}" for c in communes["code"]])
            for kind, size in (("canton", 15), ("circonscription", 50))
        ]
    )
    return communes, zonings[["kind", "zoning_code", "departement_code", "code"]].rename(
        columns={"code": "commune_code"}
    )


def test_zones_are_valid_sets_of_communes_of_their_kind():
    communes, zonings = _geography()
    zones = draw_zones(communes, zonings, 40, seed=3)
    assert [z.kind for z in zones] == [KINDS[i % len(KINDS)] for i in range(40)]
    dep_of = communes.set_index("code")["departement_code"]
    epci_of = communes.set_index("code")["epci_code"]
    for z in zones:
        assert z.codes == tuple(sorted(set(z.codes))) and set(z.codes) <= set(dep_of.index), z
        deps = set(dep_of[list(z.codes)])
        low, high = SIZES[z.kind]
        if z.kind == "epcis":  # whole EPCIs, anywhere
            epcis = set(epci_of[list(z.codes)])
            assert low <= len(epcis) <= high and set(epci_of[epci_of.isin(epcis)].index) == set(z.codes), z
        elif z.kind == "communes":  # one département with at least twice the minimum, at most half of it
            (dep,) = deps
            assert dep != "01" and low <= len(z.codes) <= min(high, (dep_of == dep).sum() // 2), z
        else:  # whole cantons or constituencies of one département
            units = set(zonings[zonings["commune_code"].isin(z.codes) & (zonings["kind"] == z.kind)]["zoning_code"])
            members = zonings[(zonings["kind"] == z.kind) & zonings["zoning_code"].isin(units)]["commune_code"]
            assert len(deps) == 1 and low <= len(units) <= high and set(members) == set(z.codes), z


def test_zones_depend_on_the_seed_only():
    communes, zonings = _geography()
    first = draw_zones(communes, zonings, 12, seed=5)
    shuffled = draw_zones(communes.sample(frac=1, random_state=1), zonings.sample(frac=1, random_state=2), 12, seed=5)
    assert first == shuffled
    assert first != draw_zones(communes, zonings, 12, seed=6)


def test_kinds_without_data_are_skipped():
    communes, _ = _geography()
    zones = draw_zones(
        communes, pd.DataFrame(columns=["kind", "zoning_code", "departement_code", "commune_code"]), 4, 1
    )
    assert [z.kind for z in zones] == ["epcis", "communes", "epcis", "communes"]


def _finding(versus: str, p: float, direction: str, adjusted: float) -> ZoneFinding:
    return ZoneFinding(
        versus, direction, "fragility", "citoyens", 2019, "emploi", "mean_score", 5.0, 4.0, 6.0, 100, "ok", p,
        4.5, 4.0, 5.0, p_adjusted=adjusted, departement="42" if versus == "parent" else None,
    )  # fmt: skip


def test_a_zone_row_counts_each_comparison_under_both_rules():
    tests = (
        _finding("france", 0.001, "above", 0.01),
        _finding("france", 0.04, "below", 0.2),
        _finding("parent", 0.03, "above", 0.2),
        _finding("parent", 0.5, "not_significant", 0.6),
        _finding("previous_wave", 0.001, "increase", 0.01),
    )
    stated = [f for f in tests if f.p_adjusted < 0.05]
    row = zone_row(DrawnZone("epcis", "E1", ("01001",)), "abc", tests, stated)
    assert (row["france_tests"], row["france_fdr"], row["france_raw"]) == (2, 1, 2)
    assert (row["departement_tests"], row["departement_fdr"], row["departement_raw"]) == (2, 0, 1)
    assert (row["territorial_tests"], row["territorial_fdr"], row["territorial_raw"]) == (4, 1, 3)
    assert (row["previous_wave_tests"], row["previous_wave_fdr"], row["previous_wave_raw"]) == (1, 1, 1)
    assert row["stated"] == [["france", None, "fragility", "citoyens", "emploi", "mean_score"]]


def _snapshot(db) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in ("respondents", *ANSWER_TABLES, "mayor_roles")}


def _counts(frame: pd.DataFrame) -> dict:
    return frame.groupby(["survey", "wave"]).size().to_dict()


@pytest.fixture(scope="module")
def permuted(survey_db, tmp_path_factory):
    """The small survey database's tables before and after the permutation (of a copy)."""
    db = tmp_path_factory.mktemp("permuted") / "observatory.duckdb"
    shutil.copy(survey_db, db)
    permute(db, seed=1)
    return _snapshot(survey_db), _snapshot(db)


def test_the_permutation_moves_answers_within_each_survey_and_wave(permuted):
    before, after = permuted
    pd.testing.assert_frame_equal(before["respondents"], after["respondents"])
    ids = before["respondents"].groupby(["survey", "wave"])["respondent_id"].apply(set).to_dict()
    for table in ANSWER_TABLES:
        b, a = before[table], after[table]
        assert _counts(b) == _counts(a), table
        for (survey, wave), part in a.groupby(["survey", "wave"]):
            assert set(part["respondent_id"]) <= ids[(survey, wave)], table
        # the same answers, given to other respondents: every column but the id unchanged as a multiset
        rest = [c for c in b.columns if c != "respondent_id"]
        pd.testing.assert_frame_equal(
            b[rest].sort_values(rest, ignore_index=True), a[rest].sort_values(rest, ignore_index=True), obj=table
        )
    moved = before["fragility"].merge(after["fragility"], on=["survey", "wave", "respondent_id", "domain"], how="left")
    assert np.mean(moved["score_x"] != moved["score_y"]) > 0.3  # the answers did move


def test_a_mayors_roles_move_with_the_mayors_answers(permuted):
    _before, after = permuted
    mayors = after["mayors"].dropna(subset=["q8"])
    said = {(r.wave, r.respondent_id): set(r.q8.split(";")) - {"aucun_role"} for r in mayors.itertuples()}
    held = after["mayor_roles"].groupby(["wave", "respondent_id"])["role"].apply(lambda s: set(s) - {"aucun_role"})
    assert all(held.get(key, set()) == roles for key, roles in said.items())
