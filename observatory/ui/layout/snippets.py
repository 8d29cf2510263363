"""The "Intégrer / Embed" disclosure of the pages: the ``<iframe>`` code of a view or a block.

Dash layout only: the embeds' routes are in :mod:`observatory.web.embed`, which pages never import.

The code sizes its frame to the content (audit E6): the embedded page posts its height
(assets/embed.js) and the few lines of script after the iframe set the frame's height on that
message, once they have checked that it comes from that frame and from its origin. Where scripts
are not allowed (some CMS strip them), the ``height`` attribute holds the whole content on a wide
column: the heights below were measured in Chromium at 1000 px with the demonstration data.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from dash import html as dhtml

TITLE = "Observatoire des fragilités et des partenariats"
MESSAGE = "observatory-embed-height"  # the message type assets/embed.js posts
MAP_HEIGHT = 900  # px: a map view (banner, title, summary, map and legend, sources) is 859–884 px high
BLOCK_HEIGHTS = {"key-findings": 880}  # px: key findings are 420 (a commune) to 865 px (a département) high
BLOCK_HEIGHT = 480  # px: the other blocks (a table or the locator)

# On the host page: resize each observatory frame to the height it posts (one listener per page).
RESIZER = (
    "<script>(function () {\n"
    "  if (window.observatoryEmbeds) { return; }\n"
    "  window.observatoryEmbeds = true;\n"
    '  window.addEventListener("message", function (e) {\n'
    "    var d = e.data;\n"
    f'    if (!d || d.type !== "{MESSAGE}" || !(d.height > 0 && d.height < 20000)) {{ return; }}\n'
    '    document.querySelectorAll("iframe[data-observatory-embed]").forEach(function (f) {\n'
    "      if (f.contentWindow === e.source && new URL(f.src, location.href).origin === e.origin) {\n"
    '        f.style.height = Math.ceil(d.height) + "px";\n'
    "      }\n"
    "    });\n"
    "  });\n"
    "})();</script>"
)


def snippet(src: str, title: str = TITLE, height: int = BLOCK_HEIGHT) -> str:
    """The code that embeds ``src``: the ``<iframe>`` (``height``: the fallback) and its resizer.

    The iframe's is the code's only ``src="…"``: the pages make it absolute in the browser.
    """
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" width="100%" height="{height}" '
        'style="border:0;display:block" loading="lazy" data-observatory-embed></iframe>\n' + RESIZER
    )


SNIPPET_CODE = "embed-snippet-code"


def snippet_block(path: str, params: dict[str, str], lang: str, height: int | None = None) -> dhtml.Details:
    """A small "Intégrer / Embed" disclosure with the iframe code of ``path?params``."""
    fr = lang == "fr"
    kept = {k: v for k, v in params.items() if v and not (k == "lang" and v == "fr")}
    # The address is relative here and made absolute in the browser (window.location.origin): the
    # page is then the same whichever replica or host name served it.
    src = path + ("?" + urlencode(kept) if kept else "")
    height = height or BLOCK_HEIGHTS.get(params.get("block", ""), BLOCK_HEIGHT)
    code = snippet(src, TITLE, height)
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
