"""Heavy answers (issue 23, audit D4 and D12): PDF portraits are cached on disk per data version,
rendered once however many ask at once, and at most ``heavy_slots`` heavy renderings run per
process (past them: 503 with Retry-After, cached PDFs and cheap requests still answered); WeasyPrint
fetches only ``data:`` URIs, and the permalink is on OBSERVATORY_PUBLIC_URL, not on the Host header.

Renderings are counted by replacing ``observatory.exports.pdf.render``; nothing here asserts a duration.
"""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import time
from pathlib import Path

import pytest

from observatory.core.config import get_settings
from observatory.exports import pdf
from observatory.web import heavy

PUBLIC = "https://observatoire.example.org"


def _app(demo_db: Path, cache: Path, public_url: str | None):
    from observatory import create_app

    settings = dataclasses.replace(
        get_settings(),
        db_path=demo_db,
        geo_dir=demo_db.parent / "geo",
        cache_dir=cache,
        public_url=public_url,
        heavy_slots=1,
    )
    return create_app(settings).server


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    return _app(demo_db, tmp_path_factory.mktemp("cache"), None)


@pytest.fixture
def work(server, tmp_path) -> heavy.HeavyWork:
    """A fresh pool and an empty cache folder for each test (what each worker process has)."""
    fresh = heavy.HeavyWork(1, tmp_path / "cache")
    server.extensions[heavy.EXTENSION] = fresh
    return fresh


@pytest.fixture
def renders(monkeypatch) -> list[tuple]:
    """Replace the rendering by a fast one that records its calls (and says what it was given)."""
    calls: list[tuple] = []

    def fake(obs, t, lang, base_url):
        calls.append((t.code, lang, base_url))
        time.sleep(0.2)  # long enough for concurrent requests to meet
        return f"%PDF-fake {t.code} {lang} {base_url} {obs.db.version}".encode()

    monkeypatch.setattr(pdf, "render", fake)
    return calls


def _cached_files(work: heavy.HeavyWork) -> list[Path]:
    return sorted((work.folder / "pdf").rglob("*.pdf")) if work.folder and (work.folder / "pdf").exists() else []


def test_second_request_is_a_file_read(server, work, renders):
    client = server.test_client()
    first = client.get("/territoire/42.pdf")
    second = client.get("/territoire/42.pdf")
    assert first.status_code == second.status_code == 200 and second.mimetype == "application/pdf"
    assert second.data == first.data and len(renders) == 1
    assert [p.read_bytes() for p in _cached_files(work)] == [first.data]
    # the language and the address of the permalink are part of the key
    assert client.get("/territoire/42.pdf?lang=en").status_code == 200
    other_host = client.get("/territoire/42.pdf", headers={"Host": "elsewhere.example"})
    assert b"elsewhere.example" in other_host.data and len(renders) == 3


def test_concurrent_requests_for_one_pdf_render_it_once(server, tmp_path, renders):
    # Enough places for all of them to wait (the default pool would refuse some with 503).
    server.extensions[heavy.EXTENSION] = heavy.HeavyWork(8, tmp_path / "cache", wait=60)
    answers: list = []

    def ask():
        answers.append(server.test_client().get("/territoire/reg-84.pdf"))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.data for a in answers}) == 1 and len(renders) == 1


def test_worker_processes_wait_for_each_others_rendering(tmp_path):
    # Two pools on one folder: two worker processes (flock locks are per open file, so two pools
    # of one process contend as two processes would).
    first, second = heavy.HeavyWork(1, tmp_path, wait=60), heavy.HeavyWork(1, tmp_path, wait=60)
    rendering, go, made = threading.Event(), threading.Event(), []

    def make(tag: str) -> bytes:
        made.append(tag)
        rendering.set()
        go.wait(30)
        return tag.encode()

    def current() -> bool:
        return True

    got: list[bytes] = []

    def ask(work: heavy.HeavyWork, tag: str) -> None:
        got.append(work.cached("pdf", "v1", ("42", "fr"), lambda: make(tag), current))

    one, two = threading.Thread(target=ask, args=(first, "a")), threading.Thread(target=ask, args=(second, "b"))
    one.start()
    rendering.wait(30)
    two.start()
    time.sleep(0.3)  # (lets the second reach the lock file; not a measurement)
    go.set()
    one.join()
    two.join()
    assert made == ["a"] and got == [b"a", b"a"]


def test_new_data_version_gets_a_new_pdf_and_old_ones_are_removed(server, work, renders, monkeypatch):
    obs = server.config["OBSERVATORY"]
    state = {"version": "v1"}
    monkeypatch.setattr(type(obs.db), "version", property(lambda _self: state["version"]))
    client = server.test_client()
    assert client.get("/territoire/42.pdf").data.endswith(b" v1")
    assert client.get("/territoire/42.pdf").data.endswith(b" v1") and len(renders) == 1
    state["version"] = "v2"
    assert client.get("/territoire/42.pdf").data.endswith(b" v2") and len(renders) == 2
    assert [p.read_bytes()[-3:] for p in _cached_files(work)] == [b" v2"]  # v1's folder is gone
    assert len(list((work.folder / "pdf").iterdir())) == 1

    # Data swapped while rendering: the answer is not kept under the version it started from.
    def swapped_during(obs, t, lang, base_url):
        renders.append("swap")
        state["version"] = "v3"
        return b"%PDF-fake made from v3"

    monkeypatch.setattr(pdf, "render", swapped_during)
    state["version"] = "v2b"
    client.get("/territoire/42.pdf?lang=en")
    state["version"] = "v2b"
    client.get("/territoire/42.pdf?lang=en")
    assert renders.count("swap") == 2


