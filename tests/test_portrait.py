"""observatory.views.portrait: rank intervals against cases known analytically and an exact computation
(numerical integration, scipy), and the key findings chosen from hand-made estimate rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from observatory.views import portrait


def exact_rank_distribution(mu: np.ndarray, sigma: np.ndarray, target: int) -> np.ndarray:
    """P(rank = r), r = 1..P, for independent normals: ∫ φ_t(x) · P(exactly r−1 others > x) dx.

    The count of others above x is a Poisson-binomial variable, built by convolution.
    """
    others = [j for j in range(len(mu)) if j != target]

    def integrand(x: float, r: int) -> float:
        probs = [stats.norm.sf(x, mu[j], sigma[j]) for j in others]
        dist = np.array([1.0])
        for p in probs:
            dist = np.convolve(dist, [1 - p, p])
        return stats.norm.pdf(x, mu[target], sigma[target]) * dist[r - 1]

    lo, hi = mu[target] - 8 * sigma[target], mu[target] + 8 * sigma[target]
    return np.array([integrate.quad(integrand, lo, hi, args=(r,), limit=200)[0] for r in range(1, len(mu) + 1)])


def test_two_well_separated_groups():
    """Five peers far above five others, all with the same SE: the target, in the top group,
    ranks uniformly among 1..5 and never below 5; its point rank is its place in the top group."""
    mu = np.array([100.0, 100.1, 100.2, 99.9, 99.8, 0.0, 0.1, 0.2, -0.1, -0.2])
    se = np.full(10, 5.0)  # within a group the ranks mix; 100 / 5 = 20 SE between the groups
    r = portrait.rank_interval(mu, se, target=1)
    assert (r.rank, r.peers) == (2, 10)  # only 100.2 is above 100.1
    assert (r.low, r.high) == (1, 5)


def test_point_rank_counts_the_peers_above():
    r = portrait.rank_interval(np.array([3.0, 1.0, 2.0]), np.zeros(3), target=2)
    assert (r.rank, r.low, r.high, r.peers) == (2, 2, 2, 3)  # no uncertainty: the rank itself


def test_rank_frequencies_match_the_exact_distribution():
    mu = np.array([5.0, 5.3, 4.6, 5.9, 4.9, 6.4])
    sigma = np.array([0.3, 0.2, 0.4, 0.5, 0.25, 0.3])
    target = 1
    exact = exact_rank_distribution(mu, sigma, target)
    assert exact.sum() == pytest.approx(1, abs=1e-6)
    draws = 40_000
    cdf = np.cumsum(exact)
    r = portrait.bootstrap_rank_interval(mu, sigma, target, draws=draws, seed=7)  # the previous method
    # the exact 2.5 % and 97.5 % quantiles of the rank (inverted CDF)
    assert r.low == 1 + int(np.searchsorted(cdf, 0.025))
    assert r.high == 1 + int(np.searchsorted(cdf, 0.975))
    # and the simulated frequencies themselves, within 4 standard errors
    rng = np.random.default_rng(7)
    x = mu + sigma * rng.standard_normal((draws, len(mu)))
    freq = np.bincount(1 + (x > x[:, [target]]).sum(1), minlength=len(mu) + 1)[1:] / draws
    assert np.all(np.abs(freq - exact) < 4 * np.sqrt(exact * (1 - exact) / draws) + 1e-9)


def test_the_interval_is_the_same_at_every_call():
    mu, se = np.linspace(0, 1, 30), np.full(30, 0.2)
    assert portrait.rank_interval(mu, se, 10) == portrait.rank_interval(mu, se, 10)


def test_ranks_count_only_reliable_peers():
    peers = pd.DataFrame(
        {
            "survey": "citoyens",
            "territory_code": ["a", "b", "c", "d"],
            "measure": "emploi",
            "statistic": "mean_score",
            "estimate": [9.0, 8.0, 7.0, 1.0],
            "se": [0.0, 0.0, 0.0, 0.0],
            "reliability": ["low", "ok", "ok", "ok"],
        }
    )
    r = portrait.ranks(peers, "c")
    assert r[["rank", "rank_low", "rank_high", "peers"]].iloc[0].tolist() == [2, 2, 2, 3]
    assert portrait.ranks(peers, "a").empty  # not reliable: no rank


def test_rank_text():
    assert (
        portrait.rank_text(12, 5, 24, 101, "departement", "fr")
        == "12e sur 101 départements (rang entre le 5e et le 24e)"
    )
    assert portrait.rank_text(3, 1, 9, 83, "departement", "fr", 101) == (
        "3e sur 83 départements dont l'estimation est fiable (sur 101), parmi les 9 premiers"
    )
    assert (
        portrait.rank_text(40, 30, 50, 101, "departement", "fr")
        == "40e sur 101 départements (rang entre le 30e et le 50e)"
    )
    assert portrait.rank_text(95, 90, 101, 101, "departement", "en") == (
        "95th of 101 départements (among the bottom 12)"
    )
    assert portrait.rank_text(1, 1, 3, 13, "region", "en") == "1st of 13 regions (among the top 3)"
    assert (
        portrait.rank_text(7, 2, 12, 13, "region", "fr")
        == "classement incertain parmi 13 régions (rang entre le 2e et le 12e)"
    )
    assert portrait.rank_text(2, 2, 2, 13, "region", "fr") == "2e sur 13 régions (rang sûr à 95 %)"
    assert portrait.ordinal(11, "en") == "11th" and portrait.ordinal(22, "en") == "22nd"


def _rows() -> pd.DataFrame:
    """A territory with three measures (one above France, one below its parent at low reliability,
    one not significant), its parent and France."""
    base = {"indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score"}
    terr = [
        ("emploi", 7.0, 6.8, 7.2, 200, "ok", "above", 0.001, "not_significant", 0.4),
        ("logement", 4.0, 3.5, 4.5, 60, "low", "below", 0.01, "below", 0.02),
        ("sante", 5.0, 4.8, 5.2, 200, "ok", "not_significant", 0.5, "above", 0.03),
    ]
    rows = [
        {**base, "scope": "territory", "measure": m, "estimate": e, "ci_low": lo, "ci_high": hi, "n": n,
         "reliability": rel, "significance": sig, "p_value": p, "vs_parent": vp, "p_value_parent": pp}
        for m, e, lo, hi, n, rel, sig, p, vp, pp in terr
    ]  # fmt: skip
    for scope, value in (("parent", 5.5), ("france", 6.0)):
        rows += [
            {**base, "scope": scope, "measure": m, "estimate": value, "ci_low": value - 0.1, "ci_high": value + 0.1,
             "n": 5000, "reliability": "ok", "significance": None, "p_value": None}
            for m in ("emploi", "logement", "sante")
        ]  # fmt: skip
    return pd.DataFrame(rows)


def test_key_findings_state_reliable_differences_that_survive_the_false_discovery_control():
    kf = portrait.key_findings(_rows(), None, None)
    france, parent = kf.findings["france"], kf.findings["parent"]
    # The family: the reliable cells' tests, emploi and sante against France (p 0.001, 0.5) and
    # against the parent (0.4, 0.03); logement, of low reliability, is not in it. Benjamini–
    # Hochberg over 4: 0.001 × 4 = 0.004 is stated; 0.03 × 4 / 2 = 0.06 is not, though below 5 %.
    assert kf.family == 4 and kf.stated == 1
    assert [(f.measure, f.direction, f.reference) for f in france] == [("emploi", "above", 6.0)]
    assert france[0].p_value == 0.001 and france[0].p_adjusted == pytest.approx(0.004)
    assert parent == []
    stronger = _rows()
    stronger.loc[stronger["measure"].eq("sante") & stronger["scope"].eq("territory"), "p_value_parent"] = 0.02
    kf2 = portrait.key_findings(stronger, None, None)  # 0.02 × 4 / 2 = 0.04: stated
    assert [(f.measure, f.direction, f.reference) for f in kf2.findings["parent"]] == [("sante", "above", 5.5)]
    assert kf2.findings["parent"][0].p_adjusted == pytest.approx(0.04)
    assert "2 écarts significatifs sur 4 comparaisons" in portrait.family_text(kf2, "fr")
    assert kf.low == {"france": 1, "parent": 1, "previous_wave": 0}  # logement: low reliability, counted
    assert kf.tested["france"] == 2
    text = portrait.finding_text(france[0], "France", "departement", "fr")
    assert text.startswith("Emploi") and "significativement supérieur à la France" in text and "n = 200" in text


def test_changes_since_the_previous_wave():
    changes = pd.DataFrame(
        {
            "indicator": "fragility", "wave_from": 2015, "wave_to": 2019, "survey": "citoyens",
            "measure": ["emploi", "sante"], "statistic": "mean_score", "estimate_from": [6.0, 5.0],
            "estimate_to": [6.5, 5.1], "difference": [0.5, 0.1], "ci_low": [0.2, -0.2], "ci_high": [0.8, 0.4],
            "n_to": 200, "reliability": "ok", "significance": ["increase", "not_significant"], "p_value": [0.001, 0.5],
        }
    )  # fmt: skip
    kf = portrait.key_findings(_rows(), changes, None)
    assert [(f.measure, f.direction, f.difference) for f in kf.findings["previous_wave"]] == [
        ("emploi", "increase", 0.5)
    ]
    assert "hausse significative depuis 2015" in portrait.finding_text(
        kf.findings["previous_wave"][0], "", "region", "fr"
    )


def test_no_reliable_cell_says_so():
    rows = _rows().assign(reliability="suppressed")
    kf = portrait.key_findings(rows, None, None)
    assert "aucune estimation assez fiable" in portrait.headline(kf, "Commune X", "Loire", "fr")  # not "cellule"


def _model(measures, estimates, ses, n=60) -> pd.DataFrame:
    est, se = np.array(estimates, float), np.array(ses, float)
    return pd.DataFrame(
        {
            "indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score",
            "measure": measures, "estimate": est, "se": se, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se,
            "n": n,
        }
    )  # fmt: skip


def test_model_estimates_are_tested_against_france_with_their_error_in_the_family():
    """An EPCI's unreliable cells, from the small-area model: a z-test counting the model's MSE."""
    # France: 6.0 [5.9 – 6.1] (se 0.051) for every measure
    model = _model(["logement", "sante", "emploi"], [7.0, 6.05, 3.0], [0.255, 0.1, 0.51])
    kf = portrait.key_findings(_rows(), None, None, model)
    france = [(f.measure, f.direction, f.source) for f in kf.findings["france"]]
    # logement: z = 1.0 / 0.26 = 3.8; sante: z = 0.45; emploi: z = -5.8
    assert ("logement", "above", "model") in france and ("emploi", "below", "model") in france
    assert not any(m == "sante" and s == "model" for m, _d, s in france)
    assert kf.modelled == {"france": 3, "parent": 0} and kf.family == 4 + 3
    assert not [f for f in kf.findings["parent"] if f.source == "model"]  # never against the parent
    model_finding = next(f for f in kf.findings["france"] if f.source == "model")
    assert "estimation du modèle" in portrait.finding_text(model_finding, "France", "epci", "fr")
    assert kf.findings["france"][0].source == "direct"  # direct statements first


def test_a_model_estimate_far_from_france_with_a_large_error_is_not_stated():
    """The model's MSE is in the test: 6.5 against 6.0 is no finding with a root MSE of 0.4."""
    kf = portrait.key_findings(_rows(), None, None, _model(["logement"], [6.5], [0.4]))
    assert not [f for f in kf.findings["france"] if f.source == "model"]
    kf = portrait.key_findings(_rows(), None, None, _model(["logement"], [6.5], [0.1]))
    assert [(f.measure, f.source) for f in kf.findings["france"] if f.source == "model"] == [("logement", "model")]


