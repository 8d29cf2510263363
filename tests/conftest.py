"""Shared fixtures: a small hand-made database for pure tests, the full demo database for the rest.

- ``mini_db``: a few real commune codes, their parents and aliases, no survey data; built in
  a second. The contract and load tests load datasets into copies of it.
- ``survey_db``: ``mini_db`` plus a random stratified survey (seeded) covering the four surveys,
  for the statistics cross-checks.
- ``demo_db``: the real ``python -m etl build`` output (geography + demonstration sample), built
  once per test session (about a minute), for calibration, export, app and browser tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from werkzeug.serving import make_server

from etl.build import vocabulary_rows
from etl.schema import create_schema
from observatory.core.reference import SCHEMA_VERSION

# (commune, epci, departement, region): real INSEE codes.
MINI_COMMUNES = [
    ("01001", "200069193", "01", "84"),
    ("01004", "240100883", "01", "84"),
    ("69123", "200046977", "69", "84"),
    ("69001", "200046977", "69", "84"),
    ("2A004", "242010056", "2A", "94"),
    ("2A006", "242010056", "2A", "94"),
    ("97411", "249740119", "974", "04"),
    ("97415", "249740119", "974", "04"),
    ("75056", "200054781", "75", "11"),
    ("92012", "200054781", "92", "11"),
]
MINI_ALIASES = {"75101": "75056", "75120": "75056", "69381": "69123"}
# The mini communes' cantons-ou-villes (etl/cantons.py): Paris and Lyon are in none, as in the real geography.
MINI_CANTONS = {
    "01001": "0101",
    "01004": "0101",
    "2A004": "2A01",
    "2A006": "2A02",
    "97411": "97401",
    "97415": "97401",
    "92012": "9201",
}


def _make_mini(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_schema(con)
    rows = []
    for code, epci, dep, reg in MINI_COMMUNES:
        rows.append(("commune", code, f"Commune {code}", reg, dep, epci, MINI_CANTONS.get(code), 1000, 10.0))
    for canton in sorted(set(MINI_CANTONS.values())):
        dep, reg = next((c[2], c[3]) for c in MINI_COMMUNES if MINI_CANTONS.get(c[0]) == canton)
        rows.append(("canton", canton, f"Canton {canton}", reg, dep, None, None, 2000, 20.0))
    for epci in {c[1] for c in MINI_COMMUNES}:
        dep, reg = next((c[2], c[3]) for c in MINI_COMMUNES if c[1] == epci)
        rows.append(("epci", epci, f"EPCI {epci}", reg, dep, None, None, 2000, 20.0))
    for dep in {c[2] for c in MINI_COMMUNES}:
        reg = next(c[3] for c in MINI_COMMUNES if c[2] == dep)
        rows.append(("departement", dep, f"Département {dep}", reg, None, None, None, 2000, 20.0))
    for reg in {c[3] for c in MINI_COMMUNES}:
        rows.append(("region", reg, f"Région {reg}", None, None, None, None, 4000, 40.0))
    con.executemany(
        "INSERT INTO territories (level, code, name, region_code, departement_code, epci_code, canton_code, population, "
        "area_km2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    aliases = [(c[0], c[0]) for c in MINI_COMMUNES] + list(MINI_ALIASES.items())
    con.executemany("INSERT INTO commune_aliases VALUES (?, ?)", aliases)
    con.register("v", vocabulary_rows())
    con.execute("INSERT INTO vocabulary SELECT * FROM v")
    con.execute("INSERT INTO meta VALUES ('data_version', 'empty'), ('schema_version', ?)", [SCHEMA_VERSION])
    con.close()


@pytest.fixture(scope="session")
def mini_db_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mini") / "mini.duckdb"
    _make_mini(path)
    return path


@pytest.fixture
def mini_db(mini_db_template, tmp_path) -> Path:
    """A fresh copy of the mini database for one test."""
    path = tmp_path / "observatory.duckdb"
    shutil.copy(mini_db_template, path)
    return path


def random_survey(seed: int = 7, n: int = 1500) -> dict[str, pd.DataFrame]:
    """A random dataset in the input contract over the mini communes (test input data)."""
    rng = np.random.default_rng(seed)
    communes = [c[0] for c in MINI_COMMUNES]
    surveys = rng.choice(["citoyens", "entreprises", "associations", "elus"], n, p=[0.4, 0.25, 0.2, 0.15])
    resp = pd.DataFrame(
        {
            "respondent_id": [f"R{i:05d}" for i in range(n)],
            "wave": np.where(surveys == "elus", 2016, 2015),
            "survey": surveys,
            "commune_code": rng.choice(
                communes, n, p=np.linspace(2, 0.5, len(communes)) / np.linspace(2, 0.5, len(communes)).sum()
            ),
            "weight": np.round(rng.lognormal(0, 0.6, n), 4),
            "stratum": rng.choice(["A", "B", "C"], n),
            "size_class": None,
        }
    )
    ent = surveys == "entreprises"
    asso = surveys == "associations"
    resp.loc[ent, "size_class"] = rng.choice(["pme", "eti", "ge"], ent.sum())
    resp.loc[asso, "size_class"] = rng.choice(["employeur", "non_employeur"], asso.sum())
    scored = resp[resp.survey != "elus"]
    frag = []
    for rid in scored.respondent_id:
        level = rng.normal(5, 1.5)
        for d in ("emploi", "securite", "logement", "sante", "lien_social", "jeunesse"):
            if rng.random() < 0.93:  # some respondents skip some domains
                frag.append((rid, d, int(np.clip(round(level + rng.normal(0, 2)), 0, 10))))
    fragility = pd.DataFrame(frag, columns=["respondent_id", "domain", "score"])
    p_ids = resp.respondent_id[ent | asso]
    partner = (rng.random(len(p_ids)) < 0.4).astype(int)
    part = pd.DataFrame({"respondent_id": p_ids.to_numpy(), "partner": partner})
    for k in ("mecenat", "pratiques_responsables", "cooperation_economique", "innovation_societale"):
        part[k] = ((rng.random(len(p_ids)) < 0.4) & (partner == 1)).astype(int)
    m_ids = resp.respondent_id[surveys == "elus"].to_numpy()
    q4 = rng.choice(["oui_tout_a_fait", "oui_plutot", "non_plutot_pas", "non_pas_du_tout", "ne_sait_pas"], len(m_ids))
    roles = ["faciliter_mise_en_relation", "financer_ingenierie", "porter_politiquement", "commande_publique"]
    q8 = [";".join(r for r in roles if rng.random() < 0.4) or "aucun_role" for _ in m_ids]
    mayors = pd.DataFrame({"respondent_id": m_ids, "q4": q4, "q8": q8})
    return {"respondents": resp, "fragility": fragility, "partnerships": part, "mayors": mayors}


def write_dataset(tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "csv", **csv_args) -> Path:
    """Write contract tables into a dataset folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False, **csv_args)
        elif fmt == "xlsx":
            frame.to_excel(folder / f"{name}.xlsx", index=False)
        else:
            frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.fixture(scope="session")
