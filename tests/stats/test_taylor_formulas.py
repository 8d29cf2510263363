"""The estimator's formulas, written once in :mod:`observatory.stats.taylor`, on both of their paths.

The stored table's numpy path (:func:`observatory.stats.precompute._estimates`) is checked here
against samplics' TaylorEstimator on a small hand-made design, without a database: every level's
estimate and standard error, the rest of France and the rest of the parent (an EPCI straddling
two départements compared with the rest of its main one), a stratum of one respondent (no
variance, samplics' "skip") and a département alone in its région (no rest of the parent). The
Ibis path (:func:`observatory.stats.taylor.estimates_from_cells`, on DuckDB) is checked against
the numpy path on the same cells.
"""

from __future__ import annotations

import warnings

import ibis
import numpy as np
import pandas as pd
import pytest

from observatory.stats import precompute, taylor

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam, SinglePSUEst

# commune, EPCI, canton, département, région, size band; E2 straddles D1 and D2 (main: D2); D3 is
# alone in R2; C6 is in no canton (as Paris).
COMMUNES = [
    ("C1", "E1", "K1", "D1", "R1", "small"),
    ("C2", "E1", "K1", "D1", "R1", "large"),
    ("C3", "E2", "K2", "D1", "R1", "small"),
    ("C4", "E2", "K3", "D2", "R1", "small"),
    ("C5", "E2", "K3", "D2", "R1", "large"),
    ("C6", "E3", None, "D3", "R2", "small"),
    ("C7", "E4", "K3", "D2", "R1", "large"),
]
EPCI_PARENT = {"E1": "D1", "E2": "D2", "E3": "D3", "E4": "D2"}
COLUMNS = {
    "commune": "commune_code", "epci": "epci_code", "canton": "canton_code", "departement": "departement_code",
    "region": "region_code",
}  # fmt: skip
MEASURES = [("score", "mean_score"), ("flag", "share")]


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondents (strata, places, weights) and their answers (``flag`` asked of two thirds)."""
    rng = np.random.default_rng(20261206)
    n = 900
    columns = ["commune_code", "epci_code", "canton_code", "departement_code", "region_code", "band"]
    geo = pd.DataFrame(COMMUNES, columns=columns)
    resp = geo.iloc[rng.integers(0, len(geo), n)].reset_index(drop=True)
    resp["respondent_id"] = [f"r{i}" for i in range(n)]
    resp["stratum"] = rng.choice(["S1", "S2", "S3"], n)
    resp.loc[0, "stratum"] = "LONE"  # a stratum of one respondent
    resp["weight"] = rng.lognormal(0, 0.6, n) * 50
    score = pd.DataFrame({"respondent_id": resp["respondent_id"], "measure": "score", "statistic": "mean_score"})
    score["y"] = rng.integers(0, 11, n).astype(float) + (resp["region_code"] == "R2") * 1.5
    asked = resp[rng.random(n) < 2 / 3]
    flag = pd.DataFrame({"respondent_id": asked["respondent_id"], "measure": "flag", "statistic": "share"})
    flag["y"] = (rng.random(len(asked)) < 0.3 + 0.2 * (asked["departement_code"] == "D1")).astype(float)
    return resp, pd.concat([score, flag], ignore_index=True)


def base_cells(resp: pd.DataFrame, values: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """What :func:`precompute.base_cells` reads from a database, in pandas: moments per stratum and commune."""
    x = values.merge(resp, on="respondent_id")
    w, y = x["weight"], x["y"]
    x = x.assign(n=1.0, sw=w, swy=w * y, sw2=w * w, sw2y=w * w * y, sw2y2=w * w * y * y)
    keys = ["stratum", *precompute.GEO, "band", "measure", "statistic"]
    cells = x.groupby(keys, as_index=False, dropna=False)[list(taylor.MOMENTS)].sum()
    cells = cells.assign(size_class=precompute.ALL_SIZES, epci_parent=cells["epci_code"].map(EPCI_PARENT))
    return cells, resp.groupby("stratum").size().rename("n_h")


def samplics(resp: pd.DataFrame, values: pd.DataFrame, measure: str, domain: pd.Series) -> pd.DataFrame:
    """samplics' mean and SE of a measure by domain (None: outside), over the whole sample."""
    y = values[values["measure"] == measure].set_index("respondent_id")["y"]
    answered = resp["respondent_id"].isin(y.index).to_numpy()
    dom = np.where(answered & domain.notna().to_numpy(), domain.fillna("__out__").to_numpy(object), "__out__")
    est = TaylorEstimator(PopParam.mean)
    est.estimate(
        y=resp["respondent_id"].map(y + 1.0).fillna(1.0).to_numpy(float),  # + 1: samplics divides by the mean
        samp_weight=resp["weight"].to_numpy(float),
        stratum=resp["stratum"].to_numpy(object),
        psu=resp["respondent_id"].to_numpy(object),
        domain=dom,
        single_psu=SinglePSUEst.skip,
    )
    return pd.DataFrame({"estimate": pd.Series(est.point_est) - 1.0, "se": pd.Series(est.stderror)})


@pytest.fixture(scope="module")
def stored(sample) -> pd.DataFrame:
    resp, values = sample
    out = precompute._estimates(*base_cells(resp, values))
    return out.set_index(["level", "measure", "territory_code"]).sort_index()


def places(resp: pd.DataFrame, level: str) -> pd.Series:
    if level == "france":
        return pd.Series("FR", index=resp.index)
    return resp["band"] if level == precompute.ref.SIZE_BAND_LEVEL else resp[COLUMNS[level]]


