"""Entry point: wiring only.

``python app.py`` builds the database on first start (never over an existing one), then serves
the app on http://127.0.0.1:8050; ``server`` is the WSGI server for production
(``gunicorn -c deploy/gunicorn.conf.py``). The app checks the database when it is created and
refuses to start, with the reason and the command to run, when it is missing or damaged.
"""

from __future__ import annotations

from observatory import create_app
from observatory.core.config import get_settings
from observatory.startup import ensure_database, open_message, require_engine

require_engine(get_settings())  # pyspark is optional: a clear message, not a traceback at first use

if __name__ == "__main__":
    settings = get_settings()
    ensure_database(settings)
    app = create_app(settings)
    print(open_message(settings), flush=True)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
else:
    app = create_app()
    server = app.server
