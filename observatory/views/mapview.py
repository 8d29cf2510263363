"""What a map page shows, prepared from the statistics layer: rows, classes, hover texts.

Pure functions of a statistics table; no database access, no Dash.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.core.classify import DEFAULT_K, breaks, class_of, class_ranges


@dataclass
class MapView:
    """The rows behind a map (one per territory) and their classification."""

    rows: pd.DataFrame
    upper_bounds: list[float]
    method: str
    statistic: str
    breaks_basis: str = "ok"  # "ok"; "low" (too few reliable cells: breaks on all published); "frozen"; "none"
    change: tuple[int, int] | None = None  # (wave from, wave to) when the map shows a change

    @property
    def classes(self) -> np.ndarray:
        """Class of each row (-1 for suppressed or missing)."""
        c = class_of(self.rows["estimate"].to_numpy(float), self.upper_bounds)
        return np.where(self.rows["reliability"].to_numpy() == "suppressed", -1, c)

    @property
    def strong(self) -> np.ndarray:
        """Rows drawn in full colour: reliable cells (on a change map: reliable significant changes)."""
        if "opacity" in self.rows:
            return self.rows["opacity"].to_numpy(float) >= 0.9
        return (self.rows["reliability"] == "ok").to_numpy()

    def counts(self) -> dict[str, int]:
        """How many territories are drawn in full colour, faded, and grey (suppressed): they add up."""
        suppressed = (self.rows["reliability"] == "suppressed").to_numpy()
        strong = self.strong & ~suppressed
        return {
            "strong": int(strong.sum()),
            "faded": int((~strong & ~suppressed).sum()),
            "suppressed": int(suppressed.sum()),
            "total": len(self.rows),
        }

    def legend(self) -> list[dict]:
        """One entry per class: its range and the territories in it, in full colour and faded.

        ``count`` is the full-colour ones, ``faded`` the faded ones; the totals are :meth:`counts`.
        """
        published = self.rows[self.rows["reliability"] != "suppressed"]
        if not self.upper_bounds or published.empty:
            return []
        lo = min(float(published["estimate"].min()), self.upper_bounds[0])
        cls = self.classes
        strong = self.strong
        entries = []
        for i, (a, b) in enumerate(class_ranges(lo, self.upper_bounds)):
            in_class = cls == i
            entries.append(
                {
                    "class": i,
                    "low": a,
                    "high": b,
                    "count": int((in_class & strong).sum()),
                    "faded": int((in_class & ~strong).sum()),
                    "low_reliability": int((in_class & (self.rows["reliability"] == "low").to_numpy()).sum()),
                }
            )
        return entries


def _records(rows: pd.DataFrame, columns: tuple[str, ...]) -> list:
    """The rows as named tuples of plain Python values.

    Iterating Arrow-backed columns cell by cell costs about twice as much on the 35,000 communes.
    """
    record = namedtuple("record", columns)
    return [record(*v) for v in zip(*(rows[c].tolist() for c in columns), strict=True)]


_HOVER_COLUMNS = ("reliability", "n", "estimate", "ci_low", "ci_high", "n_eff", "significance", "p_value")
_CHANGE_COLUMNS = (
    "reliability", "wave_from", "wave_to", "n_from", "n_to", "significance", "p_value", "estimate", "ci_low",
    "ci_high", "estimate_from", "estimate_to",
)  # fmt: skip


def hover_text(rows: pd.DataFrame, statistic: str, min_n: int, lang: str) -> list[str]:
    """The tooltip of each territory: value, CI, n, reliability, significance; or why suppressed.

    The territory's name and code are not repeated here: the map's hover template takes them from
    the GeoJSON feature (``properties.name``, ``location``), which the browser already has.
    """
    out = []
    c = i18n.colon(lang)
    for r in _records(rows, _HOVER_COLUMNS):
        if r.reliability == "suppressed":
            out.append(i18n.suppressed(int(r.n), min_n, lang))
            continue
        lines = [
            f"{i18n.t('value', lang)}{c}{i18n.value(r.estimate, statistic, lang, r.ci_low, r.ci_high)}",
            f"{i18n.t('ci95', lang)}{c}{i18n.interval(r.ci_low, r.ci_high, statistic, lang)}",
            f"n = {i18n.number(r.n, 0, lang)} (n eff. {i18n.number(r.n_eff, 0, lang)})",
            f"{i18n.t('reliability', lang)}{c}{i18n.t(r.reliability, lang)}",
            f"{i18n.t('significance', lang)}{c}{i18n.t(r.significance, lang)}"
            + (f" ({i18n.p_equals(r.p_value, lang)})" if r.significance != "not_tested" else ""),
        ]
        out.append("<br>".join(lines))
    return out


def build_map_view(
    table: pd.DataFrame,
    measure: str,
    statistic: str,
    method: str,
    min_n: int,
    lang: str,
    frozen: list[float] | None = None,
) -> MapView:
    """Select one measure's rows, classify them on ``ok`` cells (or frozen breaks), add hovers."""
    rows = table[(table["measure"] == measure) & (table["statistic"] == statistic)].reset_index(drop=True)
    basis = "frozen" if frozen else "ok"
    if frozen:
        bounds = list(frozen)
    else:
        ok = rows.loc[rows["reliability"] == "ok", "estimate"].to_numpy(float)
        if len(ok) <= DEFAULT_K:
            # Too few reliable cells to classify (e.g. mayors by département, all n < 100): use the
            # low-reliability ones too, and say so in the legend, rather than draw an empty map.
            ok = rows.loc[rows["reliability"] != "suppressed", "estimate"].to_numpy(float)
            basis = "low" if len(ok) else "none"
        bounds = breaks(ok, method)
    rows = rows.assign(hover=hover_text(rows, statistic, min_n, lang))
    return MapView(rows, bounds, method, statistic, basis)


