"""Small-area estimation of the EPCI figures: area-level models, benchmarked to the published levels.

A survey gives most intercommunalities a handful of respondents: their direct estimates are
suppressed, and rightly (their intervals are not only wide but wrong). An area-level model
(Rao & Molina, *Small Area Estimation*, 2015, ch. 6) borrows strength from covariates known for
every EPCI, and publishes for an EPCI with respondents a mix of its survey figure and of the
model's prediction (γ, the survey's share), for one without any the prediction alone, each with its
mean squared error (MSE), not a sampling variance.

- **Scores** (0–10): the Fay–Herriot model (:mod:`observatory.stats.fayherriot`) on the
  linear scale, with sampling variances smoothed by a generalised variance function
  (:func:`~observatory.stats.sae_cells.smooth_variances`: ψᵢ = k·s²/n_eff,ᵢ, k fitted on the
  larger EPCIs; the raw variance of an EPCI with three respondents is noise, zero when they
  answered alike).
- **Shares**: a binomial logit-normal area model (:mod:`observatory.stats.sae_logit`): the
  linear model's symmetric intervals clipped to [0, 1] covered a rare share 46–84 % of the time on
  an off-model truth; on the logit scale the interval stays inside [0, 1] and is asymmetric near
  the bounds, and the estimate is the bias-corrected mean of the back-transformation.
- **Covariates** (:func:`~observatory.stats.sae_designs.candidate_designs`): région (dummies), log
  density, log population and the EPCI's nature (CC, CA, CU, ME) — the ``linear`` design — and
  the same with a natural cubic spline of log density (``spline``: the bias of a linear density
  term sat at the density extremes). Each cell keeps the design of lower AIC (Gaussian likelihood for scores, Laplace's
  approximation of the binomial one for shares); both AICs are in ``sae_diagnostics``. Mayotte's
  EPCIs (population 0 in the geography source) have no covariate and no model figure.
- **σ²ᵤ = 0**: where REML puts the variance between EPCIs at 0, every estimate would be the
  regression line with intervals as narrow as β̂'s; the fit then uses Li and Lahiri's (2010)
  adjusted REML (always positive) and the areas get the status ``model_adjusted``.
- **Benchmarking** (:mod:`observatory.stats.sae_benchmark`): within every département whose
  direct estimate is reliable, else within the rest of its région, the weighted mean of the EPCI
  estimates equals the direct one; the MSE and the interval count the move.
- **Statuses** (:data:`STATUSES`) say what a figure is: ``model`` (survey and covariates, γ and n
  shown beside), ``model_adjusted`` (the same, σ²ᵤ from the adjusted REML), ``synthetic``
  (covariates only: no respondent), ``no_data``, ``no_covariates``.

Communes are not modelled: measured on replicate samples, their intervals covered the truth 84–88 %
of the time and unsampled communes were biased by 4.6 points (the methodology page says why).

The module is the model's entry point (:func:`sae_tables`, :func:`published_rows`, the statuses and
columns); the covariates and designs are in :mod:`observatory.stats.sae_designs`, the fit of one
cell in :mod:`observatory.stats.sae_cells`. Their public names are importable from here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from observatory.core.reference import MODEL_LEVEL
from observatory.stats import sae_benchmark, sae_diagnostics
from observatory.stats.fayherriot import Fit, fit, reml_score
from observatory.stats.sae_benchmark import Benchmark, benchmark_for, reliable
from observatory.stats.sae_cells import (
    GVF_MIN_AREAS,
    GVF_THRESHOLDS,
    SCORE_BOUNDS,
    SHARE_BOUNDS,
    Z95,
    estimate_cell,
    share_design_effect,
    smooth_variances,
)
from observatory.stats.sae_designs import (
    DESIGNS,
    NATURES,
    SPLINE_KNOTS,
    candidate_designs,
    covariates_from,
    design_matrix,
    epci_parents,
    natural_spline_terms,
)

__all__ = [
    "CELL_KEYS", "DESIGNS", "GVF_MIN_AREAS", "GVF_THRESHOLDS", "MODEL_STATUSES", "NATURES", "PUBLISHED_COLUMNS",
    "SAE_COLUMNS", "SCORE_BOUNDS", "SHARE_BOUNDS", "SPLINE_KNOTS", "STATUSES", "Z95", "Benchmark", "Fit",
    "SaeTables", "benchmark_for", "candidate_designs", "covariates_from", "design_matrix", "epci_estimates",
    "epci_parents", "estimate_cell", "fit", "natural_spline_terms", "published_rows", "reliable", "reml_score",
    "sae_table", "sae_tables", "share_design_effect", "smooth_variances",
]  # fmt: skip

STATUSES: dict[str, tuple[str, str]] = {
    "model": (
        "Modèle : enquête et covariables (γ = part de l'enquête)",
        "Model: survey and covariates (γ = the survey's share)",
    ),
    "model_adjusted": (
        "Modèle : enquête et covariables, variance entre EPCI ajustée (REML nulle)",
        "Model: survey and covariates, between-EPCI variance adjusted (REML was 0)",
    ),
    "synthetic": ("Synthétique : covariables seules (aucun répondant)", "Synthetic: covariates only (no respondent)"),
    "no_data": ("Trop peu d'EPCI avec des répondants pour le modèle", "Too few EPCIs with respondents for the model"),
    "no_covariates": ("Pas de covariables : pas d'estimation", "No covariates: no estimate"),
}
MODEL_STATUSES: tuple[str, ...] = ("model", "model_adjusted", "synthetic")  # the statuses with a figure
SAE_COLUMNS: tuple[str, ...] = (
    "indicator", "survey", "wave", "territory_code", "measure", "statistic", "estimate", "mse", "se",
    "ci_low", "ci_high", "n", "gamma", "sae_status", "direct_estimate", "direct_var", "smoothed_var", "sigma2_u",
    "link", "design", "benchmark_group", "benchmark_shift",
)  # fmt: skip
CELL_KEYS: tuple[str, ...] = ("indicator", "survey", "wave", "measure", "statistic")


def epci_estimates(direct: pd.DataFrame, covariates: pd.DataFrame, benchmark: Benchmark | None = None) -> pd.DataFrame:
    """The model estimate of every EPCI with covariates, for one cell (indicator × … × statistic).

    Args:
        direct: The cell's EPCI rows of the ``estimates`` table (territory_code, statistic, n,
            sum_w, sum_w2, estimate, var); EPCIs without respondent may be absent.
        covariates: :func:`covariates_from`'s table.
        benchmark: Where the estimates must agree with published direct levels
            (:func:`observatory.stats.sae_benchmark.benchmark_for`); None: not benchmarked.

    Returns:
        One row per EPCI of ``covariates``: the columns of ``SAE_COLUMNS`` but the cell's keys
        (see :func:`_finish`).
    """
    designs = candidate_designs(covariates)
    is_share = not (len(direct) and str(direct["statistic"].iloc[0]) == "mean_score")
    cell = direct.set_index("territory_code").reindex(covariates.index)
    arrays = {c: cell[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    bench = _bench_arrays(benchmark, covariates.index) if benchmark is not None else None
    with threadpool_limits(limits=1, user_api="blas"):  # see sae_tables
        result, _diagnostics = estimate_cell(arrays, designs, is_share, bench)
    return pd.DataFrame({"territory_code": covariates.index.to_numpy(), **result})[
        [c for c in SAE_COLUMNS if c not in CELL_KEYS]
    ]


def _bench_arrays(benchmark: Benchmark, codes: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The benchmark aligned on ``codes``: weights, group indices (−1: none), targets, group labels."""
    labels = np.array(sorted(benchmark.target.index), dtype=object)
    index = {label: i for i, label in enumerate(labels)}
    group = benchmark.group.reindex(codes).map(index).fillna(-1).to_numpy().astype(int)
    weight = benchmark.weight.reindex(codes).fillna(0).to_numpy(float)
    return weight, group, benchmark.target.reindex(labels).to_numpy(float), labels


