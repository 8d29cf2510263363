"""What lets several processes (workers, replicas) share one data folder, read-only: the gzip copy
of the geometry is written atomically and readable by all, or elsewhere when the folder is
read-only; DuckDB spills outside the data folder and sums in a reproducible order; data packages
are dated by the data, not by the moment they are written."""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import stat
import tempfile
import time
import zipfile
from datetime import datetime

import pandas as pd

from observatory.core.config import get_settings
from observatory.data.db import Database
from observatory.data.service import Observatory
from observatory.exports.datapackage import package
from observatory.stats import Query
from observatory.web import geo_routes


def test_gzip_copy_is_atomic_and_readable_by_all(tmp_path):
    src = tmp_path / "region.geojson"
    src.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    gz = geo_routes.gzipped(src)
    assert gz == tmp_path / "region.geojson.gz"
    assert stat.S_IMODE(gz.stat().st_mode) == 0o644
    assert gzip.decompress(gz.read_bytes()) == src.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region.geojson", "region.geojson.gz"]  # no temp left
    first = gz.read_bytes()
    time.sleep(0.01)
    src.touch()  # a newer source: written again, the same bytes (no timestamp inside)
    assert geo_routes.gzipped(src).read_bytes() == first


def test_gzip_copy_goes_elsewhere_when_the_data_folder_is_read_only(tmp_path, monkeypatch):
    data, scratch = tmp_path / "geo", tmp_path / "tmp"
    data.mkdir()
    scratch.mkdir()
    src = data / "departement.geojson"
    src.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, **kwargs):  # (as root, a mode 0555 folder would still be writable)
        if kwargs.get("dir") == data:
            raise PermissionError(13, "Read-only file system")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    gz = geo_routes.gzipped(src)
    assert gz.is_relative_to(scratch) and gz.name == "departement.geojson.gz"
    assert gzip.decompress(gz.read_bytes()) == src.read_bytes()
    assert geo_routes.gzipped(src) == gz  # fresh: reused
    assert not (data / "departement.geojson.gz").exists()


def test_duckdb_spills_outside_the_data_folder_on_one_thread(survey_db):
    db = Database(survey_db)
    settings = db.query("SELECT current_setting('temp_directory') AS temp, current_setting('threads') AS threads").iloc[
        0
    ]
    assert not settings["temp"].startswith(str(survey_db.parent))
    assert settings["temp"].endswith(f"-{os.getpid()}")
    assert int(settings["threads"]) == 1


def test_fresh_connections_give_bit_identical_estimates(demo_db):
    """Fresh connections (as two processes have) give the same bits, not only close values.

    With DuckDB's default threads, the sums differed in their last bits between runs (3 trials of 3 here).
    """
    settings = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo")
    query = Query("fragility", 2019, "citoyens", "departement")
    runs = [Observatory(settings).estimate(query) for _ in range(3)]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0], other, check_exact=True)


def test_data_packages_are_dated_by_the_data(demo_db):
    obs = Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))
    table = pd.DataFrame({"territory_code": ["42"], "estimate": [0.5]})
    first = package(obs, {"data": table}, "t", {})
    time.sleep(1.1)
    second = package(obs, {"data": table}, "t", {})
    loaded = datetime.fromisoformat(obs.db.meta["loaded_at"])
    for data in (first, second):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            (date,) = {info.date_time for info in zf.infolist()}
            assert 0 <= (loaded - datetime(*date)).total_seconds() < 2  # ZIP dates have 2-second steps
            assert all(stat.S_IMODE(info.external_attr >> 16) == 0o644 for info in zf.infolist())
    with zipfile.ZipFile(io.BytesIO(first)) as a, zipfile.ZipFile(io.BytesIO(second)) as b:
        assert a.read("data.csv") == b.read("data.csv")
        assert a.read("datapackage.json") != b.read("datapackage.json")  # the generation time, inside
