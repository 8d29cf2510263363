"""What a map page is, without Dash: its controls, URL parameters, title, and URL ⇄ values.

A page is a :class:`MapPage`: its URL parameters (allow-lists and defaults), how they become a
statistics query, and its palette. :func:`resolve` reads a query string into the page's values
(with the notices for replaced ones), :func:`url_search` writes a view back into one. The Dash
layout that shows a page is :mod:`observatory.ui.pages.mappage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from observatory.core import reference as ref
from observatory.core.classify import METHODS
from observatory.core.i18n import t
from observatory.core.urlstate import Param, ViewState, parse, raw_values, to_search
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.views import model

Options = list[tuple[str, str]]  # (value, label)


@dataclass(frozen=True)
class Control:
    """One control: its URL parameter, label and options for the current state."""

    name: str
    label: str
    options: Options
    disabled: frozenset[str] = frozenset()  # values shown greyed (their label says why), not choosable

    def option_dicts(self) -> list[dict]:
        """The options as a Dash dropdown takes them."""
        return [
            {"value": v, "label": lbl, **({"disabled": True} if v in self.disabled else {})} for v, lbl in self.options
        ]


@dataclass(frozen=True)
class MapPage:
    """What distinguishes one map page from another."""

    path: str
    palette: str
    indicator: str
    params: Callable[[Observatory, dict[str, str]], list[Param]]
    query: Callable[[dict[str, str]], tuple[Query, str, str]]  # → query, measure, statistic
    controls: Callable[[Observatory, dict[str, str], str], list[Control]]
    title: Callable[[dict[str, str], str], str]
    extras: Callable[..., list] = lambda *_args: []  # (obs, page view, lang, viewport width) → components


def level_options(lang: str) -> Options:
    """The four levels, for a control."""
    return [(lv.code, lv.fr if lang == "fr" else lv.en) for lv in ref.LEVELS]


def method_param() -> Param:
    """Classification method parameter, common to every map page."""
    return Param("classes", METHODS, "quantiles")


NO_COMPARE = "none"


def compare_param(obs: Observatory, query: Query) -> Param:
    """``compare``: another wave of the survey, to map the change from it to the wave shown."""
    others = tuple(str(w) for w in obs.waves(query.survey) if w != query.wave)
    return Param("compare", (NO_COMPARE, *others), NO_COMPARE, optional=True)


def compare_control(obs: Observatory, query: Query, lang: str) -> Control:
    """The "compare with wave" control: none (levels), or each other wave of the survey."""
    others = [str(w) for w in obs.waves(query.survey) if w != query.wave]
    return Control("compare", t("compare_wave", lang), [(NO_COMPARE, t("no_compare", lang)), *((w, w) for w in others)])


def estimation_param(values: dict[str, str]) -> Param:
    """``method``: direct estimates, or the small-area model (EPCI level, levels not change, only)."""
    offered = values.get("level") == model.SAE_LEVEL and values.get("compare", NO_COMPARE) == NO_COMPARE
    return Param("method", model.ESTIMATIONS if offered else (model.DIRECT,), model.DIRECT, optional=True)


def estimation_control(values: dict[str, str], lang: str) -> Control:
    """Direct or model; the model greyed, with the reason, away from the EPCI level."""
    offered = model.SAE in estimation_param(values).allowed
    sae_label = t("sae_method", lang) + ("" if offered else " " + t("sae_epci_only", lang))
    return Control(
        "method",
        t("estimation", lang),
        [(model.DIRECT, t("direct_method", lang)), (model.SAE, sae_label)],
        frozenset() if offered else frozenset({model.SAE}),
    )


def all_controls(page: MapPage, obs: Observatory, values: dict[str, str], lang: str) -> list[Control]:
    """The page's controls, then the wave comparison, the estimation method and the classification."""
    query, _measure, _statistic = page.query(values)
    return [
        *page.controls(obs, values, lang),
        compare_control(obs, query, lang),
        estimation_control(values, lang),
        *common_controls(values, lang),
    ]


def describe(page: MapPage, obs: Observatory, values: dict[str, str], lang: str):
    """Words for a notice: a parameter's control label, a value's option label (« … »)."""
    by_name = {c.name: c for c in all_controls(page, obs, values, lang)}
    quote = "“{}”" if lang == "en" else "« {} »"

    def words(param: str, value: str | None) -> str:
        control = by_name.get(param)
        if value is None:
            return quote.format(control.label if control else param)
        label = dict(control.options).get(value, value) if control else value
        return quote.format(label.strip())

    return words


def view_title(page: MapPage, values: dict[str, str], lang: str) -> str:
    """The page's title, with the change's waves when it maps a change."""
    title = page.title(values, lang)
    since = values.get("compare", NO_COMPARE)
    if since != NO_COMPARE:
        title += f" — évolution depuis {since}" if lang == "fr" else f" — change since {since}"
    if model.applies(values):
        title += " — " + t("sae_title", lang)
    return title


def common_controls(values: dict[str, str], lang: str) -> list[Control]:
    """Controls every map page has after its own: classification."""
    return [Control("classes", t("classes", lang), [(m, t(m, lang)) for m in METHODS])]


def resolve(obs: Observatory, page: MapPage, search: str | None) -> tuple[dict[str, str], list]:
    """The page's parameter values from a query string, and the notices for replaced ones.

    ``compare`` (another wave of the survey) is allowed once the survey and wave are known.
    """
    values, notices = parse(search, page.params(obs, raw_values(search)))
    query, _measure, _statistic = page.query(values)
    compared, more = parse(search, [compare_param(obs, query)])
    values = {**values, **compared}
    estimation, last = parse(search, [estimation_param(values)])
    return {**values, **estimation}, notices + more + last


def resolve_values(obs: Observatory, page: MapPage, given: dict[str, str]) -> dict[str, str]:
    """The page's values from its controls' values (invalid or missing ones fall back)."""
    values, _notices = resolve(obs, page, to_search(given))
    return values


def url_search(values: dict[str, str], lang: str, state: ViewState | None = None) -> str:
    """The query string of a map view, with its frozen classes, layers and selection.

    No ``compare`` when none; the rest is :class:`~observatory.core.urlstate.ViewState`.
    """
    kept = {**values, "lang": "en" if lang == "en" else None}
    if kept.get("compare") == NO_COMPARE:
        kept["compare"] = None
    if kept.get("method") == model.DIRECT:
        kept["method"] = None
    return to_search({**kept, **(state or ViewState()).params()})


def compare_wave(values: dict[str, str]) -> int | None:
    """The wave a view is compared with (URL parameter ``compare``), if any."""
    raw = values.get("compare") or ""
    return int(raw) if raw.isdigit() else None
