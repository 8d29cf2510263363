"""observatory.portrait: rank intervals against cases known analytically and an exact computation
(numerical integration, scipy), and the key findings chosen from hand-made estimate rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from observatory import portrait


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
    r = portrait.rank_interval(mu, sigma, target, draws=draws, seed=7)
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
    assert portrait.rank_text(12, 5, 24, 101, "departement", "fr") == "12e sur 101 départements, entre le 5e et le 24e"
    assert portrait.rank_text(1, 1, 3, 13, "region", "en") == "1st of 13 regions, between 1st and 3rd"
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


def test_key_findings_state_reliable_significant_differences_only():
    kf = portrait.key_findings(_rows(), None, None)
    france, parent = kf.findings["france"], kf.findings["parent"]
    assert [(f.measure, f.direction, f.reference) for f in france] == [("emploi", "above", 6.0)]
    assert [(f.measure, f.direction, f.reference) for f in parent] == [("sante", "above", 5.5)]
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
    assert "aucune cellule assez fiable" in portrait.headline(kf, "Commune X", "Loire", "fr")


def test_model_estimates_state_only_intervals_apart_from_the_reference():
    """An EPCI's unreliable cells, from the small-area model: no test, only non-overlapping intervals."""
    model = pd.DataFrame(
        {
            "indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score",
            "measure": ["logement", "sante", "emploi"], "estimate": [7.0, 6.05, 3.0],
            "ci_low": [6.5, 5.85, 2.0], "ci_high": [7.5, 6.25, 4.0], "n": [60, 60, 60],
        }
    )  # fmt: skip
    # France: 6.0 [5.9 – 6.1] for every measure; the parent: 5.5 [5.4 – 5.6]
    kf = portrait.key_findings(_rows(), None, None, model)
    france = [(f.measure, f.direction, f.source) for f in kf.findings["france"]]
    # logement: [6.5, 7.5] above 6.1; sante: [5.85, 6.25] overlaps [5.9, 6.1]; emploi: [2, 4] below
    assert ("logement", "above", "model") in france and ("emploi", "below", "model") in france
    assert not any(m == "sante" and s == "model" for m, _d, s in france)
    assert kf.modelled["france"] == 3
    model_finding = next(f for f in kf.findings["france"] if f.source == "model")
    assert "estimation du modèle" in portrait.finding_text(model_finding, "France", "epci", "fr")
    assert kf.findings["france"][0].source == "direct"  # direct statements first


def test_a_model_estimate_beyond_the_reference_interval_is_not_stated_while_the_intervals_overlap():
    """Non-overlap of the two intervals, not the model's point estimate outside the reference's."""
    model = pd.DataFrame(
        {
            "indicator": "fragility", "wave": 2019, "survey": "citoyens", "statistic": "mean_score",
            "measure": ["logement", "emploi"], "estimate": [6.3, 6.3], "ci_low": [5.95, 6.15],
            "ci_high": [6.65, 6.45], "n": [12, 12],
        }
    )  # fmt: skip
    # France: 6.0 [5.9 – 6.1]. logement: 6.3 lies above 6.1, but [5.95, 6.65] overlaps [5.9, 6.1];
    # emploi: [6.15, 6.45] lies wholly above it.
    kf = portrait.key_findings(_rows(), None, None, model)
    stated = {(f.measure, f.direction) for f in kf.findings["france"] if f.source == "model"}
    assert stated == {("emploi", "above")}
