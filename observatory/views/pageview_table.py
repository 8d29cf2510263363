"""The data table of a map page: the accessible alternative to the map, in the map's units.

:func:`table_rows` gives a DataTable's columns and records for a map of levels,
:func:`change_table_rows` for a map of change; :func:`table_highlight` marks the selected row.
"""

from __future__ import annotations

import pandas as pd

from observatory.core import i18n
from observatory.views.pageview_compute import PageView

MAX_TABLE_ROWS = 2_000  # above this (communes) the table lists only the published cells


def _number_format(decimals: int, lang: str) -> dict:
    """A DataTable number format: fixed decimals, the language's decimal mark."""
    fmt: dict = {"specifier": f",.{decimals}f"}
    if lang == "fr":
        fmt["locale"] = {"decimal": ",", "group": "\u202f"}
    return fmt


def _columns(frame: pd.DataFrame, names: dict[str, str], decimals: dict[str, int], lang: str) -> list[dict]:
    columns = []
    for c in frame.columns:
        col = {"name": names[c], "id": c, "type": "numeric" if c in decimals else "text"}
        if c in decimals:
            col["format"] = _number_format(decimals[c], lang)
        columns.append(col)
    return columns


def table_rows(pv: PageView, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the data table (the text alternative to the map).

    Values are in the unit of the map (scores out of 10, shares in %), with the precision rule of
    the rest of the page (:mod:`observatory.core.i18n`).
    """
    if pv.change:
        return change_table_rows(pv, lang)
    scale = i18n.scale_of(pv.statistic)
    r = pv.view.rows
    if len(r) > MAX_TABLE_ROWS:  # communes: list the published cells; the downloads hold them all
        r = r[r["reliability"] != "suppressed"]
    # One precision per column: the unit's, finer if any row's CI would otherwise collapse.
    digits = max(
        (i18n.decimals_for(pv.statistic, lo, hi) for lo, hi in zip(r["ci_low"], r["ci_high"], strict=True)),
        default=i18n.VALUE_DECIMALS[i18n.unit_of(pv.statistic)],
    )
    fr = lang == "fr"
    frame = pd.DataFrame(
        {
            "territory": r["territory_name"],
            "code": r["territory_code"],
            "estimate": (r["estimate"] * scale).round(digits),
            "ci_low": (r["ci_low"] * scale).round(digits),
            "ci_high": (r["ci_high"] * scale).round(digits),
            "n": r["n"],
            # A model's cell says so where a direct one gives its reliability (never "bonne").
            "reliability": [
                i18n.t("model" if m else x, lang)
                for x, m in zip(r["reliability"], r["model"] if "model" in r else [False] * len(r), strict=True)
            ],
            "significance": [i18n.t(x, lang) for x in r["significance"]],
        }
    )
    unit = " (/10)" if pv.statistic == "mean_score" else " (%)"
    names = {
        "territory": i18n.t("territory", lang),
        "code": "Code",
        "estimate": i18n.t("value", lang) + unit,
        "ci_low": ("IC 95 % bas" if fr else "95% CI low"),
        "ci_high": ("IC 95 % haut" if fr else "95% CI high"),
        "n": "n",
        "reliability": i18n.t("reliability", lang),
        "significance": ("vs reste de la France" if fr else "vs rest of France"),
    }
    decimals = {"estimate": digits, "ci_low": digits, "ci_high": digits, "n": 0}
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return _columns(frame, names, decimals, lang), records


def change_table_rows(pv: PageView, lang: str) -> tuple[list[dict], list[dict]]:
    """The data table of a change map: both waves, the difference with its CI, n, the test."""
    a, b = pv.change
    unit_kind = i18n.unit_of(pv.statistic)
    scale = i18n.scale_of(pv.statistic)
    digits = i18n.VALUE_DECIMALS[unit_kind]
    change_digits = i18n.CHANGE_DECIMALS[unit_kind]
    r = pv.view.rows
    if len(r) > MAX_TABLE_ROWS:
        r = r[r["reliability"] != "suppressed"]
    fr = lang == "fr"
    frame = pd.DataFrame(
        {
            "territory": r["territory_name"],
            "code": r["territory_code"],
            "estimate_from": (r["estimate_from"] * scale).round(digits),
            "estimate_to": (r["estimate_to"] * scale).round(digits),
            "estimate": (r["estimate"] * scale).round(change_digits),
            "ci_low": (r["ci_low"] * scale).round(change_digits),
            "ci_high": (r["ci_high"] * scale).round(change_digits),
            "n_from": r["n_from"],
            "n_to": r["n_to"],
            # A model's cell says so where a direct one gives its reliability (never "bonne").
            "reliability": [
                i18n.t("model" if m else x, lang)
                for x, m in zip(r["reliability"], r["model"] if "model" in r else [False] * len(r), strict=True)
            ],
            "significance": [i18n.t(x, lang) for x in r["significance"]],
        }
    )
    unit = " (/10)" if pv.statistic == "mean_score" else " (%)"
    points = "" if pv.statistic == "mean_score" else " (points)"
    names = {
        "territory": i18n.t("territory", lang),
        "code": "Code",
        "estimate_from": f"{a}{unit}",
        "estimate_to": f"{b}{unit}",
        "estimate": f"{i18n.t('change', lang)}{points}",
        "ci_low": ("IC 95 % bas" if fr else "95% CI low"),
        "ci_high": ("IC 95 % haut" if fr else "95% CI high"),
        "n_from": f"n {a}",
        "n_to": f"n {b}",
        "reliability": i18n.t("reliability", lang),
        "significance": ("Changement (test à 5 %)" if fr else "Change (5% test)"),
    }
    decimals = {
        "estimate_from": digits,
        "estimate_to": digits,
        "estimate": change_digits,
        "ci_low": change_digits,
        "ci_high": change_digits,
        "n_from": 0,
        "n_to": 0,
    }
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return _columns(frame, names, decimals, lang), records


def table_highlight(selected: str | None) -> list[dict]:
    """Table style marking the selected territory's row."""
    if not selected:
        return []
    return [{"if": {"filter_query": f'{{code}} = "{selected}"'}, "backgroundColor": "#fff1b8", "fontWeight": "600"}]
