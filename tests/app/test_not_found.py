"""Unknown pages and territories answer HTTP 404 with the friendly page (issue 27, E18); the
app's own pages, profiles of real territories and the other routes are unchanged."""

from __future__ import annotations

import pytest

from observatory import create_app


@pytest.fixture(scope="module")
def client(demo_db):
    import dataclasses

    from observatory.core.config import get_settings

    settings = dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo")
    return create_app(settings).server.test_client()


@pytest.mark.parametrize(
    "path", ["/nimportequoi", "/territoire/99999", "/territoire/reg-00", "/fragilites/extra", "/territoire/99999.pdf"]
)
def test_unknown_addresses_are_404_with_the_app_shell(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert '<div id="react-entry-point">' in r.get_data(as_text=True)  # the friendly page is drawn there


@pytest.mark.parametrize(
    "path", ["/", "/fragilites", "/fragilites/", "/partenariats", "/methodologie", "/comparer", "/territoire/42",
             "/territoire/reg-84", "/territoire/42218", "/territoire/75101", "/api", "/healthz"]
)  # fmt: skip
def test_known_addresses_are_200(client, path):
    assert client.get(path).status_code == 200


def test_the_other_routes_keep_their_own_answers(client):
    assert client.get("/api/v1/nothing").status_code == 404 and client.get("/api/v1/nothing").is_json
    assert client.get("/tiles/departement/0/0/0.pbf").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
