"""Zone portraits under a global null: every survey's answers permuted across its respondents.

Usage: ``python -m benchmarks.zone_null [--db data/observatory.duckdb] [--seed 1] [--zones 200] [--out benchmarks/results]``.
Writes ``<out>/zone_null.md`` and ``.json``.

On a copy of the database, each survey-wave's answers are given to other respondents of the same
survey and wave at random, by :func:`benchmarks.portrait_null.permute` (the territories' null): no
set of communes differs from any other in truth. Nothing stored needs recomputing for the zones'
findings: a zone's figures, its tests against the rest of France and of each département and its
changes are sums over the answers themselves (``respondents`` and the answer tables), read from the
permuted copy when its first zone is asked (:func:`observatory.data.zones.zone_moments`, cached per
process by file and data version). The stored tables derived from the answers (``estimates``, the
small-area model's) are left as they were: the portrait reads only the model's from them, for the
figures shown beside thin cells, never for a finding.

Random zones (seeded) of four kinds, in turn (:data:`SIZES`): the communes of 1 to 5 random EPCIs
of France; 50 to 800 random communes of one département (at most half of it); the communes of 1 to
10 cantons of one département, or of 1 to 3 legislative constituencies (``zoning_communes``). Each
is stored alone (no zone before it: none counts as published for its guard) and its portrait
computed by the zone page's own code (:func:`observatory.views.zone.zone_portrait`).
Its key findings are one family under Benjamini–Hochberg at 5 % (what the app states), side by side
with each test at 5 % (no multiplicity control), split by comparison: the rest of France, the rest
of each département the zone lies in, the previous wave.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import binomtest

from benchmarks import provenance, write_results
from benchmarks.portrait_null import permute
from observatory.core.config import get_settings
from observatory.data import zones as dz
from observatory.data.service import Observatory
from observatory.views import zone as zv
from observatory.views.zone_findings import ZoneFinding

ROOT = Path(__file__).resolve().parent.parent
# How many units a zone of each kind unites (inclusive): EPCIs anywhere in France, communes of one
# département (at most half of it: the rest of the département is tested too), cantons and
# legislative constituencies of one département (``zoning_communes``).
SIZES = {"epcis": (1, 5), "communes": (50, 800), "canton": (1, 10), "circonscription": (1, 3)}
KINDS = tuple(SIZES)  # drawn in turn
RAW_ALPHA = 0.05  # each test at 5 %: the rule without multiplicity control
# The comparisons split; "territorial" is either of the first two (the headline: all false under the null).
FAMILIES = {
    "france": lambda f: f.versus == "france",
    "departement": lambda f: f.versus == "parent",
    "territorial": lambda f: f.versus != "previous_wave",
    "previous_wave": lambda f: f.versus == "previous_wave",
}
RULES = {"fdr": "Benjamini–Hochberg at 5 % (the app)", "raw": "each test at 5 % (no control)"}


@dataclasses.dataclass(frozen=True)
class DrawnZone:
    """A random zone: its kind, what it was drawn from (EPCI, département or zoning codes), its communes."""

    kind: str
    source: str
    codes: tuple[str, ...]


def draw_zones(communes: pd.DataFrame, zonings: pd.DataFrame, count: int, seed: int) -> list[DrawnZone]:
    """``count`` random zones, the kinds of :data:`KINDS` in turn (a kind without data is skipped).

    Args:
        communes: ``code, departement_code, epci_code``, one row per commune.
        zonings: ``kind, zoning_code, departement_code, commune_code`` (``zoning_communes``; may be empty).
        count: how many zones.
        seed: the same seed and tables give the same zones.
    """
    rng = np.random.default_rng(seed)
    by_dep = _groups(communes, "departement_code", "code")
    pools = {
        "epcis": {"": _groups(communes, "epci_code", "code")},
        "communes": {
            d: {c: (c,) for c in codes} for d, codes in by_dep.items() if len(codes) >= 2 * SIZES["communes"][0]
        },
    }
    for kind in ("canton", "circonscription"):
        part = zonings[zonings["kind"] == kind]
        pools[kind] = {
            d: _groups(units, "zoning_code", "commune_code") for d, units in _split(part, "departement_code")
        }
    kinds = [k for k in KINDS if pools[k]]
    return [_draw(kinds[i % len(kinds)], pools[kinds[i % len(kinds)]], rng) for i in range(count)] if kinds else []


def _split(frame: pd.DataFrame, key: str) -> list[tuple[str, pd.DataFrame]]:
    """The rows of each key, keys sorted."""
    return [(str(k), part) for k, part in sorted(frame.dropna(subset=[key]).groupby(key), key=lambda kv: str(kv[0]))]


def _groups(frame: pd.DataFrame, key: str, code: str) -> dict[str, tuple[str, ...]]:
    """Each key's sorted codes, keys sorted (so that a draw depends on the seed only, not on row order)."""
    return {k: tuple(sorted(set(map(str, part[code].dropna())))) for k, part in _split(frame, key)}