@pytest.mark.parametrize("measure", [m for m, _s in MEASURES])
@pytest.mark.parametrize("level", ["france", "region", "departement", "epci", "canton", "commune", "taille_commune"])
def test_every_level_matches_samplics(sample, stored, level, measure):
    resp, values = sample
    ours = stored.loc[(level, measure)]
    ref = samplics(resp, values, measure, places(resp, level)).drop(index="__out__", errors="ignore")
    assert sorted(ours.index) == sorted(ref.index)
    ref = ref.loc[ours.index]
    np.testing.assert_allclose(ours["estimate"], ref["estimate"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(ours["var"]), ref["se"], rtol=1e-9)


@pytest.mark.parametrize("measure", [m for m, _s in MEASURES])
@pytest.mark.parametrize("level", ["region", "departement", "epci", "canton", "commune"])
def test_rest_of_france_matches_samplics(sample, stored, level, measure):
    resp, values = sample
    for code, row in stored.loc[(level, measure)].iterrows():
        split = pd.Series(np.where(places(resp, level) == code, "in", "rest"), index=resp.index)
        ref = samplics(resp, values, measure, split)
        assert row["estimate_rest"] == pytest.approx(ref.loc["rest", "estimate"], abs=1e-12)
        assert np.sqrt(row["var_rest"]) == pytest.approx(ref.loc["rest", "se"], rel=1e-9)


@pytest.mark.parametrize("measure", [m for m, _s in MEASURES])
@pytest.mark.parametrize("level", ["departement", "epci", "canton", "commune"])
def test_rest_of_the_parent_matches_samplics(sample, stored, level, measure):
    resp, values = sample
    parent_level = precompute.ref.PARENT_LEVEL[level]
    parent_column = COLUMNS[parent_level]
    main = resp["epci_code"].map(EPCI_PARENT) if level == "epci" else resp[parent_column]  # the territory's parent
    tested = 0
    for code, row in stored.loc[(level, measure)].iterrows():
        parent = main[places(resp, level) == code].iloc[0]
        in_parent = resp[parent_column] == parent
        rest = in_parent & (places(resp, level) != code)
        if not (rest & resp["respondent_id"].isin(values.loc[values["measure"] == measure, "respondent_id"])).any():
            assert row["n_rest_parent"] == 0 and np.isnan(row["estimate_rest_parent"])  # D3 alone in R2
            assert np.isnan(row["var_rest_parent"])
            continue
        ref = samplics(resp, values, measure, pd.Series(np.where(rest, "rest", None), index=resp.index))
        assert row["estimate_rest_parent"] == pytest.approx(ref.loc["rest", "estimate"], abs=1e-12)
        assert np.sqrt(row["var_rest_parent"]) == pytest.approx(ref.loc["rest", "se"], rel=1e-9)
        tested += 1
    assert tested >= 2


def test_the_ibis_path_equals_the_numpy_path(sample, stored):
    """The on-demand engine's expression (DuckDB) and the stored table's numpy, on the same cells."""
    resp, values = sample
    cells, n_h = base_cells(resp, values)
    con = ibis.duckdb.connect()
    keys = ["stratum", "territory", "measure", "statistic"]
    moments = (
        cells.rename(columns={"departement_code": "territory"})
        .groupby(keys, as_index=False)[list(taylor.MOMENTS)]
        .sum()
    )
    expr = taylor.estimates_from_cells(ibis.memtable(moments), ibis.memtable(n_h.reset_index()))
    ibis_out = con.execute(expr).set_index(["measure", "territory"]).sort_index()
    ours = stored.loc["departement"].rename_axis(["measure", "territory"]).loc[ibis_out.index]
    assert len(ibis_out) == 2 * 3
    for col in ("n", "sum_w", "sum_w2", "estimate", "var", "n_rest", "estimate_rest", "var_rest"):
        np.testing.assert_allclose(ibis_out[col].to_numpy(float), ours[col].to_numpy(float), rtol=1e-12, err_msg=col)


def test_an_empty_complement_is_missing_on_both_paths():
    """A territory holding the whole universe: no rest, its ratio and variance missing (not 0/0 noise)."""
    d = {"n": np.array([5.0]), "sum_w": np.array([10.0]), "sum_wy": np.array([4.0])}
    d |= {k: np.array([1.0]) for k in ("a2", "a1", "a0", "b2", "b1", "b0", "e2", "e1", "e0")}
    with np.errstate(divide="ignore", invalid="ignore"):
        r = taylor.ratios(d, d, taylor.NUMPY)
        v = taylor.variances(d, d, r, taylor.NUMPY)
    assert r["n_rest"][0] == 0 and np.isnan(r["estimate_rest"][0]) and np.isnan(v["var_rest"][0])
    t = ibis.memtable(pd.DataFrame({k: v for k, v in d.items()}))
    ri = taylor.ratios(t, t, taylor.IBIS)
    row = ibis.duckdb.connect().execute(
        t.select(rest=ri["estimate_rest"], var_rest=taylor.variances(t, t, ri, taylor.IBIS)["var_rest"])
    )
    assert row["rest"].isna().all() and row["var_rest"].isna().all()


def test_a_stratum_of_one_respondent_has_no_factor():
    n_h = np.array([1.0, 2.0, 10.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(taylor.stratum_factor(n_h, taylor.NUMPY), [0.0, 2.0, 10 / 9])
