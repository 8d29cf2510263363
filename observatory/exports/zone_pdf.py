"""``/zone/<id>.pdf``: the printable portrait of a zone, made on the server as a territory's is.

The zone's name, communes and départements, its respondents per survey, the key findings under the
false-discovery control (the page's statements, :mod:`observatory.views.zone_findings`), one table per
indicator of each survey's latest wave (the page's values and verdicts:
:func:`observatory.views.zone.verdict_of`; a refused cell shows its reason and no value), the method and
the synthetic-data notice. Laid out by WeasyPrint with the territory portrait's style and its fetcher,
which opens nothing but ``data:`` URIs (:func:`observatory.exports.pdf.write_pdf`).
"""

from __future__ import annotations

import datetime as dt
import html

from observatory.core import i18n
from observatory.core import reference as ref
from observatory.data.service import Observatory
from observatory.exports.pdf import CSS, notice_html, write_pdf
from observatory.views import zone as zv
from observatory.views import zone_findings as zf


def _e(text: object) -> str:
    return html.escape(str(text))


HEAD = {
    "fr": ("Mesure", "Statistique", "Estimation [IC 95 %]", "n", "n effectif", "Fiabilité", "Reste de la France"),
    "en": ("Measure", "Statistic", "Estimate [95% CI]", "n", "Effective n", "Reliability", "Rest of France"),
}


def findings_html(p: zv.ZonePortrait, lang: str) -> str:
    """The key findings: the family in one sentence, then each comparison's statements."""
    fr = lang == "fr"
    out = [f"<h2>{'L’essentiel' if fr else 'Key findings'}</h2>"]
    out.append(f'<p class="headline">{_e(zf.family_sentence(p.findings, lang))}.</p>')
    for key, statements in p.findings.groups():
        out.append(f"<h3>{_e(zf.heading(key, p.departements, lang))}</h3>")
        items = "".join(f"<li>{_e(zf.statement(f, p.departements, lang))}</li>" for f in statements)
        out.append(f'<ul class="findings">{items}</ul>')
    if apparent := zf.apparent(p.findings, lang):
        out.append(f'<p class="note">{_e(apparent)}</p>')
    return "".join(out)


