"""Mixed traffic at 30 users keeps p95 ≤ 2 s for everything but first-time PDFs (issue 23).

Usage: ``python -m benchmarks.mixed [--users 30] [--seconds 120] [--db PATH] [--out benchmarks/results]``.

Starts the production server, ``gunicorn -c deploy/gunicorn.conf.py`` (2 gthread workers × 4
threads), as real processes on a free loopback port, on the database read in place (opened
read-only, never copied; the geometry is ``--geo``, by default the ``geo`` folder beside it) with
a fresh, empty PDF cache folder and a fresh temporary folder (cold vector tiles, nothing shared
with another run). Once ``/healthz`` answers 200, ``--users`` simulated visitors (plain threads,
one ``requests`` session each, started at 5 a second) repeat for ``--seconds`` a task picked with
the reliability audit's weights (docs: /work/shared/reference/reliability_2026-12.md, section 1),
then think 0.5–2 s:

- map page (3): the HTML of ``/fragilites``, ``/_dash-layout``, the route callback, 2 tiles;
- map control change (5): the map callback (the body the browser sends, built from
  ``/_dash-dependencies`` and the page's own controls) with a random domain of 16 and level of 3;
- profile (3): the route callback of ``/territoire/<key>``, a random région, département, EPCI or
  commune (the level first, then the territory);
- PDF portrait (1) of a random département or région: "first time" when no earlier request for it
  had been answered 200 (a rendering), "again" otherwise (the server's disk cache);
- random tile (3): a random level, zoom (up to the level's deepest) and tile over France, so cold
  tiles get cut;
- API JSON page (3): ``/api/v1/fragility`` for the communes, a random domain, page 1–7;
- API CSV (1): a whole table, a random indicator and measure at the département level;
- search (3): the header's search callback and ``/api/v1/territories?q=``, a commune name's first
  3–8 letters.

Every answer is checked: its status (200), its body (HTML, a Dash answer, ``%PDF``, rows, CSV...)
and no ``Traceback``. A 503 with ``Retry-After`` from the heavy pool ("server busy") counts as
*refused*, apart from the errors; a client timeout (60 s) or a dropped connection as an error.
No request starts after the phase; those in flight finish (60 s at most); then gunicorn is stopped.

Writes ``<out>/mixed.json`` (one entry per number of users: each run replaces its own) and
``<out>/mixed.md``: per kind the count, errors, refused, p50, p95 and max; the overall p95
without the first-time PDFs (the target: ≤ 2 s), also after the first 30 s (warm caches);
throughput; the workers' RSS at the end (and the most seen); the load average before and after
(the machine may be busy with other work). The baseline beside it is the audit's run of the same
weights before the heavy pool and the PDF cache (its published figures: not re-measured here).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from benchmarks import dash_bodies, write_results
from benchmarks.run import ROOT, free_port
from observatory.core import reference as ref
from observatory.core.reference import MAX_ZOOM
from observatory.web.heavy import code_version

TARGET_P95 = 2.0  # seconds, every kind but the first-time PDFs
TIMEOUT = 60.0  # client timeout, seconds (connect, and between two reads)
THINK = (0.5, 2.0)  # seconds between two tasks of a user
RAMP = 5.0  # users started per second
WARM_AFTER = 30.0  # seconds: the "warm" figures count the requests sent after this
RSS_EVERY = 2.0  # seconds between two samples of the workers' memory
WEIGHTS = {
    "map page": 3,
    "map control change": 5,
    "profile": 3,
    "PDF": 1,
    "random tile": 3,
    "API JSON": 3,
    "API CSV": 1,
    "search": 3,
}
DOMAINS = [d.code for d in ref.DOMAINS]  # the map's 16 domains
MAP_LEVELS = ["region", "departement", "epci"]  # the audit's 3 levels of the map control changes
PROFILE_LEVELS = {"region": "région", "departement": "département", "epci": "EPCI", "commune": "commune"}
PAGE_TILES = ["/tiles/departement/4/7/5.pbf", "/tiles/departement/4/8/5.pbf"]  # the map page's first view
CSV_TABLES = [
    *(f"/api/v1/fragility?level=departement&domain={d}&format=csv" for d in DOMAINS),
    *(
        f"/api/v1/partnerships?level=departement&kind={k}&format=csv"
        for k in ("partner", "mecenat", "cooperation_economique")
    ),
]
PDF_FIRST, PDF_AGAIN = "PDF, first time", "PDF, again"
USER_AGENT = "bench-mixed/"  # + the kind's slug: the server's access log tells each request's kind
# An access-log line (deploy/gunicorn.conf.py's format): status, bytes, time in the worker's thread, kind, pid.
ACCESS = re.compile(r'" (\d{3}) \S+ (\d+)ms "[^"]*" "bench-mixed/([^"]+)" pid=<?(\d+)')
# The kinds in the tables' order, and the audit's p50 (p95) of the same kind, 10 and 30 users.
KINDS = [
    "page HTML", "page layout", "page route callback", "page tile (département)", "map control change",
    *(f"profile, {v}" for v in PROFILE_LEVELS.values()), PDF_FIRST, PDF_AGAIN, "random tile",
    "API JSON, commune page", "API CSV", "search callback", "search API",
]  # fmt: skip
AUDIT = {
    "source": "reliability audit 2026-12, section 1 (commit e6d0acf: no heavy pool, no PDF cache); "
    "load average 10.5–13.5, no client timeout",
    "runs": {
        "10": {
            "requests": 277,
            "errors": 0,
            "throughput": 2.33,
            "p50": 0.23,
            "p95": 24,
            "p99": 40,
            "max": 55,
            "rss": "0.31 → 1.71 GB",
            "load": "10.5–12.2",
        },
        "30": {
            "requests": 337,
            "errors": 0,
            "throughput": 2.99,
            "p50": 3.6,
            "p95": 26,
            "p99": 40,
            "max": 52,
            "rss": "1.61–1.74 GB",
            "load": "12.1–13.5",
        },
    },
    "kinds": {  # p50 (p95), seconds
        "page HTML": {"10": "0.08 (2.5)", "30": "3.6 (26)"},
        "page tile (département)": {"10": "0.05 (0.8)", "30": "2.0 (18)"},
        "map control change": {"10": "1.6 (13)", "30": "7.9 (26)"},
        "profile, département": {"10": "26 (28)", "30": "27 (37)"},
        "profile, commune": {"10": "28 (53)", "30": "31 (40)"},
        PDF_FIRST: {"10": "55", "30": "49 (52)"},
        "API JSON, commune page": {"10": "4.5 (6.5)", "30": "23 (28)"},
        "search callback": {"10": "0.25 (19)", "30": "8.2 (19)"},
    },
}


# --- what the visitors ask for ------------------------------------------------------------------
@dataclass
class Catalogue:
    """Territories (code, name) per level, France's tile ranges, and the callbacks' bodies."""

    territories: dict[str, list[tuple[str, str]]]
    bounds: dict[str, list[float]]
    route_output: str = ""
    map_output: str = ""
    controls: list[tuple[str, object]] = field(default_factory=list)

    @classmethod
    def read(cls, geo: Path) -> Catalogue:
        """From the geometry folder (read only): every territory of every level."""
        territories = {}
        for level in PROFILE_LEVELS:
            features = json.loads((geo / f"{level}.geojson").read_text(encoding="utf-8"))["features"]
            territories[level] = [(f["properties"]["code"], f["properties"].get("name", "")) for f in features]
        return cls(territories, json.loads((geo / "bounds.json").read_text(encoding="utf-8")))

    def learn(self, base: str) -> None:
        """The callbacks' outputs from ``/_dash-dependencies``; the map page's controls and their values."""
        deps = requests.get(base + "/_dash-dependencies", timeout=TIMEOUT).json()
        self.route_output = next(d["output"] for d in deps if "header.children" in d["output"])
        self.map_output = next(d["output"] for d in deps if "map-data.data" in d["output"])
        resp = requests.post(base + "/_dash-update-component", json=self.route("/fragilites"), timeout=TIMEOUT)
        resp.raise_for_status()
        self.controls = dash_bodies.page_controls(resp.json()["response"]["page"], [])
        names = [k for k, _v in self.controls]
        if "domain" not in names or "level" not in names:
            raise RuntimeError(f"the map page's controls have no domain or level: {names}")

    def route(self, pathname: str) -> dict:
        """The route callback's body for a page (as the browser sends it on navigation)."""
        return {
            "output": self.route_output,
            "outputs": [
                dict(zip(("id", "property"), p.rsplit(".", 1), strict=True))
                for p in self.route_output.strip(".").split("...")
            ],
            "inputs": [
                {"id": "url", "property": "pathname", "value": pathname},
                {"id": "url", "property": "search", "value": ""},
            ],
            "changedPropIds": ["url.pathname"],
        }

    def map_change(self, domain: str, level: str, changed: str) -> dict:
        """The map callback's body after choosing ``domain`` and ``level`` (``changed``: the control touched)."""
        values = [(k, {"domain": domain, "level": level}.get(k, v)) for k, v in self.controls]
        return dash_bodies.map_body(self.map_output, values, changed)

    @staticmethod
    def search(text: str) -> dict:
        """The header's search callback's body for a typed text."""
        return {
            "output": "place-search-results.children",
            "outputs": {"id": "place-search-results", "property": "children"},
            "inputs": [{"id": "place-search", "property": "value", "value": text}],
            "state": [{"id": "url", "property": "search", "value": ""}],
            "changedPropIds": ["place-search.value"],
        }

    def random_tile(self, rng: random.Random) -> tuple[str, str]:
        """(level, URL) of a random tile over France's bounds, any level and zoom."""
        level = rng.choice(list(MAX_ZOOM))
        z = rng.randint(0, MAX_ZOOM[level])
        west, south, east, north = self.bounds.get(level) or self.bounds["departement"]
        x0, y0 = _tile_xy(west, north, z)
        x1, y1 = _tile_xy(east, south, z)
        return level, f"/tiles/{level}/{z}/{rng.randint(x0, x1)}/{rng.randint(y0, y1)}.pbf"


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web Mercator tile (x, y) at zoom ``z`` holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


