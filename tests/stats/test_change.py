"""Change between two waves: the difference, its standard error and test, against an independent
computation, and the suppression rule.

The reference does not assume that the waves are independent: it linearises the difference of
the two weighted means on the pooled respondents of both waves (the linearised variable is
+w(y − R)/W for the later wave, −w(y − R)/W for the earlier one) and takes its stratified
with-replacement variance, strata = wave × stratum. Independence then follows from the design,
so the reference must equal √(se₁² + se₂²). The per-wave SEs are also checked against samplics.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from observatory.stats import Query, StatsEngine
from observatory.stats.change import change, compare_waves
from tests.conftest import ENGINES, stats_engine
from tests.stats.test_taylor_vs_samplics import samplics_by_domain


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, demo_db, tmp_path_factory) -> StatsEngine:
    return stats_engine(request, demo_db, tmp_path_factory)


def _pooled(demo_db, survey: str, waves: tuple[int, int], sql_y: str) -> pd.DataFrame:
    """Respondents of both waves (weight, stratum, territory codes) with y (NULL outside the domain)."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute(
            f"SELECT r.wave, r.respondent_id, r.weight, coalesce(r.stratum, '__all__') AS stratum, "
            f"r.region_code, r.departement_code, y.y FROM respondents r LEFT JOIN ({sql_y}) y "
            f"USING (wave, survey, respondent_id) WHERE r.survey = ? AND r.wave IN (?, ?)",
            [survey, *waves],
        ).df()


def reference_change(frame: pd.DataFrame, level_col: str, waves: tuple[int, int]) -> pd.DataFrame:
    """Difference and SE by pooled linearisation (see the module docstring), per territory."""
    rows = []
    strata = frame["wave"].astype(str) + "|" + frame["stratum"]
    for code, _ in frame.groupby(level_col):
        inside = (frame[level_col] == code) & frame["y"].notna()
        u = np.zeros(len(frame))
        estimates = {}
        for wave, sign in ((waves[0], -1.0), (waves[1], 1.0)):
            sel = (inside & (frame["wave"] == wave)).to_numpy()
            w, y = frame["weight"].to_numpy()[sel], frame["y"].to_numpy(float)[sel]
            big_w = w.sum()
            r = (w * y).sum() / big_w
            estimates[wave] = r
            u[sel] = sign * w * (y - r) / big_w
        var = 0.0
        for _, idx in pd.Series(np.arange(len(frame))).groupby(strata.to_numpy()):
            uh = u[idx.to_numpy()]
            nh = len(uh)
            if nh > 1:
                var += nh / (nh - 1) * ((uh - uh.mean()) ** 2).sum()
        rows.append((code, estimates[waves[1]] - estimates[waves[0]], np.sqrt(var)))
    return pd.DataFrame(rows, columns=["territory_code", "difference", "se"]).set_index("territory_code")


CASES = [
    # survey, indicator, measure, statistic, waves, y (SQL over the survey tables), level
    ("citoyens", "innovation", "alliances_innovation", "share", (2015, 2019),
     "SELECT wave, survey, respondent_id, CAST(alliances_innovation AS DOUBLE) AS y FROM opinions", "region"),
    ("citoyens", "fragility", "emploi", "mean_score", (2015, 2019),
     "SELECT wave, survey, respondent_id, CAST(score AS DOUBLE) AS y FROM fragility WHERE domain = 'emploi'",
     "departement"),
    ("elus", "innovation", "alliances_innovation", "share", (2016, 2024),
     "SELECT wave, survey, respondent_id, CAST(alliances_innovation AS DOUBLE) AS y FROM opinions", "region"),
    ("entreprises", "partnerships", "partner", "share", (2015, 2020),
     "SELECT wave, survey, respondent_id, CAST(partner AS DOUBLE) AS y FROM partnerships", "region"),
]  # fmt: skip


