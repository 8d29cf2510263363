"""The portrait under a global null: every survey's answers permuted across its respondents.

Usage: ``python -m benchmarks.portrait_null [--db data/observatory.duckdb] [--seed 1] [--out benchmarks/results]``.
Writes ``<out>/portrait_null.md`` and ``.json``.

On a copy of the database, each survey-wave's answers (the fragility scores, partnerships, mayors'
answers and opinions of one respondent move together, keeping the correlation of one person's
answers) are given to another respondent of the same survey and wave, drawn at random: no
territory differs from any other in truth. The estimates are recomputed as a load would
(:func:`etl.estimates.rewrite_estimates`), then every département's portrait and those of the EPCIs
with at least 100 citizens are computed by the app's own code (:func:`views.profile.portrait_of`).

Side by side in the same run: the portrait's rule (one family per portrait, Benjamini–Hochberg at
5 %: what the app states) and the previous rule (each test stated at 5 %, no multiplicity control:
what the app stated before issue 25). The issue's target: at most 10 % of portraits state anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from benchmarks import provenance, write_results
from etl.estimates import rewrite_estimates
from observatory.core.config import get_settings
from observatory.data.service import Observatory
from observatory.views import profile as pv

ROOT = Path(__file__).resolve().parent.parent
ANSWER_TABLES = ("fragility", "partnerships", "mayors", "mayor_roles", "opinions")
EPCI_MIN_CITIZENS = 100


def permute(db: Path, seed: int) -> None:
    """Give each respondent's answers to another respondent of the same survey and wave."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TEMP TABLE perm AS WITH ids AS (SELECT survey, wave, respondent_id, "
            "row_number() OVER (PARTITION BY survey, wave ORDER BY respondent_id) AS k, "
            "row_number() OVER (PARTITION BY survey, wave ORDER BY hash(respondent_id || ?)) AS j FROM respondents) "
            "SELECT a.survey, a.wave, a.respondent_id AS old_id, b.respondent_id AS new_id "
            "FROM ids a JOIN ids b ON a.survey = b.survey AND a.wave = b.wave AND a.k = b.j",
            [str(seed)],
        )
        for table in ANSWER_TABLES:
            con.execute(
                f"UPDATE {table} SET respondent_id = perm.new_id FROM perm WHERE perm.survey = {table}.survey "
                f"AND perm.wave = {table}.wave AND perm.old_id = {table}.respondent_id"
            )
        con.execute("CHECKPOINT")


def territories(obs: Observatory) -> list[tuple[str, str]]:
    """Every département, and the EPCIs with at least EPCI_MIN_CITIZENS citizens in the last wave."""
    out = [("departement", c) for c in obs.territories("departement")["code"]]
    wave = obs.waves("citoyens")[-1]
    counts = obs.respondent_counts("citoyens", wave, "epci")
    out += [("epci", str(c)) for c in counts[counts >= EPCI_MIN_CITIZENS].index]
    return out


def portraits(obs: Observatory) -> list[dict]:
    """For each portrait: the family's size, what the app states, what each test at 5 % would."""
    rows = []
    for level, code in territories(obs):
        t = pv.resolve(obs, code if level != "region" else f"reg-{code}")
        if t is None or t.level != level:
            continue
        kf = pv.portrait_of(obs, t).findings
        row = {"level": level, "code": code, "family": kf.family}
        for versus in ("territorial", "previous_wave"):
            tests = [f for f in kf.tests if (f.versus == "previous_wave") == (versus == "previous_wave")]
            row[f"{versus}_tests"] = len(tests)
            row[f"{versus}_stated"] = sum(kf.is_stated(f) for f in tests)
            row[f"{versus}_raw"] = sum(f.p_value < 0.05 and f.direction != "not_significant" for f in tests)
        rows.append(row)
    return rows


def summary(rows: list[dict]) -> dict:
    """Per level and kind of test: mean and max statements, share of portraits stating anything.

    Under the app's rule (fdr) and with each test at 5 % (raw).
    """
    out = {}
    for level in sorted({r["level"] for r in rows}):
        part = [r for r in rows if r["level"] == level]
        for kind in ("territorial", "previous_wave"):
            stats = {"portraits": len(part), "mean_tests": float(np.mean([r[f"{kind}_tests"] for r in part]))}
            for rule in ("stated", "raw"):
                values = [r[f"{kind}_{rule}"] for r in part]
                key = "fdr" if rule == "stated" else "raw"
                stats |= {f"{key}_mean_stated": float(np.mean(values)), f"{key}_max_stated": int(max(values)),
                          f"{key}_share_any": float(np.mean([v > 0 for v in values]))}  # fmt: skip
            out[f"{level} / {kind}"] = stats
    return out


def markdown(result: dict) -> str:
    """The results as the Markdown file."""
    lines = [
        "# The portrait under a global null (answers permuted across respondents)",
        "",
        f"Measured {result['measured_at']} on {result['machine']}: `python -m benchmarks.portrait_null "
        f"--seed {result['seed']}`, database `{result['db']}`, {result['seconds']:.0f} s. Every survey-wave's "
        "answers given to other respondents of the same survey and wave at random (one respondent's answers "
        "together), estimates recomputed, portraits by the app's own code. No territory differs from another "
        "in truth.",
        "",
        "Territorial tests (against the rest of France and of the parent, and the model's) are all false "
        "under this null. Changes between waves are not: permuting within a wave keeps each wave's national "
        "level, so a national change between waves is real and every territory inherits it.",
        "",
        "| level / tests | portraits | tests per portrait | rule | mean statements | max | portraits stating anything |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for level, s in result["levels"].items():
        for rule, label in (("fdr", "Benjamini–Hochberg at 5 % (the app)"), ("raw", "each test at 5 % (before)")):
            lines.append(
                f"| {level} | {s['portraits']} | {s['mean_tests']:.0f} | {label} | {s[f'{rule}_mean_stated']:.2f} | "
                f"{s[f'{rule}_max_stated']} | {100 * s[f'{rule}_share_any']:.1f} % |"
            )
    lines += ["", "Target (issue 25): at most 10 % of portraits state any territorial finding under the null.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.portrait_null", description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "observatory.duckdb")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "observatory.duckdb"
        shutil.copy2(args.db, db)
        permute(db, args.seed)
        rewrite_estimates(db)
        settings = dataclasses.replace(get_settings(), db_path=db, geo_dir=args.db.parent / "geo")
        rows = portraits(Observatory(settings))
    result = {
        **provenance(),
        "db": str(args.db),
        "seed": args.seed,
        "seconds": time.perf_counter() - start,
        "levels": summary(rows),
        "portraits": rows,
    }
    write_results(args.out, "portrait_null", result, markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