def test_a_model_statement_never_contradicts_the_parents_reliable_direct_estimate():
    rows = _rows()
    parent = rows["scope"].eq("parent") & rows["measure"].eq("logement")
    rows.loc[parent, "significance"] = "below"  # the parent is reliably below France on logement
    kf = portrait.key_findings(rows, None, None, _model(["logement"], [7.0], [0.1]))
    assert not [f for f in kf.findings["france"] if f.source == "model"]
    assert kf.modelled["france"] == 1  # tested, counted in the family, not stated


def test_under_a_global_null_few_portraits_state_anything():
    """Simulation on a null: 108 correlated tests per portrait, none real; ≤ 10 % of portraits
    may state any finding (the issue's target; Benjamini–Hochberg gives about 5 %). Without the
    procedure (each test at 5 %), nearly every portrait would state something."""
    rng = np.random.default_rng(20261206)
    measures = [f"m{i}" for i in range(18)]
    portraits, any_stated, any_raw = 400, 0, 0
    for _ in range(portraits):
        # one respondent's domains move together: a shared factor, correlation 0.5
        z = np.sqrt(0.5) * rng.standard_normal((3, 1)) + np.sqrt(0.5) * rng.standard_normal((3, 18))
        p = 2 * stats.norm.sf(np.abs(z))
        kf = portrait.key_findings(*_null_portrait(measures, z, p))
        any_stated += kf.stated > 0
        any_raw += (p < 0.05).any()
        assert kf.family == 54
    assert any_stated / portraits <= 0.10, any_stated / portraits
    assert any_raw / portraits > 0.5  # what stating every raw 5 % test would do