# --- the visitors -------------------------------------------------------------------------------
class Traffic:
    """The phase's visitors, their answers, and what every visitor shares (the PDFs answered)."""

    def __init__(self, base: str, catalogue: Catalogue, users: int, seconds: float, seed: int):
        self.base, self.cat, self.users, self.seconds, self.seed = base, catalogue, users, seconds, seed
        self.samples: list[dict] = []
        self.lock = threading.Lock()
        self.pdfs_done: set[str] = set()
        self.pdf_keys = [f"reg-{c}" for c, _n in catalogue.territories["region"]] + [
            c for c, _n in catalogue.territories["departement"]
        ]
        self.start = 0.0
        self.deadline = 0.0

    def run(self) -> float:
        """Every visitor, started at RAMP a second, until the deadline; returns when all are done."""
        self.start = time.perf_counter()
        self.deadline = self.start + self.seconds
        threads = []
        for n in range(self.users):
            time.sleep(max(0.0, self.start + n / RAMP - time.perf_counter()))
            t = threading.Thread(target=self.visitor, args=(n,), daemon=True, name=f"user-{n}")
            t.start()
            threads.append(t)
        for t in threads:  # each request in flight ends within TIMEOUT of its last byte
            t.join(timeout=max(0.0, self.deadline - time.perf_counter()) + 3 * TIMEOUT)
        return time.perf_counter() - self.start

    def visitor(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        tasks = list(WEIGHTS)
        weights = [WEIGHTS[t] for t in tasks]
        with requests.Session() as session:
            while time.perf_counter() < self.deadline:
                task = rng.choices(tasks, weights)[0]
                getattr(self, "task_" + task.replace(" ", "_").lower())(session, rng)
                time.sleep(rng.uniform(*THINK))

    # One method per task: each request through ask(), which stops at the deadline.
    def task_map_page(self, s: requests.Session, rng: random.Random) -> None:
        self.ask(s, "page HTML", "GET", "/fragilites", check="html")
        self.ask(s, "page layout", "GET", "/_dash-layout", check="json")
        self.ask(s, "page route callback", "POST", "/_dash-update-component", self.cat.route("/fragilites"))
        for path in PAGE_TILES:
            self.ask(s, "page tile (département)", "GET", path, check="tile")

    def task_map_control_change(self, s: requests.Session, rng: random.Random) -> None:
        body = self.cat.map_change(rng.choice(DOMAINS), rng.choice(MAP_LEVELS), rng.choice(["domain", "level"]))
        self.ask(s, "map control change", "POST", "/_dash-update-component", body)

    def task_profile(self, s: requests.Session, rng: random.Random) -> None:
        level = rng.choice(list(PROFILE_LEVELS))
        code, _name = rng.choice(self.cat.territories[level])
        key = f"reg-{code}" if level == "region" else code
        body = self.cat.route(f"/territoire/{key}")
        self.ask(s, f"profile, {PROFILE_LEVELS[level]}", "POST", "/_dash-update-component", body, detail=key)

    def task_pdf(self, s: requests.Session, rng: random.Random) -> None:
        key = rng.choice(self.pdf_keys)
        with self.lock:
            kind = PDF_AGAIN if key in self.pdfs_done else PDF_FIRST
        status = self.ask(s, kind, "GET", f"/territoire/{key}.pdf", check="pdf", detail=key)
        if status == 200:
            with self.lock:
                self.pdfs_done.add(key)

    def task_random_tile(self, s: requests.Session, rng: random.Random) -> None:
        level, path = self.cat.random_tile(rng)
        self.ask(s, "random tile", "GET", path, check="tile", detail=level)

    def task_api_json(self, s: requests.Session, rng: random.Random) -> None:
        path = f"/api/v1/fragility?level=commune&domain={rng.choice(DOMAINS)}&page={rng.randint(1, 7)}"
        self.ask(s, "API JSON, commune page", "GET", path, check="rows")

    def task_api_csv(self, s: requests.Session, rng: random.Random) -> None:
        self.ask(s, "API CSV", "GET", rng.choice(CSV_TABLES), check="csv")

    def task_search(self, s: requests.Session, rng: random.Random) -> None:
        _code, name = rng.choice(self.cat.territories["commune"])
        text = name[: rng.randint(3, 8)].strip() or name
        self.ask(s, "search callback", "POST", "/_dash-update-component", self.cat.search(text), detail=text)
        self.ask(s, "search API", "GET", "/api/v1/territories", check="rows", params={"q": text}, detail=text)

    def ask(
        self,
        s: requests.Session,
        kind: str,
        method: str,
        path: str,
        body: dict | None = None,
        check: str = "dash",
        params: dict | None = None,
        detail: str = "",
    ) -> int | None:
        """One request, timed until its whole answer is read, checked and recorded; its status."""
        sent = time.perf_counter()
        if sent >= self.deadline:
            return None
        status, outcome, problem = None, "error", ""
        try:
            resp = s.request(
                method, self.base + path, json=body, params=params, timeout=TIMEOUT,
                headers={"User-Agent": USER_AGENT + slug(kind)},
            )  # fmt: skip
            data = resp.content
            status = resp.status_code
            outcome, problem = judge(resp, data, check)
        except requests.RequestException as exc:
            problem = type(exc).__name__
        ended = time.perf_counter()
        with self.lock:
            self.samples.append({
                "kind": kind, "sent": sent - self.start, "seconds": ended - sent, "status": status,
                "outcome": outcome, "problem": problem, "detail": detail or path,
            })  # fmt: skip
        return status


def slug(kind: str) -> str:
    """The kind in the User-Agent header: ASCII letters and digits, dashes."""
    return re.sub(r"[^a-z0-9]+", "-", kind.lower().replace("é", "e").replace("è", "e")).strip("-")


def in_thread(log_text: str) -> dict[str, dict]:
    """Per kind, the time each request spent in a worker's thread: n, p50, p95, max and sum in seconds.

    The access log's ``%(M)s``: the wait for a free thread excluded, the wait for the worker's GIL
    (and its database connection) included.
    """
    kinds = {slug(k): k for k in KINDS}
    times: dict[str, list[float]] = {}
    for match in ACCESS.finditer(log_text):
        kind = kinds.get(match.group(3), match.group(3))
        times.setdefault(kind, []).append(int(match.group(2)) / 1000)
    return {
        k: {"n": len(v), "p50": statistics.median(v), "p95": percentile(v, 95), "max": max(v), "sum": sum(v)}
        for k, v in times.items()
    }


def judge(resp: requests.Response, data: bytes, check: str) -> tuple[str, str]:
    """("ok" | "refused" | "error", what was wrong)."""
    if b"Traceback" in data:
        return "error", f"{resp.status_code} with a traceback"
    if resp.status_code == 503 and resp.headers.get("Retry-After") and b"Server busy" in data:
        return "refused", ""
    if resp.status_code != 200:
        return "error", f"status {resp.status_code}"
    ctype = resp.headers.get("Content-Type", "")
    ok = {
        "html": lambda: b"<html" in data[:2000].lower() or b"<!doctype html" in data[:200].lower(),
        "json": lambda: data[:1] in (b"{", b"["),
        "dash": lambda: data.startswith(b"{") and b'"response"' in data[:200],
        "pdf": lambda: data.startswith(b"%PDF"),
        "tile": lambda: "vnd.mapbox-vector-tile" in ctype,
        "rows": lambda: data.startswith(b"{") and b'"rows"' in data,
        "csv": lambda: ctype.startswith("text/csv") and len(data) > 0,
    }[check]()
    return ("ok", "") if ok else ("error", f"unexpected body for {check} ({ctype}, {len(data)} bytes)")


# --- the server ---------------------------------------------------------------------------------
def serve(db: Path, geo: Path, port: int, work: Path, log: Path) -> subprocess.Popen:
    """``gunicorn -c deploy/gunicorn.conf.py`` on ``db`` at ``port``, started and healthy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "OBSERVATORY_"))}
    (work / "cache").mkdir()
    (work / "tmp").mkdir()
    env.update(
        OBSERVATORY_DB=str(db),
        OBSERVATORY_GEO_DIR=str(geo),
        OBSERVATORY_HOST="127.0.0.1",
        OBSERVATORY_PORT=str(port),
        OBSERVATORY_CACHE_DIR=str(work / "cache"),  # empty: every PDF's first request renders it
        TMPDIR=str(work / "tmp"),  # the tile cache (and any gzip copy) of this run only: cold tiles
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"gunicorn did not answer /healthz within 180 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the gunicorn master this benchmark started (its workers stop with it)."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds of each process, from /proc/<pid>/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def machine_cpu() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot, from /proc/stat (idle and iowait not busy)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(ticks[:8])  # user nice system idle iowait irq softirq steal (guest is within user)
    return total - ticks[3] - ticks[4], total


def workers_rss(master: int) -> dict[int, float]:
    """The resident memory (MB) of each of the gunicorn master's children, from /proc."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return {}
    rss = {}
    for pid in map(int, children):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1]) / 1024
    return rss


