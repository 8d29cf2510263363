"""Load test: a realistic mix of page loads, map control changes, API requests and CSV exports.

Full run (documented in the README; 50 users for 2 minutes against a gunicorn on loopback)::

    OBSERVATORY_DB=data/observatory.duckdb gunicorn -w 4 -b 127.0.0.1:8050 app:server &
    locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 2m --host http://127.0.0.1:8050 \
        --csv benchmarks/results/load

CI runs a short smoke form of it (tests/test_production.py).
"""

from __future__ import annotations

import json
import random

from locust import HttpUser, between, task

try:
    from benchmarks import dash_bodies
except ImportError:  # locust puts this file's folder on sys.path, not the repository's
    import dash_bodies

from observatory.core import reference as ref

DOMAINS = [d.code for d in ref.DOMAINS]
LEVELS = ["region", "departement", "epci"]
# The fragility page's controls, as the map callback receives them (pattern-matching ids).
CONTROLS = {"survey": "citoyens", "wave": "2019", "level": "departement", "domain": "emploi",
            "stat": "mean_score", "compare": "none", "classes": "quantiles"}  # fmt: skip


class Visitor(HttpUser):
    """Someone exploring the maps, an analyst calling the API, and downloads."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        deps = self.client.get("/_dash-dependencies", name="/_dash-dependencies").json()
        self.map_output = next(d["output"] for d in deps if "map-data.data" in d["output"])

    @task(3)
    def open_a_map_page(self) -> None:
        path = random.choice(["/fragilites", "/partenariats", "/co-construction"])
        self.client.get(path, name="page")
        self.client.get("/_dash-layout", name="/_dash-layout")
        self.client.get("/tiles/departement/4/7/5.pbf?v=load", name="/tiles/departement")
        self.client.get("/tiles/departement/4/8/5.pbf?v=load", name="/tiles/departement")

    @task(5)
    def change_a_control(self) -> None:
        values = {**CONTROLS, "domain": random.choice(DOMAINS), "level": random.choice(LEVELS)}
        payload = dash_bodies.map_body(self.map_output, list(values.items()))
        with self.client.post(
            "/_dash-update-component", json=payload, name="map control change", catch_response=True
        ) as r:
            if r.status_code != 200 or "response" not in json.loads(r.content or b"{}"):
                r.failure(f"status {r.status_code}")

    @task(3)
    def call_the_api(self) -> None:
        level, domain = random.choice(LEVELS), random.choice(DOMAINS)
        self.client.get(f"/api/v1/fragility?level={level}&domain={domain}", name="/api/v1/fragility (json)")

    @task(1)
    def export_csv(self) -> None:
        kind = random.choice(["partner", "mecenat", "cooperation_economique"])
        self.client.get(
            f"/api/v1/partnerships?level=departement&kind={kind}&format=csv", name="/api/v1/partnerships (csv)"
        )
