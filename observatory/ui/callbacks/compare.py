"""The comparison page's callbacks: adding a territory from its search, and its downloads.

Both read the comparison from the URL (:func:`compare.current`): a tab click changes the URL
at once, while the page is only replaced once the new view has been computed; links built
from the page in between dropped the chosen view.
"""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from observatory.data.service import Observatory
from observatory.exports.datapackage import package
from observatory.exports.export import comparison_csv, comparison_tables, render, render_profile
from observatory.ui import ids
from observatory.ui.callbacks.inputs import text
from observatory.ui.callbacks.search import search_label
from observatory.ui.pages import compare, registry


def register_compare_callbacks(app: Dash, obs: Observatory) -> None:
    """Adding a territory from the comparison page's search, and the comparison's downloads."""

    @app.callback(
        Output(compare.COMPARE_ADD_RESULTS, "children"),
        Input(compare.COMPARE_ADD, "value"),
        State(ids.URL, "search"),
    )
    def add_results(typed, search):
        return add_items(obs, typed, search)

    @app.callback(
        Output(compare.COMPARE_DOWNLOAD, "data"),
        Input(compare.COMPARE_CSV, "n_clicks"),
        Input(compare.COMPARE_XLSX, "n_clicks"),
        Input(compare.COMPARE_ZIP, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def download_comparison(_csv, _xlsx, _zip, search):
        return comparison_download(obs, search, ctx.triggered_id)


def add_items(obs: Observatory, typed: object, search: object) -> list:
    """The territories matching ``typed``, each a link to the comparison with it added."""
    if not isinstance(typed, str) or not typed.strip():
        return []
    current = compare.current(obs, text(search))
    hits = obs.search(typed, limit=8)
    return [
        html.Li(
            dcc.Link(
                search_label(h),
                href=compare.href(
                    [*current["keys"], registry.territory_key(h.level, h.code)],
                    current["view"],
                    current["lang"],
                    current["method"],
                ),
                className="search-hit",
            )
        )
        for h in hits
    ]


def comparison_download(obs: Observatory, search: object, button: object):
    """The file of the comparison in the URL, in the format of the ``button`` clicked."""
    current = compare.current(obs, text(search))
    if len(current["keys"]) < 2:
        return no_update
    tables = comparison_tables(obs, current["keys"], current["view"], current["method"])
    if button == compare.COMPARE_ZIP:
        title = f"Comparaison / comparison ({current['view']}) : {', '.join(current['keys'])}"
        filters = {"territories": current["keys"], "view": current["view"], "min_n": obs.settings.min_n}
        if current["method"] == "sae":
            filters["method"] = "sae"
        data = package(obs, {k: v for k, v in tables.items() if not v.empty}, title, filters)
        return dcc.send_bytes(data, f"observatoire_comparaison_{current['view']}.zip")
    fmt = "xlsx" if button == compare.COMPARE_XLSX else "csv"
    # the CSV: the estimates, then the pairwise differences (row_type), as the XLSX's two sheets
    data = render(comparison_csv(tables), "csv") if fmt == "csv" else render_profile(tables, "xlsx")
    return dcc.send_bytes(data, f"observatoire_comparaison_{current['view']}.{fmt}")
