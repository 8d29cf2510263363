"""The values a callback receives, checked: a forged request may send any JSON in their place."""

from __future__ import annotations


def text(value: object) -> str | None:
    """A callback's text value (a URL's path or query, a search box); None for any other type (a forged request)."""
    return value if isinstance(value, str) else None


def width(viewport: object) -> int | None:
    """The screen width in the viewport store (``{"width", "height"}``, pixels); None when missing or not a number."""
    value = viewport.get("width") if isinstance(viewport, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def clicked(click: dict | None) -> str | None:
    """The territory code of a click on the map (``{code, at}``); None when it is not one."""
    code = (click or {}).get("code")
    return code if isinstance(code, str) and len(code) <= 12 else None
