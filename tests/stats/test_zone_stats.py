"""A zone's figures against samplics, and its differencing guard against a brute-force one.

On the small random survey (``survey_db``). The reference side reads the raw contract tables in
pandas, never the code under test: samplics' TaylorEstimator gives the zone's domain estimate, SE
and CI (its t quantile set to the normal one, as the observatory's CIs use), and the guard's rule is
applied with Python sets of respondents to every published set, named one by one.
"""

from __future__ import annotations

import itertools
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from observatory.data.db import Database
from observatory.stats import zones
from observatory.stats.zone_guard import PriorZone, check

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

from tests.conftest import MINI_CANTONS, MINI_COMMUNES

COMBOS = [
    ("fragility", "citoyens", 2015),
    ("fragility", "entreprises", 2015),
    ("partnerships", "entreprises", 2015),
    ("partnerships", "associations", 2015),
    ("mayors", "elus", 2016),
]
ZONE = ("01001", "69123", "2A004", "97411", "75056")  # no territory of any level: a zone of its own
VITAL = ["emploi", "pouvoir_achat", "logement", "sante", "securite"]  # the "vital" espace's domains
GEO = pd.DataFrame(MINI_COMMUNES, columns=["commune_code", "epci_code", "departement_code", "region_code"])


@pytest.fixture(scope="module")
def zm(survey_db) -> zones.ZoneMoments:
    return Database(survey_db).run(lambda con: zones.load(con, COMBOS))


def _resp(tables, survey: str, wave: int) -> pd.DataFrame:
    r = tables["respondents"]
    return r[(r.survey == survey) & (r.wave == wave)].merge(GEO, on="commune_code", how="left").reset_index(drop=True)


def cell_values(tables, indicator: str, survey: str, wave: int, measure: str, statistic: str) -> pd.Series:
    """y of every respondent in the cell's domain, by respondent_id, from the raw tables."""
    ids = set(_resp(tables, survey, wave).respondent_id)
    if indicator == "fragility":
        f = tables["fragility"]
        f = f[f.respondent_id.isin(ids)]
        if measure in ("composite", "vital"):
            f = f if measure == "composite" else f[f.domain.isin(VITAL)]
            y = f.groupby("respondent_id")["score"].mean()
        else:
            y = f[f.domain == measure].set_index("respondent_id")["score"]
        return (y >= 7).astype(float) if statistic == "priority_share" else y.astype(float)
    if indicator == "partnerships":
        p = tables["partnerships"]
        p = p[p.respondent_id.isin(ids)].set_index("respondent_id")
        if statistic == "share_among_partners":
            p = p[p["partner"] == 1]
        return p[measure].astype(float)
    m = tables["mayors"]
    m = m[m.respondent_id.isin(ids)].set_index("respondent_id")
    if measure == "q4_oui":
        return m["q4"].isin(["oui_tout_a_fait", "oui_plutot"]).astype(float)
    return m["q8"].str.split(";").apply(lambda roles: measure in roles).astype(float)


def samplics_zone(resp: pd.DataFrame, y: pd.Series, inside: np.ndarray, share: bool) -> dict:
    """samplics' estimate, SE and 95 % CI of the zone, and of the rest of France, as domains."""
    answered = resp["respondent_id"].isin(y.index).to_numpy()
    domain = np.where(answered, np.where(inside, "zone", "rest"), "__out__")
    est = TaylorEstimator(PopParam.prop if share else PopParam.mean)
    # The observatory's CIs use the normal quantile: samplics' t with infinite degrees of freedom.
    est._degree_of_freedom = lambda *_a, **_k: setattr(est, "degree_of_freedom", np.inf)
    # samplics divides by the mean for its CV: a mean is estimated on y + 1 (same SE), shifted back.
    shift = 0.0 if share else 1.0
    values = resp["respondent_id"].map(y).fillna(0.0).to_numpy(float) + shift
    est.estimate(
        y=values,
        samp_weight=resp["weight"].to_numpy(float),
        stratum=resp["stratum"].to_numpy(object),
        psu=resp["respondent_id"].to_numpy(object),
        domain=domain,
    )

    def pick(table, name):
        v = table[name]
        return v[1.0] if share else v - shift

    out = {name: {"estimate": pick(est.point_est, name)} for name in ("zone", "rest")}
    for name in ("zone", "rest"):
        out[name]["se"] = est.stderror[name][1.0] if share else est.stderror[name]
        out[name]["ci_low"] = pick(est.lower_ci, name)
        out[name]["ci_high"] = pick(est.upper_ci, name)
    return out


