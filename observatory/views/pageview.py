"""Everything a map page shows for one state of its controls, computed without Dash callbacks.

The callbacks only unpack inputs, call :func:`map_update` (or :func:`compute`) and return its
parts; this is what the unit tests exercise without a browser. Computed views are cached per app
(:class:`PageCaches`), without the selection: a click re-outlines, it does not recompute.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from observatory import i18n
from observatory import reference as ref
from observatory.figures.choropleth import CHANGE_PALETTES, initiative_points, map_data, map_spec, palette
from observatory.figures.ranking import draw_ranking
from observatory.lru import LRU
from observatory.service import Observatory
from observatory.stats import Query
from observatory.urlstate import ViewState
from observatory.views import mapspec, model
from observatory.views.mapspec import MapPage, compare_wave
from observatory.views.mapview import MapView, build_change_view, build_map_view


@dataclass
class PageView:
    """The parts of one view of a map page."""

    query: Query
    measure: str
    statistic: str
    view: MapView
    colours: list[str]
    map_data: dict  # what MapLibre applies (figures.choropleth.map_data)
    ranking: dict
    national: pd.DataFrame
    published: pd.DataFrame
    spec: dict  # the level's tiles and view (figures.choropleth.map_spec)
    points: list[dict] | None = None  # the initiatives layer, when shown
    lang: str = "fr"
    selected: str | None = None

    @property
    def change(self) -> tuple[int, int] | None:
        """(wave from, wave to) when the view maps a change between two waves."""
        return self.view.change


def compute(
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    selected: str | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """Estimates for the view (from the statistics layer), classified and drawn, with the selection."""
    return select(compute_view(obs, page, values, lang, frozen, viewport_width, initiatives), selected)


def compute_view(
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """The view without a selection: what :class:`PageCaches` keeps."""
    query, measure, statistic = page.query(values)
    since = compare_wave(values)
    if since is not None:  # the change from the compared wave to the wave shown
        earlier = dataclasses.replace(query, wave=since)
        table = obs.change(earlier, query.wave, measures=(measure,))
        view = build_change_view(table, measure, statistic, obs.settings.min_n, lang)
        colours = CHANGE_PALETTES[page.palette][: max(len(view.upper_bounds), 1)]
    elif model.applies(values):  # the EPCI map of the small-area model (hatched, never tested)
        table = model.model_table(obs, query, measure, statistic)
        view = model.build_model_view(
            table, measure, statistic, values.get("classes", "quantiles"), obs.settings.min_n, lang, frozen
        )
        colours = palette(page.palette, max(len(view.upper_bounds), 1))
    else:
        table = obs.estimate(query, measures=(measure,))
        view = build_map_view(
            table, measure, statistic, values.get("classes", "quantiles"), obs.settings.min_n, lang, frozen
        )
        colours = palette(page.palette, max(len(view.upper_bounds), 1))
    spec = map_spec(query.level, obs.db.version, viewport_width)
    points = initiative_points(obs.initiative_points(), lang) if initiatives else None
    france = Query(query.indicator, query.wave, query.survey, ref.FRANCE_LEVEL, query.measures, query.size_class)
    if since is not None:
        national = obs.change(dataclasses.replace(france, wave=since), query.wave, measures=(measure,))
    else:  # all measures in one cached query, then keep this one
        national = obs.estimate(france, measures=(measure,))
    national = national[national["statistic"] == statistic]
    pv = PageView(
        query,
        measure,
        statistic,
        view,
        colours,
        {},
        {},
        national,
        published_reference(obs, query, measure, statistic),
        spec,
        points,
        lang,
    )
    return _drawn(pv, None)


def select(pv: PageView, selected: str | None) -> PageView:
    """The view with ``selected`` outlined on the map and marked in the ranking."""
    return pv if selected == pv.selected else _drawn(pv, selected)


def _drawn(pv: PageView, selected: str | None) -> PageView:
    rows = pv.view.rows
    return dataclasses.replace(
        pv,
        selected=selected,
        map_data=map_data(rows, pv.view.upper_bounds, pv.colours, pv.spec, selected, pv.points),
        ranking=draw_ranking(
            rows,
            pv.statistic,
            pv.lang,
            selected,
            pv.colours[-1],
            change=pv.change is not None,
            decrease_colour=pv.colours[0],
        ),
    )


def published_reference(obs: Observatory, query: Query, measure: str, statistic: str) -> pd.DataFrame:
    """PHARE's published national figure(s) for this measure, if any (any wave, national only)."""
    pub = obs.published_figures()
    base_stat = "share" if statistic == "share_among_partners" else statistic
    base = "partners" if statistic == "share_among_partners" else "all"
    keep = (
        (pub["survey"] == query.survey)
        & (pub["measure"] == measure)
        & (pub["statistic"] == base_stat)
        & (pub["base"] == base)
        & pub["region_code"].isna()
        & (pub["size_class"].fillna("") == (query.size_class or ""))
    )
    return pub[keep]


