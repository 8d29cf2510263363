"""Helpers for running several app replicas: gunicorn processes, a round-robin reverse proxy, and
the comparison of two replicas' answers to the same requests.

The proxy is deliberately naive: no session affinity, each request goes to the next replica in
turn. What it records (method, path, body, the headers that change the answer) is replayed
directly against each replica to check that they answer alike.
"""

from __future__ import annotations

import base64
import http.client
import io
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[1]
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade",
}  # fmt: skip
# The request headers that may change an answer; the replay sends these and no others. Host: the
# API's next links are absolute, on the request's host when OBSERVATORY_PUBLIC_URL is unset, and
# every replica gets the proxy's (nginx: proxy_set_header Host $host).
REPLAYED_HEADERS = ("Accept", "Content-Type", "If-None-Match", "Host")
CHUNK = 64 * 1024


@dataclass
class Replica:
    """A gunicorn process serving the app on a loopback port."""

    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    control_socket: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_replica(
    name: str, db: Path, geo_dir: Path, workdir: Path, config: Path | None = None, env: dict | None = None
) -> Replica:
    """Start gunicorn on the app on a free port (not waiting for it: see :func:`wait_ready`).

    Without ``config``: one worker, four threads, and its own control socket (gunicorn ≥ 25 creates
    one, by default at the same path for every instance of a user, so that two instances would
    take it from each other). With ``config`` (deploy/gunicorn.conf.py): that file's settings, the
    port through OBSERVATORY_PORT, the control socket in its own RUNTIME_DIRECTORY.
    """
    port = _free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    ctl = workdir / f"{name}.ctl"
    env = {**os.environ, "OBSERVATORY_DB": str(db), "OBSERVATORY_GEO_DIR": str(geo_dir), **(env or {})}
    if config is None:
        cmd = [
            sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
            "--timeout", "120", "--control-socket", str(ctl), "app:server",
        ]  # fmt: skip
    else:
        runtime = workdir / f"{name}-run"
        runtime.mkdir(exist_ok=True)
        ctl = runtime / f"gunicorn-{port}.ctl"
        env |= {"OBSERVATORY_HOST": "127.0.0.1", "OBSERVATORY_PORT": str(port), "RUNTIME_DIRECTORY": str(runtime)}
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(config)]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Replica(name, port, proc, log, ctl)


def wait_ready(replica: Replica, timeout: float = 90) -> None:
    """Wait until the replica answers, or fail with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.proc.poll() is not None:
            break
        try:
            requests.get(replica.url + "/api/v1/meta", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"replica {replica.name} did not start:\n{replica.log.read_text()[-3000:]}")


def stop_replica(replica: Replica) -> str:
    """Stop the replica; returns its log."""
    replica.proc.terminate()
    try:
        replica.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        replica.proc.kill()
        replica.proc.wait()
    return replica.log.read_text()


@dataclass
class Recorded:
    """One request as the proxy received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RoundRobinProxy:
    """A threaded HTTP/1.1 reverse proxy sending each request to the next upstream in turn."""

    upstreams: list[str]  # host:port
    served: dict[str, int] = field(default_factory=dict)
    recorded: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = itertools.cycle(self.upstreams)
        self._lock = threading.Lock()
        self.served = dict.fromkeys(self.upstreams, 0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    upstream = next(proxy._next)
                    proxy.served[upstream] += 1
                    kept = {h: self.headers[h] for h in REPLAYED_HEADERS if h in self.headers}
                    proxy.recorded.append(Recorded(self.command, self.path, kept, body))
                host, port = upstream.split(":")
                conn = http.client.HTTPConnection(host, int(port), timeout=120)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    headers["X-Forwarded-For"] = self.client_address[0]
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    self._relay(conn.getresponse(), upstream)
                except (BrokenPipeError, ConnectionResetError):  # the browser gave up (a page left)
                    self.close_connection = True
                finally:
                    conn.close()

            def _relay(self, resp: http.client.HTTPResponse, upstream: str) -> None:
                """Send the upstream's answer on, streaming the body as it comes."""
                self.send_response(resp.status, resp.reason)
                has_body = self.command != "HEAD" and resp.status not in (204, 304)
                chunked = has_body and resp.getheader("Content-Length") is None
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("X-Upstream", upstream)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                while chunk := resp.read(CHUNK):
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RoundRobinProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- comparing the answers of two replicas ------------------------------------------------------

# What legitimately differs between two answers to the same request, and nothing else: the moment
# a file was written, recorded inside it (data packages, XLSX properties), and the token Dash gives
# each page load (random, signed with a per-process secret; used only by background callbacks,
# which the app has none of).
LEGITIMATELY_DIFFERENT = re.compile(
    rb'(generated at: |"created": "|"generated_at": "|extrait le |<dcterms:(?:created|modified)[^>]*>)[0-9T:+.Z-]+'
    rb'|("end_id":")[^"]*'
)
COMPARED_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Disposition",
                    "Content-Security-Policy")  # fmt: skip


