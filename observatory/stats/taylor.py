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

Everything here is an Ibis expression: it runs in the database (DuckDB by default) in bulk.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

KEYS = ("measure", "statistic")
MOMENTS = ("n", "sw", "swy", "sw2", "sw2y", "sw2y2")


def _moments(t: ir.Table, by: list[str]) -> ir.Table:
    w, y = t.weight, t.y
    return t.group_by(by).aggregate(
        n=t.count(),
        sw=w.sum(),
        swy=(w * y).sum(),
        sw2=(w * w).sum(),
        sw2y=(w * w * y).sum(),
        sw2y2=(w * w * y * y).sum(),
    )


def _g(t: ir.Table, r: ir.Value, k: ir.Value, n_h: ir.Value, prefix: str) -> ir.Value:
    """Stratum contribution k_h [Σ w²(y−R)² − (Σ w(y−R))² / n_h] from moments named prefix+..."""
    c = {m: t[f"{prefix}{m}"] for m in MOMENTS}
    s2 = c["sw2y2"] - 2 * r * c["sw2y"] + r * r * c["sw2"]
    s1 = c["swy"] - r * c["sw"]
    return k * (s2 - s1 * s1 / n_h)


def domain_estimates(values: ir.Table, respondents: ir.Table) -> ir.Table:
    """Estimates and variances of every (territory, measure, statistic), with their complements.

    Args:
        values: one row per respondent and measure: ``respondent_id, measure, statistic, y``,
            already restricted to the respondents of the domain's subpopulation (e.g. a size class).
        respondents: the whole sample of the survey and wave: ``respondent_id, stratum, weight,
            territory`` (territory may be null: such respondents count only in the totals).

    Returns:
        One row per territory × measure × statistic: n, sum_w, sum_w2, estimate, var, and for the
        rest of the sample n_rest, estimate_rest, var_rest.
    """
    sizes = respondents.group_by("stratum").aggregate(n_h=respondents.count())
    sizes = sizes.mutate(k=ibis.ifelse(sizes.n_h > 1, sizes.n_h / (sizes.n_h - 1), 0.0))
    x = values.join(respondents, "respondent_id").select("stratum", "territory", "weight", "y", *KEYS)
    per_cell = _moments(x, ["stratum", "territory", *KEYS])
    per_stratum = _moments(x, ["stratum", *KEYS]).join(sizes, "stratum")
    per_stratum = per_stratum.rename({f"t_{m}": m for m in MOMENTS})

    # Whole-sample constants per measure, to sum the complement's variance over all strata.
    ts = per_stratum
    totals = ts.group_by(list(KEYS)).aggregate(
        tot_sw=ts.t_sw.sum(),
        tot_swy=ts.t_swy.sum(),
        tot_n=ts.t_n.sum(),
        a2=(ts.k * ts.t_sw2y2).sum(),
        a1=(ts.k * ts.t_sw2y).sum(),
        a0=(ts.k * ts.t_sw2).sum(),
        b2=(ts.k * ts.t_swy * ts.t_swy / ts.n_h).sum(),
        b1=(ts.k * ts.t_swy * ts.t_sw / ts.n_h).sum(),
        b0=(ts.k * ts.t_sw * ts.t_sw / ts.n_h).sum(),
    )

    pc = per_cell
    dom = (
        pc.filter(pc.territory.notnull())
        .group_by(["territory", *KEYS])
        .aggregate(n=pc.n.sum(), sum_w=pc.sw.sum(), sum_wy=pc.swy.sum(), sum_w2=pc.sw2.sum())
    )
    dom = dom.join(totals, list(KEYS))
    dom = dom.mutate(
        estimate=dom.sum_wy / dom.sum_w,
        w_rest=dom.tot_sw - dom.sum_w,
        n_rest=dom.tot_n - dom.n,
    )
    dom = dom.mutate(
        estimate_rest=ibis.ifelse(dom.w_rest > 0, (dom.tot_swy - dom.sum_wy) / dom.w_rest, ibis.null("float64"))
    )

    cells = pc.filter(pc.territory.notnull()).join(per_stratum, ["stratum", *KEYS])
    cells = cells.join(dom.select("territory", *KEYS, "estimate", "estimate_rest"), ["territory", *KEYS])
    for m in MOMENTS:
        cells = cells.mutate(**{f"c_{m}": cells[f"t_{m}"] - cells[m]})
    cells = cells.mutate(c_n=cells.t_n - cells.n)
    r, rc = cells.estimate, cells.estimate_rest.fill_null(0.0)
    contrib = cells.mutate(
        g=_g(cells, r, cells.k, cells.n_h, ""),
        g_total=_g(cells, rc, cells.k, cells.n_h, "t_"),
        g_rest=_g(cells, rc, cells.k, cells.n_h, "c_"),
    )
    sums = contrib.group_by(["territory", *KEYS]).aggregate(
        g=contrib.g.sum(), g_total=contrib.g_total.sum(), g_rest=contrib.g_rest.sum()
    )
    out = dom.join(sums, ["territory", *KEYS])
    rc = out.estimate_rest
    all_strata = out.a2 - 2 * rc * out.a1 + rc * rc * out.a0 - (out.b2 - 2 * rc * out.b1 + rc * rc * out.b0)
    return out.select(
        "territory",
        *KEYS,
        "n",
        "sum_w",
        "sum_w2",
        "estimate",
        var=out.g / (out.sum_w * out.sum_w),
        n_rest=out.n_rest,
        estimate_rest=rc,
        var_rest=ibis.ifelse(
            out.w_rest > 0, (all_strata - out.g_total + out.g_rest) / (out.w_rest * out.w_rest), ibis.null("float64")
        ),
    )
