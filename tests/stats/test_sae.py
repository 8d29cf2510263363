"""The small-area model (observatory.stats.sae) against samplics, scipy and a known truth; its exports.

- The numpy Fay–Herriot fit equals samplics' ``EblupAreaModel`` (REML) on β, σ²ᵤ, EBLUP and MSE.
- Its REML σ²ᵤ is the maximum of the restricted log-likelihood written out here and maximised by
  ``scipy.optimize.minimize_scalar``.
- On areas generated with a known truth (unit-level answers, many areas with a few respondents),
  the model's 95 % intervals cover the truth ≥ 90 % of the time over small areas and its RMSE is
  below the direct estimates'.
- σ²ᵤ = 0 gives the status model_adjusted (with intervals wider than the regression's own), areas
  without respondents the synthetic status.
- ``method=sae`` on the export and the API: one row per EPCI × measure × statistic with the
  model's columns; HTTP 400 for another level or an unknown method.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar
from scipy.special import expit
from scipy.stats import norm

from observatory.stats import sae

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.sae import EblupAreaModel
    from samplics.utils.types import FitMethod

REGIONS = ("11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93")


def design(m: int, rng: np.random.Generator) -> np.ndarray:
    """An intercept and three continuous covariates."""
    return np.column_stack([np.ones(m), rng.normal(size=(m, 3))])


def fh_data(m: int, sigma2: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Direct estimates of m areas from the Fay–Herriot model itself (ψ from 0.05 to 2)."""
    rng = np.random.default_rng(seed)
    x = design(m, rng)
    psi = rng.uniform(0.05, 2.0, m)
    theta = x @ np.array([1.0, 0.5, -0.3, 0.2]) + rng.normal(0, np.sqrt(sigma2), m)
    return theta + rng.normal(0, np.sqrt(psi)), psi, x


def test_fit_equals_samplics_reml():
    y, psi, x = fh_data(300, 0.6, seed=7)
    ours = sae.fit(y, psi, x)
    area = np.arange(len(y))
    ref = EblupAreaModel(method=FitMethod.reml)
    ref.fit(yhat=y, X=x, area=area, error_std=np.sqrt(psi), intercept=False, tol=1e-14, maxiter=500)
    ref.predict(X=x, area=area, intercept=False)
    assert not ours.adjusted
    assert ours.sigma2_u == pytest.approx(ref.re_std**2, rel=1e-8)
    np.testing.assert_allclose(ours.beta, ref.fixed_effects, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.estimate, [ref.area_est[a] for a in area], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.mse, [ref.area_mse[a] for a in area], rtol=0, atol=1e-8)


def restricted_loglik(sigma2: float, y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> float:
    """log L_R = −½ (log|V| + log|X'V⁻¹X| + y'Py), written out with dense matrices."""
    v = np.diag(sigma2 + psi)
    v_inv = np.linalg.inv(v)
    a = x.T @ v_inv @ x
    p = v_inv - v_inv @ x @ np.linalg.inv(a) @ x.T @ v_inv
    return -0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(a)[1] + y @ p @ y)


@pytest.mark.parametrize("sigma2,seed", [(0.3, 1), (1.5, 2)])
def test_reml_is_the_maximum_of_the_restricted_likelihood(sigma2, seed):
    y, psi, x = fh_data(150, sigma2, seed)
    best = minimize_scalar(
        lambda s: -restricted_loglik(s, y, psi, x), bounds=(0.0, 20.0), method="bounded", options={"xatol": 1e-10}
    )
    assert sae.fit(y, psi, x).sigma2_u == pytest.approx(best.x, rel=1e-6)


def synthetic_epcis(m: int, rng: np.random.Generator) -> pd.DataFrame:
    """Covariates of m made-up EPCIs, in the shape of sae.covariates_from's table."""
    population = np.exp(rng.normal(9.5, 1.2, m)).round() + 100
    return pd.DataFrame(
        {
            "region_code": rng.choice(REGIONS, m),
            "population": population,
            "area_km2": population / np.exp(rng.normal(4.0, 1.0, m)),
            "nature": rng.choice(sae.NATURES, m, p=[0.78, 0.18, 0.02, 0.02]),
        },
        index=pd.Index([f"E{i:04d}" for i in range(m)], name="territory_code"),
    )