def replay(base: str, rec: Recorded) -> requests.Response:
    """Send a recorded request to one replica (identity encoding: the bodies are compared)."""
    headers = {**rec.headers, "Accept-Encoding": "identity"}
    return requests.request(rec.method, base + rec.path, data=rec.body or None, headers=headers, timeout=120)


def same_json(a, b, where: str = "") -> str | None:
    """None when two JSON values are equal (downloads inside compared by content), else where not."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a.keys() ^ b.keys())[:5]}"
        if a.get("base64") is True and "content" in a and a.get("filename") == b.get("filename"):
            return same_bytes(base64.b64decode(a["content"]), base64.b64decode(b["content"]), where + "/download")
        for k in a:
            if diff := same_json(a[k], b[k], f"{where}/{k}"):
                return diff
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if diff := same_json(x, y, f"{where}[{i}]"):
                return diff
        return None
    # exact, floats included: the sums are deterministic (see observatory.data.db)
    return None if (a, type(a)) == (b, type(b)) else f"{where}: {str(a)[:80]!r} != {str(b)[:80]!r}"


def same_bytes(a: bytes, b: bytes, where: str = "") -> str | None:
    """None when two bodies are the same, byte for byte once what legitimately differs is masked;
    archives (ZIP, XLSX) member by member; else where they differ."""
    if a == b:
        return None
    if a[:4] == b[:4] == b"PK\x03\x04":  # ZIP, XLSX: the members' content, not their dates
        za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
        if za.namelist() != zb.namelist():
            return f"{where}: members {za.namelist()} != {zb.namelist()}"
        for name in za.namelist():
            if diff := same_bytes(za.read(name), zb.read(name), f"{where}!{name}"):
                return diff
        return None
    a, b = LEGITIMATELY_DIFFERENT.sub(rb"\1\2<masked>", a), LEGITIMATELY_DIFFERENT.sub(rb"\1\2<masked>", b)
    if a == b:
        return None
    try:  # a callback's answer may carry a download (base64 ZIP): compared by content
        return same_json(json.loads(a), json.loads(b), where) or None
    except ValueError:
        return f"{where}: bodies differ ({len(a)} and {len(b)} bytes)"


def compare_answers(rec: Recorded, a: requests.Response, b: requests.Response) -> str | None:
    """None when two replicas answered a request alike, else what differs."""
    where = f"{rec.method} {rec.path[:120]}"
    if a.status_code != b.status_code:
        return f"{where}: status {a.status_code} != {b.status_code}"
    for h in COMPARED_HEADERS:
        if a.headers.get(h) != b.headers.get(h):
            return f"{where}: header {h}: {a.headers.get(h)!r} != {b.headers.get(h)!r}"
    return same_bytes(a.content, b.content, where)