class RssWatch(threading.Thread):
    """Samples the workers' memory every RSS_EVERY seconds: the most seen (sum), the last."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.done = master, threading.Event()
        self.peak_total = 0.0
        self.last: dict[int, float] = {}
        self.pids: set[int] = set()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            self.done.wait(RSS_EVERY)

    def sample(self) -> dict[int, float]:
        rss = workers_rss(self.master)
        if rss:
            self.last = rss
            self.pids |= set(rss)
            self.peak_total = max(self.peak_total, sum(rss.values()))
        return rss


# --- figures ------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


def spread(samples: list[dict]) -> dict:
    """Count, errors, refused and the latencies (every answer, refused and failed ones included)."""
    seconds = [s["seconds"] for s in samples]
    out = {
        "n": len(samples),
        "errors": sum(1 for s in samples if s["outcome"] == "error"),
        "refused": sum(1 for s in samples if s["outcome"] == "refused"),
    }
    if seconds:
        out.update(p50=statistics.median(seconds), p95=percentile(seconds, 95), max=max(seconds))
    return out


def summarise(samples: list[dict], window: float) -> dict:
    """The run's figures, overall and per kind."""
    not_first = [s for s in samples if s["kind"] != PDF_FIRST]
    warm = [s for s in not_first if s["sent"] >= WARM_AFTER]
    ok = [s for s in not_first if s["outcome"] == "ok"]
    kinds = [k for k in KINDS if any(s["kind"] == k for s in samples)]
    per_kind = {k: spread([s for s in samples if s["kind"] == k]) for k in kinds}
    problems: dict[str, int] = {}
    for s in samples:
        if s["outcome"] == "error":
            key = f"{s['kind']}: {s['problem']}"
            problems[key] = problems.get(key, 0) + 1
    return {
        "all": spread(samples),
        "all_but_first_pdfs": spread(not_first),
        "all_but_first_pdfs_after_30s": spread(warm),
        "all_but_first_pdfs_200_only": spread(ok),
        "answers_per_second": sum(1 for s in samples if s["sent"] + s["seconds"] <= window) / window,
        "by_kind": per_kind,
        "kinds_over_target": [k for k, v in per_kind.items() if k != PDF_FIRST and v.get("p95", 0) > TARGET_P95],
        "error_kinds": problems,
        "error_examples": [s for s in samples if s["outcome"] == "error"][:10],
    }


