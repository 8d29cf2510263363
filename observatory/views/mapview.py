"""What a map page shows, prepared from the statistics layer: rows, classes, hover texts.

Pure functions of a statistics table; no database access, no Dash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory import i18n
from observatory.classify import DEFAULT_K, breaks, class_of, class_ranges


@dataclass
class MapView:
    """The rows behind a map (one per territory) and their classification."""

    rows: pd.DataFrame
    upper_bounds: list[float]
    method: str
    statistic: str
    breaks_basis: str = "ok"  # "ok", "low" (no reliable cell: breaks on low ones) or "frozen"

    @property
    def classes(self) -> np.ndarray:
        """Class of each row (-1 for suppressed or missing)."""
        c = class_of(self.rows["estimate"].to_numpy(float), self.upper_bounds)
        return np.where(self.rows["reliability"].to_numpy() == "suppressed", -1, c)

    def legend(self) -> list[dict]:
        """One entry per class: range and how many territories (by reliability) fall in it."""
        ok = self.rows[self.rows["reliability"] != "suppressed"]
        if not self.upper_bounds or ok.empty:
            return []
        lo = min(float(ok["estimate"].min()), self.upper_bounds[0])
        cls = self.classes
        entries = []
        for i, (a, b) in enumerate(class_ranges(lo, self.upper_bounds)):
            in_class = self.rows[cls == i]
            entries.append(
                {
                    "class": i,
                    "low": a,
                    "high": b,
                    "count": int(len(in_class)),
                    "low_reliability": int((in_class["reliability"] == "low").sum()),
                }
            )
        return entries


def hover_text(rows: pd.DataFrame, statistic: str, min_n: int, lang: str) -> list[str]:
    """The tooltip of each territory: value, CI, n, reliability, significance; or why suppressed.

    The territory's name and code are not repeated here: the map's hover template takes them from
    the GeoJSON feature (``properties.name``, ``location``), which the browser already has.
    """
    out = []
    for r in rows.itertuples(index=False):
        if r.reliability == "suppressed":
            out.append(i18n.t("too_few", lang, n=int(r.n), min_n=min_n))
            continue
        lines = [
            f"{i18n.t('value', lang)} : {i18n.value(r.estimate, statistic, lang)}",
            f"{i18n.t('ci95', lang)} : {i18n.interval(r.ci_low, r.ci_high, statistic, lang)}",
            f"n = {int(r.n)} (n eff. {i18n.number(r.n_eff, 0, lang)})",
            f"{i18n.t('reliability', lang)} : {i18n.t(r.reliability, lang)}",
            f"{i18n.t('significance', lang)} : {i18n.t(r.significance, lang)}"
            + (f" (p = {i18n.number(r.p_value, 3, lang)})" if r.significance != "not_tested" else ""),
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
            basis = "low"
        bounds = breaks(ok, method)
    rows = rows.assign(hover=hover_text(rows, statistic, min_n, lang))
    return MapView(rows, bounds, method, statistic, basis)
