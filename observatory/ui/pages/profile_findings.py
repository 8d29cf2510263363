"""The profile's key findings: what differs significantly, in plain words, with its figures as ``data-*``.

The block is described once (:func:`observatory.views.findings_blocks.findings_block`); the PDF and
the embeds lay out the same description (:func:`observatory.exports.pdf.findings_html`).
"""

from __future__ import annotations

from dash import dcc, html

from observatory.views import findings_blocks
from observatory.views import profile as pv


def key_findings(p: pv.Portrait, t: pv.Territory, lang: str) -> html.Section:
    """The block at the top of the profile: what differs significantly, in plain words.

    Each statement carries its figures in ``data-*`` attributes (measure, statistic, survey,
    wave, versus, direction, estimate, CI, reference, p-value, rank) for checks against the API.
    """
    fr = lang == "fr"
    block = findings_blocks.findings_block(p.findings, t.name, t.level, pv.parent_label(t, lang), lang)
    content: list = [html.H2(block.title), html.P(block.headline, className="headline")]
    if block.family:
        content.append(html.P(block.family, className="note family"))
    content += [html.P(n.text, className=n.kind) for n in block.notes]  # the block's summary: not a side note
    for group in block.groups:
        content.append(html.H3(group.heading))
        if group.statements:
            items = [html.Li(s.text, className=s.kind, **s.attributes()) for s in group.statements]
            content.append(html.Ul(items, className="findings"))
        content += [html.P(n.text, className=f"note {n.kind}") for n in group.notes]
    see = dcc.Link("méthodologie" if fr else "methodology", href="/methodologie" + ("" if fr else "?lang=en"))
    content.append(html.P([block.method + (" (voir la " if fr else " (see the "), see, ")."], className="note"))
    return html.Section(
        content,
        id="key-findings",
        className="key-findings",
        **{"data-family-size": str(block.family_size), "data-stated": str(block.stated)},
    )
