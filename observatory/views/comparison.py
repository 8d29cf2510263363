"""Side-by-side comparison of 2 to 6 territories of any level, with pairwise significance.

With ``method=sae`` (:data:`METHODS`), an EPCI shows the small-area model's estimate and its
interval from the MSE instead of its direct one (most EPCIs have too few respondents for a
published direct figure), marked ``model``. The pairwise tests apply between direct cells only: a
pair with a model side is never tested (``basis`` ``model``) and is not in Holm's family.

Pure functions of the :class:`~observatory.data.service.Observatory`; no Dash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.stats.finalize import ALPHA
from observatory.stats.pairwise import adjust_family, pairwise
from observatory.views import model
from observatory.views.profile import Territory, resolve

MAX_TERRITORIES = 6
DIRECT, SAE = "direct", "sae"
METHODS: tuple[str, ...] = (DIRECT, SAE)  # the survey's direct estimates; or the model's for EPCIs
MODEL_LEVEL = ref.MODEL_LEVEL  # the level the small-area model estimates
VIEWS: dict[str, tuple[str, str, str]] = {
    # view code: (indicator, survey, statistic kept)
    "fragilite-citoyens": ("fragility", "citoyens", "mean_score"),
    "fragilite-entreprises": ("fragility", "entreprises", "mean_score"),
    "fragilite-associations": ("fragility", "associations", "mean_score"),
    "partenariats-entreprises": ("partnerships", "entreprises", ""),
    "partenariats-associations": ("partnerships", "associations", ""),
    "maires": ("mayors", "elus", "share"),
    "innovation-citoyens": ("innovation", "citoyens", "share"),
    "innovation-elus": ("innovation", "elus", "share"),
}


@dataclass(frozen=True)
class ParsedKeys:
    """What a ``territories=`` parameter asks for, and what of it the page cannot take.

    ``territories``: the first six distinct territories, in the URL's order; ``unknown``: keys
    that name no territory; ``duplicates``: territories given more than once (kept once);
    ``over_limit``: what comes after the sixth territory, as 'name (key)', then any key past the
    ones read (the URL's own text, cut to 40 characters).
    """

    territories: list[Territory]
    unknown: list[str]
    duplicates: list[Territory]
    over_limit: list[str]


def parse_request(obs: Observatory, raw: str | None) -> ParsedKeys:
    """The territories of a ``territories=`` parameter, with what was dropped and why.

    At most ``MAX_TERRITORIES * 2`` keys are looked up (a forged URL of a thousand keys costs a
    dozen look-ups); any further key is reported as over the limit without being looked up.
    """
    keys = [k.strip() for k in (raw or "").split(",") if k.strip()]
    read = MAX_TERRITORIES * 2
    found: list[Territory] = []
    unknown: list[str] = []
    duplicates: list[Territory] = []
    over: list[str] = []
    for key in keys[:read]:
        t = resolve(obs, key)
        if t is None:
            unknown.append(key[:40])
        elif (t.level, t.code) in {(x.level, x.code) for x in found}:
            if (t.level, t.code) not in {(x.level, x.code) for x in duplicates}:
                duplicates.append(t)
        elif len(found) < MAX_TERRITORIES:
            found.append(t)
        elif f"{t.name} ({key_of(t)})" not in over:
            over.append(f"{t.name} ({key_of(t)})")
    over += [k[:40] for k in keys[read:]]
    return ParsedKeys(found, unknown, duplicates, over)


def parse_keys(obs: Observatory, raw: str | None) -> tuple[list[Territory], list[str]]:
    """Territories of a ``territories=`` parameter, and the keys that match no territory.

    Keys are comma-separated profile keys; duplicates are dropped; at most six are kept
    (:func:`parse_request` says what was dropped).
    """
    parsed = parse_request(obs, raw)
    return parsed.territories, parsed.unknown


NOTICE_NAMES = 6  # a notice names this many dropped territories, then counts the rest


def _names(items: list[str], lang: str) -> str:
    shown = ", ".join(items[:NOTICE_NAMES])
    rest = len(items) - NOTICE_NAMES
    if rest <= 0:
        return shown
    return shown + (f" et {rest} autre{'s' if rest > 1 else ''}" if lang == "fr" else f" and {rest} more")


def input_notices(parsed: ParsedKeys, lang: str) -> list[str]:
    """What the page says about territories it did not take: over the limit, or given twice."""
    fr = lang == "fr"
    out = []
    if parsed.over_limit:
        many = len(parsed.over_limit) > 1
        names = _names(parsed.over_limit, lang)
        out.append(
            f"On compare {MAX_TERRITORIES} territoires au plus. Territoire{'s' if many else ''} "
            f"non retenu{'s' if many else ''} : {names}."
            if fr
            else f"At most {MAX_TERRITORIES} territories are compared. Not added: {names}."
        )
    if parsed.duplicates:
        many = len(parsed.duplicates) > 1
        names = _names([t.name for t in parsed.duplicates], lang)
        out.append(
            f"Territoire{'s' if many else ''} en double, gardé{'s' if many else ''} une seule fois : {names}."
            if fr
            else f"Duplicate territor{'ies' if many else 'y'}, kept once: {names}."
        )
    return out


def key_of(t: Territory) -> str:
    """The key of a territory in URLs."""
    return ref.territory_key(t.level, t.code)


def key_of_code(level_code: str) -> str:
    """'region:84' → 'reg-84', 'departement:42' → '42' (the pairwise table's ids → URL keys)."""
    level, _, code = level_code.partition(":")
    return ref.territory_key(level, code)


def overlaps(obs: Observatory, territories: list[Territory]) -> dict[frozenset, tuple[str, str]]:
    """For each pair sharing communes, the inner one (the less populated)."""
    out = {}
    for i, a in enumerate(territories):
        for b in territories[i + 1 :]:
            if obs.shares_communes((a.level, a.code), (b.level, b.code)):
                inner = a if a.population <= b.population else b
                out[frozenset(((a.level, a.code), (b.level, b.code)))] = (inner.level, inner.code)
    return out


def modelled(territories: list[Territory], method: str) -> list[Territory]:
    """The territories shown with the model's estimates: the EPCIs, when ``method`` is the model."""
    return [t for t in territories if t.level == MODEL_LEVEL] if method == SAE else []


def compare(
    obs: Observatory, territories: list[Territory], view: str, method: str = DIRECT
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(estimates, pairwise): one row per territory × measure, and one per pair × measure.

    The pairwise rows are every pair × measure of the view, in the view's measure order, then the
    pairs in the order of ``territories`` (a before b); their p-values are Holm-adjusted over
    exactly these rows (``p_holm``), and ``verdict`` is on the adjusted p-value.

    With ``method`` :data:`SAE`, an EPCI's rows are the model's (``model`` true, interval from the
    MSE, ``sae_status`` and ``gamma``); every pair with such a side is ``not_tested`` with the basis
    ``model``, outside the family (the tests apply between direct cells only).
    """
    indicator, survey, statistic = VIEWS[view]
    waves = obs.waves(survey)
    if not waves or len(territories) < 1:
        return pd.DataFrame(), pd.DataFrame()
    wave = waves[-1]
    by_model = {(t.level, t.code) for t in modelled(territories, method)}
    estimates, shown = {}, []
    for t in territories:
        label = {"territory_key": key_of(t), "territory_label": t.name}
        if (t.level, t.code) in by_model:
            rows = model.as_direct_rows(obs.sae(survey, wave, indicator, territories=(t.code,)))
            shown.append(_keep(rows, statistic).assign(**label))
            continue
        e = _keep(obs.estimate(Query(indicator, wave, survey, t.level, territories=(t.code,))), statistic)
        estimates[(t.level, t.code)] = e.assign(**label, model=False)
        shown.append(estimates[(t.level, t.code)])
    table = pd.concat(shown, ignore_index=True)
    direct = [t for t in territories if (t.level, t.code) not in by_model]
    base = Query(indicator, wave, survey, "groups")
    pairs = pairwise(obs.stats, base, estimates, overlaps(obs, direct), obs.settings.min_n)
    parts = [p for p in (pairs, model_pairs(table, territories, by_model)) if len(p)]
    pairs = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(pairs):
        shown_cells = table.set_index(["measure", "statistic"]).index
        pairs = pairs[pairs.set_index(["measure", "statistic"]).index.isin(shown_cells)]
        pairs = adjust_family(in_order(pairs, table, territories))
    return table, pairs.reset_index(drop=True)


def model_pairs(table: pd.DataFrame, territories: list[Territory], by_model: set[tuple[str, str]]) -> pd.DataFrame:
    """The pairs with a model side, per measure: never tested (basis ``model``, no difference, no p)."""
    cells = table[["measure", "statistic"]].drop_duplicates()
    rows = [
        {"territory_a": f"{a.level}:{a.code}", "territory_b": f"{b.level}:{b.code}"}
        for i, a in enumerate(territories)
        for b in territories[i + 1 :]
        if (a.level, a.code) in by_model or (b.level, b.code) in by_model
    ]
    if not rows or cells.empty:
        return pd.DataFrame()
    numbers = dict.fromkeys(("difference", "se_difference", "ci_low", "ci_high", "p_value"), np.nan)
    return cells.merge(pd.DataFrame(rows), how="cross").assign(basis="model", **numbers, verdict="not_tested")


def in_order(pairs: pd.DataFrame, table: pd.DataFrame, territories: list[Territory]) -> pd.DataFrame:
    """The pairs by measure (the estimates' order), then by pair (a, b) in the territories' order."""
    position = {f"{t.level}:{t.code}": i for i, t in enumerate(territories)}
    measures = {m: i for i, m in enumerate(table["measure"].drop_duplicates())}
    statistics = {s: i for i, s in enumerate(table["statistic"].drop_duplicates())}
    rank = pd.DataFrame(
        {
            "measure": pairs["measure"].map(measures),
            "statistic": pairs["statistic"].map(statistics),
            "a": pairs["territory_a"].map(position),
            "b": pairs["territory_b"].map(position),
        }
    )
    return pairs.loc[rank.sort_values(["measure", "statistic", "a", "b"], kind="stable").index]


def _keep(table: pd.DataFrame, statistic: str) -> pd.DataFrame:
    if statistic:
        return table[table["statistic"] == statistic]
    return table[(table["measure"] == ref.PARTNER.code) | (table["statistic"] == "share_among_partners")]


def similar(obs: Observatory, t: Territory, k: int = 5) -> pd.DataFrame:
    """The k territories of the same level most like ``t`` in population, density and région."""
    terr = obs.territories(t.level)
    terr = terr[(terr["code"] != t.code) & (terr["population"] > 0) & terr["area_km2"].notna()]
    if terr.empty or not t.area_km2:
        return terr.head(0)
    logpop = np.log(terr["population"])
    logdens = np.log(terr["population"] / terr["area_km2"])
    d_pop = (logpop - np.log(max(t.population, 1))) / logpop.std()
    d_dens = (logdens - np.log(max(t.population, 1) / t.area_km2)) / logdens.std()
    region = next((c for lv, c, _ in t.parents if lv == "region"), t.code if t.level == "region" else None)
    other_region = (terr["region_code"] != region).astype(float) if t.level != "region" else 0.0
    distance = np.sqrt(d_pop**2 + d_dens**2) + 0.5 * other_region
    return terr.assign(distance=distance).nsmallest(k, "distance")


VERDICT = {
    # verdict: (French, English) sign between the two names, on the Holm-adjusted p-value
    "a_higher": (">", ">"),
    "b_higher": ("<", "<"),
    "not_significant": ("≈ (n.s.)", "≈ (n.s.)"),
    "not_tested": ("non testé", "not tested"),
}


def p_text(p: float, lang: str) -> str:
    """A p-value as shown: '< 0,001', '0,042' (French decimal comma), '' when not tested.

    The space after '<' is a no-break space, so that a narrow column never splits the value. A p
    just below the 5 % threshold that three decimals would round up to it ('0,050' beside a
    significant verdict) gets a fourth: '0,0497'.
    """
    if p != p:  # NaN: the test was not performed
        return ""
    if p < 0.001:
        return "<\u00a00,001" if lang == "fr" else "<\u00a00.001"
    return i18n.number(p, 4 if ALPHA - 0.0005 <= p < ALPHA else 3, lang)


def difference_unit(view: str, lang: str) -> str:
    """The unit differences of a view are given in: points of % for shares, a score out of 10."""
    if VIEWS[view][2] == "mean_score":
        return "note sur 10" if lang == "fr" else "score out of 10"
    return "points de %" if lang == "fr" else "percentage points"


def pair_rows(pairs: pd.DataFrame, names: dict[str, str], labels: dict[str, str], lang: str) -> list[dict]:
    """The pairwise table's rows, in the order of ``pairs``.

    Each row: the measure, the pair with its verdict, the difference a − b with its 95 % CI, the
    raw and the Holm-adjusted p-values.

    Args:
        pairs: the pairwise rows of :func:`compare`.
        names: territory URL key → name.
        labels: measure code → label.
        lang: 'fr' or 'en'.
    """
    fr = lang == "fr"
    rows = []
    for p in pairs.itertuples():
        a, b = (names.get(key_of_code(x), x) for x in (p.territory_a, p.territory_b))
        basis = {
            "rest_of_b": f" (vs {b} hors {a})" if fr else f" (vs {b} without {a})",
            "rest_of_a": f" ({a} hors {b})" if fr else f" ({a} without {b})",
            "model": " (estimation par modèle : pas de test)" if fr else " (model estimate: no test)",
        }.get(p.basis, "")
        difference = ""
        if p.difference == p.difference:
            interval = i18n.signed_interval(p.ci_low, p.ci_high, p.statistic, lang)
            difference = f"{i18n.signed(p.difference, p.statistic, lang)} {interval}"
        rows.append(
            {
                "measure": labels.get(p.measure, p.measure),
                "pair": f"{a} {VERDICT[p.verdict][0 if fr else 1]} {b}{basis}",
                "difference": difference,
                "p_value": p_text(p.p_value, lang),
                "p_holm": p_text(p.p_holm, lang),
            }
        )
    return rows
