"""The profile page's callbacks: its downloads and its iframe code."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from observatory.data.service import Observatory
from observatory.exports.datapackage import package, slug
from observatory.exports.export import profile_tables, render_profile
from observatory.ui.layout import snippets
from observatory.ui.pages import profile


def register_profile_callbacks(app: Dash, obs: Observatory) -> None:
    """The profile's downloads: CSV, XLSX with one sheet per block, ZIP with one resource per block."""

    @app.callback(
        Output(profile.PROFILE_DOWNLOAD, "data"),
        Input(profile.PROFILE_CSV, "n_clicks"),
        Input(profile.PROFILE_XLSX, "n_clicks"),
        Input(profile.PROFILE_ZIP, "n_clicks"),
        State(profile.PROFILE_KEY, "data"),
        prevent_initial_call=True,
    )
    def download_profile(_csv, _xlsx, _zip, key):
        return profile_download(obs, key, ctx.triggered_id)

    # A profile's iframe code: its relative address made absolute on the host the visitor uses.
    app.clientside_callback(
        """function(_, code) {
            return (code || '').replace('src="/', 'src="' + window.location.origin + '/');
        }""",
        Output(snippets.SNIPPET_CODE, "children"),
        Input(profile.PROFILE_KEY, "data"),
        State(snippets.SNIPPET_CODE, "children"),
    )


def profile_download(obs: Observatory, key: object, button: object):
    """The file of the profile stored under ``key``, in the format of the ``button`` clicked."""
    territory = profile.stored_territory(obs, key)
    if territory is None:
        return no_update
    level, code = territory.level, territory.code
    tables = profile_tables(obs, level, code)
    if button == profile.PROFILE_ZIP:
        name = tables[next(iter(tables))]
        label = name[name["scope"] == "territory"]["territory_name"].iloc[0] if len(name) else code
        title = f"Profil / profile : {label} ({level} {code})"
        filters = {"level": level, "territory": code, "min_n": obs.settings.min_n}
        data = package(obs, {slug(b): t for b, t in tables.items() if not t.empty}, title, filters)
        return dcc.send_bytes(data, f"observatoire_profil_{level}_{code}.zip")
    fmt = "xlsx" if button == profile.PROFILE_XLSX else "csv"
    data = render_profile(tables, fmt)
    return dcc.send_bytes(data, f"observatoire_profil_{level}_{code}.{fmt}")