def test_on_a_known_truth_the_real_differences_are_found():
    rng = np.random.default_rng(7)
    measures = [f"m{i}" for i in range(18)]
    found, fdp = 0, []
    for _ in range(200):
        z = rng.standard_normal((3, 18))
        z[0, :4] += 4.0  # four real differences from France, strong
        p = 2 * stats.norm.sf(np.abs(z))
        kf = portrait.key_findings(*_null_portrait(measures, z, p))
        stated = {f.measure for f in kf.findings["france"]}
        true = len(stated & set(measures[:4]))
        found += true
        fdp.append((kf.stated - true) / max(1, kf.stated))  # the share of false statements
    assert found / (200 * 4) > 0.8  # power
    # The false-discovery rate, E[false / stated]: at most 5 % × 50 true nulls / 54 tests = 4.6 %,
    # with a margin of three standard errors of the mean over 200 portraits.
    assert np.mean(fdp) < 0.05 * 50 / 54 + 3 * np.std(fdp) / np.sqrt(len(fdp)), np.mean(fdp)


def _null_portrait(measures, z, p):
    """Rows of a territory (France and parent tests from z[0], z[1]) and its changes (z[2])."""
    base = {"indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score"}

    def verdict(zz, pp, up, down):
        return up if (pp < 0.05 and zz > 0) else down if pp < 0.05 else "not_significant"

    rows = [
        {**base, "scope": "territory", "measure": m, "estimate": 5 + z[0, i], "ci_low": 4.5 + z[0, i],
         "ci_high": 5.5 + z[0, i], "n": 300, "reliability": "ok", "p_value": p[0, i],
         "significance": verdict(z[0, i], p[0, i], "above", "below"), "p_value_parent": p[1, i],
         "vs_parent": verdict(z[1, i], p[1, i], "above", "below")}
        for i, m in enumerate(measures)
    ]  # fmt: skip
    for scope in ("parent", "france"):
        rows += [
            {**base, "scope": scope, "measure": m, "estimate": 5.0, "ci_low": 4.9, "ci_high": 5.1, "n": 5000,
             "reliability": "ok", "significance": None, "p_value": None}
            for m in measures
        ]  # fmt: skip
    changes = pd.DataFrame(
        {
            "indicator": "fragility", "wave_from": 2015, "wave_to": 2019, "survey": "citoyens",
            "measure": measures, "statistic": "mean_score", "estimate_from": 5.0, "estimate_to": 5 + z[2],
            "difference": z[2], "ci_low": z[2] - 1, "ci_high": z[2] + 1, "n_to": 300, "reliability": "ok",
            "significance": [verdict(z[2, i], p[2, i], "increase", "decrease") for i in range(len(measures))],
            "p_value": p[2],
        }
    )  # fmt: skip
    return pd.DataFrame(rows), changes, None


