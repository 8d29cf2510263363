"""Shareable view state in the URL: parse a query string against allow-lists, and write it back.

A missing parameter takes its default; an invalid one never breaks a page: it falls back to its
default and the page says, in words, which control was reset and to what.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


Describe = Callable[[str, str | None], str]  # (parameter, value or None for its name) → words


@dataclass(frozen=True)
class Notice:
    """A parameter whose value was invalid and was replaced by its default."""

    param: str
    given: str | None
    used: str

    def text(self, lang: str, describe: Describe | None = None) -> str:
        """The notice shown on the page, in words: the control's label and the value's."""
        name = describe(self.param, None) if describe else self.param
        used = describe(self.param, self.used) if describe else self.used
        given = (self.given or "") if len(self.given or "") <= 40 else (self.given or "")[:40] + "…"
        if lang == "en":
            return f"“{given}” is not a valid value for {name}: showing {used} instead."
        return f"« {given} » n'est pas une valeur possible pour {name} : {used} est affiché à la place."


def parse(search: str | None, params: list[Param]) -> tuple[dict[str, str], list[Notice]]:
    """Values of ``params`` from a query string (``?a=1&b=2``), with notices for invalid ones.

    A missing parameter takes its default silently (every link need not spell out every
    control); only a value that is given and not allowed gets a notice.
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
            if given is not None:
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


def notice_texts(notices: list[Notice], lang: str, describe: Describe | None = None) -> list[str]:
    """One line per invalid value, in words when ``describe`` names the controls and values."""
    return [n.text(lang, describe) for n in notices if n.given is not None]


MAX_BREAKS = 10


@dataclass(frozen=True)
class ViewState:
    """What a map view adds to its controls in the URL: frozen classes, layers, the selection.

    ``freeze=1`` with ``breaks=a,b,…`` (the frozen upper bounds), ``initiatives=1``, and
    ``selected=CODE``: every state a person sees is a link. Read leniently: a malformed value is
    dropped (the view is then as without it), never an error.
    """

    freeze: bool = False
    breaks: tuple[float, ...] | None = None
    initiatives: bool = False
    selected: str | None = None

    def params(self) -> dict[str, str | None]:
        """The URL parameters of this state (None: left out)."""
        return {
            "freeze": "1" if self.freeze else None,
            "breaks": ",".join(f"{b:.6g}" for b in self.breaks) if self.freeze and self.breaks else None,
            "initiatives": "1" if self.initiatives else None,
            "selected": self.selected,
        }


def view_state(search: str | None) -> ViewState:
    """The :class:`ViewState` of a query string."""
    raw = raw_values(search)
    breaks: tuple[float, ...] | None = None
    try:
        parts = tuple(float(b) for b in (raw.get("breaks") or "").split(",") if b.strip())
        if 0 < len(parts) <= MAX_BREAKS and all(a < b for a, b in zip(parts, parts[1:], strict=False)):
            if all(abs(b) < 1e6 for b in parts):
                breaks = parts
    except ValueError:
        breaks = None
    selected = raw.get("selected")
    if selected is not None and not re.fullmatch(r"[0-9A-Za-z]{1,12}", selected):
        selected = None
    return ViewState(raw.get("freeze") == "1", breaks, raw.get("initiatives") == "1", selected)