def _s(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f} s" if value < 1 else f"{value:.1f} s"


def markdown(results: dict) -> str:
    """Every run (by number of users) beside the audit's figures."""
    runs = dict(sorted(results["runs"].items(), key=lambda kv: -int(kv[0])))
    audit = AUDIT["runs"]
    cols = [f"{u} users" for u in runs] + [f"audit, {u} users" for u in runs if u in audit]

    def row(label: str, get, from_audit=None, target: str = "") -> str:
        cells = [get(r) for r in runs.values()]
        cells += [from_audit(audit[u]) if from_audit else "—" for u in runs if u in audit]
        return f"| {label} | {' | '.join(cells)} | {target} |"

    def met(r: dict) -> str:
        ok = r["summary"]["all_but_first_pdfs"]["p95"] <= TARGET_P95 and not r["summary"]["kinds_over_target"]
        return "yes" if ok else "**no**"

    def rss(r: dict) -> str:
        each = " + ".join(f"{v:.0f}" for v in r["rss_end_mb"].values())
        return f"{each} = {sum(r['rss_end_mb'].values()):.0f} MB (most seen {r['rss_peak_mb']:.0f} MB)"

    first = next(iter(runs.values()))
    lines = [
        f"# Mixed traffic — {results['date']}",
        "",
        f"Machine: {results['machine']}. Server: `gunicorn -c deploy/gunicorn.conf.py` (2 gthread workers × 4 "
        f"threads, default settings: 1 heavy slot per worker, PDF cache) on `{first['db']}` read in place, "
        "started fresh for each run with an empty PDF cache and tile cache. Traffic: the reliability audit's "
        "mix (weights: " + ", ".join(f"{k} {w}" for k, w in WEIGHTS.items()) + f"), think time "
        f"{THINK[0]:g}–{THINK[1]:g} s, users started at {RAMP:g} a second, one `requests` session each, client "
        f"timeout {TIMEOUT:g} s; phase of {first['seconds']:g} s (no request starts after it; those in flight "
        "finish). Every answer checked: status, body, no `Traceback`. *Refused*: a 503 with `Retry-After` from "
        "the heavy pool (apart from the errors). Latencies: until the whole answer is read, every answer "
        "counted (refused ones too). *In a worker's thread*: the server's own time from its access log, "
        "from the moment a thread takes the request (the wait for a free thread excluded, the wait for the "
        "worker's GIL and database included). The client runs on the same 2 cores. "
        "Script: `python -m benchmarks.mixed --users N`.",
        "",
        f"Baseline: the audit's published figures ({AUDIT['source']}). Its overall percentiles include the "
        "PDFs; ours are given without the first-time PDFs, as the target says.",
        "",
        f"| measure | {' | '.join(cols)} | target |",
        f"| --- | {' | '.join('---' for _ in cols)} | --- |",
        row("run (UTC), commit", lambda r: f"{r['date'][:16].replace('T', ' ')}, `{r.get('commit', '?')}`"),
        row(
            "requests answered (errors, refused)",
            lambda r: f"{r['summary']['all']['n']} ({r['summary']['all']['errors']}, {r['summary']['all']['refused']})",
            lambda a: f"{a['requests']} ({a['errors']}, —)",
        ),
        row(
            "throughput (answers per second)",
            lambda r: f"{r['summary']['answers_per_second']:.1f}",
            lambda a: f"{a['throughput']:.2f}",
        ),  # fmt: skip
        row("p50, all", lambda r: _s(r["summary"]["all"]["p50"]), lambda a: _s(a["p50"])),
        row("p95, all", lambda r: _s(r["summary"]["all"]["p95"]), lambda a: _s(a["p95"])),
        row(
            "**p95, all but first-time PDFs**",
            lambda r: _s(r["summary"]["all_but_first_pdfs"]["p95"]),
            None,
            f"≤ {TARGET_P95:g} s",
        ),
        row(
            f"p95, all but first-time PDFs, sent after the first {WARM_AFTER:g} s",
            lambda r: _s(r["summary"]["all_but_first_pdfs_after_30s"].get("p95")),
        ),
        row(
            "p95, all but first-time PDFs, 200 answers only",
            lambda r: _s(r["summary"]["all_but_first_pdfs_200_only"].get("p95")),
        ),
        row("max", lambda r: _s(r["summary"]["all"]["max"]), lambda a: _s(a["max"])),
        row(
            f"kinds with p95 > {TARGET_P95:g} s (but first-time PDFs)",
            lambda r: "; ".join(r["summary"]["kinds_over_target"]) or "none",
            None,
            "none",
        ),
        row("target met", met),
        row("workers' RSS at the end", rss, lambda a: a["rss"]),
        row(
            "load average (1 min) before → after",
            lambda r: f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}",
            lambda a: a["load"],
        ),
        row(
            "cores busy during the phase: 2 workers / this client / whole machine",
            lambda r: (
                f"{r['workers_cpu_s'] / r['elapsed_s']:.2f} / {r['client_cpu_s'] / r['elapsed_s']:.2f} / "
                f"{r.get('machine_cores_busy', float('nan')):.2f} of {os.cpu_count()}"
            ),
        ),
        row("tracebacks (SIGSEGV) in the server log", lambda r: f"{r['tracebacks_in_log']} ({r['sigsegv_in_log']})"),
        "",
    ]
    for users, r in runs.items():
        has_audit = users in audit
        thread_time = sum(t["sum"] for t in r["in_thread_by_kind"].values()) or float("nan")
        lines += [
            f"## {users} users, per kind",
            "",
            "| kind | count | errors | refused | p50 | p95 | max | in a worker's thread: p50 / p95 | share of thread time |"
            + (" audit p50 (p95), s |" if has_audit else ""),
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if has_audit else ""),
        ]
        for kind, k in r["summary"]["by_kind"].items():
            over = kind != PDF_FIRST and k.get("p95", 0) > TARGET_P95
            p95 = f"**{_s(k.get('p95'))}**" if over else _s(k.get("p95"))
            t = r["in_thread_by_kind"].get(kind)
            cells = [str(k["n"]), str(k["errors"]), str(k["refused"]), _s(k.get("p50")), p95, _s(k.get("max"))]
            cells.append(f"{_s(t['p50'])} / {_s(t['p95'])}" if t else "—")
            cells.append(f"{t['sum'] / thread_time:.0%}" if t else "—")
            if has_audit:
                cells.append(AUDIT["kinds"].get(kind, {}).get(users, "—"))
            lines.append(f"| {kind} | {' | '.join(cells)} |")
        if r["summary"]["error_kinds"]:
            lines += ["", "Errors: " + "; ".join(f"{k} × {n}" for k, n in r["summary"]["error_kinds"].items()) + "."]
        lines += ["", *reading(r), ""]
        if r.get("source_changed_during_run"):
            lines.insert(
                -1,
                "- The package's source (observatory/*.py) changed during this run (other work in the same "
                "checkout): the two workers may have taken different code digests for the PDF cache, and then "
                "each one's rendering removes the other's cached PDFs (see the PDFs asked again).",
            )
    return "\n".join(lines)


