"""A zone's model figure: its EPCIs' model estimates weighted by its communes' population, with an
interval from the bound √MSE ≤ Σ wₑ √MSEₑ that holds whatever the EPCIs' errors' correlation.

Checked against the stored model (read here from the database, not through the code under test), on
whole EPCIs, and by simulation on a known truth: the bound's interval covers at least 95 % whatever
the correlation of the errors (exactly 95 % when they are perfectly correlated).
"""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.views import zone_model as zm

Z95 = 1.959963984540054


@pytest.mark.parametrize("rho", [1.0, 0.5, 0.0, -0.3])
def test_the_bound_covers_whatever_the_correlation(rho):
    rng = np.random.default_rng(11)
    k = 4
    weights = pd.Series([0.4, 0.3, 0.2, 0.1], index=[f"e{i}" for i in range(k)])
    se = np.array([0.30, 0.20, 0.50, 0.40])
    cov = np.full((k, k), rho) * np.outer(se, se)
    np.fill_diagonal(cov, se**2)
    cov = cov + 1e-12 * np.eye(k)  # -0.3 with 4 areas stays positive definite
    truth = np.array([6.0, 5.5, 7.0, 4.0])
    target = float(weights.to_numpy() @ truth)
    errors = rng.multivariate_normal(np.zeros(k), cov, size=4000)
    # the code's interval on one draw, then the same arithmetic on every draw at once
    model = pd.DataFrame(
        {
            "territory_code": weights.index,
            "measure": "m",
            "statistic": "mean_score",
            "estimate": truth + errors[0],
            "se": se,
        }
    )
    row = zm._combine(model, weights).iloc[0]
    w = weights.to_numpy()
    assert row["model_estimate"] == pytest.approx(w @ (truth + errors[0]), rel=1e-12)
    assert row["model_ci_high"] - row["model_estimate"] == pytest.approx(Z95 * (w @ se), rel=1e-9)
    estimates = (truth + errors) @ w
    covered = int((np.abs(estimates - target) <= Z95 * (w @ se)).sum())
    coverage = covered / len(errors)
    assert coverage >= 0.94  # 4,000 draws: 0.95 within 0.007 (2 sd) when rho = 1
    if rho < 1:
        assert coverage > 0.96  # the bound is wider than the truth unless the errors move together


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db))


def stored_model(demo_db, epcis: list[str], survey: str, wave: int) -> pd.DataFrame:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute(
            "SELECT territory_code, measure, statistic, estimate, se FROM sae_estimates WHERE indicator = 'fragility' "
            f"AND survey = ? AND wave = ? AND sae_status IN ('model', 'model_adjusted', 'synthetic') "
            f"AND territory_code IN ({', '.join('?' for _ in epcis)})",
            [survey, wave, *epcis],
        ).df()


def communes_of(demo_db, epcis: list[str]) -> pd.DataFrame:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute(
            f"SELECT code, epci_code, population FROM territories WHERE level = 'commune' "
            f"AND epci_code IN ({', '.join('?' for _ in epcis)})",
            epcis,
        ).df()


def test_a_whole_epci_gives_its_own_model_figure(obs, demo_db):
    epci = "244200770"
    wave = obs.waves("citoyens")[-1]
    codes = tuple(communes_of(demo_db, [epci])["code"])
    ours = zm.zone_model(obs, codes, [("fragility", "citoyens", wave)]).set_index(["measure", "statistic"])
    stored = stored_model(demo_db, [epci], "citoyens", wave).set_index(["measure", "statistic"])
    both = ours.join(stored, how="inner")
    assert len(both) > 30
    np.testing.assert_allclose(both["model_estimate"], both["estimate"], rtol=1e-12)
    np.testing.assert_allclose(both["model_rmse_bound"], both["se"], rtol=1e-12)
    scores = both.xs("mean_score", level="statistic")
    np.testing.assert_allclose(scores["model_ci_high"] - scores["model_ci_low"], 2 * Z95 * scores["se"], rtol=1e-9)


def test_two_epcis_are_weighted_by_the_zones_population(obs, demo_db):
    epcis = ["244200770", "244200614"]
    wave = obs.waves("entreprises")[-1]
    communes = communes_of(demo_db, epcis)
    assert set(communes["epci_code"]) == set(epcis)
    w = communes.groupby("epci_code")["population"].sum()
    w = w / w.sum()
    stored = stored_model(demo_db, epcis, "entreprises", wave)
    expected = (
        stored.assign(w=stored["territory_code"].map(w))
        .assign(we=lambda d: d["w"] * d["estimate"], ws=lambda d: d["w"] * d["se"])
        .groupby(["measure", "statistic"])[["we", "ws"]]
        .sum()
    )
    ours = zm.zone_model(obs, tuple(communes["code"]), [("fragility", "entreprises", wave)])
    ours = ours.set_index(["measure", "statistic"]).join(expected, how="inner")
    assert len(ours) > 30 and (ours["model_epcis"] == 2).all()
    np.testing.assert_allclose(ours["model_estimate"], ours["we"], rtol=1e-12)
    np.testing.assert_allclose(ours["model_rmse_bound"], ours["ws"], rtol=1e-12)