CELLS = [
    ("fragility", "citoyens", 2015, "emploi", "mean_score"),
    ("fragility", "citoyens", 2015, "emploi", "priority_share"),
    ("fragility", "citoyens", 2015, "composite", "mean_score"),
    ("fragility", "entreprises", 2015, "vital", "priority_share"),
    ("partnerships", "entreprises", 2015, "partner", "share"),
    ("partnerships", "associations", 2015, "mecenat", "share_among_partners"),
    ("mayors", "elus", 2016, "q4_oui", "share"),
    ("mayors", "elus", 2016, "financer_ingenierie", "share"),
]


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: f"{c[1]}-{c[3]}-{c[4]}")
def test_zone_estimate_se_ci_equal_samplics(zm, survey_tables, cell):
    indicator, survey, wave, measure, statistic = cell
    ours = zones.zone_cells(zm, zm.commune_index(ZONE), min_n=1)
    row = ours[
        (ours.indicator == indicator)
        & (ours.survey == survey)
        & (ours.wave == wave)
        & (ours.measure == measure)
        & (ours.statistic == statistic)
    ]
    assert len(row) == 1
    row = row.iloc[0]
    resp = _resp(survey_tables, survey, wave)
    y = cell_values(survey_tables, *cell)
    share = statistic != "mean_score"
    ref = samplics_zone(resp, y, resp["commune_code"].isin(ZONE).to_numpy(), share)
    assert row["n"] == int(resp["respondent_id"].isin(y.index)[resp["commune_code"].isin(ZONE)].sum())
    for col in ("estimate", "se", "ci_low", "ci_high"):
        assert row[col] == pytest.approx(ref["zone"][col], abs=1e-9), col
    # The test against the rest of France: the complement's estimate, and the z-test on both SEs.
    assert row["estimate_rest"] == pytest.approx(ref["rest"]["estimate"], abs=1e-9)
    z = (ref["zone"]["estimate"] - ref["rest"]["estimate"]) / np.hypot(ref["zone"]["se"], ref["rest"]["se"])
    assert row["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-6, abs=1e-12)


def test_a_zone_of_nobody_shows_nothing(zm):
    out = zones.zone_cells(zm, np.zeros(0, dtype=np.int64), min_n=30)
    assert (out["reliability"] == "suppressed").all()
    assert out["estimate"].isna().all() and (out["n"] == 0).all()
    assert out["refused_reason"].isna().all()


# --- the guard against sets of respondents ---------------------------------------------------------


def published_sets(survey_db, resp: pd.DataFrame, members: set[str]) -> dict[str, set[str]]:
    """Every published set of respondents of one cell, by a name (level:code, or a complement's)."""
    with duckdb.connect(str(survey_db), read_only=True) as con:
        terr = con.sql("SELECT level, code, departement_code, population FROM territories").df()
    main_dep = terr[terr.level == "epci"].set_index("code")["departement_code"]
    pop = terr[terr.level == "commune"].set_index("code")["population"]
    r = resp[resp.respondent_id.isin(members)].copy()
    r["france"] = "FR"
    r["canton_code"] = r["commune_code"].map(MINI_CANTONS)
    r["band"] = (
        r["commune_code"]
        .map(pop)
        .map(lambda p: "moins_1000" if p < 1000 else "1000_9999" if p < 10000 else "10000_plus")
    )
    france = set(r.respondent_id)
    sets: dict[str, set[str]] = {}
    for level, column in [("france", "france"), ("region", "region_code"), ("departement", "departement_code"),
                          ("epci", "epci_code"), ("canton", "canton_code"), ("commune", "commune_code"),
                          ("taille_commune", "band")]:  # fmt: skip
        for code, part in r.groupby(column):
            sets[f"territory:{level}:{code}"] = set(part.respondent_id)
    for code, part in r.groupby("commune_code"):
        dep = part["departement_code"].iloc[0]
        sets[f"rest_of_parent:commune:{code}:{dep}"] = sets[f"territory:departement:{dep}"] - set(part.respondent_id)
    for code, part in r.groupby("canton_code"):  # a canton lies in one département
        dep = part["departement_code"].iloc[0]
        sets[f"rest_of_parent:canton:{code}:{dep}"] = sets[f"territory:departement:{dep}"] - set(part.respondent_id)
    for code, part in r.groupby("epci_code"):
        dep = main_dep[code]
        inside = set(part[part.departement_code == dep].respondent_id)
        if f"territory:departement:{dep}" in sets:
            sets[f"rest_of_parent:epci:{code}:{dep}"] = sets[f"territory:departement:{dep}"] - inside
    for code, part in r.groupby("departement_code"):
        reg = part["region_code"].iloc[0]
        sets[f"rest_of_parent:departement:{code}:{reg}"] = sets[f"territory:region:{reg}"] - set(part.respondent_id)
    return sets, france


def brute_force(zone: set[str], sets: dict[str, set[str]], france: set[str], min_n: int) -> tuple[bool, set[str]]:
    """Whether the rule refuses the zone, and the comparisons that are too close.

    The zone publishes its respondents and (its test) France without them: each is compared with
    every published set; a zone whose respondents are a territory's passes. A comparison of France without the zone with set S is named
    "france_without_<kind>" (e.g. ``france_without:departement:69``: the zone is close to France
    without the département, or France without the zone to the département).
    """
    if len(zone) < min_n:
        return False, set()
    rest = france - zone
    close, same = set(), False
    for name, s in sets.items():
        kind, where = name.split(":", 1)
        complement = {"territory": "france_without", "zone": "france_without_zone"}.get(kind, f"france_without_{kind}")
        for mine, label in ((zone, name), (rest, f"{complement}:{where}")):
            d = len(mine ^ s)
            # Equal to a territory or a stored zone: its figure is theirs (a complement's is not shown).
            same |= d == 0 and mine is zone and kind in ("territory", "zone")
            if 0 < d < min_n:
                close.add(label)
    return (bool(close) and not same), close


GUARD_CELLS = [c for c in CELLS if c[3] in ("emploi", "partner", "mecenat", "q4_oui")]


@pytest.mark.parametrize("min_n", [15, 40, 90])
def test_guard_agrees_with_brute_force_on_many_zones(zm, survey_db, survey_tables, min_n):
    communes = [c[0] for c in MINI_COMMUNES]
    rng = np.random.default_rng(min_n)
    zones_tried = [z for k in (1, 2, 9, 10) for z in itertools.combinations(communes, k)]
    zones_tried += [tuple(rng.choice(communes, rng.integers(3, 9), replace=False)) for _ in range(60)]
    # Keys name one set of communes each (as zone ids do: the counts are kept by key).
    stored = {f"{min_n:04d}{k:08x}": tuple(rng.choice(communes, rng.integers(2, 7), replace=False)) for k in range(3)}
    prior = [PriorZone(key, zm.commune_index(codes)) for key, codes in stored.items()]
    refused_seen = passed_seen = 0
    for cell in GUARD_CELLS:
        indicator, survey, wave, measure, statistic = cell
        resp = _resp(survey_tables, survey, wave)
        members = set(cell_values(survey_tables, *cell).index)
        sets, france = published_sets(survey_db, resp, members)
        for key, codes in stored.items():
            sets[f"zone:zone:{key}"] = set(resp[resp.commune_code.isin(codes)].respondent_id) & members
        position = int(
            np.flatnonzero(
                (zm.cells.indicator == indicator) & (zm.cells.survey == survey) & (zm.cells.wave == wave)
                & (zm.cells.measure == measure) & (zm.cells.statistic == statistic)
            )[0]
        )  # fmt: skip
        for zone in zones_tried:
            idx = zm.commune_index(zone)
            got = check(zm, idx, zm.rows_of(idx), min_n, prior).iloc[position]
            in_zone = set(resp[resp.commune_code.isin(zone)].respondent_id) & members
            expected, close = brute_force(in_zone, sets, france, min_n)
            assert bool(got["refused"]) == expected, (cell, zone, close, got["refused_reason"])
            if expected:
                assert got["refused_reason"] in close, (got["refused_reason"], close)
                assert str(min_n) in got["refused_fr"] and str(min_n) in got["refused_en"]
            refused_seen += expected
            passed_seen += not expected
    assert refused_seen > 20 and passed_seen > 20  # both outcomes were exercised


def test_guard_counts_zones_stored_before(zm, survey_tables):
    """A zone differing from a stored zone by a handful is refused, naming it; without it, it passes."""
    cell = ("fragility", "citoyens", 2015, "emploi", "mean_score")
    resp = _resp(survey_tables, "citoyens", 2015)
    members = set(cell_values(survey_tables, *cell).index)
    stored = ("01001", "69123", "2A004")
    counts = resp[resp.respondent_id.isin(members)].groupby("commune_code").size().drop(list(stored))
    small = counts.idxmin()  # the commune with the fewest answers joins the stored zone's communes
    zone = (*stored, small)
    position = int(np.flatnonzero((zm.cells.survey == "citoyens") & (zm.cells.measure == "emploi"))[0])
    idx = zm.commune_index(zone)
    min_n = int(counts[small]) + 1
    alone = check(zm, idx, zm.rows_of(idx), min_n).iloc[position]
    prior = [PriorZone("a1b2c3d4e5f6", zm.commune_index(stored))]
    after = check(zm, idx, zm.rows_of(idx), min_n, prior).iloc[position]
    assert not alone["refused"]
    assert after["refused"] and after["refused_reason"] == "zone:zone:a1b2c3d4e5f6"
    assert "a1b2c3d4e5f6" in after["refused_en"] and "enregistrée avant" in after["refused_fr"]


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: f"{c[0]}-{c[1]}")
def test_zone_equals_the_engines_groups_level(zm, survey_db, combo):
    """The engine's ``groups`` level, a label repeated over the zone's communes, gives the same cells."""
    from observatory.stats import Query, StatsEngine
    from observatory.stats.engine import GROUPS_LEVEL

    indicator, survey, wave = combo
    groups = tuple(("zone", "commune", code) for code in ZONE)
    engine = StatsEngine(Database(survey_db))
    theirs = engine.estimate(Query(indicator, wave, survey, GROUPS_LEVEL, groups=groups), min_n=1)
    theirs = theirs.drop_duplicates(["measure", "statistic"]).reset_index(drop=True)  # a row per entry
    ours = zones.zone_cells(zm, zm.commune_index(ZONE), min_n=1)
    ours = ours[(ours.indicator == indicator) & (ours.survey == survey) & (ours.wave == wave)].reset_index(drop=True)
    assert list(zip(ours.measure, ours.statistic, strict=True)) == list(
        zip(theirs.measure, theirs.statistic, strict=True)
    )
    assert list(ours["n"].astype(int)) == list(theirs["n"])
    for col in ("estimate", "se", "ci_low", "ci_high", "n_eff", "p_value", "estimate_rest"):
        np.testing.assert_allclose(ours[col].to_numpy(float), theirs[col].to_numpy(float), rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=col)  # fmt: skip
    assert list(ours["significance"]) == list(theirs["significance"])
