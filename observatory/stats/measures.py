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

import ibis
import ibis.expr.types as ir

from observatory import reference as ref

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


def _long(t: ir.Table, measure: str, statistic: str, y: ir.Value) -> ir.Table:
    return t.select(
        "respondent_id",
        measure=ibis.literal(measure),
        statistic=ibis.literal(statistic),
        y=y.cast("float64"),
    )


def _union(parts: list[ir.Table]) -> ir.Table:
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part)
    return out


def fragility_values(fragility: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """Domain scores, and respondents' mean scores over espaces and the composite."""
    parts = []
    domains = [m for m in measures if m in ref.DOMAIN_CODES]
    if domains:
        f = fragility.filter(fragility.domain.isin(domains))
        base = f.select("respondent_id", measure=f.domain, y=f.score.cast("float64"))
        parts.append(
            base.mutate(statistic=ibis.literal("mean_score")).select("respondent_id", "measure", "statistic", "y")
        )
        parts.append(
            base.mutate(
                statistic=ibis.literal("priority_share"), y=(base.y >= ref.PRIORITY_THRESHOLD).cast("float64")
            ).select("respondent_id", "measure", "statistic", "y")
        )
    groups = {e: ref.domains_of_espace(e) for e in ref.ESPACE_CODES}
    groups[ref.COMPOSITE.code] = ref.DOMAIN_CODES
    for name, members in groups.items():
        if name not in measures:
            continue
        f = fragility.filter(fragility.domain.isin(list(members)))
        per = f.group_by("respondent_id").aggregate(y=f.score.cast("float64").mean())
        parts.append(_long(per, name, "mean_score", per.y))
        parts.append(_long(per, name, "priority_share", per.y >= ref.PRIORITY_THRESHOLD))
    return _union(parts)


def partnership_values(partnerships: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """The partner flag, and each kind among all respondents and among partners."""
    p = partnerships
    parts = []
    if ref.PARTNER.code in measures:
        parts.append(_long(p, ref.PARTNER.code, "share", p.partner))
    partners = p.filter(p.partner == 1)
    for kind in ref.KIND_CODES:
        if kind in measures:
            parts.append(_long(p, kind, "share", p[kind]))
            parts.append(_long(partners, kind, "share_among_partners", partners[kind]))
    return _union(parts)


def mayor_values(mayors: ir.Table, roles: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """Q4 answers (and "oui") among mayors who answered; Q8 roles among those who answered Q8."""
    parts = []
    if ref.Q4_OUI.code in measures:
        parts.append(_long(mayors, ref.Q4_OUI.code, "share", mayors.q4.isin(["oui_tout_a_fait", "oui_plutot"])))
    for answer in ref.Q4_CODES:
        if answer in measures:
            parts.append(_long(mayors, answer, "share", mayors.q4 == answer))
    answered = mayors.filter(mayors.q8.notnull())
    for role in ref.Q8_CODES:
        if role in measures:
            has = roles.filter(roles.role == role).select("respondent_id", has=ibis.literal(1.0))
            joined = answered.left_join(has, "respondent_id")
            parts.append(_long(joined, role, "share", joined.has.fill_null(0.0)))
    return _union(parts)


def innovation_values(opinions: ir.Table, measures: tuple[str, ...]) -> ir.Table:
    """The 0/1 item among the respondents who answered it."""
    answered = opinions.filter(opinions.alliances_innovation.notnull())
    return _union([_long(answered, m, "share", answered[m]) for m in measures])
