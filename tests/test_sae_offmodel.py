"""The off-model validation harness of the small-area model (benchmarks/sae_offmodel.py) measures what it says.

Checks of the harness, not of the model: the generated truths are in range and shaped as stated
(and not linear in the covariates), the project's direct estimator covers the truth of large
départements, and the scores and the report mark each target pass or fail.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from scipy.stats import f as f_dist

from benchmarks import sae_offmodel as off


@pytest.fixture(scope="module")
def world(demo_db):
    """The demonstration geography and the citizens' sample, and one truth (seed 1)."""
    geo, samples = off.load(demo_db, ["citoyens"])
    values = off.latent(geo, np.random.default_rng(1))
    truth = off.area_truth(geo, off.commune_truth(values), "population")
    return geo, samples["citoyens"], values, truth


def _epci_truth(geo, truth: pd.DataFrame, measure: str) -> np.ndarray:
    rows = truth[(truth["level"] == "epci") & (truth["measure"] == measure)].set_index("territory_code")
    return rows["truth"].reindex(geo.epcis.index).to_numpy(float)


@pytest.mark.slow
def test_truths_are_in_range_and_shaped_as_stated(world):
    geo, _smp, _values, truth = world
    t = {m: _epci_truth(geo, truth, m) for m in off.SHAPES}
    assert all(np.isfinite(v).all() for v in t.values())
    for m in ("mid", "rare", "common"):
        assert ((t[m] >= 0) & (t[m] <= 1)).all(), m
    assert ((t["score"] >= 0) & (t["score"] <= 10)).all()
    assert 0.30 <= t["mid"].mean() <= 0.38
    assert 0.01 <= np.median(t["rare"]) <= 0.03
    densest = geo.epcis["decile"].to_numpy() == 9
    assert np.quantile(t["rare"][densest], 0.9) >= 0.25  # up to ≈ 0.5 in the densest EPCIs
    assert 0.91 <= np.median(t["common"]) <= 0.97
    assert t["common"].min() <= 0.1
    assert 3 <= np.median(t["score"]) <= 7


@pytest.mark.slow
def test_truth_is_not_linear_in_the_model_covariates(world):
    """OLS on the covariates entering linearly leaves residuals explained by the non-linear terms."""
    geo, _smp, _values, truth = world
    first = geo.communes.drop_duplicates("epci_code").set_index("epci_code").reindex(geo.epcis.index)
    zd, zp = first["z_density"].to_numpy(float), first["z_population"].to_numpy(float)
    dummies = pd.get_dummies(geo.epcis["region_code"], drop_first=True).to_numpy(float)
    natures = pd.get_dummies(geo.covariates["nature"], drop_first=True).to_numpy(float)
    linear = np.column_stack([np.ones(len(zd)), dummies, zd, zp, natures])
    bent = np.column_stack([np.ones(len(zd)), np.tanh(1.5 * zd), zd > off.DENSE_Z, np.minimum(zp * zp, 4)])
    for measure, scale in (("rare", logit), ("score", lambda v: v)):
        y = scale(_epci_truth(geo, truth, measure))
        resid = y - linear @ np.linalg.lstsq(linear, y, rcond=None)[0]
        left = resid - bent @ np.linalg.lstsq(bent.astype(float), resid, rcond=None)[0]
        r2 = 1 - left.var() / resid.var()
        stat = (r2 / 3) / ((1 - r2) / (len(y) - 4))
        assert f_dist.sf(stat, 3, len(y) - 4) < 1e-4, (measure, r2)


@pytest.mark.slow
def test_direct_intervals_cover_the_truth_of_large_departements(world):
    geo, smp, values, truth = world
    covered = []
    for rep in range(3):
        direct = off.direct_estimates(smp, off.answers(smp, values, np.random.default_rng([99, rep])))
        d = direct[(direct["level"] == "departement") & (direct["n"] >= 100) & direct["measure"].isin(["mid", "score"])]
        t = truth[truth["level"] == "departement"].set_index(["territory_code", "measure"])["truth"]
        at = t.reindex(pd.MultiIndex.from_frame(d[["territory_code", "measure"]])).to_numpy()
        covered.append((d["ci_low"].to_numpy() <= at) & (at <= d["ci_high"].to_numpy()))
    cover = np.concatenate(covered)
    assert len(cover) >= 300
    assert 0.88 <= cover.mean() <= 0.99, cover.mean()


