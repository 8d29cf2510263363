"""The profile's tables say "significantly" only what the portrait's family of tests supports.

The columns "vs reste de la France" and "vs reste du territoire parent" give the decision of the
portrait's family under Benjamini–Hochberg at 5 %, recomputed here from the family's raw p-values
with statsmodels' own procedure (an independent implementation); a cell of low reliability is
outside the family and says so; the page, the downloads and the family agree row by row.
"""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from observatory.core import i18n
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.export import profile_tables
from observatory.views import profile as pv

KEYS = ["13", "23", "reg-84", "69123"]  # a département, one with no reliable cell, a région, a commune


@pytest.fixture(scope="module")
def obs(demo_db):
    import dataclasses

    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db))


def expected_decisions(kf) -> dict[tuple[str, str, str, str], str]:
    """(versus, survey, measure, statistic) → verdict, by statsmodels' BH over the family's raw p-values."""
    tests = list(kf.tests)
    p = [f.p_value if pd.notna(f.p_value) else 1.0 for f in tests]
    reject = multipletests(p, alpha=0.05, method="fdr_bh")[0] if tests else []
    return {
        (f.versus, f.survey, f.measure, f.statistic): (f.direction if r else "not_significant")
        for f, r in zip(tests, reject, strict=True)
        if f.source == "direct"
        and f.versus in ("france", "parent")
        and f.direction in ("above", "below", "not_significant")
    }


@pytest.mark.parametrize("key", KEYS)
def test_table_verdicts_are_the_familys(obs, key):
    t = pv.resolve(obs, key)
    rows, p = pv.profile_model(obs, t)
    expected = expected_decisions(p.findings)
    assert p.findings.family == len(p.findings.tests)
    checked = 0
    for block, _indicator, surveys, statistic in pv.BLOCKS:
        for survey, table, labels, stat, _title in pv.survey_tables(obs, rows, block, surveys, statistic, "fr"):
            view = pv.table_view(table, labels, stat, t, 30, "fr", None, None, pv.family_verdicts(p.findings, survey))
            for r, shown in zip(table.itertuples(), view.records, strict=True):
                if r.reliability == "suppressed":
                    continue
                for versus, column in (("france", "significance"), ("parent", "vs_parent")):
                    if column not in shown:
                        continue
                    want = expected.get((versus, survey, r.measure, r.statistic))
                    if want is None:
                        want = "not_tested_low" if r.reliability == "low" else getattr(r, column, None)
                        if want not in ("not_tested_low", "not_tested", None):
                            pytest.fail(f"{key} {survey} {r.measure}: a reliable tested cell outside the family")
                    if want is not None:
                        assert shown[column] == i18n.t(want, "fr"), (key, survey, r.measure, versus)
                        checked += 1
    assert checked > 20


def test_some_single_tests_are_no_longer_called_significant(obs):
    """Where the family changes the verdict: a raw 5 % test that BH does not keep, or a low cell."""
    changed = 0
    for key in KEYS:
        t = pv.resolve(obs, key)
        rows, p = pv.profile_model(obs, t)
        family = pv.with_family_verdicts(rows, p.findings)
        territory = rows["scope"] == "territory"
        raw = rows.loc[territory, "significance"].isin(["above", "below"])
        kept = family.loc[territory, "significance"].isin(["above", "below"])
        assert not (kept & ~raw).any()  # the family never makes a difference out of nothing
        changed += int((raw & ~kept).sum())
    assert changed > 0


def test_the_download_says_what_the_page_says(obs):
    t = pv.resolve(obs, "13")
    rows, p = pv.profile_model(obs, t)
    tables = profile_tables(obs, "departement", "13")
    csv = pd.concat([tables[b] for b in ("fragilite", "partenariats") if b in tables], ignore_index=True)
    terr = csv[csv["scope"] == "territory"]
    expected = pv.with_family_verdicts(rows, p.findings)
    expected = expected[(expected["scope"] == "territory") & expected["block"].isin(["fragilite", "partenariats"])]
    assert terr["significance"].tolist() == expected["significance"].tolist()
    assert "not_tested_low" not in set(terr["significance"])  # the file's vocabulary is the data package's
