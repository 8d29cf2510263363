"""The small-area model: validated on replicate samples with a known truth, and timed at load.

Usage: ``python -m benchmarks.sae [--db data/observatory.duckdb] [--replicates 20] [--out benchmarks/results]``.
Writes ``<out>/sae.md`` and ``<out>/sae.json`` (the methodology page shows the latter's table).

1. Validation. For three indicators of the demonstration database (a citizens' score, the
   companies' partnership share, the mayors' Q4 share), each replicate draws a truth for every
   EPCI from the model fitted on the database (x'β̂ + u, u ~ N(0, σ̂²ᵤ), on the real covariates;
   on the logit scale for the shares, as the model),
   then a sample with each EPCI's real number of respondents (answers: normal scores within
   [0, 10] with the fitted unit variance, or Bernoulli), its direct estimates (mean, s²/n), and
   fits the model on them. Coverage of the 95 % intervals and RMSE against the truth, direct vs
   model, by respondents per EPCI. The truth follows the model's own assumptions: an upper bound on
   what a real survey will show (see ``shared/reference/small_area.md``).
2. Fit time. ``sae_table`` over every EPCI cell of the database (what a load adds), by indicator.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit, logit

from benchmarks import provenance, write_results
from etl.geography import epci_natures
from observatory.stats import sae

ROOT = Path(__file__).resolve().parent.parent
CELLS: tuple[tuple[str, str, int, str, str, str], ...] = (
    # (indicator, survey, wave, measure, statistic, label)
    ("fragility", "citoyens", 2015, "logement", "mean_score", "citizens' logement score (0–10)"),
    ("partnerships", "entreprises", 2015, "partner", "share", "companies with a partnership (share)"),
    ("mayors", "elus", 2016, "q4_oui", "share", "mayors' Q4 'oui' (share)"),
)
GROUPS: tuple[tuple[str, int, int], ...] = (("n = 0", 0, 0), ("n 1–29", 1, 29), ("n ≥ 30", 30, 10**9))


def load(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The EPCI rows of the estimates table (all sizes) and the model's covariates."""
    with duckdb.connect(str(db), read_only=True) as con:
        estimates = con.execute("SELECT * FROM estimates WHERE level = 'epci' AND size_class IS NULL").df()
        territories = con.execute(
            "SELECT code, region_code, population, area_km2 FROM territories WHERE level = 'epci'"
        ).df()
    return estimates, sae.covariates_from(territories, epci_natures())


def replicate(direct: pd.DataFrame, cov: pd.DataFrame, fitted: pd.DataFrame, share: bool, rng) -> pd.DataFrame:
    """One replicate: truth from the fitted model, a sample of the real sizes, the two estimates."""
    x = sae.design_matrix(cov).to_numpy(float)
    n = direct.set_index("territory_code")["n"].reindex(cov.index).fillna(0).to_numpy(int)
    # The truth's mean: the regression of the database's model estimates on the covariates, on the
    # model's scale (the logit for shares), plus an area effect of the fitted σ²ᵤ.
    fitted_values = fitted["estimate"].to_numpy(float)
    if share:
        fitted_values = logit(np.clip(fitted_values, 0.005, 0.995))
    beta = np.linalg.lstsq(x, fitted_values, rcond=None)[0]
    sigma2 = float(fitted["sigma2_u"].iloc[0])
    theta = x @ beta + rng.normal(0, np.sqrt(sigma2), len(x))
    theta = expit(theta) if share else np.clip(theta, *sae.SCORE_BOUNDS)
    unit_sd = np.sqrt(np.nanmedian(fitted["smoothed_var"] * fitted["n"])) if not share else None
    rows = []
    for code, t, k in zip(cov.index, theta, n, strict=True):
        if k == 0:
            continue
        answers = rng.binomial(1, t, k) if share else np.clip(rng.normal(t, unit_sd, k), 0, 10)
        var = answers.var(ddof=1) / k if k > 1 else 0.0
        rows.append((code, k, float(k), float(k), answers.mean(), var))
    sample = pd.DataFrame(rows, columns=["territory_code", "n", "sum_w", "sum_w2", "estimate", "var"])
    out = sae.epci_estimates(sample.assign(statistic="share" if share else "mean_score"), cov)
    return out.assign(truth=theta)


