"""``python -m etl zones``: many zones at once, the app's figures and guard, on both engines.

On the demonstration database: each zone's rows equal the app's :func:`observatory.stats.zones.zone_cells`
with every earlier zone of the file as published (the bulk run checks only those that can refuse a
cell: the same verdicts); a zone one village away from an earlier one is refused; Spark's moments
give the same table to 1e-9.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.__main__ import main
from etl.zones import BulkZone, ZonesInputError, bulk_cells, load_moments, read_zones, territory_names
from observatory.core.config import get_settings
from observatory.stats import zones as zs
from observatory.stats.zone_guard import PriorZone

pytestmark = pytest.mark.db
NUMBERS = ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value", "estimate_rest")


@pytest.fixture(scope="module")
def zm(demo_db) -> zs.ZoneMoments:
    return load_moments(demo_db)


@pytest.fixture(scope="module")
def communes_of(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute("SELECT departement_code, code FROM territories WHERE level = 'commune' ORDER BY code")
        table = pd.DataFrame(rows.fetchall(), columns=["dep", "code"])
    return {dep: list(part["code"]) for dep, part in table.groupby("dep")}


def village(demo_db, dep: str, after: str) -> str:
    """The commune of ``dep`` (code ≥ ``after``) with the fewest citizens answering the employment question."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        return con.execute(
            "SELECT r.commune_code FROM respondents r JOIN fragility f USING (respondent_id, survey, wave) "
            "WHERE r.survey = 'citoyens' AND r.wave = 2019 AND f.domain = 'emploi' AND r.departement_code = ? "
            "AND r.commune_code >= ? GROUP BY 1 ORDER BY count(*), 1 LIMIT 1",
            [dep, after],
        ).fetchone()[0]


@pytest.fixture(scope="module")
def zones_csv(demo_db, communes_of) -> str:
    """Zones as an analyst sends them: random ones, a département's half, that half and a village."""
    rng = np.random.default_rng(28)
    lines = ["zone_name,commune_code"]
    for i, dep in enumerate(rng.choice(sorted(communes_of), 12, replace=False)):
        codes = communes_of[dep]
        lines += [f"z{i},{c}" for c in rng.choice(codes, min(len(codes), int(rng.integers(5, 150))), replace=False)]
    half = [c for c in communes_of["42"] if c < "42150"]
    extra = village(demo_db, "42", "42150")
    lines += [f"Loire ouest,{c}" for c in half]
    lines += [f"Loire ouest et un village,{c}" for c in [*half, extra]]
    lines += ["Ain,1001", "Ain,01004"]  # a spreadsheet's lost zero
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def zones(zm, zones_csv) -> list[BulkZone]:
    return read_zones(zones_csv.encode(), zm.communes)


@pytest.fixture(scope="module")
def table(zm, zones, demo_db) -> pd.DataFrame:
    return bulk_cells(zm, zones, get_settings().min_n, names=territory_names(demo_db))


def test_each_zone_is_the_apps_zone_with_every_earlier_zone_published(zm, zones, table, demo_db):
    min_n, names = get_settings().min_n, territory_names(demo_db)
    assert list(dict.fromkeys(table["zone_name"])) == [z.name for z in zones]
    assert zones[-1].name == "Ain" and len(zones[-1].communes) == 2
    for i in (0, 5, len(zones) - 2, len(zones) - 1):
        prior = [PriorZone(f"file-{j}", zones[j].communes) for j in range(i)]
        app = zs.zone_cells(zm, zones[i].communes, min_n, min_n, prior, names)
        got = table[table["zone_name"] == zones[i].name].reset_index(drop=True)[list(zs.ZONE_COLUMNS)]
        pd.testing.assert_frame_equal(got, app, check_dtype=False)


def test_a_zone_a_village_away_from_an_earlier_one_is_refused(table, zones):
    half = [i for i, z in enumerate(zones) if z.name == "Loire ouest"][0]
    rows = table[(table["zone_name"] == "Loire ouest et un village") & (table["measure"] == "emploi")]
    row = rows[(rows["survey"] == "citoyens") & (rows["wave"] == 2019) & (rows["statistic"] == "mean_score")].iloc[0]
    assert row["refused_reason"] == f"zone:zone:file-{half}" and pd.isna(row["estimate"])
    first = table[table["zone_name"] == "Loire ouest"]
    assert first["refused_reason"].isna().all() and (first["reliability"] != "suppressed").sum() > 100


def test_unknown_codes_are_named_and_nothing_is_written(zm, demo_db, tmp_path, capsys):
    with pytest.raises(ZonesInputError) as bad:
        read_zones(b"zone_name,commune_code\na,42218\na,99999\nb,\n", zm.communes)
    assert "99999" in str(bad.value) and "line 3" in str(bad.value)
    source = tmp_path / "zones.csv"
    source.write_text("a,42218\na,ABC\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["zones", str(source), "--out", str(out), "--db", str(demo_db)]) == 2
    assert "ABC" in capsys.readouterr().err and not out.exists()


def test_the_command_writes_every_zone(demo_db, zones_csv, tmp_path, table):
    source, out = tmp_path / "zones.csv", tmp_path / "results.csv"
    source.write_text(zones_csv, encoding="utf-8")
    assert main(["zones", str(source), "--out", str(out), "--db", str(demo_db), "--engine", "duckdb"]) == 0
    written = pd.read_csv(out, dtype={"refused_reason": object})
    assert list(written.columns) == list(table.columns) and len(written) == len(table)
    np.testing.assert_allclose(written["estimate"], table["estimate"].astype(float), rtol=1e-9)


@pytest.mark.spark
@pytest.mark.exhaustive  # CI time: Spark's parity with the numpy path, checked before a release
def test_spark_aggregates_the_same_moments(zm, zones, table, demo_db, spark):
    on_spark = bulk_cells(zm, zones, get_settings().min_n, "pyspark", spark, territory_names(demo_db))
    for col in NUMBERS:
        np.testing.assert_allclose(on_spark[col].astype(float), table[col].astype(float), rtol=1e-9, atol=0)
    rest = [c for c in on_spark.columns if c not in NUMBERS]
    pd.testing.assert_frame_equal(on_spark[rest], table[rest], check_dtype=False)
