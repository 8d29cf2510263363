"""Several replicas behind a reverse proxy, with no session affinity and nothing shared but the data.

Two gunicorn instances (A, B) serve the same demo database; a round-robin proxy sends each request
of a whole journey in Chromium to the next one. The pages work (the map is drawn, controls,
downloads, the API), both replicas served, and replaying every request of the journey directly
against A and against B gives the same answers. A third replica (C) over a modified copy of the
database must be caught answering differently: the comparison can fail.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.estimates import write_estimates
from tests.browser.conftest import wait_for_map
from tests.browser.folds import open_sections
from tests.browser.test_fragility_page import MAP_LOCATIONS, choose
from tests.replicas import (
    RoundRobinProxy,
    compare_answers,
    replay,
    start_replica,
    stop_replica,
    wait_ready,
)

pytestmark = pytest.mark.browser


def _modified_copy(db: Path, folder: Path) -> Path:
    """A copy of the database where the citizens of one département answered otherwise.

    Its meta table (data version, load time) is left as it was: only the answers (and the estimates
    computed from them, rewritten as a load would) can tell it apart.
    """
    folder.mkdir()
    copy = folder / db.name
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "UPDATE fragility SET score = 10 - score WHERE respondent_id IN "
            "(SELECT respondent_id FROM respondents WHERE departement_code = '42')"
        )
        write_estimates(con)
    return copy


@pytest.fixture(scope="module")
def replicas(demo_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("replicas")
    geo = demo_db.parent / "geo"
    other = _modified_copy(demo_db, work / "other")
    started = [
        start_replica("a", demo_db, geo, work),
        start_replica("b", demo_db, geo, work),
        start_replica("c", other, geo, work),
    ]
    try:
        for r in started:
            wait_ready(r)
        yield dict(zip("abc", started, strict=True))
    finally:
        for r in started:
            r.proc.terminate()  # all at once, then wait for each
        logs = {r.name: stop_replica(r) for r in started}
    for name, log in logs.items():
        assert "Traceback" not in log, f"replica {name}:\n{log[-3000:]}"


@pytest.fixture(scope="module")
def journey(replicas, browser):
    """A person's whole visit through the proxy, in Chromium; returns the proxy and what it saw."""
    a, b = replicas["a"], replicas["b"]
    seen: dict = {}
    with RoundRobinProxy([f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"]) as proxy:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        base = proxy.url

        def download(selector: str) -> bytes:
            with page.expect_download(timeout=60_000) as info:
                page.click(selector)
            return Path(info.value.path()).read_bytes()

        # fragility map: drawn, then the survey, the level and the domain change
        page.goto(base + "/fragilites?survey=citoyens&level=region&domain=emploi")
        wait_for_map(page)
        seen["regions"] = len(page.evaluate(MAP_LOCATIONS))
        choose(page, "survey", "Entreprises")
        page.wait_for_function("() => location.search.includes('survey=entreprises')", timeout=30_000)
        choose(page, "level", "Département")
        page.wait_for_function("() => location.search.includes('level=departement')", timeout=30_000)
        wait_for_map(page)
        choose(page, "domain", "· Logement")
        page.wait_for_function("() => location.search.includes('domain=logement')", timeout=30_000)
        page.wait_for_function("() => document.querySelector('#view-title').innerText.includes('Logement')")
        wait_for_map(page)
        seen["departements"] = len(page.evaluate(MAP_LOCATIONS))
        seen["csv"] = download("#download-csv")
        seen["zip"] = download("#download-zip")
        seen["api_link"] = page.get_attribute("#api-link", "href")
        # the other map pages
        for path in ("/partenariats?level=region", "/co-construction?level=region", "/innovation?level=region"):
            page.goto(base + path)
            wait_for_map(page)
        # a territory's profile and its spreadsheet
        page.goto(base + "/territoire/reg-84")  # (a région: the cheapest profile to compute)
        page.wait_for_selector("#profile-xlsx", timeout=90_000)
        open_sections(page)  # the detail sections are folded (audit E12)
        page.wait_for_selector(".profile-block img.dotplot", timeout=60_000)
        seen["profile_xlsx"] = download("#profile-xlsx")
        # a comparison and its ZIP
        page.goto(base + "/comparer?territories=42,13,reg-84&view=fragilite-citoyens")
        page.wait_for_selector("#compare-chart .js-plotly-plot", timeout=60_000)
        seen["compare_zip"] = download("#compare-zip")
        # the API, as a program would call it (through the page's context: same proxy)
        for suffix in ("", "&format=csv", "&format=xlsx", "&format=zip"):
            r = page.request.get(base + seen["api_link"] + suffix)
            assert r.ok, (suffix, r.status)
        r = page.request.get(base + seen["api_link"], headers={"Accept": "text/csv"})
        seen["api_csv_by_accept"] = r.body()
        seen["api_vary"] = r.headers.get("vary", "")
        page.request.get(base + "/api/v1/meta")
        page.request.get(base + "/api/v1/territories?q=saint%20etienne")
        seen["errors"] = errors
        context.close()
    return proxy, seen


def test_journey_through_the_proxy_works_and_both_replicas_serve(journey, replicas):
    proxy, seen = journey
    assert seen["regions"] == 18 and seen["departements"] == 101
    assert not seen["errors"]
    table = pd.read_csv(io.BytesIO(seen["csv"]))
    assert len(table) == 101 and set(table["survey"]) == {"entreprises"}
    with zipfile.ZipFile(io.BytesIO(seen["zip"])) as z:
        assert {"data.csv", "datapackage.json"} <= set(z.namelist())
    assert seen["profile_xlsx"][:2] == b"PK" and seen["compare_zip"][:2] == b"PK"
    assert seen["api_csv_by_accept"].startswith(b"indicator,")
    assert "accept" in seen["api_vary"].lower()
    counts = list(proxy.served.values())
    assert len(proxy.recorded) > 40 and min(counts) >= len(proxy.recorded) // 2 - 1, proxy.served
    # each replica has its own gunicorn control socket (by default they would share one path)
    assert all(r.control_socket.exists() for r in replicas.values())


def _replay(journey, x, y, keep=lambda rec: True) -> list[str]:
    """Replay the journey's requests (each once) on two replicas at once; the differences found."""
    proxy, _ = journey
    once = {(r.method, r.path, r.body, tuple(sorted(r.headers.items()))): r for r in proxy.recorded}
    recorded = [r for r in once.values() if keep(r)]
    with ThreadPoolExecutor(4) as pool:  # both replicas work at the same time
        answers = list(pool.map(lambda job: replay(*job), [(base, r) for r in recorded for base in (x.url, y.url)]))
    pairs = zip(recorded, answers[0::2], answers[1::2], strict=True)
    return [d for r, ax, ay in pairs if (d := compare_answers(r, ax, ay))]


def test_replaying_the_journey_on_each_replica_gives_the_same_answers(journey, replicas):
    differences = _replay(journey, replicas["a"], replicas["b"])
    assert not differences, "\n".join(differences[:20])


def _data_bearing(rec) -> bool:
    return rec.path.startswith("/api/v1/fragility") or b'"output":"..map-data.data' in rec.body


def test_a_replica_over_other_data_is_caught(journey, replicas):
    """The negative control: the same comparison, against the replica over a modified copy."""
    differences = _replay(journey, replicas["a"], replicas["c"], keep=_data_bearing)
    assert differences, "a replica over different data answered exactly like the others"
    assert any("/api/v1/fragility" in d for d in differences), differences
    assert any("_dash-update-component" in d for d in differences), differences
