"""The Content-Security-Policy is one the app really works with: every page draws in Chromium with
no CSP violation, and the pages' URL parameters shrug off injection strings."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

pytestmark = pytest.mark.browser

PAGES = ["/fragilites", "/partenariats", "/co-construction", "/comparer?territories=42,13", "/territoire/21",
         "/methodologie", "/api", "/modele/diagnostics"]  # fmt: skip
INJECTIONS = ["'; DROP TABLE respondents; --", "../../etc/passwd", "<script>alert(1)</script>", "1 OR 1=1"]


def test_every_page_works_under_the_csp(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    for path in PAGES:
        response = page.goto(live_server + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        if path.split("?")[0] in ("/fragilites", "/partenariats", "/co-construction"):
            wait_for_map(page)
        elif path != "/api":
            page.wait_for_selector("h1", timeout=60_000)
        page.wait_for_timeout(500)
    context.close()
    assert violations == []


PARAMS = ["level", "domain", "survey", "wave", "stat", "classes"]


@pytest.mark.parametrize("param,value", [(p, INJECTIONS[i % len(INJECTIONS)]) for i, p in enumerate(PARAMS)])
def test_url_parameters_with_injection_strings_give_a_notice(live_server, page, param, value):
    from urllib.parse import quote

    page.goto(f"{live_server}/fragilites?{param}={quote(value)}")
    wait_for_map(page)  # the default view is drawn
    assert value in page.inner_text("#notices")  # shown as text, not run
    assert not page.errors