def _draw(kind: str, pool: dict[str, dict[str, tuple[str, ...]]], rng: np.random.Generator) -> DrawnZone:
    """Units of one random group of ``pool`` (a département, or all of France for EPCIs), their communes united."""
    group = sorted(pool)[int(rng.integers(len(pool)))]
    units = sorted(pool[group])
    low, high = SIZES[kind]
    if kind == "communes":
        high = min(high, len(units) // 2)
    size = min(int(rng.integers(low, high + 1)), len(units))
    picked = sorted(str(u) for u in rng.choice(units, size=size, replace=False))
    codes = tuple(sorted({c for u in picked for c in pool[group][u]}))
    source = (
        f"{group}:{len(picked)} communes" if kind == "communes" else ":".join(filter(None, (group, "+".join(picked))))
    )
    return DrawnZone(kind, source, codes)


def zone_row(zone: DrawnZone, zone_id: str, tests: tuple[ZoneFinding, ...], stated: list[ZoneFinding]) -> dict:
    """One zone's counts: tests, statements under the app's rule and at 5 % each, per comparison."""
    row = {"kind": zone.kind, "source": zone.source, "communes": len(zone.codes), "id": zone_id}
    for family, pick in FAMILIES.items():
        row[f"{family}_tests"] = sum(map(pick, tests))
        row[f"{family}_fdr"] = sum(map(pick, stated))
        row[f"{family}_raw"] = sum(pick(f) and _raw(f) for f in tests)
    row["stated"] = [
        [f.versus, f.departement, f.indicator, f.survey, f.measure, f.statistic]
        for f in stated
        if f.versus != "previous_wave"
    ]
    return row


def _raw(f: ZoneFinding) -> bool:
    """Whether a test says a difference at 5 % on its own (as benchmarks.portrait_null counts it)."""
    return f.p_value < RAW_ALPHA and f.direction != "not_significant"


def portraits(obs: Observatory, zones: list[DrawnZone], folder: Path) -> list[dict]:
    """Each zone stored alone (its own folder) and its portrait computed by the zone page's code."""
    rows = []
    for i, zone in enumerate(zones):
        store = dz.ZoneStore(folder / f"{i:04d}")
        definition, _new = store.save(zone.codes)
        findings = zv.zone_portrait(obs, store, definition.id).findings
        rows.append(zone_row(zone, definition.id, findings.tests, findings.stated()))
    return rows


def summary(rows: list[dict]) -> dict:
    """Per kind of zone (and all together) and comparison: tests, statements, share of zones stating any.

    The share among every zone drawn and among the zones with at least one test of the comparison
    (a zone without one, its cells suppressed or refused, can state nothing: the share that says
    whether the procedure holds is the second).
    """
    out = {}
    for kind in ("all", *KINDS):
        part = [r for r in rows if kind in ("all", r["kind"])]
        if not part:
            continue
        for family in FAMILIES:
            tests = np.array([r[f"{family}_tests"] for r in part])
            tested = tests > 0
            stats = {
                "zones": len(part),
                "zones_tested": int(tested.sum()),
                "mean_tests": float(tests[tested].mean()) if tested.any() else 0.0,
            }
            for rule in RULES:
                values = np.array([r[f"{family}_{rule}"] for r in part])
                stats |= {
                    f"{rule}_mean_stated": float(values.mean()),
                    f"{rule}_max_stated": int(values.max()),
                    f"{rule}_share_any": float((values > 0).mean()),
                    f"{rule}_share_any_tested": float((values[tested] > 0).mean()) if tested.any() else None,
                    f"{rule}_share_of_tests": float(values.sum() / tests.sum()) if tests.any() else None,
                }
            out[f"{kind} / {family}"] = stats
    return out


def stated_by_measure(rows: list[dict]) -> dict[str, int]:
    """The territorial statements of every zone by indicator, survey and measure (most frequent first)."""
    counts = Counter(
        f"{indicator} / {survey} / {measure}" for r in rows for _v, _d, indicator, survey, measure, _s in r["stated"]
    )
    return dict(counts.most_common())


def _interval(k: int, n: int) -> tuple[float, float]:
    """The exact (Clopper–Pearson) 95 % interval of a share of k in n."""
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


def _span(kind: str) -> str:
    low, high = SIZES[kind]
    return f"{low} to {high}"


def _line(label: str, s: dict, rule: str) -> str:
    tested = s[f"{rule}_share_any_tested"]
    return (
        f"| {label} | {s['zones']} | {s['zones_tested']} | {s['mean_tests']:.0f} | {RULES[rule]} | "
        f"{s[f'{rule}_mean_stated']:.2f} | {s[f'{rule}_max_stated']} | {100 * s[f'{rule}_share_any']:.1f} % | "
        f"{'–' if tested is None else f'{100 * tested:.1f} %'} |"
    )


HEADER = [
    "| zones / tests | zones | zones with a test | tests per tested zone | rule | mean statements | max "
    "| zones stating anything | among zones with a test |",
    "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
]


def markdown(result: dict) -> str:
    """The results as the Markdown file."""
    levels = result["levels"]
    lines = [
        "# Zone portraits under a global null (answers permuted across respondents)",
        "",
        f"Measured {result['measured_at']} on {result['machine']}: `python -m benchmarks.zone_null --seed "
        f"{result['seed']} --zones {result['zones']}`, database `{result['db']}` ({result['data']}), {result['seconds']:.0f} s "
        f"({result['prepare_seconds']:.0f} s to copy and permute the database). Every survey-wave's "
        "answers given to other respondents of the same survey and wave at random (`benchmarks.portrait_null.permute`), "
        "the zones' figures read afresh from the permuted answers, key findings by the zone page's own code "
        "(`observatory.views.zone.zone_portrait`). No set of communes differs from another in truth.",
        "",
        f"Zones (seeded), {', '.join(KINDS)} in turn: the communes of {_span('epcis')} random EPCIs of France; "
        f"{_span('communes')} random communes of one département (at most half of it); the communes of "
        f"{_span('canton')} random cantons of one département; of {_span('circonscription')} legislative "
        "constituencies of one département. Each stored alone (no zone before it for the guard). One family per "
        "zone under Benjamini–Hochberg, as the app states it: every reliable test of the latest waves against the "
        "rest of France and of each département the zone lies in, and every reliable change since the previous wave.",
        "",
        "Territorial tests (against the rest of France and of a département) are all false under this null. "
        "Changes between waves are not: permuting within a wave keeps each wave's national level, so a national "
        "change between waves is real and every zone inherits it; they are reported apart, out of the headline "
        "(but they are in the family, and their true discoveries loosen the procedure's threshold for the rest).",
        "",
        *HEADER,
    ]
    for family in FAMILIES:
        for rule in RULES:
            lines.append(_line(f"all / {family}", levels[f"all / {family}"], rule))
    lines += ["", "The territorial tests by kind of zone:", "", *HEADER]
    for kind in KINDS:
        for rule in RULES:
            if f"{kind} / territorial" in levels:
                lines.append(_line(f"{kind} / territorial", levels[f"{kind} / territorial"], rule))
    top = list(result["stated_by_measure"].items())[:8]
    if top:
        lines += ["", "Territorial statements (app's rule), all zones, by indicator / survey / measure: "
                  + "; ".join(f"{k}: {v}" for k, v in top) + "."]  # fmt: skip
    singles = ", ".join(
        f"{family} {100 * levels[f'all / {family}']['raw_share_of_tests']:.1f} %"
        for family in FAMILIES
        if levels[f"all / {family}"]["raw_share_of_tests"] is not None
    )
    head = levels["all / territorial"]
    share, tested = 100 * head["fdr_share_any"], head["fdr_share_any_tested"]
    if tested is None:
        measured, verdict = "no zone tested", "not met"
    else:
        low, high = _interval(round(tested * head["zones_tested"]), head["zones_tested"])
        measured = (
            f"{100 * tested:.1f} % of the {head['zones_tested']} with a test (95 % interval "
            f"{100 * low:.1f}–{100 * high:.1f} %)"
        )
        verdict = (
            "not met"
            if tested > 0.10
            else "met, the whole interval below it"
            if high <= 0.10
            else ("met by the point estimate, not by the whole interval")
        )
    lines += [
        "",
        f"Single tests significant at 5 % (no control), share of all tests: {singles} (about 5 % expected of "
        "calibrated tests under the null, except the changes).",
        "",
        f"Target: at most 10 % of zones state any territorial finding under the null. Measured: {share:.1f} % of "
        f"the {head['zones']} zones drawn, {measured} ({verdict}).",
        "",
    ]
    return "\n".join(lines)


def data_of(db: Path) -> str:
    """The database's data and schema versions (``meta``), as the results name them."""
    with duckdb.connect(str(db), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return f"data version {meta.get('data_version')}, schema {meta.get('schema_version')}"


def read_zone_sources(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The communes (code, département, EPCI) and the zonings' communes of a database."""
    with duckdb.connect(str(db), read_only=True) as con:
        communes = con.execute(
            "SELECT code, departement_code, epci_code FROM territories WHERE level = 'commune' ORDER BY code"
        ).df()
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'zoning_communes'"
        ).fetchone()
        zonings = (
            con.execute(
                "SELECT kind, zoning_code, departement_code, commune_code FROM zoning_communes ORDER BY ALL"
            ).df()
            if has and has[0]
            else pd.DataFrame(columns=["kind", "zoning_code", "departement_code", "commune_code"])
        )
    return communes, zonings


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.zone_null", description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "observatory.duckdb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--zones", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "observatory.duckdb"
        shutil.copy2(args.db, db)
        permute(db, args.seed)
        prepared = time.perf_counter() - start
        data = data_of(db)
        zones = draw_zones(*read_zone_sources(db), args.zones, args.seed)
        settings = dataclasses.replace(
            get_settings(), db_path=db, geo_dir=args.db.parent / "geo", zones_dir=Path(tmp) / "zones"
        )
        rows = portraits(Observatory(settings), zones, Path(tmp) / "zones")
    result = {
        **provenance(),
        "db": str(args.db),
        "data": data,
        "seed": args.seed,
        "zones": args.zones,
        "seconds": time.perf_counter() - start,
        "prepare_seconds": prepared,
        "levels": summary(rows),
        "stated_by_measure": stated_by_measure(rows),
        "portraits": rows,
    }
    write_results(args.out, "zone_null", result, markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
