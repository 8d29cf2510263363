"""The model diagnostics' controls: a choice writes the cell into the URL; the router draws it."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from observatory.core.urlstate import language
from observatory.data.service import Observatory
from observatory.ui import ids
from observatory.ui.callbacks.inputs import text
from observatory.ui.pages import model_diagnostics as diagnostics_page
from observatory.views import model_diagnostics


def register_diagnostics_callbacks(app: Dash, obs: Observatory) -> None:
    """The model diagnostics' controls: a choice writes the cell into the URL; the router draws it."""

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input({"type": diagnostics_page.CONTROL_TYPE, "name": ALL}, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def choose_cell(values, search):
        search = text(search)
        names = [i["id"]["name"] for i in ctx.inputs_list[0]]
        cell = model_diagnostics.resolve_given(obs, dict(zip(names, values, strict=True)))
        if cell is None:
            return no_update
        href = model_diagnostics.cell_href(cell, language(search))
        new = href[href.index("?") :]
        return new if new != (search or "") else no_update
