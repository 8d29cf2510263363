"""The model diagnostics' view model (issue 26): the cell from the URL (invalid values fall back
with a notice), the respondent bands and CVs, the readings of the residuals' shape and of Brown's
test, the links between the page and the model's map; on the demonstration database, the view
states the stored diagnostics and estimates."""

from __future__ import annotations

import dataclasses
import math
from urllib.parse import urlsplit

import duckdb
import numpy as np
import pandas as pd
import pytest

from observatory.core.config import get_settings
from observatory.core.urlstate import notice_texts
from observatory.data.service import Observatory
from observatory.ui.pages import registry
from observatory.views import mapspec, model
from observatory.views import model_diagnostics as md
from observatory.views import model_readings as readings

CELL = "?survey=citoyens&wave=2019&indicator=fragility&measure=logement&statistic=mean_score"


class FakeObservatory:
    """Only the diagnostics table: what the URL resolution reads."""

    def __init__(self, cells: list[tuple[str, int, str, str, str]]):
        self.table = pd.DataFrame(cells, columns=["survey", "wave", "indicator", "measure", "statistic"])

    def sae_diagnostics(self) -> pd.DataFrame:
        return self.table


FAKE = FakeObservatory(
    [
        ("citoyens", 2015, "fragility", "composite", "mean_score"),
        ("citoyens", 2019, "fragility", "logement", "mean_score"),
        ("citoyens", 2019, "fragility", "logement", "priority_share"),
        ("citoyens", 2019, "fragility", "composite", "mean_score"),
        ("citoyens", 2019, "innovation", "alliances_innovation", "share"),
        ("elus", 2024, "mayors", "q4_oui", "share"),
    ]
)


def published(n, direct, direct_se, estimate, se, status="model") -> pd.DataFrame:
    """Rows shaped like Observatory.sae's (the columns the view reads)."""
    k = len(n)
    return pd.DataFrame(
        {
            "territory_code": [f"{200000000 + i}" for i in range(k)],
            "territory_name": [f"EPCI {i}" for i in range(k)],
            "n": n,
            "direct_estimate": direct,
            "direct_se": direct_se,
            "estimate": estimate,
            "se": se,
            "gamma": 0.2,
            "sae_status": status,
        }
    )


# --- the cell from the URL -------------------------------------------------------------------------
def test_a_valid_url_is_its_cell_and_href_writes_it_back():
    cell, notices = md.resolve(FAKE, CELL)
    assert cell == md.Cell("citoyens", 2019, "fragility", "logement", "mean_score") and notices == []
    assert md.cell_href(cell) == md.PATH + CELL
    assert md.href("citoyens", 2019, "fragility", "logement", "mean_score", "en") == md.PATH + CELL + "&lang=en"
    assert md.resolve(FAKE, urlsplit(md.cell_href(cell, "en")).query)[0] == cell


def test_no_parameter_is_the_first_cell_latest_wave_composite():
    cell, notices = md.resolve(FAKE, "")
    assert cell == md.Cell("citoyens", 2019, "fragility", "composite", "mean_score") and notices == []


@pytest.mark.parametrize(
    ("search", "replaced", "expected"),
    [
        ("?survey=martiens", ["survey"], ("citoyens", 2019, "fragility", "composite", "mean_score")),
        ("?survey=elus&wave=2019", ["wave"], ("elus", 2024, "mayors", "q4_oui", "share")),
        ("?wave=2015&measure=logement", ["measure"], ("citoyens", 2015, "fragility", "composite", "mean_score")),
        ("?measure=logement&statistic=share", ["statistic"], ("citoyens", 2019, "fragility", "logement", "mean_score")),
        ("?indicator=partnerships&wave=<script>", ["wave", "indicator"], ("citoyens", 2019, "fragility", "composite", "mean_score")),
    ],
)  # fmt: skip
def test_an_invalid_value_falls_back_with_a_notice_in_words(search, replaced, expected):
    cell, notices = md.resolve(FAKE, search)
    assert cell == md.Cell(*expected)
    assert sorted(n.param for n in notices) == sorted(replaced)
    texts = notice_texts(notices, "fr", md.describe("fr"))
    assert all("n'est pas une valeur possible pour «" in t for t in texts)


def test_the_controls_fall_back_silently_and_ignore_what_is_not_text():
    given = {"survey": "elus", "wave": "2019", "indicator": 5, "measure": ["x"], "statistic": None}
    assert md.resolve_given(FAKE, given) == md.Cell("elus", 2024, "mayors", "q4_oui", "share")
    options = md.options(FAKE, md.Cell("citoyens", 2019, "fragility", "logement", "mean_score"), "fr")
    assert [v for v, _ in options["survey"]] == ["citoyens", "elus"]
    assert [v for v, _ in options["indicator"]] == ["fragility", "innovation"]
    assert [v for v, _ in options["measure"]] == ["composite", "logement"]  # the map pages' order
    assert dict(options["statistic"]) == {"mean_score": "Note moyenne (sur 10)", "priority_share": "Part jugeant la fragilité prioritaire (note ≥ 7)"}  # fmt: skip


