"""A block's table as the profile shows it: the texts of each cell of a comparison table.

Every value with its 95 % CI (one precision per column), n and reliability; the verdicts; the rank
cell; the small-area model's column; and the one line that says why values are not shown.
Pure functions; re-exported by :mod:`observatory.views.profile`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory.core import i18n
from observatory.stats import sae
from observatory.views import portrait
from observatory.views.profile_territory import Territory, parent_name


@dataclass(frozen=True)
class TableView:
    """A block's table as shown.

    Column (id, header) pairs, one dict of texts per row, and the one line that says why some
    values are not shown (None when all are).
    """

    columns: list[tuple[str, str]]
    records: list[dict[str, str]]
    suppressed_note: str | None


def table_view(
    table: pd.DataFrame,
    labels: dict[str, str],
    statistic: str,
    t: Territory,
    min_n: int,
    lang: str,
    ranks: pd.DataFrame | None = None,
    model: pd.DataFrame | None = None,
    verdicts: dict[tuple[str, str, str], str] | None = None,
) -> TableView:
    """The texts of a comparison table (:func:`~observatory.views.profile_rows.comparison_table`).

    Every value with its 95 % CI, n and reliability. A suppressed cell shows "—", and the reason
    is said once, above the table, with the configured threshold ``min_n``. With ``ranks`` (the
    survey's :func:`portrait.ranks`), a column gives the rank among the level's reliable cells
    and its 95 % interval. With ``model`` (the survey's rows of
    :func:`~observatory.views.profile_rows.model_comparison`: an EPCI, or a commune's EPCI), a
    column gives the small-area model's estimate and interval, labelled as the model's. When no
    cell of the territory can be shown, its columns and its n go: the note says so first, and what
    the other columns are (the model, the parent, France), never the parent's values beside the
    territory's n. With ``verdicts`` (:func:`family_verdicts`), the columns "vs rest" give the
    decisions of the portrait's family of tests under false-discovery control, not each test alone.
    """
    fr = lang == "fr"
    modelled = _model_values(model, statistic, lang)
    ranked = {} if ranks is None else {(r.measure, r.statistic): r for r in ranks.itertuples()}
    digits = {scope: column_decimals(table, scope, statistic) for scope in ("territory", "parent", "france")}
    among = " (parmi les partenaires)" if fr else " (among partners)"
    dash = "—"
    records = []
    for r in table.itertuples():
        suppressed = r.reliability == "suppressed"
        records.append(
            {
                "measure": labels.get(r.measure, r.measure) + (among if r.statistic == "share_among_partners" else ""),
                "territory": dash if suppressed else _with_ci(r, "territory", statistic, lang, digits["territory"]),
                "n": str(int(r.n_territory)) if pd.notna(r.n_territory) else "0",
                "reliability": i18n.t(r.reliability, lang) if isinstance(r.reliability, str) else "",
                "parent": _with_ci(r, "parent", statistic, lang, digits["parent"]),
                "france": _with_ci(r, "france", statistic, lang, digits["france"]),
                "vs_parent": _verdict(_decided(r, "parent", getattr(r, "vs_parent", None), verdicts), suppressed, lang),
                "significance": _verdict(_decided(r, "france", r.significance, verdicts), suppressed, lang),
                "rank": _rank_cell(ranked.get((r.measure, r.statistic)), lang),
                "model": modelled.get((r.measure, r.statistic), dash),
                "status": r.reliability if isinstance(r.reliability, str) else "",
            }
        )
    parent = parent_name(t)
    ci = "IC 95 %" if fr else "95% CI"
    columns = [
        ("measure", "Mesure" if fr else "Measure"),
        ("territory", f"{t.name} [{ci}]"),
        ("n", "n"),
        ("reliability", "Fiabilité" if fr else "Reliability"),
        *([("model", _model_header(model, ci, lang))] if modelled else []),
        *([("parent", f"{parent} [{ci}]")] if parent and "estimate_parent" in table else []),
        ("france", f"France [{ci}]"),
        *([("vs_parent", "vs reste du territoire parent" if fr else "vs rest of the parent")] if parent else []),
        ("significance", "vs reste de la France" if fr else "vs rest of France"),
        *(
            [
                (
                    "rank",
                    f"Rang [ensemble simultané 95 %] parmi les {_plural(t.level, lang)}"
                    if fr
                    else f"Rank [95% simultaneous set] among {_plural(t.level, lang)}",
                )
            ]
            if ranked
            else []
        ),
    ]
    note = suppressed_note(table, min_n, lang)
    if records and all(r["status"] == "suppressed" for r in records):
        # nothing to show for the territory: its columns (and its n) go, and the note says what is left
        gone = ("territory", "n", "reliability", "vs_parent", "significance", "rank")
        columns = [c for c in columns if c[0] not in gone]
        note = _thin_note(table, t, min_n, model if modelled else None, lang)
    return TableView(columns, records, note)


def _model_values(model: pd.DataFrame | None, statistic: str, lang: str) -> dict[tuple[str, str], str]:
    """'6,1 / 10 [5,7 – 6,5]' of each (measure, statistic) the model estimates (no other)."""
    if model is None or model.empty:
        return {}
    out = {}
    shown = model[model["sae_status"].isin(sae.MODEL_STATUSES) & model["model_estimate"].notna()]
    needs = [
        i18n.decimals_for(statistic, lo, hi)
        for lo, hi in zip(shown["model_ci_low"], shown["model_ci_high"], strict=True)
    ]
    d = max(needs) if needs else None  # one precision for the column
    for r in shown.itertuples(index=False):
        lo, hi = r.model_ci_low, r.model_ci_high
        out[(r.measure, r.statistic)] = (
            f"{i18n.value(r.model_estimate, r.statistic, lang, lo, hi, d)} [{i18n.interval(lo, hi, r.statistic, lang, d)}]"
        )
    return out


def _model_header(model: pd.DataFrame, ci: str, lang: str) -> str:
    name = model["epci_name"].iloc[0]
    return f"{name} — modèle [{ci}]" if lang == "fr" else f"{name} — model [{ci}]"


def _thin_note(table: pd.DataFrame, t: Territory, min_n: int, model: pd.DataFrame | None, lang: str) -> str:
    """What a table shows when the survey cannot estimate the territory at all."""
    n = table["n_territory"].fillna(0).astype(int)
    few = ", ".join(str(v) for v in sorted(set(n[n < min_n])))
    near = ", ".join(str(v) for v in sorted(set(n[n >= min_n])))  # suppressed by the rule between levels
    parent = parent_name(t)
    if lang == "fr":
        text = f"{t.name} : trop peu de répondants pour une estimation directe (n = {few} < {min_n}). " if few else ""
        if near:
            text += (
                f"{t.name} : pas d'estimation directe diffusée (n = {near}) : un territoire qu'il contient a les "
                f"mêmes répondants à moins de {min_n} près, la différence des deux chiffres les isolerait. "
            )
        if model is not None:
            text += f"La colonne « modèle » est l'estimation sur petits domaines de {model['epci_name'].iloc[0]}. "
        return text + (
            f"{parent} et la France sont là pour comparaison." if parent else "La France est là pour comparaison."
        )
    text = f"{t.name}: too few respondents for a direct estimate (n = {few} < {min_n}). " if few else ""
    if near:
        text += (
            f"{t.name}: no direct estimate shown (n = {near}): a territory inside it has the same respondents but "
            f"for fewer than {min_n}, and the difference of the two figures would single them out. "
        )
    if model is not None:
        text += f"The 'model' column is the small-area estimate of {model['epci_name'].iloc[0]}. "
    return text + (f"{parent} and France are shown for comparison." if parent else "France is shown for comparison.")


def _plural(level: str, lang: str) -> str:
    return portrait.LEVEL_PLURALS.get(level, (level, level))[0 if lang == "fr" else 1]


def _rank_cell(r: object, lang: str) -> str:
    """'12e / 101 [5e – 24e]'; '—' for a cell without a rank (not reliable).

    The set is the joint one (:func:`~observatory.views.portrait_ranks.joint_sets`: every rank of the
    profile's tables at once) when ``r`` has it, else the marginal one. 'incertain (2e – 80e) / 101'
    when the set spans more than half the peers.
    """
    if r is None:
        return "—"
    o = portrait.ordinal
    low, high = (r.joint_low, r.joint_high) if hasattr(r, "joint_low") else (r.rank_low, r.rank_high)
    model = (" (modèle)" if lang == "fr" else " (model)") if getattr(r, "method", "direct") == "sae" else ""
    if high - low + 1 > r.peers / 2:
        word = "incertain" if lang == "fr" else "uncertain"
        return f"{word} ({o(low, lang)} – {o(high, lang)}) / {r.peers}{model}"
    return f"{o(r.rank, lang)} / {r.peers} [{o(low, lang)} – {o(high, lang)}]{model}"


def suppressed_note(table: pd.DataFrame, min_n: int, lang: str) -> str | None:
    """One line for a table's suppressed cells: 'n = 23 < 30 répondants dans ce territoire'."""
    n = table.loc[table["reliability"] == "suppressed", "n_territory"].fillna(0).astype(int)
    if n.empty:
        return None
    few = ", ".join(str(v) for v in sorted(set(n[n < min_n])))
    near = ", ".join(str(v) for v in sorted(set(n[n >= min_n])))  # the disclosure rule between levels
    fr = lang == "fr"
    lines = []
    if few:
        lines.append(
            f"Effectif insuffisant : valeurs non diffusées (—), n = {few} < {min_n} répondants dans ce territoire."
            if fr
            else f"Too few respondents: values not shown (—), n = {few} < {min_n} respondents in this territory."
        )
    if near:
        lines.append(
            f"Non diffusées aussi (—), n = {near} : un territoire qu'il contient a les mêmes répondants à moins de "
            f"{min_n} près ; la différence des deux chiffres les isolerait."
            if fr
            else f"Not shown either (—), n = {near}: a territory inside it has the same respondents but for fewer "
            f"than {min_n}; the difference of the two figures would single them out."
        )
    return " ".join(lines)


def column_decimals(table: pd.DataFrame, scope: str, statistic: str) -> int | None:
    """One precision for a column: the finest any of its shown rows needs (E15: never "6,70" above "6,5")."""
    lows, highs = table.get(f"ci_low_{scope}"), table.get(f"ci_high_{scope}")
    if lows is None or highs is None:
        return None
    shown = table["reliability"] != "suppressed" if scope == "territory" else pd.Series(True, index=table.index)
    needs = [
        i18n.decimals_for(statistic, lo, hi)
        for lo, hi, keep in zip(lows, highs, shown, strict=True)
        if keep and pd.notna(lo) and pd.notna(hi)
    ]
    return max(needs) if needs else None


def _with_ci(r: object, scope: str, statistic: str, lang: str, decimals: int | None = None) -> str:
    est = getattr(r, f"estimate_{scope}", None)
    if est is None or pd.isna(est):
        return "—"
    lo, hi = getattr(r, f"ci_low_{scope}"), getattr(r, f"ci_high_{scope}")
    return f"{i18n.value(est, statistic, lang, lo, hi, decimals)} [{i18n.interval(lo, hi, statistic, lang, decimals)}]"


def family_verdicts(kf: portrait.KeyFindings, survey: str) -> dict[tuple[str, str, str], str]:
    """The family's decision on each direct test of one survey: (versus, measure, statistic) → verdict.

    'above' or 'below' where the test survives the procedure (:meth:`KeyFindings.is_stated`), else
    'not_significant': what the tables may say of a difference is what the key findings say.
    """
    return {
        (f.versus, f.measure, f.statistic): f.direction if kf.is_stated(f) else "not_significant"
        for f in kf.tests
        if f.survey == survey and f.source == "direct" and f.versus in ("france", "parent")
    }


def with_family_verdicts(rows: pd.DataFrame, kf: portrait.KeyFindings) -> pd.DataFrame:
    """The profile's rows with the territory's ``significance`` and ``vs_parent`` as the family decided.

    What the downloads give, so that a file says what the page says: the family's decision where the
    cell is in the family, 'not_tested' for a cell of low reliability (outside it), the raw test's
    verdict otherwise (not tested, suppressed); ``p_value`` stays the raw test's.
    """
    out = rows.copy()
    territory = (out["scope"] == "territory").to_numpy()
    for survey in out.loc[territory, "survey"].unique():
        verdicts = family_verdicts(kf, survey)
        where = territory & (out["survey"] == survey).to_numpy()
        part = out[where]
        for versus, column in (("france", "significance"), ("parent", "vs_parent")):
            if column in out:
                decided = [
                    _decided(r, versus, raw, verdicts) for r, raw in zip(part.itertuples(), part[column], strict=True)
                ]
                out.loc[where, column] = ["not_tested" if v == "not_tested_low" else v for v in decided]
    return out


def _decided(r: object, versus: str, raw: object, verdicts: dict[tuple[str, str, str], str] | None) -> object:
    """A row's verdict against ``versus``: the family's; 'not_tested_low' for a cell of low reliability."""
    if verdicts is None or not isinstance(raw, str) or raw == "not_tested":
        return raw
    decided = verdicts.get((versus, r.measure, r.statistic))
    if decided is not None:
        return decided
    return "not_tested_low" if r.reliability == "low" else raw


def _verdict(verdict: object, suppressed: bool, lang: str) -> str:
    if suppressed or not isinstance(verdict, str):
        return "—"
    return i18n.t(verdict, lang)
