"""``/territoire/<code>.pdf``: the printable portrait of a territory, made on the server.

An HTML document of the profile (title, key findings, locator, each block's dot plot and table,
method, sources, the synthetic-data notice, date, data version and permalink) laid out by
WeasyPrint: no browser, text extractable. The HTML fragments also serve the embeds
(:mod:`observatory.web.embed`).

WeasyPrint fetches nothing but ``data:`` URIs (the charts and the locator are embedded): no local
file, no network address, whatever the document holds. The permalink is built on the base URL the
caller gives (the configured public address, ``OBSERVATORY_PUBLIC_URL``), never read from the
request here.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import pandas as pd

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.figures import profile as figures
from observatory.figures import svg_charts
from observatory.views import findings_blocks, trend_panels
from observatory.views import profile as pv

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

BLOCK_TITLES = {
    "fragilite": ("Fragilités perçues", "Perceived fragilities"),
    "partenariats": ("Partenariats", "Partnerships"),
    "maires": ("Co-construction (maires)", "Co-construction (mayors)"),
    "innovation": ("Les alliances, source d'innovation", "Alliances as a source of innovation"),
}
CSS = """
@page { size: A4; margin: 14mm 12mm 16mm;
  @bottom-left { content: string(footer); font-size: 7.5pt; color: #555; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; color: #555; } }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; color: #222; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1px solid #aab2bd; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; }
.footer { string-set: footer content(); display: none; }
.notice { border: 1px solid #b26b00; background: #fff4e0; padding: 2mm; margin: 2mm 0; }
.meta { color: #555; font-size: 8pt; } .note { color: #555; font-size: 8pt; }
.head { display: flex; gap: 6mm; } .head .locator { width: 62mm; }
ul.findings { margin: 0 0 2mm 4mm; padding: 0; } ul.findings li { margin-bottom: 1mm; }
table { border-collapse: collapse; width: 100%; font-size: 7.2pt; margin: 1mm 0 3mm; page-break-inside: auto; }
th, td { text-align: left; padding: 0.6mm 1mm; border-bottom: 0.5pt solid #ccc; vertical-align: top; }
thead th { border-bottom: 1pt solid #888; } tr { page-break-inside: avoid; }
caption { text-align: left; font-weight: bold; color: #555; padding-bottom: 1mm; }
img.chart { width: 100%; max-width: 180mm; }
img.trend { width: 34mm; margin: 0 1mm 2mm 0; vertical-align: top; }
.trends h3 { font-size: 10pt; margin: 3mm 0 1mm; break-after: avoid; }
ul.series-legend { list-style: none; margin: 0 0 1mm; padding: 0; font-size: 7.5pt; break-after: avoid; }
ul.series-legend li { display: inline-block; margin-right: 3mm; }
.swatch { display: inline-block; width: 2.4mm; height: 2.4mm; border-radius: 50%; margin-right: 1mm; }
.swatch-published { border-radius: 0; transform: rotate(45deg); }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def findings_html(p: pv.Portrait, t: pv.Territory, lang: str) -> str:
    """The key findings, as the page says them (:func:`observatory.views.findings_blocks.findings_block`)."""
    block = findings_blocks.findings_block(p.findings, t.name, t.level, pv.parent_label(t, lang), lang)
    out = [f"<h2>{_e(block.title)}</h2>", f'<p class="headline">{_e(block.headline)}</p>']
    if block.family:
        out.append(f'<p class="note family">{_e(block.family)}</p>')
    out += [f'<p class="{n.kind}">{_e(n.text)}</p>' for n in block.notes]
    for group in block.groups:
        out.append(f"<h3>{_e(group.heading)}</h3>")
        if group.statements:
            items = "".join(
                f'<li class="{s.kind}"{_attributes(s.attributes())}>{_e(s.text)}</li>' for s in group.statements
            )
            out.append(f'<ul class="findings">{items}</ul>')
        out += [f'<p class="note {n.kind}">{_e(n.text)}</p>' for n in group.notes]
    out.append(f'<p class="note">{_e(block.method)}.</p>')
    return "".join(out)


def _attributes(data: dict[str, str]) -> str:
    return "".join(f' {name}="{_e(value)}"' for name, value in data.items())


def _dotplot(table: pd.DataFrame, labels: dict, series: list, statistic: str, title: str, lang: str) -> str:
    drawn = svg_charts.dotplot_rows(table, labels, series, statistic)
    if drawn is None:
        return ""
    rows, lo, hi = drawn
    unit = "" if statistic == "mean_score" else " %"
    svg = svg_charts.dotplot_svg(rows, series, title, lo, hi, lang, width=640, unit=unit, labels_left=True)
    return f'<img class="chart" src="{svg_charts.data_uri(svg)}" alt="{_e(title)}">'


def table_html(view: pv.TableView, caption: str) -> str:
    """A block's table: every value with its CI, n, reliability, tests and rank."""
    head = "".join(f"<th>{_e(name)}</th>" for _id, name in view.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(r[c])}</td>" for c, _name in view.columns) + "</tr>" for r in view.records
    )
    note = f'<p class="note">{_e(view.suppressed_note)}</p>' if view.suppressed_note else ""
    return f"{note}<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def block_html(obs: Observatory, t: pv.Territory, block: str, lang: str, rows: pd.DataFrame, p: pv.Portrait) -> str:
    """One indicator block: for each survey, its dot plot (with CIs) and its table."""
    fr, parent = lang == "fr", pv.parent_name(t)
    series = [("territory", t.name)] + ([("parent", parent)] if parent else []) + [("france", "France")]
    _block, _indicator, surveys, statistic = next(b for b in pv.BLOCKS if b[0] == block)
    model = pv.model_comparison(obs, t)
    out = [f"<h2>{_e(BLOCK_TITLES[block][0 if fr else 1])}</h2>"]
    for survey, table, labels, stat, title in pv.survey_tables(obs, rows, block, surveys, statistic, lang):
        survey_ranks = p.ranks[p.ranks["survey"] == survey] if len(p.ranks) else None
        out.append(_dotplot(table, labels, series, stat, title, lang))
        view = pv.table_view(
            table,
            labels,
            stat,
            t,
            obs.settings.min_n,
            lang,
            survey_ranks,
            pv.survey_model(model, survey),
            pv.family_verdicts(p.findings, survey),
        )
        out.append(table_html(view, title))
    return "".join(out)


def trends_html(obs: Observatory, t: pv.Territory, lang: str) -> str:
    """Change between waves: the page's panels (:func:`observatory.views.trend_panels.trend_panels`)."""
    out = []
    for tp in trend_panels.trend_panels(obs, t, lang):
        legend = "".join(
            f'<li><span class="swatch swatch-{_e(key)}" style="background:{svg_charts.SERIES_COLOURS.get(key, "#333")}">'
            f"</span>{_e(name)}</li>"
            for key, name in tp.series
        )
        images = "".join(
            f'<img class="trend" src="{svg_charts.data_uri(p.svg)}" alt="{_e(p.label)}">' for p in tp.panels
        )
        out.append(f'<h3>{_e(tp.title)}</h3><ul class="series-legend">{legend}</ul><div>{images}</div>')
    if not out:
        return ""
    return (
        f'<section class="trends"><h2>{_e(trend_panels.trend_title(lang))}</h2>'
        f'<p class="note">{_e(trend_panels.trend_note(lang))}</p>{"".join(out)}</section>'
    )


def method_html(obs: Observatory, lang: str, with_model: bool = False) -> str:
    """How the figures are made, and their sources, in a few lines."""
    fr = lang == "fr"
    text = (
        "Estimations pondérées des enquêtes, intervalles de confiance à 95 % par linéarisation de Taylor. "
        f"Cellules de moins de {obs.settings.min_n} répondants non diffusées, comme celles qu'un territoire inclus "
        f"isolerait (mêmes répondants à moins de {obs.settings.min_n} près) ; fiabilité faible sous 100 répondants "
        "ou au-delà de 30 % d'erreur relative. Tests z contre le reste de la France, le reste du territoire parent "
        "et la vague précédente (échantillons indépendants), formant une seule famille par portrait : seuls les "
        "écarts qui passent la procédure de Benjamini–Hochberg (taux de fausses découvertes contrôlé à 5 %) sont "
        "énoncés ; les cellules du modèle sur petits domaines sont testées contre la France avec l'erreur "
        "quadratique moyenne du modèle. Rangs parmi les cellules fiables de l'échelon, "
        "ensemble de confiance à 95 % du rang (Mogstad, Romano, Shaikh et Wilhelm 2024), qui couvre le vrai "
        "rang avec cette garantie ; « classement incertain » quand il couvre plus de la moitié des territoires. "
        "Dans les tableaux, les verdicts « vs reste » sont ceux de cette famille, et les rangs des ensembles "
        "simultanés qui couvrent tous les rangs des tableaux à la fois (Holm, Bonferroni sur les lignes)."
        if fr
        else "Weighted survey estimates, 95% confidence intervals by Taylor linearisation. Cells with fewer than "
        f"{obs.settings.min_n} respondents are not shown, nor those a territory inside would single out (the same "
        f"respondents but for fewer than {obs.settings.min_n}); low reliability below 100 respondents or above 30% "
        "relative error. z-tests against the rest of France, the rest of the parent and the previous wave "
        "(independent samples), one family per portrait: only the differences that pass the Benjamini–Hochberg "
        "procedure (false-discovery rate controlled at 5%) are stated; small-area model cells are tested against "
        "France with the model's mean squared error. Ranks among the level's reliable cells, with the 95% "
        "confidence set of the rank (Mogstad, Romano, Shaikh and Wilhelm 2024), which covers the true rank with "
        "that guarantee; 'uncertain ranking' when it spans more than half the territories. In the tables, the "
        "'vs rest' verdicts are this family's, and the ranks' sets are simultaneous: they cover every rank of the "
        "tables at once (Holm, Bonferroni over the rows)."
    )
    sources = i18n.t("footer_sources", lang)
    model = f"<p>{_e(MODEL_METHOD[0 if fr else 1])}</p>" if with_model else ""
    return (
        f"<h2>{'Méthode et sources' if fr else 'Method and sources'}</h2><p>{_e(text)}</p>{model}<p>{_e(sources)}</p>"
    )


MODEL_METHOD = (
    "Colonne « modèle » : estimation sur petits domaines de l'intercommunalité (les communes ne sont pas "
    "modélisées). Notes : modèle de Fay–Herriot ; proportions : modèle binomial logit-normal ; covariables "
    "région, densité (linéaire ou spline, au choix de l'AIC), population et nature de l'EPCI ; la moyenne des EPCI "
    "d'un département dont l'estimation directe est fiable lui est égale (calage). Intervalle à 95 % tiré de "
    "l'erreur quadratique moyenne, qui compte le calage ; pas de test de significativité sur une estimation par "
    "modèle sauf contre la France, dans la famille des tests du portrait. Validation : méthodologie de "
    "l'observatoire et benchmarks/results/sae_offmodel.md.",
    "'Model' column: the intercommunality's small-area estimate (communes are not modelled). Scores: "
    "Fay–Herriot model; shares: binomial logit-normal model; covariates région, density (linear or spline, as "
    "AIC chooses), population and EPCI nature; the EPCIs of a département whose direct estimate is reliable "
    "average to it (benchmarking). 95% interval from the mean squared error, which counts the benchmarking; no "
    "significance test on a model estimate but against France, within the portrait's family of tests. "
    "Validation: the observatory's methodology and benchmarks/results/sae_offmodel.md.",
)


def notice_html(obs: Observatory, lang: str) -> str:
    """The synthetic-data notice, when the data shown are synthetic."""
    if not obs.is_synthetic():
        return ""
    text = (
        "Données de démonstration synthétiques : ces chiffres ne sont pas des résultats de PHARE."
        if lang == "fr"
        else "Synthetic demonstration data: these figures are not PHARE results."
    )
    return f'<p class="notice">{_e(text)}</p>'


def document(obs: Observatory, t: pv.Territory, lang: str, base_url: str) -> str:
    """The whole portrait as one HTML document (what WeasyPrint lays out)."""
    fr = lang == "fr"
    rows, p = pv.profile_model(obs, t)
    key = ref.territory_key(t.level, t.code)
    permalink = f"{base_url.rstrip('/')}/territoire/{key}" + ("" if fr else "?lang=en")
    today = dt.date.today().isoformat()
    version = obs.db.version
    level = pv.level_name(t.level, lang)
    parents = " · ".join(f"{name} ({pv.level_name(lv, lang)})" for lv, _code, name in t.parents)
    locator = figures.locator_svg(obs.settings.geo_dir, (t.level, t.code), pv.parent_of(t), _point(t), t.name)
    meta = (
        f"{'Édité le' if fr else 'Made on'} {today} · {'version des données' if fr else 'data version'} {_e(version)} · "
        f'<a href="{_e(permalink)}">{_e(permalink)}</a>'
    )
    footer = f"{t.name} — {'portrait de territoire' if fr else 'territory portrait'} — {today} — {permalink}"
    population = f"{'Population municipale' if fr else 'Population'} : {i18n.number(t.population, 0, lang)}"
    if not fr:
        population = population.replace(" :", ":")
    blocks = "".join(block_html(obs, t, b[0], lang, rows, p) for b in pv.BLOCKS)
    title = f"{'Portrait de territoire' if fr else 'Territory portrait'} — {t.name} ({level})"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f'<div class="footer">{_e(footer)}</div>'
        f'<h1>{_e(title)}</h1><p class="meta">{meta}</p>{notice_html(obs, lang)}'
        f'<div class="head"><div>{findings_html(p, t, lang)}</div></div>'
        f"<p>{_e(parents)}{' · ' if parents else ''}{_e(population)}</p>"
        f'<img class="locator" style="width:62mm" src="{svg_charts.data_uri(locator)}" alt="{_e(t.name)}">'
        f"{blocks}{trends_html(obs, t, lang)}{method_html(obs, lang, pv.model_epci(t) is not None)}{notice_html(obs, lang)}"
        "</body></html>"
    )


def _point(t: pv.Territory) -> tuple[float, float] | None:
    return (t.lon, t.lat) if t.lon is not None and t.lat is not None else None


def data_only_fetcher() -> URLFetcher:
    """A WeasyPrint URL fetcher that opens ``data:`` URIs only (``file:``, ``http:``... refused)."""
    from weasyprint.urls import URLFetcher  # imported on first use: the app starts without paying for it

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def write_pdf(document_html: str) -> bytes:
    """An HTML document as PDF bytes, with nothing fetched but ``data:`` URIs."""
    from weasyprint import HTML

    # No base_url: a relative address resolves to nothing rather than to a file or the request's host.
    return HTML(string=document_html, url_fetcher=data_only_fetcher()).write_pdf()


def render(obs: Observatory, t: pv.Territory, lang: str, base_url: str) -> bytes:
    """The portrait as PDF bytes; ``base_url`` (the site's public address) makes its permalink."""
    return write_pdf(document(obs, t, lang, base_url))
