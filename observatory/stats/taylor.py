"""Design-based estimates of ratio means for every territory at once, by Taylor linearisation.

Each territory d is a domain (subpopulation) of the whole sample of its survey and wave:
strata h as given, respondents as primary units, no finite population correction. For a
measure y, the estimate is R_d = Σ w y / Σ w over d, and its linearised variable is
u_i = w_i (y_i − R_d) / W_d inside d and 0 outside. Because u is 0 outside d,

    V(R_d) = Σ_h n_h/(n_h − 1) · [Σ_{h∩d} u² − (Σ_{h∩d} u)² / n_h]

with n_h the whole-sample stratum size. Both sums expand into moments of (w, y) over h ∩ d
(Σw, Σwy, Σw², Σw²y, Σw²y²), so one group-by gives every territory. The same moments, taken
as totals minus the territory's, give the complement ("rest of France") and its variance.
Strata with a single respondent contribute no variance (they cannot estimate one).

The complement's variance sums over all strata: Σ_h T_h over the whole sample, corrected in the
strata the territory has respondents in by C_h − T_h (complement minus total), which is again a
quadratic in the complement's ratio. So every sum is linear in per-(stratum, territory) moments
or in their products with the stratum's totals, and the whole computation is one scan of the data:
one group-by into cells, a window for the stratum totals, a group-by per territory and a window
for the totals of each measure. (Spark would compute a self-joined subquery once per use.)

The formulas are written once, over array-like operands (:func:`moments`, :func:`stratum_factor`,
:func:`cell_terms`, :func:`ratios`, :func:`variances`): on Ibis columns here, the computation runs
in the database (DuckDB by default, or Spark) in bulk; on numpy arrays, the stored table of every
cell (:mod:`observatory.stats.precompute`) sums the same terms with its own grouping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np

KEYS = ("measure", "statistic")
MOMENTS = ("n", "sw", "swy", "sw2", "sw2y", "sw2y2")
# The sums of a territory that are also needed over its whole universe (for the complement).
TOTALS = ("n", "sum_w", "sum_wy", "a2", "a1", "a0", "e2", "e1", "e0")


@dataclass(frozen=True)
class Ops:
    """The two operations the formulas need that numpy and Ibis spell differently."""

    where: Callable[[Any, Any, Any], Any]  # where(condition, value, otherwise)
    missing: Any  # a missing float


IBIS = Ops(ibis.ifelse, ibis.null("float64"))
NUMPY = Ops(np.where, np.nan)  # call under np.errstate(divide="ignore", invalid="ignore")


def _quad(p2: Any, p1: Any, p0: Any, r: Any) -> Any:
    """p2 − 2 r p1 + r² p0: a sum of products of deviations from r, from its expanded moments."""
    return p2 - 2 * r * p1 + r * r * p0


def _cross(p2: Any, p1: Any, p0: Any, r: Any) -> Any:
    """p2 − r p1 + r² p0: the cross products of a cell's deviations with its stratum total's."""
    return p2 - r * p1 + r * r * p0


def moments(x: ir.Table) -> dict[str, ir.Value]:
    """The moments of (w, y) over a group of answers, as aggregations: n, Σw, Σwy, Σw², Σw²y, Σw²y²."""
    w, y = x.weight, x.y
    return {
        "n": x.count(),
        "sw": w.sum(),
        "swy": (w * y).sum(),
        "sw2": (w * w).sum(),
        "sw2y": (w * w * y).sum(),
        "sw2y2": (w * w * y * y).sum(),
    }


def stratum_factor(n_h: Any, ops: Ops) -> Any:
    """k_h = n_h / (n_h − 1); 0 for a stratum of one respondent, which cannot estimate a variance."""
    return ops.where(n_h > 1, n_h / (n_h - 1), 0.0)


def cell_terms(c: Mapping[str, Any], k: Any, n_h: Any, t_sw: Any, t_swy: Any) -> dict[str, Any]:
    """What one (stratum, territory) cell adds to its territory's sums.

    ``c`` holds the cell's :data:`MOMENTS`, ``k`` and ``n_h`` its stratum's factor and size, and
    ``t_sw``, ``t_swy`` its stratum's Σw and Σwy over the whole universe. Besides the moments, the
    sums of k_h·moments (a), of k_h/n_h·products of moments (b) and of k_h/n_h·moments × stratum
    totals (e).
    """
    q = k / n_h
    sw, swy = c["sw"], c["swy"]
    return {
        "n": c["n"],
        "sum_w": sw,
        "sum_wy": swy,
        "sum_w2": c["sw2"],
        "a2": k * c["sw2y2"],
        "a1": k * c["sw2y"],
        "a0": k * c["sw2"],
        "b2": q * swy * swy,
        "b1": q * swy * sw,
        "b0": q * sw * sw,
        "e2": q * t_swy * swy,
        "e1": q * (t_swy * sw + t_sw * swy),
        "e0": q * t_sw * sw,
    }


def ratios(d: Mapping[str, Any], tot: Mapping[str, Any], ops: Ops) -> dict[str, Any]:
    """The territory's ratio and its complement's, from its sums ``d`` and its universe's ``tot``.

    Returns estimate, w_rest (the complement's Σw), n_rest and estimate_rest (missing when the
    complement is empty).
    """
    w_rest = tot["sum_w"] - d["sum_w"]
    return {
        "estimate": d["sum_wy"] / d["sum_w"],
        "w_rest": w_rest,
        "n_rest": tot["n"] - d["n"],
        "estimate_rest": ops.where(w_rest > 0, (tot["sum_wy"] - d["sum_wy"]) / w_rest, ops.missing),
    }


def variances(d: Mapping[str, Any], tot: Mapping[str, Any], r: Mapping[str, Any], ops: Ops) -> dict[str, Any]:
    """The variances of a territory's ratio and of its complement's (``var``, ``var_rest``).

    From its sums ``d``, its universe's ``tot`` and its :func:`ratios` ``r``.
    """
    est, rc, w_rest = r["estimate"], r["estimate_rest"], r["w_rest"]
    inside = _quad(d["a2"], d["a1"], d["a0"], est) - _quad(d["b2"], d["b1"], d["b0"], est)
    # Σ over all strata of the whole sample's terms at the complement's ratio, then C_h − T_h
    # = −k_h s2_cell − k_h/n_h (s1_cell² − 2 s1_total s1_cell) in the territory's strata.
    all_strata = _quad(tot["a2"], tot["a1"], tot["a0"], rc) - _cross(tot["e2"], tot["e1"], tot["e0"], rc)
    rest_minus_total = (
        -_quad(d["a2"], d["a1"], d["a0"], rc)
        - _quad(d["b2"], d["b1"], d["b0"], rc)
        + 2 * _cross(d["e2"], d["e1"], d["e0"], rc)
    )
    return {
        "var": inside / (d["sum_w"] * d["sum_w"]),
        "var_rest": ops.where(w_rest > 0, (all_strata + rest_minus_total) / (w_rest * w_rest), ops.missing),
    }


def domain_estimates(values: ir.Table, respondents: ir.Table, keys: tuple[str, ...] = KEYS) -> ir.Table:
    """Estimates and variances of every (territory, measure, statistic), with their complements.

    Args:
        values: one row per respondent and measure: ``respondent_id, measure, statistic, y``,
            already restricted to the respondents of the domain's subpopulation (e.g. a size class).
        respondents: the whole sample of the survey and wave: ``respondent_id, stratum, weight,
            territory`` (territory may be null: such respondents count only in the totals).
        keys: the columns of ``values`` that separate independent computations (measure and
            statistic; more to stack several computations in one scan).

    Returns:
        One row per territory × measure × statistic: n, sum_w, sum_w2, estimate, var, and for the
        rest of the sample n_rest, estimate_rest, var_rest.
    """
    return estimates_from_cells(cell_moments(values, respondents, keys), stratum_sizes(respondents), keys)


def cell_moments(values: ir.Table, respondents: ir.Table, keys: tuple[str, ...] = KEYS) -> ir.Table:
    """Moments of (w, y) per stratum, territory and keys: n, Σw, Σwy, Σw², Σw²y, Σw²y².

    They add up: the cells of a union of territories are the sums of theirs, so the cells of the
    finest level give every coarser level without reading the answers again.
    """
    x = values.join(respondents, "respondent_id")
    return x.group_by(["stratum", "territory", *keys]).aggregate(**moments(x))


def stratum_sizes(respondents: ir.Table) -> ir.Table:
    """The whole sample's stratum sizes n_h."""
    return respondents.group_by("stratum").aggregate(n_h=respondents.count())


