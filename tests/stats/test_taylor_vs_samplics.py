"""Every kind of estimate and its standard error against samplics' TaylorEstimator.

The reference side is computed from the raw contract tables in pandas (not from the database),
then handed to samplics with the same strata and weights, each territory as a domain of the
whole sample of its survey and wave (domain "__out__" for the respondents outside).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from observatory.data.db import Database
from observatory.stats import Query, StatsEngine

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam, SinglePSUEst

from tests.conftest import ENGINES, MINI_COMMUNES, stats_engine

PARENTS = pd.DataFrame(MINI_COMMUNES, columns=["commune_code", "epci_code", "departement_code", "region_code"])
VITAL = ["emploi", "pouvoir_achat", "logement", "sante", "securite"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, survey_db, tmp_path_factory) -> StatsEngine:
    return stats_engine(request, survey_db, tmp_path_factory)


def samplics_by_domain(resp: pd.DataFrame, y: pd.Series, domain: pd.Series, single_psu=None) -> pd.DataFrame:
    """samplics mean of y by domain over the whole sample ``resp`` (y indexed by respondent_id)."""
    inside = resp["respondent_id"].map(y.notna().groupby(level=0).any()).fillna(False).to_numpy(bool)
    # samplics divides by the mean (for its CV) and fails on a 0 mean: estimate y + 1 (same SE)
    # and subtract 1. Outside the domain y is irrelevant to the domain estimates.
    yy = resp["respondent_id"].map(y + 1.0).fillna(1.0).to_numpy(float)
    dom = np.where(inside & domain.notna().to_numpy(), domain.fillna("__out__").to_numpy(object), "__out__")
    est = TaylorEstimator(PopParam.mean)
    kwargs = {"single_psu": single_psu} if single_psu is not None else {}
    est.estimate(
        y=yy,
        samp_weight=resp["weight"].to_numpy(float),
        stratum=resp["stratum"].to_numpy(object),
        psu=resp["respondent_id"].to_numpy(object),
        domain=dom,
        **kwargs,
    )
    out = pd.DataFrame({"estimate": pd.Series(est.point_est) - 1.0, "se": pd.Series(est.stderror)})
    return out.drop(index="__out__", errors="ignore")


def _resp(tables, survey: str, wave: int) -> pd.DataFrame:
    r = tables["respondents"]
    r = r[(r.survey == survey) & (r.wave == wave)].merge(PARENTS, on="commune_code", how="left")
    return r.reset_index(drop=True)


def _compare(engine, query: Query, resp, y: pd.Series, level_col: str, statistic: str, measure: str):
    ours = engine.estimate(query, min_n=1)
    ours = ours[(ours.measure == measure) & (ours.statistic == statistic) & (ours.n > 0)].set_index("territory_code")
    ref = samplics_by_domain(resp, y, resp[level_col] if level_col != "FR" else pd.Series("FR", index=resp.index))
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    np.testing.assert_allclose(ours["estimate"], ref["estimate"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["se"], ref["se"], rtol=1e-6)


@pytest.mark.parametrize(
    "level,col",
    [("departement", "departement_code"), ("region", "region_code"), ("epci", "epci_code"), ("france", "FR")],
)
@pytest.mark.parametrize("statistic", ["mean_score", "priority_share"])
def test_fragility_domain(engine, survey_tables, level, col, statistic):
    resp = _resp(survey_tables, "citoyens", 2015)
    f = survey_tables["fragility"]
    f = f[(f.domain == "emploi") & f.respondent_id.isin(resp.respondent_id)].set_index("respondent_id")["score"]
    y = f.astype(float) if statistic == "mean_score" else (f >= 7).astype(float)
    _compare(engine, Query("fragility", 2015, "citoyens", level, ("emploi",)), resp, y, col, statistic, "emploi")


@pytest.mark.parametrize("measure,members", [("vital", VITAL), ("composite", None)])
def test_fragility_espace_and_composite(engine, survey_tables, measure, members):
    resp = _resp(survey_tables, "entreprises", 2015)
    f = survey_tables["fragility"]
    f = f[f.respondent_id.isin(resp.respondent_id)]
    if members:
        f = f[f.domain.isin(members)]
    y = f.groupby("respondent_id")["score"].mean()
    _compare(
        engine,
        Query("fragility", 2015, "entreprises", "departement", (measure,)),
        resp,
        y,
        "departement_code",
        "mean_score",
        measure,
    )


def test_partnership_share_among_partners_with_size_class(engine, survey_tables):
    resp = _resp(survey_tables, "associations", 2015)
    p = survey_tables["partnerships"].set_index("respondent_id")
    employer = resp.set_index("respondent_id")["size_class"] == "employeur"
    keep = p.index.isin(employer[employer].index) & (p["partner"] == 1)
    y = p.loc[keep, "mecenat"].astype(float)
    q = Query("partnerships", 2015, "associations", "region", ("mecenat",), size_class="employeur")
    _compare(engine, q, resp, y, "region_code", "share_among_partners", "mecenat")


def test_partner_share(engine, survey_tables):
    resp = _resp(survey_tables, "entreprises", 2015)
    p = survey_tables["partnerships"].set_index("respondent_id")
    y = p.loc[p.index.isin(resp.respondent_id), "partner"].astype(float)
    _compare(
        engine,
        Query("partnerships", 2015, "entreprises", "departement", ("partner",)),
        resp,
        y,
        "departement_code",
        "share",
        "partner",
    )


@pytest.mark.parametrize("measure", ["q4_oui", "ne_sait_pas", "financer_ingenierie", "aucun_role"])
def test_mayors(engine, survey_tables, measure):
    resp = _resp(survey_tables, "elus", 2016)
    m = survey_tables["mayors"].set_index("respondent_id")
    if measure == "q4_oui":
        y = m["q4"].isin(["oui_tout_a_fait", "oui_plutot"]).astype(float)
    elif measure == "ne_sait_pas":
        y = (m["q4"] == measure).astype(float)
    else:
        y = m["q8"].str.split(";").apply(lambda roles: measure in roles).astype(float)
    _compare(engine, Query("mayors", 2016, "elus", "region", (measure,)), resp, y, "region_code", "share", measure)


def test_rest_of_france_matches_samplics_complement(engine, survey_tables):
    """The complement estimate and SE used by the significance test, for every département."""
    resp = _resp(survey_tables, "citoyens", 2015)
    f = survey_tables["fragility"]
    y = (
        f[(f.domain == "securite") & f.respondent_id.isin(resp.respondent_id)]
        .set_index("respondent_id")["score"]
        .astype(float)
    )
    ours = engine.estimate(Query("fragility", 2015, "citoyens", "departement", ("securite",)), min_n=1)
    ours = ours[(ours.statistic == "mean_score") & (ours.n > 0)]
    for row in ours.itertuples():
        split = pd.Series(np.where(resp.departement_code == row.territory_code, "in", "rest"), index=resp.index)
        ref = samplics_by_domain(resp, y, split)
        assert row.estimate_rest == pytest.approx(ref.loc["rest", "estimate"], abs=1e-9)
        z = (row.estimate - ref.loc["rest", "estimate"]) / np.hypot(ref.loc["in", "se"], ref.loc["rest", "se"])
        assert row.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-6)


def test_single_respondent_stratum_contributes_no_variance(tmp_path, mini_db_template):
    """A stratum with one respondent adds nothing to the variance (samplics: 'skip')."""
    import shutil

    from etl.load import load_dataset
    from tests.conftest import random_survey, write_dataset

    tables = random_survey(seed=11, n=400)
    r = tables["respondents"]
    lone = r.index[r.survey == "citoyens"][0]
    r.loc[lone, "stratum"] = "LONE"
    db = tmp_path / "obs.duckdb"
    shutil.copy(mini_db_template, db)
    load_dataset(write_dataset(tables, tmp_path / "ds"), db)
    engine = StatsEngine(Database(db))
    resp = _resp(tables, "citoyens", 2015)
    f = tables["fragility"]
    y = (
        f[(f.domain == "emploi") & f.respondent_id.isin(resp.respondent_id)]
        .set_index("respondent_id")["score"]
        .astype(float)
    )
    ours = engine.estimate(Query("fragility", 2015, "citoyens", "region", ("emploi",)), min_n=1)
    ours = ours[(ours.statistic == "mean_score") & (ours.n > 0)].set_index("territory_code")
    ref = samplics_by_domain(resp, y, resp["region_code"], single_psu=SinglePSUEst.skip)
    np.testing.assert_allclose(ours.loc[ref.index, "se"], ref["se"], rtol=1e-6)