def test_each_statement_says_what_higher_means_for_its_indicator():
    kf = portrait.key_findings(_rows(), None, None)
    text = portrait.finding_text(kf.findings["france"][0], "France", "departement", "fr")
    assert "fragilité perçue plus forte" in text  # a higher fragility score is not good news
    en = portrait.finding_text(kf.findings["france"][0], "France", "departement", "en")
    assert "more perceived fragility" in en
    f = kf.findings["france"][0]
    partner = dataclasses.replace(
        f, indicator="partnerships", survey="entreprises", measure="partner", statistic="share", direction="below"
    )
    assert portrait.meaning(partner, "fr") == "moins d'entreprises partenaires"
    priority = dataclasses.replace(f, statistic="priority_share", direction="below")
    assert portrait.meaning(priority, "en") == "fewer respondents rating this domain a priority fragility"
    mayors = dataclasses.replace(
        f, indicator="mayors", survey="elus", measure="q4_oui", statistic="share", direction="increase"
    )
    assert portrait.meaning(mayors, "fr") == "plus de maires de cet avis"


def test_a_model_statement_needs_a_reliable_parent_estimate_of_the_cell():
    """With a few respondents the model's figure is mostly its covariates: stated only where the
    parent's own direct estimate is reliable (Creuse Sud Ouest's 33 statements, Creuse having none)."""
    rows = _rows()
    rows.loc[rows["scope"].eq("parent") & rows["measure"].eq("logement"), "reliability"] = "suppressed"
    kf = portrait.key_findings(rows, None, None, _model(["logement"], [7.0], [0.1]))
    assert not [f for f in kf.findings["france"] if f.source.startswith("model")]
    assert [f.source for f in kf.tests if f.source.startswith("model")] == ["model_unchecked"]


