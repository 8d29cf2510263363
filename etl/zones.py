"""``python -m etl zones zones.csv --out results.csv``: the cells of many zones at once.

Load inputs (a CSV of two columns, ``zone_name, commune_code``: one line per commune of a zone, the
zones in the order of their first line; the answers arranged for zones,
:func:`observatory.stats.zones.load`, read from the database once) / process (every zone's cells:
estimate, Taylor SE, CI, n, effective n, reliability, test against the rest of France, under the
differencing guard, the zones of the file counting as published in file order) / save (one CSV, a
zone's rows after the other's: ``zone_name``, ``communes``, then :data:`~observatory.stats.zones.ZONE_COLUMNS`).

Two engines, the same figures (tested to 1e-9). ``duckdb`` (the default): each zone by the app's
path, :func:`observatory.stats.zones.zone_cells`. ``pyspark`` (OBSERVATORY_ENGINE): the zones'
moments (n, Σw, Σwy, Σw², Σw²y, Σw²y² per zone, cell and stratum) are aggregated by Spark in one
job, a join of the answers with the zones' communes; the driver turns them into the estimates with
the same Taylor terms (:mod:`observatory.stats.taylor`) and applies the guard.

The guard is the app's (:func:`observatory.stats.zone_guard.check`) with, for each zone, the zones
before it in the file that can refuse one of its cells: those sharing a commune with it, and those
large enough that France without both is under ``min_n`` (any other earlier zone differs from it by
all of its own respondents, at least ``min_n`` in a shown cell). Without that filter, 10,000 zones
would compare 50 million pairs cell by cell.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from observatory.core import reference as ref
from observatory.stats import zones as zs
from observatory.stats.zone_guard import PriorZone
from observatory.stats.zone_moments import raw_from_moments

Progress = Callable[[str], None]
SUMS = ("n", "sw", "swy", "sw2", "sw2y", "sw2y2")  # the moments of raw_cells, per cell and stratum
OUT_COLUMNS: tuple[str, ...] = ("zone_name", "communes", *zs.ZONE_COLUMNS)
BATCH = 1000  # zones per Spark job: their (cell, stratum) sums, a few million rows, collected at once


class ZonesInputError(ValueError):
    """A zones file that cannot be read: ``problems`` says what, line by line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class BulkZone:
    """One zone of the file: its name and its communes (positions in the answers' communes, sorted)."""

    name: str
    communes: np.ndarray


# --- load inputs -----------------------------------------------------------------------------------