def unit_level_sample(cov: pd.DataFrame, share: bool, sigma_u: float, rng: np.random.Generator):
    """A truth per EPCI and the direct estimates of a sample drawn from it, one row per answer.

    The truth is the model's own: linear in the covariates plus a normal area effect, on the
    score's scale or on the share's logit; respondents per EPCI follow a skewed distribution (most
    EPCIs have fewer than 30, some none), equal weights. (Truths the model does not assume are
    measured by ``python -m benchmarks.sae_offmodel``.)
    """
    x = sae.design_matrix(cov).to_numpy(float)
    beta = rng.normal(0, 0.3, x.shape[1])
    beta[0] = 6.0 if not share else -0.6  # a share of about 0.35
    theta = x @ beta + rng.normal(0, sigma_u, len(cov))
    theta = expit(theta) if share else theta
    n = rng.negative_binomial(1, 1 / 12, len(cov))
    rows = []
    for code, t, k in zip(cov.index, theta, n, strict=True):
        if k == 0:
            continue
        answers = rng.binomial(1, t, k) if share else np.clip(rng.normal(t, 2.0, k), 0, 10)
        mean = answers.mean()
        var = answers.var(ddof=1) / k if k > 1 else 0.0  # a single answer: no variance
        rows.append((code, "share" if share else "mean_score", k, float(k), float(k), mean, var))
    direct = pd.DataFrame(rows, columns=["territory_code", "statistic", "n", "sum_w", "sum_w2", "estimate", "var"])
    return pd.Series(theta, index=cov.index), direct


@pytest.mark.parametrize("share", [False, True], ids=["score", "share"])
def test_coverage_and_rmse_on_a_known_truth(share):
    rng = np.random.default_rng(2015)
    covered, errors_model, errors_direct = [], [], []
    for _replicate in range(8):
        cov = synthetic_epcis(600, rng)
        truth, direct = unit_level_sample(cov, share, sigma_u=0.25 if not share else 0.4, rng=rng)
        out = sae.epci_estimates(direct, cov).set_index("territory_code")
        small = out.index[(out["n"] >= 1) & (out["n"] <= 29)]
        t = truth[small]
        covered.append(((out.loc[small, "ci_low"] <= t) & (t <= out.loc[small, "ci_high"])).to_numpy())
        errors_model.append((out.loc[small, "estimate"] - t).to_numpy())
        errors_direct.append((out.loc[small, "direct_estimate"] - t).to_numpy())
        assert out["estimate"].notna().all()  # every EPCI with covariates has a figure
        assert set(out.loc[out["n"] == 0, "sae_status"]) == {"synthetic"}
    coverage = np.concatenate(covered).mean()
    rmse_model = np.sqrt(np.mean(np.concatenate(errors_model) ** 2))
    rmse_direct = np.sqrt(np.mean(np.concatenate(errors_direct) ** 2))
    assert coverage >= 0.90, coverage
    assert rmse_model < rmse_direct, (rmse_model, rmse_direct)


def test_zero_area_variance_is_model_adjusted_and_no_respondent_is_synthetic():
    rng = np.random.default_rng(3)
    cov = synthetic_epcis(400, rng)
    x = sae.design_matrix(cov).to_numpy(float)
    n = rng.integers(1, 40, len(cov))
    psi = 4.0 / n
    # No area effect and less noise than the stated variances: REML's maximum is σ²ᵤ = 0.
    y = x @ np.r_[6.0, rng.normal(0, 0.3, x.shape[1] - 1)] + rng.normal(0, np.sqrt(0.3 * psi))
    assert sae.fit(y, psi, x).sigma2_reml == 0.0
    direct = pd.DataFrame(
        {"territory_code": cov.index, "statistic": "mean_score", "n": n, "sum_w": n * 1.0, "sum_w2": n * 1.0,
         "estimate": y, "var": psi}
    ).iloc[50:]  # fmt: skip
    out = sae.epci_estimates(direct, cov).set_index("territory_code")
    assert set(out.loc[direct["territory_code"], "sae_status"]) == {"model_adjusted"}
    assert set(out.loc[cov.index[:50], "sae_status"]) == {"synthetic"}
    assert (out["sigma2_u"] > 0).all()  # Li–Lahiri's adjusted REML, never 0
    # Wider than what σ²ᵤ = 0 would have published: g2 + 2·g3 at 0 (g1 = 0), by hand.
    psi_s = out.loc[direct["territory_code"], "smoothed_var"].to_numpy()
    xs = x[50:]
    g2 = np.einsum("ij,jk,ik->i", xs, np.linalg.inv(xs.T @ (xs / psi_s[:, None])), xs)
    g3 = 2.0 / np.sum(psi_s**-2) / psi_s
    assert (out.loc[direct["territory_code"], "mse"].to_numpy() > g2 + 2 * g3).all()