def survey_tables() -> dict[str, pd.DataFrame]:
    return random_survey()


@pytest.fixture(scope="session")
def survey_db(mini_db_template, survey_tables, tmp_path_factory) -> Path:
    """The mini database with the random survey loaded through the ETL."""
    from etl.load import load_dataset

    folder = write_dataset(survey_tables, tmp_path_factory.mktemp("survey") / "dataset")
    path = tmp_path_factory.mktemp("surveydb") / "observatory.duckdb"
    shutil.copy(mini_db_template, path)
    load_dataset(folder, path)
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The full demonstration database (``python -m etl build``), built once per session.

    Set OBSERVATORY_TEST_DB to reuse an existing build (e.g. data/observatory.duckdb).
    """
    existing = os.environ.get("OBSERVATORY_TEST_DB")
    if existing:
        return Path(existing)
    from etl.build import build

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "observatory.duckdb"
    build(path, folder / "geo", seed=2015, say=lambda _m: None)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(demo_db, tmp_path_factory):
    os.environ["OBSERVATORY_DB"] = str(demo_db)
    os.environ["OBSERVATORY_GEO_DIR"] = str(demo_db.parent / "geo")
    # the zones the browser tests store: the session's own folder, never the machine's default one
    os.environ["OBSERVATORY_ZONES_DIR"] = str(tmp_path_factory.mktemp("zones"))
    from observatory import create_app

    app = create_app()
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def spark():
    """A local Spark session on 2 cores for the whole test session (it takes seconds to start)."""
    from observatory.data.spark_db import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_parquet(demo_db, tmp_path_factory) -> Path:
    """The demonstration database written as Parquet (``python -m etl parquet``)."""
    from etl.parquet import write_parquet

    folder = tmp_path_factory.mktemp("parquet") / "parquet"
    write_parquet(demo_db, folder)
    return folder


# The statistics suite runs on both engines: DuckDB on the database file, and Apache Spark
# (local[2]) on its Parquet copy, through the same Ibis expressions.
ENGINES = ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)]


def stats_engine(request, db_path: Path, tmp_path_factory):
    """A StatsEngine on ``db_path`` (DuckDB) or on its Parquet copy (Spark), by ``request.param``."""
    from observatory.data.db import Database
    from observatory.stats import StatsEngine

    if request.param == "duckdb":
        return StatsEngine(Database(db_path))
    from etl.parquet import write_parquet
    from observatory.data.spark_db import SparkDatabase

    folder = tmp_path_factory.mktemp("parquet") / "parquet"
    write_parquet(db_path, folder)
    # Spark computes from its micro-data (the stored estimates are DuckDB's, read back by lookups).
    return StatsEngine(SparkDatabase(str(folder), session=request.getfixturevalue("spark")), precomputed=False)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, one for the whole session: Playwright's sync API allows one instance per
    thread, so every test that drives a browser (tests/browser, the replicas) shares this one."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# --- tiers ---------------------------------------------------------------------------------------
# What each marker means, and which tests get it without saying so (pyproject.toml lists them):
# - db: needs the demonstration database (built once per session, about a minute);
# - browser: drives Debian's Chromium; spark: a local Spark session (Java 17);
# - deploy: runs gunicorn or nginx as real processes;
# - slow: any of those, the research notebooks, and tests marked slow by hand. The developer's
#   tier is `-m "not slow"` (under 2 minutes on 2 cores); CI runs everything but `exhaustive`.
DB_FIXTURES = {"demo_db", "live_server", "demo_parquet", "other_seed"}
DEPLOY_FILES = {"test_deploy.py", "test_production.py", "test_replicas.py", "test_load_under_gunicorn.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        kinds = set()
        if "browser" in path.parts or item.get_closest_marker("browser"):
            kinds.add("browser")
        if item.get_closest_marker("spark"):
            kinds.add("spark")
        if path.name in DEPLOY_FILES:
            kinds.add("deploy")
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            kinds.add("db")
        if kinds or path.suffix == ".ipynb" or item.get_closest_marker("exhaustive"):
            kinds.add("slow")
        for kind in kinds:
            item.add_marker(kind)