def reading(r: dict) -> list[str]:
    """What the figures of one run say about where the time goes (computed, not written by hand)."""
    threads, summary = r["in_thread_by_kind"], r["summary"]
    total = sum(t["sum"] for t in threads.values()) or float("nan")
    busy = sorted(threads.items(), key=lambda kv: -kv[1]["sum"])
    cheap = [k for k, t in threads.items() if t["p95"] <= 0.1 and k in summary["by_kind"]]
    waited = [summary["by_kind"][k]["p95"] for k in cheap]
    others = r.get("machine_cores_busy", float("nan")) - (r["workers_cpu_s"] + r["client_cpu_s"]) / r["elapsed_s"]
    lines = [
        f"- Threads: the 8 threads were busy {total / r['elapsed_s']:.1f} on average; their time went to "
        + "; ".join(f"{k} {t['sum'] / total:.0%}" for k, t in busy[:5])
        + ".",
        f"- CPU: the workers used {r['workers_cpu_s'] / r['elapsed_s']:.2f} cores, this client "
        f"{r['client_cpu_s'] / r['elapsed_s']:.2f}, other work on the machine about {max(0.0, others):.2f}.",
        f"- Cold start: p95 without the first-time PDFs {_s(summary['all_but_first_pdfs']['p95'])} over the "
        f"phase, {_s(summary['all_but_first_pdfs_after_30s'].get('p95'))} for the requests sent after "
        f"{WARM_AFTER:g} s.",
    ]
    if cheap:
        lines.insert(
            1,
            f"- Waiting for a thread: {len(cheap)} kinds take ≤ 0.1 s in a thread at p95 ("
            + "; ".join(cheap)
            + f") but {_s(min(waited))}–{_s(max(waited))} end to end at p95.",
        )
    return lines


