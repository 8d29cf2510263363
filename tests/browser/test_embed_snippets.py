"""The profile's embed code names the host the visitor uses (made absolute in the browser, so the
page is byte-identical on every replica), and the address it gives serves the block; pasted into
another site, the embeds size their frame to their content (audit E6)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def test_profile_embed_code_is_absolute_on_the_visitors_host(live_server, page):
    page.goto(live_server + "/territoire/42")
    page.wait_for_selector("#key-findings")
    page.wait_for_function(
        "(origin) => document.getElementById('embed-snippet-code').textContent.includes('src=\"' + origin + '/embed/')",
        arg=live_server.rstrip("/"),
        timeout=20_000,
    )
    code = page.text_content("#embed-snippet-code")  # inside a closed <details>: no innerText
    src = code.split('src="')[1].split('"')[0].replace("&amp;", "&")
    assert src.startswith(live_server.rstrip("/") + "/embed/territoire/42?block=key-findings")
    other = page.context.new_page()
    other.goto(src)
    assert "Loire" in other.inner_text("body")
    other.close()


# A frame's height as drawn, and the fallback height its code gives, from the host page.
FRAME_SIZE = """(id) => { const f = document.getElementById(id);
  return {frame: f.getBoundingClientRect().height, attribute: parseInt(f.getAttribute('height'), 10)}; }"""


def test_embeds_size_their_frame_on_another_site(live_server, page, other_site):
    """E6: the code the pages offer, pasted into another site's narrow column, makes each frame as
    high as its content (the embedded page posts its height): no scrolling inside the frame. A
    message from anywhere else than the frame does not resize it."""
    codes = []
    for path, selector in (("/fragilites?level=region", "map-embed-code"), ("/territoire/42", "embed-snippet-code")):
        page.goto(live_server + path)
        page.wait_for_function(
            f"() => (document.getElementById('{selector}') || {{}}).textContent?.includes('src=\"http')",
            timeout=60_000,
        )
        codes.append(page.text_content(f"#{selector}"))
    folder, origin = other_site
    body = "".join(
        f'<div style="width:460px;margin:10px">{code.replace("<iframe ", f"<iframe id=frame{i} ", 1)}</div>'
        for i, code in enumerate(codes)
    )
    (folder / "host.html").write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    page.set_viewport_size({"width": 500, "height": 1200})  # (the frames load lazily)
    blocked: list[str] = []  # the embeds' script is the app's own: their CSP lets it run
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(origin + "/host.html")
    for i, frame in enumerate(page.frames[1:3]):
        # until the frame's height is its document's (the map view: once the map is drawn)
        page.wait_for_function(
            "(id) => { const f = document.getElementById(id); return f.style.height !== ''; }",
            arg=f"frame{i}",
            timeout=60_000,
        )
        frame.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # a last resize message
        size = page.evaluate(FRAME_SIZE, f"frame{i}")
        inner = frame.evaluate("() => [document.documentElement.scrollHeight, document.documentElement.clientHeight]")
        assert inner[0] <= inner[1] + 1, (i, inner)  # no scrolling inside the frame
        assert abs(size["frame"] - inner[1]) <= 1 and size["frame"] > size["attribute"], (i, size, inner)
    shot(page, "embeds-on-another-site")
    # another window's message, even well formed, does not resize a frame
    before = page.evaluate(FRAME_SIZE, "frame1")["frame"]
    page.evaluate("() => window.postMessage({type: 'observatory-embed-height', height: 3000}, '*')")
    page.wait_for_timeout(300)
    assert page.evaluate(FRAME_SIZE, "frame1")["frame"] == before
    assert blocked == [] and not page.errors