def test_score_interval_is_the_root_mse_clipped_to_the_range():
    rng = np.random.default_rng(11)
    cov = synthetic_epcis(300, rng)
    _truth, direct = unit_level_sample(cov, False, 0.25, rng)
    out = sae.epci_estimates(direct, cov)
    assert ((out["ci_low"] >= 0) & (out["ci_high"] <= 10) & (out["estimate"].between(0, 10))).all()
    z = norm.ppf(0.975)
    inside = (out["estimate"] - z * out["se"] > 0) & (out["estimate"] + z * out["se"] < 10)
    assert inside.mean() > 0.9
    np.testing.assert_allclose(out.loc[inside, "ci_high"] - out.loc[inside, "ci_low"], 2 * z * out.loc[inside, "se"])
    np.testing.assert_allclose(out["se"] ** 2, out["mse"])
    assert set(out["link"]) == {"identity"}


def test_share_back_transformation_checked_by_numerical_integration():
    """The interval is expit(η ± z·√v) on the logit scale; the estimate lies between the median
    expit(η) and the mean E[expit θ], θ ~ N(η, v); the MSE is that spread's, by scipy's quad."""
    rng = np.random.default_rng(11)
    cov = synthetic_epcis(300, rng)
    _truth, direct = unit_level_sample(cov, True, 0.4, rng)
    out = sae.epci_estimates(direct, cov)
    assert set(out["link"]) == {"logit"}
    assert ((out["ci_low"] > 0) & (out["ci_high"] < 1) & (out["estimate"].between(0, 1))).all()
    z = norm.ppf(0.975)
    lo, hi = np.log(out["ci_low"] / (1 - out["ci_low"])), np.log(out["ci_high"] / (1 - out["ci_high"]))
    eta, sd = (lo + hi) / 2, (hi - lo) / (2 * z)
    for e, s, est, mse in list(zip(eta, sd, out["estimate"], out["mse"], strict=True))[::15]:
        density = norm(e, s).pdf
        mean = quad(lambda t, f=density: expit(t) * f(t), e - 12 * s, e + 12 * s)[0]
        second = quad(lambda t, f=density, c=est: (expit(t) - c) ** 2 * f(t), e - 12 * s, e + 12 * s)[0]
        assert min(expit(e), mean) - 1e-9 <= est <= max(expit(e), mean) + 1e-9
        assert mse == pytest.approx(second, rel=1e-4)
    # Asymmetric where it should be: a share below one half has a longer upper arm.
    low = out[out["estimate"] < 0.2]
    assert len(low) and ((low["ci_high"] - low["estimate"]) > (low["estimate"] - low["ci_low"])).all()


def test_benchmarking_meets_every_group_target_and_counts_its_move():
    rng = np.random.default_rng(4)
    cov = synthetic_epcis(400, rng)
    for share in (False, True):
        _truth, direct = unit_level_sample(cov, share, 0.4 if share else 0.25, rng)
        plain = sae.epci_estimates(direct, cov).set_index("territory_code")
        group = pd.Series(np.where(np.arange(len(cov)) < 300, "G" + (np.arange(len(cov)) % 7).astype(str), None),
                          index=cov.index)  # fmt: skip
        weight = pd.Series(cov["population"].to_numpy(float), index=cov.index)
        means = plain.groupby(group)["estimate"].mean()
        target = means + np.where(np.arange(len(means)) % 2, 0.03, -0.03) * (1 if share else 10)
        bm = sae.Benchmark(group=group, weight=weight, target=target)
        out = sae.epci_estimates(direct, cov, benchmark=bm).set_index("territory_code")
        for g, value in target.items():
            members = group.index[group == g]
            assert np.average(out.loc[members, "estimate"], weights=weight[members]) == pytest.approx(value, abs=1e-9)
        shift = out["estimate"] - plain["estimate"]
        np.testing.assert_allclose(out["mse"], plain["mse"] + shift**2, rtol=1e-9)
        outside = group.isna()
        np.testing.assert_array_equal(out.loc[outside, "estimate"], plain.loc[outside, "estimate"])
        assert ((out["ci_low"] <= out["estimate"]) & (out["estimate"] <= out["ci_high"])).all()
        # In proportion to the MSE: within a group, the move over the MSE is one constant.
        members = group.index[group == "G1"]
        ratio = shift[members] / plain.loc[members, "mse"]
        np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-6)


