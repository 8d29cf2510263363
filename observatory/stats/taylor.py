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

Everything here is an Ibis expression: it runs in the database (DuckDB by default, or Spark) in bulk.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

KEYS = ("measure", "statistic")


def _quad(p2: ir.Value, p1: ir.Value, p0: ir.Value, r: ir.Value) -> ir.Value:
    """p2 − 2 r p1 + r² p0: a sum of products of deviations from r, from its expanded moments."""
    return p2 - 2 * r * p1 + r * r * p0


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
    w, y = x.weight, x.y
    return x.group_by(["stratum", "territory", *keys]).aggregate(
        n=x.count(),
        sw=w.sum(),
        swy=(w * y).sum(),
        sw2=(w * w).sum(),
        sw2y=(w * w * y).sum(),
        sw2y2=(w * w * y * y).sum(),
    )


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
    cells = cells.mutate(
        k=ibis.ifelse(cells.n_h > 1, cells.n_h / (cells.n_h - 1), 0.0),
        t_sw=cells.sw.sum().over(stratum),
        t_swy=cells.swy.sum().over(stratum),
    )
    c, q = cells, cells.k / cells.n_h
    # Per territory (null: respondents outside every territory), sums of k_h·moments (a), of
    # k_h/n_h·products of moments (b) and of k_h/n_h·moments × stratum totals (e).
    dom = c.group_by(["territory", *keys]).aggregate(
        n=c.n.sum(),
        sum_w=c.sw.sum(),
        sum_wy=c.swy.sum(),
        sum_w2=c.sw2.sum(),
        a2=(c.k * c.sw2y2).sum(),
        a1=(c.k * c.sw2y).sum(),
        a0=(c.k * c.sw2).sum(),
        b2=(q * c.swy * c.swy).sum(),
        b1=(q * c.swy * c.sw).sum(),
        b0=(q * c.sw * c.sw).sum(),
        e2=(q * c.t_swy * c.swy).sum(),
        e1=(q * (c.t_swy * c.sw + c.t_sw * c.swy)).sum(),
        e0=(q * c.t_sw * c.sw).sum(),
    )
    everywhere = ibis.window(group_by=list(keys))
    dom = dom.mutate(
        **{
            f"tot_{m}": dom[m].sum().over(everywhere)
            for m in ("n", "sum_w", "sum_wy", "a2", "a1", "a0", "e2", "e1", "e0")
        }
    )
    dom = dom.filter(dom.territory.notnull())
    dom = dom.mutate(
        estimate=dom.sum_wy / dom.sum_w,
        w_rest=dom.tot_sum_w - dom.sum_w,
        n_rest=dom.tot_n - dom.n,
    )
    d = dom.mutate(
        estimate_rest=ibis.ifelse(dom.w_rest > 0, (dom.tot_sum_wy - dom.sum_wy) / dom.w_rest, ibis.null("float64"))
    )
    r, rc = d.estimate, d.estimate_rest
    inside = _quad(d.a2, d.a1, d.a0, r) - _quad(d.b2, d.b1, d.b0, r)
    # Σ over all strata of the whole sample's terms at the complement's ratio, then C_h − T_h
    # = −k_h s2_cell − k_h/n_h (s1_cell² − 2 s1_total s1_cell) in the territory's strata.
    all_strata = _quad(d.tot_a2, d.tot_a1, d.tot_a0, rc) - (d.tot_e2 - rc * d.tot_e1 + rc * rc * d.tot_e0)
    rest_minus_total = (
        -_quad(d.a2, d.a1, d.a0, rc) - _quad(d.b2, d.b1, d.b0, rc) + 2 * (d.e2 - rc * d.e1 + rc * rc * d.e0)
    )
    return d.select(
        "territory",
        *keys,
        "n",
        "sum_w",
        "sum_w2",
        "estimate",
        var=inside / (d.sum_w * d.sum_w),
        n_rest=d.n_rest,
        estimate_rest=rc,
        var_rest=ibis.ifelse(
            d.w_rest > 0, (all_strata + rest_minus_total) / (d.w_rest * d.w_rest), ibis.null("float64")
        ),
    )
