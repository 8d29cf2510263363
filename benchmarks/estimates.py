"""The estimates table's targets, measured against the on-demand engine in the same run.

Usage: ``python -m benchmarks.estimates [--runs 5] [--scales 1,20] [--out benchmarks/results]``;
``--quick`` runs each measure once at ×1 (the smoke test). Writes ``<out>/estimates.md`` and
``<out>/estimates.json``: medians, min and max of each measure, ours and the baseline side by side.

Ours is the app as shipped (``OBSERVATORY_PRECOMPUTED=1``: pages read the ``estimates`` table the
ETL wrote); the baseline is the same app computing every figure from the micro-data on request
(``OBSERVATORY_PRECOMPUTED=0``: the engine before the table). Both are separate server processes
over the same database, started afresh for every run, so that each figure is a *first* visit:

- the server time of a territory profile (the page's Dash callbacks, summed: request sent to
  response received, as Chromium times them), for a commune, an EPCI, a département and a région;
- the profile page settled in Chromium (navigation → network idle), same visits;
- the API's département table (JSON), first request after start;
- the app process's resident memory after every level of every map page was shown;
- the first start: ``python app.py`` on an empty data folder until the map page answers
  (database, sample and estimates built), ours only;
- building the estimates table (:func:`etl.estimates.write_estimates`) at each scale.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks import write_results
from benchmarks.run import ARGS, CHROMIUM, ROOT, free_port, rss_mb, start

PROFILES = {  # level → (territory URL key, label): a commune, its EPCI, its département, its région
    "commune": ("33063", "Bordeaux"),
    "epci": ("243300316", "Bordeaux Métropole"),
    "departement": ("33", "Gironde"),
    "region": ("reg-75", "Nouvelle-Aquitaine"),
}
MAP_PAGES = ("fragilites", "partenariats", "co-construction", "innovation")
LEVELS = ("region", "departement", "epci", "commune")
API_DEPARTEMENTS = "/api/v1/fragility?survey=citoyens&level=departement&domain=emploi&format=json"
TARGETS = {
    "profile_server": ("≤ 0.2 s", lambda v: v <= 0.2),
    "profile_settled": ("≤ 2 s idle machine; ≤ 0.3× the baseline", None),
    "api_first": ("≤ 30 ms", lambda v: v <= 0.030),
    "memory": ("≤ 400 MB", lambda v: v <= 400),
    "first_start": ("≤ 30 s idle machine", lambda v: v <= 30),
    "build_x1": ("≤ 10 s", lambda v: v <= 10),
    "build_big": ("report it", None),
}


def summary(values: list[float]) -> dict:
    """Median, min, max and the raw values."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "values": values}


