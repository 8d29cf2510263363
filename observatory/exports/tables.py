"""A territory's profile and a comparison of territories as tables, and their writers.

:func:`profile_tables` gives what a profile shows, one table per block, and :func:`render_profile`
writes them as one CSV or an XLSX with a sheet per block; :func:`comparison_tables` gives a
comparison's estimates and pairwise tests, and :func:`comparison_csv` stacks them into one CSV.
The downloads, the ZIP packages and the tests read them from here or from :mod:`observatory.exports.export`.
"""

from __future__ import annotations

import io

import pandas as pd

from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.exports.columns import (
    EXPORT_COLUMNS,
    INITIATIVE_COLUMNS,
    PAIRWISE_COLUMNS,
    PROFILE_COLUMNS,
    TREND_COLUMNS,
)
from observatory.exports.formats import neutralise_formulas, render
from observatory.stats import InvalidQuery
from observatory.views import comparison, profile

COMPARISON_ROW_TYPES = {"estimates": "estimate", "pairwise": "difference"}


def profile_tables(obs: Observatory, level: str, code: str) -> dict[str, pd.DataFrame]:
    """What a territory's profile shows, one table per block.

    The four indicator blocks (territory, parent and France, with ``vs_parent``: the test against
    the rest of the parent; the territory's verdicts are those of the portrait's family of tests under
    false-discovery control, as on the page, with the raw p-value), ``essentiel`` (the key findings, with their texts) and ``rangs`` (the
    ranks among peers with their 95 % interval), ``tendances`` (each wave's estimates of the trend charts with the
    change since the previous wave) and ``initiatives`` (the territory's own and the national
    programmes, with their sources' titles and dates), and for an EPCI or a commune ``modele`` (the
    EPCI's direct and small-area model estimates side by side, method ``sae``).
    """
    t = profile.resolve(obs, ref.territory_key(level, code))
    if t is None:
        raise InvalidQuery("territory", code, ("a territory code",))
    min_n = obs.settings.min_n
    cached, shown = profile.profile_model(obs, t)  # shown: the key findings and ranks at the top of the page
    rows = profile.with_family_verdicts(cached, shown.findings).assign(min_n=min_n)  # the page's verdicts
    columns = [*PROFILE_COLUMNS, *(["vs_parent"] if "vs_parent" in rows else [])]
    tables = {block: part[columns].reset_index(drop=True) for block, part in rows.groupby("block", sort=False)}
    tables["essentiel"] = profile.findings_table(shown, t)
    tables["rangs"] = profile.ranks_table(shown, t)
    tables["tendances"] = _trend_table(profile.trend_blocks(obs, t), min_n)
    tables["initiatives"] = _initiative_table(*profile.initiatives(obs, t), t.code)
    model = profile.model_comparison(obs, t)
    if model is not None and len(model):  # an EPCI's (or a commune's EPCI's) small-area estimates
        tables["modele"] = model.drop(columns=["status_en"]).assign(
            block="modele", method="sae", territory_code=t.code, min_n=min_n
        )
    return tables


def _trend_table(blocks: list, min_n: int) -> pd.DataFrame:
    frames = [b.rows.assign(block="tendances", scope=b.rows["series"], min_n=min_n) for b in blocks if len(b.rows)]
    if not frames:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    return pd.concat(frames, ignore_index=True).reindex(columns=list(TREND_COLUMNS))


def _initiative_table(own: pd.DataFrame, national: pd.DataFrame, code: str) -> pd.DataFrame:
    frames = [part.assign(initiative_scope=scope) for part, scope in ((own, "local"), (national, "national"))]
    rows = pd.concat([f for f in frames if len(f)], ignore_index=True) if len(own) or len(national) else None
    if rows is None:
        return pd.DataFrame(columns=list(INITIATIVE_COLUMNS))
    rows = rows.rename(
        columns={"name": "initiative_name", "kind": "initiative_kind", "level": "initiative_level"}
    ).assign(block="initiatives", territory_code=code)
    return rows[list(INITIATIVE_COLUMNS)].reset_index(drop=True)


def render_profile(tables: dict[str, pd.DataFrame], fmt: str) -> bytes:
    """The profile as one CSV or an XLSX with one sheet per block.

    The CSV stacks every table (the ``block`` column tells them apart; a column a block does not
    have is empty in its rows).
    """
    if fmt == "csv":
        return render(pd.concat(tables.values(), ignore_index=True), "csv")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for block, table in tables.items():
            neutralise_formulas(table).to_excel(writer, sheet_name=block[:31], index=False)
    return buf.getvalue()


def comparison_tables(obs: Observatory, keys: list[str], view: str, method: str = "direct") -> dict[str, pd.DataFrame]:
    """A comparison's estimates (tidy, one row per territory × measure) and pairwise tests.

    The pairwise rows are in the page's order (measure, then pair in the order of ``keys``), each
    with the difference a − b, its 95 % CI, the raw and the Holm-adjusted p-values (one family:
    every pair × measure of the view) and the verdict on the adjusted p-value. With ``method``
    "sae", the EPCIs' rows are the model's, as on the page: the estimates gain ``method`` (direct
    or sae), ``sae_status`` and ``gamma``; their pairs are not tested (basis ``model``). Both
    tables say whether their figures are demonstration data (``synthetic``), as the map's do.
    """
    territories, _unknown = comparison.parse_keys(obs, ",".join(keys))
    if view not in comparison.VIEWS:
        raise InvalidQuery("view", view, tuple(comparison.VIEWS))
    if method not in comparison.METHODS:
        raise InvalidQuery("method", method, comparison.METHODS)
    table, pairs = comparison.compare(obs, territories, view, method)
    if table.empty:
        return {"estimates": table, "pairwise": pairs}
    synthetic = obs.is_synthetic(comparison.VIEWS[view][1])
    table = table.assign(min_n=obs.settings.min_n)
    if len(pairs):
        pairs = pairs[list(PAIRWISE_COLUMNS)].assign(synthetic=synthetic)
    columns = ["territory_key", *EXPORT_COLUMNS]
    if method == "sae":
        table = table.assign(method=table["model"].fillna(False).astype(bool).map({True: "sae", False: "direct"}))
        columns += ["method", "sae_status", "gamma"]
    estimates = table.reindex(columns=columns).assign(synthetic=synthetic).reset_index(drop=True)
    return {"estimates": estimates, "pairwise": pairs}


def comparison_csv(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A comparison as one CSV table: the estimates, then the pairwise differences.

    ``row_type`` tells them apart ("estimate" or "difference"), as ``block`` does in a profile's
    CSV: a difference row has ``territory_a``, ``territory_b``, ``basis``, ``difference``,
    ``se_difference``, ``p_holm`` and ``verdict``, and its ``ci_low``, ``ci_high`` and ``p_value``
    are the difference's (as in the XLSX's and the ZIP's ``pairwise`` table); the columns of the
    other kind of row are empty. The indicator, survey, wave and ``synthetic`` are on every row.
    """
    estimates = tables["estimates"]
    parts = [
        tables[name].assign(row_type=row_type) for name, row_type in COMPARISON_ROW_TYPES.items() if len(tables[name])
    ]
    if not parts:
        return pd.DataFrame(columns=["row_type", "synthetic"])
    stacked = pd.concat(parts, ignore_index=True)
    for column in ("indicator", "survey", "wave", "min_n"):  # one value per comparison
        if column in estimates and len(estimates):
            stacked[column] = estimates[column].iloc[0]
    first = ["row_type", *(c for c in stacked.columns if c not in ("row_type", "synthetic"))]
    return stacked[[*first, "synthetic"]]