def summary(pv: PageView, lang: str, synthetic: bool) -> str:
    """One sentence: how many territories are reliable, the national estimate, the published one.

    The counts are the legend's (full colour, faded, grey), so the two never contradict each other.
    """
    if pv.change:
        return change_summary(pv, lang, synthetic)
    rows = pv.view.rows
    counts = rows["reliability"].value_counts()
    n_ok, n_low, n_sup = (int(counts.get(k, 0)) for k in ("ok", "low", "suppressed"))
    fr = lang == "fr"
    c = i18n.colon(lang)
    modelled = "model" in rows and bool(rows["model"].any())
    total = i18n.plural(len(rows), "territoire" if fr else "territory", "territoires" if fr else "territories", lang)
    ok, low = i18n.count(n_ok, lang), i18n.count(n_low, lang)
    if modelled and fr:  # a model's figures are not "reliable" cells of the survey: say what they are
        head = (
            f"{total}{c}{ok} estimés par le modèle "
            f"(hachurés, avec l'erreur quadratique moyenne), {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)}."
        )
    elif modelled:
        head = (
            f"{total}{c}{ok} estimated by the model "
            f"(hatched, with the mean squared error), {i18n.count(n_sup, lang)} suppressed."
        )
    elif fr:
        head = (
            f"{total}{c}{i18n.plural(n_ok, 'fiable', 'fiables', lang)}, "
            f"{low} de fiabilité faible, {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)}."
        )
    else:
        head = f"{total}{c}{ok} reliable, {low} of low reliability, {i18n.count(n_sup, lang)} suppressed."
    parts = [head]
    if len(pv.national) and pv.national.iloc[0]["reliability"] != "suppressed":
        r = pv.national.iloc[0]
        label = "Estimation France" if fr else "Estimate for France"
        if synthetic:
            label += " (données synthétiques)" if fr else " (synthetic data)"
        parts.append(
            f"{label}{c}{i18n.value(r.estimate, pv.statistic, lang, r.ci_low, r.ci_high)} "
            f"({i18n.t('ci95', lang)} {i18n.interval(r.ci_low, r.ci_high, pv.statistic, lang)}), n = {i18n.number(r.n, 0, lang)}."
        )
    if len(rows) > MAX_TABLE_ROWS:
        parts.append(
            "Le tableau ci-dessous liste les territoires diffusés ; les téléchargements les contiennent tous."
            if fr
            else "The table below lists the published territories; the downloads hold them all."
        )
    for p in pv.published.itertuples():
        shown = i18n.value(p.value, pv.statistic if pv.statistic != "share_among_partners" else "share", lang)
        parts.append(
            f"Chiffre publié par PHARE ({p.wave}){c}{shown}."
            if fr
            else f"Figure published by PHARE ({p.wave}){c}{shown}."
        )
    return " ".join(parts)


