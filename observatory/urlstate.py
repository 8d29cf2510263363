"""Shareable view state in the URL: parse a query string against allow-lists, and write it back.

An invalid or missing parameter never breaks a page: it falls back to its default and the page
shows a notice saying which parameter was replaced and by what.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

MAX_QUERY_LENGTH = 2000  # characters; longer query strings are ignored as a whole


@dataclass(frozen=True)
class Param:
    """One URL parameter: its allowed values (as strings) and its default."""

    name: str
    allowed: tuple[str, ...]
    default: str
    optional: bool = False  # absent: the default, silently (no "missing parameter" notice)


@dataclass(frozen=True)
class Notice:
    """A parameter that was replaced by its default."""

    param: str
    given: str | None
    used: str

    def text(self, lang: str) -> str:
        """The notice shown on the page."""
        if self.given is None:
            if lang == "en":
                return f"Missing parameter '{self.param}': showing '{self.used}'."
            return f"Paramètre « {self.param} » absent : « {self.used} » est affiché."
        given = self.given if len(self.given) <= 40 else self.given[:40] + "…"
        if lang == "en":
            return f"Invalid value '{given}' for '{self.param}': showing '{self.used}' instead."
        return f"Valeur « {given} » invalide pour « {self.param} » : « {self.used} » est affiché à la place."


def parse(search: str | None, params: list[Param]) -> tuple[dict[str, str], list[Notice]]:
    """Values of ``params`` from a query string (``?a=1&b=2``), with notices for replaced ones.

    A bare URL (no query string but ``lang``) takes every default silently: the landing view.
    """
    search = (search or "").lstrip("?")
    raw = parse_qs(search[:MAX_QUERY_LENGTH], keep_blank_values=True) if search else {}
    values: dict[str, str] = {}
    notices: list[Notice] = []
    for p in params:
        given = raw.get(p.name, [None])[-1]
        if given in p.allowed:
            values[p.name] = given
        else:
            values[p.name] = p.default
            if given is not None or (set(raw) - {"lang"} and not p.optional):
                notices.append(Notice(p.name, given, p.default))
    return values, notices


def to_search(values: dict[str, object]) -> str:
    """The query string of a view (empty values left out)."""
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def language(search: str | None) -> str:
    """'en' when the URL asks for English, else 'fr'."""
    raw = parse_qs((search or "").lstrip("?")[:MAX_QUERY_LENGTH])
    return "en" if raw.get("lang", ["fr"])[-1] == "en" else "fr"


def raw_values(search: str | None) -> dict[str, str]:
    """The last value of each parameter of a query string, unchecked."""
    raw = parse_qs((search or "").lstrip("?")[:MAX_QUERY_LENGTH], keep_blank_values=True)
    return {k: v[-1] for k, v in raw.items()}


def notice_texts(notices: list[Notice], lang: str) -> list[str]:
    """One line per invalid value, and one line for all the missing parameters together."""
    texts = [n.text(lang) for n in notices if n.given is not None]
    missing = [n for n in notices if n.given is None]
    if missing:
        pairs = ", ".join(f"{n.param} = {n.used}" for n in missing)
        texts.append(
            f"Missing parameters, defaults used: {pairs}."
            if lang == "en"
            else f"Paramètres absents, valeurs par défaut : {pairs}."
        )
    return texts
