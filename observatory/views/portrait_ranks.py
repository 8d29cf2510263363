"""A territory's rank among its peers, with its uncertainty, and the rank in words.

The rank of the territory's estimate among the reliable cells of its level, and the 95 %
confidence set of that rank (Mogstad, Romano, Shaikh & Wilhelm 2024: :mod:`observatory.stats.ranks`),
which covers the true rank with a guarantee; the parametric bootstrap of the ranks used before
(:func:`bootstrap_rank_interval`) is kept for comparison. Pure functions; re-exported by
:mod:`observatory.views.portrait`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from observatory.core import i18n
from observatory.stats import ranks as rank_sets
from observatory.stats.sae import MODEL_STATUSES

RANK_DRAWS = rank_sets.DRAWS  # draws of the sampling errors for the rank sets' critical values
RANK_SEED = rank_sets.SEED  # fixed: the same page shows the same set at every visit
RANK_LEVEL = 0.95
LEVEL_PLURALS = {
    "commune": ("communes", "municipalities"),
    "epci": ("intercommunalités", "intercommunalities"),
    "canton": ("cantons", "cantons"),
    "departement": ("départements", "départements"),
    "region": ("régions", "regions"),
}


@dataclass(frozen=True)
class Rank:
    """A rank among ``peers`` (1 = highest estimate) and its 95 % confidence set [low, high].

    ``peers``: the territories of the level whose estimate is reliable (those ranked);
    ``peers_total``: every territory of the level (None: not known).
    """

    rank: int
    low: int
    high: int
    peers: int
    peers_total: int | None = None
    model: bool = False  # ranked on the small-area model's estimates (an EPCI among all EPCIs)


def rank_interval(
    estimates: np.ndarray,
    ses: np.ndarray,
    target: int,
    draws: int = RANK_DRAWS,
    seed: int = RANK_SEED,
    level: float = RANK_LEVEL,
) -> Rank:
    """The rank of ``estimates[target]`` (1 = highest) and its marginal 95 % confidence set."""
    r = rank_sets.marginal(estimates, ses, target, draws=draws, seed=seed, level=level)
    return Rank(r.rank, r.low, r.high, r.peers)


def bootstrap_rank_interval(
    estimates: np.ndarray,
    ses: np.ndarray,
    target: int,
    draws: int = 1000,
    seed: int = 20_261_201,
    level: float = RANK_LEVEL,
) -> Rank:
    """The previous method, kept to measure it: the central interval of simulated ranks.

    It does not cover the true rank with the stated probability (Hall & Miller 2009; measured in
    tests/stats/test_ranks.py): not used by the app.

    Each draw takes every estimate from N(estimate, se²) independently; the territory's rank in
    a draw is 1 + the number of peers drawn above it. The interval holds the central ``level``
    share of the ranks (inverted-CDF quantiles: ranks are whole numbers).
    """
    est, se = np.asarray(estimates, float), np.clip(np.nan_to_num(np.asarray(ses, float)), 0, None)
    rank = 1 + int((est > est[target]).sum())
    rng = np.random.default_rng(seed)
    drawn = est + se * rng.standard_normal((draws, len(est)))
    ranks = 1 + (drawn > drawn[:, [target]]).sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(ranks, [tail, 1 - tail], method="inverted_cdf")
    return Rank(rank, int(low), int(high), len(est))


def ranks(peers: pd.DataFrame, code: str, level_total: int | None = None) -> pd.DataFrame:
    """The territory's rank in every (survey, measure, statistic) of ``peers`` where it is reliable.

    ``peers``: estimate rows of one level (columns survey, territory_code, measure, statistic,
    estimate, se, reliability); only the reliable ones count as peers. Columns of the result:
    survey, measure, statistic, rank, rank_low, rank_high (the marginal 95 % confidence set),
    peers (reliable, ranked), peers_total (``level_total``: every territory of the level; else
    the territories of ``peers`` in that cell).
    """
    columns = ["survey", "measure", "statistic", "rank", "rank_low", "rank_high", "peers", "peers_total"]
    keys = ["survey", "measure", "statistic"]
    totals = peers.groupby(keys, sort=False, observed=True)["territory_code"].nunique()
    ok = peers[(peers["reliability"] == "ok") & peers["estimate"].notna()]
    out = []
    for (survey, measure, statistic), group in ok.groupby(keys, sort=False, observed=True):
        where = np.flatnonzero(group["territory_code"].to_numpy() == code)
        if len(where) == 0:
            continue
        r = rank_interval(group["estimate"].to_numpy(), group["se"].to_numpy(), int(where[0]))
        total = level_total or int(totals.get((survey, measure, statistic), r.peers))
        out.append((survey, measure, statistic, r.rank, r.low, r.high, r.peers, total))
    return pd.DataFrame(out, columns=columns)


def model_ranks(model: pd.DataFrame, code: str) -> pd.DataFrame:
    """An EPCI's rank among every modelled EPCI, in each (survey, measure, statistic) of ``model``.

    ``model``: small-area rows of the level (survey, territory_code, measure, statistic, estimate,
    se (root MSE), sae_status). Marginal sets by Holm's step-down (:func:`rank_sets.marginal_holm`:
    the model's errors are correlated, and Holm holds under any dependence). Columns as
    :func:`ranks`, with ``method`` "sae".
    """
    columns = ["survey", "measure", "statistic", "rank", "rank_low", "rank_high", "peers", "peers_total", "method"]
    keys = ["survey", "measure", "statistic"]
    ok = model[model["sae_status"].isin(MODEL_STATUSES) & model["estimate"].notna() & model["se"].notna()]
    out = []
    for (survey, measure, statistic), group in ok.groupby(keys, sort=False, observed=True):
        where = np.flatnonzero(group["territory_code"].to_numpy() == code)
        if len(where) == 0:
            continue
        r = rank_sets.marginal_holm(group["estimate"].to_numpy(), group["se"].to_numpy(), int(where[0]))
        out.append((survey, measure, statistic, r.rank, r.low, r.high, r.peers, r.peers, "sae"))
    return pd.DataFrame(out, columns=columns)


JOINT_COLUMNS = ["joint_low", "joint_high", "joint_level"]


def joint_sets(ranked: pd.DataFrame, peers: pd.DataFrame, code: str) -> pd.DataFrame:
    """``ranked`` with the sets that hold for all its rows at once: what a table of ranks may show.

    A profile's tables show K ranks of one territory side by side; each marginal set covers its
    rank 95 % of the time, so that together they all cover far less often (0.95ᴷ for independent
    cells). The joint set of each row is Holm's step-down set (:func:`rank_sets.marginal_holm`, valid
    under any dependence between the peers' errors) at level 1 − 0.05 / K (Bonferroni over the K
    rows, valid whatever ties the rows: the same respondents answer every question), widened to
    contain the marginal set. Together they cover every true rank with probability ≥ 95 %
    (tests/views/test_joint_ranks.py measures it on a known truth).

    ``peers``: the peers' rows (survey, measure, statistic, method, territory_code, estimate, se)
    of every ranked cell; ``ranked``: the territory's rows (rank, rank_low, rank_high, peers, method).
    Adds ``joint_low``, ``joint_high`` and ``joint_level`` (the level of each set).
    """
    k = len(ranked)
    if k == 0:
        return ranked.assign(joint_low=pd.Series(dtype="int64"), joint_high=pd.Series(dtype="int64"), joint_level=1.0)
    level = 1 - (1 - RANK_LEVEL) / k
    keys = ["survey", "measure", "statistic", "method"]
    groups = {key: g for key, g in peers.groupby(keys, sort=False, observed=True)}
    low, high = [], []
    for r in ranked.itertuples(index=False):
        group = groups.get((r.survey, r.measure, r.statistic, r.method))
        where = np.flatnonzero(group["territory_code"].to_numpy() == code) if group is not None else []
        if len(where) == 0:  # no peers to recompute from: the whole level, the only sure set
            low.append(1), high.append(int(r.peers))
            continue
        s = rank_sets.marginal_holm(group["estimate"].to_numpy(), group["se"].to_numpy(), int(where[0]), level)
        low.append(min(s.low, int(r.rank_low))), high.append(max(s.high, int(r.rank_high)))
    return ranked.assign(
        joint_low=np.array(low, dtype="int64"), joint_high=np.array(high, dtype="int64"), joint_level=level
    )


def ordinal(k: int, lang: str) -> str:
    """'1er', '2e' in French; '1st', '2nd', '3rd', '11th' in English."""
    if lang == "fr":
        return "1er" if k == 1 else f"{k}e"
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def rank_text(
    rank: int, low: int, high: int, peers: int, level: str, lang: str, peers_total: int | None = None,
    model: bool = False,
) -> str:  # fmt: skip
    """'12e sur 101 départements (rang entre le 5e et le 24e, parmi les 24 premiers)'.

    The set of ranks compatible with the data at 95 %: when it spans more than half the peers,
    the rank is said to be uncertain rather than given; when it lies in the first or last quarter,
    that is said.
    """
    fr = lang == "fr"
    plural = LEVEL_PLURALS.get(level, (level, level))[0 if fr else 1]
    if model:  # every modelled EPCI is ranked: the peer set is named by the model, not by reliability
        plural += ", estimations du modèle," if fr else ", model estimates,"  # no parentheses beside parentheses
        peers_total = None
    n_peers = i18n.count(peers, lang)
    if high - low + 1 > peers / 2:
        return (
            f"classement incertain parmi {n_peers} {plural} (rang entre le {ordinal(low, lang)} et le {ordinal(high, lang)})"
            if fr
            else f"uncertain ranking among {n_peers} {plural} (rank between {ordinal(low, lang)} and {ordinal(high, lang)})"
        )
    head = f"{ordinal(rank, lang)} {'sur' if fr else 'of'} {n_peers} {plural}"
    if peers_total and peers_total > peers:  # the peer set named: only reliable estimates are ranked
        head += (
            f" dont l'estimation est fiable (sur {i18n.count(peers_total, lang)})"
            if fr
            else f" with a reliable estimate (of {i18n.count(peers_total, lang)})"
        )
    if low == high:
        body = "rang sûr à 95 %" if fr else "rank certain at 95%"
    elif low == 1 and high <= peers / 4:  # in the first quarter: said as such
        body = f"parmi les {high} premiers" if fr else f"among the top {high}"
    elif high == peers and low > 3 * peers / 4:
        body = f"parmi les {peers - low + 1} derniers" if fr else f"among the bottom {peers - low + 1}"
    elif fr:
        body = f"rang entre le {ordinal(low, lang)} et le {ordinal(high, lang)}"
    else:
        body = f"rank between {ordinal(low, lang)} and {ordinal(high, lang)}"
    if peers_total and peers_total > peers:  # no parentheses inside parentheses
        return f"{head}, {body}"
    return f"{head} ({body})"
