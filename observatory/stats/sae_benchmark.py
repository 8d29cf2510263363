"""Benchmarking of the EPCI small-area estimates to the published direct levels.

Within every département whose direct estimate is reliable, the weighted mean of its EPCIs' model
estimates (weights: population; communes for the mayors) is made equal to that direct estimate;
the EPCIs of the other départements of a région with a reliable estimate are benchmarked to the
rest of the région. Each EPCI moves in proportion to its MSE (the solution of
min Σ aᵢ(θᴮᵢ − θ̂ᵢ)² / MSEᵢ under Σ aᵢθᴮᵢ = target, aᵢ the weight shares; Datta, Ghosh, Steorts
& Maples 2011, *TEST*): a precise estimate moves little, a vague one more, whatever its size. (In
proportion to weight × MSE instead, the largest EPCIs — well measured but half a département's
population — took most of the move, and their RMSE rose above the direct estimate's by 6–26 % on
the off-model benchmark.) Estimates stay within the measure's
bounds (an EPCI at a bound is held there and the rest shared by the others). The MSE counts the
move, MSEᴮ = MSE + (θᴮ − θ̂)² (Steorts & Ghosh 2013), and the interval is widened by the same
factor around the benchmarked estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.stats.finalize import LOW_N, MAX_RSE

BOUND_PASSES = 8  # clip-and-redistribute passes (an EPCI at a bound is held there)


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
        departements: The cell's direct estimates of the départements: territory_code, n, estimate, var.
        regions: The same for the régions.
    """
    e = epcis.set_index("territory_code")
    weight = e["weight"].astype(float)
    dep_codes, reg_codes = pd.Index(departements["territory_code"]), pd.Index(regions["territory_code"])
    dep_value = np.where(reliable(departements["n"], departements["estimate"], departements["var"]),
                         departements["estimate"].to_numpy(float), np.nan)  # fmt: skip
    reg_value = np.where(reliable(regions["n"], regions["estimate"], regions["var"]),
                         regions["estimate"].to_numpy(float), np.nan)  # fmt: skip
    group, target = groups(
        dep_codes.get_indexer(e["departement_code"]), reg_codes.get_indexer(e["region_code"]),
        weight.to_numpy(), dep_value, reg_value,
    )  # fmt: skip
    labels = np.array([f"D{c}" for c in dep_codes] + [f"R{c}" for c in reg_codes], dtype=object)
    keep = np.isfinite(target)
    return Benchmark(
        group=pd.Series(np.where(group >= 0, labels[np.maximum(group, 0)], None), index=e.index, dtype=object),
        weight=weight,
        target=pd.Series(target[keep], index=labels[keep], dtype=float),
    )


def groups(
    dep_pos: np.ndarray, reg_pos: np.ndarray, weight: np.ndarray, dep_value: np.ndarray, reg_value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rule of :func:`benchmark_for` on arrays: each EPCI's group and each group's target.

    Args:
        dep_pos: Each EPCI's département, as a position in ``dep_value`` (−1: none).
        reg_pos: Each EPCI's région, as a position in ``reg_value`` (−1: none).
        weight: Each EPCI's weight.
        dep_value: The direct estimate of each département where it is reliable, NaN elsewhere.
        reg_value: The same for each région.

    Returns:
        The group of each EPCI (the département's position, len(dep_value) + the région's
        position for the rest of a région, −1 for none) and the target of each group (NaN: none).
    """
    d, r = len(dep_value), len(reg_value)
    dv = np.where(dep_pos >= 0, dep_value[np.maximum(dep_pos, 0)] if d else np.nan, np.nan)
    in_dep = np.isfinite(dv)
    rp, in_reg = np.maximum(reg_pos, 0), reg_pos >= 0
    rv = np.where(in_reg, reg_value[rp] if r else np.nan, np.nan)
    rest = ~in_dep & np.isfinite(rv)
    w_all = np.bincount(rp[in_reg], weights=weight[in_reg], minlength=r)
    w_rest = np.bincount(rp[rest], weights=weight[rest], minlength=r)
    both = in_dep & in_reg
    covered = np.bincount(rp[both], weights=(weight * np.nan_to_num(dv))[both], minlength=r)
    with np.errstate(divide="ignore", invalid="ignore"):
        reg_target = np.where(w_rest > 0, (w_all * reg_value - covered) / w_rest, np.nan)
    rest &= np.isfinite(reg_target[rp]) if r else False
    group = np.where(in_dep, dep_pos, np.where(rest, d + rp, -1))
    return group, np.r_[dep_value, reg_target]


def apply(
    est: np.ndarray, mse: np.ndarray, weight: np.ndarray, group: np.ndarray, target: np.ndarray,
    bounds: tuple[float, float],
) -> np.ndarray:  # fmt: skip
    """The benchmarked estimates of one cell (arrays aligned on the EPCIs).

    Args:
        est: The model estimates.
        mse: Their MSE.
        weight: Each EPCI's weight in its group's mean.
        group: Each EPCI's group index (−1: not benchmarked).
        target: The target of each group index.
        bounds: The measure's range.

    Returns:
        The benchmarked estimates (the estimates themselves outside any group, or where the
        estimate or MSE is missing).
    """
    out = est.copy()
    member = (group >= 0) & np.isfinite(est) & np.isfinite(mse) & (weight > 0)
    if not member.any():
        return out
    g = np.where(member, group, 0)
    size = int(group.max()) + 1
    total = np.bincount(g, weights=np.where(member, weight, 0.0), minlength=size)
    share = np.where(member, weight / np.where(total[g] > 0, total[g], 1.0), 0.0)
    free = member.copy()
    for _pass in range(BOUND_PASSES):
        gap = target[:size] - np.bincount(g, weights=np.where(member, share * out, 0.0), minlength=size)
        spread = np.bincount(g, weights=np.where(free, share * mse, 0.0), minlength=size)
        step = np.where(spread > 0, gap / np.where(spread > 0, spread, 1.0), 0.0)
        moved = np.where(free, out + step[g] * mse, out)
        clipped = np.clip(moved, *bounds)
        out = np.where(member, clipped, out)
        hit = free & (clipped != moved)
        if not hit.any():
            break
        free &= ~hit
    return out
