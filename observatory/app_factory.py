"""``create_app()``: the Dash app, its static geometry route and its callbacks."""

from __future__ import annotations

from dash import Dash

from observatory.core.config import PROJECT_ROOT, Settings, get_settings
from observatory.data.service import Observatory
from observatory.ui.callbacks import register_callbacks
from observatory.ui.layout import shell
from observatory.ui.pages import registry
from observatory.web import heavy
from observatory.web.api import register_api
from observatory.web.apidoc import register_apidoc
from observatory.web.embed import register_embed_routes
from observatory.web.geo_routes import register_geo_routes
from observatory.web.health import register_health
from observatory.web.memory import limit_arenas, register_trim
from observatory.web.not_found import register_not_found
from observatory.web.security import register_security


def create_app(settings: Settings | None = None) -> Dash:
    """Build the app on the database of ``settings`` (opened read-only)."""
    settings = settings or get_settings()
    limit_arenas()
    obs = Observatory(settings)
    app = Dash(
        __name__,
        title="Observatoire des fragilités et des partenariats",
        assets_folder=str(PROJECT_ROOT / "assets"),
        suppress_callback_exceptions=True,
        compress=True,
        update_title=None,
        serve_locally=True,
    )
    # Dash wraps its scripts in a <footer>: a second "contentinfo" landmark beside the page's own.
    app.index_string = (
        app.index_string.replace("<html>", '<html lang="fr">', 1)
        .replace("<footer>", "<div>", 1)
        .replace("</footer>", "</div>", 1)
    )
    app.layout = shell.layout()
    register_geo_routes(app.server, settings.geo_dir)
    register_health(app.server, obs.db)
    register_not_found(app, obs, set(registry.PAGES), registry.canonical)
    register_api(app.server, obs)
    register_apidoc(app.server, obs)
    register_embed_routes(app, obs, registry.PAGES)
    register_callbacks(app, obs)
    register_security(app)
    register_trim(app.server)
    app.server.config["OBSERVATORY"] = obs
    obs.warm()
    # Before any fork (gunicorn --preload): the workers share these instead of each making its own.
    heavy.code_version()  # the PDF cache's key: the same in every worker
    # PIL.Image is imported by WeasyPrint at a worker's first PDF; plotly's JSON encoder, in another
    # thread, looks it up in sys.modules and met it half-initialised (a callback answered 400).
    import PIL.Image  # noqa: F401

    return app