def estimates_from_cells(cells: ir.Table, sizes: ir.Table, keys: tuple[str, ...] = KEYS) -> ir.Table:
    """:func:`domain_estimates` from per-(stratum, territory, keys) moments and the stratum sizes.

    The complement of a territory (its "rest") is taken within the cells that share its keys: with
    a key naming a universe (France, or the territory's parent), the rest is the rest of it.
    """
    # Whole-sample stratum sizes, joined to the (few) cells rather than to every answer.
    cells = cells.join(sizes, "stratum")
    stratum = ibis.window(group_by=["stratum", *keys])
    c = cells.mutate(
        k=stratum_factor(cells.n_h, IBIS), t_sw=cells.sw.sum().over(stratum), t_swy=cells.swy.sum().over(stratum)
    )
    # Per territory (null: respondents outside every territory), then over all of them.
    terms = cell_terms(c, c.k, c.n_h, c.t_sw, c.t_swy)
    dom = c.group_by(["territory", *keys]).aggregate(**{name: term.sum() for name, term in terms.items()})
    everywhere = ibis.window(group_by=list(keys))
    dom = dom.mutate(**{f"tot_{m}": dom[m].sum().over(everywhere) for m in TOTALS})
    dom = dom.filter(dom.territory.notnull())
    tot = {m: dom[f"tot_{m}"] for m in TOTALS}
    d = dom.mutate(**ratios(dom, tot, IBIS))
    tot = {m: d[f"tot_{m}"] for m in TOTALS}
    out = variances(d, tot, d, IBIS)
    return d.select("territory", *keys, "n", "sum_w", "sum_w2", "estimate", var=out["var"], n_rest=d.n_rest,
                    estimate_rest=d.estimate_rest, var_rest=out["var_rest"])  # fmt: skip
