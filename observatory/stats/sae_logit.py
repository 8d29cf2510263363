"""Shares on the logit scale: a binomial logit-normal area model, and its way back to a share.

A share near 0 or 1 is not normal on its own scale, and a linear model of it borrows a regression
line that is wrong where the share is rare (``shared/reference/small_area.md``: coverage 0.46–0.84
for a rare share). Here each EPCI's respondents give y*ᵢ "yes" among n*ᵢ, its effective sample
divided by the survey's design effect (y*ᵢ = p̂ᵢ·n*ᵢ: counts need not be integers), and

    y*ᵢ ~ Binomial(n*ᵢ, πᵢ),   logit πᵢ = xᵢ'β + uᵢ,   uᵢ ~ N(0, σ²ᵤ).

Fit by penalised quasi-likelihood (Breslow & Clayton 1993): at the current ηᵢ = xᵢ'β + uᵢ, the
working response zᵢ = ηᵢ + (y*ᵢ − n*ᵢπᵢ) / (n*ᵢπᵢ(1 − πᵢ)) has variance ψᵢ = 1 / (n*ᵢπᵢ(1 − πᵢ)),
and a Fay–Herriot fit of z on ψ (REML, :mod:`observatory.stats.fayherriot`) gives the next β, σ²ᵤ
and η; repeated until η moves by less than :data:`TOL`. The variance of each area's logit then
comes from the last fit (g1 + g2 + 2·g3, or σ²ᵤ + x'Var(β̂)x without respondent).

Back to a share (:func:`to_share`), with θ ~ N(η̂, v) on the logit scale: the estimate is the
mean E[expit θ] (the bias-corrected back-transformation, Sugasawa & Kubokawa 2017; the plain
expit η̂ is the median), computed by Gauss–Hermite quadrature, with v the posterior variance
g1 + g2; the interval is expit(η̂ ± 1.96·√MSE): inside [0, 1] by construction, asymmetric near the
bounds; the MSE on the share scale is E[(expit θ − estimate)²] under the MSE's spread.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from observatory.stats.fayherriot import Fit, fit

Z95 = 1.959963984540054
TOL = 1e-4  # largest change of an area's logit at which the iterations stop
SIGMA_TOL = 1e-7  # relative change of σ²ᵤ at which each inner REML fit stops
MAX_ITER = 40
DAMPING_FROM = 8  # after this many iterations, half steps (an oscillating fit settles)
PI_FLOOR = 1e-6  # π kept inside [1e-6, 1 − 1e-6] for the working variance
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
WEIGHTS = WEIGHTS / WEIGHTS.sum()


def _glm_start(y: np.ndarray, n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The logit of a logistic regression without area effects (a few IRLS steps)."""
    p0 = np.clip(y.sum() / n.sum(), 0.01, 0.99)
    eta = np.full(len(y), logit(p0))
    for _step in range(6):
        pi = np.clip(expit(eta), PI_FLOOR, 1 - PI_FLOOR)
        w = n * pi * (1 - pi)
        z = eta + (y - n * pi) / w
        beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * z))
        eta = x @ beta
    return eta


def fit_logit(p: np.ndarray, n_star: np.ndarray, x: np.ndarray) -> tuple[Fit, np.ndarray, np.ndarray, int]:
    """The PQL fit of the binomial logit-normal model on the sampled areas.

    Args:
        p: Direct shares of the m sampled areas.
        n_star: Their effective samples divided by the design effect (all > 0).
        x: Their design matrix (m × p, intercept included).

    Returns:
        The last Fay–Herriot fit on the working scale (its ``estimate`` is η̂, its ``mse`` the
        MSE of the logit), the working responses and variances, and the iterations taken.
    """
    y = p * n_star
    eta, sigma2, adjust = _glm_start(y, n_star, x), None, False
    for step in range(1, MAX_ITER + 1):
        pi = np.clip(expit(eta), PI_FLOOR, 1 - PI_FLOOR)
        w = n_star * pi * (1 - pi)
        z = eta + (y - n_star * pi) / w
        model = fit(z, 1.0 / w, x, start=sigma2, adjust=adjust, tol=SIGMA_TOL)
        new = model.estimate if step < DAMPING_FROM else 0.5 * (eta + model.estimate)
        settled = np.max(np.abs(new - eta)) < TOL
        eta, sigma2 = new, model.sigma2_u or sigma2
        if settled and (adjust or model.sigma2_reml > 0):
            return model, z, 1.0 / w, step
        # σ²ᵤ = 0 at convergence: go on with Li–Lahiri's adjusted value (cheaper once settled).
        adjust = adjust or settled
    if model.sigma2_u <= 0:  # not settled with σ²ᵤ = 0: the adjusted value, never a zero variance
        model = fit(z, 1.0 / w, x)
    return model, z, 1.0 / w, MAX_ITER


def expit_moments(mean: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[expit θ] and Var[expit θ] for θ ~ N(mean, var), by Gauss–Hermite quadrature."""
    sd = np.sqrt(np.clip(var, 0, None))
    values = expit(mean[:, None] + sd[:, None] * NODES[None, :])
    first = values @ WEIGHTS
    return first, np.clip((values * values) @ WEIGHTS - first * first, 0, None)


def to_share(eta: np.ndarray, posterior_var: np.ndarray, mse: np.ndarray) -> dict[str, np.ndarray]:
    """Estimate, MSE and 95 % interval on the share scale from the logit's (see the module)."""
    estimate, _ = expit_moments(eta, posterior_var)
    mean, var = expit_moments(eta, mse)
    half = Z95 * np.sqrt(np.clip(mse, 0, None))
    return {
        "estimate": estimate,
        "mse": var + (mean - estimate) ** 2,
        "ci_low": expit(eta - half),
        "ci_high": expit(eta + half),
    }