@pytest.mark.slow
def test_one_replicate_scores_every_epci_both_ways(world):
    geo, smp, values, truth = world
    records, agree = off.replicate(smp, geo, values, truth, np.random.default_rng(3))
    assert set(records["variant"]) == set(off.VARIANTS) and set(records["measure"]) == set(off.SHAPES)
    assert len(records) == len(geo.epcis) * len(off.SHAPES) * len(off.VARIANTS)
    assert records["truth"].notna().all()
    sampled = records[records["n"] >= 1]
    assert (sampled["direct_low"] <= sampled["direct_high"]).all()
    assert set(agree["level"]) == {"departement", "region"} and agree["reliable"].any()


def _fake_simulation(rng: np.random.Generator, narrow: float) -> dict:
    """Records where the benchmarked model is exact-width and the unbenchmarked one too narrow."""
    m, seeds, reps = 300, (1, 2), 5
    n = rng.choice([0, 5, 20, 50, 150], m)
    truth = rng.uniform(0.2, 0.6, m)
    frames, agree = [], []
    for seed in seeds:
        for rep in range(reps):
            sd_direct = 0.5 / np.sqrt(np.maximum(n, 1))
            direct = np.where(n > 0, truth + rng.normal(0, sd_direct), np.nan)
            for variant, width in (("benchmarked", 1.0), ("unbenchmarked", narrow)):
                sd = 0.7 * np.minimum(0.05, sd_direct)
                est = truth + rng.normal(0, sd)
                frames.append(
                    pd.DataFrame(
                        {"territory_code": np.arange(m).astype(str), "n": n, "estimate": est,
                         "ci_low": est - 1.96 * width * sd, "ci_high": est + 1.96 * width * sd,
                         "direct_estimate": direct, "direct_low": direct - 1.96 * sd_direct,
                         "direct_high": direct + 1.96 * sd_direct, "truth": truth, "decile": np.arange(m) % 10,
                         "measure": "mid", "variant": variant, "seed": seed, "replicate": rep}
                    )
                )  # fmt: skip
                z = np.zeros(20) if variant == "benchmarked" else rng.normal(0, 3, 20)
                agree.append(
                    pd.DataFrame(
                        {"level": np.repeat(["departement", "region"], 10), "territory_code": np.arange(20).astype(str),
                         "z": z, "reliable": True, "measure": "mid", "variant": variant}
                    )
                )  # fmt: skip
    truth_rows = pd.DataFrame({"level": "epci", "territory_code": "0", "measure": "mid", "truth": [0.4], "seed": 1})
    return {
        "records": pd.concat(frames, ignore_index=True),
        "agreement": pd.concat(agree, ignore_index=True),
        "truth": truth_rows,
        "seconds": [0.5, 0.7],
        "seeds": list(seeds),
        "replicates": reps,
    }


def test_scores_and_report_mark_each_target(monkeypatch):
    monkeypatch.setattr(off, "SHAPES", {"mid": off.SHAPES["mid"]})
    sim = _fake_simulation(np.random.default_rng(0), narrow=0.3)
    smp = SimpleNamespace(survey="citoyens", wave=2019, weighting="population", weight=np.ones(1000))
    survey = off.survey_result(smp, sim, sim["seeds"], sim["replicates"])
    verdicts = {(t["variant"], t["target"]): t["pass"] for t in survey["targets"]}
    assert len(verdicts) == 8
    assert all(verdicts[("benchmarked", t)] for t in ("0 départements in disagreement",))
    assert verdicts[("benchmarked", "coverage ≥ 0.90 in every n band")] is True
    assert verdicts[("unbenchmarked", "coverage ≥ 0.90 in every n band")] is False
    assert verdicts[("unbenchmarked", "coverage ≥ 0.90 in every density decile")] is False
    assert verdicts[("unbenchmarked", "0 départements in disagreement")] is False
    bands = survey["measures"]["mid"]["bands"]
    assert bands["0"]["direct_rmse"] is None and bands["≥ 100"]["benchmarked"]["ratio"] < 1.0

    result = {
        "measured_at": "2026-12-06", "machine": "test", "db": "none", "seeds": sim["seeds"],
        "replicates": sim["replicates"], "model": "test", "surveys": {"citoyens": survey},
    }  # fmt: skip
    text = off.markdown(result)
    for target in {t for _v, t in verdicts}:
        assert target in text
    table = [line for line in text.splitlines() if line.startswith("| citoyens | mid |")]
    assert len(table) == 2
    assert table[0].count("**pass**") == 4  # benchmarked: every target met
    assert table[1].count("**FAIL**") >= 3  # too narrow, and in disagreement