def test_a_database_without_diagnostics_gives_no_cell():
    assert md.resolve(FakeObservatory([]), CELL) == (None, [])


# --- bands, CVs, scatter ------------------------------------------------------------------------------
def test_bands_split_the_respondents_at_1_10_30_100():
    bands = md.band_of(pd.Series([0, 1, 9, 10, 29, 30, 99, 100, 5000]))
    assert bands.tolist() == ["0", "1–9", "1–9", "10–29", "10–29", "30–99", "30–99", "≥ 100", "≥ 100"]
    assert [md.band_label(b) for b in ("0", "≥ 100")] == ["n = 0", "n ≥ 100"]


def test_cv_bands_are_quantiles_of_each_epcis_cv():
    rows = published(
        n=[0, 0, 5, 5, 5, 40],
        direct=[np.nan, np.nan, 0.5, 0.2, 0.4, 0.5],
        direct_se=[np.nan, np.nan, 0.1, 0.0, 0.2, 0.05],  # the second has a variance of 0: no direct CV
        estimate=[0.5, 0.25, 0.5, 0.4, 0.5, 0.5],
        se=[0.05, 0.05, 0.04, 0.04, 0.06, 0.025],
    )
    bands = md.cv_bands(rows).set_index("band")
    assert list(bands.index) == ["0", "1–9", "10–29", "30–99", "≥ 100"]
    assert (
        bands.loc["0", "areas"] == 2
        and bands.loc["0", "direct_areas"] == 0
        and math.isnan(bands.loc["0", "direct_q50"])
    )
    assert bands.loc["0", "model_q50"] == pytest.approx(np.median([10, 20]))
    assert bands.loc["1–9", "direct_areas"] == 2  # the EPCI of variance 0 has no direct CV
    assert bands.loc["1–9", "direct_q50"] == pytest.approx(np.median([20, 50]))
    assert bands.loc["1–9", "model_q50"] == pytest.approx(10)
    assert bands.loc["1–9", "model_q10"] == pytest.approx(np.quantile([8, 10, 12], 0.1))
    assert bands.loc["30–99", "direct_q50"] == pytest.approx(10) and bands.loc["30–99", "model_q50"] == pytest.approx(5)
    assert bands.loc["≥ 100", "areas"] == 0 and math.isnan(bands.loc["≥ 100", "model_q50"])
    assert bands["label"].tolist() == ["n = 0", "n = 1–9", "n = 10–29", "n = 30–99", "n ≥ 100"]


def test_scatter_points_are_the_epcis_with_respondents_and_a_model_figure():
    rows = published(
        n=[0, 3, 3, 50],
        direct=[np.nan, 0.3, 0.6, 0.4],
        direct_se=[np.nan, 0.1, 0.1, 0.02],
        estimate=[0.4, 0.35, np.nan, 0.41],
        se=[0.05, 0.04, np.nan, 0.02],
        status=["synthetic", "model", "no_covariates", "model_adjusted"],
    )
    points = md.scatter_points(rows)
    assert points["territory_code"].tolist() == ["200000001", "200000003"]
    assert points["band_label"].tolist() == ["n = 1–9", "n = 30–99"]
    assert points[["direct", "model"]].to_numpy().tolist() == [[0.3, 0.35], [0.4, 0.41]]


# --- readings -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("skew", "kurt", "p", "words"),
    [
        (0.1, 3.2, 0.4, ("À peu près symétrique", "proches d'une loi normale", "non rejetée (p = 0,400)")),
        (-0.7, 5.1, 0.0001, ("Modérément asymétrique", "queues épaisses", "normalité rejetée (p\u00a0<\u00a00,001)")),
        (1.5, 1.5, 0.01, ("Nettement asymétrique", "queues minces", "normalité rejetée (p = 0,010)")),
        (np.nan, np.nan, np.nan, ("Trop peu de valeurs",)),
    ],
)
def test_shape_readings(skew, kurt, p, words):
    text = readings.shape_reading(skew, kurt, p, "fr")
    assert all(w in text for w in words), text


