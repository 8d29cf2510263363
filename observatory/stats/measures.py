"""The measures of each indicator as long tables ``respondent_id, measure, statistic, y``.

A respondent belongs to the domain of a measure when it has a value for it: a score for a
fragility domain, a partnership answer, a Q4 answer... The statistic says what y is:

- ``mean_score``: a 0-10 score (domains), or the respondent's mean over an espace / all domains;
- ``priority_share``: 1 when that score is at least 7 (a "priority fragility");
- ``share``: a 0/1 answer among all respondents of the survey who answered;
- ``share_among_partners``: a partnership kind among respondents who have a partnership.

The ``innovation`` indicator is one 0/1 opinion item ("alliances are a source of innovation"),
asked to citizens and mayors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from observatory.core import reference as ref

INDICATORS: tuple[str, ...] = ("fragility", "partnerships", "mayors", "innovation")

FRAGILITY_MEASURES: tuple[str, ...] = (*ref.DOMAIN_CODES, *ref.ESPACE_CODES, ref.COMPOSITE.code)
PARTNERSHIP_MEASURES: tuple[str, ...] = (ref.PARTNER.code, *ref.KIND_CODES)
MAYOR_MEASURES: tuple[str, ...] = (ref.Q4_OUI.code, *ref.Q4_CODES, *ref.Q8_CODES)
MEASURES: dict[str, tuple[str, ...]] = {
    "fragility": FRAGILITY_MEASURES,
    "partnerships": PARTNERSHIP_MEASURES,
    "mayors": MAYOR_MEASURES,
    "innovation": (ref.INNOVATION.code,),
}
STATISTICS: dict[str, tuple[str, ...]] = {
    "fragility": ("mean_score", "priority_share"),
    "partnerships": ("share", "share_among_partners"),
    "mayors": ("share",),
    "innovation": ("share",),
}


Item = tuple[str | None, str, Callable[[ir.Table], ir.Value], Callable[[ir.Table], ir.Value] | None]
"""A long-table item: measure (None: the table's ``measure`` column), statistic, y, rows kept (None: all)."""


def _union(parts: list[ir.Table]) -> ir.Table:
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part)
    return out


@functools.cache
def _numbers(n: int) -> ir.Table:
    """A table of the numbers 0..n-1 (column ``_n``), to repeat rows by a cross join.

    Not an unnest of an array literal: DuckDB cannot estimate an unnest's rows and then builds
    its hash join on the wrong side (4× slower at ×20). Cached: a backend registers each
    in-memory table once, not once per query.
    """
    return ibis.memtable({"_n": list(range(n))}, schema={"_n": "int16"})


def _melt(t: ir.Table, items: list[Item]) -> ir.Table:
    """``respondent_id, measure, statistic, y``: one row per row of ``t`` and item, in one scan of ``t``.

    The rows are repeated by a cross join with the items' numbers, then each item's values are
    picked by number (a union of one select per item would read ``t`` once per item on Spark).
    """
    if len(items) == 1:
        (measure, statistic, y, keep) = items[0]
        t = t.filter(keep(t)) if keep else t
        m = ibis.literal(measure) if measure else t.measure
        return t.select("respondent_id", measure=m, statistic=ibis.literal(statistic), y=y(t).cast("float64"))
    t = t.cross_join(_numbers(len(items))).rename(_item="_n")

    def pick(values: list[ir.Value]) -> ir.Value:
        return ibis.cases(*[(t._item == i, v) for i, v in enumerate(values)])

    t = t.mutate(
        _measure=pick([ibis.literal(m) if m else t.measure for m, _s, _y, _k in items]),
        _statistic=pick([ibis.literal(s) for _m, s, _y, _k in items]),
        _y=pick([y(t).cast("float64") for _m, _s, y, _k in items]),
        _keep=pick([k(t) if k else ibis.literal(True) for _m, _s, _y, k in items]),
    )
    t = t.filter(t._keep)
    return t.select("respondent_id", measure=t._measure, statistic=t._statistic, y=t._y)


