"""The comparison view model with the small-area model (issue 26, audit E4): with ``method=sae``
an EPCI shows the model's estimate and interval, pairs with a model side are never tested and stay
out of Holm's family, the direct cells are tested as before, and the downloads carry the method.
The page itself: tests/pages/test_compare_model_page.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.datapackage import descriptor
from observatory.exports.export import comparison_tables
from observatory.stats.pairwise import holm
from observatory.views import comparison as cmp

SMALL = "200067189,200044014"  # CC Creuse Sud Ouest (11 citizens), CC Creuse Grand Sud (6)
MIXED = "200067189,42,13"  # a small EPCI, the Loire and the Bouches-du-Rhône (direct, tested)


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def territories(obs, keys: str):
    found, unknown = cmp.parse_keys(obs, keys)
    assert not unknown
    return found


def test_small_epcis_show_the_models_estimates(obs):
    table, pairs = cmp.compare(obs, territories(obs, SMALL), "fragilite-citoyens", cmp.SAE)
    stored = obs.sae("citoyens", obs.waves("citoyens")[-1], "fragility", statistic="mean_score")
    for code in SMALL.split(","):
        rows = table[table["territory_key"] == code].set_index("measure")
        model = stored[stored["territory_code"] == code].set_index("measure").loc[rows.index]
        assert rows["model"].all() and (rows["reliability"] == "ok").all()
        np.testing.assert_allclose(rows["estimate"], model["estimate"], rtol=1e-12)
        np.testing.assert_allclose(rows["ci_high"], model["ci_high"], rtol=1e-12)
        assert (rows["n"] < 30).all()  # the survey alone would show nothing
    assert set(pairs["basis"]) == {"model"} and pairs["p_value"].isna().all() and pairs["p_holm"].isna().all()
    assert set(pairs["verdict"]) == {"not_tested"}
    # without the model, the same EPCIs read "effectif insuffisant" everywhere
    direct, _ = cmp.compare(obs, territories(obs, SMALL), "fragilite-citoyens")
    assert (direct["reliability"] == "suppressed").all() and not direct["model"].any()


def test_direct_pairs_are_tested_and_are_the_whole_family(obs):
    found = territories(obs, MIXED)
    table, pairs = cmp.compare(obs, found, "fragilite-citoyens", cmp.SAE)
    assert table.groupby("territory_key")["model"].all().to_dict() == {"200067189": True, "42": False, "13": False}
    model_side = pairs["territory_a"].eq("epci:200067189") | pairs["territory_b"].eq("epci:200067189")
    assert (pairs.loc[model_side, "basis"] == "model").all() and pairs.loc[model_side, "p_value"].isna().all()
    direct = pairs[~model_side]
    assert len(direct) == table["measure"].nunique() and direct["p_value"].notna().all()
    # Holm over the direct tests only: the model's pairs do not count in m
    np.testing.assert_allclose(direct["p_holm"], holm(direct["p_value"].to_numpy()), rtol=1e-12)
    # the direct pairs are those of a comparison without the EPCI
    _t, alone = cmp.compare(obs, found[1:], "fragilite-citoyens")
    np.testing.assert_allclose(direct["p_value"], alone["p_value"], rtol=1e-12)
    # pairs in the page's order: per measure, a before b in the URL's order
    first = pairs.head(3)
    assert list(zip(first["territory_a"], first["territory_b"], strict=True)) == [
        ("epci:200067189", "departement:42"),
        ("epci:200067189", "departement:13"),
        ("departement:42", "departement:13"),
    ]
    rows = cmp.pair_rows(first, {"200067189": "Creuse Sud Ouest", "42": "Loire", "13": "BdR"}, {}, "fr")
    assert rows[0]["pair"].endswith("(estimation par modèle : pas de test)") and rows[0]["p_value"] == ""


def test_shares_of_partners_follow_the_same_rule(obs):
    table, pairs = cmp.compare(obs, territories(obs, MIXED), "partenariats-entreprises", cmp.SAE)
    epci = table[table["territory_key"] == "200067189"]
    assert epci["model"].all() and set(epci["statistic"]) == {"share", "share_among_partners"}
    assert pairs.loc[pairs["basis"] == "model", "p_value"].isna().all()


def test_downloads_carry_the_model_and_describe_it(obs):
    tables_ = comparison_tables(obs, MIXED.split(","), "fragilite-citoyens", "sae")
    estimates, pairs = tables_["estimates"], tables_["pairwise"]
    assert set(estimates.loc[estimates["territory_key"] == "200067189", "method"]) == {"sae"}
    assert set(estimates.loc[estimates["territory_key"] != "200067189", "method"]) == {"direct"}
    assert {"sae_status", "gamma"} <= set(estimates.columns)
    fields = {
        f["name"]: f for f in descriptor(obs, tables_, "t", {"method": "sae"})["resources"][1]["schema"]["fields"]
    }
    assert "model" in fields["basis"]["constraints"]["enum"] and set(pairs["basis"]) <= set(
        fields["basis"]["constraints"]["enum"]
    )
    direct = comparison_tables(obs, MIXED.split(","), "fragilite-citoyens")["estimates"]
    assert "method" not in direct.columns  # the direct comparison's file is unchanged