def table_html(p: zv.ZonePortrait, t: zv.IndicatorTable, lang: str) -> str:
    """One indicator's table, as the page, the PDF and the embeds all show it (one drawing).

    Every row with its values and the family's verdict (:func:`observatory.views.zone.verdict_of`);
    a refused cell shows its reason and no value. Test hooks on each row: ``data-measure``,
    ``data-statistic``, ``data-refused`` (refused) and the class ``reliability-<status>``.
    """
    fr = lang == "fr"
    decided = p.findings.france_verdicts()
    modelled = zv.has_model(t)
    rows = "".join(_row_html(r, lang, zv.verdict_of(r, t, decided), modelled) for r in t.rows.to_dict("records"))
    names = list(HEAD[lang if lang in HEAD else "fr"])
    if modelled:  # the model's figure where the survey is thin, before the test column
        names.insert(6, "Modèle (intercommunalités) [IC 95 %]" if fr else "Model (intercommunalities) [95% CI]")
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in names)
    return (
        f'<table class="profile-table"><caption>{_e(table_caption(t, lang))}</caption><thead><tr>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def table_caption(t: zv.IndicatorTable, lang: str) -> str:
    """'Fragilités perçues (citoyens, 2019)'."""
    return f"{zv.indicator_name(t.indicator, lang)} ({ref.label(t.survey, lang).lower()}, {t.wave})"


def _row_html(r: dict, lang: str, verdict: str, modelled: bool) -> str:
    fr, stat = lang == "fr", r["statistic"]
    label = i18n.t(stat, lang) if stat in i18n.STRINGS else stat
    model = [("col-model", zv.model_text(r, lang))] if modelled else []
    attrs = f'data-measure="{_e(r["measure"])}" data-statistic="{_e(stat)}" class="reliability-{_e(r["reliability"])}"'
    if isinstance(r.get("refused_reason"), str):
        reason = r["refused_fr"] if fr else r["refused_en"]
        cells = [("", "—"), ("refused", reason), ("", ""), ("", ""), *model, ("", "—")]
        attrs += ' data-refused="true"'
    elif r["reliability"] == "suppressed":
        why = "effectif insuffisant" if fr else "too few respondents"
        cells = [("", "—"), ("", i18n.count(r["n"], lang)), ("", "—"), ("", why), *model, ("", "—")]
    else:
        versus = zv.SIGNIFICANCE.get(verdict, ("", ""))[0 if fr else 1]
        if verdict in ("above", "below"):
            versus += f" ({i18n.value(r['estimate_rest'], stat, lang)})"
        value = i18n.value(r["estimate"], stat, lang, r["ci_low"], r["ci_high"])
        cells = [
            ("col-territory", f"{value} [{i18n.interval(r['ci_low'], r['ci_high'], stat, lang)}]"),
            ("", i18n.count(r["n"], lang)),
            ("", i18n.count(round(r["n_eff"]), lang)),
            ("col-reliability", i18n.t(r["reliability"], lang)),
            *model,
            ("col-verdict", versus),
        ]
    tds = "".join(f'<td class="{c}">{_e(text)}</td>' if c else f"<td>{_e(text)}</td>" for c, text in cells)
    return f'<tr {attrs}><th scope="row">{_e(ref.label(r["measure"], lang))}</th><td>{_e(label)}</td>{tds}</tr>'


def method_html(p: zv.ZonePortrait, lang: str) -> str:
    """How the figures are made, in one paragraph."""
    if lang == "fr":
        text = (
            "Estimations directes de l'enquête, ré-estimées à partir des réponses des communes de la zone "
            "(pondération de l'enquête, variance par linéarisation de Taylor, IC à 95 %). Une cellule de moins de "
            f"{p.min_n} répondants n'est pas diffusée ; une cellule dont les répondants diffèrent de ceux d'un "
            f"ensemble déjà publié de moins de {p.min_n} est refusée (règle de divulgation). Tests z contre le "
            "reste de la France, le reste de chaque département et la vague précédente, en une seule famille : "
            "seuls les écarts qui passent la procédure de Benjamini–Hochberg (taux de fausses découvertes contrôlé "
            "à 5 %) sont énoncés, et la colonne « Reste de la France » donne la même décision."
        )
    else:
        text = (
            "Direct survey estimates, re-estimated from the answers of the zone's communes (survey weights, Taylor "
            f"variance, 95% CI). A cell with fewer than {p.min_n} respondents is not published; a cell whose "
            f"respondents differ from those of a set already published by fewer than {p.min_n} is refused "
            "(disclosure rule). z-tests against the rest of France, the rest of each département and the previous "
            "wave, as one family: only the differences that pass the Benjamini–Hochberg procedure (false-discovery "
            "rate controlled at 5%) are stated, and the 'Rest of France' column gives the same decision."
        )
    return f'<h2>{"Méthode" if lang == "fr" else "Method"}</h2><p class="note">{_e(text)}</p>'


def document(obs: Observatory, p: zv.ZonePortrait, lang: str, base_url: str) -> str:
    """The zone's portrait as one HTML document (what WeasyPrint lays out)."""
    fr = lang == "fr"
    permalink = f"{base_url.rstrip('/')}/zone/{p.zone.id}" + ("" if fr else "?lang=en")
    today = dt.date.today().isoformat()
    title = f"{'Portrait de zone' if fr else 'Zone portrait'} — {p.name}"
    meta = (
        f"{'Édité le' if fr else 'Made on'} {today} · {'version des données' if fr else 'data version'} "
        f'{_e(obs.db.version)} · <a href="{_e(permalink)}">{_e(permalink)}</a>'
    )
    deps = ", ".join(f"{name} ({code})" for code, name in p.departements.items())
    facts = f"{i18n.count(len(p.zone.codes), lang)} {'communes' if fr else 'municipalities'} · {deps}"
    sections = "".join(
        f"<h2>{_e(ref.label(b.survey, lang))} — {b.wave}</h2>" + "".join(table_html(p, t, lang) for t in b.tables)
        for b in p.surveys
    )
    footer = f"{p.name} — {'portrait de zone' if fr else 'zone portrait'} — {today} — {permalink}"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f'<div class="footer">{_e(footer)}</div>'
        f'<h1>{_e(title)}</h1><p class="meta">{meta}</p>{notice_html(obs, lang)}<p>{_e(facts)}</p>'
        f"{findings_html(p, lang)}{sections}{method_html(p, lang)}{notice_html(obs, lang)}"
        "</body></html>"
    )


def render(obs: Observatory, p: zv.ZonePortrait, lang: str, base_url: str) -> bytes:
    """The zone's portrait as PDF bytes; ``base_url`` (the site's public address) makes its permalink."""
    return write_pdf(document(obs, p, lang, base_url))
