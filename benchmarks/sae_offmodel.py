"""The EPCI small-area model against a truth that is not Fay–Herriot-shaped (off-model validation).

Usage: ``python -m benchmarks.sae_offmodel [--db data/observatory.duckdb] [--seeds 1 2 3]
[--replicates 10] [--surveys citoyens elus] [--out benchmarks/results]``.
Writes ``<out>/sae_offmodel.md`` and ``<out>/sae_offmodel.json``.

``benchmarks/sae.py`` draws its truth from the fitted model: the model is true by construction.
Here (the audit of ``shared/reference/small_area.md``, December 2026, with this project's code):

1. Truth. Per commune, on the logit scale (shares) or in score points (the score), from the
   EPCI's standardised log density z_d and log population z_p: ``tanh`` of z_d, z_p² capped, a
   threshold on z_d, région × z_d slopes, the EPCI's nature, EPCI effects Student-t₃ and commune
   effects N(0, 0.3²) — terms the model's linear predictor cannot represent. Averaged to EPCI,
   département and région: population-weighted for the citizens, commune-weighted for the mayors
   (one mayor per commune). Each seed draws one truth; its replicates redraw only the answers.
2. Samples. The database's real respondents (communes, weights, strata) of the citizens' survey
   (2019) and the mayors' survey (2024, their stratified design weights kept); answers redrawn
   from their commune's truth: Bernoulli for a share, a rounded normal clipped to 0–10 for a score.
3. Estimates. Direct by the project's estimator (:func:`observatory.stats.precompute._estimates`,
   intervals of :func:`observatory.stats.finalize.finalize`, as the app shows them); the model by
   :func:`observatory.stats.sae.epci_estimates`, benchmarked (:func:`sae.benchmark_for` on the
   replicate's direct départements and régions) and not.
4. Scores, pooled over seeds and replicates: coverage, bias, RMSE by respondents per EPCI and by
   density decile, RMSE ratio model / direct, EPCIs covered < 80 % of the time, and the agreement
   of the EPCI estimates' weighted means with the reliable direct départements and régions; each
   against the issue's targets.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit, ndtr
from scipy.stats import binom

from benchmarks import provenance, write_results
from etl.geography import epci_natures
from observatory.core import reference as ref
from observatory.stats import finalize, precompute, sae

ROOT = Path(__file__).resolve().parent.parent
SURVEYS: dict[str, tuple[int, str]] = {
    # survey → (wave, weighting of the truth: "population" per inhabitant, "communes" per mayor)
    "citoyens": (2019, "population"),
    "elus": (2024, "communes"),
}
LEVELS: tuple[str, ...] = ("epci", "departement", "region")
VARIANTS: tuple[str, ...] = ("benchmarked", "unbenchmarked")
BANDS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0), ("1–9", 1, 9), ("10–29", 10, 29), ("30–99", 30, 99), ("≥ 100", 100, 10**9),
)  # fmt: skip
RATIO_BANDS: tuple[str, ...] = ("10–29", "30–99", "≥ 100")  # the RMSE ratio's target: 10 respondents up
TARGET_COVERAGE = 0.90  # the targets
TARGET_RATIO = 1.0
CONDITIONAL_FLOOR = 0.80  # an EPCI "systematically mis-covered": covered < 80 % of its replicates
COMMUNE_SD = 0.3  # commune effects N(0, 0.3²), logit scale (shares) or score points (score)
SCORE_SD = 2.0  # one citizen's answer around the commune's latent mean, score points
TANH_STRETCH = 1.5  # tanh(1.5 z_d): saturates beyond one SD of log density
POP2_CAP = 4.0  # z_p² capped at 4 (2 SD of log population)
DENSE_Z = 1.2  # the density threshold, in SD of log density (about the 88th percentile of EPCIs)
T_CAP = 10.0  # the t₃ EPCI effects capped at ±10 scales (its 0.1 % tails): heavy, not absurd
NATURE_RANK = {"CC": 0.0, "CA": 1.0, "CU": 2.0, "ME": 3.0}


@dataclass(frozen=True)
class Shape:
    """The latent predictor of one measure: logit of a share, or score points of a score.

    Each term is its coefficient; ``region_slope_sd`` is the SD of the région × z_d slopes and
    ``epci_scale`` the scale of the Student-t₃ EPCI effects (both drawn per seed).
    """

    statistic: str
    intercept: float
    tanh: float
    pop2: float
    threshold: float
    region_slope_sd: float
    epci_scale: float
    nature: float


SHAPES: dict[str, Shape] = {
    "mid": Shape("share", -0.68, 0.55, -0.12, 0.35, 0.25, 0.30, 0.05),
    "rare": Shape("share", -4.0, 0.9, 0.05, 1.5, 0.20, 0.35, 0.15),
    "common": Shape("share", 3.0, -1.0, -0.25, -1.2, 0.30, 0.55, -0.10),
    "score": Shape("mean_score", 5.3, 0.9, -0.15, -0.6, 0.25, 0.35, 0.05),
}


@dataclass(frozen=True)
class Geography:
    """Communes with the covariates their truth is drawn from, and the modelled EPCIs.

    Attributes:
        communes: code, epci_code, departement_code, region_code, population, z_density,
            z_population, nature (0 and CC where the EPCI has no covariates).
        epcis: Indexed by the EPCIs with covariates: departement_code, region_code, population,
            communes (their number), decile (of log density, 0 = sparsest).
        covariates: :func:`sae.covariates_from`'s table.
    """

    communes: pd.DataFrame
    epcis: pd.DataFrame
    covariates: pd.DataFrame

    def weights(self, weighting: str) -> pd.Series:
        """The EPCIs' weights in a département's or région's mean: population or communes."""
        return self.epcis["population" if weighting == "population" else "communes"].astype(float)

    def benchmark_epcis(self, weighting: str) -> pd.DataFrame:
        """The ``epcis`` argument of :func:`sae.benchmark_for` (codes as Python strings).

        Object, not pandas' ``str`` dtype: with the latter, the benchmark_for of commit ee6bba0 fails
        ("Can only string multiply by an integer") on a région without any reliable département.
        """
        e = self.epcis
        return pd.DataFrame(
            {"territory_code": e.index.astype(object), "departement_code": e["departement_code"].astype(object),
             "region_code": e["region_code"].astype(object), "weight": self.weights(weighting)}
        ).reset_index(drop=True)  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """A survey's real respondents, grouped as the project's estimator wants them.

    Attributes:
        survey, wave, weighting: The survey, its wave, and how its truth is averaged.
        commune: Each respondent's row in ``Geography.communes``.
        cell: Each respondent's row in ``cells``.
        weight: The respondents' weights.
        cells: One row per stratum × commune (with parents): the keys of
            :func:`precompute._estimates`'s base cells.
        n_h: Respondents per stratum.
    """

    survey: str
    wave: int
    weighting: str
    commune: np.ndarray
    cell: np.ndarray
    weight: np.ndarray
    cells: pd.DataFrame
    n_h: pd.Series


