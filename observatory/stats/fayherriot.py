"""The area-level Fay–Herriot model: REML fit, EBLUP and Prasad–Rao MSE, vectorised.

    direct_i = θ_i + e_i,   e_i ~ N(0, ψ_i)   (sampling error, ψ_i known)
    θ_i = x_i'β + u_i,      u_i ~ N(0, σ²ᵤ)   (what the covariates do not explain)

σ²ᵤ by REML, Fisher scoring on the restricted likelihood; V is diagonal, so every step is O(m·p²),
nothing m × m. When REML puts σ²ᵤ at 0, Li and Lahiri's (2010) adjusted REML (the maximum of
L_R(σ²ᵤ)·σ²ᵤ, always positive). MSE by Prasad–Rao with Datta–Lahiri's REML form, g1 + g2 + 2·g3.
The tests check it against samplics' ``EblupAreaModel``. Used by :mod:`observatory.stats.sae` on
the linear scale (scores) and on the working logit scale (shares).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REML_TOL = 1e-12  # relative change of σ²ᵤ at which Fisher scoring stops
REML_MAX_ITER = 200


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
        return x @ self.beta, self.sigma2_u + np.sum((x @ self.cov_beta) * x, axis=1)


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


def _reml(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, start: float | None = None, tol: float = REML_TOL
) -> tuple[float, int]:
    """The REML σ²ᵤ (0 at the boundary) and the Fisher scoring steps taken (from ``start`` if > 0)."""
    if reml_score(0.0, y, psi, x) <= 0:  # the likelihood decreases from 0: the maximum is the boundary
        return 0.0, 0
    if start is not None and start > 0:
        sigma2 = start
    else:  # a moment start: residual variance of OLS beyond the mean sampling variance
        resid = y - x @ _wls(y, np.ones(len(y)), x)
        sigma2 = max(resid.var() - psi.mean(), psi.mean() * 0.1, 1e-12)
    for step in range(1, REML_MAX_ITER + 1):
        score, info, _ = _reml_parts(sigma2, y, psi, x)
        new = sigma2 + score / info
        if new <= 0:  # overshot the boundary: halve towards it instead
            new = sigma2 / 2
        if abs(new - sigma2) <= tol * max(sigma2, 1e-300):
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
    from scipy.optimize import brentq  # the load's fits only: a web worker reads the stored model

    return brentq(score, low, high, xtol=1e-15 * high, rtol=1e-13, maxiter=500)


def _li_lahiri(
    y: np.ndarray, psi: np.ndarray, x: np.ndarray, start: float | None = None, tol: float = REML_TOL
) -> float:
    """Li and Lahiri's adjusted REML: the maximum of L_R(σ²)·σ², whose score is REML's + 1/σ².

    From ``start`` (a previous root, as in the iterations of the logit model): Fisher scoring on
    the adjusted score, whose information is REML's + 1/σ⁴; bracketed root otherwise, or when the
    steps do not settle.
    """
    if start is not None and start > 0:
        sigma2 = start
        for _step in range(REML_MAX_ITER // 10):
            score, info, _ = _reml_parts(sigma2, y, psi, x)
            new = sigma2 + (score + 1.0 / sigma2) / (info + 1.0 / sigma2**2)
            if new <= 0:
                break
            if abs(new - sigma2) <= tol * sigma2:
                return new
            sigma2 = new
    return _root(lambda s: reml_score(s, y, psi, x) + 1.0 / s, y, psi)


def fit(
    y: np.ndarray,
    var: np.ndarray,
    X: np.ndarray,
    start: float | None = None,
    adjust: bool = True,  # noqa: N803
    tol: float = REML_TOL,
) -> Fit:
    """Fit the Fay–Herriot model by REML and give each area its EBLUP and MSE.

    Args:
        y: Direct estimates of the m sampled areas.
        var: Their sampling variances ψ (known; smoothed, see :func:`smooth_variances`), all > 0.
        X: Design matrix (m × p, full column rank, intercept included).
        start: Where the REML (or adjusted) iterations start (a previous fit's σ²ᵤ); None: a
            moment estimate.
        adjust: Whether a REML σ²ᵤ of 0 is replaced by Li–Lahiri's adjusted REML.
        tol: The relative change of σ²ᵤ at which the iterations stop.

    Returns:
        The :class:`Fit`. When REML gives σ²ᵤ = 0 and ``adjust``, σ²ᵤ is Li–Lahiri's adjusted
        REML and ``adjusted`` is True (the callers give those areas the status
        ``model_adjusted``).
    """
    y, psi, x = (np.asarray(a, dtype=float) for a in (y, var, X))
    if (psi <= 0).any() or not np.isfinite(psi).all():
        raise ValueError("sampling variances must be finite and > 0")
    sigma2_reml, iterations = _reml(y, psi, x, start, tol)
    adjusted = adjust and sigma2_reml <= 0
    sigma2 = _li_lahiri(y, psi, x, start, tol) if adjusted else sigma2_reml
    v = sigma2 + psi
    w = 1.0 / v
    cov_beta = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = cov_beta @ (x.T @ (w * y))
    gamma = sigma2 * w
    synthetic = x @ beta
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * np.sum((x @ cov_beta) * x, axis=1)
    # Datta–Lahiri: Var(σ̂²ᵤ) ≈ 2 / Σ v⁻² (REML), g3 = ψ² / v³ · Var(σ̂²ᵤ).
    g3 = (1 - gamma) ** 2 * (2.0 / np.sum(w * w)) * w
    return Fit(
        beta=beta, cov_beta=cov_beta, sigma2_u=float(sigma2), sigma2_reml=float(sigma2_reml), adjusted=adjusted,
        gamma=gamma, estimate=gamma * y + (1 - gamma) * synthetic, g1=g1, g2=g2, g3=g3, mse=g1 + g2 + 2 * g3,
        iterations=iterations,
    )  # fmt: skip