@pytest.mark.parametrize("survey,indicator,measure,statistic,waves,sql_y,level", CASES)
def test_change_matches_pooled_linearisation(
    engine, demo_db, survey, indicator, measure, statistic, waves, sql_y, level
):
    ours = change(engine, Query(indicator, waves[0], survey, level, (measure,)), waves[1], min_n=1)
    ours = ours[(ours.statistic == statistic) & (ours.reliability != "suppressed")].set_index("territory_code")
    frame = _pooled(demo_db, survey, waves, sql_y)
    ref = reference_change(frame, f"{level}_code", waves).loc[ours.index]
    assert len(ours) >= 13
    np.testing.assert_allclose(ours["difference"], ref["difference"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["se"], ref["se"], rtol=1e-9)
    # the test and the CI follow from them
    z = ref["difference"] / ref["se"]
    np.testing.assert_allclose(ours["p_value"], 2 * norm.sf(np.abs(z)), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours["ci_low"], ref["difference"] - 1.959964 * ref["se"], atol=1e-6)
    expected = np.where(
        ours["p_value"] < 0.05, np.where(ref["difference"] > 0, "increase", "decrease"), "not_significant"
    )
    assert (ours["significance"].to_numpy() == expected).all()


def test_per_wave_standard_errors_match_samplics(engine, demo_db):
    frame = _pooled(demo_db, "citoyens", (2015, 2019), CASES[0][5])
    ours = change(engine, Query("innovation", 2015, "citoyens", "region", ("alliances_innovation",)), 2019, min_n=1)
    ours = ours[ours.reliability != "suppressed"].set_index("territory_code")
    se2 = []
    for wave in (2015, 2019):
        part = frame[frame.wave == wave].reset_index(drop=True)
        y = part.set_index("respondent_id")["y"]
        se2.append(samplics_by_domain(part, y, part["region_code"])["se"] ** 2)
    combined = np.sqrt(se2[0] + se2[1]).loc[ours.index]
    np.testing.assert_allclose(ours["se"], combined, rtol=1e-6)


def test_national_change_of_published_items_is_significant(engine):
    """Citizens 69 → 74 % and mayors 87 → 92 % (published): the sample shows both as real increases."""
    for survey, waves in (("citoyens", (2015, 2019)), ("elus", (2016, 2020))):
        t = change(engine, Query("innovation", waves[0], survey, "france", ("alliances_innovation",)), waves[1])
        row = t.iloc[0]
        assert row.significance == "increase", row
        assert row.ci_low < 0.05 < row.ci_high or abs(row.difference - 0.05) < 3 * row.se


def _cells(estimates, reliabilities, ses, wave):
    n = len(estimates)
    return pd.DataFrame(
        {
            "indicator": "fragility", "wave": wave, "survey": "citoyens", "level": "region", "size_class": None,
            "territory_code": [f"T{i}" for i in range(n)], "territory_name": [f"T{i}" for i in range(n)],
            "measure": "emploi", "statistic": "mean_score", "estimate": estimates, "se": ses, "n": 50,
            "reliability": reliabilities,
        }
    )  # fmt: skip


def test_suppressed_in_either_wave_means_no_change_value():
    before = _cells([5.0, 5.0, np.nan, 5.0], ["ok", "ok", "suppressed", "low"], [0.1, 0.1, np.nan, 0.1], 2015)
    after = _cells([5.5, np.nan, 5.0, 5.05], ["ok", "suppressed", "ok", "ok"], [0.1, np.nan, 0.1, 0.1], 2019)
    t = compare_waves(before, after).set_index("territory_code")
    assert t.loc["T0", "reliability"] == "ok" and t.loc["T0", "significance"] == "increase"
    assert t.loc["T0", "difference"] == pytest.approx(0.5)
    assert t.loc["T0", "se"] == pytest.approx(np.sqrt(0.02))
    for code in ("T1", "T2"):
        assert t.loc[code, "reliability"] == "suppressed"
        assert t.loc[code, ["difference", "se", "ci_low", "ci_high", "p_value"]].isna().all()
        assert t.loc[code, "significance"] == "not_tested"
    assert t.loc["T3", "reliability"] == "low" and t.loc["T3", "significance"] == "not_significant"


def test_same_wave_twice_is_refused(engine):
    from observatory.stats import InvalidQuery

    with pytest.raises(InvalidQuery):
        change(engine, Query("innovation", 2015, "citoyens", "region"), 2015)