def geography(epci_rows: pd.DataFrame, commune_rows: pd.DataFrame, natures: pd.Series) -> Geography:
    """The :class:`Geography` from the EPCI and commune rows of ``territories``."""
    cov = sae.covariates_from(epci_rows, natures)
    log_pop = np.log(cov["population"].astype(float))
    log_density = log_pop - np.log(cov["area_km2"].astype(float))
    # Standardised over the modelled EPCIs, as sae.design_matrix does.
    z = pd.DataFrame({"z_density": _standard(log_density), "z_population": _standard(log_pop), "nature": cov["nature"]})
    communes = commune_rows.reset_index(drop=True).join(z, on="epci_code")
    communes[["z_density", "z_population"]] = communes[["z_density", "z_population"]].fillna(0.0)
    communes["nature"] = communes["nature"].fillna("CC")
    e = epci_rows.set_index("code").reindex(cov.index)
    epcis = pd.DataFrame(
        {
            "departement_code": e["departement_code"],
            "region_code": e["region_code"],
            "population": e["population"].astype(float),
            "communes": commune_rows.groupby("epci_code").size().reindex(cov.index).fillna(0),
            "decile": pd.qcut(log_density, 10, labels=False),
        }
    )
    return Geography(communes=communes, epcis=epcis, covariates=cov)


def _standard(x: pd.Series) -> pd.Series:
    return (x - x.mean()) / (x.std(ddof=0) or 1.0)