# --- the exports -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def obs(demo_db):
    from observatory.core.config import get_settings
    from observatory.data.service import Observatory

    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.fixture(scope="module")
def api(obs):
    from flask import Flask

    from observatory.web.api import register_api

    app = Flask("sae-test")
    register_api(app, obs)
    return app.test_client()


def epci_codes(demo_db) -> set[str]:
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT code FROM territories WHERE level = 'epci'").fetchall()}


def test_export_sae_has_a_row_per_epci_measure_and_statistic(obs, demo_db):
    from observatory.exports.export import ExportRequest, export_table

    table = export_table(obs, ExportRequest("mayors", survey="elus", level="epci", method="sae", measures=("q4_oui",)))
    assert list(table.columns)[:16] == [
        "indicator", "wave", "survey", "level", "territory_code", "territory_name", "measure", "statistic",
        "estimate", "se", "ci_low", "ci_high", "n", "method", "sae_status", "gamma",
    ]  # fmt: skip
    assert set(table["territory_code"]) == epci_codes(demo_db) and table["territory_code"].is_unique
    assert set(table["method"]) == {"sae"}
    modelled = table[table["sae_status"].isin(["model", "model_adjusted", "synthetic"])]
    # Mayotte's five EPCIs have no population in the geography: the only ones without a figure.
    assert len(table) - len(modelled) == 5 and modelled["estimate"].notna().all()
    assert (modelled["ci_low"] <= modelled["estimate"]).all() and (modelled["estimate"] <= modelled["ci_high"]).all()
    assert ((modelled["gamma"] >= 0) & (modelled["gamma"] < 1)).all()
    direct = export_table(obs, ExportRequest("mayors", survey="elus", level="epci", measures=("q4_oui",)))
    assert direct["n"].tolist() == table["n"].tolist()  # same EPCIs in the same order, same respondents


def test_api_method_sae_and_its_400s(api, obs):
    from observatory.exports.export import ExportRequest, export_table

    r = api.get("/api/v1/partnerships?level=epci&method=sae&kind=mecenat&page_size=5000")
    assert r.status_code == 200
    rows = pd.DataFrame(r.get_json()["rows"])
    expected = export_table(obs, ExportRequest("partnerships", level="epci", method="sae", measures=("mecenat",)))
    assert r.get_json()["total"] == len(expected) == len(rows)
    np.testing.assert_allclose(
        rows["estimate"].astype(float), expected["estimate"], rtol=1e-9, atol=1e-9
    )  # the API writes 10 decimals
    for url in (
        "/api/v1/partnerships?level=departement&method=sae",
        "/api/v1/partnerships?level=commune&method=sae",
        "/api/v1/partnerships?level=epci&method=model",
        "/api/v1/fragility?level=epci&method=sae&survey=citoyens&wave_from=2015&wave_to=2019",
    ):
        r = api.get(url)
        assert r.status_code == 400, url
        assert r.get_json()["parameter"] == "method"
    assert "epci" in api.get("/api/v1/mayors?level=region&method=sae").get_json()["allowed"]
    default = api.get("/api/v1/mayors?level=epci&measure=q4_oui&page_size=10").get_json()["rows"][0]
    assert "sae_status" not in default and "reliability" in default  # direct stays the default


# --- written at load ---------------------------------------------------------------------------


@pytest.fixture
def small_db(demo_db, tmp_path):
    """The demo database's geography, datasets and the mayors' EPCI cells, in a file of its own."""
    import duckdb

    path = tmp_path / "sae.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo_db)])
        for table in ("territories", "datasets", "meta"):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM demo.{table}")
        con.execute("DETACH demo")
    return path


