"""One cell of the small-area model: fit each candidate design, keep the best, finish the columns.

A cell is one indicator × survey × wave × measure × statistic over the EPCIs. Scores are fitted by
Fay–Herriot on GVF-smoothed variances, shares by the binomial logit-normal model; the design of
lower AIC is kept, the estimates are benchmarked where a parent's direct figure is reliable, and
the columns of :data:`observatory.stats.sae.SAE_COLUMNS` (but the cell's keys) come out of
:func:`estimate_cell`. The orchestration over all cells is :func:`observatory.stats.sae.sae_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from observatory.stats import fayherriot, sae_benchmark, sae_diagnostics, sae_logit
from observatory.stats.fayherriot import Fit

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
SCORE_BOUNDS = (0.0, 10.0)  # fragility scores are marks out of 10
SHARE_BOUNDS = (0.0, 1.0)
# GVF: the design effect is fitted on EPCIs with at least this many respondents (the first that
# gives GVF_MIN_AREAS areas; the mayors' survey has one EPCI with 30, hundreds with 5).
GVF_THRESHOLDS: tuple[int, ...] = (30, 20, 10, 5, 2)
GVF_MIN_AREAS = 20


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


def estimate_cell(
    cell: dict[str, np.ndarray], designs: dict[str, np.ndarray], is_share: bool, bench: tuple | None = None
) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The columns of :func:`observatory.stats.sae.epci_estimates` and the cell's diagnostics (empty without a model).

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