def test_brown_reads_a_small_p_as_a_departure_and_says_it_is_conservative():
    assert "s'écarte" in readings.brown({"brown_w": 90.0, "brown_df": 52, "brown_p": 0.001}, "fr").reading
    calm = readings.brown({"brown_w": 21.2, "brown_df": 139, "brown_p": 1.0}, "en")
    assert (calm.w, calm.df, calm.p) == (21.2, 139, 1.0) and "No departure detected" in calm.reading
    none = readings.brown({"brown_w": np.nan, "brown_df": 0, "brown_p": np.nan}, "fr")
    assert none.df == 0 and "Test impossible" in none.reading and "n ≥ 30" in none.reading
    assert "conservateur" in readings.brown_explanation("fr") and "conservative" in readings.brown_explanation("en")
    for lang in ("fr", "en"):  # a sentence on how to read each statistic
        assert len(readings.shape_explanations(True, lang)) == 5


def test_model_rows_state_the_choice_and_both_aics():
    row = {"link": "logit", "design": "spline", "aic_linear": 4871.28, "aic_spline": 4867.73, "sigma2_u": 0.00828,
           "sigma2_reml": 0.0, "adjusted": True, "r2": 0.93, "design_effect": 0.973, "iterations": 3,
           "correlation": 0.43, "correlation_areas": 107, "areas": 1002, "benchmarked_areas": 1211}  # fmt: skip
    rows = dict(readings.model_rows(row, "fr"))
    assert rows["Lien"].startswith("logit") and rows["Covariables"].startswith("spline naturelle")
    assert rows["AIC, plan spline"] == "4\u202f867,73 (retenu)" and rows["AIC, plan linéaire"] == "4\u202f871,28"
    assert rows["σ²ᵤ (variance entre EPCI, utilisée)"] == "0,00828" and rows["σ²ᵤ du REML"] == "0"
    assert rows["Ajusté (REML de Li et Lahiri)"].startswith("oui") and rows["R² des covariables"] == "0,93"
    assert rows["Itérations (PQL)"] == "3"
    scores = dict(readings.model_rows({**row, "link": "identity", "design": "linear", "adjusted": False}, "en"))
    assert "Iterations (PQL)" not in scores and scores["Adjusted (Li and Lahiri's REML)"] == "no"
    assert scores["AIC, linear design"].endswith("(chosen)")


# --- on the demonstration database --------------------------------------------------------------------
@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def test_the_view_states_the_stored_diagnostics_and_estimates(obs, demo_db):
    cell, notices = md.resolve(obs, CELL)
    assert notices == []
    view = md.diagnostics_view(obs, cell, "fr")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        where = "survey = 'citoyens' AND wave = 2019 AND indicator = 'fragility' AND measure = 'logement' AND statistic = 'mean_score'"
        stored = con.execute(f"SELECT * FROM sae_diagnostics WHERE {where}").df().iloc[0]
        epcis = con.execute(f"SELECT * FROM sae_estimates WHERE {where} AND n > 0 AND estimate IS NOT NULL").df()
    assert (view.brown.w, view.brown.df, view.brown.p) == (stored.brown_w, stored.brown_df, stored.brown_p)
    assert view.shapes[1].kurtosis == stored.effect_kurtosis and view.diagnostics["design"] == stored.design
    assert len(view.points) == len(epcis) == stored.areas  # every EPCI with respondents, once
    shown = view.points.set_index("territory_code").loc[epcis["territory_code"]]
    np.testing.assert_allclose(shown["model"], epcis["estimate"], rtol=1e-12)
    np.testing.assert_allclose(shown["direct"], epcis["direct_estimate"], rtol=1e-12)
    assert view.bands["areas"].sum() == len(obs.sae("citoyens", 2019, "fragility", "logement", "mean_score"))


def test_every_stored_cell_is_a_link_and_the_map_links_back(obs):
    cells = md.cells(obs)
    assert len(cells) > 300
    for r in cells.drop_duplicates(["indicator", "survey"]).itertuples(index=False):
        cell = md.Cell(r.survey, int(r.wave), r.indicator, r.measure, r.statistic)
        assert md.resolve(obs, urlsplit(md.cell_href(cell)).query) == (cell, [])
        # the model's map of the cell: the page of its indicator, method=sae, the same cell
        url = urlsplit(md.map_href(cell))
        page = registry.PAGES[url.path]
        values, notices = mapspec.resolve(obs, page, "?" + url.query)
        query, measure, statistic = page.query(values)
        assert notices == [] and model.applies(values)
        assert (query.indicator, query.survey, query.wave, measure, statistic) == (
            cell.indicator, cell.survey, cell.wave, cell.measure, cell.statistic,
        )  # fmt: skip
        assert model.diagnostics_href(values, query, measure, statistic, "fr") == md.cell_href(cell)
    direct = {**values, "method": "direct"}
    assert model.diagnostics_href(direct, query, measure, statistic, "fr") is None  # a direct map has none