def test_a_statement_names_the_rest_it_was_tested_against_with_the_difference_and_its_interval():
    """The test compares with the rest of France (or of the parent): the statement says so, gives
    the rest's value and the difference with its 95 % interval, read back from the test."""
    from observatory.stats.finalize import z_test

    rows = _rows()
    est, se, rest, se_rest = 6.6, 0.15, 6.1, 0.04
    p, _ = z_test(np.array([est - rest]), np.array([np.hypot(se, se_rest)]))
    cell = rows["measure"].eq("emploi") & rows["scope"].eq("territory")
    rows.loc[cell, ["estimate", "se", "p_value", "estimate_rest"]] = [est, se, p[0], rest]
    kf = portrait.key_findings(rows, None, None)
    f = next(f for f in kf.findings["france"] if f.measure == "emploi")
    se_d = np.hypot(se, se_rest)
    assert f.rest and f.reference == pytest.approx(rest)
    assert (f.difference_low, f.difference_high) == pytest.approx(
        (0.5 - 1.959964 * se_d, 0.5 + 1.959964 * se_d), abs=1e-5
    )
    assert (f.reference_low, f.reference_high) == pytest.approx(
        (rest - 1.959964 * se_rest, rest + 1.959964 * se_rest), abs=1e-5
    )
    text = portrait.finding_text(f, "France", "departement", "fr")
    assert "supérieur au reste de la France (6,1 / 10" in text and "écart +0,50 [" in text
    assert "higher than the rest of France" in portrait.finding_text(f, "France", "departement", "en")
