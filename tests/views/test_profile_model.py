"""The profile shows the small-area model beside the direct estimates: an EPCI its own, a commune
its EPCI's (communes are not modelled), a département none; the figures are the stored model's."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pytest

from observatory.core import reference as ref
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.ui.pages import profile as pages
from observatory.views import profile as pv


@pytest.fixture(scope="module")
def obs(demo_db):
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


def stored_model(db_path, epci: str):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "SELECT survey, measure, statistic, estimate, gamma FROM sae_estimates "
            "WHERE territory_code = ? AND indicator = 'fragility' AND statistic = 'mean_score' "
            "AND wave = (SELECT max(wave) FROM sae_estimates WHERE survey = 'citoyens' AND indicator = 'fragility') "
            "AND survey = 'citoyens'",
            [epci],
        ).df()


@pytest.mark.parametrize(("key", "epci"), [("243300316", "243300316"), ("33063", "243300316")])
def test_epci_and_commune_profiles_show_the_epcis_model(obs, demo_db, key, epci):
    t = pv.resolve(obs, key)
    table = pv.model_comparison(obs, t)
    assert set(table["epci_code"]) == {epci}
    shown = table[(table["block"] == "fragilite") & (table["survey"] == "citoyens")].set_index("measure")
    expected = stored_model(demo_db, epci).set_index("measure")
    assert set(ref.DOMAIN_CODES) <= set(expected.index)  # the 16 domains (and the spaces, the composite)
    np.testing.assert_allclose(shown.loc[expected.index, "model_estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(shown.loc[expected.index, "gamma"], expected["gamma"], rtol=1e-12)
    section = pages.model_section(obs, t, "fr")
    assert section.id == "block-model"
    text = str(section)
    assert "Estimation sur petits domaines" in text and "Pas de test" in text
    assert ("ne sont pas modélisées" in text) == (t.level == "commune")


def test_a_departement_profile_has_no_model_block(obs):
    t = pv.resolve(obs, "33")
    assert pv.model_comparison(obs, t) is None and pages.model_section(obs, t, "fr") is None