def test_write_estimates_writes_sae_estimates_in_the_same_database(small_db, demo_db, monkeypatch):
    import duckdb

    import etl.estimates
    from observatory.core.config import get_settings
    from observatory.data.service import Observatory

    with duckdb.connect(str(demo_db), read_only=True) as con:
        cells = con.execute("SELECT * FROM estimates WHERE indicator = 'mayors' AND wave = 2016").df()
    # The direct estimates as the load computes them (here: the demo's own), then the model.
    monkeypatch.setattr(etl.estimates, "all_estimates", lambda *_a, **_k: cells)
    with duckdb.connect(str(small_db)) as con:
        etl.estimates.write_estimates(con)
        stored = con.execute("SELECT * FROM sae_estimates").df()
        epci_cells = cells[(cells["level"] == "epci") & cells["size_class"].isna()]
        n_cells = len(epci_cells.groupby(["measure", "statistic"]))
        assert len(stored) == 1248 * n_cells  # every EPCI with covariates × every EPCI cell
        assert stored.groupby(["measure", "statistic"])["territory_code"].nunique().eq(1248).all()
        code = stored["territory_code"].iloc[0]
        # A marked value: the reader must return the stored row, not refit the model.
        con.execute("UPDATE sae_estimates SET estimate = 0.123 WHERE territory_code = ? AND measure = 'q4_oui'", [code])
    obs = Observatory(dataclasses.replace(get_settings(), db_path=small_db, geo_dir=demo_db.parent / "geo"))
    rows = obs.sae("elus", 2016, "mayors", "q4_oui", "share").set_index("territory_code")
    assert rows.loc[code, "estimate"] == 0.123
    assert rows.loc[code, "status_fr"] == sae.STATUSES[rows.loc[code, "sae_status"]][0]


def test_cli_method_sae(demo_db, tmp_path, capsys):
    from observatory.__main__ import main

    out = tmp_path / "sae.csv"
    args = ["export", "mayors", "--level", "epci", "--method", "sae", "--measure", "q4_oui", "--db", str(demo_db)]
    assert main([*args, "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"territory_code": str})
    assert set(table["method"]) == {"sae"} and table["territory_code"].is_unique and len(table) == 1253
    assert main(["export", "mayors", "--level", "departement", "--method", "sae", "--db", str(demo_db)]) == 2
    assert "level=epci" in capsys.readouterr().err
    plain = tmp_path / "direct.csv"
    assert main([*args[:4], "--measure", "q4_oui", "--db", str(demo_db), "--out", str(plain)]) == 0
    assert "sae_status" not in pd.read_csv(plain).columns  # --method direct (the default): unchanged


def test_stored_estimates_meet_every_departement_and_region_benchmark(demo_db):
    """In the built database, every benchmarked group's weighted mean equals its direct target:
    a reliable département's estimate, or the rest of a région (recomputed here from the stored
    direct rows, independently of the model's code)."""
    import duckdb

    with duckdb.connect(str(demo_db), read_only=True) as con:
        model = con.execute(
            "SELECT s.*, t.departement_code, t.region_code, t.population, "
            "(SELECT count(*) FROM territories c WHERE c.level = 'commune' AND c.epci_code = s.territory_code) AS communes "
            "FROM sae_estimates s JOIN territories t ON t.level = 'epci' AND t.code = s.territory_code "
            "WHERE s.benchmark_group IS NOT NULL AND s.measure IN ('composite', 'q4_oui', 'partner')"
        ).df()
        direct = con.execute(
            "SELECT indicator, survey, wave, measure, statistic, level, territory_code, n, estimate, var FROM estimates "
            "WHERE level IN ('departement', 'region') AND size_class IS NULL AND measure IN ('composite', 'q4_oui', 'partner')"
        ).df()
    assert len(model) and model["benchmark_group"].str.match(r"^[DR]").all()
    keys = ["indicator", "survey", "wave", "measure", "statistic"]
    checked = 0
    for cell, rows in model.groupby(keys):
        d = direct.set_index(keys).loc[cell]
        ok = d[sae.reliable(d["n"], d["estimate"], d["var"])]
        dep = ok[ok["level"] == "departement"].set_index("territory_code")["estimate"]
        reg = ok[ok["level"] == "region"].set_index("territory_code")["estimate"]
        weight = rows["communes"] if cell[1] == "elus" else rows["population"]
        for group, members in rows.groupby("benchmark_group"):
            w = weight[members.index].astype(float)
            mean = np.average(members["estimate"], weights=w)
            if group.startswith("D"):
                assert mean == pytest.approx(dep[group[1:]], abs=1e-9), (cell, group)
            else:  # the rest of the région: the région's total minus its reliable départements'
                region = group[1:]
                inside = rows[rows["region_code"] == region]  # every EPCI of the région is benchmarked
                w_all = (inside["communes"] if cell[1] == "elus" else inside["population"]).astype(float)
                covered = inside["departement_code"].isin(dep.index)
                target = (
                    w_all.sum() * reg[region]
                    - (w_all[covered] * inside.loc[covered, "departement_code"].map(dep.to_dict()).astype(float)).sum()
                ) / w_all[~covered].sum()
                assert mean == pytest.approx(target, abs=1e-9), (cell, group)
            checked += 1
    assert checked > 100
