"""The map page's view model without a browser: the accessible table, the summary sentence.

The table's values are checked against the statistics layer's own table (``obs.estimate``), read
independently of the view: a change of scale (×10 on mean scores) or of rounding is caught.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.stats import Query
from observatory.ui.pages import registry
from observatory.views import pageview
from observatory.views.mapspec import resolve


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def view(obs, path: str, search: str, lang: str = "fr"):
    page = registry.PAGES[path]
    values, notices = resolve(obs, page, search)
    assert notices == []
    return pageview.compute(obs, page, values, lang)


def test_table_mean_scores_stay_out_of_ten(obs):
    pv = view(obs, "/fragilites", "?survey=citoyens&level=region&domain=emploi&stat=mean_score")
    columns, records = pageview.table_rows(pv, "fr")
    truth = obs.estimate(Query("fragility", 2019, "citoyens", "region"), measures=("emploi",))
    truth = truth[truth["statistic"] == "mean_score"].set_index("territory_code")
    assert sum(r["estimate"] is not None for r in records) >= 15
    for r in records:
        t = truth.loc[r["code"]]
        if t["reliability"] == "suppressed":
            assert r["estimate"] is None and r["ci_low"] is None  # no value anywhere
            continue
        assert r["estimate"] == pytest.approx(t["estimate"], abs=0.051)  # out of 10, 1 decimal
        assert r["ci_low"] == pytest.approx(t["ci_low"], abs=0.051)
        assert 0 <= r["estimate"] <= 10
    header = {c["id"]: c["name"] for c in columns}
    assert header["estimate"].endswith("(/10)")
    fmt = {c["id"]: c.get("format") for c in columns}
    assert fmt["estimate"]["locale"]["decimal"] == ","  # French tables use decimal commas


def test_table_shares_are_in_percent(obs):
    pv = view(obs, "/partenariats", "?survey=entreprises&level=region&kind=partner")
    _columns, records = pageview.table_rows(pv, "en")
    truth = obs.estimate(Query("partnerships", 2020, "entreprises", "region"), measures=("partner",))
    truth = truth[truth["statistic"] == "share"].set_index("territory_code")
    for r in records:
        if truth.loc[r["code"], "reliability"] == "suppressed":
            assert r["estimate"] is None
            continue
        assert r["estimate"] == pytest.approx(100 * truth.loc[r["code"], "estimate"], abs=0.51)
    fmt = {c["id"]: c.get("format") for c in _columns}
    assert "locale" not in fmt["estimate"]  # English keeps the decimal point


def test_summary_counts_agree_with_the_rows_and_plurals(obs):
    pv = view(obs, "/co-construction", "?level=departement")
    text = pageview.summary(pv, "fr", True)
    rows = pv.view.rows
    n_ok, n_low, n_sup = ((rows["reliability"] == k).sum() for k in ("ok", "low", "suppressed"))
    assert f"{len(rows)} territoires : {n_ok} fiable" in text
    assert f"{n_low} de fiabilité faible" in text
    assert re.search(rf"{n_sup} non diffusés?\.", text)
    if n_sup == 1:
        assert "1 non diffusé." in text
    # the national CI never collapses to a zero width once printed
    m = re.search(r"([\d,]+)\s*% \(IC 95 % ([\d,]+) – ([\d,]+)", text)
    assert m and m.group(2) != m.group(3)
    estimate, low, high = (float(g.replace(",", ".")) for g in m.groups())
    assert low <= estimate <= high  # the printed estimate lies inside its printed CI


def test_change_summary_says_when_significant_changes_are_faded(obs):
    pv = view(obs, "/innovation", "?survey=elus&level=departement&compare=2016")
    text = pageview.change_summary(pv, "fr", True)
    rows = pv.view.rows
    signif_low = rows["significance"].isin(["increase", "decrease"]) & (rows["reliability"] == "low")
    if signif_low.any():
        assert f"dont {int(signif_low.sum())} de fiabilité faible, estompées" in text
    english = pageview.change_summary(pv, "en", True)
    assert " : " not in english  # no French spacing before colons in English


def test_the_mayors_survey_opens_where_cells_are_reliable(obs):
    pv = view(obs, "/co-construction", "")
    rows = pv.view.rows
    assert pv.query.level == "region"
    assert (rows["reliability"] == "ok").mean() > 0.5
    # and the citizens' survey at a finer level, because its data allow it
    assert view(obs, "/fragilites", "").query.level == "departement"


def test_change_ranking_ranks_by_size_of_change(obs):
    pv = view(obs, "/fragilites", "?survey=citoyens&level=departement&domain=emploi&compare=2015")
    shown = np.abs(np.array(pv.ranking["data"][0]["x"]))
    published = pv.view.rows[pv.view.rows["reliability"] != "suppressed"]
    top = np.sort(np.abs(published["estimate"].to_numpy(float)))[::-1][: len(shown)]
    assert np.sort(shown)[::-1] == pytest.approx(top, abs=1e-3)
    assert "plus fortes évolutions" in pv.ranking["layout"]["title"]["text"]
    assert "hausses" in pv.ranking["layout"]["title"]["text"] and "baisses" in pv.ranking["layout"]["title"]["text"]