def change_summary(pv: PageView, lang: str, synthetic: bool) -> str:
    """Counts of significant increases and decreases, the national change, the published figures.

    A significant change of low reliability is drawn faded: the sentence says how many, so that
    "13 significant increases" never announces what the map does not show.
    """
    a, b = pv.change
    rows = pv.view.rows
    shown = rows[rows["reliability"] != "suppressed"]
    ups = shown["significance"] == "increase"
    downs = shown["significance"] == "decrease"
    low = shown["reliability"] == "low"
    n_up, n_down = int(ups.sum()), int(downs.sum())
    faded_signif = int(((ups | downs) & low).sum())
    flat = len(shown) - n_up - n_down
    fr = lang == "fr"
    c = i18n.colon(lang)
    n_sup = len(rows) - len(shown)
    comparable, total, faded, unchanged, suppressed = (
        i18n.count(x, lang) for x in (len(shown), len(rows), faded_signif, flat, n_sup)
    )
    if fr:
        head = (
            f"Évolution {a} → {b} (deux échantillons indépendants, test à 5 %){c}"
            f"{comparable} territoires comparables sur {total} — "
            f"{i18n.plural(n_up, 'hausse significative', 'hausses significatives', lang)} et "
            f"{i18n.plural(n_down, 'baisse significative', 'baisses significatives', lang)}"
            + (f" (dont {faded} de fiabilité faible, estompées)" if faded_signif else "")
            + f", {unchanged} sans changement significatif ; {i18n.plural(n_sup, 'non diffusé', 'non diffusés', lang)} "
            "(effectif insuffisant à l'une des vagues)."
        )
    else:
        head = (
            f"Change {a} → {b} (two independent samples, 5% test){c}{comparable} comparable territories of "
            f"{total} — {i18n.plural(n_up, 'significant increase', 'significant increases', lang)} and "
            f"{i18n.plural(n_down, 'significant decrease', 'significant decreases', lang)}"
            + (f" ({faded} of them of low reliability, faded)" if faded_signif else "")
            + f", {unchanged} without significant change; {suppressed} suppressed (too few respondents at either wave)."
        )
    parts = [head]
    if len(pv.national) and pv.national.iloc[0]["reliability"] != "suppressed":
        r = pv.national.iloc[0]
        label = "France" + ((" (données synthétiques)" if fr else " (synthetic data)") if synthetic else "")
        parts.append(
            f"{label}{c}{i18n.value(r.estimate_from, pv.statistic, lang)} → "
            f"{i18n.value(r.estimate_to, pv.statistic, lang)}, {i18n.signed(r.difference, pv.statistic, lang)} "
            f"({i18n.t('ci95', lang)} {i18n.signed_interval(r.ci_low, r.ci_high, pv.statistic, lang)}), "
            f"{i18n.t(r.significance, lang)}."
        )
    published = pv.published[pv.published["wave"].isin([a, b])].sort_values("wave")
    if len(published):
        stat = pv.statistic if pv.statistic != "share_among_partners" else "share"
        shown_pub = ", ".join(f"{i18n.value(p.value, stat, lang)} ({p.wave})" for p in published.itertuples())
        parts.append(f"Chiffres publiés{c}{shown_pub}." if fr else f"Published figures{c}{shown_pub}.")
    if len(rows) > MAX_TABLE_ROWS:
        parts.append(
            "Le tableau ci-dessous liste les territoires diffusés ; les téléchargements les contiennent tous."
            if fr
            else "The table below lists the published territories; the downloads hold them all."
        )
    return " ".join(parts)


MAX_TABLE_ROWS = 2_000  # above this (communes) the table lists only the published cells


def _number_format(decimals: int, lang: str) -> dict:
    """A DataTable number format: fixed decimals, the language's decimal mark."""
    fmt: dict = {"specifier": f",.{decimals}f"}
    if lang == "fr":
        fmt["locale"] = {"decimal": ",", "group": "\u202f"}
    return fmt


def _columns(frame: pd.DataFrame, names: dict[str, str], decimals: dict[str, int], lang: str) -> list[dict]:
    columns = []
    for c in frame.columns:
        col = {"name": names[c], "id": c, "type": "numeric" if c in decimals else "text"}
        if c in decimals:
            col["format"] = _number_format(decimals[c], lang)
        columns.append(col)
    return columns


