"""The app served with OBSERVATORY_ENGINE=pyspark answers the API as it does on DuckDB.

Same JSON (numbers to 1e-9: two engines sum in different orders) and same ETag (the data version
comes from the Parquet's copy of ``meta``): estimates, changes, territories, search, waves, meta.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from observatory import create_app
from observatory.core.config import get_settings
from observatory.data.spark_db import SparkDatabase

pytestmark = pytest.mark.spark

REQUESTS = [
    "/api/v1/fragility?level=departement&domain=emploi&domain=composite",
    "/api/v1/innovation?level=region&wave_from=2015&wave_to=2019",
    "/api/v1/mayors?level=region&measure=q4_oui&format=json",
    "/api/v1/territories?level=departement&limit=200",
    "/api/v1/territories?q=st%20etienne",
    "/api/v1/waves",
    "/api/v1/meta",
]


@pytest.fixture(scope="module")
def clients(demo_db, demo_parquet, spark):
    base = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo")
    duck = create_app(dataclasses.replace(base, engine="duckdb"))
    # The app's Spark session is the test session's (getOrCreate): one JVM per process.
    spark_app = create_app(dataclasses.replace(base, engine="pyspark", parquet=str(demo_parquet)))
    assert isinstance(spark_app.server.config["OBSERVATORY"].db, SparkDatabase)
    return duck.server.test_client(), spark_app.server.test_client()


def same_json(a, b, path="$") -> None:
    assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, f"{path}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            same_json(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_json(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.mark.parametrize("url", REQUESTS)
def test_api_answers_the_same_on_spark(clients, url):
    duck, spark = clients
    a, b = duck.get(url), spark.get(url)
    assert a.status_code == b.status_code == 200
    assert a.headers["ETag"] == b.headers["ETag"]
    body = a.get_json()
    assert body and (body.get("rows") or body.get("data_version"))
    same_json(body, b.get_json())