def fragility_values(fragility: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """Domain scores, and respondents' mean scores over espaces and the composite."""
    f = fragility.select("respondent_id", "domain", score=fragility.score.cast("float64"))
    parts = []
    domains = [m for m in measures if m in ref.DOMAIN_CODES]
    if domains:
        d = f.filter(f.domain.isin(domains))
        parts.append(d.select("respondent_id", measure=d.domain, y=d.score))
    groups = [m for m in measures if m in ref.ESPACE_CODES or m == ref.COMPOSITE.code]
    if groups:
        # Each score counts in its espace and in the composite: one scan, one group-by.
        g = f.filter(f.domain.isin(ref.DOMAIN_CODES))
        espace = ibis.cases(*[(g.domain.isin(ref.domains_of_espace(e)), e) for e in ref.ESPACE_CODES])
        g = g.mutate(espace=espace).cross_join(_numbers(2))
        g = g.mutate(measure=ibis.ifelse(g._n == 0, g.espace, ref.COMPOSITE.code))
        g = g.filter(g.measure.isin(groups))
        parts.append(g.group_by(["respondent_id", "measure"]).aggregate(y=g.score.mean()))
    return _melt(
        _union(parts),
        [
            (None, "mean_score", lambda t: t.y, None),
            (None, "priority_share", lambda t: t.y >= ref.PRIORITY_THRESHOLD, None),
        ],
    )


def partnership_values(partnerships: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """The partner flag, and each kind among all respondents and among partners."""
    items: list[Item] = []
    if ref.PARTNER.code in measures:
        items.append((ref.PARTNER.code, "share", lambda t: t.partner, None))
    for kind in ref.KIND_CODES:
        if kind in measures:
            items.append((kind, "share", lambda t, k=kind: t[k], None))
            items.append((kind, "share_among_partners", lambda t, k=kind: t[k], lambda t: t.partner == 1))
    return _melt(partnerships, items)


def mayor_values(mayors: ir.Table, roles: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """Q4 answers (and "oui") among mayors who answered; Q8 roles among those who answered Q8."""
    items: list[Item] = []
    if ref.Q4_OUI.code in measures:
        items.append((ref.Q4_OUI.code, "share", lambda t: t.q4.isin(["oui_tout_a_fait", "oui_plutot"]), None))
    for answer in ref.Q4_CODES:
        if answer in measures:
            items.append((answer, "share", lambda t, a=answer: t.q4 == a, None))
    wanted = [role for role in ref.Q8_CODES if role in measures]
    if wanted:
        # One row per mayor with a 0/1 column per role (roles holds one row per mayor and role).
        held = roles.filter(roles.role.isin(wanted))
        held = held.group_by("respondent_id").aggregate(
            **{f"_has_{i}": (held.role == role).cast("float64").max() for i, role in enumerate(wanted)}
        )
        mayors = mayors.left_join(held, "respondent_id").drop("respondent_id_right")
        for i, role in enumerate(wanted):
            items.append((role, "share", lambda t, c=f"_has_{i}": t[c].fill_null(0.0), lambda t: t.q8.notnull()))
    return _melt(mayors, items)


def innovation_values(opinions: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """The 0/1 item among the respondents who answered it."""
    return _melt(opinions, [(m, "share", lambda t, m=m: t[m], lambda t, m=m: t[m].notnull()) for m in measures])


# Each indicator's long table: its builder and the tables it reads, in the builder's order.
VALUES: dict[str, tuple[Callable[..., ir.Table], tuple[str, ...]]] = {
    "fragility": (fragility_values, ("fragility",)),
    "partnerships": (partnership_values, ("partnerships",)),
    "mayors": (mayor_values, ("mayors", "mayor_roles")),
    "innovation": (innovation_values, ("opinions",)),
}


def indicator_values(
    con: ibis.BaseBackend, indicator: str, survey: str, wave: int, measures: tuple[str, ...] | None = None
) -> ir.Table:
    """The measures of an indicator (all of them by default) in one survey's wave, as a long table.

    The one dispatch from an indicator to its tables, for the on-demand engine and the stored table alike.
    """
    build, tables = VALUES[indicator]

    def of(table: str) -> ir.Table:
        t = con.table(table)
        return t.filter((t.wave == wave) & (t.survey == survey))

    return build(*(of(t) for t in tables), MEASURES[indicator] if measures is None else measures)