def table_rows(pv: PageView, lang: str) -> tuple[list[dict], list[dict]]:
    """Columns and rows of the data table (the text alternative to the map).

    Values are in the unit of the map (scores out of 10, shares in %), with the precision rule of
    the rest of the page (:mod:`observatory.i18n`).
    """
    if pv.change:
        return change_table_rows(pv, lang)
    scale = i18n.scale_of(pv.statistic)
    r = pv.view.rows
    if len(r) > MAX_TABLE_ROWS:  # communes: list the published cells; the downloads hold them all
        r = r[r["reliability"] != "suppressed"]
    # One precision per column: the unit's, finer if any row's CI would otherwise collapse.
    digits = max(
        (i18n.decimals_for(pv.statistic, lo, hi) for lo, hi in zip(r["ci_low"], r["ci_high"], strict=True)),
        default=i18n.VALUE_DECIMALS[i18n.unit_of(pv.statistic)],
    )
    fr = lang == "fr"
    frame = pd.DataFrame(
        {
            "territory": r["territory_name"],
            "code": r["territory_code"],
            "estimate": (r["estimate"] * scale).round(digits),
            "ci_low": (r["ci_low"] * scale).round(digits),
            "ci_high": (r["ci_high"] * scale).round(digits),
            "n": r["n"],
            # A model's cell says so where a direct one gives its reliability (never "bonne").
            "reliability": [
                i18n.t("model" if m else x, lang)
                for x, m in zip(r["reliability"], r["model"] if "model" in r else [False] * len(r), strict=True)
            ],
            "significance": [i18n.t(x, lang) for x in r["significance"]],
        }
    )
    unit = " (/10)" if pv.statistic == "mean_score" else " (%)"
    names = {
        "territory": i18n.t("territory", lang),
        "code": "Code",
        "estimate": i18n.t("value", lang) + unit,
        "ci_low": ("IC 95 % bas" if fr else "95% CI low"),
        "ci_high": ("IC 95 % haut" if fr else "95% CI high"),
        "n": "n",
        "reliability": i18n.t("reliability", lang),
        "significance": ("vs reste de la France" if fr else "vs rest of France"),
    }
    decimals = {"estimate": digits, "ci_low": digits, "ci_high": digits, "n": 0}
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return _columns(frame, names, decimals, lang), records


def change_table_rows(pv: PageView, lang: str) -> tuple[list[dict], list[dict]]:
    """The data table of a change map: both waves, the difference with its CI, n, the test."""
    a, b = pv.change
    unit_kind = i18n.unit_of(pv.statistic)
    scale = i18n.scale_of(pv.statistic)
    digits = i18n.VALUE_DECIMALS[unit_kind]
    change_digits = i18n.CHANGE_DECIMALS[unit_kind]
    r = pv.view.rows
    if len(r) > MAX_TABLE_ROWS:
        r = r[r["reliability"] != "suppressed"]
    fr = lang == "fr"
    frame = pd.DataFrame(
        {
            "territory": r["territory_name"],
            "code": r["territory_code"],
            "estimate_from": (r["estimate_from"] * scale).round(digits),
            "estimate_to": (r["estimate_to"] * scale).round(digits),
            "estimate": (r["estimate"] * scale).round(change_digits),
            "ci_low": (r["ci_low"] * scale).round(change_digits),
            "ci_high": (r["ci_high"] * scale).round(change_digits),
            "n_from": r["n_from"],
            "n_to": r["n_to"],
            # A model's cell says so where a direct one gives its reliability (never "bonne").
            "reliability": [
                i18n.t("model" if m else x, lang)
                for x, m in zip(r["reliability"], r["model"] if "model" in r else [False] * len(r), strict=True)
            ],
            "significance": [i18n.t(x, lang) for x in r["significance"]],
        }
    )
    unit = " (/10)" if pv.statistic == "mean_score" else " (%)"
    points = "" if pv.statistic == "mean_score" else " (points)"
    names = {
        "territory": i18n.t("territory", lang),
        "code": "Code",
        "estimate_from": f"{a}{unit}",
        "estimate_to": f"{b}{unit}",
        "estimate": f"{i18n.t('change', lang)}{points}",
        "ci_low": ("IC 95 % bas" if fr else "95% CI low"),
        "ci_high": ("IC 95 % haut" if fr else "95% CI high"),
        "n_from": f"n {a}",
        "n_to": f"n {b}",
        "reliability": i18n.t("reliability", lang),
        "significance": ("Changement (test à 5 %)" if fr else "Change (5% test)"),
    }
    decimals = {
        "estimate_from": digits,
        "estimate_to": digits,
        "estimate": change_digits,
        "ci_low": change_digits,
        "ci_high": change_digits,
        "n_from": 0,
        "n_to": 0,
    }
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return _columns(frame, names, decimals, lang), records


def table_highlight(selected: str | None) -> list[dict]:
    """Table style marking the selected territory's row."""
    if not selected:
        return []
    return [{"if": {"filter_query": f'{{code}} = "{selected}"'}, "backgroundColor": "#fff1b8", "fontWeight": "600"}]


class PageCaches:
    """The map pages' computed views and extra panels, remembered: one per app, not per module.

    The map callback and the panels callback share a view; a communes view holds 35,000 hover
    texts, so only a few are kept.
    """

    def __init__(self, views: int = 6, extras: int = 12):
        """Keep ``views`` computed views and ``extras`` sets of extra panels."""
        self.views = LRU(views)
        self.extras = LRU(extras)