# --- change between two waves ---------------------------------------------------------------------
MUTED = 0.3  # opacity of a change that is not significant, or of low reliability


def _nice_step(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at least ``x``."""
    if not np.isfinite(x) or x <= 0:
        return 0.01
    k = np.floor(np.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**k >= x * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


def change_breaks(values: np.ndarray) -> list[float]:
    """Upper bounds of six classes symmetric around 0: −2s, −s, 0, s, 2s, max (s a round step).

    ``s`` is a third of the largest absolute change (of the published cells), rounded up, so that
    equal colours mean equal changes on both sides of 0 whatever the direction.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return []
    s = _nice_step(float(np.abs(v).max()) / 3)
    return [-2 * s, -s, 0.0, s, 2 * s, max(3 * s, float(v.max()))]


def change_hover(rows: pd.DataFrame, statistic: str, min_n: int, lang: str) -> list[str]:
    """Tooltip of a change: difference with its CI, both waves' values and n, the test."""
    out = []
    c = i18n.colon(lang)
    for r in _records(rows, _CHANGE_COLUMNS):
        a, b = int(r.wave_from), int(r.wave_to)
        if r.reliability == "suppressed":
            sep = " ; " if lang == "fr" else "; "
            detail = f"{a}{c}n = {i18n.count(r.n_from, lang)} · {b}{c}n = {i18n.count(r.n_to, lang)}"
            few = min(r.n_from, r.n_to) < min_n  # else the rule between nested territories (finalize.nested)
            key = "change_suppressed" if few else "change_disclosure"
            out.append(i18n.t(key, lang, detail=detail + (f"{sep}< {min_n}" if few else "")))
            continue
        signif = i18n.t(r.significance, lang)
        if r.significance != "not_tested":
            signif += f" ({i18n.p_equals(r.p_value, lang)})"
        lines = [
            f"{i18n.t('change', lang)} {a} → {b}{c}{i18n.signed(r.estimate, statistic, lang)}",
            f"{i18n.t('ci95', lang)}{c}{i18n.signed_interval(r.ci_low, r.ci_high, statistic, lang)}",
            f"{a}{c}{i18n.value(r.estimate_from, statistic, lang)} (n = {i18n.count(r.n_from, lang)}) · "
            f"{b}{c}{i18n.value(r.estimate_to, statistic, lang)} (n = {i18n.count(r.n_to, lang)})",
            f"{i18n.t('reliability', lang)}{c}{i18n.t(r.reliability, lang)}",
            signif,
        ]
        out.append("<br>".join(lines))
    return out


def build_change_view(table: pd.DataFrame, measure: str, statistic: str, min_n: int, lang: str) -> MapView:
    """A change table (observatory.stats.change) as map rows, in symmetric classes around 0.

    A non-significant change, or one of low reliability, is drawn faded (``opacity``).
    """
    rows = table[(table["measure"] == measure) & (table["statistic"] == statistic)].reset_index(drop=True)
    rows = rows.rename(columns={"difference": "estimate"}).assign(n=rows["n_to"], n_eff=np.nan)
    shown = rows["reliability"] != "suppressed"
    strong = shown & (rows["reliability"] == "ok") & rows["significance"].isin(["increase", "decrease"])
    rows["opacity"] = np.where(strong, 0.95, np.where(shown, MUTED, 0.55))
    ok = rows.loc[rows["reliability"] == "ok", "estimate"].to_numpy(float)
    basis = "ok"
    if len(ok) <= DEFAULT_K:
        ok = rows.loc[shown, "estimate"].to_numpy(float)
        basis = "low" if len(ok) else "none"
    bounds = change_breaks(ok)
    rows = rows.assign(hover=change_hover(rows, statistic, min_n, lang))
    waves = (int(rows["wave_from"].iloc[0]), int(rows["wave_to"].iloc[0])) if len(rows) else (0, 0)
    return MapView(rows, bounds, "symmetric", statistic, basis, waves)
