"""The small-area model on the map pages (views/model.py, mapspec's ``method``): offered at the
EPCI level only, every EPCI with covariates coloured and marked as a model's, never tested
against France, its figures those of the stored model, and ``method`` kept in the URL."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pytest
from dash import html

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.export import download_request
from observatory.ui.layout import legend
from observatory.ui.pages import registry
from observatory.views import mapspec, pageview

GIVEN = "?survey=citoyens&wave=2019&level=epci&domain=emploi&stat=mean_score&method=sae"


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def epcis_with_covariates(db_path) -> set[str]:
    """EPCIs with a population and an area in the geography (what the model's covariates need)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT code FROM territories WHERE level = 'epci' AND population > 0 AND area_km2 > 0"
        ).fetchall()
    return {code for (code,) in rows}


@pytest.mark.parametrize("path", list(registry.PAGES))
def test_every_epci_with_covariates_gets_a_model_figure(obs, demo_db, path):
    page = registry.PAGES[path]
    values, notices = mapspec.resolve(obs, page, "?level=epci&method=sae")
    assert values["method"] == "sae" and not notices
    pv = pageview.compute(obs, page, values, "fr")
    rows = pv.view.rows
    coloured = set(rows.loc[rows["model"], "territory_code"])
    expected = epcis_with_covariates(demo_db)
    assert len(expected) > 1200
    # Every EPCI with covariates has a model figure (the survey reaches 126 of them with n >= 30).
    assert coloured == expected
    assert rows.loc[rows["model"], "estimate"].notna().all()
    assert (rows.loc[~rows["model"], "estimate"].isna()).all()  # the others show no value
    assert set(rows["significance"]) == {"not_tested"}  # no test on a model estimate
    assert pv.map_data["model"] == rows["model"].tolist()  # hatched on the map
    assert "(modèle)" in mapspec.view_title(page, values, "fr")


def test_the_figures_are_the_stored_models(obs, demo_db):
    page = registry.PAGES["/fragilites"]
    values, _ = mapspec.resolve(obs, page, GIVEN)
    rows = pageview.compute(obs, page, values, "fr").view.rows.set_index("territory_code")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        stored = (
            con.execute(
                "SELECT territory_code, estimate, mse, gamma FROM sae_estimates WHERE indicator = 'fragility' "
                "AND survey = 'citoyens' AND wave = 2019 AND measure = 'emploi' AND statistic = 'mean_score' "
                "AND sae_status IN ('model', 'model_adjusted', 'synthetic')"
            )
            .df()
            .set_index("territory_code")
        )
    assert len(stored) > 1200
    shown = rows.loc[stored.index]
    np.testing.assert_allclose(shown["estimate"], stored["estimate"], rtol=1e-12)
    np.testing.assert_allclose(shown["gamma"], stored["gamma"], rtol=1e-12)
    # The interval comes from the MSE (clipped to the score's range).
    half = 1.959963984540054 * np.sqrt(stored["mse"].to_numpy())
    np.testing.assert_allclose(shown["ci_high"], np.minimum(stored["estimate"] + half, 10), rtol=1e-9)
    first = shown.iloc[0]
    assert "γ" in first["hover"] and "IC 95 %" in first["hover"] and "pas de test" in first["hover"]


@pytest.mark.parametrize(
    "search", ["?level=departement&method=sae", "?level=epci&method=sae&compare=2015", "?level=epci&method=bogus"]
)
def test_the_model_is_offered_at_the_epci_level_only(obs, search):
    page = registry.PAGES["/fragilites"]
    values, notices = mapspec.resolve(obs, page, search)
    assert values["method"] == "direct"
    assert len(notices) == 1 and notices[0].param == "method"
    text = notices[0].text("fr", mapspec.describe(page, obs, values, "fr"))
    assert "« Estimation »" in text
    control = next(c for c in mapspec.all_controls(page, obs, values, "fr") if c.name == "method")
    if values["level"] != "epci":
        assert "sae" in control.disabled  # greyed, with the reason in its label
        assert "EPCI" in dict(control.options)["sae"]


def test_the_table_legend_url_and_download_say_model(obs):
    page = registry.PAGES["/fragilites"]
    values, _ = mapspec.resolve(obs, page, GIVEN)
    pv = pageview.compute(obs, page, values, "fr")
    _cols, table = pageview.table_rows(pv, "fr")
    labels = [r["reliability"] for r in table]
    assert set(labels) <= {"modèle", "non diffusé"}  # never "bonne": a model's figure says so
    assert labels.count("modèle") == int(pv.view.rows["model"].sum()) > 1200
    entries = html.Div(legend.legend(pv.view, pv.colours, 30, "fr", False)).to_plotly_json()
    assert "Hachuré : estimation par modèle" in str(entries)  # an entry of the legend: the map image has it
    assert "method=sae" in mapspec.url_search(values, "fr")
    assert "method" not in mapspec.url_search({**values, "method": "direct"}, "fr")
    assert download_request(page, values).method == "sae"
    assert "estimés par le modèle" in pageview.summary(pv, "fr", True) and "fiables" not in pageview.summary(
        pv, "fr", True
    )