def _key(obs: Observatory, page: MapPage, values: dict, lang: str, *rest) -> tuple:
    """A hashable key: data version, page, controls, language and the other arguments."""
    hashable = tuple(tuple(x) if isinstance(x, list) else x for x in rest)
    return (obs.db.version, page.path, tuple(sorted(values.items())), lang, *hashable)


def compute_cached(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    values: dict[str, str],
    lang: str,
    frozen: list[float] | None = None,
    selected: str | None = None,
    viewport_width: int | None = None,
    initiatives: bool = False,
) -> PageView:
    """:func:`compute`, remembered without the selection (a click does not rebuild the hover texts)."""
    key = _key(obs, page, values, lang, frozen, viewport_width, initiatives)
    base = cache.views.get(key, lambda: compute_view(obs, page, values, lang, frozen, viewport_width, initiatives))
    return select(base, selected)


def extras_cached(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    pv: PageView,
    values: dict[str, str],
    lang: str,
    width: int | None,
) -> list:
    """The page's extra panels, remembered by the view's controls (not the selection)."""
    key = (*_key(obs, page, values, lang), width, tuple(pv.view.upper_bounds))
    return cache.extras.get(key, lambda: page.extras(obs, pv, lang, width))


# --- one control change on a map page --------------------------------------------------------------
@dataclass
class MapUpdate:
    """What the map callback returns, named after its outputs; the legend is built from ``pv``."""

    pv: PageView
    values: dict[str, str]
    store: dict  # the frozen breaks per indicator and statistic (the breaks store)
    state: ViewState  # freeze, breaks, layer and selection: the URL's part beyond the controls
    search: str  # the view's query string
    options: dict[str, list[dict]]  # every control's options for these values
    frozen: list[float] | None
    meta: dict  # what the panels callback needs once the map is drawn


def freeze_key(page: MapPage, values: dict[str, str]) -> str:
    """Which frozen breaks apply: per indicator and statistic; a change map's never mix with levels'."""
    key = f"{page.indicator}|{values.get('stat') or values.get('base') or 'share'}"
    if values.get("compare", mapspec.NO_COMPARE) != mapspec.NO_COMPARE:
        key += "|change"
    return key


def map_update(
    cache: PageCaches,
    obs: Observatory,
    page: MapPage,
    given: dict[str, str],
    lang: str,
    linked: ViewState,
    store: dict | None,
    freeze: bool,
    initiatives: bool,
    clicked: str | None,
    width: int | None,
) -> MapUpdate:
    """The map page after a control change, a toggle or a click.

    Args:
        cache: The app's view caches.
        obs: The data interface.
        page: The map page.
        given: The controls' values as the browser sent them (invalid ones fall back).
        lang: The page's language.
        linked: The state the URL was opened with (frozen breaks, selection).
        store: The frozen breaks kept in the browser, per :func:`freeze_key`.
        freeze: Whether the classes are frozen.
        initiatives: Whether the initiatives layer is shown.
        clicked: The territory just clicked, if the click triggered the update.
        width: The browser's viewport width.
    """
    values = mapspec.resolve_values(obs, page, given)
    key = freeze_key(page, values)
    store = dict(store or {})
    frozen = (store.get(key) or (list(linked.breaks) if linked.breaks else None)) if freeze else None
    selected = clicked if clicked is not None else linked.selected  # any other change keeps it (it is in the link)
    pv = compute_cached(cache, obs, page, values, lang, frozen, selected, width, initiatives)
    if pv.map_data["selected"] is None:  # not a territory of this view
        selected = None
    if freeze and not frozen:
        store[key] = pv.view.upper_bounds
    elif not freeze:
        store.pop(key, None)
    bounds = tuple(frozen or pv.view.upper_bounds) if freeze else None
    state = ViewState(freeze, bounds, initiatives, selected)
    options = {c.name: c.option_dicts() for c in mapspec.all_controls(page, obs, values, lang)}
    meta = {
        "path": page.path,
        "map_id": pv.map_data["id"],
        "values": values,
        "lang": lang,
        "frozen": frozen,
        "selected": selected,
        "width": width,
        "initiatives": initiatives,
    }
    return MapUpdate(pv, values, store, state, mapspec.url_search(values, lang, state), options, frozen, meta)