def test_past_the_slots_heavy_requests_get_503_and_cheap_ones_do_not_wait(server, work, renders):
    client = server.test_client()
    assert client.get("/territoire/42.pdf").status_code == 200  # cached before the slot is taken
    held, release = threading.Event(), threading.Event()

    def hold():
        with work.slot():
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    try:
        busy = client.get("/territoire/reg-84.pdf")
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
        text = busy.get_data(as_text=True)
        assert "Serveur occupé" in text and "Server busy" in text
        assert busy.headers["Cache-Control"] == "no-store"
        for path in (
            "/api/v1/fragility?level=departement&domain=emploi&format=xlsx",
            "/api/v1/fragility?level=commune&domain=emploi",
        ):
            api = client.get(path)
            assert api.status_code == 503 and api.is_json and "retry_after" in api.json, path
            assert int(api.headers["Retry-After"]) > 0 and "ETag" not in api.headers
        assert client.get("/territoire/42.pdf").status_code == 200  # a cached PDF needs no slot
        assert client.get("/api/v1/meta").status_code == 200
        assert client.get("/api/v1/fragility?level=departement&domain=emploi").status_code == 200
        assert len(renders) == 1
    finally:
        release.set()
        holder.join()
    assert client.get("/territoire/reg-84.pdf").status_code == 200 and len(renders) == 2


def test_no_more_requests_wait_than_there_are_slots(tmp_path):
    work = heavy.HeavyWork(1, None, wait=60)
    held, release, waited = threading.Event(), threading.Event(), []

    def hold():
        with work.slot():
            held.set()
            release.wait(60)

    def wait_for_it():
        with work.slot():
            waited.append(True)

    holder, waiter = threading.Thread(target=hold), threading.Thread(target=wait_for_it)
    holder.start()
    held.wait(30)
    waiter.start()
    time.sleep(0.2)  # (lets the waiter take its place; not a measurement)
    with pytest.raises(heavy.Busy):
        with work.slot():
            pass
    assert waiter.is_alive()  # the refused one did not wait out the waiter's 60 s
    release.set()
    holder.join()
    waiter.join()
    assert waited == [True]


def test_the_fetcher_opens_data_uris_only(tmp_path):
    for url in ("file:///etc/hostname", "http://127.0.0.1:9/x.css", "https://example.org/x.png", "ftp://x/y"):
        with pytest.raises(ValueError):
            pdf.data_only_fetcher().fetch(url)
    assert pdf.data_only_fetcher().fetch("data:text/plain,ok") is not None


def test_a_file_url_in_the_document_is_not_read(server, monkeypatch, tmp_path):
    leak = tmp_path / "leak.css"
    leak.write_text('body::after { content: "LEAKED-FILE-CONTENT"; }')
    document = f'<html><head><link rel="stylesheet" href="{leak.as_uri()}"></head><body><p>portrait</p></body></html>'
    monkeypatch.setattr(pdf, "document", lambda *_args: document)
    obs = server.config["OBSERVATORY"]
    from observatory.views import profile as pv

    out = tmp_path / "out.pdf"
    out.write_bytes(pdf.render(obs, pv.resolve(obs, "42"), "fr", PUBLIC))
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "portrait" in text and "LEAKED-FILE-CONTENT" not in text
    from weasyprint import HTML  # the default fetcher would have read it: the check above means something

    out.write_bytes(HTML(string=document).write_pdf())
    assert "LEAKED-FILE-CONTENT" in subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout


def test_permalink_is_on_the_public_url_not_the_host_header(demo_db, tmp_path):
    server = _app(demo_db, tmp_path / "cache", PUBLIC)
    resp = server.test_client().get("/territoire/42.pdf", headers={"Host": "forged.example"})
    assert resp.status_code == 200
    out = tmp_path / "portrait.pdf"
    out.write_bytes(resp.data)
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert f"{PUBLIC}/territoire/42" in text.replace("\n", "")
    assert "forged.example" not in text and b"forged.example" not in resp.data


def test_what_workers_must_share_is_made_before_the_fork(server, tmp_path):
    """The PDF cache's code digest, computed once when the app is created, is the one a forked
    worker uses even if a source file changes afterwards; PIL.Image is imported whole before any
    thread can meet it half-imported (a callback answered 400 under load when WeasyPrint imported
    it at a worker's first PDF)."""
    import os
    import sys

    assert "PIL.Image" in sys.modules
    before = heavy.code_version()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: a deploy changes a file under it, then its first PDF asks the digest
        try:
            import pathlib

            pathlib.Path.read_bytes = lambda self: b"a file changed by a deploy"
            os.write(write, heavy.code_version().encode())
        finally:
            os._exit(0)
    os.close(write)
    seen = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert seen == before
    assert heavy.code_version.cache_info().currsize == 1
