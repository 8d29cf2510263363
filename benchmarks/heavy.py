"""Expensive requests must not starve the rest (issue 23): 20 first-time PDFs at once, probes beside them.

Usage: ``python -m benchmarks.heavy [--db PATH] [--pdfs 20] [--out benchmarks/results]``.

Two runs of the production server, ``gunicorn -c deploy/gunicorn.conf.py`` (2 gthread workers × 4
threads), on the same database read in place (opened read-only, never copied):

- **ours**: ``OBSERVATORY_HEAVY_SLOTS=1`` (the default) and an empty PDF cache folder;
- **baseline**: ``OBSERVATORY_HEAVY_SLOTS=64`` (no limit in practice) and an empty cache folder of
  its own: every PDF is a first rendering, as before the pool and the cache.

In each run the probes' answers are computed once first (warm), then ``--pdfs`` threads each ask
at once for the PDF of a distinct département or région (no retry, client timeout 180 s), while 4
probe threads ask, one request after another, for cheap answers: the fragility page's route
callback and map callback (the bodies the browser sends, built from ``/_dash-dependencies`` and
the page's own controls), a vector tile, an API JSON table and ``/api/v1/meta``. A probe not
answered within 30 s counts as unanswered. The probes run from the burst's start until every PDF
has its answer, and for 15 s at least. Then (ours) each PDF that got 200 is asked again: a file
read from the cache.

Writes ``<out>/heavy.md`` and ``<out>/heavy.json``: the probes' p50, p95, max and unanswered count
(all, and per kind), the PDFs' statuses and times, the burst's wall time, and the load average
before and after each run (the machine may be busy with other work). Target: probes p95 ≤ 1 s,
none unanswered.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import dash_bodies, write_results
from benchmarks.run import ROOT, free_port

PDF_KEYS = [
    *(f"reg-{c}" for c in ("11", "24", "27", "28", "32", "44", "52", "53", "75", "76")),
    *("01", "13", "29", "31", "33", "35", "59", "67", "69", "75"),
]  # distinct régions and départements: first-time PDFs in a fresh cache
PROBE_THREADS = 4
PROBE_TIMEOUT = 30.0  # seconds: past it, a probe is unanswered
PDF_TIMEOUT = 180.0
MIN_WINDOW = 15.0  # seconds the probes run at least
PAUSE = 0.05  # seconds between two requests of one probe thread
TARGET_P95 = 1.0  # seconds
RUNS = {"ours": {"OBSERVATORY_HEAVY_SLOTS": "1"}, "baseline": {"OBSERVATORY_HEAVY_SLOTS": "64"}}


# --- HTTP -------------------------------------------------------------------------------------
def ask(url: str, body: dict | None = None, timeout: float = PROBE_TIMEOUT) -> tuple[int | None, float]:
    """(status, seconds until the whole answer is read); status None when unanswered in time."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:  # an answer all the same (503, 500...)
        exc.read()
        status = exc.code
    except OSError:  # timed out, refused or reset: no answer
        status = None
    return status, time.perf_counter() - t0