def sample(respondents: pd.DataFrame, geo: Geography, survey: str, epci_parent: pd.Series) -> Sample:
    """The :class:`Sample` of a survey's respondents (``epci_parent``: EPCI → main département)."""
    wave, weighting = SURVEYS[survey]
    r = respondents.assign(stratum=respondents["stratum"].fillna("__all__"))
    keys = ["stratum", *precompute.GEO]
    cell = r.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(cell, return_index=True)[1]
    cells = r.iloc[first][keys].reset_index(drop=True)
    cells["size_class"] = precompute.ALL_SIZES
    cells["band"] = None  # the commune-size bands are not needed here
    cells["epci_parent"] = cells["epci_code"].map(epci_parent)
    commune = pd.Index(geo.communes["code"]).get_indexer(r["commune_code"])
    if (commune < 0).any():
        raise ValueError(f"{survey}: respondents in communes unknown to the territories table")
    return Sample(
        survey=survey, wave=wave, weighting=weighting, commune=commune, cell=cell,
        weight=r["weight"].to_numpy(float), cells=cells, n_h=r.groupby("stratum").size(),
    )  # fmt: skip


def load(db: Path, surveys: Iterable[str]) -> tuple[Geography, dict[str, Sample]]:
    """The geography and the samples of ``surveys`` from a database (read-only)."""
    with duckdb.connect(str(db), read_only=True) as con:
        epci_rows = con.execute(
            "SELECT code, region_code, departement_code, population, area_km2 FROM territories WHERE level = 'epci'"
        ).df()
        commune_rows = con.execute(
            "SELECT code, epci_code, departement_code, region_code, population FROM territories WHERE level = 'commune'"
        ).df()
        sql = (
            "SELECT commune_code, epci_code, canton_code, departement_code, region_code, weight, stratum FROM respondents "
            "WHERE survey = ? AND wave = ? ORDER BY respondent_id"
        )
        answers = {s: con.execute(sql, [s, SURVEYS[s][0]]).df() for s in surveys}
    geo = geography(epci_rows, commune_rows, epci_natures())
    parent = epci_rows.set_index("code")["departement_code"]
    return geo, {s: sample(r, geo, s, parent) for s, r in answers.items()}


# --- The truth -------------------------------------------------------------------------------------