# --- one run ------------------------------------------------------------------------------------
def run_once(db: Path, geo: Path, users: int, seconds: float, seed: int) -> dict:
    """A fresh server, the traffic, the figures; the server stopped whatever happens."""
    catalogue = Catalogue.read(geo)
    with tempfile.TemporaryDirectory(prefix="bench-mixed-") as tmp:
        work = Path(tmp)
        log = work / "gunicorn.log"
        port = free_port()
        load_before = os.getloadavg()
        code_start = code_version()  # the PDF cache's code digest, each worker's at its first PDF
        proc = serve(db, geo, port, work, log)
        watch = RssWatch(proc.pid)
        try:
            base = f"http://127.0.0.1:{port}"
            rss_start = watch.sample()
            catalogue.learn(base)
            traffic = Traffic(base, catalogue, users, seconds, seed)
            watch.start()
            print(f"{users} users for {seconds:g} s on {base} (gunicorn pid {proc.pid})", flush=True)
            cpu_start = cpu_seconds(rss_start)
            client_start = resource.getrusage(resource.RUSAGE_SELF)
            machine_start = machine_cpu()
            elapsed = traffic.run()
            machine_end = machine_cpu()
            client_end = resource.getrusage(resource.RUSAGE_SELF)
            cpu_end = cpu_seconds(cpu_start)
            watch.done.set()
            watch.join()
            rss_end = watch.sample()
            load_after = os.getloadavg()
            code_end = code_version()
        finally:
            watch.done.set()
            stop(proc)
        text = log.read_text(errors="replace")
    samples = sorted(traffic.samples, key=lambda s: s["sent"])
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "db": str(db),
        "users": users,
        "seconds": seconds,
        "elapsed_s": elapsed,
        "seed": seed,
        "summary": summarise(samples, seconds),
        "in_thread_by_kind": in_thread(text),
        # CPU during the phase: the workers (if not replaced meanwhile), and this client beside them
        "workers_cpu_s": round(sum(cpu_end[p] - cpu_start[p] for p in cpu_end), 1),
        # every process of the machine (other work included): cores busy on average over the phase
        "machine_cores_busy": round(
            (machine_end[0] - machine_start[0]) / max(1, machine_end[1] - machine_start[1]) * (os.cpu_count() or 1), 2
        ),
        "client_cpu_s": round(
            client_end.ru_utime + client_end.ru_stime - client_start.ru_utime - client_start.ru_stime, 1
        ),
        "rss_start_mb": {str(k): round(v, 1) for k, v in rss_start.items()},
        "rss_end_mb": {str(k): round(v, 1) for k, v in rss_end.items()},
        "rss_peak_mb": round(watch.peak_total, 1),
        "worker_pids_seen": sorted(watch.pids),
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in load_after],
        # Another session editing observatory/*.py during the run: the workers may then hold different
        # code digests, and each one's first PDF of a version removes the other's cached PDFs.
        "source_changed_during_run": code_start != code_end,
        "tracebacks_in_log": text.count("Traceback"),
        "sigsegv_in_log": text.count("SIGSEGV"),
        "log_warnings": [ln for ln in text.splitlines() if "WARNING" in ln or "ERROR" in ln][:20],
        "samples": [{**s, "sent": round(s["sent"], 3), "seconds": round(s["seconds"], 4)} for s in samples],
    }


def commit() -> str:
    """The checkout's commit, with "+" when its tracked files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "-uno"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "?"
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "") if head.returncode == 0 else "?"


def main(argv: list[str] | None = None) -> int:
    """Run the phase and write the results (this number of users' entry replaced, the others kept)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mixed", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120.0, help="the phase's length")
    parser.add_argument("--db", type=Path, default=Path("/tmp/shared_demo/observatory.duckdb"))
    parser.add_argument("--geo", type=Path, default=None, help="the geometry folder (default: geo beside --db)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    geo = args.geo or args.db.parent / "geo"
    run = run_once(args.db, geo, args.users, args.seconds, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "mixed.json"
    results: dict = {"runs": {}}
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            results = json.loads(path.read_text(encoding="utf-8"))
    results.update(
        date=run["date"],
        machine=f"{platform.node()} {os.cpu_count()} cores",
        target={"p95_all_but_first_time_pdfs_s": TARGET_P95},
        weights=WEIGHTS,
        baseline=AUDIT,
    )
    results.setdefault("runs", {})[str(args.users)] = run
    write_results(args.out, "mixed", results, markdown(results))
    summary = {k: v for k, v in run["summary"].items() if k not in ("error_examples",)}
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