def read_zones(data: bytes, communes: pd.Index) -> list[BulkZone]:
    """The zones of a ``zone_name, commune_code`` CSV, in the order of their first line.

    A header line is allowed; codes are INSEE commune codes (a spreadsheet's lost leading zero put
    back); unknown codes and blank names raise :class:`ZonesInputError` naming them.
    """
    text = data.decode("utf-8-sig", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    delimiter = max((",", ";", "\t"), key=lines[0].count) if lines else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    if rows and rows[0] and rows[0][0].strip().lower() == "zone_name":
        rows = rows[1:]
    members: dict[str, list[str]] = {}
    problems = []
    for number, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip():
            problems.append(f"line {number}: two columns expected, zone_name and commune_code")
            continue
        code = row[1].strip().upper()
        code = "0" + code if len(code) == 4 and code.isdigit() else code
        if code not in communes:
            problems.append(f"line {number}: unknown commune code {row[1].strip()!r}")
            continue
        members.setdefault(row[0].strip(), []).append(code)
    if problems or not members:
        raise ZonesInputError(problems[:20] or ["no zone: lines of zone_name, commune_code expected"])
    return [BulkZone(name, np.unique(communes.get_indexer(codes))) for name, codes in members.items()]


def load_moments(db: Path) -> zs.ZoneMoments:
    """The answers of every loaded survey and wave arranged for zones, read from the database once."""
    con = ibis.duckdb.connect(str(db), read_only=True)
    try:
        resp = con.table("respondents")
        datasets = con.execute(resp.select("survey", "wave").distinct())
        combos = [
            (indicator, survey, int(wave))
            for survey, wave in sorted(zip(datasets["survey"], datasets["wave"], strict=True))
            for indicator, surveys in ref.SURVEYS_OF.items()
            if survey in surveys
        ]
        return zs.load(con, combos)
    finally:
        con.disconnect()


def territory_names(db: Path) -> Callable[[str, str], str | None]:
    """A territory's name from its level and code, for the refusals' sentences."""
    con = ibis.duckdb.connect(str(db), read_only=True)
    try:
        table = con.execute(con.table("territories").select("level", "code", "name"))
    finally:
        con.disconnect()
    known = dict(zip(zip(table["level"], table["code"], strict=True), table["name"], strict=True))
    return lambda level, code: known.get((level, code))


# --- process: the moments ----------------------------------------------------------------------------


def answer_frame(zm: zs.ZoneMoments) -> pd.DataFrame:
    """One row per answer: its commune, its (cell, stratum) key and the products summed for a zone."""
    rows = np.arange(len(zm.row_cell))
    resp = zm.row_resp
    w, y = zm.resp_weight[resp], zm.row_y
    wy = w * y  # the products as raw_cells forms them, so that both engines sum the same numbers
    return pd.DataFrame(
        {
            "commune": np.searchsorted(zm.offsets, rows, side="right") - 1,
            "key": zm.row_cell.astype(np.int64) * zm.strata + zm.resp_stratum[resp],
            "sw": w,
            "swy": wy,
            "sw2": w * w,
            "sw2y": w * wy,
            "sw2y2": wy * wy,
        }
    )


class SparkMoments:
    """The answers as a Spark DataFrame (sent once, cached), and zones' moments summed by Spark."""

    def __init__(self, zm: zs.ZoneMoments, session):
        self.session = session
        self.answers = session.createDataFrame(answer_frame(zm)).cache()

    def sums(self, zones: Sequence[BulkZone]) -> dict[int, pd.DataFrame]:
        """Each zone's moments per (cell, stratum) key, by its position in ``zones``: key, n, sw, ..."""
        from pyspark.sql import functions as F

        members = pd.DataFrame(
            {
                "zone": np.repeat(np.arange(len(zones)), [len(z.communes) for z in zones]),
                "commune": np.concatenate([z.communes for z in zones]) if zones else np.zeros(0, np.int64),
            }
        )
        joined = self.session.createDataFrame(members).join(self.answers, "commune")
        sums = [F.count(F.lit(1)).alias("n")] + [F.sum(name).alias(name) for name in SUMS[1:]]
        table = joined.groupBy("zone", "key").agg(*sums).toPandas()
        return {int(z): part.drop(columns="zone") for z, part in table.groupby("zone", sort=False)}

    def close(self) -> None:
        self.answers.unpersist()


def raw_from_sums(zm: zs.ZoneMoments, sums: pd.DataFrame) -> pd.DataFrame:
    """A zone's raw cells from its moments per (cell, stratum) key (summed by Spark, or by numpy).

    The app's own second half of the computation (:func:`observatory.stats.zone_moments.raw_from_moments`).
    """
    present = sums["key"].to_numpy(np.int64)
    order = np.argsort(present, kind="stable")
    moments = {name: sums[name].to_numpy(float)[order] for name in SUMS}
    return raw_from_moments(zm, present[order], moments)


def guarded(zm: zs.ZoneMoments, raw: pd.DataFrame, zone: BulkZone, min_n: int, prior, names) -> pd.DataFrame:
    """A zone's cells from its raw cells: finalised, then refused where the guard says (the app's rule)."""
    return zs.guard_cells(zm, zone.communes, zm.rows_of(zone.communes), raw, min_n, min_n, prior, names)


# --- process: the guard's earlier zones ----------------------------------------------------------------


class Published:
    """The zones of the file before the current one, indexed so that only those that matter are checked."""

    def __init__(self, zm: zs.ZoneMoments, min_n: int):
        self.zm, self.min_n = zm, min_n
        self.zones: list[PriorZone] = []
        self.counts: list[np.ndarray] = []
        self.of_commune: dict[int, list[int]] = {}
        self.n_france = zm.family_n[ref.FRANCE_LEVEL][:, 0]

    def relevant(self, communes: np.ndarray) -> list[PriorZone]:
        """The earlier zones that can refuse a cell of a zone of these communes."""
        if not self.zones:
            return []
        near = {j for c in communes.tolist() for j in self.of_commune.get(c, ())}
        n_zone = self.zm.counts(self.zm.rows_of(communes))
        big = (np.stack(self.counts, axis=1) + n_zone[:, None] > (self.n_france - self.min_n)[:, None]).any(axis=0)
        return [self.zones[j] for j in sorted(near | set(np.flatnonzero(big).tolist()))]

    def add(self, key: str, communes: np.ndarray) -> None:
        j = len(self.zones)
        self.zones.append(PriorZone(key, communes))
        self.counts.append(self.zm.zone_counts(key, communes))
        for c in communes.tolist():
            self.of_commune.setdefault(c, []).append(j)


# --- the run -----------------------------------------------------------------------------------------


def bulk_cells(
    zm: zs.ZoneMoments,
    zones: Sequence[BulkZone],
    min_n: int,
    engine: str = "duckdb",
    session=None,
    names=None,
) -> pd.DataFrame:
    """Every zone's cells, guarded in file order (columns :data:`OUT_COLUMNS`).

    On Spark, the moments of :data:`BATCH` zones at a time (one job each: the result of a job is
    the zones' (cell, stratum) sums, collected by the driver).
    """
    spark = SparkMoments(zm, session) if engine == "pyspark" else None
    published = Published(zm, min_n)
    empty = pd.DataFrame({"key": np.zeros(0, np.int64), **{s: np.zeros(0) for s in SUMS}})
    frames = []
    for first in range(0, len(zones), BATCH):
        batch = zones[first : first + BATCH]
        sums = spark.sums(batch) if spark is not None else None
        for k, zone in enumerate(batch):
            prior = published.relevant(zone.communes)
            if sums is None:
                cells = zs.zone_cells(zm, zone.communes, min_n, min_n, prior, names)
            else:
                cells = guarded(zm, raw_from_sums(zm, sums.get(k, empty)), zone, min_n, prior, names)
            frames.append(cells.assign(zone_name=zone.name, communes=len(zone.communes)))
            published.add(f"file-{first + k}", zone.communes)
    if spark is not None:
        spark.close()
    if not frames:
        return pd.DataFrame(columns=list(OUT_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(OUT_COLUMNS)]


def run(zones_csv: Path, db: Path, out: Path, min_n: int, engine: str, master: str, say: Progress) -> int:
    """Read, compute, write; returns the number of zones."""
    start = time.perf_counter()
    zm = load_moments(db)
    zones = read_zones(zones_csv.read_bytes(), zm.communes)
    say(f"{len(zones)} zones, {len(zm.cells)} cells each; answers read in {time.perf_counter() - start:.1f} s")
    session = None
    if engine == "pyspark":
        from observatory.data.spark_db import spark_session

        session = spark_session(master)
    table = bulk_cells(zm, zones, min_n, engine, session, territory_names(db))
    table.to_csv(out, index=False, float_format="%.10g")
    say(f"{len(table)} rows ({engine}) in {time.perf_counter() - start:.1f} s → {out}")
    return len(zones)


__all__ = ["OUT_COLUMNS", "BulkZone", "ZonesInputError", "bulk_cells", "load_moments", "read_zones", "run"]
