"""The profile's key findings: what differs significantly, in plain words, with its figures as ``data-*``."""

from __future__ import annotations

from dash import dcc, html

from observatory.views import portrait
from observatory.views import profile as pv


def key_findings(p: pv.Portrait, t: pv.Territory, lang: str) -> html.Section:
    """The block at the top of the profile: what differs significantly, in plain words.

    Each statement carries its figures in ``data-*`` attributes (measure, statistic, survey,
    wave, versus, direction, estimate, CI, reference, p-value, rank) for checks against the API.
    """
    fr = lang == "fr"
    parent = pv.parent_name(t)
    kf = p.findings
    label = pv.parent_label(t, lang)
    heads = {
        "france": ("Par rapport au reste de la France", "Compared with the rest of France"),
        "parent": (f"Par rapport au reste {portrait.with_de(label or '')}", f"Compared with the rest of {parent}"),
        "previous_wave": ("Depuis la vague précédente", "Since the previous wave"),
    }
    content: list = [
        html.H2("L'essentiel" if fr else "Key findings"),
        html.P(portrait.headline(kf, t.name, label, lang), className="headline"),
        html.P(portrait.family_text(kf, lang) + ".", className="note family"),
    ]
    for versus in portrait.VERSUS:
        if versus == "parent" and not parent:
            continue
        shown = kf.shown(versus)
        items = [_finding_item(f, "France" if versus == "france" else label or "", t.level, lang) for f in shown]
        notes = []
        if kf.more(versus):
            notes.append(
                f"… et {kf.more(versus)} autres différences significatives fiables (voir le détail ci-dessous)."
                if fr
                else f"… and {kf.more(versus)} more reliable significant differences (see the detail below)."
            )
        if kf.low.get(versus):
            notes.append(
                f"{kf.low[versus]} différence(s) significative(s) sur des cellules de fiabilité faible, non retenues ici."
                if fr
                else f"{kf.low[versus]} significant difference(s) on low-reliability cells, not stated here."
            )
        if not items and not notes:
            notes.append("Aucune différence significative fiable." if fr else "No reliable significant difference.")
        content += [
            html.H3(heads[versus][0 if fr else 1]),
            *([html.Ul(items, className="findings")] if items else []),
            *[html.P(n, className="note") for n in notes],
        ]
    modelled = any(f.source == "model" for f in kf.all_shown())
    content.append(
        html.P(
            [
                "Estimations directes de l'enquête, tests contre le reste de la France, du territoire parent et "
                "la vague précédente, une seule famille sous contrôle du taux de fausses découvertes à 5 % "
                "(Benjamini–Hochberg)"
                + (" ; modèle sur petits domaines là où l'estimation directe n'est pas fiable" if modelled else "")
                + " ; rangs : ensemble de confiance à 95 % (voir la "
                if fr
                else "Direct survey estimates, tests against the rest of France, of the parent and the previous "
                "wave, one family with the false-discovery rate controlled at 5% (Benjamini–Hochberg)"
                + ("; small-area model where the direct estimate is not reliable" if modelled else "")
                + "; ranks: 95% confidence sets (see the ",
                dcc.Link("méthodologie" if fr else "methodology", href="/methodologie" + ("" if fr else "?lang=en")),
                ").",
            ],
            className="note",
        )
    )
    return html.Section(
        content,
        id="key-findings",
        className="key-findings",
        **{"data-family-size": str(kf.family), "data-stated": str(kf.stated)},
    )


def _finding_item(f, reference: str, level: str, lang: str) -> html.Li:
    data = {
        "data-indicator": f.indicator,
        "data-measure": f.measure,
        "data-statistic": f.statistic,
        "data-survey": f.survey,
        "data-wave": str(f.wave),
        "data-versus": f.versus,
        "data-direction": f.direction,
        "data-estimate": repr(f.estimate),
        "data-reliability": f.reliability,
        "data-source": f.source,
        "data-p-value": repr(f.p_value),
    }
    if f.reference is not None:
        data["data-reference"] = repr(f.reference)
    if f.versus == "previous_wave":
        data |= {"data-wave-from": str(f.wave_from), "data-difference": repr(f.difference)}
    else:
        data |= {"data-ci-low": repr(f.ci_low), "data-ci-high": repr(f.ci_high)}
    if f.rank:
        data |= {"data-rank": str(f.rank.rank), "data-rank-low": str(f.rank.low), "data-rank-high": str(f.rank.high)}
    kind = f"finding {f.direction}" + (" model" if f.source == "model" else "")
    return html.Li(portrait.finding_text(f, reference, level, lang), className=kind, **data)
