"""A territory's portrait in words: the key findings and the rank among its peers.

Pure functions of the estimates (tidy frames of :mod:`observatory.stats`); no Dash, no database.

- **Key findings**: every test the portrait could state is one family — each reliable cell
  against the rest of France and against the rest of its parent, each reliable change since the
  previous wave, and, for an EPCI, each small-area model cell against France (a z-test whose
  variance counts the model's MSE) — and only the tests that survive Benjamini–Hochberg at 5 %
  over the whole family are stated, each with its value, interval, n, reliability and raw and
  adjusted p-values. The family's size is said. The significant differences of low-reliability
  cells are counted, not stated.
- **Rank with its uncertainty**: the rank of the territory's estimate among the reliable cells of
  its level, and the 95 % confidence set of that rank (Mogstad, Romano, Shaikh & Wilhelm 2024:
  :mod:`observatory.stats.ranks`), which covers the true rank with a guarantee; the parametric
  bootstrap of the ranks used before (:func:`bootstrap_rank_interval`) is kept for comparison.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from observatory import i18n
from observatory import reference as ref
from observatory.stats import ranks as rank_sets
from observatory.stats.finalize import Z95, z_test
from observatory.stats.pairwise import benjamini_hochberg
from observatory.stats.sae import MODEL_STATUSES

RANK_DRAWS = rank_sets.DRAWS  # draws of the sampling errors for the rank sets' critical values
RANK_SEED = rank_sets.SEED  # fixed: the same page shows the same set at every visit
RANK_LEVEL = 0.95
MAX_PER_GROUP = 3  # statements shown per comparison (a one-minute read); the others are counted
FDR = 0.05  # the false-discovery rate controlled over a portrait's family of tests
PROCEDURE = "benjamini-hochberg"
VERSUS = ("france", "parent", "previous_wave")
LEVEL_PLURALS = {
    "commune": ("communes", "municipalities"),
    "epci": ("intercommunalités", "intercommunalities"),
    "departement": ("départements", "départements"),
    "region": ("régions", "regions"),
}


# --- ranks ---------------------------------------------------------------------------------------
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


# --- key findings --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One statement: a cell of the territory that differs significantly from a reference.

    ``versus`` is france, parent or previous_wave; ``direction`` above/below (against France or
    the parent) or increase/decrease (since the previous wave). ``reference`` is the value it is
    set beside (France's, the parent's, or the previous wave's estimate); for a change,
    ``estimate`` is the latest wave's and ``difference`` with its CI the change. ``source`` is
    'direct' (the survey estimate) or 'model' (the small-area model's).
    """

    versus: str
    direction: str
    indicator: str
    survey: str
    wave: int
    measure: str
    statistic: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    reliability: str
    p_value: float
    reference: float | None
    reference_low: float | None
    reference_high: float | None
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    wave_from: int | None = None
    source: str = "direct"
    rank: Rank | None = None
    p_adjusted: float = float("nan")
    rest: bool = False  # the reference is the rest of France or of the parent (what was tested)


@dataclass
class KeyFindings:
    """The statements that survive the false-discovery control, per comparison, smallest p first.

    ``low``: significant differences on cells of low reliability (counted, never stated);
    ``tested``: reliable cells tested against each reference (0: nothing to compare);
    ``modelled``: cells of the small-area model compared with it.
    """

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    low: dict[str, int] = field(default_factory=dict)
    tested: dict[str, int] = field(default_factory=dict)
    modelled: dict[str, int] = field(default_factory=dict)
    family: int = 0  # the tests of the family (every comparison the portrait could state)
    procedure: str = PROCEDURE
    tests: list[Finding] = field(default_factory=list)  # every test of the family, stated or not

    @staticmethod
    def is_stated(f: Finding, q: float = FDR) -> bool:
        """A test is stated when it survives the procedure, points one way and is not contradicted."""
        return (
            f.p_adjusted < q
            and f.direction in ("above", "below", "increase", "decrease")
            and f.source not in ("model_contradicted", "model_unchecked")
        )

    @property
    def stated(self) -> int:
        """How many tests of the family survive the procedure (all stated, some folded)."""
        return sum(len(v) for v in self.findings.values())

    def shown(self, versus: str) -> list[Finding]:
        """The statements shown for a comparison: the ``MAX_PER_GROUP`` smallest p-values."""
        return self.findings.get(versus, [])[:MAX_PER_GROUP]

    def more(self, versus: str) -> int:
        """How many reliable significant differences of a comparison are not stated."""
        return max(0, len(self.findings.get(versus, [])) - MAX_PER_GROUP)

    def all_shown(self) -> list[Finding]:
        """Every statement shown, France first, then the parent, then the changes."""
        return [f for versus in VERSUS for f in self.shown(versus)]


