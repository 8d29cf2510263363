"""A territory's key findings: the differences the portrait states, under Benjamini–Hochberg.

Every test the portrait could state is one family — each reliable cell against the rest of France
and against the rest of its parent, each reliable change since the previous wave, and, for an
EPCI, each small-area model cell against France (a z-test whose variance counts the model's MSE)
— and only the tests that survive Benjamini–Hochberg at 5 % over the whole family are stated, each
with its value, interval, n, reliability and raw and adjusted p-values. The family's size is said.
A cell stated against both rests the same way is one sentence (both tests stay in the family).
The significant differences of low-reliability cells are counted, not stated. Pure functions of
the estimates; re-exported by :mod:`observatory.views.portrait`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from observatory.stats.finalize import Z95, z_test
from observatory.stats.pairwise import benjamini_hochberg
from observatory.views.portrait_ranks import Rank

MAX_PER_GROUP = 3  # statements shown per comparison (a one-minute read); the others are counted
FDR = 0.05  # the false-discovery rate controlled over a portrait's family of tests
PROCEDURE = "benjamini-hochberg"
VERSUS = ("france", "parent", "previous_wave")


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

    def joint_of(self, f: Finding) -> Finding | None:
        """The parent's statement on the cell of a France statement, the same way (one sentence says both)."""
        if f.versus != "france" or f.source != "direct":
            return None
        return next((g for g in self.findings.get("parent", []) if _same_claim(f, g)), None)

    def _own(self, versus: str) -> list[Finding]:
        """A comparison's own statements: the parent's, less those said with France's shown ones."""
        found = self.findings.get(versus, [])
        if versus != "parent":
            return found
        said = [g for f in self.findings.get("france", [])[:MAX_PER_GROUP] if (g := self.joint_of(f))]
        return [f for f in found if not any(f is g for g in said)]

    def shown(self, versus: str) -> list[Finding]:
        """The statements shown for a comparison: the ``MAX_PER_GROUP`` smallest p-values.

        The parent's statements already said with France's (same cell, same way) are not repeated.
        """
        return self._own(versus)[:MAX_PER_GROUP]

    def more(self, versus: str) -> int:
        """How many reliable significant differences of a comparison are not stated."""
        return max(0, len(self._own(versus)) - MAX_PER_GROUP)

    def joined(self, versus: str) -> int:
        """How many of a comparison's statements are said with another's (the parent's, with France's)."""
        return len(self.findings.get(versus, [])) - len(self._own(versus))

    def statements(self, versus: str) -> list[tuple[Finding, Finding | None]]:
        """The statements shown for a comparison, each with the parent's said in the same sentence."""
        return [(f, self.joint_of(f)) for f in self.shown(versus)]

    def all_shown(self) -> list[Finding]:
        """Every statement shown, France first, then the parent, then the changes (one per sentence)."""
        return [f for versus in VERSUS for f in self.shown(versus)]


def _same_claim(f: Finding, g: Finding) -> bool:
    """Two statements of one cell of the territory, pointing the same way."""
    cell = ("indicator", "survey", "wave", "measure", "statistic", "direction")
    return g.source == "direct" and all(getattr(f, a) == getattr(g, a) for a in cell)


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
        _finding(
            r,
            versus,
            r[column],
            p_value=float(r["_p"]),
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
    """The column of the rows holding the p-value of a test against France or the parent."""
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


def change_findings(changes: pd.DataFrame | None) -> tuple[list[Finding], int]:
    """Every reliable change of the territory tested since the previous wave (a change table)."""
    if changes is None or changes.empty:
        return [], 0
    tested = changes[changes["significance"].isin(["increase", "decrease", "not_significant"])]
    tested = tested[tested["p_value"].notna()]
    reliable = tested[tested["reliability"] == "ok"]
    low = int(((tested["reliability"] == "low") & tested["significance"].isin(["increase", "decrease"])).sum())
    reliable = reliable.sort_values(["p_value", "measure"], kind="stable")
    out = [
        _finding(
            r,
            "previous_wave",
            r["significance"],
            wave=int(r["wave_to"]),
            estimate=float(r["estimate_to"]),
            ci_low=np.nan,
            ci_high=np.nan,
            n=int(r["n_to"]),
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


# How each field of a Finding is read from a row of estimates (a test's own fields are overridden).
_FROM_ROW = {
    "indicator": lambda r: r["indicator"],
    "survey": lambda r: r["survey"],
    "wave": lambda r: int(r["wave"]),
    "measure": lambda r: r["measure"],
    "statistic": lambda r: r["statistic"],
    "estimate": lambda r: float(r["estimate"]),
    "ci_low": lambda r: float(r["ci_low"]),
    "ci_high": lambda r: float(r["ci_high"]),
    "n": lambda r: int(r["n"]) if pd.notna(r["n"]) else 0,
    "reliability": lambda r: r["reliability"],
    "p_value": lambda r: float(r["p_value"]),
    "reference": lambda r: _num(r["reference"]),
    "reference_low": lambda r: _num(r["reference_low"]),
    "reference_high": lambda r: _num(r["reference_high"]),
}


def _finding(r: pd.Series, versus: str, direction: str, **overrides: object) -> Finding:
    """A test of a row of estimates: its cell, value and reference read from the row, unless overridden."""
    fields = {name: overrides.pop(name) if name in overrides else read(r) for name, read in _FROM_ROW.items()}
    return Finding(versus=versus, direction=direction, **fields, **overrides)


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
    for (_, r), p, d in zip(m.iterrows(), p_value, diff, strict=True):
        direction = "above" if d > 0 else "below"
        key = (r["survey"], r["measure"], r["statistic"])
        if key not in parent_says:
            source = "model_unchecked"
        elif parent_says[key] in ("above", "below") and parent_says[key] != direction:
            source = "model_contradicted"
        else:
            source = "model"
        out.append(
            _finding(r, "france", direction, reliability="model", p_value=float(p), difference=float(d), source=source)
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
    :func:`~observatory.views.portrait_ranks.ranks`; ``model``: the small-area model's estimates (with
    ``se``, the root MSE) of the cells whose direct estimate is not reliable (an EPCI's).

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
        ("previous_wave", change_findings(changes)),
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
