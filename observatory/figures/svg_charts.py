"""Charts drawn on the server as SVG: the profile's dot plots and trend panels, and the PDF's.

Static pictures, built from plain values (no Dash, no database, no plotly.js): the profile page
shows them as ``<img>`` (no 3.5 MB script to load before the page settles), the PDF embeds the
same pictures. Every number on them is formatted for the page's language (decimal comma and
thin-space thousands in French). Each mark carries ``data-series``, ``data-measure`` and
``data-estimate`` (and ``data-wave`` on the trends), so that a test can read what is drawn.

- **Dot plot**: one row per measure; each series' estimate (territory, parent, France, published
  figure) with its 95 % CI, the series a little apart so that the intervals do not overlap. The
  label sits above its row, so that the picture stays readable on a phone.
- **Trend panel**: one measure across the waves, each series' estimate and CI at each wave
  (points, not lines: the waves are years apart); published national figures as diamonds.
  Open faded points: low reliability; a suppressed cell has no point.
"""

from __future__ import annotations

import base64
import html
import math
import textwrap

import pandas as pd

from observatory.core import i18n

SVG_FONT = "DejaVu Sans, Arial, sans-serif"
SERIES_COLOURS = {"territory": "#d95f02", "parent": "#1b9e77", "france": "#555555", "published": "#000000"}
SERIES_ORDER = ("territory", "parent", "france", "published")
LABEL_CHARS = 62  # a dot plot's row label, above its row
PANEL_TITLE_CHARS = 30  # a trend panel's title, on at most two lines


def data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URL (for an ``<img>``; the CSP allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values between ``lo`` and ``hi``."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]


def tick_text(value: float, step: float, lang: str) -> str:
    """A tick's label: as many decimals as the step needs, in the language's notation."""
    decimals = 0 if step >= 1 or step <= 0 else min(3, -math.floor(math.log10(step) + 1e-9))
    if decimals and abs(round(step * 10**decimals) - step * 10**decimals) > 1e-6:
        decimals += 1  # 2.5, 0.25
    return i18n.number(value, decimals, lang)


def _finite(*xs: object) -> bool:
    return all(x is not None and isinstance(x, int | float) and math.isfinite(x) for x in xs)


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" font-family="{SVG_FONT}" role="img" aria-label="{html.escape(label)}">'
        f"<title>{html.escape(label)}</title>" + "".join(body) + "</svg>"
    )


def mark_attributes(series: str, measure: str, estimate: float, wave: int | None = None) -> str:
    """What a mark shows, for a test to read back: its series, measure, wave and estimate (display scale)."""
    at_wave = f' data-wave="{int(wave)}"' if wave is not None else ""
    return (
        f'data-series="{html.escape(series)}" data-measure="{html.escape(str(measure))}"{at_wave} '
        f'data-estimate="{estimate:.6g}"'
    )


def _mark(x: float, y: float, segment: tuple | None, colour: str, faded: bool, attrs: str) -> list[str]:
    """An estimate (a circle; open and faded when of low reliability) with its interval.

    ``segment``: the interval as a line (x1, y1, x2, y2); None: no interval.
    """
    out = []
    opacity = ' opacity="0.55"' if faded else ""
    if segment is not None:
        x1, y1, x2, y2 = segment
        out.append(
            f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1.6"{opacity}/>'
        )
    fill = f'fill="white" stroke="{colour}" stroke-width="1.5"' if faded else f'fill="{colour}"'
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6" {fill}{opacity} {attrs}/>')
    return out


# --- dot plot ------------------------------------------------------------------------------------
def dotplot_rows(
    table: pd.DataFrame, labels: dict, series: list[tuple[str, str]], statistic: str
) -> tuple[list[dict], float, float] | None:
    """The rows of a dot plot and its x range, from a profile table (estimate_<series>, ci_low_<…>).

    A row: ``label``, ``measure`` and, per series drawn, ``(estimate, ci_low, ci_high, faded)`` on
    the display scale (×100 for shares). The territory's suppressed cells are not drawn; its
    low-reliability ones are faded. None when nothing can be drawn.
    """
    scale = i18n.scale_of(statistic)
    rows, bounds = [], []
    for r in table.itertuples():
        row: dict = {"label": labels.get(r.measure, r.measure), "measure": r.measure}
        for key, _name in series:
            est = getattr(r, f"estimate_{key}", None)
            if est is None or pd.isna(est) or (key == "territory" and r.reliability == "suppressed"):
                continue
            lo, hi = getattr(r, f"ci_low_{key}", None), getattr(r, f"ci_high_{key}", None)
            lo = None if lo is None or pd.isna(lo) else scale * lo
            hi = None if hi is None or pd.isna(hi) else scale * hi
            faded = key == "territory" and r.reliability == "low"
            row[key] = (scale * est, lo, hi, faded)
            bounds += [v for v in (scale * est, lo, hi) if _finite(v)]
        rows.append(row)
    if not bounds:
        return None
    lo, hi = min(bounds), max(bounds)
    pad = (hi - lo) * 0.05 or 1.0
    return rows, lo - pad, hi + pad


