"""The observatory: query and statistics layer, figures and pages (reads the database read-only)."""

from __future__ import annotations


def __getattr__(name: str):
    # Lazy, so that the ETL can import observatory.core.reference without loading Dash.
    if name == "create_app":
        from observatory.app_factory import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