def scores(frames: list[pd.DataFrame]) -> dict:
    """Coverage and RMSE, direct and model, per group of respondents and overall."""
    all_rows = pd.concat(frames, ignore_index=True)
    result = {}
    for name, lo, hi in (*GROUPS, ("all", 0, 10**9)):
        g = all_rows[all_rows["n"].between(lo, hi)]
        model_cover = ((g["ci_low"] <= g["truth"]) & (g["truth"] <= g["ci_high"])).mean()
        d = g[g["n"] >= 1]
        # Direct: the published estimator, a normal 95 % interval on its own variance.
        half = sae.Z95 * np.sqrt(d["direct_var"].clip(lower=0))
        direct_cover = (
            (d["direct_estimate"] - half <= d["truth"]) & (d["truth"] <= d["direct_estimate"] + half)
        ).mean()
        result[name] = {
            "areas_per_replicate": round(len(g) / len(frames), 1),
            "direct_rmse": float(np.sqrt(((d["direct_estimate"] - d["truth"]) ** 2).mean())) if len(d) else None,
            "direct_coverage": float(direct_cover) if len(d) else None,
            "model_rmse": float(np.sqrt(((g["estimate"] - g["truth"]) ** 2).mean())),
            "model_coverage": float(model_cover),
            "model_adjusted_share": float((g["sae_status"] == "model_adjusted").mean()),
        }
    return result


def validate(estimates: pd.DataFrame, cov: pd.DataFrame, replicates: int, seed: int) -> list[dict]:
    """The validation table of every cell of CELLS."""
    rng = np.random.default_rng(seed)
    out = []
    for indicator, survey, wave, measure, statistic, label in CELLS:
        keys = (estimates["indicator"] == indicator) & (estimates["survey"] == survey) & (estimates["wave"] == wave)
        keys &= (estimates["measure"] == measure) & (estimates["statistic"] == statistic)
        direct = estimates[keys]
        fitted = sae.epci_estimates(direct, cov)
        share = statistic != "mean_score"
        frames = [replicate(direct, cov, fitted, share, rng) for _ in range(replicates)]
        out.append(
            {
                "indicator": indicator, "survey": survey, "wave": wave, "measure": measure, "statistic": statistic,
                "label": label, "replicates": replicates, "sigma2_u": float(fitted["sigma2_u"].iloc[0]),
                "groups": scores(frames),
            }
        )  # fmt: skip
    return out


def fit_times(estimates: pd.DataFrame, cov: pd.DataFrame) -> dict:
    """Seconds of sae_table per indicator (every survey, wave, measure, statistic) and in total."""
    times, fits = {}, {}
    for indicator, rows in estimates.groupby("indicator"):
        start = time.perf_counter()
        table = sae.sae_table(rows, cov)
        times[indicator] = round(time.perf_counter() - start, 3)
        fits[indicator] = int(table.groupby(list(sae.CELL_KEYS)).ngroups)
    start = time.perf_counter()
    rows = len(sae.sae_table(estimates, cov))
    return {"by_indicator_s": times, "fits": fits, "total_s": round(time.perf_counter() - start, 3), "rows": rows}


def markdown(result: dict) -> str:
    """The results as the Markdown file."""
    lines = [
        "# Small-area estimates (EPCI): validation on the model's own truth, and fit time",
        "",
        f"Measured {result['measured_at']} on {result['machine']} (`python -m benchmarks.sae`), database "
        f"`{result['db']}`. Truth drawn from the model fitted on the demonstration data, {result['replicates']} "
        "replicates with each EPCI's real number of respondents: an upper bound (the synthetic truth follows "
        "the model's own assumptions).",
        "",
        "| indicator | EPCIs | per replicate | direct RMSE | direct 95 % coverage | model RMSE | model 95 % coverage |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def fmt(v, digits=3):
        return "—" if v is None else f"{v:.{digits}f}"

    for cell in result["validation"]:
        for group, g in cell["groups"].items():
            lines.append(
                f"| {cell['label']} | {group} | {g['areas_per_replicate']:.0f} | {fmt(g['direct_rmse'])} | "
                f"{fmt(g['direct_coverage'], 2)} | {fmt(g['model_rmse'])} | {fmt(g['model_coverage'], 2)} |"
            )
    t = result["fit_time"]
    lines += [
        "",
        f"Fit time at load (×1, every survey, wave, measure and statistic: {sum(t['fits'].values())} fits, "
        f"{t['rows']:,} rows): **{t['total_s']:.2f} s** in total.",
        "",
        "| indicator | fits | seconds |",
        "| --- | ---: | ---: |",
        *[f"| {k} | {t['fits'][k]} | {v:.2f} |" for k, v in t["by_indicator_s"].items()],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sae", description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "observatory.duckdb")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    estimates, cov = load(args.db)
    result = {
        **provenance(),
        "db": str(args.db),
        "replicates": args.replicates,
        "validation": validate(estimates, cov, args.replicates, args.seed),
        "fit_time": fit_times(estimates, cov),
    }
    write_results(args.out, "sae", result, markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