def probe_requests(base: str) -> list[tuple[str, str, dict | None]]:
    """(kind, URL, JSON body) of each cheap request; the callbacks' bodies as the browser sends them."""
    with urllib.request.urlopen(base + "/_dash-dependencies", timeout=60) as resp:
        deps = json.loads(resp.read())
    route = next(d["output"] for d in deps if "header.children" in d["output"])
    route_body = {
        "output": route,
        "outputs": [
            dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in route.strip(".").split("...")
        ],
        "inputs": [
            {"id": "url", "property": "pathname", "value": "/fragilites"},
            {"id": "url", "property": "search", "value": ""},
        ],
        "changedPropIds": ["url.pathname"],
    }
    req = urllib.request.Request(
        base + "/_dash-update-component", json.dumps(route_body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        controls = dash_bodies.page_controls(json.loads(resp.read())["response"]["page"], [])
    output = next(d["output"] for d in deps if "map-data.data" in d["output"])
    map_body = dash_bodies.map_body(output, controls)
    return [
        ("route callback", base + "/_dash-update-component", route_body),
        ("map callback", base + "/_dash-update-component", map_body),
        ("tile", base + "/tiles/departement/4/7/5.pbf", None),
        ("API table", base + "/api/v1/fragility?level=departement&domain=emploi", None),
        ("API meta", base + "/api/v1/meta", None),
    ]


# --- one run ----------------------------------------------------------------------------------
def serve(db: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``gunicorn -c deploy/gunicorn.conf.py`` on ``db`` at ``port``, started and answering."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "OBSERVATORY_"))}
    full.update(
        OBSERVATORY_DB=str(db),
        OBSERVATORY_GEO_DIR=str(db.parent / "geo"),
        OBSERVATORY_HOST="127.0.0.1",
        OBSERVATORY_PORT=str(port),
        **env,
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    for _ in range(900):
        if ask(f"http://127.0.0.1:{port}/api/v1/meta", timeout=5)[0] == 200:
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    """Stop the gunicorn master this benchmark started (its workers stop with it)."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def burst(base: str, probes: list, pdfs: list[str]) -> dict:
    """The PDFs at once and the probes beside them, until every PDF has its answer (MIN_WINDOW at least)."""
    start = threading.Barrier(len(pdfs) + PROBE_THREADS + 1)
    done, pdf_results, probe_results = threading.Event(), {}, []

    def pdf(key: str) -> None:
        start.wait()
        pdf_results[key] = ask(f"{base}/territoire/{key}.pdf", timeout=PDF_TIMEOUT)

    def probe(offset: int) -> None:
        start.wait()
        i = offset
        while not done.is_set():
            kind, url, body = probes[i % len(probes)]
            status, seconds = ask(url, body)
            probe_results.append({"kind": kind, "status": status, "seconds": seconds})
            i += 1
            time.sleep(PAUSE)

    pdf_threads = [threading.Thread(target=pdf, args=(k,)) for k in pdfs]
    probe_threads = [threading.Thread(target=probe, args=(n,)) for n in range(PROBE_THREADS)]
    for t in pdf_threads + probe_threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pdf_threads:
        t.join()
    wall = time.perf_counter() - t0
    time.sleep(max(0.0, MIN_WINDOW - wall))
    done.set()
    for t in probe_threads:
        t.join()
    return {"wall_s": wall, "window_s": time.perf_counter() - t0, "pdfs": pdf_results, "probes": probe_results}


def run_once(name: str, db: Path, pdfs: list[str], work: Path) -> dict:
    """One server, warmed, one burst; the PDFs that got 200 asked again (from the cache, if any)."""
    cache = work / f"cache-{name}"  # fresh: every PDF is a first rendering
    env = {**RUNS[name], "OBSERVATORY_CACHE_DIR": str(cache)}
    port = free_port()
    log = work / f"gunicorn-{name}.log"
    load_before = os.getloadavg()
    proc = serve(db, port, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        probes = probe_requests(base)
        for _ in range(2):  # warm: cut the tile, compute the tables (twice: both workers, probably)
            for kind, url, body in probes:
                status, _s = ask(url, body, timeout=120)
                if status != 200:
                    raise RuntimeError(f"probe {kind} answered {status}")
        out = burst(base, probes, pdfs)
        ok = [k for k, (status, _s) in out["pdfs"].items() if status == 200]
        # (ours only: the baseline stands for the code before the cache)
        out["again"] = {k: ask(f"{base}/territoire/{k}.pdf", timeout=PDF_TIMEOUT) for k in ok} if name == "ours" else {}
    finally:
        stop(proc)
    text = log.read_text(errors="replace")
    return {
        **summarise(out),
        "settings": env | {"workers": 2, "threads": 4},
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "tracebacks_in_log": text.count("Traceback"),
        # the server's own word on any probe that was not a 200 (access log lines, and errors)
        "log_errors": [line for line in text.splitlines() if _server_error(line)][:20],
    }


def _server_error(line: str) -> bool:
    """An access-log line that is neither a 200 nor a PDF's 503, or a warning or error line."""
    parts = line.split('" ')
    if len(parts) > 1 and parts[1][:3].isdigit():
        return not (parts[1].startswith("200") or ("/territoire/" in parts[0] and parts[1].startswith("503")))
    return any(word in line for word in ("WARNING", "ERROR", "Traceback", "bad callback"))


# --- figures ----------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


def spread(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95), "max": max(values)}


def summarise(out: dict) -> dict:
    """The burst's figures: probes (all, per kind) and PDFs (by status)."""
    probes = out["probes"]
    answered = [p for p in probes if p["status"] is not None]
    kinds = sorted({p["kind"] for p in probes})
    per_kind = {
        k: {
            **spread([p["seconds"] for p in answered if p["kind"] == k]),
            "unanswered": sum(1 for p in probes if p["kind"] == k and p["status"] is None),
        }
        for k in kinds
    }
    statuses: dict[str, int] = {}
    for status, _s in out["pdfs"].values():
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    by_status = {s: spread([sec for st, sec in out["pdfs"].values() if str(st) == s]) for s in statuses if s != "None"}
    return {
        "wall_s": out["wall_s"],
        "window_s": out["window_s"],
        "probes": {
            **spread([p["seconds"] for p in answered]),
            "sent": len(probes),
            "unanswered": len(probes) - len(answered),
            "over_1s": sum(1 for p in answered if p["seconds"] > TARGET_P95),
            "not_200": sum(1 for p in answered if p["status"] != 200),
            "not_200_kinds": sorted({f"{p['kind']}: {p['status']}" for p in answered if p["status"] != 200}),
        },
        "probes_by_kind": per_kind,
        "pdf_statuses": statuses,
        "pdf_seconds_by_status": by_status,
        "pdf_again": spread([sec for st, sec in out["again"].values() if st == 200]),
        "pdf_raw": {k: {"status": st, "seconds": sec} for k, (st, sec) in out["pdfs"].items()},
    }


def _s(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f} s" if value < 1 else f"{value:.1f} s"


def markdown(results: dict) -> str:
    """The two runs side by side."""
    ours, base = results["runs"]["ours"], results["runs"]["baseline"]

    def row(label: str, get, target: str = "") -> str:
        return f"| {label} | {get(ours)} | {get(base)} | {target} |"

    def statuses(r: dict) -> str:
        return ", ".join(f"{n} × {s}" for s, n in sorted(r["pdf_statuses"].items()))

    def pdf_times(r: dict, status: str) -> str:
        s = r["pdf_seconds_by_status"].get(status)
        return f"{_s(s['p50'])} / {_s(s['max'])}" if s and s["n"] else "—"

    def met(r: dict) -> str:
        ok = r["probes"]["unanswered"] == 0 and r["probes"]["p95"] <= TARGET_P95
        return "yes" if ok else "**no**"

    lines = [
        f"# Heavy requests under load — {results['date']}",
        "",
        f"Machine: {results['machine']}. Server: `gunicorn -c deploy/gunicorn.conf.py` (2 gthread workers × 4 "
        f"threads) on `{results['db']}` read in place. Burst: {results['pdfs']} first-time PDF portraits of distinct "
        f"départements and régions at once (no retry), while {PROBE_THREADS} probe threads request, one after "
        "another, the fragility page's route and map callbacks, a tile, an API JSON table and `/api/v1/meta` "
        f"(warmed before; client timeout {PROBE_TIMEOUT:g} s). Probes run until every PDF has its answer, "
        f"{MIN_WINDOW:g} s at least. Latencies: until the whole answer is read. A probe thread that waits "
        "sends fewer requests, so the percentiles understate a stall: see the max, the probes over 1 s and "
        "the probes answered per second.",
        "",
        "- **ours**: 1 heavy slot per worker (`OBSERVATORY_HEAVY_SLOTS=1`, the default), PDF cache (empty at start).",
        "- **baseline**: `OBSERVATORY_HEAVY_SLOTS=64` (no limit) and an empty cache folder of its own: every "
        "PDF a first rendering, as before issue 23.",
        "",
        "| measure | ours | baseline | target |",
        "| --- | --- | --- | --- |",
        row("probes sent (answered non-200)", lambda r: f"{r['probes']['sent']} ({r['probes']['not_200']})"),
        row("probes p50", lambda r: _s(r["probes"].get("p50"))),
        row("probes p95", lambda r: _s(r["probes"].get("p95")), f"≤ {TARGET_P95:g} s"),
        row("probes max", lambda r: _s(r["probes"].get("max"))),
        row("probes over 1 s", lambda r: str(r["probes"]["over_1s"])),
        row("probes answered per second", lambda r: f"{r['probes']['n'] / r['window_s']:.1f}"),
        row(f"probes unanswered within {PROBE_TIMEOUT:g} s", lambda r: str(r["probes"]["unanswered"]), "0"),
        row("target met", met),
        row("PDF answers", statuses),
        row("PDF 200: p50 / max", lambda r: pdf_times(r, "200")),
        row("PDF 503: p50 / max", lambda r: pdf_times(r, "503")),
        row(
            "the 200 PDFs asked again: p50 / max",
            lambda r: f"{_s(r['pdf_again']['p50'])} / {_s(r['pdf_again']['max'])}" if r["pdf_again"]["n"] else "—",
        ),
        row("burst wall time (last PDF answered)", lambda r: _s(r["wall_s"])),
        row("load average (1 min) before → after", lambda r: f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}"),
        row("tracebacks in the server log", lambda r: str(r["tracebacks_in_log"])),
        "",
        "Probes per kind, p50 / p95 / max (unanswered):",
        "",
        "| kind | ours | baseline |",
        "| --- | --- | --- |",
    ]
    for kind in ours["probes_by_kind"]:
        cells = []
        for r in (ours, base):
            k = r["probes_by_kind"].get(kind, {"n": 0, "unanswered": 0})
            cells.append(
                f"{_s(k.get('p50'))} / {_s(k.get('p95'))} / {_s(k.get('max'))} ({k['unanswered']})" if k["n"] else "—"
            )
        lines.append(f"| {kind} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run both bursts and write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.heavy", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, default=Path(os.environ.get("OBSERVATORY_DB", ROOT / "data" / "observatory.duckdb"))
    )
    parser.add_argument("--pdfs", type=int, default=len(PDF_KEYS), help=f"at most {len(PDF_KEYS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    pdfs = PDF_KEYS[: args.pdfs]
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at start",
        "db": str(args.db),
        "pdfs": len(pdfs),
        "target": {"probes_p95_s": TARGET_P95, "unanswered": 0},
        "runs": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-heavy-") as tmp:
        for name in RUNS:
            results["runs"][name] = run_once(name, args.db, pdfs, Path(tmp))
            print(f"{name}: {json.dumps(results['runs'][name]['probes'])}", flush=True)
    write_results(args.out, "heavy", results, markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
