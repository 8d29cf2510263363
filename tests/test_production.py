"""Production serving: ``gunicorn app:server`` with several workers on the demo database gives the
same answers from every worker, sends the security headers, refuses oversized or malicious
requests without a stack trace, and holds a short load test (locust) with zero errors."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[1]
TRAVERSALS = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd", "commune.geojson/../../app.py"]


@pytest.fixture(scope="module")
def gunicorn(demo_db):
    port = _free_port()
    env = {**os.environ, "OBSERVATORY_DB": str(demo_db), "OBSERVATORY_GEO_DIR": str(demo_db.parent / "geo")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(base + "/api/v1/meta", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base
    proc.terminate()
    log = proc.communicate(timeout=30)[1]
    assert "Traceback" not in log, log[-3000:]


def test_workers_agree_and_send_security_headers(gunicorn):
    bodies = set()
    for _ in range(12):  # with two workers, both answer some of these
        r = requests.get(gunicorn + "/api/v1/fragility?level=region&domain=sante&format=csv", timeout=60)
        assert r.status_code == 200
        bodies.add(r.content)
    assert len(bodies) == 1
    versions = {requests.get(gunicorn + "/api/v1/meta", timeout=10).json()["data_version"] for _ in range(6)}
    assert len(versions) == 1
    page = requests.get(gunicorn + "/fragilites", timeout=30)
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_reaches_nothing(gunicorn, path):
    r = requests.get(f"{gunicorn}/geo/{path}", timeout=10)
    # either refused, or (a path the client normalised to /etc/passwd) the app's page, which then
    # shows its friendly "not found": never a file from the disk
    assert r.status_code in (400, 404) or (r.status_code == 200 and "DashRenderer" in r.text)
    assert "root:" not in r.text and "create_app" not in r.text and "Traceback" not in r.text


def test_oversized_request_is_refused(gunicorn):
    r = requests.post(gunicorn + "/_dash-update-component", data=b"x" * 2_000_000, timeout=30,
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413
    assert "Traceback" not in r.text


def test_short_load_test_has_no_errors(gunicorn, tmp_path):
    """Smoke form of the load test (the full one: 50 users for 2 minutes, see the README)."""
    prefix = tmp_path / "load"
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", "benchmarks/locustfile.py", "--headless", "-u", "8", "-r", "4",
         "-t", "10s", "--host", gunicorn, "--csv", str(prefix), "--only-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    assert int(total["Request Count"]) > 20, done.stderr[-2000:]
    assert int(total["Failure Count"]) == 0, open(f"{prefix}_failures.csv", encoding="utf-8").read()
    names = {r["Name"] for r in rows}
    assert {"page", "map control change", "/api/v1/fragility (json)"} <= names


@pytest.mark.parametrize(
    "payload",
    [{"output": "..map.figure...legend.children..", "outputs": [], "inputs": []}, {"output": "nothing.here"}, {}],
)
def test_malformed_callback_requests_get_400_not_500(gunicorn, payload):
    r = requests.post(gunicorn + "/_dash-update-component", json=payload, timeout=30)
    assert r.status_code == 400, r.status_code
    assert "Traceback" not in r.text