def build_database(folder: Path, scale: float) -> Path:
    """A demonstration database at ``scale`` (no Parquet), built by the ETL's command line."""
    db = folder / f"x{scale:g}" / "observatory.duckdb"
    subprocess.run(
        [sys.executable, "-m", "etl", "build", "--db", str(db), "--scale", str(scale), "--no-parquet"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return db


def build_times(db: Path, runs: int) -> list[float]:
    """Seconds to compute and store the estimates table, on a copy of ``db``, ``runs`` times."""
    from etl.estimates import write_estimates

    times = []
    for i in range(runs):
        copy = db.with_name(f"copy-{i}.duckdb")
        shutil.copy2(db, copy)
        with duckdb.connect(str(copy)) as con:
            t0 = time.perf_counter()
            write_estimates(con)
            times.append(time.perf_counter() - t0)
        copy.unlink()
    return times


def server_env(db: Path, port: int, precomputed: bool) -> dict:
    return {
        "OBSERVATORY_DB": str(db),
        "OBSERVATORY_GEO_DIR": str(db.parent / "geo"),
        "OBSERVATORY_PORT": str(port),
        "OBSERVATORY_PRECOMPUTED": "1" if precomputed else "0",
    }


def first_api_request(port: int) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{API_DEPARTEMENTS}", timeout=600) as resp:
        resp.read()
        assert resp.status == 200
    return time.perf_counter() - t0


def profile_visit(browser, url: str) -> tuple[float, float]:
    """(settled, server): seconds from navigation to network idle, and the callbacks' server time."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    server: list[float] = []

    def finished(request) -> None:
        if "_dash-update-component" in request.url:
            t = request.timing  # ms relative to startTime; responseStart: first byte of the answer
            if t["responseStart"] >= 0:
                server.append((t["responseStart"] - t["requestStart"]) / 1000)

    page.on("requestfinished", finished)
    t0 = time.perf_counter()
    page.goto(url, wait_until="networkidle", timeout=600_000)
    settled = time.perf_counter() - t0
    ctx.close()
    return settled, sum(server)


def show_every_map(browser, base: str) -> None:
    """Every level of every map page, once, each until its network is idle."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    for name in MAP_PAGES:
        for level in LEVELS:
            page.goto(f"{base}/{name}?level={level}", wait_until="networkidle", timeout=600_000)
    ctx.close()


def first_start(tmp: Path) -> float:
    """Seconds from ``python app.py`` on an empty data folder to the map page answering."""
    folder = tmp / "first-start"
    port = free_port()
    env = {**os.environ, **server_env(folder / "observatory.duckdb", port, True)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/fragilites", timeout=5) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("python app.py exited during its first start") from None
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(30)


def measure_servers(db: Path, runs: int) -> dict:
    """Profiles, API and memory, ours and the baseline, each run on freshly started servers."""
    from playwright.sync_api import sync_playwright

    keys = ["api_first", *(f"server_{lv}" for lv in PROFILES), *(f"settled_{lv}" for lv in PROFILES), "memory"]
    out = {side: {k: [] for k in keys} for side in ("ours", "baseline")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for run in range(runs):
            for side, precomputed in (("ours", True), ("baseline", False)):
                port = free_port()
                proc = start([sys.executable, "app.py"], server_env(db, port, precomputed), port)
                base = f"http://127.0.0.1:{port}"
                try:
                    out[side]["api_first"].append(first_api_request(port))
                    for level, (key, _label) in PROFILES.items():
                        settled, server = profile_visit(browser, f"{base}/territoire/{key}")
                        out[side][f"settled_{level}"].append(settled)
                        out[side][f"server_{level}"].append(server)
                finally:
                    proc.terminate()
                    proc.wait(30)
                if run == 0:  # memory: once per side, on a fresh server that shows the map pages only
                    port = free_port()
                    proc = start([sys.executable, "app.py"], server_env(db, port, precomputed), port)
                    try:
                        show_every_map(browser, f"http://127.0.0.1:{port}")
                        out[side]["memory"].append(rss_mb(proc.pid))
                    finally:
                        proc.terminate()
                        proc.wait(30)
            print(f"run {run + 1}/{runs} done", flush=True)
        browser.close()
    return out


def rows_of(servers: dict, builds: dict[float, list[float]], start_s: list[float]) -> list[dict]:
    rows = []

    def add(key: str, label: str, unit: str, ours: list[float], baseline: list[float] | None = None) -> None:
        target, check = TARGETS[key]
        o = summary(ours)
        b = summary(baseline) if baseline else None
        met = check(o["median"]) if check else None
        if key == "profile_settled" and b:
            met = o["median"] <= 0.3 * b["median"]
        rows.append({"key": key, "label": label, "unit": unit, "ours": o, "baseline": b, "target": target, "met": met})

    ours, base = servers["ours"], servers["baseline"]
    for level, (_key, name) in PROFILES.items():
        add("profile_server", f"profile server time, first visit: {level} ({name})", "s",
            ours[f"server_{level}"], base[f"server_{level}"])  # fmt: skip
    for level, (_key, name) in PROFILES.items():
        add("profile_settled", f"profile settled in Chromium, first visit: {level} ({name})", "s",
            ours[f"settled_{level}"], base[f"settled_{level}"])  # fmt: skip
    add("api_first", "API département table (JSON, one domain), first request after start", "s",
        ours["api_first"], base["api_first"])  # fmt: skip
    add("memory", "app process memory after every level of every map page", "MB", ours["memory"], base["memory"])
    add("first_start", "first start (`python app.py`, empty data folder → map page answers)", "s", start_s)
    for scale, times in builds.items():
        add("build_x1" if scale == 1.0 else "build_big", f"estimates table built, sample ×{scale:g}", "s", times)
    return rows


def fmt(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def markdown(results: dict) -> str:
    lines = [
        f"# Estimates table — {results['date']}",
        "",
        f"Machine: {results['machine']}. Runs per measure: {results['runs']}. Medians (min–max).",
        "Baseline: the same app computing every figure on request (`OBSERVATORY_PRECOMPUTED=0`), same run.",
        "",
        "| measure | ours | baseline | ours / baseline | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["rows"]:
        o, b = r["ours"], r["baseline"]
        ours = f"{fmt(o['median'], r['unit'])} ({fmt(o['min'], r['unit'])}–{fmt(o['max'], r['unit'])})"
        base = fmt(b["median"], r["unit"]) if b else "—"
        ratio = f"{o['median'] / b['median']:.2f}×" if b and b["median"] else "—"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['label']} | {ours} | {base} | {ratio} | {r['target']} | {met} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.estimates", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", default="1,20")
    parser.add_argument("--quick", action="store_true", help="smoke mode: one run at ×1")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    scales = [1.0] if args.quick else sorted({1.0, *(float(s) for s in args.scales.split(","))})
    with tempfile.TemporaryDirectory(prefix="obs-bench-estimates-") as tmp:
        work = Path(tmp)
        start_s = [first_start(work)]
        print(f"first start: {start_s[0]:.1f} s", flush=True)
        dbs = {scale: build_database(work, scale) for scale in scales}
        builds = {scale: build_times(db, runs if scale == 1.0 else max(1, min(runs, 3))) for scale, db in dbs.items()}
        print("builds: " + ", ".join(f"×{s:g} {statistics.median(t):.1f} s" for s, t in builds.items()), flush=True)
        servers = measure_servers(dbs[1.0], runs)
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "runs": runs,
        "quick": args.quick,
        "rows": rows_of(servers, builds, start_s),
    }
    text = markdown(results)
    write_results(args.out, "estimates", results, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