def dotplot_svg(
    rows: list[dict],
    series: list[tuple[str, str]],
    title: str,
    lo: float,
    hi: float,
    lang: str = "fr",
    width: int = 560,
    unit: str = "",
    labels_left: bool = False,
) -> str:
    """A dot plot: each row's label, then each series' estimate with its 95 % CI.

    ``rows`` and ``lo``–``hi`` as :func:`dotplot_rows` gives them; ``series``: (key, name), the
    legend's order; ``unit``: appended to the axis' ticks (" %"). The labels sit above their
    rows (readable on a phone), or at their left with ``labels_left`` (a compact page: the PDF).
    """
    keys = [k for k, _ in series]
    if labels_left:
        left, right, top, label_h, dot_gap = 250, 14, 24, 0, 5
        row_h = max(22, dot_gap * len(keys) + 8)
    else:
        left, right, top, label_h, dot_gap = 8, 14, 24, 14, 6
        row_h = label_h + dot_gap * max(len(keys), 1) + 10
    legend_left = 0 if labels_left else left
    legend_rows = _legend_lines(series, width - legend_left - right)
    top += 16 * len(legend_rows)
    height = top + row_h * len(rows) + 26
    plot = width - left - right

    def x(v: float) -> float:
        return left + plot * (v - lo) / (hi - lo) if hi > lo else left

    out = [f'<text x="0" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    out += _legend(legend_rows, legend_left, 22)
    grid = ticks(lo, hi)
    step = grid[1] - grid[0] if len(grid) > 1 else 1.0
    for tick in grid:
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{height - 22}" stroke="#e3e3e3"/>')
        out.append(
            f'<text x="{x(tick):.1f}" y="{height - 8}" font-size="10" text-anchor="middle" class="tick">'
            f"{html.escape(tick_text(tick, step, lang) + unit)}</text>"
        )
    for i, row in enumerate(rows):
        y0 = top + row_h * i
        if labels_left:
            label = textwrap.shorten(row["label"], 46, placeholder="…")
            out.append(
                f'<text x="{left - 6}" y="{y0 + row_h / 2 + 3:.1f}" font-size="9.5" text-anchor="end" fill="#222">'
                f"{html.escape(label)}</text>"
            )
        else:
            label = textwrap.shorten(row["label"], LABEL_CHARS, placeholder="…")
            out.append(f'<text x="{left}" y="{y0 + 11}" font-size="11" fill="#222">{html.escape(label)}</text>')
        for j, key in enumerate(keys):
            cell = row.get(key)
            if not cell or not _finite(cell[0]):
                continue
            est, clo, chi, faded = cell
            yy = (
                y0 + label_h + dot_gap * j + (row_h - dot_gap * (len(keys) - 1)) / 2
                if labels_left
                else y0 + label_h + dot_gap * j + 3
            )
            colour = SERIES_COLOURS.get(key, "#333")
            attrs = mark_attributes(key, row.get("measure", ""), est)
            segment = (x(clo), yy, x(chi), yy) if _finite(clo, chi) else None
            out += _mark(x(est), yy, segment, colour, faded, attrs)
    return _svg(width, height, out, title)


def _legend_lines(series: list[tuple[str, str]], width: float) -> list[list[tuple[str, str]]]:
    """The legend's entries on as many lines as the width needs (≈ 6 px per character)."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for key, name in series:
        need = 22 + 6.2 * len(name)
        if lines[-1] and used + need > width:
            lines.append([])
            used = 0.0
        lines[-1].append((key, name))
        used += need
    return lines


def _legend(lines: list[list[tuple[str, str]]], left: float, top: float) -> list[str]:
    out = []
    for k, line in enumerate(lines):
        lx, y = left, top + 16 * k + 8
        for key, name in line:
            colour = SERIES_COLOURS.get(key, "#333")
            if key == "published":
                out.append(f'<path d="M{lx + 5} {y - 5} L{lx + 10} {y} L{lx + 5} {y + 5} L{lx} {y}Z" fill="{colour}"/>')
            else:
                out.append(f'<circle cx="{lx + 5}" cy="{y}" r="4" fill="{colour}"/>')
            out.append(f'<text x="{lx + 13}" y="{y + 4}" font-size="10.5" class="legend">{html.escape(name)}</text>')
            lx += 22 + 6.2 * len(name)
    return out


# --- trend panels --------------------------------------------------------------------------------
def trend_panel_svg(
    rows: pd.DataFrame,
    published: pd.DataFrame,
    measure: str,
    label: str,
    statistic: str,
    lang: str,
    waves: list[int] | None = None,
    width: int = 260,
    height: int = 200,
) -> str:
    """One measure across the waves: each series' estimate with its CI, published figures as diamonds.

    ``rows``: series (territory, parent, france), series_label, wave, measure, estimate, ci_low,
    ci_high, reliability (as :func:`observatory.views.trends.series_rows`); ``published``: measure,
    wave, value. ``waves``: the x axis (every wave of the block, so that the panels line up).
    """
    scale = i18n.scale_of(statistic)
    unit = "" if statistic == "mean_score" else " %"
    part = rows[(rows["measure"] == measure) & (rows["reliability"] != "suppressed")]
    pub = published[published["measure"] == measure] if len(published) else published
    if waves is None:
        waves = sorted({int(w) for w in part["wave"]} | ({int(w) for w in pub["wave"]} if len(pub) else set()))
    values = [scale * v for c in ("estimate", "ci_low", "ci_high") for v in part[c] if _finite(v)]
    values += [scale * v for v in (pub["value"] if len(pub) else []) if _finite(v)]
    lines = textwrap.wrap(label, PANEL_TITLE_CHARS)[:2] or [label]
    if len(textwrap.wrap(label, PANEL_TITLE_CHARS)) > 2:
        lines[1] = textwrap.shorten(lines[1] + " …", PANEL_TITLE_CHARS, placeholder="…")
    left, right, top, bottom = 44, 8, 18 + 14 * len(lines), 22
    out = [
        f'<text x="2" y="{13 + 14 * k}" font-size="11.5" font-weight="bold" fill="#222">{html.escape(line)}</text>'
        for k, line in enumerate(lines)
    ]
    if not values or not waves:
        return _svg(width, height, out, label)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    def xw(w: int) -> float:
        return left + plot_w * (waves.index(w) + 0.5) / len(waves)

    grid = ticks(lo, hi, 4)
    step = grid[1] - grid[0] if len(grid) > 1 else 1.0
    for tick in grid:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e6e6e6"/>')
        out.append(
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" font-size="9.5" text-anchor="end" class="tick">'
            f"{html.escape(tick_text(tick, step, lang) + unit)}</text>"
        )
    for w in waves:
        out.append(f'<text x="{xw(w):.1f}" y="{height - 6}" font-size="10" text-anchor="middle">{w}</text>')
    series = [s for s in SERIES_ORDER if s in set(part["series"])]
    slot = min(12.0, plot_w / len(waves) / (len(series) + 2))
    points = zip(
        *(part[c].tolist() for c in ("series", "wave", "estimate", "ci_low", "ci_high", "reliability")), strict=True
    )
    for s, wave, est, ci_low, ci_high, reliability in points:
        if int(wave) not in waves or not _finite(est) or s not in series:
            continue
        j = series.index(s)
        xx = xw(int(wave)) + (j - (len(series) - 1) / 2) * slot - (slot / 2 if len(pub) else 0)
        attrs = mark_attributes(s, measure, scale * est, wave)
        segment = (xx, y(scale * ci_low), xx, y(scale * ci_high)) if _finite(ci_low, ci_high) else None
        out += _mark(xx, y(scale * est), segment, SERIES_COLOURS[s], reliability == "low", attrs)
    for r in pub.itertuples() if len(pub) else []:
        if int(r.wave) not in waves or not _finite(r.value):
            continue
        xx, yy = xw(int(r.wave)) + (len(series) / 2) * slot, y(scale * r.value)
        out.append(
            f'<path d="M{xx:.1f} {yy - 5:.1f} L{xx + 5:.1f} {yy:.1f} L{xx:.1f} {yy + 5:.1f} L{xx - 5:.1f} {yy:.1f}Z" '
            f'fill="{SERIES_COLOURS["published"]}" {mark_attributes("published", measure, scale * r.value, r.wave)}/>'
        )
    return _svg(width, height, out, label)


def trend_panels(
    rows: pd.DataFrame, published: pd.DataFrame, labels: dict[str, str], statistic: str, lang: str
) -> list[tuple[str, str]]:
    """A trend panel per measure of ``labels`` present in ``rows`` (in its order): (measure, SVG).

    The panels share the x axis (every wave of the rows and of the published figures).
    """
    if not len(rows):
        return []
    waves = sorted({int(w) for w in rows["wave"]} | ({int(w) for w in published["wave"]} if len(published) else set()))
    by_measure = dict(list(rows.groupby("measure", sort=False, observed=True)))
    pub_by = dict(list(published.groupby("measure", sort=False))) if len(published) else {}
    return [
        (m, trend_panel_svg(by_measure[m], pub_by.get(m, published.iloc[:0]), m, label, statistic, lang, waves))
        for m, label in labels.items()
        if m in by_measure
    ]
