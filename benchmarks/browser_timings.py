"""Time what a person waits for, in headless Chromium: navigation → map drawn, control → redrawn.

Usage: ``python -m benchmarks.browser_timings [--runs 5] [--db PATH]``. Starts the app on a free
loopback port, prints medians (min–max) as a markdown table. "Drawn" means MapLibre reports the
map loaded and features rendered, as in the browser tests.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DRAWN = """() => { const gd = document.querySelector('#map .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map) return false;
  const m = gd._fullLayout.map._subplot.map; return m.loaded() && m.queryRenderedFeatures().length > 0; }"""
# What identifies the map's current data: its trace's hover texts (they name the measure's value).
TEXT = "() => document.querySelector('#map .js-plotly-plot').data[0].text.join('|')"


def serve(db: Path) -> str:
    """Start the app in a thread on a free port; returns its base URL."""
    os.environ["OBSERVATORY_DB"] = str(db)
    from observatory import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def navigation(browser, url: str) -> float:
    """Seconds from navigation to the map drawn, in a fresh context (cold browser cache)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000, polling=50)
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


def control_change(browser, url: str, control: str, option: str) -> float:
    """Seconds from choosing an option to the map redrawn with the new values."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000)
    before = page.evaluate(TEXT)
    page.click(f"#control-{control} .dash-dropdown")
    option_el = page.get_by_role("option", name=option, exact=True)
    t0 = time.perf_counter()
    option_el.click()
    page.wait_for_function(f"(old) => ({TEXT.replace('() => ', '')}) !== old", arg=before, timeout=120_000, polling=20)
    page.wait_for_function(DRAWN, timeout=120_000, polling=20)
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


def summarise(name: str, values: list[float]) -> str:
    """A markdown row: median (min–max)."""
    return f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f}–{max(values):.2f} s | {len(values)} |"


def main() -> None:
    """Run every measure ``--runs`` times and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("data/observatory.duckdb"))
    args = parser.parse_args()
    base = serve(args.db.resolve())
    dep = base + "/fragilites?survey=citoyens&level=departement&domain=emploi&stat=mean_score"
    com = base + "/fragilites?survey=citoyens&level=commune&domain=emploi&stat=mean_score"
    rows = ["| measure | median | min–max | runs |", "| --- | --- | --- | --- |"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        navigation(browser, dep)  # warm the server's caches once
        rows.append(
            summarise("navigation → département map drawn", [navigation(browser, dep) for _ in range(args.runs)])
        )
        rows.append(summarise("navigation → commune map drawn", [navigation(browser, com) for _ in range(args.runs)]))
        change = [control_change(browser, dep, "domain", "\u2003Logement") for _ in range(args.runs)]
        rows.append(summarise("control change → département map redrawn", change))
        change = [control_change(browser, com, "domain", "\u2003Logement") for _ in range(args.runs)]
        rows.append(summarise("control change → commune map redrawn", change))
        browser.close()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