def _rank_of(ranked: pd.DataFrame, survey: str, measure: str, statistic: str) -> Rank | None:
    if ranked is None or ranked.empty:
        return None
    hit = ranked[(ranked["survey"] == survey) & (ranked["measure"] == measure) & (ranked["statistic"] == statistic)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    total = int(r["peers_total"]) if "peers_total" in r and pd.notna(r["peers_total"]) else None
    model = "method" in r and r["method"] == "sae"
    return Rank(int(r["rank"]), int(r["rank_low"]), int(r["rank_high"]), int(r["peers"]), total, model)


def _reference(rows: pd.DataFrame, scope: str) -> pd.DataFrame:
    keys = ["survey", "measure", "statistic"]
    ref_rows = rows.loc[rows["scope"] == scope, [*keys, "estimate", "ci_low", "ci_high"]]
    return ref_rows.rename(columns={"estimate": "reference", "ci_low": "reference_low", "ci_high": "reference_high"})


def _tested(rows: pd.DataFrame, column: str) -> int:
    """Reliable cells of the territory with a test in ``column``."""
    if rows is None or column not in rows:
        return 0
    terr = rows[rows["reliability"] == "ok"]
    if "scope" in terr:
        terr = terr[terr["scope"] == "territory"]
    return int(terr[column].isin(["above", "below", "increase", "decrease", "not_significant"]).sum())


def _differences(rows: pd.DataFrame, versus: str, ranked: pd.DataFrame | None) -> tuple[list[Finding], int]:
    """Every reliable cell of the territory tested against France ('significance') or its parent.

    Returns them (direction: the test's verdict, ``not_significant`` included) and the number of
    significant differences on cells of low reliability.
    """
    column, scope = ("significance", "france") if versus == "france" else ("vs_parent", "parent")
    if column not in rows:
        return [], 0
    terr = rows[(rows["scope"] == "territory") & rows[column].isin(["above", "below", "not_significant"])]
    if scope == "parent" and "p_value_parent" not in terr:
        terr = terr.assign(p_value_parent=np.nan)
    terr = terr.merge(_reference(rows, scope), on=["survey", "measure", "statistic"], how="left")
    terr = _with_rest(terr, "estimate_rest" if versus == "france" else "estimate_rest_parent", p_column_of(versus))
    reliable = terr[terr["reliability"] == "ok"]
    low = int(((terr["reliability"] == "low") & terr[column].isin(["above", "below"])).sum())
    p_column = p_column_of(versus)
    reliable = reliable[reliable[p_column].notna()]
    reliable = reliable.assign(_p=reliable[p_column].fillna(1.0)).sort_values(["_p", "measure"], kind="stable")
    out = [
        Finding(
            versus=versus,
            direction=r[column],
            indicator=r["indicator"],
            survey=r["survey"],
            wave=int(r["wave"]),
            measure=r["measure"],
            statistic=r["statistic"],
            estimate=float(r["estimate"]),
            ci_low=float(r["ci_low"]),
            ci_high=float(r["ci_high"]),
            n=int(r["n"]),
            reliability=r["reliability"],
            p_value=float(r["_p"]),
            reference=_num(r["reference"]),
            reference_low=_num(r["reference_low"]),
            reference_high=_num(r["reference_high"]),
            source=r["source"] if "source" in r and isinstance(r["source"], str) else "direct",
            rank=_rank_of(ranked, r["survey"], r["measure"], r["statistic"]),
            difference=_num(r["difference"]),
            difference_low=_num(r["difference_low"]),
            difference_high=_num(r["difference_high"]),
            rest=bool(r["rest"]),
        )
        for _, r in reliable.iterrows()
    ]
    return out, low


Z_UNDERFLOW = 37.5  # a |z| whose two-sided p-value is still above 0 in double precision


def p_column_of(versus: str) -> str:
    return "p_value" if versus == "france" else "p_value_parent"


def _with_rest(terr: pd.DataFrame, column: str, p_column: str) -> pd.DataFrame:
    """Where the rest's estimate is known (what the test compared with), it is the reference.

    The difference's standard error is read back from the test, |d| / z(p) (the z-test of
    :func:`observatory.stats.finalize.z_test`), and gives the difference's 95 % interval and the
    rest's own (√(se_d² − se²)).
    """
    out = terr.assign(difference=np.nan, difference_low=np.nan, difference_high=np.nan, rest=False)
    if column not in terr or p_column not in terr or not len(terr):
        return out
    rest = pd.to_numeric(terr[column], errors="coerce").to_numpy(float)
    est = terr["estimate"].to_numpy(float)
    p = pd.to_numeric(terr[p_column], errors="coerce").to_numpy(float)
    diff = est - rest
    with np.errstate(divide="ignore", invalid="ignore"):
        # −Φ⁻¹(p/2) keeps its precision for tiny p; p = 0 (|z| beyond ≈ 38 in double precision)
        # takes z = 37.5, which overstates the standard error: the intervals err on the wide side.
        z = np.where(p > 0, -ndtri(p / 2), Z_UNDERFLOW)
        se_d = np.where((z > 0) & np.isfinite(z), np.abs(diff) / z, np.nan)
    se = terr["se"].to_numpy(float) if "se" in terr else np.full(len(terr), np.nan)
    se_rest = np.sqrt(np.clip(se_d**2 - np.nan_to_num(se) ** 2, 0, None))
    known = np.isfinite(rest) & np.isfinite(se_d)
    out["reference"] = np.where(known, rest, out["reference"])
    out["reference_low"] = np.where(known, rest - Z95 * se_rest, out["reference_low"])
    out["reference_high"] = np.where(known, rest + Z95 * se_rest, out["reference_high"])
    out["difference"] = np.where(known, diff, np.nan)
    out["difference_low"] = np.where(known, diff - Z95 * se_d, np.nan)
    out["difference_high"] = np.where(known, diff + Z95 * se_d, np.nan)
    out["rest"] = known
    return out


def _changes(changes: pd.DataFrame | None) -> tuple[list[Finding], int]:
    """Every reliable change of the territory tested since the previous wave (a change table)."""
    if changes is None or changes.empty:
        return [], 0
    tested = changes[changes["significance"].isin(["increase", "decrease", "not_significant"])]
    tested = tested[tested["p_value"].notna()]
    reliable = tested[tested["reliability"] == "ok"]
    low = int(((tested["reliability"] == "low") & tested["significance"].isin(["increase", "decrease"])).sum())
    reliable = reliable.sort_values(["p_value", "measure"], kind="stable")
    out = [
        Finding(
            versus="previous_wave",
            direction=r["significance"],
            indicator=r["indicator"],
            survey=r["survey"],
            wave=int(r["wave_to"]),
            measure=r["measure"],
            statistic=r["statistic"],
            estimate=float(r["estimate_to"]),
            ci_low=np.nan,
            ci_high=np.nan,
            n=int(r["n_to"]),
            reliability=r["reliability"],
            p_value=float(r["p_value"]),
            reference=float(r["estimate_from"]),
            reference_low=None,
            reference_high=None,
            difference=float(r["difference"]),
            difference_low=float(r["ci_low"]),
            difference_high=float(r["ci_high"]),
            wave_from=int(r["wave_from"]),
        )
        for _, r in reliable.iterrows()
    ]
    return out, low


def _num(x: object) -> float | None:
    return float(x) if x is not None and pd.notna(x) else None


def _model_tests(rows: pd.DataFrame, model: pd.DataFrame | None) -> list[Finding]:
    """Every small-area model cell tested against France: (model − France) / √(MSE + se_France²).

    The model's root MSE is its standard error; France's estimate is a direct one (its sampling
    error independent of the model's, to within the territory's few respondents). A model cell is
    not tested against its parent: the model is not benchmarked to the parent's direct estimate,
    and the two can disagree (the small-area issue). Until it is, a model cell is stated only
    where the parent's direct estimate is reliable and does not contradict it: tested but never
    stated when the parent has no reliable estimate of the cell (source ``model_unchecked``: with a
    few respondents, the model's figure is mostly its covariates') or when the parent differs
    reliably from France the other way (``model_contradicted``).
    """
    if model is None or model.empty or "se" not in model:
        return []
    france = rows.loc[rows["scope"] == "france", ["survey", "measure", "statistic", "estimate", "ci_low", "ci_high"]]
    france = france.rename(columns={"estimate": "reference", "ci_low": "reference_low", "ci_high": "reference_high"})
    m = model.merge(france, on=["survey", "measure", "statistic"], how="inner")
    m = m[m["reference"].notna() & m["se"].notna()]
    if m.empty:
        return []
    ref_se = (m["reference_high"] - m["reference_low"]).to_numpy(float) / (2 * Z95)
    diff = m["estimate"].to_numpy(float) - m["reference"].to_numpy(float)
    p_value, _verdict = z_test(diff, np.sqrt(m["se"].to_numpy(float) ** 2 + np.nan_to_num(ref_se) ** 2))
    parent = rows[(rows["scope"] == "parent") & (rows["reliability"] == "ok")]
    parent_says = {  # the parent's reliable cells, and their own verdict against France
        (r.survey, r.measure, r.statistic): getattr(r, "significance", None) for r in parent.itertuples()
    }
    out = []
    for r, p, d in zip(m.itertuples(), p_value, diff, strict=True):
        direction = "above" if d > 0 else "below"
        key = (r.survey, r.measure, r.statistic)
        if key not in parent_says:
            source = "model_unchecked"
        elif parent_says[key] in ("above", "below") and parent_says[key] != direction:
            source = "model_contradicted"
        else:
            source = "model"
        out.append(
            Finding(
                versus="france",
                direction=direction,
                indicator=r.indicator,
                survey=r.survey,
                wave=int(r.wave),
                measure=r.measure,
                statistic=r.statistic,
                estimate=float(r.estimate),
                ci_low=float(r.ci_low),
                ci_high=float(r.ci_high),
                n=int(r.n) if pd.notna(r.n) else 0,
                reliability="model",
                p_value=float(p),
                reference=_num(r.reference),
                reference_low=_num(r.reference_low),
                reference_high=_num(r.reference_high),
                difference=float(d),
                source=source,
            )
        )
    return out


def key_findings(
    rows: pd.DataFrame,
    changes: pd.DataFrame | None,
    ranked: pd.DataFrame | None,
    model: pd.DataFrame | None = None,
    q: float = FDR,
) -> KeyFindings:
    """The statements of a profile, from its indicator rows (territory, parent and France).

    ``rows``: the profile's rows (scope territory | parent | france, with ``significance``
    against the rest of France and ``vs_parent`` against the rest of the parent); ``changes``:
    the territory's change table since the previous wave of each survey; ``ranked``: its
    :func:`ranks`; ``model``: the small-area model's estimates (with ``se``, the root MSE) of the
    cells whose direct estimate is not reliable (an EPCI's).

    Every test of the three comparisons and of the model is one family; Benjamini–Hochberg at
    ``q`` over it decides what is stated (each finding keeps its raw and adjusted p-values).
    Direct statements come first, the smallest p-value first, then the model's.
    """
    kf = KeyFindings()
    if rows is None or rows.empty:
        return kf
    candidates: dict[str, list[Finding]] = {}
    for versus, (found, low) in (
        ("france", _differences(rows, "france", ranked)),
        ("parent", _differences(rows, "parent", ranked)),
        ("previous_wave", _changes(changes)),
    ):
        candidates[versus], kf.low[versus] = found, low
    kf.tested["france"] = _tested(rows, "significance")
    kf.tested["parent"] = _tested(rows, "vs_parent") if "vs_parent" in rows else 0
    kf.tested["previous_wave"] = _tested(changes, "significance")
    modelled = _model_tests(rows, model)
    kf.modelled["france"], kf.modelled["parent"] = len(modelled), 0
    family = [f for versus in VERSUS for f in candidates[versus]] + modelled
    adjusted = benjamini_hochberg([f.p_value for f in family])
    kf.tests = [dataclasses.replace(f, p_adjusted=float(a)) for f, a in zip(family, adjusted, strict=True)]
    kf.family = len(kf.tests)
    for versus in VERSUS:
        stated = [f for f in kf.tests if f.versus == versus and kf.is_stated(f, q)]
        direct = [f for f in stated if f.source == "direct"]
        model_stated = sorted((f for f in stated if f.source != "direct"), key=lambda f: (f.p_value, f.measure))
        kf.findings[versus] = direct + model_stated
    return kf


def family_text(kf: KeyFindings, lang: str) -> str:
    """'9 écarts significatifs sur 108 comparaisons (taux de fausses découvertes contrôlé à 5 %)'."""
    if lang == "fr":
        return (
            f"{kf.stated} écart{'s' if kf.stated > 1 else ''} significatif{'s' if kf.stated > 1 else ''} sur "
            f"{kf.family} comparaison{'s' if kf.family > 1 else ''} (taux de fausses découvertes contrôlé à "
            f"{FDR:.0%}, procédure de Benjamini–Hochberg)".replace("%", " %")
        )
    return (
        f"{kf.stated} significant difference{'s' if kf.stated != 1 else ''} out of {kf.family} "
        f"comparison{'s' if kf.family != 1 else ''} (false-discovery rate controlled at {FDR:.0%}, "
        "Benjamini–Hochberg procedure)"
    )


# --- in words ------------------------------------------------------------------------------------
MODEL_WORDS = {"above": ("supérieur", "higher than"), "below": ("inférieur", "lower than")}
DIRECTION_WORDS = {
    "above": ("significativement supérieur", "significantly higher than"),
    "below": ("significativement inférieur", "significantly lower than"),
    "increase": ("hausse significative", "significant increase"),
    "decrease": ("baisse significative", "significant decrease"),
}


ACTORS = {
    "citoyens": ("de citoyens", "citizens"),
    "entreprises": ("d'entreprises", "companies"),
    "associations": ("d'associations", "associations"),
    "elus": ("de maires", "mayors"),
}


def meaning(f: Finding, lang: str) -> str:
    """What the direction means in the indicator's own terms (higher is not better or worse by itself).

    A higher fragility score or share is more *perceived fragility*; a higher partnership share,
    more actors practising it; a higher share of an answer, more respondents giving it.
    """
    fr = lang == "fr"
    up = f.direction in ("above", "increase")
    if f.indicator == "fragility":
        if f.statistic == "priority_share":
            return (
                ("plus" if up else "moins") + " de répondants jugeant ce domaine fragile"
                if fr
                else ("more" if up else "fewer") + " respondents rating this domain a priority fragility"
            )
        if f.versus == "previous_wave":
            return (
                "fragilité perçue " + ("en hausse" if up else "en baisse")
                if fr
                else "perceived fragility " + ("up" if up else "down")
            )
        return (
            "fragilité perçue " + ("plus forte" if up else "moins forte")
            if fr
            else ("more" if up else "less") + " perceived fragility"
        )
    who_fr, who_en = ACTORS.get(f.survey, ("de répondants", "respondents"))
    if f.indicator == "partnerships":
        what_fr = "partenaires" if f.measure == ref.PARTNER.code else "qui la pratiquent"
        what_en = "in partnership" if f.measure == ref.PARTNER.code else "practising it"
        return (
            f"{'plus' if up else 'moins'} {who_fr} {what_fr}"
            if fr
            else f"{'more' if up else 'fewer'} {who_en} {what_en}"
        )
    return (
        f"{'plus' if up else 'moins'} {who_fr} de cet avis"
        if fr
        else f"{'more' if up else 'fewer'} {who_en} of this view"
    )


def measure_name(f: Finding, lang: str) -> str:
    """'Emploi (citoyens, 2019)': the measure, its survey and wave."""
    among = (
        (" parmi les partenaires" if lang == "fr" else " among partners")
        if f.statistic == "share_among_partners"
        else ""
    )
    return f"{ref.label(f.measure, lang)}{among} ({ref.label(f.survey, lang).lower()}, {f.wave})"


def _value_ci(est: float | None, lo: float | None, hi: float | None, statistic: str, lang: str) -> str:
    if est is None:
        return "—"
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return i18n.value(est, statistic, lang)
    return f"{i18n.value(est, statistic, lang, lo, hi)} [{i18n.interval(lo, hi, statistic, lang)}]"


def finding_text(f: Finding, reference_name: str, level: str, lang: str) -> str:
    """A statement in plain words, with the values, their intervals, n, reliability and rank.

    ``reference_name``: 'la France' / 'France', or the parent's name.
    """
    fr = lang == "fr"
    stat = f.statistic
    tail = ""
    if f.source != "model":
        reliability = i18n.t(f.reliability, lang)
        tail = f"fiabilité {reliability}, n = {f.n}" if fr else f"{reliability} reliability, n = {f.n}"
    if f.versus == "previous_wave":
        change = f"{i18n.signed(f.difference, stat, lang)} {i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)}"
        words = DIRECTION_WORDS[f.direction][0 if fr else 1]
        since = f"depuis {f.wave_from}" if fr else f"since {f.wave_from}"
        values = f"{i18n.value(f.reference, stat, lang)} → {i18n.value(f.estimate, stat, lang)}"
        return (
            f"{measure_name(f, lang)}{i18n.colon(lang)}{words} {since}, {change} ({values}), "
            f"{meaning(f, lang)} — {tail}."
        )
    words = (MODEL_WORDS if f.source == "model" else DIRECTION_WORDS)[f.direction][0 if fr else 1]
    if fr:
        name = "la France" if reference_name == "France" else reference_name
        words += " " + (with_a_rest(name) if f.rest else with_a(name))
    else:
        words += " " + (f"the rest of {reference_name}" if f.rest else reference_name)
    if f.source == "model":
        tail = (
            f"estimation du modèle sur petits domaines (n = {f.n} répondants), test z avec l'erreur du modèle"
            if fr
            else f"small-area model estimate (n = {f.n} respondents), z-test with the model's error"
        )
    own = _value_ci(f.estimate, f.ci_low, f.ci_high, stat, lang)
    other = _value_ci(f.reference, f.reference_low, f.reference_high, stat, lang)
    rank = (
        f" ; {rank_text(f.rank.rank, f.rank.low, f.rank.high, f.rank.peers, level, lang, f.rank.peers_total, f.rank.model)}"
        if f.rank
        else ""
    )
    if not fr and rank:
        rank = rank.replace(" ; ", "; ", 1)
    gap = ""
    if f.rest and f.difference is not None:
        interval = i18n.signed_interval(f.difference_low, f.difference_high, stat, lang)
        gap = f", {'écart' if fr else 'difference'} {i18n.signed(f.difference, stat, lang)} {interval}"
    return f"{measure_name(f, lang)}{i18n.colon(lang)}{own}, {words} ({other}{gap}), {meaning(f, lang)} — {tail}{rank}."


def headline(kf: KeyFindings, name: str, parent: str | None, lang: str) -> str:
    """One sentence: how many reliable cells differ from France and from the parent, each way."""
    fr = lang == "fr"
    parts = []
    for versus, label in (("france", "la France" if fr else "France"), ("parent", parent)):
        if versus == "parent" and not parent:
            continue
        found = kf.findings.get(versus, [])
        above = sum(f.direction == "above" for f in found)
        below, tested = len(found) - above, kf.tested.get(versus, 0) + kf.modelled.get(versus, 0)
        if not tested:
            continue
        if fr:
            parts.append(f"{above} au-dessus et {below} en dessous {with_de(label)}, sur {tested}")
        else:
            parts.append(f"{above} above and {below} below {label}, of {tested}")
    if not parts:
        return (
            f"{name}{i18n.colon(lang)}aucune cellule assez fiable pour une comparaison (voir le détail ci-dessous)."
            if fr
            else f"{name}{i18n.colon(lang)}no cell reliable enough for a comparison (see the detail below)."
        )
    body = " ; ".join(parts) if fr else "; ".join(parts)
    lead = ", indicateurs significativement différents" if fr else ", indicators significantly different"
    return f"{name}{lead}{i18n.colon(lang)}{body}."


def with_de(name: str) -> str:
    """'de la France', 'du département (Loire)', 'de la région (Bretagne)'.

    A place name's own article is not known here ('la Loire'): names come after their level word
    (see :func:`reference_label`), which takes the article.
    """
    for word, prefix in (("département ", "du "), ("région ", "de la "), ("la France", "de ")):
        if name.startswith(word):
            return prefix + name
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÎ" else f"de {name}"


def with_a(name: str) -> str:
    """'à la France', 'au département (Loire)', 'à la région (Bretagne)'."""
    for word, prefix in (("département ", "au "), ("région ", "à la "), ("la France", "à ")):
        if name.startswith(word):
            return prefix + name
    return f"à {name}"


def with_a_rest(name: str) -> str:
    """'au reste de la France', 'au reste du département (Loire)', 'au reste de la région (Bretagne)'."""
    return "au reste " + with_de(name)


def reference_label(level: str, name: str, lang: str) -> str:
    """How a parent is named in the statements: 'département (Loire)' in French, 'Loire' in English."""
    if lang != "fr":
        return name
    word = {"departement": "département", "region": "région"}.get(level)
    return f"{word} ({name})" if word else name
