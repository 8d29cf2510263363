"""The profile's embed code names the host the visitor uses (made absolute in the browser, so the
page is byte-identical on every replica), and the address it gives serves the block."""

from __future__ import annotations

import pytest

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