def latent(geo: Geography, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each commune's latent value of each measure (logit, or score points): one draw of the truth."""
    c = geo.communes
    zd, zp = c["z_density"].to_numpy(float), c["z_population"].to_numpy(float)
    nature = c["nature"].map(NATURE_RANK).to_numpy(float)
    _r, region = np.unique(c["region_code"].fillna("").astype(str), return_inverse=True)
    _e, epci = np.unique(c["epci_code"].fillna("").astype(str), return_inverse=True)
    out = {}
    for name, s in SHAPES.items():
        slope = rng.normal(0.0, s.region_slope_sd, len(_r))[region]
        epci_effect = s.epci_scale * np.clip(rng.standard_t(3, len(_e)), -T_CAP, T_CAP)[epci]
        fixed = s.intercept + s.tanh * np.tanh(TANH_STRETCH * zd) + s.pop2 * np.minimum(zp * zp, POP2_CAP)
        fixed = fixed + s.threshold * (zd > DENSE_Z) + slope * zd + s.nature * nature
        out[name] = fixed + epci_effect + rng.normal(0.0, COMMUNE_SD, len(c))
    return out


def expected_score(mu: np.ndarray) -> np.ndarray:
    """E[clip(round(X), 0, 10)] for X ~ N(mu, SCORE_SD²): Σₖ₌₁¹⁰ P(X ≥ k − ½)."""
    k = np.arange(1, 11) - 0.5
    return ndtr((np.asarray(mu, float)[:, None] - k) / SCORE_SD).sum(axis=1)


def commune_truth(latent_values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each commune's expected answer: the share, or the expected score."""
    return {m: expit(v) if SHAPES[m].statistic == "share" else expected_score(v) for m, v in latent_values.items()}


def area_truth(geo: Geography, values: dict[str, np.ndarray], weighting: str) -> pd.DataFrame:
    """The truth of every EPCI, département and région: level, territory_code, measure, truth."""
    c = geo.communes
    w = c["population"].to_numpy(float) if weighting == "population" else np.ones(len(c))
    frames = []
    for level in LEVELS:
        codes = c[ref.LEVEL_COLUMNS[level]]
        total = pd.Series(w).groupby(codes.to_numpy()).sum()
        for measure, v in values.items():
            mean = pd.Series(w * v).groupby(codes.to_numpy()).sum() / total
            frames.append(
                pd.DataFrame({"level": level, "territory_code": mean.index, "measure": measure, "truth": mean.values})
            )
    return pd.concat(frames, ignore_index=True).dropna(subset=["truth"])


def answers(smp: Sample, latent_values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One replicate's answers of every respondent to every measure, from their commune's truth."""
    out = {}
    for measure, v in latent_values.items():
        at = v[smp.commune]
        if SHAPES[measure].statistic == "share":
            out[measure] = (rng.random(len(at)) < expit(at)).astype(float)
        else:
            out[measure] = np.clip(np.round(rng.normal(at, SCORE_SD)), 0, 10)
    return out


# --- One replicate ---------------------------------------------------------------------------------

DIRECT_COLUMNS = ["level", "territory_code", "measure", "statistic", "n", "sum_w", "sum_w2", "estimate", "var"]


def direct_estimates(smp: Sample, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Direct EPCI, département and région estimates with the app's 95 % intervals."""
    k, w = len(smp.cells), smp.weight

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(smp.cell, weights=x, minlength=k)

    n, sw, sw2 = np.bincount(smp.cell, minlength=k), total(w), total(w * w)
    parts = [
        smp.cells.assign(
            measure=m, statistic=SHAPES[m].statistic, n=n, sw=sw, swy=total(w * y), sw2=sw2,
            sw2y=total(w * w * y), sw2y2=total(w * w * y * y),
        )
        for m, y in values.items()
    ]  # fmt: skip
    raw = precompute._estimates(pd.concat(parts, ignore_index=True), smp.n_h)
    raw = raw[raw["level"].isin(LEVELS) & (raw["size_class"] == precompute.ALL_SIZES)].reset_index(drop=True)
    shown = finalize.finalize(raw, (raw["statistic"] == "share").to_numpy(), min_n=1)
    return shown[[*DIRECT_COLUMNS, "ci_low", "ci_high"]]


def models(direct: pd.DataFrame, geo: Geography, weighting: str) -> dict[str, pd.DataFrame]:
    """The model's EPCI estimates of one measure, benchmarked and not."""
    columns = ["territory_code", "n", "estimate", "var"]
    level = {name: direct[direct["level"] == name] for name in LEVELS}
    bm = sae.benchmark_for(geo.benchmark_epcis(weighting), level["departement"][columns], level["region"][columns])
    epci = level["epci"][DIRECT_COLUMNS[1:]]
    return {
        "benchmarked": sae.epci_estimates(epci, geo.covariates, benchmark=bm),
        "unbenchmarked": sae.epci_estimates(epci, geo.covariates),
    }


def epci_records(model: pd.DataFrame, direct: pd.DataFrame, truth: pd.Series, geo: Geography) -> pd.DataFrame:
    """One row per modelled EPCI: n, model estimate and interval, direct interval, truth, decile."""
    m = model.set_index("territory_code")
    d = direct[direct["level"] == "epci"].set_index("territory_code").reindex(m.index)
    return pd.DataFrame(
        {
            "territory_code": m.index, "n": m["n"].to_numpy(), "estimate": m["estimate"].to_numpy(),
            "ci_low": m["ci_low"].to_numpy(), "ci_high": m["ci_high"].to_numpy(),
            "direct_estimate": d["estimate"].to_numpy(), "direct_low": d["ci_low"].to_numpy(),
            "direct_high": d["ci_high"].to_numpy(), "truth": truth.reindex(m.index).to_numpy(),
            "decile": geo.epcis["decile"].reindex(m.index).to_numpy(),
        }
    )  # fmt: skip


def agreement(model: pd.DataFrame, direct: pd.DataFrame, geo: Geography, weighting: str) -> pd.DataFrame:
    """The z of the EPCIs' weighted mean against each direct département and région, and its reliability.

    An EPCI counts in its main département and its région, with the benchmark's weights; z is
    (aggregate − direct) / direct SE, NaN where the direct SE is 0 (all answers equal).
    """
    est = model.set_index("territory_code")["estimate"].reindex(geo.epcis.index)
    ok = est.notna().to_numpy()
    w = geo.weights(weighting).to_numpy()
    frames = []
    for level in LEVELS[1:]:
        group = geo.epcis[ref.LEVEL_COLUMNS[level]].to_numpy()[ok]
        mean = pd.Series(w[ok] * est.to_numpy()[ok]).groupby(group).sum() / pd.Series(w[ok]).groupby(group).sum()
        d = direct[direct["level"] == level].set_index("territory_code")
        se = np.sqrt(d["var"].clip(lower=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = ((mean.reindex(d.index) - d["estimate"]) / se).where(se > 0)
        frames.append(
            pd.DataFrame(
                {"level": level, "territory_code": d.index, "z": z.to_numpy(),
                 "reliable": sae.reliable(d["n"], d["estimate"], d["var"])}
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def replicate(
    smp: Sample, geo: Geography, latent_values: dict[str, np.ndarray], truth: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replicate of a survey: (EPCI records, département and région agreement), every measure × variant."""
    direct = direct_estimates(smp, answers(smp, latent_values, rng))
    epci_truth = truth[truth["level"] == "epci"]
    records, agree = [], []
    for measure in latent_values:
        d = direct[direct["measure"] == measure]
        t = epci_truth[epci_truth["measure"] == measure].set_index("territory_code")["truth"]
        for variant, model in models(d, geo, smp.weighting).items():
            keys = {"measure": measure, "variant": variant}
            records.append(epci_records(model, d, t, geo).assign(**keys))
            agree.append(agreement(model, d, geo, smp.weighting).assign(**keys))
    return pd.concat(records, ignore_index=True), pd.concat(agree, ignore_index=True)


def simulate(
    smp: Sample, geo: Geography, seeds: Iterable[int], replicates: int, say: Callable[[str], None] = print
) -> dict:
    """Every seed × replicate of one survey: records, agreement, the truths and the time per replicate."""
    records, agree, truths, times = [], [], [], []
    for seed in seeds:
        values = latent(geo, np.random.default_rng(seed))
        truth = area_truth(geo, commune_truth(values), smp.weighting)
        truths.append(truth.assign(seed=seed))
        for rep in range(replicates):
            start = time.perf_counter()
            rng = np.random.default_rng([seed, list(SURVEYS).index(smp.survey), rep])
            rec, agr = replicate(smp, geo, values, truth, rng)
            times.append(time.perf_counter() - start)
            records.append(rec.assign(seed=seed, replicate=rep))
            agree.append(agr.assign(seed=seed, replicate=rep))
        say(f"{smp.survey}: seed {seed}, {replicates} replicates, {np.mean(times[-replicates:]):.2f} s each")
    return {
        "records": pd.concat(records, ignore_index=True),
        "agreement": pd.concat(agree, ignore_index=True),
        "truth": pd.concat(truths, ignore_index=True),
        "seconds": times,
    }


# --- Scores ----------------------------------------------------------------------------------------


def _rmse(error: pd.Series) -> float | None:
    return float(np.sqrt((error**2).mean())) if len(error) else None


def _covered(low: pd.Series, truth: pd.Series, high: pd.Series) -> pd.Series:
    return (low <= truth) & (truth <= high)


def group_scores(rows: pd.DataFrame, draws: int) -> dict:
    """Model and direct scores of one group of EPCI records (one measure, both variants)."""
    unb = rows[rows["variant"] == "unbenchmarked"]
    d = unb[unb["n"] >= 1]
    out: dict = {
        "areas": round(len(unb) / draws, 1),
        "direct_rmse": _rmse(d["direct_estimate"] - d["truth"]),
        "direct_coverage": float(_covered(d["direct_low"], d["truth"], d["direct_high"]).mean()) if len(d) else None,
    }
    for variant in VARIANTS:
        g = rows[rows["variant"] == variant]
        model_rmse, sampled = _rmse(g["estimate"] - g["truth"]), g[g["n"] >= 1]
        out[variant] = {
            "coverage": float(_covered(g["ci_low"], g["truth"], g["ci_high"]).mean()) if len(g) else None,
            "bias": float((g["estimate"] - g["truth"]).mean()) if len(g) else None,
            "rmse": model_rmse,
            # On the EPCIs with respondents: the direct estimate has no value elsewhere.
            "ratio": _ratio(_rmse(sampled["estimate"] - sampled["truth"]), out["direct_rmse"]),
        }
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def conditional(rows: pd.DataFrame, replicates: int) -> dict:
    """Share of EPCIs × seeds whose model interval covers their truth < 80 % (and < 50 %) of the time."""
    out = {"nominal_below_80": float(binom.cdf(np.ceil(CONDITIONAL_FLOOR * replicates) - 1, replicates, 0.95))}
    for variant in VARIANTS:
        g = rows[rows["variant"] == variant]
        cover = _covered(g["ci_low"], g["truth"], g["ci_high"]).groupby([g["seed"], g["territory_code"]]).mean()
        out[variant] = {"below_80": float((cover < CONDITIONAL_FLOOR).mean()), "below_50": float((cover < 0.5).mean())}
    return out


def agreement_scores(rows: pd.DataFrame, draws: int) -> dict:
    """Per variant and level: reliable direct areas per draw, and the share (count) with |z| > 1.96."""
    out: dict = {}
    for variant in VARIANTS:
        out[variant] = {}
        for level in LEVELS[1:]:
            g = rows[(rows["variant"] == variant) & (rows["level"] == level)]
            ok, finite = g[g["reliable"] & g["z"].notna()], g[g["z"].notna()]
            out[variant][level] = {
                "reliable_per_draw": round(len(ok) / draws, 1),
                "disagree": int((ok["z"].abs() > sae.Z95).sum()),
                "share": float((ok["z"].abs() > sae.Z95).mean()) if len(ok) else None,
                # The audit's definition: every area whose direct SE is not 0.
                "share_all": float((finite["z"].abs() > sae.Z95).mean()) if len(finite) else None,
                "median_abs_z": float(finite["z"].abs().median()) if len(finite) else None,
            }
    return out


def truth_summary(truth: pd.DataFrame) -> dict:
    """Quantiles of the EPCI truths of each measure, pooled over seeds."""
    epci = truth[truth["level"] == "epci"]
    return {
        m: {q: float(getattr(g["truth"], q)()) for q in ("min", "median", "mean", "max")}
        for m, g in epci.groupby("measure", sort=False)
    }


def measure_scores(records: pd.DataFrame, agree: pd.DataFrame, replicates: int, draws: int) -> dict:
    """Every score of one survey × measure."""
    bands = {label: group_scores(records[records["n"].between(lo, hi)], draws) for label, lo, hi in BANDS}
    deciles = {str(k): group_scores(g, draws) for k, g in records.groupby("decile")}
    return {
        "bands": bands,
        "deciles": deciles,
        "conditional": conditional(records, replicates),
        "agreement": agreement_scores(agree, draws),
    }


def targets(survey: str, measure: str, scores: dict, draws: int) -> list[dict]:
    """The issue's targets for one survey × measure × variant, measured, pass or fail (None: no data)."""
    out = []

    def band(key: str) -> str:
        return f"n {key}: {scores['bands'][key]['areas']:.0f} EPCIs"

    def decile(key: str) -> str:
        return f"decile {key}"

    for variant in VARIANTS:
        cov_bands = {k: g[variant]["coverage"] for k, g in scores["bands"].items() if g["areas"] > 0}
        cov_deciles = {k: g[variant]["coverage"] for k, g in scores["deciles"].items()}
        ratios = {k: scores["bands"][k][variant]["ratio"] for k in RATIO_BANDS}
        ratios = {k: v for k, v in ratios.items() if v is not None}
        dep = scores["agreement"][variant]["departement"]
        checks = (
            ("coverage ≥ 0.90 in every n band", cov_bands, min, lambda v: v >= TARGET_COVERAGE, band),
            ("coverage ≥ 0.90 in every density decile", cov_deciles, min, lambda v: v >= TARGET_COVERAGE, decile),
            ("RMSE model / direct ≤ 1.0 from 10 respondents", ratios, max, lambda v: v <= TARGET_RATIO, band),
        )
        for name, values, worst, ok, label in checks:
            key = worst(values, key=values.get) if values else None
            value = values[key] if key is not None else None
            passed = None if value is None else ok(value)
            out.append(_target(survey, measure, variant, name, value, None if key is None else label(key), passed))
        cells = round(dep["reliable_per_draw"] * draws)
        passed = None if cells == 0 else dep["disagree"] == 0
        where = f"of {cells} reliable" if cells else "no reliable département"
        out.append(_target(survey, measure, variant, "0 départements in disagreement", dep["disagree"], where, passed))
    return out


def _target(survey: str, measure: str, variant: str, target: str, value, where, passed: bool | None) -> dict:
    return {
        "survey": survey, "measure": measure, "variant": variant, "target": target, "measured": value,
        "where": where, "pass": passed,
    }  # fmt: skip


def survey_result(smp: Sample, sim: dict, seeds: list[int], replicates: int) -> dict:
    """The scores of one survey: every measure, the truths' summary, the time per replicate."""
    draws = len(seeds) * replicates
    records, agree = sim["records"], sim["agreement"]
    measures = {
        m: measure_scores(records[records["measure"] == m], agree[agree["measure"] == m], replicates, draws)
        for m in SHAPES
    }
    n = records.drop_duplicates(["territory_code"])["n"]
    return {
        "wave": smp.wave,
        "weighting": smp.weighting,
        "respondents": len(smp.weight),
        "epcis": int(len(n)),
        "epcis_without_respondent": int((n == 0).sum()),
        "truth": truth_summary(sim["truth"]),
        "seconds_per_replicate": float(np.mean(sim["seconds"])),
        "measures": measures,
        "targets": [t for m, s in measures.items() for t in targets(smp.survey, m, s, draws)],
    }


# --- Report ----------------------------------------------------------------------------------------


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _verdict(passed: bool | None) -> str:
    return "n/a" if passed is None else "**pass**" if passed else "**FAIL**"


def _header(result: dict) -> list[str]:
    return [
        "# Small-area estimates (EPCI) against a truth that is not Fay–Herriot-shaped",
        "",
        f"Measured {result['measured_at']} on {result['machine']}: `{result.get('command', 'python -m benchmarks.sae_offmodel')}`, database "
        f"`{result['db']}`, seeds {', '.join(map(str, result['seeds']))} × {result['replicates']} replicates "
        f"(one truth per seed, the answers redrawn per replicate), model `{result['model']}`.",
        "",
        "Truth per commune, on the logit scale (shares) or in score points (score): tanh(1.5·z) of the "
        "EPCI's standardised log density z, its standardised log population squared (capped at 4), a "
        f"threshold at z > {DENSE_Z}, région × density slopes, Student-t₃ EPCI effects and N(0, 0.3²) commune "
        "effects; averaged to EPCI, département and région, population-weighted for the citizens, "
        "commune-weighted for the mayors. Samples: the database's real respondents (communes, weights, "
        "strata; the mayors' stratified weights kept), answers redrawn. Direct estimates and their 95 % "
        "intervals as the app computes them (logit interval for a share, Wilson at 0 or 1); the model "
        "is `sae.epci_estimates`, benchmarked with `sae.benchmark_for` to the replicate's reliable direct "
        "départements (else the rest of the région) and unbenchmarked.",
        "",
        "Reading the targets: a département disagrees when the weighted mean of its EPCIs' model estimates "
        "(EPCI → main département; population, or communes for the mayors) is more than 1.96 direct SEs from "
        "its reliable direct estimate. Only benchmarking can meet '0': EPCI estimates equal to the truth "
        "would still disagree in about 5 % of the cells, by the direct estimate's own sampling error. 'n/a': "
        "no département had a reliable direct estimate (≥ 100 respondents and RSE ≤ 30 %).",
        "",
    ]


def _truth_table(result: dict) -> list[str]:
    lines = ["EPCI truths (pooled over seeds): min / median / mean / max.", "",
             "| survey | " + " | ".join(SHAPES) + " |", "| --- |" + " ---: |" * len(SHAPES)]  # fmt: skip
    for name, s in result["surveys"].items():
        cells = [" / ".join(_f(s["truth"][m][q], 3 if m != "score" else 2) for q in ("min", "median", "mean", "max"))
                 for m in SHAPES]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _targets_table(result: dict) -> list[str]:
    names = list(dict.fromkeys(t["target"] for s in result["surveys"].values() for t in s["targets"]))
    lines = [
        "## Targets", "",
        "Measured value (where: the worst n band or decile, or the area × replicate cells), and verdict.", "",
        "| survey | measure | model | " + " | ".join(names) + " |", "| --- | --- | --- |" + " --- |" * len(names),
    ]  # fmt: skip
    for name, s in result["surveys"].items():
        rows: dict[tuple[str, str], dict[str, dict]] = {}
        for t in s["targets"]:
            rows.setdefault((t["measure"], t["variant"]), {})[t["target"]] = t
        for (measure, variant), by_name in rows.items():
            cells = [_target_cell(by_name[n]) if n in by_name else "" for n in names]
            lines.append(f"| {name} | {measure} | {variant} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _target_cell(t: dict) -> str:
    where = f" ({t['where']})" if t["where"] is not None else ""
    return f"{_f(t['measured'])}{where} {_verdict(t['pass'])}"


def _score_table(scores: dict, first: str) -> list[str]:
    lines = [
        f"| measure | {first} | EPCIs | direct RMSE | direct cov. | cov. | bias | RMSE | ratio | "
        "unbench. cov. | bias | RMSE | ratio |",
        "| --- | --- |" + " ---: |" * 11,
    ]
    for measure, s in scores.items():
        for key, g in s.items():
            b, u = g["benchmarked"], g["unbenchmarked"]
            lines.append(
                f"| {measure} | {key} | {g['areas']:.0f} | {_f(g['direct_rmse'])} | {_f(g['direct_coverage'], 2)} | "
                f"{_f(b['coverage'], 2)} | {_f(b['bias'])} | {_f(b['rmse'])} | {_f(b['ratio'], 2)} | "
                f"{_f(u['coverage'], 2)} | {_f(u['bias'])} | {_f(u['rmse'])} | {_f(u['ratio'], 2)} |"
            )
    return [*lines, ""]


def _agreement_table(survey: dict) -> list[str]:
    lines = [
        "| measure | model | reliable dép. per draw | dép. |z| > 1.96 | (all dép.) | median |z| | "
        "reliable rég. per draw | rég. |z| > 1.96 | (all rég.) | EPCIs covered < 80 % | < 50 % |",
        "| --- | --- |" + " ---: |" * 9,
    ]
    for measure, s in survey["measures"].items():
        for variant in VARIANTS:
            d, r = s["agreement"][variant]["departement"], s["agreement"][variant]["region"]
            c = s["conditional"][variant]
            lines.append(
                f"| {measure} | {variant} | {d['reliable_per_draw']:.1f} | {_f(d['share'])} ({d['disagree']}) | "
                f"{_f(d['share_all'])} | {_f(d['median_abs_z'], 2)} | {r['reliable_per_draw']:.1f} | "
                f"{_f(r['share'])} ({r['disagree']}) | {_f(r['share_all'])} | {_f(c['below_80'])} | {_f(c['below_50'])} |"
            )
    return [*lines, ""]


def markdown(result: dict) -> str:
    """The results as the Markdown file."""
    lines = [*_header(result), *_truth_table(result), *_targets_table(result)]
    for name, s in result["surveys"].items():
        nominal = next(iter(s["measures"].values()))["conditional"]["nominal_below_80"]
        lines += [
            f"## {name} {s['wave']}: {s['respondents']:,} respondents, {s['epcis']} modelled EPCIs "
            f"({s['epcis_without_respondent']} without respondent); {s['seconds_per_replicate']:.2f} s per replicate",
            "",
            "By respondents per EPCI (EPCIs: per replicate; cov.: share of 95 % intervals covering the truth; "
            "ratio: model / direct RMSE on the EPCIs with respondents; first block benchmarked):",
            "",
            *_score_table({m: v["bands"] for m, v in s["measures"].items()}, "n band"),
            "By decile of EPCI density (0 = sparsest):",
            "",
            *_score_table({m: v["deciles"] for m, v in s["measures"].items()}, "decile"),
            "Agreement with the direct départements and régions (share of area × replicate with |z| > 1.96 "
            "among the reliable ones, count in brackets; '(all)': every area whose direct SE is not 0, the "
            "audit's definition), and conditional coverage (share of EPCI × seed whose interval covers the "
            f"truth in fewer than 80 % / 50 % of the replicates; {_f(nominal)} expected of an exact 95 % "
            "interval):",
            "",
            *_agreement_table(s),
        ]
    return "\n".join(lines)


def model_version() -> str:
    """The commit checked out, whether the model's package differs from it, and sae.py's hash."""
    digest = hashlib.sha256((ROOT / "observatory" / "stats" / "sae.py").read_bytes()).hexdigest()[:12]
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "observatory/stats"], capture_output=True, text=True
        )
        state = " + uncommitted changes in observatory/stats" if dirty.stdout.strip() else ""
        return f"{head.stdout.strip()}{state}, sae.py sha256 {digest}"
    except (OSError, subprocess.CalledProcessError):
        return f"sae.py sha256 {digest}"


def run(db: Path, surveys: list[str], seeds: list[int], replicates: int, say: Callable[[str], None] = print) -> dict:
    """Load, simulate and score: the result that :func:`markdown` writes."""
    geo, samples = load(db, surveys)
    result = {
        **provenance(),
        "db": str(db), "seeds": seeds, "replicates": replicates, "model": model_version(), "surveys": {},
    }  # fmt: skip
    for name, smp in samples.items():
        sim = simulate(smp, geo, seeds, replicates, say)
        result["surveys"][name] = survey_result(smp, sim, seeds, replicates)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sae_offmodel", description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "observatory.duckdb")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--replicates", type=int, default=10, help="replicates per seed (the audit: 40)")
    parser.add_argument("--surveys", nargs="+", choices=list(SURVEYS), default=list(SURVEYS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    result = run(args.db, args.surveys, args.seeds, args.replicates)
    result["command"] = " ".join(["python -m benchmarks.sae_offmodel", *(sys.argv[1:] if argv is None else argv)])
    write_results(args.out, "sae_offmodel", result, markdown(result), default=_json_default)
    print(markdown(result))
    return 0


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value)}")


if __name__ == "__main__":
    raise SystemExit(main())
