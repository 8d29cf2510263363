"""The profile's benchmark (issue 19): the page settled in Chromium, and the PDF portrait.

Usage: ``python -m benchmarks.profile [--runs 5] [--db PATH] [--baseline REF] [--out benchmarks/results]``.

- **Profile settled**: navigation → network idle (every callback answered: the key findings, the
  tables, the trend charts), in a fresh browser context each run (a first visit: cold browser
  cache), for a commune, an EPCI, a département and a région. The server's first answer for a
  territory (cold server caches) is reported apart from the median of the following runs.
- **Server**: the page's layout answered by the router's callback over HTTP, as the browser asks
  it ('first': a territory never shown since the app started).
- **PDF**: ``/territoire/<code>.pdf`` requested over HTTP, the time until the last byte.
- **Memory**: the app process's resident memory (VmRSS) after every map page (each at its
  départements, communes and EPCIs, the map drawn in Chromium) and the four profiles.
- **Zone**: a stored zone of 500 communes spread over France, its portrait (``/zone/<id>``) settled
  in Chromium (issue 28: ≤ 2 s), after the memory measure (the zone's answers are then read).
- ``--baseline REF``: the same page measured on a previous version of the code (``git archive
  REF``, in a temporary folder) in the same run, on the same database.

Writes ``<out>/profile.md`` and ``<out>/profile.json`` (medians, min, max). Targets (issue 25):
profile settled ≤ 1.5 s on an idle machine, server ≤ 0.2 s (first visit), PDF ≤ 3 s, RSS ≤ 450 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import write_results
from benchmarks.run import ARGS, CHROMIUM, ROOT, free_port, rss_mb, start

PROFILES = {"commune": "42218", "epci": "244200770", "departement": "42", "region": "reg-84"}
TARGETS = {"profile": 1.5, "pdf": 3.0, "server": 0.2, "zone": 2.0}  # zone: issue 28, 500 communes settled
ZONE_SIZE = 500  # communes of the zone whose portrait is measured (every k-th commune with citizens)
RSS_TARGET = 450  # MB, after every map page and the four profiles (issue 25)
MAP_PAGES = ("/fragilites", "/partenariats", "/co-construction", "/innovation")
MAP_LEVELS = ("departement", "commune", "epci")  # seconds (issue 25: settled ≤ 1.5 s, server ≤ 0.2 s)
# The router's callback, as the browser sends it on opening a page: its answer is the page's layout.
ROUTE_OUTPUT = "..header.children...synthetic-banner.children...notices.children...page.children...footer.children.."


def settle(browser, url: str, shown: str = "#profile-title") -> float:
    """Seconds from navigation to network idle with ``shown`` (the profile's title) drawn, in a fresh context."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="networkidle", timeout=180_000)
    page.wait_for_selector(shown, timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


def fetch(url: str) -> float:
    """Seconds until the whole answer of ``url`` is read."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - t0


def server(base: str, key: str) -> float:
    """Seconds for the server to answer the page's layout (the router's callback, as a browser asks it)."""
    parts = [p.rsplit(".", 1) for p in ROUTE_OUTPUT.strip(".").split("...")]
    body = {
        "output": ROUTE_OUTPUT,
        "outputs": [{"id": cid, "property": prop} for cid, prop in parts],
        "inputs": [
            {"id": "url", "property": "pathname", "value": f"/territoire/{key}"},
            {"id": "url", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["url.pathname"],
    }
    request = urllib.request.Request(
        f"{base}/_dash-update-component", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - t0


def zone_codes(db: Path, size: int = ZONE_SIZE) -> list[str]:
    """A zone of ``size`` communes spread over France: every k-th commune where citizens answered."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        codes = [r[0] for r in con.execute("SELECT DISTINCT commune_code FROM respondents ORDER BY 1").fetchall()]
    return codes[:: max(1, len(codes) // size)][:size]


def zone_settled(base: str, browser, db: Path, runs: int) -> dict:
    """A stored zone's portrait (``/zone/<id>``) settled in Chromium.

    Its 'first' includes the process's first read of the answers arranged for zones.
    """
    body = json.dumps({"codes": zone_codes(db), "name": "Benchmark"}).encode()
    request = urllib.request.Request(f"{base}/api/v1/zones", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        zone = json.loads(resp.read())["id"]
    return summary([settle(browser, f"{base}/zone/{zone}", "#zone-portrait") for _ in range(runs + 1)])


def summary(values: list[float]) -> dict:
    """Median, min and max of the warm runs, and the first (cold) run."""
    warm = values[1:] or values
    return {"first": values[0], "median": statistics.median(warm), "min": min(warm), "max": max(warm), "runs": values}


def measure(base: str, browser, runs: int, pdf: bool) -> dict:
    """Every measure on one running app."""
    out: dict = {}
    for level, key in PROFILES.items():  # the server's answer first: its 'first' is a cold visit
        out[f"server_{level}"] = summary([server(base, key) for _ in range(runs + 1)])
        out[f"profile_{level}"] = summary([settle(browser, f"{base}/territoire/{key}") for _ in range(runs + 1)])
        if pdf:
            out[f"pdf_{level}"] = summary([fetch(f"{base}/territoire/{key}.pdf") for _ in range(runs + 1)])
    return out


def visit(browser, url: str) -> None:
    """Open ``url`` in a fresh context until the network is idle (every callback answered)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.new_page().goto(url, wait_until="networkidle", timeout=180_000)
    ctx.close()


def memory(base: str, browser, pid: int) -> float:
    """The app's resident memory (MB) after every map page at three levels and the four profiles."""
    for path in MAP_PAGES:
        for level in MAP_LEVELS:  # a page may not offer a level: it shows its default, which counts too
            visit(browser, f"{base}{path}?level={level}")
    for key in PROFILES.values():
        settle(browser, f"{base}/territoire/{key}")
    return rss_mb(pid)


def baseline_tree(ref: str, folder: Path) -> Path:
    """The code of ``ref`` exported into ``folder`` (git archive: the work tree is not touched)."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def serve(code: Path, db: Path, port: int) -> subprocess.Popen:
    """The app of the code in ``code`` on ``db`` at ``port``."""
    env = {"OBSERVATORY_DB": str(db), "OBSERVATORY_GEO_DIR": str(db.parent / "geo"), "OBSERVATORY_PORT": str(port)}
    env["OBSERVATORY_ZONES_DIR"] = tempfile.mkdtemp(prefix="bench-zones-")  # the zones it stores: not the user's
    env["PYTHONPATH"] = str(code)
    proc = start([sys.executable, str(code / "app.py")], env, port)
    return proc


def markdown(results: dict) -> str:
    """The results as a Markdown table."""
    lines = [
        f"# Profile benchmark ({results['date']})",
        "",
        f"Machine: {results['machine']}; runs: {results['runs']} (median of the warm runs; 'first' is the "
        "server's first answer for the territory, cold caches). Server: the page's layout (the router's callback "
        "over HTTP). Profile: navigation → network idle in a fresh context.",
        "",
        "| measure | first (s) | median (s) | min | max | target | baseline median (s) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = results.get("baseline") or {}
    for key, r in results["ours"].items():
        target = TARGETS[key.split("_", 1)[0]]
        ok = "✓" if r["median"] <= target else "✗"
        b = base.get(key)
        lines.append(
            f"| {key} | {r['first']:.2f} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | ≤ {target:g} s {ok} "
            f"| {b['median']:.2f} |"
            if b
            else f"| {key} | {r['first']:.2f} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | ≤ {target:g} s {ok} | — |"
        )
    if "rss_mb" in results:
        ok = "✓" if results["rss_mb"] <= RSS_TARGET else "✗"
        b = results.get("baseline_rss_mb")
        lines.append(
            f"| app RSS after every map page and the four profiles (MB) | | {results['rss_mb']:.0f} | | | "
            f"≤ {RSS_TARGET} MB {ok} | {f'{b:.0f}' if b else '—'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--db", type=Path, default=Path(os.environ.get("OBSERVATORY_DB", ROOT / "data" / "observatory.duckdb"))
    )
    parser.add_argument("--baseline", help="a git ref of the previous version of the page, measured in the same run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        "runs": args.runs,
    }
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        port = free_port()
        proc = serve(ROOT, args.db, port)
        try:
            results["ours"] = measure(f"http://127.0.0.1:{port}", browser, args.runs, pdf=True)
            results["rss_mb"] = memory(f"http://127.0.0.1:{port}", browser, proc.pid)
            results["ours"]["zone_500_communes"] = zone_settled(f"http://127.0.0.1:{port}", browser, args.db, args.runs)
        finally:
            proc.terminate()
            proc.wait()
        if args.baseline:
            code = baseline_tree(args.baseline, Path(tmp))
            port = free_port()
            proc = serve(code, args.db, port)
            try:
                results["baseline"] = measure(f"http://127.0.0.1:{port}", browser, args.runs, pdf=False)
                results["baseline_rss_mb"] = memory(f"http://127.0.0.1:{port}", browser, proc.pid)
                results["baseline_ref"] = args.baseline
            finally:
                proc.terminate()
                proc.wait()
        browser.close()
    write_results(args.out, "profile", results, markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