class SaeTables(NamedTuple):
    """What a load stores: the estimates of every EPCI × cell, and one row of diagnostics per cell."""

    estimates: pd.DataFrame
    diagnostics: pd.DataFrame


def sae_table(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``sae_estimates`` table (see :func:`sae_tables`)."""
    return sae_tables(estimates, covariates, parents).estimates


def sae_tables(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None = None) -> SaeTables:
    """The ``sae_estimates`` and ``sae_diagnostics`` tables of every EPCI cell of ``estimates``.

    Args:
        estimates: The ``estimates`` table (or any part of it): its EPCI rows over all sizes
            (``size_class`` empty or null) are modelled; its département and région rows of the
            same cells are the benchmarks.
        covariates: :func:`covariates_from`'s table.
        parents: Indexed by EPCI code: departement_code, region_code, population, communes
            (:func:`epci_parents`); None: no benchmarking.

    Returns:
        ``estimates``: one row per EPCI with covariates × (indicator, survey, wave, measure,
        statistic), and one per EPCI with respondents but no covariates (status ``no_covariates``,
        no estimate), columns ``SAE_COLUMNS``, ordered by those keys and the EPCI code.
        ``diagnostics``: one row per modelled cell, columns ``DIAGNOSTIC_COLUMNS``.
    """
    # One BLAS thread: the fits are many small products (p ≈ 25), for which threads only contend
    # (a REML step took 15 ms instead of 0.26 on a busy 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _sae_tables(estimates, covariates, parents)


def _sae_tables(estimates: pd.DataFrame, covariates: pd.DataFrame, parents: pd.DataFrame | None) -> SaeTables:
    all_sizes = (estimates["size_class"].isna() | (estimates["size_class"] == "")).to_numpy()
    rows = estimates[(estimates["level"] == MODEL_LEVEL).to_numpy() & all_sizes]
    designs = candidate_designs(covariates)
    codes = covariates.index.to_numpy()
    m = len(codes)
    position = covariates.index.get_indexer(rows["territory_code"].astype(str))
    uncovered = _without_covariates(rows[position < 0])
    rows = rows.assign(_position=position)[position >= 0].sort_values([*CELL_KEYS, "_position"])
    frame = _ParentFrame(estimates[all_sizes], parents, covariates.index) if parents is not None else None
    group_ids = rows.groupby(list(CELL_KEYS), sort=False, observed=True).ngroup().to_numpy()
    bounds = np.r_[np.flatnonzero(np.r_[True, group_ids[1:] != group_ids[:-1]]), len(rows)] if len(rows) else [0]
    values = {c: rows[c].to_numpy(float) for c in ("n", "sum_w", "sum_w2", "estimate", "var")}
    pos, key_values = rows["_position"].to_numpy(), {c: rows[c].to_numpy() for c in CELL_KEYS}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in SAE_COLUMNS}
    diagnostics: list[dict[str, object]] = []
    for first, stop in zip(bounds[:-1], bounds[1:], strict=True):
        keys = tuple(key_values[c][first] for c in CELL_KEYS)
        cell = {c: np.full(m, np.nan) for c in values}
        for c, v in values.items():
            cell[c][pos[first:stop]] = v[first:stop]
        bench = frame.benchmark(keys) if frame is not None else None
        result, diag = estimate_cell(cell, designs, keys[4] != "mean_score", bench)
        for c, v in result.items():
            parts[c].append(v)
        parts["territory_code"].append(codes)
        for c, k in zip(CELL_KEYS, keys, strict=True):
            parts[c].append(np.full(m, k, dtype=object))
        if diag:
            diagnostics.append(dict(zip(CELL_KEYS, keys, strict=True)) | diag)
    if not len(rows):
        return SaeTables(uncovered, sae_diagnostics.table([]))
    out = pd.DataFrame({c: np.concatenate(parts[c]) for c in SAE_COLUMNS})
    if len(uncovered):
        out = pd.concat([out, uncovered], ignore_index=True)
        out = out.sort_values([*CELL_KEYS, "territory_code"], ignore_index=True)
    out["wave"] = out["wave"].astype("int64")
    return SaeTables(out, sae_diagnostics.table(diagnostics))


class _ParentFrame:
    """The benchmark of every cell, from the département and région rows of ``estimates``."""

    def __init__(self, estimates: pd.DataFrame, parents: pd.DataFrame, codes: pd.Index) -> None:
        p = parents.reindex(codes)
        self.dep_codes = pd.Index(sorted(p["departement_code"].dropna().unique()))
        self.reg_codes = pd.Index(sorted(p["region_code"].dropna().unique()))
        self.dep_pos = self.dep_codes.get_indexer(p["departement_code"])
        self.reg_pos = self.reg_codes.get_indexer(p["region_code"])
        self.population = p["population"].fillna(0).to_numpy(float)
        self.communes = p["communes"].fillna(0).to_numpy(float)
        labels = [f"D{c}" for c in self.dep_codes] + [f"R{c}" for c in self.reg_codes]
        self.labels = np.array(labels, dtype=object)
        self.values: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        for level, index in (("departement", self.dep_codes), ("region", self.reg_codes)):
            rows = estimates[(estimates["level"] == level).to_numpy()]
            at = index.get_indexer(rows["territory_code"].astype(str))
            rows = rows.assign(_at=at)[at >= 0]
            ok = reliable(rows["n"], rows["estimate"], rows["var"])
            rows = rows.assign(_value=np.where(ok, rows["estimate"].to_numpy(float), np.nan))
            for keys, group in rows.groupby(list(CELL_KEYS), sort=False, observed=True):
                value = np.full(len(index), np.nan)
                value[group["_at"].to_numpy()] = group["_value"].to_numpy()
                dep, reg = self.values.get(
                    keys, (np.full(len(self.dep_codes), np.nan), np.full(len(self.reg_codes), np.nan))
                )
                self.values[keys] = (value, reg) if level == "departement" else (dep, value)

    def benchmark(self, keys: tuple) -> tuple | None:
        """Weights, group indices, targets and labels of one cell (None: no parent rows)."""
        if keys not in self.values:
            return None
        dep_value, reg_value = self.values[keys]
        weight = self.communes if keys[1] == "elus" else self.population  # one mayor per commune
        group, target = sae_benchmark.groups(self.dep_pos, self.reg_pos, weight, dep_value, reg_value)
        return weight, group, target, self.labels


def _without_covariates(rows: pd.DataFrame) -> pd.DataFrame:
    """EPCIs with respondents but no covariates: their direct figures, status no_covariates."""
    out = pd.DataFrame({c: rows[c].to_numpy() for c in (*CELL_KEYS, "territory_code", "n")})
    out["n"] = out["n"].astype("int64")
    out["direct_estimate"], out["direct_var"] = rows["estimate"].to_numpy(float), rows["var"].to_numpy(float)
    out["sae_status"] = "no_covariates"
    return out.reindex(columns=list(SAE_COLUMNS))


PUBLISHED_COLUMNS: tuple[str, ...] = (
    "indicator", "wave", "survey", "level", "territory_code", "territory_name", "measure", "statistic",
    "estimate", "se", "mse", "ci_low", "ci_high", "n", "gamma", "sae_status", "status_fr", "status_en",
    "direct_estimate", "direct_se", "sigma2_u", "link", "design", "benchmark_group", "benchmark_shift", "method",
)  # fmt: skip


def published_rows(
    stored: pd.DataFrame, epcis: pd.DataFrame, grid: list[tuple[str, str]], modelled: set | None = None
) -> pd.DataFrame:
    """Every EPCI × (measure, statistic) of ``grid``, with its stored model row where there is one.

    Args:
        stored: Rows of ``sae_estimates`` (one indicator, survey and wave).
        epcis: Every EPCI (code, name), or those whose rows ``stored`` holds.
        grid: The (measure, statistic) pairs, in the order the rows should follow.
        modelled: The (measure, statistic) pairs modelled for some EPCI (default: those of ``stored``,
            which then holds every EPCI's rows).

    Returns:
        ``PUBLISHED_COLUMNS`` (indicator, survey and wave left to the caller), in grid order then by
        code. An EPCI without a stored row gets the status ``no_covariates`` when the cell was
        modelled for other EPCIs, else ``no_data``; it has n = 0 and no estimate.
    """
    frame = pd.DataFrame(grid, columns=["measure", "statistic"]).assign(_order=range(len(grid)))
    full = epcis.rename(columns={"code": "territory_code", "name": "territory_name"}).merge(frame, how="cross")
    keys = ["territory_code", "measure", "statistic"]
    values = [c for c in SAE_COLUMNS if c not in CELL_KEYS or c in keys]
    # A database written before a column existed (link, design, benchmark): those stay empty.
    out = full.merge(stored.reindex(columns=values), on=keys, how="left")
    if modelled is None:
        modelled = set(zip(stored["measure"], stored["statistic"], strict=True))
    missing = out["sae_status"].isna().to_numpy()
    in_model = np.array([pair in modelled for pair in zip(out["measure"], out["statistic"], strict=True)], dtype=bool)
    # "model_only" is the name a database written before December 2026 gives "model_adjusted".
    stated = out["sae_status"].replace({"model_only": "model_adjusted"})
    out["sae_status"] = np.where(missing, np.where(in_model, "no_covariates", "no_data"), stated)
    out["n"] = out["n"].fillna(0).astype("int64")
    out["direct_se"] = np.sqrt(np.clip(out["direct_var"].to_numpy(float), 0, None))
    out["status_fr"] = out["sae_status"].map(lambda s: STATUSES[s][0])
    out["status_en"] = out["sae_status"].map(lambda s: STATUSES[s][1])
    out = out.assign(level=MODEL_LEVEL, method="sae", indicator=None, wave=None, survey=None)
    out = out.sort_values(["_order", "territory_code"], kind="stable", ignore_index=True)
    return out[list(PUBLISHED_COLUMNS)]
