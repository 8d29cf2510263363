"""The "Intégrer / Embed" disclosure of the pages: the ``<iframe>`` code of a view or a block.

Dash layout only: the embeds' routes are in :mod:`observatory.embed`, which pages never import.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from dash import html as dhtml


def snippet(src: str, title: str, height: int = 480) -> str:
    """The ``<iframe>`` code that embeds ``src`` (an absolute URL)."""
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" width="100%" height="{height}" '
        'style="border:0" loading="lazy"></iframe>'
    )


SNIPPET_CODE = "embed-snippet-code"


def snippet_block(path: str, params: dict[str, str], lang: str, height: int = 480) -> dhtml.Details:
    """A small "Intégrer / Embed" disclosure with the iframe code of ``path?params``."""
    fr = lang == "fr"
    kept = {k: v for k, v in params.items() if v and not (k == "lang" and v == "fr")}
    # The address is relative here and made absolute in the browser (window.location.origin): the
    # page is then the same whichever replica or host name served it.
    src = path + ("?" + urlencode(kept) if kept else "")
    code = snippet(src, "Observatoire des fragilités et des partenariats", height)
    return dhtml.Details(
        [
            dhtml.Summary("Intégrer" if fr else "Embed"),
            dhtml.P(
                "Copiez ce code dans votre page (autres blocs : block=locator, fragilite, partenariats, maires, innovation)."
                if fr
                else "Copy this code into your page (other blocks: block=locator, fragilite, partenariats, maires, innovation).",
                className="note",
            ),
            dhtml.Pre(dhtml.Code(code, id=SNIPPET_CODE), className="embed-code", tabIndex="0"),
        ],
        className="embed-snippet",
    )
